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
    // every RCP level bounds the resources of the accounts under it, whoever asks; a
    // principal meets a level only on the accounts its grants can name (see `Reach`), so
    // moving one account between OUs does not make every principal "changed"
    let mut reach_specific = false;
    let levels: Vec<RcpLevel> = snap
        .rcp_reach()
        .iter()
        .map(|level| {
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
            let mut h = FxHasher::default();
            ids.hash(&mut h);
            let mut all = FxHasher::default();
            level.accounts.hash(&mut all);
            RcpLevel {
                policies: h.finish(),
                accounts: &level.accounts,
                all_accounts: all.finish(),
                partial_wildcards: level
                    .policies
                    .iter()
                    .filter_map(|id| snap.policy(*id))
                    .any(names_accounts_by_wildcard),
            }
        })
        .collect();
    let mut of_account: rustc_hash::FxHashMap<&str, Vec<u32>> = Default::default();
    for (i, level) in (0u32..).zip(&levels) {
        for a in level.accounts {
            of_account.entry(a.as_str()).or_default().push(i);
        }
    }
    let rcp_levels = RcpLevels {
        partial: (0u32..)
            .zip(&levels)
            .filter(|(_, l)| l.partial_wildcards)
            .map(|(i, _)| i)
            .collect(),
        levels,
        of_account,
    };
    let owners = bucket_owners(snap);
    let policy_reach: Vec<Reach> = if rcp_levels.levels.is_empty() {
        Vec::new()
    } else {
        snap.policies
            .par_iter()
            .map(|p| Reach::of_policy(p, &owners))
            .collect()
    };
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
            // the statements that may name the principal, less those that add nothing
            // to what its identity policies already reach
            let candidates: Vec<(u32, u32)> =
                resource_index.as_ref().map_or_else(Vec::new, |index| {
                    index
                        .candidates(p)
                        .into_iter()
                        .filter(|c| !redundant(snap, *c, p))
                        .collect()
                });
            if resource_index.is_some() {
                let mut named: Vec<Option<u64>> = candidates
                    .iter()
                    .map(|(ri, si)| {
                        statement_hashes
                            .get(*ri as usize)
                            .and_then(|v| v.get(*si as usize))
                            .copied()
                    })
                    .collect();
                // the rules do not depend on the statements' order
                named.sort_unstable();
                named.hash(&mut h);
            }
            if layers.rcp_bound {
                let mut reach = Reach::Accounts(Vec::new(), true);
                for (id, _) in &layers.identity {
                    reach.add(policy_reach.get(id.0 as usize).unwrap_or(&Reach::All));
                }
                for &(ri, _) in &candidates {
                    reach.add(&match snap.resources.get(ri as usize).map(|r| &r.account) {
                        Some(Some(a)) => Reach::Accounts(vec![a.clone()], false),
                        Some(None) => Reach::Accounts(Vec::new(), true),
                        None => Reach::All,
                    });
                }
                reach.hash_levels(&rcp_levels, p.account.as_deref(), &mut h);
                specific |= reach_specific;
            }
            if specific || resources.is_some() {
                principal_facts(p, &mut h);
            }
            Some(h.finish())
        })
        .collect()
}

/// The side's RCP levels, with the levels over each account.
struct RcpLevels<'a> {
    levels: Vec<RcpLevel<'a>>,
    of_account: rustc_hash::FxHashMap<&'a str, Vec<u32>>,
    /// The levels with `partial_wildcards`: every principal meets them.
    partial: Vec<u32>,
}

/// An RCP level as a principal's fingerprint meets it.
struct RcpLevel<'a> {
    policies: u64,
    /// Sorted account ids.
    accounts: &'a [String],
    all_accounts: u64,
    /// A deny names accounts by a partial wildcard (`1234*`): the evaluator applies it
    /// wherever one account under the level matches, so every account counts.
    partial_wildcards: bool,
}

