//! Fuzz target (issue 7): a `--context-file` (JSON or YAML), read as the CLI reads it:
//! `read_source` (decoding) then `load_context_file`.
#![no_main]

use iamdiff::eval::context::RequestContext;
use iamdiff::ingest::{decode, load_context_file};
use iamdiff_fuzz::check_named;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let name: Arc<str> = Arc::from("context.json");
    match decode(&name, data).and_then(|text| load_context_file(&name, &text)) {
        Ok(pairs) => {
            // what `cli::common::context` does with them
            let mut ctx = RequestContext::new(true);
            for (k, v) in pairs {
                ctx.insert(&k, v);
            }
        }
        Err(e) => check_named(&e.place, &e.message, &name),
    }
});
