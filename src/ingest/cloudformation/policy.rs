//! Policy documents of a template, once their intrinsics are resolved, into model
//! policies through the one policy grammar (`parse_raw`): the resolved document is
//! written out as JSON text and parsed like any other, and an error inside it is placed
//! back on the template node it came from.
//!
//! Undecided `Fn::If`s give alternatives: every alternative statement is kept, each
//! naming the choice in its `unresolved` list, together with the placeholders of what
//! did not resolve in it, so evaluation reports all of them as *needs review*. An
//! alternative that is no valid statement (a branch removing `Resource`) is dropped with
//! a warning: AWS would reject the template with that condition.

use std::sync::Arc;

use super::intrinsics::{Env, V, VKind, expand, push_all};
use crate::ingest::IngestError;
use crate::ingest::OriginBase;
use crate::ingest::policy_doc::{DocError, DocRole, DocSite, Layer, attach, parse_raw};
use crate::ingest::source::Text;
use crate::model::{Policy, PolicyKind, Statement, WarningCode};

/// A document to read and the policy it makes.
pub(crate) struct DocSpec<'a> {
    pub kind: PolicyKind,
    /// The policy's name (`PolicyName`, `ManagedPolicyName`, or the role's for trust).
    pub name: &'a str,
    /// How statements name their policy: the name, or the CDK path when there is one.
    pub label: &'a str,
    pub arn: Option<&'a str>,
    /// Messages every statement carries (a resource that exists only under an undecided
    /// condition).
    pub extra: &'a [String],
}

/// The policy of a resolved document; `None` when there is none (`AWS::NoValue`, or an
/// empty `{}`, which is warned about).
pub(crate) fn policy(
    env: &Env<'_>,
    doc: &V,
    spec: &DocSpec<'_>,
) -> Result<Option<Policy>, IngestError> {
    let mut version = None;
    let mut statements = Vec::new();
    let mut found = false;
    for (alt, msgs) in alternatives(doc) {
        let parsed = match &alt.kind {
            VKind::NoValue => continue,
            VKind::Map(entries) if entries.is_empty() => {
                env.warn(
                    WarningCode::Unsupported,
                    alt.at,
                    format!(
                        "the {} of `{}` is empty (`{{}}`): AWS rejects it at deploy, so it was left out",
                        what(spec.kind),
                        spec.name
                    ),
                );
                continue;
            }
            VKind::Str(text, m) => {
                let mut all = msgs.clone();
                push_all(&mut all, m);
                string_doc(env, &alt, text, &all, spec)?
            }
            _ => map_doc(env, &alt, &msgs, spec)?,
        };
        found = true;
        version = version.or(parsed.0);
        statements.extend(parsed.1);
    }
    if !found {
        return Ok(None);
    }
    Ok(Some(Policy {
        name: Arc::from(spec.name),
        arn: spec.arn.map(Arc::from),
        kind: spec.kind,
        version: None,
        document: crate::model::PolicyDocument {
            version,
            statements,
        },
    }))
}

fn what(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::Trust => "trust policy (`AssumeRolePolicyDocument`)",
        _ => "policy document",
    }
}

/// The alternatives of a whole document (an `Fn::If` choosing between documents).
fn alternatives(v: &V) -> Vec<(V, Vec<String>)> {
    match &v.kind {
        VKind::Choice(c) => {
            let mut out = Vec::new();
            for branch in [&c.yes, &c.no] {
                for (x, mut m) in alternatives(branch) {
                    m.insert(0, c.message.clone());
                    out.push((x, m));
                }
            }
            out
        }
        _ => vec![(v.clone(), Vec::new())],
    }
}

/// The statements of a `Statement` value, each alternative separately.
fn statements_of(v: &V, out: &mut Vec<(V, Vec<String>)>) {
    match &v.kind {
        VKind::List(items) => {
            for item in items {
                match item.kind {
                    // not a statement: kept as it is for the grammar's error
                    VKind::List(_) => out.push((item.clone(), Vec::new())),
                    _ => statements_of(item, out),
                }
            }
        }
        VKind::Choice(c) => {
            for branch in [&c.yes, &c.no] {
                let mut inner = Vec::new();
                statements_of(branch, &mut inner);
                for (x, mut m) in inner {
                    m.insert(0, c.message.clone());
                    out.push((x, m));
                }
            }
        }
        VKind::NoValue => {}
        VKind::Map(_) => out.extend(expand(v)),
        _ => out.push((v.clone(), Vec::new())),
    }
}

type Parsed = (Option<String>, Vec<Statement>);

fn base(env: &Env<'_>, doc: &V, spec: &DocSpec<'_>) -> OriginBase {
    OriginBase {
        file: env.file.clone(),
        policy: Arc::from(spec.label),
        policy_arn: spec.arn.map(Arc::from),
        version: None,
        kind: spec.kind,
        pointer: Some(env.pointer(doc.at)),
    }
}

