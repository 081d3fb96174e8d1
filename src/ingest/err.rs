//! The one error type of ingest: an input problem with the place it happened (file,
//! line:column, JSON pointer), a lowercase message and optional advice. Every failure
//! of every reader (unreadable file, malformed JSON, wrong shape, bad policy) ends up
//! here, so the CLI can print it and exit 2 without knowing which reader failed.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::model::Place;

/// An input error: where, what, and (optionally) what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestError {
    pub place: Place,
    pub message: String,
    pub help: Option<String>,
}

impl IngestError {
    pub fn new(place: Place, message: impl Into<String>) -> Self {
        let (message, help) = split_help(message.into());
        IngestError {
            place,
            message,
            help,
        }
    }

    /// An error about a whole file (unreadable, empty, unknown format).
    pub fn in_file(file: &Arc<str>, message: impl Into<String>) -> Self {
        IngestError::new(Place::file(file.clone()), message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for IngestError {}

/// Separates a message from its advice inside a serde custom error. Serde errors carry
/// one string, so hand-written visitors join message and help with this character and
/// [`split_help`] takes them apart again.
pub(crate) const HELP_SEP: char = '\u{1f}';

/// A serde custom-error text carrying advice for the user.
pub(crate) fn with_help(message: impl fmt::Display, help: impl fmt::Display) -> String {
    format!("{message}{HELP_SEP}{help}")
}

pub(crate) fn split_help(message: String) -> (String, Option<String>) {
    match message.split_once(HELP_SEP) {
        Some((m, h)) => (m.to_owned(), Some(h.to_owned())),
        None => (message, None),
    }
}

/// The message of a serde_json error without its ` at line L column C` suffix (the
/// position goes into the [`Place`] instead).
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(m) => m.to_owned(),
        None => text,
    }
}

/// RFC 6901 JSON pointer of a serde path (`/Policies/3/PolicyVersionList/0`).
pub(crate) fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => {
                out.push('/');
                out.push_str(&index.to_string());
            }
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&escape_token(key));
            }
            Segment::Enum { variant } => {
                out.push('/');
                out.push_str(&escape_token(variant));
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// Escapes one reference token of a JSON pointer (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape_token(key: &str) -> Cow<'_, str> {
    if key.contains(['~', '/']) {
        Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_place_message_and_help() {
        let place = Place {
            file: Arc::from("a.json"),
            line: Some(3),
            column: Some(7),
            pointer: Some("/UserDetailList/0".into()),
        };
        let e = IngestError::new(place, "missing field `UserName`").with_help("add it");
        assert_eq!(
            e.to_string(),
            "a.json:3:7 (at /UserDetailList/0): missing field `UserName`\n  help: add it"
        );
    }

    #[test]
    fn help_travels_through_a_serde_message() {
        let e = IngestError::in_file(&Arc::from("f"), with_help("bad thing", "do this"));
        assert_eq!(e.message, "bad thing");
        assert_eq!(e.help.as_deref(), Some("do this"));
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(escape_token("a/b~c"), "a~1b~0c");
        assert_eq!(escape_token("plain"), "plain");
    }

    #[test]
    fn json_message_drops_the_position() {
        let e = serde_json::from_str::<serde_json::Value>("{\"a\":1,}").unwrap_err();
        assert_eq!(json_message(&e), "trailing comma");
    }
}
