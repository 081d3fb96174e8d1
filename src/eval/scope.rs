//! Resource scopes: which resources a statement's `Resource`/`NotResource` covers once
//! policy variables are substituted for a principal, and the pattern subsumption test
//! used to decide that a deny covers an allow entirely.

use std::sync::Arc;

use crate::model::ResourceClause;

use super::context::RequestContext;
use super::lang::{Atom, atoms, syntactic_subset_within};
use super::variables::{self, Resolved};
use super::wildcard::Pattern;

/// One resource pattern: as displayed (variables substituted) and compiled.
#[derive(Debug, Clone, Eq)]
pub struct ResPat {
    /// Shared, as `pattern` is: an organization's gated ARNs are cloned into the scope of
    /// every one of its accounts.
    pub text: std::sync::Arc<str>,
    pub pattern: Pattern,
}

impl PartialEq for ResPat {
    fn eq(&self, other: &ResPat) -> bool {
        // the pattern first (its hash tells most unequal ones apart), then the text by
        // address: both are interned (see `eval::intern`), so equal ones mostly share it
        self.pattern == other.pattern
            && (std::sync::Arc::ptr_eq(&self.text, &other.text) || self.text == other.text)
    }
}

impl std::hash::Hash for ResPat {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // what equality compares, in the order a derived hash took
        self.text.hash(state);
        self.pattern.hash(state);
    }
}

