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
    table::write_table(report, &table::TableOptions::default(), &mut out).expect("render");
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
    let back: DiffReport = serde_json::from_str(&out).expect("json parses back");
    assert_eq!(back, report);
    insta::assert_snapshot!("diff_json", out);
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!("diff_sarif", render(&sample(), sarif::write_sarif));
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
    assert!(md.contains("\\| \\`\\*bold\\*\\` \\[link\\](javascript:alert(3)) &amp; more"));
    // verdict first, then who is hit hardest: carol's lost pairs lead the table
    assert!(md.contains(
        "**FAIL** — 7 findings fail the gate (lost, narrowed, removed, review at ≥ Read), 1 waived"
    ));
    let table_start = md.find("| Principal |").expect("summary table");
    let first_row = md[table_start..].lines().nth(2).expect("a row");
    assert!(first_row.starts_with("| user carol |"), "{first_row}");

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
    assert!(md.contains("… 7 more in the HTML/JSON report"));

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
    assert!(md.contains("more principals in the HTML/JSON report"));
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
    // the hostile principal shows only as text
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
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
    // one table row per finding
    let findings = report.findings().count();
    assert_eq!(page.matches("<tr data-principal=").count(), findings);
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
    let head = format!(
        r#"<testsuite name="iamdiff" tests="{tests}" failures="{failed}" errors="0" skipped="0">"#
    );
    assert!(xml.contains(&head), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), tests);
    assert_eq!(xml.matches("<failure ").count(), report.gate.failing);
    assert!(xml.contains(r#"<testcase classname="user" name="carol">"#));
    assert!(xml.contains(r#"name="&lt;img src=x onerror=alert(1)&gt;""#));
    assert!(!xml.contains(HOSTILE));
    // the waived finding is output, not a failure
    assert!(xml.contains("\nwaived #0 (classic notebook instances are retired"));
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
    table::write_table(&report, &table::TableOptions { width: Some(120) }, &mut out)
        .expect("render");
    let text = String::from_utf8(out).expect("utf-8");
    insta::assert_snapshot!("diff_table_width_120", text);
    assert!(text.starts_with("FAIL: 7 findings fail the gate"));
    for line in text.lines().filter(|l| l.starts_with(['┌', '│', '└', '╞'])) {
        assert!(line.chars().count() <= 120, "{line}");
    }
    // witnesses stay whole, or are shortened in the middle with an indicator; never
    // wrapped: every witness line is a whole ARN
    assert!(text.contains("┆ arn:aws:s3:::examplecorp-ds-projects/raw/x "));
    assert!(text.contains("┆ arn:aws:s3:::exampl…cts/churn/train.csv ┆"));
    for line in text.lines() {
        if let Some(i) = line.find("arn:aws:").filter(|_| line.starts_with('│')) {
            let cell = line[i..].split(" ┆").next().unwrap_or_default().trim_end();
            assert!(
                cell.ends_with(|c: char| c.is_alphanumeric() || c == '_'),
                "{cell}"
            );
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
    report
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
    assert!(
        out.status.success(),
        "browser check failed\n{stdout}\n{stderr}"
    );
    assert!(shot.is_file(), "screenshot written");
    // to look at them: IAMDIFF_KEEP_BROWSER_OUTPUT=DIR keeps the page and its screenshot
    if let Some(keep) = std::env::var_os("IAMDIFF_KEEP_BROWSER_OUTPUT") {
        let keep = Path::new(&keep);
        std::fs::copy(&page, keep.join("report.html")).expect("copy page");
        std::fs::copy(&shot, keep.join("report.png")).expect("copy screenshot");
    }
}
