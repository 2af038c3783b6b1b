//! Fail closed, round two (issue 24): step-ups bound to the login that asked for them, one
//! proof for one login, an empty `in` refused for every fact, identifiers sent as numbers
//! kept exact or refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use ecps_risk::policy::Fact;
use ecps_risk::{Policy, PolicyError, PolicySpec};

fn compile_json(rule: serde_json::Value) -> Result<Policy, PolicyError> {
    let spec: PolicySpec = serde_json::from_value(serde_json::json!({
        "id": "empty-in", "version": "1",
        "thresholds": { "step_up": 30, "review": 60, "deny": 90 },
        "rules": [rule],
    }))
    .unwrap();
    Policy::compile(spec)
}

// ---- 7. An empty `in` is an error for every fact type ----

/// `{compare = {fact = "request.country", in = []}}` compiled silently and never fired (and
/// `not` of it fired on every login), while on `request.asn` it was refused.
#[test]
fn an_empty_in_compiled_silently_for_symbol_facts() {
    for fact in Fact::ALL {
        for when in [
            serde_json::json!({ "compare": { "fact": fact.as_str(), "in": [] } }),
            serde_json::json!({ "not": { "compare": { "fact": fact.as_str(), "in": [] } } }),
        ] {
            let rule = serde_json::json!({
                "id": "never", "effect": { "force": "deny" }, "when": when,
            });
            let e = compile_json(rule).expect_err(fact.as_str());
            let text = e.to_string();
            assert!(
                text.starts_with("policy `empty-in`: rule `never`"),
                "{fact:?}: {text}"
            );
            if !matches!(e, PolicyError::Comparison { .. }) {
                panic!("{fact:?}: {e:?}");
            }
        }
    }
    let e = compile_json(serde_json::json!({
        "id": "never", "effect": { "force": "deny" },
        "when": { "compare": { "fact": "request.country", "in": [] } },
    }))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "policy `empty-in`: rule `never`: fact `request.country`: `in` is empty: it matches no value, so the comparison can never be true"
    );
}

// ---- 8. Identifiers sent as numbers: exact digits or refused; booleans refused ----

fn claims(json: &str) -> Result<ecps_risk::PscClaims, serde_json::Error> {
    serde_json::from_str(json)
}

/// `"SubjectNameID": true` was read as a professional named `true`.
#[test]
fn a_subject_sent_as_a_boolean_was_a_professional_named_true() {
    for (json, claim) in [
        (r#"{"SubjectNameID": true}"#, "SubjectNameID"),
        (r#"{"preferred_username": false}"#, "preferred_username"),
        (
            r#"{"otherIds": [{"identifiant": true}]}"#,
            "otherIds[].identifiant",
        ),
    ] {
        let e = claims(json).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "claim `{claim}`: an identifier sent as the boolean `"
            )),
            "{e}"
        );
        assert!(e.contains("is refused: send it as a string"), "{e}");
    }
}

