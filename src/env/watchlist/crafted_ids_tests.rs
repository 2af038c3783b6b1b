#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
use super::ids::StrSet;
use super::*;
use crate::env::hash_index::text_hash;
use crate::env::hash_index::text_key;

/// 16-byte printable ids whose hash under seed 0 — the unseeded hash the index used
/// until lists seeded it from their content — has its low `bits` bits zero: they all
/// share one slot of any table of up to `2^bits` slots. The hash is invertible word by
/// word (multiplications by an odd constant, `h ^ (h >> 32)` folds), so the first word
/// of an id is computed backwards from the hash wanted, and kept when it is printable.
pub(crate) fn crafted_ids(n: usize, bits: u32) -> Vec<String> {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let unfold = |h: u64| h ^ (h >> 32); // the fold is its own inverse
    let mut k_inverse = K; // Newton's iteration for the inverse of K modulo 2^64
    for _ in 0..6 {
        k_inverse = k_inverse.wrapping_mul(2u64.wrapping_sub(K.wrapping_mul(k_inverse)));
    }
    let second = u64::from_le_bytes(*b"-revoked");
    let mut ids = Vec::with_capacity(n);
    let mut state: u64 = 1;
    while ids.len() < n {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let target = (state >> bits) << bits;
        let after_second = unfold(target).wrapping_mul(k_inverse);
        let after_first = unfold(after_second).wrapping_mul(k_inverse) ^ second;
        let first = unfold(after_first).wrapping_mul(k_inverse) ^ 16u64.wrapping_mul(K);
        let bytes = first.to_le_bytes();
        if bytes.iter().all(|b| (0x21..0x7f).contains(b)) {
            let id = format!("{}-revoked", std::str::from_utf8(&bytes).unwrap());
            debug_assert_eq!(text_hash(0, &id) & ((1 << bits) - 1), 0);
            ids.push(id);
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

/// Issue 15: 200,000 ids crafted against the unseeded hash took 14.5 s to compile (every
/// id probed past all the earlier ones) and every lookup of an absent id walked the whole
/// cluster. Seeded from the list's content, the same ids index like any others: the
/// slots read to find every id stay within twice the number of ids.
#[test]
fn ids_crafted_against_the_hash_index_in_linear_work() {
    let n = 4096;
    let ids = crafted_ids(n, 16);
    assert_eq!(ids.len(), n);
    // They do crowd the unseeded hash: all in one slot.
    let unseeded = HashIndex::<u32>::build(ids.iter().map(|id| text_key(0, id)));
    assert!(
        unseeded.is_none(),
        "the crafted ids crowd the unseeded index"
    );

    let set = StrSet::from_sorted(ids.iter().map(String::as_str));
    let index = set.index.as_ref().expect("indexed, not crowded");
    let probes = index.probes_to_find_all(|i| text_hash(set.seed, set.get(i).unwrap()));
    assert!(probes <= 2 * n, "{probes} probes for {n} ids");
    assert!(index.longest_run() < 32, "{}", index.longest_run());
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(set.find(id), Some(i));
    }
    assert_eq!(set.find("aaaaaaaa-revoked"), None);
}

/// A list that crowds the index whatever the seed (forced here) is searched by bisection:
/// the same answers.
#[test]
fn a_crowded_set_falls_back_to_binary_search() {
    let ids = crafted_ids(300, 16);
    let mut set = StrSet::from_sorted(ids.iter().map(String::as_str));
    set.index = None;
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(set.find(id), Some(i));
    }
    for absent in ["", "aaaaaaaa-revoked", "~~~~~~~~-revoked", "!"] {
        assert_eq!(set.find(absent), None);
    }
    let empty = StrSet::from_sorted(std::iter::empty::<&str>());
    assert_eq!(empty.find(""), None);
}
