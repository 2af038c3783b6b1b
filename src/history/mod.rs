//! What the caller stores between logins: the per-professional [`Profile`](crate::Profile),
//! provider-wide population frequencies, the bounded count tables both are made of, and the
//! likelihood-ratio anomaly score computed over them.

pub(crate) mod anomaly;
pub(crate) mod count_table;
pub(crate) mod feature_history;
pub(crate) mod population;
pub(crate) mod profile;
pub(crate) mod verdict;
