//! One side of a migration: every principal, group and policy from all the sources given
//! for that side, merged, plus the SCP levels that apply and what was odd in the input.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

use super::{
    GcpSide, Group, GroupId, Organization, People, Place, Policy, PolicyId, Principal, Resource,
};

/// The SCPs attached at one level of an organization (root, an OU, the account). Every
/// level must allow an action for it to be allowed, as in AWS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScpLevel {
    pub name: String,
    pub source: Arc<str>,
    pub policies: Vec<PolicyId>,
}

/// What was odd but not fatal in an input; shown to the user, never silently dropped.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum WarningCode {
    /// A managed policy is attached but its document is in neither the input nor the catalog.
    UnresolvedPolicy,
    /// A managed policy attached but not listed was taken from the embedded catalog.
    PolicyFromCatalog,
    /// The export says it is one page of several (`IsTruncated`).
    TruncatedExport,
    /// A principal, group or policy appears twice; the later one was kept.
    Duplicate,
    /// A managed policy has no default version; the newest one was used.
    NoDefaultVersion,
    /// A reference to a group that is not in the input.
    UnknownGroup,
    /// Something in the input could not be interpreted and was skipped (named in the message).
    Unsupported,
    /// A provisioner config defines more groups or roles than its tier allows.
    TierLimit,
    /// A `--map` rename rule renames nothing on the before side (swapped sides show so).
    UnusedRename,
    /// A resource or trust policy names a principal this side does not have (a deleted
    /// or renamed principal's ARN, or the unique id AWS writes in its place): it grants
    /// that reference nothing.
    DanglingPrincipal,
    /// Two inputs of a side describe the same thing differently: an Identity Center
    /// permission set and the `AWSReservedSSO_*` role of an account dump (issue 9).
    Inconsistent,
}

impl WarningCode {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::UnresolvedPolicy => "unresolved-policy",
            WarningCode::PolicyFromCatalog => "policy-from-catalog",
            WarningCode::TruncatedExport => "truncated-export",
            WarningCode::Duplicate => "duplicate",
            WarningCode::NoDefaultVersion => "no-default-version",
            WarningCode::UnknownGroup => "unknown-group",
            WarningCode::Unsupported => "unsupported",
            WarningCode::TierLimit => "tier-limit",
            WarningCode::UnusedRename => "unused-rename",
            WarningCode::DanglingPrincipal => "dangling-principal",
            WarningCode::Inconsistent => "inconsistent",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct Warning {
    pub code: WarningCode,
    pub place: Place,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "warning[{}]: {}: {}",
            self.code.as_str(),
            self.place,
            self.message
        )
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Snapshot {
    /// The files this snapshot was read from, in the order given.
    pub sources: Vec<Arc<str>>,
    /// The SHA-256 (lowercase hex) of the files read for this side, as they were read:
    /// (file, digest). A file missing here is hashed when the report needs it.
    #[serde(skip)]
    pub digests: Vec<(Arc<str>, String)>,
    pub policies: Vec<Policy>,
    pub principals: Vec<Principal>,
    pub groups: Vec<Group>,
    pub scps: Vec<ScpLevel>,
    /// The AWS organization the side's export describes, if any: each account's SCP and
    /// RCP chains (accounts it does not place get `scps`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<Organization>,
    /// Resources with their own policy (issue 8), in input order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    pub warnings: Vec<Warning>,
    /// Whether some source of this side lists the users (an export does; a provisioner
    /// config or a template managing only groups and roles does not). When none does,
    /// users of the other side are taken to still exist here, with whatever groups the
    /// memberships give them, rather than to be removed.
    pub defines_users: bool,
    /// Other names a group is known by in this side's inputs: a provisioner config's
    /// group key (`data_scientists`) for the group it generates
    /// (`edge-prod-b001-group-data-scientists`), so memberships may use either.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_aliases: Vec<GroupAlias>,
    /// The GCP hierarchy, when this side was read from GCP inputs (its principals are then
    /// GCP members and its actions GCP permissions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcp: Option<GcpSide>,
    /// The application platform, when this side was read from a platform file (a port
    /// target, issue 10 item 5): its principals are the platform's members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<super::PlatformSide>,
    /// Self-service permission records of a developer portal (issue 11 item 3).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub portal: Vec<super::PortalRecord>,
    /// People of this side (issue 9): Identity Center users, assignments and store
    /// groups from readers; IAM users become people in eval.
    #[serde(skip_serializing_if = "no_people")]
    pub people: People,
}

fn no_people(p: &People) -> bool {
    p.people.is_empty() && p.assignments.is_empty() && p.store_groups.is_empty()
}

/// A group's other name, and the input that gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupAlias {
    pub alias: String,
    pub group: GroupId,
    pub source: Arc<str>,
}

impl Snapshot {
    pub fn policy(&self, id: PolicyId) -> Option<&Policy> {
        self.policies.get(id.0 as usize)
    }

    pub fn group(&self, id: GroupId) -> Option<&Group> {
        self.groups.get(id.0 as usize)
    }

    /// Adds a policy and returns its id.
    pub fn add_policy(&mut self, policy: Policy) -> PolicyId {
        let id = PolicyId(u32::try_from(self.policies.len()).unwrap_or(u32::MAX));
        self.policies.push(policy);
        id
    }

    /// Adds a group and returns its id.
    pub fn add_group(&mut self, group: Group) -> GroupId {
        let id = GroupId(u32::try_from(self.groups.len()).unwrap_or(u32::MAX));
        self.groups.push(group);
        id
    }
}
