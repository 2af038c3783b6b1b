#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use super::*;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::IpAddr;
use time::OffsetDateTime;

use super::error::shown;
use super::ip::{Bits, Family, NO_PREFIX};
use crate::model::national_id::IdRule;

use std::net::{Ipv4Addr, Ipv6Addr};
use time::macros::datetime;

fn ip_spec(name: &str, entries: &[&str]) -> WatchlistSpec {
    WatchlistSpec::Ip {
        name: name.to_owned(),
        description: None,
        entries: entries.iter().map(|e| (*e).to_owned()).collect(),
    }
}

fn ids_spec(kind: WatchlistKind, name: &str, entries: &[&str]) -> WatchlistSpec {
    let name = name.to_owned();
    let entries = entries.iter().map(|e| (*e).to_owned()).collect();
    match kind {
        WatchlistKind::Credentials => WatchlistSpec::Credentials {
            name,
            description: None,
            entries,
        },
        WatchlistKind::Subjects => WatchlistSpec::Subjects {
            name,
            description: None,
            entries,
        },
        other => panic!("not an id kind: {other}"),
    }
}

fn blocked_spec(name: &str, entries: &[(&str, OffsetDateTime)]) -> WatchlistSpec {
    WatchlistSpec::BlockedSubjects {
        name: name.to_owned(),
        description: None,
        entries: entries
            .iter()
            .map(|(subject, since)| BlockedSubjectSpec {
                subject: (*subject).to_owned(),
                since: *since,
            })
            .collect(),
    }
}

fn compile(lists: Vec<WatchlistSpec>) -> Result<Watchlists, WatchlistError> {
    Watchlists::compile(WatchlistsSpec { lists })
}

