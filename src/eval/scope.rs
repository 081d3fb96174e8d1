//! Resource scopes: which resources a statement's `Resource`/`NotResource` covers once
//! policy variables are substituted for a principal, and the pattern subsumption test
//! used to decide that a deny covers an allow entirely.

use std::sync::Arc;

use crate::model::ResourceClause;

use super::context::RequestContext;
use super::variables::{self, Resolved};
use super::wildcard::Pattern;

/// One resource pattern: as displayed (variables substituted) and compiled.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResPat {
    pub text: String,
    pub pattern: Pattern,
}

impl ResPat {
    pub fn parse(text: &str) -> Self {
        ResPat {
            text: text.to_owned(),
            pattern: Pattern::parse(text),
        }
    }

    pub fn matches(&self, resource: &str) -> bool {
        self.pattern.matches(resource)
    }
}

/// The resources a statement covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResourceScope {
    /// Every resource (`"Resource": "*"`, or no resource element as in trust policies).
    Any,
    /// Resources matching any of the patterns.
    Only(Vec<ResPat>),
    /// Resources matching none of the patterns (`NotResource`).
    AllExcept(Vec<ResPat>),
}

impl ResourceScope {
    pub fn matches(&self, resource: &str) -> bool {
        match self {
            ResourceScope::Any => true,
            ResourceScope::Only(p) => p.iter().any(|p| p.matches(resource)),
            ResourceScope::AllExcept(p) => !p.iter().any(|p| p.matches(resource)),
        }
    }

    pub fn is_any(&self) -> bool {
        matches!(self, ResourceScope::Any)
    }

    /// True when every resource of `inner` is certainly in `self` (sufficient test: a
    /// `false` means "not shown", not "not included").
    pub fn covers(&self, inner: &ResourceScope) -> bool {
        match (self, inner) {
            (ResourceScope::Any, _) => true,
            (ResourceScope::Only(outer), ResourceScope::Only(inner)) => inner
                .iter()
                .all(|i| outer.iter().any(|o| pattern_covers(&o.text, &i.text))),
            // outer excludes E, inner excludes F: inner ⊆ outer when every e is within some f
            (ResourceScope::AllExcept(outer), ResourceScope::AllExcept(inner)) => outer
                .iter()
                .all(|o| inner.iter().any(|i| pattern_covers(&i.text, &o.text))),
            _ => false,
        }
    }

    /// The patterns as written, for display.
    pub fn texts(&self) -> Vec<&str> {
        match self {
            ResourceScope::Any => vec!["*"],
            ResourceScope::Only(p) | ResourceScope::AllExcept(p) => {
                p.iter().map(|p| p.text.as_str()).collect()
            }
        }
    }
}

/// A statement's scope for one principal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScopeFor {
    /// The statement applies to these resources.
    Scope(Arc<ResourceScope>),
    /// Every pattern names a variable the request lacks: the statement matches nothing.
    Nothing,
    /// A variable cannot be known offline; the scope shown keeps it unsubstituted.
    Unknown {
        scope: Arc<ResourceScope>,
        variables: Vec<String>,
    },
}

/// Compiles a clause that has no policy variables (shared by every principal).
pub fn static_scope(clause: &ResourceClause) -> ResourceScope {
    let pats = |v: &[String]| v.iter().map(|s| ResPat::parse(s)).collect::<Vec<_>>();
    match clause {
        ResourceClause::Absent => ResourceScope::Any,
        ResourceClause::Resource(v) if v.iter().any(|p| p.chars().all(|c| c == '*')) => {
            ResourceScope::Any
        }
        ResourceClause::Resource(v) => ResourceScope::Only(pats(v)),
        ResourceClause::NotResource(v) => ResourceScope::AllExcept(pats(v)),
    }
}

pub fn clause_has_variables(clause: &ResourceClause) -> bool {
    match clause {
        ResourceClause::Absent => false,
        ResourceClause::Resource(v) | ResourceClause::NotResource(v) => {
            v.iter().any(|p| variables::has_variables(p))
        }
    }
}

/// Substitutes policy variables for one principal's request context.
pub fn scope_for(clause: &ResourceClause, ctx: &RequestContext) -> ScopeFor {
    let (raw, negated) = match clause {
        ResourceClause::Absent => return ScopeFor::Scope(Arc::new(ResourceScope::Any)),
        ResourceClause::Resource(v) => (v, false),
        ResourceClause::NotResource(v) => (v, true),
    };
    let mut pats = Vec::new();
    let mut unknown = Vec::new();
    for p in raw {
        if !variables::has_variables(p) {
            pats.push(ResPat::parse(p));
            continue;
        }
        match variables::resolve(p, ctx) {
            Resolved::Pattern(pattern) => {
                pats.push(ResPat {
                    text: display_tokens(&pattern),
                    pattern,
                });
            }
            // the element does not match; for NotResource it excludes nothing
            Resolved::NoMatch { .. } => {}
            Resolved::Unknown { key } => {
                unknown.push(key);
                pats.push(ResPat::parse(p));
            }
        }
    }
    if !negated && pats.is_empty() {
        return ScopeFor::Nothing;
    }
    let scope = if negated {
        ResourceScope::AllExcept(pats)
    } else if pats.iter().any(|p| p.pattern.is_match_all()) {
        ResourceScope::Any
    } else {
        ResourceScope::Only(pats)
    };
    if unknown.is_empty() {
        ScopeFor::Scope(Arc::new(scope))
    } else {
        unknown.sort();
        unknown.dedup();
        ScopeFor::Unknown {
            scope: Arc::new(scope),
            variables: unknown,
        }
    }
}

