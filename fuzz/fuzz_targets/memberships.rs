//! Fuzz target (issue 7): a memberships file given with the migration scenario's
//! provisioner config, whose groups it names (`iamdiff diff --before config.yaml
//! --before memberships.txt`); the format of the input is detected, as the CLI does.
#![no_main]

use iamdiff::ingest::LoadOptions;
use iamdiff_fuzz::{PROVISIONER_CONFIG, check_side, load_side, write_files};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (_, paths) = write_files(
        "side",
        &[
            ("config.yaml", PROVISIONER_CONFIG),
            ("memberships.txt", data),
        ],
    );
    let result = load_side(&paths, &LoadOptions::default());
    check_side(&result, &paths);
});
