//! A bounded frequency table: how often, and when first and last, each value was seen.
//!
//! The one mechanism behind every learned set of the crate (a professional's devices, networks,
//! countries and user agents in a [`Profile`](crate::Profile), the population frequencies of
//! [`PopulationStats`](crate::PopulationStats)). Entries stay sorted by value, so lookups are a
//! binary search with no allocation; when a table is full, the least recently seen entry goes
//! (ties: fewest observations, then smallest value), so the order of eviction is deterministic.
//! Times are Unix seconds, which keeps stored profiles small.

use serde::{Deserialize, Serialize};

/// One value of a [`CountTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Entry<K> {
    /// The value observed.
    pub value: K,
    /// How many times (saturating).
    pub count: u32,
    /// First observation, Unix seconds.
    pub first_seen: i64,
    /// Last observation, Unix seconds.
    pub last_seen: i64,
}
crate::wire::map_only!(Entry<K>);

/// A bounded, sorted frequency table (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "CountTableWire<K>",
    bound(deserialize = "K: Ord + Copy + Deserialize<'de>")
)]
pub struct CountTable<K> {
    entries: Vec<Entry<K>>,
    /// Every observation ever made, evicted ones included: the denominator of frequencies.
    total: u64,
}

/// The serialized form, checked on the way in.
#[derive(Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
struct CountTableWire<K> {
    entries: Vec<Entry<K>>,
    total: u64,
}
crate::wire::map_only!(deserialize CountTableWire<K>);

/// A stored table that breaks the table's invariants.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CountTableError {
    /// The same value appears twice.
    #[error("entry {index} repeats a value")]
    DuplicateValue {
        /// Position of the second occurrence, after sorting.
        index: usize,
    },
    /// A count of zero, or `first_seen` after `last_seen`.
    #[error("entry {index} has count 0 or first_seen after last_seen")]
    BadEntry {
        /// Position of the entry, after sorting.
        index: usize,
    },
    /// `total` is smaller than the sum of the counts.
    #[error("total `{total}` is below the sum of counts `{sum}`")]
    Total {
        /// The stored total.
        total: u64,
        /// The sum of the entries' counts.
        sum: u64,
    },
}

impl<K: Ord + Copy> TryFrom<CountTableWire<K>> for CountTable<K> {
    type Error = CountTableError;
    fn try_from(wire: CountTableWire<K>) -> Result<Self, CountTableError> {
        let mut entries = wire.entries;
        entries.sort_by_key(|e| e.value);
        let mut sum = 0u64;
        let mut previous: Option<&Entry<K>> = None;
        for (index, e) in entries.iter().enumerate() {
            if previous.is_some_and(|p| p.value == e.value) {
                return Err(CountTableError::DuplicateValue { index });
            }
            if e.count == 0 || e.first_seen > e.last_seen {
                return Err(CountTableError::BadEntry { index });
            }
            sum += u64::from(e.count);
            previous = Some(e);
        }
        if wire.total < sum {
            return Err(CountTableError::Total {
                total: wire.total,
                sum,
            });
        }
        Ok(CountTable {
            entries,
            total: wire.total,
        })
    }
}

impl<K> Default for CountTable<K> {
    fn default() -> Self {
        CountTable {
            entries: Vec::new(),
            total: 0,
        }
    }
}

