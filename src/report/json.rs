//! The JSON diff report with a contract (issue 12): the report model as is, plus what a
//! consumer needs without knowing our Rust types. Every finding carries its stable `id`
//! (the same as SARIF's `partialFingerprints`) and `severity_rank` (1 = List … 5 =
//! Permissions management); an absent value is `null`, never an empty string or a missing
//! key. `iamdiff schema diff` prints the JSON Schema of this output
//! (`schemas/diff-report.schema.json`), and a test validates real output against it.

use rayon::prelude::*;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::{self, Write};

use super::diff::DiffReport;
use crate::catalog::AccessLevel;
use crate::diff::findings::{Finding, Route};
use crate::diff::outcome::PrincipalDiff;
use crate::diff::people::PersonDiff;

/// Keys that are `null` when absent, per object kind.
const FINDING_OPTIONAL: &[&str] = &["witness", "waived"];
const PRINCIPAL_OPTIONAL: &[&str] = &["before_name", "arn_before", "arn_after"];
const ROUTE_OPTIONAL: &[&str] = &["policy_arn", "version", "pointer"];
const WAIVER_REF_OPTIONAL: &[&str] = &["expires"];
const WAIVER_STATUS_OPTIONAL: &[&str] = &["resource", "expires"];
const PLACE_OPTIONAL: &[&str] = &["line", "column", "pointer"];
/// String keys whose empty value means "none": `null` in JSON.
const FINDING_EMPTY_IS_NULL: &[&str] = &["service"];
const SIDE_EMPTY_IS_NULL: &[&str] = &["status"];

/// Every distinct route once and every distinct list of routes once (issue 10 Figures: a
/// person's findings each repeated the route of every account, 133 MB of 220): a finding's
/// side names its list by `route_set`, an index into `route_sets`, whose entries are
/// indices into `routes`. Numbered in document order (`general`, `people`, `principals`;
/// before, then after), so the same report always gets the same numbers.
#[derive(Default)]
struct RouteTables<'r> {
    routes: Vec<&'r Route>,
    route_at: HashMap<&'r Route, usize>,
    sets: Vec<Vec<usize>>,
    set_at: HashMap<&'r [Route], usize>,
}

impl<'r> RouteTables<'r> {
    fn new(report: &'r DiffReport) -> Self {
        let mut t = RouteTables::default();
        for f in document_findings(report) {
            t.intern(&f.before.routes);
            t.intern(&f.after.routes);
        }
        t
    }

    fn intern(&mut self, list: &'r [Route]) {
        if self.set_at.contains_key(list) {
            return;
        }
        let ids = list
            .iter()
            .map(|r| {
                let next = self.routes.len();
                *self.route_at.entry(r).or_insert_with(|| {
                    self.routes.push(r);
                    next
                })
            })
            .collect();
        self.set_at.insert(list, self.sets.len());
        self.sets.push(ids);
    }

    /// The index of a list interned by [`RouteTables::new`].
    fn set(&self, list: &[Route]) -> usize {
        self.set_at.get(list).copied().unwrap_or(0)
    }
}

/// The report's findings in the order the document lists them.
fn document_findings(report: &DiffReport) -> impl Iterator<Item = &Finding> {
    report
        .general
        .iter()
        .chain(report.people.iter().flat_map(|p| &p.diff.findings))
        .chain(report.principals.iter().flat_map(|p| &p.findings))
}

/// The members `write` adds to serde's: the route tables.
pub const ADDED_MEMBERS: &[&str] = &["route_sets", "routes"];

