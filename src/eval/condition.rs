//! Condition operators, evaluated three-valued against a [`RequestContext`]: `True`,
//! `False`, or `Unknown` when the outcome cannot be decided offline (a key the context
//! does not know, an operator we do not recognize, a policy variable we cannot resolve).
//! Callers turn `Unknown` into a conditional grant, never into a silent allow or drop.
//!
//! Semantics follow the IAM User Guide pages "IAM JSON policy elements: Condition
//! operators" (cited below as *Operators*), "Conditions with multiple context keys or
//! values" (*Multiple values*), "Single-valued vs. multivalued context keys" and
//! "Multivalued context key examples" (*Multivalued*), and "IAM policy elements: Variables
//! and tags" (*Variables*):
//!
//! - Several values for one key in the policy are OR-ed; for a negated operator
//!   (`StringNotEquals`, `NotIpAddress`, ...) they are NOR-ed: true when the request value
//!   matches none of them (*Multiple values*).
//! - A key missing from the request: the condition is false, except that negated
//!   operators are true ("If the policy condition requires that the key is *not*
//!   matched, such as `StringNotLike` or `ArnNotLike`, and the right key is not present,
//!   the condition is *true*", *Operators*, "Important"); `...IfExists` makes it true;
//!   `Null` tests presence itself.
//! - `ForAllValues:` is true when every request value satisfies the operator, and also
//!   when the key is missing or its value set is empty; `ForAnyValue:` needs one request
//!   value that does, so it is false when the key is missing or empty (*Multivalued*).
//!   With a set qualifier the operator (and its `IfExists`) applies to each request
//!   value, so a negated operator means "this request value matches none of the policy
//!   values", as in the *Multivalued* `ForAllValues:StringNotLike` example.
//! - Context key names are case-insensitive; values are case-sensitive except for the
//!   `...IgnoreCase` operators (and `Bool`, whose `true`/`false` are read in any case).
//! - Policy variables are resolved in the values of the string and ARN operators, and of
//!   `Bool` (which *Operators* lists as supporting them, though *Variables* does not; a
//!   literal `${...}` can never be a boolean, so resolving cannot turn a valid value
//!   invalid); numeric, date, binary, IP and `Null` values are taken literally
//!   (*Variables*, "Condition element"). A variable whose key is absent is a null value
//!   that equals nothing, so it never matches and negated operators are true for it
//!   (*Variables*, "Policy variables with no value": a `Deny` with `StringNotEquals`
//!   against `${aws:PrincipalTag/Team}` applies when the tag is not set).
//!
//! Decisions of ours, where the documentation is silent:
//! - A value that does not parse for its operator (a number, date, IP address or CIDR,
//!   base64 or boolean) makes that request/policy value pair fail the operator, negated
//!   or not: it counts as no match for `NumericEquals` and also for `NumericNotEquals`.
//!   So a bad value in a negated list makes the condition false. IAM rejects most such
//!   policies when they are written, so this only matters for hand-made inputs.
//! - Numbers are decimals compared exactly (`1.0` = `1`, no float rounding); exponents,
//!   `inf` and `NaN` do not parse.
//! - Dates: W3C ISO 8601 profiles `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss[.f]]`
//!   with `Z`, `±hh:mm` or no zone (read as UTC), and epoch seconds (all digits, with an
//!   optional fraction). A bare `YYYY` is read as epoch seconds.
//! - `BinaryEquals` decodes both the policy value and the request value as base64 and
//!   compares the bytes.
//! - A non-set operator on a key with several request values is `Unknown`: AWS requires a
//!   set qualifier for multivalued keys and does not document the unqualified outcome.
//! - A key present with no values (a null data set) counts as missing for non-set
//!   operators and for `Null`.
//! - `ForAllValues:Null` / `ForAnyValue:Null` apply `Null` to each request value, as the
//!   set qualifiers do for every operator: over a missing key `ForAllValues` is true and
//!   `ForAnyValue` false; over present values, true when the policy accepts `false`.
//! - Operator names are matched case-insensitively: exports only hold policies IAM
//!   accepted, so reading more spellings cannot misread one of them.

use std::cmp::Ordering;
use std::fmt;
use std::net::IpAddr;

use super::context::{Lookup, RequestContext};
use super::variables::{self, Resolved};
use super::wildcard::{self, Pattern};
use crate::model::ConditionClause;

/// A three-valued truth value (Kleene logic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }

    /// False if either is false, else unknown if either is unknown, else true.
    #[must_use]
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            _ => Tri::True,
        }
    }

    /// True if either is true, else unknown if either is unknown, else false.
    #[must_use]
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            _ => Tri::False,
        }
    }

    /// Swaps true and false; unknown stays unknown.
    #[must_use]
    pub fn negate(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }

    /// AND over `items`, stopping at the first false; true when empty.
    pub fn all(items: impl IntoIterator<Item = Tri>) -> Tri {
        let mut acc = Tri::True;
        for t in items {
            acc = acc.and(t);
            if acc == Tri::False {
                break;
            }
        }
        acc
    }

    /// OR over `items`, stopping at the first true; false when empty.
    pub fn any(items: impl IntoIterator<Item = Tri>) -> Tri {
        let mut acc = Tri::False;
        for t in items {
            acc = acc.or(t);
            if acc == Tri::True {
                break;
            }
        }
        acc
    }

    pub fn is_true(self) -> bool {
        self == Tri::True
    }

    pub fn is_false(self) -> bool {
        self == Tri::False
    }

    pub fn is_unknown(self) -> bool {
        self == Tri::Unknown
    }
}

impl From<bool> for Tri {
    fn from(b: bool) -> Tri {
        Tri::from_bool(b)
    }
}

impl std::ops::Not for Tri {
    type Output = Tri;
    fn not(self) -> Tri {
        self.negate()
    }
}

impl fmt::Display for Tri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tri::True => "true",
            Tri::False => "false",
            Tri::Unknown => "unknown",
        })
    }
}

/// The set qualifier of an operator for multivalued keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SetOp {
    /// `ForAllValues:`: every request value must satisfy the operator.
    ForAllValues,
    /// `ForAnyValue:`: at least one request value must satisfy the operator.
    ForAnyValue,
}

impl SetOp {
    pub fn name(self) -> &'static str {
        match self {
            SetOp::ForAllValues => "ForAllValues",
            SetOp::ForAnyValue => "ForAnyValue",
        }
    }
}

