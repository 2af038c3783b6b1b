#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
use super::tests::facts;
use super::*;
use crate::env::environment::Environment;
use crate::policy::Policy;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);
const DAY: i64 = 86_400;

/// A policy that allows every login.
fn lax() -> Policy {
    Policy::compile(
        serde_json::from_value(serde_json::json!({
            "id": "lax", "version": "1", "rules": [],
            "thresholds": { "step_up": 1, "review": 2, "deny": 3 },
        }))
        .unwrap(),
    )
    .unwrap()
}

fn on(at: OffsetDateTime, ip: &str, asn: u32) -> RiskContext {
    RiskContext::builder(at, "810001234565".parse().unwrap())
        .ip(ip.parse().unwrap())
        .asn(asn)
        .build()
        .unwrap()
}

fn allowed(p: &Profile, c: &RiskContext, policy: &Policy) -> Profile {
    let a = policy.evaluate(c, p, &Environment::empty());
    assert!(a.is_good_login());
    p.learn(c, &a).unwrap()
}

/// Was: a last sighting at the undone login went back to the previous good login, even
/// when that login never saw the value, stretching its span.
#[test]
fn the_undo_restores_the_last_sighting_the_value_had() {
    let lax = lax();
    let mut p = Profile::new();
    for h in [5 * 24 + 3, 5 * 24 + 2, 5 * 24 + 1] {
        p = allowed(&p, &on(NOW - Duration::hours(h), "192.0.2.1", 3215), &lax);
    }
    p = allowed(&p, &on(NOW - Duration::days(1), "198.18.0.1", 64500), &lax);
    let before = *p.history().asns.get(&3215).unwrap();
    assert!(!before.is_established(3, 3 * DAY));
    let attack = on(NOW, "203.0.113.5", 3215);
    let cleaned = allowed(&p, &attack, &lax)
        .confirm_compromised(&attack)
        .unwrap();
    let after = *cleaned.history().asns.get(&3215).unwrap();
    assert!(!after.is_established(3, 3 * DAY), "{after:?}");
    assert_eq!(facts(&after), facts(&before));
}

/// Was: a login learned (allowed) and then confirmed safe was counted twice, and the undo
/// took back one.
#[test]
fn a_login_learned_twice_counts_once() {
    let lax = lax();
    let mut p = Profile::new();
    for d in [5, 1] {
        p = allowed(&p, &on(NOW - Duration::days(d), "192.0.2.1", 3215), &lax);
    }
    let attack = on(NOW, "203.0.113.5", 3215);
    let learned = allowed(&p, &attack, &lax);
    let confirmed = learned.confirm_safe(&attack).unwrap();
    // Confirmed safe after being allowed: one login, now confirmed.
    assert_eq!(confirmed.login_count(), p.login_count() + 1);
    assert_eq!(confirmed.hours_total(), p.hours_total() + 1);
    let asn = confirmed.history().asns.get(&3215).unwrap();
    assert_eq!((asn.count, asn.confirmed), (3, 1));
    // Learned again: nothing more.
    let a = lax.evaluate(&attack, &confirmed, &Environment::empty());
    let again = confirmed.learn(&attack, &a).unwrap();
    assert_eq!(again.history(), confirmed.history());
    assert_eq!(again.login_count(), confirmed.login_count());
    let cleaned = again.confirm_compromised(&attack).unwrap();
    let asn = cleaned.history().asns.get(&3215).unwrap();
    assert!(!asn.is_established(3, 3 * DAY), "{asn:?}");
    assert_eq!(facts(asn), facts(p.history().asns.get(&3215).unwrap()));
    assert_eq!(cleaned.login_count(), p.login_count());
    assert_eq!(cleaned.hours(), p.hours());
    assert_eq!(cleaned.recent_logins(), p.recent_logins());
}

/// Was: a login was told by its second only, so the undo of a refused attack at the same
/// second as a good login took back the good login.
#[test]
fn a_refused_attack_at_the_same_second_takes_back_nothing() {
    let lax = lax();
    let p = allowed(
        &Profile::new(),
        &on(NOW - Duration::days(1), "192.0.2.1", 3215),
        &lax,
    );
    let good = RiskContext::builder(NOW, "810001234565".parse().unwrap())
        .ip("192.0.2.1".parse().unwrap())
        .asn(3215)
        .geo(48.85, 2.35, 10.0)
        .build()
        .unwrap();
    let p = allowed(&p, &good, &lax);
    let attack = RiskContext::builder(NOW, "810001234565".parse().unwrap())
        .device_id("fraud-phone")
        .ip("203.0.113.5".parse().unwrap())
        .asn(3215)
        .geo(48.85, 2.35, 10.0)
        .build()
        .unwrap();
    let cleaned = p.confirm_compromised(&attack).unwrap();
    assert_eq!(cleaned.login_count(), p.login_count());
    assert_eq!(cleaned.recent_logins(), p.recent_logins());
    assert_eq!(cleaned.history(), p.history());
    assert_eq!(cleaned.hours(), p.hours());
    assert_eq!(cleaned.last_position(), p.last_position());
}

