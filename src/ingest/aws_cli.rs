//! Per-call AWS CLI exports (`list-users`, `get-role`, `get-policy-version`, ...), one JSON
//! file each, usually a folder of them: recognised by content and assembled into users,
//! groups, roles and policies; what is missing for a complete picture is named.
//!
//! File names mean nothing, with one documented exception. Three outputs do not say
//! whose they are: `list-attached-{user,group,role}-policies` (`AttachedPolicies`),
//! `list-{user,group,role}-policies` (`PolicyNames`) and `get-policy-version`
//! (`PolicyVersion`). Such an output is attributed by a hint key beside it (`RoleName`,
//! `UserName`, `GroupName`; `PolicyArn`), which export scripts commonly add, or else by
//! its file name, `<command>.<name>.json` (`list-attached-role-policies.app-role.json`,
//! `get-policy-version.deploy.json`, optionally `get-policy-version.deploy.v3.json`). An
//! output attributable neither way is not guessed at: it is named in a warning and not
//! used. `list-groups-for-user.<UserName>.json` is read the same way; without a name it
//! is taken as a list of groups.
//!
//! Completeness is checked per principal and group: its attached policies are known only
//! from a `list-attached-*-policies` output for it, its inline policies from a
//! `list-*-policies` output (and a `get-*-policy` for each name), a user's groups from
//! `list-groups-for-user` or from a `get-group` of every group `list-groups` lists, a
//! permissions boundary only from `get-user`/`get-role` (the list calls do not return
//! it). Whatever is unknown is named in one warning per principal or group, and stands
//! in its policies as an unresolved reference (`<attached policies unknown>`, ...), so
//! evaluation makes its access *needs review* instead of silently treating it as absent.
//! `list-users` lists every user of the account, so it makes the side define its users.

mod build;
mod gather;

use std::sync::Arc;

use super::documents::{self, Doc};
use super::err::{json_message, split_help};
use super::raw::aws_cli::RawCliOutput;
use super::source::{Text, line_col};
use super::{IngestError, LoadOptions, Resolver};
use crate::model::{Place, Snapshot};

/// The files of one side, collected first because they refer to each other.
#[derive(Default)]
pub(crate) struct Exports {
    files: Vec<(Arc<str>, Vec<u8>)>,
}

impl Exports {
    pub(crate) fn add(&mut self, name: Arc<str>, bytes: &[u8]) -> Result<(), IngestError> {
        self.files.push((name, bytes.to_vec()));
        Ok(())
    }

    pub(crate) fn finish(
        self,
        snap: &mut Snapshot,
        opts: &LoadOptions,
        resolver: Resolver<'_>,
    ) -> Result<(), IngestError> {
        if self.files.is_empty() {
            return Ok(());
        }
        let files = self.files;
        let mut g = gather::Gather::new(&files);
        for (fi, (name, bytes)) in files.iter().enumerate() {
            let items = items(name, bytes)?;
            let single = items.len() == 1;
            for item in &items {
                g.item(fi, item, single);
            }
        }
        g.resolve_versions();
        snap.sources.extend(files.iter().map(|(n, _)| n.clone()));
        if g.lists_users {
            snap.defines_users = true;
        }
        build::build(&files, g, snap, opts, resolver)
    }
}

/// One call's output in a file, and where it starts.
pub(crate) type Item<'b> = Doc<RawCliOutput<'b>>;

/// Where something is in the input files.
#[derive(Debug, Clone)]
pub(crate) struct Loc {
    pub file: usize,
    pub pointer: String,
    pub start: Option<usize>,
}

impl Loc {
    pub fn place(&self, files: &[(Arc<str>, Vec<u8>)]) -> Place {
        let (name, bytes) = match files.get(self.file) {
            Some((n, b)) => (n.clone(), b.as_slice()),
            None => (Arc::from(""), &[][..]),
        };
        let lc = self.start.map(|s| line_col(bytes, s));
        Place {
            file: name,
            line: lc.map(|l| l.0),
            column: lc.map(|l| l.1),
            pointer: Some(self.pointer.clone()),
        }
    }

    pub fn at(&self, suffix: &str) -> Loc {
        Loc {
            file: self.file,
            pointer: format!("{}{suffix}", self.pointer),
            start: self.start,
        }
    }
}

/// The outputs of one file: one object, several concatenated, or an array of them.
fn items<'b>(name: &Arc<str>, bytes: &'b [u8]) -> Result<Vec<Item<'b>>, IngestError> {
    documents::read(name, bytes, "outputs", output_error)
}

fn output_error(
    text: &Text<'_>,
    base: usize,
    e: &serde_json::Error,
    pointer: Option<String>,
) -> IngestError {
    let (message, help) = split_help(json_message(e));
    let help = help.or_else(|| {
        e.is_syntax().then(|| {
            "the file must be JSON as an `aws iam` command writes it (`--output json`)".to_owned()
        })
    });
    IngestError {
        place: text.json_error_place(base, e, pointer),
        message,
        help,
    }
}

#[cfg(test)]
mod tests;
