//! The lint report (issue 11 item 2): the findings of [`crate::eval::lint`] as a table,
//! JSON, Markdown or SARIF 2.1.0 (one rule per lint code, with the help text of
//! docs/lint.md's section, one result per finding at its file, line and column). Plain
//! presentation: the findings come sorted and located.

use serde::Serialize;
use std::io::{self, Write};

use crate::eval::lint::{LintFinding, Rule, Severity};

/// Schema id of the JSON output; bumped on any incompatible change.
pub const SCHEMA: &str = "iamdiff/lint/v1";
const LINT_DOC: &str = "docs/lint.md";
const SCHEMA_ID: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub struct LintReport<'a> {
    pub findings: &'a [LintFinding],
    /// The inputs, as given.
    pub sources: Vec<String>,
    /// `--docs-url`: the base the repository's `docs/` are served under, for SARIF's
    /// `helpUri` (omitted without it).
    pub docs_url: Option<String>,
}

impl LintReport<'_> {
    fn counts(&self) -> (usize, usize, usize) {
        let n = |s: Severity| self.findings.iter().filter(|f| f.severity == s).count();
        (n(Severity::Error), n(Severity::Warning), n(Severity::Note))
    }

    pub fn write_table(&self, w: &mut dyn Write) -> io::Result<()> {
        for f in self.findings {
            writeln!(
                w,
                "{}[{} {}]: {}: {}",
                f.severity, f.code, f.rule, f.place, f.message
            )?;
        }
        let (e, wn, n) = self.counts();
        writeln!(
            w,
            "{} finding(s): {e} error(s), {wn} warning(s), {n} note(s)",
            self.findings.len()
        )
    }

    pub fn write_json(&self, w: &mut dyn Write) -> io::Result<()> {
        #[derive(Serialize)]
        struct Summary {
            errors: usize,
            warnings: usize,
            notes: usize,
        }
        #[derive(Serialize)]
        struct Json<'a> {
            schema: &'static str,
            tool: String,
            sources: &'a [String],
            summary: Summary,
            findings: &'a [LintFinding],
        }
        let (errors, warnings, notes) = self.counts();
        let j = Json {
            schema: SCHEMA,
            tool: format!("iamdiff {}", env!("CARGO_PKG_VERSION")),
            sources: &self.sources,
            summary: Summary {
                errors,
                warnings,
                notes,
            },
            findings: self.findings,
        };
        serde_json::to_writer_pretty(&mut *w, &j).map_err(super::json_io)?;
        writeln!(w)
    }

    pub fn write_markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        let (e, wn, n) = self.counts();
        writeln!(w, "# iamdiff lint\n")?;
        writeln!(
            w,
            "{} finding(s): **{e}** error(s), **{wn}** warning(s), **{n}** note(s).\n",
            self.findings.len()
        )?;
        if self.findings.is_empty() {
            return Ok(());
        }
        writeln!(w, "| Severity | Code | Place | Finding |")?;
        writeln!(w, "|---|---|---|---|")?;
        for f in self.findings {
            writeln!(
                w,
                "| {} | [{}]({LINT_DOC}#{}) | `{}` | {} |",
                f.severity,
                f.code,
                f.rule,
                md_escape(&f.place.to_string()),
                md_escape(&f.message)
            )?;
        }
        Ok(())
    }

    pub fn write_sarif(&self, w: &mut dyn Write) -> io::Result<()> {
        let rules: Vec<serde_json::Value> = Rule::ALL
            .iter()
            .map(|r| {
                let doc = format!("{LINT_DOC}#{}", r.name());
                let link = self.docs_url.as_ref().map(|u| format!("{u}/{doc}"));
                let mut rule = serde_json::json!({
                    "id": r.code(),
                    "name": r.name(),
                    "shortDescription": { "text": r.summary() },
                    "fullDescription": { "text": r.summary() },
                    "help": {
                        "text": format!("{}.\n\nWhat to do: {}.\n\nSee {doc}.", r.summary(), r.fix()),
                        "markdown": format!("**{}** (`{}`): {}.\n\n**What to do:** {}.\n\nSee [{doc}]({}).", r.name(), r.code(), r.summary(), r.fix(), link.as_deref().unwrap_or(&doc)),
                    },
                    "defaultConfiguration": { "level": r.severity().as_str() },
                    "properties": { "tags": ["security", "iam", "lint"], "precision": "high" },
                });
                if let (Some(l), Some(o)) = (link, rule.as_object_mut()) {
                    o.insert("helpUri".into(), l.into());
                }
                rule
            })
            .collect();
        let results: Vec<serde_json::Value> = self
            .findings
            .iter()
            .map(|f| {
                let index = Rule::ALL.iter().position(|r| *r == f.rule_id).unwrap_or(0);
                let mut region = serde_json::Map::new();
                if let (Some(l), Some(c)) = (f.place.line, f.place.column) {
                    region.insert("startLine".into(), l.into());
                    region.insert("startColumn".into(), c.into());
                }
                let mut physical = serde_json::json!({
                    "artifactLocation": { "uri": f.place.file.replace('\\', "/") },
                });
                if !region.is_empty()
                    && let Some(o) = physical.as_object_mut()
                {
                    o.insert("region".into(), serde_json::Value::Object(region));
                }
                let mut props = serde_json::json!({ "rule": f.rule });
                if let Some(o) = props.as_object_mut() {
                    if let Some(p) = &f.place.pointer {
                        o.insert("pointer".into(), p.as_str().into());
                    }
                    if let Some(p) = &f.policy {
                        o.insert("policy".into(), p.as_str().into());
                    }
                    if let Some(s) = &f.suggestion {
                        o.insert("suggestion".into(), s.as_str().into());
                    }
                }
                serde_json::json!({
                    "ruleId": f.code,
                    "ruleIndex": index,
                    "level": f.severity.as_str(),
                    "message": { "text": f.message },
                    "locations": [{ "physicalLocation": physical }],
                    "properties": props,
                })
            })
            .collect();
        let log = serde_json::json!({
            "$schema": SCHEMA_ID,
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "iamdiff",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "results": results,
            }],
        });
        serde_json::to_writer_pretty(&mut *w, &log).map_err(super::json_io)?;
        writeln!(w)
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
