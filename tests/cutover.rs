//! `iamdiff cutover` end to end (issue 11 item 1): runbooks over the provisioner migration
//! fixture in both forms, their windows, the proposed order and its verification, lines
//! not followed, malformed runbooks, formats and exit codes.

use serde_json::Value;

use crate::util::iamdiff;

const BEFORE: &str = "fixtures/provisioner/migration/before.json";
const CONFIG: &str = "fixtures/provisioner/migration/edge-prod-b001-us-west-1-sec.yaml";
const MEMBERSHIPS: &str = "fixtures/provisioner/migration/memberships.txt";

fn run(runbook: &str, extra: &[&str]) -> (i32, Value) {
    let out = iamdiff()
        .args([
            "cutover",
            "--before",
            BEFORE,
            "--runbook",
            runbook,
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (code, v)
}

fn windows(v: &Value) -> Vec<(String, u64, Option<u64>)> {
    v["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["principal"].as_str().unwrap().to_owned(),
                w["opened"].as_u64().unwrap(),
                w["closed"].as_u64(),
            )
        })
        .collect()
}

/// Issue 11: deleting the old stack before deploying the new one leaves everyone without
/// their groups until re-added; with `--after`, only the temporary losses are windows, and
/// the proposed order (deploy and re-add first) is replayed and has none.
#[test]
fn delete_stack_before_deploy_opens_windows_that_the_reordering_closes() {
    let (code, v) = run(
        "fixtures/cutover/delete-before-deploy.yaml",
        &["--after", CONFIG, MEMBERSHIPS, "--fail-on", "window"],
    );
    assert_eq!(code, 1, "a window with --fail-on window exits 1");
    assert_eq!(
        windows(&v),
        vec![
            ("alice".into(), 1, Some(3)),
            ("bob".into(), 1, Some(4)),
            ("carol".into(), 1, Some(5)),
            ("dave".into(), 1, Some(7)),
        ]
    );
    // erin is forgotten by the target too: a loss of the migration, not of the cutover
    assert!(!windows(&v).iter().any(|w| w.0 == "erin"));
    let alice = &v["windows"][0];
    assert_eq!(alice["steps"], 2);
    assert_eq!(alice["opened_at"]["line"], 7);
    let lacks = alice["lacks"].as_array().unwrap();
    let s3 = lacks.iter().find(|l| l["service"] == "s3").unwrap();
    assert!(
        s3["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "s3:GetObject")
    );
    assert!(
        s3["granted_by"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["policy"] == "data-science-access")
    );
    let r = &v["reorder"];
    assert_eq!(r["verified"], true);
    assert_eq!(r["order"], serde_json::json!([2, 3, 4, 5, 6, 7, 1]));
    assert_eq!(v["complete"], true);
}

/// Issue 11: without `--after`, losses the end state keeps (Athena, erin) stay open to the
/// end, and the report says no order closes them and why.
#[test]
fn without_after_permanent_losses_stay_open_and_no_order_closes_them() {
    let (code, v) = run("fixtures/cutover/delete-before-deploy.yaml", &[]);
    assert_eq!(code, 0, "no --fail-on: exit 0");
    let w = windows(&v);
    assert!(w.contains(&("erin".into(), 1, None)));
    assert!(w.contains(&("dave".into(), 1, Some(7))));
    assert_eq!(v["reorder"]["verified"], false);
    let reasons = v["reorder"]["reasons"].as_array().unwrap();
    assert!(reasons.iter().any(|r| {
        r.as_str()
            .unwrap()
            .contains("`erin` still lacks access at the end")
    }));
}

/// Issue 11: the shell form — removals before the deploy that re-adds the users (quoting,
/// continuations, `$VAR`, `--profile`, `|| true`) — and the order that closes the windows.
#[test]
fn shell_runbook_remove_before_add_and_its_reordering() {
    let (code, v) = run(
        "fixtures/cutover/remove-before-add.sh",
        &[
            "--account",
            "123456789012",
            "--region",
            "us-west-1",
            "--after",
            "fixtures/provisioner/migration/template.yaml",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(v["form"], "shell");
    assert_eq!(v["steps"].as_array().unwrap().len(), 14);
    assert_eq!(
        windows(&v),
        vec![
            ("alice".into(), 1, Some(7)),
            ("bob".into(), 2, Some(7)),
            ("carol".into(), 4, Some(7)),
            ("dave".into(), 6, Some(7)),
        ]
    );
    // the continued line is placed where it starts
    assert_eq!(v["steps"][3]["place"]["line"], 12);
    assert_eq!(v["steps"][6]["op"], "deploy");
    assert_eq!(v["reorder"]["verified"], true);
    assert_eq!(v["reorder"]["order"][0], 7, "the deploy goes first");
    assert!(v["unfollowed"].as_array().unwrap().is_empty());
}

/// Issue 11: a stack deleted and deployed again under the same name keeps its order, so
/// the window cannot be closed; the reason names both steps.
/// Issue 11: a policy narrowed in place (`put-group-policy` over the existing one) before
/// the policy taking over its statements is attached opens a window; the reordering treats
/// an in-place edit that took access away as subtractive and puts it after the additive
/// steps, and the proposed order is replayed with no window.
#[test]
fn a_narrowing_in_place_edit_is_ordered_after_the_steps_that_grant_elsewhere() {
    let (code, v) = run(
        "fixtures/cutover/narrow-in-place.sh",
        &["--fail-on", "window"],
    );
    assert_eq!(code, 1);
    assert_eq!(windows(&v), vec![("carol".to_owned(), 1, Some(3))]);
    let lacks: Vec<&str> = v["windows"][0]["lacks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["actions"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    assert!(
        lacks.iter().all(|a| a.starts_with("sagemaker:")),
        "{lacks:?}"
    );
    assert_eq!(v["reorder"]["order"], serde_json::json!([2, 3, 1]));
    assert_eq!(v["reorder"]["verified"], true);
}

#[test]
fn same_stack_delete_and_deploy_cannot_be_reordered() {
    let (_, v) = run(
        "fixtures/cutover/same-stack.yaml",
        &["--after", CONFIG, MEMBERSHIPS],
    );
    assert!(windows(&v).contains(&("alice".into(), 1, Some(3))));
    assert_eq!(v["reorder"]["verified"], false);
    let reasons = v["reorder"]["reasons"].as_array().unwrap();
    assert!(
        reasons.iter().any(|r| {
            let r = r.as_str().unwrap();
            r.contains("step 1 deletes stack `edge-iam`") && r.contains("step 2 makes it again")
        }),
        "{reasons:?}"
    );
}

/// Issue 11: loops, unknown commands, unresolved variables, command substitutions and
/// `--cli-input-json` are reported with their line, never guessed; the result says it is
/// incomplete and `--fail-on incomplete` gates on it.
#[test]
fn unfollowable_lines_are_reported_with_their_line() {
    let (code, v) = run(
        "fixtures/cutover/unfollowed.sh",
        &["--fail-on", "incomplete"],
    );
    assert_eq!(code, 1);
    assert_eq!(v["complete"], false);
    let lines: Vec<u64> = v["unfollowed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["place"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![5, 6, 7, 8, 9, 10, 11]);
    let reasons: Vec<&str> = v["unfollowed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["reason"].as_str().unwrap())
        .collect();
    assert!(reasons[0].contains("loop"));
    assert!(reasons[3].contains("`terraform`"));
    assert!(reasons[4].contains("`$NEW_GROUP`"));
    assert!(reasons[5].contains("command substitution"));
    assert!(reasons[6].contains("--cli-input-json"));
    // the one line it follows is replayed
    assert_eq!(v["steps"].as_array().unwrap().len(), 1);
    assert!(v["verdict"].as_str().unwrap().contains("INCOMPLETE"));
}

/// Issue 11: malformed runbooks exit 2 naming the file and line:column.
#[test]
fn malformed_runbooks_exit_2_with_their_place() {
    for (file, want) in [
        (
            "malformed-quote.sh",
            "malformed-quote.sh:2:44: unterminated single quote",
        ),
        (
            "malformed-missing.sh",
            "malformed-missing.sh:2:1: `iam add-user-to-group` needs `--group-name`",
        ),
        (
            "malformed-unknown-op.yaml",
            "malformed-unknown-op.yaml:3:5 (at /steps/1/move-user-to-group): unknown operation",
        ),
        ("malformed-policy.yaml", "malformed-policy.yaml:6:9"),
    ] {
        let out = iamdiff()
            .args([
                "cutover",
                "--before",
                BEFORE,
                "--runbook",
                &format!("fixtures/cutover/{file}"),
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{file}: {err}");
    }
}

/// Issue 11: every format renders; SARIF puts each window at the runbook line opening it,
/// JUnit fails the steps that open windows.
#[test]
fn every_format_renders_the_windows() {
    let args = |f: &str| {
        iamdiff()
            .args([
                "cutover",
                "--before",
                BEFORE,
                "--runbook",
                "fixtures/cutover/delete-before-deploy.yaml",
                "--after",
                CONFIG,
                MEMBERSHIPS,
                "--format",
                f,
            ])
            .output()
            .unwrap()
    };
    let sarif: Value = serde_json::from_slice(&args("sarif").stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["ruleId"], "cutover-window");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        7
    );
    let junit = String::from_utf8(args("junit").stdout).unwrap();
    assert!(junit.contains("tests=\"7\" failures=\"1\""), "{junit}");
    let md = String::from_utf8(args("markdown").stdout).unwrap();
    assert!(
        md.contains("| user `alice` | step 1 (line 7) | step 3 | 2 |"),
        "{md}"
    );
    assert!(md.contains("**Proposed order**"));
    let html = String::from_utf8(args("html").stdout).unwrap();
    assert!(html.contains("<h2>Windows</h2>") && html.contains("alice"));
    let table = String::from_utf8(args("table").stdout).unwrap();
    assert!(table.contains("user alice: from step 1"), "{table}");
    assert!(table.contains("Proposed order (replayed: no window): 2 (line 8)"));
}
