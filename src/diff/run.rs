//! The whole comparison: principals matched by account, kind and name through the
//! renames, each pair compared (in parallel), removed and new principals with all their
//! access, then waivers and the gate, and the summary counts.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{AccessLevel, Catalog};
use crate::eval::effective::Effective;
use crate::eval::lang::Budget;
use crate::model::{PrincipalKey, PrincipalKind, Snapshot};

use super::compare::{self, Who};
use super::findings::{Category, Code, Finding, FindingPart, Side, WaiverRef};
use super::mapping::Renames;
use super::outcome::{
    Counts, Gate, PrincipalDiff, PrincipalStatus, ServiceLevelCount, Summary, WaiverState,
    WaiverStatus,
};
use super::waivers::Waiver;

/// One side: its snapshot and evaluation.
pub struct SideInput<'a> {
    pub snapshot: &'a Snapshot,
    pub effective: &'a Effective,
}

pub struct DiffOptions<'a> {
    pub renames: &'a Renames,
    pub waivers: &'a [Waiver],
    pub fail_on: &'a [Category],
    pub min_level: AccessLevel,
    /// `YYYY-MM-DD`, for waiver expiry.
    pub today: &'a str,
}

pub struct Outcome {
    /// The input changes between the sides, ranked by impact, each with the principals
    /// and findings it affects; every finding's `causes` name some of them (issue 12).
    pub changes: Vec<super::changes::Change>,
    pub principals: Vec<PrincipalDiff>,
    pub general: Vec<Finding>,
    pub waivers: Vec<WaiverStatus>,
    pub gate: Gate,
    pub summary: Summary,
    /// The person view (issue 9): filled by [`super::people::diff_people`] when asked.
    pub people: Vec<super::people::PersonDiff>,
}

/// The default `--fail-on`.
pub const DEFAULT_FAIL_ON: [Category; 4] = [
    Category::Lost,
    Category::Narrowed,
    Category::Removed,
    Category::Review,
];

fn who(p: &crate::model::Principal, name: String) -> Who {
    Who {
        kind: p.kind.as_str().to_owned(),
        name,
        account: p.account.clone(),
    }
}

/// Which principals of the two sides are the same one.
#[derive(Debug, Clone, Default)]
pub struct Matching {
    /// (before index, after index).
    pub pairs: Vec<(usize, usize)>,
    /// Before principals with no counterpart: removed.
    pub removed: Vec<usize>,
    /// Before users kept on an after side that does not define users (compared with no access).
    pub carried: Vec<usize>,
    /// After principals with no counterpart: new.
    pub new: Vec<usize>,
    /// Each principal's key, its unknown account resolved where a side has one account.
    pub before_keys: Vec<PrincipalKey>,
    pub after_keys: Vec<PrincipalKey>,
    /// Some side holds more than one account: reports name each principal's account.
    pub several_accounts: bool,
}

impl Matching {
    /// The name reports show for a before (`after == false`) or after principal.
    pub fn display_name(&self, after: bool, i: usize) -> String {
        let keys = if after {
            &self.after_keys
        } else {
            &self.before_keys
        };
        keys.get(i)
            .map(|k| k.display_name(self.several_accounts))
            .unwrap_or_default()
    }
}

/// The accounts a side's principals name.
fn accounts(snap: &Snapshot) -> BTreeSet<&str> {
    snap.principals
        .iter()
        .filter_map(|p| p.account.as_deref())
        .collect()
}

/// The only element of a set of one.
fn only<'a>(set: &BTreeSet<&'a str>) -> Option<&'a str> {
    match set.len() {
        1 => set.first().copied(),
        _ => None,
    }
}

/// Each principal's key, an unknown account taken as the only account of its own side,
/// else of the other side (a provisioner config compared with an account export).
fn keys(snap: &Snapshot, own: &BTreeSet<&str>, other: &BTreeSet<&str>) -> Vec<PrincipalKey> {
    let fallback = only(own).or_else(|| only(other)).map(str::to_owned);
    snap.principals
        .iter()
        .map(|p| {
            let mut k = p.key();
            if k.account.is_none() {
                k.account.clone_from(&fallback);
            }
            k
        })
        .collect()
}

