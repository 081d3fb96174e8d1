//! The binary as a user meets it: help, exit codes, stdout/stderr split, and the
//! decisions it prints for the fixture company.

use predicates::prelude::*;

use crate::util::iamdiff;

const ACCOUNT: &str = "fixtures/aws/company/account.json";

#[test]
fn help_teaches_exit_codes_and_examples() {
    iamdiff()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"))
        .stdout(predicate::str::contains("iamdiff explain"));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    iamdiff().args(["effective", "--nope"]).assert().code(2);
}

#[test]
fn catalog_action_lists_levels() {
    iamdiff()
        .args(["catalog", "action", "s3:GetObject"])
        .assert()
        .success()
        .stdout(predicate::str::contains("s3:GetObject").and(predicate::str::contains("Read")));
}

#[test]
fn catalog_action_json_and_wildcards() {
    let out = iamdiff()
        .args(["catalog", "action", "iam:Put*Policy", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{}:{}",
                a["service"].as_str().unwrap(),
                a["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        names.contains(&"iam:PutUserPolicy".to_string()),
        "{names:?}"
    );
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|a| a["level"] == "Permissions management")
    );
}

#[test]
fn catalog_unknown_action_is_exit_2() {
    iamdiff()
        .args(["catalog", "action", "nosuchservice:Foo"])
        .assert()
        .code(2);
}

#[test]
fn catalog_policy_by_name_and_arn() {
    for name in ["ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"] {
        iamdiff()
            .args(["catalog", "policy", name])
            .assert()
            .success()
            .stdout(predicate::str::contains("\"Statement\""));
    }
}

#[test]
fn catalog_stats_has_counts_and_date() {
    let out = iamdiff()
        .args(["catalog", "stats", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["actions"].as_u64().unwrap() > 10_000);
    assert!(v["managed_policies"].as_u64().unwrap() > 1_000);
    assert!(v["generated"].as_str().unwrap().starts_with("20"));
}

#[test]
fn effective_json_follows_the_schema() {
    let out = iamdiff()
        .args(["effective", ACCOUNT, "--format", "json", "--detail"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "iamdiff/effective/v1");
    let principals = v["principals"].as_array().unwrap();
    assert!(principals.len() >= 8);
    for p in principals {
        for g in p["grants"].as_array().unwrap() {
            assert!(
                v["grants"][g.as_str().unwrap()].is_object(),
                "dangling grant id {g}"
            );
        }
    }
}

#[test]
fn effective_filters_by_principal_and_service() {
    let out = iamdiff()
        .args([
            "effective",
            ACCOUNT,
            "--format",
            "json",
            "--principal",
            "bob",
            "--service",
            "s3",
            "--detail",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = v["principals"].as_array().unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["name"], "bob");
    for (_, g) in v["grants"].as_object().unwrap() {
        let set = &v["action_sets"][g["actions"].as_str().unwrap()];
        assert!(set.is_object(), "dangling action set {}", g["actions"]);
        for (_, names) in set.as_object().unwrap() {
            for n in names.as_array().unwrap() {
                assert!(n.as_str().unwrap().starts_with("s3:"), "{n}");
            }
        }
    }
}

#[test]
fn effective_unknown_service_is_exit_2() {
    iamdiff()
        .args(["effective", ACCOUNT, "--service", "nosuch"])
        .assert()
        .code(2);
}

#[test]
fn effective_unmatched_principal_is_exit_2() {
    iamdiff()
        .args(["effective", ACCOUNT, "--principal", "nobody-*"])
        .assert()
        .code(2);
}

#[test]
fn effective_markdown_and_table_render() {
    iamdiff()
        .args(["effective", ACCOUNT, "--format", "md"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("# Effective permissions")
                .and(predicate::str::contains("<details>")),
        );
    iamdiff()
        .args(["effective", ACCOUNT, "--detail"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Granted by"));
}

#[test]
fn explain_unknown_principal_suggests() {
    iamdiff()
        .args([
            "explain",
            ACCOUNT,
            "--principal",
            "nobody",
            "--action",
            "s3:GetObject",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no user or role named `nobody`"));
}

#[test]
fn output_is_deterministic_across_thread_counts() {
    let run = |threads: &str| {
        iamdiff()
            .env("RAYON_NUM_THREADS", threads)
            .args(["effective", ACCOUNT, "--format", "json"])
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("4"));
}
