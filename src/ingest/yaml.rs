//! YAML inputs (SCP files, context files; later CloudFormation), and the only file that
//! names the YAML crate, so it can be swapped (for a saphyr-based loader, say) without
//! touching the readers.
//!
//! YAML is turned into equivalent JSON text, keys in input order, and then read by the
//! same code as JSON, so both formats get the same checks (duplicate keys, shapes,
//! policy grammar). The YAML parser itself rejects duplicate keys and anchor bombs;
//! YAML 1.2 keeps `2012-10-17`, `012345678901` and `yes` as strings, as IAM needs.
//! Tags (`!Ref`) mean nothing in these files and are rejected with their place.
//! CloudFormation templates are the exception: [`cfn_to_json`] reads their short-form
//! tags (`!Ref`, `!Sub`, `!GetAtt`...) into the long-form objects JSON templates use.

use serde_yaml::Value;
use std::sync::Arc;

use super::IngestError;
use super::err::escape_token;
use super::source::Text;
use crate::model::Place;

mod scan;

pub(crate) use scan::MAX_DEPTH;

/// Rejects text whose lists and mappings nest deeper than [`MAX_DEPTH`], at the place it
/// goes past, in time linear in its length. Every YAML text is checked before the YAML
/// parser sees it, whose cost grows with the square of the nesting; JSON nests the same
/// way, so [`read_source`](super::read_source) checks every input with it.
///
/// JSON-shaped text takes a fast path ([`scan::json_within_limit`]); only when that cannot
/// vouch for the text does the full YAML outline run, so its errors are unchanged.
pub(crate) fn check_nesting(file: &Arc<str>, bytes: &[u8]) -> Result<(), IngestError> {
    if scan::json_within_limit(bytes) {
        return Ok(());
    }
    outline(file, bytes).map(|_| ())
}

fn outline(file: &Arc<str>, bytes: &[u8]) -> Result<scan::Outline, IngestError> {
    scan::scan(bytes).map_err(|e| {
        IngestError::new(
            Text::new(file, bytes).place_at(Some(e.at), None),
            format!("lists and mappings nest more than {MAX_DEPTH} levels deep here"),
        )
        .with_help(format!(
            "expected at most {MAX_DEPTH} levels of nested lists and mappings; no IAM input needs more"
        ))
    })
}

/// Parses YAML text into a value, after [`check_nesting`]. Every error is placed: the
/// parser's own position, or for errors it gives none (a second document, an alias
/// bomb), the place the pre-scan found.
fn load(file: &Arc<str>, bytes: &[u8]) -> Result<Value, IngestError> {
    let found = outline(file, bytes)?;
    serde_yaml::from_slice(bytes).map_err(|e| yaml_error(file, bytes, &found, &e))
}

/// Checks that YAML text is one well-formed document (placed errors for syntax, a second
/// document, alias bombs), for files other layers deserialize themselves (map, waivers).
pub(crate) fn check_document(file: &Arc<str>, bytes: &[u8]) -> Result<(), IngestError> {
    load(file, bytes).map(|_| ())
}

/// YAML text → equivalent JSON text. Errors carry the YAML line:column, or the JSON
/// pointer of the offending value.
pub(crate) fn to_json(file: &Arc<str>, bytes: &[u8]) -> Result<String, IngestError> {
    let value = load(file, bytes)?;
    let mut out = String::new();
    let mut pointer = String::new();
    write_json(&value, &mut out, &mut pointer, Tags::Reject).map_err(|message| {
        IngestError::new(Place::pointer(file.clone(), pointer.clone()), message)
    })?;
    Ok(out)
}

/// What a YAML tag means in the file being converted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tags {
    /// Tags mean nothing here (SCP and context files): an error with its place.
    Reject,
    /// CloudFormation short forms: `!Ref X` → `{"Ref": "X"}`, `!Sub` → `{"Fn::Sub": ..}`.
    CloudFormation,
}

