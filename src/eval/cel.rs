//! GCP IAM conditions: the common forms of CEL decided against the request context
//! (`request.time`, `resource.name`, `resource.type`, `resource.service`, and resource tags
//! given as `resource.tag/<namespaced key>`). Known: `==`, `!=`, `<`, `<=`, `>`, `>=`,
//! `in [..]`, `&&`, `||`, `!`, parentheses, `.startsWith()`, `.endsWith()`,
//! `timestamp('…')` and `resource.matchTag(key, value)`. Anything else, and any attribute
//! the context does not give, is *unknown*: the binding stays conditional, never guessed.
//! Parsing is bounded (expression length and nesting), so a hostile expression costs
//! little and ends as unknown.

use super::condition::Tri;
use super::context::{Lookup, RequestContext};

/// Longest expression parsed (GCP allows 12 KiB in a condition).
const MAX_LEN: usize = 16 * 1024;
/// Deepest nesting parsed.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Int(i64),
    Op(&'static str),
}

fn lex(s: &str) -> Option<Vec<Tok>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'\'' || c == b'"' {
            let end = b.get(i + 1..)?.iter().position(|&x| x == c)? + i + 1;
            out.push(Tok::Str(s.get(i + 1..end)?.to_owned()));
            i = end + 1;
        } else if c.is_ascii_digit() {
            let len = b
                .get(i..)?
                .iter()
                .take_while(|x| x.is_ascii_digit())
                .count();
            out.push(Tok::Int(s.get(i..i + len)?.parse().ok()?));
            i += len;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let len = b
                .get(i..)?
                .iter()
                .take_while(|x| x.is_ascii_alphanumeric() || **x == b'_')
                .count();
            out.push(Tok::Ident(s.get(i..i + len)?.to_owned()));
            i += len;
        } else {
            let two = s.get(i..i + 2).unwrap_or("");
            let op = ["&&", "||", "==", "!=", "<=", ">="]
                .into_iter()
                .find(|o| *o == two);
            if let Some(op) = op {
                out.push(Tok::Op(op));
                i += 2;
            } else {
                let op = ["!", "<", ">", "(", ")", "[", "]", ",", "."]
                    .into_iter()
                    .find(|o| o.as_bytes().first() == Some(&c))?;
                out.push(Tok::Op(op));
                i += 1;
            }
        }
    }
    Some(out)
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Str(String),
    Int(i64),
    Bool(bool),
    /// Seconds since the epoch (and nanoseconds), from `timestamp()` or `request.time`.
    Time(i64, u32),
    List(Vec<Val>),
    Unknown,
}

