//! Issue 7, the CLI's part: the binary under hostile input and hostile surroundings. A
//! closed pipe keeps the exit code the run earned; the `--out` set is replaced whole or not
//! at all; stderr is the same bytes on every run; hostile globs are bounded errors; the
//! inputs iamdiff defines refuse unknown keys with the closest one; a map rule renaming
//! nothing is a warning; CI runs the binary it built.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::util::{iamdiff, root};

const ACCOUNT: &str = "fixtures/aws/company/account.json";
const AFTER: &str = "fixtures/aws/migration/after.json";
const MAP: &str = "fixtures/aws/migration/map.yaml";
const WAIVERS: &str = "fixtures/aws/migration/waivers.yaml";
const CONFIG: &str = "fixtures/provisioner/migration/edge-prod-b001-us-west-1-sec.yaml";

/// The README's main job: its gate fails (exit 1) and it warns on stderr.
const MAIN_JOB: &[&str] = &[
    "diff",
    "--before",
    ACCOUNT,
    "--after",
    AFTER,
    "--map",
    MAP,
    "--waivers",
    WAIVERS,
];

/// The binary as a plain process, for streams assert_cmd cannot close.
fn binary() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("iamdiff"));
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

// ---- item: a broken pipe ends quietly with the code the run earned -------------------

#[test]
fn issue_7_closed_stdout_keeps_the_gate_failure() {
    // `iamdiff diff … | head -0`: the reader is gone before anything is written
    let mut child = binary()
        .args(MAIN_JOB)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("error:"),
        "{err}"
    );
}

#[test]
fn issue_7_closed_stderr_keeps_the_gate_failure_and_the_report() {
    let mut child = binary()
        .args(MAIN_JOB)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("FAIL:"), "{}", text(&out.stdout));
}

#[test]
fn issue_7_both_streams_into_head_1_exit_as_earned() {
    // `iamdiff diff … 2>&1 | head -1` exited 101 (`failed printing to stderr`)
    let (reader, writer) = std::io::pipe().unwrap();
    let mut child = binary()
        .args(MAIN_JOB)
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(reader).read_line(&mut first).unwrap();
    // the reader is dropped here, as `head -1` exits
    assert!(first.starts_with("warning["), "{first}");
    assert_eq!(child.wait().unwrap().code(), Some(1));
}

#[test]
fn issue_7_help_and_completions_into_a_closed_pipe_exit_0() {
    for args in [
        &["--help"][..],
        &["generate", "bash"],
        &["schema", "target"],
    ] {
        let mut child = binary()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(!text(&out.stderr).contains("panicked"), "{args:?}");
    }
}

// ---- item: the `--out` set is replaced as a whole or not at all ----------------------

const REPORTS: [&str; 5] = [
    "iamdiff-report.md",
    "iamdiff-report.html",
    "iamdiff-report.json",
    "iamdiff-report.sarif",
    "iamdiff-report.xml",
];

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn issue_7_a_failed_report_set_leaves_the_earlier_one_untouched() {
    let dir = tempfile::tempdir().unwrap();
    for r in REPORTS {
        std::fs::write(dir.path().join(r), format!("earlier {r}")).unwrap();
    }
    // one report cannot be replaced: in the old code the others were, mixing two runs
    std::fs::remove_file(dir.path().join("iamdiff-report.sarif")).unwrap();
    std::fs::create_dir(dir.path().join("iamdiff-report.sarif")).unwrap();
    let before = listing(dir.path());
    let out = iamdiff()
        .args(MAIN_JOB)
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("iamdiff-report.sarif`: it is a directory")
            && err.contains("were left as they were"),
        "{err}"
    );
    assert_eq!(
        listing(dir.path()),
        before,
        "nothing changed, no temporary file left"
    );
}