/// The accounts whose resources a principal's grants can name, and so whose RCPs can
/// bear on it: `All` when a pattern's account is a wildcard (or a `NotResource`), else
/// the accounts named, with whether the own account counts (S3 ARNs name none: a bucket
/// of the inventory is its owner's, any other the principal's own, as the evaluator
/// takes them).
#[derive(Debug, Clone, PartialEq)]
enum Reach {
    All,
    Accounts(Vec<String>, bool),
}

impl Reach {
    fn add(&mut self, other: &Reach) {
        match (&mut *self, other) {
            (Reach::All, _) => {}
            (_, Reach::All) => *self = Reach::All,
            (Reach::Accounts(v, own), Reach::Accounts(w, o)) => {
                v.extend(w.iter().cloned());
                *own |= *o;
            }
        }
    }

    /// What the identity allows of one policy can name.
    fn of_policy(p: &Policy, owners: &rustc_hash::FxHashMap<&str, &str>) -> Reach {
        // the accounts as borrowed, each once (an organization's policies name the same
        // few accounts in many statements: one String each, not one per pattern)
        let mut accounts: Vec<&str> = Vec::new();
        let mut own = false;
        for s in &p.document.statements {
            if s.effect != crate::model::Effect::Allow {
                continue;
            }
            let pats = match &s.resource {
                crate::model::ResourceClause::Resource(v) => v,
                _ => return Reach::All,
            };
            for pat in pats {
                match Self::of_pattern(pat, owners) {
                    Named::All => return Reach::All,
                    Named::Account(a) => accounts.push(a),
                    Named::Own => own = true,
                }
            }
        }
        // sorted once, not searched per pattern: a hostile policy may name thousands
        accounts.sort_unstable();
        accounts.dedup();
        Reach::Accounts(accounts.into_iter().map(str::to_owned).collect(), own)
    }

    fn of_pattern<'p>(pat: &'p str, owners: &rustc_hash::FxHashMap<&str, &'p str>) -> Named<'p> {
        let wild = |t: &str| t.contains(['*', '?', '$']);
        let Some([_, _, service, _, account, rest]) = crate::model::arn_fields(pat) else {
            return Named::All;
        };
        if wild(service) || wild(account) {
            return Named::All;
        }
        if !account.is_empty() {
            return Named::Account(account);
        }
        if service != "s3" {
            return Named::Own;
        }
        let bucket = rest.split('/').next().unwrap_or_default();
        if wild(bucket) {
            return Named::All;
        }
        match owners.get(bucket) {
            Some(a) => Named::Account(a),
            None => Named::Own,
        }
    }

    /// Hashes, per RCP level, what of it the principal can meet: only the levels over
    /// an account it can name bear on it, whatever other levels an OU move creates or
    /// empties.
    fn hash_levels(mut self, levels: &RcpLevels<'_>, own: Option<&str>, h: &mut FxHasher) {
        let own_levels: &[u32] = own
            .and_then(|a| levels.of_account.get(a))
            .map_or(&[], Vec::as_slice);
        // `named`: the accounts under the level the principal names, `None` for all
        let level_hash = |i: u32, level: &RcpLevel<'_>, named: Option<&[(u32, &str)]>| {
            let mut lh = FxHasher::default();
            level.policies.hash(&mut lh);
            own_levels.contains(&i).hash(&mut lh);
            match named {
                Some(named) if !level.partial_wildcards => {
                    named.iter().for_each(|(_, a)| a.hash(&mut lh));
                }
                _ => level.all_accounts.hash(&mut lh),
            }
            lh.finish()
        };
        if let Reach::Accounts(v, with_own) = &mut self {
            if *with_own {
                match own {
                    Some(a) => v.push(a.to_owned()),
                    None => return Reach::All.hash_levels(levels, own, h),
                }
            }
            v.sort_unstable();
            v.dedup();
        }
        let mut met: Vec<u64> = Vec::new();
        match &self {
            Reach::All => {
                for (i, level) in (0u32..).zip(&levels.levels) {
                    met.push(level_hash(i, level, None));
                }
            }
            Reach::Accounts(v, _) => {
                let mut pairs: Vec<(u32, &str)> = Vec::new();
                for a in v {
                    if let Some(ls) = levels.of_account.get(a.as_str()) {
                        pairs.extend(ls.iter().map(|l| (*l, a.as_str())));
                    }
                }
                pairs.extend(levels.partial.iter().map(|l| (*l, "*")));
                pairs.sort_unstable();
                pairs.dedup();
                for group in pairs.chunk_by(|x, y| x.0 == y.0) {
                    let Some(((i, _), level)) = group
                        .first()
                        .and_then(|f| Some((f, levels.levels.get(f.0 as usize)?)))
                    else {
                        continue;
                    };
                    met.push(level_hash(*i, level, Some(group)));
                }
            }
        }
        met.sort_unstable();
        met.hash(h);
    }
}

