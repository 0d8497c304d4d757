//! An in-memory [`KeyValue`] for host tests: lists in small pages to exercise cursors, can be
//! told to fail writes, and shows what was stored.

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::ports::{KeyList, KeyValue, ListedKey, PutOptions, StoreError};

#[derive(Debug)]
pub struct MemoryKv {
    entries: RefCell<BTreeMap<String, (String, PutOptions)>>,
    page_size: usize,
    fail_writes: RefCell<bool>,
    operations: RefCell<usize>,
}

impl Default for MemoryKv {
    fn default() -> Self {
        Self { entries: RefCell::default(), page_size: 1000, fail_writes: RefCell::new(false), operations: RefCell::new(0) }
    }
}

impl MemoryKv {
    /// A store that lists `page_size` keys per page.
    pub fn with_page_size(page_size: usize) -> Self {
        Self { page_size: page_size.max(1), ..Self::default() }
    }

    /// Makes every later write fail, to test that failures leave nothing half-written.
    pub fn fail_writes(&self, fail: bool) {
        *self.fail_writes.borrow_mut() = fail;
    }

    pub fn keys(&self) -> Vec<String> {
        self.entries.borrow().keys().cloned().collect()
    }

    pub fn values(&self) -> Vec<String> {
        self.entries.borrow().values().map(|(v, _)| v.clone()).collect()
    }

    pub fn ttl(&self, key: &str) -> Option<u64> {
        self.entries.borrow().get(key).and_then(|(_, o)| o.ttl_seconds)
    }

    /// Storage operations so far (gets, puts, deletes, list pages).
    pub fn operations(&self) -> usize {
        *self.operations.borrow()
    }

    fn count(&self) {
        *self.operations.borrow_mut() += 1;
    }

    fn check_writable(&self) -> Result<(), StoreError> {
        self.count();
        if *self.fail_writes.borrow() {
            Err(StoreError("writes are failing (test)".into()))
        } else {
            Ok(())
        }
    }
}

impl KeyValue for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.count();
        Ok(self.entries.borrow().get(key).map(|(v, _)| v.clone()))
    }

    async fn put(&self, key: &str, value: &str, options: &PutOptions) -> Result<(), StoreError> {
        self.check_writable()?;
        self.entries.borrow_mut().insert(key.to_owned(), (value.to_owned(), options.clone()));
        Ok(())
    }

    fn put_later(&self, key: String, value: String, options: PutOptions) {
        if self.check_writable().is_ok() {
            self.entries.borrow_mut().insert(key, (value, options));
        }
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.check_writable()?;
        self.entries.borrow_mut().remove(key);
        Ok(())
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<KeyList, StoreError> {
        self.count();
        let entries = self.entries.borrow();
        let keys: Vec<ListedKey> = entries
            .iter()
            .filter(|(k, _)| k.starts_with(prefix) && cursor.is_none_or(|c| k.as_str() > c))
            .take(self.page_size)
            .map(|(k, (_, o))| ListedKey { name: k.clone(), metadata: o.metadata.clone() })
            .collect();
        let more = keys.last().is_some_and(|last| entries.keys().any(|k| k.starts_with(prefix) && *k > last.name));
        let cursor = if more { keys.last().map(|k| k.name.clone()) } else { None };
        Ok(KeyList { keys, cursor })
    }
}
