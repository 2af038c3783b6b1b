//! What detectors say: a stable code, and *hit* (with evidence), *no hit* or *not evaluated*.
//!
//! Everything here is `Copy` and fixed-size, so evaluation can fill an assessment without
//! allocating.

use std::fmt;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::input::context::Acr;
use crate::input::features::coarse_network;
use crate::model::geo::CountryCode;
use crate::model::local_time::HOURS_PER_WEEK;

pub(crate) use crate::detect::catalog::SignalCode;

impl fmt::Display for SignalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SignalCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SignalCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SignalCode::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format_args!("unknown detector `{s}`")))
    }
}

/// Which input a detector lacked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "missing", content = "input")]
pub enum Missing {
    /// A field of the login event (its JSON path).
    Input(&'static str),
    /// A watchlist the policy names was not supplied.
    Watchlist,
    /// The professional's profile has no login yet (see `history.cold_start`).
    History,
    /// Population statistics were not supplied, or are empty.
    Population,
    /// A custom detector failed (the assessment's failure says how).
    Failed,
    /// The address is a VPN, proxy or data-centre exit: its position is not the person's.
    Exit,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Input(field) => write!(f, "no `{field}`"),
            Missing::Watchlist => f.write_str("watchlist not supplied"),
            Missing::History => f.write_str("no history yet"),
            Missing::Population => f.write_str("no population statistics"),
            Missing::Failed => f.write_str("detector failed"),
            Missing::Exit => f.write_str("anonymizer or hosting exit"),
        }
    }
}

/// The values that made a detector fire.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Evidence {
    /// A flag was raised; nothing more to show.
    Flag,
    /// How old something was, in seconds (activation, authentication, contact change).
    Age {
        /// Seconds.
        seconds: i64,
    },
    /// How far in the future a timestamp was, in seconds.
    Skew {
        /// Seconds.
        seconds: i64,
    },
    /// How many events in a window.
    Count {
        /// Events counted.
        count: u32,
        /// Window, seconds (0 when the count has no window).
        window_seconds: i64,
    },
    /// Assurance level got versus required.
    Assurance {
        /// The login's `acr`.
        got: Acr,
        /// The policy's requirement.
        required: Acr,
    },
    /// A country.
    Country {
        /// ISO code.
        country: CountryCode,
    },
    /// A network (the request's prefix, or the watchlist network that matched) and ASN.
    Network {
        /// The network.
        network: Option<IpNet>,
        /// The ASN.
        asn: Option<u32>,
    },
    /// A watchlist entry's date (e.g. when the subject's activations were blocked).
    Since {
        /// The date.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A travel between the last login and this one.
    Travel {
        /// Great-circle distance minus both accuracy radii, km.
        distance_km: f64,
        /// Time elapsed, hours.
        hours: f64,
        /// Implied speed, km/h. Login times are whole seconds: when none elapsed, the speed
        /// over one second, a lower bound.
        speed_kmh: f64,
    },
    /// An hour of the week and how often the professional logs in around it.
    Hour {
        /// Local hour of the week (0 = Monday 00:00).
        hour_of_week: u8,
        /// Share of past logins in that hour and its neighbours.
        share: f64,
    },
    /// A score (log-likelihood ratio, custom detector value).
    Score {
        /// The value.
        value: f64,
    },
    /// How well the profile knows a device or a network: not at all without a cookie, or how
    /// many good logins over how many days, none confirmed (by the card or a person).
    Familiarity {
        /// A device cookie (or network) was sent.
        present: bool,
        /// Good logins seen with it.
        logins: u32,
        /// Days from its first to its last good login.
        days: u32,
    },
    /// The professional's logins by means of authentication.
    Means {
        /// With the CPS card.
        card: u32,
        /// With the e-CPS.
        ecps: u32,
    },
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Evidence::Flag => f.write_str("flag"),
            Evidence::Age { seconds } => write!(f, "age {}", human_duration(seconds)),
            Evidence::Skew { seconds } => write!(f, "{seconds} s in the future"),
            Evidence::Count {
                count,
                window_seconds: 0,
            } => write!(f, "count {count}"),
            Evidence::Count {
                count,
                window_seconds,
            } => write!(f, "{count} in {}", human_duration(window_seconds)),
            Evidence::Assurance { got, required } => {
                write!(f, "acr {got:?} below {required:?}")
            }
            Evidence::Country { country } => write!(f, "country {country}"),
            Evidence::Network { network, asn } => {
                match network {
                    Some(n) => write!(f, "network {n}")?,
                    None => f.write_str("network ?")?,
                }
                match asn {
                    Some(a) => write!(f, " AS{a}"),
                    None => Ok(()),
                }
            }
            Evidence::Since { at } => write!(f, "since {}", at.date()),
            Evidence::Travel {
                distance_km,
                hours,
                speed_kmh,
            } => write!(
                f,
                "{distance_km:.0} km in {hours:.2} h ({speed_kmh:.0} km/h)"
            ),
            Evidence::Hour {
                hour_of_week,
                share,
            } => write!(
                f,
                "{} {:02}h, {:.1}% of past logins",
                ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                    .get(usize::from(hour_of_week / 24))
                    .unwrap_or(&"?"),
                hour_of_week % 24,
                share * 100.0
            ),
            Evidence::Score { value } => write!(f, "score {value:.2}"),
            Evidence::Familiarity { present: false, .. } => f.write_str("no cookie"),
            Evidence::Familiarity { logins: 0, .. } => f.write_str("never seen"),
            Evidence::Familiarity { logins, days, .. } => {
                write!(f, "{logins} login(s) over {days} d, never confirmed")
            }
            Evidence::Means { card, ecps } => {
                write!(f, "e-CPS in {ecps} of {} logins", card.saturating_add(ecps))
            }
        }
    }
}

