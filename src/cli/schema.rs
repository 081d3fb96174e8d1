//! `iamdiff schema target`: the JSON Schema of the provisioner target config, embedded
//! from `schemas/target.schema.json` so the binary is self-contained and the schema
//! printed is the one this iamdiff reads.

use std::io::Write;

use super::args::SchemaWhat;
use super::{CliError, Outcome};

/// The target config's JSON Schema (draft 2020-12).
pub const TARGET_SCHEMA: &str = include_str!("../../schemas/target.schema.json");

pub fn run(what: SchemaWhat, out: &mut dyn Write) -> Result<Outcome, CliError> {
    match what {
        SchemaWhat::Target => out.write_all(TARGET_SCHEMA.as_bytes())?,
    }
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_schema_is_json_of_draft_2020_12() {
        let v: serde_json::Value = serde_json::from_str(TARGET_SCHEMA).unwrap();
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
        let mut out = Vec::new();
        run(SchemaWhat::Target, &mut out).unwrap();
        assert_eq!(out, TARGET_SCHEMA.as_bytes());
    }
}
