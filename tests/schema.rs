//! The JSON reports' contract (issue 12 item 7): `iamdiff schema diff` and `iamdiff schema
//! effective` print JSON Schemas (draft 2020-12) that real output of the fixtures
//! validates against, and that reject output breaking the contract.

use serde_json::Value;

use crate::util::iamdiff;

/// The schema the binary prints for `what`.
fn schema(what: &str) -> Value {
    let out = iamdiff().args(["schema", what]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    v
}

/// Every way `instance` breaks `schema`, one line each (empty: valid).
fn problems(schema: &Value, instance: &Value) -> Vec<String> {
    let v = jsonschema::draft202012::new(schema).unwrap();
    v.iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The migration fixture's diff as JSON; `epoch` sets SOURCE_DATE_EPOCH.
fn migration_json(epoch: Option<&str>) -> Value {
    let mut cmd = iamdiff();
    cmd.args([
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
        "--format",
        "json",
        "--quiet",
    ]);
    match epoch {
        Some(e) => cmd.env("SOURCE_DATE_EPOCH", e),
        None => cmd.env_remove("SOURCE_DATE_EPOCH"),
    };
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Issue 12 item 7: the migration fixture's JSON diff report validates, with and without
/// a generation time.
#[test]
fn diff_report_validates_against_its_schema() {
    let schema = schema("diff");
    for epoch in [None, Some("1764000000")] {
        let report = migration_json(epoch);
        assert!(!report["principals"].as_array().unwrap().is_empty());
        let bad = problems(&schema, &report);
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}

/// Issue 12 items 1 and 7: the schema is a contract, not a formality — output missing an
/// id, with an empty string for an absent value, an out-of-range rank, a cause that is no
/// change id or a change without its impact is rejected.
#[test]
fn diff_schema_rejects_broken_contracts() {
    let schema = schema("diff");
    let good = migration_json(None);
    let finding = "/principals/0/findings/0";
    let mut no_id = good.clone();
    no_id
        .pointer_mut(finding)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove("id");
    let mut rank = good.clone();
    *rank
        .pointer_mut(&format!("{finding}/severity_rank"))
        .unwrap() = Value::from(0);
    let mut no_null = good.clone();
    no_null
        .pointer_mut("/principals/0")
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove("before_name");
    let mut sha = good.clone();
    if let Some(i) = sha.pointer_mut("/provenance/inputs/0/sha256") {
        *i = Value::from("");
    }
    // root causes (issue 12 item 1): a cause is a change id, a change has its impact
    let mut cause = good.clone();
    *cause.pointer_mut(&format!("{finding}/causes")).unwrap() = serde_json::json!(["X1"]);
    let mut no_cause = good.clone();
    *no_cause.pointer_mut(&format!("{finding}/causes")).unwrap() = serde_json::json!([]);
    let mut no_impact = good.clone();
    no_impact
        .pointer_mut("/changes/0")
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove("impact");
    let mut kind = good.clone();
    *kind.pointer_mut("/changes/0/kind").unwrap() = Value::from("moved");
    for (what, bad) in [
        ("no id", no_id),
        ("rank 0", rank),
        ("missing null", no_null),
        ("empty digest", sha),
        ("cause not a change id", cause),
        ("no cause", no_cause),
        ("change without impact", no_impact),
        ("unknown change kind", kind),
    ] {
        assert!(
            !problems(&schema, &bad).is_empty(),
            "{what} passed the schema"
        );
    }
}

/// Issue 12 item 7: `iamdiff effective --format json` of the company fixture validates.
#[test]
fn effective_report_validates_against_its_schema() {
    let schema = schema("effective");
    let out = iamdiff()
        .args([
            "effective",
            "fixtures/aws/company/account.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["principals"].as_array().unwrap().len(), 12);
    let bad = problems(&schema, &report);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
