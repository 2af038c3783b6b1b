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
    for lossy in ["1.5", "1e3", "-123456789012345678901234", "18446744073709551616"] {
        let json = format!(r#"{{"preferred_username": {lossy}}}"#);
        assert!(claims(&json).is_err(), "{lossy}");
    }
    // Integers a JSON parser keeps exactly are read with their exact digits, and two of them
    // that differ in the last digit are two subjects.
    let token = claims(r#"{"SubjectNameID": 18446744073709551615}"#).unwrap();
    assert_eq!(token.subject_name_id.as_deref(), Some("18446744073709551615"));
    let userinfo = claims(r#"{"SubjectNameID": 18446744073709551614}"#).unwrap();
    assert!(matches!(
        ecps_risk::PscClaims::merge(&token, &userinfo),
        Err(ecps_risk::ClaimsError::DifferentSubjects { .. })
    ));
    let negative = claims(r#"{"SubjectNameID": -42, "otherIds": [{"identifiant": 10001234565}]}"#)
        .unwrap();
    assert_eq!(negative.subject_name_id.as_deref(), Some("-42"));
    let other = negative.other_ids.unwrap();
    assert_eq!(other[0].identifiant.as_deref(), Some("10001234565"));
    // null is an absent claim.
    assert_eq!(claims(r#"{"SubjectNameID": null}"#).unwrap().subject_name_id, None);
}
