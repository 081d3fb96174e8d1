//! Provenance: where a statement or a problem came from, so every decision and every
//! warning can name the file, the policy and the statement behind it.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

use super::PolicyKind;

/// A place in an input file: the file, and where known the line:column and JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct Place {
    pub file: Arc<str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// RFC 6901 JSON pointer (`/Policies/3/PolicyVersionList/0/Document`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

impl Place {
    pub fn file(file: Arc<str>) -> Self {
        Place {
            file,
            line: None,
            column: None,
            pointer: None,
        }
    }

    pub fn pointer(file: Arc<str>, pointer: impl Into<String>) -> Self {
        Place {
            file,
            line: None,
            column: None,
            pointer: Some(pointer.into()),
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        if let Some(p) = &self.pointer {
            if p.is_empty() {
                write!(f, " (at the document root)")?;
            } else {
                write!(f, " (at {p})")?;
            }
        }
        Ok(())
    }
}

/// Which statement of a policy: its `Sid`, or its 0-based index when it has none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum StatementRef {
    Sid(String),
    Index(usize),
}

impl fmt::Display for StatementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatementRef::Sid(s) => write!(f, "Sid `{s}`"),
            StatementRef::Index(i) => write!(f, "statement #{i}"),
        }
    }
}

/// Where a statement came from: file, policy (name, ARN, version, kind) and statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Origin {
    pub file: Arc<str>,
    pub policy: Arc<str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_arn: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Arc<str>>,
    pub kind: PolicyKind,
    pub statement: StatementRef,
    /// JSON pointer of the statement inside `file`, when the input has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind.label(), self.policy)?;
        if let Some(v) = &self.version {
            write!(f, " {v}")?;
        }
        write!(f, ", {} ({})", self.statement, self.file)
    }
}
