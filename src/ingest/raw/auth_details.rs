//! `aws iam get-account-authorization-details` output as the AWS CLI and boto3 write it
//! (one page). Every top-level list may be missing; unknown fields (`CreateDate`,
//! `RoleLastUsed`, the roles nested in `InstanceProfileList`, ...) are skipped; the fields
//! iamdiff cannot work without (a user's `UserName`, an attachment's `PolicyArn`) are
//! required, so their absence is an error with a place.

use serde::Deserialize;
use std::borrow::Cow;

use super::{OneOrList, RawDoc, null_as_empty};

/// One page of the export.
#[derive(Debug, Deserialize)]
#[serde(expecting = "an object of `get-account-authorization-details` output")]
pub(crate) struct RawPage<'a> {
    #[serde(
        rename = "UserDetailList",
        default,
        borrow,
        deserialize_with = "null_as_empty"
    )]
    pub users: Vec<RawUser<'a>>,
    #[serde(
        rename = "GroupDetailList",
        default,
        borrow,
        deserialize_with = "null_as_empty"
    )]
    pub groups: Vec<RawGroup<'a>>,
    #[serde(
        rename = "RoleDetailList",
        default,
        borrow,
        deserialize_with = "null_as_empty"
    )]
    pub roles: Vec<RawRole<'a>>,
    #[serde(
        rename = "Policies",
        default,
        borrow,
        deserialize_with = "null_as_empty"
    )]
    pub policies: Vec<RawManagedPolicy<'a>>,
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: Option<bool>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(expecting = "a user object")]
pub(crate) struct RawUser<'a> {
    #[serde(rename = "UserName", borrow)]
    pub name: Cow<'a, str>,
    #[serde(rename = "Path", default, borrow)]
    pub path: Option<Cow<'a, str>>,
    #[serde(rename = "UserId", default, borrow)]
    pub id: Option<Cow<'a, str>>,
    #[serde(rename = "Arn", default, borrow)]
    pub arn: Option<Cow<'a, str>>,
    #[serde(
        rename = "UserPolicyList",
        default,
        borrow,
        deserialize_with = "null_as_empty"
    )]
    pub inline: Vec<RawInline<'a>>,
    #[serde(
        rename = "GroupList",
        default,
        borrow,
        deserialize_with = "null_as_empty"
    )]
    pub groups: Vec<Cow<'a, str>>,
    #[serde(rename = "AttachedManagedPolicies", default, borrow)]
    pub attached: OneOrList<RawAttached<'a>>,
    #[serde(rename = "PermissionsBoundary", default, borrow)]
    pub boundary: Option<RawBoundary<'a>>,
    #[serde(rename = "Tags", default, borrow, deserialize_with = "null_as_empty")]
    pub tags: Vec<RawTag<'a>>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(expecting = "a group object")]
pub(crate) struct RawGroup<'a> {
    #[serde(rename = "GroupName", borrow)]
    pub name: Cow<'a, str>,
    #[serde(rename = "Path", default, borrow)]
    pub path: Option<Cow<'a, str>>,
    #[serde(rename = "GroupId", default, borrow)]
    pub id: Option<Cow<'a, str>>,
    #[serde(rename = "Arn", default, borrow)]
    pub arn: Option<Cow<'a, str>>,
    #[serde(
        rename = "GroupPolicyList",
        default,
        borrow,
        deserialize_with = "null_as_empty"
    )]
    pub inline: Vec<RawInline<'a>>,
    #[serde(rename = "AttachedManagedPolicies", default, borrow)]
    pub attached: OneOrList<RawAttached<'a>>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(expecting = "a role object")]
pub(crate) struct RawRole<'a> {
    #[serde(rename = "RoleName", borrow)]
    pub name: Cow<'a, str>,
    #[serde(rename = "Path", default, borrow)]
    pub path: Option<Cow<'a, str>>,
    #[serde(rename = "RoleId", default, borrow)]
    pub id: Option<Cow<'a, str>>,
    #[serde(rename = "Arn", default, borrow)]
    pub arn: Option<Cow<'a, str>>,
    #[serde(rename = "AssumeRolePolicyDocument", default, borrow)]
    pub trust: Option<RawDoc<'a>>,
    #[serde(
        rename = "RolePolicyList",
        default,
        borrow,
        deserialize_with = "null_as_empty"
    )]
    pub inline: Vec<RawInline<'a>>,
    #[serde(rename = "AttachedManagedPolicies", default, borrow)]
    pub attached: OneOrList<RawAttached<'a>>,
    #[serde(rename = "PermissionsBoundary", default, borrow)]
    pub boundary: Option<RawBoundary<'a>>,
    #[serde(
        rename = "InstanceProfileList",
        default,
        borrow,
        deserialize_with = "null_as_empty"
    )]
    pub instance_profiles: Vec<RawInstanceProfile<'a>>,
    #[serde(rename = "Tags", default, borrow, deserialize_with = "null_as_empty")]
    pub tags: Vec<RawTag<'a>>,
}

/// An inline policy of a user, group or role.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(expecting = "an inline policy object with `PolicyName` and `PolicyDocument`")]
pub(crate) struct RawInline<'a> {
    #[serde(rename = "PolicyName", borrow)]
    pub name: Cow<'a, str>,
    #[serde(rename = "PolicyDocument", borrow)]
    pub document: RawDoc<'a>,
}

/// An attached managed policy.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(expecting = "an attached policy object with `PolicyName` and `PolicyArn`")]
pub(crate) struct RawAttached<'a> {
    #[serde(rename = "PolicyName", default, borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(rename = "PolicyArn", borrow)]
    pub arn: Cow<'a, str>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(expecting = "a permissions boundary object with `PermissionsBoundaryArn`")]
pub(crate) struct RawBoundary<'a> {
    #[serde(rename = "PermissionsBoundaryType", default, borrow)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(rename = "PermissionsBoundaryArn", borrow)]
    pub arn: Cow<'a, str>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(expecting = "a tag object with `Key` and `Value`")]
pub(crate) struct RawTag<'a> {
    #[serde(rename = "Key", borrow)]
    pub key: Cow<'a, str>,
    #[serde(rename = "Value", default, borrow)]
    pub value: Cow<'a, str>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(expecting = "an instance profile object")]
pub(crate) struct RawInstanceProfile<'a> {
    #[serde(rename = "InstanceProfileName", borrow)]
    pub name: Cow<'a, str>,
}

/// A managed policy of the `Policies` list, with its versions.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(expecting = "a managed policy object")]
pub(crate) struct RawManagedPolicy<'a> {
    #[serde(rename = "PolicyName", borrow)]
    pub name: Cow<'a, str>,
    #[serde(rename = "Arn", borrow)]
    pub arn: Cow<'a, str>,
    #[serde(rename = "Path", default, borrow)]
    pub path: Option<Cow<'a, str>>,
    #[serde(rename = "DefaultVersionId", default, borrow)]
    pub default_version: Option<Cow<'a, str>>,
    #[serde(
        rename = "PolicyVersionList",
        default,
        borrow,
        deserialize_with = "null_as_empty"
    )]
    pub versions: Vec<RawPolicyVersion<'a>>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(expecting = "a policy version object")]
pub(crate) struct RawPolicyVersion<'a> {
    #[serde(rename = "Document", default, borrow)]
    pub document: Option<RawDoc<'a>>,
    #[serde(rename = "VersionId", default, borrow)]
    pub id: Option<Cow<'a, str>>,
    #[serde(rename = "IsDefaultVersion", default)]
    pub is_default: bool,
}
