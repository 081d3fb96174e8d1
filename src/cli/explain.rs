//! `iamdiff explain`: one request decided, with the statements behind the decision.

use std::io::Write;

use crate::catalog::catalog;
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
    let p = find_principal(&snap, &a.principal)?;
    let cat = catalog();
    let e = eval::explain(&snap, cat, p, &a.action, a.resource.as_deref(), &context);
    match a.format {
        ExplainFormat::Text => report::explain::write_text(&e, cat, out)?,
        ExplainFormat::Json => report::explain::write_json(&e, out)?,
    }
    Ok(Outcome::Clean)
}

/// A principal by exact name or ARN; an ambiguous name (a user and a role) is an error.
pub fn find_principal<'a>(
    snap: &'a Snapshot,
    name: &str,
) -> Result<&'a crate::model::Principal, CliError> {
    let hits: Vec<_> = snap
        .principals
        .iter()
        .filter(|p| p.name == name || p.arn.as_deref() == Some(name))
        .collect();
    match hits.as_slice() {
        [one] => Ok(one),
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
        _ => Err(CliError::Usage(format!(
            "`{name}` names both a user and a role: give the ARN instead"
        ))),
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
    let map_warnings = match &map_file {
        Some(name) => renames.unused_rules(name, &before, &after),
        None => Vec::new(),
    };
    common::print_warnings(
        before
            .warnings
            .iter()
            .chain(&after.warnings)
            .chain(&map_warnings),
    );
    let cat = catalog();
    let pb = find_principal(&before, &a.principal).ok();
    let after_name = pb
        .and_then(|p| renames.principal(p.kind, &p.name))
        .unwrap_or_else(|| a.principal.clone());
    let pa = find_principal(&after, &after_name).ok();
    if pb.is_none() && pa.is_none() {
        // neither side has it: report the before side's error
        find_principal(&before, &a.principal)?;
    }
    let eb = pb.map(|p| eval::explain(&before, cat, p, &a.action, a.resource.as_deref(), &context));
    let ea = pa.map(|p| eval::explain(&after, cat, p, &a.action, a.resource.as_deref(), &context));
    match a.format {
        ExplainFormat::Json => {
            let v = serde_json::json!({ "before": eb, "after": ea });
            serde_json::to_writer_pretty(&mut *out, &v).map_err(crate::report::json_io)?;
            writeln!(out)?;
        }
        ExplainFormat::Text => {
            for (label, e, name) in [("before", &eb, &a.principal), ("after", &ea, &after_name)] {
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
