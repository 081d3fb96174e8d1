//! The terminal (issue 12 item 9): tables fit `COLUMNS` (80 and 200 here) and never
//! wrap in a pipe, headers never break inside a word, ARNs wrap only after a separator,
//! people first with `--detail` for the findings, `diff --principal` narrows every
//! format, the sign-off ends the table, and `effective` summarizes access by service and
//! level (table and JSON) with `--detail` for the grants.

use serde_json::Value;
use sha2::Digest;

use crate::util::{iamdiff, root};

const DIFF: &[&str] = &[
    "diff",
    "--before",
    "fixtures/aws/company/account.json",
    "--after",
    "fixtures/aws/migration/after.json",
    "--map",
    "fixtures/aws/migration/map.yaml",
    "--waivers",
    "fixtures/aws/migration/waivers.yaml",
    "--today",
    "2026-11-24",
];

/// The README's inventory of the 12-principal company.
const EFFECTIVE: &[&str] = &[
    "effective",
    "fixtures/aws/company/account.json",
    "--scp",
    "fixtures/aws/company/scp-root.json",
    "--scp",
    "fixtures/aws/company/scp-ou-workloads.json",
    "--context-file",
    "fixtures/aws/company/context.json",
];

/// Every header word of iamdiff's tables.
const HEADER_WORDS: &[&str] = &[
    "Principal",
    "Status",
    "Changes",
    "Max",
    "severity",
    "Gate",
    "Service",
    "Finding",
    "Actions",
    "Witness",
    "List",
    "Read",
    "Tagging",
    "Write",
    "Permissions",
    "management",
    "Conditional",
    "Level",
    "Resources",
    "Granted",
    "by",
    "Before",
    "→",
    "after",
];