/// Matches principals by account, kind and name, through the renames (which may move
/// principals between accounts). When each side holds one account they are the same
/// one, whatever their ids (a migration into a new account matches by name, as it
/// always did); a principal of unknown account matches the same kind and name in any
/// account when nothing matches it exactly (issue 8).
pub fn match_principals(before: &Snapshot, after: &Snapshot, renames: &Renames) -> Matching {
    let (acc_b, acc_a) = (accounts(before), accounts(after));
    let before_keys = keys(before, &acc_b, &acc_a);
    let after_keys = keys(after, &acc_a, &acc_b);
    // one account on each side: the before one is the after one
    let paired = match (only(&acc_b), only(&acc_a)) {
        (Some(b), Some(a)) => Some((b, a)),
        _ => None,
    };
    let translate = |acct: Option<&str>| -> Option<String> {
        match (acct, paired) {
            (Some(x), Some((b, a))) if x == b => Some(a.to_owned()),
            (x, _) => x.map(str::to_owned),
        }
    };
    let mut after_index: FxHashMap<(Option<&str>, PrincipalKind, &str), usize> =
        FxHashMap::default();
    let mut by_name: FxHashMap<(PrincipalKind, &str), Vec<usize>> = FxHashMap::default();
    for (j, k) in after_keys.iter().enumerate() {
        after_index.insert((k.account.as_deref(), k.kind, k.name.as_str()), j);
        by_name
            .entry((k.kind, k.name.as_str()))
            .or_default()
            .push(j);
    }
    // where each before principal goes: (account, kind, name) on the after side
    let targets: Vec<PrincipalKey> = before_keys
        .iter()
        .map(|k| match renames.principal(k) {
            Some(t) => PrincipalKey::new(
                t.account.or_else(|| translate(k.account.as_deref())),
                k.kind,
                t.name,
            ),
            None => PrincipalKey::new(translate(k.account.as_deref()), k.kind, k.name.clone()),
        })
        .collect();
    let mut matched_after = vec![false; after.principals.len()];
    let mut partner: Vec<Option<usize>> = vec![None; before.principals.len()];
    // exact keys first, then an unknown account on either side matches by kind and name
    for exact in [true, false] {
        for (i, t) in targets.iter().enumerate() {
            if partner.get(i).copied().flatten().is_some() {
                continue;
            }
            let found = if exact {
                after_index
                    .get(&(t.account.as_deref(), t.kind, t.name.as_str()))
                    .copied()
                    .filter(|&j| !matched_after.get(j).copied().unwrap_or(true))
            } else {
                by_name.get(&(t.kind, t.name.as_str())).and_then(|js| {
                    js.iter().copied().find(|&j| {
                        !matched_after.get(j).copied().unwrap_or(true)
                            && (t.account.is_none()
                                || after_keys.get(j).is_some_and(|k| k.account.is_none()))
                    })
                })
            };
            if let Some(j) = found {
                if let Some(x) = matched_after.get_mut(j) {
                    *x = true;
                }
                if let Some(x) = partner.get_mut(i) {
                    *x = Some(j);
                }
            }
        }
    }
    let mut m = Matching::default();
    for (i, p) in before.principals.iter().enumerate() {
        match partner.get(i).copied().flatten() {
            Some(j) => m.pairs.push((i, j)),
            // users persist across a migration when the after side does not manage users
            // (a provisioner config): such a user is compared with no access, not removed
            None if p.kind == PrincipalKind::User && !after.defines_users => m.carried.push(i),
            None => m.removed.push(i),
        }
    }
    m.new = (0..after.principals.len())
        .filter(|j| !matched_after.get(*j).copied().unwrap_or(true))
        .collect();
    m.several_accounts = acc_b.len() > 1 || acc_a.len() > 1;
    m.before_keys = before_keys;
    m.after_keys = after_keys;
    m
}

/// The principals worth evaluating on each side: all but matched pairs whose inputs are
/// identical (same policy contents, boundary, SCPs, and, where a statement depends on
/// who the principal is, same principal facts). Such pairs cannot differ, so a diff of
/// two 20,000-user accounts evaluates only the principals a change can touch.
pub fn worth_evaluating(
    before: &Snapshot,
    after: &Snapshot,
    matching: &Matching,
) -> (Vec<bool>, Vec<bool>) {
    let (fb, fa) = rayon::join(
        || super::inputs::fingerprints(before),
        || super::inputs::fingerprints(after),
    );
    let mut wb = vec![true; before.principals.len()];
    let mut wa = vec![true; after.principals.len()];
    for &(i, j) in &matching.pairs {
        let same = matches!((fb.get(i), fa.get(j)), (Some(Some(x)), Some(Some(y))) if x == y);
        if same {
            if let Some(w) = wb.get_mut(i) {
                *w = false;
            }
            if let Some(w) = wa.get_mut(j) {
                *w = false;
            }
        }
    }
    (wb, wa)
}

