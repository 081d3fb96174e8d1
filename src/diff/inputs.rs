//! Fingerprints of what decides a principal's access — the contents of its policies (not
//! their names or places), its boundary, the SCP and RCP levels over it and, where a statement
//! depends on who the principal is, its facts — so the diff can skip evaluating matched
//! principals whose inputs did not change.

use rayon::prelude::*;
use rustc_hash::FxHasher;
use std::hash::{Hash, Hasher};

use crate::eval::compile;
use crate::eval::layers::Layers;
use crate::model::{Policy, Principal, Snapshot};

/// Content hash of a policy and whether its outcome can depend on the principal.
fn policy_hash(p: &Policy) -> (u64, bool) {
    let mut h = FxHasher::default();
    p.document.version.hash(&mut h);
    let mut specific = false;
    let vars = compile::variables_enabled(&p.document);
    for s in &p.document.statements {
        statement_hash(s, &mut h);
        // the evaluator's own test, so both agree on what may differ per principal
        specific |= compile::is_principal_specific(s, vars);
    }
    (h.finish(), specific)
}

/// What of a statement decides evaluation: everything but its name and place.
fn statement_hash(s: &crate::model::Statement, h: &mut FxHasher) {
    s.effect.hash(h);
    s.action.hash(h);
    s.resource.hash(h);
    s.principal.hash(h);
    // condition values are sets: reordering them changes nothing
    crate::eval::condition::normalized(&s.condition).hash(h);
    s.unresolved.hash(h);
}

fn principal_facts(p: &Principal, h: &mut FxHasher) {
    p.kind.hash(h);
    p.name.hash(h);
    p.id.hash(h);
    p.arn.hash(h);
    p.account.hash(h);
    p.path.hash(h);
    p.tags.hash(h);
    p.tags_known.hash(h);
}

/// One fingerprint per principal; `None` when it must be evaluated whatever the other
/// side holds (a policy it uses is unknown, or a statement is unresolved).
pub fn fingerprints(snap: &Snapshot) -> Vec<Option<u64>> {
    let policies: Vec<(u64, bool)> = snap.policies.par_iter().map(policy_hash).collect();
    let unresolved_stmt: Vec<bool> = snap
        .policies
        .iter()
        .map(|p| {
            p.document
                .statements
                .iter()
                .any(|s| !s.unresolved.is_empty())
        })
        .collect();
    // resource policies bear on principals by who they are (issue 8). What every principal
    // meets: the resources themselves (which ones an identity allow alone does not reach,
    // whose account owns what); then, per principal, the contents of just the statements
    // that may name it (those `for_principal` reads), so that editing one bucket policy
    // does not make every principal of the organization "changed"
    let resources: Option<u64> = (!snap.resources.is_empty()).then(|| {
        let mut h = FxHasher::default();
        for r in &snap.resources {
            (&r.arn, &r.account, r.kind).hash(&mut h);
            snap.policy(r.policy).is_some().hash(&mut h);
        }
        h.finish()
    });
    let resource_index = resources.map(|_| crate::eval::resources::ResourceIndex::build(snap));
    // per resource, per statement: a content hash with what decides its scope
    let statement_hashes: Vec<Vec<u64>> = snap
        .resources
        .iter()
        .map(|r| {
            snap.policy(r.policy).map_or_else(Vec::new, |p| {
                p.document
                    .statements
                    .iter()
                    .map(|s| {
                        let mut h = FxHasher::default();
                        (&r.arn, &r.account, r.kind).hash(&mut h);
                        p.document.version.hash(&mut h);
                        statement_hash(s, &mut h);
                        h.finish()
                    })
                    .collect()
            })
        })
        .collect();
    // every RCP level bounds the resources of the accounts under it, whoever asks
    let mut reach_specific = false;
    let rcp_reach: Option<u64> = (!snap.rcp_reach().is_empty()).then(|| {
        let mut h = FxHasher::default();
        for level in snap.rcp_reach() {
            let mut ids: Vec<Option<u64>> = level
                .policies
                .iter()
                .map(|id| {
                    let got = policies.get(id.0 as usize);
                    reach_specific |= got.is_some_and(|x| x.1);
                    got.map(|x| x.0)
                })
                .collect();
            ids.sort_unstable();
            (ids, &level.accounts).hash(&mut h);
        }
        h.finish()
    });
    snap.principals
        .par_iter()
        .map(|p| {
            let layers = Layers::of(snap, p);
            if !layers.unresolved.is_empty() {
                return None;
            }
            let get = |id: crate::model::PolicyId| policies.get(id.0 as usize).copied();
            let mut specific = false;
            let mut identity: Vec<u64> = Vec::with_capacity(layers.identity.len());
            for (id, _) in &layers.identity {
                let (hash, s) = get(*id)?;
                if unresolved_stmt.get(id.0 as usize).copied().unwrap_or(true) {
                    return None;
                }
                specific |= s;
                identity.push(hash);
            }
            // evaluation does not depend on the order of identity policies
            identity.sort_unstable();
            let mut h = FxHasher::default();
            identity.hash(&mut h);
            match layers.boundary {
                Some(Some(b)) => {
                    let (hash, s) = get(b)?;
                    specific |= s;
                    (1u8, hash).hash(&mut h);
                }
                Some(None) => return None,
                None => 0u8.hash(&mut h),
            }
            // SCP levels, then RCP levels, each chain's length marking where it ends
            for chain in [&layers.scps, &layers.rcps] {
                chain.len().hash(&mut h);
                for (_, ids) in chain {
                    let mut level: Vec<u64> = Vec::new();
                    for id in ids {
                        let (hash, s) = get(*id)?;
                        specific |= s;
                        level.push(hash);
                    }
                    level.sort_unstable();
                    level.hash(&mut h);
                }
            }
            p.kind.hash(&mut h);
            resources.hash(&mut h);
            if let Some(index) = &resource_index {
                let mut named: Vec<Option<u64>> = index
                    .candidates(p)
                    .into_iter()
                    .map(|(ri, si)| {
                        statement_hashes
                            .get(ri as usize)
                            .and_then(|v| v.get(si as usize))
                            .copied()
                    })
                    .collect();
                // the rules do not depend on the statements' order
                named.sort_unstable();
                named.hash(&mut h);
            }
            if layers.rcp_bound {
                rcp_reach.hash(&mut h);
                specific |= reach_specific;
            }
            if specific || resources.is_some() {
                principal_facts(p, &mut h);
            }
            Some(h.finish())
        })
        .collect()
}
