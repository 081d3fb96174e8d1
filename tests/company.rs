//! The showcase company's "Expected decisions" table, run through the real binary.
//!
//! `fixtures/aws/company/README.md` holds the readable table, whose expectations come from the
//! AWS documentation it cites; `fixtures/aws/company/decisions.yaml` mirrors it as data. One
//! test keeps the two in step row by row; the others run `iamdiff explain` once per row (both
//! SCP files in every row) and report every failing row at once, so one regression does not
//! hide the next.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::util::{fixture, iamdiff};

const ACCOUNT: &str = "fixtures/aws/company/account.json";
const SCP_ROOT: &str = "fixtures/aws/company/scp-root.json";
const SCP_OU: &str = "fixtures/aws/company/scp-ou-workloads.json";
const CONTEXT: &str = "fixtures/aws/company/context.json";

const DECISIONS: [&str; 4] = ["allowed", "denied", "not-allowed", "conditional"];

/// One row of the table, as `decisions.yaml` spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    row: u32,
    principal: String,
    action: String,
    #[serde(default)]
    resource: Option<String>,
    context: Ctx,
    /// Keys that replace those of context.json.
    #[serde(default)]
    set: BTreeMap<String, String>,
    expected: String,
    /// Sids or policy names the "why" cites; each must bear on the request.
    #[serde(default)]
    statements: Vec<String>,
    why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
enum Ctx {
    /// `context.json`, possibly with some keys replaced by `set`.
    #[serde(rename = "context.json")]
    File,
    /// An empty, open context: no `--context-file`, no `--context`.
    #[serde(rename = "none")]
    None,
}

/// How a row's replaced keys reach the binary.
#[derive(Debug, Clone, Copy)]
enum Via {
    /// context.json merged with `set`, written to a temporary file.
    MergedFile,
    /// `--context-file context.json` plus one `--context K=V` per replaced key.
    Flags,
}

