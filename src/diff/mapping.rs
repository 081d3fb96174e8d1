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
//!
//! A rule whose `from` or `pattern` has an account part matches the principal's whole key,
//! `ACCOUNT:kind/name`, and its `to` may name another account, which moves principals
//! between accounts (issue 8, for account consolidations):
//!
//! ```yaml
//! renames:
//!   roles:
//!     - pattern: "111122223333:role/old-(.*)"
//!       to: "444455556666:role/app-$1"
//! ```
//!
//! A rule without an account part matches the name in any account, and keeps it there.
//!
//! People (issue 9) are matched across the sides by any name they share (IAM user name,
//! identity-store user name, e-mail); `people:` rules say who is who otherwise:
//!
//! ```yaml
//! people:
//!   - from: erin
//!     to: erin@example.com
//!   - pattern: "(.*)"
//!     to: "$1@example.com"
//! ```
//! A rule that renames nothing on the before side is a warning: it is how swapped
//! `--before`/`--after` show themselves (issue 7).

use regex::Regex;
use serde::Deserialize;
use std::sync::Arc;

use crate::model::{Place, PrincipalKey, PrincipalKind, Snapshot, Warning, WarningCode};

use super::err::DiffError;

/// The longest rename pattern, in characters: it bounds the compiled expression.
const MAX_PATTERN_CHARS: usize = 1024;

#[derive(Debug, Clone)]
enum Match {
    Exact(String),
    Pattern(Regex),
}

#[derive(Debug, Clone)]
struct Rule {
    from: Match,
    to: String,
    /// `from`/`pattern` names an account: the rule matches `ACCOUNT:kind/name`.
    keyed: bool,
}

/// Where a rename sends a principal: another name, and another account when the rule
/// names one (`None`: the principal's own account, or the one paired with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub account: Option<String>,
    pub name: String,
}

/// What rules are matched against, made once for all of them: the name, and the key
/// (`ACCOUNT:kind/name`, or `kind/name` with no account) for rules that name an account.
struct Subject<'a> {
    kind: &'a str,
    name: &'a str,
    key: String,
}

impl<'a> Subject<'a> {
    fn new(account: Option<&str>, kind: &'a str, name: &'a str) -> Self {
        let key = match account {
            Some(a) => format!("{a}:{kind}/{name}"),
            None => format!("{kind}/{name}"),
        };
        Subject { kind, name, key }
    }

    fn all(names: &'a [(Option<String>, String)], kind: &'a str) -> Vec<Self> {
        names
            .iter()
            .map(|(a, n)| Subject::new(a.as_deref(), kind, n))
            .collect()
    }
}

impl Rule {
    /// The text the rule is matched against: the name, or for a keyed rule the key.
    fn text<'s>(&self, s: &'s Subject<'_>) -> &'s str {
        if self.keyed { &s.key } else { s.name }
    }

    fn matches(&self, s: &Subject<'_>) -> bool {
        let text = self.text(s);
        match &self.from {
            Match::Exact(from) => from == text,
            Match::Pattern(re) => re.is_match(text),
        }
    }

    fn apply(&self, s: &Subject<'_>) -> Option<Target> {
        let text = self.text(s);
        let to = match &self.from {
            Match::Exact(from) => (from == text).then(|| self.to.clone())?,
            Match::Pattern(re) => {
                let caps = re.captures(text)?;
                let mut out = String::new();
                caps.expand(&self.to, &mut out);
                out
            }
        };
        // `ACCOUNT:kind/name` or `ACCOUNT:name` names the account; a plain name keeps it
        Some(match to.split_once(':') {
            Some((acct, rest)) => Target {
                account: Some(acct.to_owned()),
                name: rest
                    .strip_prefix(s.kind)
                    .and_then(|r| r.strip_prefix('/'))
                    .unwrap_or(rest)
                    .to_owned(),
            },
            None => Target {
                account: None,
                name: to,
            },
        })
    }
}

