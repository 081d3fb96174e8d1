//! Resolving intrinsic functions (`Ref`, `Fn::Sub`, `Fn::GetAtt`, `Fn::Join`, `Fn::If`,
//! `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::ImportValue`) and conditions, with
//! what is known offline: parameter values (`--cfn-params`, else `Default`), pseudo
//! parameters (`--account`, `--region`), and the template's own resources.
//!
//! What cannot be known is never guessed. It becomes a readable placeholder inside the
//! value (`<unresolved:ImportValue SharedBucketArn>`, `<generated:MyBucket>`; no `*`,
//! `?` or `${`, which policies would read as wildcards or variables) plus a message
//! naming the expression and its place, which the statement using it carries into
//! `Statement::unresolved` so evaluation treats it as *needs review*. An `Fn::If` whose
//! condition cannot be decided keeps both branches as a [`VKind::Choice`]; the policy
//! reader keeps every alternative, each needing review.
//!
//! Errors (exit 2) are reserved for templates CloudFormation itself would reject: a
//! malformed function, a condition that is not defined, a mapping key that is missing.

use std::cell::RefCell;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::types::{TypeInfo, type_info};
use crate::ingest::IngestError;
use crate::ingest::raw::cloudformation::{Kind, Loc, Node};
use crate::model::{Place, Warning, WarningCode};

/// A resolved value. `at` is the node it came from (for an intrinsic, the function's).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct V {
    pub at: u32,
    pub kind: VKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum VKind {
    Null,
    Bool(bool),
    Num(String),
    /// A string, and what is unresolved in it (each a message naming its place).
    Str(String, Vec<String>),
    List(Vec<V>),
    Map(Vec<(String, V)>),
    /// `AWS::NoValue`: removes the list item or property holding it.
    NoValue,
    /// An `Fn::If` whose condition is undecided: both branches, and why.
    Choice(Box<Choice>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Choice {
    pub message: String,
    pub yes: V,
    pub no: V,
}

impl V {
    pub fn str(at: u32, s: impl Into<String>) -> V {
        V {
            at,
            kind: VKind::Str(s.into(), Vec::new()),
        }
    }

    /// The text of a scalar, and what is unresolved in it.
    pub fn text(&self) -> Option<(String, &[String])> {
        match &self.kind {
            VKind::Str(s, m) => Some((s.clone(), m)),
            VKind::Num(n) => Some((n.clone(), &[])),
            VKind::Bool(b) => Some((b.to_string(), &[])),
            _ => None,
        }
    }

    /// Every unresolved message inside, in order.
    pub fn messages(&self, out: &mut Vec<String>) {
        match &self.kind {
            VKind::Str(_, m) => push_all(out, m),
            VKind::List(items) => items.iter().for_each(|i| i.messages(out)),
            VKind::Map(entries) => entries.iter().for_each(|(_, v)| v.messages(out)),
            VKind::Choice(c) => {
                push_all(out, std::slice::from_ref(&c.message));
                c.yes.messages(out);
                c.no.messages(out);
            }
            _ => {}
        }
    }

    /// Walks a JSON pointer (`/Statement/0/Effect`) as far as it goes.
    pub fn at_pointer(&self, pointer: &str) -> &V {
        let mut v = self;
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            let next = match &v.kind {
                VKind::Map(entries) => entries.iter().find(|(k, _)| *k == token).map(|(_, c)| c),
                VKind::List(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => v = n,
                None => break,
            }
        }
        v
    }
}

/// Appends the messages not already there.
pub(crate) fn push_all(out: &mut Vec<String>, msgs: &[String]) {
    for m in msgs {
        if !out.contains(m) {
            out.push(m.clone());
        }
    }
}

/// Three-valued truth of a condition: undecided carries why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tri {
    True,
    False,
    Unknown(String),
}

/// A parameter's value as far as it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Param {
    Str(String),
    List(Vec<String>),
    /// Why it has no value.
    Unknown(String),
}

/// Pseudo parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pseudo {
    pub account: Option<String>,
    pub region: Option<String>,
    pub partition: String,
    pub url_suffix: String,
    pub stack_name: Option<String>,
}

impl Pseudo {
    /// The partition and URL suffix follow the region (`cn-north-1` → `aws-cn`).
    pub fn new(
        account: Option<String>,
        region: Option<String>,
        stack_name: Option<String>,
    ) -> Self {
        let (partition, url_suffix) = match region.as_deref() {
            Some(r) if r.starts_with("cn-") => ("aws-cn", "amazonaws.com.cn"),
            Some(r) if r.starts_with("us-gov-") => ("aws-us-gov", "amazonaws.com"),
            _ => ("aws", "amazonaws.com"),
        };
        Pseudo {
            account,
            region,
            partition: partition.to_owned(),
            url_suffix: url_suffix.to_owned(),
            stack_name,
        }
    }
}

