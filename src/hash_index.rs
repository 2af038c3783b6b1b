//! [`HashIndex`]: a static open-addressed index from the hash of a text to its position in
//! a table stored elsewhere, so that lookups on the hot path read a slot or two and compare
//! one text, whatever the table's size, instead of a binary search's chain of dependent
//! string comparisons.
//!
//! The texts indexed (watchlist names, credential and subject ids) come from the provider's
//! own configuration; a login only chooses the text looked up, which cannot lengthen the
//! probe sequences the table was built with. The hash is therefore a fast unkeyed mix, not
//! a keyed one.

/// A hash of a text: eight bytes at a time, multiply and fold (in the manner of the "wy" and
/// "fx" hashes), with the length mixed in first so that texts differing by trailing zero bytes
/// differ. A tail shorter than eight bytes is read as the text's last eight bytes when there
/// are that many (overlapping the previous word), else byte by byte: no copy to a buffer,
/// which the compiler made a `memcpy` call.
#[inline]
pub(crate) fn text_hash(text: &str) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = text.as_bytes();
    let mix = |h: u64, word: u64| fold((h ^ word).wrapping_mul(K));
    let mut h = (bytes.len() as u64).wrapping_mul(K);
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
pub(crate) fn text_key(text: &str) -> (u64, u32) {
    let hash = text_hash(text);
    (hash, (hash >> 32) as u32)
}

/// Open addressing with linear probing over `2^k` slots, at most half full. A slot is
/// `(tag, position + 1)`, `(_, 0)` an empty slot: the tag is compared first, then the caller's
/// test of the entry at the position. Positions fit `u32`: watchlists are capped far below.
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
    /// at position `i`.
    pub(crate) fn build(keys: impl ExactSizeIterator<Item = (u64, T)>) -> Self {
        let len = keys.len();
        if len == 0 {
            return HashIndex::default();
        }
        let size = (2 * len).next_power_of_two();
        let mask = size - 1;
        let mut slots = vec![(T::default(), 0u32); size].into_boxed_slice();
        for (position, (hash, tag)) in keys.enumerate() {
            let Ok(value) = u32::try_from(position + 1) else {
                // Beyond `u32::MAX` entries: never built (watchlists cap their size far below).
                break;
            };
            let mut at = hash as usize & mask;
            // At most half full: an empty slot is always reached.
            while let Some(slot) = slots.get_mut(at) {
                if slot.1 == 0 {
                    *slot = (tag, value);
                    break;
                }
                at = (at + 1) & mask;
            }
        }
        HashIndex { slots }
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

    fn index_of(texts: &[&str]) -> HashIndex {
        HashIndex::build(texts.iter().map(|t| text_key(t)))
    }

    fn find(index: &HashIndex, texts: &[&str], key: &str) -> Option<usize> {
        let (hash, tag) = text_key(key);
        index.find(hash, tag, |i| same_text(texts[i], key))
    }

    #[test]
    fn finds_every_text_and_nothing_else() {
        let texts: Vec<String> = (0..5000).map(|i| format!("ecps-{i:x}")).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let index = index_of(&refs);
        assert_eq!(index.slots.len(), 16384);
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
            let (hash, tag) = text_key(key);
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
        let h = text_hash(base);
        for i in 0..base.len() {
            let mut changed = base.as_bytes().to_vec();
            changed[i] ^= 1;
            assert_ne!(
                text_hash(std::str::from_utf8(&changed).unwrap()),
                h,
                "byte {i}"
            );
        }
        assert_ne!(text_hash("ab"), text_hash("ab\0"));
        assert_ne!(text_hash(""), text_hash("\0"));
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
