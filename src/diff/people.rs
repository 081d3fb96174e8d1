//! The person view of a diff (issue 9): people matched across the sides (by user name,
//! e-mail, or `people:` rules of `--map`), each compared on everything they can do,
//! directly and through every role they reach. A role no longer reached loses what it
//! granted only where no other path still grants it (the comparison is of the unions);
//! each path that is lost, gained or becomes conditional is listed with the person.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::catalog::{AccessLevel, Catalog};
use crate::eval::lang::Budget;
use crate::eval::people::{PeopleView, PersonAccess, RolePath};
use crate::model::Snapshot;

use super::compare::{self, Who};
use super::findings::{Code, Finding};
use super::mapping::Renames;
use super::outcome::{Counts, PrincipalDiff, PrincipalStatus};
use super::run::{DiffOptions, Matching};

/// What happened to one path of a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathChange {
    /// The role, as the after side names it (before side for a lost role).
    pub role: String,
    /// `lost`, `gained`, `conditional` (held unconditionally before, only under
    /// conditions after), `unconditional`, or `rerouted` (another path).
    pub change: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Undecided conditions of the after path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

/// The person view's counts, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PeopleSummary {
    pub compared: usize,
    pub changed: usize,
    pub removed: usize,
    pub new: usize,
    pub lost_paths: usize,
    pub gained_paths: usize,
    pub conditional_paths: usize,
}

/// One person's diff, with the paths that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonDiff {
    #[serde(flatten)]
    pub diff: PrincipalDiff,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<PathChange>,
    /// The person's index in each side's people, for attribution.
    #[serde(skip)]
    pub sides: (Option<usize>, Option<usize>),
}

/// Pairs of people (before index, after index), and those on one side only.
pub fn match_people(
    before: &PeopleView,
    after: &PeopleView,
    renames: &Renames,
) -> (Vec<(usize, usize)>, Vec<usize>, Vec<usize>) {
    let mut by_name: FxHashMap<&str, usize> = FxHashMap::default();
    for (j, p) in after.people.iter().enumerate() {
        by_name.entry(p.person.key.as_str()).or_insert(j);
        for n in &p.person.names {
            by_name.entry(n.as_str()).or_insert(j);
        }
    }
    let mut taken = vec![false; after.people.len()];
    let mut pairs = Vec::new();
    let mut removed = Vec::new();
    for (i, p) in before.people.iter().enumerate() {
        let mut names: Vec<String> = Vec::new();
        // a `people:` rule wins over a shared name
        for n in std::iter::once(&p.person.key).chain(&p.person.names) {
            if let Some(t) = renames.person(n) {
                names.push(t.to_lowercase());
                names.push(t);
            }
        }
        names.push(p.person.key.clone());
        names.extend(p.person.names.iter().cloned());
        let hit = names
            .iter()
            .filter_map(|n| by_name.get(n.as_str()).copied())
            .find(|&j| !taken.get(j).copied().unwrap_or(true));
        match hit {
            Some(j) => {
                if let Some(t) = taken.get_mut(j) {
                    *t = true;
                }
                pairs.push((i, j));
            }
            None => removed.push(i),
        }
    }
    // an IAM user `erin` and an Identity Center user `erin@example.com` are one person
    // when nobody else could be: the e-mail's local part names exactly one of each
    let removed = local_part_pairs(before, after, removed, &mut taken, &mut pairs);
    let new = (0..after.people.len())
        .filter(|&j| !taken.get(j).copied().unwrap_or(true))
        .collect();
    (pairs, removed, new)
}

/// The local parts of a person's e-mail-like names, and their plain names.
fn local_parts(p: &PersonAccess) -> (Vec<&str>, Vec<&str>) {
    let names =
        std::iter::once(p.person.key.as_str()).chain(p.person.names.iter().map(String::as_str));
    let mut local = Vec::new();
    let mut plain = Vec::new();
    for n in names {
        match n.split_once('@') {
            Some((l, _)) => local.push(l),
            None if !n.contains('/') => plain.push(n),
            None => {}
        }
    }
    (local, plain)
}

