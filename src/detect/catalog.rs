//! THE list of built-in detectors. One row per detector names its code, its parameters (the
//! field of [`DetectorParams`] and its type), the function that runs it, the ANS reminder it
//! selects ([`Concern`]) and the watchlists it reads; the macro generates from the rows
//! everything that used to be kept by hand: [`SignalCode`] and its names, [`DetectorParams`]
//! with its defaults and checks, the list tables and the bit-gated evaluation pass. Adding a
//! detector is its function (and parameters) in `builtin/` plus one row here (ARCHITECTURE.md).
//!
//! The row order is the codes' order: it numbers their bits in the evaluation masks and orders
//! every listing; append new rows, never reorder (a stored assessment or report names codes,
//! not numbers, but fingerprints and listings follow this order).

use serde::{Deserialize, Serialize};

use crate::detect::DetectorInput;
use crate::detect::builtin::{auth, ecps, history, network};
use crate::detect::params::{
    ActivationAfterContactChange, Anomaly, Assurance, ClockSkew, ColdStart, EcpsUnusual,
    Establishment, FreshActivation, ImpossibleTravel, ListParams, LocationMismatch, MultipleActive,
    NoParams, ParamProblem, Parameters, PushFatigue, PushReported, RecentChange, Stale,
    UnusualHour, VelocityBurst,
};
use crate::detect::slots::{SignalRef, SignalSlots};
use crate::env::watchlist::{ListName, WatchlistKind};

/// A coarse category of what the enforced rules touched, used to pick the ANS reminders. Coarse
/// on purpose: it says which ANS rule is relevant, not which detector fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Concern {
    /// The e-CPS itself: its activation, deactivation, several active, an ANS alert.
    Credential,
    /// The professional's RPPS contact data (where activation codes are sent).
    ContactData,
    /// Validation (push) requests: repeated refusals, reported unsolicited requests.
    ValidationRequests,
    /// Screen sharing or remote control during authentication.
    ScreenSharing,
}

impl Concern {
    /// Every concern.
    pub const ALL: &'static [Concern] = &[
        Concern::Credential,
        Concern::ContactData,
        Concern::ValidationRequests,
        Concern::ScreenSharing,
    ];

    /// The concern a built-in detector belongs to; `None` for the detectors about the request,
    /// the history and the token (device, network, place, time…), which select no particular
    /// reminder.
    pub const fn of(code: SignalCode) -> Option<Concern> {
        code.concern()
    }

    pub(crate) const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// How a list-based detector reads watchlists.
#[derive(Debug)]
pub(crate) struct ListUse {
    /// The kind of list it reads.
    pub(crate) kind: WatchlistKind,
    /// The names it consults unless the policy says otherwise.
    pub(crate) defaults: &'static [&'static str],
    /// Whether a policy may name no list (the detector has another input).
    pub(crate) may_be_empty: bool,
}

