//! Fuzz target (issue 7): a `--levels` file (level definitions) replacing the embedded
//! ones for the migration scenario's provisioner config.
#![no_main]

use iamdiff::ingest::{Format, LoadOptions};
use iamdiff_fuzz::{PROVISIONER_CONFIG, check_side, load_side, write_files};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (_, paths) = write_files(
        "side",
        &[("config.yaml", PROVISIONER_CONFIG), ("levels.yaml", data)],
    );
    let (config, levels) = (paths[0].clone(), paths[1].clone());
    let opts = LoadOptions {
        format: Some(Format::Provisioner),
        levels: Some(levels),
        ..LoadOptions::default()
    };
    let result = load_side(&[config], &opts);
    check_side(&result, &paths);
});
