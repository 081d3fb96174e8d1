//! Reports of `iamdiff cutover` (issue 11 item 1): the windows of a runbook replay, the
//! steps, the lines not followed and the proposed order, as a terminal table, Markdown,
//! HTML, JSON, SARIF (a result at the runbook line that opens each window) and JUnit
//! (one test case per step). Reports only read the [`Cutover`] result.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::diff::cutover::{Cutover, Lack, Window};

const SCHEMA_ID: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const DOC: &str = "docs/cutover.md";

/// The verdict line every format starts with.
pub fn verdict(c: &Cutover) -> String {
    let mut s = match c.windows.len() {
        0 => format!(
            "no window: nobody has less access at any of the {} steps",
            c.steps.len()
        ),
        n => format!(
            "{n} window(s): {} principal(s) have less access than at the start{} during the runbook",
            c.windows
                .iter()
                .map(|w| (&w.kind, &w.principal))
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            if c.with_after {
                " and than at the end (--after)"
            } else {
                ""
            }
        ),
    };
    if !c.complete {
        s.push_str(&format!(
            "; INCOMPLETE: {} line(s) not followed",
            c.unfollowed.len()
        ));
    }
    s
}

fn close_text(w: &Window) -> String {
    match w.closed {
        Some(n) => format!("step {n}"),
        None => "still open at the end".into(),
    }
}

/// Actions summarised by service: `s3 (lost 3: GetObject, PutObject, …)`.
fn lacks_text(lacks: &[Lack], max: usize) -> String {
    let mut by: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for l in lacks {
        by.entry((l.service.as_str(), l.code.as_str()))
            .or_default()
            .extend(l.actions.iter().map(String::as_str));
    }
    let services = by.len();
    let mut parts: Vec<String> = by
        .into_iter()
        .take(MAX_SERVICES)
        .map(|((svc, code), mut acts)| {
            acts.sort_unstable();
            acts.dedup();
            let shown: Vec<&str> = acts
                .iter()
                .take(max)
                .map(|a| a.split_once(':').map_or(*a, |x| x.1))
                .collect();
            let more = if acts.len() > max { ", …" } else { "" };
            format!("{svc} ({code} {}: {}{more})", acts.len(), shown.join(", "))
        })
        .collect();
    if services > MAX_SERVICES {
        let actions: usize = lacks.iter().map(|l| l.actions.len()).sum();
        parts.push(format!(
            "and {} more services ({actions} actions in all)",
            services - MAX_SERVICES
        ));
    }
    parts.join("; ")
}

/// Services a one-line summary names before counting the rest.
const MAX_SERVICES: usize = 6;

/// The statements that granted what a window lacks, and the steps that took it away.
fn responsible_all(lacks: &[Lack]) -> String {
    let mut steps: Vec<usize> = lacks.iter().map(|l| l.step).collect();
    steps.sort_unstable();
    steps.dedup();
    let mut routes: Vec<String> = Vec::new();
    for r in lacks.iter().flat_map(|l| &l.granted_by) {
        let t = format!("`{}` {} via {}", r.policy, r.statement, r.via);
        if !routes.contains(&t) {
            routes.push(t);
        }
    }
    let n = routes.len();
    routes.truncate(5);
    let more = if n > 5 {
        format!(" and {} more", n - 5)
    } else {
        String::new()
    };
    format!(
        "taken away by step {}; granted at the start by {}{more}",
        steps
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        if routes.is_empty() {
            "(nothing recorded)".to_owned()
        } else {
            routes.join(", ")
        }
    )
}

fn order_text(c: &Cutover) -> Option<String> {
    let r = c.reorder.as_ref()?;
    let steps: Vec<String> = r
        .order
        .iter()
        .map(|n| {
            let line = c
                .steps
                .iter()
                .find(|s| s.number == *n)
                .and_then(|s| s.place.line)
                .map(|l| format!(" (line {l})"))
                .unwrap_or_default();
            format!("{n}{line}")
        })
        .collect();
    Some(steps.join(", "))
}

