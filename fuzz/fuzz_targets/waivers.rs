//! Fuzz target (issue 7): a `--waivers` file, read as the CLI reads it (`read_source`,
//! lossy UTF-8, `waivers::parse`), then matched against a few findings' names.
#![no_main]

use iamdiff::diff::waivers;
use iamdiff::ingest::{check_yaml_document, decode};
use iamdiff_fuzz::check_named;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let name: Arc<str> = Arc::from("waivers.yaml");
    let text = match decode(&name, data) {
        Ok(t) => t,
        Err(e) => return check_named(&e.place, &e.message, &name),
    };
    if let Err(e) = check_yaml_document(&name, &text) {
        return check_named(&e.place, &e.message, &name);
    }
    match waivers::parse(&name, &String::from_utf8_lossy(&text)) {
        Ok(list) => {
            for w in &list {
                let _ = w.is_expired("2026-01-01");
                let _ = w.matches_principal("carol");
                let _ = w.matches_action("s3:GetObject");
                let _ = w.matches_witness(Some("arn:aws:s3:::examplecorp-ds-projects/z"));
                let _ = w.matches_witness(None);
            }
        }
        Err(e) => check_named(&e.place, &e.message, &name),
    }
});
