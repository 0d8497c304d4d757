//! Abuse and cost controls: what a start must pass before anything is sent (docs/limits.md).
//!
//! - `policy`: the operator's policy (`POLICY`) with its defaults, per account.
//! - `geo` (with the generated `geo_data`): regions and high-cost ranges of numbers.
//! - `shard` (with `window`): sliding-window counters and the fraud guard's memory, one state per shard key,
//!   run by a `Limiter` Durable Object so reservations are exact under concurrency.
//! - `limiter`: the port to those objects, and the keyed names of shards.
//! - `plan`: which shards and counters one start reserves.
//! - `safe_list`: numbers the geo permissions and the fraud guard let through.
//! - `blocks`: the fraud guard's read-out.

pub mod blocks;
pub mod geo;
#[rustfmt::skip]
pub mod geo_data;
pub mod limiter;
pub mod plan;
pub mod policy;
pub mod safe_list;
pub mod shard;
pub mod window;
