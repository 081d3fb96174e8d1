//! The diff report as SARIF 2.1.0, for code-scanning dashboards: one run, one rule per
//! finding code (with the help, severity and tags GitHub code scanning requires), one
//! result per finding, located at the statement's line and column in the user's file
//! (or, for an AWS managed policy, at its attachment there), relative to `%SRCROOT%`.
//!
//! A minimal hand-written model of the parts of the OASIS SARIF 2.1.0 schema that are used
//! (as cargo-deny does) rather than a crate with the whole schema. Results point at the
//! input file of the statement behind them (the before side for lost access, which no
//! longer has an after-side statement) and name the principal as a logical location.
//! Waived findings carry an external suppression with the waiver's reason.
//! `partialFingerprints` is an FNV-1a hash of what identifies a finding across runs, so
//! dashboards can follow it when unrelated findings come and go.

use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

use super::diff::DiffReport;
use super::provenance::{self, InputFile, Located};
use crate::diff::findings::{Category, Code, Finding};

/// A schema id, not something fetched: SARIF consumers expect it.
const SCHEMA_ID: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of our fingerprint; bump the suffix if its inputs change.
const FINGERPRINT_KEY: &str = "iamdiffFinding/v1";
/// The base id relative URIs resolve against: the `--source-root` directory.
pub const SRCROOT: &str = "%SRCROOT%";
/// Where the findings page lives in the repository, for `helpUri` (when the crate names
/// its repository).
const FINDINGS_DOC: &str = "docs/findings.md";
/// GitHub code scanning rejects a run of more than 25,000 results (and shows the 5,000
/// most severe): past this, the most severe are kept and the run says how many were left
/// out (issue 10 Figures). The JSON report has every finding.
pub const MAX_RESULTS: usize = 25_000;
/// Action names listed in a result's properties; the count says how many in all, and
/// the JSON report lists every one.
pub const MAX_ACTIONS: usize = 20;
/// Related locations per result (GitHub shows 100 and rejects more than 1,000): the
/// places of the first causes and of the lint notes.
pub const MAX_RELATED: usize = 10;
/// Causes named in a result's message (a person's finding may have dozens, each with
/// its summary); `properties.causes` lists every id.
pub const MAX_CAUSES: usize = 3;

/// Writes the log compactly (one line: SARIF is read by tools, and indentation was a
/// third of its bytes); `jq .` shows it indented.
pub fn write_sarif(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    write_sarif_limited(report, MAX_RESULTS, w)
}

/// [`write_sarif`] with at most `limit` results.
pub fn write_sarif_limited(report: &DiffReport, limit: usize, w: &mut dyn Write) -> io::Result<()> {
    let index = provenance::Index::new(&report.provenance);
    let log = build(report, &index, limit);
    let mut w = io::BufWriter::with_capacity(1 << 16, w);
    serde_json::to_writer(&mut w, &log).map_err(crate::report::json_io)?;
    writeln!(w)?;
    w.flush()
}

/// Which findings become results: all of them (but unused waivers) up to `limit`, else
/// the `limit` most severe (failing the gate, then level, then GitHub severity, then
/// access level), in report order; and how many were left out.
fn chosen(report: &DiffReport, limit: usize) -> (Vec<&Finding>, usize) {
    let all: Vec<&Finding> = report
        .findings()
        .filter(|f| f.code != Code::UnusedWaiver)
        .collect();
    if all.len() <= limit {
        return (all, 0);
    }
    let weight = |f: &Finding| {
        (
            std::cmp::Reverse(f.fails_gate),
            std::cmp::Reverse(counts_as_loss(f.category)),
            std::cmp::Reverse(security_severity(f.code)),
            std::cmp::Reverse(super::json::severity_rank(f.severity)),
        )
    };
    let mut order: Vec<usize> = (0..all.len()).collect();
    // stable: equal weights keep report order, so the choice is deterministic
    order.sort_by_key(|&n| all.get(n).map(|f| weight(f)));
    let mut keep = vec![false; all.len()];
    for &n in order.iter().take(limit) {
        if let Some(k) = keep.get_mut(n) {
            *k = true;
        }
    }
    let left_out = all.len() - limit;
    let kept = all
        .into_iter()
        .zip(keep)
        .filter_map(|(f, k)| k.then_some(f))
        .collect();
    (kept, left_out)
}

/// The repository's web address from Cargo.toml, if set.
fn repository() -> Option<&'static str> {
    Some(env!("CARGO_PKG_REPOSITORY")).filter(|r| !r.is_empty())
}

