//! Detectors against the professional's learned [`Profile`](crate::Profile): classic
//! risk-based authentication (new device, network, country; impossible travel; habits).
//!
//! With an empty profile none of them can say anything: they report
//! [`Missing::History`] and `history.cold_start` fires instead.

use super::{Anomaly, ColdStart, DetectorInput, ImpossibleTravel, UnusualHour, VelocityBurst};
use crate::local_time::HOURS_PER_WEEK;
use crate::signal::{Evidence, Missing, Signal};

/// True when the profile has no good login yet.
fn cold(i: &DetectorInput<'_>) -> bool {
    i.profile.login_count() == 0
}

/// The device cookie was never seen with a good login of this professional.
pub(super) fn new_device(i: &DetectorInput<'_>) -> Signal {
    let Some(device) = i.context.event().request.device else {
        return Signal::missing(Missing::Input("request.device"));
    };
    if cold(i) {
        return Signal::missing(Missing::History);
    }
    Signal::when(i.profile.devices().count(&device) == 0, Evidence::Flag)
}

/// Neither the network prefix (/24, /48) nor, when known, the ASN was seen before: a new
/// address inside the professional's usual provider is not unfamiliar.
pub(super) fn unfamiliar_network(i: &DetectorInput<'_>) -> Signal {
    let f = i.context.features();
    let Some(network) = f.network else {
        return Signal::missing(Missing::Input("request.ip"));
    };
    if cold(i) {
        return Signal::missing(Missing::History);
    }
    let h = i.profile.history();
    let prefix_known = h.networks.count(&network) > 0;
    let asn_known = f.asn.is_some_and(|a| h.asns.count(&a) > 0);
    Signal::when(
        !prefix_known && !asn_known,
        Evidence::Network {
            network: Some(network),
            asn: f.asn,
        },
    )
}

/// The country was never seen with a good login.
pub(super) fn new_country(i: &DetectorInput<'_>) -> Signal {
    let Some(country) = i.context.features().country else {
        return Signal::missing(Missing::Input("request.country"));
    };
    if cold(i) {
        return Signal::missing(Missing::History);
    }
    Signal::when(
        i.profile.history().countries.count(&country) == 0,
        Evidence::Country { country },
    )
}

/// The distance from the last good login, less both accuracy radii, needs a speed above the
/// threshold. Without coordinates on either side it is not evaluated (GeoIP gaps must not look
/// like travel).
pub(super) fn impossible_travel(p: &ImpossibleTravel, i: &DetectorInput<'_>) -> Signal {
    let Some(here) = i.context.event().request.geo else {
        return Signal::missing(Missing::Input("request.geo"));
    };
    let Some(there) = i
        .profile
        .last_login()
        .and_then(|l| l.geo.map(|g| (l.at, g)))
    else {
        return Signal::missing(Missing::History);
    };
    let (then, there) = there;
    let distance_km = (here.distance_km(&there) - here.accuracy_km - there.accuracy_km).max(0.0);
    if distance_km < p.min_distance_km {
        return Signal::NoHit;
    }
    // Replays may present logins out of order: the elapsed time is what matters.
    let elapsed_s = i.context.now().unix_timestamp().abs_diff(then);
    let hours = elapsed_s as f64 / 3600.0;
    let speed_kmh = if elapsed_s == 0 {
        f64::INFINITY
    } else {
        distance_km / hours
    };
    Signal::when(
        speed_kmh > p.max_speed_kmh,
        Evidence::Travel {
            distance_km,
            hours,
            speed_kmh,
        },
    )
}

/// The local hour of the week is one the professional (almost) never logs in at.
///
/// The share of past logins "around" this hour counts the same weekday at the hour and its two
/// neighbours fully, and the same hours on the other six weekdays at one sixth, so a Thursday
/// 8 a.m. login is usual for someone seen at 8 a.m. every other weekday.
pub(super) fn unusual_hour(p: &UnusualHour, i: &DetectorInput<'_>) -> Signal {
    let hours = i.profile.hours();
    let total: u64 = hours.iter().map(|c| u64::from(*c)).sum();
    if total < u64::from(p.min_logins) {
        return Signal::missing(Missing::History);
    }
    let how = usize::from(i.context.hour_of_week());
    let count = |h: usize| f64::from(hours.get(h % HOURS_PER_WEEK).copied().unwrap_or(0));
    let around = |h: usize| count(h + HOURS_PER_WEEK - 1) + count(h) + count(h + 1);
    let same_day = around(how);
    let other_days: f64 = (1..7).map(|d| around(how + d * 24)).sum();
    let share = (same_day + other_days / 6.0) / total as f64;
    Signal::when(
        share < p.max_share,
        Evidence::Hour {
            hour_of_week: i.context.hour_of_week(),
            share,
        },
    )
}

/// Many good logins in a short window, this one included (session farming after takeover).
pub(super) fn velocity_burst(p: &VelocityBurst, i: &DetectorInput<'_>) -> Signal {
    let now = i.context.now().unix_timestamp();
    let window = i64::from(p.window_minutes) * 60;
    let earlier = i
        .profile
        .recent_logins()
        .iter()
        .filter(|t| **t <= now && now - **t <= window)
        .count();
    let count = u32::try_from(earlier).unwrap_or(u32::MAX).saturating_add(1);
    Signal::when(
        count >= p.min_logins,
        Evidence::Count {
            count,
            window_seconds: window,
        },
    )
}

/// Too little history to judge habits: the history-based detectors are not evaluated.
pub(super) fn cold_start(p: &ColdStart, i: &DetectorInput<'_>) -> Signal {
    let n = i.profile.login_count();
    Signal::when(
        n < u64::from(p.min_logins),
        Evidence::Count {
            count: u32::try_from(n).unwrap_or(u32::MAX),
            window_seconds: 0,
        },
    )
}

/// Freeman et al.'s likelihood ratio of this login's features, attacker (population) versus
/// this professional, above the threshold.
pub(super) fn anomaly(p: &Anomaly, i: &DetectorInput<'_>) -> Signal {
    let Some(population) = i.environment.population() else {
        return Signal::missing(Missing::Population);
    };
    if cold(i) {
        return Signal::missing(Missing::History);
    }
    let score = crate::anomaly::anomaly_score(
        i.context.features(),
        i.profile.history(),
        i.profile.login_count(),
        population,
    );
    match score {
        None => Signal::missing(Missing::Input("request")),
        Some(s) => Signal::when(
            s.log_score > p.threshold,
            Evidence::Score { value: s.log_score },
        ),
    }
}
