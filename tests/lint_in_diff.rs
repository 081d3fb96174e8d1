//! Lint findings in the diff's reports (issue 11 item 2): when a loss is explained by a
//! grant that can never work on the after side, the diff finding names the lint code with
//! its place in every format; `--docs-url` gives SARIF rules a `helpUri` (issue 12 item 5).
//! Fixture: `fixtures/lint/diff/` (the after side narrows a bucket grant to
//! `arn:aws:s3:::data-bucket/*` for the bucket-level `s3:ListBucket` and
//! `s3:GetBucketLocation`).

use iamdiff::report::diff::DiffReport;

use crate::util::{iamdiff, stdout_of};

const BEFORE: &str = "fixtures/lint/diff/before.json";
const AFTER: &str = "fixtures/lint/diff/after.json";

fn run(extra: &[&str]) -> String {
    let mut args = vec!["diff", "--before", BEFORE, "--after", AFTER, "--quiet"];
    args.extend_from_slice(extra);
    stdout_of(args, 1)
}

// issue 11: the narrowed bucket-level actions name L001 on the after side, with the
// pointer, line and column of each action in the after file
#[test]
fn a_bucket_grant_narrowed_to_objects_names_the_lint_code() {
    let r: DiffReport = iamdiff::report::json::from_str(&run(&["--format", "json"])).unwrap();
    let f = r
        .principals
        .iter()
        .flat_map(|p| &p.findings)
        .find(|f| f.actions.contains(&"s3:ListBucket".to_owned()))
        .expect("a finding about s3:ListBucket");
    assert!(!f.lint.is_empty(), "{f:#?}");
    for n in &f.lint {
        assert_eq!(
            (n.code.as_str(), n.rule.as_str()),
            ("L001", "action-resource-mismatch")
        );
        assert_eq!((n.side.as_str(), n.file.as_str()), ("after", AFTER));
        assert!(n.line.is_some() && n.column.is_some(), "{n:?}");
        assert!(
            n.pointer
                .as_deref()
                .is_some_and(|p| p.ends_with("/Statement/0/Action/0")
                    || p.ends_with("/Statement/0/Action/1")),
            "{n:?}"
        );
    }
    assert_eq!(f.lint.len(), 2, "ListBucket and GetBucketLocation");
    assert!(
        f.message
            .contains("explained by lint on the after side: L001 action-resource-mismatch ×2"),
        "{}",
        f.message
    );
    // the cause stays the policy edit
    let c = r.change(&f.causes[0]).unwrap();
    assert!(c.summary.contains("analyst-data"), "{c:?}");
}

// issue 11: Markdown, the terminal's detail and SARIF show the lint code too (SARIF as a
// related location at the action's line and a result property)
#[test]
fn every_format_shows_the_lint_code() {
    assert!(run(&["--format", "md"]).contains("L001 action-resource-mismatch"));
    assert!(run(&["--detail"]).contains("L001"));
    let v: serde_json::Value = serde_json::from_str(&run(&["--format", "sarif"])).unwrap();
    let res = &v["runs"][0]["results"][0];
    assert_eq!(res["properties"]["lint"][0], "L001");
    let rel = res["relatedLocations"].as_array().unwrap();
    assert!(
        rel.iter().any(|l| l["message"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("lint L001"))
            && l["physicalLocation"]["region"]["startLine"].as_u64() > Some(1)),
        "{rel:#?}"
    );
}

// issue 11: a policy with the same dead grant on both sides explains nothing that changed
#[test]
fn a_lint_finding_on_both_sides_is_not_attached() {
    let out = iamdiff()
        .args([
            "diff", "--before", AFTER, "--after", AFTER, "--format", "json", "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r: DiffReport =
        iamdiff::report::json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert!(r.principals.iter().all(|p| p.findings.is_empty()));
}

// issue 12: `--docs-url` gives every rule a helpUri at its anchor in docs/findings.md
// (diff) and docs/lint.md (lint); without it there is none, and a bad URL is exit 2
#[test]
fn docs_url_gives_sarif_rules_a_help_uri_and_nothing_is_invented() {
    let base = "https://example.org/iamdiff/";
    let v: serde_json::Value =
        serde_json::from_str(&run(&["--format", "sarif", "--docs-url", base])).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let findings = std::fs::read_to_string("docs/findings.md").unwrap();
    for r in rules {
        let id = r["id"].as_str().unwrap();
        assert_eq!(
            r["helpUri"],
            format!("https://example.org/iamdiff/docs/findings.md#{id}")
        );
        assert!(findings.contains(&format!("<a id=\"{id}\"></a>")), "{id}");
    }
    let plain: serde_json::Value = serde_json::from_str(&run(&["--format", "sarif"])).unwrap();
    let rules = plain["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().all(|r| r.get("helpUri").is_none()));

    let out = iamdiff()
        .args(["lint", AFTER, "--format", "sarif", "--docs-url", base])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lint_doc = std::fs::read_to_string("docs/lint.md").unwrap();
    for r in v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap() {
        let name = r["name"].as_str().unwrap();
        assert_eq!(
            r["helpUri"],
            format!("https://example.org/iamdiff/docs/lint.md#{name}")
        );
        assert!(
            lint_doc.contains(&format!("<a id=\"{name}\"></a>")),
            "{name}"
        );
    }
    let out = iamdiff()
        .args([
            "diff",
            "--before",
            BEFORE,
            "--after",
            AFTER,
            "--docs-url",
            "docs/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`--docs-url docs/`"));
}