fn ip_list(entries: &[&str]) -> IpList {
    let lists = compile(vec![ip_spec("test", entries)]).unwrap();
    lists.ip_list("test").unwrap().clone()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn lookup(list: &IpList, addr: &str) -> Option<String> {
    list.lookup(ip(addr)).map(|n| n.to_string())
}

fn ip_error(entries: &[&str]) -> WatchlistError {
    compile(vec![ip_spec("hospital_networks", entries)]).unwrap_err()
}

impl<A: Bits, const N: usize> Family<A, N> {
    /// The ranges (start, prefix length), without the padding of the last leaf.
    fn ranges(&self) -> Vec<(A, u8)> {
        let mut ranges: Vec<(A, u8)> = self
            .leaves
            .iter()
            .flat_map(|leaf| leaf.starts.iter().copied().zip(leaf.prefix_lens))
            .collect();
        ranges.dedup();
        ranges
    }

    /// Checks the documented shape of the partition.
    fn check_invariants(&self) {
        let ranges = self.ranges();
        assert_eq!(ranges.first().map(|r| r.0), Some(A::default()));
        assert!(ranges.len() <= 2 * self.nets.len() + 1);
        for pair in ranges.windows(2) {
            let [(a, a_len), (b, b_len)] = [pair[0], pair[1]];
            assert!(a < b, "starts strictly increase");
            let a_net = (a_len != NO_PREFIX).then(|| A::network(a, a_len));
            let b_net = (b_len != NO_PREFIX).then(|| A::network(b, b_len));
            assert!(a_net != b_net, "adjacent ranges have different networks");
        }
        let first_keys: Vec<A> = self.leaves.iter().map(|leaf| leaf.starts[0]).collect();
        assert_eq!(&*self.index[0], &first_keys[..]);
        assert!(self.index.last().unwrap().len() <= A::BLOCK);
    }
}

// ---- validation errors ----

#[test]
fn invalid_network_names_list_index_and_value() {
    for bad in [
        "10.0.0.300/8",
        "10.0.0.0/33",
        "2001:db8::/129",
        "10.0.0.0/",
        "/8",
        "",
        "10.0.0.0/+8",
        "10.0.0.0/08",
        "10.0.0.0/-1",
        "10.0.0.0/8/8",
        "010.0.0.0/8",
        "10.0.0",
        " 10.0.0.0/8",
        "10.0.0.0/8 ",
        "host.example",
        "10.0.0.0/1000",
    ] {
        let err = ip_error(&["192.0.2.0/24", "192.0.2.1", "10.0.0.0/8", bad]);
        assert_eq!(
            err,
            WatchlistError::InvalidNetwork {
                list: "hospital_networks".into(),
                index: 3,
                value: bad.into(),
            },
            "{bad:?}"
        );
        let message = err.to_string();
        assert_eq!(
            message,
            format!("watchlist `hospital_networks`: entry 3 `{bad}` is not an IP network")
        );
    }
}

#[test]
fn unmappable_network_is_an_error() {
    for bad in ["::ffff:10.0.0.0/80", "::ffff:0:0/95", "::ffff:0.0.0.0/0"] {
        let err = ip_error(&[bad]);
        assert_eq!(
            err,
            WatchlistError::UnmappableNetwork {
                list: "hospital_networks".into(),
                index: 0,
                value: bad.into(),
            }
        );
        let message = err.to_string();
        assert!(message.contains("`hospital_networks`"), "{message}");
        assert!(message.contains(&format!("`{bad}`")), "{message}");
    }
}

#[test]
fn invalid_names() {
    let long = "a".repeat(65);
    for (bad, reason) in [
        ("", "empty"),
        (long.as_str(), "longer than 64"),
        ("Hospital", "allowed"),
        ("hospital networks", "allowed"),
        ("hôpital", "allowed"),
        ("a/b", "allowed"),
    ] {
        let err = compile(vec![ip_spec(bad, &[])]).unwrap_err();
        let WatchlistError::InvalidName { name, reason: r } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(name, bad);
        assert!(r.contains(reason), "{r}");
        assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
    }
    // Boundaries that are fine.
    let ok = "a".repeat(64);
    assert!(compile(vec![ip_spec(&ok, &[]), ip_spec("a0_.-z", &[])]).is_ok());
}

#[test]
fn duplicate_names_even_across_kinds() {
    let err = compile(vec![
        ip_spec("deny", &[]),
        ids_spec(WatchlistKind::Subjects, "other", &[]),
        ids_spec(WatchlistKind::Credentials, "deny", &[]),
    ])
    .unwrap_err();
    assert_eq!(
        err,
        WatchlistError::DuplicateName {
            name: "deny".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "watchlist `deny` is defined more than once"
    );
}

#[test]
fn too_many_lists() {
    let ok: Vec<_> = (0..Watchlists::MAX_LISTS)
        .map(|i| ip_spec(&format!("l{i}"), &[]))
        .collect();
    assert_eq!(compile(ok.clone()).unwrap().len(), Watchlists::MAX_LISTS);
    let mut too_many = ok;
    too_many.push(ip_spec("one_more", &[]));
    let err = compile(too_many).unwrap_err();
    assert_eq!(
        err,
        WatchlistError::TooManyLists {
            count: 1025,
            max: 1024
        }
    );
    assert_eq!(err.to_string(), "too many watchlists: 1025, at most 1024");
}

#[test]
fn too_many_entries() {
    let entries = vec![String::new(); Watchlists::MAX_ENTRIES + 1];
    let err = compile(vec![WatchlistSpec::Subjects {
        name: "under_alert".into(),
        description: None,
        entries,
    }])
    .unwrap_err();
    assert_eq!(
        err,
        WatchlistError::TooManyEntries {
            list: "under_alert".into(),
            count: 2_000_001,
            max: 2_000_000
        }
    );
    assert!(err.to_string().contains("`under_alert`"));
}

#[test]
fn at_most_max_entries_is_fine() {
    let entries = vec!["810001234573".to_owned(); Watchlists::MAX_ENTRIES];
    let lists = compile(vec![WatchlistSpec::Subjects {
        name: "under_alert".into(),
        description: None,
        entries,
    }])
    .unwrap();
    assert_eq!(lists.subject_list("under_alert").unwrap().len(), 1);
}

#[test]
fn invalid_credentials() {
    let long = "c".repeat(129);
    for (bad, reason) in [("", "empty"), (long.as_str(), "longer than 128 bytes")] {
        let err = compile(vec![ids_spec(
            WatchlistKind::Credentials,
            "deactivated_ecps",
            &["ecps-1", bad],
        )])
        .unwrap_err();
        let WatchlistError::InvalidCredential {
            list,
            index,
            value,
            reason: r,
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!((list.as_str(), *index), ("deactivated_ecps", 1));
        assert!(r.contains(reason), "{r}");
        // Long values are shortened in the error.
        assert!(bad.starts_with(value.trim_end_matches('…')));
        let message = err.to_string();
        assert!(message.contains("`deactivated_ecps`"), "{message}");
        assert!(message.contains("entry 1"), "{message}");
    }
    let ok = "c".repeat(128);
    let lists = compile(vec![ids_spec(WatchlistKind::Credentials, "c", &[&ok])]).unwrap();
    assert!(lists.credential_list("c").unwrap().contains(&ok));
}

#[test]
fn long_values_are_shortened_in_errors() {
    let long = "x".repeat(1000);
    let err = ip_error(&[&long]);
    let WatchlistError::InvalidNetwork { value, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(value, &format!("{}…", "x".repeat(100)));
    assert!(err.to_string().len() < 200);
}

#[test]
fn invalid_subjects() {
    let long = "A".repeat(65);
    for (bad, rule) in [
        ("", IdRule::Empty),
        (long.as_str(), IdRule::TooLong),
        ("810001234565 ", IdRule::Character { found: ' ', at: 12 }),
        ("hello world", IdRule::Character { found: ' ', at: 5 }),
        ("810001234564", IdRule::RppsLuhn),
        ("81000123456", IdRule::RppsShape),
        ("3750100019/", IdRule::StructureShape),
    ] {
        let err = compile(vec![ids_spec(
            WatchlistKind::Subjects,
            "under_alert",
            &[bad],
        )])
        .unwrap_err();
        let WatchlistError::InvalidSubject {
            list,
            index,
            value,
            rule: r,
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!(
            (list.as_str(), *index, *r),
            ("under_alert", 0, rule),
            "{bad:?}"
        );
        assert_eq!(value.as_str(), shown(bad));
        let message = err.to_string();
        assert!(message.contains("`under_alert`"), "{message}");
        assert!(message.contains(&format!("`{}`", shown(bad))), "{message}");

        let since = datetime!(2025-10-08 00:00 UTC);
        let err = compile(vec![blocked_spec(
            "blocked_activations",
            &[("810001234565", since), (bad, since)],
        )])
        .unwrap_err();
        let WatchlistError::InvalidSubject { list, index, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!((list.as_str(), *index), ("blocked_activations", 1));
    }
    // Every subject a login can have is accepted: RPPS, ADELI, staff, an ANS sandbox
    // account, an id of no documented prefix at the length limit.
    let ok = "A".repeat(64);
    for subject in [
        "810001234565",
        "0751234567",
        "30B0168811/CPET00001",
        "ANS20210107161422",
        ok.as_str(),
    ] {
        let lists = compile(vec![ids_spec(WatchlistKind::Subjects, "s", &[subject])]).unwrap();
        assert!(
            lists.subject_list("s").unwrap().contains(subject),
            "{subject}"
        );
    }
    // Control characters are escaped in the message.
    let err = compile(vec![ids_spec(
        WatchlistKind::Subjects,
        "s",
        &["8100\r\n[ok]"],
    )])
    .unwrap_err();
    assert!(!err.to_string().contains(['\r', '\n']), "{err}");
}

#[test]
fn first_error_wins_in_list_order() {
    let err = compile(vec![ip_spec("zzz", &["bad-1"]), ip_spec("aaa", &["bad-2"])]).unwrap_err();
    assert!(err.to_string().contains("`zzz`"), "{err}");
}

// ---- IP lookups ----

#[test]
fn nested_prefixes_most_specific_wins() {
    // Written in an order that is neither sorted nor reverse-sorted.
    let list = ip_list(&["10.1.0.0/16", "10.1.2.0/24", "10.0.0.0/8"]);
    assert_eq!(lookup(&list, "10.1.2.3").as_deref(), Some("10.1.2.0/24"));
    assert_eq!(lookup(&list, "10.1.9.9").as_deref(), Some("10.1.0.0/16"));
    assert_eq!(lookup(&list, "10.200.0.1").as_deref(), Some("10.0.0.0/8"));
    assert_eq!(lookup(&list, "10.1.3.0").as_deref(), Some("10.1.0.0/16"));
    assert_eq!(lookup(&list, "10.2.0.0").as_deref(), Some("10.0.0.0/8"));
    assert_eq!(lookup(&list, "11.0.0.0"), None);
    assert_eq!(lookup(&list, "9.255.255.255"), None);
    assert!(list.contains(ip("10.1.2.255")));
    assert!(!list.contains(ip("192.168.0.1")));
    assert_eq!(list.len(), 3);
}

#[test]
fn nested_prefixes_sharing_first_or_last_address() {
    let list = ip_list(&[
        "10.0.0.0/8",
        "10.0.0.0/16",
        "10.0.0.0/24",
        "10.255.0.0/16",
        "10.255.255.0/24",
        "10.255.255.255",
    ]);
    assert_eq!(lookup(&list, "10.0.0.0").as_deref(), Some("10.0.0.0/24"));
    assert_eq!(lookup(&list, "10.0.0.255").as_deref(), Some("10.0.0.0/24"));
    assert_eq!(lookup(&list, "10.0.1.0").as_deref(), Some("10.0.0.0/16"));
    assert_eq!(lookup(&list, "10.1.0.0").as_deref(), Some("10.0.0.0/8"));
    assert_eq!(
        lookup(&list, "10.254.255.255").as_deref(),
        Some("10.0.0.0/8")
    );
    assert_eq!(
        lookup(&list, "10.255.0.0").as_deref(),
        Some("10.255.0.0/16")
    );
    assert_eq!(
        lookup(&list, "10.255.255.254").as_deref(),
        Some("10.255.255.0/24")
    );
    assert_eq!(
        lookup(&list, "10.255.255.255").as_deref(),
        Some("10.255.255.255/32")
    );
    assert_eq!(lookup(&list, "11.0.0.0"), None);
}

#[test]
fn boundaries_of_a_network() {
    let list = ip_list(&["192.0.2.0/24", "2001:db8::/32"]);
    assert_eq!(lookup(&list, "192.0.1.255"), None);
    assert_eq!(lookup(&list, "192.0.2.0").as_deref(), Some("192.0.2.0/24"));
    assert_eq!(
        lookup(&list, "192.0.2.255").as_deref(),
        Some("192.0.2.0/24")
    );
    assert_eq!(lookup(&list, "192.0.3.0"), None);
    assert_eq!(
        lookup(&list, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"),
        None
    );
    assert_eq!(
        lookup(&list, "2001:db8::").as_deref(),
        Some("2001:db8::/32")
    );
    assert_eq!(
        lookup(&list, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff").as_deref(),
        Some("2001:db8::/32")
    );
    assert_eq!(lookup(&list, "2001:db9::"), None);
}

#[test]
fn adjacent_networks() {
    let list = ip_list(&["192.0.2.0/25", "192.0.2.128/25", "192.0.3.0/24"]);
    assert_eq!(
        lookup(&list, "192.0.2.127").as_deref(),
        Some("192.0.2.0/25")
    );
    assert_eq!(
        lookup(&list, "192.0.2.128").as_deref(),
        Some("192.0.2.128/25")
    );
    assert_eq!(lookup(&list, "192.0.3.0").as_deref(), Some("192.0.3.0/24"));
    assert_eq!(lookup(&list, "192.0.4.0"), None);
}

#[test]
fn whole_address_spaces_and_extremes() {
    let list = ip_list(&["0.0.0.0/0", "255.255.255.255", "0.0.0.0", "::/0"]);
    assert_eq!(lookup(&list, "0.0.0.0").as_deref(), Some("0.0.0.0/32"));
    assert_eq!(lookup(&list, "0.0.0.1").as_deref(), Some("0.0.0.0/0"));
    assert_eq!(
        lookup(&list, "255.255.255.254").as_deref(),
        Some("0.0.0.0/0")
    );
    assert_eq!(
        lookup(&list, "255.255.255.255").as_deref(),
        Some("255.255.255.255/32")
    );
    assert_eq!(lookup(&list, "::").as_deref(), Some("::/0"));
    assert_eq!(
        lookup(&list, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").as_deref(),
        Some("::/0")
    );
    // A mapped address is an IPv4 address: it matches 0.0.0.0/0, not ::/0.
    assert_eq!(
        lookup(&list, "::ffff:1.2.3.4").as_deref(),
        Some("0.0.0.0/0")
    );

    let list = ip_list(&["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::"]);
    assert_eq!(
        lookup(&list, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").as_deref(),
        Some("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")
    );
    assert_eq!(lookup(&list, "::").as_deref(), Some("::/128"));
    assert_eq!(lookup(&list, "::1"), None);
    assert_eq!(
        lookup(&list, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"),
        None
    );
}

/// Every list size around leaf and index-level boundaries: `n` host routes spaced by 4
/// give `2n + 1` ranges.
#[test]
fn every_size_across_leaf_and_level_boundaries() {
    for n in 0..260u32 {
        let v4: Vec<String> = (0..n).map(|i| Ipv4Addr::from(4 * i).to_string()).collect();
        let v6: Vec<String> = (0..n)
            .map(|i| Ipv6Addr::from(u128::from(4 * i) << 64).to_string())
            .collect();
        let entries: Vec<&str> = v4.iter().chain(&v6).map(String::as_str).collect();
        let list = ip_list(&entries);
        list.v4.check_invariants();
        list.v6.check_invariants();
        for a in 0..4 * n + 6 {
            let listed = a % 4 == 0 && a / 4 < n;
            assert_eq!(list.contains(IpAddr::V4(a.into())), listed, "{n} {a}");
            let v6 = u128::from(a) << 64;
            assert_eq!(list.contains(IpAddr::V6(v6.into())), listed, "{n} {a}");
            assert!(!list.contains(IpAddr::V6((v6 + 1).into())), "{n} {a}");
        }
        assert!(!list.contains(ip("255.255.255.255")));
    }
}

#[test]
fn host_bits_are_cleared() {
    let list = ip_list(&["10.1.2.3/8", "2001:db8:100:1::1/48"]);
    assert_eq!(
        list.networks().collect::<Vec<_>>(),
        [net("10.0.0.0/8"), net("2001:db8:100::/48")]
    );
    assert_eq!(lookup(&list, "10.9.9.9").as_deref(), Some("10.0.0.0/8"));
    assert_eq!(
        lookup(&list, "2001:db8:100:ffff::1").as_deref(),
        Some("2001:db8:100::/48")
    );
}

#[test]
fn bare_addresses_are_host_routes() {
    let list = ip_list(&["192.0.2.7", "2001:db8::7"]);
    assert_eq!(
        list.networks().collect::<Vec<_>>(),
        [net("192.0.2.7/32"), net("2001:db8::7/128")]
    );
    assert!(list.contains(ip("192.0.2.7")));
    assert!(!list.contains(ip("192.0.2.6")));
    assert!(!list.contains(ip("192.0.2.8")));
    assert!(list.contains(ip("2001:db8::7")));
    assert!(!list.contains(ip("2001:db8::6")));
    assert!(!list.contains(ip("2001:db8::8")));
}

#[test]
fn ipv4_mapped_addresses_and_networks() {
    // Mapped networks become IPv4 networks.
    let list = ip_list(&[
        "::ffff:10.0.0.0/104",
        "::ffff:192.0.2.7",
        "::ffff:198.51.100.0/120",
    ]);
    assert_eq!(
        list.networks().collect::<Vec<_>>(),
        [
            net("10.0.0.0/8"),
            net("192.0.2.7/32"),
            net("198.51.100.0/24")
        ]
    );
    assert_eq!(lookup(&list, "10.1.2.3").as_deref(), Some("10.0.0.0/8"));
    assert_eq!(
        lookup(&list, "::ffff:10.1.2.3").as_deref(),
        Some("10.0.0.0/8")
    );
    assert_eq!(lookup(&list, "192.0.2.7").as_deref(), Some("192.0.2.7/32"));
    assert_eq!(
        lookup(&list, "198.51.100.255").as_deref(),
        Some("198.51.100.0/24")
    );
    // `::ffff:0:0/96` is all of IPv4.
    let all = ip_list(&["::ffff:0:0/96"]);
    assert_eq!(all.networks().collect::<Vec<_>>(), [net("0.0.0.0/0")]);
    assert!(all.contains(ip("203.0.113.1")));
    assert!(!all.contains(ip("2001:db8::1")));

    // Mapped addresses match IPv4 networks.
    let list = ip_list(&["10.0.0.0/8"]);
    assert_eq!(
        lookup(&list, "::ffff:10.1.2.3").as_deref(),
        Some("10.0.0.0/8")
    );
    assert_eq!(lookup(&list, "::ffff:11.1.2.3"), None);
    // IPv4-compatible (deprecated `::a.b.c.d`) addresses are plain IPv6.
    assert_eq!(lookup(&list, "::10.1.2.3"), None);
    // `IpAddr::V6` built from a mapped address.
    let mapped = IpAddr::V6(Ipv4Addr::new(10, 1, 2, 3).to_ipv6_mapped());
    assert!(list.contains(mapped));
}

#[test]
fn ipv6_48_and_128() {
    let list = ip_list(&[
        "2001:db8:100::/48",
        "2001:db8:100:1::1/128",
        "2001:db8:200::1",
    ]);
    assert_eq!(
        lookup(&list, "2001:db8:100:1::1").as_deref(),
        Some("2001:db8:100:1::1/128")
    );
    assert_eq!(
        lookup(&list, "2001:db8:100:1::2").as_deref(),
        Some("2001:db8:100::/48")
    );
    assert_eq!(
        lookup(&list, "2001:db8:100:ffff:ffff:ffff:ffff:ffff").as_deref(),
        Some("2001:db8:100::/48")
    );
    assert_eq!(lookup(&list, "2001:db8:101::"), None);
    assert_eq!(
        lookup(&list, "2001:db8:200::1").as_deref(),
        Some("2001:db8:200::1/128")
    );
    assert_eq!(lookup(&list, "2001:db8:200::2"), None);
}

#[test]
fn families_are_separate() {
    // 10.0.0.0 is 0x0a000000; `::a00:0/104` holds the same low bits in IPv6.
    let v6_only = ip_list(&["::a00:0/104", "::/96", "a00::/8"]);
    assert!(!v6_only.contains(ip("10.1.2.3")));
    assert!(!v6_only.contains(ip("0.0.0.1")));
    assert!(v6_only.contains(ip("::a01:203")));
    let v4_only = ip_list(&["0.0.0.0/0"]);
    assert!(!v4_only.contains(ip("::")));
    assert!(!v4_only.contains(ip("::a01:203")));
    assert!(!v4_only.contains(ip("2001:db8::1")));
    assert!(v4_only.contains(ip("::ffff:10.1.2.3")));
}

#[test]
fn duplicates_and_overlaps_are_deduplicated() {
    let list = ip_list(&[
        "10.0.0.0/8",
        "10.0.0.0/8",
        "10.9.9.9/8",
        "::ffff:10.0.0.0/104",
        "2001:db8::/32",
        "2001:DB8::/32",
        "10.1.0.0/16",
    ]);
    assert_eq!(list.len(), 3);
    assert_eq!(
        list.networks().collect::<Vec<_>>(),
        [net("10.0.0.0/8"), net("10.1.0.0/16"), net("2001:db8::/32")]
    );
    assert_eq!(lookup(&list, "10.1.0.1").as_deref(), Some("10.1.0.0/16"));
}

#[test]
fn empty_lists() {
    let lists = compile(vec![
        ip_spec("ips", &[]),
        ids_spec(WatchlistKind::Credentials, "creds", &[]),
        ids_spec(WatchlistKind::Subjects, "subjects", &[]),
        blocked_spec("blocked", &[]),
    ])
    .unwrap();
    let ips = lists.ip_list("ips").unwrap();
    assert!(ips.is_empty());
    assert_eq!(ips.len(), 0);
    assert!(!ips.contains(ip("0.0.0.0")));
    assert!(!ips.contains(ip("::")));
    assert!(!ips.contains(ip("255.255.255.255")));
    assert!(!lists.credential_list("creds").unwrap().contains("x"));
    assert!(!lists.credential_list("creds").unwrap().contains(""));
    assert!(lists.subject_list("subjects").unwrap().is_empty());
    assert_eq!(
        lists
            .blocked_subject_list("blocked")
            .unwrap()
            .blocked_since("x"),
        None
    );
    assert!(lists.iter().all(Watchlist::is_empty));

    let none = Watchlists::empty();
    assert!(none.is_empty());
    assert_eq!(none.len(), 0);
    assert_eq!(none.names().count(), 0);
    assert!(none.ip_list("ips").is_none());
    assert_eq!(none.kind_of("ips"), None);
    assert_eq!(
        Watchlists::compile(WatchlistsSpec::default()).unwrap(),
        none
    );
}

/// The partition has the documented shape: starts strictly increasing from 0, adjacent
/// owners different, at most `2n + 1` ranges.
#[test]
fn partition_invariants() {
    let list = ip_list(&[
        "10.0.0.0/8",
        "10.0.0.0/16",
        "10.0.0.0/24",
        "10.1.0.0/16",
        "10.2.0.0/16",
        "0.0.0.0",
        "255.255.255.255",
    ]);
    list.v4.check_invariants();
    list.v6.check_invariants();
    assert_eq!(
        list.v4.ranges(),
        [
            (0, 32),
            (1, NO_PREFIX),
            (0x0a00_0000, 24),
            (0x0a00_0100, 16),
            (0x0a01_0000, 16),
            (0x0a02_0000, 16),
            (0x0a03_0000, 8),
            (0x0b00_0000, NO_PREFIX),
            (0xffff_ffff, 32),
        ]
    );
    assert_eq!(list.v6.ranges(), [(0, NO_PREFIX)]);
}

// ---- id lists ----

#[test]
fn credentials_are_compared_exactly() {
    let lists = compile(vec![ids_spec(
        WatchlistKind::Credentials,
        "deactivated_ecps",
        &["ecps-1234", "ECPS-9", "ecps-1234", "a", "zz", " padded "],
    )])
    .unwrap();
    let list = lists.credential_list("deactivated_ecps").unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(
        list.iter().collect::<Vec<_>>(),
        [" padded ", "ECPS-9", "a", "ecps-1234", "zz"]
    );
    for id in ["ecps-1234", "ECPS-9", "a", "zz", " padded "] {
        assert!(list.contains(id), "{id}");
    }
    for id in [
        "ECPS-1234",
        "ecps-123",
        "ecps-12345",
        "ecps-1234 ",
        "padded",
        "",
        "b",
        "zzz",
    ] {
        assert!(!list.contains(id), "{id}");
    }
}

#[test]
fn subjects_are_compared_exactly() {
    let lists = compile(vec![ids_spec(
        WatchlistKind::Subjects,
        "under_alert",
        &["810001234573", "899700771191", "810001234573"],
    )])
    .unwrap();
    let list = lists.subject_list("under_alert").unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.contains("810001234573"));
    assert!(list.contains("899700771191"));
    assert!(!list.contains("81000123456"));
    assert!(!list.contains("8100012345730"));
    assert!(!list.contains("010001234568"));
}

#[test]
fn blocked_subject_listed_twice_keeps_the_earliest_date() {
    let early = datetime!(2025-10-01 12:00 UTC);
    let late = datetime!(2025-10-08 00:00 UTC);
    let lists = compile(vec![blocked_spec(
        "blocked_activations",
        &[
            ("810001234573", late),
            ("899700771191", late),
            ("810001234573", early),
            ("810001234573", late),
        ],
    )])
    .unwrap();
    let list = lists.blocked_subject_list("blocked_activations").unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list.blocked_since("810001234573"), Some(early));
    assert_eq!(list.blocked_since("899700771191"), Some(late));
    assert_eq!(list.blocked_since("8997007711910"), None);
    assert!(list.contains("899700771191"));
    assert_eq!(
        list.iter().collect::<Vec<_>>(),
        [("810001234573", early), ("899700771191", late)]
    );
}

#[test]
fn blocked_dates_compare_as_instants_across_offsets() {
    // 2025-10-08T01:00+02:00 is 2025-10-07T23:00Z: earlier than 2025-10-08T00:00Z.
    let paris = datetime!(2025-10-08 01:00 +02:00);
    let utc = datetime!(2025-10-08 00:00 UTC);
    let lists = compile(vec![blocked_spec(
        "b",
        &[("810001234573", utc), ("810001234573", paris)],
    )])
    .unwrap();
    let since = lists
        .blocked_subject_list("b")
        .unwrap()
        .blocked_since("810001234573");
    assert_eq!(since, Some(paris));
    assert_eq!(since.unwrap().offset(), paris.offset());
}

// ---- Watchlists ----

#[test]
fn typed_getters_distinguish_kinds() {
    let lists = compile(vec![
        ip_spec("ips", &["10.0.0.0/8"]),
        ids_spec(WatchlistKind::Credentials, "creds", &["c"]),
        ids_spec(WatchlistKind::Subjects, "subjects", &["s"]),
        blocked_spec("blocked", &[("s", datetime!(2025-10-08 00:00 UTC))]),
    ])
    .unwrap();
    assert_eq!(lists.len(), 4);
    assert_eq!(
        lists.names().collect::<Vec<_>>(),
        ["blocked", "creds", "ips", "subjects"]
    );
    assert_eq!(lists.kind_of("ips"), Some(WatchlistKind::Ip));
    assert_eq!(lists.kind_of("creds"), Some(WatchlistKind::Credentials));
    assert_eq!(lists.kind_of("subjects"), Some(WatchlistKind::Subjects));
    assert_eq!(
        lists.kind_of("blocked"),
        Some(WatchlistKind::BlockedSubjects)
    );
    assert_eq!(lists.kind_of("missing"), None);

    assert_eq!(lists.ip_list("ips").unwrap().name(), "ips");
    assert!(lists.ip_list("creds").is_none());
    assert!(lists.ip_list("missing").is_none());
    assert!(lists.credential_list("creds").is_some());
    assert!(lists.credential_list("subjects").is_none());
    assert!(lists.subject_list("subjects").is_some());
    assert!(lists.subject_list("blocked").is_none());
    assert!(lists.blocked_subject_list("blocked").is_some());
    assert!(lists.blocked_subject_list("ips").is_none());
    assert_eq!(lists.get("ips").unwrap().kind(), WatchlistKind::Ip);
    assert_eq!(lists.get("ips").unwrap().len(), 1);
}

#[test]
fn names_are_sorted_and_lookup_by_name_works_for_many_lists() {
    let specs: Vec<_> = (0..300)
        .rev()
        .map(|i| {
            ip_spec(
                &format!("list-{i:03}"),
                &[&format!("10.0.{}.0/24", i % 256)],
            )
        })
        .collect();
    let lists = compile(specs).unwrap();
    let names: Vec<_> = lists.names().collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    for i in 0..300 {
        let list = lists.ip_list(&format!("list-{i:03}")).unwrap();
        assert!(list.contains(ip(&format!("10.0.{}.1", i % 256))));
    }
    assert!(lists.ip_list("list-300").is_none());
}

#[test]
fn spec_round_trip_is_normalized_and_stable() {
    let spec = WatchlistsSpec {
        lists: vec![
            WatchlistSpec::Ip {
                name: "z".into(),
                description: Some("CHU networks".into()),
                entries: vec![
                    "10.1.2.3/8".into(),
                    "::ffff:192.0.2.7".into(),
                    "2001:db8::/32".into(),
                    "10.0.0.0/8".into(),
                ],
            },
            ids_spec(WatchlistKind::Credentials, "a", &["b", "a", "b"]),
        ],
    };
    let lists = Watchlists::compile(spec).unwrap();
    let normalized = lists.to_spec();
    assert_eq!(
        normalized.lists[0],
        ids_spec(WatchlistKind::Credentials, "a", &["a", "b"])
    );
    assert_eq!(
        normalized.lists[1],
        WatchlistSpec::Ip {
            name: "z".into(),
            description: Some("CHU networks".into()),
            entries: vec![
                "10.0.0.0/8".into(),
                "192.0.2.7/32".into(),
                "2001:db8::/32".into()
            ],
        }
    );
    let again = Watchlists::compile(normalized.clone()).unwrap();
    assert_eq!(again, lists);
    assert_eq!(again.to_spec(), normalized);
    assert_eq!(lists.get("z").unwrap().description(), Some("CHU networks"));
}

#[test]
fn wire_form_rejects_unknown_fields_and_kinds() {
    for bad in [
        r#"{"lists": [], "extra": 1}"#,
        r#"{"lists": [{"name": "a", "kind": "ip", "entries": [], "extra": 1}]}"#,
        r#"{"lists": [{"name": "a", "kind": "asn", "entries": []}]}"#,
        r#"{"lists": [{"name": "a", "entries": []}]}"#,
        r#"{"lists": [{"name": "a", "kind": "ip"}]}"#,
        r#"{"lists": [{"name": "a", "kind": "blocked_subjects",
                "entries": [{"subject": "1", "since": "2025-10-08T00:00:00Z", "x": 1}]}]}"#,
        r#"{"lists": [{"name": "a", "kind": "blocked_subjects",
                "entries": [{"subject": "1", "since": "2025-10-08"}]}]}"#,
        r#"{"lists": [{"name": "a", "kind": "blocked_subjects", "entries": ["1"]}]}"#,
    ] {
        assert!(
            serde_json::from_str::<WatchlistsSpec>(bad).is_err(),
            "{bad}"
        );
        assert!(serde_json::from_str::<Watchlists>(bad).is_err(), "{bad}");
    }
}

#[test]
fn deserializing_compiles_and_reports_validation_errors() {
    let err = serde_json::from_str::<Watchlists>(
        r#"{"lists": [{"name": "hospital_networks", "kind": "ip", "entries": ["10.0.0.300/8"]}]}"#,
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("`hospital_networks`"), "{message}");
    assert!(message.contains("`10.0.0.300/8`"), "{message}");
}

#[test]
fn kind_wire_names() {
    for kind in [
        WatchlistKind::Ip,
        WatchlistKind::Credentials,
        WatchlistKind::BlockedSubjects,
        WatchlistKind::Subjects,
    ] {
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(json, format!("\"{kind}\""));
        assert_eq!(serde_json::from_str::<WatchlistKind>(&json).unwrap(), kind);
    }
}

#[test]
fn debug_output_is_a_summary() {
    let list = ip_list(&["10.0.0.0/8", "2001:db8::/32"]);
    let debug = format!("{list:?}");
    assert!(debug.contains("ipv4_networks: 1"), "{debug}");
    assert!(!debug.contains("starts"), "{debug}");
}

// ---- property test against a naive linear scan ----

/// xorshift64*: deterministic, good enough to spread test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The reference: a linear scan for the longest network containing `addr`, done on
/// `(is_v4, first, last)` integer bounds so that it stays fast in debug builds.
struct Naive(Vec<(bool, u128, u128, IpNet)>);

impl Naive {
    fn new(nets: &[IpNet]) -> Self {
        Self(
            nets.iter()
                .map(|net| match net {
                    IpNet::V4(v4) => {
                        let (first, last) = u32::bounds(v4);
                        (true, u128::from(first), u128::from(last), *net)
                    }
                    IpNet::V6(v6) => {
                        let (first, last) = u128::bounds(v6);
                        (false, first, last, *net)
                    }
                })
                .collect(),
        )
    }

    fn lookup(&self, addr: IpAddr) -> Option<IpNet> {
        let (is_v4, addr) = match addr.to_canonical() {
            IpAddr::V4(v4) => (true, u128::from(u32::from(v4))),
            IpAddr::V6(v6) => (false, u128::from(v6)),
        };
        self.0
            .iter()
            .filter(|(v4, first, last, _)| *v4 == is_v4 && *first <= addr && addr <= *last)
            .max_by_key(|(.., net)| net.prefix_len())
            .map(|(.., net)| *net)
    }
}

/// A random IPv4 network, concentrated on a few /8s so that networks nest and overlap.
fn random_v4(rng: &mut Rng) -> Ipv4Net {
    let high = [10u32, 192, 0, 255][rng.below(4) as usize] << 24;
    let addr = high | (rng.next() as u32 & 0x00ff_ffff);
    let len = match rng.below(4) {
        0 => rng.below(9) as u8,
        1 => 8 + rng.below(9) as u8,
        2 => 16 + rng.below(9) as u8,
        _ => 24 + rng.below(9) as u8,
    };
    Ipv4Net::new(Ipv4Addr::from(addr), len).unwrap().trunc()
}

fn random_v6(rng: &mut Rng) -> Ipv6Net {
    let high = [0x2001_0db8u128, 0, 0xffff_ffff][rng.below(3) as usize] << 96;
    let low = (u128::from(rng.next()) << 32 | u128::from(rng.next() as u32)) & ((1u128 << 96) - 1);
    let len = [0u8, 16, 32, 33, 48, 56, 64, 96, 112, 127, 128][rng.below(11) as usize];
    let len = len.saturating_sub(rng.below(3) as u8);
    Ipv6Net::new(Ipv6Addr::from(high | low), len)
        .unwrap()
        .trunc()
}

/// Addresses worth probing: bounds of networks and their neighbours, plus random ones.
fn probes(rng: &mut Rng, nets: &[IpNet]) -> Vec<IpAddr> {
    let mut probes = Vec::new();
    for net in nets.iter().take(700) {
        match net {
            IpNet::V4(net) => {
                let (first, last) = u32::bounds(net);
                for a in [
                    first.wrapping_sub(1),
                    first,
                    first.wrapping_add(1),
                    last.wrapping_sub(1),
                    last,
                    last.wrapping_add(1),
                ] {
                    probes.push(IpAddr::V4(Ipv4Addr::from(a)));
                }
                // Also as IPv4-mapped IPv6.
                probes.push(IpAddr::V6(Ipv4Addr::from(first).to_ipv6_mapped()));
            }
            IpNet::V6(net) => {
                let (first, last) = u128::bounds(net);
                for a in [first.wrapping_sub(1), first, last, last.wrapping_add(1)] {
                    probes.push(IpAddr::V6(Ipv6Addr::from(a)));
                }
            }
        }
    }
    for _ in 0..1500 {
        probes.push(IpAddr::V4(random_v4(rng).addr()));
        probes.push(IpAddr::V4(Ipv4Addr::from(rng.next() as u32)));
        probes.push(IpAddr::V6(random_v6(rng).addr()));
    }
    probes
}

#[test]
fn lookups_match_a_naive_linear_scan() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..6 {
        let count = [3usize, 20, 100, 500, 2000, 3000][round];
        let mut nets = Vec::new();
        let mut entries = Vec::new();
        for _ in 0..count {
            let net = if rng.below(3) == 0 {
                IpNet::V6(random_v6(&mut rng))
            } else {
                IpNet::V4(random_v4(&mut rng))
            };
            nets.push(net);
            // Write some entries with host bits, some as bare addresses, some mapped.
            let written = match (net, rng.below(4)) {
                (IpNet::V4(v4), 0) => {
                    let host =
                        u32::from(v4.addr()) | (rng.next() as u32 & !u32::from(v4.netmask()));
                    format!("{}/{}", Ipv4Addr::from(host), v4.prefix_len())
                }
                (IpNet::V4(v4), 1) => {
                    format!("{}/{}", v4.addr().to_ipv6_mapped(), v4.prefix_len() + 96)
                }
                (IpNet::V4(v4), 2) if v4.prefix_len() == 32 => v4.addr().to_string(),
                _ => net.to_string(),
            };
            entries.push(written);
            if rng.below(10) == 0 {
                nets.push(net);
                entries.push(net.to_string());
            }
        }
        let list = compile(vec![WatchlistSpec::Ip {
            name: "random".into(),
            description: None,
            entries,
        }])
        .unwrap();
        let list = list.ip_list("random").unwrap();
        let mut distinct = nets.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(list.len(), distinct.len());
        let naive = Naive::new(&nets);
        for probe in probes(&mut rng, &nets) {
            assert_eq!(
                list.lookup(probe),
                naive.lookup(probe),
                "round {round}, {probe}"
            );
        }
        list.v4.check_invariants();
        list.v6.check_invariants();
    }
}
