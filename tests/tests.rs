//! Integration tests, built as one test binary (faster to link than one per file).
// Tests state their expectations with unwrap/expect/panic; the shipped code may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod aws_cli;
mod causes;
mod cli;
mod cloudformation;
mod company;
mod consistency;
mod corpus;
mod cutover;
mod diff;
mod diff_props;
mod examples;
mod fuzz_regressions;
mod gcp;
mod gcp_losses;
mod generator;
mod hostile_cli;
mod hostile_eval;
mod hostile_readers;
mod identity_center;
mod lint;
mod lint_in_diff;
mod malformed;
mod oracle;
mod org_changes;
mod organizations;
mod people;
mod portal;
mod ports;
mod provisioner;
mod readme;
mod report_scale;
mod report_size;
mod reports;
mod resources;
mod schema;
mod terminal;
mod terraform;
mod util;
