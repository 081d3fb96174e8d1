//! Lint of self-service permission records (issue 11 item 3, L011–L020): what a portal
//! record says against what it should say (a trust bound to its requester, an expiry, a
//! policy that grants what was requested) and, when the side also holds an account dump,
//! against what AWS has (the role and policy present, the same documents, no
//! portal-named role or policy without a record). The records' policies and trust
//! policies are linted by the other rules like any other; this pass also stamps their
//! findings with the record's origin (identifier, requester, expiry).

use std::sync::Arc;

use crate::model::{
    ActionClause, ConditionClause, Effect, Place, Policy, PolicyId, PolicyKind, PolicyRef,
    PortalRecord, Principal, PrincipalClause, PrincipalKind, ResourceClause, Snapshot,
};

use super::{LintFinding, Rule, finding};
use crate::eval::wildcard::matches_ignore_ascii_case as glob;

/// Runs the portal rules and annotates the findings of the other rules; `now` (seconds
/// since the epoch) decides which records have expired (none are judged without it).
pub(super) fn lint(snap: &Snapshot, now: Option<i64>, out: &mut Vec<LintFinding>) {
    if snap.portal.is_empty() {
        return;
    }
    annotate(snap, out);
    let dumps = Dumps::of(snap);
    for r in &snap.portal {
        let mut push = |rule: Rule, place: &Place, message: String| {
            let mut f = finding(rule, place.clone(), None, None, message);
            f.portal = Some(r.origin());
            out.push(f);
        };
        let who = r
            .requester
            .as_deref()
            .map(|q| format!(", requested by `{q}`"))
            .unwrap_or_default();
        trust(snap, r, &who, &mut push);
        match &r.expiry {
            None => push(
                Rule::PortalNoExpiry,
                &r.expiry_place,
                format!(
                    "record `{}`{who} has no `expiry_time`: the role `{}` and its policy stay until someone revokes them",
                    r.identifier, r.role_name
                ),
            ),
            Some((text, at)) if now.is_some_and(|n| *at <= n) => {
                let where_ = if dumps.has(&r.account) {
                    match dump_role(snap, r) {
                        Some(_) => "its role is still in the account dump".to_owned(),
                        None => "its role is gone from the account dump, but the record remains"
                            .to_owned(),
                    }
                } else {
                    "the record and its role are still present".to_owned()
                };
                push(
                    Rule::PortalExpired,
                    &r.expiry_place,
                    format!(
                        "record `{}`{who} expired at `{text}`; {where_}: the revocation did not run",
                        r.identifier
                    ),
                );
            }
            Some(_) => {}
        }
        off_request(snap, r, &who, &mut push);
        if dumps.has(&r.account) {
            drift(snap, r, now, &who, &mut push);
        }
    }
    if !dumps.accounts.is_empty() {
        unrecorded(snap, &dumps, out);
        provisioners(snap, &dumps, out);
    }
}

/// Findings of the other rules on a record's policy or trust get its origin; a pointer
/// into the implied trust (at `role_arn`) is cut back to `role_arn`.
fn annotate(snap: &Snapshot, out: &mut [LintFinding]) {
    for f in out.iter_mut() {
        let Some(pointer) = f.place.pointer.clone() else {
            continue;
        };
        let Some(r) = snap.portal.iter().find(|r| {
            r.place.file == f.place.file
                && r.place
                    .pointer
                    .as_deref()
                    .is_some_and(|p| pointer.strip_prefix(p).is_some_and(|t| t.starts_with('/')))
        }) else {
            continue;
        };
        if r.trust_implied
            && let Some(role) = r.role_place.pointer.as_deref()
            && pointer.starts_with(&format!("{role}/"))
        {
            f.place.pointer = Some(role.to_owned());
            f.message
                .push_str(" (the trust the portal's workflow writes; the record carries none)");
        }
        // a document given as a JSON string is placed at the string
        if let Some(doc) = snap
            .policy(r.policy)
            .and_then(|p| p.document.statements.first())
            .and_then(|s| s.origin.pointer.as_deref())
            .filter(|d| !d.contains("/Statement"))
            && pointer.starts_with(&format!("{doc}/"))
        {
            f.place.pointer = Some(doc.to_owned());
        }
        f.message
            .push_str(&format!(" — portal record `{}`", r.identifier));
        if let Some(q) = &r.requester {
            f.message.push_str(&format!(", requested by `{q}`"));
        }
        f.portal = Some(r.origin());
    }
}

