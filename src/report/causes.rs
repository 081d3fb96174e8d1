//! The changes section of every report (issue 12): the input changes the diff found,
//! ranked by impact, each as one line a reader can act on ("bob removed from group
//! PowerUsers → loses 20,196 actions in 447 services"), the one ranking of principals
//! every format uses, a finding's causes as a sentence, and the `--show` /
//! `--min-severity` filters. Each format calls in here; nothing here evaluates.

use std::io::{self, Write};

use crate::catalog::AccessLevel;
use crate::diff::changes::{Change, ChangeKind};
use crate::diff::findings::Finding;

use super::diff::{DiffReport, PrincipalDiff};

/// Which findings a report shows (`--show`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Show {
    /// Findings that fail the gate.
    Fails,
    /// Findings a waiver silences.
    Waived,
    /// Every finding.
    #[default]
    All,
}

/// `12,345`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// What a change does, after the arrow: `loses 20,196 actions in 447 services`.
pub fn impact_phrase(c: &Change) -> String {
    let im = &c.impact;
    if im.findings == 0 {
        return "no finding".to_owned();
    }
    let mut parts = Vec::new();
    if im.actions_lost > 0 {
        parts.push(format!(
            "loses {}",
            plural(im.actions_lost, "action", "actions")
        ));
    }
    if im.actions_changed > 0 {
        parts.push(format!(
            "{} narrowed or conditional",
            plural(im.actions_changed, "action", "actions")
        ));
    }
    if im.actions_gained > 0 {
        parts.push(format!(
            "gains {}",
            plural(im.actions_gained, "action", "actions")
        ));
    }
    if parts.is_empty() {
        parts.push(plural(im.findings, "finding", "findings"));
    }
    let mut s = parts.join(", ");
    if im.services > 0 {
        s.push_str(&format!(
            " in {}",
            plural(im.services, "service", "services")
        ));
    }
    if im.principals > 1 {
        s.push_str(&format!(" for {} principals", thousands(im.principals)));
    }
    s
}

/// `bob removed from group PowerUsers → loses 20,196 actions in 447 services`.
pub fn headline(c: &Change) -> String {
    format!("{} → {}", c.summary, impact_phrase(c))
}

/// The verdict word of a change: `FAIL` when a finding it causes fails the gate.
pub fn gate_word(c: &Change) -> &'static str {
    if c.impact.failing > 0 { "FAIL" } else { "pass" }
}

pub fn severity_text(c: &Change) -> &'static str {
    c.impact.severity.map_or("—", AccessLevel::as_str)
}

/// The changes worth leading with: those that cause a finding (in rank order).
pub fn shown(report: &DiffReport) -> impl Iterator<Item = &Change> {
    report.changes.iter().filter(|c| c.impact.findings > 0)
}

/// The one ranking of principals every format uses, the changes' order applied to
/// principals: failing the gate first, then the highest access level, then the most
/// actions lost (then pairs lost, other changed actions, findings), then by name and kind.
pub fn ranked_principals(report: &DiffReport) -> Vec<&PrincipalDiff> {
    let mut v: Vec<&PrincipalDiff> = report.principals.iter().collect();
    v.sort_by(|a, b| {
        b.fails_gate
            .cmp(&a.fails_gate)
            .then_with(|| b.max_severity.cmp(&a.max_severity))
            .then_with(|| b.counts.lost.cmp(&a.counts.lost))
            .then_with(|| b.counts.lost_pairs.cmp(&a.counts.lost_pairs))
            .then_with(|| {
                (b.counts.narrowed + b.counts.conditional)
                    .cmp(&(a.counts.narrowed + a.counts.conditional))
            })
            .then_with(|| b.findings.len().cmp(&a.findings.len()))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.kind.cmp(&b.kind))
    });
    v
}

