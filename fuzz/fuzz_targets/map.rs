//! Fuzz target (issue 7): a `--map` file (renames), read as the CLI reads it
//! (`read_source`, the one-document check of
//! `read_yaml_source`, lossy UTF-8, `Renames::parse`), then applied to a few names.
#![no_main]

use iamdiff::diff::mapping::Renames;
use iamdiff::ingest::{check_yaml_document, decode};
use iamdiff::model::{PrincipalKey, PrincipalKind};
use iamdiff_fuzz::check_named;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let name: Arc<str> = Arc::from("map.yaml");
    let text = match decode(&name, data) {
        Ok(t) => t,
        Err(e) => return check_named(&e.place, &e.message, &name),
    };
    if let Err(e) = check_yaml_document(&name, &text) {
        return check_named(&e.place, &e.message, &name);
    }
    match Renames::parse(&name, &String::from_utf8_lossy(&text)) {
        Ok(r) => {
            for n in ["alice", "old-data-scientists", "", "a-b-c"] {
                for account in [None, Some("111122223333")] {
                    for kind in [PrincipalKind::User, PrincipalKind::Role] {
                        let key = PrincipalKey::new(account.map(str::to_owned), kind, n);
                        let _ = r.principal(&key);
                    }
                    let _ = r.group(account, n);
                }
            }
        }
        Err(e) => check_named(&e.place, &e.message, &name),
    }
});