/// stdout of iamdiff with `args`, `COLUMNS` set when given; the exit code must be `code`.
fn run(args: &[&str], columns: Option<&str>, code: i32) -> String {
    let mut cmd = iamdiff();
    cmd.args(args);
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// The cells of a table line (`│ a ┆ b │`), trimmed.
fn cells(line: &str) -> Vec<&str> {
    line.trim_matches('│').split('┆').map(str::trim).collect()
}

/// Every fragment of every header (the lines between `┌` and `╞`) is made of whole words.
fn assert_headers_whole(text: &str) {
    let mut in_header = false;
    for line in text.lines() {
        if line.starts_with('┌') {
            in_header = true;
        } else if line.starts_with('╞') {
            in_header = false;
        } else if in_header {
            for cell in cells(line) {
                for word in cell.split_whitespace() {
                    assert!(HEADER_WORDS.contains(&word), "`{word}` in {line}\n{text}");
                }
            }
        }
    }
}

/// Cells holding an ARN: the whole witness, or a piece ending at a separator.
fn assert_arns_break_at_separators(text: &str, witnesses: &[String]) {
    for line in text.lines().filter(|l| l.starts_with('│')) {
        for cell in cells(line) {
            if cell.starts_with("arn:") && !witnesses.iter().any(|w| w == cell) {
                assert!(cell.ends_with(['/', ':', '-', '_', ',', '.']), "{cell}");
            }
        }
    }
}

fn witnesses() -> Vec<String> {
    let mut args = DIFF.to_vec();
    args.extend(["--format", "json"]);
    let v: Value = serde_json::from_str(&run(&args, None, 1)).unwrap();
    let mut out = Vec::new();
    for p in v["principals"].as_array().unwrap() {
        for f in p["findings"].as_array().unwrap() {
            if let Some(w) = f["witness"].as_str() {
                out.push(w.to_owned());
            }
        }
    }
    out
}

// issue 12 item 9: at 80 columns every line fits, headers are whole words, ARNs wrap
// after a separator; the summary and the detail alike
#[test]
fn diff_table_fits_80_columns() {
    let w = witnesses();
    for detail in [false, true] {
        let mut args = DIFF.to_vec();
        if detail {
            args.push("--detail");
        }
        let text = run(&args, Some("80"), 1);
        assert!(widest(&text) <= 80, "{}\n{text}", widest(&text));
        assert_headers_whole(&text);
        assert_arns_break_at_separators(&text, &w);
        assert_eq!(text.contains("Witness"), detail, "{text}");
        assert!(
            text.starts_with("FAIL: 10 findings fail the gate"),
            "{text}"
        );
    }
}

// issue 12 item 9: at 200 columns the summary keeps a principal on one line
#[test]
fn diff_table_at_200_columns_keeps_rows_whole() {
    let text = run(DIFF, Some("200"), 1);
    assert!(widest(&text) <= 200, "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("role edge-prod-b001-role-sagemaker-execution ┆ changed")),
        "{text}"
    );
    let detail = {
        let mut a = DIFF.to_vec();
        a.push("--detail");
        run(&a, Some("200"), 1)
    };
    assert!(widest(&detail) <= 200);
    assert_headers_whole(&detail);
}

// issue 12 item 9: in a pipe (no COLUMNS) nothing wraps: a principal is one line, and a
// COLUMNS that is not a number is ignored
#[test]
fn diff_table_in_a_pipe_does_not_wrap() {
    let piped = run(DIFF, None, 1);
    assert_eq!(run(DIFF, Some("wide"), 1), piped);
    assert!(
        piped
            .lines()
            .any(|l| l.contains("role edge-prod-b001-role-sagemaker-execution ┆ changed")),
        "{piped}"
    );
    // the verdict and the warnings are one line each
    assert!(
        piped.lines().next().unwrap().ends_with("0 waived"),
        "{piped}"
    );
    // a narrow COLUMNS is taken as 40 for the prose; a table is as narrow as its header
    // words allow, its cells cut rather than the terminal wrapping every line
    let narrow = run(DIFF, Some("10"), 1);
    for line in narrow.lines() {
        let table = line.starts_with(['┌', '│', '╞', '└']);
        // a digest is never broken, so that it can be copied whole
        let limit = if table {
            50
        } else if line.trim_start().starts_with("sha256 ") {
            75
        } else {
            40
        };
        assert!(line.chars().count() <= limit, "{line}");
    }
}

// issue 12 items 8, 9: the table ends with the sign-off, every input with its SHA-256
#[test]
fn diff_table_ends_with_the_sign_off() {
    let text = run(DIFF, Some("80"), 1);
    let sign_off = text.split("Sign-off:").nth(1).expect("a sign-off block");
    for (role, path) in [
        ("before", "fixtures/aws/company/account.json"),
        ("after", "fixtures/aws/migration/after.json"),
        ("map", "fixtures/aws/migration/map.yaml"),
        ("waivers", "fixtures/aws/migration/waivers.yaml"),
    ] {
        let bytes = std::fs::read(root().join(path)).unwrap();
        let digest: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(sign_off.contains(path), "{path}: {sign_off}");
        assert!(sign_off.contains(&digest), "{role} digest: {sign_off}");
    }
    assert!(sign_off.contains("gate: fails on lost, narrowed, removed, review"));
    assert!(sign_off.contains("waivers: 1 applied"));
    assert!(sign_off.contains("iamdiff "));
    // the block is the end: nothing but its lines follow
    assert!(
        sign_off
            .lines()
            .all(|l| l.is_empty() || l.starts_with("  "))
    );
}

// issue 12 item 9: `diff --principal GLOB` lists only matching principals (by name, the
// before name or ARN) in every format; the verdict and exit code stay the whole run's
#[test]
fn diff_principal_narrows_every_format() {
    let mut args = DIFF.to_vec();
    args.extend(["--principal", "carol", "--principal", "old-sagemaker-*"]);
    let table = run(&args, None, 1);
    assert!(table.contains("user carol"), "{table}");
    assert!(table.contains("sagemaker-execution"), "{table}");
    assert!(!table.contains("user bob"), "{table}");
    assert!(!table.contains("role ci-deploy"), "{table}");
    assert!(
        table.starts_with("FAIL: 10 findings fail the gate"),
        "{table}"
    );

    let dir = tempfile::tempdir().unwrap();
    let mut out_args = args.clone();
    let path = dir.path().to_str().unwrap();
    out_args.extend(["--out", path, "--quiet"]);
    run(&out_args, None, 1);
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let json: Value = serde_json::from_str(&read("iamdiff-report.json")).unwrap();
    let names: Vec<&str> = json["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["edge-prod-b001-role-sagemaker-execution", "carol"],
        "{names:?}"
    );
    for name in [
        "iamdiff-report.md",
        "iamdiff-report.html",
        "iamdiff-report.sarif",
        "iamdiff-report.xml",
    ] {
        let text = read(name);
        assert!(text.contains("carol"), "{name}");
        assert!(!text.contains("ci-deploy"), "{name} lists ci-deploy");
    }
    // a glob that matches nobody lists nobody and changes nothing else
    let none = {
        let mut a = DIFF.to_vec();
        a.extend(["--principal", "nobody-*"]);
        run(&a, None, 1)
    };
    assert!(!none.contains("┆ changed"), "{none}");
}

// issue 12 item 9: a bad glob is a usage error, exit 2, naming it
#[test]
fn diff_principal_bad_glob_is_exit_2() {
    let mut args = DIFF.to_vec();
    args.extend(["--principal", "a{b"]);
    let out = iamdiff().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--principal a{b"));
}

// issue 12 item 9: the README's inventory (4,418 lines of up to 4,641 characters before)
// is a screen per principal: by service and level, with --detail for the grants
#[test]
fn effective_table_summarizes_by_service_and_level() {
    let piped = run(EFFECTIVE, None, 0);
    let lines = piped.lines().count();
    assert!(lines < 300, "{lines} lines");
    assert!(widest(&piped) < 300, "{} characters", widest(&piped));
    assert!(!piped.contains("Granted by"));
    assert!(
        piped.contains("Permissions management ┆ Conditional"),
        "{piped}"
    );
    // bob's conditional-only actions say what they depend on
    assert!(
        piped.contains("conditional (2 action(s)): servicecatalog:userLevel StringEquals self"),
        "{piped}"
    );
    // alice's hundreds of full services are one row
    assert!(piped.contains("services with all actions: a2c"), "{piped}");
    for columns in ["80", "200"] {
        let n: usize = columns.parse().unwrap();
        let text = run(EFFECTIVE, Some(columns), 0);
        assert!(widest(&text) <= n, "{columns}: {}", widest(&text));
        assert_headers_whole(&text);
    }
    let mut detail = EFFECTIVE.to_vec();
    detail.push("--detail");
    let text = run(&detail, Some("120"), 0);
    assert!(text.contains("Granted"), "{text}");
    assert!(widest(&text) <= 120);
    assert!(text.lines().count() > lines);
}

fn validate(schema: &Value, v: &Value) {
    let validator = jsonschema::draft202012::new(schema).unwrap();
    let bad: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

// issue 12 items 7, 9: the JSON is the access summary unless --detail (2.7 MB before);
// both validate against `iamdiff schema effective`
#[test]
fn effective_json_is_summarized_unless_detail() {
    let schema: Value = serde_json::from_str(&run(&["schema", "effective"], None, 0)).unwrap();
    let mut args = EFFECTIVE.to_vec();
    args.extend(["--format", "json"]);
    let summary_text = run(&args, None, 0);
    assert!(summary_text.len() < 400_000, "{} bytes", summary_text.len());
    let summary: Value = serde_json::from_str(&summary_text).unwrap();
    validate(&schema, &summary);
    assert_eq!(summary["detail"], false);
    assert!(summary.get("grants").is_none());
    let erin = summary["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "erin")
        .unwrap();
    assert_eq!(erin["access"][0]["service"], "s3");
    assert_eq!(erin["access"][0]["levels"]["Write"], 1);
    // the levels add up to the principal's actions
    for p in summary["principals"].as_array().unwrap() {
        let sum: u64 = p["access"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                a["levels"]
                    .as_object()
                    .unwrap()
                    .values()
                    .map(|n| n.as_u64().unwrap())
                    .sum::<u64>()
                    + a["uncataloged"].as_u64().unwrap_or(0)
            })
            .sum();
        assert_eq!(sum, p["actions"].as_u64().unwrap(), "{}", p["name"]);
    }

    args.push("--detail");
    let detail: Value = serde_json::from_str(&run(&args, None, 0)).unwrap();
    validate(&schema, &detail);
    assert_eq!(detail["detail"], true);
    assert!(detail["grants"].is_object());
    assert!(detail["principals"][0]["grants"].is_array());
}
