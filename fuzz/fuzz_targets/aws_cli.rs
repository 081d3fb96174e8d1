//! Fuzz target (issue 7): per-call AWS CLI exports, as a folder given as a side
//! (`iamdiff diff --before DIR --before-format aws-cli`). The input is one file, or two
//! split at its first NUL byte, so the merging of calls is fuzzed too.
#![no_main]

use iamdiff::ingest::Format;
use iamdiff_fuzz::{check_side, forced, load_side, split_two, write_files};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parts = split_two(data);
    let names = ["a.json", "b.json"];
    let files: Vec<(&str, &[u8])> = names.iter().copied().zip(parts).collect();
    let (dir, paths) = write_files("cli", &files);
    let result = load_side(&[dir.clone()], &forced(Format::AwsCli));
    // an error may be about one file or about the folder
    let mut named = paths;
    named.push(dir);
    check_side(&result, &named);
});