/// Pairs left-over people whose plain name is the local part of the other's e-mail,
/// where exactly one person on each side fits; returns the before people still unpaired.
fn local_part_pairs(
    before: &PeopleView,
    after: &PeopleView,
    removed: Vec<usize>,
    taken: &mut [bool],
    pairs: &mut Vec<(usize, usize)>,
) -> Vec<usize> {
    let key = |p: &PersonAccess| -> Vec<String> {
        let (local, plain) = local_parts(p);
        local
            .into_iter()
            .chain(plain)
            .map(str::to_lowercase)
            .collect()
    };
    let mut after_by: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (j, p) in after.people.iter().enumerate() {
        if taken.get(j).copied().unwrap_or(true) {
            continue;
        }
        let mut k = key(p);
        k.sort();
        k.dedup();
        for n in k {
            after_by.entry(n).or_default().push(j);
        }
    }
    let mut before_count: FxHashMap<String, usize> = FxHashMap::default();
    for &i in &removed {
        if let Some(p) = before.people.get(i) {
            let mut k = key(p);
            k.sort();
            k.dedup();
            for n in k {
                *before_count.entry(n).or_default() += 1;
            }
        }
    }
    let mut left = Vec::new();
    for i in removed {
        let hit = before.people.get(i).and_then(|p| {
            key(p)
                .into_iter()
                .find_map(|n| match after_by.get(&n).map(Vec::as_slice) {
                    Some([j]) if before_count.get(&n) == Some(&1) => Some(*j),
                    _ => None,
                })
        });
        match hit.filter(|&j| !taken.get(j).copied().unwrap_or(true)) {
            Some(j) => {
                if let Some(t) = taken.get_mut(j) {
                    *t = true;
                }
                pairs.push((i, j));
            }
            None => left.push(i),
        }
    }
    left
}

fn role_key(snapshot: &Snapshot, i: usize) -> Option<crate::model::PrincipalKey> {
    snapshot.principals.get(i).map(crate::model::Principal::key)
}

/// The paths that changed between a person's two sides; roles are paired as the
/// principal diff pairs them (account, name, renames).
fn path_changes(
    partner: &FxHashMap<usize, usize>,
    before: &PersonAccess,
    after: &PersonAccess,
) -> Vec<PathChange> {
    // the first of the after roles with each principal index
    let mut at: FxHashMap<usize, usize> = FxHashMap::default();
    for (k, ra) in after.roles.iter().enumerate() {
        at.entry(ra.index).or_insert(k);
    }
    let mut out = Vec::new();
    let mut seen_after = vec![false; after.roles.len()];
    for rb in &before.roles {
        let j = partner.get(&rb.index).copied();
        let found = j.and_then(|j| at.get(&j).copied());
        match found.and_then(|k| after.roles.get(k).map(|ra| (k, ra))) {
            None => out.push(PathChange {
                role: rb.role.to_string(),
                change: "lost".to_owned(),
                before: Some(rb.path.clone()),
                after: None,
                conditions: Vec::new(),
            }),
            Some((k, ra)) => {
                if let Some(s) = seen_after.get_mut(k) {
                    *s = true;
                }
                let change = match (rb.status, ra.status) {
                    ("allowed", "conditional") => "conditional",
                    ("conditional", "allowed") => "unconditional",
                    _ if rb.path != ra.path => "rerouted",
                    _ => continue,
                };
                out.push(PathChange {
                    role: ra.role.to_string(),
                    change: change.to_owned(),
                    before: Some(rb.path.clone()),
                    after: Some(ra.path.clone()),
                    conditions: conditions(ra),
                });
            }
        }
    }
    for (ra, seen) in after.roles.iter().zip(seen_after) {
        if !seen {
            out.push(PathChange {
                role: ra.role.to_string(),
                change: "gained".to_owned(),
                before: None,
                after: Some(ra.path.clone()),
                conditions: conditions(ra),
            });
        }
    }
    out
}

/// A person who is one IAM user and reaches no role (and nothing went unfollowed).
fn only_themselves(p: &PersonAccess) -> bool {
    p.users.len() == 1 && p.roles.is_empty() && p.review.is_empty()
}

fn conditions(r: &RolePath) -> Vec<String> {
    r.steps
        .iter()
        .flat_map(|s| s.conditions.iter().cloned())
        .collect()
}

fn review(who: &Who, side: &str, reasons: &[String]) -> Vec<Finding> {
    reasons
        .iter()
        .map(|r| Finding::needs_review(&who.kind, &who.name, &format!("{side}: {r}")))
        .collect()
}

fn person_diff(
    name: String,
    before_name: Option<String>,
    status: PrincipalStatus,
    findings: Vec<Finding>,
    paths: Vec<PathChange>,
) -> PersonDiff {
    PersonDiff {
        diff: PrincipalDiff {
            kind: "person".to_owned(),
            account: None,
            name,
            before_name,
            arn_before: None,
            arn_after: None,
            status,
            counts: Counts::default(),
            max_severity: AccessLevel::List,
            fails_gate: false,
            findings,
        },
        paths,
        sides: (None, None),
    }
}

