//! Evaluation: what the model's policies mean under AWS semantics. Wildcards, policy
//! variables and conditions are decided here (three-valued: what cannot be decided
//! offline stays *unknown*); `effective` computes every principal's permissions and
//! `explain` decides one request with the statements behind the decision.

pub mod actions;
pub mod assume;
pub mod cel;
pub mod compile;
pub mod condition;
pub mod context;
pub mod effective;
pub mod explain;
pub mod idset;
pub mod intern;
pub mod lang;
pub mod layers;
pub mod lint;
pub mod people;
pub mod principal_ctx;
pub mod resources;
pub mod scope;
pub mod variables;
pub mod wildcard;

pub use effective::{Effective, EvalOptions, effective};
pub use explain::{Decision, Explanation, explain};
