//! IAM policy documents (identity, trust and service control policies) from JSON text,
//! into [`model::Statement`](crate::model::Statement)s that remember where they came from.
//!
//! The deserializers are written by hand because serde's defaults are wrong for an audit
//! tool: serde_json keeps the last of two duplicate keys without a word, so
//! `{"Effect":"Allow","Effect":"Deny"}` would silently become a Deny. Here every
//! duplicate, unknown element, missing `Effect`, `Action`/`NotAction` clash and
//! non-string value is an error with its place. IAM's "one value or a list" fields,
//! a lone statement object instead of a list, and condition values that are numbers or
//! booleans are accepted as AWS accepts them.
//!
//! A document may arrive as an object, as a JSON string holding the JSON, or URL-encoded
//! (the raw IAM API encodes documents per RFC 3986; `+` stays a plus). Parsing is split
//! in two so identical texts (the same inline policy on thousands of users) are parsed
//! once: [`parse_raw`] gives a [`ParsedDoc`] without provenance, and [`attach`] stamps
//! each use with its own [`Origin`].

use std::fmt;
use std::fmt::Write as _;
use std::sync::Arc;

use percent_encoding::percent_decode_str;
use serde::de::{self, DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};

use super::IngestError;
use super::err::{json_message, pointer_of, split_help, with_help};
use super::source::Text;
use crate::model::{
    ActionClause, ConditionClause, Effect, Origin, PolicyDocument, PolicyKind, PrincipalClause,
    ResourceClause, Statement, StatementRef,
};

/// How a document is used; decides which elements are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DocRole {
    /// Identity policies, boundaries, SCPs: `Resource` or `NotResource` is required.
    Identity,
    /// Trust policies: `Principal` or `NotPrincipal` is required, `Resource` is absent.
    Trust,
    /// Resource policies: `Principal` or `NotPrincipal` is required, `Resource` may be
    /// absent (ECR repository policies never have one: the statement is about the
    /// resource the policy is attached to).
    Resource,
}

impl DocRole {
    pub fn of(kind: PolicyKind) -> Self {
        match kind {
            PolicyKind::Trust => DocRole::Trust,
            PolicyKind::Resource => DocRole::Resource,
            _ => DocRole::Identity,
        }
    }
}

/// How the document text was wrapped in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layer {
    /// A JSON object in place; positions inside it are positions in the file.
    Object,
    /// A JSON string holding the JSON text.
    JsonString,
    /// A string holding URL-encoded JSON text.
    UrlEncoded,
}

impl Layer {
    fn describe(self) -> &'static str {
        match self {
            Layer::Object => "policy document",
            Layer::JsonString => "policy document string",
            Layer::UrlEncoded => "URL-encoded policy document",
        }
    }
}

/// A statement without provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedStatement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub action: ActionClause,
    pub resource: ResourceClause,
    pub principal: Option<PrincipalClause>,
    pub condition: Vec<ConditionClause>,
}

/// A document without provenance, shareable between every policy with the same text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedDoc {
    pub version: Option<String>,
    pub statements: Vec<ParsedStatement>,
    /// `Statement` was a lone object, not a list (its pointer has no index).
    pub single: bool,
    pub layer: Layer,
}

/// A document error, positioned inside the document text (after unwrapping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocError {
    pub layer: Layer,
    pub message: String,
    pub help: Option<String>,
    /// 1-based line and serde_json column inside the unwrapped text; 0 when unknown.
    pub line: usize,
    pub column: usize,
    /// RFC 6901 pointer inside the document.
    pub pointer: String,
}

/// Where a document sits in its file, for turning a [`DocError`] into an [`IngestError`].
pub(crate) struct DocSite<'a> {
    pub text: Text<'a>,
    /// Byte offset of the document's raw JSON (object or string) in the file.
    pub offset: Option<usize>,
    /// Pointer of the document in the file.
    pub pointer: &'a str,
}

impl DocError {
    fn shape(layer: Layer, message: impl Into<String>) -> Self {
        let (message, help) = split_help(message.into());
        DocError {
            layer,
            message,
            help,
            line: 0,
            column: 0,
            pointer: String::new(),
        }
    }

