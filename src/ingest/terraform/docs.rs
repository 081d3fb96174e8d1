//! Policy documents of a Terraform file: JSON strings inside the JSON (`policy`,
//! `assume_role_policy`, `inline_policy[].policy`, a data source's `json`), parsed a
//! second time by the one policy grammar with errors placed in the plan file; and, when
//! a document is known only after apply, what can still be known of it.
//!
//! An unknown document attribute is followed through the configuration's references to
//! the `aws_iam_policy_document` data source behind it. Its `json` may be known in
//! `planned_values` or `prior_state`; when the data source is read only during apply its
//! `statement` blocks in `resource_changes` usually are partly known, and the document is
//! rebuilt from them: each unknown element becomes `(known after apply)` and the
//! statement carries an `unresolved` message naming the element and its place, so
//! evaluation treats it as *needs review*.

use serde_json::{Map, Value, json};
use std::sync::Arc;

use super::index::{Index, Inst, Mode, Origin, Step};
use crate::ingest::IngestError;
use crate::ingest::policy_doc::{
    DocRole, DocSite, OriginBase, attach, parse_policy_document, parse_raw,
};
use crate::ingest::source::{Text, offset_in};
use crate::model::{Origin as StmtOrigin, Place, PolicyDocument, PolicyKind};

/// What stands for an element known only after apply in a rebuilt document.
pub(super) const PLACEHOLDER: &str = "(known after apply)";

/// A document, or why it is not known.
pub(super) enum Doc {
    Known(PolicyDocument),
    Unknown(String),
}

/// Who a document belongs to, for the provenance of its statements.
pub(super) struct Owner<'s> {
    pub name: &'s str,
    pub arn: Option<&'s str>,
    pub kind: PolicyKind,
}

/// Reads documents out of one file.
pub(super) struct Docs<'i, 'a> {
    pub idx: &'i Index<'a>,
    pub bytes: &'a [u8],
    pub file: Arc<str>,
}

const MERGED: &[&str] = &[
    "source_policy_documents",
    "override_policy_documents",
    "source_json",
    "override_json",
];

