//! The front door (issue 12 item 10): every shell example in the README that invokes
//! `iamdiff` (or `cargo run -- …`) and every example in `iamdiff --help` runs as copied
//! against the built binary, from a scratch directory that sees the repository's
//! fixtures, and no example line is wrapped without its backslash (the help is read at
//! 80 columns, as clap wraps it on a terminal that wide). Commands needing a tool that is
//! not installed are skipped with the reason printed.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::root;

/// One command as a user copies it: its lines joined at their backslashes.
#[derive(Debug)]
struct Example {
    /// Where it comes from, for messages: `README.md:42` or `iamdiff --help`.
    place: String,
    command: String,
}

/// The shell commands of a ```sh block's lines (comments dropped), each joined at its
/// backslashes; a line that continues a command without the backslash before it is an
/// error (it would run as a command of its own).
fn commands(lines: &[(usize, &str)], place: &str) -> Result<Vec<Example>, String> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for &(n, line) in lines {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            if let Some((at, c)) = cur.take() {
                return Err(format!(
                    "{place}:{at}: `{c}` ends with a backslash before a comment or blank line"
                ));
            }
            continue;
        }
        let continues = cur.is_some();
        if !continues && line.starts_with(char::is_whitespace) && !place.contains("--help") {
            return Err(format!(
                "{place}:{n}: `{t}` is indented like a continuation, but the line before has no backslash"
            ));
        }
        let (body, more) = match t.strip_suffix('\\') {
            Some(b) => (b.trim_end(), true),
            None => (t, false),
        };
        let (at, mut c) = cur.take().unwrap_or((n, String::new()));
        if !c.is_empty() {
            c.push(' ');
        }
        c.push_str(body);
        if more {
            cur = Some((at, c));
        } else {
            out.push(Example {
                place: format!("{place}:{at}"),
                command: c,
            });
        }
    }
    if let Some((at, c)) = cur {
        return Err(format!(
            "{place}:{at}: `{c}` ends with a dangling backslash"
        ));
    }
    Ok(out)
}

/// The README's ```sh blocks, as commands.
fn readme_examples() -> Vec<Example> {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut out = Vec::new();
    let mut block: Option<Vec<(usize, &str)>> = None;
    for (i, line) in text.lines().enumerate() {
        match &mut block {
            None if line.trim_start().starts_with("```sh") => block = Some(Vec::new()),
            None => {}
            Some(lines) if line.trim_start().starts_with("```") => {
                out.extend(commands(lines, "README.md").unwrap_or_else(|e| panic!("{e}")));
                block = None;
            }
            Some(lines) => lines.push((i + 1, line)),
        }
    }
    out
}

/// The examples of every `--help` that has an `Examples` section, read at 80 columns:
/// each line of the section starts a command (`iamdiff …`) or continues one whose line
/// ended with a backslash.
fn help_examples(binary: &Path) -> Vec<Example> {
    let mut out = Vec::new();
    for args in [
        &["--help"][..],
        &["diff", "--help"],
        &["effective", "--help"],
        &["explain", "--help"],
        &["catalog", "--help"],
        &["schema", "--help"],
    ] {
        let help = Command::new(binary)
            .args(args)
            .env("COLUMNS", "80")
            .output()
            .unwrap();
        assert!(help.status.success());
        let text = String::from_utf8(help.stdout).unwrap();
        let place = format!("iamdiff {}", args.join(" "));
        let mut section: Vec<(usize, &str)> = Vec::new();
        let mut inside = false;
        for (i, line) in text.lines().enumerate() {
            if line.starts_with("Examples") {
                inside = true;
                continue;
            }
            if inside {
                if line.trim().is_empty() || !line.starts_with(' ') {
                    break;
                }
                assert!(
                    line.chars().count() <= 80,
                    "{place}: `{line}` is wider than 80"
                );
                section.push((i + 1, line));
            }
        }
        // every line of the section starts a command or continues one after a backslash
        let mut continued = false;
        for (n, line) in &section {
            assert!(
                continued || line.trim_start().starts_with("iamdiff "),
                "{place}, line {n}: `{line}` was wrapped without a backslash; it would not run as copied"
            );
            continued = line.trim_end().ends_with('\\');
        }
        out.extend(commands(&section, &place).unwrap_or_else(|e| panic!("{e}")));
    }
    out
}

/// `cargo run [--release] -- ARGS` is `iamdiff ARGS`; other commands are not ours.
fn as_iamdiff(command: &str) -> Option<String> {
    for prefix in ["cargo run --release -- ", "cargo run -- "] {
        if let Some(rest) = command.strip_prefix(prefix) {
            return Some(format!("iamdiff {rest}"));
        }
    }
    command.starts_with("iamdiff ").then(|| command.to_owned())
}

/// Whether a program is on the PATH.
fn installed(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// Runs each example with `sh` in a scratch directory holding a link to the fixtures, the
/// binary first on the PATH; `diff` may exit 1 (its gate), anything else must succeed.
fn run_all(examples: &[Example]) {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_iamdiff"));
    let bin_dir = binary.parent().unwrap().to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let mut ran = 0;
    for ex in examples {
        let Some(cmd) = as_iamdiff(&ex.command) else {
            eprintln!(
                "{}: skipped, not an iamdiff command: `{}`",
                ex.place, ex.command
            );
            continue;
        };
        // a pipeline's other programs must be installed
        let missing: Vec<&str> = cmd
            .split('|')
            .skip(1)
            .filter_map(|stage| stage.split_whitespace().next())
            .filter(|p| !installed(p))
            .collect();
        if !missing.is_empty() {
            eprintln!("{}: skipped, needs {missing:?}, not installed", ex.place);
            continue;
        }
        let scratch = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(root().join("fixtures"), scratch.path().join("fixtures"))
            .unwrap();
        let out = Command::new("sh")
            .args(["-c", &cmd])
            .current_dir(scratch.path())
            .env("PATH", &path)
            .env_remove("COLUMNS")
            .output()
            .unwrap();
        let code = out.status.code();
        let gate = cmd.starts_with("iamdiff diff ");
        assert!(
            code == Some(0) || (gate && code == Some(1)),
            "{}: `{cmd}` exited {code:?}\n{}",
            ex.place,
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert!(ran > 0, "no example ran");
}

// issue 12 item 10: every README example runs as copied
#[test]
fn readme_examples_run_as_copied() {
    let examples = readme_examples();
    assert!(
        examples.len() >= 15,
        "only {} README examples found",
        examples.len()
    );
    run_all(&examples);
}

// issue 12 item 10: every `--help` example runs as copied, none wrapped at 80 columns
#[test]
fn help_examples_run_as_copied() {
    let examples = help_examples(Path::new(env!("CARGO_BIN_EXE_iamdiff")));
    assert!(examples.len() >= 4, "{examples:?}");
    run_all(&examples);
}

// the checker itself: a wrapped line without its backslash is caught
#[test]
fn a_line_wrapped_without_its_backslash_is_caught() {
    let lines = [
        (1, "iamdiff diff --before a.json \\"),
        (2, "    --after b.json"),
        (3, "    --map m.yaml"),
    ];
    let e = commands(&lines, "README.md").unwrap_err();
    assert!(e.contains("README.md:3"), "{e}");
    let ok = commands(&lines[..2], "README.md").unwrap();
    assert_eq!(ok[0].command, "iamdiff diff --before a.json --after b.json");
}
