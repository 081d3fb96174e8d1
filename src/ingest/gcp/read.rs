//! The GCP input formats, read into plain values: allow policies (`get-iam-policy`), the
//! hierarchy manifest, Cloud Asset Inventory exports (`search-all-iam-policies` JSON,
//! `asset export --content-type=iam-policy` NDJSON, snake_case or camelCase keys),
//! `get-ancestors-iam-policy` output, custom roles (`iam roles list/describe`), Cloud
//! Identity group memberships and IAM deny policies. Which one a file is comes from its
//! content; every shape error names the file and the place (line:column and JSON pointer;
//! for NDJSON the line, and a pointer whose first token is the 0-based line index).

use serde_json::Value;
use std::sync::Arc;

use super::super::IngestError;
use super::super::err::{escape_token, json_message};
use super::super::source::{Text, first_byte, skip_ws};
use super::super::yaml;
use crate::model::Place;

/// A condition of a binding or deny rule (CEL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    pub title: String,
    pub expression: String,
}

/// One binding: a role for members, maybe conditional.
#[derive(Debug, Clone)]
pub struct Binding {
    pub role: String,
    pub members: Vec<String>,
    pub condition: Option<Cond>,
    pub place: Place,
}

/// A node named by an input, with what that input says of its ancestors (nearest first).
#[derive(Debug, Clone, Default)]
pub struct NodeRef {
    /// `organizations/1`, `folders/2`, `projects/p`, or a resource name without `//`.
    pub name: String,
    pub ancestors: Vec<String>,
    pub aliases: Vec<String>,
    /// From `get-ancestors-iam-policy`: the file's other nodes are this one's ancestors.
    pub chain: bool,
}

/// An allow policy, placed or not.
#[derive(Debug, Clone)]
pub struct AllowPolicy {
    pub file: Arc<str>,
    pub node: Option<NodeRef>,
    pub bindings: Vec<Binding>,
    pub place: Place,
    /// A search result: maybe only the bindings a query matched.
    pub partial: bool,
}

/// One deny rule.
#[derive(Debug, Clone)]
pub struct DenyRule {
    pub denied_principals: Vec<String>,
    pub exception_principals: Vec<String>,
    pub denied_permissions: Vec<String>,
    pub exception_permissions: Vec<String>,
    pub condition: Option<Cond>,
    pub place: Place,
}

/// A deny policy, placed or not.
#[derive(Debug, Clone)]
pub struct DenyPolicy {
    pub file: Arc<str>,
    pub name: String,
    pub node: Option<NodeRef>,
    pub rules: Vec<DenyRule>,
}

/// A custom role.
#[derive(Debug, Clone)]
pub struct CustomRole {
    pub name: String,
    pub stage: String,
    pub deleted: bool,
    pub permissions: Vec<String>,
    pub place: Place,
}

/// One member of a group membership list.
#[derive(Debug, Clone)]
pub struct GroupMember {
    pub id: String,
    /// `USER`, `GROUP`, `SERVICE_ACCOUNT`, `OTHER` (full view only).
    pub kind: Option<String>,
    pub namespace: Option<String>,
}

/// A membership list; the group's e-mail comes from the manifest or the file name.
#[derive(Debug, Clone)]
pub struct Memberships {
    pub file: Arc<str>,
    pub members: Vec<GroupMember>,
}

/// A manifest node.
#[derive(Debug, Clone)]
pub struct ManifestNode {
    pub name: String,
    pub parent: Option<String>,
    pub aliases: Vec<String>,
    pub policies: Vec<String>,
    pub deny: Vec<String>,
    pub place: Place,
}

/// The hierarchy manifest.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    pub nodes: Vec<ManifestNode>,
    /// (group e-mail, membership file).
    pub groups: Vec<(String, String, Place)>,
}

/// Everything one file gave.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    pub allow: Vec<AllowPolicy>,
    pub deny: Vec<DenyPolicy>,
    pub roles: Vec<CustomRole>,
    pub memberships: Vec<Memberships>,
    pub manifests: Vec<Manifest>,
}

/// The key a manifest has at its top.
pub const MANIFEST_KEY: &str = "gcp-hierarchy";

