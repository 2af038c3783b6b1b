//! The professional's local time, for habits by hour of the week.
//!
//! Metropolitan France follows the EU rule (in force since 1996): UTC+1, and UTC+2 from the last
//! Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC. Overseas territories keep
//! one offset all year (Réunion UTC+4, Martinique UTC−4, …), which the caller passes as a
//! [`LocalTime::Fixed`] offset. No time-zone database is needed for either.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, Time, UtcOffset, Weekday};

use crate::model::geo::CountryCode;

/// How to turn a UTC instant into the professional's wall-clock time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LocalTime {
    /// Europe/Paris: UTC+1, UTC+2 in summer (EU rule).
    #[default]
    EuropeParis,
    /// A fixed offset from UTC, in minutes (−720 to 840), e.g. `240` for La Réunion.
    // Read from a map only, like every struct of the wire forms (`crate::model::wire`).
    #[serde(deserialize_with = "fixed_from_map")]
    Fixed {
        /// Minutes east of UTC.
        offset_minutes: i16,
    },
}

/// The fields of [`LocalTime::Fixed`], read from a map only.
#[derive(Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
struct FixedFields {
    offset_minutes: i16,
}
crate::model::wire::map_only!(deserialize FixedFields);

fn fixed_from_map<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i16, D::Error> {
    <FixedFields as Deserialize>::deserialize(deserializer).map(|fields| fields.offset_minutes)
}

/// Hours in a week: the size of an hour-of-week histogram.
pub const HOURS_PER_WEEK: usize = 168;

impl LocalTime {
    /// The offset in force at `utc`. A fixed offset outside −12 h..+14 h falls back to UTC;
    /// context validation rejects such offsets before they get here.
    pub fn offset_at(&self, utc: OffsetDateTime) -> UtcOffset {
        match *self {
            LocalTime::EuropeParis => {
                let utc = utc.checked_to_offset(UtcOffset::UTC).unwrap_or(utc);
                let year = utc.year();
                let summer = match (
                    eu_switch(year, Month::March),
                    eu_switch(year, Month::October),
                ) {
                    (Some(start), Some(end)) => utc >= start && utc < end,
                    _ => false,
                };
                let hours = if summer { 2 } else { 1 };
                UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC)
            }
            LocalTime::Fixed { offset_minutes } => {
                UtcOffset::from_whole_seconds(i32::from(offset_minutes) * 60)
                    .unwrap_or(UtcOffset::UTC)
            }
        }
    }

    /// The rule of a French territory, by its ISO code: Europe/Paris for metropolitan France
    /// (and Monaco), the territory's standard offset overseas. Saint-Pierre-et-Miquelon
    /// observes North American summer time, which a fixed offset cannot follow: its standard
    /// offset is used, an hour off in summer. `None` for other countries.
    pub fn for_territory(country: CountryCode) -> Option<LocalTime> {
        let minutes = match country.as_str() {
            "FR" | "MC" => return Some(LocalTime::EuropeParis),
            "GP" | "MQ" | "BL" | "MF" => -240,
            "GF" | "PM" => -180,
            "RE" => 240,
            "YT" => 180,
            "NC" => 660,
            "WF" => 720,
            "PF" => -600,
            _ => return None,
        };
        Some(LocalTime::Fixed {
            offset_minutes: minutes,
        })
    }

    /// True when a fixed offset is a real one (−12:00 to +14:00).
    pub fn is_valid(&self) -> bool {
        match *self {
            LocalTime::EuropeParis => true,
            LocalTime::Fixed { offset_minutes } => (-720..=840).contains(&offset_minutes),
        }
    }

    /// The wall-clock time at `utc`. In the last hours of year 9999, where the local time
    /// would be past the range `time` represents, `utc` at its own offset: every caller
    /// (habits, reports) shows or uses the offset it gets, so the fallback is never silent.
    pub fn local(&self, utc: OffsetDateTime) -> OffsetDateTime {
        utc.checked_to_offset(self.offset_at(utc)).unwrap_or(utc)
    }

    /// Hour of the week in local time: 0 is Monday 00:00–00:59, 167 is Sunday 23:00–23:59
    /// (taken at `utc`'s own offset where [`LocalTime::local`] falls back).
    pub fn hour_of_week(&self, utc: OffsetDateTime) -> u8 {
        let local = self.local(utc);
        let day = local.weekday().number_days_from_monday();
        day * 24 + local.hour()
    }
}

