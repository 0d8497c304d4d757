//! Verification services: their settings, where they are stored, their wire shape, and their
//! operations.

pub mod fallback;
pub mod guard;
pub mod ops;
pub mod record;
pub mod resource;
pub mod store;
