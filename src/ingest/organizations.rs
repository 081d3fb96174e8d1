//! AWS Organizations exports: the JSON the AWS CLI writes for `list-roots`,
//! `describe-organization`, `list-organizational-units-for-parent`,
//! `list-accounts[-for-parent]`, `list-policies`, `list-policies-for-target`,
//! `list-targets-for-policy` and `describe-policy`, usually a folder of them beside the
//! accounts' IAM exports. Recognised by content; read into the side's
//! [`Organization`](crate::model::Organization): the tree, the management account, and
//! which SCPs and RCPs are attached where (the documents join the side's policies).
//!
//! Attribution follows the per-call IAM exports. Outputs that do not say whose they are
//! take it from the content where it is there (an OU's `Path`, an account's `Paths`), else
//! from the file name, `organizations.<command>.<ID>.json`
//! (`organizations.list-accounts-for-parent.ou-a1b2-workload1.json`,
//! `organizations.list-targets-for-policy.p-FullAWSAccess.json`,
//! `organizations.list-policies-for-target.222222222222.SERVICE_CONTROL_POLICY.json`; the
//! `organizations.` prefix is optional). For `*-for-parent` outputs the file name, being
//! what was asked, wins over `Paths` (AWS's own documented example disagrees with itself
//! there). What can be attributed neither way is an error naming the file and the place.
//!
//! Attachments are direct only, as AWS lists them; inheritance (root → OUs → account) is
//! computed by the model. An attached policy needs its `describe-policy` output, except the
//! AWS managed `FullAWSAccess` and `RCPFullAWSAccess` (allow everything), whose documents
//! are known.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::IngestError;
use super::documents::{self, Doc};
use super::err::{json_message, split_help};
use super::locate::locate_pointers;
use super::policy_doc::{DocRole, DocSite, OriginBase, attach, parse_raw};
use super::raw::organizations::RawOrgOutput;
use super::source::{Deferred, Text, line_col, offset_in};
use crate::model::{
    OrgAccount, OrgAttachment, OrgNode, OrgPolicyType, Organization, Place, Policy, PolicyId,
    PolicyKind, Snapshot, Warning, WarningCode,
};

/// The documents of the AWS managed policies AWS attaches everywhere when a type is
/// enabled; known, so their `describe-policy` output is not required.
const FULL_ACCESS: &[(&str, OrgPolicyType, &str)] = &[
    (
        "p-FullAWSAccess",
        OrgPolicyType::Scp,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ),
    (
        "p-RCPFullAWSAccess",
        OrgPolicyType::Rcp,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
    ),
];

const NAMING_HELP: &str = "name the file as the command and its argument: \
    `organizations.<command>.<ID>.json` (`organizations.list-accounts-for-parent.ou-a1b2-workload1.json`)";

/// Reads the organization files of one side, together because they refer to each other,
/// into `snap.org` (and the policies into `snap.policies`).
pub(crate) fn finish(files: &Deferred<'_>, snap: &mut Snapshot) -> Result<(), IngestError> {
    if files.is_empty() {
        return Ok(());
    }
    let mut b = Builder::default();
    for (name, bytes) in files.files() {
        let docs: Vec<Doc<RawOrgOutput<'_>>> =
            documents::read(name, bytes, "outputs", output_error)?;
        for doc in &docs {
            b.item(name, bytes, doc, snap)?;
        }
    }
    snap.sources
        .extend(files.files().iter().map(|(n, _)| n.clone()));
    let org = b.build(files, snap)?;
    snap.org = Some(org);
    Ok(())
}

fn output_error(
    text: &Text<'_>,
    base: usize,
    e: &serde_json::Error,
    pointer: Option<String>,
) -> IngestError {
    let (message, help) = split_help(json_message(e));
    IngestError {
        place: text.json_error_place(base, e, pointer),
        message,
        help: help.or_else(|| {
            Some(
                "the file must be JSON as an `aws organizations` command writes it (`--output json`)"
                    .to_owned(),
            )
        }),
    }
}