/// A condition operator without its set qualifier and `IfExists` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BaseOp {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl BaseOp {
    /// Every operator, in documentation order.
    pub const ALL: [BaseOp; 27] = [
        BaseOp::StringEquals,
        BaseOp::StringNotEquals,
        BaseOp::StringEqualsIgnoreCase,
        BaseOp::StringNotEqualsIgnoreCase,
        BaseOp::StringLike,
        BaseOp::StringNotLike,
        BaseOp::NumericEquals,
        BaseOp::NumericNotEquals,
        BaseOp::NumericLessThan,
        BaseOp::NumericLessThanEquals,
        BaseOp::NumericGreaterThan,
        BaseOp::NumericGreaterThanEquals,
        BaseOp::DateEquals,
        BaseOp::DateNotEquals,
        BaseOp::DateLessThan,
        BaseOp::DateLessThanEquals,
        BaseOp::DateGreaterThan,
        BaseOp::DateGreaterThanEquals,
        BaseOp::Bool,
        BaseOp::BinaryEquals,
        BaseOp::IpAddress,
        BaseOp::NotIpAddress,
        BaseOp::ArnEquals,
        BaseOp::ArnLike,
        BaseOp::ArnNotEquals,
        BaseOp::ArnNotLike,
        BaseOp::Null,
    ];

    /// The name as written in policies.
    pub fn name(self) -> &'static str {
        match self {
            BaseOp::StringEquals => "StringEquals",
            BaseOp::StringNotEquals => "StringNotEquals",
            BaseOp::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            BaseOp::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            BaseOp::StringLike => "StringLike",
            BaseOp::StringNotLike => "StringNotLike",
            BaseOp::NumericEquals => "NumericEquals",
            BaseOp::NumericNotEquals => "NumericNotEquals",
            BaseOp::NumericLessThan => "NumericLessThan",
            BaseOp::NumericLessThanEquals => "NumericLessThanEquals",
            BaseOp::NumericGreaterThan => "NumericGreaterThan",
            BaseOp::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            BaseOp::DateEquals => "DateEquals",
            BaseOp::DateNotEquals => "DateNotEquals",
            BaseOp::DateLessThan => "DateLessThan",
            BaseOp::DateLessThanEquals => "DateLessThanEquals",
            BaseOp::DateGreaterThan => "DateGreaterThan",
            BaseOp::DateGreaterThanEquals => "DateGreaterThanEquals",
            BaseOp::Bool => "Bool",
            BaseOp::BinaryEquals => "BinaryEquals",
            BaseOp::IpAddress => "IpAddress",
            BaseOp::NotIpAddress => "NotIpAddress",
            BaseOp::ArnEquals => "ArnEquals",
            BaseOp::ArnLike => "ArnLike",
            BaseOp::ArnNotEquals => "ArnNotEquals",
            BaseOp::ArnNotLike => "ArnNotLike",
            BaseOp::Null => "Null",
        }
    }

    /// The positive operator a negated one is the NOR of (`StringNotLike` →
    /// `StringLike`); `None` for operators that are not negated.
    pub fn negation_of(self) -> Option<BaseOp> {
        Some(match self {
            BaseOp::StringNotEquals => BaseOp::StringEquals,
            BaseOp::StringNotEqualsIgnoreCase => BaseOp::StringEqualsIgnoreCase,
            BaseOp::StringNotLike => BaseOp::StringLike,
            BaseOp::NumericNotEquals => BaseOp::NumericEquals,
            BaseOp::DateNotEquals => BaseOp::DateEquals,
            BaseOp::NotIpAddress => BaseOp::IpAddress,
            BaseOp::ArnNotEquals => BaseOp::ArnEquals,
            BaseOp::ArnNotLike => BaseOp::ArnLike,
            _ => return None,
        })
    }

    /// True for the negated matching operators (`StringNotEquals`, `NotIpAddress`, ...).
    pub fn is_negated(self) -> bool {
        self.negation_of().is_some()
    }

    /// True when policy variables in the values are resolved (string, ARN, `Bool`).
    pub fn accepts_variables(self) -> bool {
        matches!(
            self,
            BaseOp::StringEquals
                | BaseOp::StringNotEquals
                | BaseOp::StringEqualsIgnoreCase
                | BaseOp::StringNotEqualsIgnoreCase
                | BaseOp::StringLike
                | BaseOp::StringNotLike
                | BaseOp::Bool
                | BaseOp::ArnEquals
                | BaseOp::ArnLike
                | BaseOp::ArnNotEquals
                | BaseOp::ArnNotLike
        )
    }
}

/// A parsed condition operator such as `ForAnyValue:StringLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Operator {
    pub set: Option<SetOp>,
    pub base: BaseOp,
    pub if_exists: bool,
}

/// The canonical spelling (`ForAllValues:StringNotLikeIfExists`).
impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(set) = self.set {
            write!(f, "{}:", set.name())?;
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

fn strip_suffix_ignore_case<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    if tail.eq_ignore_ascii_case(suffix) {
        s.get(..cut)
    } else {
        None
    }
}

/// Parses an operator name: optional `ForAllValues:`/`ForAnyValue:`, a base operator,
/// optional `IfExists`. `None` when not recognized, including `Null` with `IfExists`
/// (*Operators*: `IfExists` goes on "any condition operator name except the `Null`
/// condition"). `ForAllValues:Null` and `ForAnyValue:Null` are read like any set
/// operator: see [`evaluate_clause`].
pub fn parse_operator(op: &str) -> Option<Operator> {
    let (set, rest) = if let Some(r) = strip_prefix_ignore_case(op, "ForAllValues:") {
        (Some(SetOp::ForAllValues), r)
    } else if let Some(r) = strip_prefix_ignore_case(op, "ForAnyValue:") {
        (Some(SetOp::ForAnyValue), r)
    } else {
        (None, op)
    };
    let lookup = |name: &str| {
        BaseOp::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(name))
    };
    let (base, if_exists) = match lookup(rest) {
        Some(b) => (b, false),
        None => (lookup(strip_suffix_ignore_case(rest, "IfExists")?)?, true),
    };
    if base == BaseOp::Null && if_exists {
        return None;
    }
    Some(Operator {
        set,
        base,
        if_exists,
    })
}

/// A condition block in one canonical spelling: a block's clauses are AND-ed and a
/// clause's values OR-ed (*Multiple values*), so both are sets. Clauses are sorted by key
/// (keys are case-insensitive) and operator, operators spelled canonically, values
/// sorted and deduplicated; `["A","B"]` and `["B","A"]` become the same condition.
pub fn normalized(clauses: &[ConditionClause]) -> Vec<ConditionClause> {
    let mut out: Vec<ConditionClause> = clauses
        .iter()
        .map(|c| {
            let mut values = c.values.clone();
            values.sort();
            values.dedup();
            ConditionClause {
                operator: parse_operator(&c.operator)
                    .map_or_else(|| c.operator.clone(), |o| o.to_string()),
                key: c.key.clone(),
                values,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (a.key.to_ascii_lowercase(), &a.operator, &a.key, &a.values).cmp(&(
            b.key.to_ascii_lowercase(),
            &b.operator,
            &b.key,
            &b.values,
        ))
    });
    out.dedup();
    out
}

/// Evaluates all clauses of a statement's `Condition` block: they are AND-ed
/// (*Multiple values*); an empty block is true.
pub fn evaluate(clauses: &[ConditionClause], ctx: &RequestContext) -> Tri {
    Tri::all(clauses.iter().map(|c| evaluate_clause(c, ctx)))
}

/// Evaluates one `operator: { key: [values] }` clause.
pub fn evaluate_clause(clause: &ConditionClause, ctx: &RequestContext) -> Tri {
    if clause.operator == crate::model::CEL_OPERATOR {
        return clause
            .values
            .first()
            .map_or(Tri::Unknown, |e| super::cel::evaluate(e, ctx));
    }
    let Some(op) = parse_operator(&clause.operator) else {
        return Tri::Unknown;
    };
    let request: &[String] = match ctx.get(&clause.key) {
        Lookup::Unknown => return Tri::Unknown,
        Lookup::Absent => &[],
        Lookup::Values(v) => v,
    };
    if op.base == BaseOp::Null {
        return match op.set {
            None => null_check(request.is_empty(), &clause.values),
            // With a set qualifier, `Null` applies to each request value as every other
            // operator does (*Multivalued*): a value in the request is present, so it
            // satisfies `Null` when the policy accepts `false`. Over no value at all,
            // `ForAllValues` is true and `ForAnyValue` false, as the same page says of
            // every set operator ("also returns true if there are no context keys in the
            // request"). The IAM policy simulator answers the same (issue 7).
            Some(SetOp::ForAllValues) if request.is_empty() => Tri::True,
            Some(SetOp::ForAnyValue) if request.is_empty() => Tri::False,
            Some(_) => null_check(false, &clause.values),
        };
    }
    if request.is_empty() {
        return Tri::from_bool(match op.set {
            Some(SetOp::ForAllValues) => true,
            Some(SetOp::ForAnyValue) => false,
            None => op.if_exists || op.base.is_negated(),
        });
    }
    let one = |r: &String| value_satisfies(op.base, r, &clause.values, ctx);
    match op.set {
        None => match request {
            [r] => one(r),
            _ => Tri::Unknown,
        },
        Some(SetOp::ForAllValues) => Tri::all(request.iter().map(one)),
        Some(SetOp::ForAnyValue) => Tri::any(request.iter().map(one)),
    }
}

/// `Null`: `true` asks that the key be absent, `false` that it be present; several
/// policy values are OR-ed. Values are read in any case; others never match.
fn null_check(absent: bool, values: &[String]) -> Tri {
    Tri::from_bool(values.iter().any(|v| match parse_bool(v) {
        Some(want_absent) => want_absent == absent,
        None => false,
    }))
}

/// How one request value relates to one policy value under a positive operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pair {
    Match,
    NoMatch,
    /// A value did not parse for the operator: the pair fails, negated or not.
    Invalid,
    Unknown,
}

