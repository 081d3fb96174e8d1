//! The diff report as JUnit XML, for CI dashboards that chart test results: one test suite
//! `iamdiff`, one test case per principal in the report (class name = its kind), failed
//! when any of its findings fails the gate.
//!
//! Each unwaived finding that fails the gate is a `<failure>` (several per test case are
//! accepted by Jenkins, GitLab and the surefire readers; the counts attributes count test
//! cases, as the format defines them). Waived and other non-failing findings are lines of
//! `<system-out>`, so they stay visible without failing the build. The XML is written by
//! hand, escaped for text and attributes, with characters XML 1.0 forbids replaced.

use std::io::{self, Write};

use super::diff::{DiffReport, PrincipalDiff};
use crate::diff::findings::Finding;

pub fn write_junit(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let tests = report.principals.len();
    let failures = report
        .principals
        .iter()
        .filter(|p| p.findings.iter().any(is_failure))
        .count();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="iamdiff" tests="{tests}" failures="{failures}" errors="0" skipped="0">"#
    )?;
    writeln!(
        w,
        r#"  <testsuite name="iamdiff" tests="{tests}" failures="{failures}" errors="0" skipped="0">"#
    )?;
    writeln!(w, "    <properties>")?;
    for (name, value) in [
        ("tool", report.tool.clone()),
        ("catalog", report.catalog.clone()),
        ("gate", report.gate.selection()),
        (
            "verdict",
            if report.gate.passed { "pass" } else { "fail" }.to_owned(),
        ),
    ] {
        writeln!(
            w,
            r#"      <property name="{name}" value="{}"/>"#,
            attr(&value)
        )?;
    }
    writeln!(w, "    </properties>")?;
    for p in &report.principals {
        write_case(p, w)?;
    }
    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")
}

fn is_failure(f: &Finding) -> bool {
    f.fails_gate && f.waived.is_none()
}

fn write_case(p: &PrincipalDiff, w: &mut dyn Write) -> io::Result<()> {
    write!(
        w,
        r#"    <testcase classname="{}" name="{}""#,
        attr(&p.kind),
        attr(&p.name)
    )?;
    let out: Vec<String> = p
        .findings
        .iter()
        .filter(|f| !is_failure(f))
        .map(|f| match &f.waived {
            Some(x) => format!(
                "waived #{} ({}, approved by {}): {} {}: {}",
                x.index, x.reason, x.approved_by, f.code, f.severity, f.message
            ),
            None => format!("{} {}: {}", f.code, f.severity, f.message),
        })
        .collect();
    if out.is_empty() && !p.findings.iter().any(is_failure) {
        return writeln!(w, "/>");
    }
    writeln!(w, ">")?;
    for f in p.findings.iter().filter(|f| is_failure(f)) {
        writeln!(
            w,
            r#"      <failure message="{}" type="{}">{}</failure>"#,
            attr(&f.message),
            f.code,
            text(&details(f))
        )?;
    }
    if !out.is_empty() {
        writeln!(
            w,
            "      <system-out>{}</system-out>",
            text(&out.join("\n"))
        )?;
    }
    writeln!(w, "    </testcase>")
}

/// The failure's body: what, where, and the statements on both sides.
fn details(f: &Finding) -> String {
    let mut lines = vec![format!("{} ({}): {}", f.code, f.severity, f.message)];
    if !f.service.is_empty() {
        lines.push(format!("service: {}", f.service));
    }
    if !f.actions.is_empty() {
        lines.push(format!("actions: {}", f.actions.join(", ")));
    }
    if let Some(wit) = &f.witness {
        lines.push(format!("witness: {wit}"));
    }
    for (name, side) in [("before", &f.before), ("after", &f.after)] {
        let mut line = format!("{name}: {}", side.status);
        if !side.resources.is_empty() {
            line.push_str(&format!(" on {}", side.resources.join(", ")));
        }
        for c in &side.conditions {
            line.push_str(&format!(" if {c}"));
        }
        lines.push(line);
        for r in &side.routes {
            lines.push(format!("  {} ({})", r.summary(), r.file));
        }
    }
    lines.join("\n")
}

/// Escapes element text; characters XML 1.0 cannot hold become U+FFFD.
fn text(s: &str) -> String {
    escape(s, false)
}

/// Escapes an attribute value; line breaks and tabs as character references so a reader
/// does not normalize them to spaces.
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\n' if attribute => o.push_str("&#10;"),
            '\r' if attribute => o.push_str("&#13;"),
            '\t' if attribute => o.push_str("&#9;"),
            '\n' | '\r' | '\t' => o.push(c),
            c if allowed_in_xml(c) => o.push(c),
            _ => o.push('\u{FFFD}'),
        }
    }
    o
}

/// XML 1.0 `Char`, less the C1 controls and non-characters it discourages.
fn allowed_in_xml(c: char) -> bool {
    matches!(c,
        '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            attr("<a b=\"c\" d='e'>&\n\u{1b}"),
            "&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt;&amp;&#10;\u{FFFD}"
        );
        assert_eq!(text("x\ny\u{0}"), "x\ny\u{FFFD}");
    }
}
