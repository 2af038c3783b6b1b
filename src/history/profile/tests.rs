#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
use super::*;
use crate::env::environment::Environment;
use crate::model::geo::CountryCode;
use crate::policy::Policy;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);

/// What an entry says of its value, without the sighting before the last (which an undo
/// forgets, see `CountTable::unobserve`).
pub(super) fn facts<K: Copy>(e: &crate::history::Entry<K>) -> (K, u32, u32, i64, i64) {
    (e.value, e.count, e.confirmed, e.first_seen, e.last_seen)
}

fn login(at: OffsetDateTime, device: &str, ip: &str) -> RiskContext {
    RiskContext::builder(at, "810001234565".parse().unwrap())
        .device_id(device)
        .ip(ip.parse().unwrap())
        .country("FR")
        .asn(3215)
        .geo(48.85, 2.35, 10.0)
        .user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
        .build()
        .unwrap()
}

#[test]
fn caps_hold_with_least_recently_seen_eviction() {
    let mut p = Profile::new();
    for i in 0..100u32 {
        let at = NOW - Duration::hours(i64::from(100 - i));
        let ctx = login(
            at,
            &format!("device-{i}"),
            &format!("10.{}.{}.1", i / 250, i % 250),
        );
        p = p.confirm_safe(&ctx).unwrap();
    }
    assert_eq!(p.login_count(), 100);
    assert_eq!(p.devices().len(), MAX_DEVICES);
    assert_eq!(p.history().networks.len(), PROFILE_CAPS.networks);
    assert_eq!(p.recent_logins().len(), MAX_RECENT_LOGINS);
    assert_eq!(p.feedback().len(), MAX_FEEDBACK);
    // The survivors are the most recent devices.
    let newest = login(NOW - Duration::hours(1), "device-99", "10.0.99.1");
    let oldest = login(NOW - Duration::hours(100), "device-0", "10.0.0.1");
    assert_eq!(
        p.devices().count(&newest.event().request.device.unwrap()),
        1
    );
    assert_eq!(
        p.devices().count(&oldest.event().request.device.unwrap()),
        0
    );
    // Bounded size: a full profile stays within a few KiB of JSON.
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.len() < 8 * 1024, "{} bytes", json.len());
}

#[test]
fn json_round_trip() {
    let mut p = Profile::new();
    for d in 0..5 {
        p = p
            .confirm_safe(&login(NOW - Duration::days(d), "laptop", "192.0.2.1"))
            .unwrap();
    }
    let json = serde_json::to_string(&p).unwrap();
    let back: Profile = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
    assert_eq!(back.hours_total(), 5);
}

