//! Organization and resource-policy changes (issue 8 item 2, issue 12 item 1): an account
//! moved to another OU, an SCP or RCP attached to or detached from a root, OU or account,
//! an SCP's or RCP's document edited, a resource policy added, removed or edited. They
//! are changes like any other ([`super::changes`]): computed once from the two sides'
//! organizations and resource inventories, and found again by the routes of findings —
//! an `scp`/`rcp` route by its level and policy (and by the move that put the account
//! under that level), a `resource` or `dangling` route by its resource ARN and statement.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{OrgPolicyType, Organization, Place, Policy, Snapshot};

use super::changes::{
    Builder, ChangeKind, Key, SideOf, policy_place, same_document, statement_difference,
};
use super::findings::Route;

/// What attribution finds an organization or resource-policy change by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum OrgKey {
    /// A policy attached after at a level (by the level's name, as routes give it).
    Attached(OrgPolicyType, String, String),
    /// A policy detached at a level.
    Detached(OrgPolicyType, String, String),
    /// An SCP's or RCP's document changed (by name).
    Document(OrgPolicyType, String),
    /// An account (`Some`), or any account (`None`, for RCP routes, whose resource owner
    /// the route does not say), is under a level on one side and not the other because
    /// it moved.
    Moved(OrgPolicyType, Option<String>, String),
    /// A resource's policy added, removed or changed (by ARN).
    Resource(String),
    /// Every organization change that touches an account (the fallback).
    Account(String),
}

/// What attribution needs of the sides: each principal's account.
#[derive(Debug, Default)]
pub(super) struct OrgIndex {
    accounts_before: Vec<Option<String>>,
    accounts_after: Vec<Option<String>>,
}

impl OrgIndex {
    fn account(&self, side: SideOf, i: usize) -> Option<&str> {
        match side {
            SideOf::Before => self.accounts_before.get(i),
            SideOf::After => self.accounts_after.get(i),
        }
        .and_then(|a| a.as_deref())
    }
}

fn type_label(k: OrgPolicyType) -> &'static str {
    match k {
        OrgPolicyType::Scp => "SCP",
        OrgPolicyType::Rcp => "RCP",
    }
}

/// The level names of an account's chain of one kind.
fn levels(org: &Organization, account: &str, kind: OrgPolicyType) -> BTreeSet<String> {
    let chains = org.chains.get(account);
    let chain = match kind {
        OrgPolicyType::Scp => chains.map(|c| &c.scp),
        OrgPolicyType::Rcp => chains.map(|c| &c.rcp),
    };
    chain
        .into_iter()
        .flatten()
        .map(|(l, _)| l.to_string())
        .collect()
}

/// `OU Workloads (ou-…)`, `root Root (r-…)`, `account dev (333…)`.
fn target_label(org: &Organization, id: &str) -> String {
    let what = if org.account(id).is_some() {
        "account"
    } else if org.node(id).is_some_and(|n| n.parent.is_none()) {
        "root"
    } else {
        "OU"
    };
    format!("{what} {}", org.level_name(id))
}

/// The accounts whose path (root → OUs → account) passes through `target`.
fn accounts_under(org: &Organization, target: &str) -> Vec<String> {
    org.accounts
        .iter()
        .filter(|a| {
            org.path(&a.id)
                .is_some_and(|p| p.iter().any(|x| x == target))
        })
        .map(|a| a.id.clone())
        .collect()
}

/// Accounts whose chain of `kind` holds the policy named `name`.
fn accounts_holding(
    snap: &Snapshot,
    org: &Organization,
    kind: OrgPolicyType,
    name: &str,
) -> Vec<String> {
    org.chains
        .iter()
        .filter(|(_, c)| {
            let chain = match kind {
                OrgPolicyType::Scp => &c.scp,
                OrgPolicyType::Rcp => &c.rcp,
            };
            chain
                .iter()
                .flat_map(|(_, ids)| ids)
                .any(|id| snap.policy(*id).is_some_and(|p| &*p.name == name))
        })
        .map(|(a, _)| a.clone())
        .collect()
}

fn place_of(p: &Place) -> Place {
    p.clone()
}

/// Computes the organization and resource-policy changes between the sides.
pub(super) fn compute(b: &mut Builder<'_>) -> OrgIndex {
    let (before, after) = (b.before, b.after);
    let index = OrgIndex {
        accounts_before: before
            .principals
            .iter()
            .map(|p| p.account.clone())
            .collect(),
        accounts_after: after.principals.iter().map(|p| p.account.clone()).collect(),
    };
    if let (Some(ob), Some(oa)) = (&before.org, &after.org) {
        organization(b, (before, ob), (after, oa));
    }
    resources(b);
    index
}

