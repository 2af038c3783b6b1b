//! Detectors on the request's address and client: watchlisted networks, anonymizers,
//! automation.

use ipnet::IpNet;

use crate::detect::params::NoParams;
use crate::detect::signal::{Evidence, Missing, Signal};
use crate::detect::{DetectorInput, ListParams, any_list};
use crate::input::features::{IPV4_NETWORK_PREFIX, IPV6_NETWORK_PREFIX, coarse_network};

/// The address is on one of the named IP watchlists (deny lists, trusted hospital networks):
/// the evidence is the most specific listed network that contains it, cut to the /24 or /48
/// of the address when longer (a host route is the client's address, which an assessment
/// never holds).
#[inline]
pub(crate) fn ip_listed(p: &ListParams, i: &DetectorInput<'_>) -> Signal {
    let Some(ip) = i.context.event().request.ip else {
        return Signal::missing(Missing::Input("request.ip"));
    };
    let lists = i.environment.watchlists();
    any_list(
        &p.lists,
        |name| lists.and_then(|w| w.get_named(name)?.as_ip()),
        |list| {
            list.lookup(ip).map(|listed| Evidence::Network {
                network: Some(shown_network(listed)),
                asn: i.context.event().request.asn,
            })
        },
    )
}

/// What the evidence shows of the listed network that contains the address:
/// `coarse_network(listed)`, whose work (clearing host bits) is left out on the usual path, a
/// listed network no longer than a /24 or /48: compiled lists hold no host bits.
#[inline]
fn shown_network(listed: IpNet) -> IpNet {
    let longer = match listed {
        IpNet::V4(n) => n.prefix_len() > IPV4_NETWORK_PREFIX,
        IpNet::V6(n) => n.prefix_len() > IPV6_NETWORK_PREFIX,
    };
    if longer {
        coarse_network(listed)
    } else {
        listed
    }
}

/// VPN, proxy or Tor exit: the caller's threat-intelligence flag, or an anonymizer watchlist.
/// Either source alone is enough to evaluate; a `false` flag with no list is a no-hit.
#[inline]
pub(crate) fn anonymizer(p: &ListParams, i: &DetectorInput<'_>) -> Signal {
    let flag = i.context.event().request.anonymizer;
    if flag == Some(true) {
        return Signal::hit(Evidence::Flag);
    }
    let listed = if p.lists.is_empty() {
        Signal::missing(Missing::Input("request.anonymizer"))
    } else {
        ip_listed(p, i)
    };
    match (listed, flag) {
        (Signal::NotEvaluated { .. }, Some(false)) => Signal::NoHit,
        (other, _) => other,
    }
}

