//! Rendering: plain data views of evaluation and diff results and their renderers (terminal
//! table, Markdown, HTML, JSON, SARIF, JUnit, text). Nothing here evaluates policies;
//! sorting for deterministic output happens here, at the boundary.

pub mod diff;
pub mod effective;
pub mod explain;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;
