//! Fuzz target (issue 8): one `aws organizations` CLI output read as an organization
//! export, named so the file-name convention attributes it (`list-targets-for-policy`).
#![no_main]

use iamdiff::ingest::{decode, load_organization};
use iamdiff::model::Snapshot;
use iamdiff_fuzz::check_named;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let name: Arc<str> = Arc::from("organizations.list-targets-for-policy.p-1.json");
    let result = decode(&name, data).and_then(|text| {
        let mut snap = Snapshot::default();
        load_organization(&name, &text, &mut snap)
    });
    if let Err(e) = result {
        check_named(&e.place, &e.message, &name);
    }
});