/// Where a value of the file is: `base` is the pointer prefix of the document (`/3` for
/// line 3 of an NDJSON file) and `line` its first line.
#[derive(Clone, Copy)]
struct At<'a> {
    file: &'a Arc<str>,
    bytes: &'a [u8],
    /// For NDJSON: (0-based line index, 1-based line number); the bytes are that line.
    line: Option<(usize, u32)>,
}

impl At<'_> {
    /// A place by pointer alone (and the line of an NDJSON document): cheap, for what
    /// every binding carries.
    fn place(&self, pointer: &str) -> Place {
        match self.line {
            None => Place::pointer(self.file.clone(), pointer),
            Some((i, n)) => Place {
                file: self.file.clone(),
                line: Some(n),
                column: Some(1),
                pointer: Some(format!("/{i}{pointer}")),
            },
        }
    }

    /// A place with its line:column (one parse of the text: for errors).
    fn located(&self, pointer: &str) -> Place {
        match self.line {
            None => yaml::place_of(self.file, self.bytes, pointer, false),
            Some((i, n)) => {
                let inner = yaml::place_of(self.file, self.bytes, pointer, false);
                Place {
                    file: self.file.clone(),
                    line: Some(n),
                    column: inner.column.filter(|_| inner.line == Some(1)).or(Some(1)),
                    pointer: Some(format!("/{i}{pointer}")),
                }
            }
        }
    }

    fn err(&self, pointer: &str, message: impl Into<String>) -> IngestError {
        IngestError::new(self.located(pointer), message)
    }
}

fn ptr(base: &str, key: &str) -> String {
    format!("{base}/{}", escape_token(key))
}

/// A string field; `None` when absent or null.
fn opt_str(at: At<'_>, v: &Value, base: &str, key: &str) -> Result<Option<String>, IngestError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(at.err(
            &ptr(base, key),
            format!("`{key}` must be a string, found {}", kind_of(other)),
        )),
    }
}

fn req_str(at: At<'_>, v: &Value, base: &str, key: &str) -> Result<String, IngestError> {
    opt_str(at, v, base, key)?.ok_or_else(|| at.err(base, format!("expected a string `{key}`")))
}

/// A list of strings; a lone string counts as a list of one.
fn str_list(at: At<'_>, v: &Value, base: &str, key: &str) -> Result<Vec<String>, IngestError> {
    let p = ptr(base, key);
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.clone()),
                other => Err(at.err(
                    &format!("{p}/{i}"),
                    format!("`{key}` must list strings, found {}", kind_of(other)),
                )),
            })
            .collect(),
        Some(other) => Err(at.err(
            &p,
            format!(
                "`{key}` must be a list of strings, found {}",
                kind_of(other)
            ),
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Field by camelCase or snake_case name.
fn either<'v>(
    v: &'v Value,
    camel: &'static str,
    snake: &'static str,
) -> Option<(&'v Value, &'static str)> {
    v.get(camel)
        .map(|x| (x, camel))
        .or_else(|| v.get(snake).map(|x| (x, snake)))
}

fn condition(at: At<'_>, v: &Value, base: &str, key: &str) -> Result<Option<Cond>, IngestError> {
    let p = ptr(base, key);
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(c @ Value::Object(_)) => Ok(Some(Cond {
            title: opt_str(at, c, &p, "title")?.unwrap_or_default(),
            expression: req_str(at, c, &p, "expression")?,
        })),
        Some(other) => Err(at.err(
            &p,
            format!(
                "`{key}` must be an object with `expression`, found {}",
                kind_of(other)
            ),
        )),
    }
}

