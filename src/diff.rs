//! The comparison of two sides: principals matched through renames, each action's access
//! compared exactly (resource sets by language inclusion, with witnesses), findings with
//! stable codes, waivers and the gate.

pub mod findings;
