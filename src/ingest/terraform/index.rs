//! The resource instances of one `terraform show -json` file, by address, with what the
//! plan knows about each: its values, which of them are known only after apply
//! (`after_unknown`), and the configuration expressions behind them.
//!
//! Values unknown until apply are missing from a plan's values; the only trace of what
//! they will be is the configuration's `references` (`aws_iam_policy.p.arn`). This module
//! follows those references, through module outputs and input variables, to the
//! resource instances they name.

use rustc_hash::FxHashMap;
use serde_json::Value;
use serde_json::value::RawValue;
use std::sync::Arc;

use crate::ingest::IngestError;
use crate::ingest::err::escape_token;
use crate::ingest::raw::terraform::{
    RawAttrs, RawConfig, RawConfigModule, RawConfigResource, RawModule, RawResource, RawShow,
};
use crate::model::Place;

/// Managed resource or data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Mode {
    Managed,
    Data,
}

/// One step of a module instance path: `module.name[key]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ModSeg {
    pub name: String,
    /// The instance key as an address writes it (`0`, `"eu"`).
    pub key: Option<String>,
}

/// Renders a module instance path as an address prefix (`module.a[0].`).
pub(super) fn module_prefix(module: &[ModSeg]) -> String {
    let mut out = String::new();
    for m in module {
        out.push_str("module.");
        out.push_str(&m.name);
        if let Some(k) = &m.key {
            out.push('[');
            out.push_str(k);
            out.push(']');
        }
        out.push('.');
    }
    out
}

/// Where in the file an instance's values were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// `planned_values` or a state's `values`.
    Values,
    /// `prior_state` (data sources read while planning).
    PriorState,
    /// A `resource_changes` entry's `after` (data sources read during apply).
    Change,
}

/// One resource instance as the file shows it.
pub(super) struct Inst<'a> {
    pub addr: String,
    pub module: Vec<ModSeg>,
    pub mode: Mode,
    pub kind: String,
    pub name: String,
    pub index: Option<String>,
    pub values: Option<&'a RawAttrs<'a>>,
    /// Pointer of the values object (`/planned_values/root_module/resources/3/values`).
    pub pointer: String,
    pub origin: Origin,
    /// This address's `after_unknown` map and its pointer, for plans.
    pub unknown: Option<(&'a Value, String)>,
}

/// One step into an attribute: a key or a list index.
#[derive(Debug, Clone, Copy)]
pub(super) enum Step<'s> {
    Key(&'s str),
    Idx(usize),
}