/// A resource of the template.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Res<'t> {
    pub id: &'t str,
    pub ty: &'t str,
    pub node: &'t Node,
    pub props: Option<&'t Node>,
    pub condition: Option<&'t Node>,
    /// `Metadata."aws:cdk:path"` of CDK output: how developers know the resource.
    pub cdk_path: Option<&'t str>,
}

impl<'t> Res<'t> {
    pub fn prop(&self, key: &str) -> Option<&'t Node> {
        self.props?.get(key)
    }
}

/// The physical name of a resource, as far as it is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Name {
    Known(String),
    /// No naming property: CloudFormation generates the name at deploy.
    Generated,
    /// The naming property is unresolved: its text (with placeholders) and why.
    Unresolved(String, Vec<String>),
}

/// Everything a value of the template can be resolved against.
pub(crate) struct Env<'t> {
    pub file: Arc<str>,
    pub yaml: bool,
    pub locs: &'t [Loc],
    pub params: FxHashMap<&'t str, Param>,
    pub mappings: Option<&'t Node>,
    pub conditions: FxHashMap<&'t str, &'t Node>,
    pub resources: FxHashMap<&'t str, Res<'t>>,
    pub pseudo: Pseudo,
    /// Conditions decided so far; `None` while one is being decided (a cycle).
    memo: RefCell<FxHashMap<String, Option<Tri>>>,
    /// Resources whose names are being resolved (a cycle).
    naming: RefCell<Vec<String>>,
    names: RefCell<FxHashMap<String, Name>>,
    pub warnings: RefCell<Vec<Warning>>,
    warned: RefCell<FxHashSet<String>>,
}

/// At most this many alternatives are kept where undecided conditions multiply.
pub(crate) const MAX_CHOICES: usize = 16;

type R<T> = Result<T, IngestError>;

impl<'t> Env<'t> {
    pub fn new(file: Arc<str>, yaml: bool, locs: &'t [Loc], pseudo: Pseudo) -> Self {
        Env {
            file,
            yaml,
            locs,
            params: FxHashMap::default(),
            mappings: None,
            conditions: FxHashMap::default(),
            resources: FxHashMap::default(),
            pseudo,
            memo: RefCell::new(FxHashMap::default()),
            naming: RefCell::new(Vec::new()),
            names: RefCell::new(FxHashMap::default()),
            warnings: RefCell::new(Vec::new()),
            warned: RefCell::new(FxHashSet::default()),
        }
    }

    // -- places and messages --------------------------------------------------------

    pub fn place(&self, at: u32) -> Place {
        match self.locs.get(at as usize) {
            Some(loc) => Place {
                file: self.file.clone(),
                line: (loc.line > 0).then_some(loc.line),
                column: (loc.line > 0).then_some(loc.column),
                pointer: Some(loc.pointer.clone()),
            },
            None => Place::file(self.file.clone()),
        }
    }

    pub fn pointer(&self, at: u32) -> String {
        self.locs
            .get(at as usize)
            .map(|l| l.pointer.clone())
            .unwrap_or_default()
    }

    /// `file:line:col` of a node (or `file (at /pointer)` when the line is unknown).
    pub fn here(&self, at: u32) -> String {
        let p = self.place(at);
        match (p.line, p.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", p.file),
            _ => p.to_string(),
        }
    }

    pub fn error(&self, at: u32, message: impl Into<String>) -> IngestError {
        IngestError::new(self.place(at), message)
    }

    pub fn warn(&self, code: WarningCode, at: u32, message: String) {
        self.warnings.borrow_mut().push(Warning {
            code,
            place: self.place(at),
            message,
        });
    }

    /// A warning given once per `key`.
    fn warn_once(&self, key: String, at: u32, message: String) {
        if self.warned.borrow_mut().insert(key) {
            self.warn(WarningCode::Unsupported, at, message);
        }
    }

    /// How the template spells a function: `!Sub` in YAML, `Fn::Sub` in JSON.
    pub fn show(&self, key: &str) -> String {
        if self.yaml {
            format!("!{}", key.trim_start_matches("Fn::"))
        } else {
            key.to_owned()
        }
    }

    /// An unresolved string: a placeholder and a message about `expr` at `at`.
    fn unresolved(&self, at: u32, placeholder: &str, expr: &str, why: &str) -> V {
        let safe: String = placeholder
            .chars()
            .map(|c| if matches!(c, '*' | '?' | '$') { '_' } else { c })
            .collect();
        V {
            at,
            kind: VKind::Str(
                format!("<unresolved:{safe}>"),
                vec![format!("`{expr}` at {}: {why}", self.here(at))],
            ),
        }
    }

