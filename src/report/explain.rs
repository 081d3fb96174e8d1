//! Renders an [`Explanation`]: a text page for people, and the stable JSON contract
//! `{"decision": ..., "statements": [...], ...}` for scripts.

use std::io::{self, Write};

use crate::catalog::Catalog;
use crate::eval::explain::Explanation;

use super::effective::origin_text;

pub fn write_text(e: &Explanation, catalog: &Catalog, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "decision: {}", e.decision.as_str())?;
    writeln!(
        w,
        "principal: {} {}{}",
        e.principal_kind,
        e.principal,
        e.principal_arn
            .as_deref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default()
    )?;
    let level = catalog
        .lookup(&e.action)
        .and_then(|id| catalog.action(id))
        .map(|a| format!(" [{}]", a.level))
        .unwrap_or_else(|| " [not in the catalog]".to_owned());
    writeln!(w, "action: {}{level}", e.action)?;
    writeln!(w, "resource: {}", e.resource.as_deref().unwrap_or("(any)"))?;
    if !e.reasons.is_empty() {
        writeln!(w, "because:")?;
        for r in &e.reasons {
            writeln!(w, "  - {r}")?;
        }
    }
    if e.statements.is_empty() {
        writeln!(w, "statements: none matches this action")?;
        return Ok(());
    }
    writeln!(w, "statements:")?;
    for s in &e.statements {
        writeln!(
            w,
            "  {:<5} {:<22} {} via {}",
            match s.effect {
                crate::model::Effect::Allow => "ALLOW",
                crate::model::Effect::Deny => "DENY",
            },
            s.outcome,
            origin_text(&s.origin),
            s.via
        )?;
        writeln!(
            w,
            "        file: {}{}",
            s.origin.file,
            s.origin
                .pointer
                .as_deref()
                .map(|p| format!(" (at {p})"))
                .unwrap_or_default()
        )?;
        writeln!(w, "        resources: {}", s.resources.join(", "))?;
        for u in &s.unresolved {
            writeln!(w, "        unresolved: {u}")?;
        }
        if s.condition != "true" || !s.unknown_keys.is_empty() {
            write!(w, "        condition: {}", s.condition)?;
            if !s.unknown_keys.is_empty() {
                write!(w, " (not given: {})", s.unknown_keys.join(", "))?;
            }
            writeln!(w)?;
        }
    }
    Ok(())
}

pub fn write_json(e: &Explanation, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, e).map_err(crate::report::json_io)?;
    writeln!(w)
}
