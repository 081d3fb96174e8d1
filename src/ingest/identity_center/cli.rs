//! The AWS CLI's Identity Center exports, usually a folder of them: `sso-admin
//! list-instances`, `list-permission-sets`, `describe-permission-set`,
//! `list-managed-policies-in-permission-set`,
//! `list-customer-managed-policy-references-in-permission-set`,
//! `get-inline-policy-for-permission-set`, `get-permissions-boundary-for-permission-set`,
//! `list-account-assignments`, `list-accounts-for-provisioned-permission-set`, and
//! `identitystore list-users`, `list-groups`, `list-group-memberships`; or one object
//! keyed by those command names. Recognised by content.
//!
//! Most outputs say what they are about (`describe-permission-set` its ARN, an
//! assignment its account and set, a membership its group). The per-permission-set
//! outputs (managed policies, references, inline policy, boundary, provisioned accounts)
//! do not: they are attributed by a `PermissionSetArn` key beside them, by the one
//! permission set described in the same combined file, or by the file name,
//! `sso-admin.<command>.<ps-id>.json` (`sso-admin.` optional, more dotted parts after the
//! id allowed: `….ps-0a1b2c3d4e5f6a7b.empty.json`). What none of these attributes is an
//! error naming the file, the place and what is missing.
//!
//! A permission set described but without a managed-policies, references or inline
//! output has those parts unknown: its roles' access through them needs review. A
//! missing boundary output means no boundary (AWS answers that call with an error when
//! there is none).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{
    Boundary, Ic, Part, PermSet, RawAssign, StoreGroup, StoreUser, instance_id, is_account, set_id,
};
use crate::ingest::documents::{self, Doc};
use crate::ingest::err::{escape_token, json_message, split_help};
use crate::ingest::locate::locate_pointers;
use crate::ingest::policy_doc::{DocRole, DocSite, OriginBase, attach, parse_raw};
use crate::ingest::raw::identity_center::RawIcOutput;
use crate::ingest::source::{Deferred, Text, line_col, offset_in};
use crate::ingest::{IngestError, Resolver};
use crate::model::{AssignmentPrincipal, Place, PolicyDocument, PolicyKind, Snapshot, WarningCode};

const NAMING_HELP: &str = "name the file as the command and the permission set id: \
    `sso-admin.<command>.<ps-id>.json` (`sso-admin.list-managed-policies-in-permission-set.ps-0a1b2c3d4e5f6a7b.json`), \
    or add `\"PermissionSetArn\"` beside the output";

/// Reads the Identity Center files of one side, together because they refer to each other.
pub(crate) fn finish(
    files: &Deferred<'_>,
    snap: &mut Snapshot,
    resolver: Resolver<'_>,
) -> Result<(), IngestError> {
    if files.is_empty() {
        return Ok(());
    }
    let mut g = Gather::default();
    for (name, bytes) in files.files() {
        let docs: Vec<Doc<RawIcOutput<'_>>> =
            documents::read(name, bytes, "outputs", output_error)?;
        for doc in &docs {
            let at = At {
                file: name,
                bytes,
                prefix: doc.prefix.clone(),
                start: doc.start,
            };
            let combined_set = combined_set(&doc.raw);
            g.output(&at, &doc.raw, combined_set.as_deref(), true)?;
        }
    }
    snap.sources
        .extend(files.files().iter().map(|(n, _)| n.clone()));
    let ic = g.build();
    super::emit(ic, snap, resolver)
}

/// Reads one file as a whole Identity Center export (what the fuzz target and tools
/// reading a single output use).
pub fn load_identity_center(
    file: &Arc<str>,
    bytes: &[u8],
    snap: &mut Snapshot,
) -> Result<(), IngestError> {
    finish(
        &Deferred::one(file, bytes),
        snap,
        &crate::ingest::catalog_resolver,
    )
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
                "the file must be JSON as an `aws sso-admin` or `aws identitystore` command writes it (`--output json`)"
                    .to_owned(),
            )
        }),
    }
}

/// The permission set a combined file describes, when it describes exactly one.
fn combined_set(raw: &RawIcOutput<'_>) -> Option<String> {
    raw.c_describe
        .as_ref()
        .and_then(|d| d.permission_set.as_ref())
        .map(|p| set_id(&p.arn).to_owned())
}

