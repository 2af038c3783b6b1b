//! [`HashIndex`]: a static open-addressed index from the hash of a text to its position in
//! a table stored elsewhere, so that lookups on the hot path read a slot or two and compare
//! one text, whatever the table's size, instead of a binary search's chain of dependent
//! string comparisons.
//!
//! The texts indexed (watchlist names, credential and subject ids) come from the provider's
//! configuration, which may copy lists published by others: a list crafted so that its
//! texts share a slot made the build quadratic (200,000 crafted ids took 14.5 s to index,
//! and every lookup of an absent id walked the whole cluster). Two defences, so that the
//! build stays linear and a lookup short whatever the texts:
//!
//! * id lists hash under a *seed* derived from the list's own content (a SHA-256 of every
//!   entry, see [`content_seed`]): the library has no randomness and must stay
//!   deterministic, and whoever writes a list cannot aim at the hash its entries will be
//!   indexed with, since changing any entry changes the seed;
//! * whatever the hash, [`HashIndex::build`] gives up when a run of occupied slots grows
//!   past [`MAX_RUN`] (each insertion walks at most that far, so building costs at most
//!   `MAX_RUN` steps per entry) and the caller falls back to a binary search over its
//!   sorted table. Random keys at the index's load (at most one half) never come near it:
//!   the longest run among 4 million slots is about 80 with overwhelming probability.

use crate::model::digest::sha256;

/// The longest run of occupied slots an index may have (see the module docs): the most
/// slots a lookup reads, and a build walks per entry.
pub(crate) const MAX_RUN: usize = 256;

/// A seed for [`text_hash`] derived from a whole table of texts (their concatenation, in
/// table order, as a table stores them), so that the hash a list is indexed with is unknown
/// until the list is written, and changes with any entry. The concatenation is ambiguous
/// (`["ab", "c"]` and `["a", "bc"]` share a seed), which costs nothing here: the seed only has
/// to be out of reach of whoever writes the texts.
pub(crate) fn content_seed(all_texts: &str) -> u64 {
    let digest = sha256("ecps-risk/id-list-seed", &[all_texts.as_bytes()]);
    digest
        .first_chunk::<8>()
        .map_or(0, |bytes| u64::from_le_bytes(*bytes))
}

/// A hash of a text under a seed: eight bytes at a time, multiply and fold (in the manner of
/// the "wy" and "fx" hashes), with the seed and the length mixed in first so that texts
/// differing by trailing zero bytes differ. A tail shorter than eight bytes is read as the text's last eight bytes when there
/// are that many (overlapping the previous word), else byte by byte: no copy to a buffer,
/// which the compiler made a `memcpy` call.
#[inline]
pub(crate) fn text_hash(seed: u64, text: &str) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = text.as_bytes();
    let mix = |h: u64, word: u64| fold((h ^ word).wrapping_mul(K));
    let mut h = (bytes.len() as u64).wrapping_mul(K) ^ seed;
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    for word in words {
        h = mix(h, word.try_into().map_or(0, u64::from_le_bytes));
    }
    if !tail.is_empty() {
        let last = bytes
            .len()
            .checked_sub(8)
            .and_then(|at| bytes.get(at..))
            .and_then(|w| w.try_into().ok())
            .map(u64::from_le_bytes)
            .unwrap_or_else(|| tail.iter().fold(0, |w, &b| (w << 8) | u64::from(b)));
        h = mix(h, last);
    }
    fold(h.wrapping_mul(K))
}

/// Folds the high bits, which a multiplication mixes best, into the low ones.
#[inline]
fn fold(h: u64) -> u64 {
    h ^ (h >> 32)
}

/// The hash and tag under which a text is indexed when the table compares texts: the tag is
/// the hash's high 32 bits, a cheap first filter before the text comparison.
#[inline]
pub(crate) fn text_key(seed: u64, text: &str) -> (u64, u32) {
    let hash = text_hash(seed, text);
    (hash, (hash >> 32) as u32)
}

/// Open addressing with linear probing over `2^k` slots, at most half full, with no run of
/// occupied slots longer than [`MAX_RUN`]. A slot is `(tag, position + 1)`, `(_, 0)` an empty
/// slot: the tag is compared first, then the caller's test of the entry at the position.
/// Positions fit `u32`: watchlists are capped far below.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HashIndex<T = u32> {
    slots: Box<[(T, u32)]>,
}

impl<T> Default for HashIndex<T> {
    fn default() -> Self {
        HashIndex {
            slots: Box::default(),
        }
    }
}