/// Writes the JSON document, streamed: each top-level member, each principal, person,
/// finding list entry and change is made a value and written on its own, so a report of a
/// hundred thousand findings is never whole in memory (issue 10 Figures). The members are
/// serde's of [`DiffReport`] (a test holds the list to it) plus [`ADDED_MEMBERS`], in
/// sorted order; `report_url` and `docs_url` are never serialized.
pub fn write(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, w);
    let mut s = Streamer {
        buf: Vec::new(),
        w: &mut w,
    };
    let t = RouteTables::new(report);
    let j = |r: serde_json::Result<Value>| r.map_err(super::json_io);
    s.w.write_all(b"{")?;
    let mut after = j(serde_json::to_value(&report.after))?;
    warning_nulls(&mut after);
    s.member(true, "after", &after)?;
    let mut before = j(serde_json::to_value(&report.before))?;
    warning_nulls(&mut before);
    s.member(false, "before", &before)?;
    s.member(false, "catalog", &Value::from(report.catalog.as_str()))?;
    s.array(false, "changes", &report.changes, |c| {
        let mut v = j(serde_json::to_value(c))?;
        change_nulls(&mut v);
        Ok(v)
    })?;
    s.member(false, "gate", &j(serde_json::to_value(&report.gate))?)?;
    s.array(false, "general", &report.general, |f| {
        let mut v = j(serde_json::to_value(f))?;
        if let Value::Object(o) = &mut v {
            contract_finding(o, f, &t);
        }
        Ok(v)
    })?;
    // people as the model says: an empty list is left out
    if !report.people.is_empty() {
        s.array_bytes(false, "people", &report.people, |out, p| person(out, p, &t))?;
    }
    s.array_bytes(false, "principals", &report.principals, |out, p| {
        principal(out, p, &t)
    })?;
    s.member(
        false,
        "provenance",
        &j(serde_json::to_value(&report.provenance))?,
    )?;
    s.array(false, "route_sets", &t.sets, |ids| {
        Ok(Value::from(ids.clone()))
    })?;
    s.array(false, "routes", &t.routes, |r| {
        let mut v = j(serde_json::to_value(r))?;
        if let Value::Object(o) = &mut v {
            nulls(o, ROUTE_OPTIONAL);
        }
        Ok(v)
    })?;
    s.member(false, "schema", &Value::from(report.schema.as_str()))?;
    s.member(false, "summary", &j(serde_json::to_value(&report.summary))?)?;
    s.member(false, "tool", &Value::from(report.tool.as_str()))?;
    s.array(false, "waivers", &report.waivers, |x| {
        let mut v = j(serde_json::to_value(x))?;
        if let Value::Object(o) = &mut v {
            nulls(o, WAIVER_STATUS_OPTIONAL);
        }
        Ok(v)
    })?;
    s.w.write_all(b"\n}\n")?;
    w.flush()
}

/// How many principals (or people) are written at a time in parallel: their buffers
/// are the memory a batch holds (a GCP member with thousands of permissions is ~100 KB).
const PARALLEL_BATCH: usize = 64;

/// Writes pretty JSON values at a depth, as `to_writer_pretty` of the whole would.
struct Streamer<'w, W: Write> {
    buf: Vec<u8>,
    w: &'w mut W,
}

impl<W: Write> Streamer<'_, W> {
    /// `value` pretty-printed, each of its lines after the first indented `depth` levels
    /// (a JSON string never holds a raw newline, so every newline is a line break).
    fn value(&mut self, depth: usize, value: &Value) -> io::Result<()> {
        self.buf.clear();
        serde_json::to_writer_pretty(&mut self.buf, value).map_err(super::json_io)?;
        let mut lines = self.buf.split(|&b| b == b'\n');
        if let Some(first) = lines.next() {
            self.w.write_all(first)?;
        }
        for line in lines {
            self.w.write_all(b"\n")?;
            for _ in 0..depth {
                self.w.write_all(b"  ")?;
            }
            self.w.write_all(line)?;
        }
        Ok(())
    }

    /// `"key": value` as a member of the top-level object.
    fn member(&mut self, first: bool, key: &str, value: &Value) -> io::Result<()> {
        self.key(first, key)?;
        self.value(1, value)
    }

    fn key(&mut self, first: bool, key: &str) -> io::Result<()> {
        if !first {
            self.w.write_all(b",")?;
        }
        self.w.write_all(b"\n  ")?;
        serde_json::to_writer(&mut *self.w, key).map_err(super::json_io)?;
        self.w.write_all(b": ")
    }

    /// `"key": [ … ]` with each element made a value by `each` only when it is written.
    fn array<T>(
        &mut self,
        first: bool,
        key: &str,
        items: &[T],
        mut each: impl FnMut(&T) -> io::Result<Value>,
    ) -> io::Result<()> {
        self.array_with(first, key, items, |s, x| {
            let v = each(x)?;
            s.value(2, &v)
        })
    }

    /// `"key": [ … ]` with each element written (at depth 2) by `each` into a buffer of
    /// its own, a batch of elements at a time in parallel and written in order: the
    /// principals of a large report are most of its bytes, and the render's last format
    /// kept one core busy while the other had finished (same bytes as one by one).
    fn array_bytes<T: Sync>(
        &mut self,
        first: bool,
        key: &str,
        items: &[T],
        each: impl Fn(&mut Vec<u8>, &T) -> io::Result<()> + Sync,
    ) -> io::Result<()> {
        self.key(first, key)?;
        if items.is_empty() {
            return self.w.write_all(b"[]");
        }
        self.w.write_all(b"[")?;
        for (c, batch) in items.chunks(PARALLEL_BATCH).enumerate() {
            let written: Vec<io::Result<Vec<u8>>> = batch
                .par_iter()
                .map(|x| {
                    let mut out = Vec::new();
                    each(&mut out, x)?;
                    Ok(out)
                })
                .collect();
            for (n, out) in written.into_iter().enumerate() {
                if c > 0 || n > 0 {
                    self.w.write_all(b",")?;
                }
                self.w.write_all(b"\n    ")?;
                self.w.write_all(&out?)?;
            }
        }
        self.w.write_all(b"\n  ]")
    }

    /// `"key": [ … ]`, each element written at its place by `write`.
    fn array_with<T>(
        &mut self,
        first: bool,
        key: &str,
        items: &[T],
        mut write: impl FnMut(&mut Self, &T) -> io::Result<()>,
    ) -> io::Result<()> {
        self.key(first, key)?;
        if items.is_empty() {
            return self.w.write_all(b"[]");
        }
        self.w.write_all(b"[")?;
        for (n, x) in items.iter().enumerate() {
            if n > 0 {
                self.w.write_all(b",")?;
            }
            self.w.write_all(b"\n    ")?;
            write(self, x)?;
        }
        self.w.write_all(b"\n  ]")
    }
}