fn build<'r>(report: &'r DiffReport, index: &provenance::Index<'r>, limit: usize) -> Log<'r> {
    let docs = report.docs_url.as_deref();
    let rules = Code::ALL.iter().map(|&code| rule(code, docs)).collect();
    let (findings, left_out) = chosen(report, limit);
    let mut artifacts = Artifacts::default();
    let results = findings
        .into_iter()
        .map(|f| result(report, index, &mut artifacts, f))
        .collect();
    let total = report
        .findings()
        .filter(|f| f.code != Code::UnusedWaiver)
        .count();
    let invocations = vec![Invocation {
        execution_successful: true,
        tool_execution_notifications: (left_out > 0)
            .then(|| Notification {
                level: "warning",
                message: Text {
                    text: format!(
                        "{left_out} of {total} results were left out: GitHub code scanning \
                         accepts at most {limit} per run, so the {limit} most severe are here; \
                         the JSON report (--format json) has every finding"
                    ),
                },
            })
            .into_iter()
            .collect(),
    }];
    let version = report
        .tool
        .split_once(' ')
        .map_or(report.tool.as_str(), |(_, v)| v);
    let mut bases = BTreeMap::new();
    bases.insert(
        SRCROOT,
        BaseUri {
            description: Text {
                text: "the directory given by --source-root (default: the working directory); \
                       every result's file is relative to it"
                    .to_owned(),
            },
        },
    );
    let p = &report.provenance;
    Log {
        schema: SCHEMA_ID,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "iamdiff",
                    version,
                    semantic_version: version,
                    information_uri: docs.or(repository()),
                    rules,
                    properties: DriverProperties {
                        catalog: &report.catalog,
                    },
                },
            },
            original_uri_base_ids: bases,
            column_kind: "unicodeCodePoints",
            invocations,
            artifacts: artifacts.list,
            results,
            properties: RunProperties {
                results_total: total,
                results_left_out: left_out,
                gate_passed: report.gate.passed,
                failing: report.gate.failing,
                waived: report.gate.waived,
                fail_on: report.gate.fail_on.iter().map(|c| c.as_str()).collect(),
                min_level: report.gate.min_level.as_str(),
                generated: p.generated.as_deref(),
                inputs: &p.inputs,
                waivers: report
                    .waivers
                    .iter()
                    .map(|x| WaiverUsed {
                        index: x.index,
                        principal: &x.principal,
                        action: &x.action,
                        resource: x.resource.as_deref(),
                        reason: &x.reason,
                        approved_by: &x.approved_by,
                        expires: x.expires.as_deref(),
                        state: x.state.as_str(),
                        matched: x.matched,
                    })
                    .collect(),
            },
        }],
    }
}

fn rule(code: Code, docs: Option<&str>) -> Rule {
    let (full, what_to_do) = guidance(code);
    let anchor = code.as_str();
    let doc = format!("{FINDINGS_DOC}#{anchor}");
    Rule {
        id: code.as_str(),
        name: rule_name(code),
        short_description: Text {
            text: code.description().to_owned(),
        },
        full_description: Text {
            text: full.to_owned(),
        },
        help: Help {
            text: format!("{full}\n\nWhat to do: {what_to_do}\n\nSee {doc}."),
            markdown: format!(
                "**{}** (`{}`): {full}\n\n**What to do:** {what_to_do}\n\nSee [{doc}]({}).",
                rule_name(code),
                code.as_str(),
                help_uri(code, docs).unwrap_or_else(|| doc.clone())
            ),
        },
        help_uri: help_uri(code, docs),
        default_configuration: RuleConfig {
            level: if counts_as_loss(code.category()) {
                "warning"
            } else {
                "note"
            },
        },
        properties: RuleProperties {
            tags: vec!["security", "iam", code.category().as_str()],
            security_severity: security_severity(code),
            precision: "high",
        },
    }
}

/// The rule's page: under `--docs-url` when given (the base the repository's `docs/` are
/// served under), else under the crate's repository when Cargo.toml names one; otherwise
/// none (no address is invented).
fn help_uri(code: Code, docs: Option<&str>) -> Option<String> {
    match docs {
        Some(d) => Some(format!("{d}/{FINDINGS_DOC}#{}", code.as_str())),
        None => repository().map(|r| format!("{r}/blob/main/{FINDINGS_DOC}#{}", code.as_str())),
    }
}

