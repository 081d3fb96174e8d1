//! Reading a YAML [`Node`] tree by hand, with the pointer of every value at hand, so each
//! error and warning names its line:column (found on demand by [`yaml::place_of`]).
//! Shared by the provisioner config, the level definitions and YAML/JSON memberships.

use std::sync::Arc;

use super::super::IngestError;
use super::super::err::escape_token;
use super::super::yaml::{self, Node};
use crate::model::suggest;
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

    /// Refuses keys of a mapping that are not in `known`: iamdiff defines these formats,
    /// and an ignored typo (`policy_assignment:`) would silently change somebody's access.
    /// The error is at the key, with the closest known key (issue 7).
    pub fn unknown_keys(
        &self,
        entries: &[(String, Node)],
        pointer: &str,
        known: &[&str],
        what: &str,
    ) -> Result<(), IngestError> {
        match entries.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            None => Ok(()),
            Some((k, _)) => Err(self
                .error(
                    &child(pointer, k),
                    true,
                    format!(
                        "unknown key `{k}` in {what}{}",
                        suggest::did_you_mean(k, known.iter().copied())
                    ),
                )
                .with_help(format!(
                    "the keys of {what} are {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
        }
    }
}

/// The value of `key` in a mapping.
pub(crate) fn get<'n>(entries: &'n [(String, Node)], key: &str) -> Option<&'n Node> {
    entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The shared "did you mean" helper, named here for the readers built on this tree.
pub(crate) use crate::model::suggest::closest;
