//! The built-in detectors, their parameters, and the trait custom detectors implement.
//!
//! A detector reads the context, the professional's profile and the provider-wide
//! [`Environment`], and returns a [`Signal`]. Built-in detectors never fail: a missing input is
//! [`Signal::NotEvaluated`]. They are grouped by what they look at: `ecps` (the credential and
//! the professional's partners' data), `auth` (PSC claims hygiene), `history` (the learned
//! profile), `network` (addresses, watchlists, client).

mod builtin;
pub(crate) mod catalog;
pub(crate) mod params;
pub(crate) mod signal;
pub(crate) mod slots;

pub use signal::{Evidence, EvidenceError, Missing, Signal};

#[cfg(test)]
pub(crate) use catalog::default_lists;
#[cfg(test)]
pub(crate) use catalog::detect;
pub(crate) use catalog::detect_all;
pub use catalog::{Concern, DetectorParams, SignalCode};
pub use params::{
    ActivationAfterContactChange, Anomaly, Assurance, ClockSkew, ColdStart, EcpsUnusual,
    Establishment, FreshActivation, ImpossibleTravel, ListParams, LocationMismatch, MultipleActive,
    NoParams, PushFatigue, PushReported, RecentChange, Stale, UnusualHour, VelocityBurst,
};

use std::fmt;

use crate::env::environment::Environment;
use crate::env::watchlist::ListName;
use crate::history::profile::Profile;
use crate::input::context::RiskContext;

/// What a detector sees.
#[derive(Clone, Copy, Debug)]
pub struct DetectorInput<'a> {
    /// The login.
    pub context: &'a RiskContext,
    /// The professional's history.
    pub profile: &'a Profile,
    /// Provider-wide watchlists and population statistics.
    pub environment: &'a Environment<'a>,
}

/// A detector written by the caller, in Rust, registered by name when a policy is compiled
/// (see [`Policy::compile_with`](crate::Policy::compile_with)) and usable in rule conditions
/// as `custom.<name>`.
///
/// An error, a panic, or a nonsensical result (evidence with a number outside its domain: see
/// [`Evidence::check`](crate::Evidence::check)) makes the evaluation **fail closed**: the
/// decision is at least the policy's `fail_closed` floor. Network evidence is kept no longer
/// than the address's /24 or /48, as for built-in detectors.
pub trait Detector: Send + Sync {
    /// Look at one login.
    fn detect(&self, input: &DetectorInput<'_>) -> Result<Signal, DetectorError>;
}

/// A custom detector could not decide.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DetectorError {
    message: String,
}

impl DetectorError {
    /// An error with a message for the audit log.
    pub fn new(message: impl fmt::Display) -> Self {
        DetectorError {
            message: message.to_string(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Seconds from `t` to the login (negative when `t` is later): integer arithmetic, cheaper on
/// every login than subtracting date-times.
pub(crate) fn seconds_before_login(i: &DetectorInput<'_>, t: time::OffsetDateTime) -> i64 {
    i.context.now_unix() - t.unix_timestamp()
}

/// The common shape of list-based detectors: a match in any supplied list is a hit; no match
/// is a no-hit only if every named list was supplied. Inlined into each list detector, as it
/// was when the detectors and the pass shared a module: called out of line it cost ~200
/// instructions per evaluation (`benches/instructions.sh`).
#[inline(always)]
pub(crate) fn any_list<'l, L: 'l>(
    names: &[ListName],
    get: impl Fn(&ListName) -> Option<&'l L>,
    mut matches: impl FnMut(&L) -> Option<crate::detect::signal::Evidence>,
) -> Signal {
    let mut missing = false;
    for name in names {
        match get(name) {
            Some(list) => {
                if let Some(evidence) = matches(list) {
                    return Signal::hit(evidence);
                }
            }
            None => missing = true,
        }
    }
    if missing {
        Signal::missing(Missing::Watchlist)
    } else {
        Signal::NoHit
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    //! Shared fixtures for the detector unit tests.
    use time::OffsetDateTime;
    use time::macros::datetime;

    use crate::input::context::{RiskContext, RiskContextBuilder};

    pub(crate) const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);
    pub(crate) const SUBJECT: &str = "810001234565";

    pub(crate) fn builder() -> RiskContextBuilder {
        RiskContext::builder(NOW, SUBJECT.parse().unwrap())
    }
}
