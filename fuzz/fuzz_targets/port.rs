//! Fuzz target (issue 10 item 5): a `--map` port file read as the CLI reads it
//! (`decode`, the one-document check, lossy UTF-8, `Port::parse`) and its rules applied to
//! a few names; the same bytes read as a platform file. Every input gives a value or a
//! placed error naming the file, never a panic.
#![no_main]

use iamdiff::diff::port::Port;
use iamdiff::ingest::{check_yaml_document, decode, read_platform};
use iamdiff_fuzz::check_named;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let name: Arc<str> = Arc::from("port.yaml");
    if let Err(e) = read_platform(&name, data) {
        check_named(&e.place, &e.message, &name);
    }
    let text = match decode(&name, data) {
        Ok(t) => t,
        Err(e) => return check_named(&e.place, &e.message, &name),
    };
    if let Err(e) = check_yaml_document(&name, &text) {
        return check_named(&e.place, &e.message, &name);
    }
    match Port::parse(&name, &String::from_utf8_lossy(&text)) {
        Ok(p) => {
            for n in ["alice", "ec2:StartInstances", "", "storage.objects.get"] {
                let _ = p.identity(n);
                let _ = p.permission(n);
            }
        }
        Err(e) => check_named(&e.place, &e.message, &name),
    }
});
