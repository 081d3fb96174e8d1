//! GCP inputs into the model: the hierarchy and its scope paths, members as principals,
//! groups (nested ones flattened, plus the sets `allUsers`, `allAuthenticatedUsers`,
//! `domain:`, `principalSet:` that members belong to), bindings and deny rules as
//! statements. Roles expand through custom roles or the embedded catalog; an unknown role
//! stays as an opaque token in an unresolved statement (*needs review*, never dropped).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::super::IngestError;
use super::read::{AllowPolicy, Binding, Cond, CustomRole, DenyPolicy, DenyRule, NodeRef, Parts};
use crate::catalog::gcp::gcp_roles;
use crate::model::{
    ActionClause, CEL_OPERATOR, ConditionClause, Effect, GcpNode, GcpNodeKind, GcpSide, Group,
    GroupId, Origin, Place, Policy, PolicyDocument, PolicyKind, PolicyRef, Principal,
    PrincipalKind, ResourceClause, Snapshot, Statement, StatementRef, Warning, WarningCode,
};

/// Deepest hierarchy accepted (GCP allows 10 folder levels; a deeper chain is a cycle or
/// an input error).
const MAX_DEPTH: usize = 32;

struct NodeInfo {
    parent: Option<String>,
    aliases: Vec<String>,
    place: Place,
}

fn kind_of_node(name: &str) -> GcpNodeKind {
    if name.starts_with("organizations/") {
        GcpNodeKind::Organization
    } else if name.starts_with("folders/") {
        GcpNodeKind::Folder
    } else if name.starts_with("projects/") && name.matches('/').count() == 1 {
        GcpNodeKind::Project
    } else {
        GcpNodeKind::Resource
    }
}

fn base_name(file: &str) -> &str {
    file.rsplit(['/', '\\']).next().unwrap_or(file)
}

/// Whether a member string stands for a set of identities (it becomes a group that its
/// members belong to, and a principal of its own standing for the set).
fn is_set(member: &str) -> bool {
    member.starts_with("group:")
        || member.starts_with("domain:")
        || member.starts_with("principalSet:")
        || member == "allUsers"
        || member == "allAuthenticatedUsers"
        || member.starts_with("projectOwner:")
        || member.starts_with("projectEditor:")
        || member.starts_with("projectViewer:")
}

/// A deny policy principal in IAM v2 form, as the v1 member it names.
fn v1_principal(p: &str) -> String {
    if let Some(s) = p.strip_prefix("principal://goog/subject/") {
        format!("user:{s}")
    } else if let Some(s) = p.strip_prefix("principalSet://goog/group/") {
        format!("group:{s}")
    } else if p == "principalSet://goog/public:all" {
        "allUsers".into()
    } else if let Some(rest) = p.strip_prefix("principal://iam.googleapis.com/projects/")
        && let Some((_, sa)) = rest.split_once("/serviceAccounts/")
    {
        format!("serviceAccount:{sa}")
    } else {
        p.to_owned()
    }
}

/// A deny policy permission (`iam.googleapis.com/serviceAccounts.create`) as an allow
/// policy spells it (`iam.serviceAccounts.create`).
fn v1_permission(p: &str) -> String {
    match p.split_once('/') {
        Some((host, rest)) => {
            let svc = host.split('.').next().unwrap_or(host);
            format!("{svc}.{rest}")
        }
        None => p.to_owned(),
    }
}

/// `*` glob, case-insensitive.
fn glob(pattern: &str, text: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let t = text.to_ascii_lowercase();
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let (first, last) = (
        parts.first().copied().unwrap_or(""),
        parts.last().copied().unwrap_or(""),
    );
    if !t.starts_with(first) || t.len() < first.len() + last.len() || !t.ends_with(last) {
        return false;
    }
    let mut rest = t.get(first.len()..t.len() - last.len()).unwrap_or("");
    for mid in parts.iter().skip(1).take(parts.len().saturating_sub(2)) {
        match rest.find(mid) {
            Some(i) => rest = rest.get(i + mid.len()..).unwrap_or(""),
            None => return false,
        }
    }
    true
}

