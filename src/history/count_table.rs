//! A bounded frequency table: how often, and when first and last, each value was seen, and
//! how many of those observations were confirmed.
//!
//! The one mechanism behind every learned set of the crate (a professional's devices, networks,
//! countries and user agents in a [`Profile`](crate::Profile), the population frequencies of
//! [`PopulationStats`](crate::PopulationStats)). Entries stay sorted by value, so lookups are a
//! binary search with no allocation; when a table is full, the least recently seen entry goes
//! (ties: fewest observations, then smallest value), so the order of eviction is deterministic.
//! Times are Unix seconds, which keeps stored profiles small.
//!
//! An observation is *confirmed* when something the fraudster of the ANS alert does not have
//! vouched for it: a login with the CPS card, a step-up with the card, a person's confirmation.
//! A value a professional has only been seen with a few times, over a few days, and never
//! confirmed is not yet theirs for sure ([`Entry::is_established`]): an attacker let in once
//! must not become familiar at once.

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
    /// How many of the observations were confirmed (see the module docs); at most `count`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub confirmed: u32,
    /// The last observation before the latest one, Unix seconds (`None`: `first_seen`),
    /// between `first_seen` and `last_seen`: where [`CountTable::unobserve`] takes the last
    /// sighting back to when it takes back the latest observation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_seen: Option<i64>,
}
crate::model::wire::map_only!(Entry<K>);

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl<K> Entry<K> {
    /// [`Entry::previous_seen`], `first_seen` when unset.
    #[inline]
    fn previous(&self) -> i64 {
        self.previous_seen.unwrap_or(self.first_seen)
    }

    /// Set [`Entry::previous_seen`], kept between the first and last sightings and unset
    /// when it is the first (so stored tables stay small).
    fn set_previous(&mut self, at: i64) {
        let at = at.clamp(self.first_seen, self.last_seen);
        self.previous_seen = (at != self.first_seen).then_some(at);
    }

    /// True when the value is established as the professional's: confirmed at least once, or
    /// seen at least `min_count` times over at least `min_seconds` (first to last observation).
    #[inline]
    pub fn is_established(&self, min_count: u32, min_seconds: i64) -> bool {
        self.confirmed > 0
            || (self.count >= min_count && self.last_seen - self.first_seen >= min_seconds)
    }
}

/// A bounded, sorted frequency table (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "CountTableWire<K>",
    bound(deserialize = "K: Ord + Copy + Serialize + Deserialize<'de>")
)]
pub struct CountTable<K> {
    entries: Vec<Entry<K>>,
    /// Every observation ever made, evicted ones included: the denominator of frequencies.
    total: u64,
}

/// The serialized form, checked on the way in by [`CountTableWire::check`]: on its own
/// through `TryFrom`, or by the profile or population holding it, which name the table.
#[derive(Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub(crate) struct CountTableWire<K> {
    entries: Vec<Entry<K>>,
    total: u64,
}
crate::model::wire::map_only!(deserialize CountTableWire<K>);

impl<K> Default for CountTableWire<K> {
    fn default() -> Self {
        CountTableWire {
            entries: Vec::new(),
            total: 0,
        }
    }
}

/// 9999-12-31T23:59:59Z, the last login time a context accepts, in Unix seconds: stored times
/// (in tables and profiles) are checked to lie between 1970 and it, the range login times
/// have, so that no difference a detector takes can overflow.
pub(crate) const MAX_UNIX_TIME: i64 = 253_402_300_799;

/// A stored table that breaks the table's invariants. Values are quoted as they are stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CountTableError {
    /// The same value appears twice.
    #[error("value `{value}` appears twice")]
    DuplicateValue {
        /// The value.
        value: String,
    },
    /// A count of zero, `first_seen` after `last_seen`, `previous_seen` outside them, or more
    /// confirmed observations than observations.
    #[error(
        "entry `{value}` has count 0, `first_seen` after `last_seen`, `previous_seen` outside \
         them or `confirmed` above `count`"
    )]
    BadEntry {
        /// The entry's value.
        value: String,
    },
    /// A time is not between 1970 and 9999 (the range of login times).
    #[error("entry `{value}` `{field}` `{time}` is not a time between 1970 and 9999")]
    Time {
        /// The entry's value.
        value: String,
        /// `first_seen`, `last_seen` or `previous_seen`.
        field: &'static str,
        /// The time, Unix seconds.
        time: i64,
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

/// A value as its stored (serialized) form reads, for messages: `10.1.2.0/24`, `firefox`.
fn shown<K: Serialize>(value: &K) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => crate::model::text::quoted(&text),
        Ok(other) => crate::model::text::quoted(&other.to_string()),
        Err(_) => "?".to_owned(),
    }
}

