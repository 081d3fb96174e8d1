//! `iamdiff schema target|diff|effective`: the JSON Schemas of the provisioner target
//! config iamdiff reads and of the JSON reports it writes (issue 12), embedded from
//! `schemas/` so the binary is self-contained and the schema printed is the one this
//! iamdiff reads or writes.

use std::io::Write;

use super::args::SchemaWhat;
use super::{CliError, Outcome};

/// The target config's JSON Schema (draft 2020-12).
pub const TARGET_SCHEMA: &str = include_str!("../../schemas/target.schema.json");
/// The JSON diff report's schema (`iamdiff/diff/v3`).
pub const DIFF_SCHEMA: &str = include_str!("../../schemas/diff-report.schema.json");
/// The JSON effective-permissions report's schema (`iamdiff/effective/v1`).
pub const EFFECTIVE_SCHEMA: &str = include_str!("../../schemas/effective-report.schema.json");

pub fn run(what: SchemaWhat, out: &mut dyn Write) -> Result<Outcome, CliError> {
    match what {
        SchemaWhat::Target => out.write_all(TARGET_SCHEMA.as_bytes())?,
        SchemaWhat::Diff => out.write_all(DIFF_SCHEMA.as_bytes())?,
        SchemaWhat::Effective => out.write_all(EFFECTIVE_SCHEMA.as_bytes())?,
    }
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schemas_are_json_of_draft_2020_12() {
        for (what, text) in [
            (SchemaWhat::Target, TARGET_SCHEMA),
            (SchemaWhat::Diff, DIFF_SCHEMA),
            (SchemaWhat::Effective, EFFECTIVE_SCHEMA),
        ] {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
            let mut out = Vec::new();
            run(what, &mut out).unwrap();
            assert_eq!(out, text.as_bytes());
        }
    }
}
