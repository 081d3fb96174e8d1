//! Lint findings in the diff (issue 11 item 2): a loss or a gain is often explained by a
//! grant that can never work on one side — the after side narrows a bucket grant to
//! `arn:aws:s3:::bucket/*` for bucket-level actions (L001/L002), an action is misspelt
//! (L003), a statement is shadowed by a deny (L004), a condition names a key the action
//! never has (L007). Only the policies the principals with findings hold are linted, each
//! once per side (never the whole side), and a lint finding is attached to a diff finding
//! when its statement names one of the finding's actions and the same lint finding is not
//! on the other side too (then it explains nothing that changed).

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::catalog::Catalog;
use crate::eval::layers::Layers;
use crate::eval::lint::{LintFinding, Rule, lint_policies};
use crate::model::{ActionClause, PolicyId, Snapshot, StatementRef};

use super::changes::Sides;
use super::findings::{Code, Finding, LintNote};
use super::outcome::PrincipalDiff;

/// The rules whose findings can explain a change of access.
const EXPLAINING: [Rule; 5] = [
    Rule::ActionResourceMismatch,
    Rule::DeadResource,
    Rule::UnknownAction,
    Rule::ShadowedByDeny,
    Rule::InapplicableConditionKey,
];

/// One side's lint findings of a policy, with the actions of the statement each is about.
struct Linted {
    /// (finding, statement's action patterns, lowercase; negated for `NotAction`)
    findings: Vec<(LintFinding, Vec<String>, bool)>,
}

fn linted(snap: &Snapshot, id: PolicyId, findings: Vec<LintFinding>) -> Linted {
    let policy = snap.policy(id);
    let findings = findings
        .into_iter()
        .filter(|f| EXPLAINING.contains(&f.rule_id))
        .map(|f| {
            let stmt = policy.and_then(|p| {
                p.document
                    .statements
                    .iter()
                    .enumerate()
                    .find(|(i, s)| match &f.statement {
                        Some(StatementRef::Sid(sid)) => s.sid.as_deref() == Some(sid.as_str()),
                        Some(StatementRef::Index(n)) => n == i,
                        None => false,
                    })
                    .map(|(_, s)| s)
            });
            let (acts, negated) = match stmt.map(|s| &s.action) {
                Some(ActionClause::Action(v)) => (v.clone(), false),
                Some(ActionClause::NotAction(v)) => (v.clone(), true),
                None => (Vec::new(), false),
            };
            (
                f,
                acts.iter().map(|a| a.to_ascii_lowercase()).collect(),
                negated,
            )
        })
        .collect();
    Linted { findings }
}

/// What identifies a lint finding across sides: code, policy, statement, message.
fn identity(f: &LintFinding) -> (&'static str, Option<&str>, Option<&StatementRef>, &str) {
    (
        f.code,
        f.policy.as_deref(),
        f.statement.as_ref(),
        &f.message,
    )
}

/// Whether the lint finding is about one of these actions.
fn names_any(f: &(LintFinding, Vec<String>, bool), actions: &[String]) -> bool {
    let (lf, patterns, negated) = f;
    actions.iter().any(|a| {
        let a = a.to_ascii_lowercase();
        if lf
            .suggestion
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(&a))
        {
            return true;
        }
        let hit = patterns
            .iter()
            .any(|p| crate::eval::wildcard::matches(p, &a));
        hit != *negated
    })
}

/// The identity policies and boundary a principal holds on one side.
fn held(snap: &Snapshot, i: usize) -> Vec<PolicyId> {
    let Some(p) = snap.principals.get(i) else {
        return Vec::new();
    };
    let layers = Layers::of(snap, p);
    let mut ids: Vec<PolicyId> = layers.identity.iter().map(|(id, _)| *id).collect();
    if let Some(Some(b)) = layers.boundary {
        ids.push(b);
    }
    ids.sort();
    ids.dedup();
    ids
}

