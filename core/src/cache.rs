//! A small read cache that lives as long as the isolate: records read from Workers KV (services,
//! API keys, subaccounts) are kept for [`CACHE_SECONDS`] so a busy isolate does not read the
//! same record on every request. Writes through the same isolate refresh it at once; other
//! isolates see a change within `CACHE_SECONDS` (on top of KV's own propagation, up to 60 s).
//! Only records that exist are kept (an absent key costs a read every time, so nobody can fill
//! the cache with made-up keys), a read that raced a write in this isolate is not kept, and when
//! full the oldest entry goes. Writes never trust the cache: they read the record afresh.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use crate::time::Timestamp;

/// How long a cached record is trusted.
pub const CACHE_SECONDS: u64 = 5;
/// Most records kept.
pub const CACHE_ENTRIES: usize = 512;

#[derive(Debug, Default)]
pub struct ReadCache {
    entries: RefCell<BTreeMap<String, (Timestamp, String)>>,
    /// Bumped by every write, so a read that started before one is not cached.
    writes: Cell<u64>,
}

/// Where a read started, for [`ReadCache::insert_read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadStart(u64);

impl ReadCache {
    /// The cached value of `key`, if still fresh at `now`.
    pub fn get(&self, key: &str, now: Timestamp) -> Option<String> {
        let entries = self.entries.borrow();
        let (stored, value) = entries.get(key)?;
        (*stored <= now && stored.seconds_until(now) < CACHE_SECONDS).then(|| value.clone())
    }

    /// To be taken before reading from the store.
    pub fn read_start(&self) -> ReadStart {
        ReadStart(self.writes.get())
    }

    /// Keeps what a read found, unless a write happened since it started.
    pub fn insert_read(&self, key: &str, value: &str, now: Timestamp, start: ReadStart) {
        if start.0 == self.writes.get() {
            self.keep(key, value, now);
        }
    }

    /// Keeps what was just written.
    pub fn insert_written(&self, key: &str, value: &str, now: Timestamp) {
        self.writes.set(self.writes.get().wrapping_add(1));
        self.keep(key, value, now);
    }

    /// Drops `key` (deleted, or a write that may have failed).
    pub fn forget(&self, key: &str) {
        self.writes.set(self.writes.get().wrapping_add(1));
        self.entries.borrow_mut().remove(key);
    }

    fn keep(&self, key: &str, value: &str, now: Timestamp) {
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= CACHE_ENTRIES && !entries.contains_key(key) {
            entries.retain(|_, (stored, _)| *stored <= now && stored.seconds_until(now) < CACHE_SECONDS);
            if entries.len() >= CACHE_ENTRIES {
                let oldest = entries.iter().min_by_key(|(_, (stored, _))| *stored).map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    entries.remove(&oldest);
                }
            }
        }
        entries.insert(key.to_owned(), (now, value.to_owned()));
    }

    pub fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp::from_unix_seconds(1_000);

    #[test]
    fn entries_expire_and_the_size_is_bounded_by_dropping_the_oldest() {
        let cache = ReadCache::default();
        cache.insert_read("a", "1", T0, cache.read_start());
        assert_eq!(cache.get("a", T0.plus_seconds(CACHE_SECONDS - 1)).as_deref(), Some("1"));
        assert_eq!(cache.get("a", T0.plus_seconds(CACHE_SECONDS)), None);
        assert_eq!(cache.get("b", T0), None);
        cache.forget("a");
        assert_eq!(cache.get("a", T0), None);
        cache.insert_read("first", "x", T0, cache.read_start());
        for i in 0..(CACHE_ENTRIES * 2) {
            cache.insert_read(&i.to_string(), "v", T0.plus_seconds(1), cache.read_start());
            assert!(cache.len() <= CACHE_ENTRIES);
        }
        assert_eq!(cache.get("first", T0.plus_seconds(1)), None, "the oldest went first");
        assert!(cache.get(&(CACHE_ENTRIES * 2 - 1).to_string(), T0.plus_seconds(1)).is_some(), "recent entries stay");
    }

    #[test]
    fn a_read_that_raced_a_write_is_not_kept() {
        let cache = ReadCache::default();
        let start = cache.read_start();
        cache.insert_written("svc", "new", T0);
        cache.insert_read("svc", "old", T0, start);
        assert_eq!(cache.get("svc", T0).as_deref(), Some("new"));
    }
}