#[test]
fn future_and_zero_versions_are_errors() {
    let e = serde_json::from_str::<Profile>(r#"{"format_version": 3}"#).unwrap_err();
    assert!(
        e.to_string()
            .contains("format version `3` is not supported"),
        "{e}"
    );
    let e = serde_json::from_str::<Profile>(r#"{"format_version": 0}"#).unwrap_err();
    assert!(e.to_string().contains("`0`"), "{e}");
    // Version 1 (no means, attempts, confirmed observations) reads, and is written as 2.
    for version in [1, 2] {
        let json = format!(r#"{{"format_version": {version}}}"#);
        let p: Profile = serde_json::from_str(&json).unwrap();
        assert_eq!(p, Profile::new());
    }
    assert!(serde_json::from_str::<Profile>(r#"{"format_version": 1, "extra": 1}"#).is_err());
}

#[test]
fn stored_tables_over_cap_are_refused() {
    let entries: Vec<String> = (0..=MAX_RECENT_LOGINS).map(|i| i.to_string()).collect();
    let json = format!(
        r#"{{"format_version": 1, "recent_logins": [{}]}}"#,
        entries.join(",")
    );
    let e = serde_json::from_str::<Profile>(&json).unwrap_err();
    assert!(
        e.to_string()
            .contains("`recent_logins` has 17 entries, above its cap of 16"),
        "{e}"
    );
    let json = r#"{"format_version": 1, "hours": [1, 2]}"#;
    assert!(serde_json::from_str::<Profile>(json).is_err());
    let json = r#"{"format_version": 1, "last_position": {"at": 1, "geo": {"lat": 95, "lon": 0}}}"#;
    assert!(serde_json::from_str::<Profile>(json).is_err());
}

#[test]
fn learns_only_from_good_logins() {
    let policy = Policy::recommended();
    let env = Environment::empty();
    let ctx = login(NOW, "laptop", "192.0.2.1");
    let allowed = policy.evaluate(&ctx, &Profile::new(), &env);
    assert_eq!(allowed.decision(), crate::policy::decision::Decision::Allow);
    let p = Profile::new().learn(&ctx, &allowed).unwrap();
    assert_eq!(p.login_count(), 1);

    // A fresh remote activation on an unknown device is stepped up: not learned...
    let risky = RiskContext::builder(NOW + Duration::hours(1), "810001234565".parse().unwrap())
        .device_id("other-phone")
        .activation(NOW, crate::input::context::ActivationChannel::EmailSms)
        .build()
        .unwrap();
    let mut a = policy.evaluate(&risky, &p, &env);
    assert!(matches!(
        a.decision(),
        crate::policy::decision::Decision::StepUp(_)
    ));
    let attempted = p.learn(&risky, &a).unwrap();
    assert_eq!(attempted.login_count(), 1);
    assert_eq!(attempted.devices(), p.devices());
    assert_eq!(
        attempted.attempts(),
        &[Attempt {
            at: risky.now_unix(),
            device: risky.event().request.device,
        }]
    );
    // ...until the step-up passed, proven by a card login on the same device.
    let card = RiskContext::builder(
        risky.now() + Duration::minutes(2),
        "810001234565".parse().unwrap(),
    )
    .device_id("other-phone")
    .auth_mode(AuthMode::Card)
    .auth_time(risky.now() + Duration::minutes(2))
    .build()
    .unwrap();
    a.mark_step_up_passed(&risky, &card).unwrap();
    let learned = p.learn(&risky, &a).unwrap();
    assert_eq!(learned.login_count(), 2);
    // The card confirmed the device: established at once.
    let device = risky.event().request.device.unwrap();
    assert_eq!(learned.devices().get(&device).unwrap().confirmed, 1);
    // An assessment of another login is refused.
    let e = p.learn(&ctx, &a).unwrap_err();
    assert!(matches!(e, ProfileError::AssessmentMismatch { .. }));
    assert_eq!(
        e.to_string(),
        format!(
            "the assessment is of the login at `2025-10-08T10:30:00Z` (digest `{}`), \
                 the context of the login at `2025-10-08T09:30:00Z` (digest `{}`)",
            risky.digest(),
            ctx.digest()
        )
    );
    // So is one of no login at all.
    let e = p.learn(&ctx, &policy.create_assessment()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "the assessment is of no login (no evaluation filled it), \
                 the context of the login at `2025-10-08T09:30:00Z` (digest `{}`)",
            ctx.digest()
        )
    );
}

#[test]
fn another_professionals_login_is_refused() {
    let p = Profile::new()
        .confirm_safe(&login(NOW, "laptop", "192.0.2.1"))
        .unwrap();
    let other = RiskContext::builder(NOW, "810023456782".parse().unwrap())
        .build()
        .unwrap();
    let e = p.confirm_safe(&other).unwrap_err();
    assert_eq!(
        e.to_string(),
        "profile belongs to `810001234565`, the login to `810023456782`"
    );
}

#[test]
fn confirm_compromised_forgets_what_the_login_taught() {
    let mut p = Profile::new();
    for d in 1..=3 {
        p = p
            .confirm_safe(&login(NOW - Duration::days(d), "laptop", "192.0.2.1"))
            .unwrap();
    }
    let attack = RiskContext::builder(NOW, "810001234565".parse().unwrap())
        .device_id("fraud-phone")
        .ip("203.0.113.5".parse().unwrap())
        .asn(64512)
        .country("CI")
        .geo(5.3, -4.0, 50.0)
        .build()
        .unwrap();
    // Wrongly confirmed safe, then found out.
    let poisoned = p.confirm_safe(&attack).unwrap();
    let device = attack.event().request.device.unwrap();
    assert_eq!(poisoned.devices().count(&device), 1);
    let cleaned = poisoned.confirm_compromised(&attack).unwrap();
    assert_eq!(cleaned.devices().count(&device), 0);
    assert_eq!(cleaned.history().countries.count(&"CI".parse().unwrap()), 0);
    assert_eq!(cleaned.history().asns.count(&64512), 0);
    assert!(cleaned.last_position().is_none());
    assert_eq!(cleaned.recent_logins().len(), 3);
    let marks: Vec<Feedback> = cleaned.feedback().iter().map(|m| m.feedback).collect();
    assert_eq!(marks.last(), Some(&Feedback::ConfirmedCompromised));
    // What the real professional taught stays.
    assert_eq!(cleaned.history().countries.count(&CountryCode::FR), 3);
}

#[test]
fn stored_times_out_of_range_are_refused() {
    // Found by fuzzing (tests/data/fuzz/profile_json/): a recent login at `i64::MIN` made
    // `velocity.burst` overflow when subtracting it from the login time.
    let p = Profile::new()
        .confirm_safe(&login(NOW, "laptop", "192.0.2.1"))
        .unwrap();
    let json = serde_json::to_value(&p).unwrap();
    for (field, path, value) in [
        ("recent_logins", "/recent_logins/0", i64::MIN),
        ("first_seen", "/first_seen", -1),
        ("last_position.at", "/last_position/at", MAX_UNIX_TIME + 1),
        ("feedback.at", "/feedback/0/at", i64::MAX),
    ] {
        let mut bad = json.clone();
        *bad.pointer_mut(path).unwrap() = serde_json::json!(value);
        let e = serde_json::from_value::<Profile>(bad).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("profile `{field}` `{value}` is not a time between 1970 and 9999")
        );
    }
    let mut edge = json.clone();
    *edge.pointer_mut("/recent_logins/0").unwrap() = serde_json::json!(MAX_UNIX_TIME);
    assert!(serde_json::from_value::<Profile>(edge).is_ok());
}

#[test]
fn hour_histogram_halves_when_full() {
    let mut p = Profile::new();
    p.hours[5] = MAX_HOUR_COUNT;
    p.hours[6] = 9;
    p.hour_sums = HourSums::of(&p.hours);
    let ctx = RiskContext::builder(
        datetime!(2025-10-06 03:30 UTC),
        "810001234565".parse().unwrap(),
    )
    .build()
    .unwrap();
    assert_eq!(ctx.hour_of_week(), 5);
    let p = p.confirm_safe(&ctx).unwrap();
    assert_eq!((p.hours()[5], p.hours()[6]), (MAX_HOUR_COUNT / 2 + 1, 4));
    assert_eq!(p.hours_total(), u32::from(MAX_HOUR_COUNT / 2 + 1) + 4);
}

#[test]
fn login_without_coordinates_keeps_the_last_position() {
    let p = Profile::new()
        .confirm_safe(&login(NOW - Duration::hours(2), "laptop", "192.0.2.1"))
        .unwrap();
    let blind = RiskContext::builder(NOW, "810001234565".parse().unwrap())
        .build()
        .unwrap();
    let p2 = p.confirm_safe(&blind).unwrap();
    assert_eq!(p2.last_position(), p.last_position());
    assert_eq!(p2.last_login_at(), Some(NOW.unix_timestamp()));
}

#[test]
fn confirm_compromised_takes_back_only_what_the_attack_brought() {
    let mut p = Profile::new();
    for d in 1..=3 {
        p = p
            .confirm_safe(&login(NOW - Duration::days(d), "laptop", "192.0.2.1"))
            .unwrap();
    }
    // The fraudster, in France too, on the same provider, from a new /24 and phone, with an
    // e-CPS: allowed by a lax policy and learned.
    let attack = RiskContext::builder(NOW, "810001234565".parse().unwrap())
        .auth_mode(AuthMode::Ecps)
        .device_id("fraud-phone")
        .ip("198.51.100.9".parse().unwrap())
        .country("FR")
        .asn(3215)
        .geo(43.3, 5.4, 25.0)
        .build()
        .unwrap();
    let poisoned = p.confirm_safe(&attack).unwrap();
    assert_eq!(poisoned.login_count(), 4);
    assert_eq!(poisoned.means().ecps, 1);
    let cleaned = poisoned.confirm_compromised(&attack).unwrap();
    let device = attack.event().request.device.unwrap();
    // What it brought goes: its device, its /24, its position, its login, hour and means.
    assert_eq!(cleaned.devices().count(&device), 0);
    assert_eq!(
        cleaned
            .history()
            .networks
            .count(&"198.51.100.0/24".parse().unwrap()),
        0
    );
    assert_eq!(cleaned.last_position(), None);
    assert_eq!(cleaned.login_count(), 3);
    assert_eq!(cleaned.means().ecps, 0);
    assert_eq!(cleaned.hours_total(), 3);
    // What was hers stays, one observation fewer: France and her provider.
    assert_eq!(cleaned.history().countries.count(&CountryCode::FR), 3);
    assert_eq!(cleaned.history().asns.count(&3215), 3);
    assert_eq!(cleaned.devices().len(), 1);
    // And the device stays suspicious.
    assert_eq!(
        cleaned.compromised_since(&device),
        Some(NOW.unix_timestamp())
    );
    assert_eq!(cleaned.feedback().last().unwrap().device, Some(device));
    // A login never learned (refused) takes nothing back but leaves the mark.
    let refused = p.confirm_compromised(&attack).unwrap();
    assert_eq!(refused.history(), p.history());
    assert_eq!(refused.login_count(), 3);
    assert_eq!(
        refused.compromised_since(&device),
        Some(NOW.unix_timestamp())
    );
}

#[test]
fn confirm_compromised_takes_back_the_confirmation_and_span_a_mistake_gave() {
    // Found by fuzzing (fuzz target `evaluate`): the professional's carrier, seen in three
    // allowed logins within two hours, was left confirmed and seen over five days by an
    // attack confirmed safe by mistake and then found out: established by the attack.
    let lax: crate::PolicySpec = serde_json::from_value(serde_json::json!({
        "id": "lax", "version": "1", "rules": [],
        "thresholds": { "step_up": 1, "review": 2, "deny": 3 },
    }))
    .unwrap();
    let lax = Policy::compile(lax).unwrap();
    let mut p = Profile::new();
    for h in [5 * 24 + 3, 5 * 24 + 2, 5 * 24 + 1] {
        let ctx = login(NOW - Duration::hours(h), "laptop", "192.0.2.1");
        let a = lax.evaluate(&ctx, &p, &Environment::empty());
        p = p.learn(&ctx, &a).unwrap();
    }
    let carrier = *p.history().asns.get(&3215).unwrap();
    assert_eq!((carrier.count, carrier.confirmed), (3, 0));
    let attack = login(NOW, "fraud-phone", "198.51.100.9");
    let poisoned = p.confirm_safe(&attack).unwrap();
    let asn = poisoned.history().asns.get(&3215).unwrap();
    assert!(asn.confirmed == 1 && asn.is_established(3, 3 * 86_400));
    let cleaned = poisoned.confirm_compromised(&attack).unwrap();
    assert_eq!(
        facts(cleaned.history().asns.get(&3215).unwrap()),
        facts(&carrier)
    );
    // Every table as before (its total keeps the observation; the sighting before the
    // last is forgotten, see `CountTable::unobserve`).
    let (h, before) = (cleaned.history(), p.history());
    assert!(
        h.networks
            .iter()
            .map(facts)
            .eq(before.networks.iter().map(facts))
    );
    assert!(
        h.countries
            .iter()
            .map(facts)
            .eq(before.countries.iter().map(facts))
    );
    assert!(
        h.user_agents
            .iter()
            .map(facts)
            .eq(before.user_agents.iter().map(facts))
    );
    // Allowed, not confirmed: its observations were not confirmed, the professional's
    // confirmations stay.
    let card = RiskContext::builder(NOW - Duration::hours(3), "810001234565".parse().unwrap())
        .auth_mode(AuthMode::Card)
        .asn(3215)
        .build()
        .unwrap();
    let p = p.confirm_safe(&card).unwrap();
    let a = lax.evaluate(&attack, &p, &Environment::empty());
    let cleaned = p
        .learn(&attack, &a)
        .unwrap()
        .confirm_compromised(&attack)
        .unwrap();
    assert_eq!(cleaned.history().asns.get(&3215).unwrap().confirmed, 1);
}

#[test]
fn means_are_counted_and_halved() {
    let card = |at| {
        RiskContext::builder(at, "810001234565".parse().unwrap())
            .auth_mode(AuthMode::Card)
            .build()
            .unwrap()
    };
    let mut p = Profile::new()
        .confirm_safe(&card(NOW - Duration::days(1)))
        .unwrap();
    assert_eq!(
        (p.means().card, p.means().ecps, p.means().total()),
        (1, 0, 1)
    );
    // Without `authMode`, nothing is counted.
    p = p
        .confirm_safe(&login(NOW - Duration::hours(5), "laptop", "192.0.2.1"))
        .unwrap();
    assert_eq!(p.means().total(), 1);
    p.means = Means {
        card: MAX_MEANS_COUNT,
        ecps: 7,
        other: 1,
    };
    let p = p.confirm_safe(&card(NOW)).unwrap();
    assert_eq!(
        *p.means(),
        Means {
            card: MAX_MEANS_COUNT / 2 + 1,
            ecps: 3,
            other: 0
        }
    );
    // Stored counts over the cap are refused.
    let mut json = serde_json::to_value(&p).unwrap();
    json["means"]["ecps"] = serde_json::json!(MAX_MEANS_COUNT + 1);
    let e = serde_json::from_value::<Profile>(json).unwrap_err();
    assert!(e.to_string().contains("`means`"), "{e}");
}

#[test]
fn attempts_are_bounded_and_counted_once() {
    let policy = Policy::recommended();
    let env = Environment::empty();
    let p = Profile::new()
        .confirm_safe(&login(NOW - Duration::days(2), "laptop", "192.0.2.1"))
        .unwrap();
    let attempt = |m: i64| {
        RiskContext::builder(NOW - Duration::minutes(m), "810001234565".parse().unwrap())
            .auth_mode(AuthMode::Ecps)
            .device_id("fraud-phone")
            .ip("203.0.113.5".parse().unwrap())
            .country("CI")
            .build()
            .unwrap()
    };
    let mut q = p.clone();
    for m in (0..20).rev() {
        let ctx = attempt(m);
        let a = policy.evaluate(&ctx, &q, &env);
        assert!(!a.is_good_login(), "{a}");
        q = q.learn(&ctx, &a).unwrap();
        // Learning the same login twice keeps one attempt.
        q = q.learn(&ctx, &a).unwrap();
    }
    assert_eq!(q.attempts().len(), MAX_ATTEMPTS);
    assert_eq!(q.attempts()[0].at, attempt(15).now_unix());
    assert_eq!(q.login_count(), 1);
    assert_eq!(q.devices(), p.devices());
    // Stored attempts are checked like every stored time and table.
    let mut json = serde_json::to_value(&q).unwrap();
    json["attempts"][0]["at"] = serde_json::json!(-5);
    let e = serde_json::from_value::<Profile>(json).unwrap_err();
    assert_eq!(
        e.to_string(),
        "profile `attempts.at` `-5` is not a time between 1970 and 9999"
    );
    let mut json = serde_json::to_value(&q).unwrap();
    json["attempts"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"at": 1}));
    assert!(serde_json::from_value::<Profile>(json).is_err());
}

#[test]
fn a_vpn_exit_is_never_the_last_position() {
    let p = Profile::new()
        .confirm_safe(&login(NOW - Duration::hours(3), "laptop", "192.0.2.1"))
        .unwrap();
    let vpn = RiskContext::builder(NOW, "810001234565".parse().unwrap())
        .device_id("laptop")
        .geo(52.37, 4.90, 50.0)
        .anonymizer(true)
        .build()
        .unwrap();
    let q = p.confirm_safe(&vpn).unwrap();
    assert_eq!(q.last_position(), p.last_position());
    assert_eq!(q.login_count(), 2);
}
