//! The diff report model: one plain, sorted, serde data structure that every renderer
//! (table, Markdown, HTML, JSON, SARIF, JUnit) reads. Renderers never evaluate; they only
//! present what is here. The JSON rendering is this structure as is (schema
//! `iamdiff/diff/v1`).

use serde::{Deserialize, Serialize};
use std::io::{self, Write};

use crate::catalog::AccessLevel;
use crate::diff::findings::{Category, Finding};
use crate::model::Warning;

/// Schema id of the JSON output; bumped on any incompatible change.
pub const SCHEMA: &str = "iamdiff/diff/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffReport {
    pub schema: String,
    /// `iamdiff 0.1.0`.
    pub tool: String,
    /// The embedded catalog's source and version.
    pub catalog: String,
    pub before: SideInfo,
    pub after: SideInfo,
    pub gate: Gate,
    pub summary: Summary,
    /// Principals with at least one finding, sorted by kind then name.
    pub principals: Vec<PrincipalDiff>,
    /// Every waiver from `--waivers`, with what became of it.
    pub waivers: Vec<WaiverStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideInfo {
    pub sources: Vec<String>,
    pub principals: usize,
    pub warnings: Vec<Warning>,
}

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

impl DiffReport {
    pub fn write_json(&self, w: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, self).map_err(io::Error::other)?;
        writeln!(w)
    }
}

impl DiffReport {
    /// Every finding of every principal, in report order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.principals.iter().flat_map(|p| p.findings.iter())
    }
}

impl Gate {
    /// What the gate selects, as one phrase: `lost, narrowed, removed, review at ≥ Read`.
    pub fn selection(&self) -> String {
        let kinds: Vec<&str> = self.fail_on.iter().map(|c| c.as_str()).collect();
        if kinds.is_empty() {
            return "nothing selected by --fail-on".to_owned();
        }
        format!("{} at ≥ {}", kinds.join(", "), self.min_level)
    }

    /// The one-line verdict without markup: `FAIL: 7 findings fail the gate (…), 1 waived`.
    pub fn verdict(&self) -> (&'static str, String) {
        let word = if self.passed { "PASS" } else { "FAIL" };
        let what = match self.failing {
            0 => "no finding fails the gate".to_owned(),
            1 => "1 finding fails the gate".to_owned(),
            n => format!("{n} findings fail the gate"),
        };
        (
            word,
            format!("{what} ({}), {} waived", self.selection(), self.waived),
        )
    }
}

impl PrincipalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalStatus::Changed => "changed",
            PrincipalStatus::Removed => "removed",
            PrincipalStatus::New => "new",
        }
    }
}

impl WaiverState {
    pub fn as_str(self) -> &'static str {
        match self {
            WaiverState::Applied => "applied",
            WaiverState::Expired => "expired",
            WaiverState::Unused => "unused",
        }
    }
}
