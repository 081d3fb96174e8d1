//! Fuzz target (issue 7): the exact inclusion search (`eval::lang`). Two sides, each
//! `allow − deny` over random pattern sets on the alphabet {a, b, /, *, ?} (the allow set
//! optionally a `NotResource`), compared by `is_subset`, `witness_in_difference`,
//! `sample` and `is_empty`. On small questions every answer is checked against brute-force
//! enumeration of all strings up to length 6 over {a, b, /, x} (`x` stands for every other
//! character); on any question a witness must really be in the difference and the answers
//! must agree with each other. A budget-exhausted answer is allowed; a wrong one crashes.
//!
//! Input: the first byte holds flags (bit 0: side A's allow is a `NotResource`, bit 1:
//! side B's); every further byte is a symbol (`a b / * ?`, `|` between patterns, `#`
//! between the four sets: A allow, B allow, A deny, B deny).
#![no_main]

use iamdiff::eval::lang::{
    Budget, LangError, SetExpr, is_empty, is_subset, sample, witness_in_difference,
};
use iamdiff_fuzz::{Tok, all_strings, oracle_match, oracle_tokens};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const BRUTE_LEN: usize = 6;
const BRUTE_ALPHABET: [char; 4] = ['a', 'b', '/', 'x'];
/// Oracle only for questions this small (patterns, and characters of each).
const ORACLE_PATTERNS: usize = 12;
const ORACLE_PATTERN_LEN: usize = 12;

/// One side, as its pattern texts.
struct Side {
    not_allow: bool,
    allow: Vec<String>,
    deny: Vec<String>,
}

impl Side {
    fn expr(&self) -> SetExpr {
        let allow = SetExpr::union(self.allow.iter().map(|p| SetExpr::pat(p)));
        let allow = if self.not_allow {
            SetExpr::not(allow)
        } else {
            allow
        };
        if self.deny.is_empty() {
            allow
        } else {
            SetExpr::minus(
                allow,
                SetExpr::union(self.deny.iter().map(|p| SetExpr::pat(p))),
            )
        }
    }

    /// Membership by the oracle matcher.
    fn contains(&self, s: &str) -> bool {
        self.oracle().contains(s)
    }

    fn oracle(&self) -> Oracle {
        let toks = |ps: &[String]| ps.iter().map(|p| oracle_tokens(p)).collect();
        Oracle {
            not_allow: self.not_allow,
            allow: toks(&self.allow),
            deny: toks(&self.deny),
        }
    }
}

/// A side with its patterns tokenized once, for brute force.
struct Oracle {
    not_allow: bool,
    allow: Vec<Vec<Tok>>,
    deny: Vec<Vec<Tok>>,
}

impl Oracle {
    fn contains(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        let any = |ps: &[Vec<Tok>]| ps.iter().any(|p| oracle_match(p, &chars, false));
        (any(&self.allow) != self.not_allow) && !any(&self.deny)
    }
}

fn ok<T>(r: Result<T, LangError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        // a budget-exhausted answer is allowed; a wrong one is a crash
        Err(LangError::TooComplex { .. } | LangError::TooLarge { .. } | LangError::TooSlow { .. }) => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut sets: Vec<Vec<String>> = vec![vec![String::new()]];
    for &b in rest {
        match b % 7 {
            5 => sets.last_mut().unwrap().push(String::new()),
            6 => sets.push(vec![String::new()]),
            i => sets
                .last_mut()
                .unwrap()
                .last_mut()
                .unwrap()
                .push(['a', 'b', '/', '*', '?'][usize::from(i)]),
        }
    }
    sets.resize(4, Vec::new());
    let mut sets = sets.into_iter();
    let mut take = || sets.next().unwrap_or_default();
    let (a_allow, b_allow, a_deny, b_deny) = (take(), take(), take(), take());
    let a = Side {
        not_allow: flags & 1 != 0,
        allow: a_allow,
        deny: a_deny,
    };
    let b = Side {
        not_allow: flags & 2 != 0,
        allow: b_allow,
        deny: b_deny,
    };
    let (ea, eb) = (a.expr(), b.expr());
    let budget = Budget::default();

    let sub = ok(is_subset(&ea, &eb, &budget));
    let wit = ok(witness_in_difference(&ea, &eb, &budget));
    let smp = ok(sample(&ea, &budget));
    let emp = ok(is_empty(&ea, &budget));

    if let Some(Some(w)) = &wit {
        assert!(
            a.contains(w) && !b.contains(w),
            "witness `{w}` is not in A − B"
        );
    }
    if let (Some(s), Some(w)) = (sub, &wit) {
        assert_eq!(s, w.is_none(), "is_subset says {s}, the witness is {w:?}");
    }
    if let Some(Some(s)) = &smp {
        assert!(a.contains(s), "sample `{s}` is not in A");
    }
    if let (Some(e), Some(s)) = (emp, &smp) {
        assert_eq!(e, s.is_none(), "is_empty says {e}, the sample is {s:?}");
    }

    let patterns = [&a.allow, &a.deny, &b.allow, &b.deny];
    let small = patterns.iter().map(|p| p.len()).sum::<usize>() <= ORACLE_PATTERNS
        && patterns
            .iter()
            .all(|ps| ps.iter().all(|p| p.len() <= ORACLE_PATTERN_LEN));
    if !small {
        return;
    }
    static STRINGS: OnceLock<Vec<String>> = OnceLock::new();
    let strings = STRINGS.get_or_init(|| all_strings(&BRUTE_ALPHABET, BRUTE_LEN));
    let (oa, ob) = (a.oracle(), b.oracle());
    let shortest_diff = strings.iter().find(|s| oa.contains(s) && !ob.contains(s));
    let shortest_member = strings.iter().find(|s| oa.contains(s));
    if let Some(d) = shortest_diff {
        assert_ne!(
            sub,
            Some(true),
            "is_subset says A ⊆ B, but `{d}` is in A − B"
        );
        match &wit {
            Some(Some(w)) => assert_eq!(
                w.chars().count(),
                d.chars().count(),
                "witness `{w}` is not shortest: `{d}`"
            ),
            Some(None) => panic!("no witness, but `{d}` is in A − B"),
            None => {}
        }
    } else if let Some(Some(w)) = &wit {
        assert!(
            w.chars().count() > BRUTE_LEN,
            "witness `{w}`, but brute force finds none that short"
        );
    }
    if let Some(m) = shortest_member {
        assert_ne!(emp, Some(true), "is_empty, but `{m}` is in A");
        match &smp {
            Some(Some(s)) => assert_eq!(
                s.chars().count(),
                m.chars().count(),
                "sample `{s}` is not shortest: `{m}`"
            ),
            Some(None) => panic!("no sample, but `{m}` is in A"),
            None => {}
        }
    } else if let Some(Some(s)) = &smp {
        assert!(
            s.chars().count() > BRUTE_LEN,
            "sample `{s}`, but brute force finds none that short"
        );
    }
});
