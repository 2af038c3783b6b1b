//! The three engines give the same score, decision and fired rules on the timed logins and on
//! logins that exercise every rule (and the missing-data cases).

use ecps_risk::{
    ActivationChannel, ContactChange, ContactKind, Decision, Profile, PushOutcome,
    RiskContextBuilder, StepUpMethod, ValidationRequest,
};
use ecps_risk_peers::hospital::{NOW, history, kill_chain, usual};
use ecps_risk_peers::{Engines, Login, PREFIX_COUNTS, check_agreement, prefix_lists};
use time::Duration;

fn logins(profile: &Profile, denied_ip: Option<&str>) -> Vec<(Login, Option<Decision>)> {
    let build = |name: &str, b: RiskContextBuilder| Login::new(name, b.build().unwrap(), profile);
    let mut out = vec![
        (build("legitimate", usual(NOW)), Some(Decision::Allow)),
        (build("seed fraud", kill_chain(NOW)), Some(Decision::Deny)),
        (
            build(
                "push bombing at the hospital",
                usual(NOW).validation_requests([
                    ValidationRequest {
                        at: NOW - Duration::minutes(50),
                        outcome: PushOutcome::Denied,
                    },
                    ValidationRequest {
                        at: NOW - Duration::minutes(30),
                        outcome: PushOutcome::Expired,
                    },
                    ValidationRequest {
                        at: NOW - Duration::minutes(10),
                        outcome: PushOutcome::Denied,
                    },
                    ValidationRequest {
                        at: NOW - Duration::minutes(5),
                        outcome: PushOutcome::Approved,
                    },
                ]),
            ),
            Some(Decision::StepUp(StepUpMethod::CpsCard)),
        ),
        (
            build(
                "old pushes",
                usual(NOW).validation_requests([
                    ValidationRequest {
                        at: NOW - Duration::minutes(200),
                        outcome: PushOutcome::Denied,
                    },
                    ValidationRequest {
                        at: NOW - Duration::minutes(150),
                        outcome: PushOutcome::Denied,
                    },
                    ValidationRequest {
                        at: NOW - Duration::minutes(10),
                        outcome: PushOutcome::Denied,
                    },
                ]),
            ),
            None,
        ),
        (
            build(
                "fresh remote activation, old contact change, known network",
                usual(NOW)
                    .device_id("new-phone")
                    .activation(NOW - Duration::hours(5), ActivationChannel::EmailSms)
                    .contact_changes([ContactChange {
                        at: NOW - Duration::days(45),
                        kind: ContactKind::Phone,
                    }]),
            ),
            Some(Decision::StepUp(StepUpMethod::CpsCard)),
        ),
        (
            build(
                "card activation two days ago abroad",
                usual(NOW)
                    .ip("41.202.77.9".parse().unwrap())
                    .asn(36924)
                    .country("CI")
                    .activation(NOW - Duration::hours(48), ActivationChannel::CpsCard),
            ),
            None,
        ),
        (
            build(
                "no country, no device, no contact data",
                ecps_risk::RiskContext::builder(NOW, "810001234565".parse().unwrap())
                    .ip("192.0.2.7".parse().unwrap())
                    .activation(NOW - Duration::hours(1), ActivationChannel::EmailSms),
            ),
            None,
        ),
    ];
    if let Some(ip) = denied_ip {
        out.push((
            build("denied network", usual(NOW).ip(ip.parse().unwrap())),
            Some(Decision::Deny),
        ));
    }
    out
}

/// An address inside the first denied prefix.
fn denied_address(n: usize) -> Option<String> {
    let (_, denied) = prefix_lists(n);
    let first = denied.first()?;
    let (addr, _) = first.split_once('/')?;
    let a: std::net::Ipv4Addr = addr.parse().ok()?;
    Some(std::net::Ipv4Addr::from(u32::from(a) + 1).to_string())
}

#[test]
fn engines_agree() {
    let (learned, _) = history(20);
    let cold = Profile::new();
    for n in PREFIX_COUNTS {
        let mut engines = Engines::new(n);
        let denied = denied_address(n);
        for (profile, which) in [(&learned, "learned"), (&cold, "cold")] {
            for (login, expect) in logins(profile, denied.as_deref()) {
                let answers = check_agreement(&mut engines, &login, profile)
                    .unwrap_or_else(|e| panic!("{which} profile: {e}"));
                let (_, outcome, fired) = &answers.by_engine[0];
                eprintln!(
                    "{n} prefixes, {which}, {}: {} {} {fired:?}",
                    login.name,
                    outcome.score,
                    outcome.decision.as_str()
                );
                if which == "learned"
                    && let Some(expect) = expect
                {
                    assert_eq!(outcome.decision, expect, "{}: {fired:?}", login.name);
                }
            }
        }
    }
}

#[test]
fn lists_have_the_requested_sizes() {
    for n in PREFIX_COUNTS {
        let (trusted, denied) = prefix_lists(n);
        assert_eq!((trusted.len(), denied.len()), (n, n));
        if n > 0 {
            assert_eq!(trusted[n / 2], ecps_risk_peers::HOSPITAL_NETWORK);
        }
    }
}
