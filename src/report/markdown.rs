//! The diff report as GitHub-flavoured Markdown, for a pull-request comment or a CI step
//! summary: the verdict first, a table of who is hit hardest, then one collapsible section
//! per principal with its findings grouped by service.
//!
//! Everything that comes from inputs is escaped twice over: for Markdown (`|`, `*`, `_`,
//! `[`, `]`, backticks, `~`, `\`) and for HTML (`<`, `>`, `&`), since GitHub renders HTML in
//! Markdown. Inside raw HTML (`<summary>`) Markdown escapes are not processed, so there
//! only HTML escaping is used. Lists are capped (50 findings per principal, 100 rows per
//! table) and the principals' sections stop before GitHub's 65,536-character comment limit,
//! each cut saying how much more the HTML and JSON reports hold.

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
const COMMENT_BUDGET: usize = 60_000;
/// Actions shown per finding.
const SHOW_ACTIONS: usize = 10;
/// Resources shown per side.
const SHOW_RESOURCES: usize = 3;

pub fn write_markdown(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    // the verdict, summary and tables first, the warnings, waivers and footer last; the
    // principals' sections fill what GitHub's comment limit leaves between them
    let mut head = Vec::new();
    write_head(report, &mut head)?;
    let mut tail = Vec::new();
    write_warnings(report, &mut tail)?;
    write_waivers(&report.waivers, &mut tail)?;
    writeln!(
        tail,
        "<sub>{} · catalog {} · before: {} · after: {}</sub>",
        html(&report.tool),
        html(&report.catalog),
        html(&report.before.sources.join(", ")),
        html(&report.after.sources.join(", "))
    )?;
    w.write_all(&head)?;
    if !report.principals.is_empty() {
        writeln!(w, "### Findings by principal\n")?;
        let budget = COMMENT_BUDGET.saturating_sub(head.len() + tail.len());
        let mut used = 0;
        for (i, p) in report.principals.iter().enumerate() {
            let mut section = Vec::new();
            write_principal(p, &mut section)?;
            used += section.len();
            if used > budget {
                writeln!(
                    w,
                    "… {} more principals in the HTML/JSON report\n",
                    report.principals.len() - i
                )?;
                break;
            }
            w.write_all(&section)?;
        }
    }
    w.write_all(&tail)
}

fn write_head(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## iamdiff: IAM migration diff\n")?;
    let (word, text) = report.gate.verdict();
    let icon = if report.gate.passed { "✅" } else { "❌" };
    writeln!(w, "{icon} **{word}** — {}\n", md(&text))?;

    let s = &report.summary;
    let c = &s.counts;
    writeln!(
        w,
        "{} principals compared: **{} changed**, **{} removed**, **{} new**. \
         Actions lost: **{}** ({} action × resource-type pairs) · narrowed: {} ({}) · \
         conditional: {} ({}) · gained: {} ({}) · needs review: {}\n",
        s.compared,
        s.changed,
        s.removed,
        s.new,
        c.lost,
        c.lost_pairs,
        c.narrowed,
        c.narrowed_pairs,
        c.conditional,
        c.conditional_pairs,
        c.gained,
        c.gained_pairs,
        c.review
    )?;
    // the causes first, ranked by impact (issue 12)
    super::causes::write_markdown(report, w)?;
    if report.principals.is_empty() {
        writeln!(w, "No principal changed.\n")
    } else {
        write_summary_table(report, w)
    }
}

fn write_summary_table(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    // who is hit hardest first, ranked as the changes are (issue 12)
    let order = super::causes::ranked_principals(report);
    writeln!(
        w,
        "| Principal | Status | Lost | Lost pairs | Narrowed | Conditional | Gained | Gained pairs | Review | Max severity | Gate |"
    )?;
    writeln!(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|---|:-:|")?;
    for p in order.iter().take(MAX_LIST) {
        let n = &p.counts;
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            md(&principal_label(p)),
            p.status.as_str(),
            n.lost,
            n.lost_pairs,
            n.narrowed,
            n.conditional,
            n.gained,
            n.gained_pairs,
            n.review,
            p.max_severity,
            if p.fails_gate { "❌ fail" } else { "pass" }
        )?;
    }
    if order.len() > MAX_LIST {
        writeln!(
            w,
            "\n… {} more principals in the HTML/JSON report",
            order.len() - MAX_LIST
        )?;
    }
    writeln!(w)
}

fn write_principal(p: &PrincipalDiff, w: &mut dyn Write) -> io::Result<()> {
    let failing = p.findings.iter().filter(|f| f.fails_gate).count();
    let mut bits = vec![
        p.status.as_str().to_owned(),
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
    writeln!(
        w,
        "| Service | Finding | Actions | Witness | Before | After | Why |"
    )?;
    writeln!(w, "|---|---|---|---|---|---|---|")?;
    for f in p.findings.iter().take(MAX_ROWS) {
        write_finding_row(f, w)?;
    }
    if p.findings.len() > MAX_ROWS {
        writeln!(
            w,
            "\n… {} more in the HTML/JSON report",
            p.findings.len() - MAX_ROWS
        )?;
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
    // the causes' ids, listed under "Changes by impact" (issue 12)
    let waiver = format!(
        "{}{}{waiver}",
        f.causes.join(" "),
        if waiver.is_empty() { "" } else { "<br>" }
    );
    writeln!(
        w,
        "| {service} | **{}** · {}{gate}<br>{} | {actions} | {} | {} | {} | {waiver} |",
        f.code,
        f.severity,
        md(&f.message),
        f.witness.as_deref().map(md).unwrap_or_default(),
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
    for r in &s.routes {
        lines.push(md(&r.summary()));
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
        writeln!(w, "- … {} more in the HTML/JSON report", n - MAX_LIST)?;
    }
    writeln!(w)
}

fn write_waivers(waivers: &[WaiverStatus], w: &mut dyn Write) -> io::Result<()> {
    if waivers.is_empty() {
        return Ok(());
    }
    writeln!(w, "### Waivers ({})\n", waivers.len())?;
    writeln!(
        w,
        "| # | Principal | Action | Resource | State | Matched | Reason | Approved by | Expires |"
    )?;
    writeln!(w, "|--:|---|---|---|---|--:|---|---|---|")?;
    for x in waivers.iter().take(MAX_LIST) {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            x.index,
            md(&x.principal),
            md(&x.action),
            x.resource.as_deref().map(md).unwrap_or_else(|| "—".into()),
            x.state.as_str(),
            x.matched,
            md(&x.reason),
            md(&x.approved_by),
            x.expires.as_deref().map(md).unwrap_or_else(|| "—".into()),
        )?;
    }
    if waivers.len() > MAX_LIST {
        writeln!(
            w,
            "\n… {} more in the HTML/JSON report",
            waivers.len() - MAX_LIST
        )?;
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
/// reads as HTML. Line breaks become `<br>` so a value cannot end a table row.
pub fn md(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '|' => o.push_str("\\|"),
            '`' => o.push_str("\\`"),
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
    o
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
            md("<img src=x>|`*_[]&\\~"),
            "&lt;img src=x&gt;\\|\\`\\*\\_\\[\\]&amp;\\\\\\~"
        );
        assert_eq!(md("a\nb"), "a<br>b");
        assert_eq!(html("<b a=\"'\">&"), "&lt;b a=&quot;&#39;&quot;&gt;&amp;");
    }
}