/// The argument of `command` in a file name (`organizations.list-targets-for-policy.p-1.json`
/// → `p-1`), if the name follows the convention.
fn file_arg<'f>(file: &'f str, command: &str) -> Option<&'f str> {
    let base = file.rsplit(['/', '\\']).next()?;
    let stem = base
        .strip_suffix(".json")
        .or_else(|| base.strip_suffix(".yaml"))
        .or_else(|| base.strip_suffix(".yml"))?;
    let mut parts = stem.split('.');
    while let Some(p) = parts.next() {
        if p == command {
            return parts.next();
        }
    }
    None
}

fn is_account(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

fn is_parent(id: &str) -> bool {
    id.starts_with("r-") || id.starts_with("ou-")
}

fn is_target(id: &str) -> bool {
    is_parent(id) || is_account(id)
}

/// The segment before `id` in a `Path`/`Paths` value (`o-1/r-1/ou-1/ACCOUNT/`).
fn parent_in_path(path: &str, id: &str) -> Option<String> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let at = segs.iter().position(|s| *s == id)?;
    segs.get(at.checked_sub(1)?)
        .filter(|s| is_parent(s))
        .map(|s| (*s).to_owned())
}

/// The account part of an Organizations ARN (the management account's id), if it is one.
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| is_account(a))
}

/// Where something is: the file and the pointer; line:column only when an error needs it
/// (placing costs a scan of the file).
#[derive(Clone)]
struct Loc {
    file: Arc<str>,
    pointer: String,
    /// Start of a concatenated document after the first (pointers are relative to it).
    start: Option<usize>,
}

impl Loc {
    fn place(&self) -> Place {
        Place::pointer(self.file.clone(), self.pointer.clone())
    }

    fn placed(&self, files: &Deferred<'_>) -> Place {
        let mut place = self.place();
        let Some(bytes) = files.bytes_of(&self.file) else {
            return place;
        };
        let at = match self.start {
            Some(s) => Some(line_col(bytes, s)),
            None => locate_pointers(bytes, &[&self.pointer])
                .into_iter()
                .next()
                .flatten(),
        };
        place.line = at.map(|a| a.0);
        place.column = at.map(|a| a.1);
        place
    }
}

/// A policy's summary as some output gives it.
struct Summary {
    name: Option<String>,
    arn: Option<String>,
    kind: Option<String>,
}

#[derive(Default)]
struct Builder {
    org_id: Option<String>,
    management: Option<String>,
    /// The management account as ARNs show it, when no `describe-organization` says.
    arn_management: Option<String>,
    enabled: Option<Vec<OrgPolicyType>>,
    nodes: BTreeMap<String, (String, Option<String>, Loc)>,
    accounts: BTreeMap<String, (String, Option<String>, Loc)>,
    summaries: BTreeMap<String, Summary>,
    documents: BTreeMap<String, (OrgPolicyType, PolicyId)>,
    /// (target, policy id, type as the output says it, where)
    attachments: Vec<(String, String, Option<String>, Loc)>,
    warnings: Vec<Warning>,
}

