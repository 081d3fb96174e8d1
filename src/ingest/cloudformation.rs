//! CloudFormation templates, JSON or YAML with short-form tags, including `cdk synth`
//! output (`cdk.out/*.template.json`), into the snapshot of a side: the IAM groups,
//! roles, users and policies a stack would create, as far as they can be known before
//! it is deployed.
//!
//! Read: `AWS::IAM::Group`, `Role`, `User`, `Policy`, `ManagedPolicy`, `RolePolicy`,
//! `UserPolicy`, `GroupPolicy`, `UserToGroupAddition` and `InstanceProfile`, with
//! references between them (`!Ref MyGroup`, `!GetAtt MyRole.Arn`, `!Ref MyManagedPolicy`
//! in `ManagedPolicyArns`) and to what exists outside the template (names and ARNs; AWS
//! managed policies from the embedded catalog). Intrinsics resolve against parameters
//! (`--cfn-params`, defaults) and pseudo parameters (`--account`, `--region`); see
//! [`intrinsics`] for what stays unresolved and how it is shown. Resource-based
//! policies and other grants outside IAM identities are named in a warning, not read.
//!
//! `AWS::SSO::PermissionSet` and `AWS::SSO::Assignment` are read by `sso` into the roles
//! the Identity Center reader makes (issue 9).
//!
//! Names: a role, user, group or managed policy without its naming property is named by
//! CloudFormation at deploy (`{stack}-{logicalId}-{random}`); here it is called by its
//! logical id, with a warning, and what refers to its name in a policy is unresolved.
//! CDK's `aws:cdk:path` names the policies of CDK output in provenance, and a CDK
//! template's stack name comes from its file name (`MyStack.template.json`).

mod intrinsics;
mod params;
mod policy;
mod sso;
mod types;
mod yaml_pos;

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::de::IgnoredAny;

use super::aws_auth_details::{catalog_policy, managed_kind};
use super::err::json_message;
use super::raw::cloudformation::{Node, Tree, TreeError, parse_tree};
use super::source::Text;
use super::{IngestError, LoadOptions, Resolver};
use crate::model::{
    Group, GroupId, Place, PolicyId, PolicyKind, PolicyRef, Principal, PrincipalKind, Snapshot,
    Warning, WarningCode,
};
use intrinsics::{Env, Name, Pseudo, Res, Tri, V, VKind, items};
use policy::DocSpec;

/// Reads one template into `snap`.
pub(crate) fn load(
    file: &Arc<str>,
    bytes: &[u8],
    snap: &mut Snapshot,
    opts: &LoadOptions,
    resolver: Resolver<'_>,
) -> Result<(), IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        IngestError::new(
            Text::new(file, bytes).place_at(Some(e.valid_up_to()), None),
            "the file is not valid UTF-8",
        )
    })?;
    // JSON is YAML too, but read as JSON its places are exact; a `.yaml` file is YAML
    let yaml =
        !text.trim_start().starts_with('{') || [".yaml", ".yml"].iter().any(|e| file.ends_with(e));
    let tree = if yaml {
        read_yaml(file, text)?
    } else {
        read_json(file, bytes)?
    };
    let given = params::read_files(&opts.cfn_params)?;
    let pseudo = Pseudo::new(opts.account.clone(), opts.region.clone(), stack_name(file));
    let mut env = Env::new(file.clone(), yaml, &tree.locs, pseudo);
    let template = sections(&mut env, &tree.root)?;
    env.params = params::values(&env, template.parameters, &given)?;
    let ic = sso::collect(&env, &template)?;
    let mut b = Builder::new(&env, snap, resolver, opts.account.clone());
    b.run(&template)?;
    b.finish(&template);
    if !ic.is_empty() || !ic.warnings.is_empty() {
        super::identity_center::emit(ic, snap, resolver)?;
    }
    // `defines_users` stays as it is: a template that creates some users does not list
    // every user of the account, so the users it does not name must not be taken as gone.
    snap.sources.push(file.clone());
    Ok(())
}

/// A CDK stack's name from its template's file name (`MyStack.template.json`).
fn stack_name(file: &str) -> Option<String> {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    base.strip_suffix(".template.json")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A JSON file (template or parameters) as a tree; syntax errors placed by serde_json.
pub(crate) fn read_json(file: &Arc<str>, bytes: &[u8]) -> Result<Tree, IngestError> {
    let text = Text::new(file, bytes);
    serde_json::from_slice::<IgnoredAny>(bytes).map_err(|e| {
        IngestError::new(
            text.json_error_place(0, &e, None),
            format!("invalid JSON: {}", json_message(&e)),
        )
    })?;
    parse_tree(bytes).map_err(|e: TreeError| {
        IngestError::new(text.place_at(Some(e.offset), Some(e.pointer)), e.message)
    })
}

/// A YAML template as the tree of its long form, with YAML lines.
fn read_yaml(file: &Arc<str>, text: &str) -> Result<Tree, IngestError> {
    let json = super::yaml::cfn_to_json(file, text.as_bytes())?;
    serde_json::from_str::<IgnoredAny>(&json).map_err(|e| {
        IngestError::in_file(
            file,
            format!("the template cannot be read: {}", json_message(&e)),
        )
    })?;
    let mut tree = parse_tree(json.as_bytes())
        .map_err(|e| IngestError::new(Place::pointer(file.clone(), e.pointer), e.message))?;
    yaml_pos::place(&mut tree, text);
    Ok(tree)
}

/// The sections of a template that matter here.
struct Template<'t> {
    /// The `Resources` section, where warnings about the whole template are placed.
    resources: &'t Node,
    /// Resources in template order.
    order: Vec<Res<'t>>,
    parameters: Option<&'t Node>,
    transform: Option<&'t Node>,
}

