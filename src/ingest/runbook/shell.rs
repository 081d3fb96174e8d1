//! The shell form of a runbook: AWS CLI lines as people write them. Quoting (`'…'`,
//! `"…"`, backslashes), `\` continuations, comments, `set -e`, `echo`, redirections and a
//! trailing `|| true` are understood; `VAR=value` assignments are remembered and `$VAR` /
//! `${VAR}` expanded. Loops, conditionals, functions, command substitutions, pipes,
//! variables with no known value and commands other than `aws` are *unfollowed*: reported
//! with their line, never guessed. `# iamdiff: stack NAME FILE` declares what an existing
//! stack holds.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Call, Ctx, IngestError, Item, Val};
use crate::model::{Place, Unfollowed};

/// One logical line: the words with the place each starts at.
struct Line {
    line: u32,
    column: u32,
    text: String,
    words: Vec<Word>,
    /// Why the line cannot be followed, found while splitting it.
    trouble: Option<String>,
}

#[derive(Debug, Clone)]
struct Word {
    text: String,
    /// A shell operator (`|`, `&&`, `;`, `>`), not a word.
    op: bool,
    column: u32,
}

/// Options of `aws` itself, which say nothing about the step (with whether they take a value).
const GLOBAL: &[(&str, bool)] = &[
    ("profile", true),
    ("region", true),
    ("output", true),
    ("query", true),
    ("endpoint-url", true),
    ("color", true),
    ("cli-read-timeout", true),
    ("cli-connect-timeout", true),
    ("ca-bundle", true),
    ("no-cli-pager", false),
    ("no-paginate", false),
    ("debug", false),
    ("no-verify-ssl", false),
    ("no-sign-request", false),
    ("cli-auto-prompt", false),
    ("no-cli-auto-prompt", false),
];

/// Flags that take no value in the operations followed.
const FLAGS: &[&str] = &[
    "set-as-default",
    "no-set-as-default",
    "no-execute-changeset",
    "no-fail-on-empty-changeset",
    "fail-on-empty-changeset",
];

/// Commands that change nothing IAM holds.
const HARMLESS: &[&str] = &[
    "set", "echo", "printf", ":", "true", "sleep", "wait", "trap", "cd", "pushd", "popd", "shopt",
    "umask", "date", "exit", "return",
];

