//! What an auditor's sign-off needs and where findings sit in the inputs (issue 12): the
//! inputs with their SHA-256, when the report was generated, and the line:column of the
//! statements and attachments findings route through. The CLI fills it (the report layer
//! reads no file); a report built without it has none, and renderers fall back to the
//! file alone.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use crate::diff::findings::{Finding, Route};

/// The origin file of statements that come from the embedded AWS catalog.
pub const CATALOG_FILE: &str = "<embedded catalog>";
/// The origin file of statements AWS implies (service-linked and the like).
pub const AWS_FILE: &str = "(AWS)";

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Provenance {
    /// When the report was generated, RFC 3339 UTC, from `SOURCE_DATE_EPOCH`; `null`
    /// without it, so that the same inputs always give the same report.
    #[serde(default)]
    pub generated: Option<String>,
    /// Every input file read, in command-line order.
    #[serde(default)]
    pub inputs: Vec<InputFile>,
    /// Places of the statements that findings route through.
    #[serde(default)]
    pub statements: Vec<StatementPlace>,
    /// Places where catalog policies are attached, for findings routed through them.
    #[serde(default)]
    pub attachments: Vec<AttachmentPlace>,
    /// Compared principals without findings, with `--junit-all` (passing test cases).
    #[serde(default)]
    pub unchanged: Vec<UnchangedPrincipal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnchangedPrincipal {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// `before`, `after`, `scp`, `before-scp`, `after-scp`, `map`, `waivers`, `context`.
    pub role: String,
    /// The path as named in findings (as given on the command line).
    pub path: String,
    /// The path relative to the source root (`--source-root`), with `/` separators.
    pub uri: String,
    /// SHA-256 of the file's bytes, lowercase hex; `null` for a file that could not be
    /// read again (a pipe).
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementPlace {
    pub file: String,
    pub pointer: String,
    pub line: u32,
    /// In Unicode code points, from 1.
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentPlace {
    /// `before` or `after`.
    pub side: String,
    /// The policy as routes name it.
    pub policy: String,
    /// The user, role or group it is attached to.
    pub holder: String,
    pub file: String,
    pub pointer: String,
    pub line: u32,
    pub column: u32,
}

/// A resolved place for a report: the file's URI relative to the source root, and a line
/// and column when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub uri: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// What is there: the statement's pointer, or the attachment's.
    pub pointer: Option<String>,
}

impl Provenance {
    /// The URI of an input file relative to the source root, or the path as given.
    pub fn uri_of(&self, file: &str) -> String {
        self.inputs
            .iter()
            .find(|i| i.path == file)
            .map_or_else(|| file.replace('\\', "/"), |i| i.uri.clone())
    }
}

/// [`Provenance`]'s places by key, for renderers that place every finding (SARIF): the
/// answers of [`Provenance::uri_of`] without a scan of the inputs per route, and where a
/// route's statement is ([`Index::locate`]).
pub struct Index<'p> {
    prov: &'p Provenance,
    uris: HashMap<&'p str, &'p str>,
    statements: HashMap<(&'p str, &'p str), &'p StatementPlace>,
    attachments: HashMap<(&'p str, &'p str, &'p str), &'p AttachmentPlace>,
}

impl<'p> Index<'p> {
    pub fn new(prov: &'p Provenance) -> Self {
        let mut uris = HashMap::new();
        for i in &prov.inputs {
            uris.entry(i.path.as_str()).or_insert(i.uri.as_str());
        }
        let mut statements = HashMap::new();
        for s in &prov.statements {
            statements
                .entry((s.file.as_str(), s.pointer.as_str()))
                .or_insert(s);
        }
        let mut attachments = HashMap::new();
        for a in &prov.attachments {
            attachments
                .entry((a.side.as_str(), a.policy.as_str(), a.holder.as_str()))
                .or_insert(a);
        }
        Index {
            prov,
            uris,
            statements,
            attachments,
        }
    }

    pub fn provenance(&self) -> &'p Provenance {
        self.prov
    }

    /// As [`Provenance::uri_of`].
    pub fn uri_of(&self, file: &str) -> String {
        self.uris
            .get(file)
            .map_or_else(|| file.replace('\\', "/"), |u| (*u).to_owned())
    }

    /// Where a route's statement is: in the user's file, or (for a catalog policy) at its
    /// attachment to the holder in the user's file.
    pub fn locate(&self, side: &str, principal: &str, route: &Route) -> Option<Located> {
        if is_file(&route.file) {
            let place = route
                .pointer
                .as_deref()
                .and_then(|p| self.statements.get(&(route.file.as_str(), p)));
            return Some(Located {
                uri: self.uri_of(&route.file),
                line: place.map(|s| s.line),
                column: place.map(|s| s.column),
                pointer: route.pointer.clone(),
            });
        }
        let holder = holder(route, principal);
        self.attachments
            .get(&(side, route.policy.as_str(), holder))
            .map(|a| Located {
                uri: self.uri_of(&a.file),
                line: Some(a.line),
                column: Some(a.column),
                pointer: Some(a.pointer.clone()),
            })
    }
}

/// Whether an origin file is a file of the user's (not the catalog or AWS itself).
pub fn is_file(file: &str) -> bool {
    file != CATALOG_FILE && file != AWS_FILE && !file.is_empty()
}

/// Who holds a route's policy: the group it comes through, or the principal itself.
pub fn holder<'a>(route: &'a Route, principal: &'a str) -> &'a str {
    route.via.strip_prefix("group ").unwrap_or(principal)
}

/// The side whose statements explain a finding: the before side for lost access (which has
/// no after-side statement left), the after side otherwise; and its routes.
pub fn explaining_side(f: &Finding) -> (&'static str, &[Route]) {
    use crate::diff::findings::Category;
    let lost = matches!(f.category, Category::Lost | Category::Removed);
    match (lost, f.before.routes.is_empty(), f.after.routes.is_empty()) {
        (true, false, _) | (false, false, true) => ("before", &f.before.routes),
        _ => ("after", &f.after.routes),
    }
}