/// GitHub's scale: 9.0+ critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. Gains are
/// what a security review exists for; losses break people's work.
fn security_severity(code: Code) -> &'static str {
    match code {
        Code::Gained | Code::NewPrincipal => "8.0",
        Code::Widened | Code::PortWidened => "7.0",
        Code::Lost | Code::RemovedPrincipal => "6.0",
        Code::Narrowed | Code::NeedsReview | Code::Unmapped => "5.0",
        Code::Conditional | Code::ExpiredWaiver => "4.0",
        Code::UnusedWaiver => "1.0",
    }
}

/// A rule's full description and what to do about a result of it.
fn guidance(code: Code) -> (&'static str, &'static str) {
    match code {
        Code::Lost => (
            "An action the principal was allowed before the migration is not allowed after it, on any resource: people or workloads relying on it will be denied.",
            "Grant it again on the after side (attach the policy, restore the statement or the membership), or waive it with a reason and an approver if the loss is intended.",
        ),
        Code::Narrowed => (
            "An action is still allowed after the migration, but on fewer resources: the witness is a resource allowed before and denied after.",
            "Widen the after-side statement's resources to cover the witness, or waive the finding if the narrowing is intended.",
        ),
        Code::Conditional => (
            "An action that was allowed unconditionally now depends on request conditions (or its conditions changed), so it may be denied depending on the request.",
            "Check the conditions listed in the result against how the principal works (source IP, MFA, tags, VPC endpoint); pass --context to decide them.",
        ),
        Code::Gained => (
            "An action the principal was not allowed before the migration is allowed after it: new access that nobody may have reviewed.",
            "Confirm the new access is intended; otherwise remove the statement, policy or membership that grants it on the after side.",
        ),
        Code::Widened => (
            "An action is allowed on more resources after the migration: the witness is a resource denied before and allowed after.",
            "Confirm the wider scope is intended; otherwise narrow the after-side statement's resources.",
        ),
        Code::RemovedPrincipal => (
            "A user or role exists before the migration and not after (and no --map rule renames it): all of its access is lost.",
            "Add a --map rule if it was renamed, create it on the after side, or waive the finding if it was retired on purpose.",
        ),
        Code::NewPrincipal => (
            "A user or role exists only after the migration: all of its access is new.",
            "Confirm the principal and its access are intended, or add a --map rule if it is an old principal under a new name.",
        ),
        Code::NeedsReview => (
            "iamdiff could not decide this change offline (an unknown policy document, an unresolved reference, or a budget reached): a person must look.",
            "Provide the missing input (the policy document, parameters, --context) or review the principal's access by hand.",
        ),
        Code::ExpiredWaiver => (
            "A waiver's expiry date has passed: it no longer silences the findings it matches.",
            "Renew the waiver with a new date and approver, or fix the findings it covered.",
        ),
        Code::UnusedWaiver => (
            "A waiver matched no finding: it may be stale, or its globs may be mistyped.",
            "Remove the waiver or correct its principal, action or resource globs.",
        ),
        Code::Unmapped => (
            "A port: a permission, identity or resource of the source side that the port mapping cannot express in the target's vocabulary, so the port would silently drop it.",
            "Add a rule to the port file's `permissions`, `identities` or `resources` (or `drop: true` if the target needs no counterpart), or waive the finding.",
        ),
        Code::PortWidened => (
            "A port: the target grants more than the source had, typically a target role broader than the source permissions mapped to it.",
            "Confirm the broader target role is acceptable, or use a narrower target role or scope.",
        ),
    }
}

/// The files results point into, each once (`run.artifacts`), cited by index.
#[derive(Default)]
struct Artifacts {
    list: Vec<Artifact>,
    at: std::collections::HashMap<String, usize>,
}

impl Artifacts {
    fn location(&mut self, uri_text: String) -> ArtifactLocation {
        let n = match self.at.get(&uri_text) {
            Some(&n) => n,
            None => {
                let n = self.list.len();
                self.list.push(Artifact {
                    location: ArtifactLocation {
                        uri: uri_text.clone(),
                        uri_base_id: SRCROOT,
                        index: None,
                    },
                });
                self.at.insert(uri_text.clone(), n);
                n
            }
        };
        ArtifactLocation {
            uri: uri_text,
            uri_base_id: SRCROOT,
            index: Some(n),
        }
    }
}

