//! Principals that hold the same access on both sides, by the same statements, are
//! compared once.
//!
//! Most principals of an organization are alike in pairs or dozens: the roles of an
//! account that attach the same policies, under the same SCPs, and that an account move
//! or a policy edit changes alike (issue 8 Figures). Their comparisons differ only in
//! the name the findings carry, so the first one's findings are kept and the others get
//! a copy with their own name.
//!
//! Two principals share a comparison only when everything [`compare::compare_known`]
//! reads is equal on both sides: the grants with their provenance, what is under review,
//! the statements decided for them (which decide each witness request, as `explain`
//! does) and their role sessions, plus their kind and account (witness ARNs name the
//! account). Equality is checked in full; the hash only finds candidates, and it hashes
//! shared values by address, so content-equal copies may miss each other but never
//! match wrongly.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use rustc_hash::{FxHashMap, FxHasher};

use crate::catalog::Catalog;
use crate::eval::actions::ActionMatch;
use crate::eval::effective::{Evaluation, Grant, Rule, Rules};
use crate::eval::lang::Budget;
use crate::eval::scope::hash_scope;
use crate::model::Origin;

use super::compare::{self, Who};
use super::findings::{Finding, Route, Side};

/// `f` of each distinct evaluation (by address: principals and people share them), in
/// parallel, by address.
pub fn per_distinct<'e>(
    evaluations: impl Iterator<Item = &'e Arc<Evaluation>>,
    f: impl Fn(&Evaluation) -> u64 + Sync,
) -> FxHashMap<usize, u64> {
    distinct(evaluations)
        .par_iter()
        .map(|ev| (Arc::as_ptr(ev) as usize, f(ev)))
        .collect()
}

/// The evaluations, each once (by address), in first-seen order.
fn distinct<'e>(
    evaluations: impl Iterator<Item = &'e Arc<Evaluation>>,
) -> Vec<&'e Arc<Evaluation>> {
    let mut distinct: Vec<&Arc<Evaluation>> = Vec::new();
    let mut seen = rustc_hash::FxHashSet::default();
    for ev in evaluations {
        if seen.insert(Arc::as_ptr(ev) as usize) {
            distinct.push(ev);
        }
    }
    distinct
}

/// [`compare::fingerprint`] of each distinct evaluation, by address, in parallel: each
/// distinct action set hashed once for all of them (a GCP role's thousands of
/// permissions are shared by its bindings in thousands of members' evaluations; hashed
/// once per evaluation, they were a twentieth of the GCP pair's CPU).
pub fn fingerprints<'e>(
    evaluations: impl Iterator<Item = &'e Arc<Evaluation>>,
) -> FxHashMap<usize, u64> {
    let distinct = distinct(evaluations);
    type Sets<'a> = FxHashMap<usize, &'a ActionMatch>;
    let sets: Sets<'_> = distinct
        .par_iter()
        .fold(Sets::default, |mut m, ev| {
            for g in &ev.grants {
                m.entry(Arc::as_ptr(&g.actions) as usize)
                    .or_insert(&*g.actions);
            }
            m
        })
        // a key is an address, its value what is there: either side's entry will do
        .reduce(Sets::default, |mut a, mut b| {
            if a.len() < b.len() {
                std::mem::swap(&mut a, &mut b);
            }
            a.extend(b);
            a
        });
    let hashes: FxHashMap<usize, u64> = sets
        .into_par_iter()
        .map(|(k, a)| (k, compare::action_hash(a)))
        .collect();
    distinct
        .par_iter()
        .map(|ev| {
            let fp = compare::fingerprint_with(ev, |a| {
                let at = Arc::as_ptr(a) as usize;
                hashes
                    .get(&at)
                    .copied()
                    .unwrap_or_else(|| compare::action_hash(a))
            });
            (Arc::as_ptr(ev) as usize, fp)
        })
        .collect()
}

