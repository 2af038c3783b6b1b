//! The parameter types of the built-in detectors, their defaults, and the checks a policy's
//! values pass when it is compiled ([`Parameters::check`]: a zero window or threshold would
//! silently disable a detector). Which detector takes which type is the catalogue's row.

use serde::{Deserialize, Serialize};

use crate::env::watchlist::ListName;
use crate::input::context::Acr;
use crate::model::geo::CountryCode;

/// Most watchlists one detector consults (each is looked up on every login).
pub const MAX_DETECTOR_LISTS: usize = 16;
/// Most countries in `practice.location_mismatch`'s `also_allowed` (ISO 3166-1 has 249).
pub const MAX_ALSO_ALLOWED: usize = 256;

/// A parameter out of its range: which, its value, and what it must be.
#[derive(Debug)]
pub(crate) struct ParamProblem {
    pub(crate) parameter: &'static str,
    pub(crate) value: String,
    pub(crate) problem: &'static str,
}

/// What the catalogue needs of every parameter type.
pub(crate) trait Parameters: Default {
    /// The parameters with their defaults, `lists` the detector's default watchlists (empty
    /// for a detector that reads none).
    fn with_default_lists(lists: &'static [&'static str]) -> Self {
        let _ = lists;
        Self::default()
    }

    /// The watchlists the detector consults.
    fn lists(&self) -> &[ListName] {
        &[]
    }

    /// `Ok` when every value is in its range.
    fn check(&self) -> Result<(), ParamProblem> {
        Ok(())
    }
}

/// A count or duration of 0 would disable the detector.
fn at_least_one(parameter: &'static str, value: u32) -> Result<(), ParamProblem> {
    if value == 0 {
        return Err(ParamProblem {
            parameter,
            value: "0".into(),
            problem: "must be at least 1",
        });
    }
    Ok(())
}

fn finite_positive(parameter: &'static str, value: f64) -> Result<(), ParamProblem> {
    if !(value.is_finite() && value > 0.0) {
        return Err(ParamProblem {
            parameter,
            value: value.to_string(),
            problem: "must be a positive number",
        });
    }
    Ok(())
}

fn share(parameter: &'static str, value: f64) -> Result<(), ParamProblem> {
    if !(value.is_finite() && (0.0..1.0).contains(&value)) {
        return Err(ParamProblem {
            parameter,
            value: value.to_string(),
            problem: "must be a number from 0 to below 1",
        });
    }
    Ok(())
}

/// A detector without parameters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct NoParams {}
crate::model::wire::map_only!(NoParams);

/// Which watchlists a list-based detector consults (any match fires). A named list the caller
/// does not supply makes the detector "not evaluated" unless another list already matched.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ListParams {
    /// Watchlist names.
    pub lists: Vec<ListName>,
}
crate::model::wire::map_only!(ListParams);