    pub fn into_ingest(self, site: &DocSite<'_>) -> IngestError {
        let inner_ptr = (!self.pointer.is_empty()).then_some(self.pointer.as_str());
        if self.layer == Layer::Object {
            let pointer = format!("{}{}", site.pointer, inner_ptr.unwrap_or(""));
            let place = match site.offset {
                Some(base) if self.line > 0 => {
                    site.text
                        .error_place(base, self.line, self.column, Some(pointer))
                }
                _ => site.text.place_at(site.offset, Some(pointer)),
            };
            return IngestError {
                place,
                message: self.message,
                help: self.help,
            };
        }
        // Positions inside a string are not positions in the file: point at the string
        // and say where inside it.
        let mut message = format!("in the {}", self.layer.describe());
        if self.line > 0 {
            message.push_str(&format!(" at line {} column {}", self.line, self.column));
        }
        if let Some(p) = inner_ptr {
            message.push_str(&format!(" (at {p})"));
        }
        message.push_str(": ");
        message.push_str(&self.message);
        IngestError {
            place: site
                .text
                .place_at(site.offset, Some(site.pointer.to_owned())),
            message,
            help: self.help,
        }
    }
}

const SHAPE_HELP: &str = "a policy document is a JSON object with `Version` and `Statement`, \
    or a string holding that JSON, plain or URL-encoded";

/// Parses a document as it appears in a file: an object, a JSON string holding JSON, or
/// a JSON string holding URL-encoded JSON (bare URL-encoded text is accepted too).
pub(crate) fn parse_raw(raw: &str, role: DocRole) -> Result<ParsedDoc, DocError> {
    match raw.trim_start().as_bytes().first() {
        Some(b'{') => parse_object(raw, role, Layer::Object),
        Some(b'"') => {
            let s: String = serde_json::from_str(raw).map_err(|e| {
                let (message, help) = split_help(json_message(&e));
                DocError {
                    layer: Layer::Object,
                    message,
                    help,
                    line: e.line(),
                    column: e.column(),
                    pointer: String::new(),
                }
            })?;
            parse_string(&s, role)
        }
        Some(b'%') => parse_string(raw, role),
        _ => Err(DocError::shape(
            Layer::Object,
            with_help(
                "a policy document must be a JSON object or a string",
                SHAPE_HELP,
            ),
        )),
    }
}

fn parse_string(s: &str, role: DocRole) -> Result<ParsedDoc, DocError> {
    if s.trim_start().starts_with('{') {
        return parse_object(s, role, Layer::JsonString);
    }
    let decoded = percent_decode_str(s).decode_utf8().map_err(|_| {
        DocError::shape(
            Layer::UrlEncoded,
            "the document is not valid UTF-8 once URL-decoded",
        )
    })?;
    if !decoded.trim_start().starts_with('{') {
        let mut shown: String = s.chars().take(40).collect();
        if shown.len() < s.len() {
            shown.push('…');
        }
        return Err(DocError::shape(
            Layer::JsonString,
            with_help(
                format!("`{shown}` is neither JSON nor URL-encoded JSON"),
                SHAPE_HELP,
            ),
        ));
    }
    parse_object(&decoded, role, Layer::UrlEncoded)
}

fn parse_object(text: &str, role: DocRole, layer: Layer) -> Result<ParsedDoc, DocError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let result = DocSeed(role)
        .deserialize(&mut de)
        .and_then(|d| de.end().map(|()| d));
    match result {
        Ok((version, statements, single)) => Ok(ParsedDoc {
            version,
            statements,
            single,
            layer,
        }),
        Err(e) => {
            // The fast parse keeps no path; only a failing document pays for one.
            let mut de = serde_json::Deserializer::from_str(text);
            let mut track = serde_path_to_error::Track::new();
            let tracked = DocSeed(role)
                .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
            let pointer = if tracked.is_err() {
                pointer_of(&track.path())
            } else {
                String::new()
            };
            let (message, help) = split_help(json_message(&e));
            Err(DocError {
                layer,
                message,
                help,
                line: e.line(),
                column: e.column(),
                pointer,
            })
        }
    }
}