fn organization(
    b: &mut Builder<'_>,
    (before, ob): (&Snapshot, &Organization),
    (after, oa): (&Snapshot, &Organization),
) {
    // accounts moved to another parent
    for acct in &oa.accounts {
        let Some(old) = ob.account(&acct.id) else {
            continue;
        };
        if old.parent == acct.parent {
            continue;
        }
        let mut keys = vec![Key::Org(OrgKey::Account(acct.id.clone()))];
        let mut detail = Vec::new();
        for kind in [OrgPolicyType::Scp, OrgPolicyType::Rcp] {
            let (lb, la) = (levels(ob, &acct.id, kind), levels(oa, &acct.id, kind));
            for l in lb.symmetric_difference(&la) {
                keys.push(Key::Org(OrgKey::Moved(
                    kind,
                    Some(acct.id.clone()),
                    l.clone(),
                )));
                keys.push(Key::Org(OrgKey::Moved(kind, None, l.clone())));
            }
            for l in lb.difference(&la) {
                detail.push(format!("no longer under the {}s of {l}", type_label(kind)));
            }
            for l in la.difference(&lb) {
                detail.push(format!("now under the {}s of {l}", type_label(kind)));
            }
        }
        let name = oa.level_name(&acct.id);
        b.push(
            ChangeKind::OuMoved,
            format!("account {name}"),
            Some(target_label(oa, &acct.parent)),
            format!(
                "account {name} moved from {} to {}",
                target_label(ob, &old.parent),
                target_label(oa, &acct.parent)
            ),
            (Some(place_of(&old.place)), Some(place_of(&acct.place))),
            detail,
            keys,
            BTreeSet::new(),
            Vec::new(),
        );
    }

    // attachments by (target, kind, policy name)
    type Attached<'s> = BTreeMap<(String, OrgPolicyType, String), &'s crate::model::OrgAttachment>;
    fn attached<'s>(snap: &Snapshot, org: &'s Organization) -> Attached<'s> {
        org.attachments
            .iter()
            .filter_map(|a| {
                let name = snap.policy(a.policy)?.name.to_string();
                Some(((a.target.clone(), a.kind, name), a))
            })
            .collect()
    }
    let (ab, aa) = (attached(before, ob), attached(after, oa));
    for ((target, kind, name), a) in &ab {
        if aa.contains_key(&(target.clone(), *kind, name.clone())) {
            continue;
        }
        let level = ob.level_name(target).to_string();
        let t = type_label(*kind);
        let mut keys = vec![Key::Org(OrgKey::Detached(*kind, level, name.clone()))];
        keys.extend(
            accounts_under(ob, target)
                .into_iter()
                .map(|x| Key::Org(OrgKey::Account(x))),
        );
        b.push(
            ChangeKind::OrgPolicyDetached,
            target_label(ob, target),
            Some(format!("{t} {name}")),
            format!("{t} {name} detached from {}", target_label(ob, target)),
            (Some(place_of(&a.place)), None),
            Vec::new(),
            keys,
            BTreeSet::new(),
            Vec::new(),
        );
    }
    for ((target, kind, name), a) in &aa {
        if ab.contains_key(&(target.clone(), *kind, name.clone())) {
            continue;
        }
        let level = oa.level_name(target).to_string();
        let t = type_label(*kind);
        let mut keys = vec![Key::Org(OrgKey::Attached(*kind, level, name.clone()))];
        keys.extend(
            accounts_under(oa, target)
                .into_iter()
                .map(|x| Key::Org(OrgKey::Account(x))),
        );
        let detail = after
            .policy(a.policy)
            .map(|p| {
                p.document
                    .statements
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let (_, acts) = super::changes::actions(&s.action);
                        format!(
                            "{} ({} {})",
                            super::changes::statement_name(&super::changes::label(s, i)),
                            super::changes::effect(s),
                            super::changes::list(&acts)
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        b.push(
            ChangeKind::OrgPolicyAttached,
            target_label(oa, target),
            Some(format!("{t} {name}")),
            format!("{t} {name} attached to {}", target_label(oa, target)),
            (None, Some(place_of(&a.place))),
            detail,
            keys,
            BTreeSet::new(),
            Vec::new(),
        );
    }

    // documents of SCPs and RCPs attached on both sides, by name
    fn documents<'s>(
        snap: &'s Snapshot,
        org: &Organization,
    ) -> BTreeMap<(OrgPolicyType, String), &'s Policy> {
        org.attachments
            .iter()
            .filter_map(|a| {
                snap.policy(a.policy)
                    .map(|p| ((a.kind, p.name.to_string()), p))
            })
            .collect()
    }
    let (db, da) = (documents(before, ob), documents(after, oa));
    for ((kind, name), pb) in &db {
        let Some(pa) = da.get(&(*kind, name.clone())) else {
            continue;
        };
        if same_document(pb, pa) {
            continue;
        }
        let (detail, labels) = statement_difference(pb, pa);
        let t = type_label(*kind);
        let mut keys = vec![Key::Org(OrgKey::Document(*kind, name.clone()))];
        let mut accts: BTreeSet<String> = accounts_holding(before, ob, *kind, name)
            .into_iter()
            .collect();
        accts.extend(accounts_holding(after, oa, *kind, name));
        keys.extend(accts.into_iter().map(|x| Key::Org(OrgKey::Account(x))));
        b.push(
            ChangeKind::OrgPolicyChanged,
            format!("{t} {name}"),
            None,
            format!("{t} {name} changed"),
            (policy_place(pb, &labels), policy_place(pa, &labels)),
            detail,
            keys,
            labels,
            Vec::new(),
        );
    }
}

