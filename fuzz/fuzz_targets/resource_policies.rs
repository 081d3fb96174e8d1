//! Fuzz target (issue 8): a resource-policy export (CLI outputs, AWS Config items, the
//! ARN → policy map), read as a side reads it: decoding, then the resource-policy reader.
#![no_main]

use iamdiff::ingest::{LoadOptions, decode, load_resource_policies};
use iamdiff::model::Snapshot;
use iamdiff_fuzz::check_named;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let name: Arc<str> = Arc::from("111122223333.s3api.get-bucket-policy.b.json");
    let opts = LoadOptions {
        region: Some("us-east-1".into()),
        ..LoadOptions::default()
    };
    let result = decode(&name, data).and_then(|text| {
        let mut snap = Snapshot::default();
        load_resource_policies(&name, &text, &mut snap, &opts)
    });
    if let Err(e) = result {
        check_named(&e.place, &e.message, &name);
    }
});
