//! Output of the per-call AWS CLI commands (`aws iam list-users`, `get-role`,
//! `list-attached-role-policies`, `get-policy-version`, ...), one object per call. Every
//! key any of these commands writes is optional here; which call an object is comes from
//! the keys it has. The users, groups, roles and policies inside have the shapes of
//! `get-account-authorization-details`, so its raw types are reused.
//!
//! Some outputs do not say whose they are (`list-attached-role-policies` writes only
//! `AttachedPolicies`, `get-policy-version` only `PolicyVersion`): export scripts may add
//! `RoleName`, `UserName`, `GroupName` or `PolicyArn` beside them, which are read as hints.

use serde::Deserialize;
use std::borrow::Cow;

use super::auth_details::{
    RawAttached, RawGroup, RawManagedPolicy, RawPolicyVersion, RawRole, RawUser,
};
use super::{RawDoc, null_as_empty};

/// One call's output.
#[derive(Debug, Deserialize)]
#[serde(expecting = "the JSON object an `aws iam` command writes")]
pub(crate) struct RawCliOutput<'a> {
    /// `list-users`; or the members of a `get-group`.
    #[serde(rename = "Users", default, borrow)]
    pub users: Option<Vec<RawUser<'a>>>,
    /// `get-user`.
    #[serde(rename = "User", default, borrow)]
    pub user: Option<RawUser<'a>>,
    /// `list-groups` (or `list-groups-for-user`).
    #[serde(rename = "Groups", default, borrow)]
    pub groups: Option<Vec<RawGroup<'a>>>,
    /// `get-group`.
    #[serde(rename = "Group", default, borrow)]
    pub group: Option<RawGroup<'a>>,
    /// `list-roles`.
    #[serde(rename = "Roles", default, borrow)]
    pub roles: Option<Vec<RawRole<'a>>>,
    /// `get-role`.
    #[serde(rename = "Role", default, borrow)]
    pub role: Option<RawRole<'a>>,
    /// `list-attached-{user,group,role}-policies`.
    #[serde(rename = "AttachedPolicies", default, borrow)]
    pub attached: Option<Vec<RawAttached<'a>>>,
    /// `list-{user,group,role}-policies`: inline policy names.
    #[serde(rename = "PolicyNames", default, borrow)]
    pub policy_names: Option<Vec<Cow<'a, str>>>,
    /// `get-{user,group,role}-policy`.
    #[serde(rename = "PolicyName", default, borrow)]
    pub policy_name: Option<Cow<'a, str>>,
    #[serde(rename = "PolicyDocument", default, borrow)]
    pub policy_document: Option<RawDoc<'a>>,
    /// Names the principal of `get-*-policy` (and, added by a script, of the outputs that
    /// do not name it).
    #[serde(rename = "UserName", default, borrow)]
    pub user_name: Option<Cow<'a, str>>,
    #[serde(rename = "GroupName", default, borrow)]
    pub group_name: Option<Cow<'a, str>>,
    #[serde(rename = "RoleName", default, borrow)]
    pub role_name: Option<Cow<'a, str>>,
    /// `list-policies` (no documents).
    #[serde(rename = "Policies", default, borrow)]
    pub policies: Option<Vec<RawManagedPolicy<'a>>>,
    /// `get-policy`.
    #[serde(rename = "Policy", default, borrow)]
    pub policy: Option<RawManagedPolicy<'a>>,
    /// `get-policy-version`.
    #[serde(rename = "PolicyVersion", default, borrow)]
    pub policy_version: Option<RawPolicyVersion<'a>>,
    /// Names the policy of a `get-policy-version` (added by a script).
    #[serde(rename = "PolicyArn", default, borrow)]
    pub policy_arn: Option<Cow<'a, str>>,
    /// `list-instance-profiles`, `list-instance-profiles-for-role`.
    #[serde(rename = "InstanceProfiles", default, borrow)]
    pub instance_profiles: Option<Vec<RawInstanceProfile<'a>>>,
    /// `get-instance-profile`.
    #[serde(rename = "InstanceProfile", default, borrow)]
    pub instance_profile: Option<RawInstanceProfile<'a>>,
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: Option<bool>,
}

/// An instance profile with its roles.
#[derive(Debug, Deserialize)]
#[serde(expecting = "an instance profile object")]
pub(crate) struct RawInstanceProfile<'a> {
    #[serde(rename = "InstanceProfileName", borrow)]
    pub name: Cow<'a, str>,
    #[serde(rename = "Roles", default, borrow, deserialize_with = "null_as_empty")]
    pub roles: Vec<RawRole<'a>>,
}