fn resources(b: &mut Builder<'_>) {
    let (before, after) = (b.before, b.after);
    fn by_arn(s: &Snapshot) -> BTreeMap<&str, (&crate::model::Resource, Option<&Policy>)> {
        s.resources
            .iter()
            .map(|r| (r.arn.as_str(), (r, s.policy(r.policy))))
            .collect()
    }
    let (rb, ra) = (by_arn(before), by_arn(after));
    let all: BTreeSet<&str> = rb.keys().chain(ra.keys()).copied().collect();
    for arn in all {
        let key = vec![Key::Org(OrgKey::Resource(arn.to_owned()))];
        let place = |x: Option<&(&crate::model::Resource, Option<&Policy>)>,
                     labels: &BTreeSet<String>| {
            x.map(|(r, p)| {
                p.and_then(|p| policy_place(p, labels))
                    .unwrap_or_else(|| r.place.clone())
            })
        };
        match (rb.get(arn), ra.get(arn)) {
            (Some(x), Some(y)) => {
                let (Some(pb), Some(pa)) = (x.1, y.1) else {
                    continue;
                };
                if same_document(pb, pa) {
                    continue;
                }
                let (detail, labels) = statement_difference(pb, pa);
                b.push(
                    ChangeKind::ResourcePolicyChanged,
                    format!("{} {arn}", x.0.kind.label()),
                    None,
                    format!("resource policy of {arn} changed"),
                    (place(Some(x), &labels), place(Some(y), &labels)),
                    detail,
                    key,
                    labels,
                    Vec::new(),
                );
            }
            (Some(x), None) => b.push(
                ChangeKind::ResourcePolicyRemoved,
                format!("{} {arn}", x.0.kind.label()),
                None,
                format!("resource policy of {arn} removed"),
                (place(Some(x), &BTreeSet::new()), None),
                Vec::new(),
                key,
                BTreeSet::new(),
                Vec::new(),
            ),
            (None, Some(y)) => b.push(
                ChangeKind::ResourcePolicyAdded,
                format!("{} {arn}", y.0.kind.label()),
                None,
                format!("resource policy of {arn} added"),
                (None, place(Some(y), &BTreeSet::new())),
                Vec::new(),
                key,
                BTreeSet::new(),
                Vec::new(),
            ),
            (None, None) => {}
        }
    }
}

/// The keys an `scp`, `rcp`, `resource` or `dangling` route of one side finds its
/// changes by; `None` for other routes. `me` is the principal's index on that side.
pub(super) fn route_keys(
    index: &OrgIndex,
    side: SideOf,
    me: usize,
    r: &Route,
) -> Option<Vec<OrgKey>> {
    let kind = match r.kind.as_str() {
        "scp" => OrgPolicyType::Scp,
        "rcp" => OrgPolicyType::Rcp,
        "resource" | "dangling" => return Some(vec![OrgKey::Resource(r.policy.clone())]),
        _ => return None,
    };
    let prefix = match kind {
        OrgPolicyType::Scp => "scp ",
        OrgPolicyType::Rcp => "rcp ",
    };
    let level = r.via.strip_prefix(prefix).unwrap_or(&r.via).to_owned();
    let mut keys = vec![OrgKey::Document(kind, r.policy.clone())];
    keys.push(match side {
        SideOf::Before => OrgKey::Detached(kind, level.clone(), r.policy.clone()),
        SideOf::After => OrgKey::Attached(kind, level.clone(), r.policy.clone()),
    });
    let account = match kind {
        // an SCP level bounds the principal's account; an RCP level the resource's owner,
        // which the route does not say
        OrgPolicyType::Scp => index.account(side, me).map(str::to_owned),
        OrgPolicyType::Rcp => None,
    };
    keys.push(OrgKey::Moved(kind, account, level));
    Some(keys)
}

/// The fallback keys of a principal: every organization change touching its account.
pub(super) fn account_keys(index: &OrgIndex, side: SideOf, me: usize) -> Option<OrgKey> {
    index
        .account(side, me)
        .map(|a| OrgKey::Account(a.to_owned()))
}
