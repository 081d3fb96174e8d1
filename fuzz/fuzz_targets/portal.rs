//! Fuzz target (issue 11 item 3): a developer portal's permission-record export
//! (`--source-format portal`), read as one side's only source and then linted (the portal
//! rules run on whatever the reader accepted). No input may panic; an error names the
//! file (and, with `IAMDIFF_FUZZ_STRICT_PLACE=1`, a place in it).
#![no_main]

use iamdiff::ingest::Format;
use iamdiff_fuzz::{check_side, forced, load_side, write_files};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (_, paths) = write_files("side", &[("records.json", data)]);
    let result = load_side(&paths, &forced(Format::Portal));
    check_side(&result, &paths);
    if let Ok(snap) = &result {
        let _ = iamdiff::eval::lint::lint_at(snap, iamdiff::catalog::catalog(), Some(0));
    }
});