/// Who a parsed document belongs to; every statement gets an [`Origin`] built from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginBase {
    pub file: Arc<str>,
    pub policy: Arc<str>,
    pub policy_arn: Option<Arc<str>>,
    pub version: Option<Arc<str>>,
    pub kind: PolicyKind,
    /// Pointer of the document inside `file`, when it has one.
    pub pointer: Option<String>,
}

/// Stamps a parsed document with provenance: one [`Origin`] per statement.
pub(crate) fn attach(doc: &ParsedDoc, base: &OriginBase) -> PolicyDocument {
    let statements = doc
        .statements
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let pointer = match doc.layer {
                Layer::Object => {
                    let root = base.pointer.as_deref().unwrap_or("");
                    let mut p = String::with_capacity(root.len() + 32);
                    p.push_str(root);
                    p.push_str("/Statement");
                    if !doc.single {
                        // into the string itself: no `format!` allocation per statement
                        let _ = write!(p, "/{i}");
                    }
                    Some(p)
                }
                Layer::JsonString | Layer::UrlEncoded => base.pointer.clone(),
            };
            let origin = Origin {
                file: base.file.clone(),
                policy: base.policy.clone(),
                policy_arn: base.policy_arn.clone(),
                version: base.version.clone(),
                kind: base.kind,
                statement: match &s.sid {
                    Some(sid) => StatementRef::Sid(sid.clone()),
                    None => StatementRef::Index(i),
                },
                pointer,
            };
            Statement {
                sid: s.sid.clone(),
                effect: s.effect,
                action: s.action.clone(),
                resource: s.resource.clone(),
                principal: s.principal.clone(),
                condition: s.condition.clone(),
                unresolved: Vec::new(),
                origin: Arc::new(origin),
            }
        })
        .collect();
    PolicyDocument {
        version: doc.version.clone(),
        statements,
    }
}

/// Parses one policy document given as text: a JSON object, a JSON string holding JSON,
/// or URL-encoded JSON. Positions in errors are positions in `json`, and pointers are
/// prefixed with `base.pointer`. Used for `--scp` documents and for the managed policy
/// documents of the embedded catalog.
pub fn parse_policy_document(json: &str, base: &OriginBase) -> Result<PolicyDocument, IngestError> {
    let doc = parse_raw(json, DocRole::of(base.kind)).map_err(|e| {
        e.into_ingest(&DocSite {
            text: Text::new(&base.file, json.as_bytes()),
            offset: Some(0),
            pointer: base.pointer.as_deref().unwrap_or(""),
        })
    })?;
    Ok(attach(&doc, base))
}

// ---------------------------------------------------------------------------------------
// Hand-written deserializers.

/// Reads a map key and returns its index in a list of known keys, or the key itself.
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Result<usize, String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Result<usize, String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self
            .0
            .iter()
            .position(|k| *k == v)
            .ok_or_else(|| v.to_owned()))
    }
}

fn list_keys(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    quoted.join(", ")
}

const DOC_KEYS: &[&str] = &["Version", "Id", "Statement"];

/// (version, statements, single)
type DocParts = (Option<String>, Vec<ParsedStatement>, bool);

struct DocSeed(DocRole);

impl<'de> DeserializeSeed<'de> for DocSeed {
    type Value = DocParts;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed {
    type Value = DocParts;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a policy document object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = [false; 3];
        let mut version = None;
        let mut statements = None;
        while let Some(key) = map.next_key_seed(KeySeed(DOC_KEYS))? {
            let i = key.map_err(|other| {
                A::Error::custom(with_help(
                    format!("unknown policy element `{other}`"),
                    format!("a policy document may contain {}", list_keys(DOC_KEYS)),
                ))
            })?;
            if let Some(s) = seen.get_mut(i) {
                if *s {
                    return Err(A::Error::custom(format!(
                        "duplicate `{}` in the policy document",
                        DOC_KEYS.get(i).unwrap_or(&"")
                    )));
                }
                *s = true;
            }
            match i {
                0 => version = Some(map.next_value::<String>()?),
                1 => {
                    map.next_value::<String>()?;
                }
                _ => statements = Some(map.next_value_seed(StatementsSeed(self.0))?),
            }
        }
        let (statements, single) = statements.ok_or_else(|| {
            A::Error::custom(with_help(
                "the policy document has no `Statement`",
                "add `\"Statement\": [...]` with at least the statements the policy grants or denies",
            ))
        })?;
        Ok((version, statements, single))
    }
}

