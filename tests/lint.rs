//! `iamdiff lint` (issue 11 item 2): each rule's fixture gives exactly its findings, at
//! their code, file, line:column and JSON pointer; the clean fixtures give none; the gate
//! and the formats behave; malformed input still exits 2 with its place.

use serde_json::Value;

use crate::util::iamdiff;

const STMT: &str = "/UserDetailList/0/UserPolicyList/0/PolicyDocument/Statement";

/// A finding as (code, pointer, line, column).
type Found = (String, String, u64, u64);

/// Runs `iamdiff lint ARGS --format json`; returns the exit code, the findings and the
/// whole report.
fn lint(args: &[&str]) -> (i32, Vec<Found>, Value) {
    let out = iamdiff()
        .arg("lint")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let findings = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["place"]["pointer"].as_str().unwrap_or("").to_owned(),
                f["place"]["line"].as_u64().unwrap_or(0),
                f["place"]["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    (code, findings, json)
}

fn fixture(name: &str) -> String {
    format!("fixtures/lint/{name}")
}

fn found(code: &str, pointer: &str, line: u64, column: u64) -> Found {
    (code.to_owned(), pointer.to_owned(), line, column)
}

// issue 11: bucket-level action on objects, instance action on `instance/i-…/*`, an
// action that takes no resource type on a specific ARN
#[test]
fn l001_action_on_a_resource_type_it_does_not_take() {
    let (code, f, json) = lint(&[&fixture("l001-action-resource-mismatch.json")]);
    assert_eq!(code, 1, "errors fail the default gate");
    assert_eq!(
        f,
        vec![
            found("L001", &format!("{STMT}/0/Action"), 17, 27),
            found("L001", &format!("{STMT}/1/Action/0"), 24, 19),
            found("L001", &format!("{STMT}/1/Action/1"), 25, 19),
            found("L001", &format!("{STMT}/2/Action"), 32, 27),
        ]
    );
    assert!(
        json["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`s3:ListBucket`")
    );
}

// issue 11: a resource pattern no action of its statement can match
#[test]
fn l002_resource_matching_no_action_of_its_statement() {
    let (_, f, _) = lint(&[&fixture("l002-dead-resource.json")]);
    assert_eq!(
        f,
        vec![
            found("L002", &format!("{STMT}/0/Resource/1"), 23, 19),
            found("L002", &format!("{STMT}/1/Resource/1"), 32, 19),
        ]
    );
}

// issue 11: typos and retired actions, with the closest known action
#[test]
fn l003_unknown_actions_with_the_closest_known_one() {
    let (code, f, json) = lint(&[&fixture("l003-unknown-action.json")]);
    assert_eq!(code, 0, "warnings pass the default gate");
    assert_eq!(
        f,
        vec![
            found("L003", &format!("{STMT}/0/Action/0"), 18, 19),
            found("L003", &format!("{STMT}/1/Action"), 26, 27),
        ]
    );
    assert_eq!(json["findings"][0]["suggestion"], "s3:GetObject");
    assert_eq!(json["findings"][1]["suggestion"], "ec2:DescribeInstances");
}

// issue 11: statements entirely shadowed by a deny or by another statement
#[test]
fn l004_l005_shadowed_statements() {
    let (_, f, _) = lint(&[&fixture("l004-shadowed-by-deny.json")]);
    assert_eq!(f, vec![found("L004", &format!("{STMT}/0"), 14, 15)]);
    let (_, f, json) = lint(&[&fixture("l005-redundant-statement.json")]);
    assert_eq!(f, vec![found("L005", &format!("{STMT}/0"), 14, 15)]);
    assert_eq!(json["findings"][0]["severity"], "note");
}

// issue 11: a boundary, or an SCP level, that allows nothing the identity policies grant
#[test]
fn l006_limits_that_allow_nothing_granted() {
    let (_, f, _) = lint(&[&fixture("l006-limit-allows-nothing.json")]);
    assert_eq!(
        f,
        vec![found(
            "L006",
            "/Policies/0/PolicyVersionList/0/Document/Statement/0",
            50,
            15
        )]
    );
    let (_, f, _) = lint(&[
        &fixture("l005-redundant-statement.json"),
        "--scp",
        &fixture("l006-scp.json"),
    ]);
    assert!(f.contains(&found("L006", "/Statement/0", 4, 5)), "{f:?}");
}

// issue 11: a condition on a key the action never has
#[test]
fn l007_condition_keys_the_action_never_has() {
    let (_, f, _) = lint(&[&fixture("l007-inapplicable-condition-key.json")]);
    assert_eq!(
        f,
        vec![found(
            "L007",
            &format!("{STMT}/0/Condition/StringLike/s3:prefix"),
            21,
            34
        )]
    );
}

// issue 11: trust admitting a whole account (warning) or everyone (error), no condition
#[test]
fn l008_account_wide_trust() {
    let (code, f, json) = lint(&[&fixture("l008-account-wide-trust.json")]);
    assert_eq!(code, 1);
    assert_eq!(
        f,
        vec![
            found(
                "L008",
                "/RoleDetailList/0/AssumeRolePolicyDocument/Statement/0/Principal",
                15,
                26
            ),
            found(
                "L008",
                "/RoleDetailList/1/AssumeRolePolicyDocument/Statement/0/Principal",
                37,
                26
            ),
        ]
    );
    assert_eq!(json["findings"][0]["severity"], "warning");
    assert_eq!(json["findings"][1]["severity"], "error");
}

// issue 11: references to principals and IAM resources the inputs do not have
#[test]
fn l009_l010_dangling_references() {
    let (_, f, _) = lint(&[&fixture("l009-dangling-principal.json")]);
    assert_eq!(
        f,
        vec![found(
            "L009",
            "/RoleDetailList/0/AssumeRolePolicyDocument/Statement/0",
            13,
            11
        )]
    );
    let (_, f, _) = lint(&[&fixture("l010-dangling-resource.json")]);
    assert_eq!(
        f,
        vec![found("L010", &format!("{STMT}/0/Resource/1"), 20, 19)]
    );
}

// issue 11: no finding on the clean fixtures. The company account's one finding is a
// true positive: `ci-deploy` may pass `role/service-role/ml-lambda-exec`, a role
// the export (which lists every role of 111122223333) does not have.
#[test]
fn clean_fixtures_have_no_findings() {
    for src in [
        "fixtures/lint/clean.json",
        "fixtures/aws/migration/after.json",
        "fixtures/aws/cli/complete",
        "fixtures/aws/org/before",
        "fixtures/aws/resources/before",
        "fixtures/cloudformation/target",
        "fixtures/terraform/state",
        "fixtures/gcp/before",
        "fixtures/gcp/after",
    ] {
        let (code, f, _) = lint(&[src]);
        assert_eq!((code, f), (0, vec![]), "{src}");
    }
    let (_, f, _) = lint(&[
        "fixtures/aws/company/account.json",
        "--scp",
        "fixtures/aws/company/scp-root.json",
        "--scp",
        "fixtures/aws/company/scp-ou-workloads.json",
    ]);
    assert_eq!(
        f,
        vec![found(
            "L010",
            "/RoleDetailList/1/RolePolicyList/0/PolicyDocument/Statement/1/Resource",
            480,
            45
        )]
    );
}

// issue 11: `--fail-on LEVEL` gates on severity
#[test]
fn fail_on_sets_the_gate_threshold() {
    let src = fixture("l003-unknown-action.json");
    let (code, _, _) = lint(&[&src, "--fail-on", "warning"]);
    assert_eq!(code, 1);
    let (code, _, _) = lint(&[
        &fixture("l005-redundant-statement.json"),
        "--fail-on",
        "warning",
    ]);
    assert_eq!(code, 0);
}

// issue 11: SARIF carries one rule per code with help text, results at line and column;
// Markdown and the table name the code
#[test]
fn sarif_markdown_and_table_formats() {
    let src = fixture("l001-action-resource-mismatch.json");
    let out = iamdiff()
        .args(["lint", &src, "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 10);
    assert!(
        rules
            .iter()
            .all(|r| r["help"]["text"].as_str().unwrap().contains("What to do"))
    );
    let r = &run["results"][0];
    assert_eq!(r["ruleId"], "L001");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        17
    );
    for (format, needle) in [
        ("md", "| error | [L001]"),
        ("table", "error[L001 action-resource-mismatch]"),
    ] {
        let out = iamdiff()
            .args(["lint", &src, "--format", format])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(needle),
            "{format}"
        );
    }
}

// issue 11: malformed input keeps exiting 2 with the file and the place
#[test]
fn malformed_input_exits_2_with_its_place() {
    let out = iamdiff()
        .args(["lint", "fixtures/malformed/bad-effect.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("fixtures/malformed/bad-effect.json:17:49"),
        "{err}"
    );
}
