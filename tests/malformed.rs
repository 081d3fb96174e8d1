//! Bad input: every file in `fixtures/malformed/` makes iamdiff exit 2 with a message
//! naming the file and the place in it, writes no report, and never panics.

use crate::util::{fixture, iamdiff, rel};

const PROVISIONER: &str = "fixtures/provisioner/migration/edge-prod-b001-us-west-1-sec.yaml";

fn cases() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(fixture("malformed"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e != "md"))
        .collect();
    v.sort();
    v
}

#[test]
fn malformed_inputs_exit_2_with_a_place() {
    let cases = cases();
    assert!(cases.len() >= 8, "only {} malformed cases", cases.len());
    let good = rel(&fixture("aws/company/account.json"));
    for c in cases {
        let name = rel(&c);
        let file = c.file_name().unwrap().to_string_lossy().to_string();
        let mut cmd = iamdiff();
        if file.starts_with("scp-") {
            cmd.args(["effective", &good, "--scp", &name]);
        } else if file.starts_with("context-") {
            cmd.args(["effective", &good, "--context-file", &name]);
        } else if file.starts_with("memberships-") {
            // memberships apply to the groups of the migration scenario's provisioner config
            cmd.args(["effective", PROVISIONER, &name]);
        } else if file.starts_with("port-") {
            // a port map, against the platform fixture (issue 10 item 5)
            let platform = rel(&fixture("ports/aws-to-platform/platform.yaml"));
            cmd.args([
                "diff", "-q", "--before", &good, "--after", &platform, "--map", &name,
            ]);
        } else if file.starts_with("levels-") {
            cmd.args(["effective", PROVISIONER, "--levels", &name]);
        } else {
            cmd.args(["effective", &name]);
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: stderr: {err}");
        assert!(
            out.stdout.is_empty(),
            "{name}: a failed run printed a report"
        );
        assert!(
            err.contains(&name),
            "{name}: message does not name the file: {err}"
        );
        let placed = err.contains(&format!("{name}:"))
            && err.split(&name).nth(1).is_some_and(|r| r.starts_with(':'))
            || err.contains(" (at ");
        assert!(
            placed,
            "{name}: message does not give line:column or a JSON pointer: {err}"
        );
        assert!(!err.contains("panicked"), "{name}: panic: {err}");
    }
}

#[test]
fn unreadable_file_is_exit_2() {
    let out = iamdiff()
        .args(["effective", "fixtures/does-not-exist.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fixtures/does-not-exist.json"));
}

#[test]
fn a_directory_is_not_an_input_file() {
    let out = iamdiff().args(["effective", "fixtures"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_context_flag_is_exit_2() {
    let out = iamdiff()
        .args([
            "effective",
            "fixtures/aws/company/account.json",
            "--context",
            "no-equals-sign",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("KEY=VALUE"));
}
