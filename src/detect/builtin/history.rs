//! Detectors against the professional's learned [`Profile`](crate::Profile): classic
//! risk-based authentication (new device, network, country; impossible travel; habits).
//!
//! With an empty profile none of them can say anything: they report
//! [`Missing::History`] and `history.cold_start` fires instead.

use crate::detect::params::NoParams;
use crate::detect::signal::{Evidence, Missing, Signal};
use crate::detect::{
    Anomaly, ColdStart, DetectorInput, EcpsUnusual, Establishment, ImpossibleTravel, UnusualHour,
    VelocityBurst,
};
use crate::history::count_table::Entry;
use crate::input::context::AuthMode;
use crate::model::local_time::HOURS_PER_WEEK;
use crate::model::user_agent::DeviceType;

const DAY: i64 = 86_400;

/// True when the profile has no good login yet.
fn cold(i: &DetectorInput<'_>) -> bool {
    i.profile.login_count() == 0
}

/// The device cookie was never seen with a good login of this professional.
#[inline]
pub(crate) fn new_device(_: &NoParams, i: &DetectorInput<'_>) -> Signal {
    let Some(device) = i.context.event().request.device else {
        return Signal::missing(Missing::Input("request.device"));
    };
    if cold(i) {
        return Signal::missing(Missing::History);
    }
    Signal::when(i.profile.devices().count(&device) == 0, Evidence::Flag)
}

/// Established as the professional's (see [`Entry::is_established`]): the card or a person
/// confirmed it, or enough good logins over enough days.
#[inline]
fn established<K>(entry: &Entry<K>, p: &Establishment) -> bool {
    entry.is_established(p.min_logins, i64::from(p.min_days) * DAY)
}

/// What the profile knows of a value that is not established: how many logins, over how many
/// days.
#[inline]
fn familiarity<K>(entry: Option<&Entry<K>>) -> Evidence {
    let (logins, days) = entry.map_or((0, 0), |e| {
        let days = (e.last_seen - e.first_seen) / DAY;
        (e.count, u32::try_from(days).unwrap_or(u32::MAX))
    });
    Evidence::Familiarity {
        present: true,
        logins,
        days,
    }
}

/// A login without the CPS card (`authMode` other than `CARD`, or none) from a device not
/// proven to be the professional's: no cookie at all, a cookie never seen, or one seen only a
/// few times over a few days and never with the card — what a fraudster holding only an e-CPS
/// brings. A card login proves its holder whatever the device; a missing cookie is no free
/// pass.
#[inline]
pub(crate) fn unproven_device(p: &Establishment, i: &DetectorInput<'_>) -> Signal {
    let e = i.context.event();
    if e.auth.mode == Some(AuthMode::Card) {
        return Signal::NoHit;
    }
    let Some(device) = e.request.device else {
        return Signal::hit(Evidence::Familiarity {
            present: false,
            logins: 0,
            days: 0,
        });
    };
    match i.profile.devices().get(&device) {
        Some(entry) if established(entry, p) => Signal::NoHit,
        entry => Signal::hit(familiarity(entry)),
    }
}