/// Was: a value the attack saw first lost the professional's later sightings too.
#[test]
fn a_value_the_attack_saw_first_keeps_later_sightings() {
    let lax = lax();
    let p = allowed(
        &Profile::new(),
        &on(NOW - Duration::days(9), "192.0.2.1", 3215),
        &lax,
    );
    let attack = on(NOW - Duration::days(2), "203.0.113.5", 64512);
    let p = allowed(&p, &attack, &lax);
    let card = RiskContext::builder(NOW - Duration::days(1), "810001234565".parse().unwrap())
        .auth_mode(AuthMode::Card)
        .ip("198.18.0.1".parse().unwrap())
        .asn(64512)
        .build()
        .unwrap();
    let cleaned = p
        .confirm_safe(&card)
        .unwrap()
        .confirm_compromised(&attack)
        .unwrap();
    let e = *cleaned.history().asns.get(&64512).unwrap();
    assert_eq!((e.count, e.confirmed), (1, 1));
    // Its span starts at the professional's sighting: the attack's is gone.
    let day = (NOW - Duration::days(1)).unix_timestamp();
    assert_eq!((e.first_seen, e.last_seen), (day, day));
}

/// Was: each confirmation of the same compromise pushed one more mark, until another
/// device's mark was pushed out and `device.compromised` no longer refused it.
#[test]
fn confirming_a_compromise_again_changes_nothing() {
    let lax = lax();
    let p = allowed(
        &Profile::new(),
        &on(NOW - Duration::days(3), "192.0.2.1", 3215),
        &lax,
    );
    let first = RiskContext::builder(NOW - Duration::days(2), "810001234565".parse().unwrap())
        .device_id("fraud-phone-1")
        .build()
        .unwrap();
    let second = RiskContext::builder(NOW, "810001234565".parse().unwrap())
        .device_id("fraud-phone-2")
        .ip("203.0.113.5".parse().unwrap())
        .asn(3215)
        .build()
        .unwrap();
    let mut q = p.confirm_compromised(&first).unwrap();
    q = allowed(&q, &second, &lax);
    let once = q.confirm_compromised(&second).unwrap();
    let mut again = once.clone();
    for _ in 0..=MAX_FEEDBACK {
        again = again.confirm_compromised(&second).unwrap();
    }
    assert_eq!(again, once);
    let device = first.event().request.device.unwrap();
    assert_eq!(again.compromised_since(&device), Some(first.now_unix()));
}

/// Format 1 stored recent logins as bare times: they still read, and are matched by their
/// time; format 2 keeps each login's digest and confirmation.
#[test]
fn recent_logins_of_format_1_are_matched_by_time() {
    let lax = lax();
    let old = on(NOW - Duration::days(1), "192.0.2.1", 3215);
    let p = allowed(&Profile::new(), &old, &lax);
    let json = serde_json::to_value(&p).unwrap();
    let recent = &json["recent_logins"][0];
    assert_eq!(recent["at"], serde_json::json!(old.now_unix()));
    assert_eq!(
        recent["digest"],
        serde_json::json!(old.digest().to_string())
    );
    assert!(recent.get("confirmed").is_none(), "{recent}");
    let mut v1 = json.clone();
    v1["format_version"] = serde_json::json!(1);
    v1["recent_logins"] = serde_json::json!([old.now_unix()]);
    let v1: Profile = serde_json::from_value(v1).unwrap();
    assert_eq!(v1.recent_logins(), p.recent_logins());
    assert_eq!(v1.recent_login(&old).unwrap().digest, None);
    let cleaned = v1.confirm_compromised(&old).unwrap();
    assert_eq!(
        (cleaned.login_count(), cleaned.recent_logins()),
        (0, &[][..])
    );
    assert!(cleaned.history().asns.is_empty());
    // Anything else is refused, naming what was expected.
    let mut bad = json.clone();
    bad["recent_logins"] = serde_json::json!(["soon"]);
    let e = serde_json::from_value::<Profile>(bad).unwrap_err();
    assert!(
        e.to_string().contains("a time (Unix seconds) or a map"),
        "{e}"
    );
    let mut bad = json;
    bad["recent_logins"][0]["extra"] = serde_json::json!(1);
    assert!(serde_json::from_value::<Profile>(bad).is_err());
}
