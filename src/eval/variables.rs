//! Policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, any `${key}`, with an
//! optional default `${aws:username, 'nobody'}`) in `Resource` elements and condition
//! values, and the special `${*}`, `${?}`, `${$}`, which stand for a literal `*`, `?`,
//! `$` (IAM User Guide, "IAM policy elements: Variables and tags").
//!
//! Resolution yields a token-level [`Pattern`], because a substituted value is literal
//! text: a user named `a*` must not turn into a wildcard, nor may `${*}`.
//!
//! What a missing value means follows the same page: a variable whose key is not in the
//! request context ("not present") makes any match attempt fail, so a `Resource` with it
//! matches nothing ([`Resolved::NoMatch`]); a default, when given, is used instead. A
//! value that cannot be known offline gives [`Resolved::Unknown`], which callers turn
//! into a conditional grant rather than an allow or a silent drop.
//!
//! Policies with a `Version` older than `2012-10-17` treat `${...}` as literal text; that
//! is the caller's choice to make (use [`Pattern::parse`] instead of [`resolve`]).

use super::wildcard::{Pattern, Token};

/// The value of one variable for one request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VarValue {
    /// The key is in the request context with this single value.
    Known(String),
    /// The key is definitely not in the request context.
    Absent,
    /// The value cannot be known offline (open context, multivalued key).
    Unknown,
}

/// Where variable values come from. Implementations must treat `key` case-insensitively
/// (IAM context key names are case-insensitive: `aws:CurrentTime` = `AWS:currenttime`).
pub trait VariableSource {
    fn variable(&self, key: &str) -> VarValue;
}

/// The outcome of substituting the variables of one policy string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Resolved {
    /// Every variable resolved; literal text from substitutions is literal tokens.
    Pattern(Pattern),
    /// A variable's key is absent and has no default: the element matches nothing.
    NoMatch { key: String },
    /// A variable's value cannot be known offline; `key` is the first such key.
    Unknown { key: String },
}

/// True when `raw` may contain a policy variable (it contains `${`).
pub fn has_variables(raw: &str) -> bool {
    raw.contains("${")
}

/// One `${...}` body, parsed.
enum Var<'a> {
    /// `${*}`, `${?}`, `${$}`.
    Special(&'static str),
    Key {
        key: &'a str,
        default: Option<&'a str>,
    },
    /// A body we cannot read (`${}`, `${k, nope}`): undecidable, never guessed.
    Malformed,
}

fn parse_body(body: &str) -> Var<'_> {
    match body {
        "*" => return Var::Special("*"),
        "?" => return Var::Special("?"),
        "$" => return Var::Special("$"),
        _ => {}
    }
    let (key, default) = match body.split_once(',') {
        None => (body.trim(), None),
        Some((key, rest)) => {
            // The documented form is `, 'default'` (comma, space, single quotes).
            let rest = rest.trim();
            match rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
                Some(d) if rest.len() >= 2 => (key.trim(), Some(d)),
                _ => return Var::Malformed,
            }
        }
    };
    if key.is_empty() {
        return Var::Malformed;
    }
    Var::Key { key, default }
}

/// Substitutes the variables of `raw` from `vars`. Text outside `${...}` keeps its
/// wildcards; substituted text is literal. A `${` without a closing `}` is literal text.
/// When several variables fail, an absent one ([`Resolved::NoMatch`]) wins over an
/// unknown one, since the element then matches nothing whatever the unknown value is.
pub fn resolve(raw: &str, vars: &dyn VariableSource) -> Resolved {
    let mut tokens: Vec<Token> = Vec::new();
    let mut unknown: Option<String> = None;
    let mut rest = raw;
    loop {
        let Some(start) = rest.find("${") else {
            tokens.extend(Pattern::parse(rest).tokens().iter().cloned());
            break;
        };
        let (before, from_var) = rest.split_at(start);
        let Some(end) = from_var.find('}') else {
            // Malformed: no closing brace, so the rest is plain text.
            tokens.extend(Pattern::parse(rest).tokens().iter().cloned());
            break;
        };
        tokens.extend(Pattern::parse(before).tokens().iter().cloned());
        let body = from_var.get(2..end).unwrap_or("");
        rest = from_var.get(end + 1..).unwrap_or("");
        match parse_body(body) {
            Var::Special(s) => tokens.push(Token::Lit(s.to_string())),
            Var::Malformed => {
                unknown.get_or_insert_with(|| body.to_string());
            }
            Var::Key { key, default } => match vars.variable(key) {
                VarValue::Known(v) => tokens.push(Token::Lit(v)),
                VarValue::Absent => match default {
                    Some(d) => tokens.push(Token::Lit(d.to_string())),
                    None => {
                        return Resolved::NoMatch {
                            key: key.to_string(),
                        };
                    }
                },
                VarValue::Unknown => {
                    unknown.get_or_insert_with(|| key.to_string());
                }
            },
        }
    }
    match unknown {
        Some(key) => Resolved::Unknown { key },
        None => Resolved::Pattern(Pattern::from_tokens(tokens)),
    }
}

