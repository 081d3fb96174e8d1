//! The diff report as SARIF 2.1.0, for code-scanning dashboards: one run, one rule per
//! finding code, one result per finding.
//!
//! A minimal hand-written model of the parts of the OASIS SARIF 2.1.0 schema that are used
//! (as cargo-deny does) rather than a crate with the whole schema. Results point at the
//! input file of the statement behind them (the before side for lost access, which no
//! longer has an after-side statement) and name the principal as a logical location.
//! Waived findings carry an external suppression with the waiver's reason.
//! `partialFingerprints` is an FNV-1a hash of what identifies a finding across runs, so
//! dashboards can follow it when unrelated findings come and go.

use serde::Serialize;
use std::io::{self, Write};

use super::diff::DiffReport;
use crate::diff::findings::{Category, Code, Finding, Route};

/// A schema id, not something fetched: SARIF consumers expect it.
const SCHEMA_ID: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of our fingerprint; bump the suffix if its inputs change.
const FINGERPRINT_KEY: &str = "iamdiffFinding/v1";

pub fn write_sarif(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let log = build(report);
    serde_json::to_writer_pretty(&mut *w, &log).map_err(crate::report::json_io)?;
    writeln!(w)
}

fn build(report: &DiffReport) -> Log<'_> {
    let rules = Code::ALL
        .iter()
        .map(|&code| Rule {
            id: code.as_str(),
            name: rule_name(code),
            short_description: Text {
                text: code.description().to_owned(),
            },
            default_configuration: RuleConfig {
                level: if counts_as_loss(code.category()) {
                    "warning"
                } else {
                    "note"
                },
            },
            properties: RuleProperties {
                tags: vec!["iam", code.category().as_str()],
            },
        })
        .collect();
    let results = report
        .findings()
        .filter(|f| f.code != Code::UnusedWaiver)
        .map(|f| result(report, f))
        .collect();
    let version = report
        .tool
        .split_once(' ')
        .map_or(report.tool.as_str(), |(_, v)| v);
    Log {
        schema: SCHEMA_ID,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "iamdiff",
                    version,
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
            properties: RunProperties {
                gate_passed: report.gate.passed,
                failing: report.gate.failing,
                waived: report.gate.waived,
            },
        }],
    }
}

fn result<'a>(report: &'a DiffReport, f: &'a Finding) -> SarifResult<'a> {
    let level = if f.fails_gate {
        "error"
    } else if counts_as_loss(f.category) {
        "warning"
    } else {
        "note"
    };
    let lost_side = matches!(f.category, Category::Lost | Category::Removed);
    let route: Option<&Route> = if lost_side {
        f.before.routes.first().or(f.after.routes.first())
    } else {
        f.after.routes.first().or(f.before.routes.first())
    };
    // without a statement (a principal-level finding), the side's first input file
    let side_sources = if lost_side {
        &report.before.sources
    } else {
        &report.after.sources
    };
    let file = route
        .map(|r| r.file.as_str())
        .or(side_sources.first().map(String::as_str));
    let location = Location {
        physical_location: file.map(|file| PhysicalLocation {
            artifact_location: ArtifactLocation { uri: uri(file) },
            // routes name a JSON pointer, not a line; GitHub shows an alert only with a
            // line, so the file's first one (the pointer is in the location's message)
            region: Region { start_line: 1 },
        }),
        logical_locations: vec![LogicalLocation {
            name: &f.principal,
            fully_qualified_name: format!("{}/{}", f.principal_kind, f.principal),
            kind: "resource",
        }],
        message: route.map(|r| Text {
            text: match &r.pointer {
                Some(p) => format!("{} (at {p})", r.summary()),
                None => r.summary(),
            },
        }),
    };
    let mut fingerprints = std::collections::BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY, format!("{:016x}", fingerprint(f)));
    SarifResult {
        rule_id: f.code.as_str(),
        rule_index: Code::ALL.iter().position(|&c| c == f.code).unwrap_or(0),
        level,
        message: Text {
            text: f.message.clone(),
        },
        locations: vec![location],
        partial_fingerprints: fingerprints,
        suppressions: f
            .waived
            .as_ref()
            .map(|x| {
                vec![Suppression {
                    kind: "external",
                    status: "accepted",
                    justification: format!("waiver #{}: {}", x.index, x.reason),
                }]
            })
            .unwrap_or_default(),
        properties: ResultProperties {
            principal_kind: &f.principal_kind,
            principal: &f.principal,
            category: f.category.as_str(),
            severity: f.severity.as_str(),
            service: &f.service,
            actions: &f.actions,
            pairs: f.pairs,
            witness: f.witness.as_deref(),
            before: &f.before.status,
            after: &f.after.status,
        },
    }
}

/// Categories that take access away or need a person: `warning` when they do not fail.
fn counts_as_loss(c: Category) -> bool {
    matches!(
        c,
        Category::Lost | Category::Narrowed | Category::Removed | Category::Review
    )
}

/// `removed-principal` → `RemovedPrincipal`: SARIF rule names are PascalCase by convention.
fn rule_name(code: Code) -> String {
    code.as_str()
        .split('-')
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A relative URI reference: forward slashes, and the few characters a URI cannot hold
/// percent-encoded.
fn uri(path: &str) -> String {
    let mut o = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '\\' => o.push('/'),
            ' ' | '%' | '#' | '?' | '[' | ']' | '"' | '<' | '>' | '`' | '{' | '}' | '|' | '^' => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    o.push_str(&format!("%{b:02X}"));
                }
            }
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    o.push_str(&format!("%{b:02X}"));
                }
            }
            c => o.push(c),
        }
    }
    o
}

/// FNV-1a (64-bit) of the code, principal, service and actions, NUL-separated so
/// `("ab", "c")` and `("a", "bc")` differ.
pub fn fingerprint(f: &Finding) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    let mut eat = |s: &str| {
        for b in s.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
    };
    eat(f.code.as_str());
    eat(&f.principal_kind);
    eat(&f.principal);
    eat(&f.service);
    for a in &f.actions {
        eat(a);
    }
    h
}

// ---- SARIF 2.1.0 shapes (only what is used) ----

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties {
    gate_passed: bool,
    failing: usize,
    waived: usize,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Text,
    default_configuration: RuleConfig,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleConfig {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location<'a>>,
    partial_fingerprints: std::collections::BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    logical_locations: Vec<LogicalLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    name: &'a str,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    principal_kind: &'a str,
    principal: &'a str,
    category: &'static str,
    severity: &'static str,
    service: &'a str,
    actions: &'a [String],
    pairs: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    witness: Option<&'a str>,
    before: &'a str,
    after: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(rule_name(Code::RemovedPrincipal), "RemovedPrincipal");
        assert_eq!(rule_name(Code::Lost), "Lost");
    }

    #[test]
    fn uris_are_escaped() {
        assert_eq!(uri("a b\\c#d.json"), "a%20b/c%23d.json");
    }
}