/// Whether two findings say the same thing of the same actions.
fn same_finding(a: &Finding, b: &Finding) -> bool {
    a.code == b.code
        && a.service == b.service
        && a.actions == b.actions
        && a.witness == b.witness
        && a.before.status == b.before.status
        && a.after.status == b.after.status
        // a review without actions is its message (after the name it starts with)
        && (!a.actions.is_empty()
            || a.message.split_once(": ").map(|x| x.1) == b.message.split_once(": ").map(|x| x.1))
}

/// The person view of a diff: every person whose access or paths changed, with the
/// findings their own IAM user's principal diff does not already say (a person who is
/// one IAM user would otherwise count the same finding twice); waivers and the gate are
/// applied with the principals' by [`finish_people`]. And the counts.
pub fn diff_people(
    catalog: &Catalog,
    before: (&Snapshot, &PeopleView),
    after: (&Snapshot, &PeopleView),
    matching: &Matching,
    principals: &[PrincipalDiff],
    opts: &DiffOptions<'_>,
) -> (Vec<PersonDiff>, PeopleSummary) {
    let (pairs, removed, new) = match_people(before.1, after.1, opts.renames);
    let partner: FxHashMap<usize, usize> = matching.pairs.iter().copied().collect();
    let _ = role_key;
    let budget = Budget::default().shared_by(pairs.len() + removed.len() + new.len());
    let who = |name: &str| Who {
        kind: "person".to_owned(),
        name: name.to_owned(),
        account: None,
    };
    // the principal findings of each IAM user, by the name reports give it
    let by_name: FxHashMap<(&str, &str), &[Finding]> = principals
        .iter()
        .map(|d| ((d.kind.as_str(), d.name.as_str()), d.findings.as_slice()))
        .collect();
    let own_findings = |pb: Option<&PersonAccess>, pa: Option<&PersonAccess>| -> &[Finding] {
        let one = |p: Option<&PersonAccess>| p.is_none_or(|p| p.users.len() == 1);
        if !(one(pb) && one(pa)) {
            return &[];
        }
        let name = match (
            pa.and_then(|p| p.users.first()),
            pb.and_then(|p| p.users.first()),
        ) {
            (Some(&j), _) => matching.display_name(true, j),
            (None, Some(&i)) => matching.display_name(false, i),
            (None, None) => return &[],
        };
        by_name
            .get(&("user", name.as_str()))
            .copied()
            .unwrap_or(&[])
    };
    // a finding whose actions the user's own findings already say, alike, is theirs
    let keep_new = |own: &[Finding], findings: Vec<Finding>| -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| {
                let covered = !f.actions.is_empty()
                    && f.actions.iter().all(|a| {
                        own.iter().any(|o| {
                            o.code == f.code
                                && o.service == f.service
                                && o.before.status == f.before.status
                                && o.after.status == f.after.status
                                && o.actions.contains(a)
                        })
                    });
                !covered && !own.iter().any(|o| same_finding(o, f))
            })
            .collect()
    };
    // each pair's comparison; people alike on both sides (the same starting points, or
    // IAM users of the same groups) are compared once (see `memo::compare_all`)
    let compared: Vec<(usize, usize)> = pairs
        .iter()
        .copied()
        .filter(|&(i, j)| {
            match (before.1.people.get(i), after.1.people.get(j)) {
                // one IAM user reaching no role: the principal view says it all
                (Some(pb), Some(pa)) => !(only_themselves(pb) && only_themselves(pa)),
                _ => false,
            }
        })
        .collect();
    // one fingerprint per distinct evaluation (people of the same starting points share one)
    let fingerprints = super::memo::fingerprints(compared.iter().flat_map(|&(i, j)| {
        [
            before.1.people.get(i).map(|p| &p.evaluation),
            after.1.people.get(j).map(|p| &p.evaluation),
        ]
        .into_iter()
        .flatten()
    }));
    let fingerprint = |ev: &std::sync::Arc<crate::eval::effective::Evaluation>| {
        fingerprints
            .get(&(std::sync::Arc::as_ptr(ev) as usize))
            .copied()
    };
    let asked: Vec<super::memo::Asked> = compared
        .iter()
        .filter_map(|&(i, j)| {
            let (pb, pa) = (before.1.people.get(i)?, after.1.people.get(j)?);
            Some(super::memo::Asked {
                who: who(&pa.person.key),
                before: pb.evaluation.clone(),
                after: pa.evaluation.clone(),
                equal: std::sync::Arc::ptr_eq(&pb.evaluation, &pa.evaluation)
                    || fingerprint(&pb.evaluation)
                        .is_some_and(|x| Some(x) == fingerprint(&pa.evaluation)),
            })
        })
        .collect();
    let results = super::memo::compare_all(catalog, &asked, &budget);
    let mut out: Vec<PersonDiff> = compared
        .into_par_iter()
        .zip(results.findings)
        .filter_map(|((i, j), mut findings)| {
            let (pb, pa) = (before.1.people.get(i)?, after.1.people.get(j)?);
            let w = who(&pa.person.key);
            findings.extend(review(&w, "before", &pb.review));
            findings.extend(review(&w, "after", &pa.review));
            let findings = keep_new(own_findings(Some(pb), Some(pa)), findings);
            let paths = path_changes(&partner, pb, pa);
            (!findings.is_empty() || !paths.is_empty()).then(|| {
                let mut d = person_diff(
                    pa.person.key.clone(),
                    (pb.person.key != pa.person.key).then(|| pb.person.key.clone()),
                    PrincipalStatus::Changed,
                    findings,
                    paths,
                );
                d.sides = (Some(i), Some(j));
                d
            })
        })
        .collect();
    let changed = out.len();
    for (side, list, code, status) in [
        (
            before.1,
            &removed,
            Code::RemovedPrincipal,
            PrincipalStatus::Removed,
        ),
        (after.1, &new, Code::NewPrincipal, PrincipalStatus::New),
    ] {
        for &i in list {
            let Some(p) = side.people.get(i) else {
                continue;
            };
            if only_themselves(p) {
                continue;
            }
            let w = who(&p.person.key);
            let findings = compare::whole(catalog, &w, &p.evaluation, code, &budget);
            let own = if status == PrincipalStatus::New {
                own_findings(None, Some(p))
            } else {
                own_findings(Some(p), None)
            };
            let findings = keep_new(own, findings);
            let paths = p
                .roles
                .iter()
                .map(|r| PathChange {
                    role: r.role.to_string(),
                    change: if status == PrincipalStatus::New {
                        "gained"
                    } else {
                        "lost"
                    }
                    .to_owned(),
                    before: (status == PrincipalStatus::Removed).then(|| r.path.clone()),
                    after: (status == PrincipalStatus::New).then(|| r.path.clone()),
                    conditions: Vec::new(),
                })
                .collect();
            let mut d = person_diff(p.person.key.clone(), None, status, findings, paths);
            d.sides = if status == PrincipalStatus::New {
                (None, Some(i))
            } else {
                (Some(i), None)
            };
            out.push(d);
        }
    }
    let mut summary = PeopleSummary {
        compared: pairs.len(),
        changed,
        removed: removed.len(),
        new: new.len(),
        ..PeopleSummary::default()
    };
    for d in &out {
        for p in &d.paths {
            match p.change.as_str() {
                "lost" => summary.lost_paths += 1,
                "gained" => summary.gained_paths += 1,
                "conditional" => summary.conditional_paths += 1,
                _ => {}
            }
        }
    }
    out.sort_by(|a, b| (&a.diff.name, a.diff.status).cmp(&(&b.diff.name, b.diff.status)));
    (out, summary)
}

/// Waivers (counted with the principals', so a waiver used only by people is used),
/// order, counts and the gate of each person diff.
pub fn finish_people(
    catalog: &Catalog,
    people: &mut [PersonDiff],
    opts: &DiffOptions<'_>,
    uses: &mut [usize],
) {
    for d in people {
        let f = std::mem::take(&mut d.diff.findings);
        let mut f = super::run::apply_waivers(catalog, f, opts, uses);
        f.sort_by(|a, b| {
            (&a.service, a.code, &a.actions, &a.witness)
                .cmp(&(&b.service, b.code, &b.actions, &b.witness))
        });
        d.diff.counts = super::run::counts(&f);
        d.diff.max_severity = f
            .iter()
            .map(|x| x.severity)
            .max()
            .unwrap_or(AccessLevel::List);
        d.diff.fails_gate = f.iter().any(|x| x.fails_gate);
        d.diff.findings = f;
    }
}
