//! Integration tests of the compiled watchlists: fixtures, wire round-trips, concurrency and
//! large lists.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Instant;

use ecps_risk::{
    WatchlistError, Watchlists, WatchlistsSpec, env::BlockedSubjectList, env::CredentialList,
    env::IpList, env::SubjectList, env::WatchlistKind, env::WatchlistSpec,
};
use ipnet::IpNet;
use time::macros::datetime;

const FIXTURE: &str = include_str!("data/watchlists.json");
const INVALID_FIXTURE: &str = include_str!("data/watchlists_invalid.json");

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

/// Every lookup the fixture is expected to answer; run on each way of loading it.
fn check_fixture(lists: &Watchlists) {
    assert_eq!(
        lists.names().collect::<Vec<_>>(),
        [
            "anonymizers",
            "blocked_activations",
            "deactivated_ecps",
            "empty_deny",
            "hospital_networks",
            "under_alert"
        ]
    );
    assert_eq!(lists.len(), 6);

    let hospitals = lists.ip_list("hospital_networks").unwrap();
    assert_eq!(hospitals.description(), Some("CHU networks"));
    assert_eq!(
        hospitals.len(),
        5,
        "`10.20.30.40/24` is a duplicate of `10.20.30.0/24`"
    );
    assert_eq!(
        hospitals.lookup(ip("10.20.30.40")),
        Some(net("10.20.30.0/24"))
    );
    assert_eq!(
        hospitals.lookup(ip("10.20.31.1")),
        Some(net("10.20.0.0/16"))
    );
    assert_eq!(
        hospitals.lookup(ip("::ffff:10.20.30.1")),
        Some(net("10.20.30.0/24"))
    );
    assert_eq!(hospitals.lookup(ip("10.21.0.0")), None);
    assert_eq!(hospitals.lookup(ip("192.0.2.7")), Some(net("192.0.2.7/32")));
    assert_eq!(hospitals.lookup(ip("192.0.2.8")), None);
    assert_eq!(
        hospitals.lookup(ip("198.51.100.9")),
        Some(net("198.51.100.0/24"))
    );
    assert_eq!(
        hospitals.lookup(ip("2001:db8:100:1::1")),
        Some(net("2001:db8:100::/48"))
    );
    assert_eq!(hospitals.lookup(ip("2001:db8:101::1")), None);

    let anonymizers = lists.ip_list("anonymizers").unwrap();
    assert!(anonymizers.contains(ip("203.0.113.200")));
    assert_eq!(
        anonymizers.lookup(ip("2001:db8:dead:beef::1")),
        Some(net("2001:db8:dead:beef::1/128"))
    );
    assert_eq!(
        anonymizers.lookup(ip("2001:db8:dead:beef::2")),
        Some(net("2001:db8:dead::/48"))
    );
    assert!(!anonymizers.contains(ip("10.20.30.40")));

    let empty = lists.ip_list("empty_deny").unwrap();
    assert!(empty.is_empty());
    assert!(!empty.contains(ip("10.20.30.40")));

    let revoked = lists.credential_list("deactivated_ecps").unwrap();
    assert_eq!(revoked.len(), 2);
    assert!(revoked.contains("ecps-1234"));
    assert!(revoked.contains("ecps-5678"));
    assert!(!revoked.contains("ecps-9999"));
    assert!(!revoked.contains("ECPS-1234"));

    let blocked = lists.blocked_subject_list("blocked_activations").unwrap();
    assert_eq!(blocked.len(), 2);
    assert_eq!(
        blocked.blocked_since("810001234573"),
        Some(datetime!(2025-10-06 09:00 UTC)),
        "the earliest of the two dates"
    );
    assert_eq!(
        blocked.blocked_since("899700771191"),
        Some(datetime!(2025-10-09 12:30 UTC))
    );
    assert_eq!(blocked.blocked_since("810001234581"), None);

    let alert = lists.subject_list("under_alert").unwrap();
    assert!(alert.contains("810001234573"));
    assert!(!alert.contains("810001234581"));

    assert_eq!(lists.kind_of("under_alert"), Some(WatchlistKind::Subjects));
    assert!(lists.ip_list("under_alert").is_none());
    assert!(lists.subject_list("hospital_networks").is_none());
    assert!(lists.kind_of("nope").is_none());
}

#[test]
fn loads_the_json_fixture() {
    let lists: Watchlists = serde_json::from_str(FIXTURE).unwrap();
    check_fixture(&lists);
    // Same result through the explicit spec and `compile` / `TryFrom`.
    let spec: WatchlistsSpec = serde_json::from_str(FIXTURE).unwrap();
    assert_eq!(spec.lists.len(), 6);
    assert_eq!(spec.lists[0].kind(), WatchlistKind::Ip);
    assert_eq!(Watchlists::compile(spec.clone()).unwrap(), lists);
    assert_eq!(Watchlists::try_from(spec).unwrap(), lists);
}

