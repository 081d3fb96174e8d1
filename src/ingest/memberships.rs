//! User-to-group memberships: the plain `group: user1 user2` text the migration guides
//! produce (one group a line), or YAML/JSON; applied to the side they are given for,
//! after all its other sources.

use std::sync::Arc;

use super::IngestError;
use crate::model::Snapshot;

pub(crate) fn apply(
    file: &Arc<str>,
    _bytes: &[u8],
    _snap: &mut Snapshot,
) -> Result<(), IngestError> {
    Err(IngestError::in_file(
        file,
        "memberships are not supported yet",
    ))
}
