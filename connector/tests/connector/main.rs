//! The generated connector-spec/ against the code, in one test binary: the OpenAPI document
//! (`spec`) and the platform artifacts built from it (`artifacts`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod artifacts;
mod spec;
