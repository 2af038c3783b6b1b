//! The wire form of watchlists: what a provider writes, before validation.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The wire form of a set of watchlists, before validation.
///
/// ```json
/// { "lists": [
///   { "name": "hospital_networks", "kind": "ip", "description": "CHU networks",
///     "entries": ["10.20.0.0/16", "2001:db8:100::/48", "192.0.2.7"] },
///   { "name": "deactivated_ecps", "kind": "credentials", "entries": ["ecps-1234"] },
///   { "name": "blocked_activations", "kind": "blocked_subjects",
///     "entries": [{"subject": "810001234573", "since": "2025-10-08T00:00:00Z"}] },
///   { "name": "under_alert", "kind": "subjects", "entries": ["810001234573"] } ] }
/// ```
///
/// Unknown fields are rejected. Compile it with [`Watchlists::compile`](super::Watchlists::compile).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct WatchlistsSpec {
    /// The lists, in any order; names must be unique.
    pub lists: Vec<WatchlistSpec>,
}
crate::model::wire::map_only!(WatchlistsSpec);

/// The wire form of one watchlist, tagged by its `kind`.
///
/// `description` is optional free text, kept as is. `entries` is required (it may be empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    tag = "kind",
    rename_all = "snake_case",
    deny_unknown_fields
)]
#[non_exhaustive]
pub enum WatchlistSpec {
    /// A set of IP networks (`kind = "ip"`).
    Ip {
        /// The list name: 1 to 64 characters among `a-z`, `0-9`, `_`, `.`, `-`.
        name: String,
        /// Free text describing the list.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// Networks in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`) or bare addresses (a host
        /// route: `/32` or `/128`).
        entries: Vec<String>,
    },
    /// Deactivated e-CPS credential ids (`kind = "credentials"`).
    Credentials {
        /// The list name: 1 to 64 characters among `a-z`, `0-9`, `_`, `.`, `-`.
        name: String,
        /// Free text describing the list.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// Credential ids, compared exactly (no trimming, case-sensitive), 1 to 128 bytes.
        entries: Vec<String>,
    },
    /// National ids whose new e-CPS activations are blocked (`kind = "blocked_subjects"`).
    BlockedSubjects {
        /// The list name: 1 to 64 characters among `a-z`, `0-9`, `_`, `.`, `-`.
        name: String,
        /// Free text describing the list.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// The blocked subjects and the date of their block.
        entries: Vec<BlockedSubjectSpec>,
    },
    /// National ids under alert (`kind = "subjects"`).
    Subjects {
        /// The list name: 1 to 64 characters among `a-z`, `0-9`, `_`, `.`, `-`.
        name: String,
        /// Free text describing the list.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// National ids (idNat_PS), compared exactly, 1 to 64 bytes.
        entries: Vec<String>,
    },
}
crate::model::wire::map_only!(WatchlistSpec);

impl WatchlistSpec {
    /// The name of the list, as written.
    pub fn name(&self) -> &str {
        match self {
            Self::Ip { name, .. }
            | Self::Credentials { name, .. }
            | Self::BlockedSubjects { name, .. }
            | Self::Subjects { name, .. } => name,
        }
    }

    /// The kind of the list.
    pub fn kind(&self) -> WatchlistKind {
        match self {
            Self::Ip { .. } => WatchlistKind::Ip,
            Self::Credentials { .. } => WatchlistKind::Credentials,
            Self::BlockedSubjects { .. } => WatchlistKind::BlockedSubjects,
            Self::Subjects { .. } => WatchlistKind::Subjects,
        }
    }

    /// The description of the list, if any.
    pub fn description(&self) -> Option<&str> {
        match self {
            Self::Ip { description, .. }
            | Self::Credentials { description, .. }
            | Self::BlockedSubjects { description, .. }
            | Self::Subjects { description, .. } => description.as_deref(),
        }
    }

    /// The number of entries, as written (before deduplication).
    pub fn entry_count(&self) -> usize {
        match self {
            Self::Ip { entries, .. }
            | Self::Credentials { entries, .. }
            | Self::Subjects { entries, .. } => entries.len(),
            Self::BlockedSubjects { entries, .. } => entries.len(),
        }
    }
}

/// One entry of a `blocked_subjects` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct BlockedSubjectSpec {
    /// The national id (idNat_PS), compared exactly, 1 to 64 bytes.
    pub subject: String,
    /// When new activations were blocked, RFC 3339 (for example `2025-10-08T00:00:00Z`; in TOML,
    /// write it as a quoted string).
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}
crate::model::wire::map_only!(BlockedSubjectSpec);

/// The kind of a watchlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WatchlistKind {
    /// IP networks (`ip`).
    Ip,
    /// Deactivated e-CPS credential ids (`credentials`).
    Credentials,
    /// National ids whose new e-CPS activations are blocked (`blocked_subjects`).
    BlockedSubjects,
    /// National ids under alert (`subjects`).
    Subjects,
}

impl WatchlistKind {
    /// The wire name of the kind (`ip`, `credentials`, `blocked_subjects`, `subjects`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ip => "ip",
            Self::Credentials => "credentials",
            Self::BlockedSubjects => "blocked_subjects",
            Self::Subjects => "subjects",
        }
    }
}

impl fmt::Display for WatchlistKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