pub fn diff(
    catalog: &Catalog,
    before: &SideInput<'_>,
    after: &SideInput<'_>,
    opts: &DiffOptions<'_>,
) -> Outcome {
    diff_with_people(catalog, before, after, opts, None)
}

/// [`diff`] with the person view (issue 9): each side's people, compared after the
/// principals, their findings attributed to the input changes with the principals'.
pub fn diff_with_people(
    catalog: &Catalog,
    before: &SideInput<'_>,
    after: &SideInput<'_>,
    opts: &DiffOptions<'_>,
    people: Option<(
        &crate::eval::people::PeopleView,
        &crate::eval::people::PeopleView,
    )>,
) -> Outcome {
    let matching = match_principals(before.snapshot, after.snapshot, opts.renames);
    diff_matched(catalog, before, after, opts, &matching, people)
}

/// [`diff_with_people`] of principals already matched by [`match_principals`] with
/// `opts.renames` (the caller that matched them to choose what to evaluate).
pub fn diff_matched(
    catalog: &Catalog,
    before: &SideInput<'_>,
    after: &SideInput<'_>,
    opts: &DiffOptions<'_>,
    matching: &Matching,
    people: Option<(
        &crate::eval::people::PeopleView,
        &crate::eval::people::PeopleView,
    )>,
) -> Outcome {
    let budget = Budget::default();
    let Matching {
        pairs,
        removed,
        carried,
        new,
        several_accounts,
        ..
    } = matching;
    // the account a report names beside each principal, when there are several
    let account_of = |after: bool, i: usize| -> Option<String> {
        let keys = if after {
            &matching.after_keys
        } else {
            &matching.before_keys
        };
        if *several_accounts {
            keys.get(i).and_then(|k| k.account.clone())
        } else {
            None
        }
    };

    // one fingerprint per distinct evaluation of either side (principals share them), in
    // parallel and beside them the input changes, computed once from the snapshots,
    // independent of evaluation
    let (changes, fps) = rayon::join(
        || super::changes::compute(before.snapshot, after.snapshot, matching, opts.renames),
        || {
            super::memo::fingerprints(
                (before.effective.principals.iter())
                    .chain(&after.effective.principals)
                    .map(|p| &p.evaluation),
            )
        },
    );
    let fp = |e: &Effective, i: usize| {
        e.principals.get(i).and_then(|p| {
            fps.get(&(std::sync::Arc::as_ptr(&p.evaluation) as usize))
                .copied()
        })
    };
    let eval_of = |e: &Effective, i: usize| {
        e.principals
            .get(i)
            .map(|p| p.evaluation.clone())
            .unwrap_or_default()
    };

    // GCP findings are merged by cause: one per member, scope and binding (issue 10)
    let gcp = before.snapshot.gcp.is_some() || after.snapshot.gcp.is_some();
    // the principals whose comparison can cost work share one allowance for the diff
    let compared = pairs
        .iter()
        .filter(|&&(i, j)| {
            !matches!(
                (fp(before.effective, i), fp(after.effective, j)),
                (Some(x), Some(y)) if x == y
            )
        })
        .count()
        + carried.len()
        + removed.len()
        + new.len();
    let budget = budget.shared_by(compared);
    // each pair's comparison, alike pairs compared once
    let present: Vec<(usize, usize)> = pairs
        .iter()
        .copied()
        .filter(|&(i, j)| {
            before.snapshot.principals.get(i).is_some()
                && after.snapshot.principals.get(j).is_some()
        })
        .collect();
    let asked: Vec<super::memo::Asked> = present
        .iter()
        .filter_map(|&(i, j)| {
            let pa = after.snapshot.principals.get(j)?;
            Some(super::memo::Asked {
                who: who(pa, matching.display_name(true, j)),
                before: eval_of(before.effective, i),
                after: eval_of(after.effective, j),
                equal: match (fp(before.effective, i), fp(after.effective, j)) {
                    (Some(x), Some(y)) => x == y,
                    _ => false,
                },
            })
        })
        .collect();
    let results = super::memo::compare_all(catalog, &asked, &budget);
    let mut diffs: Vec<PrincipalDiff> = present
        .into_par_iter()
        .zip(results.findings)
        .filter_map(|((i, j), mut findings)| {
            let (pb, pa) = (
                before.snapshot.principals.get(i)?,
                after.snapshot.principals.get(j)?,
            );
            let (name_b, name_a) = (
                matching.display_name(false, i),
                matching.display_name(true, j),
            );
            super::dangling::annotate(&mut findings, pb, pa, after.snapshot);
            if gcp {
                findings = super::merge::by_cause(findings);
            }
            (!findings.is_empty()).then(|| PrincipalDiff {
                kind: pa.kind.as_str().to_owned(),
                account: account_of(true, j),
                before_name: (name_b != name_a).then_some(name_b),
                name: name_a,
                arn_before: pb.arn.clone(),
                arn_after: pa.arn.clone(),
                status: PrincipalStatus::Changed,
                counts: Counts::default(),
                max_severity: AccessLevel::List,
                fails_gate: false,
                findings,
            })
        })
        .collect();
    // a user kept on a side that does not manage users has no policy there, and still
    // what AWS allows anyway
    let nothing = crate::eval::effective::Evaluation::nothing(catalog);
    diffs.extend(
        carried
            .par_iter()
            .filter_map(|&i| {
                let pb = before.snapshot.principals.get(i)?;
                let name = matching.display_name(false, i);
                let findings = compare::compare(
                    catalog,
                    &who(pb, name.clone()),
                    &eval_of(before.effective, i),
                    &nothing,
                    &budget,
                );
                (!findings.is_empty()).then(|| PrincipalDiff {
                    kind: pb.kind.as_str().to_owned(),
                    account: account_of(false, i),
                    name,
                    before_name: None,
                    arn_before: pb.arn.clone(),
                    arn_after: None,
                    status: PrincipalStatus::Changed,
                    counts: Counts::default(),
                    max_severity: AccessLevel::List,
                    fails_gate: false,
                    findings,
                })
            })
            .collect::<Vec<_>>(),
    );
    let compared = pairs.len() + carried.len();
    let changed = diffs.len();
    for (side, list, code, status, is_after) in [
        (
            before,
            removed,
            Code::RemovedPrincipal,
            PrincipalStatus::Removed,
            false,
        ),
        (after, new, Code::NewPrincipal, PrincipalStatus::New, true),
    ] {
        for &i in list {
            let Some(p) = side.snapshot.principals.get(i) else {
                continue;
            };
            let name = matching.display_name(is_after, i);
            let findings = compare::whole(
                catalog,
                &who(p, name.clone()),
                &eval_of(side.effective, i),
                code,
                &budget,
            );
            diffs.push(PrincipalDiff {
                kind: p.kind.as_str().to_owned(),
                account: account_of(is_after, i),
                name,
                before_name: None,
                arn_before: (status == PrincipalStatus::Removed)
                    .then(|| p.arn.clone())
                    .flatten(),
                arn_after: (status == PrincipalStatus::New)
                    .then(|| p.arn.clone())
                    .flatten(),
                status,
                counts: Counts::default(),
                max_severity: AccessLevel::List,
                fails_gate: false,
                findings,
            });
        }
    }

    // each principal diff's index on each side, to read its routes against the inputs
    let names = |after: bool, i: usize| matching.display_name(after, i);
    let mut owned: Vec<((PrincipalStatus, String, String), super::changes::Sides)> = Vec::new();
    let kind_of = |s: &Snapshot, i: usize| {
        s.principals
            .get(i)
            .map(|p| p.kind.as_str().to_owned())
            .unwrap_or_default()
    };
    for &(i, j) in pairs {
        owned.push((
            (
                PrincipalStatus::Changed,
                kind_of(after.snapshot, j),
                names(true, j),
            ),
            super::changes::Sides {
                before: Some(i),
                after: Some(j),
            },
        ));
    }
    for &i in carried {
        owned.push((
            (
                PrincipalStatus::Changed,
                kind_of(before.snapshot, i),
                names(false, i),
            ),
            super::changes::Sides {
                before: Some(i),
                after: None,
            },
        ));
    }
    for &i in removed {
        owned.push((
            (
                PrincipalStatus::Removed,
                kind_of(before.snapshot, i),
                names(false, i),
            ),
            super::changes::Sides {
                before: Some(i),
                after: None,
            },
        ));
    }
    for &j in new {
        owned.push((
            (
                PrincipalStatus::New,
                kind_of(after.snapshot, j),
                names(true, j),
            ),
            super::changes::Sides {
                before: None,
                after: Some(j),
            },
        ));
    }
    let (removed, new) = (removed.len(), new.len());
    // lint findings that explain a loss or a gain, from the policies they name (issue 11)
    {
        let by_name: FxHashMap<(&str, &str), super::changes::Sides> = owned
            .iter()
            .map(|((_, k, n), s)| ((k.as_str(), n.as_str()), *s))
            .collect();
        let sides: Vec<super::changes::Sides> = diffs
            .iter()
            .map(|d| {
                by_name
                    .get(&(d.kind.as_str(), d.name.as_str()))
                    .copied()
                    .unwrap_or_default()
            })
            .collect();
        super::lint_causes::attach(catalog, before.snapshot, after.snapshot, &mut diffs, &sides);
    }
    let people = people.map(|(pb, pa)| {
        let (diffs, summary) = super::people::diff_people(
            catalog,
            (before.snapshot, pb),
            (after.snapshot, pa),
            matching,
            &diffs,
            opts,
        );
        let inputs = super::changes_people::PeopleInputs {
            before: super::changes_people::PeopleSide {
                snapshot: before.snapshot,
                view: pb,
            },
            after: super::changes_people::PeopleSide {
                snapshot: after.snapshot,
                view: pa,
            },
            matching,
        };
        (diffs, summary, inputs)
    });
    finish(
        catalog,
        diffs,
        Tally {
            compared,
            changed,
            removed,
            new,
        },
        opts,
        Some(Attribution {
            changes,
            owned,
            people,
        }),
    )
}