// ---- L011 --------------------------------------------------------------------------

/// Whether an allow statement of a record's trust admits only its requester: a condition
/// value or every principal value names the requester (the e-mail or its local part).
fn bound_to(
    requester: &str,
    principal: Option<&PrincipalClause>,
    cond: &[ConditionClause],
) -> bool {
    let q = requester.to_ascii_lowercase();
    let local = q.split('@').next().unwrap_or(&q).to_owned();
    let names = |v: &str| {
        let v = v.to_ascii_lowercase();
        v.contains(&q) || (!local.is_empty() && v.contains(&local))
    };
    if cond.iter().any(|c| c.values.iter().any(|v| names(v))) {
        return true;
    }
    match principal {
        Some(PrincipalClause::Principal(pairs)) => {
            !pairs.is_empty()
                && pairs
                    .iter()
                    .all(|(_, v)| v != "*" && !v.ends_with(":root") && names(v))
        }
        _ => false,
    }
}

fn trust(snap: &Snapshot, r: &PortalRecord, who: &str, push: &mut dyn FnMut(Rule, &Place, String)) {
    let Some(t) = snap.policy(r.trust) else {
        return;
    };
    for s in t
        .document
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let bound = r
            .requester
            .as_deref()
            .is_some_and(|q| bound_to(q, s.principal.as_ref(), &s.condition));
        if bound {
            continue;
        }
        let admits = match &s.principal {
            Some(PrincipalClause::Principal(pairs)) => pairs
                .iter()
                .map(|(_, v)| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", "),
            _ => "principals other than those named".to_owned(),
        };
        let place = if r.trust_implied {
            r.role_place.clone()
        } else {
            let mut p = Place::file(s.origin.file.clone());
            p.pointer = s.origin.pointer.as_ref().map(|x| format!("{x}/Principal"));
            p
        };
        let message = match &r.requester {
            Some(q) => format!(
                "role `{}` of record `{}` is for `{q}`, but its trust admits {admits} with no condition naming them: anyone there whose policies allow `sts:AssumeRole` on it can use the grant",
                r.role_name, r.identifier
            ),
            None => format!(
                "record `{}` names no requester, and the trust of role `{}` admits {admits}{who}",
                r.identifier, r.role_name
            ),
        };
        push(Rule::PortalTrustNotRequester, &place, message);
        return;
    }
}

// ---- L014 --------------------------------------------------------------------------

/// The service of an ARN (`arn:aws:s3:::b` → `s3`).
fn arn_service(arn: &str) -> Option<&str> {
    arn.split(':').nth(2).filter(|s| !s.is_empty())
}

