//! The diff report as terminal tables: a verdict line, the counts, one row per principal
//! (people first), then with `--detail` each principal's findings grouped by service, and
//! the sign-off at the end. The default format on a terminal.
//!
//! Width is the caller's decision, because only the CLI may look at the terminal (it
//! reads `COLUMNS`, then the terminal's width): with a width every table fits it, headers
//! never break inside a word and long cells wrap at spaces, then after `/`, `:` or `-`
//! (ARNs), see [`super::layout`]; without one nothing wraps, as in pipes, CI logs and
//! tests. The full values are in the Markdown, HTML and JSON reports too.

use std::io::{self, Write};

use super::diff::{DiffReport, PrincipalDiff, SignOff, compared_sentence};
use super::layout::{Align, Grid, wrap_hanging};
use crate::diff::findings::Finding;

/// How the tables are laid out.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableOptions {
    /// The width to fit (`COLUMNS` or the terminal's); `None` renders without wrapping.
    pub width: Option<u16>,
    /// Each principal's findings, action by action (`--detail`); without it one row per
    /// principal.
    pub detail: bool,
}

/// How many actions a cell shows before `… (+N more)`.
const SHOW_ACTIONS: usize = 6;

pub fn write_table(report: &DiffReport, opts: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let text = |s: String| fit(opts, s);
    let (word, verdict) = report.gate.verdict();
    writeln!(w, "{}", text(format!("{word}: {verdict}")))?;
    let s = &report.summary;
    writeln!(w, "{}", text(compared_sentence(s)))?;
    let c = &s.counts;
    writeln!(
        w,
        "{}\n",
        text(format!(
            "actions lost {} ({} pairs), narrowed {}, conditional {}, gained {}, needs review {}",
            c.lost, c.lost_pairs, c.narrowed, c.conditional, c.gained, c.review
        ))
    )?;
    // the causes first, ranked by impact; then principals ranked alike (issue 12)
    super::causes::write_text(report, opts.width, w)?;

    if !report.principals.is_empty() {
        let mut t = Grid::new(&[
            ("Principal", Align::Left),
            ("Status", Align::Left),
            ("Changes", Align::Left),
            ("Max severity", Align::Left),
            ("Gate", Align::Left),
        ]);
        for p in super::causes::ranked_principals(report) {
            t.row(vec![
                principal_cell(p),
                p.status.as_str().to_owned(),
                changes_text(p),
                p.max_severity.to_string(),
                (if p.fails_gate { "FAIL" } else { "pass" }).to_owned(),
            ]);
        }
        writeln!(w, "{}\n", t.render(opts.width))?;
    }

    if opts.detail {
        for p in &report.principals {
            writeln!(w, "{}", text(heading(p)))?;
            writeln!(w, "{}\n", findings_grid(p).render(opts.width))?;
        }
        if report.findings().any(|f| f.fails_gate) {
            writeln!(w, "! marks a finding that fails the gate\n")?;
        }
    } else if !report.principals.is_empty() {
        let n: usize = report.principals.iter().map(|p| p.findings.len()).sum();
        writeln!(
            w,
            "{}\n",
            text(format!(
                "{n} finding(s) of {} principal(s) not listed: --detail lists them action by action, with witnesses",
                report.principals.len()
            ))
        )?;
    }

    let warnings: Vec<(&str, String)> = [("before", &report.before), ("after", &report.after)]
        .into_iter()
        .flat_map(|(side, info)| info.warnings.iter().map(move |x| (side, x.to_string())))
        .collect();
    if !warnings.is_empty() {
        writeln!(w, "Input warnings:")?;
        for (side, x) in warnings {
            writeln!(w, "{}", text(format!("  {side}: {}", clean(&x))))?;
        }
        writeln!(w)?;
    }
    if !report.waivers.is_empty() {
        writeln!(w, "Waivers:")?;
        for x in &report.waivers {
            let line = format!(
                "  #{} {} {}{}: {}, matched {} — {} (approved by {}{})",
                x.index,
                clean(&x.principal),
                clean(&x.action),
                x.resource
                    .as_deref()
                    .map(|r| format!(" on {}", clean(r)))
                    .unwrap_or_default(),
                x.state.as_str(),
                report.waiver_matches(x),
                clean(&x.reason),
                clean(&x.approved_by),
                x.expires
                    .as_deref()
                    .map(|e| format!(", expires {}", clean(e)))
                    .unwrap_or_default(),
            );
            writeln!(w, "{}", text(line))?;
        }
        writeln!(w)?;
    }
    write_sign_off(report, opts, w)
}

/// A line of text wrapped to the width, when there is one.
fn fit(opts: &TableOptions, s: String) -> String {
    match opts.width {
        Some(width) => wrap_hanging(&s, usize::from(width)),
        None => s,
    }
}