/// What attributing findings to input changes needs: the changes, and each principal
/// diff's (status, kind, name) with its index on each side.
pub(crate) struct Attribution<'a> {
    pub changes: super::changes::ChangeSet,
    pub owned: Vec<((PrincipalStatus, String, String), super::changes::Sides)>,
    /// The person view's diffs, counts and inputs, when asked (issue 9).
    pub people: Option<(
        Vec<super::people::PersonDiff>,
        super::people::PeopleSummary,
        super::changes_people::PeopleInputs<'a>,
    )>,
}

/// How many principals a comparison compared, found changed, removed and new.
pub(crate) struct Tally {
    pub compared: usize,
    pub changed: usize,
    pub removed: usize,
    pub new: usize,
}

/// Waivers, the gate and the summary over the principals' findings (the diff's and a
/// port's, `diff::port`).
pub(crate) fn finish(
    catalog: &Catalog,
    mut diffs: Vec<PrincipalDiff>,
    tally: Tally,
    opts: &DiffOptions<'_>,
    attribution: Option<Attribution<'_>>,
) -> Outcome {
    let Tally {
        compared,
        changed,
        removed,
        new,
    } = tally;
    let mut uses = vec![0usize; opts.waivers.len()];
    for d in &mut diffs {
        d.findings = apply_waivers(catalog, std::mem::take(&mut d.findings), opts, &mut uses);
        d.findings.sort_by(|a, b| {
            (&a.service, a.code, &a.actions, &a.witness)
                .cmp(&(&b.service, b.code, &b.actions, &b.witness))
        });
        d.counts = counts(&d.findings);
        d.max_severity = d
            .findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(AccessLevel::List);
        d.fails_gate = d.findings.iter().any(|f| f.fails_gate);
    }
    let (attribution, mut people) = match attribution {
        Some(Attribution {
            changes,
            owned,
            people: Some((mut p, summary, inputs)),
        }) => {
            super::people::finish_people(catalog, &mut p, opts, &mut uses);
            (
                Some(Attribution {
                    changes,
                    owned,
                    people: None,
                }),
                Some((p, summary, inputs)),
            )
        }
        other => (other, None),
    };
    // by account first when there are several (single-account runs have none), so
    // reports group principals by account
    diffs.sort_by(|a, b| {
        (&a.account, &a.kind, &a.name, a.status).cmp(&(&b.account, &b.kind, &b.name, b.status))
    });

    let mut general = Vec::new();
    let mut waivers = Vec::new();
    let mut waiver_changes = Vec::new();
    for (w, n) in opts.waivers.iter().zip(&uses) {
        let expired = w.is_expired(opts.today);
        let state = if expired {
            WaiverState::Expired
        } else if *n == 0 {
            WaiverState::Unused
        } else {
            WaiverState::Applied
        };
        if state != WaiverState::Applied {
            let code = if expired {
                Code::ExpiredWaiver
            } else {
                Code::UnusedWaiver
            };
            let mut f = Finding {
                code,
                category: code.category(),
                severity: AccessLevel::PermissionsManagement,
                principal_kind: String::new(),
                principal: w.principal.clone(),
                service: String::new(),
                actions: vec![w.action.clone()],
                pairs: 0,
                witness: w.resource.clone(),
                message: if expired {
                    format!(
                        "waiver #{} ({}, approved by {}) expired on {}: it no longer applies",
                        w.index,
                        w.reason,
                        w.approved_by,
                        w.expires.as_deref().unwrap_or("?")
                    )
                } else {
                    format!("waiver #{} ({}) matched no finding", w.index, w.reason)
                },
                before: Side::default(),
                after: Side::default(),
                waived: None,
                fails_gate: false,
                causes: vec![format!("W{}", w.index)],
                lint: Vec::new(),
                parts: Vec::new(),
            };
            f.fails_gate = selected(&f, opts);
            waiver_changes.push(super::changes::Change {
                id: format!("W{}", w.index),
                kind: super::changes::ChangeKind::Waiver,
                subject: format!("waiver #{}", w.index),
                object: None,
                summary: if expired {
                    format!(
                        "waiver #{} expired on {}",
                        w.index,
                        w.expires.as_deref().unwrap_or("?")
                    )
                } else {
                    format!("waiver #{} matched no finding", w.index)
                },
                before: None,
                after: None,
                detail: vec![format!("{}, approved by {}", w.reason, w.approved_by)],
                principals: Vec::new(),
                findings: Vec::new(),
                impact: super::changes::Impact::default(),
            });
            // an expired waiver shows under each principal it names, where the reader
            // looks for it; one that names none of them (and unused ones) stand alone
            let mut placed = false;
            if expired {
                for d in diffs
                    .iter_mut()
                    .filter(|d| w.matches_principal(&d.name) || w.matches_principal(bare(d)))
                {
                    let mut g = f.clone();
                    g.principal = d.name.clone();
                    g.principal_kind = d.kind.clone();
                    d.fails_gate |= g.fails_gate;
                    d.findings.push(g);
                    placed = true;
                }
            }
            if !placed {
                general.push(f);
            }
        }
        waivers.push(WaiverStatus {
            index: w.index,
            principal: w.principal.clone(),
            action: w.action.clone(),
            resource: w.resource.clone(),
            reason: w.reason.clone(),
            approved_by: w.approved_by.clone(),
            expires: w.expires.clone(),
            state,
            matched: *n,
        });
    }

    // each finding's causes: the input changes its routes touch (a port has none yet)
    let changes = match attribution {
        Some(Attribution { changes, owned, .. }) => {
            let mut sides_of: FxHashMap<(PrincipalStatus, &str, &str), super::changes::Sides> =
                FxHashMap::default();
            for ((st, k, n), w) in &owned {
                sides_of.insert((*st, k.as_str(), n.as_str()), *w);
            }
            let sides: Vec<super::changes::Sides> = diffs
                .iter()
                .map(|d| {
                    sides_of
                        .get(&(d.status, d.kind.as_str(), d.name.as_str()))
                        .copied()
                        .unwrap_or_default()
                })
                .collect();
            match &mut people {
                None => changes.attribute(&mut diffs, &sides, &mut general, waiver_changes),
                Some((p, _, inputs)) => {
                    // person findings go through the same changes, and count in their impact
                    super::changes_people::attribute(&changes, inputs, p);
                    let n = diffs.len();
                    let (mut all, paths): (Vec<PrincipalDiff>, Vec<_>) = std::mem::take(p)
                        .into_iter()
                        .map(|d| (d.diff, (d.paths, d.sides)))
                        .unzip();
                    all.splice(0..0, diffs.drain(..));
                    let mut sides = sides;
                    sides.resize(all.len(), super::changes::Sides::default());
                    let ranked = changes.attribute(&mut all, &sides, &mut general, waiver_changes);
                    let persons = all.split_off(n);
                    diffs = all;
                    *p = persons
                        .into_iter()
                        .zip(paths)
                        .map(|(diff, (paths, sides))| super::people::PersonDiff {
                            diff,
                            paths,
                            sides,
                        })
                        .collect();
                    ranked
                }
            }
        }
        None => {
            for f in diffs.iter_mut().flat_map(|d| d.findings.iter_mut()) {
                if f.causes.is_empty() {
                    f.causes.push("unexplained".to_owned());
                }
            }
            waiver_changes
        }
    };

    let all = diffs
        .iter()
        .flat_map(|d| d.findings.iter())
        .chain(
            people
                .iter()
                .flat_map(|(p, _, _)| p.iter().flat_map(|d| d.diff.findings.iter())),
        )
        .chain(general.iter());
    let (mut failing, mut waived) = (0, 0);
    for f in all {
        if f.fails_gate {
            failing += 1;
        }
        if f.waived.is_some() && selected(f, opts) {
            waived += 1;
        }
    }
    let gate = Gate {
        fail_on: opts.fail_on.to_vec(),
        min_level: opts.min_level,
        passed: failing == 0,
        failing,
        waived,
    };
    let mut total = Counts::default();
    for d in &diffs {
        add(&mut total, &d.counts);
    }
    let summary = Summary {
        compared,
        changed,
        removed,
        new,
        counts: total,
        by_service: by_service(catalog, &diffs),
        people: people.as_ref().map(|(_, s, _)| *s),
    };
    Outcome {
        changes,
        principals: diffs,
        general,
        waivers,
        gate,
        summary,
        people: people.map(|(p, _, _)| p).unwrap_or_default(),
    }
}

