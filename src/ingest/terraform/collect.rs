//! The IAM resources of one Terraform file, read into users, groups and roles (each
//! with its inline policies, attachments, boundary and memberships) and customer managed
//! policies, before anything is added to the snapshot.
//!
//! Resources refer to each other by name (`role = "app"`), by ARN (`policy_arn`), or,
//! when those are known only after apply, only through the configuration's references
//! (`aws_iam_role.app`). Principals are therefore read first, then everything that
//! attaches to them.

use rustc_hash::FxHashMap;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::docs::{Doc, Docs, Owner};
use super::index::{Index, Inst, Mode, Step, path_text};
use crate::ingest::aws_auth_details::account_of;
use crate::ingest::{IngestError, LoadOptions};
use crate::model::{Place, Policy, PolicyDocument, PolicyKind, Statement, Warning, WarningCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Role => "role",
        }
    }

    fn resource(self) -> &'static str {
        match self {
            Kind::User => "aws_iam_user",
            Kind::Group => "aws_iam_group",
            Kind::Role => "aws_iam_role",
        }
    }
}

/// How a principal or group uses a managed policy.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Link {
    /// By ARN: a policy of this file, of another input, or of the catalog.
    Arn(String),
    /// A policy of this file, by index.
    Pol(usize),
    /// Known only after apply, and no reference says which policy it is.
    Unknown { name: String, why: String },
}

/// An inline policy, or why its document is not known.
pub(super) enum Inline {
    Doc(Policy),
    Unknown {
        name: String,
        why: String,
        place: Place,
    },
}

impl Inline {
    fn name(&self) -> &str {
        match self {
            Inline::Doc(p) => &p.name,
            Inline::Unknown { name, .. } => name,
        }
    }
}

/// A user, group or role: defined by a resource of this file, or only referred to.
pub(super) struct Ent {
    pub kind: Kind,
    pub name: String,
    /// The address of the resource that defines it; `None` when it is only referred to.
    pub defined: Option<String>,
    pub place: Place,
    pub arn: Option<String>,
    pub id: Option<String>,
    pub path: Option<String>,
    pub account: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub trust: Option<Result<Policy, String>>,
    pub inline: Vec<Inline>,
    pub managed: Vec<(Link, Place)>,
    pub boundary: Option<(Link, Place)>,
    /// Groups of a user, by name.
    pub groups: Vec<(String, Place)>,
    pub instance_profiles: Vec<String>,
}

/// A customer managed policy of this file (`aws_iam_policy`, or an existing one read by
/// `data.aws_iam_policy`).
pub(super) struct Pol {
    pub addr: String,
    pub name: String,
    pub path: String,
    pub arn: Option<String>,
    pub doc: Result<PolicyDocument, String>,
    pub place: Place,
}

/// An `aws_iam_policy_attachment`: the only attachment of its policy in the account.
pub(super) struct Exclusive {
    pub addr: String,
    pub link: Link,
    pub members: Vec<(Kind, String)>,
    pub place: Place,
}

#[derive(Default)]
pub(super) struct Model {
    pub ents: Vec<Ent>,
    by_key: FxHashMap<(Kind, String), usize>,
    by_addr: FxHashMap<String, usize>,
    pub pols: Vec<Pol>,
    pol_by_addr: FxHashMap<String, usize>,
    pub exclusive: Vec<Exclusive>,
    pub warnings: Vec<Warning>,
    /// The partition of the ARNs in the file (`aws` unless they say otherwise).
    pub partition: String,
}

/// IAM resource types that do not change what anyone may do.
const HARMLESS: &[&str] = &[
    "aws_iam_access_key",
    "aws_iam_account_alias",
    "aws_iam_account_password_policy",
    "aws_iam_group_policies_exclusive",
    "aws_iam_openid_connect_provider",
    "aws_iam_role_policies_exclusive",
    "aws_iam_saml_provider",
    "aws_iam_security_token_service_preferences",
    "aws_iam_server_certificate",
    "aws_iam_service_specific_credential",
    "aws_iam_signing_certificate",
    "aws_iam_user_login_profile",
    "aws_iam_user_policies_exclusive",
    "aws_iam_user_ssh_key",
    "aws_iam_virtual_mfa_device",
];

