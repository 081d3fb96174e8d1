//! One request, decided: may this principal perform this action (on this resource, in
//! this context)? The decision follows the AWS evaluation logic — an explicit deny
//! anywhere wins, an identity policy must allow, the permissions boundary and every SCP
//! level must allow too — in three-valued logic, so what depends on an unknown context
//! key is `conditional`, never guessed. Every statement that bears on the request is
//! returned with its provenance.

use serde::Serialize;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::model::{ActionClause, Effect, Origin, PolicyId, Principal, Snapshot};

use super::condition::{self, Tri};
use super::context::RequestContext;
use super::layers::{Layers, Via};
use super::principal_ctx::principal_context;
use super::scope::{self, ResourceScope, ScopeFor};
use super::wildcard;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// An allow applies, nothing denies, the boundary and every SCP level allow.
    Allowed,
    /// An explicit deny applies.
    Denied,
    /// Depends on what evaluation could not decide (context keys, variables, policies
    /// whose documents are unknown).
    Conditional,
    /// Implicitly denied: no applicable allow, or the boundary or an SCP level does not allow.
    NotAllowed,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::Denied => "denied",
            Decision::Conditional => "conditional",
            Decision::NotAllowed => "not-allowed",
        }
    }
}

/// Whether a statement's resource element covers the request's resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceMatch {
    Yes,
    /// No resource was given and the statement covers only some resources.
    Some,
    /// A policy variable in the resource cannot be known offline.
    Unknown,
}

/// One statement that bears on the request.
#[derive(Debug, Clone, Serialize)]
pub struct StatementReport {
    pub effect: Effect,
    /// `identity`, `boundary`, `scp` or `rcp`.
    pub layer: &'static str,
    pub via: Via,
    #[serde(flatten)]
    pub origin: Arc<Origin>,
    pub resources: Vec<String>,
    pub resource_match: ResourceMatch,
    /// `true`, `false` or `unknown`.
    pub condition: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_keys: Vec<String>,
    /// What the source left unresolved in this statement.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
    /// What it does to this request: `allows`, `denies`, `may-allow`, `may-deny`,
    /// `denies-some-resources`.
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub decision: Decision,
    pub principal: String,
    pub principal_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_arn: Option<String>,
    pub action: String,
    /// Absent: any resource.
    pub resource: Option<String>,
    /// Whether the action is in the embedded catalog.
    pub action_known: bool,
    pub statements: Vec<StatementReport>,
    /// Why, in sentences.
    pub reasons: Vec<String>,
}

#[derive(Default)]
struct Layer {
    allow: Option<Tri>,
}

impl Layer {
    fn add(&mut self, t: Tri) {
        self.allow = Some(self.allow.map_or(t, |a| a.or(t)));
    }
    fn allows(&self) -> Tri {
        self.allow.unwrap_or(Tri::False)
    }
}

