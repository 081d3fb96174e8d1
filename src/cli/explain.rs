//! `iamdiff explain`: one request decided, with the statements behind the decision.

use std::io::Write;

use crate::eval;
use crate::model::Snapshot;
use crate::report;

use super::args::{ExplainArgs, ExplainFormat};
use super::common;
use super::{CliError, Outcome};

pub fn run(a: &ExplainArgs, out: &mut dyn Write) -> Result<Outcome, CliError> {
    if !a.before.is_empty() {
        return run_both(a, out);
    }
    let context = common::context(&a.context)?;
    let snap = common::load(
        &a.sources,
        &a.scp,
        &common::load_options(&a.load, a.source_format),
    )?;
    common::print_warnings(&snap.warnings);
    let cat = common::catalog_for(&[&snap]);
    let resource = common::resource_for(&snap, a.resource.as_deref());
    let found = find_principal(&snap, &a.principal);
    // a name no principal has may be a person's (an e-mail, an Identity Center user)
    let unknown = found.is_err()
        && !snap
            .principals
            .iter()
            .any(|p| p.name == a.principal || p.arn.as_deref() == Some(a.principal.as_str()));
    if a.person || unknown {
        // a person: their own access and every role session they reach (issue 9)
        let eff = eval::effective(
            &snap,
            cat,
            &eval::EvalOptions {
                context: context.clone(),
            },
        );
        let view = eval::people::people(&snap, &eff, cat, &context);
        if let Some(person) = view.find(&a.principal) {
            let e = eval::people::explain_person(
                &snap,
                cat,
                person,
                &a.action,
                a.resource.as_deref(),
                &context,
            );
            match a.format {
                ExplainFormat::Text => report::people::write_person_text(&e, cat, out)?,
                ExplainFormat::Json => {
                    serde_json::to_writer_pretty(&mut *out, &e).map_err(report::json_io)?;
                    writeln!(out)?;
                }
            }
            return Ok(Outcome::Clean);
        }
        if a.person {
            return Err(CliError::Usage(format!(
                "no person named `{}`",
                a.principal
            )));
        }
    }
    let p = found?;
    let mut e = eval::explain(&snap, cat, p, &a.action, resource.as_deref(), &context);
    name_account(&mut e, &snap, p);
    match a.format {
        ExplainFormat::Text => report::explain::write_text(&e, cat, out)?,
        ExplainFormat::Json => report::explain::write_json(&e, out)?,
    }
    Ok(Outcome::Clean)
}

/// A principal by exact name, ARN, key (`111122223333:role/name`) or account and name
/// (`111122223333/name`); a name several principals share (a user and a role, or a role
/// in several accounts) is an error that says how to tell them apart.
pub fn find_principal<'a>(
    snap: &'a Snapshot,
    name: &str,
) -> Result<&'a crate::model::Principal, CliError> {
    let i = find_index(snap, name)?;
    snap.principals
        .get(i)
        .ok_or_else(|| CliError::Usage(format!("no user or role named `{name}`")))
}

fn find_index(snap: &Snapshot, name: &str) -> Result<usize, CliError> {
    let hits: Vec<usize> = snap
        .principals
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.name == name
                || p.arn.as_deref() == Some(name)
                || p.account.as_ref().is_some_and(|a| {
                    name.strip_prefix(a.as_str()).is_some_and(|rest| {
                        rest.strip_prefix('/') == Some(p.name.as_str())
                            || rest.strip_prefix(':')
                                == Some(&format!("{}/{}", p.kind.as_str(), p.name))
                    })
                })
        })
        .map(|(i, _)| i)
        .collect();
    let at = |i: &usize| snap.principals.get(*i);
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => {
            let mut close: Vec<&str> = snap
                .principals
                .iter()
                .map(|p| p.name.as_str())
                .filter(|n| n.eq_ignore_ascii_case(name) || n.contains(name))
                .take(5)
                .collect();
            close.sort();
            Err(CliError::Usage(format!(
                "no user or role named `{name}`{}",
                if close.is_empty() {
                    String::new()
                } else {
                    format!(" (did you mean `{}`?)", close.join("`, `"))
                }
            )))
        }
        several => {
            let accounts: std::collections::BTreeSet<Option<&str>> = several
                .iter()
                .filter_map(at)
                .map(|p| p.account.as_deref())
                .collect();
            if accounts.len() > 1 {
                let keys: Vec<String> = several
                    .iter()
                    .filter_map(at)
                    .map(|p| p.key().to_string())
                    .take(5)
                    .collect();
                Err(CliError::Usage(format!(
                    "`{name}` names principals in several accounts: give one of `{}` (or an ARN)",
                    keys.join("`, `")
                )))
            } else {
                Err(CliError::Usage(format!(
                    "`{name}` names both a user and a role: give the ARN instead"
                )))
            }
        }
    }
}

