//! Reports at scale (issue 12 items 3 and 4): on a generated 20,000-user pair with
//! thousands of findings, the HTML report stays under 10 MB and loads in under 2 s in
//! headless Chromium with working filters, and the Markdown fits GitHub's comment limit
//! while still showing the worst principal. The pair is generated once into `bench-data/`
//! (git-ignored; the same data `scripts/bench-e2e.sh` uses) and the reports once per run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::generator::synth::{self, Scale};
use crate::util::{iamdiff, root};

/// GitHub's limit on a pull-request comment, in characters.
const GITHUB_COMMENT_LIMIT: usize = 65_536;
/// The HTML report of the large pair must stay under this.
const HTML_LIMIT: usize = 10 * 1024 * 1024;

/// The large pair's report set (`--out`), generated once per test run.
fn large_reports() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let data = synth::ensure_scenario(&root().join("bench-data"), Scale::Large).unwrap();
        let out = std::env::temp_dir().join(format!("iamdiff-scale-{}", std::process::id()));
        let run = iamdiff()
            .arg("diff")
            .arg("--before")
            .arg(data.join("before.json"))
            .arg("--after")
            .arg(data.join("after.json"))
            .args([
                "--today",
                "2026-11-24",
                "--quiet",
                "--format",
                "md",
                "--format",
                "html",
            ])
            .args([
                "--report-url",
                "https://ci.example/artifacts/iamdiff-report.html",
            ])
            .arg("--out")
            .arg(&out)
            .env_remove("SOURCE_DATE_EPOCH")
            .output()
            .unwrap();
        assert!(
            matches!(run.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        out
    })
}

/// Issue 12 item 4: the Markdown of the large pair fits a comment, keeps at most six
/// columns per table, shows no escaped backtick, links the full report, and includes the
/// worst principal (the first of the ranking, which the JSON gives too).
#[test]
fn markdown_of_a_large_pair_fits_and_includes_the_worst_principal() {
    let md = std::fs::read_to_string(large_reports().join("iamdiff-report.md")).unwrap();
    let n = md.chars().count();
    assert!(n <= GITHUB_COMMENT_LIMIT, "{n} characters");
    assert!(!md.contains("\\`"), "an escaped backtick shows literally");
    assert!(md.contains("Full report: <https://ci.example/artifacts/iamdiff-report.html>"));
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let cells = line.matches(" | ").count() + 1;
        assert!(cells <= 6, "{cells} columns: {line}");
    }
    // the changes lead, then the people (issue 12 items 1, 2): the worst principal is the
    // first row of the people ranking table, with its own section
    let changes = md.find("### Changes by impact").expect("the changes table");
    let people = md.find("| Principal |").expect("the people table");
    assert!(changes < people, "the changes come before the people");
    let first = md[people..].lines().nth(2).unwrap();
    let name = first.trim_start_matches("| ").split(" | ").next().unwrap();
    let label = name.replace('\\', "");
    assert!(
        md.contains(&format!("<b>{label}</b>")),
        "the worst principal `{label}` has no section"
    );
    assert!(md.contains("### Sign-off") && md.contains("### Attestation"));
}

/// Issue 12 item 3: the HTML of the large pair is under 10 MB.
#[test]
fn html_of_a_large_pair_is_under_10_mb() {
    let size = std::fs::metadata(large_reports().join("iamdiff-report.html"))
        .unwrap()
        .len() as usize;
    eprintln!("html report of the 20,000-user pair: {size} bytes");
    assert!(size < HTML_LIMIT, "{size} bytes");
}

/// Issue 12 item 3: the large HTML loads in under 2 s in headless Chromium, has no
/// horizontal overflow at 1280 px, and its filters, sorting, paging and drill-down work.
/// Says *skipped* (and fails under CI) when Chromium or playwright-core is missing.
#[test]
fn html_of_a_large_pair_loads_fast_in_a_browser() {
    let browser_dir = root().join("tests/browser");
    let mut missing = Vec::new();
    if !Path::new("/usr/bin/chromium").exists() {
        missing.push("/usr/bin/chromium");
    }
    if !browser_dir.join("node_modules/playwright-core").is_dir() {
        missing.push("tests/browser/node_modules");
    }
    if !missing.is_empty() {
        let msg = format!(
            "skipped: browser test needs {} (apt-get install chromium; npm ci in tests/browser)",
            missing.join(" and ")
        );
        assert!(std::env::var_os("CI").is_none(), "{msg}");
        eprintln!("{msg}");
        return;
    }
    let page = large_reports().join("iamdiff-report.html");
    let shot = large_reports().join("report.png");
    let out = Command::new("node")
        .arg(browser_dir.join("check-scale.mjs"))
        .arg(&page)
        .arg(&shot)
        .current_dir(&browser_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "browser check failed\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(keep) = std::env::var_os("IAMDIFF_KEEP_BROWSER_OUTPUT") {
        std::fs::copy(&shot, Path::new(&keep).join("report-scale.png")).unwrap();
    }
}