/// Decides one request for one principal.
pub fn explain(
    snapshot: &Snapshot,
    catalog: &Catalog,
    principal: &Principal,
    action: &str,
    resource: Option<&str>,
    base: &RequestContext,
) -> Explanation {
    let ctx = principal_context(base, principal);
    let layers = Layers::of(snapshot, principal);
    let mut statements = Vec::new();
    let mut reasons = Vec::new();
    let mut deny = Tri::False;
    let mut identity = Layer::default();

    let mut visit = |id: PolicyId, via: &Via, layer: &'static str, level: &mut Layer| {
        let Some(policy) = snapshot.policy(id) else {
            return Tri::False;
        };
        let mut any_deny = Tri::False;
        let vars = super::compile::variables_enabled(&policy.document);
        for s in &policy.document.statements {
            if !action_matches_in(catalog, &s.action, action) {
                continue;
            }
            let scoped = if vars {
                scope::scope_for(&s.resource, &ctx)
            } else {
                ScopeFor::Scope(Arc::new(scope::static_scope(&s.resource)))
            };
            let (scope, rm) = match scoped {
                ScopeFor::Nothing => continue,
                ScopeFor::Scope(sc) => match resource_match(&sc, resource) {
                    Some(m) => (sc, m),
                    None => continue,
                },
                ScopeFor::Unknown { scope, .. } => (scope, ResourceMatch::Unknown),
            };
            let mut cond = condition::evaluate(&s.condition, &ctx);
            if !s.unresolved.is_empty() && cond == Tri::True {
                cond = Tri::Unknown;
            }
            let unknown_keys: Vec<String> = if cond == Tri::Unknown {
                s.condition
                    .iter()
                    .filter(|c| condition::evaluate_clause(c, &ctx) == Tri::Unknown)
                    .map(|c| c.key.clone())
                    .collect()
            } else {
                Vec::new()
            };
            let res_tri = match rm {
                ResourceMatch::Yes => Tri::True,
                ResourceMatch::Unknown => Tri::Unknown,
                // no resource given: an allow applies to the resources it names, a deny
                // only to those (the request is not denied as a whole)
                ResourceMatch::Some => match s.effect {
                    Effect::Allow => Tri::True,
                    Effect::Deny => Tri::False,
                },
            };
            let applies = cond.and(res_tri);
            let outcome = match (s.effect, applies, rm) {
                (_, Tri::False, ResourceMatch::Some) if cond != Tri::False => {
                    "denies-some-resources"
                }
                (_, Tri::False, _) => "does-not-apply",
                (Effect::Allow, Tri::True, _) => "allows",
                (Effect::Allow, Tri::Unknown, _) => "may-allow",
                (Effect::Deny, Tri::True, _) => "denies",
                (Effect::Deny, Tri::Unknown, _) => "may-deny",
            };
            match s.effect {
                Effect::Allow => level.add(applies),
                Effect::Deny => any_deny = any_deny.or(applies),
            }
            statements.push(StatementReport {
                effect: s.effect,
                layer,
                via: via.clone(),
                origin: s.origin.clone(),
                resources: scope.texts().into_iter().map(str::to_owned).collect(),
                resource_match: rm,
                condition: tri_str(cond),
                unknown_keys,
                unresolved: s.unresolved.clone(),
                outcome,
            });
        }
        any_deny
    };

    for (id, via) in &layers.identity {
        let d = visit(*id, via, "identity", &mut identity);
        deny = deny.or(d);
    }
    let mut allow = identity.allows();
    if allow != Tri::True && layers.unresolved.iter().any(|u| u.via != Via::Boundary) {
        allow = allow.or(Tri::Unknown);
    }
    if identity.allows() == Tri::False {
        reasons.push(format!(
            "no identity policy of `{}` allows `{action}`",
            principal.name
        ));
    }
    for u in &layers.unresolved {
        // an unknown document may allow or deny anything
        deny = deny.or(Tri::Unknown);
        reasons.push(format!(
            "the document of {} `{}` ({}) is unknown: it may allow or deny this request",
            if u.via == Via::Boundary {
                "permissions boundary"
            } else {
                "policy"
            },
            u.arn.as_deref().unwrap_or(&u.name),
            u.via
        ));
    }
    // resource policies (issue 8): another account's resource or a KMS key needs its
    // policy to allow; a resource allow may need the identity allow too
    let identity_allow = allow;
    let gated = resource.and_then(|res| {
        snapshot.resources.iter().find(|r| {
            !super::resources::identity_suffices(r, principal)
                && r.patterns()
                    .iter()
                    .any(|p| wildcard::Pattern::parse(p).matches(res))
        })
    });
    if let Some(r) = gated {
        allow = Tri::False;
        if identity_allow != Tri::False {
            reasons.push(format!(
                "`{}` is {}: an identity allow alone does not reach it, its policy must allow",
                r.arn,
                if r.kind.policy_required() {
                    "a KMS key"
                } else {
                    "a resource of another account"
                }
            ));
        }
    }
    let mut resource_reports = Vec::new();
    for r in &snapshot.resources {
        let Some(policy) = snapshot.policy(r.policy) else {
            continue;
        };
        let cross = r
            .account
            .as_deref()
            .zip(principal.account.as_deref())
            .is_some_and(|(a, b)| a != b);
        let via = Via::Resource(Arc::from(r.arn.as_str()));
        for s in &policy.document.statements {
            if !action_matches(&s.action, action) {
                continue;
            }
            let (named, delegated) = super::resources::principal_applies(s, principal);
            if named == Tri::False {
                continue;
            }
            let (scope, rm) = match super::resources::statement_scope(s, r, &ctx) {
                ScopeFor::Nothing => continue,
                ScopeFor::Scope(sc) => match resource_match(&sc, resource) {
                    Some(m) => (sc, m),
                    None => continue,
                },
                ScopeFor::Unknown { scope, .. } => (scope, ResourceMatch::Unknown),
            };
            let cond = condition::evaluate(&s.condition, &ctx).and(named);
            let unknown_keys: Vec<String> = if cond == Tri::Unknown {
                s.condition
                    .iter()
                    .filter(|c| condition::evaluate_clause(c, &ctx) == Tri::Unknown)
                    .map(|c| c.key.clone())
                    .collect()
            } else {
                Vec::new()
            };
            let res_tri = match rm {
                ResourceMatch::Yes => Tri::True,
                ResourceMatch::Unknown => Tri::Unknown,
                ResourceMatch::Some => match s.effect {
                    Effect::Allow => Tri::True,
                    Effect::Deny => Tri::False,
                },
            };
            let mut applies = cond.and(res_tri);
            if s.effect == Effect::Allow && (delegated || cross) {
                applies = applies.and(identity_allow);
            }
            let outcome = match (s.effect, applies) {
                (_, Tri::False) => "does-not-apply",
                (Effect::Allow, Tri::True) => "allows",
                (Effect::Allow, Tri::Unknown) => "may-allow",
                (Effect::Deny, Tri::True) => "denies",
                (Effect::Deny, Tri::Unknown) => "may-deny",
            };
            match s.effect {
                Effect::Allow => allow = allow.or(applies),
                Effect::Deny => deny = deny.or(applies),
            }
            resource_reports.push(StatementReport {
                effect: s.effect,
                layer: "resource",
                via: via.clone(),
                origin: s.origin.clone(),
                resources: scope.texts().into_iter().map(str::to_owned).collect(),
                resource_match: rm,
                condition: tri_str(cond),
                unknown_keys,
                unresolved: s.unresolved.clone(),
                outcome,
            });
        }
    }
    match layers.boundary {
        Some(Some(b)) => {
            let mut level = Layer::default();
            let d = visit(b, &Via::Boundary, "boundary", &mut level);
            deny = deny.or(d);
            if level.allows() == Tri::False {
                reasons.push(format!(
                    "the permissions boundary does not allow `{action}`"
                ));
            }
            allow = allow.and(level.allows());
        }
        Some(None) => allow = allow.and(Tri::Unknown),
        None => {}
    }
    for (name, ids) in &layers.scps {
        let via = Via::Scp(name.clone());
        let mut level = Layer::default();
        for id in ids {
            let d = visit(*id, &via, "scp", &mut level);
            deny = deny.or(d);
        }
        if level.allows() == Tri::False {
            reasons.push(format!("SCP level `{name}` does not allow `{action}`"));
        }
        allow = allow.and(level.allows());
    }
    // RCP levels allow everything (`RCPFullAWSAccess` cannot be detached) and deny only
    // on the services RCPs govern, over the resources of the accounts under them, whoever
    // asks (issue 8): those over the resource's owner; without a resource, the
    // principal's own account's
    let governed = super::compile::RCP_SERVICES
        .iter()
        .any(|p| wildcard::matches_ignore_ascii_case(p, action));
    if governed && layers.rcp_bound {
        let own = principal.account.as_deref();
        let unowned = super::resources::unowned(snapshot);
        let owner = match resource {
            Some(r) => super::resources::owner(r, &unowned, own),
            None => own,
        };
        for level in snapshot.rcp_reach() {
            let bounds = owner.is_some_and(|o| {
                level
                    .accounts
                    .binary_search_by(|x| x.as_str().cmp(o))
                    .is_ok()
            });
            if !bounds {
                continue;
            }
            let via = Via::Rcp(level.name.clone());
            let mut l = Layer::default();
            for id in &level.policies {
                let d = visit(*id, &via, "rcp", &mut l);
                deny = deny.or(d);
            }
        }
    }

    statements.extend(resource_reports);
    let always = action.eq_ignore_ascii_case(super::effective::ALWAYS_ALLOWED);
    let decision = if always {
        // whatever the policies say (issue 7; the STS API Reference, GetCallerIdentity)
        reasons.clear();
        reasons.push(format!(
            "AWS allows `{}` whatever the policies say: it needs no permission, and an explicit deny does not stop it",
            super::effective::ALWAYS_ALLOWED
        ));
        statements.push(StatementReport {
            effect: Effect::Allow,
            layer: "identity",
            via: Via::Direct,
            origin: super::effective::always_allowed_origin(),
            resources: vec!["*".to_owned()],
            resource_match: ResourceMatch::Yes,
            condition: "true",
            unknown_keys: Vec::new(),
            unresolved: Vec::new(),
            outcome: "allows",
        });
        Decision::Allowed
    } else if deny == Tri::True {
        reasons.insert(0, "an explicit deny applies".to_owned());
        Decision::Denied
    } else if allow == Tri::False {
        Decision::NotAllowed
    } else if allow == Tri::True && deny == Tri::False {
        Decision::Allowed
    } else {
        if deny == Tri::Unknown {
            reasons.push("a deny may apply, depending on what could not be decided".to_owned());
        }
        if allow == Tri::Unknown {
            reasons.push("the allow depends on what could not be decided".to_owned());
        }
        Decision::Conditional
    };
    if decision == Decision::Allowed
        && resource.is_none()
        && statements
            .iter()
            .any(|s| s.outcome == "denies-some-resources")
    {
        reasons.push("allowed on some resources; a deny covers others".to_owned());
    }
    Explanation {
        decision,
        principal: principal.name.clone(),
        principal_kind: principal.kind.as_str(),
        principal_arn: principal.arn.clone(),
        action: action.to_owned(),
        resource: resource.map(str::to_owned),
        action_known: catalog.lookup(action).is_some(),
        statements,
        reasons,
    }
}