struct Parser<'a> {
    toks: &'a [Tok],
    at: usize,
    depth: usize,
    ctx: &'a RequestContext,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn deeper(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn or(&mut self) -> Option<Val> {
        self.deeper()?;
        let mut v = self.and()?;
        while self.eat("||") {
            let r = self.and()?;
            v = tri_val(tri(&v).or(tri(&r)));
        }
        self.depth -= 1;
        Some(v)
    }

    fn and(&mut self) -> Option<Val> {
        let mut v = self.cmp()?;
        while self.eat("&&") {
            let r = self.cmp()?;
            v = tri_val(tri(&v).and(tri(&r)));
        }
        Some(v)
    }

    fn cmp(&mut self) -> Option<Val> {
        let l = self.unary()?;
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if self.eat(op) {
                let r = self.unary()?;
                return Some(compare(op, &l, &r));
            }
        }
        if matches!(self.peek(), Some(Tok::Ident(i)) if i == "in") {
            self.at += 1;
            let r = self.unary()?;
            return Some(match (&l, &r) {
                (Val::Unknown, _) | (_, Val::Unknown) => Val::Unknown,
                (_, Val::List(items)) => {
                    if items.contains(&Val::Unknown) {
                        Val::Unknown
                    } else {
                        Val::Bool(items.contains(&l))
                    }
                }
                _ => Val::Unknown,
            });
        }
        Some(l)
    }

    fn unary(&mut self) -> Option<Val> {
        if self.eat("!") {
            self.deeper()?;
            let v = self.unary()?;
            self.depth -= 1;
            return Some(tri_val(tri(&v).negate()));
        }
        let mut v = self.primary()?;
        // method calls: x.startsWith(s), x.endsWith(s); others are unknown
        while self.eat(".") {
            let Some(Tok::Ident(m)) = self.peek().cloned() else {
                return None;
            };
            self.at += 1;
            let args = if self.eat("(") {
                self.args()?
            } else {
                return None;
            };
            v = match (m.as_str(), &v, args.as_slice()) {
                ("startsWith", Val::Str(s), [Val::Str(p)]) => Val::Bool(s.starts_with(p.as_str())),
                ("endsWith", Val::Str(s), [Val::Str(p)]) => Val::Bool(s.ends_with(p.as_str())),
                _ => Val::Unknown,
            };
        }
        Some(v)
    }

    fn args(&mut self) -> Option<Vec<Val>> {
        let mut out = Vec::new();
        if self.eat(")") {
            return Some(out);
        }
        loop {
            out.push(self.or()?);
            if self.eat(")") {
                return Some(out);
            }
            if !self.eat(",") {
                return None;
            }
        }
    }

    fn primary(&mut self) -> Option<Val> {
        let t = self.peek()?.clone();
        self.at += 1;
        match t {
            Tok::Str(s) => Some(Val::Str(s)),
            Tok::Int(n) => Some(Val::Int(n)),
            Tok::Op("(") => {
                let v = self.or()?;
                self.eat(")").then_some(v)
            }
            Tok::Op("[") => {
                let mut items = Vec::new();
                if self.eat("]") {
                    return Some(Val::List(items));
                }
                loop {
                    items.push(self.or()?);
                    if self.eat("]") {
                        return Some(Val::List(items));
                    }
                    if !self.eat(",") {
                        return None;
                    }
                }
            }
            Tok::Ident(id) => self.ident(id),
            Tok::Op(_) => None,
        }
    }

    /// An identifier: `true`, `false`, `timestamp(…)`, an attribute path
    /// (`request.time`, `resource.name`), or `resource.matchTag(k, v)`.
    fn ident(&mut self, first: String) -> Option<Val> {
        match first.as_str() {
            "true" => return Some(Val::Bool(true)),
            "false" => return Some(Val::Bool(false)),
            "timestamp" if self.eat("(") => {
                let args = self.args()?;
                return Some(match args.as_slice() {
                    [Val::Str(s)] => parse_time(s).map_or(Val::Unknown, |(t, n)| Val::Time(t, n)),
                    _ => Val::Unknown,
                });
            }
            _ => {}
        }
        let mut path = first;
        // extend the path while the next segment is not a call
        while matches!(self.peek(), Some(Tok::Op("."))) {
            let Some(Tok::Ident(seg)) = self.toks.get(self.at + 1).cloned() else {
                return None;
            };
            if matches!(self.toks.get(self.at + 2), Some(Tok::Op("("))) {
                if path == "resource" && seg == "matchTag" {
                    self.at += 3;
                    let args = self.args()?;
                    return Some(match args.as_slice() {
                        [Val::Str(k), Val::Str(v)] => self.tag(k, v),
                        _ => Val::Unknown,
                    });
                }
                break;
            }
            self.at += 2;
            path = format!("{path}.{seg}");
        }
        Some(self.attribute(&path))
    }

    fn attribute(&self, path: &str) -> Val {
        if !matches!(
            path,
            "request.time" | "resource.name" | "resource.type" | "resource.service"
        ) {
            return Val::Unknown;
        }
        match self.ctx.get(path) {
            Lookup::Values([v]) if path == "request.time" => {
                parse_time(v).map_or(Val::Unknown, |(t, n)| Val::Time(t, n))
            }
            Lookup::Values([v]) => Val::Str(v.clone()),
            // absent or several values: a GCP request always has exactly one
            _ => Val::Unknown,
        }
    }

    fn tag(&self, key: &str, value: &str) -> Val {
        match self.ctx.get(&format!("resource.tag/{key}")) {
            Lookup::Values(v) => Val::Bool(v.iter().any(|x| x == value)),
            Lookup::Absent => Val::Bool(false),
            Lookup::Unknown => Val::Unknown,
        }
    }
}

fn tri(v: &Val) -> Tri {
    match v {
        Val::Bool(b) => Tri::from_bool(*b),
        _ => Tri::Unknown,
    }
}

fn tri_val(t: Tri) -> Val {
    if t.is_true() {
        Val::Bool(true)
    } else if t.is_false() {
        Val::Bool(false)
    } else {
        Val::Unknown
    }
}

