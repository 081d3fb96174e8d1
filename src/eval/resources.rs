//! Resource-based policies in evaluation (issue 8): which statements of which resources'
//! policies apply to a principal, whether they need the principal's identity policies to
//! allow too, and on which resources an identity allow alone does not count.
//!
//! AWS: within one account an allow in either the identity or the resource policy
//! suffices, except for KMS keys, whose key policy must allow (naming the account, or its
//! root, delegates to IAM policies, which then decide); across accounts both must allow;
//! an explicit deny anywhere wins. Resource grants become resource-specific rules of the
//! principal's evaluation, with the resource statement as their source, so grants,
//! witnesses and reports keep their shape.

use std::sync::Arc;

use crate::model::{
    Effect, PolicyId, Principal, PrincipalClause, Resource, ResourceClause, Snapshot, Statement,
};

use super::compile::CompiledSnapshot;
use super::condition::{self, Tri};
use super::context::RequestContext;
use super::effective::Rule;
use super::layers::Via;
use super::scope::{self, ResourceScope, ScopeFor};

/// How a statement's `Principal` names the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// Not at all.
    No,
    /// By ARN, unique id or `*` (with the truth of that match: a session ARN of the role
    /// is `Unknown`, the session name being unknown offline).
    Directly(Tri),
    /// By its account (`111122223333`, `arn:aws:iam::111122223333:root`): the account's
    /// identity policies must allow too.
    Account,
}

/// Whether `value` of a `Principal` element of type `kind` names `p`.
pub fn names(kind: &str, value: &str, p: &Principal) -> Named {
    if kind == "*" || (kind == "AWS" && value == "*") {
        return Named::Directly(Tri::True);
    }
    if kind != "AWS" {
        // services, federated and canonical users are never an IAM principal of a side
        return Named::No;
    }
    let account = p.account.as_deref();
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return if account.is_none_or(|a| a == value) {
            Named::Account
        } else {
            Named::No
        };
    }
    if let Some(rest) = value.strip_prefix("arn:aws:iam::")
        && let Some(acct) = rest.strip_suffix(":root")
    {
        return if account.is_none_or(|a| a == acct) {
            Named::Account
        } else {
            Named::No
        };
    }
    if let Some(rest) = value.strip_prefix("arn:aws:sts::") {
        // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
        let mut it = rest.splitn(2, ':');
        let acct = it.next().unwrap_or_default();
        let res = it.next().unwrap_or_default();
        let role = res
            .strip_prefix("assumed-role/")
            .and_then(|r| r.split('/').next());
        let same = p.kind == crate::model::PrincipalKind::Role
            && role == Some(p.name.as_str())
            && account.is_none_or(|a| a == acct);
        return if same {
            Named::Directly(Tri::Unknown)
        } else {
            Named::No
        };
    }
    if value.starts_with("arn:") {
        let own = p
            .arn
            .clone()
            .or_else(|| {
                account.map(|a| {
                    format!(
                        "arn:aws:iam::{a}:{}{}{}",
                        p.kind.as_str(),
                        p.path.as_deref().unwrap_or("/"),
                        p.name
                    )
                })
            })
            .unwrap_or_default();
        return if own == value {
            Named::Directly(Tri::True)
        } else {
            Named::No
        };
    }
    if p.id.as_deref() == Some(value) {
        return Named::Directly(Tri::True);
    }
    Named::No
}

/// How a statement's principal element applies to `p`: `(truth, needs identity allow)`.
pub fn principal_applies(s: &Statement, p: &Principal) -> (Tri, bool) {
    let best = |pairs: &[(String, String)]| {
        let mut out = Named::No;
        for (k, v) in pairs {
            match (names(k, v, p), out) {
                (Named::Directly(Tri::True), _) => return Named::Directly(Tri::True),
                (Named::Directly(t), Named::No | Named::Account) => out = Named::Directly(t),
                (Named::Account, Named::No) => out = Named::Account,
                _ => {}
            }
        }
        out
    };
    match &s.principal {
        None => (Tri::False, false),
        Some(PrincipalClause::Principal(v)) => match best(v) {
            Named::No => (Tri::False, false),
            Named::Directly(t) => (t, false),
            Named::Account => (Tri::True, true),
        },
        Some(PrincipalClause::NotPrincipal(v)) => match best(v) {
            Named::No => (Tri::True, false),
            Named::Directly(t) => (t.negate(), false),
            Named::Account => (Tri::False, false),
        },
    }
}

/// The resources a resource statement covers: its `Resource` patterns, `*` (and an
/// absent element) standing for the resource the policy is attached to.
pub fn statement_scope(s: &Statement, r: &Resource, ctx: &RequestContext) -> ScopeFor {
    let own = r.patterns();
    let clause = match &s.resource {
        ResourceClause::Resource(pats) => ResourceClause::Resource(
            pats.iter()
                .flat_map(|p| {
                    if p == "*" {
                        own.clone()
                    } else {
                        vec![p.clone()]
                    }
                })
                .collect(),
        ),
        // the resource itself, whatever the NotResource says of it
        ResourceClause::NotResource(_) | ResourceClause::Absent => ResourceClause::Resource(own),
    };
    scope::scope_for(&clause, ctx)
}