/// The group e-mail of a membership file named `…memberships-list.<email>[.view-full].json`.
fn group_from_file_name(file: &str) -> Option<String> {
    let name = base_name(file);
    let at = name.find('@')?;
    let start = name.get(..at)?.rfind('.').map_or(0, |i| i + 1);
    let mut email = name.get(start..)?.trim_end_matches(".json").to_owned();
    for suffix in [".view-full", ".view-basic", ".full", ".basic"] {
        if let Some(s) = email.strip_suffix(suffix) {
            email = s.to_owned();
        }
    }
    (email.len() > at - start + 1).then_some(email)
}

struct Builder<'a> {
    snap: &'a mut Snapshot,
    principals: BTreeMap<String, usize>,
    groups: BTreeMap<String, GroupId>,
}

impl Builder<'_> {
    fn principal(&mut self, member: &str) -> usize {
        if let Some(&i) = self.principals.get(member) {
            return i;
        }
        let kind = if member.starts_with("serviceAccount:")
            || member.starts_with("deleted:serviceAccount:")
            || member.contains("/serviceAccounts/")
        {
            PrincipalKind::Role
        } else {
            PrincipalKind::User
        };
        let i = self.snap.principals.len();
        self.snap.principals.push(Principal::new(kind, member));
        self.principals.insert(member.to_owned(), i);
        if is_set(member) {
            let g = self.group(member);
            if let Some(p) = self.snap.principals.get_mut(i) {
                p.groups.push(g);
            }
        }
        i
    }

    fn group(&mut self, name: &str) -> GroupId {
        if let Some(&g) = self.groups.get(name) {
            return g;
        }
        let g = self.snap.add_group(Group {
            name: name.to_owned(),
            arn: None,
            path: None,
            policies: Vec::new(),
        });
        self.groups.insert(name.to_owned(), g);
        g
    }

    fn warn(&mut self, code: WarningCode, place: Place, message: String) {
        self.snap.warnings.push(Warning {
            code,
            place,
            message,
        });
    }
}

