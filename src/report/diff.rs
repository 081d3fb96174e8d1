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
pub const SCHEMA: &str = "iamdiff/diff/v3";

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
    /// People whose access or paths changed (issue 9), when the person view applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<crate::diff::people::PersonDiff>,
    /// Findings about no single principal: expired waivers (which fail a gate that
    /// includes `review`) and unused ones.
    #[serde(default)]
    pub general: Vec<Finding>,
    /// Every waiver from `--waivers`, with what became of it.
    pub waivers: Vec<WaiverStatus>,
    /// Inputs with their SHA-256, generation time, and places of statements (issue 12).
    #[serde(default)]
    pub provenance: super::provenance::Provenance,
    /// Where the full report is published (`--report-url`), for the Markdown comment.
    #[serde(skip)]
    pub report_url: Option<String>,
    /// The base URL the repository's `docs/` are served under (`--docs-url`), for SARIF's
    /// `helpUri`; without it rules carry none.
    #[serde(skip)]
    pub docs_url: Option<String>,
    /// Where each change is in `changes`, built on first use: every renderer looks up
    /// each finding's causes, and a scan per lookup was quadratic on a large run.
    #[serde(skip)]
    pub change_index: ChangeIndex,
}

/// A lookup of changes by id, checked against the list on every use (a stale entry falls
/// back to a scan); never part of the report's value.
#[derive(Debug, Clone, Default)]
pub struct ChangeIndex(std::sync::OnceLock<std::collections::HashMap<String, usize>>);

impl PartialEq for ChangeIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
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
        let findings: Vec<&Finding> = outcome
            .principals
            .iter()
            .flat_map(|p| &p.findings)
            .chain(outcome.people.iter().flat_map(|p| &p.diff.findings))
            .chain(&outcome.general)
            .collect();
        // each id hashes the finding's actions (millions in a GCP report): in parallel
        let ids: Vec<String> = {
            use rayon::prelude::*;
            findings
                .par_iter()
                .map(|f| super::json::finding_id(f))
                .collect()
        };
        for (f, id) in findings.iter().zip(&ids) {
            for c in &f.causes {
                if let Some(ch) = at.get(c).and_then(|&n| changes.get_mut(n)) {
                    ch.findings.push(id.clone());
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
            people: outcome.people,
            general: outcome.general,
            waivers: outcome.waivers,
            provenance: super::provenance::Provenance::default(),
            report_url: None,
            docs_url: None,
            change_index: ChangeIndex::default(),
        }
    }

    /// Keeps only the principals `keep` selects by the names and ARNs they are known by
    /// (`diff --principal`), with their findings, in every format; the gate, the summary
    /// and the waivers stay those of the whole comparison, as they decide the exit code
    /// (issue 12 item 9).
    pub fn retain_principals(&mut self, keep: impl Fn(&[&str]) -> bool) {
        self.principals.retain(|p| {
            let names: Vec<&str> = [
                Some(p.name.as_str()),
                p.before_name.as_deref(),
                p.arn_before.as_deref(),
                p.arn_after.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect();
            keep(&names)
        });
        self.people.retain(|p| {
            let names: Vec<&str> = [Some(p.diff.name.as_str()), p.diff.before_name.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            keep(&names)
        });
        self.provenance
            .unchanged
            .retain(|u| keep(&[u.name.as_str()]));
        // the changes list names only what causes the findings still listed
        let ids: std::collections::HashSet<String> =
            self.findings().map(super::json::finding_id).collect();
        for c in &mut self.changes {
            c.findings.retain(|id| ids.contains(id));
        }
        self.changes
            .retain(|c| c.impact.findings == 0 || !c.findings.is_empty());
    }

    /// Every finding: each principal's, in report order, then the general ones.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.principals
            .iter()
            .flat_map(|p| p.findings.iter())
            .chain(self.people.iter().flat_map(|p| p.diff.findings.iter()))
            .chain(self.general.iter())
    }
}

/// The lines of the attestation block the HTML and Markdown reports end with.
pub const ATTESTATION_FIELDS: [&str; 5] = [
    "Reviewer (name, role)",
    "Date reviewed",
    "Decision (approve / approve with waivers / reject)",
    "Notes",
    "Signature",
];

/// What an auditor's sign-off needs, as plain text for every format (issue 12 item 8).
pub struct SignOff<'a> {
    pub tool: &'a str,
    pub catalog: &'a str,
    /// The gate's settings: `--fail-on`, `--min-level` and the waivers' date.
    pub gate: String,
    /// RFC 3339 from `SOURCE_DATE_EPOCH`, or a note that it was not set.
    pub generated: String,
    /// `2 applied (7 findings, 5 of them would fail the gate), 1 unused`.
    pub waivers: String,
    /// The sources as given, when provenance was not filled.
    pub sources: String,
    pub inputs: &'a [super::provenance::InputFile],
}