/// Where one output is.
struct At<'f> {
    file: &'f Arc<str>,
    bytes: &'f [u8],
    prefix: String,
    start: Option<usize>,
}

impl At<'_> {
    fn place(&self, suffix: &str) -> Place {
        let lc = self.start.map(|s| line_col(self.bytes, s));
        Place {
            file: self.file.clone(),
            line: lc.map(|l| l.0),
            column: lc.map(|l| l.1),
            pointer: Some(format!("{}{suffix}", self.prefix)),
        }
    }

    /// The place with line:column, for errors (costs a scan of the file).
    fn placed(&self, suffix: &str) -> Place {
        let mut place = self.place(suffix);
        if self.start.is_none()
            && let Some(p) = &place.pointer
            && let Some(Some((l, c))) = locate_pointers(self.bytes, &[p.as_str()])
                .into_iter()
                .next()
        {
            place.line = Some(l);
            place.column = Some(c);
        }
        place
    }

    fn err(&self, suffix: &str, message: String) -> IngestError {
        IngestError::new(self.placed(suffix), message)
    }

    fn nested(&self, key: &str) -> At<'_> {
        At {
            file: self.file,
            bytes: self.bytes,
            prefix: format!("{}/{}", self.prefix, escape_token(key)),
            start: self.start,
        }
    }
}

/// The permission set id a file name gives after `command` (`….<command>.<ps-id>….json`).
fn file_set(file: &str, command: &str) -> Option<String> {
    let base = file.rsplit(['/', '\\']).next()?;
    let mut parts = base.split('.');
    parts.find(|p| *p == command)?;
    parts.find(|p| p.starts_with("ps-")).map(str::to_owned)
}

#[derive(Default)]
struct Gather {
    instance: Option<String>,
    names: BTreeMap<String, (String, Place)>,
    listed: Vec<(String, Place)>,
    managed: BTreeMap<String, Vec<(String, Place)>>,
    customer: BTreeMap<String, Vec<(String, String, Place)>>,
    inline: BTreeMap<String, Option<(PolicyDocument, Place)>>,
    boundary: BTreeMap<String, (Boundary, Place)>,
    /// Where each per-set output of a set was read, for the warning about a set no
    /// output describes.
    seen: BTreeMap<String, Place>,
    ic: Ic,
}

impl Gather {
    /// The permission set a per-set output is about.
    fn attribute(
        &self,
        at: &At<'_>,
        raw: &RawIcOutput<'_>,
        combined: Option<&str>,
        command: &str,
        key: &str,
    ) -> Result<String, IngestError> {
        if let Some(arn) = &raw.permission_set_arn {
            return checked_set(at, "/PermissionSetArn", arn);
        }
        if let Some(s) = combined {
            return Ok(s.to_owned());
        }
        file_set(at.file, command).ok_or_else(|| {
            at.err(
                &format!("/{key}"),
                format!(
                    "the `{command}` output does not say which permission set it is of (no `PermissionSetArn`), and neither does the file name\u{1f}{NAMING_HELP}"
                ),
            )
        })
    }

