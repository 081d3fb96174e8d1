//! Fuzz target (issue 9): one IAM Identity Center CLI output read as an Identity Center
//! export, named so the file-name convention attributes a per-permission-set output.
#![no_main]

use iamdiff::ingest::{decode, load_identity_center};
use iamdiff::model::Snapshot;
use iamdiff_fuzz::check_named;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let name: Arc<str> =
        Arc::from("sso-admin.list-managed-policies-in-permission-set.ps-0a1b2c3d4e5f6a7b.json");
    let result = decode(&name, data).and_then(|text| {
        let mut snap = Snapshot::default();
        load_identity_center(&name, &text, &mut snap)
    });
    if let Err(e) = result {
        check_named(&e.place, &e.message, &name);
    }
});