/// Builds the model from every GCP file of a side.
pub(crate) fn build(files: Vec<(Arc<str>, Parts)>, snap: &mut Snapshot) -> Result<(), IngestError> {
    let mut allow: Vec<AllowPolicy> = Vec::new();
    let mut deny: Vec<DenyPolicy> = Vec::new();
    let mut roles: Vec<CustomRole> = Vec::new();
    let mut memberships = Vec::new();
    let mut manifests = Vec::new();
    for (name, parts) in files {
        snap.sources.push(name);
        allow.extend(parts.allow);
        deny.extend(parts.deny);
        roles.extend(parts.roles);
        memberships.extend(parts.memberships);
        manifests.extend(parts.manifests);
    }
    let mut nodes: BTreeMap<String, NodeInfo> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut alias_of: HashMap<String, String> = HashMap::new();
    let mut policy_files: HashMap<String, String> = HashMap::new();
    let mut deny_files: HashMap<String, String> = HashMap::new();
    let mut group_files: HashMap<String, String> = HashMap::new();
    for m in &manifests {
        for n in &m.nodes {
            if nodes.contains_key(&n.name) {
                return Err(IngestError::new(
                    n.place.clone(),
                    format!("node `{}` is listed twice in the manifest", n.name),
                ));
            }
            for a in &n.aliases {
                alias_of.insert(a.clone(), n.name.clone());
            }
            for f in &n.policies {
                policy_files.insert(base_name(f).to_owned(), n.name.clone());
            }
            for f in &n.deny {
                deny_files.insert(base_name(f).to_owned(), n.name.clone());
            }
            order.push(n.name.clone());
            nodes.insert(
                n.name.clone(),
                NodeInfo {
                    parent: n.parent.clone(),
                    aliases: n.aliases.clone(),
                    place: n.place.clone(),
                },
            );
        }
        for (email, file, _) in &m.groups {
            group_files.insert(base_name(file).to_owned(), email.clone());
        }
    }
    // asset exports place their nodes; projects may appear by number and by id
    let canon = |alias_of: &HashMap<String, String>, n: &str| {
        alias_of.get(n).cloned().unwrap_or_else(|| n.to_owned())
    };
    let learn = |node: &NodeRef,
                 place: &Place,
                 nodes: &mut BTreeMap<String, NodeInfo>,
                 alias_of: &mut HashMap<String, String>,
                 order: &mut Vec<String>| {
        let name = canon(alias_of, &node.name);
        for a in &node.aliases {
            alias_of.insert(a.clone(), name.clone());
        }
        let mut chain = vec![name];
        chain.extend(node.ancestors.iter().map(|a| canon(alias_of, a)));
        for (i, n) in chain.iter().enumerate() {
            let parent = chain.get(i + 1).cloned();
            match nodes.get_mut(n) {
                Some(info) => {
                    if info.parent.is_none() {
                        info.parent = parent;
                    }
                    if i == 0 {
                        for a in &node.aliases {
                            if !info.aliases.contains(a) {
                                info.aliases.push(a.clone());
                            }
                        }
                    }
                }
                None => {
                    order.push(n.clone());
                    nodes.insert(
                        n.clone(),
                        NodeInfo {
                            parent,
                            aliases: if i == 0 {
                                node.aliases.clone()
                            } else {
                                Vec::new()
                            },
                            place: place.clone(),
                        },
                    );
                }
            }
        }
    };
    let mut warnings: Vec<Warning> = Vec::new();
    for p in &mut allow {
        if p.node.is_none() {
            let base = base_name(&p.file).to_owned();
            match policy_files.get(&base) {
                Some(n) => {
                    p.node = Some(NodeRef {
                        name: n.clone(),
                        ..NodeRef::default()
                    })
                }
                None => {
                    warnings.push(Warning {
                        code: WarningCode::Unsupported,
                        place: Place::file(p.file.clone()),
                        message: format!("allow policy `{base}` is not placed in the hierarchy (no manifest names it): read as a node of its own, `unplaced/{base}`"),
                    });
                    p.node = Some(NodeRef {
                        name: format!("unplaced/{base}"),
                        ..NodeRef::default()
                    });
                }
            }
        }
        if p.partial {
            warnings.push(Warning {
                code: WarningCode::TruncatedExport,
                place: p.place.clone(),
                message: "a `search-all-iam-policies` result holds only the bindings its query matched: bindings not shown are not compared".into(),
            });
        }
        if let Some(node) = &p.node {
            learn(node, &p.place, &mut nodes, &mut alias_of, &mut order);
        }
    }
    for d in &mut deny {
        if d.node.is_none() {
            let base = base_name(&d.file).to_owned();
            let from_name = d
                .name
                .strip_prefix("policies/")
                .and_then(|r| r.split_once("/denypolicies/"))
                .map(|(att, _)| short_name_of_attachment(att));
            match deny_files.get(&base).cloned().or(from_name) {
                Some(n) => {
                    d.node = Some(NodeRef {
                        name: n,
                        ..NodeRef::default()
                    })
                }
                None => {
                    return Err(IngestError::new(
                        Place::pointer(d.file.clone(), ""),
                        format!(
                            "deny policy `{base}` is not attached to a node: its `name` does not say (`policies/<attachment point>/denypolicies/<id>`), so name it in the manifest (`deny:` of a node)"
                        ),
                    ));
                }
            }
        }
        if let Some(node) = &d.node {
            let place = Place::file(d.file.clone());
            learn(node, &place, &mut nodes, &mut alias_of, &mut order);
        }
    }
    // scope paths
    let mut side = GcpSide::default();
    let mut path_of: HashMap<String, String> = HashMap::new();
    for name in &order {
        let Some(info) = nodes.get(name) else {
            continue;
        };
        let mut chain = vec![name.clone()];
        let mut cur = info.parent.clone();
        while let Some(p) = cur {
            let p = canon(&alias_of, &p);
            if chain.contains(&p) || chain.len() > MAX_DEPTH {
                return Err(IngestError::new(
                    info.place.clone(),
                    format!(
                        "the parents of `{name}` form a cycle or a chain deeper than {MAX_DEPTH} levels (through `{p}`)"
                    ),
                ));
            }
            cur = nodes.get(&p).and_then(|i| i.parent.clone());
            chain.push(p);
        }
        chain.reverse();
        let path = chain.join("/");
        path_of.insert(name.clone(), path.clone());
        side.nodes.push(GcpNode {
            name: name.clone(),
            aliases: info.aliases.clone(),
            kind: kind_of_node(name),
            path,
            place: Arc::new(info.place.clone()),
        });
    }
    let scope = |node: &Option<NodeRef>| -> Vec<String> {
        let name = node
            .as_ref()
            .map(|n| canon(&alias_of, &n.name))
            .unwrap_or_default();
        let path = path_of.get(&name).cloned().unwrap_or(name);
        vec![path.clone(), format!("{path}/*")]
    };

    let mut b = Builder {
        snap,
        principals: BTreeMap::new(),
        groups: BTreeMap::new(),
    };
    b.snap.warnings.extend(warnings);
    b.snap.defines_users = true;

    // custom roles
    let mut custom: HashMap<String, CustomRole> = HashMap::new();
    for r in roles {
        if r.deleted || r.stage == "DISABLED" {
            let what = if r.deleted { "deleted" } else { "disabled" };
            b.warn(
                WarningCode::Unsupported,
                r.place.clone(),
                format!(
                    "custom role `{}` is {what}: its bindings grant nothing",
                    r.name
                ),
            );
        }
        custom.insert(r.name.clone(), r);
    }

    // group memberships (by e-mail)
    let mut members_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in &memberships {
        let base = base_name(&m.file);
        let Some(email) = group_files
            .get(base)
            .cloned()
            .or_else(|| group_from_file_name(&m.file))
        else {
            return Err(IngestError::new(
                Place::pointer(m.file.clone(), ""),
                format!(
                    "cannot tell which group `{base}` lists: name it in the manifest's `groups:` (group e-mail: file)"
                ),
            ));
        };
        let list = members_of.entry(format!("group:{email}")).or_default();
        for gm in &m.members {
            list.push(match (gm.kind.as_deref(), &gm.namespace) {
                (_, Some(ns)) => format!("principal://{ns}/{}", gm.id),
                (Some("GROUP"), _) => format!("group:{}", gm.id),
                (Some("SERVICE_ACCOUNT"), _) => format!("serviceAccount:{}", gm.id),
                _ if gm.id.ends_with(".gserviceaccount.com") => format!("serviceAccount:{}", gm.id),
                _ => format!("user:{}", gm.id),
            });
        }
    }
    // a basic-view member that is a group with its own list is a group
    let known: BTreeSet<String> = members_of.keys().cloned().collect();
    for list in members_of.values_mut() {
        for m in list.iter_mut() {
            if let Some(id) = m.strip_prefix("user:") {
                let g = format!("group:{id}");
                if known.contains(&g) {
                    *m = g;
                }
            }
        }
    }

    // bindings
    let catalog = gcp_roles();
    for p in &allow {
        let resources = scope(&p.node);
        let node = p
            .node
            .as_ref()
            .map(|n| canon(&alias_of, &n.name))
            .unwrap_or_default();
        for (i, bd) in p.bindings.iter().enumerate() {
            let (actions, unresolved, disabled) = expand_role(&bd.role, &custom, catalog);
            if disabled {
                continue;
            }
            let stmt = binding_statement(
                bd,
                i,
                &node,
                &p.file,
                resources.clone(),
                actions,
                unresolved.clone(),
            );
            let pid = b.snap.add_policy(policy_of(
                &bd.role,
                &node,
                PolicyKind::GcpBinding,
                stmt.clone(),
            ));
            for m in &bd.members {
                if m.starts_with("deleted:") {
                    b.warn(WarningCode::Unsupported, bd.place.clone(), format!("member `{m}` was deleted but is still bound to `{}` on `{node}`: the binding grants nothing until it is removed", bd.role));
                    // a deleted member's binding grants nothing: the role stays a token
                    // so the finding names it, and the statement needs review
                    let mut s = stmt.clone();
                    s.action = ActionClause::Action(vec![bd.role.clone()]);
                    s.unresolved
                        .push(format!("member `{m}` was deleted: remove the binding"));
                    let dp =
                        b.snap
                            .add_policy(policy_of(&bd.role, &node, PolicyKind::GcpBinding, s));
                    let at = b.principal(m);
                    if let Some(pr) = b.snap.principals.get_mut(at) {
                        pr.policies.push(PolicyRef::Resolved(dp));
                    }
                    continue;
                }
                if m.starts_with("project") && m.contains(':') && is_set(m) {
                    b.warn(WarningCode::Unsupported, bd.place.clone(), format!("convenience member `{m}` is not expanded to the project's owners, editors or viewers: it is read as a set of its own"));
                }
                let at = b.principal(m);
                if is_set(m) {
                    let g = b.group(m);
                    if let Some(gr) = b.snap.groups.get_mut(g.0 as usize) {
                        gr.policies.push(PolicyRef::Resolved(pid));
                    }
                } else if let Some(pr) = b.snap.principals.get_mut(at) {
                    pr.policies.push(PolicyRef::Resolved(pid));
                }
            }
        }
    }
    // members known only from memberships
    for list in members_of.values() {
        for m in list {
            b.principal(m);
        }
    }
    for g in members_of.keys() {
        b.principal(g);
    }

    // every principal's groups: nested groups flattened, plus the sets it belongs to
    let names: Vec<String> = b.snap.principals.iter().map(|p| p.name.clone()).collect();
    let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
    for (g, list) in &members_of {
        for m in list {
            parents.entry(m.as_str()).or_default().push(g.as_str());
        }
    }
    let domains: Vec<String> = b
        .groups
        .keys()
        .filter(|g| g.starts_with("domain:"))
        .cloned()
        .collect();
    for (i, name) in names.iter().enumerate() {
        let mut sets: BTreeSet<String> = BTreeSet::new();
        let mut stack = vec![name.as_str()];
        while let Some(x) = stack.pop() {
            for &g in parents.get(x).map(Vec::as_slice).unwrap_or(&[]) {
                if sets.insert(g.to_owned()) {
                    stack.push(g);
                }
            }
        }
        if !name.starts_with("deleted:") {
            sets.insert("allUsers".into());
            if name != "allUsers" {
                sets.insert("allAuthenticatedUsers".into());
            }
            if let Some(email) = name.strip_prefix("user:") {
                let d = email.rsplit('@').next().unwrap_or("");
                for dom in &domains {
                    if dom.strip_prefix("domain:") == Some(d) {
                        sets.insert(dom.clone());
                    }
                }
            }
        }
        for s in sets {
            if s.starts_with("group:") || b.groups.contains_key(&s) {
                let g = b.group(&s);
                if let Some(p) = b.snap.principals.get_mut(i)
                    && !p.groups.contains(&g)
                {
                    p.groups.push(g);
                }
            }
        }
    }

    // deny rules: on every principal denied and not excepted
    for d in &deny {
        let resources = scope(&d.node);
        let node = d
            .node
            .as_ref()
            .map(|n| canon(&alias_of, &n.name))
            .unwrap_or_default();
        for (i, rule) in d.rules.iter().enumerate() {
            let stmt = deny_statement(rule, i, d, resources.clone(), catalog);
            let pid = b
                .snap
                .add_policy(policy_of(&d.name, &node, PolicyKind::GcpDeny, stmt));
            let denied: Vec<String> = rule
                .denied_principals
                .iter()
                .map(|p| v1_principal(p))
                .collect();
            let except: Vec<String> = rule
                .exception_principals
                .iter()
                .map(|p| v1_principal(p))
                .collect();
            for pi in 0..b.snap.principals.len() {
                let Some(p) = b.snap.principals.get(pi) else {
                    continue;
                };
                let mut names = vec![p.name.as_str()];
                names.extend(
                    p.groups
                        .iter()
                        .filter_map(|g| b.snap.groups.get(g.0 as usize))
                        .map(|g| g.name.as_str()),
                );
                let hits = |list: &[String]| list.iter().any(|x| names.contains(&x.as_str()));
                if hits(&denied)
                    && !hits(&except)
                    && let Some(p) = b.snap.principals.get_mut(pi)
                {
                    p.policies.push(PolicyRef::Resolved(pid));
                }
            }
        }
    }
    b.snap.gcp = Some(side);
    Ok(())
}