/// The network prefix (/24, /48) is not established as the professional's: never seen, or
/// seen only a few times over a few days and never with the card. Unlike
/// `network.unfamiliar`, a known ASN does not make a new prefix familiar: a targeted attacker
/// uses the professional's own access provider.
///
/// One exception, because mobile carriers hand out another address at almost every login
/// (carrier-grade NAT): a phone that sends a cookie, whose exact user agent and carrier (ASN)
/// are established for the professional, on a new prefix of that carrier, is their own phone
/// on the move — its cookie lost, most often — not a sign. A fraudster's phone with the same
/// browser build on the same carrier passes that test; the device and the means still speak
/// (`ecps.unproven_device`, `auth.ecps_unusual`).
#[inline]
pub(crate) fn unproven_network(p: &Establishment, i: &DetectorInput<'_>) -> Signal {
    let f = i.context.features();
    let Some(network) = f.network else {
        return Signal::missing(Missing::Input("request.ip"));
    };
    let h = i.profile.history();
    if h.networks.get(&network).is_some_and(|e| established(e, p)) {
        return Signal::NoHit;
    }
    // No cookie at all is no known phone.
    let own_phone_on_its_carrier = i.context.event().request.device.is_some()
        && f.user_agent.is_some_and(|ua| {
            ua.device_type == DeviceType::Mobile
                && h.user_agents
                    .get(&ua.hash)
                    .is_some_and(|e| established(e, p))
        })
        && f.asn
            .is_some_and(|asn| h.asns.get(&asn).is_some_and(|e| established(e, p)));
    Signal::when(
        !own_phone_on_its_carrier,
        Evidence::Network {
            network: Some(network),
            asn: f.asn,
        },
    )
}

/// An e-CPS (or other non-card) login for a professional whose good logins come with the
/// card: the fraudster of the ANS alert holds only an e-CPS.
#[inline]
pub(crate) fn ecps_unusual(p: &EcpsUnusual, i: &DetectorInput<'_>) -> Signal {
    let Some(mode) = &i.context.event().auth.mode else {
        return Signal::missing(Missing::Input("auth.mode"));
    };
    if *mode == AuthMode::Card {
        return Signal::NoHit;
    }
    let m = i.profile.means();
    let known = m.card.saturating_add(m.ecps);
    if known < p.min_logins {
        return Signal::missing(Missing::History);
    }
    let share = f64::from(m.ecps) / f64::from(known);
    Signal::when(
        share <= p.max_share,
        Evidence::Means {
            card: m.card,
            ecps: m.ecps,
        },
    )
}

/// The device is one a login confirmed compromised came from
/// ([`Profile::confirm_compromised`](crate::Profile::confirm_compromised)).
#[inline]
pub(crate) fn compromised_device(_: &NoParams, i: &DetectorInput<'_>) -> Signal {
    let Some(device) = i.context.event().request.device else {
        return Signal::missing(Missing::Input("request.device"));
    };
    match i.profile.compromised_since(&device) {
        None => Signal::NoHit,
        Some(at) => Signal::hit(
            time::OffsetDateTime::from_unix_timestamp(at)
                .map_or(Evidence::Flag, |at| Evidence::Since { at }),
        ),
    }
}

