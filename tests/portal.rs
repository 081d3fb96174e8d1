//! Self-service permission records (issue 11 item 3): the portal's entity export read as
//! roles and policies, linted (every finding of the corpus's expected-findings.yaml on its
//! example export), compared with an account dump (missing, drifted and unrecorded roles
//! and policies), usable by `effective` and `diff`, and malformed exports exiting 2 with
//! their place.

use serde_json::Value;

use crate::util::iamdiff;

const EXAMPLE: &str =
    "../shared/corpus/seed-systems/port/provisioned_permissions.entities.example.json";
const NOW: &str = "2026-11-22T00:00:00Z";

/// A finding as (code, file, pointer, line).
type Found = (String, String, String, u64);

fn lint(args: &[&str], format: &str) -> (i32, String) {
    let out = iamdiff()
        .arg("lint")
        .args(args)
        .args(["--now", NOW, "--format", format])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn findings(args: &[&str]) -> (i32, Vec<Found>, Value) {
    let (code, out) = lint(args, "json");
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["place"]["file"].as_str().unwrap().to_owned(),
                f["place"]["pointer"].as_str().unwrap_or("").to_owned(),
                f["place"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    (code, f, json)
}

fn has(f: &[Found], code: &str, file: &str, pointer: &str) -> bool {
    f.iter()
        .any(|(c, fl, p, line)| c == code && fl.ends_with(file) && p == pointer && *line > 0)
}

// issue 11 item 3: each per-entity and all-entity finding of expected-findings.yaml that
// the export can show, at its record's place
#[test]
fn the_corpus_example_gives_every_expected_finding() {
    let (code, f, json) = findings(&[EXAMPLE]);
    assert_eq!(code, 1, "dead grants are errors");
    let file = "provisioned_permissions.entities.example.json";
    // Permission-9876543210 works as intended: no dead grant on its policy
    assert!(
        !f.iter()
            .any(|(c, _, p, _)| ["L001", "L002"].contains(&c.as_str())
                && p.starts_with("/entities/0/")),
        "{f:?}"
    );
    // dead grants: ec2:StopInstances on instance/i-…/*; s3:ListBucket and
    // s3:DeleteBucket on bucket/* (s3:GetObject, index 1, works)
    let stmt = "/properties/iam_policy/Statement/0/Action";
    assert!(
        has(&f, "L001", file, &format!("/entities/1{stmt}")),
        "{f:?}"
    );
    assert!(
        has(&f, "L001", file, &format!("/entities/2{stmt}/0")),
        "{f:?}"
    );
    assert!(
        has(&f, "L001", file, &format!("/entities/2{stmt}/2")),
        "{f:?}"
    );
    assert!(
        !has(&f, "L001", file, &format!("/entities/2{stmt}/1")),
        "{f:?}"
    );
    for i in 0..3 {
        let role = format!("/entities/{i}/properties/role_arn");
        // account-root trust with no condition, not bound to the requester
        assert!(has(&f, "L008", file, &role), "{f:?}");
        assert!(has(&f, "L011", file, &role), "{f:?}");
    }
    // no expiry (0 and 2), expired but still present (1, at 2026-11-21T09:00Z)
    assert!(has(&f, "L012", file, "/entities/0/properties/expiry_time"));
    assert!(has(&f, "L012", file, "/entities/2/properties/expiry_time"));
    assert!(has(&f, "L013", file, "/entities/1/properties/expiry_time"));
    assert!(!has(&f, "L012", file, "/entities/1/properties/expiry_time"));
    // the findings of the other rules carry the record's origin
    let dead = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "L001")
        .unwrap();
    assert_eq!(dead["portal"]["record"], "Permission-9876543299");
    assert_eq!(dead["portal"]["requester"], "lee@example.com");
    assert_eq!(dead["portal"]["expiry"], "2026-11-21T09:00:00.000Z");
}

// issue 11 item 3: --now decides expiry; before the expiry there is no L013
#[test]
fn expiry_is_judged_at_now() {
    let out = iamdiff()
        .args([
            "lint",
            EXAMPLE,
            "--format",
            "json",
            "--now",
            "2026-11-20T00:00:00Z",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("\"L013\""), "{text}");
    let out = iamdiff()
        .args(["lint", EXAMPLE, "--format", "json"])
        .env("SOURCE_DATE_EPOCH", "1795251601")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"L013\""));
    let out = iamdiff()
        .args(["lint", EXAMPLE, "--now", "yesterday"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
}

// issue 11 item 3: drift between records and an account dump, and the provisioning user
#[test]
fn records_against_a_dump_report_missing_drifted_and_unrecorded() {
    let (_, f, _) = findings(&["fixtures/portal/records.json", "fixtures/portal/dump.json"]);
    let r = "records.json";
    let d = "dump.json";
    // 9876543377: role and policy gone from the dump
    assert!(
        has(&f, "L015", r, "/entities/2/properties/role_arn"),
        "{f:?}"
    );
    assert!(
        has(&f, "L016", r, "/entities/2/properties/policy_arn"),
        "{f:?}"
    );
    // 9876543210: its policy edited in AWS
    assert!(
        has(&f, "L017", r, "/entities/0/properties/iam_policy"),
        "{f:?}"
    );
    // 9876543400: policy present but not attached
    assert!(
        has(&f, "L017", r, "/entities/3/properties/policy_arn"),
        "{f:?}"
    );
    // 9876543299: trust widened to another account, and expired with its role still there
    assert!(
        has(&f, "L018", r, "/entities/1/properties/role_arn"),
        "{f:?}"
    );
    assert!(
        has(&f, "L013", r, "/entities/1/properties/expiry_time"),
        "{f:?}"
    );
    // a portal-named role and policy no record accounts for
    assert!(
        has(&f, "L019", d, "/RoleDetailList/3/AssumeRolePolicyDocument"),
        "{f:?}"
    );
    assert!(
        has(&f, "L019", d, "/Policies/3/PolicyVersionList/0/Document"),
        "{f:?}"
    );
    // the management user of the guide: any role with any policy, and no CreatePolicy
    assert!(
        has(
            &f,
            "L020",
            d,
            "/UserDetailList/0/UserPolicyList/0/PolicyDocument/Statement/0"
        ),
        "{f:?}"
    );
    // an action of another service than the requested resource's
    assert!(
        has(&f, "L014", r, "/entities/3/relations/permissions/1"),
        "{f:?}"
    );
    // a document given as a JSON string is placed at the string
    assert!(
        has(&f, "L001", r, "/entities/3/properties/iam_policy"),
        "{f:?}"
    );
    // records whose role the dump has are not drift
    assert!(
        !f.iter()
            .any(|(c, _, p, _)| (c == "L015" || c == "L016") && !p.starts_with("/entities/2/")),
        "{f:?}"
    );
}

// issue 11 item 3: the drift findings in every lint format
#[test]
fn drift_findings_in_every_format() {
    let args = ["fixtures/portal/records.json", "fixtures/portal/dump.json"];
    let (_, table) = lint(&args, "table");
    assert!(table.contains("L015 portal-role-missing"), "{table}");
    let (_, md) = lint(&args, "md");
    assert!(
        md.contains("L017") && md.contains("portal-policy-drift"),
        "{md}"
    );
    let (_, sarif) = lint(&args, "sarif");
    let s: Value = serde_json::from_str(&sarif).unwrap();
    let results = s["runs"][0]["results"].as_array().unwrap();
    for code in ["L015", "L016", "L017", "L018", "L019", "L020"] {
        assert!(results.iter().any(|r| r["ruleId"] == code), "{code}");
    }
}

// issue 11 item 3: the clean pair and the clean records alone give no finding
#[test]
fn clean_records_and_dump_give_no_finding() {
    for args in [
        vec![
            "fixtures/portal/clean-records.json",
            "fixtures/portal/clean-dump.json",
        ],
        vec!["fixtures/portal/clean-records.json"],
    ] {
        let (code, f, _) = findings(&[args.as_slice(), &["--fail-on", "note"]].concat());
        assert_eq!((code, f), (0, vec![]), "{args:?}");
    }
}

// issue 11 item 3: records are a source like any other: `effective` shows the role's grant
#[test]
fn records_are_a_source_for_effective_and_diff() {
    let out = iamdiff()
        .args([
            "effective",
            "fixtures/portal/clean-records.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Permission-9876549000") && text.contains("\"service\":\"s3\""),
        "{text}"
    );
    let out = iamdiff()
        .args([
            "diff",
            "--before",
            EXAMPLE,
            "--after",
            "fixtures/portal/clean-records.json",
        ])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Permission-9876543210"));
}

// issue 11 item 3: malformed exports exit 2 naming the file and the place
#[test]
fn malformed_exports_exit_2_with_their_place() {
    let cases = [
        ("no-identifier.json", ":4:5 (at /entities/0)"),
        ("bad-role-arn.json", "(at /entities/0/properties/role_arn)"),
        ("bad-expiry.json", "(at /entities/0/properties/expiry_time)"),
        (
            "bad-policy.json",
            "(at /entities/0/properties/iam_policy/Statement/0/Effect)",
        ),
        ("no-policy.json", "(at /entities/0/properties/iam_policy)"),
        ("truncated.json", "truncated.json:16:32"),
    ];
    for (file, place) in cases {
        let path = format!("fixtures/portal/malformed/{file}");
        let out = iamdiff().args(["lint", &path]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(&path) && err.contains(place), "{file}: {err}");
    }
}