/// Does request value `r` satisfy `base` against the policy values? Positive operators
/// OR the pairs; negated ones are true when no pair matches (NOR).
fn value_satisfies(base: BaseOp, r: &str, policy: &[String], ctx: &RequestContext) -> Tri {
    match base.negation_of() {
        None => Tri::any(policy.iter().map(|p| match pair(base, r, p, ctx) {
            Pair::Match => Tri::True,
            Pair::NoMatch | Pair::Invalid => Tri::False,
            Pair::Unknown => Tri::Unknown,
        })),
        Some(positive) => Tri::all(policy.iter().map(|p| match pair(positive, r, p, ctx) {
            Pair::NoMatch => Tri::True,
            Pair::Match | Pair::Invalid => Tri::False,
            Pair::Unknown => Tri::Unknown,
        })),
    }
}

/// A policy value after variable resolution.
enum PolicyValue<'a> {
    Raw(&'a str),
    Resolved(Pattern),
}

impl PolicyValue<'_> {
    /// The value as plain text (wildcards not special), for the equality operators.
    fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            PolicyValue::Raw(s) => (*s).into(),
            PolicyValue::Resolved(p) => p.to_text().into(),
        }
    }
}

fn pair(base: BaseOp, r: &str, p: &str, ctx: &RequestContext) -> Pair {
    let value = if base.accepts_variables() && variables::has_variables(p) {
        match variables::resolve(p, ctx) {
            Resolved::Pattern(pat) => PolicyValue::Resolved(pat),
            // A null value equals nothing (*Variables*, "Policy variables with no value").
            Resolved::NoMatch { .. } => return Pair::NoMatch,
            Resolved::Unknown { .. } => return Pair::Unknown,
        }
    } else {
        PolicyValue::Raw(p)
    };
    let m = |b: bool| if b { Pair::Match } else { Pair::NoMatch };
    let num = |f: fn(Ordering) -> bool| match cmp_decimal(r, p) {
        Some(o) => m(f(o)),
        None => Pair::Invalid,
    };
    let date = |f: fn(Ordering) -> bool| match (parse_date(r), parse_date(p)) {
        (Some(a), Some(b)) => m(f(a.cmp(&b))),
        _ => Pair::Invalid,
    };
    match base {
        BaseOp::StringEquals => m(r == value.text()),
        BaseOp::StringEqualsIgnoreCase => m(eq_ignore_case(r, &value.text())),
        BaseOp::StringLike => m(match &value {
            PolicyValue::Raw(s) => wildcard::matches(s, r),
            PolicyValue::Resolved(pat) => pat.matches(r),
        }),
        BaseOp::ArnEquals | BaseOp::ArnLike => m(match &value {
            PolicyValue::Raw(s) => wildcard::arn_matches(s, r, false),
            PolicyValue::Resolved(pat) => wildcard::arn_matches_pattern(pat, r, false),
        }),
        BaseOp::NumericEquals => num(Ordering::is_eq),
        BaseOp::NumericLessThan => num(Ordering::is_lt),
        BaseOp::NumericLessThanEquals => num(Ordering::is_le),
        BaseOp::NumericGreaterThan => num(Ordering::is_gt),
        BaseOp::NumericGreaterThanEquals => num(Ordering::is_ge),
        BaseOp::DateEquals => date(Ordering::is_eq),
        BaseOp::DateLessThan => date(Ordering::is_lt),
        BaseOp::DateLessThanEquals => date(Ordering::is_le),
        BaseOp::DateGreaterThan => date(Ordering::is_gt),
        BaseOp::DateGreaterThanEquals => date(Ordering::is_ge),
        BaseOp::Bool => match (parse_bool(r), parse_bool(&value.text())) {
            (Some(a), Some(b)) => m(a == b),
            _ => Pair::Invalid,
        },
        BaseOp::BinaryEquals => match (decode_base64(r), decode_base64(p)) {
            (Some(a), Some(b)) => m(a == b),
            _ => Pair::Invalid,
        },
        BaseOp::IpAddress => match (r.parse::<IpAddr>(), parse_cidr(p)) {
            (Ok(ip), Some(net)) => m(net.contains(ip)),
            _ => Pair::Invalid,
        },
        // Negated operators are evaluated through their positive form, and `Null` has
        // its own path; reaching here would be a bug, and undecided is the safe answer.
        BaseOp::StringNotEquals
        | BaseOp::StringNotEqualsIgnoreCase
        | BaseOp::StringNotLike
        | BaseOp::NumericNotEquals
        | BaseOp::DateNotEquals
        | BaseOp::NotIpAddress
        | BaseOp::ArnNotEquals
        | BaseOp::ArnNotLike
        | BaseOp::Null => Pair::Unknown,
    }
}

/// Case-insensitive equality by Unicode lowercase mapping, without allocating.
fn eq_ignore_case(a: &str, b: &str) -> bool {
    a == b
        || a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A decimal split into sign, integer digits (no leading zeros) and fraction digits (no
/// trailing zeros), borrowed from the input.
struct Decimal<'a> {
    negative: bool,
    int: &'a str,
    frac: &'a str,
}

impl Decimal<'_> {
    fn is_zero(&self) -> bool {
        self.int.is_empty() && self.frac.is_empty()
    }
}

fn parse_decimal(s: &str) -> Option<Decimal<'_>> {
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, s.get(1..)?),
        b'+' => (false, s.get(1..)?),
        _ => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) {
        return None;
    }
    Some(Decimal {
        negative,
        int: int.trim_start_matches('0'),
        frac: frac.trim_end_matches('0'),
    })
}

