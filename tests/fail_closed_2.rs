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
