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

pub fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}