    // -- values ---------------------------------------------------------------------

    /// Resolves a node: intrinsic functions evaluated, `AWS::NoValue` items and
    /// properties removed.
    pub fn resolve(&self, node: &Node) -> R<V> {
        let kind = match &node.kind {
            Kind::Null => VKind::Null,
            Kind::Bool(b) => VKind::Bool(*b),
            Kind::Num(n) => VKind::Num(n.clone()),
            Kind::Str(s) => VKind::Str(s.clone(), Vec::new()),
            Kind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    let v = self.resolve(i)?;
                    if v.kind != VKind::NoValue {
                        out.push(v);
                    }
                }
                VKind::List(out)
            }
            Kind::Map(entries) => {
                if let Some((k, arg)) = node.single()
                    && (k == "Ref" || k.starts_with("Fn::"))
                {
                    return self.intrinsic(k, arg, node.id);
                }
                let mut out = Vec::with_capacity(entries.len());
                for (k, n) in entries {
                    let v = self.resolve(n)?;
                    if v.kind != VKind::NoValue {
                        out.push((k.clone(), v));
                    }
                }
                VKind::Map(out)
            }
        };
        Ok(V { at: node.id, kind })
    }

    fn intrinsic(&self, key: &str, arg: &Node, at: u32) -> R<V> {
        match key {
            "Ref" => {
                let name = arg.as_str().ok_or_else(|| {
                    self.error(
                        arg.id,
                        format!(
                            "`{}` takes the name of a parameter or resource, not {}",
                            self.show("Ref"),
                            arg.describe()
                        ),
                    )
                })?;
                self.reference(name, at, &format!("{} {name}", self.show("Ref")))
            }
            "Fn::GetAtt" => {
                let (res, attr) = self.getatt_args(arg, at)?;
                let expr = format!("{} {res}.{attr}", self.show(key));
                self.getatt(&res, &attr, at, &expr)
            }
            "Fn::Sub" => self.sub(arg, at),
            "Fn::Join" => self.join(arg, at),
            "Fn::Select" => self.select(arg, at),
            "Fn::Split" => self.split(arg, at),
            "Fn::FindInMap" => self.find_in_map(arg, at),
            "Fn::ImportValue" => {
                let v = self.resolve(arg)?;
                let (name, msgs) = self.text_of(&v, at, key)?;
                let mut u = self.unresolved(
                    at,
                    &format!("ImportValue {name}"),
                    &format!("{} {name}", self.show(key)),
                    "values exported by other stacks are not known offline",
                );
                if let VKind::Str(_, m) = &mut u.kind {
                    push_all(m, &msgs);
                }
                Ok(u)
            }
            "Fn::If" => self.fn_if(arg, at),
            _ => Ok(self.unresolved(
                at,
                key,
                &self.show(key),
                "this function is not evaluated offline",
            )),
        }
    }

    /// The text of a scalar argument; lists and maps are errors, an undecided choice
    /// is unresolved.
    fn text_of(&self, v: &V, at: u32, key: &str) -> R<(String, Vec<String>)> {
        match &v.kind {
            VKind::Choice(c) => {
                let u = self.unresolved(v.at, "If", &self.show("Fn::If"), &c.message);
                Ok(u.text().map(|(s, m)| (s, m.to_vec())).unwrap_or_default())
            }
            VKind::NoValue | VKind::Null => Ok((String::new(), Vec::new())),
            _ => match v.text() {
                Some((s, m)) => Ok((s, m.to_vec())),
                None => Err(self.error(
                    at,
                    format!(
                        "`{}` expects a string here, not a list or object",
                        self.show(key)
                    ),
                )),
            },
        }
    }

    /// `Ref` to a pseudo parameter, parameter or resource.
    fn reference(&self, name: &str, at: u32, expr: &str) -> R<V> {
        let p = &self.pseudo;
        let known = |s: &str| Ok(V::str(at, s));
        match name {
            "AWS::NoValue" => {
                return Ok(V {
                    at,
                    kind: VKind::NoValue,
                });
            }
            "AWS::Partition" => return known(&p.partition),
            "AWS::URLSuffix" => return known(&p.url_suffix),
            "AWS::AccountId" => {
                return Ok(match &p.account {
                    Some(a) => V::str(at, a),
                    None => {
                        self.unresolved(at, name, expr, "the account is unknown (give `--account`)")
                    }
                });
            }
            "AWS::Region" => {
                return Ok(match &p.region {
                    Some(r) => V::str(at, r),
                    None => {
                        self.unresolved(at, name, expr, "the region is unknown (give `--region`)")
                    }
                });
            }
            "AWS::StackName" => {
                return Ok(match &p.stack_name {
                    Some(s) => V::str(at, s),
                    None => self.unresolved(
                        at,
                        name,
                        expr,
                        "the stack name is not in the template (a CDK template's comes from its file name)",
                    ),
                });
            }
            _ if name.starts_with("AWS::") => {
                return Ok(self.unresolved(
                    at,
                    name,
                    expr,
                    "this pseudo parameter is only known at deploy",
                ));
            }
            _ => {}
        }
        if let Some(param) = self.params.get(name) {
            return Ok(match param {
                Param::Str(s) => V::str(at, s),
                Param::List(items) => V {
                    at,
                    kind: VKind::List(items.iter().map(|s| V::str(at, s)).collect()),
                },
                Param::Unknown(why) => self.unresolved(at, &format!("Ref {name}"), expr, why),
            });
        }
        if let Some(res) = self.resources.get(name) {
            let Some(info) = type_info(res.ty) else {
                return Ok(self.unresolved(
                    at,
                    &format!("Ref {name}"),
                    expr,
                    &format!("what `Ref` of a `{}` returns is not known offline", res.ty),
                ));
            };
            let Some(pattern) = info.reference else {
                return Ok(self.unresolved(
                    at,
                    &format!("Ref {name}"),
                    expr,
                    &format!("`Ref` of a `{}` returns an id made at deploy", res.ty),
                ));
            };
            return self.fill(res, info, pattern, at, expr);
        }
        Ok(self.undefined(name, at, expr))
    }

    fn undefined(&self, name: &str, at: u32, expr: &str) -> V {
        let why = format!("`{name}` is neither a parameter nor a resource of the template");
        self.warn_once(
            format!("undefined:{name}"),
            at,
            format!(
                "`{name}` is referenced but not defined in the template; what uses it is unresolved"
            ),
        );
        self.unresolved(at, &format!("Ref {name}"), expr, &why)
    }

    fn getatt_args(&self, arg: &Node, at: u32) -> R<(String, String)> {
        let bad = || {
            self.error(
                arg.id,
                format!(
                    "`{}` takes a resource and an attribute (`[Resource, Attribute]` or `Resource.Attribute`)",
                    self.show("Fn::GetAtt")
                ),
            )
        };
        match &arg.kind {
            Kind::Str(s) => s
                .split_once('.')
                .map(|(r, a)| (r.to_owned(), a.to_owned()))
                .ok_or_else(bad),
            Kind::List(items) => match items.as_slice() {
                [r, a] => {
                    let r = r.as_str().ok_or_else(bad)?.to_owned();
                    let a = match a.as_str() {
                        Some(a) => a.to_owned(),
                        // the attribute may be a `Ref` to a parameter
                        None => {
                            let v = self.resolve(a)?;
                            self.text_of(&v, at, "Fn::GetAtt")?.0
                        }
                    };
                    Ok((r, a))
                }
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }

    fn getatt(&self, name: &str, attr: &str, at: u32, expr: &str) -> R<V> {
        let Some(res) = self.resources.get(name) else {
            return Ok(self.undefined(name, at, expr));
        };
        let pattern = type_info(res.ty).and_then(|i| Some((i, i.attr(attr)?)));
        match pattern {
            Some((info, p)) => self.fill(res, info, p, at, expr),
            None => Ok(self.unresolved(
                at,
                &format!("GetAtt {name}.{attr}"),
                expr,
                &format!("what `{attr}` of a `{}` is, is not known offline", res.ty),
            )),
        }
    }

    /// The physical name of a resource (memoized).
    pub fn name_of(&self, res: &Res<'_>) -> R<Name> {
        if let Some(n) = self.names.borrow().get(res.id) {
            return Ok(n.clone());
        }
        let prop = type_info(res.ty).and_then(|i| i.name_prop);
        let Some(node) = prop.and_then(|p| res.prop(p)) else {
            return Ok(Name::Generated);
        };
        if self.naming.borrow().iter().any(|n| n == res.id) {
            return Err(self.error(
                node.id,
                format!("the name of `{}` depends on itself", res.id),
            ));
        }
        self.naming.borrow_mut().push(res.id.to_owned());
        let v = self.resolve(node);
        self.naming.borrow_mut().pop();
        let v = v?;
        let name = match &v.kind {
            VKind::NoValue => Name::Generated,
            VKind::Choice(c) => {
                let u = self.unresolved(v.at, "If", &self.show("Fn::If"), &c.message);
                let (s, m) = u.text().unwrap_or_default();
                Name::Unresolved(s, m.to_vec())
            }
            _ => match v.text() {
                Some((s, [])) => Name::Known(s),
                Some((s, m)) => Name::Unresolved(s, m.to_vec()),
                None => {
                    return Err(self.error(
                        node.id,
                        format!(
                            "the name of `{}` must be a string, not {}",
                            res.id,
                            node.describe()
                        ),
                    ));
                }
            },
        };
        self.names
            .borrow_mut()
            .insert(res.id.to_owned(), name.clone());
        Ok(name)
    }

    /// The IAM path of a resource (`/` when absent).
    pub fn path_of(&self, res: &Res<'_>) -> R<(String, Vec<String>)> {
        match res.prop("Path") {
            None => Ok(("/".to_owned(), Vec::new())),
            Some(node) => {
                let v = self.resolve(node)?;
                if v.kind == VKind::NoValue {
                    return Ok(("/".to_owned(), Vec::new()));
                }
                self.text_of(&v, node.id, "Path")
            }
        }
    }

    /// Fills a [`TypeInfo`] pattern for `res`; what is unknown in it makes one message
    /// about `expr`.
    fn fill(&self, res: &Res<'_>, info: &TypeInfo, pattern: &str, at: u32, expr: &str) -> R<V> {
        let mut out = String::new();
        let mut reasons: Vec<String> = Vec::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            out.push_str(rest.get(..open).unwrap_or_default());
            let after = rest.get(open + 1..).unwrap_or_default();
            let Some(close) = after.find('}') else {
                break;
            };
            let field = after.get(..close).unwrap_or_default();
            rest = after.get(close + 1..).unwrap_or_default();
            let p = &self.pseudo;
            match field {
                "partition" => out.push_str(&p.partition),
                "urlsuffix" => out.push_str(&p.url_suffix),
                "account" => match &p.account {
                    Some(a) => out.push_str(a),
                    None => {
                        out.push_str("<unresolved:AWS::AccountId>");
                        reasons.push("the account is unknown (give `--account`)".to_owned());
                    }
                },
                "region" => match &p.region {
                    Some(r) => out.push_str(r),
                    None => {
                        out.push_str("<unresolved:AWS::Region>");
                        reasons.push("the region is unknown (give `--region`)".to_owned());
                    }
                },
                "path" => {
                    let (path, m) = self.path_of(res)?;
                    out.push_str(&path);
                    if !m.is_empty() {
                        reasons.push(format!(
                            "the path of {} `{}` is unresolved ({})",
                            info.what,
                            res.id,
                            m.join("; ")
                        ));
                    }
                }
                _ => match self.name_of(res)? {
                    Name::Known(n) => out.push_str(&n),
                    Name::Unresolved(s, m) => {
                        out.push_str(&s);
                        reasons.push(format!(
                            "the name of {} `{}` is unresolved ({})",
                            info.what,
                            res.id,
                            m.join("; ")
                        ));
                    }
                    Name::Generated => {
                        out.push_str(&format!("<generated:{}>", res.id));
                        reasons.push(format!(
                            "{} `{}` has no `{}`, so CloudFormation makes its name at deploy",
                            info.what,
                            res.id,
                            info.name_prop.unwrap_or("name")
                        ));
                    }
                },
            }
        }
        out.push_str(rest);
        let msgs = if reasons.is_empty() {
            Vec::new()
        } else {
            vec![format!(
                "`{expr}` at {}: {}",
                self.here(at),
                reasons.join("; ")
            )]
        };
        Ok(V {
            at,
            kind: VKind::Str(out, msgs),
        })
    }

    /// `Fn::Sub`: `${Param}`, `${Resource}`, `${Resource.Attribute}`, `${AWS::Region}`,
    /// the variables of the list form, and `${!Literal}` for a literal `${Literal}`.
    /// `${aws:username}` and other names with a single colon cannot be references
    /// (logical ids are alphanumeric), so they stay as written: policy variables.
    fn sub(&self, arg: &Node, at: u32) -> R<V> {
        let key = "Fn::Sub";
        let bad = || {
            self.error(
                arg.id,
                format!(
                    "`{}` takes a string, or a list of a string and an object of variables",
                    self.show(key)
                ),
            )
        };
        let (template, vars) = match &arg.kind {
            Kind::Str(s) => (s.as_str(), None),
            Kind::List(items) => match items.as_slice() {
                [s, vars] => (
                    s.as_str().ok_or_else(bad)?,
                    Some(vars.as_map().ok_or_else(bad)?),
                ),
                _ => return Err(bad()),
            },
            _ => return Err(bad()),
        };
        let mut values: FxHashMap<&str, V> = FxHashMap::default();
        for (k, n) in vars.unwrap_or_default() {
            values.insert(k, self.resolve(n)?);
        }
        let mut out = String::new();
        let mut msgs = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find("${") {
            out.push_str(rest.get(..open).unwrap_or_default());
            let after = rest.get(open + 2..).unwrap_or_default();
            if let Some(literal) = after.strip_prefix('!') {
                out.push_str("${");
                rest = literal;
                continue;
            }
            let Some(close) = after.find('}') else {
                out.push_str("${");
                rest = after;
                continue;
            };
            let name = after.get(..close).unwrap_or_default().trim();
            rest = after.get(close + 1..).unwrap_or_default();
            let expr = format!("${{{name}}} in {}", self.show(key));
            let v = if let Some(v) = values.get(name) {
                v.clone()
            } else if name.starts_with("AWS::") {
                self.reference(name, at, &expr)?
            } else if let Some((res, attr)) = name.split_once('.') {
                self.getatt(res, attr, at, &expr)?
            } else if name.contains(':') || name.is_empty() {
                out.push_str(&format!("${{{name}}}"));
                continue;
            } else {
                self.reference(name, at, &expr)?
            };
            let (s, m) = self.text_of(&v, at, key)?;
            out.push_str(&s);
            push_all(&mut msgs, &m);
        }
        out.push_str(rest);
        Ok(V {
            at,
            kind: VKind::Str(out, msgs),
        })
    }

    /// The two or more arguments of a function given as a list.
    fn args<'n, const N: usize>(&self, arg: &'n Node, key: &str, what: &str) -> R<&'n [Node; N]> {
        arg.as_list()
            .and_then(|items| <&[Node; N]>::try_from(items).ok())
            .ok_or_else(|| {
                self.error(
                    arg.id,
                    format!("`{}` takes a list of {what}", self.show(key)),
                )
            })
    }

    /// A resolved argument that must be a list: its items, or the unresolved string that
    /// stands for the whole list.
    fn list_arg(&self, v: V, key: &str) -> R<Result<Vec<V>, V>> {
        match v.kind {
            VKind::List(items) => Ok(Ok(items)),
            VKind::Str(_, ref m) if !m.is_empty() => Ok(Err(v)),
            VKind::Choice(ref c) => Ok(Err(self.unresolved(
                v.at,
                "If",
                &self.show("Fn::If"),
                &c.message,
            ))),
            _ => Err(self.error(v.at, format!("`{}` expects a list here", self.show(key)))),
        }
    }

    fn join(&self, arg: &Node, at: u32) -> R<V> {
        let key = "Fn::Join";
        let [delim, list] = self.args::<2>(arg, key, "a delimiter and a list")?;
        let delim = delim.as_str().ok_or_else(|| {
            self.error(
                delim.id,
                format!("the delimiter of `{}` must be a string", self.show(key)),
            )
        })?;
        let items = match self.list_arg(self.resolve(list)?, key)? {
            Ok(items) => items,
            Err(unresolved) => return Ok(V { at, ..unresolved }),
        };
        let mut parts = Vec::with_capacity(items.len());
        let mut msgs = Vec::new();
        for item in &items {
            let (s, m) = self.text_of(item, item.at, key)?;
            parts.push(s);
            push_all(&mut msgs, &m);
        }
        Ok(V {
            at,
            kind: VKind::Str(parts.join(delim), msgs),
        })
    }

    fn select(&self, arg: &Node, at: u32) -> R<V> {
        let key = "Fn::Select";
        let [index, list] = self.args::<2>(arg, key, "an index and a list")?;
        let iv = self.resolve(index)?;
        let (i, m) = self.text_of(&iv, index.id, key)?;
        if !m.is_empty() {
            return Ok(V { at, ..iv });
        }
        let i: usize = i.trim().parse().map_err(|_| {
            self.error(
                index.id,
                format!(
                    "the index of `{}` must be a number, not `{i}`",
                    self.show(key)
                ),
            )
        })?;
        match self.list_arg(self.resolve(list)?, key)? {
            Ok(items) => {
                let n = items.len();
                items.into_iter().nth(i).ok_or_else(|| {
                    self.error(
                        index.id,
                        format!(
                            "`{}` index {i} is out of range: the list has {n} items",
                            self.show(key)
                        ),
                    )
                })
            }
            Err(unresolved) => Ok(V { at, ..unresolved }),
        }
    }

    fn split(&self, arg: &Node, at: u32) -> R<V> {
        let key = "Fn::Split";
        let [delim, source] = self.args::<2>(arg, key, "a delimiter and a string")?;
        let delim = delim.as_str().ok_or_else(|| {
            self.error(
                delim.id,
                format!("the delimiter of `{}` must be a string", self.show(key)),
            )
        })?;
        let v = self.resolve(source)?;
        let (s, m) = self.text_of(&v, source.id, key)?;
        if !m.is_empty() {
            // the pieces are unknown: the whole list stands unresolved
            return Ok(V {
                at,
                kind: VKind::Str(s, m),
            });
        }
        let items = if delim.is_empty() {
            vec![V::str(at, s)]
        } else {
            s.split(delim).map(|p| V::str(at, p)).collect()
        };
        Ok(V {
            at,
            kind: VKind::List(items),
        })
    }

    fn find_in_map(&self, arg: &Node, at: u32) -> R<V> {
        let key = "Fn::FindInMap";
        let items = match arg.as_list() {
            Some(items) if items.len() == 3 || items.len() == 4 => items,
            _ => {
                return Err(self.error(
                    arg.id,
                    format!(
                        "`{}` takes a list of a mapping name and two keys",
                        self.show(key)
                    ),
                ));
            }
        };
        let mut keys = Vec::with_capacity(3);
        for n in items.iter().take(3) {
            let v = self.resolve(n)?;
            let (s, m) = self.text_of(&v, n.id, key)?;
            if !m.is_empty() {
                return Ok(V { at, ..v });
            }
            keys.push((s, n.id));
        }
        let default = items.get(3).and_then(|d| d.get("DefaultValue"));
        let mut node = self.mappings;
        for (k, id) in &keys {
            node = node.and_then(|n| n.get(k));
            if node.is_none() {
                if let Some(d) = default {
                    return self.resolve(d);
                }
                let path: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
                return Err(self.error(
                    *id,
                    format!(
                        "`Mappings` has no `{}` (key `{k}` is missing)",
                        path.join(".")
                    ),
                ));
            }
        }
        match node {
            Some(n) => {
                let v = self.resolve(n)?;
                Ok(V { at, ..v })
            }
            None => Err(self.error(at, "`Mappings` is missing")),
        }
    }

    fn fn_if(&self, arg: &Node, at: u32) -> R<V> {
        let key = "Fn::If";
        let [cond, yes, no] = self.args::<3>(arg, key, "a condition name and two values")?;
        let name = cond.as_str().ok_or_else(|| {
            self.error(
                cond.id,
                format!(
                    "the first item of `{}` must be a condition name",
                    self.show(key)
                ),
            )
        })?;
        match self.condition(name, cond.id)? {
            Tri::True => self.resolve(yes),
            Tri::False => self.resolve(no),
            Tri::Unknown(why) => Ok(V {
                at,
                kind: VKind::Choice(Box::new(Choice {
                    message: format!(
                        "`{}` at {}: condition `{name}` is undecided ({why}), so both branches were kept",
                        self.show(key),
                        self.here(at)
                    ),
                    yes: self.resolve(yes)?,
                    no: self.resolve(no)?,
                })),
            }),
        }
    }

    // -- conditions -----------------------------------------------------------------

    /// Decides a condition of the `Conditions` section (memoized).
    pub fn condition(&self, name: &str, at: u32) -> R<Tri> {
        match self.memo.borrow().get(name) {
            Some(Some(t)) => return Ok(t.clone()),
            Some(None) => {
                return Err(self.error(at, format!("condition `{name}` depends on itself")));
            }
            None => {}
        }
        let node = *self.conditions.get(name).ok_or_else(|| {
            self.error(
                at,
                format!("condition `{name}` is not defined in `Conditions`"),
            )
        })?;
        self.memo.borrow_mut().insert(name.to_owned(), None);
        let t = self.cond_node(node)?;
        self.memo
            .borrow_mut()
            .insert(name.to_owned(), Some(t.clone()));
        Ok(t)
    }

    fn cond_node(&self, node: &Node) -> R<Tri> {
        let not_a_condition = || {
            self.error(
                node.id,
                "expected a condition: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` or `Condition`",
            )
        };
        let Some((key, arg)) = node.single() else {
            return Err(not_a_condition());
        };
        match key {
            "Condition" => {
                let name = arg.as_str().ok_or_else(not_a_condition)?;
                self.condition(name, arg.id)
            }
            "Fn::Equals" => {
                let [a, b] = self.args::<2>(arg, key, "two values")?;
                let (a, b) = (self.resolve(a)?, self.resolve(b)?);
                match (comparable(&a), comparable(&b)) {
                    (Ok(x), Ok(y)) => Ok(if x == y { Tri::True } else { Tri::False }),
                    (Err(why), _) | (_, Err(why)) => Ok(Tri::Unknown(why)),
                }
            }
            "Fn::Not" => {
                let [c] = self.args::<1>(arg, key, "one condition")?;
                Ok(match self.cond_node(c)? {
                    Tri::True => Tri::False,
                    Tri::False => Tri::True,
                    u => u,
                })
            }
            "Fn::And" | "Fn::Or" => {
                let items = arg.as_list().ok_or_else(|| {
                    self.error(
                        arg.id,
                        format!("`{}` takes a list of conditions", self.show(key)),
                    )
                })?;
                let (decisive, other) = if key == "Fn::And" {
                    (Tri::False, Tri::True)
                } else {
                    (Tri::True, Tri::False)
                };
                let mut unknown = None;
                for c in items {
                    match self.cond_node(c)? {
                        t if t == decisive => return Ok(decisive),
                        Tri::Unknown(why) => unknown = unknown.or(Some(why)),
                        _ => {}
                    }
                }
                Ok(unknown.map_or(other, Tri::Unknown))
            }
            k if k.starts_with("Fn::") => Ok(Tri::Unknown(format!(
                "`{}` at {} is not evaluated offline",
                self.show(k),
                self.here(node.id)
            ))),
            _ => Err(not_a_condition()),
        }
    }
}