pub(super) fn collect(
    idx: &Index<'_>,
    bytes: &[u8],
    opts: &LoadOptions,
) -> Result<Model, IngestError> {
    let mut c = Collect {
        idx,
        docs: Docs {
            idx,
            bytes,
            file: idx.file.clone(),
        },
        account: opts.account.clone(),
        default_tags: idx.has_default_tags(),
        m: Model {
            partition: partition(idx),
            ..Model::default()
        },
    };
    let mut gcp = Vec::new();
    let mut unsupported = Vec::new();
    // principals and policies first: everything else refers to them
    for inst in &idx.managed {
        match inst.kind.as_str() {
            "aws_iam_user" => c.principal(inst, Kind::User)?,
            "aws_iam_group" => c.principal(inst, Kind::Group)?,
            "aws_iam_role" => c.principal(inst, Kind::Role)?,
            "aws_iam_policy" => c.policy(inst)?,
            _ => {}
        }
    }
    let mut seen_data = Vec::new();
    for inst in &idx.data {
        if inst.kind == "aws_iam_policy" && !seen_data.contains(&inst.addr) {
            seen_data.push(inst.addr.clone());
            c.policy(inst)?;
        }
    }
    for inst in &idx.managed {
        let k = inst.kind.as_str();
        match k {
            "aws_iam_user" | "aws_iam_group" | "aws_iam_role" | "aws_iam_policy" => {}
            "aws_iam_role_policy" => c.inline(inst, Kind::Role, "role")?,
            "aws_iam_user_policy" => c.inline(inst, Kind::User, "user")?,
            "aws_iam_group_policy" => c.inline(inst, Kind::Group, "group")?,
            "aws_iam_role_policy_attachment" => c.attachment(inst, Kind::Role, "role"),
            "aws_iam_user_policy_attachment" => c.attachment(inst, Kind::User, "user"),
            "aws_iam_group_policy_attachment" => c.attachment(inst, Kind::Group, "group"),
            "aws_iam_role_policy_attachments_exclusive" => {
                c.attachments(inst, Kind::Role, "role_name")
            }
            "aws_iam_user_policy_attachments_exclusive" => {
                c.attachments(inst, Kind::User, "user_name")
            }
            "aws_iam_group_policy_attachments_exclusive" => {
                c.attachments(inst, Kind::Group, "group_name")
            }
            "aws_iam_policy_attachment" => c.exclusive(inst),
            "aws_iam_user_group_membership" => c.user_groups(inst),
            "aws_iam_group_membership" => c.group_users(inst),
            "aws_iam_instance_profile" => c.instance_profile(inst),
            _ if HARMLESS.contains(&k) => {}
            _ if k.starts_with("aws_iam_") => unsupported.push(inst.addr.clone()),
            _ if k.starts_with("google_") => gcp.push(inst.addr.clone()),
            _ => {}
        }
    }
    let file = idx.file.clone();
    let sso = idx.managed.iter().any(|i| super::ssoadmin::is_sso(&i.kind));
    if c.m.ents.is_empty()
        && c.m.pols.is_empty()
        && gcp.is_empty()
        && unsupported.is_empty()
        && !sso
    {
        c.warn(
            Place::file(file.clone()),
            "the file manages no IAM users, groups, roles or policies".to_owned(),
        );
    }
    if !gcp.is_empty() {
        c.warn(
            Place::file(file.clone()),
            format!(
                "GCP resources are not read (GCP is not supported yet): {}",
                quoted(&gcp)
            ),
        );
    }
    if !unsupported.is_empty() {
        c.warn(
            Place::file(file),
            format!(
                "IAM resources of types iamdiff does not read were skipped: {}",
                quoted(&unsupported)
            ),
        );
    }
    Ok(c.m)
}

/// `` `a`, `b` and 3 more ``.
fn quoted(list: &[String]) -> String {
    let shown: Vec<String> = list.iter().map(|a| format!("`{a}`")).collect();
    crate::ingest::aws_auth_details::names(&shown)
}

/// The partition of the first ARN in the file.
fn partition(idx: &Index<'_>) -> String {
    idx.managed
        .iter()
        .filter_map(|i| i.str(&[Step::Key("arn")]))
        .find_map(|arn| arn.split(':').nth(1).map(str::to_owned))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "aws".to_owned())
}

