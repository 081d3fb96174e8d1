//! Findings merged by cause (issue 10 Figures): in GCP a member losing one binding at a
//! scope loses its role's permissions across a dozen services, which the comparison finds
//! as one finding per group of actions and service. A reader wants one: the findings of a
//! principal with the same code, the same witness (the scope) and the same statements and
//! conditions deciding each side (the cause) become one, whose actions are the union and
//! whose `parts` keep each group's actions and resources.
//!
//! Actions of different findings of one principal are disjoint (groups partition them),
//! so the counts are those of the findings merged.

use rustc_hash::FxHashMap;
use std::collections::BTreeSet;

use super::findings::{Code, Finding, FindingPart, Route};

/// What makes two findings of one principal one: code, witness, and each side's status,
/// conditions and routes.
type Key<'f> = (
    Code,
    &'f str,
    (&'f str, &'f [String], &'f [Route]),
    (&'f str, &'f [String], &'f [Route]),
);

fn key(f: &Finding) -> Option<Key<'_>> {
    let mergeable = matches!(
        f.code,
        Code::Lost | Code::Narrowed | Code::Conditional | Code::Gained | Code::Widened
    );
    let w = f
        .witness
        .as_deref()
        .filter(|_| mergeable && f.waived.is_none())?;
    Some((
        f.code,
        w,
        (&f.before.status, &f.before.conditions, &f.before.routes),
        (&f.after.status, &f.after.conditions, &f.after.routes),
    ))
}

/// Merges a principal's findings that share code, witness and cause; the others, and
/// findings alone in their class, are returned as they are, in their order.
pub fn by_cause(findings: Vec<Finding>) -> Vec<Finding> {
    // classes by first member, in order
    let mut class_of: Vec<usize> = Vec::with_capacity(findings.len());
    let mut sizes: Vec<usize> = Vec::new();
    {
        let mut index: FxHashMap<Key<'_>, usize> = FxHashMap::default();
        for f in &findings {
            let c = match key(f) {
                Some(k) => *index.entry(k).or_insert_with(|| {
                    sizes.push(0);
                    sizes.len() - 1
                }),
                None => {
                    sizes.push(0);
                    sizes.len() - 1
                }
            };
            if let Some(n) = sizes.get_mut(c) {
                *n += 1;
            }
            class_of.push(c);
        }
    }
    if sizes.len() == findings.len() {
        return findings;
    }
    let mut classes: Vec<Vec<Finding>> = sizes.iter().map(|&n| Vec::with_capacity(n)).collect();
    for (f, c) in findings.into_iter().zip(class_of) {
        if let Some(v) = classes.get_mut(c) {
            v.push(f);
        }
    }
    classes.into_iter().filter_map(merge).collect()
}

/// One finding for a class: the finding itself when alone.
fn merge(mut class: Vec<Finding>) -> Option<Finding> {
    if class.len() < 2 {
        return class.pop();
    }
    class.sort_by(|a, b| (&a.service, &a.actions).cmp(&(&b.service, &b.actions)));
    let mut services: Vec<&str> = Vec::new();
    for f in &class {
        if services.last() != Some(&f.service.as_str()) {
            services.push(&f.service);
        }
    }
    let actions: Vec<String> = {
        let mut all: Vec<&str> = class
            .iter()
            .flat_map(|f| f.actions.iter().map(String::as_str))
            .collect();
        all.sort_unstable();
        all.dedup();
        all.into_iter().map(str::to_owned).collect()
    };
    let n_services = services.len();
    let service = services.join(", ");
    let severity = class.iter().map(|f| f.severity).max()?;
    let pairs = class.iter().map(|f| f.pairs).sum();
    // each finding's sentence names its actions' access levels; fall back to its highest
    let mut levels: BTreeSet<(u8, &str)> = BTreeSet::new();
    for f in &class {
        match levels_in(f) {
            Some(ls) => levels.extend(ls.split(", ").map(|l| (rank(l), l))),
            None => {
                levels.insert((rank(f.severity.as_str()), f.severity.as_str()));
            }
        }
    }
    let levels: Vec<&str> = levels.into_iter().map(|(_, l)| l).collect();
    let message = message(class.first()?, actions.len(), n_services, &levels);
    // each finding's lists move into its part; the union is built from the parts
    let mut parts: Vec<FindingPart> = class
        .iter_mut()
        .map(|f| FindingPart {
            service: f.service.clone(),
            actions: std::mem::take(&mut f.actions),
            pairs: f.pairs,
            severity: f.severity,
            before_resources: Some(std::mem::take(&mut f.before.resources)),
            after_resources: Some(std::mem::take(&mut f.after.resources)),
        })
        .collect();
    let union = |side: fn(&FindingPart) -> Option<&Vec<String>>| -> Vec<String> {
        let set: BTreeSet<&String> = parts.iter().filter_map(side).flatten().collect();
        set.into_iter().cloned().collect()
    };
    let (before, after) = (
        union(|p| p.before_resources.as_ref()),
        union(|p| p.after_resources.as_ref()),
    );
    let mut out = class.into_iter().next()?;
    out.severity = severity;
    out.service = service;
    out.actions = actions;
    out.pairs = pairs;
    out.message = message;
    out.before.resources = before;
    out.after.resources = after;
    // a part's side is left out when it is the union
    for p in &mut parts {
        if p.before_resources.as_ref() == Some(&out.before.resources) {
            p.before_resources = None;
        }
        if p.after_resources.as_ref() == Some(&out.after.resources) {
            p.after_resources = None;
        }
    }
    out.parts = parts;
    Some(out)
}

