//! What a comparison produces, as plain data: per-principal results with their counts,
//! the gate's verdict, the summary and what became of each waiver. The report wraps it.

use serde::{Deserialize, Serialize};

use crate::catalog::AccessLevel;

use super::findings::{Category, Finding};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gate {
    /// Categories that fail the gate (`--fail-on`).
    pub fail_on: Vec<Category>,
    /// Findings below this access level never fail the gate (`--min-level`).
    pub min_level: AccessLevel,
    pub passed: bool,
    /// Findings that fail the gate.
    pub failing: usize,
    /// Findings that would fail it but are waived.
    pub waived: usize,
}

/// How many actions (and action × resource-type pairs) changed, per category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    pub lost: usize,
    pub narrowed: usize,
    pub conditional: usize,
    pub gained: usize,
    pub review: usize,
    pub lost_pairs: usize,
    pub narrowed_pairs: usize,
    pub conditional_pairs: usize,
    pub gained_pairs: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLevelCount {
    pub service: String,
    pub level: AccessLevel,
    /// Actions lost (including those of removed principals), narrowed, made conditional, gained.
    pub lost: usize,
    pub narrowed: usize,
    pub conditional: usize,
    pub gained: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Principals compared (matched on both sides).
    pub compared: usize,
    /// Matched principals with at least one finding.
    pub changed: usize,
    pub removed: usize,
    pub new: usize,
    /// Totals over all principals.
    pub counts: Counts,
    /// Per service and access level, sorted by service then level (for the chart).
    pub by_service: Vec<ServiceLevelCount>,
    /// The person view's counts, when the inputs hold roles people can assume (issue 9):
    /// then it is the summary to read first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<super::people::PeopleSummary>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalStatus {
    Changed,
    Removed,
    New,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrincipalDiff {
    /// `user` or `role`.
    pub kind: String,
    /// The principal's account, only when the run holds several (then `name` is
    /// `ACCOUNT/name`; a single-account run shows bare names, as it always did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Name on the after side (before side for removed principals).
    pub name: String,
    /// Name on the before side when a mapping renamed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn_before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn_after: Option<String>,
    pub status: PrincipalStatus,
    pub counts: Counts,
    /// Highest severity among its findings.
    pub max_severity: AccessLevel,
    /// Whether any of its findings fails the gate.
    pub fails_gate: bool,
    /// Sorted by service, then code, then actions.
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverState {
    /// Matched at least one finding.
    Applied,
    /// Past its expiry date: matched nothing, reported as a finding.
    Expired,
    /// Matched no finding.
    Unused,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaiverStatus {
    pub index: usize,
    pub principal: String,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub reason: String,
    pub approved_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub state: WaiverState,
    /// Findings it silenced.
    pub matched: usize,
}
