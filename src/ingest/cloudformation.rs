//! CloudFormation templates, JSON or YAML with short-form tags, including `cdk synth` output.

use std::sync::Arc;

use super::{IngestError, LoadOptions, Resolver};
use crate::model::Snapshot;

pub(crate) fn load(
    file: &Arc<str>,
    _bytes: &[u8],
    _snap: &mut Snapshot,
    _opts: &LoadOptions,
    _resolver: Resolver<'_>,
) -> Result<(), IngestError> {
    Err(IngestError::in_file(
        file,
        "this format is not supported yet",
    ))
}
