#![allow(clippy::unwrap_used)]
use super::*;

#[test]
fn get_named_agrees_with_get() {
    let names: Vec<String> = (0..300).map(|i| format!("list-{i:03}")).collect();
    let spec = WatchlistsSpec {
        lists: names
            .iter()
            .map(|n| WatchlistSpec::Subjects {
                name: n.clone(),
                description: None,
                entries: vec![],
            })
            .collect(),
    };
    let w = Watchlists::compile(spec).unwrap();
    for n in &names {
        let by_name = w.get(n).map(Watchlist::name);
        assert_eq!(by_name, Some(n.as_str()));
        assert_eq!(
            w.get_named(&ListName::new(n).unwrap()).map(Watchlist::name),
            by_name
        );
    }
    for absent in ["list-300", "list-0", "list-0010"] {
        let absent = ListName::new(absent).unwrap();
        assert!(w.get_named(&absent).is_none(), "{absent}");
    }
    let a = ListName::new("a").unwrap();
    assert!(Watchlists::empty().get_named(&a).is_none());
    // The serde form of a name is the plain string.
    let n: ListName = serde_json::from_str("\"trusted_networks\"").unwrap();
    assert_eq!(n, ListName::new("trusted_networks").unwrap());
    assert_eq!(serde_json::to_string(&n).unwrap(), "\"trusted_networks\"");
}

/// Issue 15: a policy could name a list no `Watchlists` can hold (`Denied_Networks`). A
/// name is checked once, by `ListName::new`, for lists and for policies alike: same names
/// refused, same message.
#[test]
fn list_names_are_checked_alike_for_lists_and_policies() {
    let long = "a".repeat(65);
    for bad in [
        "",
        "Denied_Networks",
        "trusted networks",
        "hôpital",
        "a/b",
        long.as_str(),
    ] {
        let from_lists = Watchlists::compile(WatchlistsSpec {
            lists: vec![WatchlistSpec::Ip {
                name: bad.to_owned(),
                description: None,
                entries: vec![],
            }],
        })
        .unwrap_err();
        let from_name = ListName::new(bad).unwrap_err();
        assert_eq!(from_name, from_lists, "{bad:?}");
        let parsed = serde_json::from_value::<ListName>(serde_json::json!(bad)).unwrap_err();
        assert!(
            parsed.to_string().starts_with(&from_name.to_string()),
            "{parsed}"
        );
    }
    for good in ["a", "denied_networks", "0-9._", &"z".repeat(64)] {
        assert_eq!(ListName::new(good).unwrap().as_str(), good);
    }
    // The standard names of the list-based detectors are all valid.
    for code in crate::detect::signal::SignalCode::ALL {
        for name in crate::detect::default_lists(*code) {
            assert!(ListName::new(name).is_ok(), "{name}");
        }
    }
}
