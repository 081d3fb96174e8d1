//! Fuzz target (issue 10): one GCP input (allow or deny policy, asset export JSON or
//! NDJSON, custom roles, memberships, or the YAML hierarchy manifest), read as a side
//! reads it alone: decoding, then the GCP reader and the model builder. Every input gives
//! a snapshot or an error that names the file; never a panic.
#![no_main]

use iamdiff::ingest::{check_gcp, decode};
use iamdiff_fuzz::check_named;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let name: Arc<str> = Arc::from("gcp.json");
    let result = decode(&name, data).and_then(|text| check_gcp(&name, &text));
    if let Err(e) = result {
        check_named(&e.place, &e.message, &name);
    }
});