fn result<'a>(
    report: &'a DiffReport,
    index: &provenance::Index<'a>,
    artifacts: &mut Artifacts,
    f: &'a Finding,
) -> SarifResult<'a> {
    let level = if f.fails_gate {
        "error"
    } else if counts_as_loss(f.category) {
        "warning"
    } else {
        "note"
    };
    let (side, routes) = provenance::explaining_side(f);
    let prov = index;
    // the first route placed at a line, else the first one
    let placed = routes.iter().find_map(|r| {
        prov.locate(side, &f.principal, r)
            .filter(|l| l.line.is_some())
            .map(|l| (r, l))
    });
    let route = placed.as_ref().map(|(r, _)| *r).or(routes.first());
    let located: Option<Located> = placed
        .map(|(_, l)| l)
        .or_else(|| route.and_then(|r| prov.locate(side, &f.principal, r)))
        .or_else(|| fallback_file(report, index, f, side));
    let location = Location {
        physical_location: located.as_ref().map(|l| PhysicalLocation {
            artifact_location: artifacts.location(uri(&l.uri)),
            // GitHub shows an alert only with a line: the file's first when not known
            region: Region {
                start_line: l.line.unwrap_or(1),
                start_column: l.line.and(l.column),
            },
        }),
        logical_locations: vec![LogicalLocation {
            name: &f.principal,
            fully_qualified_name: format!("{}/{}", f.principal_kind, f.principal),
            kind: "resource",
        }],
        message: route.map(|r| Text {
            text: match (&r.pointer, provenance::is_file(&r.file)) {
                (Some(p), true) => format!("{} (at {p})", r.summary()),
                (_, false) => format!("{} (an AWS managed policy, attached here)", r.summary()),
                (None, true) => r.summary(),
            },
        }),
    };
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY, format!("{:016x}", fingerprint(f)));
    SarifResult {
        rule_id: f.code.as_str(),
        rule_index: Code::ALL.iter().position(|&c| c == f.code).unwrap_or(0),
        level,
        // the input change(s) behind it, as the other reports lead with them (issue 12)
        message: Text {
            text: match super::causes::because_at_most(report, f, MAX_CAUSES) {
                c if c.is_empty() => f.message.clone(),
                c => format!("{} ({c})", f.message),
            },
        },
        locations: vec![location],
        related_locations: related(report, index, artifacts, f),
        partial_fingerprints: fingerprints,
        suppressions: f
            .waived
            .as_ref()
            .map(|x| {
                vec![Suppression {
                    kind: "external",
                    status: "accepted",
                    justification: format!(
                        "waiver #{}: {} (approved by {})",
                        x.index, x.reason, x.approved_by
                    ),
                }]
            })
            .unwrap_or_default(),
        properties: ResultProperties {
            principal_kind: &f.principal_kind,
            principal: &f.principal,
            category: f.category.as_str(),
            severity: f.severity.as_str(),
            severity_rank: super::json::severity_rank(f.severity),
            service: &f.service,
            actions: f.actions.get(..MAX_ACTIONS).unwrap_or(&f.actions),
            action_count: f.actions.len(),
            pairs: f.pairs,
            witness: f.witness.as_deref(),
            before: &f.before.status,
            after: &f.after.status,
            causes: &f.causes,
            lint: f.lint.iter().map(|n| n.code.as_str()).collect(),
        },
    }
}

/// The places of the finding's causes (each change's before and after place) and of the
/// lint findings that explain it, as SARIF related locations (issue 12, issue 11).
fn related(
    report: &DiffReport,
    prov: &provenance::Index<'_>,
    artifacts: &mut Artifacts,
    f: &Finding,
) -> Vec<RelatedLocation> {
    let mut out = Vec::new();
    let mut push = |file: &str, line: Option<u32>, column: Option<u32>, text: String| {
        if !provenance::is_file(file) || out.len() >= MAX_RELATED {
            return;
        }
        out.push(RelatedLocation {
            id: out.len(),
            physical_location: PhysicalLocation {
                artifact_location: artifacts.location(uri(&prov.uri_of(file))),
                region: Region {
                    start_line: line.unwrap_or(1),
                    start_column: line.and(column),
                },
            },
            message: Text { text },
        });
    };
    for id in f.causes.iter().take(MAX_CAUSES) {
        let Some(c) = report.change(id) else { continue };
        for (side, p) in [("before", &c.before), ("after", &c.after)] {
            if let Some(p) = p {
                push(
                    &p.file,
                    p.line,
                    p.column,
                    format!("cause {id} ({side}): {}", c.summary),
                );
            }
        }
    }
    for n in &f.lint {
        push(
            &n.file,
            n.line,
            n.column,
            format!("lint {} {} ({}): {}", n.code, n.rule, n.side, n.message),
        );
    }
    out
}

