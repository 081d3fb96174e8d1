//! Shared helpers: fixture paths, the shared corpus, running the binary.

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// `../shared` beside the repository (as in CI), or `$IAMDIFF_SHARED`.
pub fn shared() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("IAMDIFF_SHARED") {
        let p = PathBuf::from(p);
        if p.is_dir() {
            return Some(p);
        }
    }
    let p = root().join("..").join("shared");
    p.is_dir().then_some(p)
}

/// The binary under test, run from the repository root so paths in output are relative.
pub fn iamdiff() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("iamdiff").expect("binary built");
    c.current_dir(root());
    c.env("NO_COLOR", "1");
    // tables wrap to COLUMNS when it is set: tests ask for a width explicitly (issue 12)
    c.env_remove("COLUMNS");
    c
}

/// Runs the binary with `args`, checks it exits `code` (its stderr in the message when
/// not), and gives its stdout.
pub fn stdout_of<I, S>(args: I, code: i32) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = iamdiff().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

/// The diff of two evaluated sides as `iamdiff diff` computes it with default options.
pub fn diff_of(
    before: (&iamdiff::model::Snapshot, &iamdiff::eval::Effective),
    after: (&iamdiff::model::Snapshot, &iamdiff::eval::Effective),
    renames: &iamdiff::diff::mapping::Renames,
) -> iamdiff::diff::Outcome {
    use iamdiff::diff::{DEFAULT_FAIL_ON, DiffOptions, SideInput};
    iamdiff::diff::diff(
        iamdiff::catalog::catalog(),
        &SideInput {
            snapshot: before.0,
            effective: before.1,
        },
        &SideInput {
            snapshot: after.0,
            effective: after.1,
        },
        &DiffOptions {
            renames,
            waivers: &[],
            fail_on: &DEFAULT_FAIL_ON,
            min_level: iamdiff::catalog::AccessLevel::List,
            today: "2026-01-01",
        },
    )
}
