//! The diff report as GitHub-flavoured Markdown, for a pull-request comment or a CI step
//! summary: the verdict first, then the changes that cause the findings ranked by impact,
//! the people (principals) ranked the same way, one collapsible section per principal
//! whose "Why" column names each finding's causes, and last the sign-off and an
//! attestation block for the reviewer.
//!
//! GitHub rejects a comment over 65,536 characters. The budget is spent in that order —
//! the verdict, the changes, then the people — and within each list in rank order
//! (failing first, then the highest access level, then the most people and actions
//! lost): a row or section that does not fit is skipped and the next, smaller one tried,
//! never a stop at the first that does not fit; the worst principal is always shown, cut
//! to the rows that fit. Every table has at most six columns. Paths are relative to
//! `--source-root`, and `--report-url` adds a line pointing at the full report.
//!
//! Everything that comes from inputs is escaped for Markdown (`|`, `*`, `_`, `[`, `]`,
//! `~`, `\`) and for HTML (`<`, `>`, `&`), since GitHub renders HTML in Markdown; text
//! between backticks becomes `<code>` (so no escaped backtick shows literally). Inside
//! raw HTML (`<summary>`) only HTML escaping is used.

use std::io::{self, Write};

use super::diff::{DiffReport, PrincipalDiff, WaiverStatus};
use super::table::abbreviate;
use crate::diff::findings::{Finding, Side};

/// Findings shown per principal before `… N more`.
pub const MAX_ROWS: usize = 50;
/// Rows of the summary, warnings and waivers lists.
pub const MAX_LIST: usize = 100;
/// GitHub rejects a comment over 65,536 characters; this leaves a margin for a header a
/// CI step may add.
pub const COMMENT_BUDGET: usize = 60_000;

/// Inputs listed with their digests in the comment's sign-off: an organization's export
/// has hundreds of files, whose table alone would leave no room for the findings.
pub const MAX_INPUTS: usize = 20;
/// Actions shown per finding.
const SHOW_ACTIONS: usize = 10;
/// Resources shown per side.
const SHOW_RESOURCES: usize = 3;
/// Routes shown per side of a finding (the JSON report lists them all).
const SHOW_ROUTES: usize = 5;

pub fn write_markdown(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let text = render(report)?;
    w.write_all(text.as_bytes())
}

/// The whole comment; its length in characters stays within [`COMMENT_BUDGET`].
///
/// The verdict and the closing sign-off and attestation are always written; the budget
/// between them is spent in order: the changes table (at most half of it), the people
/// ranking (at most half of what is left), then the principals' sections. Each list is
/// in rank order and a row or section that does not fit is skipped, never a stop.
pub fn render(report: &DiffReport) -> io::Result<String> {
    let order = super::causes::ranked_principals(report);
    let mut head = Vec::new();
    write_head(report, &mut head)?;
    let mut tail = Vec::new();
    write_warnings(report, &mut tail)?;
    write_waivers(report, &mut tail)?;
    write_sign_off(report, &mut tail)?;
    write_attestation(&mut tail)?;
    let mut out = String::from_utf8_lossy(&head).into_owned();
    let tail = String::from_utf8_lossy(&tail).into_owned();
    // room for the headings and the notes on what was skipped
    let mut budget = COMMENT_BUDGET.saturating_sub(chars(&out) + chars(&tail) + 600);

    // the changes that cause the findings, ranked by impact (root causes, issue 12)
    let changes = changes_table(report, budget / 2);
    budget = budget.saturating_sub(chars(&changes));
    out.push_str(&changes);

    if order.is_empty() {
        out.push_str("No principal changed.\n\n");
    } else {
        let people = summary_table(&order, budget / 2);
        budget = budget.saturating_sub(chars(&people));
        out.push_str(&people);
        out.push_str("### Findings by principal, most severe first\n\n");
        let mut used = 0;
        let mut skipped = 0;
        for (i, p) in order.iter().enumerate() {
            let section = if i == 0 {
                // the worst principal is always shown: fewer rows until it fits
                let mut rows = MAX_ROWS;
                let mut section = principal_section(p, rows)?;
                while used + chars(&section) > budget && rows > 0 {
                    rows /= 2;
                    section = principal_section(p, rows)?;
                }
                section
            } else {
                // the others as they fit, each written no further than the room left
                // (thousands of principals are skipped once the comment is full)
                match section_within(p, MAX_ROWS, budget.saturating_sub(used))? {
                    Some(section) => section,
                    None => {
                        skipped += 1;
                        continue;
                    }
                }
            };
            used += chars(&section);
            out.push_str(&section);
        }
        if skipped > 0 {
            out.push_str(&format!(
                "… {skipped} more {} did not fit in a comment: see the full report\n\n",
                if skipped == 1 {
                    "principal"
                } else {
                    "principals"
                }
            ));
        }
    }
    out.push_str(&tail);
    Ok(out)
}

