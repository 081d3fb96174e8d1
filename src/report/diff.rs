//! The diff report model: one plain, sorted, serde data structure that every renderer
//! (table, Markdown, HTML, JSON, SARIF, JUnit) reads. Renderers never evaluate; they only
//! present what is here. The JSON rendering is this structure as is (schema
//! `iamdiff/diff/v1`).

use serde::{Deserialize, Serialize};
use std::io::{self, Write};

use crate::diff::findings::Finding;
use crate::model::Warning;

pub use crate::diff::outcome::{
    Counts, Gate, PrincipalDiff, PrincipalStatus, ServiceLevelCount, Summary, WaiverState,
    WaiverStatus,
};

/// Schema id of the JSON output; bumped on any incompatible change.
pub const SCHEMA: &str = "iamdiff/diff/v2";

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
    /// The input changes between the sides, ranked by impact (failing first, then
    /// severity, principals, actions lost), each with the ids of the findings it causes;
    /// every finding's `causes` names some of them (issue 12).
    #[serde(default)]
    pub changes: Vec<crate::diff::changes::Change>,
    /// Principals with at least one finding, sorted by kind then name.
    pub principals: Vec<PrincipalDiff>,
    /// Findings about no single principal: expired waivers (which fail a gate that
    /// includes `review`) and unused ones.
    #[serde(default)]
    pub general: Vec<Finding>,
    /// Every waiver from `--waivers`, with what became of it.
    pub waivers: Vec<WaiverStatus>,
    /// Inputs with their SHA-256, generation time, and places of statements (issue 12).
    #[serde(default)]
    pub provenance: super::provenance::Provenance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideInfo {
    pub sources: Vec<String>,
    pub principals: usize,
    pub warnings: Vec<Warning>,
}

impl DiffReport {
    /// The JSON report, as `iamdiff schema diff` describes it (see [`super::json`]).
    pub fn write_json(&self, w: &mut dyn Write) -> io::Result<()> {
        super::json::write(self, w)
    }
}

impl DiffReport {
    /// Wraps a comparison's outcome with what the reader needs to know about the inputs.
    pub fn new(
        outcome: crate::diff::Outcome,
        catalog: &crate::catalog::Catalog,
        before: &crate::model::Snapshot,
        after: &crate::model::Snapshot,
    ) -> DiffReport {
        let side = |s: &crate::model::Snapshot| SideInfo {
            sources: s.sources.iter().map(|x| x.to_string()).collect(),
            principals: s.principals.len(),
            warnings: s.warnings.clone(),
        };
        let m = catalog.meta();
        let mut changes = outcome.changes;
        let at: std::collections::HashMap<String, usize> = changes
            .iter()
            .enumerate()
            .map(|(n, c)| (c.id.clone(), n))
            .collect();
        for f in outcome
            .principals
            .iter()
            .flat_map(|p| &p.findings)
            .chain(&outcome.general)
        {
            for c in &f.causes {
                if let Some(ch) = at.get(c).and_then(|&n| changes.get_mut(n)) {
                    ch.findings.push(super::json::finding_id(f));
                }
            }
        }
        DiffReport {
            schema: SCHEMA.to_owned(),
            tool: format!("iamdiff {}", env!("CARGO_PKG_VERSION")),
            catalog: format!(
                "{} {}; {} {}",
                m.actions_source, m.actions_version, m.policies_source, m.policies_version
            ),
            before: side(before),
            after: side(after),
            gate: outcome.gate,
            summary: outcome.summary,
            changes,
            principals: outcome.principals,
            general: outcome.general,
            waivers: outcome.waivers,
            provenance: super::provenance::Provenance::default(),
        }
    }

    /// Every finding: each principal's, in report order, then the general ones.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.principals
            .iter()
            .flat_map(|p| p.findings.iter())
            .chain(self.general.iter())
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

impl DiffReport {
    /// The change with this id.
    pub fn change(&self, id: &str) -> Option<&crate::diff::changes::Change> {
        self.changes.iter().find(|c| c.id == id)
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