impl<'a> SignOff<'a> {
    pub fn of(r: &'a DiffReport) -> SignOff<'a> {
        let mut states: Vec<String> = Vec::new();
        for state in [
            WaiverState::Applied,
            WaiverState::Expired,
            WaiverState::Unused,
        ] {
            let of: Vec<&WaiverStatus> = r.waivers.iter().filter(|w| w.state == state).collect();
            if of.is_empty() {
                continue;
            }
            let mut text = format!("{} {}", of.len(), state.as_str());
            if state == WaiverState::Applied {
                let matched: usize = of.iter().map(|w| w.matched).sum();
                let failing: usize = of.iter().map(|w| r.waived_failing(w)).sum();
                text.push_str(&format!(
                    " ({matched} findings, {failing} of them would fail the gate)"
                ));
            }
            states.push(text);
        }
        SignOff {
            tool: &r.tool,
            catalog: &r.catalog,
            gate: format!(
                "fails on {}; {}",
                r.gate.selection(),
                if r.gate.passed { "passed" } else { "failed" }
            ),
            generated: r.provenance.generated.clone().unwrap_or_else(|| {
                "not recorded (set SOURCE_DATE_EPOCH to record it reproducibly)".to_owned()
            }),
            waivers: if states.is_empty() {
                "none".to_owned()
            } else {
                states.join(", ")
            },
            sources: format!(
                "before: {} · after: {}",
                r.before.sources.join(", "),
                r.after.sources.join(", ")
            ),
            inputs: &r.provenance.inputs,
        }
    }
}

/// `13 principals: 11 on both sides (6 changed, 5 unchanged), 1 removed, 1 new` — the
/// parts add up to the whole (issue 12 item 10).
pub fn compared_sentence(s: &Summary) -> String {
    format!(
        "{} principals: {} on both sides ({} changed, {} unchanged), {} removed, {} new",
        s.compared + s.removed + s.new,
        s.compared,
        s.changed,
        s.compared.saturating_sub(s.changed),
        s.removed,
        s.new
    )
}

impl DiffReport {
    /// How many of a waiver's findings the gate would have failed without it.
    pub fn waived_failing(&self, w: &WaiverStatus) -> usize {
        self.findings()
            .filter(|f| f.waived.as_ref().is_some_and(|x| x.index == w.index))
            .filter(|f| self.gate.selects(f))
            .count()
    }

    /// `5 (3 would fail)`, or `5 (none would fail the gate)`.
    pub fn waiver_matches(&self, w: &WaiverStatus) -> String {
        if w.matched == 0 {
            return "0".to_owned();
        }
        match self.waived_failing(w) {
            0 => format!("{} (none would fail the gate)", w.matched),
            n => format!("{} ({n} would fail)", w.matched),
        }
    }
}

impl Gate {
    /// Whether the gate selects a finding (by kind and level), waived or not.
    pub fn selects(&self, f: &Finding) -> bool {
        self.fail_on.contains(&f.category) && f.severity >= self.min_level
    }

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
        let at = self.change_index.0.get_or_init(|| {
            self.changes
                .iter()
                .enumerate()
                .map(|(n, c)| (c.id.clone(), n))
                .collect()
        });
        at.get(id)
            .and_then(|&n| self.changes.get(n))
            .filter(|c| c.id == id)
            .or_else(|| self.changes.iter().find(|c| c.id == id))
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