/// Writes `v` as JSON; on error, `pointer` is left at the offending value.
fn write_json(v: &Value, out: &mut String, pointer: &mut String, tags: Tags) -> Result<(), String> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_nan() || n.is_infinite() {
                return Err(format!("`{n}` is not a number JSON can hold"));
            }
            out.push_str(&serde_json::to_string(n).map_err(|e| e.to_string())?);
        }
        Value::String(s) => push_str(out, s),
        Value::Sequence(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                write_json(item, out, pointer, tags)?;
                pointer.truncate(len);
            }
            out.push(']');
        }
        Value::Mapping(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let key = match k {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => return Err("a mapping key must be a string".to_owned()),
                };
                push_str(out, &key);
                out.push(':');
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_token(&key));
                write_json(item, out, pointer, tags)?;
                pointer.truncate(len);
            }
            out.push('}');
        }
        Value::Tagged(t) if tags == Tags::CloudFormation => write_cfn_tag(t, out, pointer)?,
        Value::Tagged(t) => {
            return Err(format!(
                "YAML tag `{}` is not supported in this file",
                t.tag
            ));
        }
    }
    Ok(())
}

fn push_str(out: &mut String, s: &str) {
    // Serializing a string cannot fail; an empty string is the harmless fallback.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()));
}

/// CloudFormation YAML → the equivalent long-form JSON text, keys in input order, the
/// way AWS's `cfn-flip` reads short-form tags: `!Ref X` → `{"Ref": "X"}`, `!Condition X`
/// → `{"Condition": "X"}`, any other `!X v` → `{"Fn::X": v}`, and a scalar `!GetAtt A.B`
/// → `{"Fn::GetAtt": ["A", "B"]}` (split on the first dot; attribute names may hold
/// dots). Afterwards YAML and JSON templates are read by the same code. Errors carry the
/// YAML line:column, or the JSON pointer of the offending value.
pub(crate) fn cfn_to_json(file: &Arc<str>, bytes: &[u8]) -> Result<String, IngestError> {
    let value = load(file, bytes)?;
    let mut out = String::new();
    let mut pointer = String::new();
    write_json(&value, &mut out, &mut pointer, Tags::CloudFormation).map_err(|message| {
        IngestError::new(Place::pointer(file.clone(), pointer.clone()), message)
    })?;
    Ok(out)
}

/// The long-form key of a short-form tag (`!Ref` → `Ref`, `!Sub` → `Fn::Sub`).
pub(crate) fn cfn_tag_key(tag: &str) -> String {
    let name = tag.trim_start_matches('!');
    match name {
        "Ref" | "Condition" => name.to_owned(),
        _ => format!("Fn::{name}"),
    }
}

/// A short-form tag as its long-form object (`!GetAtt A.B` splits on the first dot).
fn write_cfn_tag(
    t: &serde_yaml::value::TaggedValue,
    out: &mut String,
    pointer: &mut String,
) -> Result<(), String> {
    let key = cfn_tag_key(&t.tag.to_string());
    out.push('{');
    push_str(out, &key);
    out.push(':');
    let len = pointer.len();
    pointer.push('/');
    pointer.push_str(&escape_token(&key));
    match (&t.value, key.as_str()) {
        (Value::String(s), "Fn::GetAtt") => {
            out.push('[');
            match s.split_once('.') {
                Some((resource, attribute)) => {
                    push_str(out, resource);
                    out.push(',');
                    push_str(out, attribute);
                }
                None => push_str(out, s),
            }
            out.push(']');
        }
        (inner, _) => write_json(inner, out, pointer, Tags::CloudFormation)?,
    }
    pointer.truncate(len);
    out.push('}');
    Ok(())
}

// ---------------------------------------------------------------------------------------
// A value tree for readers that check shapes themselves (provisioner configs, level
// definitions, memberships), and the place of any node of it.