/// The bindings of a policy object at `base`.
fn bindings(at: At<'_>, policy: &Value, base: &str) -> Result<Vec<Binding>, IngestError> {
    if !policy.is_object() {
        return Err(at.err(
            base,
            format!("an IAM policy must be an object, found {}", kind_of(policy)),
        ));
    }
    let p = ptr(base, "bindings");
    let list = match policy.get("bindings") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(b)) => b,
        Some(other) => {
            return Err(at.err(
                &p,
                format!("`bindings` must be a list, found {}", kind_of(other)),
            ));
        }
    };
    if let Some(version) = policy.get("version")
        && !matches!(version.as_u64(), Some(0..=3))
    {
        return Err(at.err(
            &ptr(base, "version"),
            format!("`version` must be 1, 2 or 3, found `{version}`"),
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, b) in list.iter().enumerate() {
        let bp = format!("{p}/{i}");
        if !b.is_object() {
            return Err(at.err(
                &bp,
                format!(
                    "a binding must be an object with `role` and `members`, found {}",
                    kind_of(b)
                ),
            ));
        }
        let role = req_str(at, b, &bp, "role")?;
        if role.is_empty() {
            return Err(at.err(&ptr(&bp, "role"), "`role` is empty"));
        }
        let members = str_list(at, b, &bp, "members")?;
        if let Some(j) = members.iter().position(|m| !valid_member(m)) {
            let m = members.get(j).map_or("", String::as_str);
            return Err(at.err(
                &format!("{bp}/members/{j}"),
                format!(
                    "member `{m}` of role `{role}` is not a GCP member: expected {MEMBER_KINDS}"
                ),
            ));
        }
        out.push(Binding {
            role,
            members,
            condition: condition(at, b, &bp, "condition")?,
            place: at.place(&bp),
        });
    }
    Ok(out)
}

/// Reads one GCP file (already detected as GCP) into its parts.
pub fn read(file: &Arc<str>, bytes: &[u8]) -> Result<Parts, IngestError> {
    let mut parts = Parts::default();
    match first_byte(bytes) {
        Some(b'{' | b'[') => {}
        _ => {
            // YAML: only the manifest is YAML
            let json = yaml::to_json(file, bytes)?;
            let v: Value = serde_json::from_str(&json).map_err(|e| {
                IngestError::in_file(file, format!("invalid YAML: {}", json_message(&e)))
            })?;
            let at = At {
                file,
                bytes,
                line: None,
            };
            parts.manifests.push(manifest(at, &v)?);
            return Ok(parts);
        }
    }
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let mut docs: Vec<(Value, usize)> = Vec::new();
    loop {
        let start = skip_ws(bytes, stream.byte_offset());
        match stream.next() {
            None => break,
            Some(Ok(v)) => docs.push((v, start)),
            Some(Err(e)) => {
                let text = Text::new(file, bytes);
                return Err(IngestError::new(
                    text.json_error_place(0, &e, None),
                    format!("invalid JSON: {}", json_message(&e)),
                ));
            }
        }
    }
    if docs.len() > 1 {
        // NDJSON: one asset per line
        for (i, (v, start)) in docs.iter().enumerate() {
            let end = bytes
                .get(*start..)
                .and_then(|r| r.iter().position(|&b| b == b'\n'))
                .map_or(bytes.len(), |n| start + n);
            let line_bytes = bytes.get(*start..end).unwrap_or(&[]);
            let line_no = u32::try_from(
                bytes
                    .get(..*start)
                    .unwrap_or(&[])
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1,
            )
            .unwrap_or(u32::MAX);
            let at = At {
                file,
                bytes: line_bytes,
                line: Some((i, line_no)),
            };
            one(at, v, "", &mut parts)?;
        }
        return Ok(parts);
    }
    let at = At {
        file,
        bytes,
        line: None,
    };
    if let Some((v, _)) = docs.first() {
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    one(at, item, &format!("/{i}"), &mut parts)?;
                }
                chain_ancestors(&mut parts);
            }
            _ => one(at, v, "", &mut parts)?,
        }
    }
    Ok(parts)
}