/// The text `Fn::Equals` compares, or why it is unknown.
fn comparable(v: &V) -> Result<String, String> {
    let mut msgs = Vec::new();
    v.messages(&mut msgs);
    if let Some(m) = msgs.into_iter().next() {
        return Err(m);
    }
    match &v.kind {
        VKind::List(items) => {
            let parts: Result<Vec<String>, String> = items.iter().map(comparable).collect();
            Ok(format!("[{}]", parts?.join(",")))
        }
        _ => Ok(v.text().map(|(s, _)| s).unwrap_or_default()),
    }
}

/// The items of a list-valued property: lists flattened, undecided choices giving both
/// branches (each with the choice's message), `AWS::NoValue` dropped.
pub(crate) fn items(v: &V) -> Vec<(V, Vec<String>)> {
    let mut out = Vec::new();
    flatten(v, &mut Vec::new(), &mut out);
    out
}

fn flatten(v: &V, msgs: &mut Vec<String>, out: &mut Vec<(V, Vec<String>)>) {
    match &v.kind {
        VKind::List(items) => items.iter().for_each(|i| flatten(i, msgs, out)),
        VKind::NoValue => {}
        VKind::Choice(c) => {
            let len = msgs.len();
            msgs.push(c.message.clone());
            flatten(&c.yes, msgs, out);
            flatten(&c.no, msgs, out);
            msgs.truncate(len);
        }
        _ => out.push((v.clone(), msgs.clone())),
    }
}

