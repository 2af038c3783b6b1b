//! List names: the one check every name goes through, and the key a list is found by.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::shown;
use super::{WatchlistError, Watchlists};
use crate::model::digest::Digest128;

/// A watchlist name, checked, with its lookup key computed once: how policies refer to lists.
///
/// The one validation of list names: [`Watchlists::compile`] and policies (their declared
/// lists and each detector's `lists`) both check names with [`ListName::new`], so a name one
/// refuses the other refuses too, with the same message — a policy cannot name a list that no
/// [`Watchlists`] can ever hold.
///
/// ```
/// use ecps_risk::env::ListName;
///
/// assert_eq!(ListName::new("trusted_networks")?.as_str(), "trusted_networks");
/// assert_eq!(
///     ListName::new("Denied_Networks").unwrap_err().to_string(),
///     "watchlist name `Denied_Networks` is invalid: only `a-z`, `0-9`, `_`, `.` and `-` are allowed"
/// );
/// # Ok::<(), ecps_risk::WatchlistError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ListName {
    name: Box<str>,
    pub(super) key: u128,
}

/// The key a list is found by: the name's SHA-256, cut to 128 bits. Two names with the same
/// key are the same name (a collision would take about 2^64 attempts, and names are the
/// provider's own), so a lookup compares keys only and never reaches for the name's text:
/// that chain of loads was most of the cost of the six list lookups of every login.
pub(super) fn name_key(name: &str) -> u128 {
    u128::from_be_bytes(*Digest128::of("ecps-risk/watchlist-name", &[name.as_bytes()]).as_bytes())
}

impl ListName {
    /// A list name: 1 to [`Watchlists::MAX_NAME_LEN`] characters among `a-z`, `0-9`, `_`,
    /// `.`, `-`.
    ///
    /// # Errors
    ///
    /// [`WatchlistError::InvalidName`], naming the name (shortened) and what is wrong.
    pub fn new(name: &str) -> Result<Self, WatchlistError> {
        check_name(name)?;
        Ok(ListName {
            name: name.into(),
            key: name_key(name),
        })
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.name
    }
}

impl std::str::FromStr for ListName {
    type Err = WatchlistError;

    fn from_str(name: &str) -> Result<Self, WatchlistError> {
        ListName::new(name)
    }
}

impl TryFrom<String> for ListName {
    type Error = WatchlistError;

    fn try_from(name: String) -> Result<Self, WatchlistError> {
        ListName::new(&name)
    }
}

// Ordered, compared and borrowed as the name: the key is a function of it.
impl Ord for ListName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name.cmp(&other.name)
    }
}

impl PartialOrd for ListName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::borrow::Borrow<str> for ListName {
    fn borrow(&self) -> &str {
        &self.name
    }
}

impl From<ListName> for String {
    fn from(n: ListName) -> String {
        n.name.into()
    }
}

impl fmt::Debug for ListName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.name, f)
    }
}

impl fmt::Display for ListName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

pub(super) fn check_name(name: &str) -> Result<(), WatchlistError> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.chars().count() > Watchlists::MAX_NAME_LEN {
        "it is longer than 64 characters"
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'))
    {
        "only `a-z`, `0-9`, `_`, `.` and `-` are allowed"
    } else {
        return Ok(());
    };
    Err(WatchlistError::InvalidName {
        name: shown(name),
        reason,
    })
}