pub fn write_table(c: &Cutover, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "iamdiff cutover: {}", c.runbook)?;
    writeln!(w, "{}", verdict(c))?;
    writeln!(w)?;
    if !c.windows.is_empty() {
        writeln!(w, "Windows")?;
        for win in &c.windows {
            writeln!(
                w,
                "  {} {}: from step {} ({}) to {}, {} step(s)",
                win.kind,
                win.principal,
                win.opened,
                win.opened_at,
                close_text(win),
                win.steps
            )?;
            writeln!(w, "    lacks {}", lacks_text(&win.lacks, 6))?;
            writeln!(w, "    {}", responsible_all(&win.lacks))?;
        }
        writeln!(w)?;
    }
    if let Some(r) = &c.reorder {
        if r.verified {
            writeln!(
                w,
                "Proposed order (replayed: no window): {}",
                order_text(c).unwrap_or_default()
            )?;
        } else {
            writeln!(
                w,
                "No order of these steps closes every window ({} remain):",
                r.remaining.len()
            )?;
            for reason in &r.reasons {
                writeln!(w, "  - {reason}")?;
            }
            writeln!(w, "Best order found: {}", order_text(c).unwrap_or_default())?;
        }
        writeln!(w)?;
    }
    writeln!(w, "Steps")?;
    for s in &c.steps {
        let mut note = String::new();
        if !s.opens.is_empty() {
            note.push_str(&format!("  opens: {}", s.opens.join(", ")));
        }
        if !s.closes.is_empty() {
            note.push_str(&format!("  closes: {}", s.closes.join(", ")));
        }
        writeln!(
            w,
            "  {:>4}  line {:<5} {:<26} touched {:<6} open {}{}",
            s.number,
            s.place.line.map(|l| l.to_string()).unwrap_or_default(),
            s.op,
            s.touched,
            s.open,
            note
        )?;
    }
    if !c.unfollowed.is_empty() {
        writeln!(w)?;
        writeln!(w, "Not followed (the replay is incomplete)")?;
        for u in &c.unfollowed {
            writeln!(w, "  {}: {}: {}", u.place, u.reason, u.text)?;
        }
    }
    if !c.warnings.is_empty() {
        writeln!(w)?;
        writeln!(w, "Warnings")?;
        for x in &c.warnings {
            writeln!(w, "  step {} ({}): {}", x.step, x.place, x.message)?;
        }
    }
    if !c.end_differs.is_empty() {
        writeln!(w)?;
        writeln!(w, "End state differs from --after")?;
        for d in &c.end_differs {
            writeln!(
                w,
                "  {} {}: {} {}: {}",
                d.kind,
                d.principal,
                d.what,
                d.service,
                d.actions.join(", ")
            )?;
        }
    }
    Ok(())
}