impl<K: Ord + Copy + Serialize> CountTableWire<K> {
    /// The table, if it keeps the table's invariants: values unique, counts positive, times
    /// between 1970 and 9999 and in order, a total at least the sum of the counts.
    pub(crate) fn check(self) -> Result<CountTable<K>, CountTableError> {
        let mut entries = self.entries;
        entries.sort_by_key(|e| e.value);
        let mut sum = 0u64;
        let mut previous: Option<&Entry<K>> = None;
        for e in &entries {
            if previous.is_some_and(|p| p.value == e.value) {
                return Err(CountTableError::DuplicateValue {
                    value: shown(&e.value),
                });
            }
            let times = [("first_seen", e.first_seen), ("last_seen", e.last_seen)]
                .into_iter()
                .chain(e.previous_seen.map(|t| ("previous_seen", t)));
            for (field, time) in times {
                if !(0..=MAX_UNIX_TIME).contains(&time) {
                    return Err(CountTableError::Time {
                        value: shown(&e.value),
                        field,
                        time,
                    });
                }
            }
            if e.count == 0
                || e.first_seen > e.last_seen
                || !(e.first_seen..=e.last_seen).contains(&e.previous())
                || e.confirmed > e.count
            {
                return Err(CountTableError::BadEntry {
                    value: shown(&e.value),
                });
            }
            sum += u64::from(e.count);
            previous = Some(e);
        }
        if self.total < sum {
            return Err(CountTableError::Total {
                total: self.total,
                sum,
            });
        }
        Ok(CountTable {
            entries,
            total: self.total,
        })
    }
}