/// Neither the network prefix (/24, /48) nor, when known, the ASN was seen before: a new
/// address inside the professional's usual provider is not unfamiliar.
#[inline]
pub(crate) fn unfamiliar_network(_: &NoParams, i: &DetectorInput<'_>) -> Signal {
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
#[inline]
pub(crate) fn new_country(_: &NoParams, i: &DetectorInput<'_>) -> Signal {
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
/// like travel), nor from a VPN or data-centre exit (where the professional is, it does not
/// say).
#[inline]
pub(crate) fn impossible_travel(p: &ImpossibleTravel, i: &DetectorInput<'_>) -> Signal {
    let request = &i.context.event().request;
    let Some(here) = request.geo else {
        return Signal::missing(Missing::Input("request.geo"));
    };
    // A VPN or data-centre exit's position is not the professional's (nor is one in the
    // profile: `Profile` never keeps it as the last position).
    if request.anonymizer == Some(true) || request.hosting == Some(true) {
        return Signal::missing(Missing::Exit);
    }
    let Some(last) = i.profile.last_position() else {
        return Signal::missing(Missing::History);
    };
    let (then, there) = (last.at, last.geo);
    // Replays may present logins out of order: the elapsed time is what matters.
    let elapsed_s = i.context.now_unix().abs_diff(then);
    let hours = elapsed_s as f64 / 3600.0;
    // Most logins are close to the last one or long after it: a trig-free upper bound on the
    // distance settles them without the haversine.
    let margins = here.accuracy_km + there.accuracy_km;
    let at_most = here.distance_upper_bound_km(&there) - margins;
    if at_most < p.min_distance_km || at_most <= p.max_speed_kmh * hours {
        return Signal::NoHit;
    }
    let distance_km = (here.distance_km(&there) - margins).max(0.0);
    if distance_km < p.min_distance_km {
        return Signal::NoHit;
    }
    // Times are whole seconds: when none elapsed, less than one did, and the speed over one
    // second is a lower bound (finite, as all evidence is: `Evidence::check`).
    let speed_kmh = distance_km / hours.max(1.0 / 3600.0);
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
#[inline]
pub(crate) fn unusual_hour(p: &UnusualHour, i: &DetectorInput<'_>) -> Signal {
    let hours = i.profile.hours();
    let total = i.profile.hours_total();
    if total < p.min_logins {
        return Signal::missing(Missing::History);
    }
    let how = usize::from(i.context.hour_of_week());
    // Integer sums (counts are at most `MAX_HOUR_COUNT`), converted once: the same values as
    // summing floats, without a conversion per hour.
    let count = |h: usize| u32::from(hours.get(h % HOURS_PER_WEEK).copied().unwrap_or(0));
    let same_day = count(how + HOURS_PER_WEEK - 1) + count(how) + count(how + 1);
    // The week is seven whole days, so the same three hours over all seven days are the
    // profile's sums by hour of the day; the other six days are those less this one.
    let by_day = i.profile.hour_of_day_totals();
    let day_sum = |h: usize| by_day.get(h % 24).copied().unwrap_or(0);
    let hod = how % 24;
    let all_days = day_sum(hod + 23) + day_sum(hod) + day_sum(hod + 1);
    let other_days = all_days.saturating_sub(same_day);
    let share = (f64::from(same_day) + f64::from(other_days) / 6.0) / f64::from(total);
    Signal::when(
        share < p.max_share,
        Evidence::Hour {
            hour_of_week: i.context.hour_of_week(),
            share,
        },
    )
}

/// Many logins in a short window, this one included: good ones, and attempts that were
/// challenged or denied (session farming after a takeover, an attacker retrying).
#[inline]
pub(crate) fn velocity_burst(p: &VelocityBurst, i: &DetectorInput<'_>) -> Signal {
    let now = i.context.now_unix();
    let window = i64::from(p.window_minutes) * 60;
    // Both lists are sorted oldest first: walk back from the newest until the window is left.
    let within = |times: &mut dyn Iterator<Item = i64>| {
        times
            .skip_while(|t| *t > now)
            .take_while(|t| now - *t <= window)
            .count()
    };
    let logins = within(&mut i.profile.recent_logins().iter().rev().copied());
    let attempts = within(&mut i.profile.attempts().iter().rev().map(|a| a.at));
    let count = u32::try_from(logins + attempts)
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    Signal::when(
        count >= p.min_logins,
        Evidence::Count {
            count,
            window_seconds: window,
        },
    )
}

/// Too little history to judge habits: the history-based detectors are not evaluated.
#[inline]
pub(crate) fn cold_start(p: &ColdStart, i: &DetectorInput<'_>) -> Signal {
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
#[inline]
pub(crate) fn anomaly(p: &Anomaly, i: &DetectorInput<'_>) -> Signal {
    let Some(population) = i.environment.population() else {
        return Signal::missing(Missing::Population);
    };
    if cold(i) {
        return Signal::missing(Missing::History);
    }
    let score = crate::history::anomaly::anomaly_log_score(
        &crate::history::anomaly::AnomalyParams::DEFAULT,
        i.context.features(),
        i.profile.history(),
        i.profile.login_count(),
        population,
    );
    match score {
        None => Signal::missing(Missing::Input("request")),
        Some(value) => Signal::when(value > p.threshold, Evidence::Score { value }),
    }
}

#[cfg(test)]
mod tests;
