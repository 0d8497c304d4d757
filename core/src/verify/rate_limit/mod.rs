//! Programmable rate limits, as Twilio Verify has them: a service's named rate limits
//! (`/v2/Services/{VA}/RateLimits`), each with buckets of `Max` starts per `Interval` seconds,
//! enforced on every start that names the rate limit in `RateLimits` with a key value (the
//! end user's IP, an account id...): each bucket counts per value, in a limiter shard of its own.
//!
//! A rate limit's SID is a hash of its service and unique name, so a start finds it by name with
//! one (cached) read, and a rate limit may also be addressed by its unique name. Its buckets
//! live in its record (at most [`MAX_BUCKETS`]).

pub mod ops;
pub mod record;
pub mod resource;
pub mod store;

/// Most rate limits a service holds (60207).
pub const MAX_RATE_LIMITS: usize = 10;
/// Most buckets a rate limit holds (60210).
pub const MAX_BUCKETS: usize = 5;
