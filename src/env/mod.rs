//! Provider data compiled once and shared by every login: watchlists and population statistics,
//! bundled per request in an [`Environment`].

pub(crate) mod environment;
pub(crate) mod hash_index;
pub(crate) mod watchlist;

pub use environment::Environment;
pub use watchlist::{
    BlockedSubjectList, BlockedSubjectSpec, CredentialList, IdList, IpList, ListName, SubjectList,
    Watchlist, WatchlistError, WatchlistKind, WatchlistSpec, Watchlists, WatchlistsSpec,
};
