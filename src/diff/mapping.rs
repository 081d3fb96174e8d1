//! Renames between the two sides (`--map`): a user, role or group on the before side is
//! the same one on the after side under another name, given exactly or by a regular
//! expression with `$1`-style captures:
//!
//! ```yaml
//! renames:
//!   roles:
//!     - from: old-sagemaker-role
//!       to: edge-prod-b001-role-sagemaker-execution
//!     - pattern: "old-(.*)"
//!       to: "edge-prod-b001-role-$1"
//!   groups:
//!     - pattern: "(.*)"
//!       to: "edge-prod-b001-group-$1"
//!   users: []
//! ```
//!
//! Rules apply in order; the first that matches wins. A pattern must match the whole name.

use regex::Regex;
use serde::Deserialize;
use std::sync::Arc;

use crate::model::{Place, PrincipalKind};

use super::err::DiffError;

#[derive(Debug, Clone)]
enum Rule {
    Exact { from: String, to: String },
    Pattern { re: Regex, to: String },
}

impl Rule {
    fn apply(&self, name: &str) -> Option<String> {
        match self {
            Rule::Exact { from, to } => (from == name).then(|| to.clone()),
            Rule::Pattern { re, to } => {
                let caps = re.captures(name)?;
                let mut out = String::new();
                caps.expand(to, &mut out);
                Some(out)
            }
        }
    }
}

/// Renames by principal kind (and for groups).
#[derive(Debug, Clone, Default)]
pub struct Renames {
    users: Vec<Rule>,
    roles: Vec<Rule>,
    groups: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    renames: RawRenames,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRenames {
    #[serde(default)]
    users: Vec<RawRule>,
    #[serde(default)]
    roles: Vec<RawRule>,
    #[serde(default)]
    groups: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    from: Option<String>,
    pattern: Option<String>,
    to: String,
}

impl Renames {
    pub fn parse(file: &Arc<str>, text: &str) -> Result<Renames, DiffError> {
        let raw: RawFile = serde_yaml::from_str(text).map_err(|e| DiffError::yaml(file, &e))?;
        let conv = |list: Vec<RawRule>, section: &str| -> Result<Vec<Rule>, DiffError> {
            list.into_iter()
                .enumerate()
                .map(|(i, r)| {
                    let place = Place::pointer(file.clone(), format!("/renames/{section}/{i}"));
                    match (r.from, r.pattern) {
                        (Some(from), None) => Ok(Rule::Exact { from, to: r.to }),
                        (None, Some(p)) => {
                            let re = Regex::new(&format!("^(?:{p})$")).map_err(|e| {
                                DiffError::new(
                                    place,
                                    format!("`pattern` is not a valid regular expression: {e}"),
                                )
                            })?;
                            Ok(Rule::Pattern { re, to: r.to })
                        }
                        _ => Err(DiffError::new(
                            place,
                            "expected exactly one of `from` or `pattern`",
                        )),
                    }
                })
                .collect()
        };
        Ok(Renames {
            users: conv(raw.renames.users, "users")?,
            roles: conv(raw.renames.roles, "roles")?,
            groups: conv(raw.renames.groups, "groups")?,
        })
    }

    /// The after-side name of a before-side principal, if a rule renames it.
    pub fn principal(&self, kind: PrincipalKind, name: &str) -> Option<String> {
        let rules = match kind {
            PrincipalKind::User => &self.users,
            PrincipalKind::Role => &self.roles,
        };
        rules.iter().find_map(|r| r.apply(name))
    }

    /// The after-side name of a before-side group, if a rule renames it.
    pub fn group(&self, name: &str) -> Option<String> {
        self.groups.iter().find_map(|r| r.apply(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_pattern_rules() {
        let f: Arc<str> = Arc::from("map.yaml");
        let r = Renames::parse(
            &f,
            "renames:\n  roles:\n    - from: a\n      to: b\n    - pattern: 'old-(.*)'\n      to: 'edge-prod-b001-role-$1'\n",
        )
        .unwrap();
        assert_eq!(r.principal(PrincipalKind::Role, "a").as_deref(), Some("b"));
        assert_eq!(
            r.principal(PrincipalKind::Role, "old-sagemaker").as_deref(),
            Some("edge-prod-b001-role-sagemaker")
        );
        assert_eq!(r.principal(PrincipalKind::Role, "xold-sagemaker"), None);
        assert_eq!(r.principal(PrincipalKind::User, "a"), None);
    }

    #[test]
    fn errors_have_places() {
        let f: Arc<str> = Arc::from("map.yaml");
        let e = Renames::parse(&f, "renames:\n  roles:\n    - to: b\n").unwrap_err();
        assert!(e.to_string().contains("/renames/roles/0"), "{e}");
        let e = Renames::parse(&f, "renames:\n  roles:\n    - pattern: '('\n      to: b\n")
            .unwrap_err();
        assert!(e.to_string().contains("regular expression"), "{e}");
        let e = Renames::parse(&f, "renames: [\n").unwrap_err();
        assert!(e.to_string().starts_with("map.yaml:"), "{e}");
    }
}
