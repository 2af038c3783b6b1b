//! The bounded counts of every login feature seen: one professional's history in a
//! [`Profile`](crate::Profile) (small caps) and the whole provider's in
//! [`PopulationStats`](crate::PopulationStats) (large caps).

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::history::count_table::{CountTable, CountTableError, CountTableWire};
use crate::input::features::LoginFeatures;
use crate::model::digest::Digest128;
use crate::model::geo::CountryCode;
use crate::model::user_agent::{Browser, DeviceType, Os};

/// Caps of the tables of a [`FeatureHistory`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureCaps {
    /// Distinct networks kept.
    pub networks: usize,
    /// Distinct ASNs kept.
    pub asns: usize,
    /// Distinct countries kept.
    pub countries: usize,
    /// Distinct full user agents kept.
    pub user_agents: usize,
}

/// Counts of every feature value seen, bounded by [`FeatureCaps`]. The browser, OS and device
/// tables have few possible values and are never evicted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FeatureHistoryWire")]
pub struct FeatureHistory {
    /// Networks (/24, /48).
    pub networks: CountTable<IpNet>,
    /// Autonomous systems.
    pub asns: CountTable<u32>,
    /// Countries.
    pub countries: CountTable<CountryCode>,
    /// Full user agents, hashed.
    pub user_agents: CountTable<Digest128>,
    /// Browser families.
    pub browsers: CountTable<Browser>,
    /// Operating systems.
    pub oses: CountTable<Os>,
    /// Device types.
    #[serde(rename = "devices")]
    pub device_types: CountTable<DeviceType>,
}

/// The stored form of a [`FeatureHistory`]: its tables unchecked until
/// [`FeatureHistoryWire::check`] names the one that is wrong.
#[derive(Default, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub(crate) struct FeatureHistoryWire {
    networks: CountTableWire<IpNet>,
    asns: CountTableWire<u32>,
    countries: CountTableWire<CountryCode>,
    user_agents: CountTableWire<Digest128>,
    browsers: CountTableWire<Browser>,
    oses: CountTableWire<Os>,
    devices: CountTableWire<DeviceType>,
}
crate::model::wire::map_only!(deserialize FeatureHistoryWire);

/// A table of a stored history that breaks the table's invariants.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("table `{table}`: {source}")]
pub(crate) struct TableError {
    /// The table's field name (`networks`, `asns`, …).
    pub(crate) table: &'static str,
    /// What is wrong.
    #[source]
    pub(crate) source: CountTableError,
}

impl FeatureHistoryWire {
    /// The history, each table checked ([`CountTableWire::check`]), or the first table that
    /// is wrong, by field name.
    pub(crate) fn check(self) -> Result<FeatureHistory, TableError> {
        fn table<K: Ord + Copy + Serialize>(
            wire: CountTableWire<K>,
            table: &'static str,
        ) -> Result<CountTable<K>, TableError> {
            wire.check().map_err(|source| TableError { table, source })
        }
        Ok(FeatureHistory {
            networks: table(self.networks, "networks")?,
            asns: table(self.asns, "asns")?,
            countries: table(self.countries, "countries")?,
            user_agents: table(self.user_agents, "user_agents")?,
            browsers: table(self.browsers, "browsers")?,
            oses: table(self.oses, "oses")?,
            device_types: table(self.devices, "devices")?,
        })
    }
}

impl TryFrom<FeatureHistoryWire> for FeatureHistory {
    type Error = TableError;
    fn try_from(wire: FeatureHistoryWire) -> Result<Self, TableError> {
        wire.check()
    }
}

impl FeatureHistory {
    /// Count the features of one login seen at `at` (Unix seconds).
    pub fn observe(&mut self, features: &LoginFeatures, at: i64, caps: &FeatureCaps) {
        self.observe_as(features, at, caps, false);
    }

    /// [`FeatureHistory::observe`], the login `confirmed` or not (the CPS card, a person: see
    /// [`CountTable`]).
    pub fn observe_as(
        &mut self,
        features: &LoginFeatures,
        at: i64,
        caps: &FeatureCaps,
        confirmed: bool,
    ) {
        if let Some(n) = features.network {
            self.networks.observe_as(n, at, caps.networks, confirmed);
        }
        if let Some(a) = features.asn {
            self.asns.observe_as(a, at, caps.asns, confirmed);
        }
        if let Some(c) = features.country {
            self.countries.observe_as(c, at, caps.countries, confirmed);
        }
        if let Some(ua) = features.user_agent {
            self.user_agents
                .observe_as(ua.hash, at, caps.user_agents, confirmed);
            self.browsers
                .observe_as(ua.browser, at, usize::MAX, confirmed);
            self.oses.observe_as(ua.os, at, usize::MAX, confirmed);
            self.device_types
                .observe_as(ua.device_type, at, usize::MAX, confirmed);
        }
    }

    /// Take back what one login seen at `at`, `confirmed` or not, taught
    /// ([`CountTable::unobserve`]): a login confirmed fraudulent.
    pub fn unobserve(&mut self, features: &LoginFeatures, at: i64, confirmed: bool) {
        if let Some(n) = features.network {
            self.networks.unobserve(&n, at, confirmed);
        }
        if let Some(a) = features.asn {
            self.asns.unobserve(&a, at, confirmed);
        }
        if let Some(c) = features.country {
            self.countries.unobserve(&c, at, confirmed);
        }
        if let Some(ua) = features.user_agent {
            self.user_agents.unobserve(&ua.hash, at, confirmed);
            self.browsers.unobserve(&ua.browser, at, confirmed);
            self.oses.unobserve(&ua.os, at, confirmed);
            self.device_types.unobserve(&ua.device_type, at, confirmed);
        }
    }

    /// Confirm what one login seen at `at`, learned unconfirmed, taught
    /// ([`CountTable::confirm`]): the card or a person vouched for it afterwards.
    pub fn confirm(&mut self, features: &LoginFeatures, at: i64) {
        if let Some(n) = features.network {
            self.networks.confirm(&n, at);
        }
        if let Some(a) = features.asn {
            self.asns.confirm(&a, at);
        }
        if let Some(c) = features.country {
            self.countries.confirm(&c, at);
        }
        if let Some(ua) = features.user_agent {
            self.user_agents.confirm(&ua.hash, at);
            self.browsers.confirm(&ua.browser, at);
            self.oses.confirm(&ua.os, at);
            self.device_types.confirm(&ua.device_type, at);
        }
    }

    /// True when every table is within `caps` (checked on stored histories).
    pub fn within(&self, caps: &FeatureCaps) -> bool {
        self.networks.len() <= caps.networks
            && self.asns.len() <= caps.asns
            && self.countries.len() <= caps.countries
            && self.user_agents.len() <= caps.user_agents
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use crate::input::features::network_of;

    #[test]
    fn observe_respects_caps() {
        let caps = FeatureCaps {
            networks: 2,
            asns: 2,
            countries: 2,
            user_agents: 2,
        };
        let mut h = FeatureHistory::default();
        for (i, ip) in ["10.0.1.1", "10.0.2.1", "10.0.3.1"].iter().enumerate() {
            let f = LoginFeatures {
                network: Some(network_of(ip.parse().unwrap())),
                asn: Some(i as u32),
                country: None,
                user_agent: None,
            };
            h.observe(&f, i as i64, &caps);
        }
        assert!(h.within(&caps));
        assert_eq!(h.networks.len(), 2);
        assert_eq!(h.networks.total(), 3);
        assert!(h.countries.is_empty());
    }
}
