//! The comparison of two sides: principals matched through renames, each action's access
//! compared exactly (resource sets by language inclusion, with witnesses), findings with
//! stable codes, waivers and the gate.

pub mod changes;
pub mod compare;
pub mod cutover;
pub mod dangling;
pub mod err;
pub mod findings;
pub mod inputs;
pub mod mapping;
pub mod outcome;
pub mod port;
pub mod run;
pub mod waivers;

pub use run::{
    DEFAULT_FAIL_ON, DiffOptions, Matching, Outcome, SideInput, diff, match_principals,
    worth_evaluating,
};
