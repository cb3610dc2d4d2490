//! In-memory copies of what is read on every request and changed rarely
//! (settings, populations, the enrolment history).
//!
//! Only a store that is the sole writer of its data may use this: the SQLite
//! store fills and updates a [`Cached`] while it holds its one connection, so a
//! read that misses and a write cannot interleave and leave a stale copy. (A
//! shared DynamoDB table is written by many Lambda instances: no cache there.)

use std::sync::{PoisonError, RwLock};

/// One cached value; empty until first read, replaced or cleared on writes.
#[derive(Debug, Default)]
pub(crate) struct Cached<T>(RwLock<Option<T>>);

impl<T: Clone> Cached<T> {
    pub(crate) fn get(&self) -> Option<T> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn set(&self, value: T) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Some(value);
    }

    pub(crate) fn clear(&self) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_value_is_empty_until_set_and_after_clear() {
        let cached = Cached::<u32>::default();
        assert_eq!(cached.get(), None);
        cached.set(7);
        assert_eq!(cached.get(), Some(7));
        cached.clear();
        assert_eq!(cached.get(), None);
    }
}
