//! The diff report's renderers on a hand-written sample (`tests/data/diff-report.json`, an
//! Examplecorp migration): snapshots of the Markdown, JSON, SARIF, JUnit and table outputs,
//! the HTML's safety rules (no URL, every value escaped), the shapes SARIF and JUnit
//! readers rely on, determinism, and the HTML page driven in a real headless browser.

use std::path::Path;
use std::process::Command;

use iamdiff::diff::findings::Code;
use iamdiff::report::diff::DiffReport;
use iamdiff::report::{html, junit, markdown, sarif, table};

use crate::util::root;

const HOSTILE: &str = "<img src=x onerror=alert(1)>";

fn sample() -> DiffReport {
    let path = root().join("tests/data/diff-report.json");
    let text = std::fs::read_to_string(&path).expect("sample report");
    serde_json::from_str(&text).expect("the sample is a DiffReport")
}

type Render = fn(&DiffReport, &mut dyn std::io::Write) -> std::io::Result<()>;

fn render(report: &DiffReport, f: Render) -> String {
    let mut out = Vec::new();
    f(report, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8")
}

fn render_table(report: &DiffReport) -> String {
    let mut out = Vec::new();
    table::write_table(
        report,
        &table::TableOptions {
            width: None,
            detail: true,
        },
        &mut out,
    )
    .expect("render");
    String::from_utf8(out).expect("utf-8")
}

fn json(r: &DiffReport, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    r.write_json(w)
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("diff_markdown", render(&sample(), markdown::write_markdown));
}

#[test]
fn json_snapshot_and_round_trip() {
    let report = sample();
    let out = render(&report, json);
    let back = iamdiff::report::json::from_str(&out).expect("json parses back");
    assert_eq!(back, report);
    insta::assert_snapshot!("diff_json", out);
}

#[test]
fn sarif_snapshot() {
    // SARIF is written on one line (issue 10 Figures); the snapshot indents it to be read
    let out = render(&sample(), sarif::write_sarif);
    assert_eq!(out.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("sarif is json");
    let pretty = serde_json::to_string_pretty(&v).expect("pretty") + "\n";
    insta::assert_snapshot!("diff_sarif", pretty);
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("diff_junit", render(&sample(), junit::write_junit));
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!("diff_table", render_table(&sample()));
}

#[test]
fn every_format_is_deterministic() {
    let report = sample();
    for f in [
        markdown::write_markdown as Render,
        html::write_html,
        sarif::write_sarif,
        junit::write_junit,
        json,
    ] {
        assert_eq!(render(&report, f), render(&report.clone(), f));
    }
    assert_eq!(render_table(&report), render_table(&report));
}

#[test]
fn markdown_escapes_inputs_and_caps_long_lists() {
    let report = sample();
    let md = render(&report, markdown::write_markdown);
    assert!(md.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!md.contains(HOSTILE));
    assert!(!md.contains("<svg"));
    // an input `|` cannot end a table cell
    // text between backticks is code, not an escaped backtick shown literally (issue 12)
    assert!(md.contains("\\| <code>*bold*</code> \\[link\\](javascript:alert(3)) &amp; more"));
    // verdict first, then who is hit hardest, ranked as changes are (issue 12): failing
    // first, then severity, then actions lost; ci-deploy (Permissions management) leads
    assert!(md.contains(
        "**FAIL** — 7 findings fail the gate (lost, narrowed, removed, review at ≥ Read), 1 waived"
    ));
    let table_start = md.find("| Principal |").expect("summary table");
    let first_row = md[table_start..].lines().nth(2).expect("a row");
    assert!(
        first_row.starts_with("| role ci-deploy |")
            && first_row.contains("| Permissions management |")
            && first_row.ends_with("| ❌ fail |"),
        "{first_row}"
    );

    // a principal with more findings than the cap
    let mut big = report.clone();
    let p = big
        .principals
        .iter_mut()
        .find(|p| p.name == "carol")
        .expect("carol");
    let f = p.findings[0].clone();
    p.findings = vec![f; markdown::MAX_ROWS + 7];
    let md = render(&big, markdown::write_markdown);
    assert!(md.contains("… 7 more in the full report"));

    // many principals: the comment stays within GitHub's limit
    let mut many = report.clone();
    let carol = many
        .principals
        .iter()
        .find(|p| p.name == "carol")
        .cloned()
        .expect("carol");
    many.principals = (0..400)
        .map(|i| {
            let mut p = carol.clone();
            p.name = format!("user-{i:03}");
            p
        })
        .collect();
    let md = render(&many, markdown::write_markdown);
    assert!(md.len() < 65_536, "{}", md.len());
    assert!(md.contains("did not fit in a comment"));
}

#[test]
fn html_is_self_contained_and_escaped() {
    let report = sample();
    let page = render(&report, html::write_html);
    assert!(!page.contains("http:"), "no URL of any kind");
    assert!(!page.contains("https:"), "no URL of any kind");
    assert!(!page.contains("//cdn"));
    assert!(!page.contains("<link"), "no external stylesheet");
    assert!(!page.contains(" src=\""), "no external script or image");
    // the hostile principal is only data: JSON whose `<` cannot open an element
    assert!(page.contains("\\u003cimg src=x onerror=alert(1)\\u003e"));
    assert!(!page.contains("<img"));
    assert!(!page.contains("<svg onload"));
    // the CSS and script are inlined as they are
    assert!(page.contains(include_str!("../reports/assets/report.css").trim()));
    assert!(page.contains(include_str!("../reports/assets/report.js").trim()));
    // the chart is there, with one bar segment per service and level lost
    let segments: usize = report
        .summary
        .by_service
        .iter()
        .filter(|x| x.lost > 0)
        .count();
    assert_eq!(page.matches("<rect class=\"bar ").count(), segments);
    // one entry per principal's finding in the embedded data, which cannot close its element
    let tag = "id=\"report-data\">";
    let start = page.rfind(tag).expect("data element") + tag.len();
    let end = start + page[start..].find("</script>").expect("data end");
    let data: serde_json::Value = serde_json::from_str(&page[start..end]).expect("data is json");
    let findings: usize = report.principals.iter().map(|p| p.findings.len()).sum();
    assert_eq!(data["f"].as_array().expect("findings").len(), findings);
    assert!(!page[start..end].contains('<'));
}

#[test]
fn html_template_never_marks_data_safe() {
    let template = include_str!("../reports/templates/report.html");
    assert!(!template.contains("| safe"));
    assert!(!template.contains("|safe"));
    assert!(!template.contains("autoescape"));
}

#[test]
fn sarif_has_the_required_shape() {
    let report = sample();
    let out = render(&report, sarif::write_sarif);
    let v: serde_json::Value = serde_json::from_str(&out).expect("sarif is json");
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().is_some());
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "iamdiff");
    assert_eq!(driver["version"], "0.1.0");
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), Code::ALL.len());
    for (rule, code) in rules.iter().zip(Code::ALL) {
        assert_eq!(rule["id"], code.as_str());
        assert_eq!(rule["shortDescription"]["text"], code.description());
        assert!(rule["properties"]["tags"].as_array().is_some());
    }
    let results = runs[0]["results"].as_array().expect("results");
    let expected = report
        .findings()
        .filter(|f| f.code != Code::UnusedWaiver)
        .count();
    assert_eq!(results.len(), expected);
    let mut errors = 0;
    let mut suppressed = 0;
    let mut prints = std::collections::BTreeSet::new();
    for r in results {
        let rule_id = r["ruleId"].as_str().expect("ruleId");
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], rule_id);
        let level = r["level"].as_str().expect("level");
        assert!(["error", "warning", "note"].contains(&level), "{level}");
        if level == "error" {
            errors += 1;
        }
        assert!(!r["message"]["text"].as_str().expect("text").is_empty());
        let loc = &r["locations"][0];
        assert!(loc["logicalLocations"][0]["name"].as_str().is_some());
        if let Some(uri) = loc["physicalLocation"]["artifactLocation"]["uri"].as_str() {
            assert!(uri.ends_with(".json"), "{uri}");
        }
        let print = r["partialFingerprints"]["iamdiffFinding/v1"]
            .as_str()
            .expect("fingerprint");
        assert_eq!(print.len(), 16);
        prints.insert(print.to_owned());
        if let Some(s) = r["suppressions"].as_array() {
            assert_eq!(s[0]["kind"], "external");
            assert!(s[0]["justification"].as_str().is_some());
            assert_ne!(level, "error");
            suppressed += 1;
        }
    }
    assert_eq!(errors, report.gate.failing);
    assert_eq!(suppressed, report.gate.waived);
    assert_eq!(prints.len(), results.len(), "fingerprints are distinct");
    // lost access points at the before side, the rest at the after side
    let lost = results
        .iter()
        .find(|r| r["ruleId"] == "lost")
        .expect("a lost result");
    assert!(
        lost["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri")
            .starts_with("before/")
    );
    let narrowed = results
        .iter()
        .find(|r| r["ruleId"] == "narrowed")
        .expect("a narrowed result");
    assert!(
        narrowed["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri")
            .starts_with("after/")
    );
}