impl<K: Ord + Copy + Serialize> TryFrom<CountTableWire<K>> for CountTable<K> {
    type Error = CountTableError;
    fn try_from(wire: CountTableWire<K>) -> Result<Self, CountTableError> {
        wire.check()
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

    /// Record one observation of `value` at `at`, keeping at most `cap` entries. A time
    /// outside 1970–9999 (the range of login times) is clamped into it, so that a table this
    /// crate writes always reads back.
    pub fn observe(&mut self, value: K, at: i64, cap: usize) {
        self.observe_as(value, at, cap, false);
    }

    /// [`CountTable::observe`], the observation `confirmed` or not (see the module docs).
    pub fn observe_as(&mut self, value: K, at: i64, cap: usize, confirmed: bool) {
        let at = at.clamp(0, MAX_UNIX_TIME);
        let confirmed = u32::from(confirmed);
        self.total = self.total.saturating_add(1);
        match self.entries.binary_search_by(|e| e.value.cmp(&value)) {
            Ok(i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.count = e.count.saturating_add(1);
                    e.confirmed = e.confirmed.saturating_add(confirmed).min(e.count);
                    // The last sighting before the latest: the last one so far if this one
                    // is the latest, else the later of it and this one.
                    let previous = if at >= e.last_seen {
                        e.last_seen
                    } else {
                        e.previous().max(at)
                    };
                    e.last_seen = e.last_seen.max(at);
                    e.first_seen = e.first_seen.min(at);
                    e.set_previous(previous);
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
                        confirmed,
                        previous_seen: None,
                    },
                );
                self.shrink_to(cap);
            }
        }
    }

    /// Take back one observation of `value` made at `at`, `confirmed` or not (a login
    /// confirmed fraudulent), leaving no entry longer a span, more observations or more
    /// confirmations than it had without it. The entry goes if that observation was its only
    /// one; it is left alone if first seen after `at` (the observation was evicted, what is
    /// left came later). Otherwise its count drops by one, its confirmed count too if the
    /// observation was confirmed; a last sighting at `at` goes back to
    /// [`Entry::previous_seen`] (the one it had before), and a first sighting at `at` moves to
    /// the last one (the next one is not kept: the span restarts). An undo cannot know the
    /// sighting before the previous one, so after it `previous_seen` is the first sighting: a
    /// second undo shrinks the span, never stretches it. The total keeps the observation.
    pub fn unobserve(&mut self, value: &K, at: i64, confirmed: bool) {
        let at = at.clamp(0, MAX_UNIX_TIME);
        let Ok(i) = self.entries.binary_search_by(|e| e.value.cmp(value)) else {
            return;
        };
        let Some(e) = self.entries.get_mut(i) else {
            return;
        };
        if e.first_seen > at {
            return;
        }
        if e.count <= 1 {
            self.entries.remove(i);
            return;
        }
        e.count -= 1;
        e.confirmed = e
            .confirmed
            .saturating_sub(u32::from(confirmed))
            .min(e.count);
        let mut previous = e.previous();
        if e.last_seen == at {
            e.last_seen = previous;
            previous = e.first_seen;
        } else if previous == at {
            // Maybe this very observation: not a sighting to go back to.
            previous = e.first_seen;
        }
        if e.first_seen == at && e.last_seen > at {
            e.first_seen = e.last_seen;
        }
        e.set_previous(previous);
    }

    /// Confirm one unconfirmed observation of `value` made at `at` (a login first learned
    /// unconfirmed, then confirmed by the card or a person): nothing if the entry was first
    /// seen after `at` (the observation was evicted).
    pub fn confirm(&mut self, value: &K, at: i64) {
        let at = at.clamp(0, MAX_UNIX_TIME);
        if let Ok(i) = self.entries.binary_search_by(|e| e.value.cmp(value))
            && let Some(e) = self.entries.get_mut(i)
            && e.first_seen <= at
        {
            e.confirmed = e.confirmed.saturating_add(1).min(e.count);
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
    fn confirmed_observations_and_establishment() {
        const DAY: i64 = 86_400;
        let mut t = CountTable::new();
        t.observe(7u32, 0, 8);
        t.observe(7, DAY, 8);
        let e = *t.get(&7).unwrap();
        assert_eq!(e.confirmed, 0);
        // Two logins over a day: not established at three logins over two days.
        assert!(!e.is_established(3, 2 * DAY));
        assert!(e.is_established(2, DAY));
        t.observe(7, 2 * DAY - 1, 8);
        assert!(!t.get(&7).unwrap().is_established(3, 2 * DAY));
        t.observe(7, 2 * DAY, 8);
        assert!(t.get(&7).unwrap().is_established(3, 2 * DAY));
        // One confirmed observation establishes a value at once.
        t.observe_as(8, 5, 8, true);
        let e = *t.get(&8).unwrap();
        assert_eq!((e.count, e.confirmed), (1, 1));
        assert!(e.is_established(100, 100 * DAY));
        // Serialized only when non-zero, and never above the count on the way in.
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains(r#""confirmed":1"#) && json.matches("confirmed").count() == 1);
        assert_eq!(serde_json::from_str::<CountTable<u32>>(&json).unwrap(), t);
        let bad = json.replace(r#""confirmed":1"#, r#""confirmed":2"#);
        let e = serde_json::from_str::<CountTable<u32>>(&bad).unwrap_err();
        assert!(e.to_string().contains("`confirmed` above `count`"), "{e}");
    }

    #[test]
    fn unobserve_takes_back_only_what_a_login_brought() {
        let mut t = CountTable::new();
        for at in [10, 20, 30] {
            t.observe(1u32, at, 8);
        }
        t.observe(2, 30, 8);
        t.observe_as(3, 15, 8, true);
        t.observe(3, 30, 8);
        // Value 2 came with the login at 30: it goes. Value 1 was there before: one fewer.
        t.unobserve(&2, 30, false);
        t.unobserve(&1, 30, false);
        t.unobserve(&3, 30, false);
        assert_eq!(t.count(&2), 0);
        assert_eq!(t.count(&1), 2);
        assert_eq!((t.count(&3), t.get(&3).unwrap().confirmed), (1, 1));
        // A value seen once goes, whenever; an unknown value is left alone.
        t.unobserve(&3, 99, false);
        t.unobserve(&42, 30, false);
        assert_eq!(t.count(&3), 0);
        assert_eq!(t.len(), 1);
        assert_eq!(t.total(), 6);
    }

    #[test]
    fn unobserve_takes_back_a_confirmation_and_the_span() {
        // Found by fuzzing (fuzz target `evaluate`): a login confirmed safe by mistake, then
        // confirmed compromised, left a value the professional had seen confirmed, and seen
        // over a span stretched to the login's time: established by the attack.
        const DAY: i64 = 86_400;
        let mut t = CountTable::new();
        for at in [0, 3_600, 7_200] {
            t.observe(1u32, at, 8);
        }
        let before = *t.get(&1).unwrap();
        assert!(!before.is_established(3, 3 * DAY));
        t.observe_as(1, 5 * DAY, 8, true);
        assert!(t.get(&1).unwrap().is_established(3, 3 * DAY));
        t.unobserve(&1, 5 * DAY, true);
        let e = *t.get(&1).unwrap();
        let facts = |e: Entry<u32>| (e.count, e.confirmed, e.first_seen, e.last_seen);
        assert_eq!(facts(e), facts(before));
        // An unconfirmed observation takes no confirmation back; the last sighting goes back
        // to the one before.
        t.observe_as(2, 0, 8, true);
        t.observe(2, DAY, 8);
        t.observe(2, 5 * DAY, 8);
        t.unobserve(&2, 5 * DAY, false);
        let e = *t.get(&2).unwrap();
        assert_eq!((e.count, e.confirmed, e.last_seen), (2, 1, DAY));
        // A value seen after the login keeps its last sighting.
        t.observe(1, 5 * DAY, 8);
        t.observe(1, 9 * DAY, 8);
        t.unobserve(&1, 5 * DAY, false);
        let e = *t.get(&1).unwrap();
        assert_eq!((e.count, e.last_seen), (before.count + 1, 9 * DAY));
    }

    /// Review of the undo: a last sighting at the undone observation went back to the
    /// previous good login, whatever that login saw, stretching the span; a value first seen
    /// at it lost every later sighting.
    #[test]
    fn unobserve_never_stretches_a_span() {
        const DAY: i64 = 86_400;
        let span = |t: &CountTable<u32>, v| {
            let e = t.get(&v).unwrap();
            (e.count, e.first_seen, e.last_seen)
        };
        // Seen at 0, 1 and 2 hours; another value at day 4; the first again at day 5: the
        // undo goes back to 2 hours, not to day 4.
        let mut t = CountTable::new();
        for at in [0, 3_600, 7_200] {
            t.observe(1u32, at, 8);
        }
        t.observe(2, 4 * DAY, 8);
        t.observe(1, 5 * DAY, 8);
        assert_eq!(t.get(&1).unwrap().previous_seen, Some(7_200));
        t.unobserve(&1, 5 * DAY, false);
        assert_eq!(span(&t, 1), (3, 0, 7_200));
        // A second undo of the latest cannot know the sighting before: it shrinks the span.
        t.unobserve(&1, 7_200, false);
        assert_eq!(span(&t, 1), (2, 0, 0));
        // Observations out of order: the one before the latest is the later of the others.
        let mut t = CountTable::new();
        for at in [10, 30, 20] {
            t.observe(1u32, at, 8);
        }
        assert_eq!(t.get(&1).unwrap().previous_seen, Some(20));
        t.unobserve(&1, 20, false);
        assert_eq!(t.get(&1).unwrap().previous_seen, None);
        t.unobserve(&1, 30, false);
        assert_eq!(span(&t, 1), (1, 10, 10));
        // First seen at the undone observation: later sightings stay, their span restarts
        // at the last one.
        let mut t = CountTable::new();
        t.observe(1u32, 10, 8);
        t.observe_as(1, 20, 8, true);
        t.observe(1, 30, 8);
        t.unobserve(&1, 10, false);
        assert_eq!(span(&t, 1), (2, 30, 30));
        assert_eq!(t.get(&1).unwrap().confirmed, 1);
        // First seen after it: the observation was evicted, nothing to take back.
        t.unobserve(&1, 5, true);
        assert_eq!(
            (span(&t, 1), t.get(&1).unwrap().confirmed),
            ((2, 30, 30), 1)
        );
    }

    #[test]
    fn confirm_upgrades_one_observation() {
        let mut t = CountTable::new();
        t.observe(1u32, 10, 8);
        t.observe(1, 20, 8);
        t.confirm(&1, 20);
        assert_eq!(t.get(&1).unwrap().confirmed, 1);
        // Never above the count, nothing for an evicted observation or an unknown value.
        t.confirm(&1, 20);
        t.confirm(&1, 20);
        assert_eq!(t.get(&1).unwrap().confirmed, 2);
        t.observe(2, 30, 8);
        t.confirm(&2, 25);
        t.confirm(&3, 30);
        assert_eq!((t.get(&2).unwrap().confirmed, t.len()), (0, 2));
    }

    #[test]
    fn previous_sightings_are_stored_and_checked() {
        let mut t = CountTable::new();
        t.observe(1u32, 10, 8);
        t.observe(1, 20, 8);
        let json = serde_json::to_string(&t).unwrap();
        assert!(!json.contains("previous_seen"), "{json}");
        t.observe(1, 30, 8);
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains(r#""previous_seen":20"#), "{json}");
        assert_eq!(serde_json::from_str::<CountTable<u32>>(&json).unwrap(), t);
        for bad in [5, 31] {
            let bad = json.replace(
                r#""previous_seen":20"#,
                &format!(r#""previous_seen":{bad}"#),
            );
            let e = serde_json::from_str::<CountTable<u32>>(&bad).unwrap_err();
            assert!(
                e.to_string().contains("`previous_seen` outside them"),
                "{e}"
            );
        }
        let bad = json.replace(r#""previous_seen":20"#, r#""previous_seen":-1"#);
        let e = serde_json::from_str::<CountTable<u32>>(&bad).unwrap_err();
        assert!(e.to_string().contains("`previous_seen` `-1`"), "{e}");
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
    fn observed_times_are_clamped_to_what_reads_back() {
        let mut t = CountTable::new();
        t.observe(1u32, i64::MIN, 4);
        t.observe(1u32, i64::MAX, 4);
        let e = t.get(&1).unwrap();
        assert_eq!((e.first_seen, e.last_seen), (0, MAX_UNIX_TIME));
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<CountTable<u32>>(&json).unwrap(), t);
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
        assert_eq!(e.to_string(), "value `1` appears twice");

        let zero = r#"{"entries":[{"value":1,"count":0,"first_seen":1,"last_seen":1}],"total":0}"#;
        assert!(serde_json::from_str::<CountTable<u32>>(zero).is_err());
        let order = r#"{"entries":[{"value":1,"count":1,"first_seen":2,"last_seen":1}],"total":1}"#;
        assert!(serde_json::from_str::<CountTable<u32>>(order).is_err());
        let total = r#"{"entries":[{"value":1,"count":3,"first_seen":1,"last_seen":1}],"total":2}"#;
        let e = serde_json::from_str::<CountTable<u32>>(total).unwrap_err();
        assert!(e.to_string().contains("`2`"), "{e}");
    }

    /// Issue 15: entry times took `i64::MIN` and `i64::MAX` where every other stored time is
    /// checked to lie between 1970 and 9999.
    #[test]
    fn entry_times_out_of_range_name_the_value() {
        for (first, last, field, time) in [
            (i64::MIN, 5, "first_seen", i64::MIN),
            (5, i64::MAX, "last_seen", i64::MAX),
            (-1, 5, "first_seen", -1),
            (5, MAX_UNIX_TIME + 1, "last_seen", MAX_UNIX_TIME + 1),
        ] {
            let wire: CountTableWire<crate::model::user_agent::Browser> = CountTableWire {
                entries: vec![Entry {
                    value: crate::model::user_agent::Browser::Firefox,
                    count: 1,
                    first_seen: first,
                    last_seen: last,
                    confirmed: 0,
                    previous_seen: None,
                }],
                total: 1,
            };
            let e = wire.check().unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("entry `firefox` `{field}` `{time}` is not a time between 1970 and 9999")
            );
        }
        let edge = CountTableWire {
            entries: vec![Entry {
                value: 7u32,
                count: 1,
                first_seen: 0,
                last_seen: MAX_UNIX_TIME,
                confirmed: 0,
                previous_seen: None,
            }],
            total: 1,
        };
        assert!(edge.check().is_ok());
    }
}