/// Characters as GitHub counts them (not bytes).
fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Rows in order while they fit in `budget` characters, at most [`MAX_LIST`]; a row
/// that does not fit is skipped and the next tried. Returns the rows and how many were
/// left out.
fn fit_rows(rows: Vec<String>, budget: usize) -> (String, usize) {
    let mut out = String::new();
    let mut used = 0;
    let mut shown = 0;
    let total = rows.len();
    for row in rows {
        let n = chars(&row);
        if shown == MAX_LIST || used + n > budget {
            continue;
        }
        used += n;
        shown += 1;
        out.push_str(&row);
    }
    (out, total - shown)
}

fn principal_section(p: &PrincipalDiff, rows: usize) -> io::Result<String> {
    Ok(section_within(p, rows, usize::MAX)?.unwrap_or_default())
}

/// [`principal_section`] when it fits in `room` characters, `None` when it does not:
/// the writing stops as soon as the section outgrows the room.
fn section_within(p: &PrincipalDiff, rows: usize, room: usize) -> io::Result<Option<String>> {
    let mut w = Capped {
        buf: Vec::new(),
        chars: 0,
        room,
    };
    match write_principal(p, rows, &mut w) {
        Ok(()) => Ok(Some(String::from_utf8_lossy(&w.buf).into_owned())),
        Err(_) if w.chars > room => Ok(None),
        Err(e) => Err(e),
    }
}

/// A buffer that refuses what would take it past `room` characters (UTF-8 lead bytes,
/// as [`chars`] counts them whatever the pieces written).
struct Capped {
    buf: Vec<u8>,
    chars: usize,
    room: usize,
}

