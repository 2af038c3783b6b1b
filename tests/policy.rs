//! Policies as data: compilation, validation errors, fingerprints, effects, report-only,
//! custom detectors and fail-closed evaluation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use ecps_risk::{
    ActivationChannel, Decision, Detector, DetectorError, DetectorInput, Environment, Evidence,
    Policy, PolicyError, PolicySpec, Profile, RiskContext, Signal, SignalCode, StepUpMethod,
    policy::DetectorRegistry, policy::Failure, policy::Mode,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);
const CARD: Decision = Decision::StepUp(StepUpMethod::CpsCard);

fn toml_spec(text: &str) -> PolicySpec {
    toml::from_str(text).unwrap()
}

fn compile(text: &str) -> Result<Policy, PolicyError> {
    Policy::compile(toml_spec(text))
}

fn compile_err(text: &str) -> PolicyError {
    compile(text).unwrap_err()
}

/// A policy header with the given rules appended.
fn with_rules(rules: &str) -> String {
    format!(
        r#"
id = "test-policy"
version = "1"
[thresholds]
step_up = 30
review = 60
deny = 90
{rules}"#
    )
}

fn login() -> ecps_risk::RiskContextBuilder {
    RiskContext::builder(NOW, "810001234565".parse().unwrap())
}

#[test]
fn recommended_policy_compiles_and_matches_its_toml_file() {
    let embedded = Policy::recommended();
    assert_eq!(embedded.id(), "ans-ecps-2025-10");
    let text = std::fs::read_to_string("policies/recommended.toml").unwrap();
    let from_toml = Policy::compile(toml_spec(&text)).unwrap();
    assert_eq!(
        embedded.fingerprint(),
        from_toml.fingerprint(),
        "policies/recommended.toml and src/policy/recommended.json have drifted apart"
    );
    // Examples are not part of the fingerprint: compare the whole specs too.
    assert_eq!(embedded.spec(), from_toml.spec());
    assert!(embedded.spec().rules.len() >= 20);
    for rule in &embedded.spec().rules {
        assert!(
            !rule.description.is_empty(),
            "rule `{}` must say which part of the alert it implements",
            rule.id
        );
    }
}

#[test]
fn recommended_policy_examples_pass() {
    let policy = Policy::recommended();
    let passed = policy.check_examples().unwrap_or_else(|mismatches| {
        panic!(
            "{}",
            mismatches
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert!(passed >= 10, "only {passed} examples");
}

#[test]
fn toml_and_json_give_the_same_fingerprint_and_decisions() {
    let toml_text = with_rules(
        r#"
[detectors."ecps.fresh_activation"]
max_age_hours = 48

[[rules]]
id = "b-fresh"
when = { hit = "ecps.fresh_activation" }
effect = { points = 35 }

[[rules]]
id = "a-remote"
when = { all = [{ hit = "ecps.remote_activation" }, { compare = { fact = "credential.active_count", ge = 2 } }] }
effect = { force = "deny" }
"#,
    );
    // Same policy in JSON, keys and rules in another order.
    let json_text = r#"{
        "rules": [
            {"effect": {"force": "deny"}, "id": "a-remote",
             "when": {"all": [{"compare": {"ge": 2, "fact": "credential.active_count"}}, {"hit": "ecps.remote_activation"}]}},
            {"when": {"hit": "ecps.fresh_activation"}, "id": "b-fresh", "effect": {"points": 35}}
        ],
        "thresholds": {"deny": 90, "review": 60, "step_up": 30},
        "detectors": {"ecps.fresh_activation": {"max_age_hours": 48}},
        "version": "1", "id": "test-policy"
    }"#;
    let a = compile(&toml_text).unwrap();
    let b = Policy::compile(serde_json::from_str(json_text).unwrap()).unwrap();
    // The order of conditions inside `all` is part of the written policy; reorder it back.
    let json_same_all = json_text.replace(
        r#"[{"compare": {"ge": 2, "fact": "credential.active_count"}}, {"hit": "ecps.remote_activation"}]"#,
        r#"[{"hit": "ecps.remote_activation"}, {"compare": {"ge": 2, "fact": "credential.active_count"}}]"#,
    );
    let c = Policy::compile(serde_json::from_str(&json_same_all).unwrap()).unwrap();
    assert_eq!(a.fingerprint(), c.fingerprint());
    assert_ne!(a.fingerprint(), b.fingerprint());

    let ctx = login()
        .activation(NOW - Duration::hours(30), ActivationChannel::EmailSms)
        .active_credentials(2)
        .build()
        .unwrap();
    let env = Environment::empty();
    let (ra, rc) = (
        a.evaluate(&ctx, &Profile::new(), &env),
        c.evaluate(&ctx, &Profile::new(), &env),
    );
    assert_eq!(ra.decision(), Decision::Deny);
    assert_eq!(rc.decision(), Decision::Deny);
    assert_eq!(ra.score(), 35);
    assert_eq!(
        serde_json::to_string(&ra).unwrap(),
        serde_json::to_string(&rc).unwrap()
    );
}

#[test]
fn defaults_written_out_do_not_change_the_fingerprint() {
    let implicit = compile(&with_rules(
        r#"
[[rules]]
id = "fresh"
when = { hit = "ecps.fresh_activation" }
effect = { points = 10 }
"#,
    ))
    .unwrap();
    let explicit = compile(
        r#"
id = "test-policy"
version = "1"
mode = "enforce"
fail_closed = "step_up_cps_card"
[thresholds]
step_up = 30
review = 60
deny = 90
step_up_method = "cps_card"
[detectors."ecps.fresh_activation"]
max_age_hours = 72

[[rules]]
id = "fresh"
description = ""
report_only = false
when = { hit = "ecps.fresh_activation" }
effect = { points = 10 }
"#,
    )
    .unwrap();
    assert_eq!(implicit.fingerprint(), explicit.fingerprint());
    let changed = compile(&with_rules(
        r#"
[[rules]]
id = "fresh"
when = { hit = "ecps.fresh_activation" }
effect = { points = 11 }
"#,
    ))
    .unwrap();
    assert_ne!(implicit.fingerprint(), changed.fingerprint());
}

// ---- Validation errors: each names the policy, the rule or detector, and the value. ----

#[test]
fn unknown_detector() {
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "r1"
when = { hit = "ecps.stolen" }
effect = { points = 10 }
"#,
    ));
    assert!(matches!(e, PolicyError::UnknownDetector { .. }));
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: rule `r1`: unknown detector `ecps.stolen`"
    );
}