/// The entries of an object being built.
type Entries = Vec<(String, V)>;

/// Every alternative of a value with its undecided choices taken each way (at most
/// [`MAX_CHOICES`]), and the messages of the choices taken. Inside a list, the
/// alternatives of an item are all kept as items (an IAM list is a set of
/// alternatives); in an object, the alternatives of each value multiply.
pub(crate) fn expand(v: &V) -> Vec<(V, Vec<String>)> {
    match &v.kind {
        VKind::Choice(c) => {
            let mut out = Vec::new();
            for branch in [&c.yes, &c.no] {
                for (x, mut m) in expand(branch) {
                    m.insert(0, c.message.clone());
                    out.push((x, m));
                }
            }
            out.truncate(MAX_CHOICES);
            out
        }
        VKind::List(items) => {
            let mut list = Vec::new();
            let mut msgs = Vec::new();
            for item in items {
                for (x, m) in expand(item) {
                    push_all(&mut msgs, &m);
                    if x.kind != VKind::NoValue {
                        list.push(x);
                    }
                }
            }
            vec![(
                V {
                    at: v.at,
                    kind: VKind::List(list),
                },
                msgs,
            )]
        }
        VKind::Map(entries) => {
            let mut acc: Vec<(Entries, Vec<String>)> = vec![(Vec::new(), Vec::new())];
            for (k, value) in entries {
                let alts = expand(value);
                let mut next = Vec::new();
                'all: for (done, msgs) in &acc {
                    for (x, m) in &alts {
                        let mut d = done.clone();
                        if x.kind != VKind::NoValue {
                            d.push((k.clone(), x.clone()));
                        }
                        let mut ms = msgs.clone();
                        push_all(&mut ms, m);
                        next.push((d, ms));
                        if next.len() >= MAX_CHOICES {
                            break 'all;
                        }
                    }
                }
                acc = next;
            }
            acc.into_iter()
                .map(|(entries, m)| {
                    (
                        V {
                            at: v.at,
                            kind: VKind::Map(entries),
                        },
                        m,
                    )
                })
                .collect()
        }
        _ => vec![(v.clone(), Vec::new())],
    }
}

#[cfg(test)]
mod tests;