/// `value` pretty-printed as `to_writer_pretty` of a document holding it `depth` levels
/// deep prints it (a JSON string never holds a raw newline, so every newline is a line
/// break).
fn pretty_at(out: &mut Vec<u8>, depth: usize, value: &impl serde::Serialize) -> io::Result<()> {
    let mut tmp = Vec::new();
    serde_json::to_writer_pretty(&mut tmp, value).map_err(super::json_io)?;
    let mut lines = tmp.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.extend_from_slice(first);
    }
    for line in lines {
        newline(out, depth);
        out.extend_from_slice(line);
    }
    Ok(())
}

/// A line break and `depth` levels of indentation.
fn newline(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    for _ in 0..depth {
        out.extend_from_slice(b"  ");
    }
}

/// A scalar (string, number, bool, unit variant) as JSON: compact and pretty agree.
fn scalar(out: &mut Vec<u8>, v: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(super::json_io)
}

/// Writes the members of a pretty JSON object, keys given in sorted order.
struct Obj<'o> {
    out: &'o mut Vec<u8>,
    depth: usize,
    first: bool,
}

impl<'o> Obj<'o> {
    fn open(out: &'o mut Vec<u8>, depth: usize) -> Self {
        out.push(b'{');
        Obj {
            out,
            depth,
            first: true,
        }
    }

    /// `"key": ` on its own line; the value is the caller's to write.
    fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        newline(self.out, self.depth + 1);
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\": ");
        self.out
    }

    fn scalar(&mut self, key: &str, v: &impl serde::Serialize) -> io::Result<()> {
        scalar(self.key(key), v)
    }

    fn strings(&mut self, key: &str, list: &[String]) -> io::Result<()> {
        let depth = self.depth + 1;
        strings(self.key(key), depth, list)
    }

    fn close(self) {
        if self.first {
            self.out.push(b'}');
        } else {
            newline(self.out, self.depth);
            self.out.push(b'}');
        }
    }
}

/// A list of strings, pretty, at `depth`.
fn strings(out: &mut Vec<u8>, depth: usize, list: &[String]) -> io::Result<()> {
    if list.is_empty() {
        out.extend_from_slice(b"[]");
        return Ok(());
    }
    out.push(b'[');
    for (n, x) in list.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        newline(out, depth + 1);
        scalar(out, x)?;
    }
    newline(out, depth);
    out.push(b']');
    Ok(())
}

/// A principal of `principals` at depth 2, its findings written directly (issue 10
/// Figures: a GCP report lists millions of permissions, too many to make values of):
/// the same bytes as its value with the contract, pretty-printed.
fn principal(out: &mut Vec<u8>, p: &PrincipalDiff, t: &RouteTables<'_>) -> io::Result<()> {
    let mut v = serde_json::to_value(bare(p)).map_err(super::json_io)?;
    let Value::Object(o) = &mut v else {
        return pretty_at(out, 2, &v);
    };
    nulls(o, PRINCIPAL_OPTIONAL);
    members_with_findings(out, o, &p.findings, t)
}

