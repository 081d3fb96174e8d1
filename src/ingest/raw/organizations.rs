//! AWS Organizations CLI outputs (`list-roots`, `describe-organization`,
//! `list-organizational-units-for-parent`, `list-accounts[-for-parent]`, `list-policies`,
//! `list-policies-for-target`, `list-targets-for-policy`, `describe-policy`): one type for
//! all of them, each call filling its own top-level key. Fields iamdiff does not use
//! (timestamps, e-mails, statuses) are ignored, whatever their shape (CLI v1 writes
//! epoch floats, v2 ISO strings).

use serde::Deserialize;
use std::borrow::Cow;

use super::RawDoc;

#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "the JSON output of an `aws organizations` command")]
pub(crate) struct RawOrgOutput<'a> {
    #[serde(rename = "Roots", default, borrow)]
    pub roots: Option<Vec<RawNode<'a>>>,
    #[serde(rename = "OrganizationalUnits", default, borrow)]
    pub units: Option<Vec<RawNode<'a>>>,
    #[serde(rename = "Accounts", default, borrow)]
    pub accounts: Option<Vec<RawAccount<'a>>>,
    #[serde(rename = "Policies", default, borrow)]
    pub policies: Option<Vec<RawSummary<'a>>>,
    #[serde(rename = "Targets", default, borrow)]
    pub targets: Option<Vec<RawTarget<'a>>>,
    #[serde(rename = "Policy", default, borrow)]
    pub policy: Option<RawDescribed<'a>>,
    #[serde(rename = "Organization", default, borrow)]
    pub organization: Option<RawOrganization<'a>>,
}

/// A root or an OU.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a root or organizational unit object with `Id`")]
pub(crate) struct RawNode<'a> {
    #[serde(rename = "Id", borrow)]
    pub id: Cow<'a, str>,
    #[serde(rename = "Name", default, borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(rename = "Arn", default, borrow)]
    pub arn: Option<Cow<'a, str>>,
    /// `o-…/r-…/ou-…/`, in newer outputs.
    #[serde(rename = "Path", default, borrow)]
    pub path: Option<Cow<'a, str>>,
    #[serde(rename = "PolicyTypes", default, borrow)]
    pub policy_types: Option<Vec<RawPolicyType<'a>>>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a policy type object with `Type` and `Status`")]
pub(crate) struct RawPolicyType<'a> {
    #[serde(rename = "Type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(rename = "Status", borrow)]
    pub status: Cow<'a, str>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "an account object with `Id`")]
pub(crate) struct RawAccount<'a> {
    #[serde(rename = "Id", borrow)]
    pub id: Cow<'a, str>,
    #[serde(rename = "Name", default, borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(rename = "Arn", default, borrow)]
    pub arn: Option<Cow<'a, str>>,
    /// `o-…/r-…/ou-…/ACCOUNT/`, in newer outputs.
    #[serde(rename = "Paths", default, borrow)]
    pub paths: Option<Vec<Cow<'a, str>>>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a policy summary object with `Id`")]
pub(crate) struct RawSummary<'a> {
    #[serde(rename = "Id", borrow)]
    pub id: Cow<'a, str>,
    #[serde(rename = "Name", default, borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(rename = "Arn", default, borrow)]
    pub arn: Option<Cow<'a, str>>,
    #[serde(rename = "Type", default, borrow)]
    pub kind: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a target object with `TargetId` and `Type`")]
pub(crate) struct RawTarget<'a> {
    #[serde(rename = "TargetId", borrow)]
    pub id: Cow<'a, str>,
    #[serde(rename = "Type", borrow)]
    pub kind: Cow<'a, str>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a `Policy` object with `PolicySummary` and `Content`")]
pub(crate) struct RawDescribed<'a> {
    #[serde(rename = "PolicySummary", borrow)]
    pub summary: RawSummary<'a>,
    #[serde(rename = "Content", borrow)]
    pub content: RawDoc<'a>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "an `Organization` object")]
pub(crate) struct RawOrganization<'a> {
    #[serde(rename = "Id", default, borrow)]
    pub id: Option<Cow<'a, str>>,
    #[serde(rename = "MasterAccountId", default, borrow)]
    pub master: Option<Cow<'a, str>>,
    #[serde(rename = "ManagementAccountId", default, borrow)]
    pub management: Option<Cow<'a, str>>,
}
