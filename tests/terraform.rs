//! Terraform `terraform show -json`: every plan of the shared corpus loads with the
//! principals and policies it holds (AWS ones read, GCP ones named as unsupported), and
//! the fixtures work through the binary.

use iamdiff::model::{PolicyKind, PrincipalKind, Snapshot, WarningCode};

use crate::util::{fixture, iamdiff, rel, shared};

/// users, roles, groups, customer managed, inline, trust policies.
type Counts = (usize, usize, usize, usize, usize, usize);

fn counts(s: &Snapshot) -> Counts {
    let users = s
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::User)
        .count();
    let of = |k: PolicyKind| s.policies.iter().filter(|p| p.kind == k).count();
    (
        users,
        s.principals.len() - users,
        s.groups.len(),
        of(PolicyKind::CustomerManaged),
        of(PolicyKind::Inline),
        of(PolicyKind::Trust),
    )
}

#[test]
fn every_corpus_plan_loads() {
    let Some(s) = shared() else {
        eprintln!("../shared not found: Terraform corpus tests skipped");
        return;
    };
    let dir = s.join("corpus/formats/terraform");
    #[rustfmt::skip]
    let expected: &[(&str, Counts, &[WarningCode])] = &[
        // an S3 bucket policy from a data source: nothing IAM identities use
        ("aws/checkov-plan_with_iam_data_block-tfplan.json", (0, 0, 0, 0, 0, 0), &[WarningCode::Unsupported]),
        // the role's name is known only after apply; its inline policy's `role` too,
        // linked through the configuration's references
        ("aws/checkov-plan_with_iam_policies-tfplan.json", (1, 1, 1, 1, 3, 1), &[WarningCode::Unsupported]),
        // UTF-16LE with a BOM; an inline policy of a role the plan does not define
        ("aws/checkov-plan_with_utf_16_encoding-tfplan.json", (0, 1, 0, 0, 1, 0), &[WarningCode::Unsupported]),
        // format 0.1 (Terraform 0.13): references name only the resource
        ("aws/regula-admin_policy_infra-plan.json", (1, 1, 1, 2, 6, 1), &[]),
        ("aws/regula-user_attached_policy_infra-plan.json", (6, 1, 3, 6, 1, 1), &[]),
        ("aws/tfpolicyvalidator-iam_policy-plan.json", (0, 0, 0, 1, 0, 0), &[]),
        ("aws/tfpolicyvalidator-identity_policies-plan.json", (1, 2, 1, 1, 5, 2), &[]),
        ("aws/tfpolicyvalidator-role_inline_assume_policy-plan.json", (0, 1, 0, 0, 1, 1), &[]),
        ("gcp/tfvalidator-example_organization_iam_policy.tfplan.json", (0, 0, 0, 0, 0, 0), &[WarningCode::Unsupported]),
        ("gcp/tfvalidator-example_project_iam.tfplan.json", (0, 0, 0, 0, 0, 0), &[WarningCode::Unsupported]),
        ("gcp/tfvalidator-example_project_iam_custom_role.tfplan.json", (0, 0, 0, 0, 0, 0), &[WarningCode::Unsupported]),
        ("gcp/tfvalidator-example_project_iam_member_empty_project.tfplan.json", (0, 0, 0, 0, 0, 0), &[WarningCode::Unsupported]),
    ];
    let mut on_disk: Vec<String> = ["aws", "gcp"]
        .iter()
        .flat_map(|d| {
            std::fs::read_dir(dir.join(d))
                .unwrap()
                .map(move |e| format!("{d}/{}", e.unwrap().file_name().to_string_lossy()))
        })
        .filter(|n| n.ends_with("plan.json"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = expected.iter().map(|(f, ..)| (*f).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every corpus plan has its expected counts");
    for (file, want, codes) in expected {
        let path = dir.join(file);
        let snap = iamdiff::ingest::load_side(std::slice::from_ref(&path), &[])
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(counts(&snap), *want, "{file}");
        let got: Vec<WarningCode> = snap.warnings.iter().map(|w| w.code).collect();
        assert_eq!(&got, codes, "{file}: {:#?}", snap.warnings);
        assert!(
            !snap.defines_users,
            "{file}: Terraform never lists every user"
        );
    }
}

#[test]
fn gcp_plans_name_their_resources() {
    let Some(s) = shared() else { return };
    let path = s.join("corpus/formats/terraform/gcp/tfvalidator-example_project_iam.tfplan.json");
    let snap = iamdiff::ingest::load_side(&[path], &[]).unwrap();
    let w = &snap.warnings[0].message;
    assert!(
        w.contains("GCP") && w.contains("`google_project_iam_member.owner-a`"),
        "{w}"
    );
}

#[test]
fn effective_on_the_plan_fixture() {
    let out = iamdiff()
        .args(["effective", "fixtures/terraform/plan/plan.json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for who in ["user alice", "user bob", "role app-service"] {
        assert!(stdout.contains(who), "{who}: {stdout}");
    }
    assert!(
        !stdout.contains("legacy"),
        "a deleted user is gone: {stdout}"
    );
    // the statement with resources known only after apply, and the attachment that
    // cannot be traced, make their principals need review
    assert!(
        stdout.contains("needs review") && stdout.contains("known only after apply"),
        "{stdout}"
    );
    assert!(
        stderr.contains("aws_iam_user_policy_attachment.mystery"),
        "{stderr}"
    );
}

#[test]
fn diff_state_against_plan() {
    // a state and a plan are sides like any other
    let out = iamdiff()
        .args([
            "diff",
            "--before",
            "fixtures/terraform/state/state.json",
            "--after",
            "fixtures/terraform/plan/plan.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.is_object(), "{v}");
}

#[test]
fn malformed_terraform_is_placed() {
    for (file, place, says) in [
        (
            "malformed/tf-bad-policy.json",
            ":18:23 (at /planned_values/root_module/resources/0/values/policy)",
            "(at /Statement/0/Effect): `Effect` is `Permit`",
        ),
        (
            "malformed/tf-duplicate-effect.json",
            ":16:35 (at /values/root_module/resources/0/values/assume_role_policy)",
            "duplicate `Effect`",
        ),
        (
            "malformed/tf-wrong-shape.json",
            ":6:19 (at /planned_values/root_module/resources)",
            "invalid type: map, expected a sequence",
        ),
    ] {
        let name = rel(&fixture(file));
        let out = iamdiff().args(["effective", &name]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(&format!("{name}{place}")), "{file}: {err}");
        assert!(err.contains(says), "{file}: {err}");
    }
}