fn short_name_of_attachment(att: &str) -> String {
    let decoded = att.replace("%2F", "/").replace("%2f", "/");
    decoded
        .strip_prefix("cloudresourcemanager.googleapis.com/")
        .unwrap_or(&decoded)
        .to_owned()
}

/// A role's permissions: from a custom role, else the catalog; an unknown role is kept as
/// an opaque token with the reason it is unresolved. The flag says the role grants
/// nothing (a deleted or disabled custom role).
fn expand_role(
    role: &str,
    custom: &HashMap<String, CustomRole>,
    catalog: &crate::catalog::gcp::GcpRoles,
) -> (Vec<String>, Vec<String>, bool) {
    if let Some(r) = custom.get(role) {
        return (
            r.permissions.clone(),
            Vec::new(),
            r.deleted || r.stage == "DISABLED",
        );
    }
    // a predefined role stays its name: evaluation expands it through the catalog
    if role.starts_with("roles/") && catalog.role(role).is_some() {
        return (vec![role.to_owned()], Vec::new(), false);
    }
    (
        vec![role.to_owned()],
        vec![format!(
            "role `{role}` is in neither the embedded catalog nor the custom roles given"
        )],
        false,
    )
}

fn cel(cond: &Option<Cond>) -> Vec<ConditionClause> {
    cond.iter()
        .map(|c| ConditionClause {
            operator: CEL_OPERATOR.into(),
            key: if c.title.is_empty() {
                "condition".into()
            } else {
                c.title.clone()
            },
            values: vec![c.expression.clone()],
        })
        .collect()
}