#[test]
fn unknown_custom_detector() {
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "r1"
when = { hit = "custom.nope" }
effect = { points = 10 }
"#,
    ));
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: rule `r1`: unknown detector `custom.nope`"
    );
}

#[test]
fn unknown_watchlist() {
    let e = compile_err(&with_rules(
        r#"
[detectors."network.trusted"]
lists = ["chu_networks"]

[[rules]]
id = "trusted"
when = { hit = "network.trusted" }
effect = { points = -10 }
"#,
    ));
    assert!(matches!(e, PolicyError::UnknownWatchlist { .. }));
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: detector `network.trusted`: unknown watchlist `chu_networks`"
    );
}

#[test]
fn watchlist_of_the_wrong_kind() {
    let e = compile_err(&with_rules(
        r#"
[detectors."network.trusted"]
lists = ["deactivated_ecps"]

[[rules]]
id = "trusted"
when = { hit = "network.trusted" }
effect = { points = -10 }
"#,
    ));
    assert!(matches!(e, PolicyError::WatchlistKind { .. }), "{e}");
    assert!(e.to_string().contains("`deactivated_ecps`"), "{e}");
}

#[test]
fn declared_custom_watchlist_is_accepted() {
    let p = compile(&with_rules(
        r#"
[watchlists]
chu_networks = "ip"

[detectors."network.trusted"]
lists = ["chu_networks"]

[[rules]]
id = "trusted"
when = { hit = "network.trusted" }
effect = { points = -10 }
"#,
    ));
    assert!(p.is_ok(), "{p:?}");
}

#[test]
fn duplicate_rule_ids() {
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "same"
when = { hit = "device.new" }
effect = { points = 10 }

[[rules]]
id = "same"
when = { hit = "geo.new_country" }
effect = { points = 10 }
"#,
    ));
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: rule id `same` is used twice"
    );
}

#[test]
fn thresholds_out_of_order() {
    let e = compile_err(
        r#"
id = "test-policy"
version = "1"
rules = []
[thresholds]
step_up = 60
review = 30
deny = 90
"#,
    );
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: thresholds must satisfy 1 <= step_up < review < deny <= 100000, got `60`, `30`, `90`"
    );
    let e = compile_err(
        r#"
id = "test-policy"
version = "1"
rules = []
[thresholds]
step_up = 0
review = 30
deny = 90
"#,
    );
    assert!(matches!(e, PolicyError::Thresholds { step_up: 0, .. }));
}

#[test]
fn contradictory_comparisons_never_fire() {
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "impossible"
when = { all = [
    { compare = { fact = "credential.active_count", gt = 5 } },
    { compare = { fact = "credential.active_count", lt = 3 } },
] }
effect = { points = 10 }
"#,
    ));
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: rule `impossible` can never fire: comparisons on `credential.active_count` can never all hold"
    );
}

