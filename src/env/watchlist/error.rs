//! Why a set of watchlists could not be compiled.

use crate::model::national_id::IdRule;

/// Why a [`WatchlistsSpec`](super::WatchlistsSpec) could not be compiled.
///
/// Offending values longer than 100 characters are shortened (with a trailing `…`) in the error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WatchlistError {
    /// More than [`Watchlists::MAX_LISTS`](super::Watchlists::MAX_LISTS) lists.
    #[error("too many watchlists: {count}, at most {max}")]
    TooManyLists {
        /// The number of lists in the spec.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A list name is empty, too long or uses a forbidden character.
    #[error("watchlist name `{name}` is invalid: {reason}")]
    InvalidName {
        /// The offending name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two lists have the same name.
    #[error("watchlist `{name}` is defined more than once")]
    DuplicateName {
        /// The duplicated name.
        name: String,
    },
    /// A list has more than [`Watchlists::MAX_ENTRIES`](super::Watchlists::MAX_ENTRIES) entries.
    #[error("watchlist `{list}` has too many entries: {count}, at most {max}")]
    TooManyEntries {
        /// The list name.
        list: String,
        /// The number of entries in the list.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// An entry of an `ip` list is neither a network in CIDR notation nor an IP address.
    #[error("watchlist `{list}`: entry {index} `{value}` is not an IP network")]
    InvalidNetwork {
        /// The list name.
        list: String,
        /// The index of the entry in the list (from 0).
        index: usize,
        /// The offending entry.
        value: String,
    },
    /// An entry of an `ip` list is an IPv4-mapped IPv6 network (in `::ffff:0:0/96`) with a prefix
    /// shorter than `/96`, which has no IPv4 equivalent.
    #[error(
        "watchlist `{list}`: entry {index} `{value}` is an IPv4-mapped IPv6 network with a prefix shorter than /96"
    )]
    UnmappableNetwork {
        /// The list name.
        list: String,
        /// The index of the entry in the list (from 0).
        index: usize,
        /// The offending entry.
        value: String,
    },
    /// An entry of a `credentials` list is empty or longer than
    /// [`Watchlists::MAX_CREDENTIAL_LEN`](super::Watchlists::MAX_CREDENTIAL_LEN) bytes.
    #[error("watchlist `{list}`: entry {index} `{value}` is not a valid credential id: {reason}")]
    InvalidCredential {
        /// The list name.
        list: String,
        /// The index of the entry in the list (from 0).
        index: usize,
        /// The offending entry.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A subject of a `subjects` or `blocked_subjects` list is not one PSC can send: it is
    /// read like the subject of a login ([`NationalId::parse`](crate::NationalId::parse): no
    /// space, control or non-ASCII character, at most [`Watchlists::MAX_SUBJECT_LEN`](super::Watchlists::MAX_SUBJECT_LEN) bytes),
    /// and one that fails the check of the form its prefix announces (an RPPS number with a
    /// wrong Luhn digit: a typo) is refused too, since no login could ever match it.
    #[error("watchlist `{list}`: entry {index} `{value}` is not a valid subject id: {rule}")]
    InvalidSubject {
        /// The list name.
        list: String,
        /// The index of the entry in the list (from 0).
        index: usize,
        /// The offending entry (shortened, control characters escaped).
        value: String,
        /// The rule it breaks.
        #[source]
        rule: IdRule,
    },
}

/// A value quoted in an error: cut after 100 characters, so that a huge bogus entry cannot
/// produce a huge message, its control characters escaped (see `text::shown`).
pub(super) fn shown(value: &str) -> String {
    crate::model::text::shown(value, 100)
}
