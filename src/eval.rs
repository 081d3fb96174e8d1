//! Evaluation: what policies mean for a request, with AWS semantics. The primitives here
//! (wildcard matching, policy variables, the request context, condition operators) are
//! pure functions with no I/O; decisions and effective permissions build on them.

pub mod condition;
pub mod context;
pub mod variables;
pub mod wildcard;
