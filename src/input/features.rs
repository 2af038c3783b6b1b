//! The features of a login that history is kept on, and the bounded history itself.
//!
//! Two hierarchies, as in Freeman et al. (NDSS 2016): network → ASN → country, and full user
//! agent → browser → OS → device type. The network level is the request's /24 (IPv4) or /48
//! (IPv6) rather than the exact address: a professional's DHCP lease changes inside one prefix,
//! and a prefix is less personal data to keep. The same [`FeatureHistory`] holds one
//! professional's history in a [`Profile`](crate::Profile) (small caps) and the whole provider's
//! in [`PopulationStats`](crate::PopulationStats) (large caps).

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use crate::history::count_table::{CountTable, CountTableError, CountTableWire};
use crate::model::digest::Digest128;
use crate::model::geo::CountryCode;
use crate::model::user_agent::{Browser, DeviceType, Os, UserAgentClass};

/// Prefix length that stands for "one network" of an IPv4 client.
pub const IPV4_NETWORK_PREFIX: u8 = 24;
/// Prefix length that stands for "one network" of an IPv6 client (a site allocation).
pub const IPV6_NETWORK_PREFIX: u8 = 48;

/// The network (/24 or /48) an address belongs to; IPv4-mapped IPv6 counts as IPv4.
pub fn network_of(ip: IpAddr) -> IpNet {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpNet::V4(Ipv4Net::new_assert(v4, IPV4_NETWORK_PREFIX).trunc()),
        IpAddr::V6(v6) => IpNet::V6(Ipv6Net::new_assert(v6, IPV6_NETWORK_PREFIX).trunc()),
    }
}

/// `net` if it is no longer than a /24 (IPv4) or /48 (IPv6), else the /24 or /48 it lies in
/// (IPv4 for an IPv4-mapped network): the most of an address the crate shows outside a
/// profile. A host route (`/32`, `/128`) is one client's address. Host bits are cleared, so
/// `192.0.2.7/8` shows as `192.0.0.0/8`, not the address.
pub(crate) fn coarse_network(net: IpNet) -> IpNet {
    let max = match net {
        IpNet::V4(_) => IPV4_NETWORK_PREFIX,
        IpNet::V6(_) => IPV6_NETWORK_PREFIX,
    };
    if net.prefix_len() <= max {
        net.trunc()
    } else {
        network_of(net.network())
    }
}

/// The user-agent features of a login.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct UserAgentFeatures {
    /// Hash of the full user-agent string.
    pub hash: Digest128,
    /// Browser family.
    pub browser: Browser,
    /// Operating system family.
    pub os: Os,
    /// Device type.
    pub device: DeviceType,
}
crate::model::wire::map_only!(UserAgentFeatures);

impl UserAgentFeatures {
    /// Hash a user-agent string and classify it with [`UserAgentClass::parse`].
    ///
    /// The hash covers the exact bytes: two strings that differ by one character are two user
    /// agents, as in Freeman et al.
    ///
    /// ```
    /// use ecps_risk::{Browser, UserAgentFeatures};
    ///
    /// let ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    /// let f = UserAgentFeatures::from_user_agent(ua);
    /// assert_eq!(f.browser, Browser::Firefox);
    /// assert_eq!(f, UserAgentFeatures::from_user_agent(ua));
    /// assert_ne!(f.hash, UserAgentFeatures::from_user_agent("curl/8.5.0").hash);
    /// ```
    pub fn from_user_agent(ua: &str) -> UserAgentFeatures {
        let class = UserAgentClass::parse(ua);
        UserAgentFeatures {
            hash: Digest128::of("user-agent", &[ua.as_bytes()]),
            browser: class.browser,
            os: class.os,
            device: class.device,
        }
    }
}

/// The features of one login that histories count. Each is optional: a feature the caller
/// could not observe is simply not counted, nor scored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoginFeatures {
    /// The request's /24 or /48.
    pub network: Option<IpNet>,
    /// The request's autonomous system.
    pub asn: Option<u32>,
    /// The request's country.
    pub country: Option<CountryCode>,
    /// The request's user agent.
    pub user_agent: Option<UserAgentFeatures>,
}

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
    pub devices: CountTable<DeviceType>,
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
            devices: table(self.devices, "devices")?,
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
            self.devices
                .observe_as(ua.device, at, usize::MAX, confirmed);
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
            self.devices.unobserve(&ua.device, at, confirmed);
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
            self.devices.confirm(&ua.device, at);
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

    #[test]
    fn networks_of_addresses() {
        let n = network_of("192.0.2.77".parse().unwrap());
        assert_eq!(n.to_string(), "192.0.2.0/24");
        let n = network_of("::ffff:192.0.2.77".parse().unwrap());
        assert_eq!(n.to_string(), "192.0.2.0/24");
        let n = network_of("2001:db8:abcd:12::1".parse().unwrap());
        assert_eq!(n.to_string(), "2001:db8:abcd::/48");
    }

    #[test]
    fn coarse_networks() {
        let coarse = |s: &str| coarse_network(s.parse().unwrap()).to_string();
        assert_eq!(coarse("10.0.0.0/8"), "10.0.0.0/8");
        assert_eq!(coarse("192.0.2.0/24"), "192.0.2.0/24");
        assert_eq!(coarse("192.0.2.7/32"), "192.0.2.0/24");
        assert_eq!(coarse("192.0.2.128/25"), "192.0.2.0/24");
        assert_eq!(coarse("2001:db8:1::/48"), "2001:db8:1::/48");
        assert_eq!(coarse("2001:db8:1:2::5/128"), "2001:db8:1::/48");
        assert_eq!(coarse("::ffff:192.0.2.7/128"), "192.0.2.0/24");
        // Host bits never show, whatever the prefix.
        assert_eq!(coarse("192.0.2.7/8"), "192.0.0.0/8");
        assert_eq!(coarse("2001:db8:1:2::5/32"), "2001:db8::/32");
        // A network of IPv6 reaching past the IPv4-mapped range stays IPv6.
        assert_eq!(coarse("::ffff:220.220.220.220/91"), "::/48");
    }

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
