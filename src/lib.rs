//! iamdiff: offline audit and diff of IAM migrations.
//!
//! Data flows one way: [`ingest`] reads input files into the cloud-neutral [`model`];
//! [`eval`] computes effective permissions and decisions with the embedded [`catalog`];
//! [`report`] renders them. The binary's `cli` layer is the only place that touches the
//! terminal, the environment and exit codes.

pub mod catalog;
pub mod cli;
pub mod diff;
pub mod eval;
pub mod ingest;
pub mod model;
pub mod report;
