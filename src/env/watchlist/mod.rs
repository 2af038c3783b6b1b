//! Watchlists: named lists loaded once from data (typically after an ANS alert), compiled into
//! an immutable structure and looked up on every login.
//!
//! Four kinds of lists exist (see [`WatchlistKind`]):
//!
//! * `ip`: a set of IPv4 and IPv6 networks (deny lists, trusted hospital networks, anonymizer
//!   ranges), looked up with [`IpList::lookup`] (longest-prefix match);
//! * `credentials`: deactivated e-CPS credential ids, see [`CredentialList`];
//! * `blocked_subjects`: national ids (idNat_PS) whose new e-CPS activations are blocked, each
//!   with the date of the block, see [`BlockedSubjectList`];
//! * `subjects`: national ids under alert, see [`SubjectList`].
//!
//! The wire form is [`WatchlistsSpec`] (serde, any format); [`Watchlists::compile`] validates it.
//! [`Watchlists`] also deserializes directly from the wire form and serializes back to it
//! (normalized: sorted, deduplicated, canonical networks).
//!
//! Lookups never allocate and never scan a list linearly: id lists are binary searches over
//! sorted, contiguous arrays, IP lists a static B-tree over disjoint address ranges (see
//! [`IpList`]).

mod error;
mod ids;
mod ip;
mod name;
mod spec;

#[cfg(test)]
mod crafted_ids_tests;
#[cfg(test)]
mod list_name_tests;
#[cfg(test)]
mod tests;

pub use error::WatchlistError;
pub use ids::{BlockedSubjectList, CredentialList, IdList, SubjectList};
pub use ip::IpList;
pub use name::ListName;
pub use spec::{BlockedSubjectSpec, WatchlistKind, WatchlistSpec, WatchlistsSpec};

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::env::hash_index::HashIndex;
use ids::Ids;
use name::name_key;

/// A compiled, immutable set of named watchlists.
///
/// Build it once with [`Watchlists::compile`] (or deserialize it directly from the wire form
/// [`WatchlistsSpec`]), share it behind an `Arc` with every request thread (it is
/// `Send + Sync`), and look lists up by name on each login. Every lookup is allocation-free and
/// logarithmic. Lists are kept sorted by name, so iteration and serialization are deterministic.
///
/// ```
/// use std::net::IpAddr;
/// use ecps_risk::{Watchlists, env::WatchlistKind};
///
/// let lists: Watchlists = serde_json::from_str(r#"{ "lists": [
///   { "name": "hospital_networks", "kind": "ip", "description": "CHU networks",
///     "entries": ["10.20.0.0/16", "10.20.30.0/24", "2001:db8:100::/48", "192.0.2.7"] },
///   { "name": "deactivated_ecps", "kind": "credentials", "entries": ["ecps-1234"] },
///   { "name": "blocked_activations", "kind": "blocked_subjects",
///     "entries": [{"subject": "810001234573", "since": "2025-10-08T00:00:00Z"}] },
///   { "name": "under_alert", "kind": "subjects", "entries": ["810001234573"] } ] }"#)?;
///
/// let hospitals = lists.ip_list("hospital_networks").ok_or("no such ip list")?;
/// let ip: IpAddr = "10.20.30.40".parse()?;
/// assert_eq!(hospitals.lookup(ip), Some("10.20.30.0/24".parse()?)); // the most specific one
/// assert!(hospitals.contains("::ffff:10.20.1.1".parse()?)); // IPv4-mapped IPv6
/// assert!(!hospitals.contains("192.0.2.8".parse()?));
///
/// assert_eq!(lists.kind_of("deactivated_ecps"), Some(WatchlistKind::Credentials));
/// assert!(lists.ip_list("deactivated_ecps").is_none()); // wrong kind
/// let revoked = lists.credential_list("deactivated_ecps").ok_or("no such credential list")?;
/// assert!(revoked.contains("ecps-1234"));
///
/// let blocked = lists.blocked_subject_list("blocked_activations").ok_or("no such list")?;
/// assert_eq!(blocked.blocked_since("810001234573"),
///            Some(time::macros::datetime!(2025-10-08 00:00 UTC)));
///
/// assert_eq!(lists.names().collect::<Vec<_>>(),
///            ["blocked_activations", "deactivated_ecps", "hospital_networks", "under_alert"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "WatchlistsSpec")]
pub struct Watchlists {
    /// Sorted by name, names unique.
    lists: Box<[Watchlist]>,
    /// `lists` by name key. Policies look lists up by [`ListName`], whose key is computed
    /// once when the policy is read, so a lookup on the hot path reads a slot or two (a binary
    /// search was a chain of dependent loads, paid by every list-based detector on every
    /// login). `None` if the names crowded the index: [`Watchlists::get`] instead.
    by_name: Option<HashIndex<u128>>,
}