#[test]
fn contradictory_signal_tests_never_fire() {
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "both"
when = { all = [{ hit = "device.new" }, { not = { hit = "device.new" } }] }
effect = { points = 10 }
"#,
    ));
    assert!(matches!(e, PolicyError::NeverFires { .. }));
    assert!(e.to_string().contains("rule `both`"), "{e}");
    assert!(e.to_string().contains("`device.new`"), "{e}");
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "empty-any"
when = { any = [] }
effect = { points = 10 }
"#,
    ));
    assert!(matches!(e, PolicyError::NeverFires { .. }));
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: rule `empty-any` can never fire: `any` of nothing is never true"
    );
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "hour"
when = { compare = { fact = "local.hour", gt = 23 } }
effect = { points = 10 }
"#,
    ));
    assert!(e.to_string().contains("`local.hour`"), "{e}");
}

#[test]
fn points_out_of_range() {
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "huge"
when = { hit = "device.new" }
effect = { points = 1001 }
"#,
    ));
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: rule `huge`: points `1001` outside -1000..=1000"
    );
    // Beyond i32 is a parse error from the format, not a panic.
    let text = with_rules(
        r#"
[[rules]]
id = "overflow"
when = { hit = "device.new" }
effect = { points = 99999999999 }
"#,
    );
    assert!(toml::from_str::<PolicySpec>(&text).is_err());
}

#[test]
fn comparison_errors_name_fact_and_value() {
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "r"
when = { compare = { fact = "request.colour", eq = "red" } }
effect = { points = 10 }
"#,
    ));
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: rule `r`: unknown fact `request.colour`"
    );
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "r"
when = { compare = { fact = "request.country", eq = "FRA" } }
effect = { points = 10 }
"#,
    ));
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: rule `r`: fact `request.country`: `FRA` is not a valid value"
    );
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "r"
when = { compare = { fact = "request.country", gt = "FR" } }
effect = { points = 10 }
"#,
    ));
    assert!(e.to_string().contains("is not ordered"), "{e}");
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "r"
when = { compare = { fact = "credential.active_count", ge = 2, le = 5 } }
effect = { points = 10 }
"#,
    ));
    assert!(e.to_string().contains("exactly one"), "{e}");
}

#[test]
fn fail_closed_cannot_be_allow_and_ids_are_checked() {
    let e = compile_err(
        r#"
id = "test-policy"
version = "1"
fail_closed = "allow"
rules = []
[thresholds]
step_up = 30
review = 60
deny = 90
"#,
    );
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: `fail_closed` cannot be `allow`"
    );
    let e = compile_err(&with_rules(
        r#"
[[rules]]
id = "has space"
when = { hit = "device.new" }
effect = { points = 10 }
"#,
    ));
    assert!(e.to_string().contains("`has space`"), "{e}");
}

#[test]
fn unknown_fields_are_rejected() {
    let text = with_rules(
        r#"
[[rules]]
id = "r"
when = { hit = "device.new" }
effect = { points = 10 }
weight = 3
"#,
    );
    let e = toml::from_str::<PolicySpec>(&text).unwrap_err();
    assert!(e.to_string().contains("weight"), "{e}");
}

#[test]
fn bad_detector_parameter() {
    let e = compile_err(&with_rules(
        r#"
[detectors."push.fatigue"]
min_failures = 0

[[rules]]
id = "r"
when = { hit = "push.fatigue" }
effect = { points = 10 }
"#,
    ));
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: detector `push.fatigue`: parameter `min_failures` = `0` must be at least 1"
    );
}

// ---- Effects and modes. ----

#[test]
fn force_floor_and_points_combine() {
    let p = compile(&with_rules(
        r#"
[[rules]]
id = "points"
when = { hit = "ecps.fresh_activation" }
effect = { points = 65 }

[[rules]]
id = "floor"
when = { hit = "ecps.remote_activation" }
effect = { at_least = "step_up_cps_card" }

[[rules]]
id = "force-allow"
when = { compare = { fact = "credential.active_count", eq = 1 } }
effect = { force = "allow" }
"#,
    ))
    .unwrap();
    let env = Environment::empty();
    let fresh = |channel, count| {
        login()
            .activation(NOW - Duration::hours(1), channel)
            .active_credentials(count)
            .build()
            .unwrap()
    };
    // 65 points: review.
    let a = p.evaluate(&fresh(ActivationChannel::CpsCard, 2), &Profile::new(), &env);
    assert_eq!((a.score(), a.decision()), (65, Decision::Review));
    // A forced allow replaces the score's decision...
    let a = p.evaluate(&fresh(ActivationChannel::CpsCard, 1), &Profile::new(), &env);
    assert_eq!(a.decision(), Decision::Allow);
    // ...but floors still apply.
    let a = p.evaluate(
        &fresh(ActivationChannel::EmailSms, 1),
        &Profile::new(),
        &env,
    );
    assert_eq!(a.decision(), CARD);
    let reasons: Vec<&str> = a.reasons().map(|r| r.rule_id()).collect();
    assert_eq!(reasons, vec!["floor", "force-allow", "points"]);
}

