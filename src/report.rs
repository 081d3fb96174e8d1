//! Rendering: plain data views of evaluation results and their renderers (terminal
//! table, Markdown, JSON, text). Nothing here evaluates policies; sorting for
//! deterministic output happens here, at the boundary.

pub mod diff;
pub mod effective;
pub mod explain;
