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
