//! Per-call AWS CLI exports: a folder of outputs works through the binary, complete or
//! not, and what is missing is named.

use crate::util::{fixture, iamdiff, rel};

fn effective(dir: &str) -> (i32, String, String) {
    let out = iamdiff()
        .args(["effective", dir, "--detail"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn effective_on_a_complete_folder() {
    let (code, stdout, stderr) = effective("fixtures/aws/cli/complete/");
    assert_eq!(code, 0, "{stderr}");
    for who in [
        "user alice (arn:aws:iam::111122223333:user/alice)",
        "user bob",
        "role app-role",
        "role ci-role",
    ] {
        assert!(stdout.contains(who), "{who}: {stdout}");
    }
    assert!(!stdout.contains("needs review"), "{stdout}");
    // only the AWS managed policies taken from the catalog are worth a word
    for line in stderr.lines().filter(|l| l.starts_with("warning")) {
        assert!(line.starts_with("warning[policy-from-catalog]"), "{line}");
    }
    // bob is in `admins`, which has AdministratorAccess
    assert!(
        stdout.contains("AWS managed policy `AdministratorAccess`"),
        "{stdout}"
    );
}

#[test]
fn effective_on_an_incomplete_folder_names_what_is_missing() {
    let (code, stdout, stderr) = effective("fixtures/aws/cli/incomplete");
    assert_eq!(code, 0, "{stderr}");
    for said in [
        "warning[unsupported]: fixtures/aws/cli/incomplete/attached.json (at /AttachedPolicies): cannot tell whose attached policies",
        "warning[unsupported]: fixtures/aws/cli/incomplete/version.json (at /PolicyVersion): cannot tell which policy",
        "warning[truncated-export]: fixtures/aws/cli/incomplete/list-users.json (at /IsTruncated)",
        "warning[unresolved-policy]: fixtures/aws/cli/incomplete/list-roles.json (at /Roles/1): role `batch-role` is not fully known: attached policies unknown: no `list-attached-role-policies` output for it",
    ] {
        assert!(stderr.contains(said), "missing {said:?} in\n{stderr}");
    }
    assert!(
        stdout.contains("`<attached policies unknown>`") && stdout.contains("needs review"),
        "{stdout}"
    );
}

#[test]
fn malformed_cli_outputs_are_placed() {
    for (file, place, says) in [
        (
            "malformed/cli-bad-document.json",
            ":9:34 (at /PolicyDocument/Statement/0/Effect)",
            "`Effect` is `Permit`",
        ),
        (
            "malformed/cli-wrong-shape.json",
            ":2:13 (at /Roles)",
            "invalid type: map, expected a sequence",
        ),
        (
            "malformed/cli-role-no-name.json",
            ":19:9 (at /Roles/0)",
            "missing field `RoleName`",
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