impl Builder {
    fn item(
        &mut self,
        file: &Arc<str>,
        bytes: &[u8],
        doc: &Doc<RawOrgOutput<'_>>,
        snap: &mut Snapshot,
    ) -> Result<(), IngestError> {
        let raw = &doc.raw;
        let loc = |suffix: &str| Loc {
            file: file.clone(),
            pointer: format!("{}{suffix}", doc.prefix),
            start: doc.start,
        };
        let text = Text::new(file, bytes);
        let err = |suffix: &str, message: String| {
            let l = loc(suffix);
            let place = match l.start {
                Some(s) => text.place_at(Some(s), Some(l.pointer.clone())),
                None => l.placed(&Deferred::one(file, bytes)),
            };
            IngestError::new(place, message)
        };
        let mut used = false;
        if let Some(o) = &raw.organization {
            used = true;
            if let Some(id) = &o.id {
                self.org_id = Some(id.to_string());
            }
            if let Some(m) = o.management.as_ref().or(o.master.as_ref()) {
                if !is_account(m) {
                    return Err(err(
                        "/Organization/MasterAccountId",
                        format!("`{m}` is not an account id (12 digits)"),
                    ));
                }
                self.management = Some(m.to_string());
            }
        }
        if let Some(roots) = &raw.roots {
            used = true;
            for (i, r) in roots.iter().enumerate() {
                if !r.id.starts_with("r-") {
                    return Err(err(
                        &format!("/Roots/{i}/Id"),
                        format!("`{}` is not a root id (`r-…`)", r.id),
                    ));
                }
                if let Some(arn) = &r.arn {
                    if self.arn_management.is_none() {
                        self.arn_management = arn_account(arn).map(str::to_owned);
                    }
                    if self.org_id.is_none() {
                        self.org_id = arn
                            .split('/')
                            .find(|s| s.starts_with("o-"))
                            .map(str::to_owned);
                    }
                }
                if let Some(types) = &r.policy_types {
                    let enabled = self.enabled.get_or_insert_with(Vec::new);
                    enabled.extend(
                        types
                            .iter()
                            .filter(|t| t.status == "ENABLED")
                            .filter_map(|t| OrgPolicyType::from_aws_name(&t.kind)),
                    );
                }
                let name = r.name.as_deref().unwrap_or("Root").to_owned();
                self.nodes
                    .insert(r.id.to_string(), (name, None, loc(&format!("/Roots/{i}"))));
            }
        }
        if let Some(units) = &raw.units {
            used = true;
            let asked =
                file_arg(file, "list-organizational-units-for-parent").filter(|p| is_parent(p));
            for (i, u) in units.iter().enumerate() {
                if !u.id.starts_with("ou-") {
                    return Err(err(
                        &format!("/OrganizationalUnits/{i}/Id"),
                        format!("`{}` is not an organizational unit id (`ou-…`)", u.id),
                    ));
                }
                let parent = match (
                    asked,
                    u.path.as_deref().and_then(|p| parent_in_path(p, &u.id)),
                ) {
                    (_, Some(p)) => p,
                    (Some(p), None) => p.to_owned(),
                    (None, None) => {
                        return Err(err(
                            &format!("/OrganizationalUnits/{i}"),
                            format!(
                                "the output does not say the parent of OU `{}` (no `Path`), and neither does the file name\u{1f}{NAMING_HELP}",
                                u.id
                            ),
                        ));
                    }
                };
                let name = u.name.as_deref().unwrap_or(&u.id).to_owned();
                self.nodes.insert(
                    u.id.to_string(),
                    (
                        name,
                        Some(parent),
                        loc(&format!("/OrganizationalUnits/{i}")),
                    ),
                );
            }
        }
        if let Some(accounts) = &raw.accounts {
            used = true;
            let asked = file_arg(file, "list-accounts-for-parent").filter(|p| is_parent(p));
            for (i, a) in accounts.iter().enumerate() {
                if !is_account(&a.id) {
                    return Err(err(
                        &format!("/Accounts/{i}/Id"),
                        format!("`{}` is not an account id (12 digits)", a.id),
                    ));
                }
                if self.arn_management.is_none() {
                    self.arn_management = a.arn.as_deref().and_then(arn_account).map(str::to_owned);
                }
                let from_paths = a
                    .paths
                    .iter()
                    .flatten()
                    .find_map(|p| parent_in_path(p, &a.id));
                let parent = asked.map(str::to_owned).or(from_paths);
                let name = a.name.as_deref().unwrap_or(&a.id).to_owned();
                let here = loc(&format!("/Accounts/{i}"));
                match self.accounts.get_mut(&*a.id) {
                    Some(known) => {
                        if let (Some(old), Some(new)) = (&known.1, &parent)
                            && old != new
                        {
                            self.warnings.push(Warning {
                                code: WarningCode::Duplicate,
                                place: here.place(),
                                message: format!(
                                    "account `{}` is under `{new}` here but under `{old}` in {}; `{old}` was kept",
                                    a.id, known.2.file
                                ),
                            });
                        }
                        if known.1.is_none() {
                            known.1 = parent;
                        }
                    }
                    None => {
                        self.accounts.insert(a.id.to_string(), (name, parent, here));
                    }
                }
            }
        }
        if let Some(policies) = &raw.policies {
            used = true;
            let target = file_arg(file, "list-policies-for-target");
            if let Some(t) = target
                && !is_target(t)
            {
                return Err(err(
                    "/Policies",
                    format!(
                        "the file name says these are the policies of `{t}`, which is no root, OU or account id\u{1f}{NAMING_HELP}"
                    ),
                ));
            }
            for (i, p) in policies.iter().enumerate() {
                if !p.id.starts_with("p-") {
                    return Err(err(
                        &format!("/Policies/{i}/Id"),
                        format!("`{}` is not a policy id (`p-…`)", p.id),
                    ));
                }
                self.summaries.entry(p.id.to_string()).or_insert(Summary {
                    name: p.name.as_deref().map(str::to_owned),
                    arn: p.arn.as_deref().map(str::to_owned),
                    kind: p.kind.as_deref().map(str::to_owned),
                });
                if let Some(t) = target {
                    self.attachments.push((
                        t.to_owned(),
                        p.id.to_string(),
                        p.kind.as_deref().map(str::to_owned),
                        loc(&format!("/Policies/{i}")),
                    ));
                }
            }
        }
        if let Some(targets) = &raw.targets {
            used = true;
            let Some(policy) =
                file_arg(file, "list-targets-for-policy").filter(|p| p.starts_with("p-"))
            else {
                return Err(err(
                    "/Targets",
                    format!(
                        "the output does not say which policy these targets are of, and neither does the file name\u{1f}{NAMING_HELP}"
                    ),
                ));
            };
            for (i, t) in targets.iter().enumerate() {
                let ok = match &*t.kind {
                    "ROOT" => t.id.starts_with("r-"),
                    "ORGANIZATIONAL_UNIT" => t.id.starts_with("ou-"),
                    "ACCOUNT" => is_account(&t.id),
                    other => {
                        return Err(err(
                            &format!("/Targets/{i}/Type"),
                            format!(
                                "`{other}` is not a target type (`ROOT`, `ORGANIZATIONAL_UNIT`, `ACCOUNT`)"
                            ),
                        ));
                    }
                };
                if !ok {
                    return Err(err(
                        &format!("/Targets/{i}/TargetId"),
                        format!("`{}` is not the id of a target of type `{}`", t.id, t.kind),
                    ));
                }
                self.attachments.push((
                    t.id.to_string(),
                    policy.to_owned(),
                    None,
                    loc(&format!("/Targets/{i}")),
                ));
            }
        }
        if let Some(described) = &raw.policy {
            used = true;
            let s = &described.summary;
            let pointer = format!("{}/Policy", doc.prefix);
            let Some(kind) = s.kind.as_deref() else {
                return Err(err(
                    "/Policy/PolicySummary",
                    "the policy summary has no `Type`".to_owned(),
                ));
            };
            let Some(kind) = OrgPolicyType::from_aws_name(kind) else {
                // tag, backup, AI opt-out policies: no bearing on access
                self.warnings.push(Warning {
                    code: WarningCode::Unsupported,
                    place: Place::pointer(file.clone(), format!("{pointer}/PolicySummary/Type")),
                    message: format!(
                        "skipped: policy `{}` is a `{kind}`, which does not bear on access",
                        s.id
                    ),
                });
                return Ok(());
            };
            let doc_pointer = format!("{pointer}/Content");
            let content = described.content.text();
            let parsed = parse_raw(content, DocRole::Identity).map_err(|e| {
                e.into_ingest(&DocSite {
                    text,
                    offset: offset_in(bytes, content),
                    pointer: &doc_pointer,
                })
            })?;
            let name = s.name.as_deref().unwrap_or(&s.id).to_owned();
            let id = add_policy(
                snap,
                file,
                name,
                s.arn.as_deref().map(Arc::from),
                kind,
                &parsed,
                doc_pointer,
            );
            self.summaries.entry(s.id.to_string()).or_insert(Summary {
                name: s.name.as_deref().map(str::to_owned),
                arn: s.arn.as_deref().map(str::to_owned),
                kind: Some(kind.aws_name().to_owned()),
            });
            self.documents.insert(s.id.to_string(), (kind, id));
        }
        if !used {
            return Err(err(
                "",
                "this output has none of `Roots`, `Organization`, `OrganizationalUnits`, `Accounts`, `Policies`, `Targets`, `Policy`".to_owned(),
            ));
        }
        Ok(())
    }

