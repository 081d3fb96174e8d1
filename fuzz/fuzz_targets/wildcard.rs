//! Fuzz target (issue 7): the IAM wildcard matcher (`eval::wildcard`), raw and compiled,
//! case-sensitive and not, plain and ARN-wise, checked against a dynamic-programming
//! oracle over a small alphabet (`a b A : / é` and the wildcards). The input is a
//! pattern and a text split at the first 0xFF byte; each byte picks a symbol.
#![no_main]

use iamdiff::eval::wildcard::{self, Pattern, Token};
use iamdiff_fuzz::{Tok, oracle_match, oracle_tokens};
use libfuzzer_sys::fuzz_target;

const TEXT: [char; 6] = ['a', 'b', 'A', ':', '/', 'é'];

/// Oracle work above which only the engine runs (a 1 MB input must not make the oracle
/// the slow part).
const ORACLE_CELLS: usize = 4_000_000;

fuzz_target!(|data: &[u8]| {
    let (pat, text) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    // the raw pattern: text symbols and the two wildcards
    let raw: String = pat
        .iter()
        .map(|&b| match b % 8 {
            6 => '*',
            7 => '?',
            i => TEXT[usize::from(i)],
        })
        .collect();
    // the compiled pattern: also literal `*`/`?` (substituted variable values)
    let mut tokens = Vec::new();
    let mut oracle_compiled = Vec::new();
    for &b in pat {
        let (t, o) = match b % 10 {
            6 => (Token::Star, Tok::Star),
            7 => (Token::One, Tok::One),
            8 => (Token::Lit("*".into()), Tok::Lit('*')),
            9 => (Token::Lit("?".into()), Tok::Lit('?')),
            i => {
                let c = TEXT[usize::from(i)];
                (Token::Lit(c.to_string()), Tok::Lit(c))
            }
        };
        tokens.push(t);
        oracle_compiled.push(o);
    }
    let text: String = text.iter().map(|&b| TEXT[usize::from(b % 6)]).collect();
    let chars: Vec<char> = text.chars().collect();
    let compiled = Pattern::from_tokens(tokens);
    let parsed = Pattern::parse(&raw);
    let oracle = raw.chars().count().saturating_mul(chars.len() + 1) <= ORACLE_CELLS;

    for ic in [false, true] {
        let plain = if ic {
            wildcard::matches_ignore_ascii_case(&raw, &text)
        } else {
            wildcard::matches(&raw, &text)
        };
        let via_parsed = if ic {
            parsed.matches_ignore_ascii_case(&text)
        } else {
            parsed.matches(&text)
        };
        let via_compiled = if ic {
            compiled.matches_ignore_ascii_case(&text)
        } else {
            compiled.matches(&text)
        };
        assert_eq!(
            plain, via_parsed,
            "raw and parsed disagree: `{raw}` on `{text}` (ignore case {ic})"
        );
        let arn = wildcard::arn_matches(&raw, &text, ic);
        let arn_compiled = wildcard::arn_matches_pattern(&compiled, &text, ic);
        if oracle {
            let want = oracle_match(&oracle_tokens(&raw), &chars, ic);
            assert_eq!(plain, want, "`{raw}` on `{text}` (ignore case {ic})");
            let want = oracle_match(&oracle_compiled, &chars, ic);
            assert_eq!(
                via_compiled, want,
                "{compiled:?} on `{text}` (ignore case {ic})"
            );
            assert_eq!(
                arn,
                arn_oracle(&oracle_tokens(&raw), &chars, ic),
                "arn `{raw}` on `{text}`"
            );
            assert_eq!(
                arn_compiled,
                arn_oracle(&oracle_compiled, &chars, ic),
                "arn {compiled:?} on `{text}`"
            );
        }
    }
    // the normal form is a normal form
    assert_eq!(Pattern::parse(&parsed.to_text()), parsed, "`{raw}`");
    assert_eq!(Pattern::from_tokens(compiled.tokens().to_vec()), compiled);
});

/// ArnLike: six components split on the first five (literal) `:` of each side, matched
/// pairwise; fewer than six never matches.
fn arn_oracle(pat: &[Tok], text: &[char], ic: bool) -> bool {
    let pats = split6(pat, |t| *t == Tok::Lit(':'));
    let texts = split6(text, |c| *c == ':');
    match (pats, texts) {
        (Some(p), Some(t)) => p.iter().zip(&t).all(|(p, t)| oracle_match(p, t, ic)),
        _ => false,
    }
}

fn split6<T>(xs: &[T], is_sep: impl Fn(&T) -> bool) -> Option<Vec<&[T]>> {
    let mut parts = Vec::new();
    let mut rest = xs;
    while parts.len() < 5 {
        let i = rest.iter().position(&is_sep)?;
        parts.push(&rest[..i]);
        rest = &rest[i + 1..];
    }
    parts.push(rest);
    Some(parts)
}
