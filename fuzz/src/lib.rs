//! Helpers shared by the fuzz targets (issue 7): reading fuzz inputs through iamdiff's
//! public entry points exactly as the CLI does (a side's sources are files on disk, so the
//! input is written to a per-process scratch folder first), the checks every target makes
//! on an error (it names the input file, and in strict mode a place inside it), and the
//! brute-force oracles the wildcard and inclusion targets compare the engine against.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use iamdiff::ingest::{self, Format, IngestError, LoadOptions};
use iamdiff::model::{Place, Snapshot};

/// The migration scenario's provisioner config: the side the memberships and levels
/// targets read their fuzz input against (it defines the groups a memberships file names).
pub const PROVISIONER_CONFIG: &[u8] =
    include_bytes!("../../fixtures/provisioner/migration/edge-prod-b001-us-west-1-sec.yaml");

/// A scratch folder of this process (fuzzing writes a file per execution): under
/// `IAMDIFF_FUZZ_SCRATCH` when set (`scripts/fuzz.sh` sets it and removes it afterwards),
/// else on tmpfs when there is one, else in the temporary folder.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let base = match std::env::var_os("IAMDIFF_FUZZ_SCRATCH") {
            Some(dir) => PathBuf::from(dir),
            None if shm.is_dir() => shm.to_path_buf(),
            None => std::env::temp_dir(),
        };
        let dir = base.join(format!("iamdiff-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// Writes `files` (name, bytes) into a fresh sub-folder `sub` of the scratch folder
/// (emptied first) and returns their paths.
pub fn write_files(sub: &str, files: &[(&str, &[u8])]) -> (PathBuf, Vec<PathBuf>) {
    let dir = scratch().join(sub);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let paths = files
        .iter()
        .map(|(name, bytes)| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect();
    (dir, paths)
}

/// Reads a side as `iamdiff diff --before PATHS [--before-format F]` does.
pub fn load_side(paths: &[PathBuf], opts: &LoadOptions) -> Result<Snapshot, IngestError> {
    ingest::load_side_opts(paths, &[], opts)
}

/// Options forcing one format, as `--before-format` does.
pub fn forced(format: Format) -> LoadOptions {
    LoadOptions {
        format: Some(format),
        ..LoadOptions::default()
    }
}

/// Whether errors must carry a place inside the file (line:column or a JSON pointer),
/// not only its name: `IAMDIFF_FUZZ_STRICT_PLACE=1`. Off by default while issue 7's
/// "every exit 2 names a place" is being done, so the fuzzers look for panics first.
pub fn strict_place() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("IAMDIFF_FUZZ_STRICT_PLACE").is_some_and(|v| v == "1"))
}

/// Whole-file errors that rightly have no place inside the file.
const WHOLE_FILE: &[&str] = &["the file is empty", "odd number of bytes"];

/// Checks an error's place: it names one of the `files` (by path as given), is not
/// empty, and, in strict mode, points inside the file unless the error is about the
/// whole file.
pub fn check_place(place: &Place, message: &str, files: &[PathBuf]) {
    assert!(!message.is_empty(), "an error without a message at {place}");
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    assert!(
        names.iter().any(|n| place.file.as_ref() == n.as_str())
            || place.file.is_empty() && names.is_empty(),
        "the error names `{}`, not an input file ({names:?}): {message}",
        place.file
    );
    if strict_place() && !WHOLE_FILE.iter().any(|w| message.contains(w)) {
        assert!(
            place.line.is_some() || place.pointer.is_some(),
            "an error without a place in the file: {place}: {message}"
        );
    }
}

/// [`check_place`] for a side's result.
pub fn check_side(result: &Result<Snapshot, IngestError>, files: &[PathBuf]) {
    if let Err(e) = result {
        check_place(&e.place, &e.message, files);
    }
}

/// A named file's place check, for readers given a file name and its bytes.
pub fn check_named(place: &Place, message: &str, name: &str) {
    check_place(place, message, &[PathBuf::from(name)]);
}

/// Splits an input into two files at its first NUL byte (a fuzz input standing for a
/// folder of two per-call exports), or one file when it has none.
pub fn split_two(data: &[u8]) -> Vec<&[u8]> {
    match data.iter().position(|&b| b == 0) {
        Some(i) => vec![&data[..i], &data[i + 1..]],
        None => vec![data],
    }
}

/// The brute-force oracle for IAM wildcards: `*` any run of chars, `?` one char,
/// everything else literal; `star_lit`/`one_lit` are chars to treat as literal `*`/`?`
/// (compiled patterns carry literal wildcards from substituted variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Lit(char),
    Star,
    One,
}

/// Plain dynamic programming over (pattern position, text position).
pub fn oracle_match(pat: &[Tok], text: &[char], ignore_case: bool) -> bool {
    let eq = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    // reach[j]: the pattern prefix so far matches text[..j]
    let mut reach = vec![false; text.len() + 1];
    reach[0] = true;
    for t in pat {
        let mut next = vec![false; text.len() + 1];
        match t {
            Tok::Star => {
                let mut any = false;
                for j in 0..=text.len() {
                    any |= reach[j];
                    next[j] = any;
                }
            }
            Tok::One => {
                for j in 0..text.len() {
                    next[j + 1] = reach[j];
                }
            }
            Tok::Lit(c) => {
                for j in 0..text.len() {
                    next[j + 1] = reach[j] && eq(*c, text[j]);
                }
            }
        }
        reach = next;
    }
    reach[text.len()]
}

/// The oracle tokens of a raw pattern string.
pub fn oracle_tokens(raw: &str) -> Vec<Tok> {
    raw.chars()
        .map(|c| match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Lit(c),
        })
        .collect()
}

/// Every string over `alphabet` of length at most `max_len`, shortest first.
pub fn all_strings(alphabet: &[char], max_len: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut layer = vec![String::new()];
    for _ in 0..max_len {
        let mut next = Vec::with_capacity(layer.len() * alphabet.len());
        for s in &layer {
            for &c in alphabet {
                let mut t = s.clone();
                t.push(c);
                next.push(t);
            }
        }
        out.extend(next.iter().cloned());
        layer = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oracle_agrees_on_basics() {
        let m = |p: &str, t: &str| {
            oracle_match(&oracle_tokens(p), &t.chars().collect::<Vec<_>>(), false)
        };
        assert!(m("a*b", "ab"));
        assert!(m("a*b", "axxb"));
        assert!(!m("a?b", "ab"));
        assert!(m("*", ""));
        assert!(!m("", "a"));
        assert_eq!(all_strings(&['a', 'b'], 2).len(), 7);
    }
}