#[test]
fn junit_counts_and_escaping() {
    let report = sample();
    let xml = render(&report, junit::write_junit);
    let tests = report.principals.len();
    let failed = report
        .principals
        .iter()
        .filter(|p| {
            p.findings
                .iter()
                .any(|f| f.fails_gate && f.waived.is_none())
        })
        .count();
    let head =
        format!(r#"<testsuite name="iamdiff" tests="{tests}" failures="{failed}" errors="0""#);
    assert!(xml.contains(&head), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), tests);
    // one failure per failing principal (issue 12)
    assert_eq!(xml.matches("<failure ").count(), failed);
    assert!(xml.contains(r#"<testcase classname="user" name="carol">"#));
    assert!(xml.contains(r#"name="&lt;img src=x onerror=alert(1)&gt;""#));
    assert!(!xml.contains(HOSTILE));
    // the waived finding is shown with its waiver, not as a failure
    assert!(xml.contains("waived #0 (classic notebook instances are retired"));
    // well formed enough: every opened element is closed
    for tag in ["testsuites", "testsuite", "properties"] {
        let opened =
            xml.matches(&format!("<{tag} ")).count() + xml.matches(&format!("<{tag}>")).count();
        assert_eq!(opened, 1, "{tag}");
        assert_eq!(xml.matches(&format!("</{tag}>")).count(), 1, "{tag}");
    }
}

#[test]
fn table_fits_a_terminal_without_splitting_arns() {
    let report = sample();
    let mut out = Vec::new();
    table::write_table(
        &report,
        &table::TableOptions {
            width: Some(120),
            detail: true,
        },
        &mut out,
    )
    .expect("render");
    let text = String::from_utf8(out).expect("utf-8");
    insta::assert_snapshot!("diff_table_width_120", text);
    assert!(text.starts_with("FAIL: 7 findings fail the gate"));
    for line in text.lines().filter(|l| l.starts_with(['┌', '│', '└', '╞'])) {
        assert!(line.chars().count() <= 120, "{line}");
    }
    // issue 12 item 9: a witness is whole on its line, or wrapped after `/`, `:` or `-`,
    // never cut mid-word
    let witnesses: Vec<&str> = report
        .findings()
        .filter_map(|f| f.witness.as_deref())
        .collect();
    for line in text.lines().filter(|l| l.starts_with('│')) {
        for cell in line.split(['│', '┆']).map(str::trim) {
            if cell.starts_with("arn:") && !witnesses.contains(&cell) {
                assert!(cell.ends_with(['/', ':', '-', '_', ',', '.']), "{cell}");
            }
        }
    }
}

/// The hostile variant for the browser: a name whose `onerror` would set `window.__xss`.
fn browser_variant() -> DiffReport {
    let evil = "<img src=x onerror=\"window.__xss=1\">";
    let mut report = sample();
    for p in &mut report.principals {
        if p.name == HOSTILE {
            p.name = evil.to_owned();
            for f in &mut p.findings {
                f.principal = evil.to_owned();
                f.message = format!("{} <script>window.__xss=2</script>", f.message);
            }
        }
    }
    with_changes(&mut report);
    report
}

/// Gives the sample one membership change per principal (the hostile one's summary
/// hostile too) as the cause of all its findings, ranked by impact, so the browser
/// drives the changes section, the "Why" column and the cause filter (issue 12).
fn with_changes(report: &mut DiffReport) {
    use iamdiff::diff::changes::{Change, ChangeKind, Impact};
    let mut changes = Vec::new();
    for (n, p) in report.principals.iter_mut().enumerate() {
        let id = format!("C{}", n + 1);
        let mut services = std::collections::BTreeSet::new();
        let mut impact = Impact {
            principals: 1,
            ..Impact::default()
        };
        let mut findings = Vec::new();
        for f in &mut p.findings {
            f.causes = vec![id.clone()];
            findings.push(iamdiff::report::json::finding_id(f));
            impact.findings += 1;
            impact.failing += usize::from(f.fails_gate);
            impact.severity = impact.severity.max(Some(f.severity));
            impact.actions_lost += f.actions.len();
            services.insert(f.service.clone());
        }
        impact.services = services.len();
        changes.push(Change {
            id,
            kind: ChangeKind::MembershipRemoved,
            subject: format!("user {}", p.name),
            object: Some("group team".to_owned()),
            summary: format!("{} removed from group team", p.name),
            before: None,
            after: None,
            detail: vec![format!("{} was in group team before", p.name)],
            principals: vec![p.name.clone()],
            findings,
            impact,
        });
    }
    changes.sort_by_key(|c| c.rank_key());
    report.changes = changes;
}

/// Opens the HTML in headless Chromium (playwright-core) and checks escaping, filters,
/// sorting and the chart. Needs `/usr/bin/chromium` and `tests/browser/node_modules`
/// (`.ci/run` installs both): without them it fails under CI and is skipped elsewhere.
#[test]
fn html_works_in_a_browser() {
    let browser_dir = root().join("tests/browser");
    let missing: Vec<&str> = [
        ("/usr/bin/chromium", Path::new("/usr/bin/chromium").exists()),
        (
            "tests/browser/node_modules",
            browser_dir.join("node_modules/playwright-core").is_dir(),
        ),
    ]
    .into_iter()
    .filter(|(_, ok)| !ok)
    .map(|(what, _)| what)
    .collect();
    if !missing.is_empty() {
        let msg = format!(
            "browser test needs {} (apt-get install chromium; npm ci in tests/browser)",
            missing.join(" and ")
        );
        if std::env::var_os("CI").is_some() {
            panic!("{msg}");
        }
        eprintln!("skipped: {msg}");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("report.html");
    std::fs::write(&page, render(&browser_variant(), html::write_html)).expect("write html");
    let shot = dir.path().join("report.png");
    let out = Command::new("node")
        .arg(browser_dir.join("check-report.mjs"))
        .arg(&page)
        .arg(&shot)
        .current_dir(&browser_dir)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // to look at them: IAMDIFF_KEEP_BROWSER_OUTPUT=DIR keeps the page and its screenshot,
    // also when a check failed
    if let Some(keep) = std::env::var_os("IAMDIFF_KEEP_BROWSER_OUTPUT") {
        let keep = Path::new(&keep);
        std::fs::copy(&page, keep.join("report.html")).expect("copy page");
        if shot.is_file() {
            std::fs::copy(&shot, keep.join("report.png")).expect("copy screenshot");
        }
    }
    assert!(
        out.status.success(),
        "browser check failed\n{stdout}\n{stderr}"
    );
    assert!(shot.is_file(), "screenshot written");
}

/// Runs `iamdiff diff` on the migration fixture into a temporary directory and returns it
/// with the report set (`--out`).
fn migration_reports(extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = crate::util::iamdiff()
        .args([
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
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .args(extra)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("iamdiff runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

/// Issue 12: GitHub code scanning's documented requirements, checked on real output —
/// every rule has the descriptions, help (text and Markdown), a numeric
/// `security-severity` and tags; every result is located at a line (and column when the
/// statement is placed) in a file relative to `%SRCROOT%`, never at `<embedded catalog>`.
#[test]
fn sarif_meets_github_code_scanning_rules() {
    let dir = migration_reports(&[]);
    let v = read_json(&dir.path().join("iamdiff-report.sarif"));
    let run = &v["runs"][0];
    assert!(run["originalUriBaseIds"]["%SRCROOT%"].is_object());
    for rule in run["tool"]["driver"]["rules"].as_array().expect("rules") {
        for key in ["shortDescription", "fullDescription"] {
            assert!(
                !rule[key]["text"].as_str().unwrap_or_default().is_empty(),
                "{key}"
            );
        }
        assert!(!rule["help"]["text"].as_str().unwrap_or_default().is_empty());
        assert!(
            !rule["help"]["markdown"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
        let sev: f64 = rule["properties"]["security-severity"]
            .as_str()
            .expect("a string")
            .parse()
            .expect("numeric");
        assert!((0.0..=10.0).contains(&sev));
        assert!(
            rule["properties"]["tags"]
                .as_array()
                .expect("tags")
                .contains(&"security".into())
        );
        assert_ne!(rule["name"], rule["id"]);
        // the anchor the help points at exists in docs/findings.md
        let id = rule["id"].as_str().expect("id");
        let doc = std::fs::read_to_string(root().join("docs/findings.md")).expect("docs");
        assert!(doc.contains(&format!("<a id=\"{id}\"></a>")), "{id}");
        assert!(
            doc.contains(rule["fullDescription"]["text"].as_str().unwrap_or("?")),
            "{id}"
        );
    }
    let results = run["results"].as_array().expect("results");
    let mut columns = 0;
    for r in results {
        let pl = &r["locations"][0]["physicalLocation"];
        let uri = pl["artifactLocation"]["uri"].as_str().expect("uri");
        assert_eq!(pl["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(
            !uri.starts_with('/') && !uri.contains("embedded") && !uri.contains("(AWS)"),
            "{uri}"
        );
        assert!(root().join(uri).is_file(), "{uri}");
        assert!(pl["region"]["startLine"].as_u64().expect("line") >= 1);
        if pl["region"]["startColumn"].is_u64() {
            columns += 1;
        }
    }
    // nearly every result is placed at its statement or its policy's attachment
    assert!(
        columns * 10 >= results.len() * 9,
        "{columns} of {}",
        results.len()
    );
    // the lost SageMaker access of the data scientists points at the group's attachment
    let lost = results
        .iter()
        .find(|r| {
            r["ruleId"] == "lost"
                && r["locations"][0]["message"]["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("AmazonSageMakerFullAccess"))
        })
        .expect("a lost SageMaker result");
    let region = &lost["locations"][0]["physicalLocation"]["region"];
    let line = region["startLine"].as_u64().expect("line") as usize;
    let text =
        std::fs::read_to_string(root().join("fixtures/aws/company/account.json")).expect("fixture");
    assert!(
        text.lines()
            .nth(line - 1)
            .expect("line")
            .contains("AmazonSageMakerFullAccess"),
        "line {line}"
    );
    // the sign-off: inputs relative with their SHA-256, the gate's settings, no timestamp
    let props = &run["properties"];
    assert!(props["generated"].is_null());
    assert_eq!(props["failOn"][0], "lost");
    let inputs = props["inputs"].as_array().expect("inputs");
    assert!(
        inputs
            .iter()
            .all(|i| i["sha256"].as_str().is_some_and(|h| h.len() == 64))
    );
    assert!(inputs.iter().any(|i| i["role"] == "waivers"));
}

/// Issue 12: `--source-root` makes paths relative to another directory, and
/// `SOURCE_DATE_EPOCH` is the generation time.
#[test]
fn sarif_paths_follow_the_source_root_and_source_date_epoch() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = crate::util::iamdiff()
        .args([
            "diff",
            "--before",
            "fixtures/aws/company/account.json",
            "--after",
            "fixtures/aws/migration/after.json",
            "--source-root",
            "fixtures/aws",
            "--format",
            "sarif",
        ])
        .env("SOURCE_DATE_EPOCH", "1764547200")
        .output()
        .expect("runs");
    drop(dir);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let run = &v["runs"][0];
    assert_eq!(run["properties"]["generated"], "2025-12-01T00:00:00Z");
    let uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .expect("uri");
    assert!(
        uri.starts_with("company/") || uri.starts_with("migration/"),
        "{uri}"
    );
}

/// Issue 12: the SARIF passes Microsoft's Sarif.Multitool `validate` with its GitHub
/// (`Gh`) and SARIF rules and its JSON schema, when the validator is installed
/// (`npm ci` in tests/sarif; `.ci/run` does it). Elsewhere it says *skipped*.
#[test]
fn sarif_passes_the_sarif_multitool() {
    let tool =
        root().join("tests/sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    if !tool.is_file() {
        let msg = "Sarif.Multitool not installed (npm ci in tests/sarif)";
        if std::env::var_os("CI").is_some() {
            panic!("{msg}");
        }
        eprintln!("skipped: {msg}");
        return;
    }
    // with `--docs-url`, so the rules' helpUri is validated too (issue 12 item 5)
    let dir = migration_reports(&["--docs-url", "https://example.org/iamdiff"]);
    let log = dir.path().join("validation.sarif");
    let out = Command::new(&tool)
        .arg("validate")
        .arg(dir.path().join("iamdiff-report.sarif"))
        .args(["--rule-kind", "Gh;Sarif", "-o"])
        .arg(&log)
        .output()
        .expect("the multitool runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v = read_json(&log);
    let errors: Vec<&serde_json::Value> = v["runs"][0]["results"]
        .as_array()
        .map(|rs| rs.iter().filter(|r| r["level"] == "error").collect())
        .unwrap_or_default();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Jenkins' `junit-10.xsd` (xunit-plugin), written down as rules: the attributes each
/// element may carry (`*` = required) and the elements it may contain.
const JUNIT_10: &[(&str, &[&str], &[&str])] = &[
    (
        "testsuites",
        &["name", "time", "tests", "failures", "errors"],
        &["testsuite"],
    ),
    (
        "testsuite",
        &[
            "name*",
            "tests*",
            "failures*",
            "errors*",
            "group",
            "time",
            "skipped",
            "timestamp",
            "hostname",
            "id",
            "package",
            "file",
            "log",
            "url",
        ],
        &[
            "testsuite",
            "properties",
            "testcase",
            "system-out",
            "system-err",
        ],
    ),
    ("properties", &[], &["property"]),
    ("property", &["name*", "value*"], &[]),
    (
        "testcase",
        &["name*", "time", "classname", "group"],
        &["skipped", "error", "failure", "system-out", "system-err"],
    ),
    ("failure", &["type", "message"], &[]),
    ("error", &["type", "message"], &[]),
    ("skipped", &["type", "message"], &[]),
    ("system-out", &[], &[]),
    ("system-err", &[], &[]),
];

/// Checks an XML text (as iamdiff writes it: no comments, CDATA or DTD) against
/// [`JUNIT_10`]; returns the problems found.
fn junit_10_problems(xml: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let body = xml.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    for tag in body.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        if let Some(name) = tag.strip_prefix('/') {
            if stack.pop().as_deref() != Some(name) {
                problems.push(format!("unbalanced </{name}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name = tag.split_whitespace().next().unwrap_or_default().to_owned();
        let Some((_, attrs, _)) = JUNIT_10.iter().find(|(n, _, _)| *n == name) else {
            problems.push(format!("unknown element <{name}>"));
            continue;
        };
        match stack.last() {
            None if name != "testsuites" && name != "testsuite" => {
                problems.push(format!("root <{name}>"))
            }
            Some(parent) => {
                let allowed = JUNIT_10
                    .iter()
                    .find(|(n, _, _)| n == parent)
                    .is_some_and(|(_, _, c)| c.contains(&name.as_str()));
                if !allowed {
                    problems.push(format!("<{name}> inside <{parent}>"));
                }
            }
            None => {}
        }
        let given: Vec<&str> = tag
            .split('"')
            .step_by(2)
            .filter_map(|a| a.split_whitespace().last()?.strip_suffix('='))
            .collect();
        for a in &given {
            if !attrs.iter().any(|x| x.trim_end_matches('*') == *a) {
                problems.push(format!("<{name}> has attribute `{a}`"));
            }
        }
        for a in attrs.iter().filter_map(|a| a.strip_suffix('*')) {
            if !given.contains(&a) {
                problems.push(format!("<{name}> lacks `{a}`"));
            }
        }
        if !self_closing {
            stack.push(name);
        }
    }
    if !stack.is_empty() {
        problems.push(format!("unclosed {stack:?}"));
    }
    problems
}

/// Issue 12: the JUnit report is valid against Jenkins' `junit-10.xsd` (its rules, above;
/// and well formed for `xmllint` when installed), on the sample and on real output with
/// `--junit-all`: one test case per principal, one failure each, waived principals
/// skipped with the waiver, unchanged ones passing.
#[test]
fn junit_is_valid_for_jenkins_and_gitlab() {
    assert!(!junit_10_problems(r#"<testsuites skipped="0"></testsuites>"#).is_empty());
    let sample_xml = render(&sample(), junit::write_junit);
    assert_eq!(
        junit_10_problems(&sample_xml),
        Vec::<String>::new(),
        "{sample_xml}"
    );
    let dir = migration_reports(&["--junit-all", "--format", "junit"]);
    let path = dir.path().join("iamdiff-report.xml");
    let xml = std::fs::read_to_string(&path).expect("junit");
    assert_eq!(junit_10_problems(&xml), Vec::<String>::new(), "{xml}");
    assert!(xml.contains("waived #0 ("), "{xml}");
    // a principal whose failing findings are all waived is skipped, with the waiver
    let mut waived_only = sample();
    for p in &mut waived_only.principals {
        p.findings.retain(|f| f.waived.is_some());
    }
    waived_only.principals.retain(|p| !p.findings.is_empty());
    let skipped = render(&waived_only, junit::write_junit);
    assert!(
        skipped.contains("<skipped message=\"waiver #0: classic notebook"),
        "{skipped}"
    );
    assert_eq!(junit_10_problems(&skipped), Vec::<String>::new());
    // unchanged principals pass: more test cases than principals with findings
    let cases = xml.matches("<testcase ").count();
    assert!(cases > xml.matches("<failure ").count() + xml.matches("<skipped ").count());
    assert!(
        xml.contains("name=\"input.before\" value=\"fixtures/aws/company/account.json sha256:")
    );
    match Command::new("xmllint").arg("--noout").arg(&path).output() {
        Ok(out) => assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("skipped: xmllint not installed (apt-get install libxml2-utils)"),
    }
}
