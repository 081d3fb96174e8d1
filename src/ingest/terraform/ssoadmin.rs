//! IAM Identity Center as a Terraform configuration writes it (issue 9):
//! `aws_ssoadmin_permission_set` and its `_managed_policy_attachment`,
//! `_customer_managed_policy_attachment`, `_permission_set_inline_policy`,
//! `_permissions_boundary_attachment`, `aws_ssoadmin_account_assignment`, and
//! `aws_identitystore_user`, `_group`, `_group_membership`, read into an [`Ic`] that the
//! Identity Center emitter turns into roles and people like the CLI exports.
//!
//! A permission set is keyed by the `ps-…` id of its ARN, or by its address while the
//! ARN is known only after apply; an attachment whose `permission_set_arn` is unknown is
//! linked through the configuration's reference to the set. What cannot be linked or read
//! (an unknown ARN with no reference, an inline policy known only after apply) becomes an
//! unresolved part of the set, or a warning with its place, never silently dropped.

use super::docs::{Doc, Docs, Owner};
use super::index::{Index, Inst, Step};
use crate::ingest::IngestError;
use crate::ingest::identity_center::{
    Boundary, Ic, Part, PermSet, RawAssign, StoreGroup, StoreUser, instance_id, set_id,
};
use crate::model::{AssignmentPrincipal, Place, PolicyKind, WarningCode};