/// `Statement`: a list of statement objects, or one statement object.
struct StatementsSeed(DocRole);

impl<'de> DeserializeSeed<'de> for StatementsSeed {
    type Value = (Vec<ParsedStatement>, bool);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StatementsSeed {
    type Value = (Vec<ParsedStatement>, bool);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a statement object or a list of them")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok((vec![StatementSeed(self.0).visit_map(map)?], true))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(s) = seq.next_element_seed(StatementSeed(self.0))? {
            out.push(s);
        }
        Ok((out, false))
    }
}

const STMT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

struct StatementSeed(DocRole);

impl<'de> DeserializeSeed<'de> for StatementSeed {
    type Value = ParsedStatement;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

fn clash<E: de::Error>(a: &str, b: &str) -> E {
    E::custom(with_help(
        format!("the statement has both `{a}` and `{b}`"),
        format!("a statement has either `{a}` or `{b}`, not both"),
    ))
}

impl<'de> Visitor<'de> for StatementSeed {
    type Value = ParsedStatement;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a statement object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = [false; 9];
        let mut sid = None;
        let mut effect = None;
        let mut action = None;
        let mut resource = None;
        let mut principal = None;
        let mut condition = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed(STMT_KEYS))? {
            let i = key.map_err(|other| {
                A::Error::custom(with_help(
                    format!("unknown statement element `{other}`"),
                    format!("a statement may contain {}", list_keys(STMT_KEYS)),
                ))
            })?;
            if let Some(s) = seen.get_mut(i) {
                if *s {
                    return Err(A::Error::custom(format!(
                        "duplicate `{}` in a statement",
                        STMT_KEYS.get(i).unwrap_or(&"")
                    )));
                }
                *s = true;
            }
            match i {
                0 => {
                    let s: String = map.next_value()?;
                    // `"Sid": ""` (as in the AWS docs) names nothing; the index does.
                    sid = (!s.is_empty()).then_some(s);
                }
                1 => effect = Some(map.next_value_seed(EffectSeed)?),
                2 | 3 => {
                    if action.is_some() {
                        return Err(clash("Action", "NotAction"));
                    }
                    let v = map.next_value_seed(StringsSeed("a string or a list of strings"))?;
                    action = Some(if i == 2 {
                        ActionClause::Action(v)
                    } else {
                        ActionClause::NotAction(v)
                    });
                }
                4 | 5 => {
                    if resource.is_some() {
                        return Err(clash("Resource", "NotResource"));
                    }
                    let v = map.next_value_seed(StringsSeed("a string or a list of strings"))?;
                    resource = Some(if i == 4 {
                        ResourceClause::Resource(v)
                    } else {
                        ResourceClause::NotResource(v)
                    });
                }
                6 | 7 => {
                    if principal.is_some() {
                        return Err(clash("Principal", "NotPrincipal"));
                    }
                    let v = map.next_value_seed(PrincipalSeed)?;
                    principal = Some(if i == 6 {
                        PrincipalClause::Principal(v)
                    } else {
                        PrincipalClause::NotPrincipal(v)
                    });
                }
                _ => condition = map.next_value_seed(ConditionSeed)?,
            }
        }
        let effect = effect.ok_or_else(|| {
            A::Error::custom(with_help(
                "the statement has no `Effect`",
                "add `\"Effect\": \"Allow\"` or `\"Effect\": \"Deny\"`",
            ))
        })?;
        let action = action.ok_or_else(|| {
            A::Error::custom(with_help(
                "the statement has neither `Action` nor `NotAction`",
                "every statement names the actions it allows or denies",
            ))
        })?;
        let resource = match (resource, self.0) {
            (Some(r), _) => r,
            (None, DocRole::Trust | DocRole::Resource) => ResourceClause::Absent,
            (None, DocRole::Identity) => {
                return Err(A::Error::custom(with_help(
                    "the statement has neither `Resource` nor `NotResource`",
                    "identity policies name the resources they apply to; use `\"Resource\": \"*\"` for all",
                )));
            }
        };
        if principal.is_none() && self.0 == DocRole::Resource {
            return Err(A::Error::custom(with_help(
                "the resource policy statement has neither `Principal` nor `NotPrincipal`",
                "a resource policy says whom it applies to, e.g. `\"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:role/app\"}`",
            )));
        }
        if principal.is_none() && self.0 == DocRole::Trust {
            return Err(A::Error::custom(with_help(
                "the trust policy statement has neither `Principal` nor `NotPrincipal`",
                "a trust policy says who may assume the role, e.g. `\"Principal\": {\"Service\": \"ec2.amazonaws.com\"}`",
            )));
        }
        Ok(ParsedStatement {
            sid,
            effect,
            action,
            resource,
            principal,
            condition,
        })
    }
}