impl ResPat {
    pub fn parse(text: &str) -> Self {
        ResPat {
            text: super::intern::text(text),
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
    /// `false` means "not shown", not "not included"). Bounded: past [`MAX_COVER_CELLS`]
    /// the answer is `false`, which callers already read as "keep the detail" (a limit or
    /// an exception the diff then compares exactly, within its own budget).
    pub fn covers(&self, inner: &ResourceScope) -> bool {
        let mut cells = MAX_COVER_CELLS;
        self.covers_within(inner, &mut cells)
    }

    /// [`ResourceScope::covers`] within `cells`, decreased by what the test used.
    pub fn covers_within(&self, inner: &ResourceScope, cells: &mut u64) -> bool {
        match (self, inner) {
            (ResourceScope::Any, _) => true,
            (ResourceScope::Only(outer), ResourceScope::Only(inner)) => {
                all_covered(inner, outer, cells)
            }
            // outer excludes E, inner excludes F: inner ⊆ outer when every e is within some f
            (ResourceScope::AllExcept(outer), ResourceScope::AllExcept(inner)) => {
                all_covered(outer, inner, cells)
            }
            _ => false,
        }
    }

    /// The patterns as written, for display.
    pub fn texts(&self) -> Vec<&str> {
        match self {
            ResourceScope::Any => vec!["*"],
            ResourceScope::Only(p) | ResourceScope::AllExcept(p) => {
                p.iter().map(|p| &*p.text).collect()
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
                    text: super::intern::text(&display_tokens(&pattern)),
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

/// Hashes a scope by its patterns' own hashes (cheaper than the derived hash, which
/// hashes each pattern's text too): equal scopes hash alike.
pub fn hash_scope(s: &ResourceScope, h: &mut impl std::hash::Hasher) {
    use std::hash::Hash;
    let pats = match s {
        ResourceScope::Any => return h.write_u8(0),
        ResourceScope::Only(p) => {
            h.write_u8(1);
            p
        }
        ResourceScope::AllExcept(p) => {
            h.write_u8(2);
            p
        }
    };
    h.write_usize(pats.len());
    for p in pats {
        p.pattern.hash(h);
    }
}

/// The scope as text: `*`, patterns one per line, or `all except …`.
pub fn scope_text(s: &ResourceScope) -> String {
    match s {
        ResourceScope::Any => "*".into(),
        ResourceScope::Only(p) => p.iter().map(|p| &*p.text).collect::<Vec<_>>().join("\n"),
        ResourceScope::AllExcept(p) => format!(
            "all except {}",
            p.iter().map(|p| &*p.text).collect::<Vec<_>>().join(", ")
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

/// Cells one [`ResourceScope::covers`] test may use: one per pair of patterns tried and
/// per position compared, and (outer positions × inner positions) for a pair its literal
/// ends do not settle. 16 M: a few milliseconds, two rows of memory.
pub const MAX_COVER_CELLS: u64 = 1 << 24;

/// Every pattern of `items` inside some pattern of `by`, within `cells`. Patterns are
/// compared as tokens, so a literal `*` a variable brought in is no wildcard.
fn all_covered(items: &[ResPat], by: &[ResPat], cells: &mut u64) -> bool {
    if by.iter().any(|p| p.pattern.is_match_all()) {
        return true;
    }
    // the same pattern on both sides (a boundary repeating the grant) needs no table
    let same: rustc_hash::FxHashSet<&Pattern> = by.iter().map(|p| &p.pattern).collect();
    let by_atoms: std::cell::OnceCell<Vec<Vec<Atom>>> = std::cell::OnceCell::new();
    items.iter().all(|i| {
        if same.contains(&i.pattern) {
            return true;
        }
        let by_atoms = by_atoms.get_or_init(|| by.iter().map(|o| atoms(&o.pattern)).collect());
        let inner = atoms(&i.pattern);
        by_atoms.iter().any(|o| {
            // one cell for the pair itself, so that many patterns are bounded too
            if *cells == 0 {
                return false;
            }
            *cells -= 1;
            syntactic_subset_within(&inner, o, cells)
        })
    })
}

/// Whether every string matched by IAM pattern `inner` is matched by `outer` (`*`, `?`).
/// Exact for the usual shapes (literal prefixes ending in `*`); never true when it is not
/// so. An inner `*` can only be absorbed by an outer `*`, an inner `?` by an outer `?`
/// or `*`; the literal ends are compared first, then a table over what they leave, in
/// two rows, within [`MAX_COVER_CELLS`] (past it: false, "not shown").
pub fn pattern_covers(outer: &str, inner: &str) -> bool {
    let (o, i) = (atoms(&Pattern::parse(outer)), atoms(&Pattern::parse(inner)));
    let mut cells = MAX_COVER_CELLS;
    syntactic_subset_within(&i, &o, &mut cells)
}

/// The former table over all positions, kept as the tests' oracle.
#[cfg(test)]
fn pattern_covers_table(outer: &str, inner: &str) -> bool {
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

    /// issue 7: the bounded test answers as the former full table did on every pair of a
    /// small family of patterns in normal form, and every yes it gives is sound.
    #[test]
    fn bounded_covers_agrees_with_the_full_table() {
        let alphabet = ['a', 'b', '*', '?'];
        let mut pats = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for s in &level {
                for c in alphabet {
                    next.push(format!("{s}{c}"));
                }
            }
            pats.extend(next.iter().cloned());
            level = next;
        }
        // strings over {a, b} up to length 5, to check every new "yes"
        let mut samples = vec![String::new()];
        for _ in 0..5 {
            let mut next = samples.clone();
            for s in &samples {
                for c in ['a', 'b'] {
                    next.push(format!("{s}{c}"));
                }
            }
            samples = next;
        }
        samples.sort();
        samples.dedup();
        let m = super::super::wildcard::matches;
        for o in &pats {
            for i in &pats {
                let (new, table) = (pattern_covers(o, i), pattern_covers_table(o, i));
                // the same where normalization changes nothing (it turns `*?` into `?*`
                // and `**` into `*`, which moves what either test can see), always sound
                let normal = |p: &str| Pattern::parse(p).to_text() == p;
                if normal(o) && normal(i) {
                    assert_eq!(new, table, "{o} ⊇ {i}");
                }
                if new {
                    assert!(
                        samples.iter().all(|s| !m(i, s) || m(o, s)),
                        "{o} ⊇ {i} unsound"
                    );
                }
            }
        }
    }

    fn only<S: AsRef<str>>(texts: &[S]) -> ResourceScope {
        ResourceScope::Only(texts.iter().map(|t| ResPat::parse(t.as_ref())).collect())
    }

    /// issue 7: the `!Join` of 300 aliases (300,000 characters) in a grant and in its
    /// boundary: the same pattern is settled without a table, different ones of that
    /// size give up ("not shown") within the cells, and nothing is allocated per cell.
    #[test]
    fn covers_is_bounded_on_huge_patterns() {
        let huge = format!("arn:aws:s3:::{}", "b".repeat(300_000));
        let mut cells = MAX_COVER_CELLS;
        assert!(only(&[&huge]).covers_within(&only(&[&huge]), &mut cells));
        assert_eq!(cells, MAX_COVER_CELLS, "identical patterns cost no cells");
        // stars in the middle: the ends match, the table would be 10^10 cells
        let outer = format!("arn:*{}*", "b?".repeat(50_000));
        let inner = format!("arn:*{}*x", "b*".repeat(50_000));
        let mut cells = MAX_COVER_CELLS;
        assert!(!only(&[&outer]).covers_within(&only(&[&inner]), &mut cells));
        assert!(cells > 0, "gave up before the table, not after");
        assert!(!pattern_covers(&outer, &inner));
        // many patterns: every pair costs a cell, so 5,000 × 5,000 stops at the budget
        let many: Vec<String> = (0..5_000).map(|i| format!("arn:aws:s3:::b{i}/*")).collect();
        let others: Vec<String> = (0..5_000).map(|i| format!("arn:aws:s3:::c{i}/*")).collect();
        let mut cells = MAX_COVER_CELLS;
        assert!(!only(&many).covers_within(&only(&others), &mut cells));
    }

    /// A literal `*` brought in by a variable is no wildcard: a deny on it covers only
    /// itself (the former text comparison read it as `*`).
    #[test]
    fn literal_star_from_a_variable_covers_only_itself() {
        use super::super::wildcard::Token;
        let lit = ResPat {
            text: "arn:aws:s3:::*".into(),
            pattern: Pattern::from_tokens(vec![Token::Lit("arn:aws:s3:::*".into())]),
        };
        let outer = ResourceScope::Only(vec![lit]);
        assert!(!outer.covers(&only(&["arn:aws:s3:::b/k"])));
        assert!(outer.covers(&ResourceScope::Only(vec![ResPat {
            text: "arn:aws:s3:::*".into(),
            pattern: Pattern::from_tokens(vec![Token::Lit("arn:aws:s3:::*".into())]),
        }])));
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