impl Docs<'_, '_> {
    /// The document at `path` of `inst`; `None` when the attribute is absent or empty.
    pub fn at(
        &self,
        inst: &Inst<'_>,
        path: &[Step<'_>],
        owner: &Owner<'_>,
    ) -> Result<Option<Doc>, IngestError> {
        self.at_depth(inst, path, owner, 0)
    }

    fn at_depth(
        &self,
        inst: &Inst<'_>,
        path: &[Step<'_>],
        owner: &Owner<'_>,
        depth: usize,
    ) -> Result<Option<Doc>, IngestError> {
        if let Some(raw) = inst.raw(path) {
            if raw.get() == "\"\"" {
                return Ok(None);
            }
            return self
                .parse_text(raw.get(), &inst.pointer_of(path), owner)
                .map(|d| Some(Doc::Known(d)));
        }
        if !inst.unknown_at(path) {
            return Ok(None);
        }
        let unknown = inst.unknown_message(&self.file, path);
        let t = self.idx.follow(inst, path);
        let docs: Vec<&Inst<'_>> = t
            .insts
            .iter()
            .copied()
            .filter(|i| i.mode == Mode::Data && i.kind == "aws_iam_policy_document")
            .collect();
        let mut addrs: Vec<&str> = t.insts.iter().map(|i| i.addr.as_str()).collect();
        addrs.dedup();
        // only a reference to exactly one document, and nothing else, says what the
        // attribute will be; anything combined with it could change it
        if addrs.len() == 1 && docs.len() == t.insts.len() && t.dead_ends.is_empty() {
            return self.data_doc(&docs, owner).map(Some);
        }
        if addrs.len() == 1
            && t.dead_ends.is_empty()
            && depth < 4
            && let Some(p) = t
                .insts
                .iter()
                .find(|i| i.mode == Mode::Managed && i.kind == "aws_iam_policy")
        {
            return self.at_depth(p, &[Step::Key("policy")], owner, depth + 1);
        }
        let mut why = unknown;
        if !t.insts.is_empty() || !t.dead_ends.is_empty() {
            let mut named: Vec<String> = addrs.iter().map(|a| format!("`{a}`")).collect();
            named.extend(t.dead_ends);
            why.push_str(&format!("; it is made from {}", named.join(", ")));
        }
        Ok(Some(Doc::Unknown(why)))
    }

    /// The document of an `aws_iam_policy_document` data source, from the records of it
    /// the file holds (values, prior state, change).
    fn data_doc(&self, records: &[&Inst<'_>], owner: &Owner<'_>) -> Result<Doc, IngestError> {
        // read during apply: the prior state's copy is stale, only the change counts
        let deferred: Vec<&Inst<'_>> = records
            .iter()
            .copied()
            .filter(|r| r.origin == Origin::Change)
            .collect();
        let records: Vec<&Inst<'_>> = if deferred.is_empty() {
            let mut v = records.to_vec();
            v.sort_by_key(|r| r.origin == Origin::PriorState);
            v
        } else {
            deferred
        };
        for r in &records {
            let path = [Step::Key("json")];
            if let Some(raw) = r.raw(&path)
                && raw.get() != "\"\""
            {
                return self
                    .parse_text(raw.get(), &r.pointer_of(&path), owner)
                    .map(Doc::Known);
            }
        }
        match records.first() {
            Some(r) => self.rebuild(r, owner),
            None => Ok(Doc::Unknown("no policy document".to_owned())),
        }
    }

    /// Parses a policy JSON string (or object) found at `pointer`; errors are placed at
    /// the string in the file, with the place inside the document said in the message.
    fn parse_text(
        &self,
        raw: &str,
        pointer: &str,
        owner: &Owner<'_>,
    ) -> Result<PolicyDocument, IngestError> {
        let doc = parse_raw(raw, DocRole::of(owner.kind)).map_err(|e| {
            e.into_ingest(&DocSite {
                text: Text::new(&self.file, self.bytes),
                offset: offset_in(self.bytes, raw),
                pointer,
            })
        })?;
        Ok(attach(&doc, &self.base(owner, pointer)))
    }

    fn base(&self, owner: &Owner<'_>, pointer: &str) -> OriginBase {
        OriginBase {
            file: self.file.clone(),
            policy: Arc::from(owner.name),
            policy_arn: owner.arn.map(Arc::from),
            version: None,
            kind: owner.kind,
            pointer: Some(pointer.to_owned()),
        }
    }

    /// Rebuilds a data source's document from its `statement` blocks when its `json` is
    /// known only after apply.
    fn rebuild(&self, d: &Inst<'_>, owner: &Owner<'_>) -> Result<Doc, IngestError> {
        let json_unknown = d.unknown_message(&self.file, &[Step::Key("json")]);
        for k in MERGED {
            let path = [Step::Key(k)];
            let set = d
                .raw(&path)
                .is_some_and(|r| !matches!(r.get(), "[]" | "\"\""));
            if set || d.unknown_within(&path) {
                return Ok(Doc::Unknown(format!(
                    "{json_unknown}, and it merges `{k}`, so its statements cannot be rebuilt"
                )));
            }
        }
        let sp = [Step::Key("statement")];
        if d.unknown_at(&sp) {
            return Ok(Doc::Unknown(json_unknown));
        }
        let blocks = match d.value(&sp) {
            Some(Value::Array(b)) => b,
            _ => Vec::new(),
        };
        let mut statements = Vec::new();
        let mut unresolved = Vec::new();
        for (i, b) in blocks.iter().enumerate() {
            let mut r = Rebuild {
                d,
                file: &self.file,
                i,
                msgs: Vec::new(),
            };
            statements.push(r.statement(b));
            unresolved.push(r.msgs);
        }
        let mut doc = Map::new();
        let version = match d.value(&[Step::Key("version")]) {
            Some(Value::String(v)) if !v.is_empty() => v,
            _ => "2012-10-17".to_owned(),
        };
        doc.insert("Version".into(), Value::String(version));
        if let Some(Value::String(id)) = d.value(&[Step::Key("policy_id")]) {
            doc.insert("Id".into(), Value::String(id));
        }
        doc.insert("Statement".into(), Value::Array(statements));
        let text = Value::Object(doc).to_string();
        let pointer = d.pointer.clone();
        let mut document =
            parse_policy_document(&text, &self.base(owner, &pointer)).map_err(|e| {
                IngestError::new(
                    Place::pointer(self.file.clone(), format!("{pointer}/statement")),
                    format!(
                        "the statements of `{}` do not make a policy document: {}",
                        d.addr, e.message
                    ),
                )
            })?;
        for (i, (s, msgs)) in document.statements.iter_mut().zip(unresolved).enumerate() {
            s.unresolved = msgs;
            let origin = StmtOrigin {
                pointer: Some(format!("{pointer}/statement/{i}")),
                ..(*s.origin).clone()
            };
            s.origin = Arc::new(origin);
        }
        Ok(Doc::Known(document))
    }
}

/// Rebuilding one statement block; collects what is unknown in it.
struct Rebuild<'r, 'i> {
    d: &'r Inst<'i>,
    file: &'r str,
    i: usize,
    msgs: Vec<String>,
}

impl Rebuild<'_, '_> {
    fn unknown(&mut self, tail: &[Step<'_>]) -> bool {
        let path = self.path(tail);
        if self.d.unknown_at(&path) {
            let m = self.d.unknown_message(self.file, &path);
            self.msgs.push(m);
            true
        } else {
            false
        }
    }

    fn path<'s>(&self, tail: &[Step<'s>]) -> Vec<Step<'s>> {
        let mut p = vec![Step::Key("statement"), Step::Idx(self.i)];
        p.extend_from_slice(tail);
        p
    }