#[test]
fn negative_points_and_saturation() {
    let p = compile(&with_rules(
        r#"
[[rules]]
id = "trusted"
when = { hit = "ecps.remote_activation" }
effect = { points = -1000 }
"#,
    ))
    .unwrap();
    let ctx = login()
        .activation(NOW - Duration::days(100), ActivationChannel::EmailSms)
        .build()
        .unwrap();
    let a = p.evaluate(&ctx, &Profile::new(), &Environment::empty());
    assert_eq!((a.score(), a.decision()), (-1000, Decision::Allow));
}

#[test]
fn missing_inputs_are_neither_risky_nor_safe() {
    let p = compile(&with_rules(
        r#"
[[rules]]
id = "not-new"
when = { not = { hit = "device.new" } }
effect = { points = -50 }

[[rules]]
id = "new"
when = { hit = "device.new" }
effect = { points = 50 }

[[rules]]
id = "no-device"
when = { not_evaluated = "device.new" }
effect = { points = 5 }
"#,
    ))
    .unwrap();
    let a = p.evaluate(
        &login().build().unwrap(),
        &Profile::new(),
        &Environment::empty(),
    );
    let reasons: Vec<&str> = a.reasons().map(|r| r.rule_id()).collect();
    assert_eq!(reasons, vec!["no-device"]);
    assert_eq!(a.score(), 5);
    let missing: Vec<String> = a.not_evaluated().map(|(n, _)| n.to_string()).collect();
    assert_eq!(missing, vec!["device.new"]);
}

#[test]
fn report_only_rule_and_policy() {
    let text = with_rules(
        r#"
[[rules]]
id = "enforced"
when = { hit = "ecps.fresh_activation" }
effect = { points = 35 }

[[rules]]
id = "trial"
when = { hit = "ecps.remote_activation" }
effect = { force = "deny" }
report_only = true
"#,
    );
    let p = compile(&text).unwrap();
    let ctx = login()
        .activation(NOW - Duration::hours(1), ActivationChannel::EmailSms)
        .build()
        .unwrap();
    let a = p.evaluate(&ctx, &Profile::new(), &Environment::empty());
    assert_eq!(a.decision(), CARD);
    let ro = a.report_only().unwrap();
    assert_eq!((ro.decision, ro.score), (Decision::Deny, 35));
    assert!(
        a.reasons()
            .any(|r| r.rule_id() == "trial" && r.is_report_only())
    );

    let mut spec = toml_spec(&text);
    spec.mode = Mode::ReportOnly;
    let p2 = Policy::compile(spec).unwrap();
    assert_ne!(p.fingerprint(), p2.fingerprint());
    let a = p2.evaluate(&ctx, &Profile::new(), &Environment::empty());
    assert_eq!((a.decision(), a.score()), (Decision::Allow, 0));
    assert_eq!(a.report_only().unwrap().decision, Decision::Deny);
}

// ---- Custom detectors and failing closed. ----

struct Fixed(Result<Signal, DetectorError>);
impl Detector for Fixed {
    fn detect(&self, _: &DetectorInput<'_>) -> Result<Signal, DetectorError> {
        self.0.clone()
    }
}

struct Panics;
impl Detector for Panics {
    fn detect(&self, _: &DetectorInput<'_>) -> Result<Signal, DetectorError> {
        panic!("detector bug")
    }
}

fn custom_policy(registry: &DetectorRegistry) -> Policy {
    Policy::compile_with(
        toml_spec(&with_rules(
            r#"
[[rules]]
id = "custom"
when = { hit = "custom.probe" }
effect = { points = 40 }
"#,
        )),
        registry,
    )
    .unwrap()
}

fn registry(detector: impl Detector + 'static) -> DetectorRegistry {
    let mut r = DetectorRegistry::new();
    r.register("probe", detector).unwrap();
    r
}

#[test]
fn custom_detector_is_used_like_a_builtin() {
    let reg = registry(Fixed(Ok(Signal::hit(Evidence::Score { value: 0.9 }))));
    let p = custom_policy(&reg);
    let a = p.evaluate(
        &login().build().unwrap(),
        &Profile::new(),
        &Environment::empty(),
    );
    assert_eq!((a.score(), a.decision()), (40, CARD));
    let json = serde_json::to_string(&a).unwrap();
    assert!(json.contains("\"code\":\"custom.probe\""), "{json}");
    assert!(a.failure().is_none());
}