/// A number of an [`Evidence`] outside its domain: which field, and what its domain is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("evidence `{field}` is not {domain}")]
#[non_exhaustive]
pub struct EvidenceError {
    /// The field, as `kind.field` (`travel.speed_kmh`).
    pub field: &'static str,
    /// Its domain, in words.
    pub domain: &'static str,
}

/// Seconds from 1970 to the end of 9999: the longest span two accepted times can be apart.
const MAX_SPAN_SECONDS: i64 = crate::history::count_table::MAX_UNIX_TIME;

/// How far ahead of the login a partner's time may be: the most negative age.
const FUTURE_TOLERANCE_SECONDS: i64 = crate::input::context::FUTURE_TOLERANCE.whole_seconds();
// The domain of `age.seconds` says -300 in words.
const _: () = assert!(FUTURE_TOLERANCE_SECONDS == 300);

fn ensure(ok: bool, field: &'static str, domain: &'static str) -> Result<(), EvidenceError> {
    if ok {
        Ok(())
    } else {
        Err(EvidenceError { field, domain })
    }
}

impl Evidence {
    /// Check every number against its domain: finite, and within what the quantity can be —
    /// ages from `-FUTURE_TOLERANCE` (a partner's clock may run slightly ahead) to the span
    /// of accepted times, skews and windows not negative, distances within half the Earth's
    /// circumference, shares within 0..=1, hours of the week below 168, dates that RFC 3339
    /// can write. Built-in detectors produce nothing else (the property tests
    /// check it); evaluation fails closed on a custom detector's evidence that fails it.
    ///
    /// ```
    /// use ecps_risk::Evidence;
    ///
    /// assert!(Evidence::Score { value: -2.5 }.check().is_ok());
    /// let e = Evidence::Travel { distance_km: 900.0, hours: 1.0, speed_kmh: f64::INFINITY }
    ///     .check()
    ///     .unwrap_err();
    /// assert_eq!(
    ///     e.to_string(),
    ///     "evidence `travel.speed_kmh` is not a finite number of km/h, at least 0"
    /// );
    /// ```
    pub fn check(&self) -> Result<(), EvidenceError> {
        let span = 0..=MAX_SPAN_SECONDS;
        let within = |x: f64, max: f64| (0.0..=max).contains(&x);
        match *self {
            Evidence::Flag
            | Evidence::Assurance { .. }
            | Evidence::Country { .. }
            | Evidence::Network { .. } => Ok(()),
            Evidence::Age { seconds } => ensure(
                (-FUTURE_TOLERANCE_SECONDS..=MAX_SPAN_SECONDS).contains(&seconds),
                "age.seconds",
                "a number of seconds from -300 to the span of 1970..=9999",
            ),
            Evidence::Skew { seconds } => ensure(
                span.contains(&seconds),
                "skew.seconds",
                "a number of seconds from 0 to the span of 1970..=9999",
            ),
            Evidence::Count { window_seconds, .. } => ensure(
                window_seconds >= 0,
                "count.window_seconds",
                "a number of seconds, at least 0",
            ),
            Evidence::Since { at } => ensure(
                is_writable_time(at),
                "since.at",
                "a time RFC 3339 can write (years 0 to 9999, offsets of whole minutes under 24 h)",
            ),
            Evidence::Travel {
                distance_km,
                hours,
                speed_kmh,
            } => {
                ensure(
                    within(distance_km, crate::model::geo::MAX_DISTANCE_KM),
                    "travel.distance_km",
                    "a number of km from 0 to half the Earth's circumference",
                )?;
                ensure(
                    within(hours, MAX_SPAN_SECONDS as f64 / 3600.0),
                    "travel.hours",
                    "a number of hours from 0 to the span of 1970..=9999",
                )?;
                ensure(
                    within(speed_kmh, f64::MAX),
                    "travel.speed_kmh",
                    "a finite number of km/h, at least 0",
                )
            }
            Evidence::Hour {
                hour_of_week,
                share,
            } => {
                ensure(
                    usize::from(hour_of_week) < HOURS_PER_WEEK,
                    "hour.hour_of_week",
                    "an hour of the week from 0 to 167",
                )?;
                ensure(within(share, 1.0), "hour.share", "a share from 0 to 1")
            }
            Evidence::Score { value } => {
                ensure(value.is_finite(), "score.value", "a finite number")
            }
            Evidence::Familiarity {
                present,
                logins,
                days,
            } => {
                ensure(
                    present || (logins == 0 && days == 0),
                    "familiarity.logins",
                    "0 logins over 0 days when nothing was sent",
                )?;
                ensure(
                    i64::from(days) <= MAX_SPAN_SECONDS / 86_400,
                    "familiarity.days",
                    "a number of days within the span of 1970..=9999",
                )
            }
            Evidence::Means { .. } => Ok(()),
        }
    }