pub fn write_json(c: &Cutover, w: &mut dyn Write) -> io::Result<()> {
    let mut v = serde_json::to_value(c).map_err(super::json_io)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("verdict".into(), verdict(c).into());
        o.insert(
            "tool".into(),
            serde_json::json!({"name": "iamdiff", "version": env!("CARGO_PKG_VERSION")}),
        );
    }
    serde_json::to_writer_pretty(&mut *w, &v).map_err(super::json_io)?;
    writeln!(w)
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn write_markdown(c: &Cutover, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## iamdiff cutover: `{}`\n", md(&c.runbook))?;
    writeln!(w, "**{}**\n", md(&verdict(c)))?;
    if !c.windows.is_empty() {
        writeln!(w, "| principal | opens | closes | steps | lacks |")?;
        writeln!(w, "|---|---|---|---|---|")?;
        for win in &c.windows {
            writeln!(
                w,
                "| {} `{}` | step {} (line {}) | {} | {} | {} |",
                win.kind,
                md(&win.principal),
                win.opened,
                win.opened_at.line.unwrap_or(0),
                close_text(win),
                win.steps,
                md(&lacks_text(&win.lacks, 4))
            )?;
        }
        writeln!(w)?;
    }
    if let Some(r) = &c.reorder {
        if r.verified {
            writeln!(
                w,
                "**Proposed order** (replayed, no window): {}\n",
                order_text(c).unwrap_or_default()
            )?;
        } else {
            writeln!(w, "**No order of these steps closes every window.**\n")?;
            for reason in &r.reasons {
                writeln!(w, "- {}", md(reason))?;
            }
            writeln!(w)?;
        }
    }
    if !c.unfollowed.is_empty() {
        writeln!(
            w,
            "<details><summary>{} line(s) not followed</summary>\n",
            c.unfollowed.len()
        )?;
        for u in &c.unfollowed {
            writeln!(
                w,
                "- `{}`: {} — `{}`",
                md(&u.place.to_string()),
                md(&u.reason),
                md(&u.text)
            )?;
        }
        writeln!(w, "\n</details>\n")?;
    }
    if !c.end_differs.is_empty() {
        writeln!(
            w,
            "<details><summary>End state differs from --after</summary>\n"
        )?;
        for d in &c.end_differs {
            writeln!(
                w,
                "- {} `{}`: {} {}: {}",
                d.kind,
                md(&d.principal),
                d.what,
                d.service,
                md(&d.actions.join(", "))
            )?;
        }
        writeln!(w, "\n</details>")?;
    }
    Ok(())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn write_html(c: &Cutover, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>iamdiff cutover</title>"
    )?;
    writeln!(
        w,
        "<style>body{{font-family:system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}}.open{{background:#fde2e2}}</style></head><body>"
    )?;
    writeln!(
        w,
        "<h1>iamdiff cutover: {}</h1>\n<p><strong>{}</strong></p>",
        esc(&c.runbook),
        esc(&verdict(c))
    )?;
    if !c.windows.is_empty() {
        writeln!(
            w,
            "<h2>Windows</h2><table><tr><th>principal</th><th>opens</th><th>closes</th><th>steps</th><th>lacks</th></tr>"
        )?;
        for win in &c.windows {
            writeln!(
                w,
                "<tr><td>{} {}</td><td>step {} ({})</td><td>{}</td><td>{}</td><td>{}<br>{}</td></tr>",
                esc(&win.kind),
                esc(&win.principal),
                win.opened,
                esc(&win.opened_at.to_string()),
                esc(&close_text(win)),
                win.steps,
                esc(&lacks_text(&win.lacks, 6)),
                esc(&responsible_all(&win.lacks))
            )?;
        }
        writeln!(w, "</table>")?;
    }
    if let Some(r) = &c.reorder {
        if r.verified {
            writeln!(
                w,
                "<h2>Proposed order</h2><p>Replayed with no window: {}</p>",
                esc(&order_text(c).unwrap_or_default())
            )?;
        } else {
            writeln!(w, "<h2>No order closes every window</h2><ul>")?;
            for reason in &r.reasons {
                writeln!(w, "<li>{}</li>", esc(reason))?;
            }
            writeln!(w, "</ul>")?;
        }
    }
    writeln!(
        w,
        "<h2>Steps</h2><table><tr><th>#</th><th>line</th><th>operation</th><th>touched</th><th>open windows</th><th>command</th></tr>"
    )?;
    for s in &c.steps {
        writeln!(
            w,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            if s.open > 0 { " class=\"open\"" } else { "" },
            s.number,
            s.place.line.unwrap_or(0),
            s.op,
            s.touched,
            s.open,
            esc(&s.text)
        )?;
    }
    writeln!(w, "</table>")?;
    if !c.unfollowed.is_empty() {
        writeln!(w, "<h2>Not followed (the replay is incomplete)</h2><ul>")?;
        for u in &c.unfollowed {
            writeln!(
                w,
                "<li>{}: {} <code>{}</code></li>",
                esc(&u.place.to_string()),
                esc(&u.reason),
                esc(&u.text)
            )?;
        }
        writeln!(w, "</ul>")?;
    }
    writeln!(w, "</body></html>")
}