/// A person of `people` at depth 2, written as [`principal`] writes a principal: the
/// same bytes as its value with the contract of each finding, pretty-printed (a person's
/// value has no `null`s for its absent keys: the model's serialization, as before).
fn person(out: &mut Vec<u8>, p: &PersonDiff, t: &RouteTables<'_>) -> io::Result<()> {
    let shell = PersonDiff {
        diff: bare(&p.diff),
        paths: p.paths.clone(),
        sides: p.sides,
    };
    let v = serde_json::to_value(&shell).map_err(super::json_io)?;
    let Value::Object(o) = &v else {
        return pretty_at(out, 2, &v);
    };
    members_with_findings(out, o, &p.diff.findings, t)
}

/// A principal diff without its findings.
fn bare(p: &PrincipalDiff) -> PrincipalDiff {
    PrincipalDiff {
        kind: p.kind.clone(),
        account: p.account.clone(),
        name: p.name.clone(),
        before_name: p.before_name.clone(),
        arn_before: p.arn_before.clone(),
        arn_after: p.arn_after.clone(),
        status: p.status,
        counts: p.counts,
        max_severity: p.max_severity,
        fails_gate: p.fails_gate,
        findings: Vec::new(),
    }
}

/// The members of an object at depth 2 in key order, its `findings` written one by one
/// with the contract (see [`finding`]).
fn members_with_findings(
    out: &mut Vec<u8>,
    o: &Map<String, Value>,
    findings: &[Finding],
    t: &RouteTables<'_>,
) -> io::Result<()> {
    let mut obj = Obj::open(out, 2);
    for (k, x) in o.iter() {
        if k == "findings" {
            let out = obj.key(k);
            if findings.is_empty() {
                out.extend_from_slice(b"[]");
                continue;
            }
            out.push(b'[');
            for (n, f) in findings.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                newline(out, 4);
                finding(out, 4, f, t)?;
            }
            newline(out, 3);
            out.push(b']');
        } else {
            pretty_at(obj.key(k), 3, x)?;
        }
    }
    obj.close();
    Ok(())
}

/// A finding with the contract at `depth`: written member by member in key order, as its
/// value would print; a finding with a waiver or lint notes goes through its value.
fn finding(out: &mut Vec<u8>, depth: usize, f: &Finding, t: &RouteTables<'_>) -> io::Result<()> {
    if f.waived.is_some() || !f.lint.is_empty() {
        let mut v = serde_json::to_value(f).map_err(super::json_io)?;
        if let Value::Object(o) = &mut v {
            contract_finding(o, f, t);
        }
        return pretty_at(out, depth, &v);
    }
    let side = |out: &mut Vec<u8>, s: &crate::diff::findings::Side| -> io::Result<()> {
        let mut o = Obj::open(out, depth + 1);
        o.strings("conditions", &s.conditions)?;
        o.strings("resources", &s.resources)?;
        o.scalar("route_set", &t.set(&s.routes))?;
        if s.status.is_empty() {
            o.key("status").extend_from_slice(b"null");
        } else {
            o.scalar("status", &s.status)?;
        }
        o.close();
        Ok(())
    };
    let mut o = Obj::open(out, depth);
    o.strings("actions", &f.actions)?;
    side(o.key("after"), &f.after)?;
    side(o.key("before"), &f.before)?;
    o.scalar("category", &f.category)?;
    o.strings("causes", &f.causes)?;
    o.scalar("code", &f.code)?;
    o.scalar("fails_gate", &f.fails_gate)?;
    o.scalar("id", &finding_id(f))?;
    o.scalar("message", &f.message)?;
    o.scalar("pairs", &f.pairs)?;
    if !f.parts.is_empty() {
        let out = o.key("parts");
        out.push(b'[');
        for (n, part) in f.parts.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            newline(out, depth + 2);
            let mut po = Obj::open(out, depth + 2);
            po.strings("actions", &part.actions)?;
            if let Some(r) = &part.after_resources {
                po.strings("after_resources", r)?;
            }
            if let Some(r) = &part.before_resources {
                po.strings("before_resources", r)?;
            }
            po.scalar("pairs", &part.pairs)?;
            po.scalar("service", &part.service)?;
            po.scalar("severity", &part.severity)?;
            po.close();
        }
        newline(out, depth + 1);
        out.push(b']');
    }
    o.scalar("principal", &f.principal)?;
    o.scalar("principal_kind", &f.principal_kind)?;
    if f.service.is_empty() {
        o.key("service").extend_from_slice(b"null");
    } else {
        o.scalar("service", &f.service)?;
    }
    o.scalar("severity", &f.severity)?;
    o.scalar("severity_rank", &severity_rank(f.severity))?;
    o.key("waived").extend_from_slice(b"null");
    o.scalar("witness", &f.witness)?;
    o.close();
    Ok(())
}

