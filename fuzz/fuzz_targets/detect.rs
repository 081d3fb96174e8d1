//! Fuzz target (issue 7): format detection of a side's source (`detect`, after
//! `read_source`'s decoding), as for every file of `--before`/`--after`.
#![no_main]

use iamdiff::ingest::{decode, detect};
use iamdiff_fuzz::check_named;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let name: Arc<str> = Arc::from("input.json");
    if let Err(e) = decode(&name, data).and_then(|text| detect(&name, &text)) {
        check_named(&e.place, &e.message, &name);
    }
});
