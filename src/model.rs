//! The cloud-neutral model: one side of a migration (a [`Snapshot`]) with its principals,
//! groups, policies and statements. Ingest builds it from any input format; evaluation,
//! diff and reports read it. It imports nothing from the other layers, so AWS and (later)
//! GCP or target configs all land in the same shapes.

mod gcp;
mod key;
mod org;
mod origin;
mod person;
mod platform;
mod policy;
mod portal;
mod principal;
mod resource;
mod runbook;
mod snapshot;
pub mod suggest;

pub use gcp::{CEL_OPERATOR, GcpNode, GcpNodeKind, GcpSide};
pub use key::{PrincipalKey, arn_account, arn_fields, principal_account};
pub use org::{
    AccountChains, Chain, OrgAccount, OrgAttachment, OrgNode, OrgPolicyType, Organization,
};
pub use origin::{Origin, Place, StatementRef};
pub use person::{Assignment, AssignmentPrincipal, People, Person, PersonRef, PersonSource};
pub use platform::{PlatformMember, PlatformProject, PlatformRole, PlatformSide};
pub use policy::{
    ActionClause, ConditionClause, Effect, Policy, PolicyDocument, PolicyId, PolicyKind,
    PrincipalClause, ResourceClause, Statement,
};
pub use portal::{PortalOrigin, PortalRecord, parse_rfc3339};
pub use principal::{Group, GroupId, PolicyRef, Principal, PrincipalKind};
pub use resource::{Resource, ResourceKind};
pub use runbook::{DeclaredStack, Deployed, EntityKind, Runbook, Step, StepAction, Unfollowed};
pub use snapshot::{GroupAlias, ScpLevel, Snapshot, Warning, WarningCode};