struct EffectSeed;

impl<'de> DeserializeSeed<'de> for EffectSeed {
    type Value = Effect;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for EffectSeed {
    type Value = Effect;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`Allow` or `Deny`")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match v {
            "Allow" => Ok(Effect::Allow),
            "Deny" => Ok(Effect::Deny),
            _ => Err(E::custom(with_help(
                format!("`Effect` is `{v}`, expected `Allow` or `Deny`"),
                "AWS accepts exactly `Allow` or `Deny`, with that capitalization",
            ))),
        }
    }
}

/// One string or a list of strings (`Action`, `Resource`, principal values).
struct StringsSeed(&'static str);

impl<'de> DeserializeSeed<'de> for StringsSeed {
    type Value = Vec<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StringsSeed {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(vec![v.to_owned()])
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(vec![v])
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(s) = seq.next_element::<String>()? {
            out.push(s);
        }
        Ok(out)
    }
}

/// `"*"`, or `{type: value-or-list}` → (type, value) pairs in input order.
struct PrincipalSeed;

impl<'de> DeserializeSeed<'de> for PrincipalSeed {
    type Value = Vec<(String, String)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PrincipalSeed {
    type Value = Vec<(String, String)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`\"*\"` or an object such as `{\"AWS\": \"arn:aws:iam::123456789012:root\"}`")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v == "*" {
            Ok(vec![("*".to_owned(), "*".to_owned())])
        } else {
            Err(E::custom(with_help(
                format!("a principal given as a string must be `*`, not `{v}`"),
                "name principals by type, e.g. `{\"AWS\": \"...\"}` or `{\"Service\": \"...\"}`",
            )))
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut types: Vec<String> = Vec::new();
        while let Some(kind) = map.next_key::<String>()? {
            if types.contains(&kind) {
                return Err(A::Error::custom(format!(
                    "duplicate principal type `{kind}`"
                )));
            }
            let values = map.next_value_seed(StringsSeed("a string or a list of strings"))?;
            out.extend(values.into_iter().map(|v| (kind.clone(), v)));
            types.push(kind);
        }
        Ok(out)
    }
}

/// `Condition`: `{operator: {key: value-or-list}}`, flattened in input order.
struct ConditionSeed;

impl<'de> DeserializeSeed<'de> for ConditionSeed {
    type Value = Vec<ConditionClause>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ConditionSeed {
    type Value = Vec<ConditionClause>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of condition operators")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        let mut operators: Vec<String> = Vec::new();
        while let Some(op) = map.next_key::<String>()? {
            if operators.contains(&op) {
                return Err(A::Error::custom(format!(
                    "duplicate condition operator `{op}`"
                )));
            }
            let entries = map.next_value_seed(ConditionKeysSeed)?;
            out.extend(entries.into_iter().map(|(key, values)| ConditionClause {
                operator: op.clone(),
                key,
                values,
            }));
            operators.push(op);
        }
        Ok(out)
    }
}

struct ConditionKeysSeed;

impl<'de> DeserializeSeed<'de> for ConditionKeysSeed {
    type Value = Vec<(String, Vec<String>)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ConditionKeysSeed {
    type Value = Vec<(String, Vec<String>)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of condition keys and values")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.iter().any(|(k, _)| *k == key) {
                return Err(A::Error::custom(format!("duplicate condition key `{key}`")));
            }
            let values = map.next_value_seed(ScalarsSeed)?;
            out.push((key, values));
        }
        Ok(out)
    }
}