#[test]
fn failing_custom_detectors_fail_closed() {
    let cases: Vec<DetectorRegistry> = vec![
        registry(Fixed(Err(DetectorError::new("backend timeout")))),
        registry(Panics),
        registry(Fixed(Ok(Signal::hit(Evidence::Score { value: f64::NAN })))),
        registry(Fixed(Ok(Signal::hit(Evidence::Score {
            value: f64::INFINITY,
        })))),
    ];
    for reg in &cases {
        let p = custom_policy(reg);
        let a = p.evaluate(
            &login().build().unwrap(),
            &Profile::new(),
            &Environment::empty(),
        );
        assert_eq!(a.decision(), CARD, "{a}");
        assert!(a.failure().is_some());
        assert!(a.to_string().contains("failed closed"), "{a}");
    }
    let p = custom_policy(&cases[0]);
    let a = p.evaluate(
        &login().build().unwrap(),
        &Profile::new(),
        &Environment::empty(),
    );
    assert_eq!(
        a.failure().unwrap().to_string(),
        "custom detector `probe` failed: backend timeout"
    );
    assert!(matches!(a.failure(), Some(Failure::Detector { .. })));
}

#[test]
fn report_only_policies_still_fail_closed() {
    let reg = registry(Fixed(Err(DetectorError::new("down"))));
    let mut spec = toml_spec(&with_rules(
        r#"
[[rules]]
id = "custom"
when = { hit = "custom.probe" }
effect = { points = 40 }
"#,
    ));
    spec.mode = Mode::ReportOnly;
    let p = Policy::compile_with(spec, &reg).unwrap();
    let a = p.evaluate(
        &login().build().unwrap(),
        &Profile::new(),
        &Environment::empty(),
    );
    assert_eq!(a.decision(), CARD);
}

#[test]
fn another_professionals_profile_fails_closed() {
    let p = Policy::recommended();
    let other = RiskContext::builder(NOW, "810023456782".parse().unwrap())
        .build()
        .unwrap();
    let profile = Profile::new().confirm_safe(&other).unwrap();
    let a = p.evaluate(&login().build().unwrap(), &profile, &Environment::empty());
    assert!(matches!(a.failure(), Some(Failure::ProfileMismatch)));
    assert!(a.decision() >= CARD);
}

#[test]
fn an_assessment_no_evaluation_filled_denies() {
    let p = Policy::recommended();
    let a = p.create_assessment();
    assert_eq!(a.decision(), Decision::Deny);
    assert_eq!(a.failure(), Some(&Failure::NotEvaluated));
    assert_eq!(
        a.failure().unwrap().to_string(),
        "no evaluation filled this assessment"
    );
    assert!(!a.is_good_login());
    assert_eq!(a.reasons().count(), 0);
    assert_eq!(a.signals().count(), 0);
    // Nothing can learn from it: it is of no login.
    let ctx = login().build().unwrap();
    assert!(Profile::new().learn(&ctx, &a).is_err());
}

#[test]
fn a_reused_assessment_forgets_the_previous_login() {
    let p = Policy::recommended();
    let mut a = p.create_assessment();
    let fraud = login()
        .activation(NOW - Duration::hours(1), ActivationChannel::EmailSms)
        .build()
        .unwrap();
    let other = RiskContext::builder(NOW, "810023456782".parse().unwrap())
        .build()
        .unwrap();
    let foreign_profile = Profile::new().confirm_safe(&other).unwrap();
    p.evaluate_into(&fraud, &foreign_profile, &Environment::empty(), &mut a);
    assert_eq!(a.failure(), Some(&Failure::ProfileMismatch));
    assert!(a.signal(SignalCode::EcpsFreshActivation).unwrap().is_hit());

    // The next login of the same worker: no activation input, the right profile.
    let quiet = login().build().unwrap();
    p.evaluate_into(&quiet, &Profile::new(), &Environment::empty(), &mut a);
    let fresh = p.evaluate(&quiet, &Profile::new(), &Environment::empty());
    assert!(a.failure().is_none());
    assert!(!a.signal(SignalCode::EcpsFreshActivation).unwrap().is_hit());
    assert_eq!(a.decision(), fresh.decision());
    assert_eq!(a.score(), fresh.score());
    assert_eq!(a.to_string(), fresh.to_string());
    assert_eq!(format!("{a:?}"), format!("{fresh:?}"));
    let ids = |a: &ecps_risk::Assessment<'_>| {
        a.reasons()
            .map(|r| r.rule_id().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&fresh));
    assert!(
        !ids(&a).iter().any(|id| id.contains("activation")),
        "{:?}",
        ids(&a)
    );
}

#[test]
fn registry_rejects_bad_names() {
    let mut r = DetectorRegistry::new();
    let e = r.register("Bad Name", Panics).unwrap_err();
    assert!(e.to_string().contains("`Bad Name`"), "{e}");
}

#[test]
fn policies_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Policy>();
    assert_send_sync::<ecps_risk::Watchlists>();
    assert_send_sync::<ecps_risk::PopulationStats>();
    assert_send_sync::<Profile>();
}