#[test]
fn json_round_trip_keeps_every_lookup() {
    let lists: Watchlists = serde_json::from_str(FIXTURE).unwrap();
    let json = serde_json::to_string_pretty(&lists).unwrap();
    let again: Watchlists = serde_json::from_str(&json).unwrap();
    check_fixture(&again);
    assert_eq!(again, lists);
    // Deterministic: the normalized form is a fixed point.
    assert_eq!(serde_json::to_string_pretty(&again).unwrap(), json);
    // Normalized entries: sorted, deduplicated, canonical networks.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let hospitals = &value["lists"][4];
    assert_eq!(hospitals["name"], "hospital_networks");
    assert_eq!(hospitals["kind"], "ip");
    assert_eq!(hospitals["description"], "CHU networks");
    assert_eq!(
        hospitals["entries"],
        serde_json::json!([
            "10.20.0.0/16",
            "10.20.30.0/24",
            "192.0.2.7/32",
            "198.51.100.0/24",
            "2001:db8:100::/48"
        ])
    );
    let blocked = &value["lists"][1];
    assert_eq!(
        blocked["entries"],
        serde_json::json!([
            { "subject": "810001234573", "since": "2025-10-06T09:00:00Z" },
            { "subject": "899700771191", "since": "2025-10-09T14:30:00+02:00" }
        ])
    );
    // No description: no field.
    assert!(value["lists"][3].get("description").is_none());
}

#[test]
fn loads_toml() {
    let toml_text = r#"
        [[lists]]
        name = "hospital_networks"
        kind = "ip"
        description = "CHU networks"
        entries = ["10.20.0.0/16", "10.20.30.0/24", "2001:db8:100::/48", "192.0.2.7",
                   "::ffff:198.51.100.0/120", "10.20.30.40/24"]

        [[lists]]
        name = "anonymizers"
        kind = "ip"
        description = "VPN exits and Tor relays reported by the threat-intelligence feed"
        entries = ["203.0.113.0/24", "2001:db8:dead::/48", "2001:db8:dead:beef::1"]

        [[lists]]
        name = "deactivated_ecps"
        kind = "credentials"
        description = "e-CPS deactivated after the ANS alert"
        entries = ["ecps-1234", "ecps-5678", "ecps-1234"]

        [[lists]]
        name = "blocked_activations"
        kind = "blocked_subjects"
        entries = [
          { subject = "810001234573", since = "2025-10-08T00:00:00Z" },
          { subject = "899700771191", since = "2025-10-09T14:30:00+02:00" },
          { subject = "810001234573", since = "2025-10-06T09:00:00Z" },
        ]

        [[lists]]
        name = "under_alert"
        kind = "subjects"
        entries = ["810001234573", "899700771191"]

        [[lists]]
        name = "empty_deny"
        kind = "ip"
        entries = []
    "#;
    let lists: Watchlists = toml::from_str(toml_text).unwrap();
    check_fixture(&lists);
    let from_json: Watchlists = serde_json::from_str(FIXTURE).unwrap();
    assert_eq!(lists, from_json);
    // And back to TOML.
    let again: Watchlists = toml::from_str(&toml::to_string(&lists).unwrap()).unwrap();
    assert_eq!(again, lists);
}

#[test]
fn toml_rejects_unknown_fields() {
    let toml_text = r#"
        [[lists]]
        name = "deny"
        kind = "ip"
        entries = []
        expires = "2026-01-01T00:00:00Z"
    "#;
    assert!(toml::from_str::<Watchlists>(toml_text).is_err());
}

#[test]
fn invalid_fixture_names_list_index_and_value() {
    let err = serde_json::from_str::<Watchlists>(INVALID_FIXTURE).unwrap_err();
    let message = err.to_string();
    assert!(
        message
            .contains("watchlist `hospital_networks`: entry 2 `10.0.0.300/8` is not an IP network"),
        "{message}"
    );
    let spec: WatchlistsSpec = serde_json::from_str(INVALID_FIXTURE).unwrap();
    assert_eq!(
        Watchlists::compile(spec).unwrap_err(),
        WatchlistError::InvalidNetwork {
            list: "hospital_networks".into(),
            index: 2,
            value: "10.0.0.300/8".into(),
        }
    );
}

#[test]
fn compiled_lists_are_send_sync_and_shareable() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Watchlists>();
    assert_send_sync::<IpList>();
    assert_send_sync::<CredentialList>();
    assert_send_sync::<BlockedSubjectList>();
    assert_send_sync::<SubjectList>();
    assert_send_sync::<WatchlistError>();

    let lists: Arc<Watchlists> = Arc::new(serde_json::from_str(FIXTURE).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let lists = Arc::clone(&lists);
            std::thread::spawn(move || {
                let hospitals = lists.ip_list("hospital_networks").unwrap();
                (0..1000u32)
                    .filter(|j| {
                        hospitals.contains(IpAddr::V4(Ipv4Addr::new(10, 20, 30, (i * j) as u8)))
                    })
                    .count()
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), 1000);
    }
}

#[test]
fn spec_accessors() {
    let spec: WatchlistsSpec = serde_json::from_str(FIXTURE).unwrap();
    let hospitals = &spec.lists[0];
    assert_eq!(hospitals.name(), "hospital_networks");
    assert_eq!(hospitals.description(), Some("CHU networks"));
    assert_eq!(hospitals.entry_count(), 6);
    assert!(matches!(hospitals, WatchlistSpec::Ip { .. }));
}