/// One document (or array element) of a JSON file.
fn one(at: At<'_>, v: &Value, base: &str, parts: &mut Parts) -> Result<(), IngestError> {
    let Value::Object(map) = v else {
        return Err(at.err(
            base,
            format!("expected a GCP IAM object, found {}", kind_of(v)),
        ));
    };
    let has = |k: &str| map.contains_key(k);
    if let Some((policy, key)) = either(v, "iamPolicy", "iam_policy") {
        // a Cloud Asset Inventory export line
        let name = req_str(at, v, base, "name")?;
        let ancestors = str_list(at, v, base, "ancestors")?;
        parts.allow.push(AllowPolicy {
            file: at.file.clone(),
            node: Some(asset_node(&name, ancestors)),
            bindings: bindings(at, policy, &ptr(base, key))?,
            place: at.place(base),
            partial: false,
        });
    } else if has("resource") && has("policy") {
        // a `search-all-iam-policies` result
        let resource = req_str(at, v, base, "resource")?;
        let mut ancestors = str_list(at, v, base, "folders")?;
        if let Some(org) = opt_str(at, v, base, "organization")? {
            ancestors.push(org);
        }
        let mut node = asset_node(&resource, ancestors);
        if let Some(project) = opt_str(at, v, base, "project")? {
            if node.name.starts_with("projects/") {
                if project != node.name {
                    node.aliases.push(project);
                }
            } else {
                node.ancestors.insert(0, project);
            }
        }
        let policy = v.get("policy").unwrap_or(&Value::Null);
        parts.allow.push(AllowPolicy {
            file: at.file.clone(),
            node: Some(node),
            bindings: bindings(at, policy, &ptr(base, "policy"))?,
            place: at.place(base),
            partial: true,
        });
    } else if has("policy") && has("id") {
        // `get-ancestors-iam-policy --include-deny` output: allow or deny by content; the
        // documented sample has one element's `type` inside its policy
        let pp = ptr(base, "policy");
        let policy = v.get("policy").unwrap_or(&Value::Null);
        let kind = match opt_str(at, v, base, "type")? {
            Some(k) => k,
            None => req_str(at, policy, &pp, "type")?,
        };
        let id = req_str(at, v, base, "id")?;
        let node = NodeRef {
            name: format!("{}/{id}", plural(&kind)),
            chain: true,
            ..NodeRef::default()
        };
        if policy.get("rules").is_some()
            || policy.get("kind").and_then(Value::as_str) == Some("DenyPolicy")
        {
            let mut d = deny_policy(at, policy, &pp)?;
            d.node = Some(node);
            parts.deny.push(d);
        } else {
            parts.allow.push(AllowPolicy {
                file: at.file.clone(),
                node: Some(node),
                bindings: bindings(at, policy, &pp)?,
                place: at.place(base),
                partial: false,
            });
        }
    } else if has("rules") || map.get("kind").and_then(Value::as_str) == Some("DenyPolicy") {
        parts.deny.push(deny_policy(at, v, base)?);
    } else if has("includedPermissions") {
        parts.roles.push(custom_role(at, v, base)?);
    } else if has("roles") && !has("preferredMemberKey") {
        let p = ptr(base, "roles");
        let Some(Value::Array(items)) = v.get("roles") else {
            return Err(at.err(&p, "`roles` must be a list of custom roles"));
        };
        for (i, r) in items.iter().enumerate() {
            parts.roles.push(custom_role(at, r, &format!("{p}/{i}"))?);
        }
    } else if has("preferredMemberKey") {
        let member = group_member(at, v, base)?;
        match parts.memberships.last_mut() {
            Some(m) if m.file == *at.file => m.members.push(member),
            _ => parts.memberships.push(Memberships {
                file: at.file.clone(),
                members: vec![member],
            }),
        }
    } else if has("bindings") || has("etag") || has("version") || has("auditConfigs") {
        parts.allow.push(AllowPolicy {
            file: at.file.clone(),
            node: None,
            bindings: bindings(at, v, base)?,
            place: at.place(base),
            partial: false,
        });
    } else {
        let keys: Vec<String> = map.keys().take(6).map(|k| format!("`{k}`")).collect();
        return Err(at.err(
            base,
            format!(
                "not a GCP IAM object: keys {}; expected an allow policy (`bindings`), a deny policy (`rules`), a custom role (`includedPermissions`), a membership (`preferredMemberKey`) or an asset (`iamPolicy`, `policy`)",
                keys.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The nodes of a `get-ancestors-iam-policy` output are one chain: organization, then
/// folders in the order listed, then the project (each one's ancestors are those above it).
fn chain_ancestors(parts: &mut Parts) {
    let rank = |n: &str| match n.split('/').next() {
        Some("organizations") => 0,
        Some("folders") => 1,
        Some("projects") => 2,
        _ => 3,
    };
    let mut names: Vec<String> = Vec::new();
    let listed = parts
        .allow
        .iter()
        .filter_map(|p| p.node.as_ref())
        .chain(parts.deny.iter().filter_map(|d| d.node.as_ref()));
    for n in listed.filter(|n| n.chain) {
        if !names.contains(&n.name) {
            names.push(n.name.clone());
        }
    }
    names.sort_by_key(|n| rank(n));
    let above = |name: &str| -> Vec<String> {
        let at = names.iter().position(|n| n == name).unwrap_or(0);
        names
            .get(..at)
            .unwrap_or(&[])
            .iter()
            .rev()
            .cloned()
            .collect()
    };
    let nodes = parts
        .allow
        .iter_mut()
        .filter_map(|p| p.node.as_mut())
        .chain(parts.deny.iter_mut().filter_map(|d| d.node.as_mut()));
    for n in nodes.filter(|n| n.chain) {
        n.ancestors = above(&n.name);
    }
}

/// `organization` → `organizations`, as resource names spell the kind.
fn plural(kind: &str) -> String {
    match kind {
        "organization" | "organizations" => "organizations".into(),
        "folder" | "folders" => "folders".into(),
        "project" | "projects" => "projects".into(),
        other => format!("{other}s"),
    }
}

/// A node from a full resource name (`//cloudresourcemanager.googleapis.com/projects/p`
/// is `projects/p`; other resources keep their name without `//`) and its ancestors.
pub fn asset_node(full_name: &str, ancestors: Vec<String>) -> NodeRef {
    let name = short_name(full_name);
    NodeRef {
        ancestors: ancestors.into_iter().filter(|a| *a != name).collect(),
        name,
        aliases: Vec::new(),
        chain: false,
    }
}

/// The name a node is known by in the hierarchy.
pub fn short_name(full_name: &str) -> String {
    let bare = full_name.trim_start_matches("//");
    bare.strip_prefix("cloudresourcemanager.googleapis.com/")
        .unwrap_or(bare)
        .to_owned()
}

fn deny_policy(at: At<'_>, v: &Value, base: &str) -> Result<DenyPolicy, IngestError> {
    let name = opt_str(at, v, base, "name")?
        .or(opt_str(at, v, base, "displayName")?)
        .unwrap_or_else(|| at.file.to_string());
    let p = ptr(base, "rules");
    let list = match v.get("rules") {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(r)) => r,
        Some(other) => {
            return Err(at.err(
                &p,
                format!("`rules` must be a list, found {}", kind_of(other)),
            ));
        }
    };
    let mut rules = Vec::new();
    for (i, r) in list.iter().enumerate() {
        let rp = format!("{p}/{i}");
        let dp = ptr(&rp, "denyRule");
        let Some(d) = r.get("denyRule").filter(|d| d.is_object()) else {
            return Err(at.err(&rp, "a deny policy rule must hold a `denyRule` object"));
        };
        let denied_principals = str_list(at, d, &dp, "deniedPrincipals")?;
        let denied_permissions = str_list(at, d, &dp, "deniedPermissions")?;
        if denied_permissions.is_empty() {
            return Err(at.err(&dp, "a `denyRule` must list `deniedPermissions`"));
        }
        rules.push(DenyRule {
            denied_principals,
            exception_principals: str_list(at, d, &dp, "exceptionPrincipals")?,
            denied_permissions,
            exception_permissions: str_list(at, d, &dp, "exceptionPermissions")?,
            condition: condition(at, d, &dp, "denialCondition")?,
            place: at.place(&dp),
        });
    }
    Ok(DenyPolicy {
        file: at.file.clone(),
        name,
        node: None,
        rules,
    })
}

fn custom_role(at: At<'_>, v: &Value, base: &str) -> Result<CustomRole, IngestError> {
    if !v.is_object() {
        return Err(at.err(
            base,
            format!("a custom role must be an object, found {}", kind_of(v)),
        ));
    }
    let name = req_str(at, v, base, "name")?;
    let deleted = match v.get("deleted") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(at.err(
                &ptr(base, "deleted"),
                format!("`deleted` must be true or false, found {}", kind_of(other)),
            ));
        }
    };
    Ok(CustomRole {
        stage: opt_str(at, v, base, "stage")?.unwrap_or_else(|| "GA".into()),
        deleted,
        permissions: str_list(at, v, base, "includedPermissions")?,
        place: at.place(base),
        name,
    })
}

fn group_member(at: At<'_>, v: &Value, base: &str) -> Result<GroupMember, IngestError> {
    let kp = ptr(base, "preferredMemberKey");
    let key = v.get("preferredMemberKey").unwrap_or(&Value::Null);
    if !key.is_object() {
        return Err(at.err(&kp, "`preferredMemberKey` must be an object with `id`"));
    }
    Ok(GroupMember {
        id: req_str(at, key, &kp, "id")?,
        namespace: opt_str(at, key, &kp, "namespace")?,
        kind: opt_str(at, v, base, "type")?,
    })
}

/// The manifest: `gcp-hierarchy:` a list of nodes (`node`, `parent`, `aliases`,
/// `policy`, `deny`), and `groups:` group e-mail → membership file.
fn manifest(at: At<'_>, v: &Value) -> Result<Manifest, IngestError> {
    let mut m = Manifest::default();
    let p = format!("/{MANIFEST_KEY}");
    let Some(Value::Array(nodes)) = v.get(MANIFEST_KEY) else {
        return Err(at.err(
            &p,
            format!(
                "`{MANIFEST_KEY}` must be a list of nodes (`node`, `parent`, `policy`, `deny`)"
            ),
        ));
    };
    for (i, n) in nodes.iter().enumerate() {
        let np = format!("{p}/{i}");
        if !n.is_object() {
            return Err(at.err(
                &np,
                format!("a node must be a mapping with `node`, found {}", kind_of(n)),
            ));
        }
        if let Some(unknown) = n.as_object().and_then(|o| {
            o.keys().find(|k| {
                !matches!(
                    k.as_str(),
                    "node" | "parent" | "aliases" | "policy" | "deny"
                )
            })
        }) {
            return Err(at.err(&ptr(&np, unknown), format!("unknown key `{unknown}`; a node has `node`, `parent`, `aliases`, `policy`, `deny`")));
        }
        m.nodes.push(ManifestNode {
            name: short_name(&req_str(at, n, &np, "node")?),
            parent: opt_str(at, n, &np, "parent")?.map(|s| short_name(&s)),
            aliases: str_list(at, n, &np, "aliases")?,
            policies: str_list(at, n, &np, "policy")?,
            deny: str_list(at, n, &np, "deny")?,
            place: at.located(&np),
        });
    }
    match v.get("groups") {
        None | Some(Value::Null) => {}
        Some(Value::Object(g)) => {
            for (email, file) in g {
                let gp = ptr("/groups", email);
                let Value::String(file) = file else {
                    return Err(at.err(&gp, "a group maps to its membership file name"));
                };
                m.groups.push((
                    email.trim_start_matches("group:").to_owned(),
                    file.clone(),
                    at.place(&gp),
                ));
            }
        }
        Some(other) => {
            return Err(at.err(
                "/groups",
                format!(
                    "`groups` must map group e-mails to membership files, found {}",
                    kind_of(other)
                ),
            ));
        }
    }
    Ok(m)
}

const MEMBER_KINDS: &str = "`user:`, `serviceAccount:`, `group:`, `domain:`, `principal:`, `principalSet:`, `deleted:`, `allUsers` or `allAuthenticatedUsers`";

pub fn valid_member(m: &str) -> bool {
    m == "allUsers"
        || m == "allAuthenticatedUsers"
        || [
            "user:",
            "serviceAccount:",
            "group:",
            "domain:",
            "principal:",
            "principalSet:",
            "deleted:",
            "projectOwner:",
            "projectEditor:",
            "projectViewer:",
        ]
        .iter()
        .any(|p| {
            m.strip_prefix(p)
                .is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace))
        })
}
