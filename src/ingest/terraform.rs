//! `terraform show -json` of a state or a plan (format versions 0.1 to 1.x), into the
//! users, groups, roles and policies it manages.
//!
//! A state's resources are in `values`; a plan's state after apply is `planned_values`
//! (a resource the plan deletes is not there, and is left out if a plan says
//! otherwise). Modules nest under `child_modules` to any depth; `count` and `for_each`
//! make one instance per index. Policies are JSON strings inside the JSON, parsed a
//! second time by the one policy grammar, their errors placed at the string in the file.
//!
//! What a plan knows only after apply (ARNs of new policies, names made from
//! `name_prefix`, documents built from values not yet known) is missing from its values
//! and flagged in `resource_changes[].change.after_unknown`. Links are rebuilt through
//! the configuration's references (an attachment whose `policy_arn` is unknown but whose
//! configuration refers to `aws_iam_policy.x` is attached to that policy); what cannot be
//! rebuilt becomes an unresolved policy or an unresolved statement, with a message naming
//! the resource, the attribute and its place in the plan, so evaluation makes it *needs
//! review* instead of dropping it.
//!
//! Terraform never defines *all* users of an account: a configuration manages some
//! users, and others exist beside it (created by hand, by another configuration, by an
//! identity provider). So a Terraform file leaves `defines_users` as it is; a side read
//! only from Terraform keeps the other side's users (with whatever memberships the plan
//! gives them) instead of reporting every unmanaged user as removed.
//!
//! IAM Identity Center resources (`aws_ssoadmin_*`, `aws_identitystore_*`) are read by
//! `ssoadmin` into the roles and people the Identity Center reader makes (issue 9).
//!
//! GCP resources (`google_*`) are out of scope for now: a file of them loads, with one
//! `unsupported` warning naming them.

mod collect;
mod docs;
mod emit;
mod index;
mod ssoadmin;

use std::sync::Arc;

use super::err::{json_message, pointer_of, split_help};
use super::raw::terraform::RawShow;
use super::source::Text;
use super::{IngestError, LoadOptions, Resolver};
use crate::model::Snapshot;

pub(crate) fn load(
    file: &Arc<str>,
    bytes: &[u8],
    snap: &mut Snapshot,
    opts: &LoadOptions,
    resolver: Resolver<'_>,
) -> Result<(), IngestError> {
    let show = parse(file, bytes)?;
    let idx = index::Index::new(file, &show)?;
    let model = collect::collect(&idx, bytes, opts)?;
    let ic = ssoadmin::collect(&idx, bytes)?;
    emit::emit(file, model, snap, resolver);
    if !ic.is_empty() || !ic.warnings.is_empty() {
        super::identity_center::emit(ic, snap, resolver)?;
    }
    Ok(())
}

/// Reads the outer structure; an error names its place (line:column and JSON pointer).
fn parse<'a>(file: &Arc<str>, bytes: &'a [u8]) -> Result<RawShow<'a>, IngestError> {
    let text = Text::new(file, bytes);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = serde::Deserialize::deserialize(&mut de).and_then(|s: RawShow<'a>| {
        de.end()?;
        Ok(s)
    });
    result.map_err(|e| {
        // only a failing file pays for the path
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let pointer = match serde_path_to_error::deserialize::<_, RawShow<'_>>(&mut de) {
            Err(pe) => Some(pointer_of(pe.path())),
            Ok(_) => None,
        };
        let (message, help) = split_help(json_message(&e));
        let help = help.or_else(|| {
            Some(
                "the file must be the JSON `terraform show -json` writes for a state or a plan \
                 (`terraform show -json plan.out > plan.json`)"
                    .to_owned(),
            )
        });
        IngestError {
            place: text.json_error_place(0, &e, pointer.filter(|p| !p.is_empty())),
            message,
            help,
        }
    })
}

#[cfg(test)]
mod tests;