/// Without a placed statement: the waivers file for waiver findings, else the side's first
/// input file.
fn fallback_file(
    report: &DiffReport,
    index: &provenance::Index<'_>,
    f: &Finding,
    side: &str,
) -> Option<Located> {
    let prov = index.provenance();
    let waiver_file = matches!(f.code, Code::ExpiredWaiver | Code::UnusedWaiver)
        .then(|| prov.inputs.iter().find(|i| i.role == "waivers"))
        .flatten()
        .map(|i| i.path.clone());
    let sources = if side == "before" {
        &report.before.sources
    } else {
        &report.after.sources
    };
    let file = waiver_file.or_else(|| sources.iter().find(|s| provenance::is_file(s)).cloned())?;
    Some(Located {
        uri: index.uri_of(&file),
        line: None,
        column: None,
        pointer: None,
    })
}

/// Categories that take access away or need a person: `warning` when they do not fail.
fn counts_as_loss(c: Category) -> bool {
    matches!(
        c,
        Category::Lost | Category::Narrowed | Category::Removed | Category::Review
    )
}

/// A PascalCase name that says what the rule finds (SARIF1001: not the id again).
fn rule_name(code: Code) -> String {
    match code {
        Code::Lost => "LostAccess",
        Code::Narrowed => "NarrowedAccess",
        Code::Conditional => "ConditionalAccess",
        Code::Gained => "GainedAccess",
        Code::Widened => "WidenedAccess",
        Code::RemovedPrincipal => "RemovedPrincipal",
        Code::NewPrincipal => "NewPrincipal",
        Code::NeedsReview => "NeedsReview",
        Code::ExpiredWaiver => "ExpiredWaiver",
        Code::UnusedWaiver => "UnusedWaiver",
        Code::Unmapped => "UnmappedInPort",
        Code::PortWidened => "WidenedByPort",
    }
    .to_owned()
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
    // the bytes, then the NUL (a plain loop: the chained iterator it was cost a GCP
    // organization's reports a tenth of a second each)
    let mut eat = |s: &str| {
        for &b in s.as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
        h = h.wrapping_mul(PRIME);
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
    original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    column_kind: &'static str,
    invocations: Vec<Invocation>,
    artifacts: Vec<Artifact>,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
struct Artifact {
    location: ArtifactLocation,
}

#[derive(Serialize)]
struct BaseUri {
    description: Text,
}

/// The sign-off: the gate's settings and verdict, when, the inputs and the waivers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties<'a> {
    /// Findings that would be results (all but unused waivers).
    results_total: usize,
    /// Of those, how many are not here (past [`MAX_RESULTS`]): the JSON report has them.
    results_left_out: usize,
    gate_passed: bool,
    failing: usize,
    waived: usize,
    fail_on: Vec<&'static str>,
    min_level: &'static str,
    generated: Option<&'a str>,
    inputs: &'a [InputFile],
    waivers: Vec<WaiverUsed<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WaiverUsed<'a> {
    index: usize,
    principal: &'a str,
    action: &'a str,
    resource: Option<&'a str>,
    reason: &'a str,
    approved_by: &'a str,
    expires: Option<&'a str>,
    state: &'static str,
    matched: usize,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    semantic_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'a str>,
    rules: Vec<Rule>,
    properties: DriverProperties<'a>,
}

#[derive(Serialize)]
struct DriverProperties<'a> {
    /// The embedded catalog's sources and versions.
    catalog: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: RuleConfig,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct RuleConfig {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    /// GitHub code scanning's severity score, a number as a string.
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    precision: &'static str,
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
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
struct RelatedLocation {
    id: usize,
    physical_location: PhysicalLocation,
    message: Text,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
    /// The file in `run.artifacts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
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
    severity_rank: u8,
    service: &'a str,
    /// The first [`MAX_ACTIONS`] actions; `actionCount` says how many in all.
    actions: &'a [String],
    action_count: usize,
    pairs: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    witness: Option<&'a str>,
    before: &'a str,
    after: &'a str,
    /// Ids of the input changes that cause the finding (the JSON report's `changes`).
    causes: &'a [String],
    /// Codes of the lint findings that explain it (`iamdiff lint`), placed among the
    /// related locations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lint: Vec<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(rule_name(Code::RemovedPrincipal), "RemovedPrincipal");
        for code in Code::ALL {
            assert_ne!(rule_name(code).to_lowercase(), code.as_str());
        }
    }

    #[test]
    fn uris_are_escaped() {
        assert_eq!(uri("a b\\c#d.json"), "a%20b/c%23d.json");
    }
}