const PS_ARN: [Step<'static>; 1] = [Step::Key("permission_set_arn")];

/// Whether a resource type is one this module reads.
pub(super) fn is_sso(kind: &str) -> bool {
    kind.starts_with("aws_ssoadmin_") || kind.starts_with("aws_identitystore_")
}

pub(super) fn collect(idx: &Index<'_>, bytes: &[u8]) -> Result<Ic, IngestError> {
    let docs = Docs {
        idx,
        bytes,
        file: idx.file.clone(),
    };
    let mut ic = Ic::default();
    let place = |inst: &Inst<'_>, path: &[Step<'_>]| {
        Place::pointer(idx.file.clone(), inst.pointer_of(path))
    };
    for inst in idx
        .managed
        .iter()
        .filter(|i| i.kind == "aws_ssoadmin_permission_set")
    {
        let arn = inst.str(&[Step::Key("arn")]).filter(|a| !a.is_empty());
        let id = arn
            .as_deref()
            .map(|a| set_id(a).to_owned())
            .unwrap_or_else(|| inst.addr.clone());
        if let Some(i) = arn.as_deref().and_then(instance_id) {
            ic.instance.get_or_insert_with(|| i.to_owned());
        }
        let name = match inst.str(&[Step::Key("name")]).filter(|n| !n.is_empty()) {
            Some(n) => n,
            None => {
                ic.warn(
                    WarningCode::Unsupported,
                    place(inst, &[Step::Key("name")]),
                    format!(
                        "the name of permission set `{}` is unknown; it is called `{}` here",
                        inst.addr, inst.addr
                    ),
                );
                inst.addr.clone()
            }
        };
        ic.sets.push(PermSet::new(id, name, place(inst, &[])));
    }
    for inst in &idx.managed {
        match inst.kind.as_str() {
            "aws_ssoadmin_managed_policy_attachment" => {
                let path = [Step::Key("managed_policy_arn")];
                let Some(i) = set_of(idx, inst, &mut ic) else {
                    continue;
                };
                match inst.str(&path).filter(|a| !a.is_empty()) {
                    Some(arn) => {
                        if let Some(Part::Known(v)) = ic.sets.get_mut(i).map(|s| &mut s.managed) {
                            v.push((arn, place(inst, &path)));
                        }
                    }
                    None => unresolved(&mut ic, i, inst, &path, idx),
                }
            }
            "aws_ssoadmin_customer_managed_policy_attachment" => {
                let base = [Step::Key("customer_managed_policy_reference"), Step::Idx(0)];
                let Some(i) = set_of(idx, inst, &mut ic) else {
                    continue;
                };
                match reference(inst, &base) {
                    Some((n, p)) => {
                        if let Some(Part::Known(v)) = ic.sets.get_mut(i).map(|s| &mut s.customer) {
                            v.push((n, p, place(inst, &base)));
                        }
                    }
                    None => unresolved(&mut ic, i, inst, &base, idx),
                }
            }
            "aws_ssoadmin_permission_set_inline_policy" => {
                let path = [Step::Key("inline_policy")];
                let Some(i) = set_of(idx, inst, &mut ic) else {
                    continue;
                };
                let owner = Owner {
                    name: crate::ingest::identity_center::INLINE_NAME,
                    arn: None,
                    kind: PolicyKind::Inline,
                };
                match docs.at(inst, &path, &owner)? {
                    Some(Doc::Known(d)) => {
                        if let Some(s) = ic.sets.get_mut(i) {
                            s.inline = Part::Known(Some((d, place(inst, &path))));
                        }
                    }
                    Some(Doc::Unknown(why)) => {
                        if let Some(s) = ic.sets.get_mut(i) {
                            s.unresolved.push((why, place(inst, &path)));
                        }
                    }
                    None => {}
                }
            }
            "aws_ssoadmin_permissions_boundary_attachment" => {
                let base = [Step::Key("permissions_boundary"), Step::Idx(0)];
                let Some(i) = set_of(idx, inst, &mut ic) else {
                    continue;
                };
                let managed = [
                    Step::Key("permissions_boundary"),
                    Step::Idx(0),
                    Step::Key("managed_policy_arn"),
                ];
                let cref = [
                    Step::Key("permissions_boundary"),
                    Step::Idx(0),
                    Step::Key("customer_managed_policy_reference"),
                    Step::Idx(0),
                ];
                let b = match (
                    inst.str(&managed).filter(|a| !a.is_empty()),
                    reference(inst, &cref),
                ) {
                    (Some(arn), _) => Some(Boundary::Managed(arn)),
                    (None, Some((name, path))) => Some(Boundary::Customer { name, path }),
                    (None, None) => None,
                };
                match b {
                    Some(b) => {
                        if let Some(s) = ic.sets.get_mut(i) {
                            s.boundary = Part::Known(Some((b, place(inst, &base))));
                        }
                    }
                    None => unresolved(&mut ic, i, inst, &base, idx),
                }
            }
            "aws_ssoadmin_account_assignment" => {
                let Some(i) = set_of(idx, inst, &mut ic) else {
                    continue;
                };
                let target = inst.str(&[Step::Key("target_id")]);
                let kind = inst.str(&[Step::Key("principal_type")]);
                let principal = inst.str(&[Step::Key("principal_id")]);
                let kind = match kind.as_deref() {
                    Some("USER") => Some(AssignmentPrincipal::User),
                    Some("GROUP") => Some(AssignmentPrincipal::Group),
                    _ => None,
                };
                match (target, kind, principal) {
                    (Some(account), Some(kind), Some(principal))
                        if crate::ingest::identity_center::is_account(&account)
                            && !principal.is_empty() =>
                    {
                        let set = ic.sets.get(i).map(|s| s.id.clone()).unwrap_or_default();
                        ic.assignments.push(RawAssign {
                            account,
                            set,
                            kind,
                            principal,
                            place: place(inst, &[]),
                        });
                    }
                    _ => ic.warn(
                        WarningCode::Unsupported,
                        place(inst, &[]),
                        format!(
                            "account assignment `{}` has no known account (`target_id`), principal type or principal id; it is not read, so who it gives access to needs review",
                            inst.addr
                        ),
                    ),
                }
            }
            "aws_identitystore_user" => {
                let (Some(id), Some(user_name)) = (
                    inst.str(&[Step::Key("user_id")]),
                    inst.str(&[Step::Key("user_name")]),
                ) else {
                    ic.warn(
                        WarningCode::Unsupported,
                        place(inst, &[]),
                        format!("identity-store user `{}` has no known `user_id` or `user_name`; it is not read", inst.addr),
                    );
                    continue;
                };
                let emails = inst
                    .str(&[Step::Key("emails"), Step::Idx(0), Step::Key("value")])
                    .into_iter()
                    .collect();
                ic.users.push(StoreUser {
                    id,
                    user_name,
                    emails,
                    place: place(inst, &[]),
                });
            }
            "aws_identitystore_group" => {
                let (Some(id), Some(name)) = (
                    inst.str(&[Step::Key("group_id")]),
                    inst.str(&[Step::Key("display_name")]),
                ) else {
                    ic.warn(
                        WarningCode::Unsupported,
                        place(inst, &[]),
                        format!("identity-store group `{}` has no known `group_id` or `display_name`; it is not read", inst.addr),
                    );
                    continue;
                };
                ic.groups.push(StoreGroup { id, name });
            }
            "aws_identitystore_group_membership" => {
                match (
                    inst.str(&[Step::Key("group_id")]),
                    inst.str(&[Step::Key("member_id")]),
                ) {
                    (Some(g), Some(u)) => ic.memberships.push((g, u, place(inst, &[]))),
                    _ => ic.warn(
                        WarningCode::Unsupported,
                        place(inst, &[]),
                        format!("group membership `{}` has no known `group_id` or `member_id`; it is not read", inst.addr),
                    ),
                }
            }
            _ => {}
        }
    }
    Ok(ic)
}

