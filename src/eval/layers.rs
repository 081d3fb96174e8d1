//! The statements that bear on one principal, sorted into the layers AWS evaluates:
//! identity policies (direct and through groups), the permissions boundary, and each
//! SCP level and each RCP level of the principal's account. Shared by effective
//! permissions and by `explain`.

use std::sync::Arc;

use crate::model::{PolicyId, PolicyRef, Principal, Snapshot};

/// How a principal holds a policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "type", content = "name", rename_all = "lowercase")]
pub enum Via {
    /// Inline or attached to the principal itself.
    Direct,
    /// Through membership of this group.
    Group(Arc<str>),
    /// The principal's permissions boundary.
    Boundary,
    /// An SCP level of the organization.
    Scp(Arc<str>),
    /// An RCP level over the resources of the accounts under it.
    Rcp(Arc<str>),
    /// The policy of this resource (its ARN).
    Resource(Arc<str>),
    /// The principal's identity policies, needed beside a resource policy (another
    /// account's resource, or a key policy delegating to IAM).
    Identity,
    /// A session of a role the person reaches by this path (issue 9), as text
    /// (`erin → 111122223333/role-a → 444455556666/role-b`).
    Role(Arc<str>),
}

impl std::fmt::Display for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Via::Direct => f.write_str("direct"),
            Via::Group(g) => write!(f, "group `{g}`"),
            Via::Boundary => f.write_str("permissions boundary"),
            Via::Scp(l) => write!(f, "SCP level `{l}`"),
            Via::Rcp(l) => write!(f, "RCP level `{l}`"),
            Via::Resource(r) => write!(f, "resource policy of `{r}`"),
            Via::Identity => f.write_str("identity policies"),
            Via::Role(p) => write!(f, "role session `{p}`"),
        }
    }
}

/// A policy the principal uses, known only by name (not in the input nor the catalog).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Unresolved {
    pub name: String,
    pub arn: Option<String>,
    pub via: Via,
}

/// The principal's policies by layer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Layers {
    pub identity: Vec<(PolicyId, Via)>,
    /// `None`: no boundary. `Some(None)`: a boundary whose document is unknown.
    pub boundary: Option<Option<PolicyId>>,
    pub scps: Vec<(Arc<str>, Vec<PolicyId>)>,
    /// The RCP levels of the principal's account: they bound requests on its account's
    /// resources (and on S3 buckets of unknown owner, taken to be its account's).
    pub rcps: Vec<(Arc<str>, Vec<PolicyId>)>,
    /// Whether RCPs bound the principal's requests at all: every level of the
    /// organization bounds the resources of the accounts under it, whoever asks, except
    /// for service-linked roles.
    pub rcp_bound: bool,
    pub unresolved: Vec<Unresolved>,
}

impl Layers {
    pub fn of(snapshot: &Snapshot, principal: &Principal) -> Layers {
        let mut layers = Layers::default();
        let add = |r: &PolicyRef, via: Via, layers: &mut Layers| match r {
            PolicyRef::Resolved(id) => layers.identity.push((*id, via)),
            PolicyRef::Unresolved { name, arn } => layers.unresolved.push(Unresolved {
                name: name.clone(),
                arn: arn.clone(),
                via,
            }),
        };
        for r in &principal.policies {
            add(r, Via::Direct, &mut layers);
        }
        for gid in &principal.groups {
            if let Some(g) = snapshot.group(*gid) {
                let name: Arc<str> = Arc::from(g.name.as_str());
                for r in &g.policies {
                    add(r, Via::Group(name.clone()), &mut layers);
                }
            }
        }
        layers.boundary = principal.boundary.as_ref().map(|b| match b {
            PolicyRef::Resolved(id) => Some(*id),
            PolicyRef::Unresolved { name, arn } => {
                layers.unresolved.push(Unresolved {
                    name: name.clone(),
                    arn: arn.clone(),
                    via: Via::Boundary,
                });
                None
            }
        });
        // SCPs and RCPs do not restrict service-linked roles (AWS Organizations User
        // Guide, "SCP effects on permissions", "RCP effects on permissions"); the
        // management account has no chains at all

        let service_linked = principal.kind == crate::model::PrincipalKind::Role
            && principal
                .path
                .as_deref()
                .is_some_and(|p| p.starts_with("/aws-service-role/"));
        if service_linked {
            return layers;
        }
        let account = principal.account.as_deref();
        layers.scps = snapshot.scp_chain(account);
        layers.rcps = snapshot.rcp_chain(account);
        layers.rcp_bound = !snapshot.rcp_reach().is_empty();
        layers
    }
}
