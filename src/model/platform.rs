//! An application platform with two roles of its own, as a port target (issue 10 item 5):
//! organization members, each `Administrator` (identity, billing and project management
//! across the organization) or `Member` (belongs to the organization, no rights by that
//! alone), and project memberships (`Member` of a project: full operational rights in it).
//! The reader (`ingest::platform`) builds it; the port comparison (`diff::port`) evaluates it.

use serde::Serialize;
use std::sync::Arc;

use super::Place;

/// An organization-level role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum PlatformRole {
    Administrator,
    Member,
}

impl PlatformRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformRole::Administrator => "Administrator",
            PlatformRole::Member => "Member",
        }
    }
}

/// One organization member and their role, where the input says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformMember {
    pub id: String,
    pub role: PlatformRole,
    pub place: Arc<Place>,
}

/// One project and the members with operational rights in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformProject {
    pub name: String,
    /// Member ids with where each membership is written.
    pub members: Vec<(String, Arc<Place>)>,
    pub place: Arc<Place>,
}

/// A side read from a platform file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlatformSide {
    /// The platform's name, as the file gives it (`appcloud`).
    pub name: String,
    pub organization: String,
    pub members: Vec<PlatformMember>,
    pub projects: Vec<PlatformProject>,
}

impl PlatformSide {
    pub fn member(&self, id: &str) -> Option<&PlatformMember> {
        self.members.iter().find(|m| m.id == id)
    }

    pub fn project(&self, name: &str) -> Option<&PlatformProject> {
        self.projects.iter().find(|p| p.name == name)
    }
}