/// One principal's comparison to make: who, its evaluations, and whether they are
/// equal in access (fingerprints, computed once per distinct evaluation by the caller).
pub struct Asked {
    pub who: Who,
    pub before: Arc<Evaluation>,
    pub after: Arc<Evaluation>,
    pub equal: bool,
}

/// The findings of each [`Asked`], in order, and how many were copies.
pub struct Compared {
    pub findings: Vec<Vec<Finding>>,
    pub shared: usize,
}

/// [`compare::compare_known`] for each of `asked`, in parallel: pairs alike on both
/// sides (by a hash of what decides their comparison, then checked in full) are
/// compared once, the others get a copy with their own name and places. A class's
/// kept findings live only while the class is worked through, so pairs alike to none
/// cost the hash and nothing else.
pub fn compare_all(catalog: &Catalog, asked: &[Asked], budget: &Budget) -> Compared {
    // each distinct evaluation hashed once (people of the same starting points share one)
    let hashes = per_distinct(
        asked
            .iter()
            .filter(|a| !a.equal)
            .flat_map(|a| [&a.before, &a.after]),
        |ev| {
            let mut h = FxHasher::default();
            hash_evaluation(ev, &mut h);
            h.finish()
        },
    );
    let keys: Vec<Option<u64>> = asked
        .iter()
        .map(|a| {
            (!a.equal).then(|| {
                let mut h = FxHasher::default();
                a.who.kind.hash(&mut h);
                a.who.account.hash(&mut h);
                hashes.get(&(Arc::as_ptr(&a.before) as usize)).hash(&mut h);
                hashes.get(&(Arc::as_ptr(&a.after) as usize)).hash(&mut h);
                h.finish()
            })
        })
        .collect();
    // classes of positions by key, each in input order; equal pairs alone
    let mut by_key: FxHashMap<u64, usize> = FxHashMap::default();
    let mut classes: Vec<Vec<usize>> = Vec::new();
    for (n, key) in keys.iter().enumerate() {
        match key {
            Some(k) => {
                let at = *by_key.entry(*k).or_insert_with(|| {
                    classes.push(Vec::new());
                    classes.len() - 1
                });
                if let Some(c) = classes.get_mut(at) {
                    c.push(n);
                }
            }
            None => classes.push(vec![n]),
        }
    }
    let shared = AtomicUsize::new(0);
    let done: Vec<(usize, Vec<Finding>)> = classes
        .par_iter()
        .flat_map_iter(|class| {
            // (position, findings) of the class's first pairs of each kind of alike
            let mut kept: Vec<(usize, Vec<Finding>)> = Vec::new();
            let mut out = Vec::with_capacity(class.len());
            for &n in class {
                let Some(a) = asked.get(n) else {
                    continue;
                };
                let copy = kept.iter().find_map(|(k, findings)| {
                    let k = asked.get(*k)?;
                    (k.who.kind == a.who.kind && k.who.account == a.who.account).then_some(())?;
                    // the very same evaluations (people of the same starting points)
                    if Arc::ptr_eq(&k.before, &a.before) && Arc::ptr_eq(&k.after, &a.after) {
                        return copied(findings, &k.who.name, &a.who.name, None);
                    }
                    let mut alike = Alike::default();
                    (alike.evaluation(&k.before, &a.before)
                        && alike.evaluation(&k.after, &a.after))
                    .then_some(())?;
                    copied(findings, &k.who.name, &a.who.name, Some(&alike.places()?))
                });
                if let Some(copy) = copy {
                    shared.fetch_add(1, Ordering::Relaxed);
                    out.push((n, copy));
                    continue;
                }
                let findings =
                    compare::compare_known(catalog, &a.who, &a.before, &a.after, budget, a.equal);
                // kept only when a copy can be renamed exactly (see `copied`)
                if class.len() > 1
                    && findings
                        .iter()
                        .all(|f| f.principal == a.who.name && f.message.starts_with(&a.who.name))
                {
                    kept.push((n, findings.clone()));
                }
                out.push((n, findings));
            }
            out
        })
        .collect();
    let mut findings: Vec<Vec<Finding>> = vec![Vec::new(); asked.len()];
    for (n, f) in done {
        if let Some(slot) = findings.get_mut(n) {
            *slot = f;
        }
    }
    Compared {
        findings,
        shared: shared.into_inner(),
    }
}

