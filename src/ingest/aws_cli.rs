//! Per-call AWS CLI exports (`list-users`, `get-role`, `get-policy-version`, ...), one JSON
//! file each, usually a folder of them: recognised by content and assembled into users,
//! groups, roles and policies; what is missing for a complete picture is named.

use std::sync::Arc;

use super::{IngestError, LoadOptions, Resolver};
use crate::model::Snapshot;

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
        _snap: &mut Snapshot,
        _opts: &LoadOptions,
        _resolver: Resolver<'_>,
    ) -> Result<(), IngestError> {
        match self.files.first() {
            None => Ok(()),
            Some((name, _)) => Err(IngestError::in_file(
                name,
                "per-call AWS CLI exports are not supported yet",
            )),
        }
    }
}
