//! Provider data compiled once and shared by every login: watchlists and population statistics,
//! bundled per request in an [`Environment`](crate::Environment).

pub(crate) mod environment;
pub(crate) mod hash_index;
pub(crate) mod watchlist;