fn rows() -> Vec<Row> {
    let path = fixture("aws/company/decisions.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<Row> = serde_yaml::from_str(&text).unwrap();
    assert!(!rows.is_empty(), "no rows in {}", path.display());
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(
            r.row as usize,
            i + 1,
            "rows must be numbered 1, 2, ... in order"
        );
        assert!(
            DECISIONS.contains(&r.expected.as_str()),
            "row {}: unknown decision `{}`",
            r.row,
            r.expected
        );
        assert!(
            r.set.is_empty() || r.context == Ctx::File,
            "row {}: `set` replaces keys of context.json, so it needs `context: context.json`",
            r.row
        );
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// The README table

/// Text inside backticks, in order.
fn backticked(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// The whole cell is one backticked value.
fn code(cell: &str) -> Result<String, String> {
    cell.strip_prefix('`')
        .and_then(|c| c.strip_suffix('`'))
        .filter(|c| !c.contains('`'))
        .map(str::to_string)
        .ok_or_else(|| format!("expected one `code` value, got `{cell}`"))
}

/// The context cell: "context.json", "no context (open)", "context.json (comment)",
/// "context.json + `k` = `v`" or "`k` = `v`" (which also keeps the rest of context.json).
fn parse_context(cell: &str) -> Result<(Ctx, BTreeMap<String, String>), String> {
    if let Some(rest) = cell.strip_prefix("no context") {
        let rest = rest.trim();
        return if rest.is_empty() || rest == "(open)" {
            Ok((Ctx::None, BTreeMap::new()))
        } else {
            Err(format!("unexpected context `{cell}`"))
        };
    }
    let rest = cell.strip_prefix("context.json").unwrap_or(cell).trim();
    if rest.is_empty() || (rest.starts_with('(') && rest.ends_with(')')) {
        // A parenthesis only comments on the file (row 27: "no `aws:ResourceTag/team`, open").
        return Ok((Ctx::File, BTreeMap::new()));
    }
    let rest = rest.strip_prefix('+').map_or(rest, str::trim);
    // `k` = `v`[, `k` = `v`]...: split on backticks gives "", k, " = ", v, sep, k, " = ", v, ""
    let parts: Vec<&str> = rest.split('`').collect();
    if parts.len() % 4 != 1 || !parts[0].is_empty() || !parts[parts.len() - 1].is_empty() {
        return Err(format!("unexpected context `{cell}`"));
    }
    let pairs: Vec<&[&str]> = parts[1..].chunks(4).collect();
    let mut set = BTreeMap::new();
    for (i, pair) in pairs.iter().enumerate() {
        // the text after the value: nothing after the last pair, a separator between pairs
        let last = i + 1 == pairs.len();
        let sep_ok = if last {
            pair[3].is_empty()
        } else {
            [", ", " and "].contains(&pair[3])
        };
        if pair[1] != " = " || !sep_ok {
            return Err(format!("unexpected context `{cell}`"));
        }
        set.insert(pair[0].to_string(), pair[2].to_string());
    }
    Ok((Ctx::File, set))
}

/// The rows of the README's "Expected decisions" table (`statements` stays empty: the README
/// does not separate Sids from other code in its "why").
fn readme_rows() -> Result<Vec<Row>, String> {
    let text = std::fs::read_to_string(fixture("aws/company/README.md")).unwrap();
    let (_, section) = text
        .split_once("## Expected decisions")
        .ok_or("README has no `## Expected decisions` section")?;
    let mut rows: Vec<Row> = Vec::new();
    for line in section.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let Ok(row) = cells[0].parse::<u32>() else {
            continue; // header, separator, prose
        };
        let err = |e: String| format!("README row {row}: {e}");
        let [_, principal, action, resource, context, expected, why] = cells[..] else {
            return Err(err(format!("expected 7 cells, got {}", cells.len())));
        };
        let resource = match resource {
            "(none)" => None,
            "same" => rows
                .last()
                .and_then(|r| r.resource.clone())
                .map(Some)
                .ok_or_else(|| err("`same` resource with no resource above it".into()))?,
            r => Some(code(r).map_err(err)?),
        };
        let (context, set) = parse_context(context).map_err(err)?;
        rows.push(Row {
            row,
            principal: principal.to_string(),
            action: code(action).map_err(err)?,
            resource,
            context,
            set,
            expected: expected.to_string(),
            statements: Vec::new(),
            why: why.to_string(),
        });
    }
    Ok(rows)
}

#[test]
fn decisions_yaml_mirrors_readme_table() {
    let yaml = rows();
    let readme = readme_rows().unwrap();
    let mut problems = Vec::new();
    if yaml.len() != readme.len() {
        problems.push(format!(
            "decisions.yaml has {} rows, the README table {}",
            yaml.len(),
            readme.len()
        ));
    }
    for (y, r) in yaml.iter().zip(&readme) {
        let fields = [
            ("row", format!("{}", y.row), format!("{}", r.row)),
            ("principal", y.principal.clone(), r.principal.clone()),
            ("action", y.action.clone(), r.action.clone()),
            (
                "resource",
                format!("{:?}", y.resource),
                format!("{:?}", r.resource),
            ),
            (
                "context",
                format!("{:?}", y.context),
                format!("{:?}", r.context),
            ),
            ("set", format!("{:?}", y.set), format!("{:?}", r.set)),
            ("expected", y.expected.clone(), r.expected.clone()),
            ("why", y.why.clone(), r.why.clone()),
        ];
        for (field, in_yaml, in_readme) in fields {
            if in_yaml != in_readme {
                problems.push(format!(
                    "row {}: {field} differs\n    decisions.yaml: {in_yaml}\n    README:         {in_readme}",
                    y.row
                ));
            }
        }
        let cited = backticked(&y.why);
        for s in &y.statements {
            if !cited.contains(&s.as_str()) {
                problems.push(format!("row {}: `{s}` is not cited in the why", y.row));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Running the rows

/// The `explain` command line for a row (relative to the repository root, except temp files).
fn args(row: &Row, via: Via, closed: bool, tmp: &Path) -> Vec<String> {
    let mut a: Vec<String> = [
        "explain",
        ACCOUNT,
        "--scp",
        SCP_ROOT,
        "--scp",
        SCP_OU,
        "--principal",
    ]
    .map(String::from)
    .to_vec();
    a.push(row.principal.clone());
    a.extend(["--action".into(), row.action.clone()]);
    if let Some(r) = &row.resource {
        a.extend(["--resource".into(), r.clone()]);
    }
    match (row.context, via) {
        (Ctx::None, _) => {}
        (Ctx::File, _) if row.set.is_empty() => {
            a.extend(["--context-file".into(), CONTEXT.into()]);
        }
        (Ctx::File, Via::MergedFile) => {
            let base = std::fs::read_to_string(fixture("aws/company/context.json")).unwrap();
            let mut ctx: serde_json::Map<String, Value> = serde_json::from_str(&base).unwrap();
            for (k, v) in &row.set {
                ctx.insert(k.clone(), Value::String(v.clone()));
            }
            let file = tmp.join(format!("context-row-{}.json", row.row));
            std::fs::write(&file, serde_json::to_string_pretty(&ctx).unwrap()).unwrap();
            a.extend(["--context-file".into(), file.display().to_string()]);
        }
        (Ctx::File, Via::Flags) => {
            a.extend(["--context-file".into(), CONTEXT.into()]);
            for (k, v) in &row.set {
                a.extend(["--context".into(), format!("{k}={v}")]);
            }
        }
    }
    if closed {
        a.push("--closed-context".into());
    }
    a.extend(["--format".into(), "json".into()]);
    a
}

/// Runs the binary; the parsed JSON, or what went wrong with the command line to reproduce it.
fn explain(args: &[String]) -> Result<Value, String> {
    let out = iamdiff().args(args).output().unwrap();
    let cmd = format!("iamdiff {}", args.join(" "));
    if !out.status.success() {
        return Err(format!(
            "exit {:?}: {}\n    {cmd}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("stdout is not JSON: {e}\n    {cmd}"))
}

/// `(statement, policy, outcome)` of every statement `explain` returned, for messages.
fn statements(v: &Value) -> Vec<(String, String, String)> {
    let text = |s: &Value| match s {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    v["statements"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        text(&s["statement"]),
                        text(&s["policy"]),
                        text(&s["outcome"]),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every way `v` disagrees with the row.
fn check(row: &Row, v: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let got = v["decision"].as_str().unwrap_or("(missing)");
    if got != row.expected {
        problems.push(format!("decision `{got}`, expected `{}`", row.expected));
    }
    let found = statements(v);
    for name in &row.statements {
        let bears = found.iter().any(|(sid, policy, outcome)| {
            (sid == name || policy == name) && outcome != "does-not-apply"
        });
        if !bears {
            problems.push(format!(
                "`{name}` is not among the statements that bear on the request"
            ));
        }
    }
    if row.expected == "conditional" && v["reasons"].as_array().is_none_or(Vec::is_empty) {
        problems.push("a conditional decision with no `reasons`".into());
    }
    problems
}

/// Runs every row (filtered by `which`) and fails once, listing every failing row.
fn run_rows(which: impl Fn(&Row) -> bool, via: Via, closed: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut ran = 0;
    for row in rows().iter().filter(|r| which(r)) {
        ran += 1;
        let args = args(row, via, closed, tmp.path());
        let problems = match explain(&args) {
            Err(e) => vec![e],
            Ok(v) => {
                let p = check(row, &v);
                if p.is_empty() {
                    p
                } else {
                    let st: Vec<String> = statements(&v)
                        .into_iter()
                        .map(|(s, p, o)| format!("{p}/{s}: {o}"))
                        .collect();
                    let mut p = p;
                    p.push(format!("statements: [{}]", st.join(", ")));
                    p.push(format!("reasons: {}", v["reasons"]));
                    p.push(format!("iamdiff {}", args.join(" ")));
                    p
                }
            }
        };
        if !problems.is_empty() {
            failures.push(format!(
                "row {} ({} {} {}): {}\n    {}",
                row.row,
                row.principal,
                row.action,
                row.resource.as_deref().unwrap_or("(none)"),
                row.why,
                problems.join("\n    ")
            ));
        }
    }
    assert!(ran > 0, "no rows ran");
    assert!(
        failures.is_empty(),
        "{} of {ran} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The table as written: open context, replaced keys merged into a copy of context.json.
#[test]
fn company_decisions_match_readme() {
    run_rows(|_| true, Via::MergedFile, false);
}

/// The README: "For every row but the two `conditional` ones, the answer is the same whether
/// keys the context does not give are treated as unknown or as absent."
#[test]
fn company_decisions_hold_in_a_closed_context() {
    run_rows(|r| r.expected != "conditional", Via::MergedFile, true);
}

/// `--context K=V` replaces the key of `--context-file` (key by key), so the rows that change
/// context.json give the same answers when the change is passed as flags.
#[test]
fn company_context_flags_replace_context_file_keys() {
    run_rows(|r| !r.set.is_empty(), Via::Flags, false);
}
