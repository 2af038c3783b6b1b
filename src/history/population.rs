//! Provider-wide feature frequencies: the "population" side of the statistical anomaly score.
//!
//! The caller builds a [`PopulationStats`] from its own logs of verified-good logins (any
//! professional), stores it (serde), reloads it and shares it read-only with every request
//! thread; [`anomaly_score`](crate::history::anomaly_score) compares one professional's history with it.
//! Tables are bounded by [`POPULATION_CAPS`]: past a cap, the least recently seen values are
//! evicted, so a population covering years of logins keeps a bounded size (a few MB of JSON).

use serde::{Deserialize, Serialize};

use crate::history::feature_history::{FeatureCaps, FeatureHistory, FeatureHistoryWire};
use crate::input::features::LoginFeatures;

/// The version of the serialized form written by this crate.
pub const POPULATION_FORMAT_VERSION: u32 = 1;

/// Caps of the population tables.
///
/// Sized for the French health professions (about 1.2 million professionals, a few hundred
/// thousand active per month on a given service): 50,000 networks and 20,000 ASNs cover the
/// long tail of French access networks with room to spare, 250 countries cover ISO 3166-1, and
/// 20,000 full user agents cover the browser and app versions in use at any time (frozen,
/// reduced user agents make them few).
pub const POPULATION_CAPS: FeatureCaps = FeatureCaps {
    networks: 50_000,
    asns: 20_000,
    countries: 250,
    user_agents: 20_000,
};

/// How often each feature value was seen across every professional's logins.
///
/// Immutable once built for scoring: share it behind an `Arc`; it is `Send + Sync`.
///
/// ```
/// use ecps_risk::{model::CountryCode, input::LoginFeatures, PopulationStats, input::UserAgentFeatures, input::network_of};
///
/// let mut population = PopulationStats::new();
/// let login = LoginFeatures {
///     network: Some(network_of("192.0.2.10".parse().unwrap())),
///     asn: Some(3215),
///     country: Some(CountryCode::FR),
///     user_agent: Some(UserAgentFeatures::from_user_agent(
///         "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
///     )),
/// };
/// population.observe(&login, 1_767_225_600);
/// population.set_users(1);
/// assert_eq!(population.logins(), 1);
/// assert_eq!(population.history().asns.count(&3215), 1);
///
/// // Stored and reloaded as JSON (or any serde format).
/// let json = serde_json::to_string(&population).unwrap();
/// let back: PopulationStats = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, population);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PopulationWire", into = "PopulationOut")]
pub struct PopulationStats {
    logins: u64,
    users: u64,
    history: FeatureHistory,
}

/// The serialized form, checked on the way in.
#[derive(Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
struct PopulationWire {
    format_version: u32,
    logins: u64,
    users: u64,
    history: FeatureHistoryWire,
}
crate::model::wire::map_only!(deserialize PopulationWire);

/// The serialized form, on the way out.
#[derive(Serialize)]
struct PopulationOut {
    format_version: u32,
    logins: u64,
    users: u64,
    history: FeatureHistory,
}

/// A stored population that this version of the crate cannot use.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PopulationStatsError {
    /// Written by another version of the crate (a newer one, usually): refusing it beats
    /// silently scoring against an empty population.
    #[error("population format version `{found}` is not supported (expected `{expected}`)")]
    UnsupportedVersion {
        /// The stored version.
        found: u32,
        /// The version this crate reads.
        expected: u32,
    },
    /// A table holds more values than [`POPULATION_CAPS`] allows.
    #[error("population table `{table}` holds `{len}` values, above its cap `{cap}`")]
    OverCap {
        /// The table (`networks`, `asns`, `countries`, `user_agents`).
        table: &'static str,
        /// Its number of values.
        len: usize,
        /// Its cap.
        cap: usize,
    },
    /// A table breaks its invariants (a value twice, a count of 0, a time out of range).
    #[error("population table `{table}`: {source}")]
    Table {
        /// The table (`networks`, `asns`, …).
        table: &'static str,
        /// What is wrong, naming the entry's value.
        source: crate::history::count_table::CountTableError,
    },
    /// A table counts more observations than there were logins.
    #[error("population table `{table}` counts `{total}` observations for `{logins}` logins")]
    TotalAboveLogins {
        /// The table.
        table: &'static str,
        /// Its total.
        total: u64,
        /// The stored number of logins.
        logins: u64,
    },
}

impl TryFrom<PopulationWire> for PopulationStats {
    type Error = PopulationStatsError;
    fn try_from(wire: PopulationWire) -> Result<Self, PopulationStatsError> {
        if wire.format_version != POPULATION_FORMAT_VERSION {
            return Err(PopulationStatsError::UnsupportedVersion {
                found: wire.format_version,
                expected: POPULATION_FORMAT_VERSION,
            });
        }
        let history = wire
            .history
            .check()
            .map_err(|e| PopulationStatsError::Table {
                table: e.table,
                source: e.source,
            })?;
        let h = &history;
        let caps = POPULATION_CAPS;
        for (table, len, cap) in [
            ("networks", h.networks.len(), caps.networks),
            ("asns", h.asns.len(), caps.asns),
            ("countries", h.countries.len(), caps.countries),
            ("user_agents", h.user_agents.len(), caps.user_agents),
        ] {
            if len > cap {
                return Err(PopulationStatsError::OverCap { table, len, cap });
            }
        }
        for (table, total) in [
            ("networks", h.networks.total()),
            ("asns", h.asns.total()),
            ("countries", h.countries.total()),
            ("user_agents", h.user_agents.total()),
            ("browsers", h.browsers.total()),
            ("oses", h.oses.total()),
            ("devices", h.device_types.total()),
        ] {
            if total > wire.logins {
                return Err(PopulationStatsError::TotalAboveLogins {
                    table,
                    total,
                    logins: wire.logins,
                });
            }
        }
        Ok(PopulationStats {
            logins: wire.logins,
            users: wire.users,
            history,
        })
    }
}

