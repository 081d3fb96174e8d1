//! The GCP resource hierarchy of a side: organization → folders → projects → resources,
//! each node with the scope path its policies grant on. A scope is the chain of node names
//! from the organization down (`organizations/1/folders/2/projects/p`); a binding at a node
//! grants on the node's path and everything under it (`…/projects/p` and `…/projects/p/*`),
//! so inheritance is prefix inclusion and evaluation needs nothing GCP-specific.
//!
//! A resource below a project is a node whose name is its full resource name without the
//! leading `//` (`storage.googleapis.com/projects/_/buckets/b`); [`GcpSide::scope_of`] turns
//! the name a user gives (`//storage.googleapis.com/projects/_/buckets/b`, `projects/p`)
//! into its path, for `explain`.

use serde::Serialize;
use std::sync::Arc;

use super::Place;

/// The operator of a [`super::ConditionClause`] holding a GCP condition: its key is the
/// condition's title and its one value the CEL expression, which evaluation decides
/// for the forms it knows and otherwise keeps conditional.
pub const CEL_OPERATOR: &str = "gcp:Cel";

/// What kind of node of the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GcpNodeKind {
    Organization,
    Folder,
    Project,
    Resource,
}

/// One node: its name (`folders/2`, `projects/p`,
/// `storage.googleapis.com/projects/_/buckets/b`), the other names it is known by (a
/// project's number and id), its scope path, and where it was placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GcpNode {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub kind: GcpNodeKind,
    pub path: String,
    pub place: Arc<Place>,
}

/// The hierarchy of a GCP side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GcpSide {
    pub nodes: Vec<GcpNode>,
}

impl GcpSide {
    /// The scope path of a resource name as a user writes it: a node's name or alias, with
    /// or without `//service/` (`//cloudresourcemanager.googleapis.com/projects/p` is
    /// `projects/p`), a path already, or a name below a known node (`projects/p/x/y`).
    /// `None` when no node of the hierarchy holds it.
    pub fn scope_of(&self, resource: &str) -> Option<String> {
        let bare = resource.trim_start_matches("//");
        let short = bare
            .strip_prefix("cloudresourcemanager.googleapis.com/")
            .unwrap_or(bare);
        let find = |n: &str| {
            self.nodes
                .iter()
                .find(|x| x.name == n || x.aliases.iter().any(|a| a == n))
        };
        if let Some(node) = find(short).or_else(|| find(bare)) {
            return Some(node.path.clone());
        }
        if self
            .nodes
            .iter()
            .any(|x| bare == x.path || bare.starts_with(&format!("{}/", x.path)))
        {
            return Some(bare.to_owned());
        }
        // below a known node: the longest node name that is a prefix
        self.nodes
            .iter()
            .flat_map(|x| {
                std::iter::once(&x.name)
                    .chain(&x.aliases)
                    .map(move |n| (n, x))
            })
            .filter(|(n, _)| short.starts_with(&format!("{n}/")))
            .max_by_key(|(n, _)| n.len())
            .map(|(n, x)| format!("{}{}", x.path, short.get(n.len()..).unwrap_or("")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, alias: &[&str], kind: GcpNodeKind, path: &str) -> GcpNode {
        GcpNode {
            name: name.into(),
            aliases: alias.iter().map(|a| (*a).to_owned()).collect(),
            kind,
            path: path.into(),
            place: Arc::new(Place::file("m.yaml".into())),
        }
    }

    #[test]
    fn resource_names_resolve_to_paths() {
        let side = GcpSide {
            nodes: vec![
                node(
                    "organizations/1",
                    &[],
                    GcpNodeKind::Organization,
                    "organizations/1",
                ),
                node(
                    "projects/p",
                    &["projects/42"],
                    GcpNodeKind::Project,
                    "organizations/1/projects/p",
                ),
                node(
                    "storage.googleapis.com/projects/_/buckets/b",
                    &[],
                    GcpNodeKind::Resource,
                    "organizations/1/projects/p/storage.googleapis.com/projects/_/buckets/b",
                ),
            ],
        };
        assert_eq!(
            side.scope_of("//storage.googleapis.com/projects/_/buckets/b")
                .as_deref(),
            Some("organizations/1/projects/p/storage.googleapis.com/projects/_/buckets/b")
        );
        assert_eq!(
            side.scope_of("//cloudresourcemanager.googleapis.com/projects/42")
                .as_deref(),
            Some("organizations/1/projects/p")
        );
        assert_eq!(
            side.scope_of("projects/p/zones/z/instances/i").as_deref(),
            Some("organizations/1/projects/p/zones/z/instances/i")
        );
        assert_eq!(side.scope_of("projects/other"), None);
    }
}
