//! GCP inputs of a side: allow policies of organizations, folders, projects and resources,
//! placed in the hierarchy by a manifest or by Cloud Asset Inventory exports; custom roles;
//! Cloud Identity group memberships; IAM deny policies. `read` parses each file, `build`
//! turns them all into the model: members become principals, groups (nested ones
//! flattened) become groups, each binding a policy whose one statement allows the role's
//! permissions on the node's scope path (`organizations/1/folders/2/projects/p` and
//! everything under it), each deny rule a deny statement on the principals it reaches.
//!
//! The manifest (YAML) names which file is which node:
//!
//! ```yaml
//! gcp-hierarchy:
//!   - node: organizations/100
//!     policy: org.json
//!   - node: folders/200
//!     parent: organizations/100
//!     policy: folder-eng.json
//!     deny: deny-eng.json
//!   - node: projects/alpha
//!     aliases: [projects/1001]          # the project number
//!     parent: folders/200
//!     policy: project-alpha.json
//!   - node: storage.googleapis.com/projects/_/buckets/alpha-data
//!     parent: projects/alpha
//!     policy: bucket-alpha-data.json
//! groups:
//!   eng@corp.com: groups-eng.json       # `gcloud identity groups memberships list`
//! ```
//!
//! Files are named by their file name; asset exports need no manifest (their `ancestors`,
//! or a search result's `project`, `folders` and `organization`, place them).

mod build;
mod read;

use std::sync::Arc;

use super::IngestError;
use super::source::Deferred;
use crate::model::Snapshot;

pub use read::MANIFEST_KEY;

/// Reads every GCP file of a side into `snap`.
pub(crate) fn load(files: &Deferred<'_>, snap: &mut Snapshot) -> Result<(), IngestError> {
    let mut all = Vec::with_capacity(files.files().len());
    for (name, bytes) in files.files() {
        all.push((name.clone(), read::read(name, bytes)?));
    }
    build::build(all, snap)
}

/// Parses one file without building (for the fuzz target): every input gives a value or
/// a placed error, never a panic.
pub fn check(file: &Arc<str>, bytes: &[u8]) -> Result<(), IngestError> {
    let parts = read::read(file, bytes)?;
    build::build(vec![(file.clone(), parts)], &mut Snapshot::default())
}