macro_rules! catalog {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $code:literal {
            params: $field:ident : $ty:ident,
            run: $run:path,
            concern: $concern:expr,
            lists: $lists:expr,
        }
    )*) => {
        /// The stable code of a built-in detector (public API: codes never change meaning).
        /// New detectors come in new releases: match with a wildcard arm.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum SignalCode {
            $( $(#[$doc])* $variant, )*
        }

        impl SignalCode {
            /// Every built-in code, in catalog order.
            pub const ALL: &'static [SignalCode] = &[$(SignalCode::$variant,)*];

            /// The code as written in policies and reports.
            pub const fn as_str(self) -> &'static str {
                match self { $(SignalCode::$variant => $code,)* }
            }

            /// The built-in detector with this code.
            pub fn parse(code: &str) -> Option<SignalCode> {
                match code { $($code => Some(SignalCode::$variant),)* _ => None }
            }

            /// The ANS reminder this detector selects when an enforced rule reads it.
            pub const fn concern(self) -> Option<Concern> {
                match self { $(SignalCode::$variant => $concern,)* }
            }

            /// How the detector reads watchlists; `None` for the others.
            pub(crate) const fn lists(self) -> Option<&'static ListUse> {
                match self { $(SignalCode::$variant => const { $lists },)* }
            }
        }

        /// Parameters of every built-in detector, keyed by detector code in a policy
        /// (`[detectors."ecps.fresh_activation"]` in TOML). Omitted ones take their defaults.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(remote = "Self", deny_unknown_fields, default)]
        pub struct DetectorParams {
            $( #[doc = concat!("`", $code, "`.")] #[serde(rename = $code)] pub $field: $ty, )*
        }
        crate::model::wire::map_only!(DetectorParams);

        impl DetectorParams {
            /// Parameters with every default, list names included.
            pub fn defaults() -> Self {
                DetectorParams {
                    $( $field: $ty::with_default_lists(default_lists(SignalCode::$variant)), )*
                }
            }

            /// The watchlists a list-based detector consults (empty for the others).
            pub(crate) fn lists(&self, code: SignalCode) -> &[ListName] {
                match code { $(SignalCode::$variant => self.$field.lists(),)* }
            }

            /// The first parameter out of its range, in catalog order.
            pub(crate) fn check(&self) -> Result<(), (SignalCode, ParamProblem)> {
                $( self.$field.check().map_err(|e| (SignalCode::$variant, e))?; )*
                Ok(())
            }
        }

        /// Run the built-in detectors whose bit (`SignalRef::bit`) is set in `want`, each
        /// writing its signal straight into its slot: one straight pass over the catalog, each
        /// detector inlined and skipped unless the policy uses it. A call per detector through
        /// a `match` cost a stack frame and an indirect jump each, and returning signals from
        /// functions of their own stalled on store forwarding.
        pub(crate) fn detect_all(
            want: u64,
            p: &DetectorParams,
            input: &DetectorInput<'_>,
            slots: &mut SignalSlots,
        ) {
            $(
                let r = SignalRef::Builtin(SignalCode::$variant);
                if want & r.bit() != 0 {
                    slots.fill(r, |out| *out = $run(&p.$field, input));
                }
            )*
        }
    };
}