/// Names the principal's account in the explanation when the side holds several (issue 8).
fn name_account(e: &mut eval::explain::Explanation, snap: &Snapshot, p: &crate::model::Principal) {
    let accounts: std::collections::BTreeSet<&str> = snap
        .principals
        .iter()
        .filter_map(|q| q.account.as_deref())
        .collect();
    if accounts.len() > 1 {
        e.principal = p.key().display_name(true);
    }
}

/// `explain --before … --after …`: the decision on each side, with its statements.
fn run_both(a: &ExplainArgs, out: &mut dyn Write) -> Result<Outcome, CliError> {
    let context = common::context(&a.context)?;
    let (renames, map_file) = match &a.map {
        Some(p) => {
            let (name, text) = crate::ingest::read_yaml_source(p)?;
            let r = crate::diff::mapping::Renames::parse(&name, &text)?;
            (r, Some(name))
        }
        None => (crate::diff::mapping::Renames::default(), None),
    };
    let opts = common::load_options(&a.load, a.source_format);
    let before = common::load(&a.before, &a.scp, &opts)?;
    let after = common::load(&a.after, &a.scp, &opts)?;
    common::print_pair_warnings(&renames, map_file.as_ref(), &before, &after);
    let cat = common::catalog_for(&[&before, &after]);
    // the after principal is the before one's partner, as the diff matches them (by
    // account and name, through the renames); else the one of that name after
    let matching = crate::diff::match_principals(&before, &after, &renames);
    let ib = find_index(&before, &a.principal).ok();
    let partner = ib.and_then(|i| {
        matching
            .pairs
            .iter()
            .find(|(b, _)| *b == i)
            .map(|(_, j)| *j)
    });
    let ia = match (ib, partner) {
        (_, Some(j)) => Some(j),
        (Some(_), None) => None,
        (None, None) => find_index(&after, &a.principal).ok(),
    };
    if ib.is_none() && ia.is_none() {
        // neither side has it: report the before side's error
        find_index(&before, &a.principal)?;
    }
    let after_name = match (ia, ib) {
        (Some(j), _) => matching.display_name(true, j),
        (None, Some(i)) => matching
            .before_keys
            .get(i)
            .and_then(|k| renames.principal(k))
            .map_or_else(|| matching.display_name(false, i), |t| t.name),
        (None, None) => a.principal.clone(),
    };
    let before_name = ib.map_or_else(|| a.principal.clone(), |i| matching.display_name(false, i));
    let explain_one = |snap: &Snapshot, i: usize, name: String| {
        snap.principals.get(i).map(|p| {
            let resource = common::resource_for(snap, a.resource.as_deref());
            let mut e = eval::explain(snap, cat, p, &a.action, resource.as_deref(), &context);
            if matching.several_accounts {
                e.principal = name;
            }
            e
        })
    };
    let eb = ib.and_then(|i| explain_one(&before, i, before_name.clone()));
    let ea = ia.and_then(|j| explain_one(&after, j, after_name.clone()));
    match a.format {
        ExplainFormat::Json => {
            let v = serde_json::json!({ "before": eb, "after": ea });
            serde_json::to_writer_pretty(&mut *out, &v).map_err(crate::report::json_io)?;
            writeln!(out)?;
        }
        ExplainFormat::Text => {
            for (label, e, name) in [("before", &eb, &before_name), ("after", &ea, &after_name)] {
                writeln!(out, "== {label} ==")?;
                match e {
                    Some(e) => report::explain::write_text(e, cat, out)?,
                    None => writeln!(
                        out,
                        "decision: not-allowed\nprincipal `{name}` does not exist on this side"
                    )?,
                }
                writeln!(out)?;
            }
        }
    }
    Ok(Outcome::Clean)
}