/// A YAML value, keys in input order. Numbers keep the text they were written with, so
/// an account id or a tenant written without quotes reads back exactly.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// What kind of value this is, for messages (`a list`, `a string`, ...).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Number(_) => "a number",
            Node::String(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }

    /// A scalar as text (`true`, `10`, `abc`); `None` for null, lists and mappings.
    pub(crate) fn scalar(&self) -> Option<String> {
        match self {
            Node::Bool(b) => Some(b.to_string()),
            Node::Number(n) => Some(n.clone()),
            Node::String(s) => Some(s.clone()),
            Node::Null | Node::Seq(_) | Node::Map(_) => None,
        }
    }

    /// The node as JSON text, keys in input order.
    pub(crate) fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Node::Null => out.push_str("null"),
            Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Node::Number(n) => out.push_str(n),
            Node::String(s) => push_str(out, s),
            Node::Seq(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Node::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_str(out, k);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

/// YAML (or JSON, which YAML 1.2 contains) text → a [`Node`] tree. Syntax errors,
/// duplicate keys and tags are errors with their line:column.
pub(crate) fn parse_tree(file: &Arc<str>, bytes: &[u8]) -> Result<Node, IngestError> {
    let value = load(file, bytes)?;
    let mut pointer = String::new();
    tree_of(&value, &mut pointer)
        .map_err(|message| IngestError::new(place_of(file, bytes, &pointer, false), message))
}

/// A YAML parser error placed at its line:column; errors the parser gives no position
/// are placed with what the pre-scan found.
fn yaml_error(
    file: &Arc<str>,
    bytes: &[u8],
    found: &scan::Outline,
    e: &serde_yaml::Error,
) -> IngestError {
    let text = Text::new(file, bytes);
    let Some(loc) = e.location() else {
        let message = e.to_string();
        return if message.contains("more than one document") {
            match found.second_document {
                Some(at) => IngestError::new(
                    text.place_at(Some(at), None),
                    "invalid YAML: a second document starts here",
                ),
                // the parser saw a second document where no `---` marks one (text after
                // the first node, e.g. `&a,`): placed at the end of the text it read
                None => IngestError::new(
                    text.place_at(Some(bytes.len()), None),
                    "invalid YAML: text after the first document, which ends before here",
                ),
            }
            .with_help("expected one YAML document; put each in its own file")
        } else if message.contains("repetition limit") {
            IngestError::new(
                text.place_at(found.first_alias, None),
                format!(
                    "invalid YAML: its {} alias{} repeat more nodes than the file holds a hundred \
                     times over (an alias bomb); the first is here",
                    found.aliases,
                    if found.aliases == 1 { "" } else { "es" }
                ),
            )
            .with_help("expected aliases (`*name`) that repeat a few nodes, not millions")
        } else if message.contains("EOF") {
            IngestError::new(
                text.place_at(Some(bytes.len()), None),
                format!("invalid YAML: {message}"),
            )
            .with_help("expected a YAML value")
        } else {
            IngestError::new(
                text.place_at(Some(0), None),
                format!("invalid YAML: {message}"),
            )
        };
    };
    let message = e.to_string().replacen(
        &format!(" at line {} column {}", loc.line(), loc.column()),
        "",
        1,
    );
    let place = Place {
        file: file.clone(),
        line: u32::try_from(loc.line()).ok(),
        column: u32::try_from(loc.column()).ok(),
        pointer: None,
    };
    IngestError::new(place, format!("invalid YAML: {message}"))
}

fn tree_of(v: &Value, pointer: &mut String) -> Result<Node, String> {
    Ok(match v {
        Value::Null => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Number(n) => {
            if n.is_nan() || n.is_infinite() {
                return Err(format!("`{n}` is not a number JSON can hold"));
            }
            Node::Number(serde_json::to_string(n).map_err(|e| e.to_string())?)
        }
        Value::String(s) => Node::String(s.clone()),
        Value::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                out.push(tree_of(item, pointer)?);
                pointer.truncate(len);
            }
            Node::Seq(out)
        }
        Value::Mapping(map) => {
            let mut out = Vec::with_capacity(map.len());
            for (k, item) in map {
                let key = match k {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => return Err("a mapping key must be a string".to_owned()),
                };
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_token(&key));
                out.push((key, tree_of(item, pointer)?));
                pointer.truncate(len);
            }
            Node::Map(out)
        }
        Value::Tagged(t) => {
            return Err(format!(
                "YAML tag `{}` is not supported in this file",
                t.tag
            ));
        }
    })
}

