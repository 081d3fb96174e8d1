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

pub fn write(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let v = to_value(report).map_err(super::json_io)?;
    serde_json::to_writer_pretty(&mut *w, &v).map_err(super::json_io)?;
    writeln!(w)
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