/// A document given as an object.
fn map_doc(
    env: &Env<'_>,
    doc: &V,
    outer: &[String],
    spec: &DocSpec<'_>,
) -> Result<Parsed, IngestError> {
    let role = DocRole::of(spec.kind);
    let mut doc_msgs = outer.to_vec();
    let mut head: Vec<(String, Option<V>)> = Vec::new();
    let mut stmts: Vec<(V, Vec<String>)> = Vec::new();
    let mut stmt_at = doc.at;
    match &doc.kind {
        VKind::Map(entries) => {
            for (k, val) in entries {
                if k == "Statement"
                    && matches!(val.kind, VKind::List(_) | VKind::Map(_) | VKind::Choice(_))
                {
                    statements_of(val, &mut stmts);
                    stmt_at = val.at;
                    head.push((k.clone(), None));
                } else {
                    // other elements (`Version`, `Id`): the first alternative
                    let (x, m) = expand(val)
                        .into_iter()
                        .next()
                        .unwrap_or((val.clone(), Vec::new()));
                    push_all(&mut doc_msgs, &m);
                    head.push((k.clone(), Some(x)));
                }
            }
        }
        // not an object: written as it is, for the grammar's error
        _ => {
            let json = to_json(doc);
            return match parse_raw(&json, role) {
                Err(e) => Err(object_error(env, doc, e)),
                Ok(_) => Ok((None, Vec::new())),
            };
        }
    }
    loop {
        let synth = V {
            at: doc.at,
            kind: VKind::Map(
                head.iter()
                    .map(|(k, v)| {
                        let v = v.clone().unwrap_or_else(|| V {
                            at: stmt_at,
                            kind: VKind::List(stmts.iter().map(|(s, _)| s.clone()).collect()),
                        });
                        (k.clone(), v)
                    })
                    .collect(),
            ),
        };
        let json = to_json(&synth);
        match parse_raw(&json, role) {
            Ok(parsed) => {
                let document = attach(&parsed, &base(env, doc, spec));
                let statements = document
                    .statements
                    .into_iter()
                    .zip(&stmts)
                    .map(|(mut s, (sv, choice_msgs))| {
                        let mut msgs = choice_msgs.clone();
                        let mut inner = Vec::new();
                        sv.messages(&mut inner);
                        push_all(&mut msgs, &inner);
                        push_all(&mut msgs, &doc_msgs);
                        push_all(&mut msgs, spec.extra);
                        s.unresolved = msgs;
                        let mut origin = (*s.origin).clone();
                        origin.pointer = Some(env.pointer(sv.at));
                        s.origin = Arc::new(origin);
                        s
                    })
                    .collect();
                return Ok((document.version, statements));
            }
            Err(e) => {
                // an alternative of an undecided condition may be no statement at all
                let index = statement_index(&e.pointer).filter(|&i| {
                    head.iter().any(|(_, v)| v.is_none())
                        && stmts.get(i).is_some_and(|(_, m)| !m.is_empty())
                });
                match index {
                    Some(i) => {
                        let (sv, m) = stmts.remove(i);
                        env.warn(
                            WarningCode::Unsupported,
                            sv.at,
                            format!(
                                "a statement of `{}` is invalid when the conditions go this way ({}): {}; it was left out",
                                spec.name,
                                m.join("; "),
                                e.message
                            ),
                        );
                    }
                    None => return Err(object_error(env, &synth, e)),
                }
            }
        }
    }
}

/// `/Statement/3/Effect` → 3.
fn statement_index(pointer: &str) -> Option<usize> {
    pointer
        .strip_prefix("/Statement/")?
        .split('/')
        .next()?
        .parse()
        .ok()
}

/// A grammar error inside a written-out document, placed on the template node.
fn object_error(env: &Env<'_>, synth: &V, e: DocError) -> IngestError {
    let target = synth.at_pointer(&e.pointer);
    IngestError {
        place: env.place(target.at),
        message: e.message,
        help: e.help,
    }
}

/// A document given as a string holding JSON (CloudFormation accepts both).
fn string_doc(
    env: &Env<'_>,
    doc: &V,
    text: &str,
    msgs: &[String],
    spec: &DocSpec<'_>,
) -> Result<Parsed, IngestError> {
    let json = serde_json::to_string(text).unwrap_or_default();
    match parse_raw(&json, DocRole::of(spec.kind)) {
        Ok(parsed) => {
            let mut document = attach(&parsed, &base(env, doc, spec));
            for s in &mut document.statements {
                let mut all = msgs.to_vec();
                push_all(&mut all, spec.extra);
                s.unresolved = all;
            }
            Ok((document.version, document.statements))
        }
        Err(e) if e.layer == Layer::Object => Err(object_error(env, doc, e)),
        Err(e) => {
            let pointer = env.pointer(doc.at);
            let file = env.file.clone();
            let site = DocSite {
                text: Text {
                    file: &file,
                    bytes: json.as_bytes(),
                    positions: false,
                },
                offset: None,
                pointer: &pointer,
            };
            let mut err = e.into_ingest(&site);
            let place = env.place(doc.at);
            err.place.line = place.line;
            err.place.column = place.column;
            Err(err)
        }
    }
}

/// A resolved value as JSON text (undecided choices take their first branch; none are
/// left where this is used).
pub(crate) fn to_json(v: &V) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn write(v: &V, out: &mut String) {
    match &v.kind {
        VKind::Null | VKind::NoValue => out.push_str("null"),
        VKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        VKind::Num(n) => out.push_str(n),
        VKind::Str(s, _) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        VKind::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        VKind::Map(entries) => {
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                write(item, out);
            }
            out.push('}');
        }
        VKind::Choice(c) => write(&c.yes, out),
    }
}