/// Where a finding's sentence names its count and service: ` 3 storage action(s) (`.
fn mid(f: &Finding) -> String {
    format!(" {} {} action(s) (", f.actions.len(), f.service)
}

/// The access levels a finding's sentence names (`Read, Write`).
fn levels_in(f: &Finding) -> Option<&str> {
    let m = mid(f);
    let tail = f.message.get(f.message.find(&m)? + m.len()..)?;
    tail.get(..tail.find(')')?)
}

/// The order of access levels, as the catalog ranks them.
fn rank(level: &str) -> u8 {
    match level {
        "List" => 1,
        "Read" => 2,
        "Tagging" => 3,
        "Write" => 4,
        _ => 5,
    }
}

/// The first finding's sentence with its count and service replaced by the merged ones:
/// `alice loses 3 storage action(s) (Read): …` → `alice loses 9 action(s) of 3 services
/// (List, Read): …`.
fn message(first: &Finding, n: usize, services: usize, levels: &[&str]) -> String {
    let levels = levels.join(", ");
    let m = mid(first);
    let rewritten = first.message.find(&m).and_then(|at| {
        let head = first.message.get(..at)?;
        let tail = first.message.get(at + m.len()..)?;
        let rest = tail.get(tail.find(')')? + 1..)?;
        Some(format!(
            "{head} {n} action(s) of {services} services ({levels}){rest}"
        ))
    });
    rewritten.unwrap_or_else(|| {
        format!(
            "{} {}: {n} action(s) of {services} services at `{}`",
            first.principal,
            first.code,
            first.witness.as_deref().unwrap_or_default()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::AccessLevel;
    use crate::diff::findings::Side;

    fn finding(service: &str, actions: &[&str], level: AccessLevel, res: &str) -> Finding {
        let side = |status: &str| Side {
            status: status.into(),
            resources: vec![res.into()],
            conditions: Vec::new(),
            routes: Vec::new(),
        };
        Finding {
            code: Code::Narrowed,
            category: Code::Narrowed.category(),
            severity: level,
            principal_kind: "user".into(),
            principal: "user:a@x.com".into(),
            service: service.into(),
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            pairs: actions.len(),
            witness: Some("organizations/1/projects/p".into()),
            message: format!(
                "user:a@x.com keeps {} {service} action(s) ({}) on fewer resources: x",
                actions.len(),
                level.as_str()
            ),
            before: side("allowed"),
            after: side("not-allowed"),
            waived: None,
            fails_gate: false,
            causes: Vec::new(),
            lint: Vec::new(),
            parts: Vec::new(),
        }
    }

    // issue 10 (Figures): one finding per (member, scope, cause), parts one JSON path away
    #[test]
    fn same_cause_and_scope_merge_into_one_finding_with_parts() {
        let fs = vec![
            finding("storage", &["storage.objects.get"], AccessLevel::Read, "r1"),
            finding(
                "resourcemanager",
                &["resourcemanager.projects.get"],
                AccessLevel::List,
                "r2",
            ),
            finding(
                "storage",
                &["storage.objects.list"],
                AccessLevel::List,
                "r3",
            ),
        ];
        let out = by_cause(fs);
        assert_eq!(out.len(), 1);
        let f = &out[0];
        assert_eq!(f.service, "resourcemanager, storage");
        assert_eq!(f.actions.len(), 3);
        assert_eq!(f.pairs, 3);
        assert_eq!(f.severity, AccessLevel::Read);
        assert_eq!(f.parts.len(), 3);
        assert_eq!(f.parts[0].service, "resourcemanager");
        assert_eq!(f.parts[0].before_resources, Some(vec!["r2".to_owned()]));
        assert_eq!(f.before.resources, ["r1", "r2", "r3"]);
        assert_eq!(
            f.message,
            "user:a@x.com keeps 3 action(s) of 2 services (List, Read) on fewer resources: x"
        );
    }

    #[test]
    fn different_witness_or_code_stay_apart() {
        let a = finding("storage", &["storage.objects.get"], AccessLevel::Read, "r");
        let mut b = finding("run", &["run.services.get"], AccessLevel::Read, "r");
        b.witness = Some("organizations/1/projects/q".into());
        let mut c = finding("iam", &["iam.roles.get"], AccessLevel::Read, "r");
        c.code = Code::Lost;
        let out = by_cause(vec![a.clone(), b.clone(), c.clone()]);
        assert_eq!(out, vec![a, b, c]);
    }
}