fn tri_str(t: Tri) -> &'static str {
    match t {
        Tri::True => "true",
        Tri::False => "false",
        Tri::Unknown => "unknown",
    }
}

/// Actions match case-insensitively, with `*` and `?`.
pub fn action_matches(clause: &ActionClause, action: &str) -> bool {
    match clause {
        ActionClause::Action(p) => p
            .iter()
            .any(|p| wildcard::matches_ignore_ascii_case(p, action)),
        ActionClause::NotAction(p) => !p
            .iter()
            .any(|p| wildcard::matches_ignore_ascii_case(p, action)),
    }
}

/// [`action_matches`], where a pattern naming a GCP predefined role (`roles/viewer`)
/// matches the role's permissions.
fn action_matches_in(catalog: &Catalog, clause: &ActionClause, action: &str) -> bool {
    let one = |p: &String| match catalog.role_actions(p) {
        Some(ids) => catalog
            .lookup(action)
            .is_some_and(|id| ids.binary_search(&id).is_ok()),
        None => wildcard::matches_ignore_ascii_case(p, action),
    };
    match clause {
        ActionClause::Action(p) => p.iter().any(one),
        ActionClause::NotAction(p) => !p.iter().any(one),
    }
}

/// `None` when the statement does not cover the resource.
fn resource_match(scope: &ResourceScope, resource: Option<&str>) -> Option<ResourceMatch> {
    match resource {
        Some(r) => scope.matches(r).then_some(ResourceMatch::Yes),
        None if scope.is_any() => Some(ResourceMatch::Yes),
        None => Some(ResourceMatch::Some),
    }
}