#[test]
fn issue_7_the_report_set_is_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    for r in REPORTS {
        std::fs::write(dir.path().join(r), "earlier").unwrap();
    }
    let out = iamdiff()
        .args(MAIN_JOB)
        .args(["--format", "json", "--format", "md", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let names: Vec<String> = listing(dir.path()).into_iter().map(|(n, _)| n).collect();
    // the earlier run's html, sarif and xml went with it: one run's reports only
    assert_eq!(names, ["iamdiff-report.json", "iamdiff-report.md"]);
    for (_, bytes) in listing(dir.path()) {
        assert_ne!(bytes, b"earlier");
    }
}

// ---- item: stderr is deterministic ---------------------------------------------------

#[test]
fn issue_7_stderr_is_the_same_bytes_on_every_run() {
    // the two sides load in parallel and printed their warnings as each finished
    let swapped = [
        "diff", "--before", AFTER, "--after", ACCOUNT, "--map", MAP, "--quiet",
    ];
    for args in [MAIN_JOB, &swapped[..]] {
        let mut seen: Option<Vec<u8>> = None;
        for threads in ["1", "4", "1", "4", "4"] {
            let out = iamdiff()
                .args(args)
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .unwrap();
            assert!(!out.stderr.is_empty());
            match &seen {
                None => seen = Some(out.stderr),
                Some(s) => assert_eq!(
                    text(s),
                    text(&out.stderr),
                    "stderr differs with RAYON_NUM_THREADS={threads}"
                ),
            }
        }
    }
}

// ---- item: hostile globs are bounded, placed errors, never panics --------------------

fn waivers_file(dir: &Path, principal: &str, action: &str) -> std::path::PathBuf {
    let p = dir.join("waivers.yaml");
    std::fs::write(
        &p,
        format!(
            "waivers:\n  - principal: '{principal}'\n    action: '{action}'\n    reason: r\n    approved_by: me\n"
        ),
    )
    .unwrap();
    p
}

#[test]
fn issue_7_a_waiver_of_97000_stars_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let w = waivers_file(dir.path(), &"*".repeat(97_000), "*");
    let out = iamdiff()
        .args([
            "diff", "--before", ACCOUNT, "--after", AFTER, "--map", MAP, "-q",
        ])
        .arg("--waivers")
        .arg(&w)
        .output()
        .unwrap();
    // every finding waived: the gate passes
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn issue_7_a_megabyte_waiver_glob_is_a_placed_error() {
    let dir = tempfile::tempdir().unwrap();
    let w = waivers_file(dir.path(), "carol", &"a*".repeat(500_000));
    let out = iamdiff()
        .args(["diff", "--before", ACCOUNT, "--after", AFTER, "-q"])
        .arg("--waivers")
        .arg(&w)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("waivers.yaml (at /waivers/0/action)")
            && err.contains("longer than 1024 characters"),
        "{err}"
    );
    assert!(err.len() < 2_000, "the glob is quoted shortened");
}

#[test]
fn issue_7_hostile_principal_and_service_flags_are_usage_errors() {
    let stars = "*".repeat(97_000);
    iamdiff()
        .args([
            "effective",
            ACCOUNT,
            "--principal",
            &stars,
            "--format",
            "json",
        ])
        .assert()
        .code(0);
    for (flag, value, says) in [
        (
            "--principal",
            "[a".repeat(1_000),
            "longer than 1024 characters",
        ),
        ("--principal", "[a".to_owned(), "not a valid glob"),
        ("--service", "s".repeat(100_000), "no such service prefix"),
    ] {
        let out = iamdiff()
            .args(["effective", ACCOUNT, flag, &value])
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {err}");
        assert!(err.contains(says) && err.len() < 2_000, "{flag}: {err}");
    }
}

// ---- item: unknown keys are errors with the closest key ------------------------------

fn fails_with(args: &[&str], place: &str, says: &str) {
    let out = iamdiff().args(args).output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(place), "{args:?}: no place {place:?} in {err}");
    assert!(err.contains(says), "{args:?}: {says:?} not in {err}");
}