#[test]
fn fresh_activation_hits_under_recommended_policy() {
    let p = Policy::recommended();
    let ctx = login()
        .activation(NOW - Duration::hours(2), ActivationChannel::EmailSms)
        .build()
        .unwrap();
    let a = p.evaluate(&ctx, &Profile::new(), &Environment::empty());
    assert!(matches!(
        a.signal(SignalCode::EcpsFreshActivation),
        Some(Signal::Hit { .. })
    ));
    assert_eq!(a.decision(), CARD);
}

#[test]
fn examples_are_checked_at_compile_and_run() {
    let base = with_rules(
        r#"
[[rules]]
id = "remote"
when = { hit = "ecps.remote_activation" }
effect = { at_least = "review" }

[[examples]]
name = "remote-activation"
expect = "review"
fires = ["remote"]
[examples.login]
at = "2025-10-08T09:30:00Z"
subject = "810001234565"
credential = { activated_at = "2025-10-01T09:30:00Z", channel = "email_sms" }
"#,
    );
    assert_eq!(compile(&base).unwrap().check_examples(), Ok(1));
    let wrong = compile(&base.replace("expect = \"review\"", "expect = \"deny\""))
        .unwrap()
        .check_examples()
        .unwrap_err();
    assert_eq!(
        wrong[0].to_string(),
        "example `remote-activation`: expected `deny`, got `review` (rules fired: remote)"
    );
    let e = compile_err(&base.replace("fires = [\"remote\"]", "fires = [\"ghost\"]"));
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: example `remote-activation`: unknown rule `ghost` in `fires`"
    );
    let e = compile_err(&base.replace("2025-10-01T09:30:00Z", "2025-10-09T09:30:00Z"));
    assert!(matches!(e, PolicyError::ExampleLogin { .. }), "{e}");
    assert!(e.to_string().contains("`credential.activated_at`"), "{e}");
}

// ---- Missing inputs: issue 15, a missing watchlist switched a deny rule off. ----

/// "Deny unless from a hospital network": the rule is written on the *absence* of a hit.
fn deny_untrusted(required: bool) -> Policy {
    let declaration = if required {
        r#"trusted_networks = { kind = "ip", required = true }"#
    } else {
        r#"trusted_networks = "ip""#
    };
    compile(&with_rules(&format!(
        r#"
[watchlists]
{declaration}

[[rules]]
id = "deny-untrusted"
description = "Only hospital networks may log in"
when = {{ not = {{ hit = "network.trusted" }} }}
effect = {{ force = "deny" }}
"#
    )))
    .unwrap()
}

fn hospital_lists() -> ecps_risk::Watchlists {
    serde_json::from_str(
        r#"{"lists": [{"name": "trusted_networks", "kind": "ip", "entries": ["10.69.0.0/16"]}]}"#,
    )
    .unwrap()
}

fn from_abroad() -> RiskContext {
    login()
        .ip("41.202.77.9".parse().unwrap())
        .country("CI")
        .build()
        .unwrap()
}

#[test]
fn a_missing_list_silently_switched_a_deny_rule_off() {
    // The defect, as it still behaves for a list that is not required: not evaluated, the
    // rule cannot fire, the login from abroad is allowed. What changed: the caller is told.
    let policy = deny_untrusted(false);
    let a = policy.evaluate(&from_abroad(), &Profile::new(), &Environment::empty());
    assert_eq!(a.decision(), Decision::Allow);

    // (c) At compile time, a warning names the rule and the detector.
    let warnings = policy.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(
        warnings[0].code(),
        ecps_risk::policy::WarningCode::SilencedByMissingDetector
    );
    assert_eq!(warnings[0].code().as_str(), "missing_input.detector");
    assert_eq!(
        (warnings[0].rule(), warnings[0].input()),
        ("deny-untrusted", "network.trusted")
    );
    assert_eq!(
        warnings[0].to_string(),
        "missing_input.detector: rule `deny-untrusted` fires when `network.trusted` finds \
         nothing, never when `network.trusted` is not evaluated: a missing input switches it \
         off; test `not_evaluated = \"network.trusted\"` too, or make its watchlists `required`"
    );

    // (a) At load time, the environment check names the missing list.
    let e = policy.check_environment(&Environment::empty()).unwrap_err();
    assert_eq!(e.policy(), "test-policy");
    assert_eq!(
        e.missing(),
        [ecps_risk::policy::MissingInput::Watchlist {
            name: "trusted_networks".into(),
            kind: ecps_risk::env::WatchlistKind::Ip,
            required: false,
        }]
    );
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: the environment lacks watchlist `trusted_networks` (`ip`)"
    );
    let lists = hospital_lists();
    let env = Environment::new().with_watchlists(&lists);
    assert_eq!(policy.check_environment(&env), Ok(()));
    // With the list, the rule works.
    let a = policy.evaluate(&from_abroad(), &Profile::new(), &env);
    assert_eq!(a.decision(), Decision::Deny);
}