impl<T: Copy + Default + Eq> HashIndex<T> {
    /// Indexes the entries of a table, in table order, by `(hash, tag)`: entry `i` is found
    /// at position `i`. `None` when the keys crowd (a run of occupied slots longer than
    /// [`MAX_RUN`]): the caller then searches its table another way. At most [`MAX_RUN`]
    /// slots are walked per entry, so the build is linear whatever the keys.
    pub(crate) fn build(keys: impl ExactSizeIterator<Item = (u64, T)>) -> Option<Self> {
        let len = keys.len();
        if len == 0 {
            return Some(HashIndex::default());
        }
        let size = (2 * len).next_power_of_two();
        let mask = size - 1;
        let mut slots = vec![(T::default(), 0u32); size].into_boxed_slice();
        for (position, (hash, tag)) in keys.enumerate() {
            // Beyond `u32::MAX` entries: never built (watchlists cap their size far below).
            let value = u32::try_from(position + 1).ok()?;
            let home = hash as usize & mask;
            let free = (0..=MAX_RUN)
                .map(|step| (home + step) & mask)
                .find(|&at| slots.get(at).is_some_and(|slot| slot.1 == 0))?;
            let slot = slots.get_mut(free)?;
            *slot = (tag, value);
        }
        // Insertions can join short runs into a long one: measure them all, so that a lookup
        // (which stops at the first empty slot) never reads more than `MAX_RUN` slots.
        (longest_run(&slots) <= MAX_RUN).then_some(HashIndex { slots })
    }

    /// The position of the entry with this hash and tag that `is_at` accepts.
    #[inline]
    pub(crate) fn find(&self, hash: u64, tag: T, is_at: impl Fn(usize) -> bool) -> Option<usize> {
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = hash as usize & mask;
        loop {
            let &(slot_tag, value) = self.slots.get(at)?;
            let position = (value as usize).checked_sub(1)?;
            if slot_tag == tag && is_at(position) {
                return Some(position);
            }
            at = (at + 1) & mask;
        }
    }
}

#[cfg(test)]
impl<T> HashIndex<T> {
    /// The slots read to find every entry once (each entry's distance from its home slot,
    /// plus one): also the slots the build walked. `hash_of(position)` is the hash the entry
    /// at that position was indexed by.
    pub(crate) fn probes_to_find_all(&self, hash_of: impl Fn(usize) -> u64) -> usize {
        let mask = self.slots.len().wrapping_sub(1);
        let mut probes = 0;
        for (at, &(_, value)) in self.slots.iter().enumerate() {
            if let Some(position) = (value as usize).checked_sub(1) {
                let home = hash_of(position) as usize & mask;
                probes += (at.wrapping_sub(home) & mask) + 1;
            }
        }
        probes
    }

    /// The longest run of occupied slots.
    pub(crate) fn longest_run(&self) -> usize {
        longest_run(&self.slots)
    }
}

/// The longest run of occupied slots, counted around the end of the table (a run that wraps
/// is one run).
fn longest_run<T>(slots: &[(T, u32)]) -> usize {
    let Some(empty) = slots.iter().position(|slot| slot.1 == 0) else {
        return slots.len();
    };
    let (mut longest, mut run) = (0, 0);
    // Start after an empty slot, so that a run wrapping around the end is counted whole.
    for slot in slots
        .iter()
        .skip(empty + 1)
        .chain(slots.iter().take(empty + 1))
    {
        run = if slot.1 == 0 { 0 } else { run + 1 };
        longest = longest.max(run);
    }
    longest
}