#[test]
fn issue_7_a_typo_in_a_provisioner_config_is_an_error() {
    // it was a warning, and the lost actions went from 248 to 598
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join(CONFIG)).unwrap();
    let typo = text.replacen("policy_assignments:", "policy_assignment:", 1);
    let p = dir.path().join("sec.yaml");
    std::fs::write(&p, typo).unwrap();
    let p = p.to_str().unwrap();
    fails_with(
        &["effective", p],
        "sec.yaml:24:7",
        "unknown key `policy_assignment` in an IAM group, did you mean `policy_assignments`?",
    );
}

#[test]
fn issue_7_typos_in_levels_map_and_waivers_files_name_the_closest_key() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let levels = write(
        "levels.yaml",
        "format: iamdiff-levels/1\nservices:\n  s3:\n    levels:\n      - name: read-only\n        statments: []\n",
    );
    fails_with(
        &["effective", CONFIG, "--levels", &levels],
        "levels.yaml:6:9",
        "unknown key `statments` in a level, did you mean `statements`?",
    );
    let map = write(
        "map.yaml",
        "renames:\n  roles:\n    - form: a\n      to: b\n",
    );
    fails_with(
        &["diff", "--before", ACCOUNT, "--after", AFTER, "--map", &map],
        "map.yaml:3:7",
        "unknown key `form` in `renames.roles[0]`, did you mean `from`?",
    );
    let waivers = write(
        "waivers.yaml",
        "waivers:\n  - principal: a\n    acton: b\n    reason: r\n    approved_by: me\n",
    );
    fails_with(
        &[
            "diff",
            "--before",
            ACCOUNT,
            "--after",
            AFTER,
            "--waivers",
            &waivers,
        ],
        "waivers.yaml:3:5",
        "unknown key `acton` in `waivers[0]`, did you mean `action`?",
    );
}

#[test]
fn issue_7_the_target_schema_is_as_strict_as_iamdiff() {
    let out = iamdiff().args(["schema", "target"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["additionalProperties"], false);
    for def in [
        "client",
        "environment",
        "tier",
        "security",
        "group",
        "service_role",
    ] {
        assert_eq!(v["$defs"][def]["additionalProperties"], false, "{def}");
    }
    assert!(!v["description"].as_str().unwrap().contains("ignores"));
}

// ---- item: a map rule that renames nothing is a warning ------------------------------

#[test]
fn issue_7_swapped_sides_show_as_unused_map_rules() {
    let out = iamdiff()
        .args([
            "diff", "--before", AFTER, "--after", ACCOUNT, "--map", MAP, "-q",
        ])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "warning[unused-rename]: fixtures/aws/migration/map.yaml (at /renames/roles/0): \
             this rule matches no role of the before side; it matches `old-sagemaker-role` of \
             the after side: are `--before` and `--after` swapped?"
        ),
        "{err}"
    );
    // the right way round, every rule renames something
    let out = iamdiff().args(MAIN_JOB).output().unwrap();
    assert!(!text(&out.stderr).contains("unused-rename"));
}

// ---- item: CI runs the binary of CARGO_TARGET_DIR ------------------------------------

#[test]
fn issue_7_ci_runs_the_binary_it_built() {
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        !ci.contains("./target/release"),
        "hard-coded target directory"
    );
    assert!(ci.contains("${CARGO_TARGET_DIR:-target}/release/iamdiff"));
}

/// Issue 7: a `--waivers` or `--map` file that is an alias bomb or holds two documents
/// exits 2 with the file and the line:column of the alias or of the second document.
#[test]
fn map_and_waiver_yaml_errors_are_placed() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("waivers.yaml");
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for i in 0..8 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("l{}", i - 1)
        };
        text.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    std::fs::write(&bomb, &text).unwrap();
    let two = dir.path().join("map.yaml");
    std::fs::write(&two, "renames: []\n---\nrenames: []\n").unwrap();
    let company = crate::util::fixture("aws/company/account.json");
    for (flag, file, place) in [("--waivers", &bomb, ":2:"), ("--map", &two, ":2:1")] {
        let out = crate::util::iamdiff()
            .args(["diff", "--before"])
            .arg(&company)
            .arg("--after")
            .arg(&company)
            .arg(flag)
            .arg(file)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {err}");
        assert!(err.contains(place), "{flag}: no place in {err}");
    }
}