#[test]
fn a_missing_required_list_fails_closed() {
    // (b) Required, the list's absence fails every evaluation closed, naming the list.
    let policy = deny_untrusted(true);
    // Still warned (a login without an address leaves `network.trusted` not evaluated too),
    // without suggesting to require the list it already requires.
    let warning = policy.warnings()[0].to_string();
    assert!(
        warning.ends_with("test `not_evaluated = \"network.trusted\"` too"),
        "{warning}"
    );
    let a = policy.evaluate(&from_abroad(), &Profile::new(), &Environment::empty());
    assert!(a.decision() >= policy.fail_closed(), "{:?}", a.decision());
    assert_eq!(a.decision(), CARD);
    assert_eq!(
        a.failure(),
        Some(&Failure::MissingWatchlist {
            list: "trusted_networks",
            kind: ecps_risk::env::WatchlistKind::Ip
        })
    );
    assert_eq!(
        a.failure().unwrap().to_string(),
        "required watchlist `trusted_networks` (`ip`) is not supplied"
    );
    // A list of that name of another kind is no better, and the check says which.
    let wrong: ecps_risk::Watchlists = serde_json::from_str(
        r#"{"lists": [{"name": "trusted_networks", "kind": "credentials", "entries": []}]}"#,
    )
    .unwrap();
    let env = Environment::new().with_watchlists(&wrong);
    let a = policy.evaluate(&from_abroad(), &Profile::new(), &env);
    assert!(matches!(
        a.failure(),
        Some(Failure::MissingWatchlist { .. })
    ));
    let e = policy.check_environment(&env).unwrap_err();
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: the environment lacks watchlist `trusted_networks` as `ip` (a \
         `credentials` list is supplied)"
    );
    // Supplied: no failure, the rule decides (inside: allowed; abroad: denied).
    let lists = hospital_lists();
    let env = Environment::new().with_watchlists(&lists);
    let inside = login().ip("10.69.1.2".parse().unwrap()).build().unwrap();
    let a = policy.evaluate(&inside, &Profile::new(), &env);
    assert_eq!((a.decision(), a.failure()), (Decision::Allow, None));
    let a = policy.evaluate(&from_abroad(), &Profile::new(), &env);
    assert_eq!((a.decision(), a.failure()), (Decision::Deny, None));
    // A policy that does not require its lists fails nothing for them.
    let relaxed = deny_untrusted(false);
    let a = relaxed.evaluate(&from_abroad(), &Profile::new(), &Environment::empty());
    assert_eq!(a.failure(), None);
}

#[test]
fn required_is_written_back_and_fingerprinted_and_nothing_else_changes() {
    let required = deny_untrusted(true);
    let relaxed = deny_untrusted(false);
    assert_ne!(required.fingerprint(), relaxed.fingerprint());
    let json = serde_json::to_value(required.spec()).unwrap();
    assert_eq!(
        json["watchlists"]["trusted_networks"],
        serde_json::json!({ "kind": "ip", "required": true })
    );
    let json = serde_json::to_value(relaxed.spec()).unwrap();
    assert_eq!(
        json["watchlists"]["trusted_networks"],
        serde_json::json!("ip")
    );
    // Round trip through JSON: same fingerprint.
    let back: PolicySpec =
        serde_json::from_str(&serde_json::to_string(required.spec()).unwrap()).unwrap();
    assert_eq!(
        Policy::compile(back).unwrap().fingerprint(),
        required.fingerprint()
    );
    // A declaration is a kind or a table of `kind` and `required`, nothing else.
    for bad in [
        r#"trusted_networks = "router""#,
        r#"trusted_networks = { kind = "ip", required = "yes" }"#,
        r#"trusted_networks = { kind = "ip", requried = true }"#,
        r#"trusted_networks = { required = true }"#,
        r#"trusted_networks = ["ip", true]"#,
    ] {
        let text = with_rules(&format!("[watchlists]\n{bad}\n"));
        assert!(toml::from_str::<PolicySpec>(&text).is_err(), "{bad}");
    }
}

