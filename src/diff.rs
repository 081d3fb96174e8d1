//! The comparison of two sides: principals matched through renames, each action's access
//! compared exactly (resource sets by language inclusion, with witnesses), findings with
//! stable codes, waivers and the gate.

pub mod changes;
mod changes_org;
pub mod changes_people;
pub mod compare;
pub mod cutover;
pub mod dangling;
pub mod err;
pub mod findings;
pub mod inputs;
mod lint_causes;
pub mod mapping;
pub mod memo;
pub mod merge;
pub mod outcome;
pub mod people;
pub mod port;
pub mod run;
pub mod waivers;

pub use run::{
    DEFAULT_FAIL_ON, DiffOptions, Matching, Outcome, SideInput, diff, diff_matched,
    diff_with_people, match_principals, worth_evaluating,
};