impl Default for Watchlists {
    fn default() -> Self {
        Watchlists {
            lists: Box::default(),
            // What indexing no names gives, so that an empty set equals a compiled empty set.
            by_name: Some(HashIndex::default()),
        }
    }
}

impl Watchlists {
    /// The maximum number of lists.
    pub const MAX_LISTS: usize = 1024;
    /// The maximum number of entries in one list (counted as written, before deduplication).
    pub const MAX_ENTRIES: usize = 2_000_000;
    /// The maximum length of a list name, in characters.
    pub const MAX_NAME_LEN: usize = 64;
    /// The maximum length of a credential id, in bytes.
    pub const MAX_CREDENTIAL_LEN: usize = 128;
    /// The maximum length of a subject id (idNat_PS), in bytes.
    pub const MAX_SUBJECT_LEN: usize = 64;

    /// No lists at all.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Validates and compiles the wire form.
    ///
    /// * names: 1 to [`Self::MAX_NAME_LEN`] characters among `a-z`, `0-9`, `_`, `.`, `-`,
    ///   unique; at most [`Self::MAX_LISTS`] lists of at most [`Self::MAX_ENTRIES`] entries;
    /// * `ip` entries: `address/len` or a bare address (a host route, `/32` or `/128`), with
    ///   the standard address syntax (no leading zeros in IPv4 octets) and a decimal prefix
    ///   length. Host bits are accepted and cleared (`10.1.2.3/8` is `10.0.0.0/8`).
    ///   IPv4-mapped IPv6 networks (`::ffff:10.0.0.0/104`) are converted to their IPv4
    ///   equivalent (`10.0.0.0/8`); one with a prefix shorter than `/96` is an error.
    ///   Duplicate and overlapping networks are allowed;
    /// * credential ids: 1 to [`Self::MAX_CREDENTIAL_LEN`] bytes; subjects: what a login's
    ///   subject can be ([`NationalId::parse`](crate::NationalId::parse): 1 to
    ///   [`Self::MAX_SUBJECT_LEN`] bytes of visible ASCII), and not one that fails the check
    ///   of its kind (`810001234564`: a Luhn typo no login can match); both kept exactly as
    ///   written (no trimming, no case folding: `"810001234565 "` from a CSV is refused, not
    ///   silently never matched); duplicates are allowed. A subject blocked twice keeps the
    ///   earliest date;
    /// * an empty list is allowed.
    ///
    /// # Errors
    ///
    /// The first problem found, in list order then entry order, as a [`WatchlistError`] naming
    /// the list and, for an entry, its index and value.
    pub fn compile(spec: WatchlistsSpec) -> Result<Self, WatchlistError> {
        Self::compile_ref(&spec)
    }

    fn compile_ref(spec: &WatchlistsSpec) -> Result<Self, WatchlistError> {
        if spec.lists.len() > Self::MAX_LISTS {
            return Err(WatchlistError::TooManyLists {
                count: spec.lists.len(),
                max: Self::MAX_LISTS,
            });
        }
        let mut seen = HashSet::with_capacity(spec.lists.len());
        let mut lists = Vec::with_capacity(spec.lists.len());
        for list in &spec.lists {
            let name = list.name();
            ListName::new(name)?;
            if !seen.insert(name) {
                return Err(WatchlistError::DuplicateName {
                    name: name.to_owned(),
                });
            }
            if list.entry_count() > Self::MAX_ENTRIES {
                return Err(WatchlistError::TooManyEntries {
                    list: name.to_owned(),
                    count: list.entry_count(),
                    max: Self::MAX_ENTRIES,
                });
            }
            lists.push(Watchlist::compile(list)?);
        }
        lists.sort_unstable_by(|a, b| a.name().cmp(b.name()));
        let by_name = HashIndex::build(lists.iter().map(|list| {
            let key = name_key(list.name());
            (key as u64, key)
        }));
        Ok(Self {
            lists: lists.into_boxed_slice(),
            by_name,
        })
    }

