//! Rendering: plain data views of evaluation and diff results and their renderers (terminal
//! table, Markdown, HTML, JSON, SARIF, JUnit, text). Nothing here evaluates policies;
//! sorting for deterministic output happens here, at the boundary.

pub mod access;
pub mod causes;
pub mod cutover;
pub mod diff;
pub mod effective;
pub mod explain;
pub mod html;
pub mod json;
pub mod junit;
pub mod layout;
pub mod lint;
pub mod markdown;
pub mod people;
pub mod provenance;
pub mod sarif;
pub mod table;

/// A JSON serialization error as an I/O error that keeps the underlying kind, so a
/// closed pipe stays a `BrokenPipe` (and exits quietly) rather than becoming "other".
pub fn json_io(e: serde_json::Error) -> std::io::Error {
    match e.io_error_kind() {
        Some(kind) => std::io::Error::new(kind, e),
        None => std::io::Error::other(e),
    }
}