// ---- large lists ----

/// xorshift64*: deterministic pseudo-random numbers, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// An independent longest-prefix-match reference: one hash set per prefix length, probed from
/// the longest length down.
struct Reference {
    v4: Vec<HashSet<u32>>,
    v6: Vec<HashSet<u128>>,
}

impl Reference {
    fn lookup(&self, addr: IpAddr) -> Option<IpNet> {
        match addr.to_canonical() {
            IpAddr::V4(v4) => {
                let a = u32::from(v4);
                (0..=32u8).rev().find_map(|len| {
                    let network = a & u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
                    self.v4[usize::from(len)]
                        .contains(&network)
                        .then(|| IpNet::new(Ipv4Addr::from(network).into(), len).unwrap())
                })
            }
            IpAddr::V6(v6) => {
                let a = u128::from(v6);
                (0..=128u8).rev().find_map(|len| {
                    let network = a & u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
                    self.v6[usize::from(len)]
                        .contains(&network)
                        .then(|| IpNet::new(Ipv6Addr::from(network).into(), len).unwrap())
                })
            }
        }
    }
}

/// `count` random networks (mostly IPv4, lengths skewed towards /16../32 like real feeds, a
/// few /8), nested and overlapping at random,
/// their wire form, and a reference.
fn random_networks(rng: &mut Rng, count: usize) -> (Vec<String>, Reference, Vec<u128>) {
    let mut reference = Reference {
        v4: vec![HashSet::new(); 33],
        v6: vec![HashSet::new(); 129],
    };
    let mut entries = Vec::with_capacity(count);
    let mut v6_networks = Vec::new();
    for _ in 0..count {
        let r = rng.next();
        if r.is_multiple_of(5) {
            let len = [44u8, 48, 56, 64, 128][(r >> 8) as usize % 5];
            let addr = (0x2001_0db8u128 << 96) | (u128::from(rng.next()) << 32);
            let network = addr & u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            reference.v6[usize::from(len)].insert(network);
            v6_networks.push(network);
            entries.push(format!("{}/{len}", Ipv6Addr::from(addr)));
        } else {
            let len = if r % 10_000 == 1 {
                8
            } else {
                [16u8, 18, 20, 22, 24, 24, 28, 30, 32, 32][(r >> 8) as usize % 10]
            };
            let addr = rng.next() as u32;
            let network = addr & u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            reference.v4[usize::from(len)].insert(network);
            entries.push(format!("{}/{len}", Ipv4Addr::from(addr)));
        }
    }
    (entries, reference, v6_networks)
}

fn large_list(count: usize, probes: usize) {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ count as u64);
    let (entries, reference, v6_networks) = random_networks(&mut rng, count);
    let spec = WatchlistsSpec {
        lists: vec![WatchlistSpec::Ip {
            name: "large".into(),
            description: None,
            entries,
        }],
    };
    let start = Instant::now();
    let lists = Watchlists::compile(spec).unwrap();
    let build = start.elapsed();
    let list = lists.ip_list("large").unwrap();
    let distinct: usize = reference.v4.iter().map(HashSet::len).sum::<usize>()
        + reference.v6.iter().map(HashSet::len).sum::<usize>();
    assert_eq!(list.len(), distinct);

    let addrs: Vec<IpAddr> = (0..probes)
        .map(|i| match i % 5 {
            // Inside or next to a listed IPv6 network.
            0 => {
                let network = v6_networks[rng.next() as usize % v6_networks.len()];
                IpAddr::V6(Ipv6Addr::from(network ^ (u128::from(rng.next()) << 8)))
            }
            1 => IpAddr::V6(Ipv4Addr::from(rng.next() as u32).to_ipv6_mapped()),
            _ => IpAddr::V4(Ipv4Addr::from(rng.next() as u32)),
        })
        .collect();
    let start = Instant::now();
    let hits = addrs.iter().filter(|a| list.contains(**a)).count();
    let lookups = start.elapsed();
    for addr in &addrs {
        assert_eq!(list.lookup(*addr), reference.lookup(*addr), "{addr}");
    }
    assert!(hits > 0 && hits < probes, "{hits} hits of {probes}");
    let v6_hits = addrs
        .iter()
        .filter(|a| a.to_canonical().is_ipv6() && list.contains(**a))
        .count();
    assert!(v6_hits > 0, "no IPv6 hits");
    println!(
        "{count} networks: built in {build:?}, {probes} lookups in {lookups:?} ({:?} each), {hits} hits",
        lookups / u32::try_from(probes).unwrap()
    );
}

#[test]
fn large_list_100k() {
    large_list(100_000, 50_000);
}

/// `cargo test --release --test watchlist -- --ignored --nocapture` prints build and lookup
/// times.
#[test]
#[ignore = "slow in debug builds; run with --release"]
fn large_list_1m() {
    large_list(1_000_000, 1_000_000);
}