    /// The normalized wire form: lists sorted by name, entries sorted and deduplicated,
    /// networks canonical. Compiling it gives back an equal value.
    pub fn to_spec(&self) -> WatchlistsSpec {
        WatchlistsSpec {
            lists: self.lists.iter().map(Watchlist::to_spec).collect(),
        }
    }

    /// The number of lists.
    pub fn len(&self) -> usize {
        self.lists.len()
    }

    /// Whether there are no lists.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// The list names, in sorted order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> + DoubleEndedIterator + '_ {
        self.lists.iter().map(Watchlist::name)
    }

    /// The lists, sorted by name.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Watchlist> + DoubleEndedIterator + '_ {
        self.lists.iter()
    }

    /// The list with this name, of any kind (binary search over the names).
    pub fn get(&self, name: &str) -> Option<&Watchlist> {
        let index = self
            .lists
            .binary_search_by(|list| list.name().cmp(name))
            .ok()?;
        self.lists.get(index)
    }

    /// The list a policy refers to (the hot-path form of [`Watchlists::get`]).
    pub fn get_named(&self, name: &ListName) -> Option<&Watchlist> {
        match &self.by_name {
            Some(by_name) => self
                .lists
                .get(by_name.find(name.key as u64, name.key, |_| true)?),
            None => self.get_crowded(name),
        }
    }

    /// [`Watchlists::get_named`] when the names crowded the index: out of the hot path.
    #[cold]
    #[inline(never)]
    fn get_crowded(&self, name: &ListName) -> Option<&Watchlist> {
        self.get(name.as_str())
    }

    /// The kind of the list with this name, `None` if there is no such list.
    pub fn kind_of(&self, name: &str) -> Option<WatchlistKind> {
        self.get(name).map(Watchlist::kind)
    }

    /// The `ip` list with this name; `None` if there is no such list or it has another kind
    /// (tell them apart with [`Self::kind_of`]).
    pub fn ip_list(&self, name: &str) -> Option<&IpList> {
        self.get(name)?.as_ip()
    }

    /// The `credentials` list with this name; `None` if there is no such list or it has another
    /// kind.
    pub fn credential_list(&self, name: &str) -> Option<&CredentialList> {
        self.get(name)?.as_credentials()
    }

    /// The `blocked_subjects` list with this name; `None` if there is no such list or it has
    /// another kind.
    pub fn blocked_subject_list(&self, name: &str) -> Option<&BlockedSubjectList> {
        self.get(name)?.as_blocked_subjects()
    }

    /// The `subjects` list with this name; `None` if there is no such list or it has another
    /// kind.
    pub fn subject_list(&self, name: &str) -> Option<&SubjectList> {
        self.get(name)?.as_subjects()
    }
}

impl TryFrom<WatchlistsSpec> for Watchlists {
    type Error = WatchlistError;

    fn try_from(spec: WatchlistsSpec) -> Result<Self, Self::Error> {
        Self::compile(spec)
    }
}

impl From<&Watchlists> for WatchlistsSpec {
    fn from(lists: &Watchlists) -> Self {
        lists.to_spec()
    }
}

impl Serialize for Watchlists {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_spec().serialize(serializer)
    }
}

impl fmt::Debug for Watchlists {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.lists.iter()).finish()
    }
}

/// One compiled watchlist, of any kind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Watchlist {
    /// A set of IP networks.
    Ip(IpList),
    /// Deactivated e-CPS credential ids.
    Credentials(CredentialList),
    /// National ids whose new e-CPS activations are blocked.
    BlockedSubjects(BlockedSubjectList),
    /// National ids under alert.
    Subjects(SubjectList),
}