/// `findings` made for the principal `from`, as they read for `to` whose statements are
/// at `places` of `from`'s (`None`: the same statements): the comparison names the
/// principal in its `principal` field and at the start of each message, nowhere else,
/// and a statement's place only in the routes, which are sorted. `None` when a finding
/// is not so shaped (then nothing is shared).
fn copied(
    findings: &[Finding],
    from: &str,
    to: &str,
    places: Option<&FxHashMap<&Option<String>, &Option<String>>>,
) -> Option<Vec<Finding>> {
    let side = |s: &Side| -> Option<Side> {
        let Some(places) = places else {
            return Some(s.clone());
        };
        let mut routes = s
            .routes
            .iter()
            .map(|r| {
                Some(Route {
                    pointer: (*places.get(&r.pointer)?).clone(),
                    ..r.clone()
                })
            })
            .collect::<Option<Vec<Route>>>()?;
        routes.sort();
        Some(Side {
            routes,
            ..s.clone()
        })
    };
    findings
        .iter()
        .map(|f| {
            let rest = f.message.strip_prefix(from)?;
            (f.principal == from).then_some(())?;
            Some(Finding {
                principal: to.to_owned(),
                message: format!("{to}{rest}"),
                before: side(&f.before)?,
                after: side(&f.after)?,
                ..f.clone()
            })
        })
        .collect()
}

/// Equal shared values, by address first: the evaluations of one side share their gated
/// resources and S3 owners (thousands of patterns), and `Arc`'s own equality compares
/// the contents of a shared slice even when both point at it.
fn same_shared<T: ?Sized + PartialEq>(a: &Option<Arc<T>>, b: &Option<Arc<T>>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => Arc::ptr_eq(x, y) || x == y,
        (None, None) => true,
        _ => false,
    }
}

/// Hashes what [`Alike`] compares: values behind shared pointers by address where the
/// evaluator shares them (action sets), by content elsewhere, statements' places left
/// out.
fn hash_evaluation(ev: &Evaluation, h: &mut FxHasher) {
    let Evaluation {
        grants,
        review,
        rules,
        sessions,
        counts: _,
        denied: _,
    } = ev;
    grants.len().hash(h);
    for g in grants {
        hash_grant(g, h);
    }
    review.hash(h);
    hash_rules(rules, h);
    sessions.len().hash(h);
    for s in sessions {
        // a session is of one role: its evaluation is shared
        Arc::as_ptr(&s.evaluation).hash(h);
        s.via.hash(h);
        s.conditions.hash(h);
        s.conditional.hash(h);
    }
}

fn hash_origin(o: &Origin, h: &mut FxHasher) {
    o.file.hash(h);
    o.policy.hash(h);
    o.statement.hash(h);
}

fn hash_grant(g: &Grant, h: &mut FxHasher) {
    Arc::as_ptr(&g.actions).hash(h);
    hash_scope(&g.scope, h);
    hash_origin(&g.source, h);
    g.via.hash(h);
    for l in &g.limits {
        l.via.hash(h);
        l.scopes.iter().for_each(|s| hash_scope(s, h));
    }
    for e in &g.exceptions {
        hash_scope(&e.scope, h);
        e.conditions.hash(h);
        hash_origin(&e.source, h);
    }
    for c in &g.conditions {
        c.clauses.hash(h);
    }
    g.unknown_variables.hash(h);
}