/// What one resource pattern of an allow can name: every account, one account, or only
/// the principal's own.
#[derive(Debug, PartialEq)]
enum Named<'p> {
    All,
    Account(&'p str),
    Own,
}

/// Whether a policy's statements name accounts by a partial wildcard (`1234*`).
fn names_accounts_by_wildcard(p: &Policy) -> bool {
    p.document.statements.iter().any(|s| {
        let pats = match &s.resource {
            crate::model::ResourceClause::Resource(v)
            | crate::model::ResourceClause::NotResource(v) => v,
            crate::model::ResourceClause::Absent => return false,
        };
        pats.iter().any(|pat| {
            pat.split(':')
                .nth(4)
                .is_some_and(|a| a != "*" && a.contains(['*', '?', '$']))
        })
    })
}

/// Whether a resource statement adds nothing for `p`: an allow that names only `p`'s
/// account (delegating to its identity policies) on a resource of that account whose
/// policy is not required, where an identity allow alone already reaches (AWS: "Policy
/// evaluation logic", same-account requests).
fn redundant(snap: &Snapshot, (ri, si): (u32, u32), p: &Principal) -> bool {
    let Some(r) = snap.resources.get(ri as usize) else {
        return false;
    };
    let Some(s) = snap
        .policy(r.policy)
        .and_then(|d| d.document.statements.get(si as usize))
    else {
        return false;
    };
    s.effect == crate::model::Effect::Allow
        && crate::eval::resources::principal_applies(s, p).1
        && p.account.is_some()
        && r.account == p.account
        && crate::eval::resources::identity_suffices(r, p)
}

/// The inventory's buckets by name, with their owners: the resources whose ARN names no
/// account, as [`crate::eval::resources::unowned`] takes them for the evaluator.
fn bucket_owners(snap: &Snapshot) -> rustc_hash::FxHashMap<&str, &str> {
    snap.resources
        .iter()
        .filter(|r| crate::model::arn_account(&r.arn).is_none())
        .filter_map(|r| Some((r.arn.splitn(6, ':').nth(5)?, r.account.as_deref()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_reaches_the_accounts_it_names() {
        let mut owners = rustc_hash::FxHashMap::default();
        owners.insert("logs", "222222222222");
        let of = |p: &'static str| Reach::of_pattern(p, &owners);
        let acct = Named::Account;
        let own = Named::Own;
        assert_eq!(
            of("arn:aws:dynamodb:*:111111111111:table/t"),
            acct("111111111111")
        );
        // S3 ARNs name no account: the inventory's owner, else the principal's own
        assert_eq!(of("arn:aws:s3:::logs/*"), acct("222222222222"));
        assert_eq!(of("arn:aws:s3:::other"), own);
        assert_eq!(of("arn:aws:iam::aws:policy/x"), acct("aws"));
        for all in [
            "*",
            "arn:aws:s3:::log*",
            "arn:aws:kms:us-east-1:*:key/k",
            "arn:aws:kms:us-east-1:1111*:key/k",
            "arn:aws:*:us-east-1:111111111111:x",
            "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:q",
        ] {
            assert_eq!(of(all), Named::All, "{all}");
        }
    }
}