    /// The organization, checked: every parent known, every attached policy's document
    /// and type known.
    fn build(
        mut self,
        files: &Deferred<'_>,
        snap: &mut Snapshot,
    ) -> Result<Organization, IngestError> {
        let placed = |l: &Loc, message: String, help: &str| {
            IngestError::new(l.placed(files), message).with_help(help.to_owned())
        };
        // a root named only as a parent (no `list-roots` output) is a root all the same
        let named_roots: Vec<(String, Loc)> = self
            .nodes
            .values()
            .filter_map(|(_, p, l)| p.clone().map(|p| (p, l.clone())))
            .chain(
                self.accounts
                    .values()
                    .filter_map(|(_, p, l)| p.clone().map(|p| (p, l.clone()))),
            )
            .filter(|(p, _)| p.starts_with("r-"))
            .collect();
        for (id, l) in named_roots {
            self.nodes
                .entry(id)
                .or_insert_with(|| ("Root".to_owned(), None, l));
        }
        for (id, (_, parent, l)) in &self.nodes {
            if let Some(p) = parent
                && !self.nodes.contains_key(p)
            {
                return Err(placed(
                    l,
                    format!("the parent `{p}` of OU `{id}` is not in the organization export"),
                    "add the `list-organizational-units-for-parent` output of its parent",
                ));
            }
        }
        let mut accounts = Vec::with_capacity(self.accounts.len());
        for (id, (name, parent, l)) in &self.accounts {
            let Some(parent) = parent else {
                return Err(placed(
                    l,
                    format!(
                        "the export does not say where account `{id}` is in the organization: no `list-accounts-for-parent` output lists it, and it has no `Paths`"
                    ),
                    NAMING_HELP,
                ));
            };
            if !self.nodes.contains_key(parent) {
                return Err(placed(
                    l,
                    format!(
                        "the parent `{parent}` of account `{id}` is not in the organization export"
                    ),
                    "add the `list-roots` or `list-organizational-units-for-parent` output that lists it",
                ));
            }
            accounts.push(OrgAccount {
                id: id.clone(),
                name: name.clone(),
                parent: parent.clone(),
                place: l.place(),
            });
        }
        let mut attachments = Vec::with_capacity(self.attachments.len());
        for (target, policy, said, l) in &self.attachments {
            if !self.nodes.contains_key(target) && !self.accounts.contains_key(target) {
                return Err(placed(
                    l,
                    format!(
                        "`{policy}` is attached to `{target}`, which is not in the organization export"
                    ),
                    "add the output that lists it (`list-roots`, `list-organizational-units-for-parent`, `list-accounts-for-parent`)",
                ));
            }
            let kind_name = said
                .clone()
                .or_else(|| self.summaries.get(policy).and_then(|s| s.kind.clone()));
            let builtin = FULL_ACCESS.iter().find(|(id, _, _)| id == policy);
            let kind = match (&kind_name, builtin) {
                (Some(k), _) => match OrgPolicyType::from_aws_name(k) {
                    Some(k) => k,
                    None => continue, // tag policies and the like
                },
                (None, Some((_, k, _))) => *k,
                (None, None) => {
                    return Err(placed(
                        l,
                        format!("the type of policy `{policy}` attached here is unknown"),
                        "add its `describe-policy` output, or the `list-policies --filter` output that lists it",
                    ));
                }
            };
            let id = match (self.documents.get(policy), builtin) {
                (Some((_, id)), _) => *id,
                (None, Some((pid, bk, text))) if *bk == kind => {
                    let parsed = parse_raw(text, DocRole::Identity).map_err(|e| {
                        IngestError::new(l.place(), format!("built-in `{pid}`: {}", e.message))
                    })?;
                    let summary = self.summaries.get(policy);
                    let name = summary
                        .and_then(|s| s.name.clone())
                        .unwrap_or_else(|| pid.trim_start_matches("p-").to_owned());
                    let arn = summary.and_then(|s| s.arn.as_deref()).map(Arc::from);
                    let id = add_policy(snap, &l.file, name, arn, kind, &parsed, l.pointer.clone());
                    self.documents.insert(policy.clone(), (kind, id));
                    id
                }
                _ => {
                    return Err(placed(
                        l,
                        format!(
                            "{} `{policy}` is attached here but its document is not among the side's files",
                            label(kind)
                        ),
                        &format!(
                            "add the output of `aws organizations describe-policy --policy-id {policy}`"
                        ),
                    ));
                }
            };
            if attachments
                .iter()
                .any(|a: &OrgAttachment| a.target == *target && a.policy == id)
            {
                continue;
            }
            attachments.push(OrgAttachment {
                target: target.clone(),
                kind,
                policy: id,
                place: l.place(),
            });
        }
        let enabled = self
            .enabled
            .unwrap_or_else(|| vec![OrgPolicyType::Scp, OrgPolicyType::Rcp]);
        // AWS requires an SCP on every root, OU and account: a level without one means
        // the export missed it; the level is left out rather than denying everything
        if enabled.contains(&OrgPolicyType::Scp) && !attachments.is_empty() {
            let levels = self
                .nodes
                .iter()
                .map(|(id, (_, _, l))| (id, l))
                .chain(self.accounts.iter().map(|(id, (_, _, l))| (id, l)));
            for (id, l) in levels {
                if !attachments
                    .iter()
                    .any(|a| a.kind == OrgPolicyType::Scp && a.target == *id)
                {
                    self.warnings.push(Warning {
                        code: WarningCode::Unsupported,
                        place: l.place(),
                        message: format!(
                            "no SCP attached to `{id}` is in the export (AWS requires one): its level is left out of the SCP chains"
                        ),
                    });
                }
            }
        }
        snap.warnings.append(&mut self.warnings);
        let mut org = Organization {
            id: self.org_id,
            management: self.management.or(self.arn_management),
            nodes: self
                .nodes
                .into_iter()
                .map(|(id, (name, parent, l))| OrgNode {
                    id,
                    name,
                    parent,
                    place: l.place(),
                })
                .collect(),
            accounts,
            attachments,
            enabled,
            chains: BTreeMap::new(),
            rcp_reach: Vec::new(),
        };
        org.derive();
        Ok(org)
    }
}