fn off_request(
    snap: &Snapshot,
    r: &PortalRecord,
    who: &str,
    push: &mut dyn FnMut(Rule, &Place, String),
) {
    // requested actions of another service than the target resource's
    if let Some(svc) = r.resource.as_deref().and_then(arn_service) {
        for (i, a) in r.permissions.iter().enumerate() {
            let Some((asvc, _)) = a.split_once(':') else {
                continue;
            };
            if !asvc.eq_ignore_ascii_case(svc) {
                let mut p = r.permissions_place.clone();
                p.pointer = p.pointer.map(|x| format!("{x}/{i}"));
                push(
                    Rule::PortalOffRequest,
                    &p,
                    format!(
                        "record `{}`{who} requests `{a}` on `{}`, a resource of `{svc}`: the request form's filter by resource type does not bind the workflow",
                        r.identifier,
                        r.resource.as_deref().unwrap_or_default()
                    ),
                );
            }
        }
    }
    // granted actions the record does not list as requested
    let Some(pol) = snap.policy(r.policy) else {
        return;
    };
    if r.permissions.is_empty() {
        return;
    }
    for s in pol
        .document
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let ActionClause::Action(actions) = &s.action else {
            continue;
        };
        for (i, a) in actions.iter().enumerate() {
            if r.permissions.iter().any(|p| glob(p, a)) {
                continue;
            }
            let mut p = Place::file(s.origin.file.clone());
            p.pointer = s.origin.pointer.as_ref().map(|x| {
                if actions.len() > 1 {
                    format!("{x}/Action/{i}")
                } else {
                    format!("{x}/Action")
                }
            });
            push(
                Rule::PortalOffRequest,
                &p,
                format!(
                    "the policy of record `{}`{who} grants `{a}`, which its `permissions` ({}) do not list",
                    r.identifier,
                    r.permissions
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
}

// ---- drift: L015–L019 --------------------------------------------------------------

/// What the side's account dumps hold: the accounts with principals not made by records.
struct Dumps {
    accounts: Vec<String>,
}

impl Dumps {
    fn of(snap: &Snapshot) -> Self {
        let mut accounts: Vec<String> = snap
            .principals
            .iter()
            .filter(|p| !made_by_record(snap, p))
            .filter_map(|p| p.account.clone())
            .collect();
        accounts.sort();
        accounts.dedup();
        Dumps { accounts }
    }

    fn has(&self, account: &str) -> bool {
        self.accounts.iter().any(|a| a == account)
    }
}

fn made_by_record(snap: &Snapshot, p: &Principal) -> bool {
    p.kind == PrincipalKind::Role
        && p.trust
            .is_some_and(|t| snap.portal.iter().any(|r| !r.dumped && r.trust == t))
}

fn dump_role<'s>(snap: &'s Snapshot, r: &PortalRecord) -> Option<&'s Principal> {
    snap.principals.iter().find(|p| {
        p.kind == PrincipalKind::Role
            && !made_by_record(snap, p)
            && (p
                .arn
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(&r.role_arn))
                || (p.account.as_deref() == Some(r.account.as_str())
                    && p.name.eq_ignore_ascii_case(&r.role_name)))
    })
}

fn dump_policy<'s>(snap: &'s Snapshot, r: &PortalRecord) -> Option<(PolicyId, &'s Policy)> {
    let record_policies: Vec<PolicyId> = snap.portal.iter().map(|x| x.policy).collect();
    snap.policies.iter().enumerate().find_map(|(i, p)| {
        let id = PolicyId(u32::try_from(i).unwrap_or(u32::MAX));
        (p.kind == PolicyKind::CustomerManaged
            && !record_policies.contains(&id)
            && p.arn
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(&r.policy_arn)))
        .then_some((id, p))
    })
}