/// A principal's name without the account reports put before it when a run holds
/// several: a waiver naming `alice` applies to `alice` in every account, one naming
/// `111122223333/alice` to that account's only (issue 8).
fn bare(d: &PrincipalDiff) -> &str {
    match &d.account {
        Some(_) => bare_name(&d.name),
        None => &d.name,
    }
}

fn bare_name(name: &str) -> &str {
    match name.split_once('/') {
        Some((acct, rest))
            if acct == "?" || (acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())) =>
        {
            rest
        }
        _ => name,
    }
}

fn selected(f: &Finding, opts: &DiffOptions<'_>) -> bool {
    opts.fail_on.contains(&f.category) && f.severity >= opts.min_level
}

/// Marks waived findings (splitting a finding whose actions a waiver covers only in
/// part) and decides which fail the gate.
pub(crate) fn apply_waivers(
    catalog: &Catalog,
    findings: Vec<Finding>,
    opts: &DiffOptions<'_>,
    uses: &mut [usize],
) -> Vec<Finding> {
    let mut out = Vec::with_capacity(findings.len());
    for f in findings {
        let waiver = opts.waivers.iter().find(|w| {
            !w.is_expired(opts.today)
                && w.matches_code(f.code)
                && (w.matches_principal(&f.principal)
                    || w.matches_principal(bare_name(&f.principal)))
                && w.matches_witness(f.witness.as_deref())
                && (f.actions.is_empty() && w.action == "*"
                    || f.actions.iter().any(|a| w.matches_action(a)))
        });
        let Some(w) = waiver else {
            let mut f = f;
            f.fails_gate = selected(&f, opts);
            out.push(f);
            continue;
        };
        if let Some(u) = uses.get_mut(w.index) {
            *u += 1;
        }
        let (yes, no): (Vec<String>, Vec<String>) =
            f.actions.iter().cloned().partition(|a| w.matches_action(a));
        let wref = WaiverRef {
            index: w.index,
            reason: w.reason.clone(),
            approved_by: w.approved_by.clone(),
            expires: w.expires.clone(),
        };
        if no.is_empty() {
            out.push(Finding {
                waived: Some(wref),
                fails_gate: false,
                ..f
            });
        } else {
            let part = |actions: Vec<String>| {
                let ids: Vec<_> = actions.iter().filter_map(|a| catalog.lookup(a)).collect();
                let severity = ids
                    .iter()
                    .filter_map(|i| catalog.action(*i).map(|a| a.level))
                    .max()
                    .unwrap_or(f.severity);
                let pairs = ids.iter().map(|i| compare::pairs(catalog, *i)).sum();
                (actions, severity, pairs)
            };
            let (ya, ys, yp) = part(yes);
            let (na, ns, np) = part(no);
            // a merged finding's parts follow its actions
            let parts_of = |actions: &[String]| -> Vec<FindingPart> {
                f.parts
                    .iter()
                    .filter_map(|p| {
                        let mut p = p.clone();
                        p.actions.retain(|a| actions.binary_search(a).is_ok());
                        (!p.actions.is_empty()).then_some(p)
                    })
                    .collect()
            };
            let (yparts, nparts) = (parts_of(&ya), parts_of(&na));
            out.push(Finding {
                actions: ya,
                severity: ys,
                pairs: yp,
                waived: Some(wref),
                fails_gate: false,
                parts: yparts,
                ..f.clone()
            });
            let mut rest = Finding {
                actions: na,
                severity: ns,
                pairs: np,
                parts: nparts,
                ..f
            };
            rest.fails_gate = selected(&rest, opts);
            out.push(rest);
        }
    }
    out
}

