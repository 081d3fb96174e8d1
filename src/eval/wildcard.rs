//! IAM wildcard matching: `*` matches any run of characters (empty, `/` and `:` included),
//! `?` exactly one character (a `char`, not a byte), and everything else is literal
//! (`[`, `{`, `\` have no meaning). This is not glob syntax, so it is our own code rather
//! than globset (see DEPENDENCIES.md, "globset"): `a/**/b` does not match `a/b`, and
//! `[abc]` only matches itself.
//!
//! Two forms are offered. The raw-string functions ([`matches()`],
//! [`matches_ignore_ascii_case`], [`arn_matches`]) allocate nothing and suit patterns
//! without policy variables. A compiled [`Pattern`] is a token list, which is what
//! variable substitution produces: a substituted value and `${*}` are literal text whose
//! `*` must not act as a wildcard, something a plain string cannot express.
//!
//! Short raw patterns are matched greedily with backtracking to the last star only.
//! Compiled patterns (and raw ones over 256 bytes) are matched segment by segment: the
//! part before the first star at the start, the part after the last star at the end,
//! and each segment between at its leftmost occurrence, found by substring search or,
//! for long segments holding `?`, by a bit-parallel Shift-And search. No shape costs
//! more than O(text × pattern / 64) (issue 7: a 50,000-character `*a?a?…b` against a
//! 100,000-character ARN took 55 s, a 200 KB middle segment 38.7 s; now 0.2 s).

use std::fmt;

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Token {
    /// Literal text, never empty in a normalized pattern.
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A compiled IAM pattern in normal form: adjacent literals merged, no empty literals,
/// and each run of wildcards written as its `?`s followed by at most one `*` (`*?*` and
/// `?*` denote the same language), so equal languages of this shape compare equal.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// Shared: a pattern is cloned into every resource set built from it (issue 8: an
    /// organization's 1,500 gated ARNs per grant), and a clone is then one count.
    tokens: std::sync::Arc<[Token]>,
    /// A hash of `tokens`, computed once: patterns are hashed and compared by the
    /// thousand when resource sets are interned and grouped.
    hash: u64,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        // by address first: `Arc`'s equality compares a shared slice's contents
        self.hash == other.hash
            && (std::sync::Arc::ptr_eq(&self.tokens, &other.tokens) || self.tokens == other.tokens)
    }
}

impl Eq for Pattern {}

impl std::hash::Hash for Pattern {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl PartialOrd for Pattern {
    fn partial_cmp(&self, other: &Pattern) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pattern {
    fn cmp(&self, other: &Pattern) -> std::cmp::Ordering {
        self.tokens.cmp(&other.tokens)
    }
}

impl Default for Pattern {
    fn default() -> Pattern {
        Pattern::from_tokens(Vec::new())
    }
}

impl Pattern {
    /// Compiles a raw pattern; `${...}` is NOT interpreted here (see `eval::variables`).
    pub fn parse(raw: &str) -> Pattern {
        let mut tokens = Vec::new();
        let mut lit = String::new();
        for c in raw.chars() {
            match c {
                '*' | '?' => {
                    if !lit.is_empty() {
                        tokens.push(Token::Lit(std::mem::take(&mut lit)));
                    }
                    tokens.push(if c == '*' { Token::Star } else { Token::One });
                }
                _ => lit.push(c),
            }
        }
        if !lit.is_empty() {
            tokens.push(Token::Lit(lit));
        }
        Pattern::from_tokens(tokens)
    }

    /// Builds a pattern from tokens, normalizing them (see [`Pattern`]).
    pub fn from_tokens(tokens: Vec<Token>) -> Pattern {
        let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
        // Pending wildcard run: count of `?` and whether a `*` was seen.
        let mut ones = 0usize;
        let mut star = false;
        let flush = |out: &mut Vec<Token>, ones: &mut usize, star: &mut bool| {
            out.extend(std::iter::repeat_n(Token::One, *ones));
            if *star {
                out.push(Token::Star);
            }
            *ones = 0;
            *star = false;
        };
        for t in tokens {
            match t {
                Token::Star => star = true,
                Token::One => ones += 1,
                Token::Lit(s) => {
                    if s.is_empty() {
                        continue;
                    }
                    if ones > 0 || star {
                        flush(&mut out, &mut ones, &mut star);
                    }
                    if let Some(Token::Lit(prev)) = out.last_mut() {
                        prev.push_str(&s);
                    } else {
                        out.push(Token::Lit(s));
                    }
                }
            }
        }
        flush(&mut out, &mut ones, &mut star);
        let mut h = rustc_hash::FxHasher::default();
        std::hash::Hash::hash(&out, &mut h);
        let hash = std::hash::Hasher::finish(&h);
        // one allocation for equal patterns of both sides (see `eval::intern`)
        Pattern {
            tokens: super::intern::tokens(hash, out),
            hash,
        }
    }

