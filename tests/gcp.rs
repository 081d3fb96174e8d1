//! GCP snapshots end to end (issue 10): the fixture organization's migration
//! (`fixtures/gcp/{before,after}`: a folder-level binding lost, roles consolidated, a nested
//! group flattened, a deny policy with an exception, conditional bindings, a deleted member),
//! `explain` agreeing with `diff`, conditions decided by the context, unknown roles kept for
//! review, the role catalog commands, the shared corpus samples, and malformed inputs.

use serde_json::Value;

use crate::util::{fixture, iamdiff, rel, shared, stdout_of};

fn diff_json() -> Value {
    let out = stdout_of(
        [
            "diff",
            "--before",
            "fixtures/gcp/before",
            "--after",
            "fixtures/gcp/after",
            "--format",
            "json",
        ],
        1,
    );
    let mut v = serde_json::from_str(&out).unwrap();
    // routes are listed once in the report (issue 10 Figures): inline them to read them
    iamdiff::report::json::inline_routes(&mut v);
    v
}

fn principal<'a>(d: &'a Value, name: &str) -> Option<&'a Value> {
    d["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
}

/// Every action of the findings of one category.
fn actions(p: &Value, category: &str) -> Vec<String> {
    p["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == category)
        .flat_map(|f| f["actions"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

// issue 10: the folder binding lost is narrowed (kept on projects/alpha, lost on the folder
// and projects/beta), per member, with the binding, role and file behind it; the deny
// exception shows (alice could delete objects, bob could not); the consolidated role gains.
#[test]
fn gcp_migration_findings() {
    let d = diff_json();
    let alice = principal(&d, "user:alice@corp.com").expect("alice changed");
    let bob = principal(&d, "user:bob@corp.com").expect("bob changed");
    let a = actions(alice, "narrowed");
    let b = actions(bob, "narrowed");
    assert!(a.contains(&"storage.objects.get".to_owned()), "{a:?}");
    assert!(
        a.contains(&"storage.objects.delete".to_owned()),
        "alice is excepted from the deny: {a:?}"
    );
    assert!(
        !b.contains(&"storage.objects.delete".to_owned()),
        "bob is denied objects.delete: {b:?}"
    );
    assert!(actions(alice, "lost").is_empty() && actions(bob, "lost").is_empty());
    let f = alice["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["category"] == "narrowed")
        .unwrap();
    assert!(
        f["witness"]
            .as_str()
            .unwrap()
            .starts_with("organizations/100/folders/200"),
        "{f}"
    );
    let route = &f["before"]["routes"][0];
    assert_eq!(
        route["policy"], "roles/storage.objectAdmin on folders/200",
        "{f}"
    );
    assert_eq!(route["file"], "fixtures/gcp/before/folder-eng.json");
    assert_eq!(route["pointer"], "/bindings/0");
    assert_eq!(route["kind"], "gcp-binding");
    assert_eq!(route["via"], "group group:eng@corp.com");

    // roles/storage.objectCreator + objectViewer consolidated into objectUser: gains
    let ci = principal(&d, "serviceAccount:ci@alpha.iam.gserviceaccount.com").unwrap();
    assert_eq!(ci["kind"], "role");
    let g = actions(ci, "gained");
    assert!(g.contains(&"storage.objects.delete".to_owned()), "{g:?}");
    assert!(actions(ci, "lost").is_empty());

    // the flattened group is gone; its member keeps the rest of its access
    assert_eq!(
        principal(&d, "group:eng-leads@corp.com").unwrap()["status"],
        "removed"
    );
    // the deleted member is reported, as a warning and a finding
    assert_eq!(
        principal(&d, "deleted:user:old@corp.com?uid=123456789012345678901").unwrap()["status"],
        "removed"
    );
    let warnings = d["before"]["warnings"].to_string();
    assert!(warnings.contains("deleted:user:old@corp.com"), "{warnings}");
    // unchanged: conditional bindings, custom role, bucket-level and project-level ones
    for same in [
        "user:erin@corp.com",
        "user:carol@corp.com",
        "user:dave@corp.com",
        "user:frank@corp.com",
        "user:gina@corp.com",
    ] {
        assert!(principal(&d, same).is_none(), "{same} changed");
    }
}

fn explain(args: &[&str]) -> String {
    let out = iamdiff().arg("explain").args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

// issue 10: explain decides the same as the diff, on a resource named as GCP names it
#[test]
fn gcp_explain_agrees_with_diff() {
    let sides = [
        "--before",
        "fixtures/gcp/before",
        "--after",
        "fixtures/gcp/after",
    ];
    // on the bucket (under projects/alpha) alice keeps object reads
    let mut a = sides.to_vec();
    a.extend([
        "--principal",
        "user:alice@corp.com",
        "--action",
        "storage.objects.get",
        "--resource",
        "//storage.googleapis.com/projects/_/buckets/alpha-data",
    ]);
    let t = explain(&a);
    assert_eq!(t.matches("decision: allowed").count(), 2, "{t}");
    assert!(t.contains("resource: organizations/100/folders/200/projects/alpha/storage.googleapis.com/alpha-data"), "{t}");
    // on projects/beta she loses them: the narrowing the diff reports
    let mut b = sides.to_vec();
    b.extend([
        "--principal",
        "user:alice@corp.com",
        "--action",
        "storage.objects.get",
        "--resource",
        "//cloudresourcemanager.googleapis.com/projects/1002",
    ]);
    let t = explain(&b);
    let (before, after) = t.split_once("== after ==").unwrap();
    assert!(before.contains("decision: allowed"), "{t}");
    assert!(!after.contains("decision: allowed"), "{t}");
    // bob's deletes were denied by the deny rule, with its file
    let t = explain(&[
        "fixtures/gcp/before",
        "--principal",
        "user:bob@corp.com",
        "--action",
        "storage.objects.delete",
        "--resource",
        "projects/beta",
    ]);
    assert!(
        t.contains("decision: denied") && t.contains("deny-eng.json"),
        "{t}"
    );
}

// issue 10: a conditional binding is decided when the context gives `request.time`
#[test]
fn gcp_conditions_decided_by_context() {
    let base = [
        "fixtures/gcp/before",
        "--principal",
        "user:erin@corp.com",
        "--action",
        "compute.instances.start",
        "--resource",
        "projects/alpha",
    ];
    let open = explain(&base);
    assert!(
        !open.contains("decision: allowed\n") && !open.contains("decision: denied"),
        "{open}"
    );
    let mut early = base.to_vec();
    early.extend(["--context", "request.time=2024-06-01T00:00:00Z"]);
    assert!(explain(&early).contains("decision: allowed"));
    let mut late = base.to_vec();
    late.extend(["--context", "request.time=2026-06-01T00:00:00Z"]);
    assert!(!explain(&late).contains("decision: allowed"));
}

// issue 10: a role in neither the catalog nor the custom roles is kept (needs review)
#[test]
fn gcp_unknown_role_needs_review() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("policy.json");
    std::fs::write(
        &p,
        r#"{"version": 1, "bindings": [{"role": "roles/made.upRole", "members": ["user:z@corp.com"]}]}"#,
    )
    .unwrap();
    let out = iamdiff().arg("effective").arg(&p).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("needs review") && text.contains("roles/made.upRole"),
        "{text}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not placed in the hierarchy"), "{err}");
}

// issue 10: the embedded role catalog answers by role and by permission pattern
#[test]
fn gcp_catalog_role_and_permission() {
    let out = iamdiff()
        .args(["catalog", "role", "roles/storage.objectViewer"])
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && t.contains("storage.objects.get"),
        "{t}"
    );
    let out = iamdiff()
        .args([
            "catalog",
            "permission",
            "storage.objects.*",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let get = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["permission"] == "storage.objects.get")
        .unwrap();
    assert!(
        get["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "roles/storage.objectViewer")
    );
    let out = iamdiff()
        .args(["catalog", "stats", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["gcp_roles"], 2461);
    assert_eq!(v["gcp_permissions"], 13790);
    assert!(
        v["gcp_source"].as_str().unwrap().contains("808610eb"),
        "{v}"
    );
    let out = iamdiff()
        .args(["catalog", "role", "roles/no.such"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

// issue 10: the shared corpus samples of every GCP kind read (or, for the deny policy
// excerpt that names no attachment point, fail with a placed message)
#[test]
fn gcp_corpus_samples_read() {
    let Some(shared) = shared() else { return };
    let root = shared.join("corpus/formats/gcp");
    for kind in [
        "allow-policy",
        "cai-export",
        "custom-roles",
        "deny-policy",
        "memberships",
        "predefined-roles",
    ] {
        for e in std::fs::read_dir(root.join(kind)).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".md") || name.ends_with(".gz") {
                continue;
            }
            let out = iamdiff().arg("effective").arg(&p).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            if name == "gcpdocs-deny-policy-mcp-excerpt.json" {
                assert_eq!(out.status.code(), Some(2), "{name}: {err}");
                assert!(
                    err.contains("not attached to a node")
                        && err.contains("(at the document root)"),
                    "{err}"
                );
            } else {
                assert_eq!(out.status.code(), Some(0), "{name}: {err}");
            }
        }
    }
}

// issue 10: malformed GCP inputs of each kind exit 2 naming the file and the place
#[test]
fn gcp_malformed_inputs_are_placed() {
    let cases = [
        (
            "gcp-binding-no-role.json",
            ":4:5 (at /bindings/0)",
            "expected a string `role`",
        ),
        (
            "gcp-bad-member.json",
            "(at /bindings/0/members/0)",
            "is not a GCP member",
        ),
        (
            "gcp-condition-no-expression.json",
            "(at /bindings/0/condition)",
            "`expression`",
        ),
        ("gcp-not-json.json", ":5:3", "invalid JSON"),
        (
            "gcp-deny-no-permissions.json",
            "(at /rules/0/denyRule)",
            "`deniedPermissions`",
        ),
        (
            "gcp-custom-role-bad-permission.json",
            "(at /1/includedPermissions/0)",
            "must list strings",
        ),
        (
            "gcp-membership-no-id.json",
            "(at /0/preferredMemberKey)",
            "`id`",
        ),
        (
            "gcp-asset-bad-bindings.ndjson",
            ":2:",
            "`bindings` must be a list",
        ),
        (
            "gcp-manifest-unknown-key.yaml",
            ":5:",
            "unknown key `parnt`",
        ),
        ("gcp-manifest-cycle.yaml", ":2:5", "cycle"),
    ];
    for (file, place, message) in cases {
        let p = rel(&fixture(&format!("malformed/{file}")));
        let out = iamdiff().args(["effective", &p]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(
            err.contains(&format!("{p}{place}")) || err.contains(place),
            "{file}: {err}"
        );
        assert!(err.contains(&p) && err.contains(message), "{file}: {err}");
    }
}

// issue 12 (places) on issue 10's inputs: a binding read from a Cloud Asset NDJSON export
// is placed on the line of its asset and the column of the binding, not at the file's
// first line (the locator once read only the stream's first document).
#[test]
fn gcp_ndjson_bindings_are_placed_on_their_line() {
    let d = diff_json();
    let text = std::fs::read_to_string("fixtures/gcp/after/assets.ndjson").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let placed: Vec<&Value> = d["provenance"]["statements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["file"].as_str().unwrap().ends_with("assets.ndjson"))
        .collect();
    assert!(
        !placed.is_empty(),
        "the after side routes through the asset export"
    );
    for s in placed {
        let pointer = s["pointer"].as_str().unwrap();
        let doc: usize = pointer.split('/').nth(1).unwrap().parse().unwrap();
        let line = usize::try_from(s["line"].as_u64().unwrap()).unwrap();
        let column = usize::try_from(s["column"].as_u64().unwrap()).unwrap();
        assert_eq!(line, doc + 1, "{pointer} on the line of its asset");
        let binding = lines[line - 1].chars().skip(column - 1).collect::<String>();
        assert!(
            binding.starts_with("{\"role\""),
            "{pointer} at a binding: {binding}"
        );
    }
}