pub(crate) fn counts(findings: &[Finding]) -> Counts {
    let mut c = Counts::default();
    for f in findings {
        let n = f.actions.len();
        match f.code {
            Code::Lost | Code::RemovedPrincipal => {
                c.lost += n;
                c.lost_pairs += f.pairs;
            }
            Code::Narrowed => {
                c.narrowed += n;
                c.narrowed_pairs += f.pairs;
            }
            Code::Conditional => {
                c.conditional += n;
                c.conditional_pairs += f.pairs;
            }
            Code::Gained | Code::Widened | Code::NewPrincipal | Code::PortWidened => {
                c.gained += n;
                c.gained_pairs += f.pairs;
            }
            Code::NeedsReview | Code::Unmapped => c.review += 1,
            Code::ExpiredWaiver | Code::UnusedWaiver => {}
        }
    }
    c
}

fn add(t: &mut Counts, c: &Counts) {
    t.lost += c.lost;
    t.narrowed += c.narrowed;
    t.conditional += c.conditional;
    t.gained += c.gained;
    t.review += c.review;
    t.lost_pairs += c.lost_pairs;
    t.narrowed_pairs += c.narrowed_pairs;
    t.conditional_pairs += c.conditional_pairs;
    t.gained_pairs += c.gained_pairs;
}