struct Collect<'c, 'a> {
    idx: &'c Index<'a>,
    docs: Docs<'c, 'a>,
    account: Option<String>,
    default_tags: bool,
    m: Model,
}

const NAME: [Step<'static>; 1] = [Step::Key("name")];

impl Collect<'_, '_> {
    fn warn(&mut self, place: Place, message: String) {
        self.m.warnings.push(Warning {
            code: WarningCode::Unsupported,
            place,
            message,
        });
    }

    fn place(&self, inst: &Inst<'_>, path: &[Step<'_>]) -> Place {
        Place::pointer(self.idx.file.clone(), inst.pointer_of(path))
    }

    /// The name of a resource; when it is known only after apply (`name_prefix`, or
    /// generated), its address, with a warning saying so.
    fn name_of(&mut self, inst: &Inst<'_>, what: &str) -> (String, bool) {
        if let Some(n) = inst.str(&NAME).filter(|n| !n.is_empty()) {
            return (n, true);
        }
        let prefix = inst
            .str(&[Step::Key("name_prefix")])
            .map(|p| format!(" (it starts with `{p}`)"))
            .unwrap_or_default();
        let place = self.place(inst, &NAME);
        self.warn(
            place,
            format!(
                "the name of {what} `{}` is known only after apply{prefix}; it is called `{}` here, so \
                 it cannot be matched by name with the other side",
                inst.addr, inst.addr
            ),
        );
        (inst.addr.clone(), false)
    }

    fn arn_for(&self, kind: &str, path: &str, name: &str) -> Option<String> {
        self.account
            .as_ref()
            .map(|a| format!("arn:{}:iam::{a}:{kind}{path}{name}", self.m.partition))
    }

    fn tags(&self, inst: &Inst<'_>) -> BTreeMap<String, String> {
        let all = [Step::Key("tags_all")];
        let mine = [Step::Key("tags")];
        let read = |path: &[Step<'_>]| -> BTreeMap<String, String> {
            match inst.value(path) {
                Some(Value::Object(m)) => m
                    .into_iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned())))
                    .collect(),
                _ => BTreeMap::new(),
            }
        };
        if inst.raw(&all).is_some() && !inst.unknown_within(&all) {
            read(&all)
        } else if !self.default_tags && !inst.unknown_within(&mine) {
            read(&mine)
        } else {
            // the provider adds tags this file does not show: leave them all unknown
            BTreeMap::new()
        }
    }

    fn principal(&mut self, inst: &Inst<'_>, kind: Kind) -> Result<(), IngestError> {
        let (name, known) = self.name_of(inst, kind.label());
        let path = inst
            .str(&[Step::Key("path")])
            .unwrap_or_else(|| "/".to_owned());
        let arn = inst.str(&[Step::Key("arn")]).or_else(|| {
            known
                .then(|| self.arn_for(kind.label(), &path, &name))
                .flatten()
        });
        let account = arn
            .as_deref()
            .and_then(account_of)
            .or_else(|| self.account.clone());
        let mut ent = Ent {
            kind,
            name: name.clone(),
            defined: Some(inst.addr.clone()),
            place: self.place(inst, &[]),
            arn,
            id: inst.str(&[Step::Key("unique_id")]),
            path: Some(path),
            account,
            tags: if kind == Kind::Group {
                BTreeMap::new()
            } else {
                self.tags(inst)
            },
            trust: None,
            inline: Vec::new(),
            managed: Vec::new(),
            boundary: None,
            groups: Vec::new(),
            instance_profiles: Vec::new(),
        };
        if kind != Kind::Group {
            let bp = [Step::Key("permissions_boundary")];
            let place = self.place(inst, &bp);
            ent.boundary = self.policy_link(inst, &bp).map(|l| (l, place));
        }
        if kind == Kind::Role {
            let tp = [Step::Key("assume_role_policy")];
            let owner = Owner {
                name: &name,
                arn: None,
                kind: PolicyKind::Trust,
            };
            ent.trust = match self.docs.at(inst, &tp, &owner)? {
                Some(Doc::Known(document)) => Some(Ok(Policy {
                    name: Arc::from(name.as_str()),
                    arn: None,
                    kind: PolicyKind::Trust,
                    version: None,
                    document,
                })),
                Some(Doc::Unknown(why)) => Some(Err(why)),
                None => None,
            };
            // inline_policy and managed_policy_arns are computed: unless configured, a
            // plan leaves them unknown or repeats the prior state, and the resources that
            // attach policies say what will be
            let ip = [Step::Key("inline_policy")];
            if inst.raw(&ip).is_some() && self.idx.computed_is_final(inst, &ip) {
                let blocks = match inst.value(&ip) {
                    Some(Value::Array(b)) => b.len(),
                    _ => 0,
                };
                for i in 0..blocks {
                    let np = [Step::Key("inline_policy"), Step::Idx(i), Step::Key("name")];
                    let pp = [
                        Step::Key("inline_policy"),
                        Step::Idx(i),
                        Step::Key("policy"),
                    ];
                    let pname = inst.str(&np).unwrap_or_default();
                    let has_policy = inst.str(&pp).is_some_and(|p| !p.is_empty());
                    if pname.is_empty() && !has_policy && !inst.unknown_within(&pp) {
                        // the empty block a state shows for a role without inline policies
                        continue;
                    }
                    let pname = if pname.is_empty() {
                        format!("{}[{i}]", path_text(&ip))
                    } else {
                        pname
                    };
                    let item = self.inline_doc(inst, &pp, &pname)?;
                    if let Some(item) = item {
                        let place = self.place(inst, &pp);
                        push_inline(&mut ent, item, &mut self.m.warnings, &place);
                    }
                }
            } else if inst.unknown_within(&ip) && self.idx.configured(inst, &ip) {
                let why = inst.unknown_message(&self.idx.file, &ip);
                ent.inline.push(Inline::Unknown {
                    name: format!("inline policies of `{}`", inst.addr),
                    why,
                    place: self.place(inst, &ip),
                });
            }
            let mp = [Step::Key("managed_policy_arns")];
            if (inst.raw(&mp).is_some() && self.idx.computed_is_final(inst, &mp))
                || self.idx.configured(inst, &mp)
            {
                let place = self.place(inst, &mp);
                for l in self.policy_links(inst, &mp) {
                    ent.managed.push((l, place.clone()));
                }
            }
        }
        if let Some(&old) = self.m.by_key.get(&(kind, name.clone())) {
            let other = self
                .m
                .ents
                .get(old)
                .and_then(|e| e.defined.clone())
                .unwrap_or_default();
            let place = self.place(inst, &[]);
            self.m.warnings.push(Warning {
                code: WarningCode::Duplicate,
                place,
                message: format!(
                    "{} `{name}` is defined twice, by `{other}` and `{}`; the later one was kept",
                    kind.label(),
                    inst.addr
                ),
            });
            self.m.by_addr.insert(inst.addr.clone(), old);
            if let Some(slot) = self.m.ents.get_mut(old) {
                *slot = ent;
            }
            return Ok(());
        }
        let i = self.m.ents.len();
        self.m.by_addr.insert(inst.addr.clone(), i);
        self.m.by_key.insert((kind, name), i);
        self.m.ents.push(ent);
        Ok(())
    }

    fn inline_doc(
        &mut self,
        inst: &Inst<'_>,
        path: &[Step<'_>],
        name: &str,
    ) -> Result<Option<Inline>, IngestError> {
        let owner = Owner {
            name,
            arn: None,
            kind: PolicyKind::Inline,
        };
        Ok(match self.docs.at(inst, path, &owner)? {
            Some(Doc::Known(document)) => Some(Inline::Doc(Policy {
                name: Arc::from(name),
                arn: None,
                kind: PolicyKind::Inline,
                version: None,
                document,
            })),
            Some(Doc::Unknown(why)) => Some(Inline::Unknown {
                name: name.to_owned(),
                why,
                place: self.place(inst, path),
            }),
            None => None,
        })
    }

    fn policy(&mut self, inst: &Inst<'_>) -> Result<(), IngestError> {
        let data = inst.mode == Mode::Data;
        let (name, known) = if data {
            (
                inst.str(&NAME)
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| inst.addr.clone()),
                true,
            )
        } else {
            self.name_of(inst, "managed policy")
        };
        let path = inst
            .str(&[Step::Key("path")])
            .unwrap_or_else(|| "/".to_owned());
        let arn = inst.str(&[Step::Key("arn")]).or_else(|| {
            known
                .then(|| self.arn_for("policy", &path, &name))
                .flatten()
        });
        let owner = Owner {
            name: &name,
            arn: arn.as_deref(),
            kind: PolicyKind::CustomerManaged,
        };
        let pp = [Step::Key("policy")];
        let doc = match self.docs.at(inst, &pp, &owner)? {
            Some(Doc::Known(d)) => Ok(d),
            Some(Doc::Unknown(why)) => Err(why),
            None => Ok(PolicyDocument::default()),
        };
        self.m
            .pol_by_addr
            .insert(inst.addr.clone(), self.m.pols.len());
        self.m.pols.push(Pol {
            addr: inst.addr.clone(),
            name,
            path,
            arn,
            doc,
            place: self.place(inst, &pp),
        });
        Ok(())
    }

    /// The user, group or role `name` of this file, or one only referred to.
    fn ent_named(&mut self, kind: Kind, name: &str, place: &Place) -> usize {
        if let Some(&i) = self.m.by_key.get(&(kind, name.to_owned())) {
            return i;
        }
        let i = self.m.ents.len();
        self.m.ents.push(Ent {
            kind,
            name: name.to_owned(),
            defined: None,
            place: place.clone(),
            arn: None,
            id: None,
            path: None,
            account: self.account.clone(),
            tags: BTreeMap::new(),
            trust: None,
            inline: Vec::new(),
            managed: Vec::new(),
            boundary: None,
            groups: Vec::new(),
            instance_profiles: Vec::new(),
        });
        self.m.by_key.insert((kind, name.to_owned()), i);
        i
    }

    /// The users, groups or roles `path` of `inst` names: by name, or, when the names
    /// are known only after apply, through the references of its configuration.
    fn targets(
        &mut self,
        inst: &Inst<'_>,
        path: &[Step<'_>],
        kind: Kind,
        scalar: bool,
    ) -> Vec<usize> {
        let place = self.place(inst, path);
        let mut out = Vec::new();
        let mut unknown = inst.unknown_within(path);
        if scalar {
            if let Some(n) = inst.str(path) {
                if !n.is_empty() {
                    out.push(self.ent_named(kind, &n, &place));
                }
                return out;
            }
        } else if let Some(list) = inst.strs(path) {
            for (j, n) in list.into_iter().enumerate() {
                match n {
                    Some(n) if !n.is_empty() => out.push(self.ent_named(kind, &n, &place)),
                    Some(_) => {}
                    None => {
                        let mut p = path.to_vec();
                        p.push(Step::Idx(j));
                        unknown |= inst.unknown_at(&p);
                    }
                }
            }
        }
        if !unknown {
            return out;
        }
        let t = self.idx.follow(inst, path);
        let mut found = Vec::new();
        for target in &t.insts {
            let hit = match target.mode {
                Mode::Managed if target.kind == kind.resource() => {
                    self.m.by_addr.get(&target.addr).copied()
                }
                // an existing principal read by a data source
                Mode::Data if target.kind == kind.resource() => {
                    target.str(&NAME).map(|n| self.ent_named(kind, &n, &place))
                }
                _ => None,
            };
            if let Some(i) = hit
                && !found.contains(&i)
            {
                found.push(i);
            }
        }
        if found.is_empty() {
            let why = inst.unknown_message(&self.idx.file, path);
            self.warn(
                place,
                format!(
                    "cannot tell which {} `{}` applies to: {why}, and its configuration refers to no {} \
                     iamdiff can follow; it was skipped",
                    kind.label(),
                    inst.addr,
                    kind.resource()
                ),
            );
        } else if scalar && found.len() > 1 {
            let names: Vec<String> = found
                .iter()
                .filter_map(|&i| self.m.ents.get(i).map(|e| e.name.clone()))
                .collect();
            self.warn(
                place,
                format!(
                    "cannot tell which {} `{}` applies to: its `{}` is known only after apply and may be \
                     any of {}; it was skipped",
                    kind.label(),
                    inst.addr,
                    path_text(path),
                    quoted(&names)
                ),
            );
        } else {
            out.extend(found);
        }
        out
    }

    /// The managed policy `path` of `inst` names: its ARN, or when that is known only
    /// after apply, the policy its configuration refers to.
    fn policy_link(&mut self, inst: &Inst<'_>, path: &[Step<'_>]) -> Option<Link> {
        if let Some(arn) = inst.str(path) {
            return (!arn.is_empty()).then_some(Link::Arn(arn));
        }
        if !inst.unknown_at(path) {
            return None;
        }
        let mut links = self.followed_policies(inst, path);
        match links.len() {
            1 => links.pop(),
            0 => Some(self.unknown_link(inst, path, "")),
            _ => Some(self.unknown_link(
                inst,
                path,
                "; it may be any of several policies its configuration refers to",
            )),
        }
    }

    /// A list of policy ARNs (`managed_policy_arns`, `policy_arns`), unknown elements
    /// traced through the configuration.
    fn policy_links(&mut self, inst: &Inst<'_>, path: &[Step<'_>]) -> Vec<Link> {
        let mut out = Vec::new();
        let mut unknown = inst.unknown_at(path);
        if let Some(list) = inst.strs(path) {
            for (j, a) in list.into_iter().enumerate() {
                match a {
                    Some(a) if !a.is_empty() => out.push(Link::Arn(a)),
                    Some(_) => {}
                    None => {
                        let mut p = path.to_vec();
                        p.push(Step::Idx(j));
                        unknown |= inst.unknown_at(&p);
                    }
                }
            }
        }
        if unknown {
            let followed = self.followed_policies(inst, path);
            if followed.is_empty() {
                out.push(self.unknown_link(inst, path, ""));
            }
            for l in followed {
                if !out.contains(&l) {
                    out.push(l);
                }
            }
        }
        out
    }

    fn followed_policies(&self, inst: &Inst<'_>, path: &[Step<'_>]) -> Vec<Link> {
        let t = self.idx.follow(inst, path);
        let mut out = Vec::new();
        for target in t.insts {
            if target.kind != "aws_iam_policy" {
                continue;
            }
            let l = match self.m.pol_by_addr.get(&target.addr) {
                Some(&i) => Link::Pol(i),
                None => match target.str(&[Step::Key("arn")]) {
                    Some(a) => Link::Arn(a),
                    None => continue,
                },
            };
            if !out.contains(&l) {
                out.push(l);
            }
        }
        out
    }

    fn unknown_link(&self, inst: &Inst<'_>, path: &[Step<'_>], more: &str) -> Link {
        let t = self.idx.follow(inst, path);
        let mut why = inst.unknown_message(&self.idx.file, path);
        why.push_str(more);
        if more.is_empty() && !t.dead_ends.is_empty() {
            why.push_str(&format!(
                "; it is made from {}, which iamdiff cannot follow",
                t.dead_ends.join(", ")
            ));
        }
        Link::Unknown {
            name: format!("{}.{}", inst.addr, path_text(path)),
            why,
        }
    }

    fn inline(&mut self, inst: &Inst<'_>, kind: Kind, attr: &str) -> Result<(), IngestError> {
        let tp = [Step::Key(attr)];
        let targets = self.targets(inst, &tp, kind, true);
        let Some(&target) = targets.first() else {
            return Ok(());
        };
        let name = match inst.str(&NAME).filter(|n| !n.is_empty()) {
            Some(n) => n,
            None => inst.addr.clone(),
        };
        let pp = [Step::Key("policy")];
        let place = self.place(inst, &pp);
        if let Some(item) = self.inline_doc(inst, &pp, &name)?
            && let Some(ent) = self.m.ents.get_mut(target)
        {
            push_inline(ent, item, &mut self.m.warnings, &place);
        }
        Ok(())
    }

    fn attachment(&mut self, inst: &Inst<'_>, kind: Kind, attr: &str) {
        let pp = [Step::Key("policy_arn")];
        let Some(link) = self.policy_link(inst, &pp) else {
            return;
        };
        let place = self.place(inst, &pp);
        for t in self.targets(inst, &[Step::Key(attr)], kind, true) {
            if let Some(e) = self.m.ents.get_mut(t) {
                e.managed.push((link.clone(), place.clone()));
            }
        }
    }

    fn attachments(&mut self, inst: &Inst<'_>, kind: Kind, attr: &str) {
        let pp = [Step::Key("policy_arns")];
        let links = self.policy_links(inst, &pp);
        let place = self.place(inst, &pp);
        for t in self.targets(inst, &[Step::Key(attr)], kind, true) {
            if let Some(e) = self.m.ents.get_mut(t) {
                for l in &links {
                    e.managed.push((l.clone(), place.clone()));
                }
            }
        }
    }

    fn exclusive(&mut self, inst: &Inst<'_>) {
        let pp = [Step::Key("policy_arn")];
        let Some(link) = self.policy_link(inst, &pp) else {
            return;
        };
        let place = self.place(inst, &pp);
        let mut members = Vec::new();
        for (attr, kind) in [
            ("users", Kind::User),
            ("groups", Kind::Group),
            ("roles", Kind::Role),
        ] {
            for t in self.targets(inst, &[Step::Key(attr)], kind, false) {
                if let Some(e) = self.m.ents.get_mut(t) {
                    e.managed.push((link.clone(), place.clone()));
                    members.push((kind, e.name.clone()));
                }
            }
        }
        self.m.exclusive.push(Exclusive {
            addr: inst.addr.clone(),
            link,
            members,
            place,
        });
    }

    fn user_groups(&mut self, inst: &Inst<'_>) {
        let groups = self.targets(inst, &[Step::Key("groups")], Kind::Group, false);
        let names: Vec<String> = groups
            .iter()
            .filter_map(|&g| self.m.ents.get(g).map(|e| e.name.clone()))
            .collect();
        let place = self.place(inst, &[Step::Key("groups")]);
        for u in self.targets(inst, &[Step::Key("user")], Kind::User, true) {
            if let Some(e) = self.m.ents.get_mut(u) {
                for n in &names {
                    e.groups.push((n.clone(), place.clone()));
                }
            }
        }
    }

    fn group_users(&mut self, inst: &Inst<'_>) {
        let groups = self.targets(inst, &[Step::Key("group")], Kind::Group, true);
        let names: Vec<String> = groups
            .iter()
            .filter_map(|&g| self.m.ents.get(g).map(|e| e.name.clone()))
            .collect();
        let place = self.place(inst, &[Step::Key("group")]);
        for u in self.targets(inst, &[Step::Key("users")], Kind::User, false) {
            if let Some(e) = self.m.ents.get_mut(u) {
                for n in &names {
                    e.groups.push((n.clone(), place.clone()));
                }
            }
        }
    }

    fn instance_profile(&mut self, inst: &Inst<'_>) {
        let Some(name) = inst.str(&NAME).filter(|n| !n.is_empty()) else {
            return;
        };
        for r in self.targets(inst, &[Step::Key("role")], Kind::Role, true) {
            if let Some(e) = self.m.ents.get_mut(r)
                && !e.instance_profiles.contains(&name)
            {
                e.instance_profiles.push(name.clone());
            }
        }
    }
}

