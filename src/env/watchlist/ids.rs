//! Id lists: credential ids, subjects under alert, and subjects whose activations are blocked.

use std::fmt;

use time::OffsetDateTime;

use super::error::shown;
use super::{BlockedSubjectSpec, Meta, WatchlistError, Watchlists};
use crate::env::hash_index::{HashIndex, content_seed, same_text, text_key};
use crate::model::national_id::NationalId;

/// A sorted set of strings stored contiguously (one buffer and the end offset of each
/// string), indexed by hash: a lookup costs a hash of the key, a slot or two and one inline
/// comparison whatever the list's size (a binary search made `log2 n` `memcmp` calls). The
/// hash is seeded from the set's own content, so that nobody can write a list whose ids
/// crowd the index; should a list crowd it anyway, lookups fall back to a binary search (see
/// [`crate::env::hash_index`]).
#[derive(Clone, PartialEq, Eq)]
pub(super) struct StrSet {
    pub(super) text: Box<str>,
    pub(super) ends: Box<[usize]>,
    pub(super) seed: u64,
    /// `None` when the ids crowded the index: binary search instead.
    pub(super) index: Option<HashIndex>,
}

impl StrSet {
    /// `sorted` must be sorted and deduplicated.
    pub(super) fn from_sorted<'a>(sorted: impl ExactSizeIterator<Item = &'a str> + Clone) -> Self {
        let total = sorted.clone().map(str::len).sum();
        let mut text = String::with_capacity(total);
        let mut ends = Vec::with_capacity(sorted.len());
        for id in sorted {
            text.push_str(id);
            ends.push(text.len());
        }
        let mut set = Self {
            seed: content_seed(&text),
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
            index: None,
        };
        set.index = HashIndex::build(set.iter().map(|id| text_key(set.seed, id)));
        set
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(super) fn get(&self, index: usize) -> Option<&str> {
        let start = match index.checked_sub(1) {
            None => 0,
            Some(previous) => *self.ends.get(previous)?,
        };
        self.text.get(start..*self.ends.get(index)?)
    }

    /// The position of `key`: one hash, `O(1)` expected probes (at most
    /// [`MAX_RUN`](crate::env::hash_index::MAX_RUN)), no allocation.
    #[inline]
    pub(super) fn find(&self, key: &str) -> Option<usize> {
        let Some(index) = &self.index else {
            return self.search(key);
        };
        let (hash, tag) = text_key(self.seed, key);
        index.find(hash, tag, |i| {
            self.get(i).is_some_and(|id| same_text(id, key))
        })
    }

    /// Binary search, for a set whose ids crowded the hash index.
    #[cold]
    #[inline(never)]
    pub(super) fn search(&self, key: &str) -> Option<usize> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.get(middle)?.cmp(key) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    pub(super) fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|index| self.get(index).unwrap_or_default())
    }
}

fn credential_error(list: &str, index: usize, value: &str, reason: &'static str) -> WatchlistError {
    WatchlistError::InvalidCredential {
        list: list.to_owned(),
        index,
        value: shown(value),
        reason,
    }
}

/// Which ids a list holds, and how an entry is checked.
#[derive(Clone, Copy)]
pub(super) enum Ids {
    /// e-CPS credential ids: 1 to [`Watchlists::MAX_CREDENTIAL_LEN`] bytes, kept as written.
    Credentials,
    /// Subjects: what a login's subject can be, of a documented kind or none, never one that
    /// fails its kind's check.
    Subjects,
}

impl Ids {
    fn check(self, list: &str, index: usize, id: &str) -> Result<(), WatchlistError> {
        let subject_error = |rule| WatchlistError::InvalidSubject {
            list: list.to_owned(),
            index,
            value: shown(id),
            rule,
        };
        match self {
            Ids::Credentials if id.is_empty() => {
                Err(credential_error(list, index, id, "it is empty"))
            }
            Ids::Credentials if id.len() > Watchlists::MAX_CREDENTIAL_LEN => Err(credential_error(
                list,
                index,
                id,
                "it is longer than 128 bytes",
            )),
            Ids::Credentials => Ok(()),
            Ids::Subjects => match NationalId::parse(id) {
                Err(e) => Err(subject_error(e.rule())),
                Ok(subject) => subject
                    .check_failure()
                    .map_or(Ok(()), |rule| Err(subject_error(rule))),
            },
        }
    }
}