/// Attaches to each finding of a lost/narrowed/conditional/gained/widened kind the lint
/// findings that explain it (`Finding::lint`), and says so in its message.
pub fn attach(
    catalog: &Catalog,
    before: &Snapshot,
    after: &Snapshot,
    diffs: &mut [PrincipalDiff],
    sides: &[Sides],
) {
    let snaps = [before, after];
    // what each principal whose findings lint may explain holds on each side
    let holds: Vec<Option<[Vec<PolicyId>; 2]>> = diffs
        .par_iter()
        .zip(sides)
        .map(|(d, who)| {
            d.findings.iter().any(|f| explainable(f.code)).then(|| {
                [
                    who.before.map(|i| held(before, i)).unwrap_or_default(),
                    who.after.map(|j| held(after, j)).unwrap_or_default(),
                ]
            })
        })
        .collect();
    // each policy linted once, the policies in parallel (an organization's thousands)
    let cache: [FxHashMap<PolicyId, Linted>; 2] = [0, 1].map(|side| {
        let mut ids: Vec<PolicyId> = holds
            .iter()
            .flatten()
            .flat_map(|h| h[side].iter().copied())
            .collect();
        ids.sort();
        ids.dedup();
        let found = lint_policies(snaps[side], catalog, &ids);
        ids.into_par_iter()
            .zip(found)
            .map(|(id, findings)| (id, linted(snaps[side], id, findings)))
            .collect()
    });
    diffs.par_iter_mut().zip(holds).for_each(|(d, ids)| {
        let Some(ids) = ids else { return };
        let on = |side: usize| -> Vec<&(LintFinding, Vec<String>, bool)> {
            ids[side]
                .iter()
                .filter_map(|id| cache[side].get(id))
                .flat_map(|l| l.findings.iter())
                .collect()
        };
        let (lb, la) = (on(0), on(1));
        let ib: FxHashSet<_> = lb.iter().map(|f| identity(&f.0)).collect();
        let ia: FxHashSet<_> = la.iter().map(|f| identity(&f.0)).collect();
        let only_b: Vec<_> = lb
            .into_iter()
            .filter(|f| !ia.contains(&identity(&f.0)))
            .collect();
        let only_a: Vec<_> = la
            .into_iter()
            .filter(|f| !ib.contains(&identity(&f.0)))
            .collect();
        if only_b.is_empty() && only_a.is_empty() {
            return;
        }
        for f in d.findings.iter_mut().filter(|f| explainable(f.code)) {
            note(f, "before", &only_b);
            note(f, "after", &only_a);
        }
    });
}

fn explainable(c: Code) -> bool {
    matches!(
        c,
        Code::Lost | Code::Narrowed | Code::Conditional | Code::Gained | Code::Widened
    )
}

fn note(f: &mut Finding, side: &str, lint: &[&(LintFinding, Vec<String>, bool)]) {
    let mut added = Vec::new();
    for x in lint.iter().filter(|x| names_any(x, &f.actions)) {
        let lf = &x.0;
        added.push(LintNote {
            code: lf.code.to_owned(),
            rule: lf.rule.to_owned(),
            side: side.to_owned(),
            file: lf.place.file.to_string(),
            pointer: lf.place.pointer.clone(),
            line: None,
            column: None,
            message: lf.message.clone(),
        });
    }
    if added.is_empty() {
        return;
    }
    // one mention per rule in the sentence; each finding with its place is in `lint`
    let mut rules: Vec<(&str, &str, usize)> = Vec::new();
    for n in &added {
        match rules.iter_mut().find(|r| r.0 == n.code) {
            Some(r) => r.2 += 1,
            None => rules.push((&n.code, &n.rule, 1)),
        }
    }
    let text: Vec<String> = rules
        .iter()
        .map(|(code, rule, n)| match n {
            1 => format!("{code} {rule}"),
            n => format!("{code} {rule} ×{n}"),
        })
        .collect();
    f.message = format!(
        "{}; explained by lint on the {side} side: {}",
        f.message,
        text.join(", ")
    );
    f.lint.extend(added);
}
