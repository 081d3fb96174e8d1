//! Principals (users, roles; later GCP members), groups, and references to policies that
//! may or may not have been resolved to a document.

use serde::Serialize;
use std::collections::BTreeMap;

use super::PolicyId;

/// Index of a group in [`super::Snapshot::groups`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct GroupId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    User,
    Role,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
        }
    }
}

/// A policy a principal or group uses: resolved to a document, or only known by name/ARN
/// (attached but absent from the export and from the embedded catalog). Evaluation turns
/// an unresolved reference into *needs review*, never into silence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyRef {
    Resolved(PolicyId),
    Unresolved { name: String, arn: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub name: String,
    pub arn: Option<String>,
    pub path: Option<String>,
    /// Inline and attached managed policies, in input order.
    pub policies: Vec<PolicyRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub name: String,
    pub arn: Option<String>,
    /// The unique id (`AIDA…`, `AROA…`), used for `${aws:userid}`.
    pub id: Option<String>,
    pub path: Option<String>,
    pub account: Option<String>,
    pub groups: Vec<GroupId>,
    /// Inline and directly attached managed policies, in input order.
    pub policies: Vec<PolicyRef>,
    pub boundary: Option<PolicyRef>,
    /// A role's trust policy.
    pub trust: Option<PolicyId>,
    pub tags: BTreeMap<String, String>,
    /// `tags` lists every tag the principal has (the source always shows them, as
    /// `get-account-authorization-details` does): a tag key not in it is absent.
    pub tags_known: bool,
    pub instance_profiles: Vec<String>,
}

impl Principal {
    pub fn new(kind: PrincipalKind, name: impl Into<String>) -> Self {
        Principal {
            kind,
            name: name.into(),
            arn: None,
            id: None,
            path: None,
            account: None,
            groups: Vec::new(),
            policies: Vec::new(),
            boundary: None,
            trust: None,
            tags: BTreeMap::new(),
            tags_known: false,
            instance_profiles: Vec::new(),
        }
    }
}
