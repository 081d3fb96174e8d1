//! Tests of the organizations reader.