/// Renames by principal kind (and for groups).
#[derive(Debug, Clone, Default)]
pub struct Renames {
    users: Vec<Rule>,
    roles: Vec<Rule>,
    groups: Vec<Rule>,
    /// `people:` rules: a before-side person's name → the after side's (issue 9).
    people: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    renames: RawRenames,
    #[serde(default)]
    people: Vec<RawRule>,
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
        let raw: RawFile =
            serde_yaml::from_str(text).map_err(|e| DiffError::yaml(file, text, &e))?;
        let conv = |list: Vec<RawRule>, section: &str| -> Result<Vec<Rule>, DiffError> {
            list.into_iter()
                .enumerate()
                .map(|(i, r)| {
                    let pointer = if section == "people" {
                        format!("/people/{i}")
                    } else {
                        format!("/renames/{section}/{i}")
                    };
                    let place = Place::pointer(file.clone(), pointer);
                    match (r.from, r.pattern) {
                        (Some(from), None) => Ok(Rule {
                            keyed: from.contains(':'),
                            from: Match::Exact(from),
                            to: r.to,
                        }),
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
                            Ok(Rule {
                                from: Match::Pattern(re),
                                to: r.to,
                                keyed: p.contains(':'),
                            })
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
            people: conv(raw.people, "people")?,
        })
    }

    /// The after-side name of a before-side person (any of their names), if a `people:`
    /// rule renames it.
    pub fn person(&self, name: &str) -> Option<String> {
        let subject = Subject::new(None, "person", name);
        self.people.iter().find_map(|r| {
            r.apply(&subject).map(|t| match t.account {
                Some(a) => format!("{a}:{}", t.name),
                None => t.name,
            })
        })
    }

    /// The after-side name (and account, when the rule names one) of a before-side
    /// principal, if a rule renames it. The key's account is the one matching resolved
    /// (an unknown account taken as the side's only one).
    pub fn principal(&self, key: &PrincipalKey) -> Option<Target> {
        let rules = match key.kind {
            PrincipalKind::User => &self.users,
            PrincipalKind::Role => &self.roles,
        };
        let subject = Subject::new(key.account.as_deref(), key.kind.as_str(), &key.name);
        rules.iter().find_map(|r| r.apply(&subject))
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
        // (account, name) of each user, role or group of a side
        let names = |snap: &Snapshot, section: &str| -> Vec<(Option<String>, String)> {
            match section {
                "users" => kind_names(snap, PrincipalKind::User),
                "roles" => kind_names(snap, PrincipalKind::Role),
                _ => snap
                    .groups
                    .iter()
                    .map(|g| (g.account().map(str::to_owned), g.name.clone()))
                    .collect(),
            }
        };
        let mut out = Vec::new();
        for (section, what, rules) in [
            ("users", "user", &self.users),
            ("roles", "role", &self.roles),
            ("groups", "group", &self.groups),
        ] {
            let before_names = names(before, section);
            let before_subjects = Subject::all(&before_names, what);
            // the rule each name is renamed by: the first that matches it
            let mut used = vec![false; rules.len()];
            for n in &before_subjects {
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
                let message = if before_subjects.iter().any(|n| rule.matches(n)) {
                    format!(
                        "this rule renames no {what}: every {what} of the before side it \
                         matches is renamed by an earlier rule"
                    )
                } else {
                    let after_names = names(after, section);
                    let swapped = Subject::all(&after_names, what)
                        .into_iter()
                        .find(|n| rule.matches(n))
                        .map(|n| {
                            format!(
                                "; it matches `{}` of the after side: are `--before` and \
                                 `--after` swapped?",
                                n.name
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
    pub fn group(&self, account: Option<&str>, name: &str) -> Option<Target> {
        let subject = Subject::new(account, "group", name);
        self.groups.iter().find_map(|r| r.apply(&subject))
    }
}

fn kind_names(snap: &Snapshot, kind: PrincipalKind) -> Vec<(Option<String>, String)> {
    snap.principals
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| (p.account.clone(), p.name.clone()))
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
        let role = |n: &str| PrincipalKey::new(Some("111122223333".into()), PrincipalKind::Role, n);
        let name = |t: Option<Target>| t.map(|t| t.name);
        assert_eq!(name(r.principal(&role("a"))).as_deref(), Some("b"));
        assert_eq!(
            name(r.principal(&role("old-sagemaker"))).as_deref(),
            Some("edge-prod-b001-role-sagemaker")
        );
        assert_eq!(r.principal(&role("xold-sagemaker")), None);
        let user = PrincipalKey::new(None, PrincipalKind::User, "a");
        assert_eq!(r.principal(&user), None);
    }

    // issue 8: a rule with an account part matches `ACCOUNT:kind/name` and may move the
    // principal to another account; one without keeps matching the name in any account
    #[test]
    fn rules_with_accounts_move_principals_between_accounts() {
        let f: Arc<str> = Arc::from("map.yaml");
        let r = Renames::parse(
            &f,
            "renames:\n  roles:\n    - pattern: '111122223333:role/old-(.*)'\n      to: '444455556666:role/app-$1'\n    - from: '555555555555:role/x'\n      to: 'y'\n    - pattern: 'legacy-(.*)'\n      to: '$1'\n",
        )
        .unwrap();
        let key = |a: &str, n: &str| PrincipalKey::new(Some(a.into()), PrincipalKind::Role, n);
        assert_eq!(
            r.principal(&key("111122223333", "old-web")),
            Some(Target {
                account: Some("444455556666".into()),
                name: "app-web".into()
            })
        );
        // the same name in another account is not renamed by the keyed rule
        assert_eq!(r.principal(&key("999999999999", "old-web")), None);
        assert_eq!(
            r.principal(&key("555555555555", "x")),
            Some(Target {
                account: None,
                name: "y".into()
            })
        );
        assert_eq!(
            r.principal(&key("999999999999", "legacy-db")),
            Some(Target {
                account: None,
                name: "db".into()
            })
        );
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
        // issue 7 (fuzz map): an error the parser gives no position is still placed
        let e = Renames::parse(&f, "&w,").unwrap_err();
        assert!(e.place.line.is_some() && e.place.column.is_some(), "{e}");
    }
}