impl Watchlist {
    /// The IP list, if this is one.
    pub fn as_ip(&self) -> Option<&IpList> {
        match self {
            Watchlist::Ip(list) => Some(list),
            _ => None,
        }
    }

    /// The credential list, if this is one.
    pub fn as_credentials(&self) -> Option<&CredentialList> {
        match self {
            Watchlist::Credentials(list) => Some(list),
            _ => None,
        }
    }

    /// The blocked-subject list, if this is one.
    pub fn as_blocked_subjects(&self) -> Option<&BlockedSubjectList> {
        match self {
            Watchlist::BlockedSubjects(list) => Some(list),
            _ => None,
        }
    }

    /// The subject list, if this is one.
    pub fn as_subjects(&self) -> Option<&SubjectList> {
        match self {
            Watchlist::Subjects(list) => Some(list),
            _ => None,
        }
    }

    fn compile(spec: &WatchlistSpec) -> Result<Self, WatchlistError> {
        Ok(match spec {
            WatchlistSpec::Ip {
                name,
                description,
                entries,
            } => Self::Ip(IpList::compile(
                Meta::new(name, description.as_deref()),
                entries,
            )?),
            WatchlistSpec::Credentials {
                name,
                description,
                entries,
            } => Self::Credentials(IdList::compile(
                Meta::new(name, description.as_deref()),
                entries,
                Ids::Credentials,
            )?),
            WatchlistSpec::BlockedSubjects {
                name,
                description,
                entries,
            } => Self::BlockedSubjects(BlockedSubjectList::compile(
                Meta::new(name, description.as_deref()),
                entries,
            )?),
            WatchlistSpec::Subjects {
                name,
                description,
                entries,
            } => Self::Subjects(IdList::compile(
                Meta::new(name, description.as_deref()),
                entries,
                Ids::Subjects,
            )?),
        })
    }

    fn meta(&self) -> &Meta {
        match self {
            Self::Ip(list) => &list.meta,
            Self::Credentials(list) => &list.meta,
            Self::BlockedSubjects(list) => &list.meta,
            Self::Subjects(list) => &list.meta,
        }
    }

    /// The list name.
    pub fn name(&self) -> &str {
        &self.meta().name
    }

    /// The list description, if any.
    pub fn description(&self) -> Option<&str> {
        self.meta().description.as_deref()
    }

    /// The kind of the list.
    pub fn kind(&self) -> WatchlistKind {
        match self {
            Self::Ip(_) => WatchlistKind::Ip,
            Self::Credentials(_) => WatchlistKind::Credentials,
            Self::BlockedSubjects(_) => WatchlistKind::BlockedSubjects,
            Self::Subjects(_) => WatchlistKind::Subjects,
        }
    }

    /// The number of distinct entries.
    pub fn len(&self) -> usize {
        match self {
            Self::Ip(list) => list.len(),
            Self::Credentials(list) => list.len(),
            Self::BlockedSubjects(list) => list.len(),
            Self::Subjects(list) => list.len(),
        }
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The normalized wire form of this list.
    pub fn to_spec(&self) -> WatchlistSpec {
        let name = self.name().to_owned();
        let description = self.description().map(str::to_owned);
        match self {
            Self::Ip(list) => WatchlistSpec::Ip {
                name,
                description,
                entries: list.networks().map(|net| net.to_string()).collect(),
            },
            Self::Credentials(list) => WatchlistSpec::Credentials {
                name,
                description,
                entries: list.iter().map(str::to_owned).collect(),
            },
            Self::BlockedSubjects(list) => WatchlistSpec::BlockedSubjects {
                name,
                description,
                entries: list
                    .iter()
                    .map(|(subject, since)| BlockedSubjectSpec {
                        subject: subject.to_owned(),
                        since,
                    })
                    .collect(),
            },
            Self::Subjects(list) => WatchlistSpec::Subjects {
                name,
                description,
                entries: list.iter().map(str::to_owned).collect(),
            },
        }
    }
}

/// Name and description of a compiled list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Meta {
    name: Box<str>,
    description: Option<Box<str>>,
}

impl Meta {
    fn new(name: &str, description: Option<&str>) -> Self {
        Self {
            name: name.into(),
            description: description.map(Into::into),
        }
    }
}
