//! Fuzz target (issue 11 item 1): a cutover runbook, YAML or shell (the first byte picks
//! the form), beside the migration scenario's provisioner config as `config.yaml` so
//! `deploy` steps can name it. Reading must end in a runbook or a placed error.
#![no_main]

use iamdiff::ingest::{LoadOptions, parse_runbook};
use iamdiff_fuzz::{PROVISIONER_CONFIG, check_named, write_files};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Some((&form, text)) = data.split_first() else {
        return;
    };
    let name = if form % 2 == 0 { "runbook.yaml" } else { "runbook.sh" };
    let (dir, _) = write_files("runbook", &[("config.yaml", PROVISIONER_CONFIG)]);
    let file: Arc<str> = Arc::from(name);
    if let Err(e) = parse_runbook(&file, text, &dir, &LoadOptions::default()) {
        if &*e.place.file == name {
            check_named(&e.place, &e.message, name);
        }
    }
});