impl From<PopulationStats> for PopulationOut {
    fn from(p: PopulationStats) -> Self {
        PopulationOut {
            format_version: POPULATION_FORMAT_VERSION,
            logins: p.logins,
            users: p.users,
            history: p.history,
        }
    }
}

impl PopulationStats {
    /// An empty population.
    pub fn new() -> Self {
        Self::default()
    }

    /// Count one verified-good login seen at `at_unix_s`, whoever made it.
    ///
    /// Feed only logins the provider trusts (as for a professional's profile): counting attacks
    /// would teach the score that attackers' networks are normal. When a table is full, adding a
    /// new value costs a scan of the table (to pick the least recently seen value to evict), so
    /// build populations off the request path.
    pub fn observe(&mut self, features: &LoginFeatures, at_unix_s: i64) {
        self.logins = self.logins.saturating_add(1);
        self.history.observe(features, at_unix_s, &POPULATION_CAPS);
    }

    /// Set the number of distinct professionals the logins come from (the caller knows it, the
    /// features do not carry it). Freeman et al.'s prior `p(u | attack) = 1 / users` needs it;
    /// left at 0, the score leaves the prior out.
    pub fn set_users(&mut self, users: u64) {
        self.users = users;
    }

    /// The frequency tables.
    pub fn history(&self) -> &FeatureHistory {
        &self.history
    }

    /// Logins counted.
    pub fn logins(&self) -> u64 {
        self.logins
    }

    /// Distinct professionals, as set by [`set_users`](Self::set_users) (0 if unknown).
    pub fn users(&self) -> u64 {
        self.users
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;
    use crate::input::features::{UserAgentFeatures, network_of};
    use crate::model::geo::CountryCode;

    fn login(ip: &str, asn: u32) -> LoginFeatures {
        LoginFeatures {
            network: Some(network_of(ip.parse().unwrap())),
            asn: Some(asn),
            country: Some(CountryCode::FR),
            user_agent: Some(UserAgentFeatures::from_user_agent("curl/8.5.0")),
        }
    }

    #[test]
    fn observe_counts() {
        let mut p = PopulationStats::new();
        p.observe(&login("10.0.0.1", 1), 10);
        p.observe(&login("10.0.0.2", 1), 11);
        p.observe(&LoginFeatures::default(), 12);
        assert_eq!(p.logins(), 3);
        assert_eq!(
            p.history()
                .networks
                .count(&network_of("10.0.0.9".parse().unwrap())),
            2
        );
        assert_eq!(p.history().asns.total(), 2);
        assert_eq!(p.users(), 0);
    }

    #[test]
    fn serde_round_trip_and_version() {
        let mut p = PopulationStats::new();
        p.observe(&login("10.0.0.1", 1), 10);
        p.set_users(7);
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"format_version\":1"), "{json}");
        let back: PopulationStats = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);

        let future = json.replace("\"format_version\":1", "\"format_version\":2");
        let e = serde_json::from_str::<PopulationStats>(&future).unwrap_err();
        assert!(
            e.to_string()
                .contains("population format version `2` is not supported (expected `1`)"),
            "{e}"
        );

        let unknown = json.replacen('{', "{\"extra\":0,", 1);
        assert!(serde_json::from_str::<PopulationStats>(&unknown).is_err());

        let missing = json.replace("\"format_version\":1,", "");
        assert!(serde_json::from_str::<PopulationStats>(&missing).is_err());
    }

    #[test]
    fn rejects_inconsistent_totals() {
        let mut p = PopulationStats::new();
        p.observe(&login("10.0.0.1", 1), 10);
        let json = serde_json::to_string(&p).unwrap();
        let bad = json.replace("\"logins\":1", "\"logins\":0");
        let e = serde_json::from_str::<PopulationStats>(&bad).unwrap_err();
        assert!(
            e.to_string()
                .contains("counts `1` observations for `0` logins"),
            "{e}"
        );
    }

    #[test]
    fn rejects_tables_over_cap() {
        let mut p = PopulationStats::new();
        for i in 0..(POPULATION_CAPS.countries + 1) {
            let code = [b'A' + (i / 26 % 26) as u8, b'A' + (i % 26) as u8];
            let c = CountryCode::parse(std::str::from_utf8(&code).unwrap()).unwrap();
            // Bypass the cap through the history directly, as a tampered file would.
            p.history.countries.observe(c, 1, usize::MAX);
            p.logins += 1;
        }
        let json = serde_json::to_string(&p).unwrap();
        let e = serde_json::from_str::<PopulationStats>(&json).unwrap_err();
        assert!(
            e.to_string()
                .contains("table `countries` holds `251` values, above its cap `250`"),
            "{e}"
        );
    }

    #[test]
    fn caps_hold_when_observing() {
        let mut p = PopulationStats::new();
        for i in 0..300u32 {
            let code = [b'A' + (i / 26 % 26) as u8, b'A' + (i % 26) as u8];
            let c = CountryCode::parse(std::str::from_utf8(&code).unwrap()).unwrap();
            let f = LoginFeatures {
                country: Some(c),
                ..LoginFeatures::default()
            };
            p.observe(&f, i64::from(i));
        }
        assert_eq!(p.history().countries.len(), POPULATION_CAPS.countries);
        assert_eq!(p.history().countries.total(), 300);
    }

    #[test]
    fn send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PopulationStats>();
    }
}
