//! Risk scoring for Pro Santé Connect logins made with an e-CPS.
#![forbid(unsafe_code)]

mod watchlist;

pub use watchlist::{
    BlockedSubjectList, BlockedSubjectSpec, CredentialList, IpList, SubjectList, Watchlist,
    WatchlistError, WatchlistKind, WatchlistSpec, Watchlists, WatchlistsSpec,
};
