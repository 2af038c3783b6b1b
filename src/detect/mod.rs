//! The built-in detectors, their parameters, and the trait custom detectors implement.
//!
//! A detector reads the context, the professional's profile and the provider-wide
//! [`Environment`], and returns a [`Signal`]. Built-in detectors never fail: a missing input is
//! [`Signal::NotEvaluated`]. They are grouped by what they look at: `ecps` (the credential and
//! the professional's partners' data), `auth` (PSC claims hygiene), `history` (the learned
//! profile), `network` (addresses, watchlists, client).

mod builtin;
pub(crate) mod signal;
pub(crate) mod slots;

use builtin::{auth, ecps, history, network};

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::detect::signal::{Missing, Signal, SignalCode};
use crate::detect::slots::{SignalRef, SignalSlots};
use crate::env::environment::Environment;
use crate::env::watchlist::ListName;
use crate::history::profile::Profile;
use crate::input::context::{Acr, RiskContext};
use crate::model::geo::CountryCode;

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

macro_rules! params {
    ($( $(#[$doc:meta])* $field:ident : $ty:ident = $code:literal, )*) => {
        /// Parameters of every built-in detector, keyed by detector code in a policy
        /// (`[detectors."ecps.fresh_activation"]` in TOML). Omitted ones take their defaults.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(remote = "Self", deny_unknown_fields, default)]
        pub struct DetectorParams {
            $( $(#[$doc])* #[serde(rename = $code)] pub $field: $ty, )*
        }
        crate::model::wire::map_only!(DetectorParams);

        impl DetectorParams {
            /// Every field at its type's default (list names empty).
            fn base() -> Self {
                DetectorParams { $( $field: $ty::default(), )* }
            }
        }
    };
}

params! {
    /// `ecps.revoked`.
    ecps_revoked: ListParams = "ecps.revoked",
    /// `ecps.activated_after_block`.
    ecps_activated_after_block: ListParams = "ecps.activated_after_block",
    /// `ecps.fresh_activation`.
    ecps_fresh_activation: FreshActivation = "ecps.fresh_activation",
    /// `ecps.remote_activation`.
    ecps_remote_activation: NoParams = "ecps.remote_activation",
    /// `ecps.activation_after_contact_change`.
    ecps_activation_after_contact_change: ActivationAfterContactChange = "ecps.activation_after_contact_change",
    /// `ecps.multiple_active`.
    ecps_multiple_active: MultipleActive = "ecps.multiple_active",
    /// `contact.recent_change`.
    contact_recent_change: RecentChange = "contact.recent_change",
    /// `push.fatigue`.
    push_fatigue: PushFatigue = "push.fatigue",
    /// `push.reported`.
    push_reported: PushReported = "push.reported",
    /// `session.remote_control`.
    session_remote_control: NoParams = "session.remote_control",
    /// `subject.under_alert`.
    subject_under_alert: ListParams = "subject.under_alert",
    /// `ecps.unproven_device`.
    ecps_unproven_device: Establishment = "ecps.unproven_device",
    /// `practice.location_mismatch`.
    practice_location_mismatch: LocationMismatch = "practice.location_mismatch",
    /// `auth.assurance_below_required`.
    auth_assurance_below_required: Assurance = "auth.assurance_below_required",
    /// `auth.stale`.
    auth_stale: Stale = "auth.stale",
    /// `auth.clock_skew`.
    auth_clock_skew: ClockSkew = "auth.clock_skew",
    /// `auth.ecps_unusual`.
    auth_ecps_unusual: EcpsUnusual = "auth.ecps_unusual",
    /// `device.new`.
    device_new: NoParams = "device.new",
    /// `device.compromised`.
    device_compromised: NoParams = "device.compromised",
    /// `network.unfamiliar`.
    network_unfamiliar: NoParams = "network.unfamiliar",
    /// `network.unproven`.
    network_unproven: Establishment = "network.unproven",
    /// `geo.new_country`.
    geo_new_country: NoParams = "geo.new_country",
    /// `geo.impossible_travel`.
    geo_impossible_travel: ImpossibleTravel = "geo.impossible_travel",
    /// `network.anonymizer`.
    network_anonymizer: ListParams = "network.anonymizer",
    /// `network.denied`.
    network_denied: ListParams = "network.denied",
    /// `network.trusted`.
    network_trusted: ListParams = "network.trusted",
    /// `time.unusual_hour`.
    time_unusual_hour: UnusualHour = "time.unusual_hour",
    /// `velocity.burst`.
    velocity_burst: VelocityBurst = "velocity.burst",
    /// `history.cold_start`.
    history_cold_start: ColdStart = "history.cold_start",
    /// `client.automation`.
    client_automation: NoParams = "client.automation",
    /// `stats.anomaly`.
    stats_anomaly: Anomaly = "stats.anomaly",
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

/// Default watchlist names of the list-based detectors.
pub(crate) fn default_lists(code: SignalCode) -> &'static [&'static str] {
    match code {
        SignalCode::EcpsRevoked => &["deactivated_ecps"],
        SignalCode::EcpsActivatedAfterBlock => &["blocked_activations"],
        SignalCode::SubjectUnderAlert => &["under_alert"],
        SignalCode::NetworkAnonymizer => &["anonymizers"],
        SignalCode::NetworkDenied => &["denied_networks"],
        SignalCode::NetworkTrusted => &["trusted_networks"],
        _ => &[],
    }
}

impl Default for DetectorParams {
    fn default() -> Self {
        Self::defaults()
    }
}

impl DetectorParams {
    /// Parameters with every default, list names included.
    pub fn defaults() -> Self {
        let lists = |code| ListParams {
            lists: default_lists(code)
                .iter()
                // Valid names (a test checks them): none is ever left out.
                .filter_map(|s| ListName::new(s).ok())
                .collect(),
        };
        DetectorParams {
            ecps_revoked: lists(SignalCode::EcpsRevoked),
            ecps_activated_after_block: lists(SignalCode::EcpsActivatedAfterBlock),
            subject_under_alert: lists(SignalCode::SubjectUnderAlert),
            network_anonymizer: lists(SignalCode::NetworkAnonymizer),
            network_denied: lists(SignalCode::NetworkDenied),
            network_trusted: lists(SignalCode::NetworkTrusted),
            ..DetectorParams::base()
        }
    }

    /// The watchlists a list-based detector consults (empty for the others).
    pub(crate) fn lists(&self, code: SignalCode) -> &[ListName] {
        match code {
            SignalCode::EcpsRevoked => &self.ecps_revoked.lists,
            SignalCode::EcpsActivatedAfterBlock => &self.ecps_activated_after_block.lists,
            SignalCode::SubjectUnderAlert => &self.subject_under_alert.lists,
            SignalCode::NetworkAnonymizer => &self.network_anonymizer.lists,
            SignalCode::NetworkDenied => &self.network_denied.lists,
            SignalCode::NetworkTrusted => &self.network_trusted.lists,
            _ => &[],
        }
    }
}

/// Run one built-in detector (the detectors' unit tests).
#[cfg(test)]
pub(crate) fn detect(code: SignalCode, p: &DetectorParams, input: &DetectorInput<'_>) -> Signal {
    let r = SignalRef::Builtin(code);
    let mut slots = SignalSlots::default();
    detect_all(r.bit(), p, input, &mut slots);
    slots.get(r).copied().unwrap_or(Signal::NoHit)
}

/// Run the built-in detectors whose bit (`SignalRef::bit`) is set in `want`, each writing its
/// signal straight into its slot: one pass over the catalog, each detector inlined and skipped
/// unless the policy uses it. A call per detector through a `match` cost a stack frame and an
/// indirect jump each, and returning signals from functions of their own stalled on store
/// forwarding (a test checks that the pass covers the whole catalog).
pub(crate) fn detect_all(
    want: u64,
    p: &DetectorParams,
    input: &DetectorInput<'_>,
    slots: &mut SignalSlots,
) {
    use SignalCode as C;
    macro_rules! run {
        ($code:expr, $detector:expr) => {
            let r = SignalRef::Builtin($code);
            if want & r.bit() != 0 {
                slots.fill(r, |out| *out = $detector);
            }
        };
    }
    run!(C::EcpsRevoked, ecps::revoked(&p.ecps_revoked, input));
    run!(
        C::EcpsActivatedAfterBlock,
        ecps::activated_after_block(&p.ecps_activated_after_block, input)
    );
    run!(
        C::EcpsFreshActivation,
        ecps::fresh_activation(&p.ecps_fresh_activation, input)
    );
    run!(C::EcpsRemoteActivation, ecps::remote_activation(input));
    run!(
        C::EcpsActivationAfterContactChange,
        ecps::activation_after_contact_change(&p.ecps_activation_after_contact_change, input)
    );
    run!(
        C::EcpsMultipleActive,
        ecps::multiple_active(&p.ecps_multiple_active, input)
    );
    run!(
        C::ContactRecentChange,
        ecps::recent_contact_change(&p.contact_recent_change, input)
    );
    run!(C::PushFatigue, ecps::push_fatigue(&p.push_fatigue, input));
    run!(
        C::PushReported,
        ecps::push_reported(&p.push_reported, input)
    );
    run!(C::SessionRemoteControl, ecps::remote_control(input));
    run!(
        C::SubjectUnderAlert,
        ecps::under_alert(&p.subject_under_alert, input)
    );
    run!(
        C::PracticeLocationMismatch,
        ecps::location_mismatch(&p.practice_location_mismatch, input)
    );
    run!(
        C::AuthAssuranceBelowRequired,
        auth::assurance_below_required(&p.auth_assurance_below_required, input)
    );
    run!(C::AuthStale, auth::stale(&p.auth_stale, input));
    run!(
        C::AuthClockSkew,
        auth::clock_skew(&p.auth_clock_skew, input)
    );
    run!(
        C::EcpsUnprovenDevice,
        history::unproven_device(&p.ecps_unproven_device, input)
    );
    run!(
        C::AuthEcpsUnusual,
        history::ecps_unusual(&p.auth_ecps_unusual, input)
    );
    run!(C::DeviceNew, history::new_device(input));
    run!(C::DeviceCompromised, history::compromised_device(input));
    run!(
        C::NetworkUnproven,
        history::unproven_network(&p.network_unproven, input)
    );
    run!(C::NetworkUnfamiliar, history::unfamiliar_network(input));
    run!(C::GeoNewCountry, history::new_country(input));
    run!(
        C::GeoImpossibleTravel,
        history::impossible_travel(&p.geo_impossible_travel, input)
    );
    run!(
        C::TimeUnusualHour,
        history::unusual_hour(&p.time_unusual_hour, input)
    );
    run!(
        C::VelocityBurst,
        history::velocity_burst(&p.velocity_burst, input)
    );
    run!(
        C::HistoryColdStart,
        history::cold_start(&p.history_cold_start, input)
    );
    run!(C::StatsAnomaly, history::anomaly(&p.stats_anomaly, input));
    run!(
        C::NetworkAnonymizer,
        network::anonymizer(&p.network_anonymizer, input)
    );
    run!(
        C::NetworkDenied,
        network::ip_listed(&p.network_denied, input)
    );
    run!(
        C::NetworkTrusted,
        network::ip_listed(&p.network_trusted, input)
    );
    run!(C::ClientAutomation, network::automation(input));
}

/// Seconds from `t` to the login (negative when `t` is later): integer arithmetic, cheaper on
/// every login than subtracting date-times.
pub(crate) fn seconds_before_login(i: &DetectorInput<'_>, t: time::OffsetDateTime) -> i64 {
    i.context.now_unix() - t.unix_timestamp()
}

/// The common shape of list-based detectors: a match in any supplied list is a hit; no match
/// is a no-hit only if every named list was supplied.
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

    pub const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);
    pub const SUBJECT: &str = "810001234565";

    pub fn builder() -> RiskContextBuilder {
        RiskContext::builder(NOW, SUBJECT.parse().unwrap())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::test_support::builder;
    use super::*;

    /// `detect_all` runs every detector of the catalog it is asked for, and only those.
    #[test]
    fn detect_all_covers_the_catalog() {
        let ctx = builder().build().unwrap();
        let (profile, env) = (Profile::new(), Environment::new());
        let input = DetectorInput {
            context: &ctx,
            profile: &profile,
            environment: &env,
        };
        let p = DetectorParams::defaults();
        let every = SignalCode::ALL
            .iter()
            .fold(0, |bits, c| bits | SignalRef::Builtin(*c).bit());
        let mut slots = SignalSlots::default();
        detect_all(every, &p, &input, &mut slots);
        assert_eq!(slots.masks.ran, every);
        for code in SignalCode::ALL {
            let bit = SignalRef::Builtin(*code).bit();
            let mut one = SignalSlots::default();
            detect_all(bit, &p, &input, &mut one);
            assert_eq!(one.masks.ran, bit, "{code}");
        }
    }
}