/// Whether `p` reaches `r` by its identity policies alone: the same account (an unknown
/// account counts as the side's one account), and a resource whose policy is not
/// required.
pub fn identity_suffices(r: &Resource, p: &Principal) -> bool {
    let same = match (&r.account, &p.account) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    same && !r.kind.policy_required()
}

/// The resource-policy statements that bear on one principal, decided for it.
#[derive(Debug, Clone, Default)]
pub struct ResourceRules {
    /// Allows, each with whether the identity policies must allow too.
    pub allows: Vec<(Rule, bool)>,
    pub denies: Vec<Rule>,
    /// Resources an identity allow alone does not reach (another account's, KMS keys).
    pub gated: Option<Arc<ResourceScope>>,
    /// What the rules depend on, for sharing evaluations between principals: (resource,
    /// statement, truth, needs identity) of every statement that applies.
    pub signature: Vec<Applied>,
}

/// One resource statement that applies to a principal: (resource index, statement index,
/// truth, needs the identity allow).
pub type Applied = (u32, u32, u8, bool);

/// The resource account's RCP chain (issue 8 item 2): the levels that bound what
/// resource policies can grant on resources of `account`, each as (name, policies).
/// Resource control policies are read by the organizations reader; until it records
/// chains on the snapshot this returns none, and resource grants are bounded only by the
/// principal's boundary and SCPs.
pub fn rcp_chain(_snapshot: &Snapshot, _account: Option<&str>) -> Vec<(Arc<str>, Vec<PolicyId>)> {
    Vec::new()
}

/// The resource rules of `p` (with its request context `ctx`).
pub fn for_principal(
    snapshot: &Snapshot,
    compiled: &CompiledSnapshot,
    p: &Principal,
    ctx: &RequestContext,
) -> ResourceRules {
    let mut out = ResourceRules::default();
    let mut gated: Vec<String> = Vec::new();
    for (ri, r) in snapshot.resources.iter().enumerate() {
        if !identity_suffices(r, p) {
            gated.extend(r.patterns());
        }
        let Some(policy) = snapshot.policy(r.policy) else {
            continue;
        };
        let cross = r
            .account
            .as_deref()
            .zip(p.account.as_deref())
            .is_some_and(|(a, b)| a != b);
        let via = Via::Resource(Arc::from(r.arn.as_str()));
        for (si, (s, c)) in policy
            .document
            .statements
            .iter()
            .zip(compiled.statements(r.policy))
            .enumerate()
        {
            let (named, delegated) = principal_applies(s, p);
            if named == Tri::False {
                continue;
            }
            let cond = condition::evaluate(&s.condition, ctx);
            let tri = named.and(cond);
            if tri == Tri::False {
                continue;
            }
            let (scope, unknown_variables) = match statement_scope(s, r, ctx) {
                ScopeFor::Scope(sc) => (sc, Vec::new()),
                ScopeFor::Nothing => continue,
                ScopeFor::Unknown { scope, variables } => (scope, variables),
            };
            let resource_unknown = !unknown_variables.is_empty();
            let tri = if resource_unknown { Tri::Unknown } else { tri };
            let mut clauses = Vec::new();
            if tri == Tri::Unknown {
                clauses = condition::normalized(&s.condition);
                if named == Tri::Unknown {
                    clauses.push(crate::model::ConditionClause {
                        operator: "(session)".into(),
                        key: "the role session the policy names".into(),
                        values: Vec::new(),
                    });
                }
            }
            let needs_identity = delegated || cross;
            out.signature.push((
                u32::try_from(ri).unwrap_or(u32::MAX),
                u32::try_from(si).unwrap_or(u32::MAX),
                tri as u8,
                needs_identity,
            ));
            let rule = Rule {
                actions: c.actions.clone(),
                scope,
                tri,
                resource_unknown,
                clauses,
                unknown_variables,
                source: s.origin.clone(),
                via: via.clone(),
            };
            match s.effect {
                Effect::Allow => out.allows.push((rule, needs_identity)),
                Effect::Deny => out.denies.push(rule),
            }
        }
    }
    if !gated.is_empty() {
        gated.sort();
        gated.dedup();
        out.gated = Some(Arc::new(scope::static_scope(&ResourceClause::Resource(
            gated,
        ))));
    }
    out
}

/// Whether two ARN patterns may match a common resource: their literal prefixes (up to
/// the first wildcard) agree. Cheap and never wrong in the "no" direction.
pub fn may_overlap(a: &str, b: &str) -> bool {
    let lit = |s: &str| s.find(['*', '?']).map_or(s.len(), |i| i);
    let (la, lb) = (lit(a), lit(b));
    let n = la.min(lb);
    if a.get(..n) != b.get(..n) {
        return false;
    }
    // a fully literal pattern must be matched in full by the other's prefix
    match (la == a.len(), lb == b.len()) {
        (true, true) => a == b,
        _ => true,
    }
}

/// Whether a grant's scope may meet the gated resources.
pub fn scope_meets(scope: &ResourceScope, gated: &ResourceScope) -> bool {
    match (scope, gated) {
        (ResourceScope::Only(a), ResourceScope::Only(b)) => a
            .iter()
            .any(|x| b.iter().any(|y| may_overlap(&x.text, &y.text))),
        _ => true,
    }
}