/// `policy`, `inline_policy/0/policy`: a path as a pointer suffix.
pub(super) fn path_pointer(path: &[Step<'_>]) -> String {
    let mut out = String::new();
    for s in path {
        out.push('/');
        match s {
            Step::Key(k) => out.push_str(&escape_token(k)),
            Step::Idx(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

/// `inline_policy[0].policy`: a path as Terraform writes it.
pub(super) fn path_text(path: &[Step<'_>]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Idx(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn step<'v>(v: &'v Value, s: Step<'_>) -> Option<&'v Value> {
    match s {
        Step::Key(k) => v.as_object()?.get(k),
        Step::Idx(i) => v.as_array()?.get(i),
    }
}

fn any_true(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Array(a) => a.iter().any(any_true),
        Value::Object(o) => o.values().any(any_true),
        _ => false,
    }
}

impl<'a> Inst<'a> {
    /// The address without the instance key (`module.m.aws_iam_role.r`).
    pub fn base(&self) -> String {
        let data = if self.mode == Mode::Data { "data." } else { "" };
        format!(
            "{}{data}{}.{}",
            module_prefix(&self.module),
            self.kind,
            self.name
        )
    }

    /// The raw value at `path` (`None` when absent or `null`).
    pub fn raw(&self, path: &[Step<'_>]) -> Option<&'a RawValue> {
        let (first, rest) = path.split_first()?;
        let Step::Key(k) = first else { return None };
        let mut raw: &'a RawValue = self.values?.get(*k).copied()?;
        for s in rest {
            raw = match s {
                Step::Key(k) => {
                    let map: FxHashMap<&str, &RawValue> = serde_json::from_str(raw.get()).ok()?;
                    map.get(k).copied()?
                }
                Step::Idx(i) => {
                    let list: Vec<&RawValue> = serde_json::from_str(raw.get()).ok()?;
                    list.get(*i).copied()?
                }
            };
        }
        (raw.get() != "null").then_some(raw)
    }

    /// The value at `path` as a string, when it is one.
    pub fn str(&self, path: &[Step<'_>]) -> Option<String> {
        serde_json::from_str::<String>(self.raw(path)?.get()).ok()
    }

    /// The value at `path` as a list of strings (`None` items are `null`, maybe unknown).
    pub fn strs(&self, path: &[Step<'_>]) -> Option<Vec<Option<String>>> {
        serde_json::from_str::<Vec<Option<String>>>(self.raw(path)?.get()).ok()
    }

    /// The value at `path` as a plain JSON value.
    pub fn value(&self, path: &[Step<'_>]) -> Option<Value> {
        serde_json::from_str(self.raw(path)?.get()).ok()
    }

    /// Whether the value at `path` (or what contains it) is known only after apply.
    pub fn unknown_at(&self, path: &[Step<'_>]) -> bool {
        let Some((mut v, _)) = self.unknown.as_ref().map(|(v, p)| (*v, p)) else {
            return false;
        };
        for s in path {
            if v == &Value::Bool(true) {
                return true;
            }
            match step(v, *s) {
                Some(next) => v = next,
                None => return false,
            }
        }
        v == &Value::Bool(true)
    }

    /// Whether any part of the value at `path` is known only after apply.
    pub fn unknown_within(&self, path: &[Step<'_>]) -> bool {
        let Some((mut v, _)) = self.unknown.as_ref().map(|(v, p)| (*v, p)) else {
            return false;
        };
        for s in path {
            if v == &Value::Bool(true) {
                return true;
            }
            match step(v, *s) {
                Some(next) => v = next,
                None => return false,
            }
        }
        any_true(v)
    }

    /// The pointer of the value at `path`.
    pub fn pointer_of(&self, path: &[Step<'_>]) -> String {
        format!("{}{}", self.pointer, path_pointer(path))
    }

    /// Where the plan says the value at `path` is unknown: its `after_unknown` pointer,
    /// else the pointer of the value.
    pub fn unknown_pointer(&self, path: &[Step<'_>]) -> String {
        match &self.unknown {
            Some((_, p)) => format!("{p}{}", path_pointer(path)),
            None => self.pointer_of(path),
        }
    }

    /// `` `policy` of `aws_iam_policy.p` is known only after apply (plan.json at /...) ``.
    pub fn unknown_message(&self, file: &str, path: &[Step<'_>]) -> String {
        format!(
            "`{}` of `{}` is known only after apply ({file} at {})",
            path_text(path),
            self.addr,
            self.unknown_pointer(path)
        )
    }
}

/// A reference read from an expression, split at dots and brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RefSeg {
    Name(String),
    Key(String),
}

/// Splits `module.m["k"].out` / `aws_iam_policy.p[0].arn` into names and keys. `None`
/// when it does not read as a reference.
fn split_ref(s: &str) -> Option<Vec<RefSeg>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b.get(i)? {
            b'.' => i += 1,
            b'[' => {
                let close = if b.get(i + 1) == Some(&b'"') {
                    let mut j = i + 2;
                    loop {
                        match b.get(j)? {
                            b'\\' => j += 2,
                            b'"' => break,
                            _ => j += 1,
                        }
                    }
                    j + 1
                } else {
                    i + 1 + b.get(i + 1..)?.iter().position(|&c| c == b']')?
                };
                if b.get(close) != Some(&b']') {
                    return None;
                }
                out.push(RefSeg::Key(s.get(i + 1..close)?.to_owned()));
                i = close + 1;
            }
            _ => {
                let end = b
                    .get(i..)?
                    .iter()
                    .position(|&c| c == b'.' || c == b'[')
                    .map_or(b.len(), |p| i + p);
                out.push(RefSeg::Name(s.get(i..end)?.to_owned()));
                i = end;
            }
        }
    }
    Some(out)
}

/// A resource address parsed: module path, mode, type, name, key.
pub(super) type Address = (Vec<ModSeg>, Mode, String, String, Option<String>);

/// Reads a resource address (`module.a[0].data.aws_iam_policy_document.d`).
pub(super) fn parse_address(addr: &str) -> Option<Address> {
    let segs = split_ref(addr)?;
    let mut it = segs.into_iter().peekable();
    let mut module = Vec::new();
    let mut mode = Mode::Managed;
    loop {
        match it.next()? {
            RefSeg::Name(n) if n == "module" => {
                let RefSeg::Name(name) = it.next()? else {
                    return None;
                };
                let key = match it.peek() {
                    Some(RefSeg::Key(_)) => match it.next() {
                        Some(RefSeg::Key(k)) => Some(k),
                        _ => None,
                    },
                    _ => None,
                };
                module.push(ModSeg { name, key });
            }
            RefSeg::Name(n) if n == "data" && mode == Mode::Managed => {
                mode = Mode::Data;
                let RefSeg::Name(kind) = it.next()? else {
                    return None;
                };
                let RefSeg::Name(name) = it.next()? else {
                    return None;
                };
                return finish_address(module, mode, kind, name, it);
            }
            RefSeg::Name(kind) => {
                let RefSeg::Name(name) = it.next()? else {
                    return None;
                };
                return finish_address(module, mode, kind, name, it);
            }
            RefSeg::Key(_) => return None,
        }
    }
}

fn finish_address(
    module: Vec<ModSeg>,
    mode: Mode,
    kind: String,
    name: String,
    mut rest: impl Iterator<Item = RefSeg>,
) -> Option<Address> {
    let key = match rest.next() {
        None => None,
        Some(RefSeg::Key(k)) => Some(k),
        Some(RefSeg::Name(_)) => return None,
    };
    if rest.next().is_some() {
        return None;
    }
    Some((module, mode, kind, name, key))
}

/// The resource instances a reference leads to, or why it leads nowhere.
pub(super) struct Targets<'i, 'a> {
    pub insts: Vec<&'i Inst<'a>>,
    /// What could not be followed (`var.x` of the root module, `local.y`, ...).
    pub dead_ends: Vec<String>,
}

/// Every resource instance of a file, and its configuration.
pub(super) struct Index<'a> {
    pub file: Arc<str>,
    pub managed: Vec<Inst<'a>>,
    pub data: Vec<Inst<'a>>,
    config: Option<&'a RawConfig>,
    /// A plan with its configuration: values a resource computes and its configuration
    /// does not set are the prior state's, not what apply will leave.
    plan_with_config: bool,
    by_base: FxHashMap<String, Vec<(Mode, usize)>>,
    /// Configuration resources by module path (call names) and relative address.
    config_resources: FxHashMap<(Vec<String>, String), &'a RawConfigResource>,
}

const MAX_DEPTH: usize = 32;

impl<'a> Index<'a> {
    pub fn new(file: &Arc<str>, show: &'a RawShow<'a>) -> Result<Self, IngestError> {
        let mut idx = Index {
            file: file.clone(),
            managed: Vec::new(),
            data: Vec::new(),
            config: show.configuration.as_ref(),
            plan_with_config: show.planned_values.is_some() && show.configuration.is_some(),
            by_base: FxHashMap::default(),
            config_resources: FxHashMap::default(),
        };
        if let Some(root) = show
            .configuration
            .as_ref()
            .and_then(|c| c.root_module.as_ref())
        {
            index_config(root, &mut Vec::new(), &mut idx.config_resources);
        }
        // What each address's change says: actions, and which values are unknown.
        let mut changes: FxHashMap<&str, (usize, Vec<String>)> = FxHashMap::default();
        for (i, c) in show.resource_changes.iter().enumerate() {
            let actions = c.change.actions.iter().map(|a| a.to_string()).collect();
            changes.insert(c.address.as_ref(), (i, actions));
        }
        let unknown_of = |addr: &str| -> (Option<(&'a Value, String)>, Vec<String>) {
            match changes.get(addr) {
                Some((i, actions)) => {
                    let u = show.resource_changes.get(*i).and_then(|c| {
                        c.change
                            .after_unknown
                            .as_ref()
                            .map(|v| (v, format!("/resource_changes/{i}/change/after_unknown")))
                    });
                    (u, actions.clone())
                }
                None => (None, Vec::new()),
            }
        };

        let mut found = Vec::new();
        if let Some(root) = show.values.as_ref().and_then(|v| v.root_module.as_ref()) {
            walk(root, "/values/root_module", Origin::Values, &mut found);
        }
        if let Some(root) = show
            .planned_values
            .as_ref()
            .and_then(|v| v.root_module.as_ref())
        {
            walk(
                root,
                "/planned_values/root_module",
                Origin::Values,
                &mut found,
            );
        }
        if let Some(root) = show
            .prior_state
            .as_ref()
            .and_then(|p| p.values.as_ref())
            .and_then(|v| v.root_module.as_ref())
        {
            walk(
                root,
                "/prior_state/values/root_module",
                Origin::PriorState,
                &mut found,
            );
        }
        for (r, pointer, origin) in found {
            let parsed = parse_address(&r.address).ok_or_else(|| {
                IngestError::new(
                    Place::pointer(file.clone(), format!("{pointer}/address")),
                    format!("cannot read the resource address `{}`", r.address),
                )
            })?;
            let (module, mode, _, _, key) = parsed;
            let mode = match r.mode.as_deref() {
                Some("data") => Mode::Data,
                Some(_) => Mode::Managed,
                None => mode,
            };
            // managed resources of the prior state are the state before the plan: gone or
            // changed after apply, so only its data sources are read
            if origin == Origin::PriorState && mode == Mode::Managed {
                continue;
            }
            let (unknown, actions) = unknown_of(&r.address);
            // a plan's values are the state after apply, so a deleted resource should not
            // be in them; if a plan says otherwise, the change wins
            if mode == Mode::Managed
                && actions.iter().any(|a| a == "delete" || a == "forget")
                && !actions.iter().any(|a| a == "create")
            {
                continue;
            }
            let index = r.index.map(|i| i.get().to_owned()).or(key);
            let inst = Inst {
                addr: r.address.to_string(),
                module,
                mode,
                kind: r.kind.to_string(),
                name: r.name.to_string(),
                index,
                values: r.values.as_ref(),
                pointer: format!("{pointer}/values"),
                origin,
                unknown,
            };
            idx.push(inst);
        }
        for (i, c) in show.resource_changes.iter().enumerate() {
            let Some((module, mode, kind, name, key)) = parse_address(&c.address) else {
                return Err(IngestError::new(
                    Place::pointer(file.clone(), format!("/resource_changes/{i}/address")),
                    format!("cannot read the resource address `{}`", c.address),
                ));
            };
            let mode = match c.mode.as_deref() {
                Some("data") => Mode::Data,
                Some(_) => Mode::Managed,
                None => mode,
            };
            // data sources read during apply are only here
            if mode != Mode::Data || c.change.after.is_none() {
                continue;
            }
            let (unknown, _) = unknown_of(&c.address);
            idx.push(Inst {
                addr: c.address.to_string(),
                module,
                mode,
                kind: c.kind.as_deref().map_or(kind, str::to_owned),
                name: c.name.as_deref().map_or(name, str::to_owned),
                index: c.index.map(|i| i.get().to_owned()).or(key),
                values: c.change.after.as_ref(),
                pointer: format!("/resource_changes/{i}/change/after"),
                origin: Origin::Change,
                unknown,
            });
        }
        Ok(idx)
    }

    fn push(&mut self, inst: Inst<'a>) {
        let base = inst.base();
        let entry = match inst.mode {
            Mode::Managed => {
                self.managed.push(inst);
                (Mode::Managed, self.managed.len() - 1)
            }
            Mode::Data => {
                self.data.push(inst);
                (Mode::Data, self.data.len() - 1)
            }
        };
        self.by_base.entry(base).or_default().push(entry);
    }

    /// Every instance (values, prior state, change) of a base address.
    pub fn instances(&self, base: &str) -> Vec<&Inst<'a>> {
        self.by_base
            .get(base)
            .map(|v| {
                v.iter()
                    .filter_map(|(m, i)| match m {
                        Mode::Managed => self.managed.get(*i),
                        Mode::Data => self.data.get(*i),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn config_module(&self, module: &[ModSeg]) -> Option<&'a RawConfigModule> {
        let mut m = self.config?.root_module.as_ref()?;
        for seg in module {
            m = m.module_calls.get(&seg.name)?.module.as_ref()?;
        }
        Some(m)
    }

    /// Whether a computed attribute's value (a role's `managed_policy_arns`,
    /// `inline_policy`) says what it will be after apply: in a state it is what the last
    /// refresh saw; in a plan only when the configuration sets it, otherwise it repeats
    /// the prior state and misses what the plan's other resources attach or detach.
    pub fn computed_is_final(&self, inst: &Inst<'_>, path: &[Step<'_>]) -> bool {
        !self.plan_with_config || self.configured(inst, path)
    }

    /// Whether the configuration gives an expression for `path` of `inst`.
    pub fn configured(&self, inst: &Inst<'_>, path: &[Step<'_>]) -> bool {
        self.expression(inst, path).is_some()
    }

    /// The configuration expression behind `path` of `inst` (nested blocks are lists of
    /// objects of expressions).
    pub fn expression(&self, inst: &Inst<'_>, path: &[Step<'_>]) -> Option<&'a Value> {
        let rel = match inst.mode {
            Mode::Managed => format!("{}.{}", inst.kind, inst.name),
            Mode::Data => format!("data.{}.{}", inst.kind, inst.name),
        };
        let names: Vec<String> = inst.module.iter().map(|m| m.name.clone()).collect();
        let res = self.config_resources.get(&(names, rel))?;
        let (first, rest) = path.split_first()?;
        let Step::Key(k) = first else { return None };
        let mut v = res.expressions.as_ref()?.get(*k)?;
        for s in rest {
            v = step(v, *s)?;
        }
        Some(v)
    }

    /// Where the references of `path` of `inst` lead.
    pub fn follow(&self, inst: &Inst<'_>, path: &[Step<'_>]) -> Targets<'_, 'a> {
        let mut t = Targets {
            insts: Vec::new(),
            dead_ends: Vec::new(),
        };
        if let Some(expr) = self.expression(inst, path) {
            self.follow_expr(expr, &inst.module, inst.index.as_deref(), 0, &mut t);
        }
        // one instance once, in order
        let mut seen = Vec::new();
        t.insts.retain(|i| {
            let key = (i.addr.clone(), i.origin as u8);
            if seen.contains(&key) {
                false
            } else {
                seen.push(key);
                true
            }
        });
        t
    }

    fn follow_expr<'s>(
        &'s self,
        expr: &Value,
        module: &[ModSeg],
        self_index: Option<&str>,
        depth: usize,
        out: &mut Targets<'s, 'a>,
    ) {
        let refs: Vec<&str> = match expr.get("references").and_then(Value::as_array) {
            Some(list) => list.iter().filter_map(Value::as_str).collect(),
            None => return,
        };
        if depth > MAX_DEPTH {
            out.dead_ends
                .push("references nest deeper than iamdiff follows".to_owned());
            return;
        }
        let per_instance = refs
            .iter()
            .any(|r| r.starts_with("count.") || r.starts_with("each."));
        for r in refs {
            let Some(segs) = split_ref(r) else {
                out.dead_ends.push(format!("`{r}`"));
                continue;
            };
            let name = |i: usize| match segs.get(i) {
                Some(RefSeg::Name(n)) => Some(n.as_str()),
                _ => None,
            };
            match name(0) {
                Some("count" | "each" | "path" | "terraform" | "self") => {}
                Some("local") => out.dead_ends.push(format!("`{r}`")),
                Some("var") => {
                    let (Some(var), Some((last, parent))) = (name(1), module.split_last()) else {
                        out.dead_ends.push(format!("`{r}`"));
                        continue;
                    };
                    let expr = self
                        .config_module(parent)
                        .and_then(|m| m.module_calls.get(&last.name))
                        .and_then(|c| c.expressions.as_ref())
                        .and_then(|e| e.get(var));
                    match expr {
                        Some(e) => self.follow_expr(e, parent, None, depth + 1, out),
                        None => out.dead_ends.push(format!("`{r}`")),
                    }
                }
                Some("module") => {
                    let Some(call) = name(1) else {
                        out.dead_ends.push(format!("`{r}`"));
                        continue;
                    };
                    let (key, output) = match segs.get(2) {
                        Some(RefSeg::Key(k)) => (Some(k.clone()), name(3)),
                        _ => (None, name(2)),
                    };
                    // a whole module (`module.m`) is every output of it
                    let Some(cfg) = self
                        .config_module(module)
                        .and_then(|m| m.module_calls.get(call))
                        .and_then(|c| c.module.as_ref())
                    else {
                        out.dead_ends.push(format!("`{r}`"));
                        continue;
                    };
                    let outputs: Vec<&Value> = match output {
                        Some(o) => cfg
                            .outputs
                            .get(o)
                            .and_then(|o| o.expression.as_ref())
                            .into_iter()
                            .collect(),
                        None => cfg
                            .outputs
                            .values()
                            .filter_map(|o| o.expression.as_ref())
                            .collect(),
                    };
                    if outputs.is_empty() {
                        out.dead_ends.push(format!("`{r}`"));
                    }
                    for child in self.module_instances(module, call, key.as_deref()) {
                        for e in &outputs {
                            self.follow_expr(e, &child, None, depth + 1, out);
                        }
                    }
                }
                Some(first) => {
                    let (mode, kind, rname, key) = if first == "data" {
                        match (name(1), name(2), segs.get(3)) {
                            (Some(k), Some(n), Some(RefSeg::Key(key))) => {
                                (Mode::Data, k, n, Some(key.as_str()))
                            }
                            (Some(k), Some(n), _) => (Mode::Data, k, n, None),
                            _ => {
                                out.dead_ends.push(format!("`{r}`"));
                                continue;
                            }
                        }
                    } else {
                        match (name(1), segs.get(2)) {
                            (Some(n), Some(RefSeg::Key(key))) => {
                                (Mode::Managed, first, n, Some(key.as_str()))
                            }
                            (Some(n), _) => (Mode::Managed, first, n, None),
                            _ => {
                                out.dead_ends.push(format!("`{r}`"));
                                continue;
                            }
                        }
                    };
                    let data = if mode == Mode::Data { "data." } else { "" };
                    let base = format!("{}{data}{kind}.{rname}", module_prefix(module));
                    let all = self.instances(&base);
                    let chosen: Vec<&Inst<'a>> = match key {
                        Some(k) => all
                            .into_iter()
                            .filter(|i| i.index.as_deref() == Some(k))
                            .collect(),
                        None => {
                            let distinct = {
                                let mut keys: Vec<Option<&str>> =
                                    all.iter().map(|i| i.index.as_deref()).collect();
                                keys.sort();
                                keys.dedup();
                                keys.len()
                            };
                            let same: Vec<&Inst<'a>> = all
                                .iter()
                                .copied()
                                .filter(|i| {
                                    self_index.is_some() && i.index.as_deref() == self_index
                                })
                                .collect();
                            // `aws_iam_policy.p[count.index]` names the instance of the
                            // same index; anything else names them all
                            if distinct > 1 && per_instance && !same.is_empty() {
                                same
                            } else {
                                all
                            }
                        }
                    };
                    if chosen.is_empty() {
                        let missing = format!("`{base}`");
                        if !out.dead_ends.contains(&missing) {
                            out.dead_ends.push(missing);
                        }
                    }
                    out.insts.extend(chosen);
                }
                None => out.dead_ends.push(format!("`{r}`")),
            }
        }
    }

    /// The instances of module call `call` inside `module` (all of them without a key).
    fn module_instances(
        &self,
        module: &[ModSeg],
        call: &str,
        key: Option<&str>,
    ) -> Vec<Vec<ModSeg>> {
        let mut out: Vec<Vec<ModSeg>> = Vec::new();
        for i in self.managed.iter().chain(&self.data) {
            if i.module.len() > module.len()
                && i.module.get(..module.len()) == Some(module)
                && let Some(seg) = i.module.get(module.len())
                && seg.name == call
                && (key.is_none() || seg.key.as_deref() == key)
            {
                let path = i.module.get(..=module.len()).unwrap_or_default().to_vec();
                if !out.contains(&path) {
                    out.push(path);
                }
            }
        }
        if out.is_empty() {
            let mut path = module.to_vec();
            path.push(ModSeg {
                name: call.to_owned(),
                key: key.map(str::to_owned),
            });
            out.push(path);
        }
        out
    }

    /// Whether the AWS provider configuration sets `default_tags` (then `tags` alone is
    /// not every tag a resource gets).
    pub fn has_default_tags(&self) -> bool {
        self.config
            .and_then(|c| c.provider_config.as_ref())
            .is_some_and(|p| {
                p.values().any(|prov| {
                    prov.get("expressions")
                        .and_then(|e| e.get("default_tags"))
                        .is_some()
                })
            })
    }
}

/// Every configuration resource of a module tree, by module path and address.
fn index_config<'a>(
    m: &'a RawConfigModule,
    path: &mut Vec<String>,
    out: &mut FxHashMap<(Vec<String>, String), &'a RawConfigResource>,
) {
    if path.len() > MAX_DEPTH {
        return;
    }
    for r in &m.resources {
        out.insert((path.clone(), r.address.clone()), r);
    }
    for (name, call) in &m.module_calls {
        if let Some(child) = &call.module {
            path.push(name.clone());
            index_config(child, path, out);
            path.pop();
        }
    }
}

/// Every resource of a module tree, with the pointer of each.
fn walk<'r, 'a>(
    m: &'r RawModule<'a>,
    pointer: &str,
    origin: Origin,
    out: &mut Vec<(&'r RawResource<'a>, String, Origin)>,
) {
    for (i, r) in m.resources.iter().enumerate() {
        out.push((r, format!("{pointer}/resources/{i}"), origin));
    }
    for (i, c) in m.child_modules.iter().enumerate() {
        walk(c, &format!("{pointer}/child_modules/{i}"), origin, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_with_modules_and_keys() {
        let (m, mode, kind, name, key) =
            parse_address(r#"module.a["x.y"].module.b[0].aws_iam_role.r["k"]"#).unwrap();
        assert_eq!(
            m,
            vec![
                ModSeg {
                    name: "a".into(),
                    key: Some("\"x.y\"".into())
                },
                ModSeg {
                    name: "b".into(),
                    key: Some("0".into())
                }
            ]
        );
        assert_eq!(
            (mode, kind.as_str(), name.as_str(), key.as_deref()),
            (Mode::Managed, "aws_iam_role", "r", Some("\"k\""))
        );
        let (m, mode, kind, _, key) =
            parse_address("module.m.data.aws_iam_policy_document.d").unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(
            (mode, kind.as_str(), key),
            (Mode::Data, "aws_iam_policy_document", None)
        );
        assert!(parse_address("module.").is_none());
        assert!(parse_address("aws_iam_role").is_none());
        assert_eq!(
            module_prefix(&[ModSeg {
                name: "a".into(),
                key: Some("1".into())
            }]),
            "module.a[1]."
        );
    }

    #[test]
    fn references_split() {
        assert_eq!(
            split_ref("aws_iam_policy.p[0].arn").unwrap(),
            vec![
                RefSeg::Name("aws_iam_policy".into()),
                RefSeg::Name("p".into()),
                RefSeg::Key("0".into()),
                RefSeg::Name("arn".into())
            ]
        );
        assert_eq!(split_ref(r#"x["a]b"]"#).unwrap().len(), 2);
        assert!(split_ref("x[").is_none());
    }
}