fn hash_rule(r: &Rule, h: &mut FxHasher) {
    Arc::as_ptr(&r.actions).hash(h);
    hash_scope(&r.scope, h);
    hash_origin(&r.source, h);
    r.via.hash(h);
    r.tri.hash(h);
    r.clauses.hash(h);
}

fn hash_rules(r: &Rules, h: &mut FxHasher) {
    let rules = |rs: &[Rule], h: &mut FxHasher| {
        rs.len().hash(h);
        rs.iter().for_each(|r| hash_rule(r, h));
    };
    rules(&r.allows, h);
    rules(&r.denies, h);
    r.levels.len().hash(h);
    for (via, rs) in &r.levels {
        via.hash(h);
        rules(rs, h);
    }
    r.resource_allows.len().hash(h);
    for (rule, both) in &r.resource_allows {
        hash_rule(rule, h);
        both.hash(h);
    }
    r.rcp_denies.len().hash(h);
    for d in &r.rcp_denies {
        hash_rule(&d.rule, h);
    }
    r.own_account.hash(h);
}

/// An exact comparison of two evaluations in everything a comparison reads, blind only
/// to where each statement is in its file (`Origin::pointer`): the places of the second
/// evaluation's statements by those of the first, which the findings' routes show.
#[derive(Default)]
struct Alike<'a> {
    places: Vec<(&'a Option<String>, &'a Option<String>)>,
}

impl<'a> Alike<'a> {
    fn evaluation(&mut self, a: &'a Evaluation, b: &'a Evaluation) -> bool {
        if std::ptr::eq(a, b) {
            self.same(a);
            return true;
        }
        let Evaluation {
            grants,
            review,
            rules,
            sessions,
            counts: _,
            denied: _,
        } = a;
        grants.len() == b.grants.len()
            && grants.iter().zip(&b.grants).all(|(x, y)| self.grant(x, y))
            && *review == b.review
            && self.rules(rules, &b.rules)
            && sessions.len() == b.sessions.len()
            && sessions.iter().zip(&b.sessions).all(|(x, y)| {
                x.via == y.via
                    && x.conditions == y.conditions
                    && x.conditional == y.conditional
                    && self.evaluation(&x.evaluation, &y.evaluation)
            })
    }

    fn origin(&mut self, x: &'a Origin, y: &'a Origin) -> bool {
        let Origin {
            file,
            policy,
            policy_arn,
            version,
            kind,
            statement,
            pointer,
        } = x;
        let same = *file == y.file
            && *policy == y.policy
            && *policy_arn == y.policy_arn
            && *version == y.version
            && *kind == y.kind
            && *statement == y.statement;
        if same {
            self.places.push((pointer, &y.pointer));
        }
        same
    }

    fn origins(&mut self, x: &'a [Arc<Origin>], y: &'a [Arc<Origin>]) -> bool {
        x.len() == y.len() && x.iter().zip(y).all(|(o, p)| self.origin(o, p))
    }

    fn grant(&mut self, x: &'a Grant, y: &'a Grant) -> bool {
        let Grant {
            actions,
            scope,
            limits,
            exceptions,
            conditions,
            unknown_variables,
            source,
            via,
        } = x;
        *actions == y.actions
            && *scope == y.scope
            && *via == y.via
            && *unknown_variables == y.unknown_variables
            && self.origin(source, &y.source)
            && limits.len() == y.limits.len()
            && limits.iter().zip(&y.limits).all(|(l, m)| {
                l.via == m.via && l.scopes == m.scopes && self.origins(&l.sources, &m.sources)
            })
            && exceptions.len() == y.exceptions.len()
            && exceptions.iter().zip(&y.exceptions).all(|(e, f)| {
                e.scope == f.scope
                    && e.conditions == f.conditions
                    && e.via == f.via
                    && self.origin(&e.source, &f.source)
            })
            && conditions.len() == y.conditions.len()
            && conditions.iter().zip(&y.conditions).all(|(c, d)| {
                c.clauses == d.clauses && c.via == d.via && self.origin(&c.source, &d.source)
            })
    }