pub fn write_sarif(c: &Cutover, w: &mut dyn Write) -> io::Result<()> {
    let location = |p: &crate::model::Place| {
        let mut phys =
            serde_json::json!({ "artifactLocation": { "uri": p.file.replace('\\', "/") } });
        if let (Some(l), Some(col)) = (p.line, p.column)
            && let Some(o) = phys.as_object_mut()
        {
            o.insert(
                "region".into(),
                serde_json::json!({ "startLine": l, "startColumn": col }),
            );
        }
        serde_json::json!([{ "physicalLocation": phys }])
    };
    let mut results: Vec<serde_json::Value> = c
        .windows
        .iter()
        .map(|win| {
            serde_json::json!({
                "ruleId": "cutover-window",
                "ruleIndex": 0,
                "level": "error",
                "message": { "text": format!(
                    "{} `{}` has less access from step {} to {} ({} step(s)): lacks {}",
                    win.kind, win.principal, win.opened, close_text(win), win.steps, lacks_text(&win.lacks, 6)
                )},
                "locations": location(&win.opened_at),
                "properties": { "principal": win.principal, "kind": win.kind, "opened": win.opened, "closed": win.closed },
            })
        })
        .collect();
    results.extend(c.unfollowed.iter().map(|u| {
        serde_json::json!({
            "ruleId": "cutover-unfollowed",
            "ruleIndex": 1,
            "level": "warning",
            "message": { "text": format!("not followed: {}", u.reason) },
            "locations": location(&u.place),
        })
    }));
    let log = serde_json::json!({
        "$schema": SCHEMA_ID,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "iamdiff",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": [
                    { "id": "cutover-window", "name": "CutoverWindow",
                      "shortDescription": { "text": "a principal has less access during the runbook than at its start (and end)" },
                      "help": { "text": format!("Run the additive steps first (see the proposed order). See {DOC}.") },
                      "defaultConfiguration": { "level": "error" } },
                    { "id": "cutover-unfollowed", "name": "CutoverUnfollowed",
                      "shortDescription": { "text": "a runbook line iamdiff could not follow: the replay is incomplete" },
                      "help": { "text": format!("Write the line as a plain AWS CLI call, or as a YAML step. See {DOC}.") },
                      "defaultConfiguration": { "level": "warning" } },
                ],
            }},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *w, &log).map_err(super::json_io)?;
    writeln!(w)
}

pub fn write_junit(c: &Cutover, w: &mut dyn Write) -> io::Result<()> {
    let failures = c.steps.iter().filter(|s| !s.opens.is_empty()).count();
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        w,
        "<testsuites name=\"iamdiff cutover\" tests=\"{}\" failures=\"{failures}\">",
        c.steps.len()
    )?;
    writeln!(
        w,
        "<testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{}\">",
        esc(&c.runbook),
        c.steps.len(),
        usize::from(!c.complete)
    )?;
    for s in &c.steps {
        writeln!(
            w,
            "<testcase classname=\"cutover\" name=\"step {} line {}: {}\">",
            s.number,
            s.place.line.unwrap_or(0),
            esc(s.op)
        )?;
        if !s.opens.is_empty() {
            let msgs: Vec<String> = c
                .windows
                .iter()
                .filter(|win| win.opened == s.number)
                .map(|win| {
                    format!(
                        "{} {}: until {}: lacks {}",
                        win.kind,
                        win.principal,
                        close_text(win),
                        lacks_text(&win.lacks, 6)
                    )
                })
                .collect();
            writeln!(
                w,
                "<failure message=\"opens {} window(s)\">{}</failure>",
                s.opens.len(),
                esc(&msgs.join("\n"))
            )?;
        }
        writeln!(w, "</testcase>")?;
    }
    if !c.complete {
        writeln!(
            w,
            "<testcase classname=\"cutover\" name=\"lines not followed\"><skipped message=\"{} line(s) not followed: the replay is incomplete\"/></testcase>",
            c.unfollowed.len()
        )?;
    }
    writeln!(w, "</testsuite>\n</testsuites>")
}