fn compile_ids<'a>(
    list: &str,
    ids: impl Iterator<Item = &'a str>,
    kind: Ids,
) -> Result<StrSet, WatchlistError> {
    let mut sorted = Vec::new();
    for (index, id) in ids.enumerate() {
        kind.check(list, index, id)?;
        sorted.push(id);
    }
    sorted.sort_unstable();
    sorted.dedup();
    Ok(StrSet::from_sorted(sorted.into_iter()))
}

/// A compiled set of exact ids: the one type behind [`CredentialList`] and [`SubjectList`].
#[derive(Clone, PartialEq, Eq)]
pub struct IdList {
    pub(super) meta: Meta,
    ids: StrSet,
}

/// A compiled set of deactivated e-CPS credential ids.
pub type CredentialList = IdList;

/// A compiled set of national ids under alert.
pub type SubjectList = IdList;

impl IdList {
    pub(super) fn compile(
        meta: Meta,
        entries: &[String],
        kind: Ids,
    ) -> Result<Self, WatchlistError> {
        let ids = compile_ids(&meta.name, entries.iter().map(String::as_str), kind)?;
        Ok(IdList { meta, ids })
    }

    /// The list name.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// The list description, if any.
    pub fn description(&self) -> Option<&str> {
        self.meta.description.as_deref()
    }

    /// Whether the id is on the list (exact, byte-wise comparison; a hash lookup, no
    /// allocation).
    pub fn contains(&self, id: &str) -> bool {
        self.ids.find(id).is_some()
    }

    /// The number of distinct ids.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the list has no ids.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ids, sorted.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.ids.iter()
    }
}

impl fmt::Debug for IdList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdList")
            .field("name", &self.meta.name)
            .field("description", &self.meta.description)
            .field("len", &self.len())
            .finish()
    }
}

/// A compiled set of national ids whose new e-CPS activations are blocked, with the date of each
/// block.
#[derive(Clone, PartialEq, Eq)]
pub struct BlockedSubjectList {
    pub(super) meta: Meta,
    ids: StrSet,
    /// `since[i]` is the block date of subject `i` of `ids`.
    since: Box<[OffsetDateTime]>,
}

impl BlockedSubjectList {
    pub(super) fn compile(
        meta: Meta,
        entries: &[BlockedSubjectSpec],
    ) -> Result<Self, WatchlistError> {
        let mut sorted = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            Ids::Subjects.check(&meta.name, index, &entry.subject)?;
            sorted.push((entry.subject.as_str(), entry.since));
        }
        // Stable sort: for a subject blocked twice at the same instant, the first one written
        // (and its UTC offset) is kept.
        sorted.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
        sorted.dedup_by(|later, earlier| later.0 == earlier.0);
        Ok(Self {
            meta,
            ids: StrSet::from_sorted(sorted.iter().map(|(subject, _)| *subject)),
            since: sorted.iter().map(|(_, since)| *since).collect(),
        })
    }

    /// The list name.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// The list description, if any.
    pub fn description(&self) -> Option<&str> {
        self.meta.description.as_deref()
    }

    /// When new activations were blocked for this national id (the earliest date if it was
    /// listed more than once), `None` if it is not on the list (exact, byte-wise comparison;
    /// a hash lookup, no allocation).
    pub fn blocked_since(&self, subject: &str) -> Option<OffsetDateTime> {
        self.since.get(self.ids.find(subject)?).copied()
    }

    /// Whether the national id is on the list.
    pub fn contains(&self, subject: &str) -> bool {
        self.ids.find(subject).is_some()
    }

    /// The number of distinct subjects.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the list has no subjects.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The subjects, sorted, with their block date.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, OffsetDateTime)> + '_ {
        self.ids.iter().zip(self.since.iter().copied())
    }
}

impl fmt::Debug for BlockedSubjectList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockedSubjectList")
            .field("name", &self.meta.name)
            .field("description", &self.meta.description)
            .field("len", &self.len())
            .finish()
    }
}