/// Keeps only the findings `--show` and `--min-severity` select (at or above the level),
/// the principals left with some, and each change's list of the findings still shown.
/// The gate and the summary stay those of the whole diff.
pub fn filter(report: &mut DiffReport, show: Show, min: AccessLevel) {
    let keep = |f: &Finding| {
        f.severity >= min
            && match show {
                Show::Fails => f.fails_gate,
                Show::Waived => f.waived.is_some(),
                Show::All => true,
            }
    };
    if show == Show::All && min == AccessLevel::List {
        return;
    }
    for p in &mut report.principals {
        p.findings.retain(|f| keep(f));
    }
    report.principals.retain(|p| !p.findings.is_empty());
    for p in &mut report.people {
        p.diff.findings.retain(|f| keep(f));
    }
    report
        .people
        .retain(|p| !p.diff.findings.is_empty() || (show == Show::All && !p.paths.is_empty()));
    report.general.retain(|f| keep(f));
    let ids: std::collections::HashSet<String> =
        report.findings().map(super::json::finding_id).collect();
    for c in &mut report.changes {
        c.findings.retain(|id| ids.contains(id));
    }
    report
        .changes
        .retain(|c| c.impact.findings == 0 || !c.findings.is_empty());
}

/// The terminal's changes section: one line per change that causes findings, each
/// wrapped to `width` when there is one (a terminal), with a hanging indent.
pub fn write_text(report: &DiffReport, width: Option<u16>, w: &mut dyn Write) -> io::Result<()> {
    let fit = |s: String| match width {
        Some(width) => super::layout::wrap_hanging(&s, usize::from(width)),
        None => s,
    };
    let changes: Vec<&Change> = shown(report).collect();
    if changes.is_empty() {
        return Ok(());
    }
    writeln!(w, "Changes, by impact:")?;
    for c in changes {
        writeln!(
            w,
            "{}",
            fit(format!(
                "  {:<4} {:<4} {:<22} {}",
                c.id,
                gate_word(c),
                severity_text(c),
                clean(&headline(c))
            ))
        )?;
        for d in c.detail.iter().take(3) {
            writeln!(w, "{}", fit(format!("       {}", clean(d))))?;
        }
    }
    let idle = report
        .changes
        .iter()
        .filter(|c| c.impact.findings == 0)
        .count();
    if idle > 0 {
        writeln!(
            w,
            "{}",
            fit(format!(
                "  ({} with no effect on access: see the JSON report)",
                plural(idle, "other change", "other changes")
            ))
        )?;
    }
    writeln!(w)
}

/// A finding's causes as one sentence, for SARIF messages and JUnit failures.
pub fn because(report: &DiffReport, f: &Finding) -> String {
    because_at_most(report, f, usize::MAX)
}

/// [`because`] naming at most `max` causes, then how many more.
pub fn because_at_most(report: &DiffReport, f: &Finding, max: usize) -> String {
    let mut texts: Vec<String> = f
        .causes
        .iter()
        .take(max)
        .map(|id| match report.change(id) {
            Some(c) if c.kind == ChangeKind::Unexplained => format!("{id}: no input change found"),
            Some(c) => format!("{id}: {}", c.summary),
            None => id.clone(),
        })
        .collect();
    if f.causes.len() > max {
        texts.push(format!("and {} more", f.causes.len() - max));
    }
    if texts.is_empty() {
        String::new()
    } else {
        format!("cause: {}", texts.join("; "))
    }
}

/// The lint codes that explain a finding, for a "why" cell: `lint L001 (after)`
/// (issue 11 item 2); empty when none.
pub fn lint_why(f: &Finding) -> String {
    let mut seen: Vec<String> = Vec::new();
    for n in &f.lint {
        let t = format!("{} ({})", n.code, n.side);
        if !seen.contains(&t) {
            seen.push(t);
        }
    }
    if seen.is_empty() {
        String::new()
    } else {
        format!("lint {}", seen.join(", "))
    }
}

fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(20_196), "20,196");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
