//! Fuzz target (issue 7): an SCP file (`--scp`, JSON or YAML), read as the CLI reads
//! it: `read_source` (decoding) then one SCP level of a side.
#![no_main]

use iamdiff::ingest::{decode, load_scp_level};
use iamdiff::model::Snapshot;
use iamdiff_fuzz::check_named;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let name: Arc<str> = Arc::from("scp.yaml");
    let result = decode(&name, data).and_then(|text| {
        let mut snap = Snapshot::default();
        load_scp_level(&name, &text, &mut snap)
    });
    if let Err(e) = result {
        check_named(&e.place, &e.message, &name);
    }
});