    /// The normalized tokens.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// Case-sensitive match, as for resource ARNs and `StringLike`.
    pub fn matches(&self, text: &str) -> bool {
        match_tokens(&self.tokens, text, false)
    }

    /// Match ignoring ASCII case, as for action names (`s3:Get*` vs `s3:getobject`).
    pub fn matches_ignore_ascii_case(&self, text: &str) -> bool {
        match_tokens(&self.tokens, text, true)
    }

    /// The text when the pattern has no wildcard (`Some("")` for the empty pattern).
    pub fn as_literal(&self) -> Option<&str> {
        match &*self.tokens {
            [] => Some(""),
            [Token::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// True when the pattern matches every string (it is only stars).
    pub fn is_match_all(&self) -> bool {
        matches!(&*self.tokens, [Token::Star])
    }

    /// The literal text before the first wildcard, for prefiltering candidates.
    pub fn literal_prefix(&self) -> &str {
        match self.tokens.first() {
            Some(Token::Lit(s)) => s,
            _ => "",
        }
    }

    /// True when the pattern contains a `*` or `?` wildcard.
    pub fn has_wildcards(&self) -> bool {
        self.tokens.iter().any(|t| !matches!(t, Token::Lit(_)))
    }

    /// The text the pattern stands for when wildcards are NOT special, as `StringEquals`
    /// reads its values: `Star` becomes `*` and `One` becomes `?`.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for t in self.tokens.iter() {
            match t {
                Token::Lit(l) => s.push_str(l),
                Token::Star => s.push('*'),
                Token::One => s.push('?'),
            }
        }
        s
    }

    /// Splits the pattern into the six ARN components on the first five `:` of its
    /// literal text (the resource part keeps its colons). `None` with fewer than six.
    pub fn split_arn(&self) -> Option<[Pattern; 6]> {
        let mut parts: [Vec<Token>; 6] = Default::default();
        let mut idx = 0usize;
        for t in self.tokens.iter() {
            match t {
                Token::Lit(s) if idx < 5 => {
                    let mut rest = s.as_str();
                    while idx < 5 {
                        let Some(pos) = rest.find(':') else { break };
                        let (head, tail) = rest.split_at(pos);
                        parts.get_mut(idx)?.push(Token::Lit(head.to_string()));
                        idx += 1;
                        rest = tail.get(1..).unwrap_or("");
                    }
                    parts.get_mut(idx)?.push(Token::Lit(rest.to_string()));
                }
                other => parts.get_mut(idx)?.push(other.clone()),
            }
        }
        if idx < 5 {
            return None;
        }
        Some(parts.map(Pattern::from_tokens))
    }
}

/// Renders the pattern so that it reads back the same through variable resolution:
/// literal `*`, `?` and `${` are written `${*}`, `${?}` and `${$}{`.
impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in self.tokens.iter() {
            match t {
                Token::Star => f.write_str("*")?,
                Token::One => f.write_str("?")?,
                Token::Lit(s) => {
                    let mut chars = s.chars().peekable();
                    while let Some(c) = chars.next() {
                        match c {
                            '*' => f.write_str("${*}")?,
                            '?' => f.write_str("${?}")?,
                            '$' if chars.peek() == Some(&'{') => f.write_str("${$}")?,
                            _ => fmt::Write::write_char(f, c)?,
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Case-sensitive match of a raw pattern (no variables), without allocating.
pub fn matches(pattern: &str, text: &str) -> bool {
    match_raw(pattern, text, false)
}

/// Match of a raw pattern ignoring ASCII case, without allocating.
pub fn matches_ignore_ascii_case(pattern: &str, text: &str) -> bool {
    match_raw(pattern, text, true)
}

/// `ArnLike` / `ArnEquals` semantics (they behave the same): both strings are split into
/// the six ARN components on their first five `:` (the resource part keeps its colons)
/// and matched component by component, so a `*` never spans a `:` before the resource
/// part. A pattern or an ARN with fewer than six components never matches.
pub fn arn_matches(pattern: &str, arn: &str, ignore_case: bool) -> bool {
    let mut ps = pattern.splitn(6, ':');
    let mut xs = arn.splitn(6, ':');
    for _ in 0..6 {
        match (ps.next(), xs.next()) {
            (Some(p), Some(x)) => {
                if !match_raw(p, x, ignore_case) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

/// [`arn_matches`] for a compiled pattern (one that came out of variable resolution).
pub fn arn_matches_pattern(pattern: &Pattern, arn: &str, ignore_case: bool) -> bool {
    let Some(parts) = pattern.split_arn() else {
        return false;
    };
    let mut xs = arn.splitn(6, ':');
    for p in &parts {
        match xs.next() {
            Some(x) if match_tokens(p.tokens(), x, ignore_case) => {}
            _ => return false,
        }
    }
    true
}

/// Length in bytes of the first char of `s` (0 when empty).
fn first_char_len(s: &str) -> usize {
    s.chars().next().map_or(0, char::len_utf8)
}

/// Does `text[pos..]` start with `lit`? `pos` is a char boundary. Comparing bytes is
/// sound for the ASCII-insensitive case too: non-ASCII bytes must be equal, so a match
/// ends on a char boundary.
fn lit_at(text: &str, pos: usize, lit: &str, ignore_case: bool) -> bool {
    let Some(window) = text.as_bytes().get(pos..pos + lit.len()) else {
        return false;
    };
    if ignore_case {
        window.eq_ignore_ascii_case(lit.as_bytes())
    } else {
        window == lit.as_bytes()
    }
}

/// First position `>= from` where `lit` occurs in `text`.
fn find_lit(text: &str, from: usize, lit: &str, ignore_case: bool) -> Option<usize> {
    let hay = text.get(from..)?;
    if !ignore_case {
        return hay.find(lit).map(|i| i + from);
    }
    let (hb, lb) = (hay.as_bytes(), lit.as_bytes());
    if lb.len() > hb.len() {
        return None;
    }
    // A match starts on a char boundary: its first byte equals (ASCII-insensitively)
    // the first byte of `lit`, which is not a continuation byte.
    (0..=hb.len() - lb.len())
        .find(|&i| {
            hb.get(i..i + lb.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(lb))
        })
        .map(|i| i + from)
}

/// Byte position where the last `chars` characters of `text` start, if it has that
/// many after `from`.
fn tail_start(text: &str, from: usize, chars: usize) -> Option<usize> {
    if chars == 0 {
        return Some(text.len());
    }
    let tail = text.get(from..)?;
    tail.char_indices()
        .rev()
        .nth(chars - 1)
        .map(|(i, _)| from + i)
}

/// The tokens after the last `*` (none of them a star) matched exactly at `pos`, to the
/// end of `text`.
fn match_tail(tokens: &[Token], text: &str, mut pos: usize, ignore_case: bool) -> bool {
    for t in tokens {
        match t {
            Token::Lit(s) if lit_at(text, pos, s, ignore_case) => pos += s.len(),
            Token::One => match first_char_len(text.get(pos..).unwrap_or("")) {
                0 => return false,
                n => pos += n,
            },
            _ => return false,
        }
    }
    pos == text.len()
}

/// Matches the star-free tokens of `seg` at `pos`; the byte position after them.
fn match_here(seg: &[Token], text: &str, mut pos: usize, ignore_case: bool) -> Option<usize> {
    for t in seg {
        match t {
            Token::Lit(s) if lit_at(text, pos, s, ignore_case) => pos += s.len(),
            Token::One => match first_char_len(text.get(pos..).unwrap_or("")) {
                0 => return None,
                n => pos += n,
            },
            _ => return None,
        }
    }
    Some(pos)
}

/// Segments of this many characters or more that contain a `?` are searched
/// bit-parallel rather than tried at every position.
const BIT_PARALLEL_FROM: usize = 64;

/// The leftmost occurrence of the star-free segment `seg` in `text` at or after `from`:
/// the byte position after it. Every occurrence has the same length in characters, so
/// the leftmost one also ends first, which is what the greedy match of the segments
/// between stars needs (no backtracking: if any placement of the segments works, the
/// leftmost ones do).
fn find_segment(seg: &[Token], text: &str, from: usize, ignore_case: bool) -> Option<usize> {
    match seg {
        [] => Some(from),
        [Token::Lit(s)] => find_lit(text, from, s, ignore_case).map(|p| p + s.len()),
        _ => {
            let chars: usize = seg
                .iter()
                .map(|t| match t {
                    Token::Lit(s) => s.chars().count(),
                    _ => 1,
                })
                .sum();
            if chars >= BIT_PARALLEL_FROM {
                return ShiftAnd::new(seg, ignore_case).find(text, from);
            }
            // Short segment: try each start, skipping to where its first literal can be.
            let mut at = from;
            loop {
                if let Some(Token::Lit(s)) = seg.first() {
                    at = find_lit(text, at, s, ignore_case)?;
                }
                if let Some(end) = match_here(seg, text, at, ignore_case) {
                    return Some(end);
                }
                match first_char_len(text.get(at..).unwrap_or("")) {
                    0 => return None,
                    n => at += n,
                }
            }
        }
    }
}

/// Shift-And search of a star-free segment (literal characters and `?`): one bit of
/// state per segment position, updated a machine word at a time, so a search costs
/// O(text × segment / 64) whatever the shapes. Characters that occur often in the
/// segment get a dense mask; rare ones keep their positions (memory stays linear).
struct ShiftAnd {
    len: usize,
    words: usize,
    /// Positions holding `?`.
    any: Vec<u64>,
    /// Frequent characters: `any` or'ed with their positions.
    dense: Vec<(char, Vec<u64>)>,
    /// Rare characters: their positions.
    sparse: std::collections::HashMap<char, Vec<usize>>,
    ignore_case: bool,
}

impl ShiftAnd {
    fn new(seg: &[Token], ignore_case: bool) -> ShiftAnd {
        let fold = |c: char| {
            if ignore_case {
                c.to_ascii_lowercase()
            } else {
                c
            }
        };
        let mut cells: Vec<Option<char>> = Vec::new();
        for t in seg {
            match t {
                Token::Lit(s) => cells.extend(s.chars().map(|c| Some(fold(c)))),
                _ => cells.push(None),
            }
        }
        let len = cells.len();
        let words = len.div_ceil(64);
        let mut any = vec![0u64; words];
        let mut at: std::collections::HashMap<char, Vec<usize>> = Default::default();
        for (i, c) in cells.iter().enumerate() {
            match c {
                None => set_word_bit(&mut any, i),
                Some(c) => at.entry(*c).or_default().push(i),
            }
        }
        let mut dense = Vec::new();
        let mut sparse = std::collections::HashMap::new();
        for (c, positions) in at {
            if positions.len() >= words {
                let mut mask = any.clone();
                for &i in &positions {
                    set_word_bit(&mut mask, i);
                }
                dense.push((c, mask));
            } else {
                sparse.insert(c, positions);
            }
        }
        ShiftAnd {
            len,
            words,
            any,
            dense,
            sparse,
            ignore_case,
        }
    }

    fn find(&self, text: &str, from: usize) -> Option<usize> {
        let last = self.len.checked_sub(1)?;
        let mut state = vec![0u64; self.words];
        let mut next = vec![0u64; self.words];
        // words of `state` that may hold a set bit (every word from `live` on is zero),
        // and of `next`, which holds an older state
        let mut live = 0usize;
        let mut next_live = 0usize;
        for (i, c) in text.get(from..)?.char_indices() {
            let c = if self.ignore_case {
                c.to_ascii_lowercase()
            } else {
                c
            };
            // shift in a new start at bit 0
            live = (live + 1).min(self.words);
            let mut carry = 1u64;
            for w in state.iter_mut().take(live) {
                let out = *w >> 63;
                *w = (*w << 1) | carry;
                carry = out;
            }
            match self.dense.iter().find(|(d, _)| *d == c) {
                Some((_, mask)) => {
                    for ((n, s), m) in next.iter_mut().zip(&state).zip(mask).take(live) {
                        *n = s & m;
                    }
                }
                None => {
                    for ((n, s), m) in next.iter_mut().zip(&state).zip(&self.any).take(live) {
                        *n = s & m;
                    }
                    for &p in self.sparse.get(&c).map(Vec::as_slice).unwrap_or_default() {
                        if get_word_bit(&state, p) {
                            set_word_bit(&mut next, p);
                        }
                    }
                }
            }
            // words the older state had set above this one's are cleared, or they would
            // come back as false starts once `live` grows over them again
            for w in next.iter_mut().take(next_live).skip(live) {
                *w = 0;
            }
            std::mem::swap(&mut state, &mut next);
            next_live = live;
            if get_word_bit(&state, last) {
                return Some(from + i + c.len_utf8());
            }
            while live > 0 && state.get(live - 1).is_some_and(|w| *w == 0) {
                live -= 1;
            }
        }
        None
    }
}

fn set_word_bit(words: &mut [u64], i: usize) {
    if let Some(w) = words.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

fn get_word_bit(words: &[u64], i: usize) -> bool {
    words.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

/// Star-separated segments: the first is anchored at the start, the last at the end,
/// and each one between is placed at its leftmost occurrence after the previous one.
fn match_tokens(tokens: &[Token], text: &str, ignore_case: bool) -> bool {
    let mut segs = tokens.split(|t| *t == Token::Star);
    let first = segs.next().unwrap_or_default();
    let Some(last) = segs.next_back() else {
        // no star: the whole text
        return match_here(first, text, 0, ignore_case) == Some(text.len());
    };
    let Some(mut pos) = match_here(first, text, 0, ignore_case) else {
        return false;
    };
    for seg in segs {
        match find_segment(seg, text, pos, ignore_case) {
            Some(end) => pos = end,
            None => return false,
        }
    }
    // after the last star the rest has a fixed length: it is matched once, at the end
    let chars = last
        .iter()
        .map(|t| match t {
            Token::Lit(s) => s.chars().count(),
            _ => 1,
        })
        .sum();
    tail_start(text, pos, chars).is_some_and(|at| match_tail(last, text, at, ignore_case))
}

fn chars_eq(a: char, b: char, ignore_case: bool) -> bool {
    a == b || (ignore_case && a.eq_ignore_ascii_case(&b))
}

/// Raw patterns longer than this are compiled first, so that their middle segments get
/// the linear-time search (short ones match without allocating).
const RAW_FROM: usize = 256;

fn match_raw(pattern: &str, text: &str, ignore_case: bool) -> bool {
    if pattern.len() > RAW_FROM {
        return match_tokens(Pattern::parse(pattern).tokens(), text, ignore_case);
    }
    let mut pi = 0usize; // byte position in pattern
    let mut ti = 0usize; // byte position in text
    // Backtrack point: pattern position after the last star, and where its run ends.
    let mut star: Option<(usize, usize)> = None;
    // As in `match_tokens`: what follows the last star is matched once, at the end.
    let last_star = pattern.rfind('*');
    loop {
        let pc = pattern.get(pi..).and_then(|s| s.chars().next());
        let tc = text.get(ti..).and_then(|s| s.chars().next());
        let advanced = match (pc, tc) {
            (Some('*'), _) if last_star == Some(pi) => {
                let rest = pattern.get(pi + 1..).unwrap_or("");
                let Some(at) = tail_start(text, ti, rest.chars().count()) else {
                    return false;
                };
                let tail = text.get(at..).unwrap_or("");
                return rest.chars().count() == tail.chars().count()
                    && rest
                        .chars()
                        .zip(tail.chars())
                        .all(|(p, t)| p == '?' || chars_eq(p, t, ignore_case));
            }
            (Some('*'), _) => {
                pi += 1;
                star = Some((pi, ti));
                true
            }
            (Some('?'), Some(t)) => {
                pi += 1;
                ti += t.len_utf8();
                true
            }
            (Some(p), Some(t)) if p != '?' && chars_eq(p, t, ignore_case) => {
                pi += p.len_utf8();
                ti += t.len_utf8();
                true
            }
            (None, None) => return true,
            _ => false,
        };
        if advanced {
            continue;
        }
        let Some((after, run_end)) = star else {
            return false;
        };
        let n = first_char_len(text.get(run_end..).unwrap_or(""));
        if n == 0 {
            return false;
        }
        star = Some((after, run_end + n));
        pi = after;
        ti = run_end + n;
    }
}

#[cfg(test)]
#[rustfmt::skip::macros(m, mi, arn)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `m!(name, pattern, text, expected)`: raw and compiled matchers must both agree.
    macro_rules! m {
        ($name:ident, $pat:expr, $text:expr, $want:expr) => {
            #[test]
            fn $name() {
                assert_eq!(matches($pat, $text), $want, "raw {:?} vs {:?}", $pat, $text);
                assert_eq!(
                    Pattern::parse($pat).matches($text),
                    $want,
                    "compiled {:?} vs {:?}",
                    $pat,
                    $text
                );
            }
        };
    }

    /// `mi!(name, pattern, text, expected)` ignoring ASCII case (action names).
    macro_rules! mi {
        ($name:ident, $pat:expr, $text:expr, $want:expr) => {
            #[test]
            fn $name() {
                assert_eq!(matches_ignore_ascii_case($pat, $text), $want);
                assert_eq!(Pattern::parse($pat).matches_ignore_ascii_case($text), $want);
            }
        };
    }

    /// `arn!(name, pattern, arn, expected)` for ArnLike semantics.
    macro_rules! arn {
        ($name:ident, $pat:expr, $arn:expr, $want:expr) => {
            #[test]
            fn $name() {
                assert_eq!(arn_matches($pat, $arn, false), $want);
                assert_eq!(
                    arn_matches_pattern(&Pattern::parse($pat), $arn, false),
                    $want
                );
            }
        };
    }

    m!(s3_star_spans_slashes, "arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", true);
    m!(star_spans_colons, "arn:aws:*", "arn:aws:s3:::b", true);
    m!(star_matches_empty, "*", "", true);
    m!(star_alone_matches_anything, "*", "anything/at:all", true);
    m!(empty_matches_empty, "", "", true);
    m!(empty_rejects_text, "", "a", false);
    m!(double_star_is_one_star, "a/**/b", "a/b", false);
    m!(double_star_needs_both_slashes, "a/**/b", "a//b", true);
    m!(double_star_prefix, "**/x", "x", false);
    m!(class_is_literal, "a/[abc]", "a/a", false);
    m!(class_matches_itself, "a/[abc]", "a/[abc]", true);
    m!(unclosed_class_is_literal, "a/[abc", "a/[abc", true);
    m!(braces_are_literal, "a{b,c}", "ab", false);
    m!(backslash_is_literal, "a\\*b", "a\\xb", true);
    m!(backslash_does_not_escape, "a\\*b", "a*b", false);
    m!(one_matches_non_ascii_char, "a?c", "aéc", true);
    m!(one_is_not_a_byte, "a??c", "aéc", false);
    m!(one_needs_a_char, "a?", "a", false);
    m!(case_sensitive, "arn:aws:s3:::Bucket", "arn:aws:s3:::bucket", false);
    m!(backtracking, "*ab*cd", "xabyabcdcd", true);
    m!(backtracking_fails, "*ab*cd", "xabycdab", false);
    m!(one_after_star, "a*?", "a", false);
    m!(one_after_star_ok, "a*?", "ab", true);
    m!(no_exponential_blowup, "*a*a*a*a*a*a*a*a*b",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false);
    m!(suffix_star, "s3:Get*", "s3:GetObject", true);
    m!(infix_literal_repeat, "*aab", "aaab", true);
    // issue 7: after the last star the rest is matched once, at the end of the text
    m!(tail_after_last_star, "*ab?", "xxabz", true);
    m!(tail_after_last_star_miss, "*a?c", "abcabd", false);
    m!(tail_multibyte, "a*é?", "abéè", true);
    m!(tail_longer_than_text, "ab*cd?", "abcd", false);
    m!(tail_overlaps_prefix, "ab*ba", "aba", false);
    m!(tail_after_middle_star, "*b*a?", "bxay", true);

    mi!(actions_ignore_case, "s3:Get*", "s3:getobject", true);
    mi!(actions_ignore_case_upper, "S3:GETOBJECT", "s3:GetObject", true);
    mi!(actions_ignore_case_mismatch, "s3:Put*", "s3:getobject", false);
    mi!(ignore_case_is_ascii_only, "É", "é", false);
    mi!(ignore_case_star_literal, "*OBJECT", "s3:GetObject", true);

    arn!(arn_per_component, "arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", true);
    arn!(arn_resource_keeps_colons, "arn:aws:logs:*:1:log-group:*",
        "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s", true);
    // The AWS doc example (Condition operators, "Amazon Resource Name (ARN) condition
    // operators"): StringLike matches this, ArnLike does not, because the region `*`
    // cannot swallow the colons of the account and resource parts.
    arn!(arn_doc_example, "arn:aws:someservice:*:111122223333:finance/*",
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", false);
    arn!(arn_star_region, "arn:aws:sns:*:123456789012:topic",
        "arn:aws:sns:eu-west-1:123456789012:topic", true);
    arn!(arn_short_pattern, "arn:aws:*", "arn:aws:s3:::b", false);
    arn!(arn_star_alone, "*", "arn:aws:s3:::b", false);
    arn!(arn_short_value, "arn:aws:s3:::*", "arn:aws:s3", false);
    arn!(arn_case_sensitive, "arn:aws:iam::1:role/Admin", "arn:aws:iam::1:role/admin", false);
    arn!(arn_empty_components, "arn:aws:s3:::*", "arn:aws:s3:::bucket/key", true);
    arn!(arn_star_cannot_cross_colon, "arn:aws:iam::*:role/x", "arn:aws:iam::1:2:role/x", false);

    #[test]
    fn doc_example_string_like_matches() {
        assert!(matches(
            "arn:aws:someservice:*:111122223333:finance/*",
            "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
        ));
    }

    #[test]
    fn normalization() {
        use Token::*;
        let p = Pattern::from_tokens(vec![
            Lit("a".into()),
            Lit(String::new()),
            Lit("b".into()),
            Star,
            One,
            Star,
            One,
            Lit("c".into()),
        ]);
        assert_eq!(
            p.tokens(),
            &[Lit("ab".into()), One, One, Star, Lit("c".into())]
        );
        assert_eq!(Pattern::parse("a**b"), Pattern::parse("a*b"));
        assert_eq!(Pattern::parse("*?"), Pattern::parse("?*"));
        assert!(Pattern::parse("***").is_match_all());
        assert!(!Pattern::parse("").is_match_all());
        assert!(!Pattern::parse("?*").is_match_all());
    }

    #[test]
    fn accessors() {
        assert_eq!(
            Pattern::parse("arn:aws:s3:::b").as_literal(),
            Some("arn:aws:s3:::b")
        );
        assert_eq!(Pattern::parse("").as_literal(), Some(""));
        assert_eq!(Pattern::parse("a*").as_literal(), None);
        assert_eq!(
            Pattern::parse("arn:aws:s3:::b/*").literal_prefix(),
            "arn:aws:s3:::b/"
        );
        assert_eq!(Pattern::parse("*x").literal_prefix(), "");
        assert!(Pattern::parse("a?").has_wildcards());
        assert_eq!(Pattern::parse("a*?b").to_text(), "a?*b");
    }

    #[test]
    fn literal_star_from_tokens_is_not_a_wildcard() {
        let p = Pattern::from_tokens(vec![Token::Lit("a*".into())]);
        assert!(p.matches("a*"));
        assert!(!p.matches("ab"));
        assert_eq!(p.as_literal(), Some("a*"));
        assert_eq!(p.to_string(), "a${*}");
    }

    #[test]
    fn display_escapes_literal_wildcards() {
        let p = Pattern::from_tokens(vec![
            Token::Lit("${x}?".into()),
            Token::Star,
            Token::Lit("$5".into()),
        ]);
        assert_eq!(p.to_string(), "${$}{x}${?}*$5");
        assert_eq!(Pattern::parse("a/*/b?").to_string(), "a/*/b?");
    }

    #[test]
    fn split_arn_keeps_resource_colons() {
        let parts = Pattern::parse("arn:aws:logs:*:1:log-group:x:*")
            .split_arn()
            .expect("six");
        let texts: Vec<String> = parts.iter().map(Pattern::to_text).collect();
        assert_eq!(texts, ["arn", "aws", "logs", "*", "1", "log-group:x:*"]);
        assert!(Pattern::parse("arn:aws:s3").split_arn().is_none());
    }

    /// The oracle: `^` + escaped literal parts with `*` → `.*` and `?` → `.` + `$`,
    /// `(?s)` so `.` also matches newlines.
    fn oracle(pattern: &str, text: &str, ignore_case: bool) -> bool {
        let mut re = String::from("(?s)^");
        for c in pattern.chars() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                _ => {
                    let lit = regex::escape(&c.to_string());
                    if ignore_case && c.is_ascii_alphabetic() {
                        re.push_str(&format!(
                            "[{}{}]",
                            c.to_ascii_lowercase(),
                            c.to_ascii_uppercase()
                        ));
                    } else {
                        re.push_str(&lit);
                    }
                }
            }
        }
        re.push('$');
        regex::Regex::new(&re).expect("oracle regex").is_match(text)
    }

    fn alphabet() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just('b'),
                Just('A'),
                Just('/'),
                Just(':'),
                Just('é'),
                Just('\n'),
                Just('['),
            ],
            0..12,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    fn pattern_strategy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                3 => Just('a'),
                1 => Just('b'),
                1 => Just('A'),
                1 => Just('/'),
                1 => Just(':'),
                1 => Just('é'),
                3 => Just('*'),
                2 => Just('?'),
            ],
            0..10,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn raw_agrees_with_regex_oracle(p in pattern_strategy(), t in alphabet()) {
            prop_assert_eq!(matches(&p, &t), oracle(&p, &t, false));
        }

        #[test]
        fn compiled_agrees_with_regex_oracle(p in pattern_strategy(), t in alphabet()) {
            prop_assert_eq!(Pattern::parse(&p).matches(&t), oracle(&p, &t, false));
        }

        #[test]
        fn ignore_case_agrees_with_regex_oracle(p in pattern_strategy(), t in alphabet()) {
            let want = oracle(&p, &t, true);
            prop_assert_eq!(matches_ignore_ascii_case(&p, &t), want);
            prop_assert_eq!(Pattern::parse(&p).matches_ignore_ascii_case(&t), want);
        }

        #[test]
        fn pattern_matches_its_own_text_when_literal(t in alphabet()) {
            let p = Pattern::from_tokens(vec![Token::Lit(t.clone())]);
            prop_assert!(p.matches(&t));
        }

        #[test]
        fn arn_forms_agree(p in pattern_strategy(), t in alphabet()) {
            let p = format!("arn:{p}:x:{p}:1:{p}");
            let t = format!("arn:{t}:x:{t}:1:{t}");
            prop_assert_eq!(
                arn_matches(&p, &t, false),
                arn_matches_pattern(&Pattern::parse(&p), &t, false)
            );
        }
    }

    /// Issue 7: long middle segments mixing literals and `?` are searched bit-parallel.
    /// Each piece is repeated so the segments pass `BIT_PARALLEL_FROM`; the regex oracle
    /// decides.
    fn long_pattern() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                3 => Just("a?".repeat(20)),
                2 => Just("ab".repeat(20)),
                1 => Just("?".repeat(40)),
                1 => Just("é?A".repeat(14)),
                2 => Just("*".to_string()),
            ],
            1..5,
        )
        .prop_map(|v| v.concat())
    }

    fn long_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("a"),
                Just("b"),
                Just("ab"),
                Just("é"),
                Just("A"),
                Just("aaaa")
            ],
            0..120,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn long_segments_agree_with_regex_oracle(p in long_pattern(), t in long_text(), ic in any::<bool>()) {
            let want = oracle(&p, &t, ic);
            prop_assert_eq!(match_tokens(Pattern::parse(&p).tokens(), &t, ic), want);
            prop_assert_eq!(match_raw(&p, &t, ic), want);
        }
    }

    #[test]
    fn shift_and_forgets_an_older_state_when_its_live_words_shrink() {
        // issue 7, fuzz `wildcard`: words of an older state above the live ones came back
        // as false starts once the live words grew over them again
        let p = "*a*a?**********/********?????:??********?????A??????????aaaaaa???????????????????????????????????????????????????????????????????b/????????????*****************????????????????????aaaa????????????????????????????????????????????????????????????????????************????????????????aaaa????????????????????????????????????????????????????????????????????****************************a*****";
        let t = ":aaaaaaaAAAAAAAAAAAAAAAAAAAAAAAAAAAaaAa:ééaaaaaaAA//::bAAAAAAAAAAAAAAAAAAA/:::::::::::::a::AAAAAbbbbbbAAAAAAAaaaAAAAAbaaaaaaaAAAA/AAaAAAAAA:AAAAAAAAAaAAAAAAAaAAAAA::aaaaaaaAAAAAAAAAAAAAAAAAAAAAAAAAAAaaAa:ééaaaaaaAA//::bAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAbbbbbbbbbbbbbbbbbbbbaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb::::::bbbbbbbbbbbbbbbb/a:AaAAAAAAbAAAAAAAAAAAAAAAAaAAAAAAAaAAAAA::aAAAAAAAAAAAAAAAAaaaAAA:AbaaaaaaaAAAAAAAaAAAAAA:AAAAAAAAAAAAAAAaAAAAAAAAAAAAAAAAAAAAAAAAAAéAAAAAAAAbAbbbbbaAbbbbbbbbbbbbbbbbbbbbbaaaaaaAAAAAAAAAAAAAAAAAAAAAAAAAAAaaAa:ééaaa";
        for ic in [false, true] {
            assert_eq!(
                match_tokens(Pattern::parse(p).tokens(), t, ic),
                oracle(p, t, ic)
            );
            assert_eq!(match_raw(p, t, ic), oracle(p, t, ic));
        }
        assert!(!matches_ignore_ascii_case(p, t));
    }

    #[test]
    fn long_middle_segment_in_a_long_text_is_linear_in_work() {
        // `*a?a?…b*` against `aaaa…`: found absent without trying every position
        let p = format!("*{}b*", "a?".repeat(30_000));
        let t = "a".repeat(100_000);
        assert!(!matches(&p, &t));
        let t2 = format!("{}{}b", "a".repeat(50_000), "a".repeat(59_999));
        assert!(matches(&p, &t2));
    }
}