    /// The evidence as an assessment may hold it: a network no longer than a /24 or /48
    /// (a host route in a watchlist, or a custom detector's address, is the client's address,
    /// which an assessment never holds).
    pub(crate) fn coarsened(self) -> Evidence {
        match self {
            Evidence::Network { network, asn } => Evidence::Network {
                network: network.map(coarse_network),
                asn,
            },
            other => other,
        }
    }
}

/// A time RFC 3339 can write at its own offset, as assessments and reports serialize it: a year
/// from 0 to 9999, an offset of whole minutes under 24 hours. Dates from watchlists are not
/// bounded to the 1970..=9999 of login times (a block date may be any date).
fn is_writable_time(at: OffsetDateTime) -> bool {
    let offset = at.offset();
    (0..=9999).contains(&at.year())
        && offset.whole_hours().unsigned_abs() <= 23
        && offset.seconds_past_minute() == 0
}

fn human_duration(seconds: i64) -> String {
    match seconds.unsigned_abs() {
        s if s < 120 => format!("{seconds} s"),
        s if s < 7_200 => format!("{} min", seconds / 60),
        s if s < 172_800 => format!("{} h", seconds / 3_600),
        _ => format!("{} d", seconds / 86_400),
    }
}

/// A detector's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum Signal {
    /// The detector fired, for these values.
    Hit {
        /// Why.
        evidence: Evidence,
    },
    /// The detector looked and found nothing.
    NoHit,
    /// An input was missing: neither risky nor safe.
    NotEvaluated {
        /// What was missing.
        #[serde(flatten)]
        missing: Missing,
    },
}

impl Signal {
    /// A hit with evidence.
    pub const fn hit(evidence: Evidence) -> Signal {
        Signal::Hit { evidence }
    }

    /// Not evaluated for lack of `missing`.
    pub const fn missing(missing: Missing) -> Signal {
        Signal::NotEvaluated { missing }
    }

