//! Raw types of per-call AWS CLI outputs (filled in below).