macro_rules! numeric_params {
    ($( $(#[$doc:meta])* $name:ident { $( $(#[$fdoc:meta])* $field:ident : $ty:ty = $default:expr ),* $(,)? } )*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
            #[serde(remote = "Self", deny_unknown_fields, default)]
            pub struct $name { $( $(#[$fdoc])* pub $field: $ty, )* }
            crate::model::wire::map_only!($name);

            impl Default for $name {
                fn default() -> Self { $name { $( $field: $default, )* } }
            }
        )*
    };
}

numeric_params! {
    /// `ecps.fresh_activation`: fires when the e-CPS is younger than this.
    FreshActivation { /** Hours (default 72). */ max_age_hours: u32 = 72 }
    /// `ecps.activation_after_contact_change`: fires when the activation follows an RPPS
    /// contact change by less than this.
    ActivationAfterContactChange { /** Days (default 30). */ max_gap_days: u32 = 30 }
    /// `ecps.multiple_active`: fires from this many active e-CPS.
    MultipleActive { /** Count (default 2). */ min_count: u32 = 2 }
    /// `contact.recent_change`: fires when the contact data changed less than this ago.
    RecentChange { /** Days (default 30). */ max_age_days: u32 = 30 }
    /// `push.fatigue`: fires from this many denied or expired requests in the window.
    PushFatigue {
        /** Count (default 3). */ min_failures: u32 = 3,
        /** Window in minutes (default 60). */ window_minutes: u32 = 60,
    }
    /// `push.reported`: fires when a report is this recent.
    PushReported { /** Days (default 30). */ window_days: u32 = 30 }
    /// `auth.assurance_below_required`: the lowest acceptable `acr`.
    Assurance { /** Level (default `eidas1`). */ required: Acr = Acr::Eidas1 }
    /// `auth.stale`: fires when `auth_time` is older than this.
    Stale { /** Minutes (default 720, PSC SSO sessions are long). */ max_age_minutes: u32 = 720 }
    /// `auth.clock_skew`: fires when `auth_time` or `iat` is later than the login by more.
    ClockSkew { /** Seconds (default 60). */ tolerance_seconds: u32 = 60 }
    /// `geo.impossible_travel`.
    ImpossibleTravel {
        /** Fastest plausible travel, km/h (default 900, an airliner). */ max_speed_kmh: f64 = 900.0,
        /** Distances (after accuracy margins) below this never fire, km (default 100). */ min_distance_km: f64 = 100.0,
    }
    /// `time.unusual_hour`.
    UnusualHour {
        /** Logins needed before habits count (default 10). */ min_logins: u32 = 10,
        /** Fires below this share of past logins around the hour (default 0.02). */ max_share: f64 = 0.02,
    }
    /// `velocity.burst`: fires from this many good logins in the window, this one included.
    VelocityBurst {
        /** Count (default 5). */ min_logins: u32 = 5,
        /** Window in minutes (default 10). */ window_minutes: u32 = 10,
    }
    /// `ecps.unproven_device`, `network.unproven`: when a device or network the professional
    /// was seen with becomes theirs without the card (a `CARD` login or a card step-up, or a
    /// person's confirmation, establish it at once).
    Establishment {
        /** Good logins with it (default 3). */ min_logins: u32 = 3,
        /** Days from the first of them to the last (default 3). */ min_days: u32 = 3,
    }
    /// `auth.ecps_unusual`: an e-CPS login for a professional who (almost) always uses the card.
    EcpsUnusual {
        /** Good logins with a known means needed before the habit counts (default 10). */ min_logins: u32 = 10,
        /** Fires when the e-CPS share of those logins is at most this (default 0.1). */ max_share: f64 = 0.1,
    }
    /// `history.cold_start`: fires while the profile has fewer good logins than this.
    ColdStart { /** Count (default 1: only a first login). */ min_logins: u32 = 1 }
    /// `stats.anomaly`: fires above this log-likelihood ratio.
    Anomaly { /** Natural-log threshold (default [`DEFAULT_ANOMALY_THRESHOLD`](crate::history::anomaly::DEFAULT_ANOMALY_THRESHOLD), 1.0). */ threshold: f64 = crate::history::anomaly::DEFAULT_ANOMALY_THRESHOLD }
}

/// `practice.location_mismatch`: countries always accepted besides those of the registered
/// activities (e.g. a border region).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct LocationMismatch {
    /// ISO codes.
    pub also_allowed: Vec<CountryCode>,
}
crate::model::wire::map_only!(LocationMismatch);

impl Parameters for NoParams {}
impl Parameters for Assurance {}
impl Parameters for ClockSkew {}

impl Parameters for ListParams {
    fn with_default_lists(lists: &'static [&'static str]) -> Self {
        ListParams {
            lists: lists
                .iter()
                // Valid names (the catalogue's test checks them): none is ever left out.
                .filter_map(|s| ListName::new(s).ok())
                .collect(),
        }
    }

    fn lists(&self) -> &[ListName] {
        &self.lists
    }

    // Lists are read on every login: bounded, and each named once.
    fn check(&self) -> Result<(), ParamProblem> {
        if self.lists.len() > MAX_DETECTOR_LISTS {
            return Err(ParamProblem {
                parameter: "lists",
                value: format!("{} names", self.lists.len()),
                problem: "must name at most 16 watchlists",
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(twice) = self.lists.iter().find(|list| !seen.insert(list.as_str())) {
            return Err(ParamProblem {
                parameter: "lists",
                value: twice.to_string(),
                problem: "names a watchlist twice",
            });
        }
        Ok(())
    }
}

impl Parameters for LocationMismatch {
    fn check(&self) -> Result<(), ParamProblem> {
        if self.also_allowed.len() > MAX_ALSO_ALLOWED {
            return Err(ParamProblem {
                parameter: "also_allowed",
                value: format!("{} countries", self.also_allowed.len()),
                problem: "must list at most 256 countries",
            });
        }
        Ok(())
    }
}

impl Parameters for FreshActivation {
    fn check(&self) -> Result<(), ParamProblem> {
        at_least_one("max_age_hours", self.max_age_hours)
    }
}

impl Parameters for ActivationAfterContactChange {
    fn check(&self) -> Result<(), ParamProblem> {
        at_least_one("max_gap_days", self.max_gap_days)
    }
}

impl Parameters for MultipleActive {
    fn check(&self) -> Result<(), ParamProblem> {
        at_least_one("min_count", self.min_count)?;
        // One active e-CPS is every e-CPS user.
        if self.min_count < 2 {
            return Err(ParamProblem {
                parameter: "min_count",
                value: self.min_count.to_string(),
                problem: "must be at least 2",
            });
        }
        Ok(())
    }
}

impl Parameters for RecentChange {
    fn check(&self) -> Result<(), ParamProblem> {
        at_least_one("max_age_days", self.max_age_days)
    }
}

impl Parameters for PushFatigue {
    fn check(&self) -> Result<(), ParamProblem> {
        at_least_one("min_failures", self.min_failures)?;
        at_least_one("window_minutes", self.window_minutes)
    }
}

impl Parameters for PushReported {
    fn check(&self) -> Result<(), ParamProblem> {
        at_least_one("window_days", self.window_days)
    }
}

impl Parameters for Stale {
    fn check(&self) -> Result<(), ParamProblem> {
        at_least_one("max_age_minutes", self.max_age_minutes)
    }
}

impl Parameters for ImpossibleTravel {
    fn check(&self) -> Result<(), ParamProblem> {
        finite_positive("max_speed_kmh", self.max_speed_kmh)?;
        finite_positive("min_distance_km", self.min_distance_km)
    }
}

impl Parameters for UnusualHour {
    fn check(&self) -> Result<(), ParamProblem> {
        finite_positive("max_share", self.max_share)?;
        share("max_share", self.max_share)
    }
}

impl Parameters for VelocityBurst {
    fn check(&self) -> Result<(), ParamProblem> {
        at_least_one("min_logins", self.min_logins)?;
        at_least_one("window_minutes", self.window_minutes)
    }
}

impl Parameters for Establishment {
    fn check(&self) -> Result<(), ParamProblem> {
        at_least_one("min_logins", self.min_logins)
    }
}

impl Parameters for EcpsUnusual {
    fn check(&self) -> Result<(), ParamProblem> {
        at_least_one("min_logins", self.min_logins)?;
        share("max_share", self.max_share)
    }
}

impl Parameters for ColdStart {
    fn check(&self) -> Result<(), ParamProblem> {
        at_least_one("min_logins", self.min_logins)
    }
}

impl Parameters for Anomaly {
    fn check(&self) -> Result<(), ParamProblem> {
        if !self.threshold.is_finite() {
            return Err(ParamProblem {
                parameter: "threshold",
                value: self.threshold.to_string(),
                problem: "must be a finite number",
            });
        }
        Ok(())
    }
}