impl Write for Capped {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.chars += bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count();
        if self.chars > self.room {
            return Err(io::Error::other("the section does not fit"));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn write_head(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## iamdiff: IAM migration diff\n")?;
    let (word, text) = report.gate.verdict();
    let icon = if report.gate.passed { "✅" } else { "❌" };
    writeln!(w, "{icon} **{word}** — {}\n", md(&text))?;
    if let Some(url) = &report.report_url {
        writeln!(w, "Full report: <{}>\n", url.replace(['<', '>', ' '], ""))?;
    }

    let s = &report.summary;
    let c = &s.counts;
    writeln!(w, "{}\n", md(&super::diff::compared_sentence(s)))?;
    writeln!(
        w,
        "Actions lost: **{}** ({} action × resource-type pairs) · narrowed: {} ({}) · \
         conditional: {} ({}) · gained: {} ({}) · needs review: {}\n",
        c.lost,
        c.lost_pairs,
        c.narrowed,
        c.narrowed_pairs,
        c.conditional,
        c.conditional_pairs,
        c.gained,
        c.gained_pairs,
        c.review
    )
}

/// The changes that cause findings, ranked by impact, in at most `budget` characters
/// (issue 12 item 1): empty when no change causes a finding.
fn changes_table(report: &DiffReport, budget: usize) -> String {
    use super::causes::{impact_phrase, shown};
    let rows: Vec<String> = shown(report)
        .map(|c| {
            format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                md(&c.id),
                md(&c.summary),
                md(&impact_phrase(c)),
                super::causes::severity_text(c),
                c.impact.principals,
                if c.impact.failing > 0 {
                    "❌ fail"
                } else {
                    "pass"
                }
            )
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("### Changes by impact\n\n");
    out.push_str("| # | Change | Impact | Severity | Principals | Gate |\n");
    out.push_str("|---|---|---|---|--:|:-:|\n");
    let (fitted, left) = fit_rows(rows, budget.saturating_sub(chars(&out)));
    out.push_str(&fitted);
    if left > 0 {
        out.push_str(&format!(
            "\n… {left} more {} in the full report\n",
            if left == 1 { "change" } else { "changes" }
        ));
    }
    out.push('\n');
    out
}

/// The people ranking (the order every format uses), in at most `budget` characters.
fn summary_table(order: &[&PrincipalDiff], budget: usize) -> String {
    let rows: Vec<String> = order
        .iter()
        .map(|p| {
            let n = &p.counts;
            let mut other = Vec::new();
            for (k, v) in [
                ("narrowed", n.narrowed),
                ("conditional", n.conditional),
                ("gained", n.gained),
                ("review", n.review),
            ] {
                if v > 0 {
                    other.push(format!("{v} {k}"));
                }
            }
            format!(
                "| {} | {} | {} | {} ({}) | {} | {} |\n",
                md(&principal_label(p)),
                p.status.as_str(),
                p.max_severity,
                n.lost,
                n.lost_pairs,
                if other.is_empty() {
                    "—".to_owned()
                } else {
                    other.join(" · ")
                },
                if p.fails_gate { "❌ fail" } else { "pass" }
            )
        })
        .collect();
    let mut out = String::from("### People, most severe first\n\n");
    out.push_str("| Principal | Status | Severity | Lost (pairs) | Other changes | Gate |\n");
    out.push_str("|---|---|---|--:|---|:-:|\n");
    let (fitted, left) = fit_rows(rows, budget.saturating_sub(chars(&out)));
    out.push_str(&fitted);
    if left > 0 {
        out.push_str(&format!(
            "\n… {left} more {} in the full report\n",
            if left == 1 { "principal" } else { "principals" }
        ));
    }
    out.push('\n');
    out
}

fn write_principal(p: &PrincipalDiff, rows: usize, w: &mut dyn Write) -> io::Result<()> {
    let failing = p.findings.iter().filter(|f| f.fails_gate).count();
    let mut bits = vec![
        p.status.as_str().to_owned(),
        p.max_severity.to_string(),
        count(p.findings.len(), "finding"),
    ];
    if failing > 0 {
        bits.push(format!("{failing} failing"));
    }
    if p.counts.lost > 0 {
        bits.push(format!("{} lost", count(p.counts.lost, "action")));
    }
    writeln!(
        w,
        "<details><summary>{} <b>{}</b> — {}</summary>\n",
        if p.fails_gate { "❌" } else { "➖" },
        html(&principal_label(p)),
        html(&bits.join(" · "))
    )?;
    if let (Some(a), Some(b)) = (&p.arn_before, &p.arn_after) {
        if a == b {
            writeln!(w, "ARN: {}\n", md(a))?;
        } else {
            writeln!(w, "ARN before: {} · after: {}\n", md(a), md(b))?;
        }
    } else if let Some(a) = p.arn_before.as_ref().or(p.arn_after.as_ref()) {
        writeln!(w, "ARN: {}\n", md(a))?;
    }
    if rows > 0 {
        writeln!(w, "| Service | Finding | Actions | Before | After | Why |")?;
        writeln!(w, "|---|---|---|---|---|---|")?;
        // failing findings first, then the most severe
        let mut fs: Vec<&Finding> = p.findings.iter().collect();
        fs.sort_by(|a, b| {
            b.fails_gate
                .cmp(&a.fails_gate)
                .then_with(|| b.severity.cmp(&a.severity))
        });
        for f in fs.iter().take(rows) {
            write_finding_row(f, w)?;
        }
    }
    if p.findings.len() > rows {
        writeln!(w, "\n… {} more in the full report", p.findings.len() - rows)?;
    }
    writeln!(w, "\n</details>\n")
}

fn write_finding_row(f: &Finding, w: &mut dyn Write) -> io::Result<()> {
    let gate = if f.fails_gate {
        " · ❌ fails the gate"
    } else {
        ""
    };
    let service = if f.service.is_empty() {
        "—".to_owned()
    } else {
        md(&f.service)
    };
    let actions = if f.actions.is_empty() {
        "—".to_owned()
    } else {
        md(&abbreviate(&f.short_actions(), SHOW_ACTIONS))
    };
    let waiver = match &f.waived {
        Some(x) => format!(
            "✔ waived (#{}): {} — approved by {}{}",
            x.index,
            md(&x.reason),
            md(&x.approved_by),
            x.expires
                .as_deref()
                .map(|e| format!(", until {}", md(e)))
                .unwrap_or_default()
        ),
        None => String::new(),
    };
    // the causes' ids, listed under "Changes by impact", then any waiver (issue 12)
    let why = [
        md(&f.causes.join(" ")),
        md(&super::causes::lint_why(f)),
        waiver,
    ]
    .into_iter()
    .filter(|x| !x.is_empty())
    .collect::<Vec<_>>()
    .join("<br>");
    let witness = f
        .witness
        .as_deref()
        .map(|x| format!("<br>e.g. {}", md(x)))
        .unwrap_or_default();
    writeln!(
        w,
        "| {service} | **{}** · {}{gate}<br>{}{witness} | {actions} | {} | {} | {why} |",
        f.code,
        f.severity,
        md(&f.message),
        side_cell(&f.before),
        side_cell(&f.after),
    )
}

/// `**allowed** on r1, r2<br>if cond<br>policy v2, Sid X, via group g`.
fn side_cell(s: &Side) -> String {
    let mut lines = Vec::new();
    let mut first = if s.status.is_empty() {
        "—".to_owned()
    } else {
        format!("**{}**", md(&s.status))
    };
    if !s.resources.is_empty() {
        let shown: Vec<&str> = s.resources.iter().map(String::as_str).collect();
        first.push_str(" on ");
        first.push_str(&md(&abbreviate(&shown, SHOW_RESOURCES)));
    }
    lines.push(first);
    for c in &s.conditions {
        lines.push(format!("if {}", md(c)));
    }
    for r in s.routes.iter().take(SHOW_ROUTES) {
        lines.push(md(&r.summary()));
    }
    if s.routes.len() > SHOW_ROUTES {
        lines.push(format!(
            "… and {} more routes",
            s.routes.len() - SHOW_ROUTES
        ));
    }
    lines.join("<br>")
}

fn write_warnings(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let n = report.before.warnings.len() + report.after.warnings.len();
    if n == 0 {
        return Ok(());
    }
    writeln!(w, "### Input warnings ({n})\n")?;
    let all = [("before", &report.before), ("after", &report.after)]
        .into_iter()
        .flat_map(|(side, info)| info.warnings.iter().map(move |x| (side, x)));
    for (side, x) in all.take(MAX_LIST) {
        writeln!(
            w,
            "- {side} · `{}` · {}: {}",
            x.code.as_str(),
            md(&x.place.to_string()),
            md(&x.message)
        )?;
    }
    if n > MAX_LIST {
        writeln!(w, "- … {} more in the full report", n - MAX_LIST)?;
    }
    writeln!(w)
}

fn write_waivers(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let waivers: &[WaiverStatus] = &report.waivers;
    if waivers.is_empty() {
        return Ok(());
    }
    writeln!(w, "### Waivers used ({})\n", waivers.len())?;
    writeln!(
        w,
        "| # | Waiver | State | Matched | Reason · approved by | Expires |"
    )?;
    writeln!(w, "|--:|---|---|---|---|---|")?;
    for x in waivers.iter().take(MAX_LIST) {
        writeln!(
            w,
            "| {} | {} · {}{} | {} | {} | {} · {} | {} |",
            x.index,
            md(&x.principal),
            md(&x.action),
            x.resource
                .as_deref()
                .map(|r| format!(" · {}", md(r)))
                .unwrap_or_default(),
            x.state.as_str(),
            md(&report.waiver_matches(x)),
            md(&x.reason),
            md(&x.approved_by),
            x.expires.as_deref().map(md).unwrap_or_else(|| "—".into()),
        )?;
    }
    if waivers.len() > MAX_LIST {
        writeln!(
            w,
            "\n… {} more in the full report",
            waivers.len() - MAX_LIST
        )?;
    }
    writeln!(w)
}

/// What a sign-off needs: tool and catalog, inputs with their digests, the gate, when.
fn write_sign_off(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let s = super::diff::SignOff::of(report);
    writeln!(w, "### Sign-off\n")?;
    writeln!(w, "- Tool: {} · catalog: {}", md(s.tool), md(s.catalog))?;
    writeln!(w, "- Gate: {}", md(&s.gate))?;
    writeln!(w, "- Generated: {}", md(&s.generated))?;
    writeln!(w, "- Waivers used: {}", md(&s.waivers))?;
    if s.inputs.is_empty() {
        writeln!(w, "- Inputs: {}", md(&s.sources))?;
    }
    writeln!(w)?;
    if !s.inputs.is_empty() {
        writeln!(w, "| Input | Role | SHA-256 |")?;
        writeln!(w, "|---|---|---|")?;
        for i in s.inputs.iter().take(MAX_INPUTS) {
            writeln!(
                w,
                "| {} | {} | <code>{}</code> |",
                md(&i.uri),
                md(&i.role),
                i.sha256
                    .as_deref()
                    .map(html)
                    .unwrap_or_else(|| "— (not a file)".into())
            )?;
        }
        if s.inputs.len() > MAX_INPUTS {
            writeln!(
                w,
                "\n… {} more inputs: the JSON and SARIF reports list every input with its SHA-256",
                s.inputs.len() - MAX_INPUTS
            )?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// The block the reviewer fills in.
fn write_attestation(w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "### Attestation\n")?;
    writeln!(w, "| Field | Entry |")?;
    writeln!(w, "|---|---|")?;
    for field in super::diff::ATTESTATION_FIELDS {
        writeln!(w, "| {field} | &nbsp; |")?;
    }
    writeln!(w)
}

fn principal_label(p: &PrincipalDiff) -> String {
    match &p.before_name {
        Some(b) => format!("{} {} (was {b})", p.kind, p.name),
        None => format!("{} {}", p.kind, p.name),
    }
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Escapes text for a Markdown context (a table cell or a paragraph) that GitHub also
/// reads as HTML. Line breaks become `<br>` so a value cannot end a table row; text
/// between backticks becomes `<code>` (a lone backtick a plain `'`).
pub fn md(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    let spans: Vec<&str> = s.split('`').collect();
    let last = spans.len().saturating_sub(1);
    for (i, span) in spans.iter().enumerate() {
        if i % 2 == 1 && (i < last || last.is_multiple_of(2)) {
            // a code span: HTML-escaped, and `|` as an entity so it cannot split a cell
            o.push_str("<code>");
            o.push_str(&html(span).replace('|', "&#124;").replace('\n', " "));
            o.push_str("</code>");
            continue;
        }
        if i > 0 && i % 2 == 1 {
            o.push('\'');
        }
        md_text(span, &mut o);
    }
    o
}

fn md_text(s: &str, o: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '|' => o.push_str("\\|"),
            '*' => o.push_str("\\*"),
            '_' => o.push_str("\\_"),
            '[' => o.push_str("\\["),
            ']' => o.push_str("\\]"),
            '~' => o.push_str("\\~"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '\n' => o.push_str("<br>"),
            '\r' => {}
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
}

/// Escapes text inside raw HTML (`<summary>`), where Markdown escapes would show literally.
pub fn html(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown_and_html() {
        assert_eq!(
            md("<img src=x>|*_[]&\\~"),
            "&lt;img src=x&gt;\\|\\*\\_\\[\\]&amp;\\\\\\~"
        );
        assert_eq!(
            md("policy `a|b<c>` x"),
            "policy <code>a&#124;b&lt;c&gt;</code> x"
        );
        assert_eq!(md("it`s"), "it's");
        assert!(!md("`a` `b").contains('`'));
        assert_eq!(md("a\nb"), "a<br>b");
        assert_eq!(html("<b a=\"'\">&"), "&lt;b a=&quot;&#39;&quot;&gt;&amp;");
    }

    // a section written only as far as the room left: the same text when it fits, none
    // when it does not, counted in characters (a non-ASCII name) as `chars` counts them
    #[test]
    fn a_section_within_room_is_the_section_that_fits() -> Result<(), Box<dyn std::error::Error>> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/reports/examples/iamdiff-report.json"
        );
        let mut report = crate::report::json::from_str(&std::fs::read_to_string(path)?)?;
        if let Some(p) = report.principals.first_mut() {
            p.name = format!("ünïcødé-{}", p.name);
        }
        assert!(!report.principals.is_empty());
        for p in &report.principals {
            let full = principal_section(p, MAX_ROWS)?;
            let n = chars(&full);
            assert!(n < full.len() || !p.name.starts_with('ü'));
            for room in [0, n / 2, n.saturating_sub(1), n, n + 1, 10 * n] {
                let within = section_within(p, MAX_ROWS, room)?;
                assert_eq!(
                    within,
                    (n <= room).then(|| full.clone()),
                    "room {room} of {n}"
                );
            }
        }
        Ok(())
    }

    // issue 8 and 12: an organization's hundreds of input files once filled the comment's
    // budget with their digests, leaving the changes and people tables empty
    #[test]
    fn many_inputs_leave_room_for_the_findings() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/reports/examples/iamdiff-report.json"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let mut report = crate::report::json::from_str(&text).unwrap();
        let one = report.provenance.inputs.first().cloned().unwrap();
        report.provenance.inputs = (0..900)
            .map(|i| {
                let mut f = one.clone();
                f.uri = format!("org/before/accounts/{:012}.json", 100_000_000_000u64 + i);
                f.path = f.uri.clone();
                f
            })
            .collect();
        let comment = render(&report).unwrap();
        assert!(chars(&comment) <= COMMENT_BUDGET, "{}", chars(&comment));
        assert!(comment.contains("… 880 more inputs"));
        let changes = comment.split("### Changes by impact").nth(1).unwrap();
        let table = changes.split("\n\n").nth(1).unwrap();
        assert!(
            table.lines().count() > 2,
            "the changes table has rows: {table}"
        );
    }
}