/// The place of the node at `pointer` (RFC 6901) in a YAML or JSON text: its line and
/// column when the node is found, with the pointer itself. With `key`, the place of the
/// mapping key that ends the pointer instead of its value. Costs one parse of the text,
/// so it is for errors and warnings, not for every node.
pub(crate) fn place_of(file: &Arc<str>, bytes: &[u8], pointer: &str, key: bool) -> Place {
    let (line, column) = locate(bytes, pointer, key).unzip();
    Place {
        file: file.clone(),
        line,
        column,
        pointer: Some(pointer.to_owned()),
    }
}

/// 1-based line and column of the node at `pointer`, if it exists.
///
/// The YAML crate gives positions only in errors, so the text is walked along the
/// pointer and a deliberate error is raised at the node: the parser stamps it with the
/// node's position. Exact for block and flow style, aliases and quoted keys.
/// An error of a file read as the JSON its YAML converts to, placed at the YAML line of
/// its pointer (JSON text keeps its place as it is).
pub(crate) fn at_yaml_line(bytes: &[u8], mut e: IngestError) -> IngestError {
    let json = matches!(super::source::first_byte(bytes), Some(b'{' | b'['));
    if e.place.line.is_none()
        && !json
        && let Some((line, column)) = e
            .place
            .pointer
            .as_deref()
            .and_then(|p| locate(bytes, p, false))
    {
        e.place.line = Some(line);
        e.place.column = Some(column);
    }
    e
}

pub(crate) fn locate(bytes: &[u8], pointer: &str, key: bool) -> Option<(u32, u32)> {
    let tokens: Vec<String> = match pointer.strip_prefix('/') {
        None if pointer.is_empty() => Vec::new(),
        None => return None,
        Some(rest) => rest
            .split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    };
    let de = serde_yaml::Deserializer::from_slice(bytes);
    let walk = Walk {
        path: &tokens,
        key: key && !tokens.is_empty(),
    };
    match serde::de::DeserializeSeed::deserialize(walk, de) {
        Err(e) if e.to_string().contains(FOUND) => {
            let l = e.location()?;
            Some((
                u32::try_from(l.line()).ok()?,
                u32::try_from(l.column()).ok()?,
            ))
        }
        _ => None,
    }
}

/// The message of the deliberate error that marks the node looked for.
const FOUND: &str = "\u{0}found";

struct Walk<'p> {
    path: &'p [String],
    key: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.path.is_empty() {
            d.deserialize_any(Found)
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de> serde::de::Visitor<'de> for Walk<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((want, rest)) = self.path.split_first() else {
            return Ok(());
        };
        let stop = self.key && rest.is_empty();
        while let Some(hit) = map.next_key_seed(KeyIs { want, stop })? {
            if hit {
                return map.next_value_seed(Walk {
                    path: rest,
                    key: self.key,
                });
            }
            map.next_value::<serde::de::IgnoredAny>()?;
        }
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((want, rest)) = self.path.split_first() else {
            return Ok(());
        };
        let Ok(index) = want.parse::<usize>() else {
            return Ok(());
        };
        for _ in 0..index {
            if seq.next_element::<serde::de::IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        seq.next_element_seed(Walk {
            path: rest,
            key: self.key,
        })
        .map(|_| ())
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Reads a mapping key and says whether it is the one looked for; with `stop`, the
/// key itself is the node looked for.
struct KeyIs<'w> {
    want: &'w str,
    stop: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl KeyIs<'_> {
    fn check<E: serde::de::Error>(&self, key: &str) -> Result<bool, E> {
        let hit = key == self.want;
        if hit && self.stop {
            return Err(E::custom(FOUND));
        }
        Ok(hit)
    }
}