/// 01:00 UTC on the last Sunday of `month`: when EU clocks change.
fn eu_switch(year: i32, month: Month) -> Option<OffsetDateTime> {
    let last_day = Date::from_calendar_date(year, month, 31).ok()?;
    let back = last_day.weekday().number_days_from_sunday();
    let sunday = last_day.checked_sub(time::Duration::days(i64::from(back)))?;
    debug_assert_eq!(sunday.weekday(), Weekday::Sunday);
    Some(sunday.with_time(Time::from_hms(1, 0, 0).ok()?).assume_utc())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn paris_winter_and_summer() {
        let p = LocalTime::EuropeParis;
        assert_eq!(
            p.offset_at(datetime!(2025-01-15 12:00 UTC)).whole_hours(),
            1
        );
        assert_eq!(
            p.offset_at(datetime!(2025-07-15 12:00 UTC)).whole_hours(),
            2
        );
    }

    #[test]
    fn paris_switch_instants_2025() {
        let p = LocalTime::EuropeParis;
        // 2025: summer time from Sunday 30 March 01:00 UTC to Sunday 26 October 01:00 UTC.
        assert_eq!(
            p.offset_at(datetime!(2025-03-30 00:59:59 UTC))
                .whole_hours(),
            1
        );
        assert_eq!(
            p.offset_at(datetime!(2025-03-30 01:00 UTC)).whole_hours(),
            2
        );
        assert_eq!(
            p.offset_at(datetime!(2025-10-26 00:59:59 UTC))
                .whole_hours(),
            2
        );
        assert_eq!(
            p.offset_at(datetime!(2025-10-26 01:00 UTC)).whole_hours(),
            1
        );
        // 2026: 29 March and 25 October.
        assert_eq!(
            p.offset_at(datetime!(2026-03-29 01:00 UTC)).whole_hours(),
            2
        );
        assert_eq!(
            p.offset_at(datetime!(2026-03-28 12:00 UTC)).whole_hours(),
            1
        );
        assert_eq!(
            p.offset_at(datetime!(2026-10-25 00:30 UTC)).whole_hours(),
            2
        );
        assert_eq!(
            p.offset_at(datetime!(2026-10-25 01:00 UTC)).whole_hours(),
            1
        );
    }

    #[test]
    fn hour_of_week_follows_local_wall_clock() {
        let p = LocalTime::EuropeParis;
        // Monday 2025-01-06 07:30 UTC is 08:30 in Paris: hour 8 of the week.
        assert_eq!(p.hour_of_week(datetime!(2025-01-06 07:30 UTC)), 8);
        // Same wall-clock hour in summer is one UTC hour earlier.
        assert_eq!(p.hour_of_week(datetime!(2025-07-07 06:30 UTC)), 8);
        // Sunday 23:30 UTC in winter is Monday 00:30 in Paris: hour 0.
        assert_eq!(p.hour_of_week(datetime!(2025-01-05 23:30 UTC)), 0);
        // Sunday 22:30 UTC in winter is Sunday 23:30 in Paris: the last hour, 167.
        assert_eq!(p.hour_of_week(datetime!(2025-01-05 22:30 UTC)), 167);
        let reunion = LocalTime::Fixed {
            offset_minutes: 240,
        };
        assert_eq!(reunion.hour_of_week(datetime!(2025-07-07 06:30 UTC)), 10);
        let martinique = LocalTime::Fixed {
            offset_minutes: -240,
        };
        // Monday 02:00 UTC is Sunday 22:00 in Martinique.
        assert_eq!(
            martinique.hour_of_week(datetime!(2025-07-07 02:00 UTC)),
            6 * 24 + 22
        );
    }

    #[test]
    fn local_time_past_9999_falls_back_to_the_given_offset() {
        let utc = datetime!(9999-12-31 23:30 UTC);
        assert_eq!(LocalTime::EuropeParis.local(utc), utc);
        assert_eq!(LocalTime::EuropeParis.local(utc).offset(), UtcOffset::UTC);
        let kiribati = LocalTime::Fixed {
            offset_minutes: 840,
        };
        assert_eq!(
            kiribati.local(datetime!(9999-12-31 10:00 UTC)).offset(),
            UtcOffset::UTC
        );
        let local = kiribati.local(datetime!(9999-12-31 09:30 UTC));
        assert_eq!((local.year(), local.hour()), (9999, 23));
        assert_eq!(local.offset().whole_hours(), 14);
    }

    #[test]
    fn territories() {
        let t = |c: &str| LocalTime::for_territory(c.parse().unwrap());
        assert_eq!(t("FR"), Some(LocalTime::EuropeParis));
        assert_eq!(
            t("RE"),
            Some(LocalTime::Fixed {
                offset_minutes: 240
            })
        );
        assert_eq!(
            t("MQ"),
            Some(LocalTime::Fixed {
                offset_minutes: -240
            })
        );
        assert_eq!(t("BE"), None);
        for c in [
            "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC",
        ] {
            assert!(t(c).unwrap().is_valid(), "{c}");
        }
    }

    #[test]
    fn fixed_offset_validity() {
        assert!(
            LocalTime::Fixed {
                offset_minutes: 840
            }
            .is_valid()
        );
        assert!(
            !LocalTime::Fixed {
                offset_minutes: 841
            }
            .is_valid()
        );
        assert!(
            !LocalTime::Fixed {
                offset_minutes: -721
            }
            .is_valid()
        );
    }
}
#[cfg(test)]
mod wire_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fixed_offsets_are_read_from_maps_only() {
        let fixed: LocalTime =
            serde_json::from_str(r#"{"fixed": {"offset_minutes": 240}}"#).unwrap();
        assert_eq!(
            fixed,
            LocalTime::Fixed {
                offset_minutes: 240
            }
        );
        assert_eq!(
            serde_json::to_string(&fixed).unwrap(),
            r#"{"fixed":{"offset_minutes":240}}"#
        );
        let e = serde_json::from_str::<LocalTime>(r#"{"fixed": [240]}"#).unwrap_err();
        assert!(
            e.to_string().contains("expected a map of named fields"),
            "{e}"
        );
        assert!(
            serde_json::from_str::<LocalTime>(r#"{"fixed": {"offset_minutes": 1, "x": 2}}"#)
                .is_err()
        );
        assert_eq!(
            serde_json::from_str::<LocalTime>(r#""europe_paris""#).unwrap(),
            LocalTime::EuropeParis
        );
        let toml_text = "local_time = { fixed = { offset_minutes = -240 } }";
        #[derive(Deserialize)]
        struct Holder {
            local_time: LocalTime,
        }
        let h: Holder = toml::from_str(toml_text).unwrap();
        assert_eq!(
            h.local_time,
            LocalTime::Fixed {
                offset_minutes: -240
            }
        );
    }
}