catalog! {
    /// The e-CPS is on a deactivated-credentials watchlist.
    EcpsRevoked = "ecps.revoked" {
        params: ecps_revoked: ListParams,
        run: ecps::revoked,
        concern: Some(Concern::Credential),
        lists: Some(&ListUse { kind: WatchlistKind::Credentials, defaults: &["deactivated_ecps"], may_be_empty: false }),
    }
    /// The subject's new activations are blocked and this e-CPS was activated after the block.
    EcpsActivatedAfterBlock = "ecps.activated_after_block" {
        params: ecps_activated_after_block: ListParams,
        run: ecps::activated_after_block,
        concern: Some(Concern::Credential),
        lists: Some(&ListUse { kind: WatchlistKind::BlockedSubjects, defaults: &["blocked_activations"], may_be_empty: false }),
    }
    /// The e-CPS was activated shortly before the login.
    EcpsFreshActivation = "ecps.fresh_activation" {
        params: ecps_fresh_activation: FreshActivation,
        run: ecps::fresh_activation,
        concern: Some(Concern::Credential),
        lists: None,
    }
    /// The e-CPS was activated remotely with the e-mail QR code and SMS code.
    EcpsRemoteActivation = "ecps.remote_activation" {
        params: ecps_remote_activation: NoParams,
        run: ecps::remote_activation,
        concern: Some(Concern::Credential),
        lists: None,
    }
    /// The e-CPS was activated shortly after the RPPS e-mail or phone changed.
    EcpsActivationAfterContactChange = "ecps.activation_after_contact_change" {
        params: ecps_activation_after_contact_change: ActivationAfterContactChange,
        run: ecps::activation_after_contact_change,
        concern: Some(Concern::ContactData),
        lists: None,
    }
    /// The professional has more than one active e-CPS.
    EcpsMultipleActive = "ecps.multiple_active" {
        params: ecps_multiple_active: MultipleActive,
        run: ecps::multiple_active,
        concern: Some(Concern::Credential),
        lists: None,
    }
    /// The RPPS e-mail or phone changed recently.
    ContactRecentChange = "contact.recent_change" {
        params: contact_recent_change: RecentChange,
        run: ecps::recent_contact_change,
        concern: Some(Concern::ContactData),
        lists: None,
    }
    /// Several validation requests were denied or left to expire in a short window.
    PushFatigue = "push.fatigue" {
        params: push_fatigue: PushFatigue,
        run: ecps::push_fatigue,
        concern: Some(Concern::ValidationRequests),
        lists: None,
    }
    /// The professional reported an unsolicited validation request.
    PushReported = "push.reported" {
        params: push_reported: PushReported,
        run: ecps::push_reported,
        concern: Some(Concern::ValidationRequests),
        lists: None,
    }
    /// Client telemetry suspects screen sharing or remote control.
    SessionRemoteControl = "session.remote_control" {
        params: session_remote_control: NoParams,
        run: ecps::remote_control,
        concern: Some(Concern::ScreenSharing),
        lists: None,
    }
    /// The professional is on an under-alert watchlist.
    SubjectUnderAlert = "subject.under_alert" {
        params: subject_under_alert: ListParams,
        run: ecps::under_alert,
        concern: Some(Concern::Credential),
        lists: Some(&ListUse { kind: WatchlistKind::Subjects, defaults: &["under_alert"], may_be_empty: false }),
    }
    /// A login without the CPS card from a device not proven to be the professional's: no
    /// cookie, a device never seen, or one seen only a few times over a few days and never with
    /// the card.
    EcpsUnprovenDevice = "ecps.unproven_device" {
        params: ecps_unproven_device: Establishment,
        run: history::unproven_device,
        concern: Some(Concern::Credential),
        lists: None,
    }
    /// The login country is outside every country of the registered activities.
    PracticeLocationMismatch = "practice.location_mismatch" {
        params: practice_location_mismatch: LocationMismatch,
        run: ecps::location_mismatch,
        concern: None,
        lists: None,
    }
    /// The `acr` is below the level the policy requires.
    AuthAssuranceBelowRequired = "auth.assurance_below_required" {
        params: auth_assurance_below_required: Assurance,
        run: auth::assurance_below_required,
        concern: None,
        lists: None,
    }
    /// `auth_time` is older than the policy's maximum age.
    AuthStale = "auth.stale" {
        params: auth_stale: Stale,
        run: auth::stale,
        concern: None,
        lists: None,
    }
    /// `auth_time` or `iat` lies in the future beyond the tolerance.
    AuthClockSkew = "auth.clock_skew" {
        params: auth_clock_skew: ClockSkew,
        run: auth::clock_skew,
        concern: None,
        lists: None,
    }
    /// An e-CPS login for a professional whose logins come with the CPS card.
    AuthEcpsUnusual = "auth.ecps_unusual" {
        params: auth_ecps_unusual: EcpsUnusual,
        run: history::ecps_unusual,
        concern: Some(Concern::Credential),
        lists: None,
    }
    /// The device was never seen for this professional.
    DeviceNew = "device.new" {
        params: device_new: NoParams,
        run: history::new_device,
        concern: None,
        lists: None,
    }
    /// The device is one a login confirmed compromised came from.
    DeviceCompromised = "device.compromised" {
        params: device_compromised: NoParams,
        run: history::compromised_device,
        concern: Some(Concern::Credential),
        lists: None,
    }
    /// Neither the network prefix nor the ASN was seen for this professional.
    NetworkUnfamiliar = "network.unfamiliar" {
        params: network_unfamiliar: NoParams,
        run: history::unfamiliar_network,
        concern: None,
        lists: None,
    }
    /// The network prefix is not established as the professional's: never seen, or seen only
    /// a few times over a few days and never with the card.
    NetworkUnproven = "network.unproven" {
        params: network_unproven: Establishment,
        run: history::unproven_network,
        concern: None,
        lists: None,
    }
    /// The country was never seen for this professional.
    GeoNewCountry = "geo.new_country" {
        params: geo_new_country: NoParams,
        run: history::new_country,
        concern: None,
        lists: None,
    }
    /// The distance from the last login cannot be covered at a plausible speed.
    GeoImpossibleTravel = "geo.impossible_travel" {
        params: geo_impossible_travel: ImpossibleTravel,
        run: history::impossible_travel,
        concern: None,
        lists: None,
    }
    /// The address is a VPN, proxy or Tor exit.
    NetworkAnonymizer = "network.anonymizer" {
        params: network_anonymizer: ListParams,
        run: network::anonymizer,
        concern: None,
        lists: Some(&ListUse { kind: WatchlistKind::Ip, defaults: &["anonymizers"], may_be_empty: true }),
    }
    /// The address is on a deny watchlist.
    NetworkDenied = "network.denied" {
        params: network_denied: ListParams,
        run: network::ip_listed,
        concern: None,
        lists: Some(&ListUse { kind: WatchlistKind::Ip, defaults: &["denied_networks"], may_be_empty: false }),
    }
    /// The address is on a trusted watchlist (a negative-weight signal).
    NetworkTrusted = "network.trusted" {
        params: network_trusted: ListParams,
        run: network::ip_listed,
        concern: None,
        lists: Some(&ListUse { kind: WatchlistKind::Ip, defaults: &["trusted_networks"], may_be_empty: false }),
    }
    /// The local hour of the week is one the professional rarely logs in at.
    TimeUnusualHour = "time.unusual_hour" {
        params: time_unusual_hour: UnusualHour,
        run: history::unusual_hour,
        concern: None,
        lists: None,
    }
    /// Many logins in a short window.
    VelocityBurst = "velocity.burst" {
        params: velocity_burst: VelocityBurst,
        run: history::velocity_burst,
        concern: None,
        lists: None,
    }
    /// Too little history to judge habits.
    HistoryColdStart = "history.cold_start" {
        params: history_cold_start: ColdStart,
        run: history::cold_start,
        concern: None,
        lists: None,
    }
    /// Scripted or automated client.
    ClientAutomation = "client.automation" {
        params: client_automation: NoParams,
        run: network::automation,
        concern: None,
        lists: None,
    }
    /// The Freeman et al. likelihood ratio is above its threshold.
    StatsAnomaly = "stats.anomaly" {
        params: stats_anomaly: Anomaly,
        run: history::anomaly,
        concern: None,
        lists: None,
    }
}