/// Exact comparison of two decimal strings; `None` if either does not parse.
fn cmp_decimal(a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (parse_decimal(a)?, parse_decimal(b)?);
    let sign = |d: &Decimal| {
        if d.is_zero() {
            0
        } else if d.negative {
            -1
        } else {
            1
        }
    };
    let (sa, sb) = (sign(&a), sign(&b));
    if sa != sb {
        return Some(sa.cmp(&sb));
    }
    // Same sign: compare magnitudes (integer length, then digits, then fraction digits
    // lexicographically, which is right once trailing zeros are gone).
    let magnitude = a
        .int
        .len()
        .cmp(&b.int.len())
        .then_with(|| a.int.cmp(b.int))
        .then_with(|| a.frac.cmp(b.frac));
    Some(if sa < 0 {
        magnitude.reverse()
    } else {
        magnitude
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A cursor over ASCII date text.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn eat(&mut self, c: u8) -> bool {
        if self
            .s
            .get(self.i)
            .is_some_and(|b| b.eq_ignore_ascii_case(&c))
        {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn num(&mut self, width: usize) -> Option<u32> {
        let digits = self.s.get(self.i..self.i + width)?;
        let mut n = 0u32;
        for &d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(d - b'0');
        }
        self.i += width;
        Some(n)
    }

    /// A run of digits read as a fraction of a second, in nanoseconds (truncated).
    fn fraction(&mut self) -> Option<u32> {
        let start = self.i;
        let mut nanos = 0u32;
        let mut scale = 100_000_000u32;
        while let Some(d) = self.s.get(self.i).filter(|d| d.is_ascii_digit()) {
            nanos += u32::from(d - b'0') * scale;
            scale /= 10;
            self.i += 1;
        }
        (self.i > start).then_some(nanos)
    }

    fn done(&self) -> bool {
        self.i == self.s.len()
    }
}

/// A point in time as (seconds since the epoch, nanoseconds), ordered.
type Instant = (i64, u32);

fn parse_date(s: &str) -> Option<Instant> {
    if let Some(epoch) = parse_epoch(s) {
        return Some(epoch);
    }
    let mut c = Cursor {
        s: s.as_bytes(),
        i: 0,
    };
    let year = i64::from(c.num(4)?);
    if !c.eat(b'-') {
        return None;
    }
    let month = c.num(2)?;
    if !(1..=12).contains(&month) {
        return None;
    }
    let day = if c.eat(b'-') { c.num(2)? } else { 1 };
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    let mut nanos = 0;
    if c.eat(b'T') {
        let hour = c.num(2)?;
        if !c.eat(b':') {
            return None;
        }
        let minute = c.num(2)?;
        let second = if c.eat(b':') { c.num(2)? } else { 0 };
        if c.eat(b'.') {
            nanos = c.fraction()?;
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        secs += i64::from(hour * 3600 + minute * 60 + second);
        // Zone: `Z`, `±hh:mm` (or `±hhmm`), or none (UTC).
        if !c.eat(b'Z') {
            let sign = if c.eat(b'+') {
                Some(1)
            } else if c.eat(b'-') {
                Some(-1)
            } else {
                None
            };
            if let Some(sign) = sign {
                let oh = c.num(2)?;
                c.eat(b':');
                let om = c.num(2)?;
                if oh > 23 || om > 59 {
                    return None;
                }
                secs -= sign * i64::from(oh * 3600 + om * 60);
            }
        }
    }
    c.done().then_some((secs, nanos))
}

/// Epoch seconds: digits with an optional `-` and an optional fraction.
fn parse_epoch(s: &str) -> Option<Instant> {
    let (negative, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (int, frac) = match body.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (body, None),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = int.parse().ok()?;
    let nanos = match frac {
        None => 0,
        Some(f) => {
            // A dot needs digits after it, and nothing else.
            let mut c = Cursor {
                s: f.as_bytes(),
                i: 0,
            };
            let n = c.fraction()?;
            if !c.done() {
                return None;
            }
            n
        }
    };
    Some(if !negative {
        (secs, nanos)
    } else if nanos == 0 {
        (-secs, 0)
    } else {
        (-secs - 1, 1_000_000_000 - nanos)
    })
}

/// Standard base64 (`+/`, padding optional); `None` on any other character.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let body = s.trim_end_matches('=');
    if s.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let sextet = |b: u8| -> Option<u32> {
        Some(u32::from(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in body.as_bytes() {
        acc = (acc << 6) | sextet(b)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// An IPv4 or IPv6 network.
struct Cidr {
    addr: IpAddr,
    prefix: u32,
}

impl Cidr {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// `203.0.113.0/24`, `2001:DB8::/32`, or a single address (`/32` or `/128`, as IAM
/// defaults). Host bits below the prefix are ignored.
fn parse_cidr(s: &str) -> Option<Cidr> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse().ok().filter(|&n| n <= max)?
        }
        Some(_) => return None,
    };
    Some(Cidr { addr, prefix })
}

#[cfg(test)]
#[rustfmt::skip::macros(case)]
mod tests {
    use super::*;

    fn ctx(closed: bool, pairs: &[(&str, &[&str])]) -> RequestContext {
        let mut c = RequestContext::new(closed);
        for (k, vs) in pairs {
            c.insert(k, vs.iter().map(|s| s.to_string()).collect());
        }
        c
    }

    /// A closed context: keys not listed are absent.
    fn closed(pairs: &[(&str, &[&str])]) -> RequestContext {
        ctx(true, pairs)
    }

    /// An open context: keys not listed are unknown.
    fn open(pairs: &[(&str, &[&str])]) -> RequestContext {
        ctx(false, pairs)
    }

    fn clause(op: &str, key: &str, values: &[&str]) -> ConditionClause {
        ConditionClause {
            operator: op.to_string(),
            key: key.to_string(),
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// `case!(name, operator, key, [policy values], context, expected)`.
    macro_rules! case {
        ($name:ident, $op:expr, $key:expr, [$($v:expr),* $(,)?], $ctx:expr, $want:ident) => {
            #[test]
            fn $name() {
                let c = clause($op, $key, &[$($v),*]);
                assert_eq!(evaluate_clause(&c, &$ctx), Tri::$want, "{c:?}");
            }
        };
    }

    // --- String operators (Operators, "String condition operators") ---
    // The doc example: `StringEquals` on `aws:PrincipalTag/job-category`; a principal
    // without the tag gets `false`.
    case!(str_eq_doc_match, "StringEquals", "aws:PrincipalTag/job-category", ["iamuser-admin"],
        closed(&[("aws:PrincipalTag/job-category", &["iamuser-admin"])]), True);
    case!(str_eq_doc_other, "StringEquals", "aws:PrincipalTag/job-category", ["iamuser-admin"],
        closed(&[("aws:PrincipalTag/job-category", &["dev"])]), False);
    case!(str_eq_doc_absent, "StringEquals", "aws:PrincipalTag/job-category", ["iamuser-admin"],
        closed(&[]), False);
    case!(str_eq_values_case_sensitive, "StringEquals", "k", ["Admin"],
        closed(&[("k", &["admin"])]), False);
    case!(str_eq_key_case_insensitive, "StringEquals", "AWS:PrincipalTag/Team", ["blue"],
        closed(&[("aws:principaltag/team", &["blue"])]), True);
    // Multiple values, "Evaluation logic": values of one key are OR-ed.
    case!(str_eq_values_are_ored, "StringEquals", "k", ["a", "b", "c"],
        closed(&[("k", &["b"])]), True);
    case!(str_eq_star_is_literal, "StringEquals", "k", ["a*"], closed(&[("k", &["abc"])]), False);
    case!(str_eq_star_matches_itself, "StringEquals", "k", ["a*"], closed(&[("k", &["a*"])]), True);
    // Multiple values: a negated operator's values are NOR-ed.
    case!(str_ne_matches_none, "StringNotEquals", "k", ["a", "b"], closed(&[("k", &["c"])]), True);
    case!(str_ne_matches_one, "StringNotEquals", "k", ["a", "b"], closed(&[("k", &["b"])]), False);
    // Operators, "Important": a negated operator with the key absent is true.
    case!(str_ne_absent, "StringNotEquals", "k", ["a"], closed(&[]), True);
    case!(str_not_like_absent, "StringNotLike", "k", ["a*"], closed(&[]), True);
    case!(str_eq_ic_match, "StringEqualsIgnoreCase", "k", ["Admin"],
        closed(&[("k", &["ADMIN"])]), True);
    case!(str_eq_ic_unicode, "StringEqualsIgnoreCase", "k", ["Équipe"],
        closed(&[("k", &["équipe"])]), True);
    case!(str_eq_ic_other, "StringEqualsIgnoreCase", "k", ["Admin"],
        closed(&[("k", &["user"])]), False);
    case!(str_ne_ic, "StringNotEqualsIgnoreCase", "k", ["Admin"],
        closed(&[("k", &["ADMIN"])]), False);
    case!(str_ne_ic_other, "StringNotEqualsIgnoreCase", "k", ["Admin"],
        closed(&[("k", &["user"])]), True);
    case!(str_like_wildcards, "StringLike", "ec2:InstanceType", ["t1.*", "t2.*", "m3.*"],
        closed(&[("ec2:InstanceType", &["t2.micro"])]), True);
    case!(str_like_case_sensitive, "StringLike", "k", ["T2.*"],
        closed(&[("k", &["t2.micro"])]), False);
    case!(str_like_needs_wildcard_for_partial, "StringLike", "k", ["t2"],
        closed(&[("k", &["t2.micro"])]), False);
    case!(str_like_question, "StringLike", "k", ["a?c"], closed(&[("k", &["abc"])]), True);
    case!(str_not_like, "StringNotLike", "k", ["a*", "b*"], closed(&[("k", &["c1"])]), True);
    case!(str_not_like_hit, "StringNotLike", "k", ["a*", "b*"], closed(&[("k", &["b1"])]), False);

    // The doc's home-directory example (Operators, "String condition operators"):
    // `StringLike` on `s3:prefix` with `""`, `home/`, `home/${aws:username}/`.
    fn home(prefix: &str) -> RequestContext {
        closed(&[("aws:username", &["alice"]), ("s3:prefix", &[prefix])])
    }
    case!(doc_home_own, "StringLike", "s3:prefix", ["", "home/", "home/${aws:username}/"],
        home("home/alice/"), True);
    case!(doc_home_root, "StringLike", "s3:prefix", ["", "home/", "home/${aws:username}/"],
        home(""), True);
    case!(doc_home_other, "StringLike", "s3:prefix", ["", "home/", "home/${aws:username}/"],
        home("home/bob/"), False);

    // Variables, "Condition element" and "Policy variables with no value".
    case!(var_in_string_equals, "StringEquals", "s3:prefix", ["${aws:username}"],
        home("alice"), True);
    case!(var_special_star_literal, "StringLike", "k", ["a${*}"], closed(&[("k", &["ab"])]), False);
    case!(var_special_star_itself, "StringLike", "k", ["a${*}"], closed(&[("k", &["a*"])]), True);
    case!(var_absent_never_matches, "StringLike", "k", ["${aws:username}/*"],
        closed(&[("k", &["x/1"])]), False);
    case!(var_absent_negated_is_true, "StringNotEquals", "k", ["${aws:username}"],
        closed(&[("k", &["x"])]), True);
    // The "Policy variables with no value" example: the Deny applies when the
    // principal has no `Team` tag.
    case!(var_absent_doc_deny, "StringNotEquals", "s3:ExistingObjectTag/Team", ["${aws:PrincipalTag/Team}"],
        closed(&[("s3:ExistingObjectTag/Team", &["blue"])]), True);
    case!(var_absent_default, "StringEquals", "k", ["${aws:username, 'anonymous'}"],
        closed(&[("k", &["anonymous"])]), True);
    case!(var_unknown_in_open_ctx, "StringEquals", "k", ["${aws:username}"],
        open(&[("k", &["x"])]), Unknown);
    case!(var_unknown_or_true, "StringEquals", "k", ["${aws:username}", "x"],
        open(&[("k", &["x"])]), True);
    case!(var_unknown_nor_false, "StringNotEquals", "k", ["${aws:username}", "x"],
        open(&[("k", &["x"])]), False);
    case!(var_multivalued_is_unknown, "StringEquals", "k", ["${aws:TagKeys}"],
        closed(&[("k", &["a"]), ("aws:TagKeys", &["a", "b"])]), Unknown);
    case!(var_in_arn, "ArnLike", "aws:SourceArn", ["arn:aws:s3:::b/${aws:username}/*"],
        closed(&[("aws:username", &["alice"]), ("aws:SourceArn", &["arn:aws:s3:::b/alice/x"])]), True);
    case!(var_in_bool, "Bool", "k", ["${aws:SecureTransport}"],
        closed(&[("k", &["true"]), ("aws:SecureTransport", &["true"])]), True);
    // Variables are not resolved for numeric operators: the text stays literal.
    case!(var_not_in_numeric, "NumericEquals", "k", ["${aws:n}"],
        closed(&[("k", &["1"]), ("aws:n", &["1"])]), False);

    // --- Numeric (Operators, "Numeric condition operators"): `s3:max-keys` ≤ 10 ---
    case!(num_le_doc_equal, "NumericLessThanEquals", "s3:max-keys", ["10"],
        closed(&[("s3:max-keys", &["10"])]), True);
    case!(num_le_doc_above, "NumericLessThanEquals", "s3:max-keys", ["10"],
        closed(&[("s3:max-keys", &["11"])]), False);
    case!(num_le_doc_absent, "NumericLessThanEquals", "s3:max-keys", ["10"], closed(&[]), False);
    case!(num_le_decimal, "NumericLessThanEquals", "k", ["10"], closed(&[("k", &["9.5"])]), True);
    case!(num_eq_decimal_forms, "NumericEquals", "k", ["1.0"], closed(&[("k", &["01"])]), True);
    case!(num_eq_signed_zero, "NumericEquals", "k", ["-0"], closed(&[("k", &["0.000"])]), True);
    case!(num_eq_exact_big, "NumericEquals", "k", ["9007199254740993"],
        closed(&[("k", &["9007199254740992"])]), False);
    case!(num_lt, "NumericLessThan", "k", ["-1.5"], closed(&[("k", &["-2"])]), True);
    case!(num_lt_equal, "NumericLessThan", "k", ["3"], closed(&[("k", &["3"])]), False);
    case!(num_gt, "NumericGreaterThan", "k", ["0.25"], closed(&[("k", &["0.3"])]), True);
    case!(num_ge, "NumericGreaterThanEquals", "k", ["5"], closed(&[("k", &["5"])]), True);
    case!(num_ne, "NumericNotEquals", "k", ["5", "6"], closed(&[("k", &["7"])]), True);
    case!(num_ne_hit, "NumericNotEquals", "k", ["5", "6"], closed(&[("k", &["6.0"])]), False);
    // Unparseable values fail the pair, negated or not (our documented decision).
    case!(num_bad_request, "NumericLessThan", "k", ["10"], closed(&[("k", &["ten"])]), False);
    case!(num_bad_policy, "NumericEquals", "k", ["ten", "10"], closed(&[("k", &["10"])]), True);
    case!(num_bad_negated, "NumericNotEquals", "k", ["ten"], closed(&[("k", &["10"])]), False);
    case!(num_no_exponent, "NumericEquals", "k", ["1e3"], closed(&[("k", &["1000"])]), False);

    // --- Date (Operators, "Date condition operators"): `aws:TokenIssueTime` after 2020 ---
    case!(date_gt_doc, "DateGreaterThan", "aws:TokenIssueTime", ["2020-01-01T00:00:01Z"],
        closed(&[("aws:TokenIssueTime", &["2020-06-01T12:00:00Z"])]), True);
    case!(date_gt_doc_before, "DateGreaterThan", "aws:TokenIssueTime", ["2020-01-01T00:00:01Z"],
        closed(&[("aws:TokenIssueTime", &["2019-12-31T23:59:59Z"])]), False);
    // "The key is not present in ... requests that are made using access keys."
    case!(date_gt_doc_absent, "DateGreaterThan", "aws:TokenIssueTime", ["2020-01-01T00:00:01Z"],
        closed(&[]), False);
    case!(date_epoch_vs_iso, "DateEquals", "aws:CurrentTime", ["1577836800"],
        closed(&[("aws:CurrentTime", &["2020-01-01T00:00:00Z"])]), True);
    case!(date_offset, "DateEquals", "k", ["2020-01-01T01:30:00+01:30"],
        closed(&[("k", &["2020-01-01T00:00:00Z"])]), True);
    case!(date_negative_offset, "DateEquals", "k", ["2019-12-31T19:00:00-05:00"],
        closed(&[("k", &["2020-01-01T00:00:00Z"])]), True);
    case!(date_only, "DateEquals", "k", ["2020-01-01"],
        closed(&[("k", &["2020-01-01T00:00:00Z"])]), True);
    case!(date_year_month, "DateEquals", "k", ["2020-02"],
        closed(&[("k", &["2020-02-01T00:00:00Z"])]), True);
    case!(date_no_seconds, "DateEquals", "k", ["2020-01-01T10:20Z"],
        closed(&[("k", &["2020-01-01T10:20:00Z"])]), True);
    case!(date_fraction, "DateLessThan", "k", ["2020-01-01T00:00:00.5Z"],
        closed(&[("k", &["2020-01-01T00:00:00.25Z"])]), True);
    case!(date_fraction_epoch, "DateLessThan", "k", ["1577836800.5"],
        closed(&[("k", &["2020-01-01T00:00:00.4Z"])]), True);
    case!(date_no_zone_is_utc, "DateEquals", "k", ["2020-01-01T00:00:00"],
        closed(&[("k", &["1577836800"])]), True);
    case!(date_leap_day, "DateEquals", "k", ["2024-02-29"],
        closed(&[("k", &["1709164800"])]), True);
    case!(date_before_epoch, "DateLessThan", "k", ["1970-01-01T00:00:00Z"],
        closed(&[("k", &["1969-12-31T23:59:59Z"])]), True);
    case!(date_le, "DateLessThanEquals", "k", ["2020-01-01"],
        closed(&[("k", &["2020-01-01"])]), True);
    case!(date_ge, "DateGreaterThanEquals", "k", ["2020-01-02"],
        closed(&[("k", &["2020-01-01"])]), False);
    case!(date_ne, "DateNotEquals", "k", ["2020-01-01"], closed(&[("k", &["2020-01-02"])]), True);
    case!(date_invalid_day, "DateEquals", "k", ["2021-02-29"],
        closed(&[("k", &["2021-03-01"])]), False);
    case!(date_invalid_hour, "DateLessThan", "k", ["2021-01-01T24:00:00Z"],
        closed(&[("k", &["2020-01-01"])]), False);
    case!(date_garbage, "DateLessThan", "k", ["tomorrow"],
        closed(&[("k", &["2020-01-01"])]), False);
    case!(date_trailing_junk, "DateEquals", "k", ["2020-01-01Tx"],
        closed(&[("k", &["2020-01-01"])]), False);

    // --- Bool (Operators, "Boolean condition operators"): deny without TLS ---
    case!(bool_doc_insecure, "Bool", "aws:SecureTransport", ["false"],
        closed(&[("aws:SecureTransport", &["false"])]), True);
    case!(bool_doc_secure, "Bool", "aws:SecureTransport", ["false"],
        closed(&[("aws:SecureTransport", &["true"])]), False);
    case!(bool_any_case, "Bool", "k", ["TRUE"], closed(&[("k", &["true"])]), True);
    case!(bool_garbage, "Bool", "k", ["yes"], closed(&[("k", &["true"])]), False);
    case!(bool_absent, "Bool", "aws:MultiFactorAuthPresent", ["true"], closed(&[]), False);
    case!(bool_if_exists_absent, "BoolIfExists", "aws:MultiFactorAuthPresent", ["false"],
        closed(&[]), True);

    // --- Binary (Operators, "Binary condition operators") ---
    case!(binary_doc, "BinaryEquals", "key", ["QmluYXJ5VmFsdWVJbkJhc2U2NA=="],
        closed(&[("key", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="])]), True);
    case!(binary_unpadded, "BinaryEquals", "key", ["QmluYXJ5VmFsdWVJbkJhc2U2NA=="],
        closed(&[("key", &["QmluYXJ5VmFsdWVJbkJhc2U2NA"])]), True);
    case!(binary_other, "BinaryEquals", "key", ["QmluYXJ5"],
        closed(&[("key", &["QmluYXJ6"])]), False);
    case!(binary_garbage, "BinaryEquals", "key", ["!!"], closed(&[("key", &["!!"])]), False);
    case!(binary_absent, "BinaryEquals", "key", ["QQ=="], closed(&[]), False);

    // --- IP (Operators, "IP address condition operators") ---
    case!(ip_doc_inside, "IpAddress", "aws:SourceIp", ["203.0.113.0/24"],
        closed(&[("aws:SourceIp", &["203.0.113.7"])]), True);
    case!(ip_doc_outside, "IpAddress", "aws:SourceIp", ["203.0.113.0/24"],
        closed(&[("aws:SourceIp", &["203.0.114.1"])]), False);
    // "except when the requester uses a VPC endpoint ... the condition returns false".
    case!(ip_doc_absent, "IpAddress", "aws:SourceIp", ["203.0.113.0/24"], closed(&[]), False);
    // The doc's mixed IPv4/IPv6 example.
    case!(ip_doc_v6, "IpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:DB8:1234:5678::/64"],
        closed(&[("aws:SourceIp", &["2001:db8:1234:5678::abcd"])]), True);
    case!(ip_v6_outside, "IpAddress", "aws:SourceIp", ["2001:DB8:1234:5678::/64"],
        closed(&[("aws:SourceIp", &["2001:db8:1234:5679::1"])]), False);
    // "If you specify an IP address without the associated routing prefix, IAM uses /32."
    case!(ip_single_address, "IpAddress", "k", ["203.0.113.5"],
        closed(&[("k", &["203.0.113.5"])]), True);
    case!(ip_single_address_other, "IpAddress", "k", ["203.0.113.5"],
        closed(&[("k", &["203.0.113.6"])]), False);
    case!(ip_host_bits_ignored, "IpAddress", "k", ["203.0.113.5/24"],
        closed(&[("k", &["203.0.113.200"])]), True);
    case!(ip_zero_prefix, "IpAddress", "k", ["0.0.0.0/0"],
        closed(&[("k", &["198.51.100.1"])]), True);
    case!(ip_family_mismatch, "IpAddress", "k", ["0.0.0.0/0"], closed(&[("k", &["::1"])]), False);
    case!(ip_bad_prefix, "IpAddress", "k", ["203.0.113.0/33"],
        closed(&[("k", &["203.0.113.1"])]), False);
    case!(ip_bad_request, "IpAddress", "k", ["203.0.113.0/24"],
        closed(&[("k", &["203.0.113"])]), False);
    case!(not_ip_outside, "NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"],
        closed(&[("aws:SourceIp", &["198.51.100.1"])]), True);
    case!(not_ip_inside, "NotIpAddress", "aws:SourceIp", ["203.0.113.0/24", "198.51.100.0/24"],
        closed(&[("aws:SourceIp", &["198.51.100.1"])]), False);
    case!(not_ip_absent, "NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"], closed(&[]), True);
    case!(not_ip_bad_policy, "NotIpAddress", "k", ["nonsense"],
        closed(&[("k", &["198.51.100.1"])]), False);

    // --- ARN (Operators, "Amazon Resource Name (ARN) condition operators") ---
    case!(arn_eq_doc, "ArnEquals", "aws:SourceArn", ["arn:aws:sns:REGION:123456789012:TOPIC-ID"],
        closed(&[("aws:SourceArn", &["arn:aws:sns:REGION:123456789012:TOPIC-ID"])]), True);
    // "If an IAM user attempts to perform this operation directly, the condition returns false."
    case!(arn_eq_doc_absent, "ArnEquals", "aws:SourceArn", ["arn:aws:sns:REGION:123456789012:TOPIC-ID"],
        closed(&[]), False);
    case!(arn_like_doc_fails, "ArnLike", "k", ["arn:aws:someservice:*:111122223333:finance/*"],
        closed(&[("k", &["arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"])]), False);
    case!(string_like_doc_succeeds, "StringLike", "k", ["arn:aws:someservice:*:111122223333:finance/*"],
        closed(&[("k", &["arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"])]), True);
    case!(arn_equals_takes_wildcards, "ArnEquals", "k", ["arn:aws:s3:::b/*"],
        closed(&[("k", &["arn:aws:s3:::b/x"])]), True);
    case!(arn_like_case_sensitive, "ArnLike", "k", ["arn:aws:iam::1:role/Admin"],
        closed(&[("k", &["arn:aws:iam::1:role/admin"])]), False);
    case!(arn_not_like, "ArnNotLike", "k", ["arn:aws:iam::1:role/*"],
        closed(&[("k", &["arn:aws:iam::2:role/x"])]), True);
    case!(arn_not_like_hit, "ArnNotLike", "k", ["arn:aws:iam::1:role/*"],
        closed(&[("k", &["arn:aws:iam::1:role/x"])]), False);
    // Operators, "Important": `ArnNotLike` with the key absent is true.
    case!(arn_not_like_absent, "ArnNotLike", "k", ["arn:aws:iam::1:role/*"], closed(&[]), True);
    case!(arn_not_equals_absent, "ArnNotEquals", "k", ["arn:aws:iam::1:role/x"], closed(&[]), True);

    // --- Null (Operators, "Condition operator to check existence of condition keys") ---
    case!(null_true_absent, "Null", "aws:TokenIssueTime", ["true"], closed(&[]), True);
    case!(null_true_present, "Null", "aws:TokenIssueTime", ["true"],
        closed(&[("aws:TokenIssueTime", &["2020-01-01T00:00:00Z"])]), False);
    case!(null_false_present, "Null", "aws:TokenIssueTime", ["false"],
        closed(&[("aws:TokenIssueTime", &["2020-01-01T00:00:00Z"])]), True);
    case!(null_false_absent, "Null", "aws:TokenIssueTime", ["false"], closed(&[]), False);
    case!(null_open_context, "Null", "aws:TokenIssueTime", ["true"], open(&[]), Unknown);
    case!(null_empty_set_is_null, "Null", "aws:TagKeys", ["false"],
        closed(&[("aws:TagKeys", &[])]), False);
    case!(null_any_case, "Null", "k", ["TRUE"], closed(&[]), True);
    case!(null_garbage, "Null", "k", ["maybe"], closed(&[]), False);
    case!(null_both_values, "Null", "k", ["true", "false"], closed(&[("k", &["x"])]), True);
    case!(null_if_exists_unrecognized, "NullIfExists", "k", ["true"], closed(&[]), Unknown);
    // --- Null with a set qualifier (issue 7): applied to each request value, like every set
    // operator (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html:
    // `ForAllValues` "also returns true if there are no context keys in the request",
    // `ForAnyValue` "returns false" then); each value in the request is not null.
    case!(null_for_all_absent_true, "ForAllValues:Null", "k", ["true"], closed(&[]), True);
    case!(null_for_all_absent_false, "ForAllValues:Null", "k", ["false"], closed(&[]), True);
    case!(null_for_all_present_true, "ForAllValues:Null", "k", ["true"],
        closed(&[("k", &["a", "b"])]), False);
    case!(null_for_all_present_false, "ForAllValues:Null", "k", ["false"],
        closed(&[("k", &["a", "b"])]), True);
    case!(null_for_any_absent_true, "ForAnyValue:Null", "k", ["true"], closed(&[]), False);
    case!(null_for_any_absent_false, "ForAnyValue:Null", "k", ["false"], closed(&[]), False);
    case!(null_for_any_present_true, "ForAnyValue:Null", "k", ["true"],
        closed(&[("k", &["a"])]), False);
    case!(null_for_any_present_false, "ForAnyValue:Null", "k", ["false"],
        closed(&[("k", &["a"])]), True);
    case!(null_for_any_empty_set, "ForAnyValue:Null", "k", ["false"],
        closed(&[("k", &[])]), False);
    case!(null_for_all_open, "ForAllValues:Null", "k", ["true"], open(&[]), Unknown);

    // --- ...IfExists (Operators, "...IfExists condition operators"): the RunInstances
    // example; resources without `ec2:InstanceType` pass, instances must be t1/t2/m3.
    case!(if_exists_doc_absent, "StringLikeIfExists", "ec2:InstanceType", ["t1.*", "t2.*", "m3.*"],
        closed(&[]), True);
    case!(if_exists_doc_ok, "StringLikeIfExists", "ec2:InstanceType", ["t1.*", "t2.*", "m3.*"],
        closed(&[("ec2:InstanceType", &["m3.large"])]), True);
    case!(if_exists_doc_bad, "StringLikeIfExists", "ec2:InstanceType", ["t1.*", "t2.*", "m3.*"],
        closed(&[("ec2:InstanceType", &["m5.large"])]), False);
    // Without IfExists the same statement "does not work": absent key → false.
    case!(if_exists_doc_without, "StringLike", "ec2:InstanceType", ["t1.*", "t2.*", "m3.*"],
        closed(&[]), False);
    case!(if_exists_negated_present, "StringNotEqualsIfExists", "k", ["a"],
        closed(&[("k", &["a"])]), False);
    case!(if_exists_negated_absent, "StringNotEqualsIfExists", "k", ["a"], closed(&[]), True);
    case!(if_exists_numeric_absent, "NumericLessThanIfExists", "k", ["1"], closed(&[]), True);
    case!(if_exists_ip_present, "IpAddressIfExists", "k", ["10.0.0.0/8"],
        closed(&[("k", &["11.0.0.1"])]), False);
    case!(if_exists_arn_absent, "ArnLikeIfExists", "k", ["arn:aws:s3:::*"], closed(&[]), True);
    case!(if_exists_empty_set, "StringEqualsIfExists", "k", ["a"], closed(&[("k", &[])]), True);
    case!(if_exists_open_context, "StringEqualsIfExists", "k", ["a"], open(&[]), Unknown);

    // --- Set operators (Multiple values, and the DynamoDB `requestedAttributes`
    // examples of "Creating a condition that tests multiple key values") ---
    case!(for_all_doc_subset, "ForAllValues:StringLike", "dynamodb:requestedAttributes", ["PostDateTime", "Message", "Tags"],
        closed(&[("dynamodb:requestedAttributes", &["PostDateTime", "Message"])]), True);
    // "There's no match for UserName, so the condition operator returns false."
    case!(for_all_doc_extra, "ForAllValues:StringLike", "dynamodb:requestedAttributes", ["PostDateTime", "Message", "Tags"],
        closed(&[("dynamodb:requestedAttributes", &["PostDateTime", "UserName"])]), False);
    // ForAllValues is also true with the key missing or an empty data set (Multivalued).
    case!(for_all_absent, "ForAllValues:StringLike", "dynamodb:requestedAttributes", ["PostDateTime"],
        closed(&[]), True);
    case!(for_all_empty, "ForAllValues:StringEquals", "aws:TagKeys", ["a"],
        closed(&[("aws:TagKeys", &[])]), True);
    case!(for_any_doc_hit, "ForAnyValue:StringLike", "dynamodb:requestedAttributes", ["ID", "PostDateTime"],
        closed(&[("dynamodb:requestedAttributes", &["UserName", "Message", "PostDateTime"])]), True);
    case!(for_any_doc_miss, "ForAnyValue:StringLike", "dynamodb:requestedAttributes", ["ID", "PostDateTime"],
        closed(&[("dynamodb:requestedAttributes", &["UserName"])]), False);
    case!(for_any_absent, "ForAnyValue:StringLike", "dynamodb:requestedAttributes", ["ID"],
        closed(&[]), False);
    case!(for_any_empty, "ForAnyValue:StringEquals", "aws:TagKeys", ["a"],
        closed(&[("aws:TagKeys", &[])]), False);
    // IfExists applies per request value, so it cannot rescue ForAnyValue on a missing
    // key (as observed on AWS: re:Post "ForAnyValue:StringEqualsIfExists behaving
    // unexpectedly", ListQueues without aws:TagKeys is not allowed).
    case!(for_any_if_exists_absent, "ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ["team"],
        closed(&[]), False);
    // Multivalued examples, "Deny policy with condition set operator ForAllValues":
    // `ForAllValues:StringNotLike` on `aws:TagKeys` with `key1*`.
    case!(for_all_not_like_doc_legal, "ForAllValues:StringNotLike", "aws:TagKeys", ["key1*"],
        closed(&[("aws:TagKeys", &["key1:legal"])]), False);
    case!(for_all_not_like_doc_two, "ForAllValues:StringNotLike", "aws:TagKeys", ["key1*"],
        closed(&[("aws:TagKeys", &["key1:hr", "key1:personnel"])]), False);
    case!(for_all_not_like_doc_audit, "ForAllValues:StringNotLike", "aws:TagKeys", ["key1*"],
        closed(&[("aws:TagKeys", &["key2:audit"])]), True);
    case!(for_all_not_like_doc_absent, "ForAllValues:StringNotLike", "aws:TagKeys", ["key1*"],
        closed(&[]), True);
    case!(for_all_not_like_mixed, "ForAllValues:StringNotLike", "aws:TagKeys", ["key1*"],
        closed(&[("aws:TagKeys", &["key1:x", "key2:y"])]), False);
    case!(for_any_not_equals_some, "ForAnyValue:StringNotEquals", "aws:TagKeys", ["a"],
        closed(&[("aws:TagKeys", &["a", "b"])]), True);
    case!(for_any_not_equals_none, "ForAnyValue:StringNotEquals", "aws:TagKeys", ["a"],
        closed(&[("aws:TagKeys", &["a"])]), False);
    case!(for_all_unknown_value, "ForAllValues:StringEquals", "k", ["${aws:x}"],
        open(&[("k", &["a", "b"])]), Unknown);
    case!(for_all_true_and_unknown, "ForAllValues:StringEquals", "k", ["${aws:x}", "a"],
        open(&[("k", &["a", "b"])]), Unknown);
    case!(for_any_true_beats_unknown, "ForAnyValue:StringEquals", "k", ["${aws:x}", "a"],
        open(&[("k", &["a", "b"])]), True);
    case!(for_all_false_beats_unknown, "ForAllValues:StringEquals", "k", ["a"],
        open(&[("k", &["a", "b"])]), False);
    case!(for_all_numeric, "ForAllValues:NumericLessThan", "k", ["10"],
        closed(&[("k", &["1", "2"])]), True);
    // Without a set qualifier a multivalued request value is undocumented: Unknown.
    case!(single_op_multivalued, "StringEquals", "aws:TagKeys", ["a"],
        closed(&[("aws:TagKeys", &["a", "b"])]), Unknown);

    // --- Open contexts and unrecognized operators ---
    case!(open_missing_key, "StringEquals", "aws:username", ["alice"], open(&[]), Unknown);
    case!(open_missing_negated, "StringNotEquals", "aws:username", ["alice"], open(&[]), Unknown);
    case!(open_missing_for_all, "ForAllValues:StringEquals", "aws:TagKeys", ["a"],
        open(&[]), Unknown);
    case!(open_present_key, "StringEquals", "aws:username", ["alice"],
        open(&[("aws:username", &["alice"])]), True);
    case!(unknown_operator, "StringEqualz", "k", ["a"], closed(&[("k", &["a"])]), Unknown);
    case!(unknown_qualifier, "ForSomeValues:StringEquals", "k", ["a"],
        closed(&[("k", &["a"])]), Unknown);
    case!(operator_any_case, "stringequals", "k", ["a"], closed(&[("k", &["a"])]), True);

    #[test]
    fn parse_operators() {
        assert_eq!(
            parse_operator("ForAnyValue:StringLikeIfExists"),
            Some(Operator {
                set: Some(SetOp::ForAnyValue),
                base: BaseOp::StringLike,
                if_exists: true
            })
        );
        assert_eq!(
            parse_operator("NotIpAddressIfExists"),
            Some(Operator {
                set: None,
                base: BaseOp::NotIpAddress,
                if_exists: true
            })
        );
        assert_eq!(
            parse_operator("ForAllValues:ArnNotEquals"),
            Some(Operator {
                set: Some(SetOp::ForAllValues),
                base: BaseOp::ArnNotEquals,
                if_exists: false
            })
        );
        for bad in [
            "",
            "IfExists",
            "ForAllValues:",
            "StringEqualsIfExistsIfExists",
            "ForAllValues:ForAnyValue:StringLike",
            " StringEquals",
            "NullIfExists",
            "ForAnyValue:NullIfExists",
            "StringEquals:",
        ] {
            assert_eq!(parse_operator(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn operator_names_round_trip() {
        for base in BaseOp::ALL {
            for set in [None, Some(SetOp::ForAllValues), Some(SetOp::ForAnyValue)] {
                for if_exists in [false, true] {
                    let op = Operator {
                        set,
                        base,
                        if_exists,
                    };
                    let parsed = parse_operator(&op.to_string());
                    if base == BaseOp::Null && if_exists {
                        assert_eq!(parsed, None);
                    } else {
                        assert_eq!(parsed, Some(op), "{op}");
                    }
                }
            }
        }
    }

    #[test]
    fn negated_operators() {
        let negated: Vec<_> = BaseOp::ALL
            .into_iter()
            .filter(|b| b.is_negated())
            .map(BaseOp::name)
            .collect();
        assert_eq!(
            negated,
            [
                "StringNotEquals",
                "StringNotEqualsIgnoreCase",
                "StringNotLike",
                "NumericNotEquals",
                "DateNotEquals",
                "NotIpAddress",
                "ArnNotEquals",
                "ArnNotLike",
            ]
        );
    }

    #[test]
    fn clauses_are_anded() {
        let c = open(&[("a", &["1"])]);
        let t = clause("StringEquals", "a", &["1"]);
        let f = clause("StringEquals", "a", &["2"]);
        let u = clause("StringEquals", "b", &["1"]);
        assert_eq!(evaluate(&[], &c), Tri::True);
        assert_eq!(evaluate(&[t.clone(), t.clone()], &c), Tri::True);
        assert_eq!(evaluate(&[t.clone(), u.clone()], &c), Tri::Unknown);
        assert_eq!(evaluate(&[u.clone(), f.clone()], &c), Tri::False);
        assert_eq!(evaluate(&[t, f], &c), Tri::False);
    }

    #[test]
    fn tri_truth_tables() {
        use Tri::*;
        let all = [True, False, Unknown];
        for a in all {
            for b in all {
                // Kleene: and/or are commutative, De Morgan holds.
                assert_eq!(a.and(b), b.and(a));
                assert_eq!(a.or(b), b.or(a));
                assert_eq!(!(a.and(b)), (!a).or(!b));
            }
        }
        assert_eq!(True.and(Unknown), Unknown);
        assert_eq!(False.and(Unknown), False);
        assert_eq!(True.or(Unknown), True);
        assert_eq!(False.or(Unknown), Unknown);
        assert_eq!(!Unknown, Unknown);
        assert_eq!(Tri::all([]), True);
        assert_eq!(Tri::any([]), False);
        assert_eq!(Tri::from(true), True);
        assert_eq!(Unknown.to_string(), "unknown");
    }

    #[test]
    fn decimals() {
        let cmp = |a, b| cmp_decimal(a, b);
        assert_eq!(cmp("10", "9"), Some(Ordering::Greater));
        assert_eq!(cmp("-10", "-9"), Some(Ordering::Less));
        assert_eq!(cmp("0.10", ".1"), Some(Ordering::Equal));
        assert_eq!(cmp("+3", "3."), Some(Ordering::Equal));
        assert_eq!(cmp("-0.5", "0"), Some(Ordering::Less));
        for bad in [
            "", "-", ".", "1.2.3", "1e3", "NaN", "inf", " 1", "0x10", "1_000",
        ] {
            assert_eq!(cmp(bad, "1"), None, "{bad:?}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(parse_date("2000-03-01"), Some((951_868_800, 0)));
        assert_eq!(parse_date("-1.25"), Some((-2, 750_000_000)));
        assert_eq!(
            parse_date("2020-01-01t00:00:00z"),
            parse_date("2020-01-01T00:00:00Z")
        );
        assert_eq!(
            parse_date("2020-01-01T02:00:00+0200"),
            parse_date("2020-01-01T00:00:00Z")
        );
        for bad in [
            "",
            "2020",
            "2020-13",
            "2020-00-01",
            "2020-01-32",
            "2020-01-01T",
            "2020-01-01T10",
            "2020-01-01T10:60",
            "2020-01-01T00:00:00+25:00",
            "20200101",
            "2020-1-1",
            "1.",
            "1.x",
        ] {
            if bad == "2020" || bad == "20200101" {
                // All digits: epoch seconds.
                assert!(parse_date(bad).is_some());
            } else {
                assert_eq!(parse_date(bad), None, "{bad:?}");
            }
        }
    }

    #[test]
    fn base64() {
        assert_eq!(
            decode_base64("QmluYXJ5VmFsdWVJbkJhc2U2NA==").as_deref(),
            Some(&b"BinaryValueInBase64"[..])
        );
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert_eq!(decode_base64("YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(decode_base64("YWI=").as_deref(), Some(&b"ab"[..]));
        assert_eq!(decode_base64("YWJj").as_deref(), Some(&b"abc"[..]));
        assert_eq!(decode_base64("+/8=").as_deref(), Some(&[0xfb, 0xff][..]));
        for bad in ["Y", "YQ===", "Y-==", "YQ=a"] {
            assert_eq!(decode_base64(bad), None, "{bad:?}");
        }
    }
}