/// A document as a sorted list of its statements' meaning (no Sid, no places).
fn normalized(p: &Policy) -> Vec<String> {
    let mut v: Vec<String> = p
        .document
        .statements
        .iter()
        .map(|s| {
            let sorted = |items: &[String], lower: bool| {
                let mut x: Vec<String> = items
                    .iter()
                    .map(|i| {
                        if lower {
                            i.to_ascii_lowercase()
                        } else {
                            i.clone()
                        }
                    })
                    .collect();
                x.sort();
                x.dedup();
                x.join(",")
            };
            let action = match &s.action {
                ActionClause::Action(a) => format!("A[{}]", sorted(a, true)),
                ActionClause::NotAction(a) => format!("NA[{}]", sorted(a, true)),
            };
            let resource = match &s.resource {
                ResourceClause::Resource(r) => format!("R[{}]", sorted(r, false)),
                ResourceClause::NotResource(r) => format!("NR[{}]", sorted(r, false)),
                ResourceClause::Absent => String::new(),
            };
            let principal = match &s.principal {
                Some(PrincipalClause::Principal(p)) => {
                    let mut x: Vec<String> = p.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    x.sort();
                    format!("P[{}]", x.join(","))
                }
                Some(PrincipalClause::NotPrincipal(p)) => {
                    let mut x: Vec<String> = p.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    x.sort();
                    format!("NP[{}]", x.join(","))
                }
                None => String::new(),
            };
            let mut c = crate::eval::condition::normalized(&s.condition);
            c.sort();
            format!("{:?} {action} {resource} {principal} {c:?}", s.effect)
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The place of a policy's document in its file: its first statement's pointer cut
/// before `/Statement`.
fn doc_place(p: &Policy) -> Option<Place> {
    let s = p.document.statements.first()?;
    let mut place = Place::file(s.origin.file.clone());
    place.pointer = s
        .origin
        .pointer
        .as_deref()
        .map(|x| match x.rfind("/Statement") {
            Some(i) => x.get(..i).unwrap_or(x).to_owned(),
            None => x.to_owned(),
        });
    Some(place)
}

fn drift(
    snap: &Snapshot,
    r: &PortalRecord,
    now: Option<i64>,
    who: &str,
    push: &mut dyn FnMut(Rule, &Place, String),
) {
    let expired = r
        .expiry
        .as_ref()
        .is_some_and(|(_, at)| now.is_some_and(|n| *at <= n));
    let role = dump_role(snap, r);
    let policy = dump_policy(snap, r);
    match role {
        None if !expired => push(
            Rule::PortalRoleMissing,
            &r.role_place,
            format!(
                "record `{}`{who} says role `{}` exists, but the account dump of `{}` has no such role: the grant was never made or was deleted outside the portal",
                r.identifier, r.role_arn, r.account
            ),
        ),
        None => {}
        Some(role) => {
            let (Some(mine), Some(theirs)) = (
                snap.policy(r.trust),
                role.trust.and_then(|t| snap.policy(t)),
            ) else {
                return;
            };
            if normalized(mine) != normalized(theirs) {
                let at = doc_place(theirs)
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default();
                push(
                    Rule::PortalTrustDrift,
                    &r.role_place,
                    format!(
                        "the trust of role `{}` in the account dump{at} differs from the one record `{}`{who} says it has",
                        r.role_name, r.identifier
                    ),
                );
            }
        }
    }
    match policy {
        None if !expired => push(
            Rule::PortalPolicyMissing,
            &r.policy_place,
            format!(
                "record `{}`{who} says policy `{}` exists, but the account dump of `{}` has no such policy",
                r.identifier, r.policy_arn, r.account
            ),
        ),
        None => {}
        Some((id, theirs)) => {
            let at = doc_place(theirs)
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            if let Some(mine) = snap.policy(r.policy)
                && normalized(mine) != normalized(theirs)
            {
                let mut place = r.policy_place.clone();
                if let Some(d) = mine.document.statements.first() {
                    place.pointer =
                        d.origin
                            .pointer
                            .as_deref()
                            .map(|x| match x.rfind("/Statement") {
                                Some(i) => x.get(..i).unwrap_or(x).to_owned(),
                                None => x.to_owned(),
                            });
                }
                push(
                    Rule::PortalPolicyDrift,
                    &place,
                    format!(
                        "policy `{}` in the account dump{at} differs from the `iam_policy` of record `{}`{who}: it was edited outside the portal",
                        r.policy_name, r.identifier
                    ),
                );
            }
            if let Some(role) = role {
                let attached = role.policies.iter().any(|p| match p {
                    PolicyRef::Resolved(x) => *x == id,
                    PolicyRef::Unresolved { arn, .. } => arn
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(&r.policy_arn)),
                });
                if !attached {
                    push(
                        Rule::PortalPolicyDrift,
                        &r.policy_place,
                        format!(
                            "policy `{}` of record `{}`{who} is in the account dump but not attached to role `{}`: the requester has none of it",
                            r.policy_name, r.identifier, r.role_name
                        ),
                    );
                }
            }
        }
    }
}

/// Whether a name follows the portal's convention (`Permission-<run id>`).
fn portal_named(name: &str) -> bool {
    name.strip_prefix("Permission-")
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

fn unrecorded(snap: &Snapshot, dumps: &Dumps, out: &mut Vec<LintFinding>) {
    for p in &snap.principals {
        if p.kind != PrincipalKind::Role
            || !portal_named(&p.name)
            || made_by_record(snap, p)
            || !p.account.as_deref().is_some_and(|a| dumps.has(a))
        {
            continue;
        }
        let arn = p.arn.clone().unwrap_or_else(|| p.name.clone());
        if snap
            .portal
            .iter()
            .any(|r| r.role_arn.eq_ignore_ascii_case(&arn))
        {
            continue;
        }
        let Some(place) = p.trust.and_then(|t| snap.policy(t)).and_then(doc_place) else {
            continue;
        };
        out.push(finding(
            Rule::PortalUnrecorded,
            place,
            None,
            None,
            format!(
                "role `{arn}` is named as the portal names the roles it provisions, but no record accounts for it: a failed revocation or a grant made outside the portal"
            ),
        ));
    }
    let record_policies: Vec<PolicyId> = snap.portal.iter().map(|x| x.policy).collect();
    for (i, p) in snap.policies.iter().enumerate() {
        let id = PolicyId(u32::try_from(i).unwrap_or(u32::MAX));
        if p.kind != PolicyKind::CustomerManaged
            || !portal_named(&p.name)
            || record_policies.contains(&id)
        {
            continue;
        }
        let arn = p.arn.as_deref().unwrap_or(&p.name);
        if !crate::model::arn_account(arn).is_some_and(|a| dumps.has(a))
            || snap
                .portal
                .iter()
                .any(|r| r.policy_arn.eq_ignore_ascii_case(arn))
        {
            continue;
        }
        let Some(place) = doc_place(p) else { continue };
        out.push(finding(
            Rule::PortalUnrecorded,
            place,
            Some(p),
            None,
            format!(
                "policy `{arn}` is named as the portal names the policies it provisions, but no record accounts for it"
            ),
        ));
    }
}

// ---- L020 --------------------------------------------------------------------------

/// Principals of the dump able to create roles and attach policies to them on any role:
/// the portal's provisioning identity, whose keys can make grants no record holds.
fn provisioners(snap: &Snapshot, dumps: &Dumps, out: &mut Vec<LintFinding>) {
    let wanted = ["iam:CreateRole", "iam:AttachRolePolicy"];
    for p in &snap.principals {
        if made_by_record(snap, p)
            || !p.account.as_deref().is_some_and(|a| dumps.has(a))
            || p.boundary.is_some()
        {
            continue;
        }
        let refs = p.policies.iter().chain(
            p.groups
                .iter()
                .filter_map(|g| snap.group(*g))
                .flat_map(|g| g.policies.iter()),
        );
        let mut grants: Vec<(&str, Arc<crate::model::Origin>)> = Vec::new();
        let mut creates_policies = false;
        for r in refs {
            let PolicyRef::Resolved(id) = r else { continue };
            let Some(pol) = snap.policy(*id) else {
                continue;
            };
            for s in &pol.document.statements {
                let (Effect::Allow, ActionClause::Action(actions), ResourceClause::Resource(res)) =
                    (s.effect, &s.action, &s.resource)
                else {
                    continue;
                };
                if !s.condition.is_empty() || !res.iter().any(|x| x == "*") {
                    continue;
                }
                for w in wanted {
                    if actions.iter().any(|a| glob(a, w)) {
                        grants.push((w, s.origin.clone()));
                    }
                }
                if actions.iter().any(|a| glob(a, "iam:CreatePolicy")) {
                    creates_policies = true;
                }
            }
        }
        if !wanted.iter().all(|w| grants.iter().any(|(g, _)| g == w)) {
            continue;
        }
        let Some((_, origin)) = grants.first() else {
            continue;
        };
        let mut place = Place::file(origin.file.clone());
        place.pointer = origin.pointer.clone();
        let mut f = finding(
            Rule::PortalProvisioner,
            place,
            None,
            None,
            format!(
                "{} `{}` may create any role and attach any policy to it (`iam:CreateRole`, `iam:AttachRolePolicy` on `*`, no boundary): whoever holds its keys grants what no portal record shows",
                p.kind.as_str(),
                p.name
            ),
        );
        if !creates_policies {
            f.message.push_str(
                "; it lacks `iam:CreatePolicy`, which the records' customer managed policies need: the portal's runs fail after recording",
            );
        }
        out.push(f);
    }
}