/// A change's places with `null` for their absent keys.
fn change_nulls(c: &mut Value) {
    if let Some(c) = c.as_object_mut() {
        for side in ["before", "after"] {
            if let Some(Value::Object(p)) = c.get_mut(side) {
                nulls(p, PLACE_OPTIONAL);
            }
        }
    }
}

/// A side's warnings' places with `null` for their absent keys.
fn warning_nulls(side: &mut Value) {
    if let Some(Value::Array(ws)) = side.get_mut("warnings") {
        for p in ws.iter_mut().filter_map(|w| w.get_mut("place")) {
            if let Value::Object(o) = p {
                nulls(o, PLACE_OPTIONAL);
            }
        }
    }
}

/// The report as the JSON document `write` prints (written, then read back: for tests
/// and small reports).
pub fn to_value(report: &DiffReport) -> serde_json::Result<Value> {
    let mut buf = Vec::new();
    write(report, &mut buf).map_err(serde_json::Error::io)?;
    serde_json::from_slice(&buf)
}

/// Reads a JSON report back into the model (the inverse of `write`).
pub fn from_str(text: &str) -> serde_json::Result<DiffReport> {
    let mut v: Value = serde_json::from_str(text)?;
    inline_routes(&mut v);
    let undo = |f: &mut Value| {
        if let Value::Object(o) = f {
            for k in FINDING_EMPTY_IS_NULL {
                empty_for_null(o, k);
            }
            for side in ["before", "after"] {
                if let Some(Value::Object(s)) = o.get_mut(side) {
                    for k in SIDE_EMPTY_IS_NULL {
                        empty_for_null(s, k);
                    }
                }
            }
        }
    };
    for_each_finding(&mut v, undo);
    serde_json::from_value(v)
}

/// A JSON report with each finding side's `route_set` replaced by its `routes` (the
/// list of route objects it stands for) and the tables removed: the report as it was
/// before routes were listed once (`iamdiff/diff/v2`), for a consumer that wants them
/// inline.
pub fn inline_routes(v: &mut Value) {
    let (sets, routes) = match v {
        Value::Object(o) => (
            o.remove("route_sets").unwrap_or(Value::Null),
            o.remove("routes").unwrap_or(Value::Null),
        ),
        _ => return,
    };
    let expand = |n: &Value| -> Value {
        let ids = n
            .as_u64()
            .and_then(|n| sets.get(usize::try_from(n).ok()?))
            .and_then(Value::as_array);
        Value::Array(
            ids.into_iter()
                .flatten()
                .filter_map(|i| routes.get(usize::try_from(i.as_u64()?).ok()?).cloned())
                .collect(),
        )
    };
    for_each_finding(v, |f| {
        for side in ["before", "after"] {
            if let Some(Value::Object(s)) = f.get_mut(side)
                && let Some(n) = s.remove("route_set")
            {
                s.insert("routes".to_owned(), expand(&n));
            }
        }
    });
}

/// Calls `each` on every finding of a JSON report: principals', people's and general.
fn for_each_finding(v: &mut Value, mut each: impl FnMut(&mut Value)) {
    for list in ["principals", "people"] {
        if let Some(Value::Array(ps)) = v.get_mut(list) {
            for p in ps {
                if let Some(Value::Array(fs)) = p.get_mut("findings") {
                    fs.iter_mut().for_each(&mut each);
                }
            }
        }
    }
    if let Some(Value::Array(fs)) = v.get_mut("general") {
        fs.iter_mut().for_each(&mut each);
    }
}

/// 1 = List … 5 = Permissions management: severities compare as numbers.
pub fn severity_rank(level: AccessLevel) -> u8 {
    match level {
        AccessLevel::List => 1,
        AccessLevel::Read => 2,
        AccessLevel::Tagging => 3,
        AccessLevel::Write => 4,
        AccessLevel::PermissionsManagement => 5,
    }
}

