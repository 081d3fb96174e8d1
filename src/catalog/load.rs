//! Decoding of the embedded catalog data (placeholder until the generated data lands).

use std::sync::LazyLock;

use super::{Catalog, CatalogMeta};

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog {
    meta: CatalogMeta {
        actions_source: String::new(),
        actions_version: String::new(),
        policies_source: String::new(),
        policies_version: String::new(),
        generated: String::new(),
    },
    services: Vec::new(),
    actions: Vec::new(),
    lower_names: Vec::new(),
    policies: Vec::new(),
});

/// The embedded catalog, decoded on first use.
pub fn catalog() -> &'static Catalog {
    &CATALOG
}