/// Whether two short texts are equal, compared inline eight bytes at a time (the last eight
/// overlapping): a `memcmp` call costs more than the comparison of the names and ids looked up
/// on every login.
#[inline]
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.len() < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let word = |s: &[u8], at: usize| {
        s.get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(0, u64::from_ne_bytes)
    };
    // First and last eight bytes (overlapping for 8 to 16 bytes: most names and ids), then
    // the middle.
    let last = a.len() - 8;
    if word(a, 0) != word(b, 0) || word(a, last) != word(b, last) {
        return false;
    }
    let mut at = 8;
    while at < last {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    true
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    const SEED: u64 = 0x5eed;

    fn index_of(texts: &[&str]) -> HashIndex {
        HashIndex::build(texts.iter().map(|t| text_key(SEED, t))).unwrap()
    }

    fn find(index: &HashIndex, texts: &[&str], key: &str) -> Option<usize> {
        let (hash, tag) = text_key(SEED, key);
        index.find(hash, tag, |i| same_text(texts[i], key))
    }

    #[test]
    fn finds_every_text_and_nothing_else() {
        let texts: Vec<String> = (0..5000).map(|i| format!("ecps-{i:x}")).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let index = index_of(&refs);
        assert_eq!(index.slots.len(), 16384);
        // Ordinary ids stay far from the crowding limit.
        assert!(
            longest_run(&index.slots) < 32,
            "{}",
            longest_run(&index.slots)
        );
        for (i, t) in refs.iter().enumerate() {
            assert_eq!(find(&index, &refs, t), Some(i), "{t}");
        }
        for absent in ["", "ecps-", "ecps-1388", "ECPS-0", "ecps-0\0", "ecps-00"] {
            assert_eq!(find(&index, &refs, absent), None, "{absent:?}");
        }
    }

    #[test]
    fn an_empty_index_finds_nothing() {
        let index = index_of(&[]);
        for key in ["", "x"] {
            let (hash, tag) = text_key(SEED, key);
            assert_eq!(index.find(hash, tag, |_| true), None);
        }
    }

    #[test]
    fn colliding_slots_are_probed_past() {
        // Three texts with the same tag in consecutive slots from the home slot 0: each is
        // found by comparing texts, past the others.
        let texts = ["a", "b", "c"];
        let mut slots = vec![(0, 0); 8];
        slots[0] = (7, 1);
        slots[1] = (7, 2);
        slots[2] = (7, 3);
        let index = HashIndex {
            slots: slots.into_boxed_slice(),
        };
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(index.find(0, 7, |j| texts[j] == *t), Some(i));
        }
        assert_eq!(index.find(0, 7, |_| false), None);
        // Another tag in the same slots: nothing.
        assert_eq!(index.find(0, 8, |_| true), None);
    }

    #[test]
    fn hash_depends_on_every_byte_and_the_length() {
        let base = "810001234565";
        let h = text_hash(SEED, base);
        for i in 0..base.len() {
            let mut changed = base.as_bytes().to_vec();
            changed[i] ^= 1;
            assert_ne!(
                text_hash(SEED, std::str::from_utf8(&changed).unwrap()),
                h,
                "byte {i}"
            );
        }
        assert_ne!(text_hash(SEED, "ab"), text_hash(SEED, "ab\0"));
        assert_ne!(text_hash(SEED, ""), text_hash(SEED, "\0"));
        // And on the seed.
        assert_ne!(text_hash(SEED, base), text_hash(SEED + 1, base));
        assert_ne!(text_hash(SEED, ""), text_hash(SEED + 1, ""));
    }

    #[test]
    fn content_seeds_depend_on_the_content() {
        assert_eq!(content_seed("ecps-1ecps-2"), content_seed("ecps-1ecps-2"));
        assert_ne!(content_seed("ecps-1ecps-2"), content_seed("ecps-1ecps-3"));
        assert_ne!(content_seed(""), content_seed("a"));
    }

    /// Keys that all share one slot (the worst a hash can do): the build gives up after
    /// walking at most `MAX_RUN + 1` slots for each of at most `MAX_RUN + 2` keys, whatever
    /// the number of keys, instead of walking `n² / 2` slots.
    #[test]
    fn crowding_keys_are_refused_after_bounded_work() {
        for n in [MAX_RUN + 1, 100_000] {
            let consumed = std::cell::Cell::new(0);
            let keys = (0..n).map(|_| {
                consumed.set(consumed.get() + 1);
                (42u64, 7u32)
            });
            assert!(HashIndex::build(keys).is_none(), "{n} keys in one slot");
            assert!(
                consumed.get() <= MAX_RUN + 2,
                "{n}: {} keys read",
                consumed.get()
            );
        }
        // A run of exactly `MAX_RUN` is fine.
        let index = HashIndex::build((0..MAX_RUN).map(|_| (42u64, 7u32))).unwrap();
        assert_eq!(longest_run(&index.slots), MAX_RUN);
    }

    #[test]
    fn runs_are_counted_around_the_end() {
        let slots = |occupied: &[usize]| {
            let mut s = vec![(0u32, 0u32); 8];
            for &i in occupied {
                s[i] = (0, 1);
            }
            s
        };
        assert_eq!(longest_run(&slots(&[])), 0);
        assert_eq!(longest_run(&slots(&[3])), 1);
        assert_eq!(longest_run(&slots(&[1, 2, 4])), 2);
        assert_eq!(longest_run(&slots(&[6, 7, 0, 1, 3])), 4);
        assert_eq!(longest_run(&slots(&[0, 1, 2, 3, 4, 5, 6, 7])), 8);
        // Joined runs: a key between two runs makes one long run, which `build` measures.
        let joined =
            HashIndex::build([(0u64, 0u32), (1, 0), (3, 0), (4, 0), (2, 0)].into_iter()).unwrap();
        assert_eq!(longest_run(&joined.slots), 5);
    }

    #[test]
    fn same_text_agrees_with_equality() {
        let texts = [
            "",
            "a",
            "b",
            "ab",
            "abcdefg",
            "abcdefgh",
            "abcdefgi",
            "bbcdefgh",
            "abcdefghi",
            "abcdefghj",
            "810001234565",
            "810001234566",
            "910001234565",
            "deactivated_ecps",
            "deactivated_ecpt",
            "eeactivated_ecps",
            "blocked_activations",
            "blocked_activationz",
            "clocked_activations",
            "blocked_activ_tions",
            "a-list-name-of-thirty-two-bytes-",
            "a-list-name-of-thirty-two-bytes_",
            "a-list-name-of_thirty-two-bytes-",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(same_text(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