/// The finding's stable id: the same hex as SARIF's `partialFingerprints`.
pub fn finding_id(f: &Finding) -> String {
    format!("{:016x}", super::sarif::fingerprint(f))
}

fn contract_finding(o: &mut Map<String, Value>, f: &Finding, t: &RouteTables<'_>) {
    o.insert("id".to_owned(), Value::String(finding_id(f)));
    o.insert(
        "severity_rank".to_owned(),
        Value::from(severity_rank(f.severity)),
    );
    nulls(o, FINDING_OPTIONAL);
    for k in FINDING_EMPTY_IS_NULL {
        null_for_empty(o, k);
    }
    if let Some(Value::Object(w)) = o.get_mut("waived") {
        nulls(w, WAIVER_REF_OPTIONAL);
    }
    for side in ["before", "after"] {
        if let Some(Value::Object(s)) = o.get_mut(side) {
            for k in SIDE_EMPTY_IS_NULL {
                null_for_empty(s, k);
            }
            s.entry("conditions")
                .or_insert_with(|| Value::Array(Vec::new()));
            let routes = if side == "before" {
                &f.before.routes
            } else {
                &f.after.routes
            };
            s.remove("routes");
            s.insert("route_set".to_owned(), Value::from(t.set(routes)));
        }
    }
}

fn nulls(o: &mut Map<String, Value>, keys: &[&str]) {
    for k in keys {
        o.entry(*k).or_insert(Value::Null);
    }
}

fn null_for_empty(o: &mut Map<String, Value>, key: &str) {
    if let Some(v) = o.get_mut(key).filter(|v| v.as_str() == Some("")) {
        *v = Value::Null;
    }
}

fn empty_for_null(o: &mut Map<String, Value>, key: &str) {
    if let Some(v) = o.get_mut(key).filter(|v| v.is_null()) {
        *v = Value::String(String::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::findings::{Code, FindingPart, Side};

    /// Every field of a finding set, so that a field the direct writer does not know
    /// shows up as a difference.
    fn full(service: &str, status: &str, witness: Option<&str>, parts: bool) -> Finding {
        let side = |r: &[&str]| Side {
            status: status.to_owned(),
            resources: r.iter().map(|s| (*s).to_owned()).collect(),
            conditions: vec!["aws:SecureTransport Bool \"true\"".into()],
            routes: Vec::new(),
        };
        Finding {
            code: Code::Lost,
            category: Code::Lost.category(),
            severity: AccessLevel::Write,
            principal_kind: "role".into(),
            principal: "ci \"deploy\"\tbot".into(),
            service: service.to_owned(),
            actions: vec!["s3:GetObject".into(), "s3:PutObject".into()],
            pairs: 3,
            witness: witness.map(str::to_owned),
            message: "lost `s3` writes — ünïcode\nand a newline".into(),
            before: side(&["arn:aws:s3:::b/*"]),
            after: side(&[]),
            waived: None,
            fails_gate: true,
            causes: vec!["c1".into()],
            lint: Vec::new(),
            parts: if parts {
                vec![
                    FindingPart {
                        service: "s3".into(),
                        actions: vec!["s3:GetObject".into()],
                        pairs: 1,
                        severity: AccessLevel::Read,
                        before_resources: Some(vec!["arn:aws:s3:::b/*".into()]),
                        after_resources: None,
                    },
                    FindingPart {
                        service: "s3".into(),
                        actions: Vec::new(),
                        pairs: 2,
                        severity: AccessLevel::Write,
                        before_resources: None,
                        after_resources: Some(Vec::new()),
                    },
                ]
            } else {
                Vec::new()
            },
        }
    }

    // issue 10: the JSON report writes findings member by member for speed; it must print
    // the very bytes of the finding's value with the contract, whatever the finding holds
    #[test]
    fn direct_finding_writer_prints_the_contract_value() {
        let t = RouteTables::default();
        for f in [
            full("s3", "allowed", Some("arn:aws:s3:::b/x"), true),
            full("", "", None, false),
            full("s3", "", Some(""), false),
        ] {
            let mut direct = Vec::new();
            finding(&mut direct, 4, &f, &t).unwrap();
            let mut v = serde_json::to_value(&f).unwrap();
            if let Value::Object(o) = &mut v {
                contract_finding(o, &f, &t);
            }
            let mut via_value = Vec::new();
            pretty_at(&mut via_value, 4, &v).unwrap();
            assert_eq!(
                String::from_utf8(direct).unwrap(),
                String::from_utf8(via_value).unwrap()
            );
        }
    }
}
