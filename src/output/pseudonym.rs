//! What may leave the provider about a professional: keyed pseudonyms ([`PseudonymKey`]) and
//! the [`Privacy`] options of incident reports and audit records.
//!
//! Identifiers (the `idNat_PS`, the e-CPS id, the hashed device cookie, the client address)
//! are replaced by HMAC-SHA256 pseudonyms under a key only the provider holds: the same
//! identifier under the same key always gives the same [`Pseudonym`], so the provider (and the
//! ANS, across one provider's reports) can link records, but nobody without the key can tell
//! whose they are or try candidate ids against them (an unkeyed hash of an 11-digit RPPS number
//! would be reversed by enumeration in seconds). Addresses are truncated to their /24 (IPv4) or
//! /48 (IPv6) network by default.
//!
//! Raw identifiers and full addresses appear only when the caller says so, with [`Privacy`].

use std::fmt;
use std::net::IpAddr;

use hmac::{Hmac, KeyInit, Mac};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::input::features::{coarse_network, network_of};
use crate::model::digest::{Digest128, Pseudonym};
use crate::model::national_id::NationalId;

/// Shortest accepted pseudonym key, in bytes (128 bits).
pub const MIN_KEY_LEN: usize = 16;

/// Why a pseudonym key was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is too short to resist guessing.
    #[error("pseudonym key is `{len}` bytes long, below the minimum of {min}")]
    TooShort {
        /// Its length.
        len: usize,
        /// [`MIN_KEY_LEN`].
        min: usize,
    },
}

/// The provider's secret key for pseudonyms (HMAC-SHA256). Keep it with your other secrets and
/// rotate it as your retention policy says: a new key gives new pseudonyms.
///
/// Its `Debug` output shows the key's public [`id`](PseudonymKey::id), never the key; it has no
/// `Display` and no serde form.
///
/// ```
/// use ecps_risk::{NationalId, PseudonymKey};
///
/// let key = PseudonymKey::new(b"0123456789abcdef-provider-secret")?;
/// let subject: NationalId = "810001234565".parse()?;
/// assert_eq!(key.subject(&subject), key.subject(&subject));
/// let other = PseudonymKey::new(b"another provider's secret key!!")?;
/// assert_ne!(key.subject(&subject), other.subject(&subject));
/// assert!(!format!("{key:?}").contains("provider-secret"));
/// assert!(PseudonymKey::new(b"short").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PseudonymKey {
    /// The HMAC state after absorbing the key, cloned per pseudonym (no rehashing of the key).
    mac: Hmac<Sha256>,
    id: Pseudonym,
}

impl PseudonymKey {
    /// A key from secret bytes (at least [`MIN_KEY_LEN`]; 32 random bytes is the usual choice).
    pub fn new(secret: &[u8]) -> Result<PseudonymKey, KeyError> {
        if secret.len() < MIN_KEY_LEN {
            return Err(KeyError::TooShort {
                len: secret.len(),
                min: MIN_KEY_LEN,
            });
        }
        // HMAC takes keys of any length, so this never fails; map the impossible error anyway.
        let mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(secret).map_err(|_| KeyError::TooShort {
                len: secret.len(),
                min: MIN_KEY_LEN,
            })?;
        let mut key = PseudonymKey {
            mac,
            id: Pseudonym::from_bytes([0; 16]),
        };
        key.id = key.pseudonym("key-id", b"");
        Ok(key)
    }

    /// A public identifier of the key (itself a pseudonym, of nothing), written in reports and
    /// audit records so the provider knows which key to use to link them after a rotation.
    pub fn id(&self) -> Pseudonym {
        self.id
    }

    /// The pseudonym of a professional.
    pub fn subject(&self, id: &NationalId) -> Pseudonym {
        self.pseudonym("subject", id.as_str().as_bytes())
    }

    /// The pseudonym of an e-CPS credential id.
    pub fn credential(&self, id: &str) -> Pseudonym {
        self.pseudonym("credential", id.as_bytes())
    }

    /// The pseudonym of a (hashed) device cookie.
    pub fn device(&self, device: &Digest128) -> Pseudonym {
        self.pseudonym("device", device.as_bytes())
    }

    /// The pseudonym of a client address (IPv4-mapped IPv6 addresses as IPv4).
    pub fn address(&self, ip: IpAddr) -> Pseudonym {
        match ip.to_canonical() {
            IpAddr::V4(v4) => self.pseudonym("ipv4", &v4.octets()),
            IpAddr::V6(v6) => self.pseudonym("ipv6", &v6.octets()),
        }
    }