/// A 24-digit number went through a float (`123456789012345690000000`), so two different
/// 24-digit ids in the ID token and the UserInfo merged as one subject.
#[test]
fn two_different_24_digit_ids_merged_as_one_subject() {
    let e = claims(r#"{"SubjectNameID": 123456789012345678901234}"#)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(
            "claim `SubjectNameID`: an identifier sent as a number that is not an exact integer"
        ),
        "{e}"
    );
    assert!(!e.contains("123456789012345690000000"), "{e}");
    for lossy in [
        "1.5",
        "1e3",
        "-123456789012345678901234",
        "18446744073709551616",
    ] {
        let json = format!(r#"{{"preferred_username": {lossy}}}"#);
        assert!(claims(&json).is_err(), "{lossy}");
    }
    // Integers a JSON parser keeps exactly are read with their exact digits, and two of them
    // that differ in the last digit are two subjects.
    let token = claims(r#"{"SubjectNameID": 18446744073709551615}"#).unwrap();
    assert_eq!(
        token.subject_name_id.as_deref(),
        Some("18446744073709551615")
    );
    let userinfo = claims(r#"{"SubjectNameID": 18446744073709551614}"#).unwrap();
    assert!(matches!(
        ecps_risk::PscClaims::merge(&token, &userinfo),
        Err(ecps_risk::ClaimsError::DifferentSubjects { .. })
    ));
    let negative =
        claims(r#"{"SubjectNameID": -42, "otherIds": [{"identifiant": 10001234565}]}"#).unwrap();
    assert_eq!(negative.subject_name_id.as_deref(), Some("-42"));
    let other = negative.other_ids.unwrap();
    assert_eq!(other[0].identifiant.as_deref(), Some("10001234565"));
    // null is an absent claim.
    assert_eq!(
        claims(r#"{"SubjectNameID": null}"#)
            .unwrap()
            .subject_name_id,
        None
    );
}

// ---- 1. A step-up must prove the login that asked for it ----

use ecps_risk::{AuthMode, Decision, Environment, Profile, ProfileError, RiskContext, StepUpError};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);
const MARTIN: &str = "810001234565";

/// Every e-CPS login is stepped up with the card.
fn card_on_ecps() -> Policy {
    compile_json(serde_json::json!({
        "id": "card-on-ecps", "effect": { "at_least": "step_up_cps_card" },
        "when": { "compare": { "fact": "auth.mode", "eq": "ecps" } },
    }))
    .unwrap()
}

/// The fraudster's e-CPS login from abroad, on his own browser (`device` `None`: no cookie).
fn fraudster(at: OffsetDateTime, device: Option<&str>) -> RiskContext {
    let b = RiskContext::builder(at, MARTIN.parse().unwrap())
        .auth_mode(AuthMode::Ecps)
        .auth_time(at)
        .ip("203.0.113.7".parse().unwrap())
        .country("CI")
        .asn(64500);
    match device {
        Some(d) => b.device_id(d),
        None => b,
    }
    .build()
    .unwrap()
}

/// A card login of the professional at `at`, on `device`.
fn card_login(at: OffsetDateTime, device: Option<&str>) -> RiskContext {
    let b = RiskContext::builder(at, MARTIN.parse().unwrap())
        .auth_mode(AuthMode::Card)
        .auth_time(at)
        .ip("192.0.2.10".parse().unwrap())
        .country("FR")
        .asn(3215);
    match device {
        Some(d) => b.device_id(d),
        None => b,
    }
    .build()
    .unwrap()
}

/// The victim's ordinary card login at the practice, inside the window, was accepted as the
/// step-up of the fraudster's pending login, and confirmed the fraudster's device.
#[test]
fn a_card_step_up_on_another_device_is_refused() {
    let policy = card_on_ecps();
    let env = Environment::empty();
    let attack = fraudster(NOW, Some("fraudster-cookie"));
    let mut a = policy.evaluate(&attack, &Profile::new(), &env);
    assert_eq!(
        a.decision(),
        Decision::StepUp(ecps_risk::StepUpMethod::CpsCard)
    );
    let victim = card_login(NOW + Duration::minutes(3), Some("practice-cookie"));
    let e = a.mark_step_up_passed(&attack, &victim).unwrap_err();
    assert!(matches!(e, StepUpError::OtherDevice { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("was not made on the login's device"),
        "{text}"
    );
    assert!(!text.contains(MARTIN), "{text}");
    // A step-up login without any cookie is no more the login's device.
    let blind = card_login(NOW + Duration::minutes(3), None);
    assert!(matches!(
        a.mark_step_up_passed(&attack, &blind),
        Err(StepUpError::OtherDevice { .. })
    ));
    assert!(!a.is_good_login() && !a.passed_with_card());
    // Nothing confirmed: the fraudster's device is only an attempt.
    let p = Profile::new().learn(&attack, &a).unwrap();
    assert_eq!(p.login_count(), 0);
    let device = attack.event().request.device.unwrap();
    assert!(p.devices().get(&device).is_none());
    // The same device did pass: its own device, and only it, is confirmed.
    let own = card_login(NOW + Duration::minutes(3), Some("fraudster-cookie"));
    a.mark_step_up_passed(&attack, &own).unwrap();
    let p = Profile::new().learn(&attack, &a).unwrap();
    assert_eq!(p.devices().get(&device).unwrap().confirmed, 1);
    assert_eq!(p.devices().len(), 1);
}

/// A login without a device cookie cannot be bound by device: only a challenge binds it.
#[test]
fn a_login_without_a_device_cookie_needs_a_challenge_for_its_step_up() {
    let policy = card_on_ecps();
    let env = Environment::empty();
    let attack = fraudster(NOW, None);
    let mut a = policy.evaluate(&attack, &Profile::new(), &env);
    let victim = card_login(NOW + Duration::minutes(3), Some("practice-cookie"));
    assert_eq!(
        a.mark_step_up_passed(&attack, &victim),
        Err(StepUpError::Unbound)
    );
    assert_eq!(
        a.mark_step_up_passed_with_challenge(&attack, &victim, b"0123456789abcdef"),
        Err(StepUpError::NoChallenge)
    );
    assert_eq!(
        a.bind_step_up_challenge(b"short"),
        Err(StepUpError::WeakChallenge { len: 5 })
    );
    let challenge = b"nonce-of-this-logins-step-up-7f3a";
    a.bind_step_up_challenge(challenge).unwrap();
    // The victim's ordinary login came back with no challenge of this login.
    let e = a
        .mark_step_up_passed_with_challenge(&attack, &victim, b"nonce-of-the-victims-own-login")
        .unwrap_err();
    assert_eq!(e, StepUpError::ChallengeMismatch);
    assert!(!e.to_string().contains("nonce"), "{e}");
    assert!(!a.is_good_login());
    a.mark_step_up_passed_with_challenge(&attack, &victim, challenge)
        .unwrap();
    assert!(a.passed_with_card());
    // Spent: the same challenge proves nothing twice.
    assert_eq!(
        a.clone()
            .mark_step_up_passed_with_challenge(&attack, &victim, challenge),
        Err(StepUpError::NoChallenge)
    );
    // A login with a cookie bound by a challenge still needs its step-up on its device.
    let with_cookie = fraudster(NOW, Some("fraudster-cookie"));
    let mut b = policy.evaluate(&with_cookie, &Profile::new(), &env);
    b.bind_step_up_challenge(challenge).unwrap();
    assert!(matches!(
        b.mark_step_up_passed_with_challenge(&with_cookie, &victim, challenge),
        Err(StepUpError::OtherDevice { .. })
    ));
}

// ---- 2. One proof, one login ----

/// One card step-up cleared two pending stepped-up logins of the same professional.
#[test]
fn one_card_step_up_cleared_two_pending_logins() {
    let policy = card_on_ecps();
    let env = Environment::empty();
    let first = fraudster(NOW, Some("shared-cookie"));
    let second = fraudster(NOW + Duration::minutes(1), Some("shared-cookie"));
    let card = card_login(NOW + Duration::minutes(4), Some("shared-cookie"));
    let mut a = policy.evaluate(&first, &Profile::new(), &env);
    let mut b = policy.evaluate(&second, &Profile::new(), &env);
    a.mark_step_up_passed(&first, &card).unwrap();
    b.mark_step_up_passed(&second, &card).unwrap();
    assert_eq!(a.step_up_digest(), Some(card.digest()));
    let p = Profile::new().learn(&first, &a).unwrap();
    // The same login learned again with its own proof is no reuse.
    let p = p.learn(&first, &a).unwrap();
    assert_eq!(p.login_count(), 1);
    let e = p.learn(&second, &b).unwrap_err();
    assert_eq!(
        e,
        ProfileError::StepUpReused {
            step_up: card.digest(),
            proved_at: NOW,
        }
    );
    let text = e.to_string();
    assert!(
        text.contains("already proved the login at `2025-10-08T09:30:00Z`"),
        "{text}"
    );
    assert!(!text.contains(MARTIN), "{text}");
    // The proof is kept in the stored profile.
    let stored: Profile = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert!(matches!(
        stored.learn(&second, &b),
        Err(ProfileError::StepUpReused { .. })
    ));
    // Challenges drawn per login make the reuse impossible at the step-up itself.
    let mut a = policy.evaluate(&first, &Profile::new(), &env);
    let mut b = policy.evaluate(&second, &Profile::new(), &env);
    a.bind_step_up_challenge(b"challenge-of-the-first-login")
        .unwrap();
    b.bind_step_up_challenge(b"challenge-of-the-second-login")
        .unwrap();
    a.mark_step_up_passed_with_challenge(&first, &card, b"challenge-of-the-first-login")
        .unwrap();
    assert_eq!(
        b.mark_step_up_passed_with_challenge(&second, &card, b"challenge-of-the-first-login"),
        Err(StepUpError::ChallengeMismatch)
    );
}