impl Default for DetectorParams {
    fn default() -> Self {
        Self::defaults()
    }
}

/// Default watchlist names of a detector (empty for the detectors that read none).
pub(crate) fn default_lists(code: SignalCode) -> &'static [&'static str] {
    match code.lists() {
        Some(l) => l.defaults,
        None => &[],
    }
}

/// Run one built-in detector (the detectors' unit tests).
#[cfg(test)]
pub(crate) fn detect(
    code: SignalCode,
    p: &DetectorParams,
    input: &DetectorInput<'_>,
) -> crate::detect::signal::Signal {
    let r = SignalRef::Builtin(code);
    let mut slots = SignalSlots::default();
    detect_all(r.bit(), p, input, &mut slots);
    slots
        .get(r)
        .copied()
        .unwrap_or(crate::detect::signal::Signal::NoHit)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::detect::test_support::builder;
    use crate::env::environment::Environment;
    use crate::history::profile::Profile;

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

    /// Codes are unique and parse back; list defaults are valid names of a list-based detector.
    #[test]
    fn rows_are_consistent() {
        let mut seen = std::collections::BTreeSet::new();
        for code in SignalCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert_eq!(SignalCode::parse(code.as_str()), Some(*code));
            for name in default_lists(*code) {
                ListName::new(name).unwrap();
            }
            let lists = DetectorParams::defaults().lists(*code).len();
            assert_eq!(lists, default_lists(*code).len(), "{code}");
            assert_eq!(code.lists().is_some(), lists > 0, "{code}");
        }
        assert_eq!(SignalCode::parse("ecps.nope"), None);
    }
}
