//! IAM Identity Center CLI outputs (`aws sso-admin …`, `aws identitystore …`): one type
//! for all of them, each call filling its own top-level key, and the combined shape of
//! one object keyed by command name (`{"list-instances": {…}, "describe-permission-set":
//! {…}}`). Fields iamdiff does not use (dates, descriptions, session durations, external
//! ids) are ignored, whatever their shape.

use serde::Deserialize;
use std::borrow::Cow;

use super::RawDoc;

#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "the JSON output of an `aws sso-admin` or `aws identitystore` command")]
pub(crate) struct RawIcOutput<'a> {
    #[serde(rename = "Instances", default, borrow)]
    pub instances: Option<Vec<RawInstance<'a>>>,
    #[serde(rename = "PermissionSets", default, borrow)]
    pub permission_sets: Option<Vec<Cow<'a, str>>>,
    #[serde(rename = "PermissionSet", default, borrow)]
    pub permission_set: Option<RawPermissionSet<'a>>,
    #[serde(rename = "AttachedManagedPolicies", default, borrow)]
    pub managed: Option<Vec<RawManaged<'a>>>,
    #[serde(rename = "CustomerManagedPolicyReferences", default, borrow)]
    pub customer: Option<Vec<RawReference<'a>>>,
    /// A JSON string holding the document; `""` when the set has none.
    #[serde(rename = "InlinePolicy", default, borrow)]
    pub inline: Option<RawDoc<'a>>,
    #[serde(rename = "PermissionsBoundary", default, borrow)]
    pub boundary: Option<RawBoundary<'a>>,
    #[serde(rename = "AccountAssignments", default, borrow)]
    pub assignments: Option<Vec<RawAssignment<'a>>>,
    #[serde(rename = "AccountIds", default, borrow)]
    pub account_ids: Option<Vec<Cow<'a, str>>>,
    #[serde(rename = "Users", default, borrow)]
    pub users: Option<Vec<RawUser<'a>>>,
    #[serde(rename = "Groups", default, borrow)]
    pub groups: Option<Vec<RawGroup<'a>>>,
    #[serde(rename = "GroupMemberships", default, borrow)]
    pub memberships: Option<Vec<RawMembership<'a>>>,
    /// A hint an export script may add beside a per-permission-set output.
    #[serde(rename = "PermissionSetArn", default, borrow)]
    pub permission_set_arn: Option<Cow<'a, str>>,
    #[serde(rename = "list-instances", default, borrow)]
    pub c_list_instances: Option<Box<RawIcOutput<'a>>>,
    #[serde(rename = "list-permission-sets", default, borrow)]
    pub c_list_permission_sets: Option<Box<RawIcOutput<'a>>>,
    #[serde(rename = "describe-permission-set", default, borrow)]
    pub c_describe: Option<Box<RawIcOutput<'a>>>,
    #[serde(rename = "list-managed-policies-in-permission-set", default, borrow)]
    pub c_managed: Option<Box<RawIcOutput<'a>>>,
    #[serde(
        rename = "list-customer-managed-policy-references-in-permission-set",
        default,
        borrow
    )]
    pub c_customer: Option<Box<RawIcOutput<'a>>>,
    #[serde(rename = "get-inline-policy-for-permission-set", default, borrow)]
    pub c_inline: Option<Box<RawIcOutput<'a>>>,
    #[serde(
        rename = "get-permissions-boundary-for-permission-set",
        default,
        borrow
    )]
    pub c_boundary: Option<Box<RawIcOutput<'a>>>,
    #[serde(rename = "list-account-assignments", default, borrow)]
    pub c_assignments: Option<Box<RawIcOutput<'a>>>,
    #[serde(
        rename = "list-accounts-for-provisioned-permission-set",
        default,
        borrow
    )]
    pub c_accounts: Option<Box<RawIcOutput<'a>>>,
    #[serde(rename = "list-users", default, borrow)]
    pub c_users: Option<Box<RawIcOutput<'a>>>,
    #[serde(rename = "list-groups", default, borrow)]
    pub c_groups: Option<Box<RawIcOutput<'a>>>,
    #[serde(rename = "list-group-memberships", default, borrow)]
    pub c_memberships: Option<Box<RawIcOutput<'a>>>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "an instance object with `InstanceArn`")]
pub(crate) struct RawInstance<'a> {
    #[serde(rename = "InstanceArn", borrow)]
    pub arn: Cow<'a, str>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a permission set object with `Name` and `PermissionSetArn`")]
pub(crate) struct RawPermissionSet<'a> {
    #[serde(rename = "Name", borrow)]
    pub name: Cow<'a, str>,
    #[serde(rename = "PermissionSetArn", borrow)]
    pub arn: Cow<'a, str>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "an attached managed policy object with `Arn`")]
pub(crate) struct RawManaged<'a> {
    #[serde(rename = "Name", default, borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(rename = "Arn", borrow)]
    pub arn: Cow<'a, str>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a customer managed policy reference object with `Name`")]
pub(crate) struct RawReference<'a> {
    #[serde(rename = "Name", borrow)]
    pub name: Cow<'a, str>,
    #[serde(rename = "Path", default, borrow)]
    pub path: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
#[serde(
    expecting = "a permissions boundary object with `ManagedPolicyArn` or `CustomerManagedPolicyReference`"
)]
pub(crate) struct RawBoundary<'a> {
    #[serde(rename = "ManagedPolicyArn", default, borrow)]
    pub managed: Option<Cow<'a, str>>,
    #[serde(rename = "CustomerManagedPolicyReference", default, borrow)]
    pub customer: Option<RawReference<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(
    expecting = "an account assignment object with `AccountId`, `PermissionSetArn`, `PrincipalType` and `PrincipalId`"
)]
pub(crate) struct RawAssignment<'a> {
    #[serde(rename = "AccountId", borrow)]
    pub account: Cow<'a, str>,
    #[serde(rename = "PermissionSetArn", borrow)]
    pub permission_set: Cow<'a, str>,
    #[serde(rename = "PrincipalType", borrow)]
    pub principal_type: Cow<'a, str>,
    #[serde(rename = "PrincipalId", borrow)]
    pub principal_id: Cow<'a, str>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "an identity-store user object with `UserName` and `UserId`")]
pub(crate) struct RawUser<'a> {
    #[serde(rename = "UserName", borrow)]
    pub user_name: Cow<'a, str>,
    #[serde(rename = "UserId", borrow)]
    pub id: Cow<'a, str>,
    #[serde(rename = "Emails", default, borrow)]
    pub emails: Option<Vec<RawEmail<'a>>>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "an e-mail object with `Value`")]
pub(crate) struct RawEmail<'a> {
    #[serde(rename = "Value", default, borrow)]
    pub value: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "an identity-store group object with `GroupId` and `DisplayName`")]
pub(crate) struct RawGroup<'a> {
    #[serde(rename = "GroupId", borrow)]
    pub id: Cow<'a, str>,
    #[serde(rename = "DisplayName", default, borrow)]
    pub name: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a group membership object with `GroupId` and `MemberId`")]
pub(crate) struct RawMembership<'a> {
    #[serde(rename = "GroupId", borrow)]
    pub group: Cow<'a, str>,
    #[serde(rename = "MemberId", borrow)]
    pub member: RawMember<'a>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a member object with `UserId`")]
pub(crate) struct RawMember<'a> {
    #[serde(rename = "UserId", borrow)]
    pub user: Cow<'a, str>,
}