fn sections<'t>(env: &mut Env<'t>, root: &'t Node) -> Result<Template<'t>, IngestError> {
    if root.as_map().is_none() {
        return Err(env.error(
            root.id,
            format!(
                "a CloudFormation template is an object with `Resources`, not {}",
                root.describe()
            ),
        ));
    }
    let resources = root
        .get("Resources")
        .ok_or_else(|| env.error(root.id, "the template has no `Resources`"))?;
    let entries = resources.as_map().ok_or_else(|| {
        env.error(
            resources.id,
            format!(
                "`Resources` must be an object, not {}",
                resources.describe()
            ),
        )
    })?;
    let mut order = Vec::with_capacity(entries.len());
    for (id, node) in entries {
        if id.starts_with("Fn::ForEach::") {
            env.warn(
                WarningCode::Unsupported,
                node.id,
                format!("the resources `{id}` makes (`AWS::LanguageExtensions`) are not read"),
            );
            continue;
        }
        if node.as_map().is_none() {
            return Err(env.error(
                node.id,
                format!("resource `{id}` must be an object, not {}", node.describe()),
            ));
        }
        let ty = node
            .get("Type")
            .ok_or_else(|| env.error(node.id, format!("resource `{id}` has no `Type`")))?;
        let ty = ty.as_str().ok_or_else(|| {
            env.error(
                ty.id,
                format!(
                    "the `Type` of `{id}` must be a string, not {}",
                    ty.describe()
                ),
            )
        })?;
        let props = node
            .get("Properties")
            .filter(|p| p.kind != super::raw::cloudformation::Kind::Null);
        if let Some(p) = props
            && p.as_map().is_none()
        {
            return Err(env.error(
                p.id,
                format!(
                    "the `Properties` of `{id}` must be an object, not {}",
                    p.describe()
                ),
            ));
        }
        let res = Res {
            id,
            ty,
            node,
            props,
            condition: node.get("Condition"),
            cdk_path: node
                .get("Metadata")
                .and_then(|m| m.get("aws:cdk:path"))
                .and_then(Node::as_str),
        };
        env.resources.insert(id, res);
        order.push(res);
    }
    if let Some(c) = root.get("Conditions") {
        let entries = c.as_map().ok_or_else(|| {
            env.error(
                c.id,
                format!("`Conditions` must be an object, not {}", c.describe()),
            )
        })?;
        env.conditions = entries.iter().map(|(k, v)| (k.as_str(), v)).collect();
    }
    env.mappings = root.get("Mappings");
    Ok(Template {
        resources,
        order,
        parameters: root.get("Parameters"),
        transform: root.get("Transform"),
    })
}

/// A managed policy the template defines.
struct Mp {
    id: PolicyId,
    /// `policy{path}{name}` when the name is known, to match ARNs whatever their account.
    suffix: Option<String>,
    conds: Vec<String>,
}

/// A managed policy attached but in neither the inputs nor the catalog: one warning
/// naming every attacher.
struct Missing {
    name: String,
    place: Place,
    attachers: Vec<String>,
}

struct Builder<'e, 't, 's, 'r> {
    env: &'e Env<'t>,
    snap: &'s mut Snapshot,
    resolver: Resolver<'r>,
    account: Option<String>,
    principals: FxHashMap<(PrincipalKind, String), usize>,
    groups: FxHashMap<String, GroupId>,
    /// Managed policies by ARN (from earlier inputs, the template, the catalog).
    managed: FxHashMap<String, PolicyId>,
    roles: FxHashMap<&'t str, usize>,
    users: FxHashMap<&'t str, usize>,
    local_groups: FxHashMap<&'t str, GroupId>,
    mps: FxHashMap<&'t str, Mp>,
    /// Copies of policies whose every statement needs review (conditional attachments).
    copies: FxHashMap<(PolicyId, Vec<String>), PolicyId>,
    unnamed: Vec<String>,
    missing: Vec<Missing>,
    missing_at: FxHashMap<String, usize>,
    warnings: Vec<Warning>,
}

type R<T> = Result<T, IngestError>;

impl<'e, 't, 's, 'r> Builder<'e, 't, 's, 'r> {
    fn new(
        env: &'e Env<'t>,
        snap: &'s mut Snapshot,
        resolver: Resolver<'r>,
        account: Option<String>,
    ) -> Self {
        let mut b = Builder {
            env,
            resolver,
            account,
            principals: FxHashMap::default(),
            groups: FxHashMap::default(),
            managed: FxHashMap::default(),
            roles: FxHashMap::default(),
            users: FxHashMap::default(),
            local_groups: FxHashMap::default(),
            mps: FxHashMap::default(),
            copies: FxHashMap::default(),
            unnamed: Vec::new(),
            missing: Vec::new(),
            missing_at: FxHashMap::default(),
            warnings: Vec::new(),
            snap,
        };
        for (i, p) in b.snap.principals.iter().enumerate() {
            b.principals.insert((p.kind, p.name.clone()), i);
        }
        for (i, g) in b.snap.groups.iter().enumerate() {
            b.groups.insert(
                g.name.clone(),
                GroupId(u32::try_from(i).unwrap_or(u32::MAX)),
            );
        }
        for (i, p) in b.snap.policies.iter().enumerate() {
            if let (Some(arn), PolicyKind::AwsManaged | PolicyKind::CustomerManaged) =
                (&p.arn, p.kind)
            {
                b.managed.insert(
                    arn.to_string(),
                    PolicyId(u32::try_from(i).unwrap_or(u32::MAX)),
                );
            }
        }
        b
    }