/// A script or automation framework: the client telemetry flag, or a user agent of an HTTP
/// library or headless browser.
#[inline]
pub(crate) fn automation(_: &NoParams, i: &DetectorInput<'_>) -> Signal {
    let flag = i.context.event().telemetry.automation;
    let ua = i.context.user_agent_class();
    if flag == Some(true) || ua.is_some_and(|u| u.automation) {
        return Signal::hit(Evidence::Flag);
    }
    if flag.is_none() && ua.is_none() {
        return Signal::missing(Missing::Input("request.user_agent"));
    }
    Signal::NoHit
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use crate::detect::signal::{Evidence, Missing, Signal, SignalCode as C};
    use crate::detect::test_support::builder;
    use crate::detect::{DetectorInput, DetectorParams, detect};
    use crate::env::environment::Environment;
    use crate::env::watchlist::Watchlists;
    use crate::history::profile::Profile;
    use crate::input::context::RiskContext;

    fn run_with(code: C, ctx: &RiskContext, env: &Environment<'_>) -> Signal {
        let profile = Profile::new();
        detect(
            code,
            &DetectorParams::defaults(),
            &DetectorInput {
                context: ctx,
                profile: &profile,
                environment: env,
            },
        )
    }

    fn lists() -> Watchlists {
        serde_json::from_str(
            r#"{"lists": [
                {"name": "denied_networks", "kind": "ip", "entries": ["203.0.113.0/24", "2001:db8:bad::/48"]},
                {"name": "trusted_networks", "kind": "ip", "entries": ["10.0.0.0/8", "10.20.0.0/16"]},
                {"name": "anonymizers", "kind": "ip", "entries": ["198.51.100.0/24"]}
            ]}"#,
        )
        .unwrap()
    }

    fn ctx(ip: &str) -> RiskContext {
        builder().ip(ip.parse().unwrap()).build().unwrap()
    }

    #[test]
    fn denied_and_trusted_with_mapped_addresses() {
        let w = lists();
        let env = Environment::new().with_watchlists(&w);
        assert!(run_with(C::NetworkDenied, &ctx("203.0.113.9"), &env).is_hit());
        assert!(run_with(C::NetworkDenied, &ctx("::ffff:203.0.113.9"), &env).is_hit());
        assert!(run_with(C::NetworkDenied, &ctx("2001:db8:bad:1::5"), &env).is_hit());
        assert_eq!(
            run_with(C::NetworkDenied, &ctx("203.0.114.9"), &env),
            Signal::NoHit
        );
        // The most specific trusted network is the evidence.
        assert_eq!(
            run_with(C::NetworkTrusted, &ctx("10.20.3.4"), &env),
            Signal::hit(Evidence::Network {
                network: Some("10.20.0.0/16".parse().unwrap()),
                asn: None
            })
        );
        assert!(run_with(C::NetworkTrusted, &ctx("10.9.3.4"), &env).is_hit());
        // Missing address, missing list.
        assert_eq!(
            run_with(C::NetworkDenied, &builder().build().unwrap(), &env),
            Signal::missing(Missing::Input("request.ip"))
        );
        assert_eq!(
            run_with(C::NetworkTrusted, &ctx("10.20.3.4"), &Environment::empty()),
            Signal::missing(Missing::Watchlist)
        );
    }

    #[test]
    fn listed_networks_are_shown_as_coarse_network_shows_them() {
        let lists: Watchlists = serde_json::from_str(
            r#"{"lists": [{"name": "denied_networks", "kind": "ip", "entries": [
                "203.0.113.77/32", "203.0.113.64/26", "203.0.112.0/23", "10.0.0.0/8",
                "2001:db8:bad:1::5/128", "2001:db8:bad::/47", "::ffff:198.51.100.7/128"
            ]}]}"#,
        )
        .unwrap();
        let env = Environment::new().with_watchlists(&lists);
        let list = lists.ip_list("denied_networks").unwrap();
        for ip in [
            "203.0.113.77",
            "203.0.113.70",
            "203.0.112.9",
            "10.1.2.3",
            "2001:db8:bad:1::5",
            "2001:db8:bad:2::1",
            "198.51.100.7",
        ] {
            let ctx = ctx(ip);
            let listed = list.lookup(ip.parse().unwrap()).unwrap();
            assert_eq!(
                run_with(C::NetworkDenied, &ctx, &env),
                Signal::hit(Evidence::Network {
                    network: Some(crate::input::features::coarse_network(listed)),
                    asn: None
                }),
                "{ip} in {listed}"
            );
        }
    }

    #[test]
    fn anonymizer_from_flag_or_list() {
        let w = lists();
        let env = Environment::new().with_watchlists(&w);
        let empty = Environment::empty();
        let flagged = builder().anonymizer(true).build().unwrap();
        assert!(run_with(C::NetworkAnonymizer, &flagged, &empty).is_hit());
        assert!(run_with(C::NetworkAnonymizer, &ctx("198.51.100.20"), &env).is_hit());
        assert_eq!(
            run_with(C::NetworkAnonymizer, &ctx("192.0.2.1"), &env),
            Signal::NoHit
        );
        let clean = builder().anonymizer(false).build().unwrap();
        assert_eq!(
            run_with(C::NetworkAnonymizer, &clean, &empty),
            Signal::NoHit
        );
        assert!(run_with(C::NetworkAnonymizer, &ctx("192.0.2.1"), &empty).is_not_evaluated());
    }

    #[test]
    fn automation() {
        let empty = Environment::empty();
        let ua = |s: &str| builder().user_agent(s).build().unwrap();
        assert!(run_with(C::ClientAutomation, &ua("python-requests/2.32.3"), &empty).is_hit());
        assert!(run_with(C::ClientAutomation, &ua("curl/8.5.0"), &empty).is_hit());
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(
            run_with(C::ClientAutomation, &ua(chrome), &empty),
            Signal::NoHit
        );
        let flagged = builder()
            .user_agent(chrome)
            .automation_suspected(true)
            .build()
            .unwrap();
        assert!(run_with(C::ClientAutomation, &flagged, &empty).is_hit());
        assert!(
            run_with(C::ClientAutomation, &builder().build().unwrap(), &empty).is_not_evaluated()
        );
    }
}
