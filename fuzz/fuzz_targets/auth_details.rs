//! Fuzz target (issue 7): a `get-account-authorization-details` export (`--before-format aws-auth-details`), read as one side's only
//! source, the way `iamdiff diff --before FILE` reads it. No input may panic; an error
//! names the file (and, with `IAMDIFF_FUZZ_STRICT_PLACE=1`, a place in it).
#![no_main]

use iamdiff::ingest::Format;
use iamdiff_fuzz::{check_side, forced, load_side, write_files};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (_, paths) = write_files("side", &[("export.json", data)]);
    let result = load_side(&paths, &forced(Format::AwsAuthDetails));
    check_side(&result, &paths);
});