    /// Hit when `cond`, with the evidence, else no hit.
    pub fn when(cond: bool, evidence: Evidence) -> Signal {
        if cond {
            Signal::hit(evidence)
        } else {
            Signal::NoHit
        }
    }

    /// True for a hit.
    pub fn is_hit(&self) -> bool {
        matches!(self, Signal::Hit { .. })
    }

    /// True when not evaluated.
    pub fn is_not_evaluated(&self) -> bool {
        matches!(self, Signal::NotEvaluated { .. })
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signal::Hit { evidence } => write!(f, "hit ({evidence})"),
            Signal::NoHit => f.write_str("no hit"),
            Signal::NotEvaluated { missing } => write!(f, "not evaluated ({missing})"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn every_variant_is_checked_against_its_domain() {
        use time::macros::datetime;
        let travel = |distance_km, hours, speed_kmh| Evidence::Travel {
            distance_km,
            hours,
            speed_kmh,
        };
        let hour = |hour_of_week, share| Evidence::Hour {
            hour_of_week,
            share,
        };
        let count = |window_seconds| Evidence::Count {
            count: u32::MAX,
            window_seconds,
        };
        let within = [
            Evidence::Flag,
            Evidence::Age { seconds: -300 },
            Evidence::Age {
                seconds: MAX_SPAN_SECONDS,
            },
            Evidence::Skew { seconds: 0 },
            count(0),
            Evidence::Network {
                network: Some("192.0.2.7/32".parse().unwrap()),
                asn: Some(u32::MAX),
            },
            Evidence::Since {
                at: datetime!(1964-09-14 6:18 UTC),
            },
            Evidence::Since {
                at: datetime!(9999-12-31 23:00 -01:00),
            },
            travel(0.0, 0.0, 0.0),
            travel(crate::model::geo::MAX_DISTANCE_KM, 1.0, 1e300),
            hour(167, 1.0),
            hour(0, 0.0),
            Evidence::Score { value: -1e300 },
        ];
        for e in within {
            assert_eq!(e.check(), Ok(()), "{e:?}");
        }
        let outside = [
            (Evidence::Age { seconds: -301 }, "age.seconds"),
            (
                Evidence::Age {
                    seconds: MAX_SPAN_SECONDS + 1,
                },
                "age.seconds",
            ),
            (Evidence::Skew { seconds: -1 }, "skew.seconds"),
            (count(-1), "count.window_seconds"),
            (
                Evidence::Since {
                    at: datetime!(-0001-01-01 0:00 UTC),
                },
                "since.at",
            ),
            (
                Evidence::Since {
                    at: datetime!(2025-10-08 0:00 +01:00:30),
                },
                "since.at",
            ),
            (travel(-0.1, 1.0, 1.0), "travel.distance_km"),
            (
                travel(crate::model::geo::MAX_DISTANCE_KM + 1.0, 1.0, 1.0),
                "travel.distance_km",
            ),
            (travel(1.0, -1.0, 1.0), "travel.hours"),
            (travel(1.0, f64::NAN, 1.0), "travel.hours"),
            (travel(1.0, 1.0, f64::INFINITY), "travel.speed_kmh"),
            (travel(1.0, 1.0, -1.0), "travel.speed_kmh"),
            (hour(168, 0.5), "hour.hour_of_week"),
            (hour(3, 1.0001), "hour.share"),
            (hour(3, f64::NAN), "hour.share"),
            (Evidence::Score { value: f64::NAN }, "score.value"),
        ];
        for (e, field) in outside {
            assert_eq!(e.check().map_err(|e| e.field), Err(field), "{e:?}");
        }
    }

    #[test]
    fn signals_serialize_readably() {
        let s = Signal::hit(Evidence::Age { seconds: 3600 });
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"result":"hit","evidence":{"kind":"age","seconds":3600}}"#
        );
        let s = Signal::missing(Missing::Input("credential.activated_at"));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"result":"not_evaluated","missing":"input","input":"credential.activated_at"}"#
        );
        assert_eq!(
            s.to_string(),
            "not evaluated (no `credential.activated_at`)"
        );
        assert_eq!(
            Signal::hit(Evidence::Age { seconds: 7200 }).to_string(),
            "hit (age 2 h)"
        );
    }
}