/// The scope as text: `*`, patterns one per line, or `all except …`.
pub fn scope_text(s: &ResourceScope) -> String {
    match s {
        ResourceScope::Any => "*".into(),
        ResourceScope::Only(p) => p
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        ResourceScope::AllExcept(p) => format!(
            "all except {}",
            p.iter()
                .map(|p| p.text.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn display_tokens(p: &Pattern) -> String {
    use super::wildcard::Token;
    let mut s = String::new();
    for t in p.tokens() {
        match t {
            Token::Lit(l) => s.push_str(l),
            Token::Star => s.push('*'),
            Token::One => s.push('?'),
        }
    }
    s
}

/// Whether every string matched by IAM pattern `inner` is matched by `outer` (`*`, `?`).
/// Exact for the usual shapes (literal prefixes ending in `*`); never true when it is not
/// so. Dynamic programming over (outer, inner) positions: an inner `*` can only be
/// absorbed by an outer `*`, an inner `?` by an outer `?` or `*`.
pub fn pattern_covers(outer: &str, inner: &str) -> bool {
    let o: Vec<char> = outer.chars().collect();
    let i: Vec<char> = inner.chars().collect();
    let w = i.len() + 1;
    // reach[a * w + b]: outer[..a] can produce inner[..b]
    let mut reach = vec![false; (o.len() + 1) * w];
    let at = |a: usize, b: usize| a * w + b;
    if let Some(r) = reach.get_mut(0) {
        *r = true;
    }
    for a in 0..=o.len() {
        for b in 0..=i.len() {
            if !reach.get(at(a, b)).copied().unwrap_or(false) {
                continue;
            }
            let Some(&oc) = o.get(a) else { continue };
            let mut set = |x: usize, y: usize| {
                if let Some(r) = reach.get_mut(at(x, y)) {
                    *r = true;
                }
            };
            if oc == '*' {
                // outer `*` absorbs nothing more, or one more inner symbol of any kind
                set(a + 1, b);
                if b < i.len() {
                    set(a, b + 1);
                }
            } else if let Some(&ic) = i.get(b) {
                let ok = match (oc, ic) {
                    ('?', '*') => false,
                    ('?', _) => true,
                    (_, '*') | (_, '?') => false,
                    (x, y) => x == y,
                };
                if ok {
                    set(a + 1, b + 1);
                }
            }
        }
    }
    reach.get(at(o.len(), i.len())).copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! covers {
        ($($outer:expr, $inner:expr => $want:expr;)*) => {$(
            assert_eq!(pattern_covers($outer, $inner), $want, "{} ⊇ {}", $outer, $inner);
        )*};
    }

    #[test]
    fn subsumption() {
        covers! {
            "*", "arn:aws:s3:::b/*" => true;
            "arn:aws:s3:::b/*", "arn:aws:s3:::b/x/*" => true;
            "arn:aws:s3:::b/x/*", "arn:aws:s3:::b/*" => false;
            "arn:aws:s3:::b*", "arn:aws:s3:::b/*" => true;
            "arn:aws:s3:::b?", "arn:aws:s3:::b*" => false;
            "arn:aws:s3:::b?", "arn:aws:s3:::bx" => true;
            "a*b", "a*b" => true;
            "a*", "a" => true;
            "a", "a*" => false;
            "a*c", "ab?c" => true;
            "abc", "abc" => true;
            "abc", "abd" => false;
        }
    }

    #[test]
    fn covers_is_sound_on_samples() {
        // brute force over short strings: whenever covers says yes, every sample agrees
        let alphabet = ['a', 'b', '/'];
        let mut samples = vec![String::new()];
        for _ in 0..4 {
            let mut next = samples.clone();
            for s in &samples {
                for c in alphabet {
                    next.push(format!("{s}{c}"));
                }
            }
            samples = next;
        }
        samples.sort();
        samples.dedup();
        let pats = [
            "a*", "*b", "a?b", "a*b", "*", "a/*", "?", "ab", "*/*", "a**",
        ];
        for o in pats {
            for i in pats {
                if pattern_covers(o, i) {
                    for s in &samples {
                        if super::super::wildcard::matches(i, s) {
                            assert!(
                                super::super::wildcard::matches(o, s),
                                "{o} ⊇ {i} fails on {s}"
                            );
                        }
                    }
                }
            }
        }
    }
}