fn label(kind: OrgPolicyType) -> &'static str {
    match kind {
        OrgPolicyType::Scp => "SCP",
        OrgPolicyType::Rcp => "RCP",
    }
}

fn add_policy(
    snap: &mut Snapshot,
    file: &Arc<str>,
    name: String,
    arn: Option<Arc<str>>,
    kind: OrgPolicyType,
    parsed: &super::policy_doc::ParsedDoc,
    pointer: String,
) -> PolicyId {
    let kind = match kind {
        OrgPolicyType::Scp => PolicyKind::Scp,
        OrgPolicyType::Rcp => PolicyKind::Rcp,
    };
    let base = OriginBase {
        file: file.clone(),
        policy: Arc::from(name),
        policy_arn: arn,
        version: None,
        kind,
        pointer: Some(pointer),
    };
    let document = attach(parsed, &base);
    snap.add_policy(Policy {
        name: base.policy,
        arn: base.policy_arn,
        kind,
        version: None,
        document,
    })
}

/// Reads one file as a whole organization export (what the fuzz target and tools reading
/// a single `aws organizations` output use).
pub fn load_organization(
    file: &Arc<str>,
    bytes: &[u8],
    snap: &mut Snapshot,
) -> Result<(), IngestError> {
    finish(&Deferred::one(file, bytes), snap)
}

/// Whether a `--scp`-style `describe-policy` output is in these bytes (it then belongs to
/// the organization export when the side has one).
pub(crate) fn is_described_policy(bytes: &[u8]) -> bool {
    let has = |k: &[u8]| bytes.windows(k.len()).any(|w| w == k);
    has(b"PolicySummary") && has(b"Content")
}

#[cfg(test)]
mod tests;