#[cfg(test)]
#[rustfmt::skip::macros(res)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A map source: keys stored lowercase; `?`-prefixed entries are Unknown.
    struct Vars(HashMap<String, Option<String>>);

    impl Vars {
        fn new(pairs: &[(&str, Option<&str>)]) -> Vars {
            Vars(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.map(str::to_string)))
                    .collect(),
            )
        }
    }

    impl VariableSource for Vars {
        fn variable(&self, key: &str) -> VarValue {
            match self.0.get(&key.to_ascii_lowercase()) {
                Some(Some(v)) => VarValue::Known(v.clone()),
                Some(None) => VarValue::Unknown,
                None => VarValue::Absent,
            }
        }
    }

    fn alice() -> Vars {
        Vars::new(&[
            ("aws:username", Some("alice")),
            ("aws:userid", Some("AIDAEXAMPLE")),
            ("aws:PrincipalTag/team", Some("blue")),
            ("aws:SourceIp", Some("203.0.113.7")),
            ("aws:CurrentTime", None),
        ])
    }

    fn pattern(r: Resolved) -> Pattern {
        match r {
            Resolved::Pattern(p) => p,
            other => panic!("expected a pattern, got {other:?}"),
        }
    }

    /// `res!(name, raw, matching text, non-matching text)`.
    macro_rules! res {
        ($name:ident, $raw:expr, $yes:expr, $no:expr) => {
            #[test]
            fn $name() {
                let p = pattern(resolve($raw, &alice()));
                assert!(p.matches($yes), "{:?} should match {:?}", $raw, $yes);
                assert!(!p.matches($no), "{:?} should not match {:?}", $raw, $no);
            }
        };
    }

    res!(username, "arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/alice/k",
        "arn:aws:s3:::b/bob/k");
    res!(userid, "${aws:userid}", "AIDAEXAMPLE", "alice");
    res!(principal_tag, "arn:aws:s3:::${aws:PrincipalTag/team}", "arn:aws:s3:::blue",
        "arn:aws:s3:::red");
    res!(source_ip, "${aws:SourceIp}", "203.0.113.7", "203.0.113.8");
    res!(key_case_insensitive, "${AWS:UserName}", "alice", "bob");
    res!(special_star_is_literal, "a${*}b", "a*b", "axb");
    res!(special_question_is_literal, "a${?}", "a?", "ab");
    res!(special_dollar, "${$}{x}", "${x}", "$x");
    res!(default_used_when_absent, "home/${aws:FederatedProvider, 'none'}/*", "home/none/x",
        "home/alice/x");
    res!(default_ignored_when_known, "${aws:username, 'nobody'}", "alice", "nobody");
    res!(default_is_literal, "${aws:nothing, 'a*'}", "a*", "ab");
    res!(unclosed_is_literal, "a/${aws:username", "a/${aws:username", "a/alice");
    res!(dollar_without_brace_is_literal, "a$b*", "a$bcd", "ab");
    res!(wildcards_outside_variables_stay, "${aws:username}-?-*", "alice-x-yz", "alice--");
    res!(no_variables, "plain*", "plainly", "plan");

    #[test]
    fn substituted_star_is_not_a_wildcard() {
        let vars = Vars::new(&[("aws:username", Some("a*"))]);
        let p = pattern(resolve("u/${aws:username}", &vars));
        assert!(p.matches("u/a*"));
        assert!(!p.matches("u/abc"));
    }

    #[test]
    fn absent_without_default_is_no_match() {
        assert_eq!(
            resolve("arn:aws:s3:::b/${aws:TokenIssueTime}", &alice()),
            Resolved::NoMatch {
                key: "aws:TokenIssueTime".into()
            }
        );
    }

    #[test]
    fn unknown_value_is_unknown() {
        assert_eq!(
            resolve("${aws:CurrentTime}", &alice()),
            Resolved::Unknown {
                key: "aws:CurrentTime".into()
            }
        );
    }

    #[test]
    fn unknown_with_default_stays_unknown() {
        assert_eq!(
            resolve("${aws:CurrentTime, 'x'}", &alice()),
            Resolved::Unknown {
                key: "aws:CurrentTime".into()
            }
        );
    }

    #[test]
    fn absent_beats_unknown() {
        assert_eq!(
            resolve("${aws:CurrentTime}/${aws:missing}", &alice()),
            Resolved::NoMatch {
                key: "aws:missing".into()
            }
        );
    }

    #[test]
    fn malformed_bodies_are_unknown() {
        assert!(matches!(resolve("${}", &alice()), Resolved::Unknown { .. }));
        assert!(matches!(
            resolve("${aws:username, nobody}", &alice()),
            Resolved::Unknown { .. }
        ));
        assert!(matches!(
            resolve("${aws:username, '}", &alice()),
            Resolved::Unknown { .. }
        ));
    }

    #[test]
    fn empty_default_is_allowed() {
        let p = pattern(resolve("x${aws:missing, ''}y", &alice()));
        assert_eq!(p.as_literal(), Some("xy"));
    }

    #[test]
    fn has_variables_detects_dollar_brace() {
        assert!(has_variables("a/${aws:username}"));
        assert!(has_variables("${"));
        assert!(!has_variables("a$b{c}"));
    }
}
