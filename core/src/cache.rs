//! A small read cache that lives as long as the isolate: records read from Workers KV (services,
//! API keys, subaccounts) are kept for [`CACHE_SECONDS`] so a busy isolate does not read the
//! same record on every request. Writes through the same isolate refresh it at once; other
//! isolates see a change within `CACHE_SECONDS` (on top of KV's own propagation, up to 60 s).

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::time::Timestamp;

/// How long a cached record is trusted.
pub const CACHE_SECONDS: u64 = 5;
/// Most records kept; when full, expired ones go first, then everything.
pub const CACHE_ENTRIES: usize = 512;

#[derive(Debug, Default)]
pub struct ReadCache {
    entries: RefCell<BTreeMap<String, (Timestamp, Option<String>)>>,
}

impl ReadCache {
    /// The cached value of `key` (`Some(None)`: known to be absent), if still fresh at `now`.
    pub fn get(&self, key: &str, now: Timestamp) -> Option<Option<String>> {
        let entries = self.entries.borrow();
        let (stored, value) = entries.get(key)?;
        (stored.seconds_until(now) < CACHE_SECONDS && *stored <= now).then(|| value.clone())
    }

    /// Remembers `value` (or its absence) for `key` as read at `now`.
    pub fn insert(&self, key: &str, value: Option<String>, now: Timestamp) {
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= CACHE_ENTRIES && !entries.contains_key(key) {
            entries.retain(|_, (stored, _)| stored.seconds_until(now) < CACHE_SECONDS);
            if entries.len() >= CACHE_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key.to_owned(), (now, value));
    }

    pub fn forget(&self, key: &str) {
        self.entries.borrow_mut().remove(key);
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
    fn entries_expire_and_the_size_is_bounded() {
        let cache = ReadCache::default();
        cache.insert("a", Some("1".into()), T0);
        cache.insert("gone", None, T0);
        assert_eq!(cache.get("a", T0.plus_seconds(CACHE_SECONDS - 1)), Some(Some("1".into())));
        assert_eq!(cache.get("gone", T0), Some(None));
        assert_eq!(cache.get("a", T0.plus_seconds(CACHE_SECONDS)), None);
        assert_eq!(cache.get("b", T0), None);
        cache.forget("a");
        assert_eq!(cache.get("a", T0), None);
        for i in 0..(CACHE_ENTRIES * 3) {
            cache.insert(&i.to_string(), None, T0);
            assert!(cache.len() <= CACHE_ENTRIES);
        }
    }
}