#[test]
fn check_environment_covers_consulted_and_required_lists_and_the_population() {
    let policy = Policy::recommended();
    let e = policy.check_environment(&Environment::empty()).unwrap_err();
    let names: Vec<String> = e.missing().iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        [
            "watchlist `anonymizers` (`ip`)",
            "watchlist `blocked_activations` (`blocked_subjects`)",
            "watchlist `deactivated_ecps` (`credentials`)",
            "watchlist `denied_networks` (`ip`)",
            "watchlist `trusted_networks` (`ip`)",
            "watchlist `under_alert` (`subjects`)",
            "population statistics (for `stats.anomaly`)",
        ]
    );
    // A declared list no detector of the policy reads, and that is not required, is not
    // asked for.
    let p = compile(&with_rules(
        r#"
[[rules]]
id = "new-device"
when = { hit = "device.new" }
effect = { points = 10 }
"#,
    ))
    .unwrap();
    assert_eq!(p.check_environment(&Environment::empty()), Ok(()));
    // Unless it is required.
    let p = compile(&with_rules(
        r#"
[watchlists]
under_alert = { kind = "subjects", required = true }

[[rules]]
id = "new-device"
when = { hit = "device.new" }
effect = { points = 10 }
"#,
    ))
    .unwrap();
    let e = p.check_environment(&Environment::empty()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "policy `test-policy`: the environment lacks required watchlist `under_alert` (`subjects`)"
    );
}

#[test]
fn warnings_name_silenced_rules_only() {
    let p = compile(&with_rules(
        r#"
[[rules]]
id = "outside-france"
when = { not = { compare = { fact = "request.country", in = ["FR", "RE"] } } }
effect = { points = 30 }

[[rules]]
id = "not-france"
when = { compare = { fact = "request.country", ne = "FR" } }
effect = { at_least = "review" }

[[rules]]
id = "in-france"
when = { compare = { fact = "request.country", eq = "FR" } }
effect = { points = 10 }

[[rules]]
id = "night"
when = { not = { compare = { fact = "local.hour", ge = 7 } } }
effect = { points = 10 }

[[rules]]
id = "handled"
when = { any = [{ not = { hit = "device.new" } }, { not_evaluated = "device.new" }] }
effect = { points = 10 }

[[rules]]
id = "bonus"
when = { all = [{ hit = "network.trusted" }, { not = { hit = "device.new" } }] }
effect = { points = -30 }

[[rules]]
id = "positive"
when = { hit = "network.denied" }
effect = { force = "deny" }

[[rules]]
id = "card-unless-known"
when = { all = [{ hit = "ecps.fresh_activation" }, { not = { hit = "device.new" } }] }
effect = { at_least = "step_up_cps_card" }
"#,
    ))
    .unwrap();
    let warned: Vec<(&str, &str, &str)> = p
        .warnings()
        .iter()
        .map(|w| (w.code().as_str(), w.rule(), w.input()))
        .collect();
    assert_eq!(
        warned,
        [
            ("missing_input.detector", "card-unless-known", "device.new"),
            ("missing_input.fact", "not-france", "request.country"),
            ("missing_input.fact", "outside-france", "request.country"),
        ]
    );
    assert!(
        p.warnings()[1].to_string().contains(
            "rule `not-france` fires when `request.country` has another value, never when \
             `request.country` is missing"
        ),
        "{}",
        p.warnings()[1]
    );
    // The recommended policy has none: its only negation (`known-device-trusted-network`)
    // takes points off, and the kill-chain rule tests `not_evaluated = "device.new"`.
    assert!(Policy::recommended().warnings().is_empty());
}

/// Rules on facts fire on the values they name: the tablet among device types, the days since
/// the last good login, and `le` including its bound.
#[test]
fn fact_rules_fire_on_their_values() {
    let p = compile(&with_rules(
        r#"
[[rules]]
id = "tablet"
when = { compare = { fact = "request.device_type", eq = "tablet" } }
effect = { points = 1 }

[[rules]]
id = "dormant"
when = { compare = { fact = "profile.days_since_last_login", ge = 10 } }
effect = { points = 2 }

[[rules]]
id = "recent"
when = { compare = { fact = "profile.days_since_last_login", le = 10 } }
effect = { points = 4 }

[[rules]]
id = "second-login"
when = { compare = { fact = "profile.login_count", le = 1 } }
effect = { points = 8 }
"#,
    ))
    .unwrap();
    const IPAD: &str = "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1";
    let reasons = |ua: &str, last_login_hours_ago: i64| {
        let last = RiskContext::builder(
            NOW - Duration::hours(last_login_hours_ago),
            "810001234565".parse().unwrap(),
        )
        .build()
        .unwrap();
        let profile = Profile::new().confirm_safe(&last).unwrap();
        let a = p.evaluate(
            &login().user_agent(ua).build().unwrap(),
            &profile,
            &Environment::empty(),
        );
        let mut ids: Vec<String> = a.reasons().map(|r| r.rule_id().to_owned()).collect();
        ids.sort();
        ids
    };
    // 10.5 days, then exactly 10 days, since the last login.
    assert_eq!(reasons(IPAD, 252), ["dormant", "second-login", "tablet"]);
    assert_eq!(reasons(PHONE, 240), ["dormant", "recent", "second-login"]);
}