    /// A list of strings, unknown elements as the placeholder; `None` when empty.
    fn list(&mut self, v: Option<&Value>, tail: &[Step<'_>]) -> Option<Vec<String>> {
        if self.unknown(tail) {
            return Some(vec![PLACEHOLDER.to_owned()]);
        }
        let items = v?.as_array()?;
        let mut out = Vec::new();
        for (j, x) in items.iter().enumerate() {
            let mut p = tail.to_vec();
            p.push(Step::Idx(j));
            match x {
                Value::String(s) => out.push(s.clone()),
                Value::Null => {
                    if self.unknown(&p) {
                        out.push(PLACEHOLDER.to_owned());
                    }
                }
                other => out.push(other.to_string()),
            }
        }
        (!out.is_empty()).then_some(out)
    }

    fn string(&mut self, v: Option<&Value>, tail: &[Step<'_>]) -> Option<String> {
        match v {
            Some(Value::String(s)) => Some(s.clone()),
            _ => self.unknown(tail).then(|| PLACEHOLDER.to_owned()),
        }
    }

    fn statement(&mut self, b: &Value) -> Value {
        let mut s = Map::new();
        if let Some(sid) = self.string(b.get("sid"), &[Step::Key("sid")])
            && !sid.is_empty()
            && sid != PLACEHOLDER
        {
            s.insert("Sid".into(), Value::String(sid));
        }
        let effect = match self.string(b.get("effect"), &[Step::Key("effect")]) {
            Some(e) if e != PLACEHOLDER => e,
            // Terraform's default; an unknown effect is already an unresolved message
            _ => "Allow".to_owned(),
        };
        s.insert("Effect".into(), Value::String(effect));
        for (field, key) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if let Some(list) = self.list(b.get(field), &[Step::Key(field)]) {
                s.insert(key.into(), json!(list));
            }
        }
        for (field, key) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            if let Some(p) = self.principals(b.get(field), field) {
                s.insert(key.into(), p);
            }
        }
        if let Some(c) = self.conditions(b.get("condition")) {
            s.insert("Condition".into(), c);
        }
        Value::Object(s)
    }

    fn principals(&mut self, v: Option<&Value>, field: &str) -> Option<Value> {
        if self.unknown(&[Step::Key(field)]) {
            return Some(json!({"AWS": [PLACEHOLDER]}));
        }
        let blocks = v?.as_array()?;
        let mut by_type: Map<String, Value> = Map::new();
        for (j, blk) in blocks.iter().enumerate() {
            let kind = self
                .string(
                    blk.get("type"),
                    &[Step::Key(field), Step::Idx(j), Step::Key("type")],
                )
                .filter(|t| t != PLACEHOLDER)
                .unwrap_or_else(|| "AWS".to_owned());
            let ids = self
                .list(
                    blk.get("identifiers"),
                    &[Step::Key(field), Step::Idx(j), Step::Key("identifiers")],
                )
                .unwrap_or_default();
            if kind == "*" && ids.iter().all(|i| i == "*") {
                return Some(Value::String("*".into()));
            }
            let entry = by_type
                .entry(kind)
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = entry {
                list.extend(ids.into_iter().map(Value::String));
            }
        }
        (!by_type.is_empty()).then_some(Value::Object(by_type))
    }

    fn conditions(&mut self, v: Option<&Value>) -> Option<Value> {
        if self.unknown(&[Step::Key("condition")]) {
            return None;
        }
        let blocks = v?.as_array()?;
        let mut by_test: Map<String, Value> = Map::new();
        for (j, blk) in blocks.iter().enumerate() {
            let at = |k| [Step::Key("condition"), Step::Idx(j), Step::Key(k)];
            let test = self.string(blk.get("test"), &at("test"));
            let variable = self.string(blk.get("variable"), &at("variable"));
            let values = self
                .list(blk.get("values"), &at("values"))
                .unwrap_or_default();
            // an unknown operator or key leaves the clause out; the statement already
            // needs review
            let (Some(test), Some(variable)) = (test, variable) else {
                continue;
            };
            if test == PLACEHOLDER || variable == PLACEHOLDER {
                continue;
            }
            let keys = by_test
                .entry(test)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(keys) = keys {
                let list = keys
                    .entry(variable)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    list.extend(values.into_iter().map(Value::String));
                }
            }
        }
        (!by_test.is_empty()).then_some(Value::Object(by_test))
    }
}