fn compare(op: &str, l: &Val, r: &Val) -> Val {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (l, r) {
        (Val::Str(a), Val::Str(b)) => Some(a.cmp(b)),
        (Val::Int(a), Val::Int(b)) => Some(a.cmp(b)),
        (Val::Time(a, x), Val::Time(b, y)) => Some((a, x).cmp(&(b, y))),
        (Val::Bool(a), Val::Bool(b)) if matches!(op, "==" | "!=") => Some(a.cmp(b)),
        _ => None,
    };
    let Some(o) = ord else {
        return Val::Unknown;
    };
    Val::Bool(match op {
        "==" => o == Ordering::Equal,
        "!=" => o != Ordering::Equal,
        "<" => o == Ordering::Less,
        "<=" => o != Ordering::Greater,
        ">" => o == Ordering::Greater,
        _ => o != Ordering::Less,
    })
}

/// RFC 3339 (`2020-10-01T00:00:00.000Z`, `…+02:00`) as seconds since the epoch.
fn parse_time(s: &str) -> Option<(i64, u32)> {
    let num = |a: usize, b: usize| -> Option<i64> { s.get(a..b)?.parse().ok() };
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, se) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if s.get(4..5)? != "-" || s.get(7..8)? != "-" || !matches!(s.get(10..11)?, "T" | "t" | " ") {
        return None;
    }
    let mut rest = s.get(19..)?;
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        let f = frac.get(..digits.min(9))?;
        nanos = format!("{f:0<9}").parse().ok()?;
        rest = frac.get(digits..)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    // days from civil (Howard Hinnant's algorithm)
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60 + se - offset, nanos))
}

/// Decides a CEL expression: true, false, or unknown when a form or an attribute is not
/// known (or the expression does not parse, or is too long or deep).
pub fn evaluate(expression: &str, ctx: &RequestContext) -> Tri {
    if expression.len() > MAX_LEN {
        return Tri::Unknown;
    }
    let Some(toks) = lex(expression) else {
        return Tri::Unknown;
    };
    let mut p = Parser {
        toks: &toks,
        at: 0,
        depth: 0,
        ctx,
    };
    match p.or() {
        Some(v) if p.at == toks.len() => tri(&v),
        _ => Tri::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> RequestContext {
        let mut c = RequestContext::new(false);
        for (k, v) in pairs {
            c.insert(k, vec![(*v).to_owned()]);
        }
        c
    }

    #[test]
    fn common_forms_are_decided_with_the_context() {
        let c = ctx(&[
            ("request.time", "2024-06-01T00:00:00Z"),
            ("resource.name", "projects/_/buckets/b/objects/reports/x"),
            ("resource.type", "storage.googleapis.com/Object"),
            ("resource.service", "storage.googleapis.com"),
            ("resource.tag/123/env", "prod"),
        ]);
        let t = |e: &str| evaluate(e, &c);
        assert!(t("request.time < timestamp('2024-10-01T00:00:00.000Z')").is_true());
        assert!(t("request.time < timestamp(\"2024-01-01T00:00:00+02:00\")").is_false());
        assert!(t("resource.name.startsWith('projects/_/buckets/b/objects/reports/')").is_true());
        assert!(t("resource.name.endsWith('.csv')").is_false());
        assert!(
            t("resource.type == 'storage.googleapis.com/Object' && resource.service != 'x'")
                .is_true()
        );
        assert!(t("resource.type in ['a', 'storage.googleapis.com/Object']").is_true());
        assert!(t("!(resource.service == 'storage.googleapis.com') || false").is_false());
        assert!(t("resource.matchTag('123/env', 'prod')").is_true());
        assert!(t("resource.matchTag('123/env', 'dev')").is_false());
        // unknown forms and attributes stay unknown; a known false still decides `&&`
        assert!(t("request.time.getHours('Europe/Berlin') > 9").is_unknown());
        assert!(t("api.getAttribute('x', []) == 1").is_unknown());
        assert!(t("api.getAttribute('x', []) == 1 && false").is_false());
        assert!(
            evaluate(
                "request.time < timestamp('2024-10-01T00:00:00Z')",
                &ctx(&[])
            )
            .is_unknown()
        );
        assert!(t("(((").is_unknown());
        assert!(evaluate(&"(".repeat(10_000), &c).is_unknown());
    }
}