impl<'de> serde::de::Visitor<'de> for KeyIs<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a mapping key")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        self.check(v)
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<bool, E> {
        self.check(&v.to_string())
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<bool, E> {
        self.check(&v.to_string())
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<bool, E> {
        self.check(&v.to_string())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<bool, E> {
        self.check(&v.to_string())
    }
}

/// Fails on whatever node it is given, so the parser stamps the error with its place.
struct Found;

impl Found {
    fn found<E: serde::de::Error>() -> Result<(), E> {
        Err(E::custom(FOUND))
    }
}

impl<'de> serde::de::Visitor<'de> for Found {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Found::found()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Found::found()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Found::found()
    }
    fn visit_i128<E: serde::de::Error>(self, _: i128) -> Result<(), E> {
        Found::found()
    }
    fn visit_u128<E: serde::de::Error>(self, _: u128) -> Result<(), E> {
        Found::found()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Found::found()
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Found::found()
    }
    fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<(), E> {
        Found::found()
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Found::found()
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        Found::found()
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Found::found()
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Found::found()
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Found::found()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(y: &str) -> Result<String, IngestError> {
        to_json(&Arc::from("f.yaml"), y.as_bytes())
    }

    #[test]
    fn keeps_strings_order_and_types() {
        let j = conv("Version: 2012-10-17\nb: 012345678901\na: [yes, 3, true, 1.5]\n").unwrap();
        assert_eq!(
            j,
            r#"{"Version":"2012-10-17","b":"012345678901","a":["yes",3,true,1.5]}"#
        );
    }

    #[test]
    fn duplicate_keys_and_syntax_errors_have_a_line() {
        let e = conv("a: 1\na: 2\n").unwrap_err();
        assert!(e.message.contains("duplicate"), "{e}");
        assert!(e.place.line.is_some(), "{e}");
        let e = conv("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.to_string().starts_with("f.yaml:"), "{e}");
    }

    #[test]
    fn tags_are_rejected_with_a_pointer() {
        let e = conv("Statement:\n  - Resource: !Ref Bucket\n").unwrap_err();
        assert_eq!(e.place.pointer.as_deref(), Some("/Statement/0/Resource"));
        assert!(e.message.contains("`!Ref`"), "{e}");
    }
    fn cfn(y: &str) -> Result<String, IngestError> {
        cfn_to_json(&Arc::from("t.yaml"), y.as_bytes())
    }

    #[test]
    fn cfn_short_forms_become_long_forms() {
        let j = cfn(concat!(
            "A: !Ref Bucket\n",
            "B: !GetAtt Role.Arn\n",
            "C: !GetAtt Db.Endpoint.Address\n",
            "D: !Sub 'arn:${AWS::Partition}:s3:::${Bucket}/*'\n",
            "E: !If [Cond, !Ref X, !Ref 'AWS::NoValue']\n",
            "F: !Condition IsProd\n",
            "G: !Join\n  - ''\n  - - a\n    - !ImportValue Shared\n",
            "H: !GetAtt [Role, Arn]\n",
            "I: {Fn::Select: [0, !Split [',', 'a,b']]}\n",
        ))
        .unwrap();
        assert_eq!(
            j,
            concat!(
                r#"{"A":{"Ref":"Bucket"},"B":{"Fn::GetAtt":["Role","Arn"]},"#,
                r#""C":{"Fn::GetAtt":["Db","Endpoint.Address"]},"#,
                r#""D":{"Fn::Sub":"arn:${AWS::Partition}:s3:::${Bucket}/*"},"#,
                r#""E":{"Fn::If":["Cond",{"Ref":"X"},{"Ref":"AWS::NoValue"}]},"#,
                r#""F":{"Condition":"IsProd"},"#,
                r#""G":{"Fn::Join":["",["a",{"Fn::ImportValue":"Shared"}]]},"#,
                r#""H":{"Fn::GetAtt":["Role","Arn"]},"#,
                r#""I":{"Fn::Select":[0,{"Fn::Split":[",","a,b"]}]}}"#
            )
        );
    }

    #[test]
    fn cfn_errors_are_placed() {
        // the YAML parser places a duplicate key at the start of its mapping
        let e = cfn("B:\n  A: 1\n  A: 2\n").unwrap_err();
        assert_eq!((e.place.line, e.place.column), (Some(2), Some(3)), "{e}");
        let e = cfn("A: !Ref [x\n").unwrap_err();
        assert!(e.to_string().starts_with("t.yaml:"), "{e}");
        // plain SCP and context files still reject tags
        assert!(conv("A: !Ref X\n").is_err());
    }
}