    /// HMAC over a length-prefixed domain tag and value, so no two kinds of identifier and no
    /// two splits of the same bytes share a pseudonym.
    fn pseudonym(&self, domain: &str, value: &[u8]) -> Pseudonym {
        let mut mac = self.mac.clone();
        mac.update(&(domain.len() as u64).to_be_bytes());
        mac.update(domain.as_bytes());
        mac.update(&(value.len() as u64).to_be_bytes());
        mac.update(value);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        for (o, b) in out.iter_mut().zip(full.iter()) {
            *o = *b;
        }
        Pseudonym::from_bytes(out)
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PseudonymKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// How identifiers appear in reports and records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Identifiers {
    /// Pseudonyms only (the default).
    #[default]
    Pseudonymized,
    /// The `idNat_PS` and the e-CPS id in clear, next to their pseudonyms: only where a legal
    /// basis allows it (e.g. a report the ANS asked for, to deactivate that e-CPS).
    Disclosed,
}

/// How the client address appears in reports and records (its keyed pseudonym is always there,
/// so records stay linkable).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Addresses {
    /// The address's network only: /24 for IPv4, /48 for IPv6 (the default).
    #[default]
    Truncated,
    /// No address, not even truncated (nor networks in rule evidence).
    Omitted,
    /// The full address.
    Disclosed,
}

/// What an incident report or audit record may contain. The default discloses nothing: keyed
/// pseudonyms for identifiers, truncated addresses; user agents appear only as their coarse
/// class (browser, OS, device type), coordinates never.
///
/// ```
/// use ecps_risk::{output::Addresses, output::Identifiers, Privacy};
///
/// let default = Privacy::default();
/// assert_eq!(default.identifiers(), Identifiers::Pseudonymized);
/// assert_eq!(default.addresses(), Addresses::Truncated);
/// // Disclosing is explicit.
/// let for_the_ans = Privacy::default().with_identifiers(Identifiers::Disclosed);
/// assert_eq!(for_the_ans.identifiers(), Identifiers::Disclosed);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Privacy {
    #[serde(default)]
    identifiers: Identifiers,
    #[serde(default)]
    addresses: Addresses,
}
crate::model::wire::map_only!(Privacy);

impl Privacy {
    /// Pseudonyms and truncated addresses (same as `default()`).
    pub const fn pseudonymous() -> Privacy {
        Privacy {
            identifiers: Identifiers::Pseudonymized,
            addresses: Addresses::Truncated,
        }
    }

    /// With identifiers shown this way.
    pub const fn with_identifiers(mut self, identifiers: Identifiers) -> Privacy {
        self.identifiers = identifiers;
        self
    }

    /// With addresses shown this way.
    pub const fn with_addresses(mut self, addresses: Addresses) -> Privacy {
        self.addresses = addresses;
        self
    }

    /// How identifiers are shown.
    pub const fn identifiers(&self) -> Identifiers {
        self.identifiers
    }

    /// How addresses are shown.
    pub const fn addresses(&self) -> Addresses {
        self.addresses
    }

    /// The network to show for a client address: its /24 or /48, or none.
    pub(crate) fn network(&self, ip: IpAddr) -> Option<IpNet> {
        match self.addresses {
            Addresses::Omitted => None,
            Addresses::Truncated | Addresses::Disclosed => Some(network_of(ip)),
        }
    }

    /// The full address, when disclosed.
    pub(crate) fn address(&self, ip: IpAddr) -> Option<IpAddr> {
        match self.addresses {
            Addresses::Disclosed => Some(ip),
            Addresses::Truncated | Addresses::Omitted => None,
        }
    }

    /// A network found in rule evidence (the request's prefix, or the watchlist range that
    /// matched): no longer than a /24 or /48 unless addresses are disclosed, none if omitted.
    pub(crate) fn evidence_network(&self, net: IpNet) -> Option<IpNet> {
        match self.addresses {
            Addresses::Omitted => None,
            Addresses::Disclosed => Some(net),
            Addresses::Truncated => Some(coarse_network(net)),
        }
    }

    pub(crate) fn discloses_identifiers(&self) -> bool {
        self.identifiers == Identifiers::Disclosed
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    fn key(k: &[u8]) -> PseudonymKey {
        PseudonymKey::new(k).unwrap()
    }

    #[test]
    fn hmac_known_answer() {
        // RFC 4231 test case 2 through the same `hmac` + `sha2` pair, to pin the primitive.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let out = mac.finalize().into_bytes();
        let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn domains_are_separated() {
        let k = key(b"0123456789abcdef0123456789abcdef");
        assert_ne!(
            k.credential("810001234565"),
            k.subject(&"810001234565".parse().unwrap())
        );
        assert_ne!(k.id(), k.credential(""));
        assert_eq!(
            k.address("::ffff:192.0.2.7".parse().unwrap()),
            k.address("192.0.2.7".parse().unwrap())
        );
    }

    #[test]
    fn short_keys_are_refused() {
        let e = PseudonymKey::new(&[7; 15]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "pseudonym key is `15` bytes long, below the minimum of 16"
        );
    }

    #[test]
    fn evidence_networks_are_truncated() {
        let p = Privacy::default();
        let n = |s: &str| s.parse::<IpNet>().unwrap();
        assert_eq!(p.evidence_network(n("10.0.0.0/8")), Some(n("10.0.0.0/8")));
        assert_eq!(
            p.evidence_network(n("192.0.2.7/32")),
            Some(n("192.0.2.0/24"))
        );
        assert_eq!(
            p.evidence_network(n("2001:db8:1:2::/64")),
            Some(n("2001:db8:1::/48"))
        );
        let omitted = p.with_addresses(Addresses::Omitted);
        assert_eq!(omitted.evidence_network(n("10.0.0.0/8")), None);
    }
}