pub(super) fn read(ctx: &mut Ctx<'_>, bytes: &[u8]) -> Result<Vec<Item>, IngestError> {
    let text = String::from_utf8_lossy(bytes);
    let file = ctx.file.clone();
    let lines = logical_lines(&file, &text)?;
    let mut vars: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut out = Vec::new();
    // the compound command (loop, conditional, function) a line is inside: its opening line
    let mut depth: Vec<(u32, &'static str)> = Vec::new();
    for raw in lines {
        let place = Place {
            file: file.clone(),
            line: Some(raw.line),
            column: Some(raw.column),
            pointer: None,
        };
        let unfollowed = |reason: String| {
            Item::Unfollowed(Unfollowed {
                place: place.clone(),
                text: raw.text.clone(),
                reason,
            })
        };
        let first = raw.words.first().map(|w| w.text.as_str()).unwrap_or("");
        let first_op = raw.words.first().is_some_and(|w| w.op);
        // compound commands: everything from the keyword to its end is not followed
        let opener = match first {
            "for" | "while" | "until" | "select" => Some("loop"),
            "if" => Some("conditional"),
            "case" => Some("case"),
            "function" | "{" => Some("function"),
            _ if first.ends_with("()") || raw.words.get(1).is_some_and(|w| w.text == "()") => {
                Some("function")
            }
            _ => None,
        };
        let closes = matches!(first, "done" | "fi" | "esac" | "}");
        if let Some(kind) = opener.filter(|_| !first_op) {
            // a one-line compound (`for x in a; do …; done`) opens and closes here
            let ends = raw
                .words
                .iter()
                .rev()
                .find(|w| !w.op)
                .is_some_and(|w| matches!(w.text.as_str(), "done" | "fi" | "esac" | "}"));
            if !ends {
                depth.push((raw.line, kind));
            }
            out.push(unfollowed(format!(
                "a {kind}: its steps may run any number of times, or not at all"
            )));
            continue;
        }
        if let Some(&(line, kind)) = depth.last() {
            if closes {
                depth.pop();
            }
            out.push(unfollowed(format!(
                "inside the {kind} of line {line}: its steps may run any number of times, or not at all"
            )));
            continue;
        }
        if raw.words.is_empty() {
            continue;
        }
        if let Some(t) = &raw.trouble {
            out.push(unfollowed(t.clone()));
            continue;
        }
        // expand variables, cut a trailing `|| true` and redirections
        let mut words: Vec<Word> = Vec::new();
        let mut trouble = None;
        let mut i = 0;
        while let Some(w) = raw.words.get(i) {
            i += 1;
            if w.op {
                match w.text.as_str() {
                    "||" if raw
                        .words
                        .get(i)
                        .is_some_and(|n| n.text == "true" || n.text == ":")
                        && i + 1 == raw.words.len() =>
                    {
                        break;
                    }
                    ">" | ">>" | "2>" | "2>>" | "&>" | "<" => {
                        i += 1;
                    }
                    "2>&1" | ">&2" | "1>&2" => {}
                    ";" if i == raw.words.len() => {}
                    other => {
                        trouble = Some(format!(
                            "`{other}`: pipes, lists and background jobs are not followed"
                        ));
                        break;
                    }
                }
                continue;
            }
            match expand(&w.text, &vars) {
                Ok(t) => words.push(Word {
                    text: t,
                    op: false,
                    column: w.column,
                }),
                Err(t) => {
                    trouble = Some(t);
                    break;
                }
            }
        }
        if let Some(t) = trouble {
            out.push(unfollowed(t));
            continue;
        }
        // assignments: `VAR=value` (also after `export`/`readonly`/`local`)
        let assign_from = usize::from(matches!(first, "export" | "readonly" | "local" | "declare"));
        let assigns: Vec<&Word> = words.iter().skip(assign_from).collect();
        if !assigns.is_empty() && assigns.iter().all(|w| is_assignment(&w.text)) {
            for w in assigns {
                if let Some((k, v)) = w.text.split_once('=') {
                    vars.insert(k.to_owned(), Some(v.to_owned()));
                }
            }
            continue;
        }
        let Some(cmd) = words.first() else {
            continue;
        };
        if HARMLESS.contains(&cmd.text.as_str()) || cmd.text.starts_with('#') {
            continue;
        }
        if cmd.text != "aws" {
            out.push(unfollowed(format!(
                "`{}` is not an AWS CLI command: iamdiff follows `aws iam`, `aws cloudformation` and `aws sso-admin` lines",
                cmd.text
            )));
            continue;
        }
        match aws_call(&file, &raw, &words, &place) {
            Ok(call) => out.push(Item::Call(call)),
            Err(reason) => out.push(unfollowed(reason)),
        }
    }
    // a declaration anywhere counts from the start: read the directives
    for (n, l) in text.lines().enumerate() {
        let t = l.trim();
        if let Some(rest) = t.strip_prefix("# iamdiff: stack ") {
            let mut parts = rest.split_whitespace();
            let line = u32::try_from(n + 1).unwrap_or(u32::MAX);
            let place = Place {
                file: file.clone(),
                line: Some(line),
                column: Some(1),
                pointer: None,
            };
            match (parts.next(), parts.next(), parts.next()) {
                (Some(name), Some(src), None) => ctx.declare(name, src, place)?,
                _ => {
                    return Err(IngestError::new(
                        place,
                        "a stack declaration reads `# iamdiff: stack NAME FILE`",
                    ));
                }
            }
        }
    }
    Ok(out)
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((k, _)) => {
            !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Replaces `$VAR` and `${VAR}` by their values; `Err` names what cannot be resolved.
/// Single-quoted text was marked by [`logical_lines`] with `\u{0}` before each `$`.
fn expand(w: &str, vars: &BTreeMap<String, Option<String>>) -> Result<String, String> {
    let mut out = String::with_capacity(w.len());
    let mut chars = w.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{0}' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '$' => {
                let braced = chars.peek() == Some(&'{');
                if braced {
                    chars.next();
                }
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if braced && chars.next() != Some('}') {
                    return Err(format!(
                        "`${{{name}…}}`: only plain `${{VAR}}` expansions are followed"
                    ));
                }
                if name.is_empty() {
                    return Err("a `$` expansion iamdiff cannot resolve".into());
                }
                match vars.get(&name) {
                    Some(Some(v)) => out.push_str(v),
                    _ => {
                        return Err(format!(
                            "`${name}` has no value set earlier in the script (from the environment, an argument or a command)"
                        ));
                    }
                }
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// `aws [global options] SERVICE OPERATION --param value …` into a call.
fn aws_call(file: &Arc<str>, raw: &Line, words: &[Word], place: &Place) -> Result<Call, String> {
    let mut positional: Vec<&str> = Vec::new();
    let mut params: Vec<(String, Val, Place)> = Vec::new();
    let mut i = 1;
    while let Some(w) = words.get(i) {
        i += 1;
        let at = Place {
            file: file.clone(),
            line: place.line,
            column: Some(w.column),
            pointer: None,
        };
        let Some(opt) = w.text.strip_prefix("--") else {
            positional.push(&w.text);
            continue;
        };
        let (key, inline) = match opt.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (opt.to_owned(), None),
        };
        if let Some(&(_, takes)) = GLOBAL.iter().find(|(g, _)| *g == key) {
            if takes && inline.is_none() {
                i += 1;
            }
            continue;
        }
        if FLAGS.contains(&key.as_str()) {
            params.push((key.clone(), Val::Flag(!key.starts_with("no-")), at));
            if key.starts_with("no-") {
                params.push((
                    key.trim_start_matches("no-").to_owned(),
                    Val::Flag(false),
                    place.clone(),
                ));
            }
            continue;
        }
        let value = match inline {
            Some(v) => Val::Text(v),
            None => match words.get(i) {
                Some(n) if !n.text.starts_with("--") => {
                    i += 1;
                    Val::Text(n.text.clone())
                }
                _ => Val::Flag(true),
            },
        };
        params.push((key, value, at));
    }
    let (service, op) = match positional.as_slice() {
        [s, o] => ((*s).to_owned(), (*o).to_owned()),
        [s, o, rest @ ..] => {
            return Err(format!(
                "`aws {s} {o}` with unexpected argument `{}`",
                rest.first().copied().unwrap_or_default()
            ));
        }
        _ => return Err("an `aws` line without a service and an operation".into()),
    };
    Ok(Call {
        service,
        op,
        params,
        place: place.clone(),
        text: raw.text.clone(),
    })
}

/// Splits the script into logical lines (continuations joined) of words, with quoting
/// resolved. An unterminated quote is an error placed where it opens.
fn logical_lines(file: &Arc<str>, text: &str) -> Result<Vec<Line>, IngestError> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let (mut line, mut col) = (1u32, 1u32);
    let mut i = 0;
    let mut cur: Option<Line> = None;
    let mut word: Option<Word> = None;
    macro_rules! end_word {
        () => {
            if let (Some(w), Some(l)) = (word.take(), cur.as_mut()) {
                l.words.push(w);
            }
        };
    }
    while let Some(&c) = chars.get(i) {
        let (cl, cc) = (line, col);
        i += 1;
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
        if cur.is_none() && !c.is_whitespace() {
            cur = Some(Line {
                line: cl,
                column: cc,
                text: String::new(),
                words: Vec::new(),
                trouble: None,
            });
        }
        if let Some(l) = cur.as_mut()
            && c != '\n'
        {
            l.text.push(c);
        }
        let start_word = |word: &mut Option<Word>| {
            word.get_or_insert(Word {
                text: String::new(),
                op: false,
                column: cc,
            });
        };
        match c {
            '\n' => {
                end_word!();
                if let Some(l) = cur.take() {
                    out.push(l);
                }
            }
            '\\' => match chars.get(i) {
                Some('\n') => {
                    i += 1;
                    line += 1;
                    col = 1;
                    if let Some(l) = cur.as_mut() {
                        l.text.push(' ');
                        l.text.pop();
                    }
                }
                Some(&n) => {
                    i += 1;
                    col += 1;
                    if let Some(l) = cur.as_mut() {
                        l.text.push(n);
                    }
                    start_word(&mut word);
                    if let Some(w) = word.as_mut() {
                        w.text.push('\u{0}');
                        w.text.push(n);
                    }
                }
                None => {}
            },
            '#' if word.is_none() => {
                // a comment to the end of the line
                while let Some(&n) = chars.get(i) {
                    if n == '\n' {
                        break;
                    }
                    i += 1;
                    col += 1;
                }
                if let Some(l) = cur.as_mut() {
                    l.text = l.text.trim_end_matches('#').trim_end().to_owned();
                    if l.text.is_empty() && l.words.is_empty() {
                        cur = None;
                    }
                }
            }
            '\'' | '"' => {
                start_word(&mut word);
                let mut closed = false;
                while let Some(&n) = chars.get(i) {
                    i += 1;
                    if n == '\n' {
                        line += 1;
                        col = 1;
                    } else {
                        col += 1;
                    }
                    if let Some(l) = cur.as_mut() {
                        l.text.push(if n == '\n' { ' ' } else { n });
                    }
                    if n == c {
                        closed = true;
                        break;
                    }
                    let Some(w) = word.as_mut() else { continue };
                    if c == '\'' {
                        // literal: protect `$` from expansion
                        if n == '$' {
                            w.text.push('\u{0}');
                        }
                        w.text.push(n);
                    } else if n == '\\' {
                        if let Some(&m) = chars.get(i)
                            && matches!(m, '"' | '\\' | '$' | '`')
                        {
                            i += 1;
                            col += 1;
                            if let Some(l) = cur.as_mut() {
                                l.text.push(m);
                            }
                            w.text.push('\u{0}');
                            w.text.push(m);
                        } else {
                            w.text.push('\\');
                        }
                    } else if n == '`' || (n == '$' && chars.get(i) == Some(&'(')) {
                        if let Some(l) = cur.as_mut() {
                            l.trouble.get_or_insert_with(|| {
                                "a command substitution: its value is known only when the script runs".into()
                            });
                        }
                        w.text.push(n);
                    } else {
                        w.text.push(n);
                    }
                }
                if !closed {
                    let place = Place {
                        file: file.clone(),
                        line: Some(cl),
                        column: Some(cc),
                        pointer: None,
                    };
                    return Err(IngestError::new(
                        place,
                        format!(
                            "unterminated {} quote",
                            if c == '"' { "double" } else { "single" }
                        ),
                    )
                    .with_help(format!(
                        "expected a closing `{c}` before the end of the script"
                    )));
                }
            }
            '`' => {
                if let Some(l) = cur.as_mut() {
                    l.trouble.get_or_insert_with(|| {
                        "a command substitution: its value is known only when the script runs"
                            .into()
                    });
                }
                start_word(&mut word);
                if let Some(w) = word.as_mut() {
                    w.text.push(c);
                }
            }
            '$' if chars.get(i) == Some(&'(') => {
                if let Some(l) = cur.as_mut() {
                    l.trouble.get_or_insert_with(|| {
                        "a command substitution: its value is known only when the script runs"
                            .into()
                    });
                }
                start_word(&mut word);
                if let Some(w) = word.as_mut() {
                    w.text.push(c);
                }
            }
            '|' | '&' | ';' | '>' | '<' => {
                // `2>` and `2>&1` stay one operator with the digit before them
                let fd = word
                    .as_ref()
                    .is_some_and(|w| w.text == "1" || w.text == "2")
                    && matches!(c, '>' | '<');
                let mut op = if fd {
                    word.take().map(|w| w.text).unwrap_or_default()
                } else {
                    end_word!();
                    String::new()
                };
                op.push(c);
                while let Some(&n) = chars.get(i) {
                    if matches!(n, '|' | '&' | '>') || (op.ends_with('&') && n.is_ascii_digit()) {
                        op.push(n);
                        i += 1;
                        col += 1;
                        if let Some(l) = cur.as_mut() {
                            l.text.push(n);
                        }
                    } else {
                        break;
                    }
                }
                if let Some(l) = cur.as_mut() {
                    l.words.push(Word {
                        text: op,
                        op: true,
                        column: cc,
                    });
                }
            }
            c if c.is_whitespace() => end_word!(),
            c => {
                start_word(&mut word);
                if let Some(w) = word.as_mut() {
                    w.text.push(c);
                }
            }
        }
    }
    end_word!();
    if let Some(l) = cur.take() {
        out.push(l);
    }
    Ok(out)
}