    fn rule(&mut self, x: &'a Rule, y: &'a Rule) -> bool {
        let Rule {
            actions,
            scope,
            tri,
            resource_unknown,
            clauses,
            unknown_variables,
            source,
            via,
        } = x;
        *actions == y.actions
            && *scope == y.scope
            && *tri == y.tri
            && *resource_unknown == y.resource_unknown
            && *clauses == y.clauses
            && *unknown_variables == y.unknown_variables
            && *via == y.via
            && self.origin(source, &y.source)
    }

    fn rule_list(&mut self, x: &'a [Rule], y: &'a [Rule]) -> bool {
        x.len() == y.len() && x.iter().zip(y).all(|(r, s)| self.rule(r, s))
    }

    fn rules(&mut self, a: &'a Rules, b: &'a Rules) -> bool {
        let Rules {
            allows,
            denies,
            levels,
            unresolved_identity,
            unresolved_boundary,
            always,
            resource_allows,
            gated,
            rcp_denies,
            unowned,
            own_account,
        } = a;
        *unresolved_identity == b.unresolved_identity
            && *unresolved_boundary == b.unresolved_boundary
            && *always == b.always
            && same_shared(gated, &b.gated)
            && same_shared(unowned, &b.unowned)
            && *own_account == b.own_account
            && self.rule_list(allows, &b.allows)
            && self.rule_list(denies, &b.denies)
            && levels.len() == b.levels.len()
            && levels
                .iter()
                .zip(&b.levels)
                .all(|((v, x), (w, y))| v == w && self.rule_list(x, y))
            && resource_allows.len() == b.resource_allows.len()
            && resource_allows
                .iter()
                .zip(&b.resource_allows)
                .all(|((r, x), (s, y))| x == y && self.rule(r, s))
            && rcp_denies.len() == b.rcp_denies.len()
            && rcp_denies
                .iter()
                .zip(&b.rcp_denies)
                .all(|(x, y)| x.accounts == y.accounts && self.rule(&x.rule, &y.rule))
    }

    /// Every statement place of `ev` stays where it is (both sides share it).
    fn same(&mut self, ev: &'a Evaluation) {
        let mut keep = |o: &'a Origin| self.places.push((&o.pointer, &o.pointer));
        for g in &ev.grants {
            keep(&g.source);
            g.limits
                .iter()
                .flat_map(|l| &l.sources)
                .for_each(|o| keep(o));
            g.exceptions.iter().for_each(|e| keep(&e.source));
            g.conditions.iter().for_each(|c| keep(&c.source));
        }
        let r = &*ev.rules;
        let rules = r
            .allows
            .iter()
            .chain(&r.denies)
            .chain(r.levels.iter().flat_map(|(_, rs)| rs))
            .chain(r.resource_allows.iter().map(|(rule, _)| rule))
            .chain(r.rcp_denies.iter().map(|d| &d.rule));
        for rule in rules {
            keep(&rule.source);
        }
        for s in &ev.sessions {
            self.same(&s.evaluation);
        }
    }

    /// The first evaluation's statement places by the second's: `None` unless each
    /// place maps to one place and no two to the same (routes that differ only in their
    /// place must stay apart, and in the same order).
    fn places(mut self) -> Option<FxHashMap<&'a Option<String>, &'a Option<String>>> {
        self.places.sort_unstable();
        self.places.dedup();
        let mut to: FxHashMap<&Option<String>, &Option<String>> = FxHashMap::default();
        let mut from: FxHashMap<&Option<String>, &Option<String>> = FxHashMap::default();
        for (x, y) in self.places {
            if *to.entry(x).or_insert(y) != y || *from.entry(y).or_insert(x) != x {
                return None;
            }
        }
        Some(to)
    }
}