fn by_service(catalog: &Catalog, diffs: &[PrincipalDiff]) -> Vec<ServiceLevelCount> {
    // counted by action name first, each distinct name then looked up once (a GCP diff
    // lists a million actions of a few thousand names)
    let mut by_name: FxHashMap<&str, [usize; 4]> = FxHashMap::default();
    for f in diffs.iter().flat_map(|d| &d.findings) {
        let slot = match f.code {
            Code::Lost | Code::RemovedPrincipal => 0,
            Code::Narrowed => 1,
            Code::Conditional => 2,
            Code::Gained | Code::Widened | Code::NewPrincipal | Code::PortWidened => 3,
            _ => continue,
        };
        for a in &f.actions {
            if let Some(c) = by_name.entry(a.as_str()).or_default().get_mut(slot) {
                *c += 1;
            }
        }
    }
    let mut m: BTreeMap<(&str, AccessLevel), [usize; 4]> = BTreeMap::new();
    for (a, counts) in by_name {
        let Some(act) = catalog.lookup(a).and_then(|i| catalog.action(i)) else {
            continue;
        };
        let total = m.entry((act.service.as_str(), act.level)).or_default();
        for (t, c) in total.iter_mut().zip(counts) {
            *t += c;
        }
    }
    m.into_iter()
        .map(
            |((service, level), [lost, narrowed, conditional, gained])| ServiceLevelCount {
                service: service.to_owned(),
                level,
                lost,
                narrowed,
                conditional,
                gained,
            },
        )
        .collect()
}
