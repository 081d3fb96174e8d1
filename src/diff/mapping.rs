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
//! A rule that renames nothing on the before side is a warning: it is how swapped
//! `--before`/`--after` show themselves (issue 7).

use regex::Regex;
use serde::Deserialize;
use std::sync::Arc;

use crate::model::{Place, PrincipalKind, Snapshot, Warning, WarningCode};

use super::err::DiffError;

/// The longest rename pattern, in characters: it bounds the compiled expression.
const MAX_PATTERN_CHARS: usize = 1024;

#[derive(Debug, Clone)]
enum Rule {
    Exact { from: String, to: String },
    Pattern { re: Regex, to: String },
}

impl Rule {
    fn matches(&self, name: &str) -> bool {
        match self {
            Rule::Exact { from, .. } => from == name,
            Rule::Pattern { re, .. } => re.is_match(name),
        }
    }

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
                        (None, Some(p)) if p.chars().nth(MAX_PATTERN_CHARS).is_some() => {
                            Err(DiffError::new(
                                place,
                                format!(
                                    "`pattern` is longer than {MAX_PATTERN_CHARS} characters; \
                                     names are far shorter"
                                ),
                            ))
                        }
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

    /// A warning for each rule that renames no user, role or group of the before side:
    /// it matches none, or only names an earlier rule renames already. A rule that matches
    /// names of the after side instead suggests the sides were given the wrong way round.
    pub fn unused_rules(
        &self,
        file: &Arc<str>,
        before: &Snapshot,
        after: &Snapshot,
    ) -> Vec<Warning> {
        let names = |snap: &Snapshot, section: &str| -> Vec<String> {
            match section {
                "users" => kind_names(snap, PrincipalKind::User),
                "roles" => kind_names(snap, PrincipalKind::Role),
                _ => snap.groups.iter().map(|g| g.name.clone()).collect(),
            }
        };
        let mut out = Vec::new();
        for (section, what, rules) in [
            ("users", "user", &self.users),
            ("roles", "role", &self.roles),
            ("groups", "group", &self.groups),
        ] {
            let before_names = names(before, section);
            // the rule each name is renamed by: the first that matches it
            let mut used = vec![false; rules.len()];
            for n in &before_names {
                if let Some(u) = rules
                    .iter()
                    .position(|r| r.matches(n))
                    .and_then(|i| used.get_mut(i))
                {
                    *u = true;
                }
            }
            for (i, rule) in rules.iter().enumerate() {
                if used.get(i).copied().unwrap_or(true) {
                    continue;
                }
                let message = if before_names.iter().any(|n| rule.matches(n)) {
                    format!(
                        "this rule renames no {what}: every {what} of the before side it \
                         matches is renamed by an earlier rule"
                    )
                } else {
                    let swapped = names(after, section)
                        .into_iter()
                        .find(|n| rule.matches(n))
                        .map(|n| {
                            format!(
                                "; it matches `{n}` of the after side: are `--before` and \
                                 `--after` swapped?"
                            )
                        })
                        .unwrap_or_default();
                    format!("this rule matches no {what} of the before side{swapped}")
                };
                out.push(Warning {
                    code: WarningCode::UnusedRename,
                    place: Place::pointer(file.clone(), format!("/renames/{section}/{i}")),
                    message,
                });
            }
        }
        out
    }

    /// The after-side name of a before-side group, if a rule renames it.
    pub fn group(&self, name: &str) -> Option<String> {
        self.groups.iter().find_map(|r| r.apply(name))
    }
}

fn kind_names(snap: &Snapshot, kind: PrincipalKind) -> Vec<String> {
    snap.principals
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| p.name.clone())
        .collect()
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
