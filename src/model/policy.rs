//! Policies and statements in a cloud-neutral shape: effect, action and resource clauses
//! (with their `Not` forms), an optional principal clause (trust and resource policies),
//! and conditions. Patterns are kept as written; evaluation interprets them.

use serde::Serialize;
use std::sync::Arc;

use super::Origin;

/// Index of a policy in [`super::Snapshot::policies`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PolicyId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    Allow,
    Deny,
}

/// What kind of document a policy is; decides how evaluation uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// AWS managed policy (`arn:aws:iam::aws:policy/...`).
    AwsManaged,
    /// Customer managed policy.
    CustomerManaged,
    /// Inline policy of a user, group or role.
    Inline,
    /// Service control policy of an AWS Organizations level.
    Scp,
    /// Resource control policy of an AWS Organizations level.
    Rcp,
    /// A role's trust (assume role) policy.
    Trust,
    /// The policy of a resource (bucket, key, queue, topic, secret, ...).
    Resource,
    /// A GCP allow-policy binding (a role granted to members at a node of the hierarchy).
    GcpBinding,
    /// A rule of a GCP IAM deny policy.
    GcpDeny,
}

impl PolicyKind {
    pub fn label(self) -> &'static str {
        match self {
            PolicyKind::AwsManaged => "AWS managed policy",
            PolicyKind::CustomerManaged => "customer managed policy",
            PolicyKind::Inline => "inline policy",
            PolicyKind::Scp => "SCP",
            PolicyKind::Rcp => "RCP",
            PolicyKind::Trust => "trust policy",
            PolicyKind::Resource => "resource policy",
            PolicyKind::GcpBinding => "IAM binding",
            PolicyKind::GcpDeny => "IAM deny rule",
        }
    }
}

/// `Action` or `NotAction`, patterns as written (`s3:Get*`, `*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionClause {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

/// `Resource` or `NotResource`; trust policies have neither.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceClause {
    Resource(Vec<String>),
    NotResource(Vec<String>),
    Absent,
}

/// `Principal` or `NotPrincipal` of trust and resource policies: (type, value) pairs,
/// e.g. (`AWS`, `arn:aws:iam::123456789012:root`), (`Service`, `ec2.amazonaws.com`),
/// and (`*`, `*`) for `"Principal": "*"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalClause {
    Principal(Vec<(String, String)>),
    NotPrincipal(Vec<(String, String)>),
}

/// One `operator: { key: [values] }` entry of a `Condition` block. Values are strings
/// (booleans and numbers are normalized at ingest); the operator is kept as written
/// (`ForAnyValue:StringLikeIfExists`) and parsed by evaluation, which treats an operator it
/// does not know as undecidable rather than guessing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ConditionClause {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub action: ActionClause,
    pub resource: ResourceClause,
    pub principal: Option<PrincipalClause>,
    /// All clauses must hold (AND); values inside one clause are OR-ed, as in AWS.
    pub condition: Vec<ConditionClause>,
    /// What the source left unresolved in this statement (a `!Ref` without a value, a
    /// Terraform value known only after apply), each naming its place. Evaluation treats
    /// the statement as undecidable: its grants need review, never silently counted.
    pub unresolved: Vec<String>,
    pub origin: Arc<Origin>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Default)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub name: Arc<str>,
    pub arn: Option<Arc<str>>,
    pub kind: PolicyKind,
    /// The version in use (`v3`), for managed policies.
    pub version: Option<Arc<str>>,
    pub document: PolicyDocument,
}