fn policy_of(what: &str, node: &str, kind: PolicyKind, stmt: Statement) -> Policy {
    Policy {
        name: Arc::from(format!("{what} on {node}")),
        arn: None,
        kind,
        version: None,
        document: PolicyDocument {
            version: None,
            statements: vec![stmt],
        },
    }
}

fn binding_statement(
    bd: &Binding,
    i: usize,
    node: &str,
    file: &Arc<str>,
    resources: Vec<String>,
    actions: Vec<String>,
    unresolved: Vec<String>,
) -> Statement {
    Statement {
        sid: None,
        effect: Effect::Allow,
        action: ActionClause::Action(actions),
        resource: ResourceClause::Resource(resources),
        principal: None,
        condition: cel(&bd.condition),
        unresolved,
        origin: Arc::new(Origin {
            file: file.clone(),
            policy: Arc::from(format!("{} on {node}", bd.role)),
            policy_arn: None,
            version: None,
            kind: PolicyKind::GcpBinding,
            statement: StatementRef::Index(i),
            pointer: bd.place.pointer.clone(),
        }),
    }
}

fn deny_statement(
    rule: &DenyRule,
    i: usize,
    d: &DenyPolicy,
    resources: Vec<String>,
    catalog: &crate::catalog::gcp::GcpRoles,
) -> Statement {
    let denied: Vec<String> = rule
        .denied_permissions
        .iter()
        .map(|p| v1_permission(p))
        .collect();
    let except: Vec<String> = rule
        .exception_permissions
        .iter()
        .map(|p| v1_permission(p))
        .collect();
    let actions = if except.is_empty() {
        denied
    } else {
        // a deny with exceptions: the catalog permissions it denies, less the exceptions;
        // literal permissions outside the catalog stay as written
        let mut out: Vec<String> = catalog
            .permissions
            .iter()
            .filter(|p| denied.iter().any(|d| glob(d, p)) && !except.iter().any(|e| glob(e, p)))
            .cloned()
            .collect();
        out.extend(
            denied
                .iter()
                .filter(|d| !d.contains('*') && catalog.permissions.binary_search(d).is_err())
                .filter(|d| !except.iter().any(|e| glob(e, d)))
                .cloned(),
        );
        out
    };
    Statement {
        sid: None,
        effect: Effect::Deny,
        action: ActionClause::Action(actions),
        resource: ResourceClause::Resource(resources),
        principal: None,
        condition: cel(&rule.condition),
        unresolved: Vec::new(),
        origin: Arc::new(Origin {
            file: d.file.clone(),
            policy: Arc::from(d.name.as_str()),
            policy_arn: None,
            version: None,
            kind: PolicyKind::GcpDeny,
            statement: StatementRef::Index(i),
            pointer: rule.place.pointer.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_names_and_globs() {
        assert_eq!(
            v1_principal("principal://goog/subject/a@x.com"),
            "user:a@x.com"
        );
        assert_eq!(
            v1_principal("principalSet://goog/group/g@x.com"),
            "group:g@x.com"
        );
        assert_eq!(v1_principal("principalSet://goog/public:all"), "allUsers");
        assert_eq!(
            v1_principal(
                "principal://iam.googleapis.com/projects/-/serviceAccounts/s@p.iam.gserviceaccount.com"
            ),
            "serviceAccount:s@p.iam.gserviceaccount.com"
        );
        assert_eq!(
            v1_permission("iam.googleapis.com/serviceAccounts.create"),
            "iam.serviceAccounts.create"
        );
        assert_eq!(v1_permission("storage.googleapis.com/*"), "storage.*");
        assert!(glob("storage.*", "storage.buckets.delete"));
        assert!(glob("*.delete", "storage.buckets.delete"));
        assert!(!glob("storage.*", "compute.instances.get"));
        assert_eq!(
            group_from_file_name(
                "x/gcloud-identity-groups-memberships-list.team-a@example.com.view-full.json"
            )
            .as_deref(),
            Some("team-a@example.com")
        );
    }
}