/// The sign-off, compactly at the end: what ran, on which inputs (with their SHA-256),
/// with which gate, when (issue 12 items 8, 9). A digest is never broken, so it can be
/// copied whole.
fn write_sign_off(report: &DiffReport, opts: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let s = SignOff::of(report);
    let text = |s: String| fit(opts, s);
    writeln!(w, "Sign-off:")?;
    writeln!(
        w,
        "{}",
        text(format!(
            "  {} · catalog {}",
            clean(s.tool),
            clean(s.catalog)
        ))
    )?;
    writeln!(w, "{}", text(format!("  gate: {}", s.gate)))?;
    writeln!(w, "{}", text(format!("  waivers: {}", s.waivers)))?;
    writeln!(w, "{}", text(format!("  generated: {}", s.generated)))?;
    if s.inputs.is_empty() {
        writeln!(w, "{}", text(format!("  inputs: {}", clean(&s.sources))))?;
    }
    for i in s.inputs {
        let digest = i.sha256.as_deref().unwrap_or("— (not a file)");
        let line = format!("  {:<7} {}  sha256 {digest}", i.role, clean(&i.uri));
        match opts.width {
            // the digest on a line of its own when the path and it do not fit one
            Some(width) if line.chars().count() > usize::from(width) => {
                writeln!(w, "{}", text(format!("  {:<7} {}", i.role, clean(&i.uri))))?;
                writeln!(w, "    sha256 {digest}")?;
            }
            _ => writeln!(w, "{line}")?,
        }
    }
    Ok(())
}

/// A principal's findings, one row per service and finding (`--detail`): the finding
/// cell holds its code, severity, the change of status and the waiver, so that four
/// columns fit 80 characters with action names whole.
fn findings_grid(p: &PrincipalDiff) -> Grid {
    let mut t = Grid::new(&[
        ("Service", Align::Left),
        ("Finding", Align::Left),
        ("Actions", Align::Left),
        ("Witness", Align::Left),
    ]);
    let mut last_service: Option<&str> = None;
    for f in &p.findings {
        let service = if last_service == Some(f.service.as_str()) {
            String::new()
        } else if f.service.is_empty() {
            "—".to_owned()
        } else {
            clean(&f.service)
        };
        last_service = Some(f.service.as_str());
        let mut finding = format!(
            "{}\n{}\n{} → {}",
            code_mark(f),
            f.severity,
            dash(&clean(&f.before.status)),
            dash(&clean(&f.after.status))
        );
        // the causes' ids (the changes list above says what each is), and a waiver
        if !f.causes.is_empty() {
            finding.push_str(&format!("\nwhy: {}", f.causes.join(" ")));
        }
        let lint = super::causes::lint_why(f);
        if !lint.is_empty() {
            finding.push_str(&format!("\n{lint}"));
        }
        if let Some(x) = &f.waived {
            finding.push_str(&format!("\nwaived (#{})", x.index));
        }
        t.row(vec![
            service,
            finding,
            clean(&abbreviate(&f.short_actions(), SHOW_ACTIONS)).replace(", ", "\n"),
            f.witness.as_deref().map(clean).unwrap_or_default(),
        ]);
    }
    t
}

/// `12 lost`, `670 conditional`, ...: the principal's counts that are not zero, a line each.
fn changes_text(p: &PrincipalDiff) -> String {
    let n = &p.counts;
    let parts: Vec<String> = [
        (n.lost, "lost"),
        (n.narrowed, "narrowed"),
        (n.conditional, "conditional"),
        (n.gained, "gained"),
        (n.review, "needs review"),
    ]
    .into_iter()
    .filter(|(k, _)| *k > 0)
    .map(|(k, what)| format!("{k} {what}"))
    .collect();
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join("\n")
    }
}

/// `role new-name` and `(was old-name)` below it.
fn principal_cell(p: &PrincipalDiff) -> String {
    match &p.before_name {
        Some(b) => format!("{}\n(was {})", principal_label(p), clean(b)),
        None => principal_label(p),
    }
}

fn principal_label(p: &PrincipalDiff) -> String {
    clean(&format!("{} {}", p.kind, p.name))
}

/// Input text made safe for a terminal: control characters (an ANSI escape in a name
/// could rewrite the screen) are shown as `\u{1b}`, line breaks included.
fn clean(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn heading(p: &PrincipalDiff) -> String {
    let renamed = p
        .before_name
        .as_deref()
        .map(|b| format!(" (was {})", clean(b)))
        .unwrap_or_default();
    let gate = if p.fails_gate { ", fails the gate" } else { "" };
    format!(
        "{}{renamed}: {}, {} finding(s){gate}",
        principal_label(p),
        p.status.as_str(),
        p.findings.len()
    )
}

/// The code, with `!` when the finding fails the gate.
fn code_mark(f: &Finding) -> String {
    if f.fails_gate {
        format!("{} !", f.code)
    } else {
        f.code.to_string()
    }
}

fn dash(s: &str) -> &str {
    if s.is_empty() { "—" } else { s }
}

/// `GetObject, PutObject, … (+3 more)`.
pub(crate) fn abbreviate(names: &[&str], show: usize) -> String {
    if names.len() <= show {
        names.join(", ")
    } else {
        format!(
            "{}, … (+{} more)",
            names
                .iter()
                .take(show)
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            names.len() - show
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        assert_eq!(clean("a\u{1b}[2Jb\n"), "a\\u{1b}[2Jb\\u{a}");
        assert_eq!(clean("plain"), "plain");
    }

    #[test]
    fn abbreviates_long_lists() {
        assert_eq!(abbreviate(&["a", "b"], 2), "a, b");
        assert_eq!(abbreviate(&["a", "b", "c"], 2), "a, b, … (+1 more)");
    }
}
