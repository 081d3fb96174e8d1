//! The example reports in `reports/examples/` are what the README shows auditors; they
//! must be exactly what the current code produces from the migration fixture. Stale
//! examples fail here; `UPDATE_EXAMPLES=1 cargo test --test tests examples` rewrites them.

use crate::util::{iamdiff, root};

const ARGS: &[&str] = &[
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
];

#[test]
fn example_reports_are_current() {
    let dir = tempfile::tempdir().unwrap();
    let out = iamdiff()
        .args(ARGS)
        .arg("--out")
        .arg(dir.path())
        .arg("--quiet")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the migration fails the default gate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = iamdiff()
        .args(ARGS)
        .args(["--format", "table"])
        .output()
        .unwrap();
    std::fs::write(dir.path().join("iamdiff-report.txt"), &table.stdout).unwrap();

    let examples = root().join("reports/examples");
    let update = std::env::var_os("UPDATE_EXAMPLES").is_some();
    let mut stale = Vec::new();
    for name in [
        "iamdiff-report.txt",
        "iamdiff-report.md",
        "iamdiff-report.html",
        "iamdiff-report.json",
        "iamdiff-report.sarif",
        "iamdiff-report.xml",
    ] {
        let fresh = std::fs::read(dir.path().join(name)).unwrap();
        let committed = examples.join(name);
        if update {
            std::fs::create_dir_all(&examples).unwrap();
            std::fs::write(&committed, &fresh).unwrap();
        } else if std::fs::read(&committed).ok().as_deref() != Some(fresh.as_slice()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale example reports {stale:?}: run `UPDATE_EXAMPLES=1 cargo test --test tests examples` and review the diff"
    );
}
