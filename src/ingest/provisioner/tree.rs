//! Reading a YAML [`Node`] tree by hand, with the pointer of every value at hand, so each
//! error and warning names its line:column (found on demand by [`yaml::place_of`]).
//! Shared by the provisioner config, the level definitions and YAML/JSON memberships.

use std::sync::Arc;

use super::super::IngestError;
use super::super::err::escape_token;
use super::super::yaml::{self, Node};
use crate::model::{Place, Warning, WarningCode};

/// A value and the JSON pointer where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct At<T> {
    pub value: T,
    pub pointer: String,
}

impl<T> At<T> {
    pub fn new(value: T, pointer: impl Into<String>) -> Self {
        At {
            value,
            pointer: pointer.into(),
        }
    }
}

/// `{parent}/{key}` with the key escaped.
pub(crate) fn child(parent: &str, key: &str) -> String {
    format!("{parent}/{}", escape_token(key))
}

/// The file being read: places errors and collects warnings.
pub(crate) struct Src<'a> {
    pub file: &'a Arc<str>,
    pub bytes: &'a [u8],
    pub warnings: Vec<Warning>,
}

impl<'a> Src<'a> {
    pub fn new(file: &'a Arc<str>, bytes: &'a [u8]) -> Self {
        Src {
            file,
            bytes,
            warnings: Vec::new(),
        }
    }

    /// The place of the value at `pointer` (or of its key, with `key`).
    pub fn place(&self, pointer: &str, key: bool) -> Place {
        yaml::place_of(self.file, self.bytes, pointer, key)
    }

    pub fn error(&self, pointer: &str, key: bool, message: impl Into<String>) -> IngestError {
        IngestError::new(self.place(pointer, key), message)
    }

    pub fn warn(&mut self, code: WarningCode, pointer: &str, key: bool, message: String) {
        let place = self.place(pointer, key);
        self.warnings.push(Warning {
            code,
            place,
            message,
        });
    }

    /// The entries of a mapping; null (an empty YAML section) is an empty mapping.
    pub fn map<'n>(
        &self,
        node: &'n Node,
        pointer: &str,
        what: &str,
    ) -> Result<&'n [(String, Node)], IngestError> {
        match node {
            Node::Map(entries) => Ok(entries),
            Node::Null => Ok(&[]),
            other => Err(self.error(
                pointer,
                false,
                format!("{what} must be a mapping, not {}", other.kind()),
            )),
        }
    }

    /// A scalar as text (numbers keep their digits: an unquoted account id is fine).
    pub fn text(&self, node: &Node, pointer: &str, what: &str) -> Result<At<String>, IngestError> {
        match node.scalar() {
            Some(s) => Ok(At::new(s, pointer)),
            None => Err(self.error(
                pointer,
                false,
                format!("{what} must be a string, not {}", node.kind()),
            )),
        }
    }

    /// A list of scalars; a single scalar counts as a list of one, null as none.
    pub fn texts(
        &self,
        node: &Node,
        pointer: &str,
        what: &str,
    ) -> Result<Vec<At<String>>, IngestError> {
        match node {
            Node::Null => Ok(Vec::new()),
            Node::Seq(items) => items
                .iter()
                .enumerate()
                .map(|(i, n)| self.text(n, &format!("{pointer}/{i}"), what))
                .collect(),
            n => Ok(vec![self.text(n, pointer, what)?]),
        }
    }

    pub fn boolean(&self, node: &Node, pointer: &str, what: &str) -> Result<bool, IngestError> {
        match node {
            Node::Bool(b) => Ok(*b),
            other => Err(self.error(
                pointer,
                false,
                format!("{what} must be `true` or `false`, not {}", other.kind()),
            )),
        }
    }

    /// Warns about keys of a mapping that are not in `known`: they are ignored, so a
    /// config written for a newer provisioner still loads, but a typo is visible.
    pub fn unknown_keys(
        &mut self,
        entries: &[(String, Node)],
        pointer: &str,
        known: &[&str],
        what: &str,
    ) {
        for (k, _) in entries {
            if !known.contains(&k.as_str()) {
                let message = format!(
                    "`{k}` is not a key iamdiff knows in {what} (known: {}); it was ignored",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                self.warn(WarningCode::Unsupported, &child(pointer, k), true, message);
            }
        }
    }
}

/// The value of `key` in a mapping.
pub(crate) fn get<'n>(entries: &'n [(String, Node)], key: &str) -> Option<&'n Node> {
    entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The candidate closest to `name` (case, `_`/`-` and up to two edits apart), for a
/// "did you mean" in messages.
pub(crate) fn closest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let n = norm(name);
    candidates
        .into_iter()
        .map(|c| (distance(&n, &norm(c)), c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance (names are short).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names() {
        let known = [
            "edge-prod-b001-group-ml-engineers",
            "edge-prod-b001-group-data-scientists",
        ];
        assert_eq!(
            closest("edge-prod-b001-group-ml-engineer", known),
            Some("edge-prod-b001-group-ml-engineers")
        );
        assert_eq!(closest("sagemakr", ["s3", "sagemaker"]), Some("sagemaker"));
        assert_eq!(
            closest("Data_Science", ["data-science", "ml"]),
            Some("data-science")
        );
        assert_eq!(closest("bedrock", ["s3", "ecr"]), None);
    }
}
