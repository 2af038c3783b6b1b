//! The features of a login that history is kept on ([`FeatureHistory`](crate::history::FeatureHistory)
//! counts them).
//!
//! Two hierarchies, as in Freeman et al. (NDSS 2016): network → ASN → country, and full user
//! agent → browser → OS → device type. The network level is the request's /24 (IPv4) or /48
//! (IPv6) rather than the exact address: a professional's DHCP lease changes inside one prefix,
//! and a prefix is less personal data to keep. The same [`FeatureHistory`](crate::history::FeatureHistory) holds one
//! professional's history in a [`Profile`](crate::Profile) (small caps) and the whole provider's
//! in [`PopulationStats`](crate::PopulationStats) (large caps).

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

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
    /// Device type (serialized as `device`, its name before 0.2).
    #[serde(rename = "device")]
    pub device_type: DeviceType,
}
crate::model::wire::map_only!(UserAgentFeatures);

impl UserAgentFeatures {
    /// Hash a user-agent string and classify it with [`UserAgentClass::parse`].
    ///
    /// The hash covers the exact bytes: two strings that differ by one character are two user
    /// agents, as in Freeman et al.
    ///
    /// ```
    /// use ecps_risk::{model::Browser, input::UserAgentFeatures};
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
            device_type: class.device_type,
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
}