/// Adds an inline policy; one of the same name already there is the same policy seen
/// twice (a state shows a role's `aws_iam_role_policy` in its `inline_policy` too).
fn push_inline(ent: &mut Ent, item: Inline, warnings: &mut Vec<Warning>, place: &Place) {
    match ent.inline.iter().position(|i| i.name() == item.name()) {
        None => ent.inline.push(item),
        Some(at) => {
            let same = match (ent.inline.get(at), &item) {
                (Some(Inline::Doc(a)), Inline::Doc(b)) => same_statements(a, b),
                _ => false,
            };
            if !same {
                warnings.push(Warning {
                    code: WarningCode::Duplicate,
                    place: place.clone(),
                    message: format!(
                        "inline policy `{}` of {} `{}` is given twice with different documents; the later \
                         one was kept",
                        item.name(),
                        ent.kind.label(),
                        ent.name
                    ),
                });
                if let Some(slot) = ent.inline.get_mut(at) {
                    *slot = item;
                }
            }
        }
    }
}

fn same_statements(a: &Policy, b: &Policy) -> bool {
    let key = |s: &Statement| {
        (
            s.sid.clone(),
            s.effect,
            s.action.clone(),
            s.resource.clone(),
            s.principal.clone(),
            s.condition.clone(),
        )
    };
    a.document.statements.len() == b.document.statements.len()
        && a.document
            .statements
            .iter()
            .zip(&b.document.statements)
            .all(|(x, y)| key(x) == key(y))
}
