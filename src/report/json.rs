//! The JSON diff report with a contract (issue 12): the report model as is, plus what a
//! consumer needs without knowing our Rust types. Every finding carries its stable `id`
//! (the same as SARIF's `partialFingerprints`) and `severity_rank` (1 = List … 5 =
//! Permissions management); an absent value is `null`, never an empty string or a missing
//! key. `iamdiff schema diff` prints the JSON Schema of this output
//! (`schemas/diff-report.schema.json`), and a test validates real output against it.

use serde_json::{Map, Value};
use std::io::{self, Write};

use super::diff::DiffReport;
use crate::catalog::AccessLevel;
use crate::diff::findings::Finding;

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

/// Writes the document [`to_value`] builds, streamed: each top-level member, each
/// principal, finding list entry and change is made a value and written on its own, so a
/// report of a hundred thousand findings is never whole in memory (issue 10 Figures). The
/// bytes are `to_writer_pretty` of [`to_value`]'s, keys in the same (sorted) order.
pub fn write(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, w);
    let mut s = Streamer {
        buf: Vec::new(),
        w: &mut w,
    };
    let j = |r: serde_json::Result<Value>| r.map_err(super::json_io);
    s.w.write_all(b"{")?;
    // the members in `Map`'s (sorted) order; `report_url` is never serialized
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
            contract_finding(o, f);
        }
        Ok(v)
    })?;
    // people as serde writes them (an empty list is left out, as the model says)
    if !report.people.is_empty() {
        s.array(false, "people", &report.people, |p| {
            j(serde_json::to_value(p))
        })?;
    }
    s.array(false, "principals", &report.principals, |p| {
        let mut v = j(serde_json::to_value(p))?;
        principal_contract(&mut v, p.findings.iter());
        Ok(v)
    })?;
    s.member(
        false,
        "provenance",
        &j(serde_json::to_value(&report.provenance))?,
    )?;
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
            let v = each(x)?;
            self.value(2, &v)?;
        }
        self.w.write_all(b"\n  ]")
    }
}

/// A principal's value with the contract: `null` for its absent keys and its findings'.
fn principal_contract<'f>(p: &mut Value, mut findings: impl Iterator<Item = &'f Finding>) {
    if let Value::Object(o) = p {
        nulls(o, PRINCIPAL_OPTIONAL);
    }
    if let Some(Value::Array(fs)) = p.get_mut("findings") {
        for slot in fs.iter_mut() {
            if let (Value::Object(o), Some(f)) = (slot, findings.next()) {
                contract_finding(o, f);
            }
        }
    }
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

/// The report as the JSON document `write` prints.
pub fn to_value(report: &DiffReport) -> serde_json::Result<Value> {
    let mut v = serde_json::to_value(report)?;
    let mut findings = report.findings();
    if let Some(Value::Array(ps)) = v.get_mut("principals") {
        for p in ps {
            if let Value::Object(o) = p {
                nulls(o, PRINCIPAL_OPTIONAL);
            }
            if let Some(Value::Array(fs)) = p.get_mut("findings") {
                for slot in fs.iter_mut() {
                    if let (Value::Object(o), Some(f)) = (slot, findings.next()) {
                        contract_finding(o, f);
                    }
                }
            }
        }
    }
    // `general` after `principals`, as `findings()` orders them
    if let Some(Value::Array(fs)) = v.get_mut("general") {
        for slot in fs.iter_mut() {
            if let (Value::Object(o), Some(f)) = (slot, findings.next()) {
                contract_finding(o, f);
            }
        }
    }
    if let Some(Value::Array(cs)) = v.get_mut("changes") {
        for c in cs.iter_mut().filter_map(Value::as_object_mut) {
            for side in ["before", "after"] {
                if let Some(Value::Object(p)) = c.get_mut(side) {
                    nulls(p, PLACE_OPTIONAL);
                }
            }
        }
    }
    if let Some(Value::Array(ws)) = v.get_mut("waivers") {
        for w in ws.iter_mut().filter_map(Value::as_object_mut) {
            nulls(w, WAIVER_STATUS_OPTIONAL);
        }
    }
    for side in ["before", "after"] {
        if let Some(Value::Array(ws)) = v.pointer_mut(&format!("/{side}/warnings")) {
            for p in ws.iter_mut().filter_map(|w| w.get_mut("place")) {
                if let Value::Object(o) = p {
                    nulls(o, PLACE_OPTIONAL);
                }
            }
        }
    }
    Ok(v)
}

/// Reads a JSON report back into the model (the inverse of `write`).
pub fn from_str(text: &str) -> serde_json::Result<DiffReport> {
    let mut v: Value = serde_json::from_str(text)?;
    let mut undo = |f: &mut Value| {
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
    if let Some(Value::Array(ps)) = v.get_mut("principals") {
        for p in ps {
            if let Some(Value::Array(fs)) = p.get_mut("findings") {
                fs.iter_mut().for_each(&mut undo);
            }
        }
    }
    if let Some(Value::Array(fs)) = v.get_mut("general") {
        fs.iter_mut().for_each(&mut undo);
    }
    serde_json::from_value(v)
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

fn contract_finding(o: &mut Map<String, Value>, f: &Finding) {
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
            if let Some(Value::Array(rs)) = s.get_mut("routes") {
                for r in rs.iter_mut().filter_map(Value::as_object_mut) {
                    nulls(r, ROUTE_OPTIONAL);
                }
            }
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