    fn output(
        &mut self,
        at: &At<'_>,
        raw: &RawIcOutput<'_>,
        combined: Option<&str>,
        top: bool,
    ) -> Result<(), IngestError> {
        let mut used = false;
        if let Some(list) = &raw.instances {
            used = true;
            for (i, inst) in list.iter().enumerate() {
                let Some(id) = instance_id(&inst.arn) else {
                    return Err(at.err(
                        &format!("/Instances/{i}/InstanceArn"),
                        format!(
                            "`{}` is not an Identity Center instance ARN (`arn:aws:sso:::instance/ssoins-…`)",
                            inst.arn
                        ),
                    ));
                };
                self.instance.get_or_insert_with(|| id.to_owned());
            }
        }
        if let Some(list) = &raw.permission_sets {
            used = true;
            for (i, arn) in list.iter().enumerate() {
                let id = checked_set(at, &format!("/PermissionSets/{i}"), arn)?;
                self.listed
                    .push((id, at.place(&format!("/PermissionSets/{i}"))));
            }
        }
        if let Some(ps) = &raw.permission_set {
            used = true;
            let id = checked_set(at, "/PermissionSet/PermissionSetArn", &ps.arn)?;
            if ps.name.is_empty() {
                return Err(at.err(
                    "/PermissionSet/Name",
                    "the permission set's `Name` is empty".to_owned(),
                ));
            }
            if let Some(i) = instance_id(&ps.arn) {
                self.instance.get_or_insert_with(|| i.to_owned());
            }
            if let Some((old, place)) = self.names.get(&id)
                && *old != ps.name
            {
                self.ic.warn(
                    WarningCode::Duplicate,
                    at.place("/PermissionSet"),
                    format!(
                        "permission set `{id}` is named `{}` here but `{old}` in {place}; the later one was kept",
                        ps.name
                    ),
                );
            }
            self.names
                .insert(id, (ps.name.to_string(), at.place("/PermissionSet")));
        }
        if let Some(list) = &raw.managed {
            used = true;
            let command = "list-managed-policies-in-permission-set";
            let id = self.attribute(at, raw, combined, command, "AttachedManagedPolicies")?;
            let mut out = Vec::new();
            for (i, m) in list.iter().enumerate() {
                if !m.arn.starts_with("arn:") || !m.arn.contains(":policy/") {
                    return Err(at.err(
                        &format!("/AttachedManagedPolicies/{i}/Arn"),
                        format!(
                            "`{}` is not a managed policy ARN (`arn:aws:iam::aws:policy/…`)",
                            m.arn
                        ),
                    ));
                }
                let _ = &m.name;
                out.push((
                    m.arn.to_string(),
                    at.place(&format!("/AttachedManagedPolicies/{i}")),
                ));
            }
            self.seen.entry(id.clone()).or_insert_with(|| at.place(""));
            self.managed.entry(id).or_default().extend(out);
        }
        if let Some(list) = &raw.customer {
            used = true;
            let command = "list-customer-managed-policy-references-in-permission-set";
            let id = self.attribute(
                at,
                raw,
                combined,
                command,
                "CustomerManagedPolicyReferences",
            )?;
            let mut out = Vec::new();
            for (i, r) in list.iter().enumerate() {
                let ptr = format!("/CustomerManagedPolicyReferences/{i}");
                out.push(reference(at, &ptr, &r.name, r.path.as_deref())?);
            }
            self.seen.entry(id.clone()).or_insert_with(|| at.place(""));
            self.customer.entry(id).or_default().extend(out);
        }
        if let Some(doc) = &raw.inline {
            used = true;
            let command = "get-inline-policy-for-permission-set";
            let id = self.attribute(at, raw, combined, command, "InlinePolicy")?;
            let text = doc.text();
            let pointer = format!("{}/InlinePolicy", at.prefix);
            let parsed = if text.trim() == "\"\"" || text.trim() == "null" {
                None
            } else {
                let p = parse_raw(text, DocRole::Identity).map_err(|e| {
                    e.into_ingest(&DocSite {
                        text: Text::new(at.file, at.bytes),
                        offset: offset_in(at.bytes, text),
                        pointer: &pointer,
                    })
                })?;
                let base = OriginBase {
                    file: at.file.clone(),
                    policy: Arc::from(super::INLINE_NAME),
                    policy_arn: None,
                    version: None,
                    kind: PolicyKind::Inline,
                    pointer: Some(pointer.clone()),
                };
                Some((attach(&p, &base), at.place("/InlinePolicy")))
            };
            self.seen.entry(id.clone()).or_insert_with(|| at.place(""));
            self.inline.insert(id, parsed);
        }
        if let Some(bd) = &raw.boundary {
            used = true;
            let command = "get-permissions-boundary-for-permission-set";
            let id = self.attribute(at, raw, combined, command, "PermissionsBoundary")?;
            let place = at.place("/PermissionsBoundary");
            let boundary = match (&bd.managed, &bd.customer) {
                (Some(arn), None) => {
                    if !arn.starts_with("arn:") || !arn.contains(":policy/") {
                        return Err(at.err(
                            "/PermissionsBoundary/ManagedPolicyArn",
                            format!("`{arn}` is not a managed policy ARN"),
                        ));
                    }
                    Boundary::Managed(arn.to_string())
                }
                (None, Some(r)) => {
                    let (name, path, _) = reference(
                        at,
                        "/PermissionsBoundary/CustomerManagedPolicyReference",
                        &r.name,
                        r.path.as_deref(),
                    )?;
                    Boundary::Customer { name, path }
                }
                _ => {
                    return Err(at.err(
                        "/PermissionsBoundary",
                        "a permissions boundary has exactly one of `ManagedPolicyArn` and `CustomerManagedPolicyReference`".to_owned(),
                    ));
                }
            };
            self.seen.entry(id.clone()).or_insert_with(|| at.place(""));
            self.boundary.insert(id, (boundary, place));
        }
        if let Some(list) = &raw.assignments {
            used = true;
            for (i, a) in list.iter().enumerate() {
                let ptr = format!("/AccountAssignments/{i}");
                if !is_account(&a.account) {
                    return Err(at.err(
                        &format!("{ptr}/AccountId"),
                        format!("`{}` is not an account id (12 digits)", a.account),
                    ));
                }
                let set = checked_set(at, &format!("{ptr}/PermissionSetArn"), &a.permission_set)?;
                let kind = match &*a.principal_type {
                    "USER" => AssignmentPrincipal::User,
                    "GROUP" => AssignmentPrincipal::Group,
                    other => {
                        return Err(at.err(
                            &format!("{ptr}/PrincipalType"),
                            format!("`{other}` is not a principal type (`USER`, `GROUP`)"),
                        ));
                    }
                };
                if a.principal_id.is_empty() {
                    return Err(at.err(
                        &format!("{ptr}/PrincipalId"),
                        "the `PrincipalId` is empty".to_owned(),
                    ));
                }
                self.ic.assignments.push(RawAssign {
                    account: a.account.to_string(),
                    set,
                    kind,
                    principal: a.principal_id.to_string(),
                    place: at.place(&ptr),
                });
            }
        }
        if let Some(list) = &raw.account_ids {
            used = true;
            let command = "list-accounts-for-provisioned-permission-set";
            let id = self.attribute(at, raw, combined, command, "AccountIds")?;
            for (i, a) in list.iter().enumerate() {
                if !is_account(a) {
                    return Err(at.err(
                        &format!("/AccountIds/{i}"),
                        format!("`{a}` is not an account id (12 digits)"),
                    ));
                }
                self.ic.provisioned.push((
                    id.clone(),
                    a.to_string(),
                    at.place(&format!("/AccountIds/{i}")),
                ));
            }
        }
        if let Some(list) = &raw.users {
            used = true;
            for (i, u) in list.iter().enumerate() {
                if u.user_name.is_empty() || u.id.is_empty() {
                    return Err(at.err(
                        &format!("/Users/{i}"),
                        "an identity-store user needs a non-empty `UserName` and `UserId`"
                            .to_owned(),
                    ));
                }
                self.ic.users.push(StoreUser {
                    id: u.id.to_string(),
                    user_name: u.user_name.to_string(),
                    emails: u
                        .emails
                        .iter()
                        .flatten()
                        .filter_map(|e| e.value.as_deref().map(str::to_owned))
                        .collect(),
                    place: at.place(&format!("/Users/{i}")),
                });
            }
        }
        if let Some(list) = &raw.groups {
            used = true;
            for (i, g) in list.iter().enumerate() {
                let Some(name) = g.name.as_deref().filter(|n| !n.is_empty()) else {
                    return Err(at.err(
                        &format!("/Groups/{i}"),
                        "an identity-store group needs a non-empty `DisplayName`".to_owned(),
                    ));
                };
                self.ic.groups.push(StoreGroup {
                    id: g.id.to_string(),
                    name: name.to_owned(),
                });
            }
        }
        if let Some(list) = &raw.memberships {
            used = true;
            for (i, m) in list.iter().enumerate() {
                self.ic.memberships.push((
                    m.group.to_string(),
                    m.member.user.to_string(),
                    at.place(&format!("/GroupMemberships/{i}")),
                ));
            }
        }
        if top {
            let nested: [(&str, &Option<Box<RawIcOutput<'_>>>); 12] = [
                ("list-instances", &raw.c_list_instances),
                ("list-permission-sets", &raw.c_list_permission_sets),
                ("describe-permission-set", &raw.c_describe),
                ("list-managed-policies-in-permission-set", &raw.c_managed),
                (
                    "list-customer-managed-policy-references-in-permission-set",
                    &raw.c_customer,
                ),
                ("get-inline-policy-for-permission-set", &raw.c_inline),
                (
                    "get-permissions-boundary-for-permission-set",
                    &raw.c_boundary,
                ),
                ("list-account-assignments", &raw.c_assignments),
                (
                    "list-accounts-for-provisioned-permission-set",
                    &raw.c_accounts,
                ),
                ("list-users", &raw.c_users),
                ("list-groups", &raw.c_groups),
                ("list-group-memberships", &raw.c_memberships),
            ];
            for (key, inner) in nested {
                if let Some(inner) = inner {
                    used = true;
                    self.output(&at.nested(key), inner, combined, false)?;
                }
            }
        }
        if !used {
            return Err(at.err(
                "",
                "this output has none of the keys of an `aws sso-admin` or `aws identitystore` output (`Instances`, `PermissionSets`, `PermissionSet`, `AttachedManagedPolicies`, `CustomerManagedPolicyReferences`, `InlinePolicy`, `PermissionsBoundary`, `AccountAssignments`, `AccountIds`, `Users`, `Groups`, `GroupMemberships`)".to_owned(),
            ));
        }
        Ok(())
    }

    fn build(mut self) -> Ic {
        for (id, place) in &self.listed {
            if !self.names.contains_key(id) {
                self.ic.warn(
                    WarningCode::Unsupported,
                    place.clone(),
                    format!(
                        "permission set `{id}` is listed but no `describe-permission-set` output names it; it is left out unless an assignment needs it"
                    ),
                );
            }
        }
        for (id, place) in &self.seen {
            if !self.names.contains_key(id) {
                self.ic.warn(
                    WarningCode::Unsupported,
                    place.clone(),
                    format!(
                        "this output is of permission set `{id}`, which no `describe-permission-set` output names; it is not used"
                    ),
                );
            }
        }
        for (id, (name, place)) in std::mem::take(&mut self.names) {
            let mut set = PermSet::new(id.clone(), name, place);
            let missing = |cmd: &str| format!("no `{cmd}` output for `{id}`");
            set.managed = match self.managed.remove(&id) {
                Some(v) => Part::Known(v),
                None => Part::Unknown(missing("list-managed-policies-in-permission-set")),
            };
            set.customer = match self.customer.remove(&id) {
                Some(v) => Part::Known(v),
                None => Part::Unknown(missing(
                    "list-customer-managed-policy-references-in-permission-set",
                )),
            };
            set.inline = match self.inline.remove(&id) {
                Some(v) => Part::Known(v),
                None => Part::Unknown(missing("get-inline-policy-for-permission-set")),
            };
            set.boundary = Part::Known(self.boundary.remove(&id));
            self.ic.sets.push(set);
        }
        self.ic.instance = self.instance;
        self.ic
    }
}

/// A permission set ARN (or bare id) checked to be one; its `ps-…` id.
fn checked_set(at: &At<'_>, ptr: &str, arn: &str) -> Result<String, IngestError> {
    let id = set_id(arn);
    if !id.starts_with("ps-") || id.len() < 4 {
        return Err(at.err(
            ptr,
            format!(
                "`{arn}` is not a permission set ARN (`arn:aws:sso:::permissionSet/ssoins-…/ps-…`)"
            ),
        ));
    }
    Ok(id.to_owned())
}

/// A customer managed policy reference, checked: (name, path, place).
fn reference(
    at: &At<'_>,
    ptr: &str,
    name: &str,
    path: Option<&str>,
) -> Result<(String, String, Place), IngestError> {
    if name.is_empty() || name.contains('/') {
        return Err(at.err(
            &format!("{ptr}/Name"),
            format!("`{name}` is not a policy name"),
        ));
    }
    let path = path.unwrap_or("/");
    if !path.starts_with('/') || !path.ends_with('/') {
        return Err(at.err(
            &format!("{ptr}/Path"),
            format!("`{path}` is not a policy path (it starts and ends with `/`)"),
        ));
    }
    Ok((name.to_owned(), path.to_owned(), at.place(ptr)))
}
