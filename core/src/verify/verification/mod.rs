//! A verification, in one place: its state and public view (`model`), its rules (`machine`),
//! the port to its single writer (`coordinator`) and how that writer is named (`target`), the
//! requests that drive it (`request`), its wire shapes (`resource`), its KV token (`index`), the
//! content rules a start passes (`content`), what it reserves on the limiter shards
//! (`reserve`), the target's sends of the last day (`sends`), its start (`start`), its channel
//! fallback (`fallback`) and its other operations (`ops`).

pub mod content;
pub mod coordinator;
pub mod fallback;
pub mod index;
pub mod machine;
pub mod model;
pub mod ops;
pub mod request;
pub mod reserve;
pub mod resource;
pub mod sends;
pub mod start;
pub mod target;