/// The `(name, path)` of a `customer_managed_policy_reference` block.
fn reference(inst: &Inst<'_>, base: &[Step<'_>]) -> Option<(String, String)> {
    let mut n = base.to_vec();
    n.push(Step::Key("name"));
    let mut p = base.to_vec();
    p.push(Step::Key("path"));
    let name = inst.str(&n).filter(|s| !s.is_empty())?;
    let path = inst
        .str(&p)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/".to_owned());
    Some((name, path))
}

/// A part of the set at `i` the file leaves unknown.
fn unresolved(ic: &mut Ic, i: usize, inst: &Inst<'_>, path: &[Step<'_>], idx: &Index<'_>) {
    let why = if inst.unknown_within(path) {
        inst.unknown_message(&idx.file, path)
    } else {
        format!("`{}` has no value the reader can use", inst.addr)
    };
    let place = Place::pointer(idx.file.clone(), inst.pointer_of(path));
    if let Some(s) = ic.sets.get_mut(i) {
        s.unresolved.push((why, place));
    }
}

/// The index in `ic.sets` of the permission set `inst` is about: by its
/// `permission_set_arn`, else by the configuration's reference; `None` with a warning.
fn set_of(idx: &Index<'_>, inst: &Inst<'_>, ic: &mut Ic) -> Option<usize> {
    if let Some(arn) = inst.str(&PS_ARN).filter(|a| !a.is_empty()) {
        let id = set_id(&arn);
        if let Some(i) = ic.sets.iter().position(|s| s.id == id) {
            return Some(i);
        }
    }
    let t = idx.follow(inst, &PS_ARN);
    for target in &t.insts {
        if target.kind != "aws_ssoadmin_permission_set" {
            continue;
        }
        let key = target
            .str(&[Step::Key("arn")])
            .filter(|a| !a.is_empty())
            .map(|a| set_id(&a).to_owned())
            .unwrap_or_else(|| target.addr.clone());
        if let Some(i) = ic.sets.iter().position(|s| s.id == key) {
            return Some(i);
        }
    }
    let why = if inst.unknown_within(&PS_ARN) {
        inst.unknown_message(&idx.file, &PS_ARN)
    } else {
        match inst.str(&PS_ARN) {
            Some(a) => format!("permission set `{a}` is not managed in this file"),
            None => "it names no permission set".to_owned(),
        }
    };
    ic.warn(
        WarningCode::Unsupported,
        Place::pointer(idx.file.clone(), inst.pointer_of(&PS_ARN)),
        format!(
            "`{}` is not read: {why}; the access it gives needs review",
            inst.addr
        ),
    );
    None
}