/// A scalar (string, number, boolean) or a list of them, normalized to strings. Shared
/// with context files, which take values of the same shape.
pub(crate) struct ScalarsSeed;

impl<'de> DeserializeSeed<'de> for ScalarsSeed {
    type Value = Vec<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarsSeed {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number or boolean, or a list of those")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(vec![v.to_owned()])
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(vec![v])
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(ScalarSeed)? {
            out.push(v);
        }
        Ok(out)
    }
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(kind: PolicyKind) -> OriginBase {
        OriginBase {
            file: Arc::from("p.json"),
            policy: Arc::from("P"),
            policy_arn: None,
            version: None,
            kind,
            pointer: None,
        }
    }

    fn parse(json: &str) -> Result<PolicyDocument, IngestError> {
        parse_policy_document(json, &base(PolicyKind::Inline))
    }

    fn err(json: &str) -> String {
        parse(json).unwrap_err().to_string()
    }

    const ALLOW_ALL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

    #[test]
    fn single_values_and_lists() {
        let d = parse(
            r#"{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Deny",
                "NotAction":["iam:*","aws-portal:*"],"NotResource":"arn:aws:s3:::b"}}"#,
        )
        .unwrap();
        assert_eq!(d.version.as_deref(), Some("2012-10-17"));
        let s = &d.statements[0];
        assert_eq!(s.effect, Effect::Deny);
        assert_eq!(
            s.action,
            ActionClause::NotAction(vec!["iam:*".into(), "aws-portal:*".into()])
        );
        assert_eq!(
            s.resource,
            ResourceClause::NotResource(vec!["arn:aws:s3:::b".into()])
        );
        assert_eq!(s.origin.statement, StatementRef::Sid("A".into()));
        assert_eq!(s.origin.pointer.as_deref(), Some("/Statement"));
    }

    #[test]
    fn conditions_normalize_scalars_to_strings() {
        let d = parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{
                "Bool":{"aws:MultiFactorAuthPresent":true},
                "NumericLessThan":{"aws:MultiFactorAuthAge":3600, "x:F": 1.5},
                "StringEquals":{"aws:PrincipalTag/team":["a","b",7]}}}]}"#,
        )
        .unwrap();
        let c = &d.statements[0].condition;
        let flat: Vec<(&str, &str, Vec<&str>)> = c
            .iter()
            .map(|c| {
                (
                    c.operator.as_str(),
                    c.key.as_str(),
                    c.values.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            flat,
            vec![
                ("Bool", "aws:MultiFactorAuthPresent", vec!["true"]),
                ("NumericLessThan", "aws:MultiFactorAuthAge", vec!["3600"]),
                ("NumericLessThan", "x:F", vec!["1.5"]),
                ("StringEquals", "aws:PrincipalTag/team", vec!["a", "b", "7"]),
            ]
        );
    }

    #[test]
    fn string_and_url_encoded_documents() {
        let as_string = serde_json::to_string(ALLOW_ALL).unwrap();
        let encoded: String =
            percent_encoding::utf8_percent_encode(ALLOW_ALL, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let plain = parse(ALLOW_ALL).unwrap();
        for text in [
            as_string,
            encoded.clone(),
            serde_json::to_string(&encoded).unwrap(),
        ] {
            let d = parse(&text).unwrap();
            assert_eq!(d.statements.len(), 1);
            assert_eq!(d.statements[0].action, plain.statements[0].action);
        }
    }

    #[test]
    fn plus_is_not_a_space_when_url_decoding() {
        let doc = r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a+b/*"}}"#;
        let encoded = percent_encoding::utf8_percent_encode(doc, percent_encoding::CONTROLS)
            .to_string()
            .replace('"', "%22")
            .replace('{', "%7B")
            .replace('}', "%7D");
        let d = parse(&encoded).unwrap();
        assert_eq!(
            d.statements[0].resource,
            ResourceClause::Resource(vec!["arn:aws:s3:::a+b/*".into()])
        );
    }

    #[test]
    fn trust_policies_have_principals_and_no_resource() {
        let d = parse_policy_document(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"],
                "AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"},
                {"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#,
            &base(PolicyKind::Trust),
        )
        .unwrap();
        let s = &d.statements[0];
        assert_eq!(s.resource, ResourceClause::Absent);
        assert_eq!(
            s.principal,
            Some(PrincipalClause::Principal(vec![
                ("Service".into(), "ec2.amazonaws.com".into()),
                ("Service".into(), "lambda.amazonaws.com".into()),
                ("AWS".into(), "arn:aws:iam::111122223333:root".into()),
            ]))
        );
        assert_eq!(
            d.statements[1].principal,
            Some(PrincipalClause::Principal(vec![("*".into(), "*".into())]))
        );
        assert_eq!(d.statements[1].origin.kind, PolicyKind::Trust);
    }

    #[test]
    fn duplicate_keys_are_errors_with_place() {
        let e = err(
            "{\"Statement\":[\n {\"Effect\":\"Allow\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
        );
        assert!(e.starts_with("p.json:2:"), "{e}");
        assert!(e.contains("(at /Statement/0)"), "{e}");
        assert!(e.contains("duplicate `Effect` in a statement"), "{e}");
        assert!(
            err(r#"{"Version":"1","Version":"2","Statement":[]}"#).contains("duplicate `Version`")
        );
        assert!(
            err(
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*",
            "Condition":{"Bool":{"a":"true"},"Bool":{"b":"true"}}}]}"#
            )
            .contains("duplicate condition operator `Bool`")
        );
        assert!(
            err(
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*",
            "Condition":{"Bool":{"a":"true","a":"false"}}}]}"#
            )
            .contains("duplicate condition key `a`")
        );
    }

    #[test]
    fn malformed_statements() {
        let cases = [
            (
                r#"{"Statement":[{"Action":"*","Resource":"*"}]}"#,
                "has no `Effect`",
            ),
            (
                r#"{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}"#,
                "`Effect` is `allow`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}"#,
                "both `Action` and `NotAction`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
                "neither `Action` nor `NotAction`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*"}]}"#,
                "neither `Resource` nor `NotResource`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}]}"#,
                "both `Resource` and `NotResource`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":5,"Resource":"*"}]}"#,
                "expected a string or a list of strings",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Actions":"*","Resource":"*"}]}"#,
                "unknown statement element `Actions`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"a":null}}}]}"#,
                "invalid type: null",
            ),
            (r#"{"Version":"2012-10-17"}"#, "has no `Statement`"),
            (r#"["not a document"]"#, "must be a JSON object or a string"),
            (
                r#""%7B%22Version%ZZ""#,
                "in the URL-encoded policy document at line 1",
            ),
            (r#""hello""#, "`hello` is neither JSON nor URL-encoded JSON"),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}],}"#,
                "trailing comma",
            ),
        ];
        for (json, want) in cases {
            let e = err(json);
            assert!(e.contains(want), "{json}\n  gave: {e}\n  wanted: {want}");
            assert!(e.starts_with("p.json"), "{e}");
        }
    }

    #[test]
    fn errors_inside_a_document_point_into_it() {
        let e = parse(r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":["a",3],"Resource":"*"}]}"#)
            .unwrap_err();
        assert_eq!(e.place.pointer.as_deref(), Some("/Statement/1/Action/1"));
        assert_eq!(e.place.line, Some(1));
        assert!(e.help.is_none());
        let e = parse(r#"{"Statement":[{"Effect":"Allow","Action":"*"}]}"#).unwrap_err();
        assert!(e.help.is_some());
    }

    #[test]
    fn trust_statement_without_principal_is_an_error() {
        let e = parse_policy_document(
            r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#,
            &base(PolicyKind::Trust),
        )
        .unwrap_err();
        assert!(
            e.message.contains("neither `Principal` nor `NotPrincipal`"),
            "{e}"
        );
    }

    #[test]
    fn statements_without_sid_are_numbered_and_empty_sid_is_none() {
        let d = parse(
            r#"{"Statement":[{"Sid":"","Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
        .unwrap();
        assert_eq!(d.statements[0].sid, None);
        assert_eq!(d.statements[1].origin.statement, StatementRef::Index(1));
        assert_eq!(
            d.statements[1].origin.pointer.as_deref(),
            Some("/Statement/1")
        );
    }
}