impl<K: Ord + Copy> CountTable<K> {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record one observation of `value` at `at`, keeping at most `cap` entries.
    pub fn observe(&mut self, value: K, at: i64, cap: usize) {
        self.total = self.total.saturating_add(1);
        match self.entries.binary_search_by(|e| e.value.cmp(&value)) {
            Ok(i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.count = e.count.saturating_add(1);
                    e.last_seen = e.last_seen.max(at);
                    e.first_seen = e.first_seen.min(at);
                }
            }
            Err(i) => {
                self.entries.insert(
                    i,
                    Entry {
                        value,
                        count: 1,
                        first_seen: at,
                        last_seen: at,
                    },
                );
                self.shrink_to(cap);
            }
        }
    }

    /// Evict least-recently-seen entries until at most `cap` remain.
    pub fn shrink_to(&mut self, cap: usize) {
        while self.entries.len() > cap {
            let victim = self
                .entries
                .iter()
                .enumerate()
                .min_by(|(_, a), (_, b)| {
                    (a.last_seen, a.count, a.value).cmp(&(b.last_seen, b.count, b.value))
                })
                .map(|(i, _)| i);
            match victim {
                Some(i) => {
                    self.entries.remove(i);
                }
                None => break,
            }
        }
    }

    /// The entry for `value`, if it was seen and not evicted.
    #[inline]
    pub fn get(&self, value: &K) -> Option<&Entry<K>> {
        self.entries
            .binary_search_by(|e| e.value.cmp(value))
            .ok()
            .and_then(|i| self.entries.get(i))
    }

    /// How many times `value` was seen (0 if never, or evicted).
    #[inline]
    pub fn count(&self, value: &K) -> u32 {
        self.get(value).map_or(0, |e| e.count)
    }

    /// Forget `value` (after a confirmed compromise); the total keeps the observations.
    pub fn remove(&mut self, value: &K) -> Option<Entry<K>> {
        let i = self.entries.binary_search_by(|e| e.value.cmp(value)).ok()?;
        Some(self.entries.remove(i))
    }

    /// Every observation ever recorded, evicted values included.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Number of distinct values kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, sorted by value.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Entry<K>> + '_ {
        self.entries.iter()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn counts_and_sorted_lookup() {
        let mut t = CountTable::new();
        for (v, at) in [(5u32, 10), (3, 11), (5, 12), (9, 13)] {
            t.observe(v, at, 8);
        }
        assert_eq!(t.count(&5), 2);
        assert_eq!(t.count(&4), 0);
        assert_eq!(t.total(), 4);
        let e = t.get(&5).unwrap();
        assert_eq!((e.first_seen, e.last_seen), (10, 12));
        let values: Vec<u32> = t.iter().map(|e| e.value).collect();
        assert_eq!(values, vec![3, 5, 9]);
    }

    #[test]
    fn evicts_least_recently_seen() {
        let mut t = CountTable::new();
        t.observe(1u32, 100, 2);
        t.observe(2, 200, 2);
        t.observe(1, 300, 2); // 1 is now the most recent
        t.observe(3, 400, 2); // evicts 2
        assert_eq!(t.len(), 2);
        assert_eq!(t.count(&2), 0);
        assert_eq!(t.count(&1), 2);
        assert_eq!(t.count(&3), 1);
        assert_eq!(t.total(), 4);
    }

    #[test]
    fn eviction_ties_are_deterministic() {
        let mut t = CountTable::new();
        t.observe(7u32, 100, 3);
        t.observe(4, 100, 3);
        t.observe(9, 100, 3);
        t.observe(1, 100, 3); // all seen at 100 once: smallest value (1) goes
        let values: Vec<u32> = t.iter().map(|e| e.value).collect();
        assert_eq!(values, vec![4, 7, 9]);
    }

    #[test]
    fn remove_keeps_total() {
        let mut t = CountTable::new();
        t.observe(1u8, 1, 4);
        assert!(t.remove(&1).is_some());
        assert!(t.remove(&1).is_none());
        assert_eq!(t.total(), 1);
        assert!(t.is_empty());
    }

    #[test]
    fn serde_round_trip_and_checks() {
        let mut t = CountTable::new();
        t.observe(2u32, 5, 4);
        t.observe(1, 6, 4);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<CountTable<u32>>(&json).unwrap(), t);

        let unsorted = r#"{"entries":[{"value":2,"count":1,"first_seen":1,"last_seen":1},
            {"value":1,"count":1,"first_seen":1,"last_seen":1}],"total":2}"#;
        let t: CountTable<u32> = serde_json::from_str(unsorted).unwrap();
        assert_eq!(t.count(&1), 1);

        let dup = r#"{"entries":[{"value":1,"count":1,"first_seen":1,"last_seen":1},
            {"value":1,"count":1,"first_seen":1,"last_seen":1}],"total":2}"#;
        let e = serde_json::from_str::<CountTable<u32>>(dup).unwrap_err();
        assert!(e.to_string().contains("repeats a value"), "{e}");

        let zero = r#"{"entries":[{"value":1,"count":0,"first_seen":1,"last_seen":1}],"total":0}"#;
        assert!(serde_json::from_str::<CountTable<u32>>(zero).is_err());
        let order = r#"{"entries":[{"value":1,"count":1,"first_seen":2,"last_seen":1}],"total":1}"#;
        assert!(serde_json::from_str::<CountTable<u32>>(order).is_err());
        let total = r#"{"entries":[{"value":1,"count":3,"first_seen":1,"last_seen":1}],"total":2}"#;
        let e = serde_json::from_str::<CountTable<u32>>(total).unwrap_err();
        assert!(e.to_string().contains("`2`"), "{e}");
    }
}
