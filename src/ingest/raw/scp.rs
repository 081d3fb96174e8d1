//! `aws organizations describe-policy` output: the policy's summary (name, ARN, type)
//! and its `Content`, the policy document as a JSON string.

use serde::Deserialize;
use std::borrow::Cow;

use super::RawDoc;

/// What an item of an SCP file may hold besides a bare policy document.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a policy document or `describe-policy` output")]
pub(crate) struct RawScpProbe<'a> {
    #[serde(rename = "Policy", default, borrow)]
    pub policy: Option<RawDescribedPolicy<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a `Policy` object with `Content`")]
pub(crate) struct RawDescribedPolicy<'a> {
    #[serde(rename = "PolicySummary", default, borrow)]
    pub summary: Option<RawPolicySummary<'a>>,
    #[serde(rename = "Content", borrow)]
    pub content: RawDoc<'a>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a `PolicySummary` object")]
pub(crate) struct RawPolicySummary<'a> {
    #[serde(rename = "Name", default, borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(rename = "Arn", default, borrow)]
    pub arn: Option<Cow<'a, str>>,
    #[serde(rename = "Type", default, borrow)]
    pub kind: Option<Cow<'a, str>>,
}
