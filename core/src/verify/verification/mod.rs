//! A verification, in one place: its state and public view (`model`), its rules (`machine`),
//! the port to its single writer (`coordinator`) and how that writer is named (`target`), the
//! requests that drive it (`request`), its wire shapes (`resource`), its KV token (`index`) and
//! its operations (`ops`).

pub mod coordinator;
pub mod index;
pub mod machine;
pub mod model;
pub mod ops;
pub mod request;
pub mod resource;
pub mod target;