    fn warn(&mut self, code: WarningCode, at: u32, message: String) {
        self.warnings.push(Warning {
            code,
            place: self.env.place(at),
            message,
        });
    }

    fn run(&mut self, template: &Template<'t>) -> R<()> {
        let mut live: Vec<(Res<'t>, Vec<String>)> = Vec::new();
        for res in &template.order {
            if !types::is_iam(res.ty) {
                continue;
            }
            if let Some(conds) = self.conds(res)? {
                live.push((*res, conds));
            }
        }
        let of = |ty: &'static str| {
            live.iter()
                .filter(move |(r, _)| r.ty == ty)
                .map(|(r, c)| (*r, c.clone()))
                .collect::<Vec<_>>()
        };
        for (res, conds) in of("AWS::IAM::ManagedPolicy") {
            self.managed_policy(&res, conds)?;
        }
        for (res, conds) in of("AWS::IAM::Group") {
            self.group(&res, &conds)?;
        }
        for (res, conds) in of("AWS::IAM::Role") {
            self.principal(&res, PrincipalKind::Role, &conds)?;
        }
        for (res, conds) in of("AWS::IAM::User") {
            self.principal(&res, PrincipalKind::User, &conds)?;
        }
        for (res, conds) in &live {
            match res.ty {
                "AWS::IAM::Policy" => self.policy_resource(res, conds)?,
                "AWS::IAM::RolePolicy" => self.one_to_one(res, conds, "RoleName")?,
                "AWS::IAM::UserPolicy" => self.one_to_one(res, conds, "UserName")?,
                "AWS::IAM::GroupPolicy" => self.one_to_one(res, conds, "GroupName")?,
                "AWS::IAM::ManagedPolicy" => self.attach_managed(res)?,
                "AWS::IAM::UserToGroupAddition" => self.addition(res, conds)?,
                "AWS::IAM::InstanceProfile" => self.instance_profile(res)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether a resource exists: `None` when its condition is false; otherwise the
    /// messages its statements carry (one when the condition is undecided).
    fn conds(&self, res: &Res<'t>) -> R<Option<Vec<String>>> {
        let Some(node) = res.condition else {
            return Ok(Some(Vec::new()));
        };
        let name = node.as_str().ok_or_else(|| {
            self.env.error(
                node.id,
                format!("the `Condition` of `{}` must be a condition name", res.id),
            )
        })?;
        Ok(match self.env.condition(name, node.id)? {
            Tri::True => Some(Vec::new()),
            Tri::False => None,
            Tri::Unknown(why) => Some(vec![format!(
                "resource `{}` at {} exists only if condition `{name}` holds, which is undecided ({why})",
                res.id,
                self.env.here(res.node.id)
            )]),
        })
    }

    /// The name of an IAM entity: its naming property, else its logical id (warned).
    fn entity_name(&mut self, res: &Res<'t>, what: &str) -> R<(String, bool)> {
        Ok(match self.env.name_of(res)? {
            Name::Known(n) => (n, true),
            Name::Generated => {
                let cdk = res
                    .cdk_path
                    .map(|p| format!(" (`{}`)", cdk_label(p)))
                    .unwrap_or_default();
                self.unnamed.push(format!("{what} `{}`{cdk}", res.id));
                (res.id.to_owned(), false)
            }
            Name::Unresolved(_, why) => {
                self.warn(
                    WarningCode::Unsupported,
                    res.node.id,
                    format!(
                        "the name of {what} `{}` is unresolved ({}); it is called `{}` here",
                        res.id,
                        why.join("; "),
                        res.id
                    ),
                );
                (res.id.to_owned(), false)
            }
        })
    }

    fn arn(&self, service_kind: &str, path: &str, name: &str) -> Option<String> {
        let account = self.account.as_deref()?;
        Some(format!(
            "arn:{}:iam::{account}:{service_kind}{path}{name}",
            self.env.pseudo.partition
        ))
    }

    /// How provenance names a policy resource: its CDK path when it has one.
    fn label(res: &Res<'t>, name: &str) -> String {
        res.cdk_path.map_or_else(|| name.to_owned(), cdk_label)
    }

    fn managed_policy(&mut self, res: &Res<'t>, conds: Vec<String>) -> R<()> {
        let (name, known) = self.entity_name(res, "managed policy")?;
        let (path, _) = self.env.path_of(res)?;
        let arn = known.then(|| self.arn("policy", &path, &name)).flatten();
        let Some(doc) = res.prop("PolicyDocument") else {
            return Err(self.env.error(
                res.node.id,
                format!("managed policy `{}` has no `PolicyDocument`", res.id),
            ));
        };
        let doc = self.env.resolve(doc)?;
        let label = Self::label(res, &name);
        let spec = DocSpec {
            kind: PolicyKind::CustomerManaged,
            name: &name,
            label: &label,
            arn: arn.as_deref(),
            extra: &[],
        };
        let Some(policy) = policy::policy(self.env, &doc, &spec)? else {
            return Ok(());
        };
        let id = self.snap.add_policy(policy);
        if let Some(arn) = &arn {
            self.managed.insert(arn.clone(), id);
        }
        self.mps.insert(
            res.id,
            Mp {
                id,
                suffix: known.then(|| format!("policy{path}{name}")),
                conds,
            },
        );
        Ok(())
    }

    /// `Policies`: inline policies of a group, role or user.
    fn inline(&mut self, res: &Res<'t>, conds: &[String]) -> R<Vec<PolicyRef>> {
        let Some(node) = res.prop("Policies") else {
            return Ok(Vec::new());
        };
        let list = self.env.resolve(node)?;
        let mut refs = Vec::new();
        for (item, msgs) in items(&list) {
            let VKind::Map(entries) = &item.kind else {
                return Err(self.env.error(
                    item.at,
                    "an item of `Policies` must be an object with `PolicyName` and `PolicyDocument`",
                ));
            };
            let get = |k: &str| entries.iter().find(|(key, _)| key == k).map(|(_, v)| v);
            let name = match get("PolicyName").and_then(V::text) {
                Some((n, _)) => n,
                None => {
                    return Err(self
                        .env
                        .error(item.at, "an inline policy has no `PolicyName`"));
                }
            };
            let Some(doc) = get("PolicyDocument") else {
                return Err(self.env.error(
                    item.at,
                    format!("inline policy `{name}` has no `PolicyDocument`"),
                ));
            };
            let mut extra = conds.to_vec();
            extra.extend(msgs);
            let spec = DocSpec {
                kind: PolicyKind::Inline,
                name: &name,
                label: &name,
                arn: None,
                extra: &extra,
            };
            if let Some(p) = policy::policy(self.env, doc, &spec)? {
                refs.push(PolicyRef::Resolved(self.snap.add_policy(p)));
            }
        }
        Ok(refs)
    }

    /// A policy, as used under `conds`: itself, or a copy whose statements need review.
    fn conditional(&mut self, id: PolicyId, conds: &[String]) -> PolicyId {
        if conds.is_empty() {
            return id;
        }
        let key = (id, conds.to_vec());
        if let Some(&c) = self.copies.get(&key) {
            return c;
        }
        let Some(mut p) = self.snap.policy(id).cloned() else {
            return id;
        };
        for s in &mut p.document.statements {
            intrinsics::push_all(&mut s.unresolved, conds);
        }
        let c = self.snap.add_policy(p);
        self.copies.insert(key, c);
        c
    }

    /// `ManagedPolicyArns` of a group, role or user.
    fn managed_refs(
        &mut self,
        node: Option<&'t Node>,
        who: &str,
        conds: &[String],
    ) -> R<Vec<PolicyRef>> {
        let Some(node) = node else {
            return Ok(Vec::new());
        };
        let raw: Vec<&Node> = match node.as_list() {
            Some(l) => l.iter().collect(),
            None => vec![node],
        };
        let mut out = Vec::new();
        for item in raw {
            if let Some(mp) = self.local_mp(item) {
                let mut all = conds.to_vec();
                intrinsics::push_all(&mut all, &mp.1);
                out.push(PolicyRef::Resolved(self.conditional(mp.0, &all)));
                continue;
            }
            let v = self.env.resolve(item)?;
            for (x, msgs) in items(&v) {
                let mut all = conds.to_vec();
                intrinsics::push_all(&mut all, &msgs);
                out.push(self.policy_ref(&x, who, &all)?);
            }
        }
        Ok(out)
    }

    /// `!Ref MyManagedPolicy` (or `!GetAtt MyManagedPolicy.PolicyArn`) of the template.
    fn local_mp(&self, item: &Node) -> Option<(PolicyId, Vec<String>)> {
        let (key, arg) = item.single()?;
        let id = match key {
            "Ref" => arg.as_str()?,
            "Fn::GetAtt" => match arg.as_list()? {
                [r, a] if a.as_str() == Some("PolicyArn") => r.as_str()?,
                _ => return None,
            },
            _ => return None,
        };
        self.mps.get(id).map(|m| (m.id, m.conds.clone()))
    }

    /// A managed policy named by a resolved ARN.
    fn policy_ref(&mut self, v: &V, who: &str, conds: &[String]) -> R<PolicyRef> {
        let Some((arn, unresolved)) = v.text() else {
            return Err(self
                .env
                .error(v.at, "a managed policy must be given by its ARN (a string)"));
        };
        let unresolved = unresolved.to_vec();
        // a policy of this template, named by ARN (its account maybe unknown)
        if let Some(id) = self.mp_by_arn(&arn) {
            return Ok(PolicyRef::Resolved(self.conditional(id, conds)));
        }
        if !unresolved.is_empty() {
            self.warn(
                WarningCode::UnresolvedPolicy,
                v.at,
                format!(
                    "a managed policy attached to {who} is unresolved ({}); access through it needs review",
                    unresolved.join("; ")
                ),
            );
            return Ok(PolicyRef::Unresolved {
                name: arn,
                arn: None,
            });
        }
        if let Some(&id) = self.managed.get(&arn) {
            return Ok(PolicyRef::Resolved(self.conditional(id, conds)));
        }
        if arn.starts_with("arn:")
            && managed_kind(&arn) == PolicyKind::AwsManaged
            && let Some(mp) = (self.resolver)(&arn)
        {
            let mut p = catalog_policy(&mp)?;
            p.arn = Some(Arc::from(arn.as_str()));
            let id = self.snap.add_policy(p);
            self.managed.insert(arn.clone(), id);
            return Ok(PolicyRef::Resolved(self.conditional(id, conds)));
        }
        let name = arn.rsplit('/').next().unwrap_or(&arn).to_owned();
        match self
            .missing_at
            .get(&arn)
            .and_then(|&i| self.missing.get_mut(i))
        {
            Some(m) => m.attachers.push(who.to_owned()),
            None => {
                self.missing_at.insert(arn.clone(), self.missing.len());
                self.missing.push(Missing {
                    name: name.clone(),
                    place: self.env.place(v.at),
                    attachers: vec![who.to_owned()],
                });
            }
        }
        Ok(PolicyRef::Unresolved {
            name,
            arn: Some(arn),
        })
    }

    /// A template managed policy whose `policy{path}{name}` ends the ARN, when the ARN's
    /// account is ours or unknown.
    fn mp_by_arn(&self, arn: &str) -> Option<PolicyId> {
        let Some(["arn", _, "iam", "", account, rest]) = crate::model::arn_fields(arn) else {
            return None;
        };
        let ours = account.starts_with("<unresolved:")
            || self.account.as_deref().is_none_or(|a| a == account);
        if !ours {
            return None;
        }
        self.mps
            .values()
            .find(|m| m.suffix.as_deref() == Some(rest))
            .map(|m| m.id)
    }

    fn boundary(
        &mut self,
        node: Option<&'t Node>,
        who: &str,
        conds: &[String],
    ) -> R<Option<PolicyRef>> {
        let who = format!("{who} (as its permissions boundary)");
        Ok(self.managed_refs(node, &who, conds)?.into_iter().next())
    }

    fn tags(&mut self, res: &Res<'t>) -> R<std::collections::BTreeMap<String, String>> {
        let mut out = std::collections::BTreeMap::new();
        let Some(node) = res.prop("Tags") else {
            return Ok(out);
        };
        let v = self.env.resolve(node)?;
        for (tag, _) in items(&v) {
            let VKind::Map(entries) = &tag.kind else {
                continue;
            };
            let get = |k: &str| {
                entries
                    .iter()
                    .find(|(key, _)| key == k)
                    .and_then(|(_, v)| v.text())
            };
            match (get("Key"), get("Value")) {
                (Some((k, km)), Some((v, vm))) if km.is_empty() && vm.is_empty() => {
                    out.insert(k, v);
                }
                _ => self.warn(
                    WarningCode::Unsupported,
                    tag.at,
                    format!("a tag of `{}` is unresolved, so it was left out", res.id),
                ),
            }
        }
        Ok(out)
    }

    fn group(&mut self, res: &Res<'t>, conds: &[String]) -> R<()> {
        let (name, known) = self.entity_name(res, "group")?;
        let (path, _) = self.env.path_of(res)?;
        let who = format!("group `{name}`");
        let mut policies = self.inline(res, conds)?;
        policies.extend(self.managed_refs(res.prop("ManagedPolicyArns"), &who, conds)?);
        let group = Group {
            arn: known.then(|| self.arn("group", &path, &name)).flatten(),
            path: Some(path),
            name: name.clone(),
            policies,
        };
        let id = match self.groups.get(&name).copied() {
            Some(id) => {
                if let Some(slot) = self.snap.groups.get_mut(id.0 as usize) {
                    let bare = slot.arn.is_none() && slot.path.is_none();
                    let mut group = group;
                    if bare {
                        let mut merged = std::mem::take(&mut slot.policies);
                        merged.append(&mut group.policies);
                        group.policies = merged;
                    }
                    *slot = group;
                    if !bare {
                        self.warn(
                            WarningCode::Duplicate,
                            res.node.id,
                            format!("group `{name}` was already read from another input; the later one was kept"),
                        );
                    }
                }
                id
            }
            None => {
                let id = self.snap.add_group(group);
                self.groups.insert(name, id);
                id
            }
        };
        self.local_groups.insert(res.id, id);
        Ok(())
    }

    fn principal(&mut self, res: &Res<'t>, kind: PrincipalKind, conds: &[String]) -> R<()> {
        let what = kind.as_str();
        let (name, known) = self.entity_name(res, what)?;
        let (path, _) = self.env.path_of(res)?;
        let who = format!("{what} `{name}`");
        let mut p = Principal::new(kind, name.clone());
        p.arn = known.then(|| self.arn(what, &path, &name)).flatten();
        p.account = self.account.clone();
        p.path = Some(path);
        if kind == PrincipalKind::Role
            && let Some(node) = res.prop("AssumeRolePolicyDocument")
        {
            let doc = self.env.resolve(node)?;
            let spec = DocSpec {
                kind: PolicyKind::Trust,
                name: &name,
                label: &name,
                arn: None,
                extra: conds,
            };
            if let Some(t) = policy::policy(self.env, &doc, &spec)? {
                p.trust = Some(self.snap.add_policy(t));
            }
        }
        p.policies = self.inline(res, conds)?;
        let managed = self.managed_refs(res.prop("ManagedPolicyArns"), &who, conds)?;
        p.policies.extend(managed);
        p.boundary = self.boundary(res.prop("PermissionsBoundary"), &who, conds)?;
        p.tags = self.tags(res)?;
        if kind == PrincipalKind::User {
            for (g, msgs) in self.group_targets(res.prop("Groups"), &who, false)? {
                self.member(&mut p, g, &msgs, res.node.id);
            }
        }
        let i = self.add_principal(p, res.node.id);
        match kind {
            PrincipalKind::Role => self.roles.insert(res.id, i),
            PrincipalKind::User => self.users.insert(res.id, i),
        };
        Ok(())
    }

    fn member(&mut self, p: &mut Principal, g: GroupId, msgs: &[String], at: u32) {
        if !msgs.is_empty() {
            let group = self
                .snap
                .group(g)
                .map(|g| g.name.clone())
                .unwrap_or_default();
            self.warn(
                WarningCode::Unsupported,
                at,
                format!(
                    "user `{}` is in group `{group}` only under an undecided condition ({}); it is counted as a member",
                    p.name,
                    msgs.join("; ")
                ),
            );
        }
        if !p.groups.contains(&g) {
            p.groups.push(g);
        }
    }

    /// Adds a principal the template defines; one of the same kind and name read
    /// before is replaced (a bare placeholder silently, with what was attached to it).
    fn add_principal(&mut self, mut p: Principal, at: u32) -> usize {
        let key = (p.kind, p.name.clone());
        if let Some(&i) = self.principals.get(&key)
            && let Some(slot) = self.snap.principals.get_mut(i)
        {
            let bare = slot.trust.is_none() && slot.arn.is_none() && slot.path.is_none();
            if bare {
                let mut merged = std::mem::take(&mut slot.policies);
                merged.append(&mut p.policies);
                p.policies = merged;
                for g in std::mem::take(&mut slot.groups) {
                    if !p.groups.contains(&g) {
                        p.groups.push(g);
                    }
                }
                p.instance_profiles
                    .extend(std::mem::take(&mut slot.instance_profiles));
            }
            let what = format!("{} `{}`", p.kind.as_str(), p.name);
            *slot = p;
            if !bare {
                self.warn(
                    WarningCode::Duplicate,
                    at,
                    format!("{what} was already read from another input; the later one was kept"),
                );
            }
            return i;
        }
        self.principals.insert(key, self.snap.principals.len());
        self.snap.principals.push(p);
        self.snap.principals.len() - 1
    }

    /// The principals a property names (a list, or one name with `single`): the
    /// template's by `!Ref`, others by name (added if nothing read defines them).
    fn principal_targets(
        &mut self,
        node: Option<&'t Node>,
        kind: PrincipalKind,
        what: &str,
        single: bool,
    ) -> R<Vec<(usize, Vec<String>)>> {
        let Some(node) = node else {
            return Ok(Vec::new());
        };
        let raw: Vec<&Node> = match node.as_list() {
            Some(l) if !single => l.iter().collect(),
            _ => vec![node],
        };
        let mut out = Vec::new();
        for item in raw {
            let local = match kind {
                PrincipalKind::Role => &self.roles,
                PrincipalKind::User => &self.users,
            };
            if let Some(("Ref", arg)) = item.single()
                && let Some(&i) = arg.as_str().and_then(|id| local.get(id))
            {
                out.push((i, Vec::new()));
                continue;
            }
            let v = self.env.resolve(item)?;
            for (x, msgs) in items(&v) {
                match x.text() {
                    Some((name, [])) => {
                        out.push((self.principal_by_name(kind, &name, x.at), msgs));
                    }
                    Some((_, m)) => {
                        let m = m.join("; ");
                        self.warn(
                            WarningCode::Unsupported,
                            x.at,
                            format!(
                                "{what} is for a {} whose name is unresolved ({m}); it was not attached",
                                kind.as_str()
                            ),
                        );
                    }
                    None => {
                        return Err(self
                            .env
                            .error(x.at, format!("expected the name of a {}", kind.as_str())));
                    }
                }
            }
        }
        Ok(out)
    }

    fn principal_by_name(&mut self, kind: PrincipalKind, name: &str, at: u32) -> usize {
        if let Some(&i) = self.principals.get(&(kind, name.to_owned())) {
            return i;
        }
        if kind == PrincipalKind::Role {
            self.warn(
                WarningCode::Unsupported,
                at,
                format!(
                    "role `{name}` is neither in the template nor in an earlier input; it was added with only what \
                     the template gives it"
                ),
            );
        }
        let mut p = Principal::new(kind, name);
        p.account = self.account.clone();
        self.principals
            .insert((kind, name.to_owned()), self.snap.principals.len());
        self.snap.principals.push(p);
        self.snap.principals.len() - 1
    }

    /// The groups a property names, like [`Self::principal_targets`].
    fn group_targets(
        &mut self,
        node: Option<&'t Node>,
        what: &str,
        single: bool,
    ) -> R<Vec<(GroupId, Vec<String>)>> {
        let Some(node) = node else {
            return Ok(Vec::new());
        };
        let raw: Vec<&Node> = match node.as_list() {
            Some(l) if !single => l.iter().collect(),
            _ => vec![node],
        };
        let mut out = Vec::new();
        for item in raw {
            if let Some(("Ref", arg)) = item.single()
                && let Some(&g) = arg.as_str().and_then(|id| self.local_groups.get(id))
            {
                out.push((g, Vec::new()));
                continue;
            }
            let v = self.env.resolve(item)?;
            for (x, msgs) in items(&v) {
                match x.text() {
                    Some((name, [])) => {
                        let g = self.group_by_name(&name, what, x.at);
                        out.push((g, msgs));
                    }
                    Some((_, m)) => {
                        let m = m.join("; ");
                        self.warn(
                            WarningCode::Unsupported,
                            x.at,
                            format!(
                                "{what} names a group that is unresolved ({m}); it was left out"
                            ),
                        );
                    }
                    None => return Err(self.env.error(x.at, "expected the name of a group")),
                }
            }
        }
        Ok(out)
    }

    fn group_by_name(&mut self, name: &str, what: &str, at: u32) -> GroupId {
        if let Some(&g) = self.groups.get(name) {
            return g;
        }
        self.warn(
            WarningCode::UnknownGroup,
            at,
            format!(
                "group `{name}` ({what}) is neither in the template nor in an earlier input; an empty group was \
                 assumed, so its policies are unknown"
            ),
        );
        let g = self.snap.add_group(Group {
            name: name.to_owned(),
            arn: None,
            path: None,
            policies: Vec::new(),
        });
        self.groups.insert(name.to_owned(), g);
        g
    }

    fn attach_to(&mut self, id: PolicyId, res: &Res<'t>, conds: &[String], what: &str) -> R<usize> {
        let mut n = 0;
        let roles = self.principal_targets(res.prop("Roles"), PrincipalKind::Role, what, false)?;
        let users = self.principal_targets(res.prop("Users"), PrincipalKind::User, what, false)?;
        for (i, msgs) in roles.into_iter().chain(users) {
            let mut all = conds.to_vec();
            intrinsics::push_all(&mut all, &msgs);
            let pid = self.conditional(id, &all);
            if let Some(p) = self.snap.principals.get_mut(i) {
                p.policies.push(PolicyRef::Resolved(pid));
                n += 1;
            }
        }
        for (g, msgs) in self.group_targets(res.prop("Groups"), what, false)? {
            let mut all = conds.to_vec();
            intrinsics::push_all(&mut all, &msgs);
            let pid = self.conditional(id, &all);
            if let Some(group) = self.snap.groups.get_mut(g.0 as usize) {
                group.policies.push(PolicyRef::Resolved(pid));
                n += 1;
            }
        }
        Ok(n)
    }

    /// `AWS::IAM::Policy`: an inline policy of the roles, users and groups it names.
    fn policy_resource(&mut self, res: &Res<'t>, conds: &[String]) -> R<()> {
        let name = self.policy_name(res)?;
        let Some(doc) = res.prop("PolicyDocument") else {
            return Err(self.env.error(
                res.node.id,
                format!("policy `{}` has no `PolicyDocument`", res.id),
            ));
        };
        let doc = self.env.resolve(doc)?;
        let label = Self::label(res, &name);
        let spec = DocSpec {
            kind: PolicyKind::Inline,
            name: &name,
            label: &label,
            arn: None,
            extra: &[],
        };
        let Some(policy) = policy::policy(self.env, &doc, &spec)? else {
            return Ok(());
        };
        let id = self.snap.add_policy(policy);
        let what = format!("policy `{label}`");
        if self.attach_to(id, res, conds, &what)? == 0 {
            self.warn(
                WarningCode::Unsupported,
                res.node.id,
                format!("{what} is attached to no role, user or group"),
            );
        }
        Ok(())
    }

    fn policy_name(&mut self, res: &Res<'t>) -> R<String> {
        let Some(node) = res.prop("PolicyName") else {
            return Ok(res.id.to_owned());
        };
        let v = self.env.resolve(node)?;
        Ok(match v.text() {
            Some((s, _)) => s,
            None => res.id.to_owned(),
        })
    }

    /// `AWS::IAM::RolePolicy`, `UserPolicy`, `GroupPolicy`: one inline policy of one
    /// identity.
    fn one_to_one(&mut self, res: &Res<'t>, conds: &[String], key: &str) -> R<()> {
        let name = self.policy_name(res)?;
        let Some(doc) = res.prop("PolicyDocument") else {
            return Ok(());
        };
        let doc = self.env.resolve(doc)?;
        let label = Self::label(res, &name);
        let spec = DocSpec {
            kind: PolicyKind::Inline,
            name: &name,
            label: &label,
            arn: None,
            extra: &[],
        };
        let Some(policy) = policy::policy(self.env, &doc, &spec)? else {
            return Ok(());
        };
        let id = self.snap.add_policy(policy);
        let what = format!("policy `{label}`");
        let target = res.prop(key);
        if target.is_none() {
            return Err(self
                .env
                .error(res.node.id, format!("`{}` has no `{key}`", res.id)));
        }
        if key == "GroupName" {
            for (g, msgs) in self.group_targets(target, &what, true)? {
                let mut all = conds.to_vec();
                intrinsics::push_all(&mut all, &msgs);
                let pid = self.conditional(id, &all);
                if let Some(group) = self.snap.groups.get_mut(g.0 as usize) {
                    group.policies.push(PolicyRef::Resolved(pid));
                }
            }
            return Ok(());
        }
        let kind = if key == "RoleName" {
            PrincipalKind::Role
        } else {
            PrincipalKind::User
        };
        for (i, msgs) in self.principal_targets(target, kind, &what, true)? {
            let mut all = conds.to_vec();
            intrinsics::push_all(&mut all, &msgs);
            let pid = self.conditional(id, &all);
            if let Some(p) = self.snap.principals.get_mut(i) {
                p.policies.push(PolicyRef::Resolved(pid));
            }
        }
        Ok(())
    }

    /// The `Roles`, `Users` and `Groups` of a managed policy of the template.
    fn attach_managed(&mut self, res: &Res<'t>) -> R<()> {
        let Some((id, conds)) = self.mps.get(res.id).map(|m| (m.id, m.conds.clone())) else {
            return Ok(());
        };
        let name = self
            .snap
            .policy(id)
            .map(|p| p.name.to_string())
            .unwrap_or_default();
        let what = format!("managed policy `{name}`");
        self.attach_to(id, res, &conds, &what)?;
        Ok(())
    }

    /// `AWS::IAM::UserToGroupAddition`: users into a group.
    fn addition(&mut self, res: &Res<'t>, conds: &[String]) -> R<()> {
        let what = format!("`{}`", res.id);
        let groups = self.group_targets(res.prop("GroupName"), &what, true)?;
        let users = self.principal_targets(res.prop("Users"), PrincipalKind::User, &what, false)?;
        for (g, gm) in &groups {
            for (u, um) in &users {
                let mut all = conds.to_vec();
                intrinsics::push_all(&mut all, gm);
                intrinsics::push_all(&mut all, um);
                let Some(mut p) = self.snap.principals.get(*u).cloned() else {
                    continue;
                };
                self.member(&mut p, *g, &all, res.node.id);
                if let Some(slot) = self.snap.principals.get_mut(*u) {
                    *slot = p;
                }
            }
        }
        Ok(())
    }

    fn instance_profile(&mut self, res: &Res<'t>) -> R<()> {
        let name = match self.env.name_of(res)? {
            Name::Known(n) => n,
            _ => res.id.to_owned(),
        };
        let what = format!("instance profile `{name}`");
        for (i, _) in
            self.principal_targets(res.prop("Roles"), PrincipalKind::Role, &what, false)?
        {
            if let Some(p) = self.snap.principals.get_mut(i)
                && !p.instance_profiles.contains(&name)
            {
                p.instance_profiles.push(name.clone());
            }
        }
        Ok(())
    }

    /// The once-per-file warnings, then all warnings into the snapshot.
    fn finish(mut self, template: &Template<'t>) {
        let env = self.env;
        let root = template.resources.id;
        if let Some(t) = template.transform {
            let shown = match t.as_str() {
                Some(s) => format!("`{s}`"),
                None => "transforms".to_owned(),
            };
            self.warn(
                WarningCode::Unsupported,
                t.id,
                format!(
                    "the template uses {shown}: what a transform or macro adds or changes at deploy is not read"
                ),
            );
        }
        if !self.unnamed.is_empty() {
            let stack = env.pseudo.stack_name.as_deref().unwrap_or("{stack}");
            let pattern = format!("`{stack}-<logical id>-<random>`");
            let message = if let [one] = self.unnamed.as_slice() {
                format!(
                    "{one} has no name of its own: CloudFormation names it at deploy ({pattern}); here it is \
                     called by its logical id, and what refers to its name in a policy needs review"
                )
            } else {
                format!(
                    "{} resources have no name of their own: CloudFormation names them at deploy ({pattern}); \
                     here they are called by their logical ids, and what refers to their names in a policy needs \
                     review: {}",
                    self.unnamed.len(),
                    names(&self.unnamed)
                )
            };
            self.warn(WarningCode::Unsupported, root, message);
        }
        let skipped: Vec<String> = template
            .order
            .iter()
            .filter_map(|r| {
                let why =
                    types::not_read(r.ty, r.props.and_then(Node::as_map).unwrap_or_default())?;
                Some(format!("`{}` ({}, {why})", r.id, r.ty))
            })
            .collect();
        if !skipped.is_empty() {
            self.warn(
                WarningCode::Unsupported,
                root,
                format!(
                    "not read, as iamdiff reads the policies of IAM identities only: {}",
                    names(&skipped)
                ),
            );
        }
        for m in std::mem::take(&mut self.missing) {
            self.warnings.push(Warning {
                code: WarningCode::UnresolvedPolicy,
                place: m.place,
                message: format!(
                    "managed policy `{}` is attached to {} but its document is in neither the inputs nor the \
                     embedded catalog; access through it needs review",
                    m.name,
                    names(&m.attachers)
                ),
            });
        }
        let mut all = env.warnings.take();
        all.append(&mut self.warnings);
        self.snap.warnings.append(&mut all);
    }
}

/// `Stack/Role/DefaultPolicy/Resource` → `Stack/Role/DefaultPolicy`.
fn cdk_label(path: &str) -> String {
    path.strip_suffix("/Resource").unwrap_or(path).to_owned()
}

/// `a, b, c and 4 more`.
fn names(list: &[String]) -> String {
    super::aws_auth_details::names_up_to(list, 8)
}

#[cfg(test)]
mod tests;
