//! The checks behind every fuzz target.
//!
//! Shared by the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`, each one line) and by
//! `tests/fuzz_regressions.rs`, which replays the seed corpus and every input the fuzzer ever
//! found through a plain `cargo test` (stable toolchain, no fuzzing engine).
//!
//! Each entry point takes raw bytes. Bad input must come back as an error value; a panic, an
//! arithmetic overflow (fuzz builds keep debug assertions) or a broken invariant below is a
//! finding. Invariants checked on every input that parses:
//!
//! * round trips: what the crate serializes, it reads back equal;
//! * evaluation is deterministic (same inputs, byte-identical JSON assessment) and fails
//!   closed (a failed custom detector or another professional's profile never gives `allow`);
//! * a profile never exceeds its caps, whatever it learns;
//! * watchlist lookups agree with a linear scan;
//! * every error message names its field or value in backticks.

// Each fuzz target uses one entry point; the regression replay uses them all.
#![allow(dead_code)]

use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use ecps_risk::{
    ActivationChannel, Assessment, AuditRecord, AuthMode, Decision, Detector, DetectorError,
    DetectorInput, Environment, Evidence, IncidentReport, LoginEvent, NationalId, Policy,
    PolicySpec, PopulationStats, Privacy, Profile, ProfileError, PscClaims, PseudonymKey,
    RiskContext, RiskContextBuilder, Signal, StepUpError, StepUpMethod, Watchlists, WatchlistsSpec,
    detect::DetectorParams, history::CountTable, history::MAX_DEVICES, history::MAX_FEEDBACK,
    history::MAX_RECENT_LOGINS, history::PROFILE_CAPS, history::anomaly_score,
    input::ActivityLocation, input::ContactChange, input::ContactKind, input::FUTURE_TOLERANCE,
    input::PushOutcome, input::ValidationRequest, model::CountryCode, model::LocalTime,
    model::postal_area, output::Addresses, output::Identifiers, output::ReportError,
    policy::DetectorRegistry, policy::Failure, policy::Mode, policy::STEP_UP_WINDOW,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime, UtcOffset};

/// The login time of fixed contexts.
pub const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);

/// Valid national ids the generated logins use (RPPS, sandbox RPPS, ADELI, structure staff).
const SUBJECTS: [&str; 5] = [
    "810001234565",
    "810023456782",
    "899700771191",
    "0751234567",
    "3750100019/AB-12",
];

const KILL_CHAIN_LOGIN: &str = include_str!("../tests/data/login_reunion_ecps_takeover.json");
const HOSPITAL_LOGIN: &str = include_str!("../tests/data/login_lyon_hospital_card.json");
const WATCHLISTS: &str = include_str!("../tests/data/scenario_watchlists.json");

// ---------------------------------------------------------------------------------------------
// Fixtures, built once per process.
// ---------------------------------------------------------------------------------------------

fn recommended() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(Policy::recommended)
}

/// A policy that runs every built-in detector and compares every fact, so that each of them
/// meets the fuzzed inputs (the recommended policy does not use every fact).
fn everything() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        let mut rules: Vec<serde_json::Value> = ecps_risk::SignalCode::ALL
            .iter()
            .map(|code| {
                serde_json::json!({
                    "id": format!("hit-{code}"),
                    "when": { "hit": code.as_str() },
                    "effect": { "points": 3 },
                })
            })
            .collect();
        let facts = [
            (
                "credential.activation_age_hours",
                "lt",
                serde_json::json!(72),
            ),
            ("credential.active_count", "ge", serde_json::json!(2)),
            ("credential.channel", "eq", serde_json::json!("email_sms")),
            ("auth.acr", "lt", serde_json::json!("eidas2")),
            ("auth.age_minutes", "gt", serde_json::json!(60)),
            ("auth.mode", "eq", serde_json::json!("ecps")),
            (
                "auth.issuer",
                "eq",
                serde_json::json!("https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet"),
            ),
            (
                "auth.issuer_host",
                "in",
                serde_json::json!(["auth.bas.psc.esante.gouv.fr", "auth.bas.esw.esante.gouv.fr"]),
            ),
            ("request.country", "in", serde_json::json!(["FR", "RE"])),
            ("request.asn", "in", serde_json::json!([2200, 3215])),
            ("request.anonymizer", "eq", serde_json::json!(true)),
            ("request.hosting", "ne", serde_json::json!(false)),
            (
                "request.device_type",
                "in",
                serde_json::json!(["mobile", "bot"]),
            ),
            ("subject.kind", "eq", serde_json::json!("adeli")),
            ("subject.test_identity", "eq", serde_json::json!(true)),
            ("profile.login_count", "le", serde_json::json!(3)),
            ("profile.days_since_last_login", "gt", serde_json::json!(30)),
            ("local.hour", "lt", serde_json::json!(6)),
            ("local.weekday", "ge", serde_json::json!(5)),
        ];
        assert_eq!(
            facts.len(),
            ecps_risk::policy::Fact::ALL.len(),
            "a fact is not fuzzed"
        );
        for (fact, op, value) in facts {
            rules.push(serde_json::json!({
                "id": format!("fact-{fact}"),
                "when": { "compare": { "fact": fact, op: value } },
                "effect": { "points": 2 },
            }));
            rules.push(serde_json::json!({
                "id": format!("missing-{fact}"),
                "when": { "missing": fact },
                "effect": { "points": 1 },
            }));
        }
        rules.push(serde_json::json!({
            "id": "not-evaluated-travel",
            "when": { "not": { "not_evaluated": "geo.impossible_travel" } },
            "effect": { "at_least": "step_up_fresh" },
        }));
        let spec: PolicySpec = serde_json::from_value(serde_json::json!({
            "id": "everything",
            "version": "1",
            "thresholds": { "step_up": 10, "review": 20, "deny": 30 },
            "detectors": DetectorParams::defaults(),
            "rules": rules,
        }))
        .expect("spec");
        Policy::compile(spec).expect("compiles")
    })
}

/// The policies every parsed input is evaluated with.
fn policies() -> [&'static Policy; 2] {
    [recommended(), everything()]
}

/// A custom detector that always errors.
struct Broken;
impl Detector for Broken {
    fn detect(&self, _: &DetectorInput<'_>) -> Result<Signal, DetectorError> {
        Err(DetectorError::new("backend down"))
    }
}

/// A custom detector that returns nonsense (NaN evidence).
struct Nonsense;
impl Detector for Nonsense {
    fn detect(&self, _: &DetectorInput<'_>) -> Result<Signal, DetectorError> {
        Ok(Signal::hit(Evidence::Score { value: f64::NAN }))
    }
}

/// A custom detector that fires on every login.
struct Always;
impl Detector for Always {
    fn detect(&self, _: &DetectorInput<'_>) -> Result<Signal, DetectorError> {
        Ok(Signal::hit(Evidence::Flag))
    }
}

/// `custom.broken`, `custom.nonsense`, `custom.always`: fuzzed policies may use them.
/// (No panicking detector here: libFuzzer aborts on any panic, caught or not. The property
/// tests cover panicking detectors.)
fn registry() -> &'static DetectorRegistry {
    static R: OnceLock<DetectorRegistry> = OnceLock::new();
    R.get_or_init(|| {
        let mut r = DetectorRegistry::new();
        r.register("broken", Broken).expect("valid name");
        r.register("nonsense", Nonsense).expect("valid name");
        r.register("always", Always).expect("valid name");
        r
    })
}

/// The recommended policy's rules plus one that uses a failing custom detector: every
/// evaluation under it must fail closed.
fn failing_policies() -> &'static [Policy] {
    static P: OnceLock<Vec<Policy>> = OnceLock::new();
    P.get_or_init(|| {
        ["broken", "nonsense"]
            .iter()
            .map(|name| {
                let mut spec = recommended().spec().clone();
                spec.id = format!("recommended-with-{name}");
                spec.examples.clear();
                let rule: ecps_risk::policy::RuleSpec = serde_json::from_value(serde_json::json!({
                    "id": "custom-check",
                    "when": { "hit": format!("custom.{name}") },
                    "effect": { "points": 5 },
                }))
                .expect("rule");
                spec.rules.push(rule);
                Policy::compile_with(spec, registry()).expect("compiles")
            })
            .collect()
    })
}

fn fixed_contexts() -> &'static [RiskContext] {
    static C: OnceLock<Vec<RiskContext>> = OnceLock::new();
    C.get_or_init(|| {
        let subject: NationalId = SUBJECTS[0].parse().expect("valid id");
        vec![
            serde_json::from_str(KILL_CHAIN_LOGIN).expect("fixture"),
            serde_json::from_str(HOSPITAL_LOGIN).expect("fixture"),
            RiskContext::builder(NOW, subject).build().expect("minimal"),
        ]
    })
}

fn fixture_watchlists() -> &'static Watchlists {
    static W: OnceLock<Watchlists> = OnceLock::new();
    W.get_or_init(|| serde_json::from_str(WATCHLISTS).expect("fixture"))
}

/// A profile that learned a few good logins of the hospital fixture's professional.
fn learned_profile() -> &'static Profile {
    static P: OnceLock<Profile> = OnceLock::new();
    P.get_or_init(|| {
        let base: RiskContext = serde_json::from_str(HOSPITAL_LOGIN).expect("fixture");
        let mut p = Profile::new();
        for day in 1..=12 {
            let mut e = LoginEvent::from(base.clone());
            e.at -= Duration::days(day);
            e.auth.auth_time = e.auth.auth_time.map(|t| t - Duration::days(day));
            e.auth.issued_at = e.auth.issued_at.map(|t| t - Duration::days(day));
            let ctx = RiskContext::try_from(e).expect("valid");
            p = p.confirm_safe(&ctx).expect("same subject");
        }
        p
    })
}

// ---------------------------------------------------------------------------------------------
// Invariants.
// ---------------------------------------------------------------------------------------------

/// Every error message names the offending field or value, in backticks.
fn check_message(e: &dyn std::fmt::Display) {
    let m = e.to_string();
    assert!(
        m.contains('`'),
        "error message without a backticked name: {m}"
    );
    // Quoted values are escaped: no input can forge a log line or drive a terminal.
    assert!(
        !m.chars().any(char::is_control),
        "control character in an error message: {m:?}"
    );
}

/// The profile's tables are within their caps.
pub fn check_caps(p: &Profile) {
    assert!(p.devices().len() <= MAX_DEVICES, "devices over cap");
    assert!(p.history().within(&PROFILE_CAPS), "history over cap");
    assert!(
        p.recent_logins().len() <= MAX_RECENT_LOGINS,
        "recent logins over cap"
    );
    assert!(p.feedback().len() <= MAX_FEEDBACK, "feedback over cap");
    assert!(
        p.attempts().len() <= ecps_risk::history::MAX_ATTEMPTS,
        "attempts over cap"
    );
    let m = p.means();
    assert!(
        [m.card, m.ecps, m.other]
            .iter()
            .all(|n| *n <= ecps_risk::history::MAX_MEANS_COUNT),
        "means over cap"
    );
    assert!(
        p.hours()
            .iter()
            .all(|h| *h <= ecps_risk::history::MAX_HOUR_COUNT),
        "hours over cap"
    );
}

fn json_round_trip<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).expect("serializes");
    let back: T = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("does not read back what it wrote: {e}\n{json}"));
    assert_eq!(&back, value, "round trip changed the value\n{json}");
}

/// Evaluate under `policy` and check what every assessment must satisfy; then learn from it.
fn check_evaluation(policy: &Policy, ctx: &RiskContext, profile: &Profile, env: &Environment<'_>) {
    let a = policy.evaluate(ctx, profile, env);
    // The same evaluation into an assessment that held another one first (an empty
    // profile's, then without lists): reuse must leave nothing of it behind.
    let mut b = policy.create_assessment();
    policy.evaluate_into(ctx, &Profile::new(), &Environment::empty(), &mut b);
    policy.evaluate_into(ctx, profile, env, &mut b);
    let json = serde_json::to_string(&a).expect("assessment serializes");
    assert_eq!(
        json,
        serde_json::to_string(&b).expect("assessment serializes"),
        "evaluation is not deterministic, or a reused assessment kept something"
    );
    assert_eq!(
        format!("{a:?}"),
        format!("{b:?}"),
        "a reused assessment kept something"
    );
    assert_eq!(a.fingerprint(), policy.fingerprint());
    let _ = a.to_string();
    assert!(
        a.level() >= a.decision().level(),
        "level below the decision's"
    );
    check_evidence(&a);

    let foreign = profile.subject().is_some_and(|s| s != ctx.subject());
    if foreign {
        assert_eq!(a.failure(), Some(&Failure::ProfileMismatch));
    }
    if a.failure().is_some() {
        assert_ne!(
            a.decision(),
            Decision::Allow,
            "failed evaluation allowed: {json}"
        );
        assert!(
            a.decision() >= policy.fail_closed(),
            "below the fail-closed floor"
        );
    }
    if let Some(o) = a.report_only()
        && a.failure().is_some()
    {
        assert_ne!(o.decision, Decision::Allow);
    }

    match profile.learn(ctx, &a) {
        Err(e) => {
            assert!(
                foreign,
                "learn refused a login of the profile's own subject: {e}"
            );
            assert!(matches!(e, ProfileError::SubjectMismatch { .. }));
            check_message(&e);
        }
        Ok(next) => {
            assert!(!foreign, "learned another professional's login");
            if !a.is_good_login() {
                check_not_learned(&next, profile);
            }
            check_caps(&next);
            json_round_trip(&next);
        }
    }
}

/// Every evidence of an assessment is within its domain (`Evidence::check`), and no network in
/// it is longer than a /24 or /48: an assessment holds no address.
fn check_evidence(a: &Assessment<'_>) {
    for (name, signal) in a.signals() {
        if let Signal::Hit { evidence } = signal {
            assert_eq!(evidence.check(), Ok(()), "{name}: {evidence:?}");
            if let Evidence::Network {
                network: Some(n), ..
            } = evidence
            {
                assert!(is_coarse(n), "{name}: address {n} in an assessment");
            }
        }
    }
}

/// No longer than a /24 (IPv4) or /48 (IPv6), and no host bits: a network, not an address.
fn is_coarse(n: &ipnet::IpNet) -> bool {
    let short = match n {
        ipnet::IpNet::V4(n) => n.prefix_len() <= 24,
        ipnet::IpNet::V6(n) => n.prefix_len() <= 48,
    };
    short && *n == n.trunc()
}

fn check_context(ctx: &RiskContext) {
    json_round_trip(ctx);
    let event = LoginEvent::from(ctx.clone());
    assert_eq!(
        RiskContext::try_from(event).as_ref(),
        Ok(ctx),
        "validation is not idempotent"
    );
    let env = Environment::new().with_watchlists(fixture_watchlists());
    for policy in policies() {
        check_evaluation(policy, ctx, &Profile::new(), &env);
    }
    for policy in policies() {
        check_evaluation(policy, ctx, learned_profile(), &env);
    }
    for p in failing_policies() {
        let a = p.evaluate(ctx, &Profile::new(), &env);
        assert!(a.failure().is_some());
        assert!(a.decision() >= p.fail_closed());
    }
}

// ---------------------------------------------------------------------------------------------
// Targets.
// ---------------------------------------------------------------------------------------------

/// PSC claims from JSON, then `RiskContext::from_psc_claims` and `build`.
pub fn claims_json(data: &[u8]) {
    let Ok(claims) = serde_json::from_slice::<PscClaims>(data) else {
        return;
    };
    json_round_trip(&claims);
    let _ = claims.activity_locations();
    if let Err(e) = claims.subject() {
        check_message(&e);
    }
    let iat = claims
        .iat
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok());
    for now in [Some(NOW), iat].into_iter().flatten() {
        match RiskContext::from_psc_claims(now, &claims) {
            Err(e) => check_message(&e),
            Ok(b) => match b
                .ip(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 23)))
                .device_id("cookie")
                .build()
            {
                Err(e) => check_message(&e),
                Ok(ctx) => check_context(&ctx),
            },
        }
    }
}

/// A login event (`RiskContext`'s serialized form) from JSON.
pub fn login_event_json(data: &[u8]) {
    let direct = serde_json::from_slice::<RiskContext>(data);
    // Deserializing a context runs exactly the checks of `build`.
    if let Ok(event) = serde_json::from_slice::<LoginEvent>(data) {
        let via_event = RiskContext::try_from(event);
        assert_eq!(direct.is_ok(), via_event.is_ok(), "two paths disagree");
        if let Err(e) = &via_event {
            check_message(e);
        }
    }
    if let Ok(ctx) = direct {
        check_context(&ctx);
    }
}

fn policy_spec(spec: PolicySpec) {
    let Ok(policy) = Policy::compile_with(spec, registry()).map_err(|e| check_message(&e)) else {
        return;
    };
    let _ = policy.check_examples();
    // The normalized spec compiles again, to the same fingerprint, also through JSON.
    let again = Policy::compile_with(policy.spec().clone(), registry()).expect("recompiles");
    assert_eq!(again.fingerprint(), policy.fingerprint());
    let json = serde_json::to_string(policy.spec()).expect("spec serializes");
    let back: PolicySpec = serde_json::from_str(&json).expect("spec reads back");
    let again = Policy::compile_with(back, registry()).expect("recompiles from JSON");
    assert_eq!(again.fingerprint(), policy.fingerprint(), "{json}");

    // Warnings name a rule of the policy and the silencing input, in backticks.
    for warning in policy.warnings() {
        let text = warning.to_string();
        assert!(
            text.contains(&format!("rule `{}`", warning.rule())),
            "{text}"
        );
        assert!(text.contains(&format!("`{}`", warning.input())), "{text}");
        assert!(policy.spec().rules.iter().any(|r| r.id == warning.rule()));
    }

    let lists = fixture_watchlists();
    for env in [
        Environment::empty(),
        Environment::new().with_watchlists(lists),
    ] {
        // A required list missing (or of another kind) fails every evaluation closed, and
        // `check_environment` names it.
        let required_missing: Vec<&str> = policy
            .spec()
            .watchlists
            .iter()
            .filter(|(name, decl)| {
                decl.required
                    && env.watchlists().and_then(|w| w.kind_of(name.as_str())) != Some(decl.kind)
            })
            .map(|(name, _)| name.as_str())
            .collect();
        if let Err(missing) = policy.check_environment(&env) {
            check_message(&missing);
            assert!(!missing.missing().is_empty());
        }
        for name in &required_missing {
            let missing = policy
                .check_environment(&env)
                .expect_err("a required list is missing");
            assert!(
                missing.to_string().contains(&format!("`{name}`")),
                "{missing}"
            );
        }
        for ctx in fixed_contexts() {
            for profile in [&Profile::new(), learned_profile()] {
                check_evaluation(&policy, ctx, profile, &env);
                if !required_missing.is_empty() {
                    let a = policy.evaluate(ctx, profile, &env);
                    assert!(a.failure().is_some(), "a required list is missing");
                    assert!(a.decision() >= policy.fail_closed());
                }
            }
        }
    }
}

/// A policy spec from JSON, compiled, its examples run, evaluated on fixed logins.
pub fn policy_json(data: &[u8]) {
    if let Ok(spec) = serde_json::from_slice::<PolicySpec>(data) {
        policy_spec(spec);
    }
}

/// A policy spec from TOML, compiled, its examples run, evaluated on fixed logins.
pub fn policy_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(spec) = toml::from_str::<PolicySpec>(text) {
        policy_spec(spec);
    }
}

/// A stored profile from JSON, used for evaluation and learning.
pub fn profile_json(data: &[u8]) {
    // (serde's own messages, "invalid type: …", are not the crate's: not checked.)
    let Ok(profile) = serde_json::from_slice::<Profile>(data) else {
        return;
    };
    check_caps(&profile);
    json_round_trip(&profile);
    let env = Environment::new().with_watchlists(fixture_watchlists());
    let mut contexts: Vec<RiskContext> = fixed_contexts().to_vec();
    if let Some(s) = profile.subject() {
        // The profile's own professional, at several times around its history.
        let times = profile
            .recent_logins()
            .iter()
            .copied()
            .chain(profile.first_seen())
            .filter_map(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .chain([NOW]);
        for at in times.take(4) {
            if let Ok(ctx) = RiskContext::builder(at, s.clone())
                .device_id("cookie")
                .ip(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)))
                .country("FR")
                .geo(48.85, 2.35, 10.0)
                .build()
            {
                contexts.push(ctx);
            }
        }
    }
    for ctx in &contexts {
        for policy in policies() {
            check_evaluation(policy, ctx, &profile, &env);
        }
        let foreign = profile.subject().is_some_and(|s| s != ctx.subject());
        for next in [profile.confirm_safe(ctx), profile.confirm_compromised(ctx)] {
            match next {
                Ok(p) => {
                    assert!(!foreign);
                    check_caps(&p);
                    json_round_trip(&p);
                }
                Err(e) => {
                    assert!(foreign);
                    check_message(&e);
                }
            }
        }
    }
}

/// Provider-wide population statistics from JSON, used by `stats.anomaly`.
pub fn population_json(data: &[u8]) {
    let Ok(population) = serde_json::from_slice::<PopulationStats>(data) else {
        return;
    };
    json_round_trip(&population);
    let profile = learned_profile();
    let env = Environment::new()
        .with_population(&population)
        .with_watchlists(fixture_watchlists());
    for ctx in fixed_contexts() {
        if let Some(s) = anomaly_score(
            ctx.features(),
            profile.history(),
            profile.login_count(),
            &population,
        ) {
            assert!(!s.log_score.is_nan(), "NaN anomaly score");
        }
        for policy in policies() {
            check_evaluation(policy, ctx, profile, &env);
        }
        for policy in policies() {
            check_evaluation(policy, ctx, &Profile::new(), &env);
        }
    }
    let mut grown = population.clone();
    for ctx in fixed_contexts() {
        grown.observe(ctx.features(), ctx.now().unix_timestamp());
    }
    json_round_trip(&grown);
}

/// Longest network of `nets` containing `ip`: the reference for `IpList::lookup`.
fn linear_lookup(nets: &[ipnet::IpNet], ip: IpAddr) -> Option<ipnet::IpNet> {
    let ip = ip.to_canonical();
    nets.iter()
        .filter(|n| n.contains(&ip))
        .max_by_key(|n| n.prefix_len())
        .copied()
}

/// Addresses at and around the edges of a network.
fn probes(net: &ipnet::IpNet) -> Vec<IpAddr> {
    match net {
        ipnet::IpNet::V4(n) => {
            let lo = u32::from(n.network());
            let hi = u32::from(n.broadcast());
            let mut v: Vec<IpAddr> = [lo, hi, lo.wrapping_sub(1), hi.wrapping_add(1)]
                .into_iter()
                .map(|x| IpAddr::V4(Ipv4Addr::from(x)))
                .collect();
            v.push(IpAddr::V6(n.network().to_ipv6_mapped()));
            v
        }
        ipnet::IpNet::V6(n) => {
            let lo = u128::from(n.network());
            let hi = u128::from(n.broadcast());
            [lo, hi, lo.wrapping_sub(1), hi.wrapping_add(1)]
                .into_iter()
                .map(|x| IpAddr::V6(Ipv6Addr::from(x)))
                .collect()
        }
    }
}

/// Watchlists from JSON: round trips, lookups against a linear scan, evaluation.
pub fn watchlists_json(data: &[u8]) {
    let direct = serde_json::from_slice::<Watchlists>(data);
    if let Ok(spec) = serde_json::from_slice::<WatchlistsSpec>(data) {
        let compiled = Watchlists::compile(spec);
        assert_eq!(direct.is_ok(), compiled.is_ok(), "two paths disagree");
        if let Err(e) = &compiled {
            check_message(e);
        }
    }
    let Ok(lists) = direct else {
        return;
    };
    assert_eq!(
        Watchlists::compile(lists.to_spec()).as_ref(),
        Ok(&lists),
        "normalized spec compiles to another value"
    );
    let json = serde_json::to_string(&lists).expect("serializes");
    let back: Watchlists = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, lists);

    let mut ip = None;
    let mut credential = None;
    let mut subjects: Vec<NationalId> = Vec::new();
    for list in lists.iter() {
        let name = list.name();
        assert_eq!(lists.get(name).map(|l| l.kind()), Some(list.kind()));
        if let Some(l) = lists.ip_list(name) {
            let nets: Vec<ipnet::IpNet> = l.networks().collect();
            assert_eq!(nets.len(), l.len());
            for net in nets.iter().take(64) {
                ip.get_or_insert(net.network());
                for probe in probes(net) {
                    let want = linear_lookup(&nets, probe);
                    assert_eq!(l.lookup(probe), want, "lookup of {probe}");
                    assert_eq!(l.contains(probe), want.is_some());
                }
            }
        }
        if let Some(l) = lists.credential_list(name) {
            let ids: Vec<&str> = l.iter().collect();
            for id in ids.iter().take(64) {
                credential.get_or_insert_with(|| (*id).to_owned());
                assert!(l.contains(id));
                let other = format!("{id}x");
                assert_eq!(l.contains(&other), ids.contains(&other.as_str()));
            }
            assert!(!l.contains("") || ids.contains(&""));
        }
        if let Some(l) = lists.subject_list(name) {
            let ids: Vec<&str> = l.iter().collect();
            for id in ids.iter().take(64) {
                assert!(l.contains(id));
                let other = format!("{id}0");
                assert_eq!(l.contains(&other), ids.contains(&other.as_str()));
                subjects.extend(id.parse::<NationalId>().ok());
            }
        }
        if let Some(l) = lists.blocked_subject_list(name) {
            let entries: Vec<(&str, OffsetDateTime)> = l.iter().collect();
            for (id, since) in entries.iter().take(64) {
                assert_eq!(l.blocked_since(id), Some(*since));
                let other = format!("{id}0");
                let want = entries.iter().find(|(s, _)| *s == other).map(|(_, t)| *t);
                assert_eq!(l.blocked_since(&other), want);
                subjects.extend(id.parse::<NationalId>().ok());
            }
        }
    }

    // Evaluate logins that hit the lists.
    let env = Environment::new().with_watchlists(&lists);
    subjects.truncate(4);
    subjects.push(SUBJECTS[0].parse().expect("valid id"));
    for subject in subjects {
        let mut b = RiskContext::builder(NOW, subject)
            .activation(NOW - Duration::hours(1), ActivationChannel::EmailSms)
            .device_id("cookie");
        if let Some(ip) = ip {
            b = b.ip(ip);
        }
        if let Some(c) = &credential {
            b = b.credential_id(c);
        }
        match b.build() {
            Ok(ctx) => {
                for policy in policies() {
                    check_evaluation(policy, &ctx, &Profile::new(), &env);
                }
                for policy in policies() {
                    check_evaluation(policy, &ctx, learned_profile(), &env);
                }
            }
            Err(e) => check_message(&e),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Structured input for the evaluation target.
// ---------------------------------------------------------------------------------------------

/// An address in every form the crate must handle.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Ip {
    /// IPv4.
    V4([u8; 4]),
    /// IPv6.
    V6([u8; 16]),
    /// IPv4-mapped IPv6 (`::ffff:a.b.c.d`).
    Mapped([u8; 4]),
}

impl Ip {
    fn addr(self) -> IpAddr {
        match self {
            Ip::V4(b) => IpAddr::V4(Ipv4Addr::from(b)),
            Ip::V6(b) => IpAddr::V6(Ipv6Addr::from(b)),
            Ip::Mapped(b) => IpAddr::V6(Ipv4Addr::from(b).to_ipv6_mapped()),
        }
    }
}

/// A time: mostly near `NOW` (seconds before or after it), sometimes any Unix time, or near
/// an edge of the calendar.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Time {
    /// `NOW` plus this many seconds.
    Near(i32),
    /// Raw Unix seconds (the claims' form; may be before 1970 or unrepresentable).
    Unix(i64),
    /// An edge (see [`EDGES`]) plus this many seconds.
    Edge(u8, i16),
}

/// The Unix epoch, the last second of year 9999, and the 2025 summer-time switches in Paris.
const EDGES: [i64; 4] = [0, 253_402_300_799, 1_743_296_400, 1_761_440_400];

impl Time {
    fn at(self) -> Option<OffsetDateTime> {
        match self {
            Time::Near(s) => NOW.checked_add(Duration::seconds(i64::from(s))),
            Time::Unix(s) => OffsetDateTime::from_unix_timestamp(s).ok(),
            Time::Edge(i, s) => {
                let edge = EDGES.get(usize::from(i) % EDGES.len())?;
                OffsetDateTime::from_unix_timestamp(edge.checked_add(i64::from(s))?).ok()
            }
        }
    }
}

/// An `authMode` claim: the card, the e-CPS, or any text.
#[derive(Arbitrary, Debug, Clone)]
pub enum AuthModeInput {
    /// `CARD`.
    Card,
    /// `MOBILE`: the e-CPS.
    Mobile,
    /// Anything (`card` or `mobile` in any case too, read as PSC's values).
    Text(String),
}

impl AuthModeInput {
    fn mode(&self) -> AuthMode {
        AuthMode::parse(match self {
            AuthModeInput::Card => "CARD",
            AuthModeInput::Mobile => "MOBILE",
            AuthModeInput::Text(text) => text,
        })
    }
}

/// The login a step-up is answered with, as it departs from the one asked for (a fresh card
/// login of the same professional a minute later, `step_up_login`): at any time around the
/// window, with any `auth_time`, any means, another professional's.
#[derive(Arbitrary, Debug, Clone)]
pub struct StepUpLogin {
    /// Seconds after the login (negative: before it).
    after: i16,
    /// Its `auth_time`, seconds before its own time (negative: after it; `None`: none).
    auth_age: Option<i32>,
    /// Its `authMode`.
    mode: Option<AuthModeInput>,
    /// Another professional's (an index into the subjects; the login's own at times).
    subject: Option<u8>,
}

impl StepUpLogin {
    /// The step-up login answering `ctx`, `None` when invalid (past year 9999).
    pub fn build(&self, ctx: &RiskContext) -> Option<RiskContext> {
        let mut e = ctx.event().clone();
        e.at = e.at.checked_add(Duration::seconds(i64::from(self.after)))?;
        e.auth.auth_time = match self.auth_age {
            Some(age) => Some(e.at.checked_sub(Duration::seconds(i64::from(age)))?),
            None => None,
        };
        e.auth.mode = self.mode.as_ref().map(AuthModeInput::mode);
        if let Some(i) = self.subject {
            e.subject = SUBJECTS
                .get(usize::from(i) % SUBJECTS.len())?
                .parse()
                .ok()?;
        }
        RiskContext::try_from(e).ok()
    }
}

/// One login's inputs, as the builder takes them.
#[derive(Arbitrary, Debug, Clone)]
pub struct Login {
    at: Time,
    subject: u8,
    ip: Option<Ip>,
    user_agent: Option<String>,
    device: Option<String>,
    geo: Option<(f64, f64, f64)>,
    country: Option<String>,
    asn: Option<u32>,
    anonymizer: Option<bool>,
    hosting: Option<bool>,
    acr: Option<String>,
    amr: Option<Vec<String>>,
    auth_mode: Option<AuthModeInput>,
    auth_time: Option<i64>,
    issued_at: Option<i64>,
    credential_id: Option<String>,
    activation: Option<(Time, u8)>,
    active_count: Option<u32>,
    contact_changes: Option<Vec<(Time, bool)>>,
    validation_requests: Option<Vec<(Time, u8)>>,
    reports: Option<Vec<Time>>,
    remote_control: Option<bool>,
    automation: Option<bool>,
    practice: Option<Vec<u32>>,
    offset_minutes: Option<i16>,
}

impl Login {
    /// The builder with every input set; `None` when a time cannot be represented at all.
    pub fn builder(&self) -> Option<RiskContextBuilder> {
        let subject: NationalId = SUBJECTS
            .get(usize::from(self.subject) % SUBJECTS.len())?
            .parse()
            .ok()?;
        let now = self.at.at()?;
        let mut b = RiskContext::builder(now, subject);
        if let Some(ip) = self.ip {
            b = b.ip(ip.addr());
        }
        if let Some(ua) = &self.user_agent {
            b = b.user_agent(ua);
        }
        if let Some(d) = &self.device {
            b = b.device_id(d);
        }
        if let Some((lat, lon, acc)) = self.geo {
            b = b.geo(lat, lon, acc);
        }
        if let Some(c) = &self.country {
            b = b.country(c);
        }
        if let Some(a) = self.asn {
            b = b.asn(a);
        }
        if let Some(f) = self.anonymizer {
            b = b.anonymizer(f);
        }
        if let Some(f) = self.hosting {
            b = b.hosting(f);
        }
        if let Some(a) = &self.acr {
            b = b.acr(a);
        }
        if let Some(a) = &self.amr {
            b = b.amr(a.iter().cloned());
        }
        if let Some(m) = &self.auth_mode {
            b = b.auth_mode(m.mode());
        }
        if let Some(t) = self.auth_time {
            b = b.auth_time_unix(t);
        }
        if let Some(t) = self.issued_at {
            b = b.issued_at_unix(t);
        }
        if let Some(c) = &self.credential_id {
            b = b.credential_id(c);
        }
        if let Some((t, channel)) = self.activation {
            let channel = match channel % 3 {
                0 => ActivationChannel::CpsCard,
                1 => ActivationChannel::EmailSms,
                _ => ActivationChannel::Other,
            };
            b = b.activation(t.at()?, channel);
        }
        if let Some(n) = self.active_count {
            b = b.active_credentials(n);
        }
        if let Some(list) = &self.contact_changes {
            let changes: Option<Vec<ContactChange>> = list
                .iter()
                .map(|(t, email)| {
                    Some(ContactChange {
                        at: t.at()?,
                        kind: if *email {
                            ContactKind::Email
                        } else {
                            ContactKind::Phone
                        },
                    })
                })
                .collect();
            b = b.contact_changes(changes?);
        }
        if let Some(list) = &self.validation_requests {
            let requests: Option<Vec<ValidationRequest>> = list
                .iter()
                .map(|(t, o)| {
                    Some(ValidationRequest {
                        at: t.at()?,
                        outcome: match o % 3 {
                            0 => PushOutcome::Approved,
                            1 => PushOutcome::Denied,
                            _ => PushOutcome::Expired,
                        },
                    })
                })
                .collect();
            b = b.validation_requests(requests?);
        }
        if let Some(list) = &self.reports {
            let times: Option<Vec<OffsetDateTime>> = list.iter().map(|t| t.at()).collect();
            b = b.reports(times?);
        }
        if let Some(f) = self.remote_control {
            b = b.remote_control_suspected(f);
        }
        if let Some(f) = self.automation {
            b = b.automation_suspected(f);
        }
        if let Some(codes) = &self.practice {
            let places = codes.iter().filter_map(|c| {
                let area = postal_area(&format!("{:05}", c % 100_000))?;
                Some(ActivityLocation {
                    country: area.country,
                    department: Some(area.department),
                })
            });
            let abroad = codes.iter().filter(|c| **c >= 100_000).map(|c| {
                let b = [b'A' + (c % 26) as u8, b'A' + (c / 26 % 26) as u8];
                ActivityLocation {
                    country: CountryCode::parse(std::str::from_utf8(&b).unwrap_or("FR"))
                        .unwrap_or(CountryCode::FR),
                    department: None,
                }
            });
            b = b.practice(places.chain(abroad).collect::<Vec<_>>());
        }
        if let Some(m) = self.offset_minutes {
            b = b.local_time(LocalTime::Fixed { offset_minutes: m });
        }
        Some(b)
    }

    /// The built context, or `None` (with the error's message checked) when invalid.
    pub fn build(&self) -> Option<RiskContext> {
        match self.builder()?.build() {
            Ok(ctx) => Some(ctx),
            Err(e) => {
                check_message(&e);
                None
            }
        }
    }
}

/// Watchlists under the standard names, from generated entries.
#[derive(Arbitrary, Debug, Clone)]
pub struct Lists {
    trusted: Vec<(Ip, u8)>,
    denied: Vec<(Ip, u8)>,
    anonymizers: Vec<(Ip, u8)>,
    deactivated: Vec<String>,
    under_alert: Vec<u8>,
    blocked: Vec<(u8, Time)>,
}

impl Lists {
    fn compile(&self) -> Option<Watchlists> {
        let nets = |v: &[(Ip, u8)]| -> Vec<String> {
            v.iter()
                .map(|(ip, len)| format!("{}/{}", ip.addr(), len % 129))
                .collect()
        };
        let subject = |i: &u8| SUBJECTS[usize::from(*i) % SUBJECTS.len()].to_owned();
        let blocked: Vec<serde_json::Value> = self
            .blocked
            .iter()
            .filter_map(|(s, t)| {
                let since = t
                    .at()?
                    .format(&time::format_description::well_known::Rfc3339)
                    .ok()?;
                Some(serde_json::json!({ "subject": subject(s), "since": since }))
            })
            .collect();
        let spec = serde_json::json!({ "lists": [
            { "name": "trusted_networks", "kind": "ip", "entries": nets(&self.trusted) },
            { "name": "denied_networks", "kind": "ip", "entries": nets(&self.denied) },
            { "name": "anonymizers", "kind": "ip", "entries": nets(&self.anonymizers) },
            { "name": "deactivated_ecps", "kind": "credentials", "entries": self.deactivated },
            { "name": "under_alert", "kind": "subjects",
              "entries": self.under_alert.iter().map(subject).collect::<Vec<_>>() },
            { "name": "blocked_activations", "kind": "blocked_subjects", "entries": blocked },
        ] });
        let spec: WatchlistsSpec = serde_json::from_value(spec).expect("well-formed spec");
        match Watchlists::compile(spec) {
            Ok(w) => Some(w),
            Err(e) => {
                check_message(&e);
                None
            }
        }
    }
}

/// A login of the profile's past, and what the provider made of it.
#[derive(Arbitrary, Debug, Clone)]
pub struct Past {
    /// The login.
    pub login: Login,
    /// What became of it.
    pub fate: Fate,
}

/// What the provider made of a past login.
#[derive(Arbitrary, Debug, Clone)]
pub enum Fate {
    /// A person confirmed it safe (`confirm_safe`).
    ConfirmedSafe,
    /// Scored by the recommended policy and learned as `learn` decides: allowed, or kept as
    /// an attempt.
    Scored,
    /// Scored, its step-up answered (`None`: by the login asked for), then learned.
    SteppedUp(Option<StepUpLogin>),
    /// Confirmed safe by mistake, then confirmed compromised: an undo, checked.
    FoundOut,
    /// Scored and learned, then an earlier login of the past (this many back) confirmed
    /// compromised.
    EarlierFoundOut(u8),
}

impl Fate {
    /// The profile after `ctx` met this fate (`past`: the logins before it), every step
    /// checked; the profile unchanged when a step is refused (another professional's login).
    fn apply(
        &self,
        profile: &Profile,
        ctx: &RiskContext,
        past: &[RiskContext],
        env: &Environment<'_>,
    ) -> Profile {
        let foreign = |c: &RiskContext| profile.subject().is_some_and(|s| s != c.subject());
        let scored = |step_up: Option<RiskContext>| {
            let mut a = recommended().evaluate(ctx, profile, env);
            let passed = step_up.is_some_and(|s| check_step_up(&mut a, ctx, &s));
            check_learning(&a, ctx, profile, passed)
        };
        let next = match self {
            Fate::ConfirmedSafe => profile
                .confirm_safe(ctx)
                .map_err(|e| check_message(&e))
                .ok(),
            Fate::Scored => scored(None),
            Fate::SteppedUp(s) => scored(match s {
                Some(s) => s.build(ctx),
                None => step_up_login(ctx),
            }),
            Fate::FoundOut => profile
                .confirm_safe(ctx)
                .map_err(|e| check_message(&e))
                .ok()
                .map(|learned| {
                    let undone = learned.confirm_compromised(ctx).expect("its own login");
                    check_undone(profile, &learned, &undone, ctx);
                    undone
                }),
            Fate::EarlierFoundOut(back) => scored(None).map(|learned| {
                let Some(earlier) = past
                    .len()
                    .checked_sub(1 + usize::from(*back) % past.len().max(1))
                    .and_then(|i| past.get(i))
                else {
                    return learned;
                };
                match learned.confirm_compromised(earlier) {
                    Ok(p) => {
                        if let Some(d) = earlier.event().request.device {
                            assert!(p.devices().get(&d).is_none(), "compromised device kept");
                        }
                        p
                    }
                    Err(e) => {
                        assert!(learned.subject().is_some_and(|s| s != earlier.subject()));
                        check_message(&e);
                        learned
                    }
                }
            }),
        };
        match next {
            Some(p) => {
                assert!(!foreign(ctx), "learned another professional's login");
                check_caps(&p);
                p
            }
            None => {
                assert!(
                    foreign(ctx),
                    "a login of the profile's own professional refused"
                );
                profile.clone()
            }
        }
    }
}

/// Everything one evaluation takes.
#[derive(Arbitrary, Debug, Clone)]
pub struct Evaluation {
    /// The login scored.
    pub login: Login,
    /// Logins of the profile's past, in order, and what became of each.
    pub history: Vec<Past>,
    /// Watchlists, if any.
    pub lists: Option<Lists>,
    /// Logins counted into the population statistics, if any.
    pub population: Option<Vec<Login>>,
}

/// The parts of an [`Evaluation`], built.
pub struct Built {
    profile: Profile,
    lists: Option<Watchlists>,
    population: Option<PopulationStats>,
    ctx: RiskContext,
}

impl Built {
    fn env(&self) -> Environment<'_> {
        let mut env = Environment::new();
        if let Some(w) = &self.lists {
            env = env.with_watchlists(w);
        }
        if let Some(p) = &self.population {
            env = env.with_population(p);
        }
        env
    }
}

impl Evaluation {
    /// Build every part, checking the history's caps and every error message on the way;
    /// `None` when the login itself is invalid.
    pub fn build(&self) -> Option<Built> {
        let mut built = Built {
            profile: Profile::new(),
            lists: self.lists.as_ref().and_then(Lists::compile),
            population: self.population.as_ref().map(|logins| {
                let mut p = PopulationStats::new();
                for ctx in logins.iter().take(24).filter_map(Login::build) {
                    p.observe(ctx.features(), ctx.now().unix_timestamp());
                }
                p.set_users(logins.len() as u64);
                p
            }),
            ctx: self.login.build()?,
        };
        let env = built.env();
        let mut profile = Profile::new();
        let mut past = Vec::new();
        for p in self.history.iter().take(24) {
            if let Some(ctx) = p.login.build() {
                profile = p.fate.apply(&profile, &ctx, &past, &env);
                past.push(ctx);
            }
        }
        built.profile = profile;
        Some(built)
    }

    /// Build every part and check every invariant.
    pub fn run(&self) {
        let Some(built) = self.build() else {
            return;
        };
        let (ctx, profile) = (&built.ctx, &built.profile);
        json_round_trip(ctx);
        let env = built.env();
        for policy in policies() {
            check_evaluation(policy, ctx, profile, &env);
        }
        for p in failing_policies() {
            let a = p.evaluate(ctx, profile, &env);
            assert!(a.failure().is_some(), "a failing detector went unnoticed");
            assert!(
                a.decision() >= p.fail_closed(),
                "failing detector: below the floor"
            );
        }
        if let Ok(next) = profile.confirm_compromised(ctx) {
            check_caps(&next);
            json_round_trip(&next);
        }
        // Learned (allowed, confirmed safe by mistake, or both), then found out: undone.
        let a = recommended().evaluate(ctx, profile, &env);
        let allowed = profile.learn(ctx, &a).ok().filter(|_| a.is_good_login());
        let both = allowed.as_ref().and_then(|p| p.confirm_safe(ctx).ok());
        for learned in [allowed, profile.confirm_safe(ctx).ok(), both] {
            let Some(learned) = learned else { continue };
            let undone = learned.confirm_compromised(ctx).expect("its own login");
            check_undone(profile, &learned, &undone, ctx);
        }
    }
}

/// Arbitrary logins, profiles, watchlists and populations, scored by the recommended policy.
pub fn evaluate(data: &[u8]) {
    if let Ok(input) = Evaluation::arbitrary_take_rest(Unstructured::new(data)) {
        input.run();
    }
}

// ---------------------------------------------------------------------------------------------
// Reports and audit records.
// ---------------------------------------------------------------------------------------------

/// Evidence a custom detector may return, every number free (NaN, infinities, negatives, host
/// routes, times at any offset).
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum AnyEvidence {
    /// `Flag`.
    Flag,
    /// `Age { seconds }`.
    Age(i64),
    /// `Skew { seconds }`.
    Skew(i64),
    /// `Count { count, window_seconds }`.
    Count(u32, i64),
    /// `Network { network, asn }`: an address and a prefix length.
    Network(Option<(Ip, u8)>, Option<u32>),
    /// `Since { at }`: Unix seconds and an offset in seconds.
    Since(i64, i32),
    /// `Travel { distance_km, hours, speed_kmh }`.
    Travel(f64, f64, f64),
    /// `Hour { hour_of_week, share }`.
    Hour(u8, f64),
    /// `Score { value }`.
    Score(f64),
}

impl AnyEvidence {
    /// The evidence, or `None` when its parts make no value at all (an unrepresentable time).
    fn evidence(self) -> Option<Evidence> {
        Some(match self {
            AnyEvidence::Flag => Evidence::Flag,
            AnyEvidence::Age(seconds) => Evidence::Age { seconds },
            AnyEvidence::Skew(seconds) => Evidence::Skew { seconds },
            AnyEvidence::Count(count, window_seconds) => Evidence::Count {
                count,
                window_seconds,
            },
            AnyEvidence::Network(net, asn) => Evidence::Network {
                network: match net {
                    Some((ip, len)) => Some(ipnet::IpNet::new(ip.addr(), len % 129).ok()?),
                    None => None,
                },
                asn,
            },
            AnyEvidence::Since(unix, offset) => Evidence::Since {
                at: OffsetDateTime::from_unix_timestamp(unix)
                    .ok()?
                    .checked_to_offset(UtcOffset::from_whole_seconds(offset).ok()?)?,
            },
            AnyEvidence::Travel(distance_km, hours, speed_kmh) => Evidence::Travel {
                distance_km,
                hours,
                speed_kmh,
            },
            AnyEvidence::Hour(hour_of_week, share) => Evidence::Hour {
                hour_of_week,
                share,
            },
            AnyEvidence::Score(value) => Evidence::Score { value },
        })
    }
}

thread_local! {
    /// What `custom.echo` returns on this thread (the fuzzed evidence of the current input).
    static ECHO: Cell<Option<Evidence>> = const { Cell::new(None) };
}

/// A custom detector that fires with the current input's evidence, if any.
struct Echo;
impl Detector for Echo {
    fn detect(&self, _: &DetectorInput<'_>) -> Result<Signal, DetectorError> {
        Ok(ECHO.with(Cell::get).map_or(Signal::NoHit, Signal::hit))
    }
}

/// The recommended policy with `extra` rules on `custom.echo` and others, in `mode`.
fn recommended_plus(id: &str, mode: Mode, extra: serde_json::Value) -> Policy {
    let mut spec = recommended().spec().clone();
    spec.id = id.to_owned();
    spec.mode = mode;
    spec.examples.clear();
    let extra: Vec<ecps_risk::policy::RuleSpec> = serde_json::from_value(extra).expect("rules");
    spec.rules.extend(extra);
    let mut registry = DetectorRegistry::new();
    registry.register("echo", Echo).expect("valid name");
    Policy::compile_with(spec, &registry).expect("compiles")
}

/// Policies that read `custom.echo`: enforced, a report-only rollout of stricter rules next to
/// the enforced step-ups (what `is_good_login` must not learn), and a report-only policy.
fn echo_policies() -> &'static [Policy] {
    static P: OnceLock<Vec<Policy>> = OnceLock::new();
    P.get_or_init(|| {
        let echo = serde_json::json!([
            { "id": "echo", "when": { "hit": "custom.echo" }, "effect": { "points": 10 } },
        ]);
        let trials = serde_json::json!([
            { "id": "echo", "when": { "hit": "custom.echo" }, "effect": { "force": "deny" },
              "report_only": true },
            { "id": "trial-new-device", "when": { "hit": "device.new" },
              "effect": { "at_least": "step_up_cps_card" }, "report_only": true },
            { "id": "trial-unfamiliar-network", "when": { "hit": "network.unfamiliar" },
              "effect": { "at_least": "review" }, "report_only": true },
        ]);
        vec![
            recommended_plus("with-echo", Mode::Enforce, echo.clone()),
            recommended_plus("rollout", Mode::Enforce, trials),
            recommended_plus("report-only", Mode::ReportOnly, echo),
        ]
    })
}

fn report_key() -> &'static PseudonymKey {
    static K: OnceLock<PseudonymKey> = OnceLock::new();
    K.get_or_init(|| PseudonymKey::new(b"fuzzing key, 32 bytes long......").expect("long enough"))
}

/// Default privacy, everything disclosed, addresses left out.
fn privacies() -> [Privacy; 3] {
    [
        Privacy::default(),
        Privacy::default()
            .with_identifiers(Identifiers::Disclosed)
            .with_addresses(Addresses::Disclosed),
        Privacy::default().with_addresses(Addresses::Omitted),
    ]
}

/// A login scored, reported and recorded: everything `IncidentReport` and `AuditRecord` take.
#[derive(Arbitrary, Debug, Clone)]
pub struct ReportInput {
    /// The login, its history, lists and population.
    pub evaluation: Evaluation,
    /// What `custom.echo` returns.
    pub evidence: Option<AnyEvidence>,
    /// The professional answers the step-up, if one is asked for.
    pub step_up: bool,
    /// Another login, whose context is given with this login's assessment.
    pub other: Option<Login>,
    /// How the step-up login departs from the one asked for (`None`: it is that login).
    pub step_up_login: Option<StepUpLogin>,
}

impl ReportInput {
    /// Score the login under every policy; build its reports and records in every privacy
    /// setting; check that another login's context is refused.
    pub fn run(&self) {
        let Some(built) = self.evaluation.build() else {
            return;
        };
        let evidence = self.evidence.and_then(AnyEvidence::evidence);
        ECHO.with(|e| e.set(evidence));
        let env = built.env();
        let other = self.other.as_ref().and_then(Login::build);
        let (ctx, profile) = (&built.ctx, &built.profile);
        let step_up = match (self.step_up, &self.step_up_login) {
            (false, _) => None,
            (true, None) => step_up_login(ctx),
            (true, Some(s)) => s.build(ctx),
        };
        for policy in report_policies() {
            let a = check_outputs(policy, ctx, profile, &env, step_up.as_ref(), other.as_ref());
            if let Some(e) = evidence.filter(|_| policy.id() != "everything") {
                check_echo(policy, &a, e);
            }
        }
    }
}

/// The policies reports are checked under: those reading `custom.echo` (enforced, a
/// report-only rollout of stricter rules, report-only) and the all-detector one.
pub fn report_policies() -> impl Iterator<Item = &'static Policy> {
    echo_policies().iter().chain([everything()])
}

/// Score `ctx` under `policy` (its step-up answered by `step_up`, when given) and check what
/// its outputs must satisfy: the step-up accepted exactly when SECURITY.md says; evidence
/// within its domain and no address in it; `is_good_login` as SECURITY.md states it and
/// `learn` following it; the incident report and the audit record in every privacy setting;
/// `other`, when another login, refused with this assessment.
pub fn check_outputs<'p>(
    policy: &'p Policy,
    ctx: &RiskContext,
    profile: &Profile,
    env: &Environment<'_>,
    step_up: Option<&RiskContext>,
    other: Option<&RiskContext>,
) -> Assessment<'p> {
    let mut a = policy.evaluate(ctx, profile, env);
    let passed = step_up.is_some_and(|s| check_step_up(&mut a, ctx, s));
    check_evidence(&a);
    check_learning(&a, ctx, profile, passed);
    for privacy in privacies() {
        check_report(ctx, &a, privacy);
    }
    if let Some(other) = other {
        check_other_login(ctx, other, &a);
    }
    a
}

/// The custom detector's evidence: outside its domain, the evaluation fails closed; within it,
/// it is kept, its network cut to a /24 or /48.
fn check_echo(policy: &Policy, a: &Assessment<'_>, e: Evidence) {
    let signal = a.signal_named("custom.echo").copied();
    match e.check() {
        Err(error) => {
            check_message(&error);
            assert!(a.failure().is_some(), "nonsense accepted: {e:?}");
            assert!(a.decision() >= policy.fail_closed());
            assert_eq!(
                signal,
                Some(Signal::missing(ecps_risk::detect::Missing::Failed))
            );
        }
        Ok(()) => match (e, signal) {
            (
                Evidence::Network { network, asn },
                Some(Signal::Hit {
                    evidence:
                        Evidence::Network {
                            network: kept,
                            asn: kept_asn,
                        },
                }),
            ) => {
                assert_eq!(asn, kept_asn);
                assert_eq!(network.is_some(), kept.is_some());
                if let (Some(n), Some(k)) = (network, kept) {
                    let within = k.contains(&n.network().to_canonical());
                    assert!(is_coarse(&k) && within, "{n} kept as {k}");
                }
            }
            (e, signal) => assert_eq!(signal, Some(Signal::hit(e))),
        },
    }
}

/// `is_good_login` as SECURITY.md states it, and `learn` following it: a login not good
/// teaches nothing familiar; a good one is learned, confirmed when the card vouched for it (a
/// `CARD` login, a card step-up passed). The profile learned, unless refused.
fn check_learning(
    a: &Assessment<'_>,
    ctx: &RiskContext,
    profile: &Profile,
    passed: bool,
) -> Option<Profile> {
    let stepped_up = matches!(a.decision(), Decision::StepUp(_));
    let good = (a.decision() == Decision::Allow || (passed && stepped_up))
        && a.report_only().is_none_or(|o| o.decision <= a.decision());
    assert_eq!(a.is_good_login(), good, "{a}");
    match profile.learn(ctx, a) {
        Ok(next) if !good => {
            check_not_learned(&next, profile);
            Some(next)
        }
        Ok(next) => {
            check_caps(&next);
            let card = ctx.event().auth.mode == Some(AuthMode::Card) || a.passed_with_card();
            if let Some(d) = ctx.event().request.device
                && let Some(e) = next.devices().get(&d)
            {
                let was = profile.devices().get(&d).map_or(0, |e| e.confirmed);
                assert_eq!(
                    e.confirmed > was,
                    card,
                    "device learned as {e:?}, was {was}"
                );
            }
            Some(next)
        }
        Err(e) => {
            assert!(matches!(e, ProfileError::SubjectMismatch { .. }), "{e}");
            assert!(profile.subject().is_some_and(|s| s != ctx.subject()));
            check_message(&e);
            None
        }
    }
}

/// `mark_step_up_passed(ctx, step_up)`: accepted exactly when SECURITY.md says — a step-up was
/// asked for, and `step_up` is a login of the same professional within `STEP_UP_WINDOW` after
/// `ctx`, with a fresh authentication (`auth_time` not before `ctx`, less `FUTURE_TOLERANCE`,
/// and after `ctx`'s own `auth_time`: not the same session), with the card when the card was asked for,
/// bound to `ctx`: on its device when it sent a cookie, else by a challenge (refused
/// `Unbound` without one; another challenge refused). A refusal names its value and changes
/// nothing. True when passed.
pub fn check_step_up(a: &mut Assessment<'_>, ctx: &RiskContext, step_up: &RiskContext) -> bool {
    let elapsed = step_up.now() - ctx.now();
    let auth = &step_up.event().auth;
    let fresh = auth.auth_time.is_some_and(|t| {
        ctx.now() - t <= FUTURE_TOLERANCE && ctx.event().auth.auth_time.is_none_or(|own| t > own)
    });
    let expected = match a.decision() {
        Decision::StepUp(method) => {
            step_up.subject() == ctx.subject()
                && !elapsed.is_negative()
                && elapsed <= STEP_UP_WINDOW
                && fresh
                && (method != StepUpMethod::CpsCard || auth.mode == Some(AuthMode::Card))
                && ctx
                    .event()
                    .request
                    .device
                    .is_none_or(|d| step_up.event().request.device == Some(d))
        }
        _ => false,
    };
    let before = (a.is_good_login(), a.passed_with_card());
    let unbound = ctx.event().request.device.is_none();
    if expected && unbound {
        // Bound by nothing but a challenge.
        assert_eq!(
            a.mark_step_up_passed(ctx, step_up),
            Err(StepUpError::Unbound)
        );
        assert_eq!(
            a.mark_step_up_passed_with_challenge(ctx, step_up, b"0123456789abcdef"),
            Err(StepUpError::NoChallenge)
        );
        a.bind_step_up_challenge(b"challenge of this login")
            .expect("a long challenge binds");
        assert_eq!(
            a.mark_step_up_passed_with_challenge(ctx, step_up, b"challenge of another login"),
            Err(StepUpError::ChallengeMismatch)
        );
        assert_eq!((a.is_good_login(), a.passed_with_card()), before);
        a.mark_step_up_passed_with_challenge(ctx, step_up, b"challenge of this login")
            .expect("a bound step-up passes");
        assert_eq!(a.step_up_digest(), Some(step_up.digest()));
        return true;
    }
    match a.mark_step_up_passed(ctx, step_up) {
        Ok(()) => {
            assert!(expected, "step-up accepted: {a}\n{:?}", step_up.event());
            assert_eq!(
                a.passed_with_card(),
                a.decision() == Decision::StepUp(StepUpMethod::CpsCard)
            );
            true
        }
        Err(e) => {
            assert!(!expected, "step-up refused: {e}\n{:?}", step_up.event());
            assert!(!matches!(e, StepUpError::OtherLogin(_)), "{e}");
            check_message(&e);
            assert_eq!((a.is_good_login(), a.passed_with_card()), before);
            false
        }
    }
}

/// The profile's knowledge of each value is within what `before` had: no value it did not
/// hold, seen no more often, no more confirmed, over no longer a span (first sighting no
/// earlier, last no later).
fn check_table_within<K: Ord + Copy + std::fmt::Debug>(
    after: &CountTable<K>,
    before: &CountTable<K>,
    table: &str,
) {
    for e in after.iter() {
        let b = before
            .get(&e.value)
            .unwrap_or_else(|| panic!("{table}: {e:?} kept from a compromised login"));
        assert!(
            e.count <= b.count
                && e.confirmed <= b.confirmed
                && e.first_seen >= b.first_seen
                && e.last_seen <= b.last_seen,
            "{table}: {e:?} kept from a compromised login, was {b:?}"
        );
    }
}

/// `confirm_compromised` of a login `before` learned as `learned` takes back what it taught
/// and only that (SECURITY.md): its device goes and is marked. If the login is among the last
/// `MAX_RECENT_LOGINS` (older ones cannot be told from logins never learned), no table holds
/// more than before it was learned, and its count, means, hour and position go. Confirming
/// the compromise again changes nothing.
fn check_undone(before: &Profile, learned: &Profile, after: &Profile, ctx: &RiskContext) {
    check_caps(after);
    json_round_trip(after);
    let at = ctx.now().unix_timestamp();
    let device = ctx.event().request.device;
    if let Some(d) = device {
        assert!(after.devices().get(&d).is_none(), "compromised device kept");
        if before.feedback().iter().all(|m| m.at <= at) {
            assert_eq!(after.compromised_since(&d), Some(at), "device not marked");
        }
    }
    check_table_within(after.devices(), before.devices(), "devices");
    if after.recent_login(ctx).is_none() {
        let again = after.confirm_compromised(ctx).expect("its own login");
        assert!(
            again == *after,
            "confirming a compromise again changed the profile"
        );
    }
    if learned.recent_login(ctx).is_none() {
        return;
    }
    let (h, b) = (after.history(), before.history());
    check_table_within(&h.networks, &b.networks, "networks");
    check_table_within(&h.asns, &b.asns, "asns");
    check_table_within(&h.countries, &b.countries, "countries");
    check_table_within(&h.user_agents, &b.user_agents, "user agents");
    check_table_within(&h.browsers, &b.browsers, "browsers");
    check_table_within(&h.oses, &b.oses, "oses");
    check_table_within(&h.device_types, &b.device_types, "device types");
    let (m, mb) = (after.means(), before.means());
    assert!(m.card <= mb.card && m.ecps <= mb.ecps && m.other <= mb.other);
    assert!(
        after
            .hours()
            .iter()
            .zip(before.hours())
            .all(|(a, b)| a <= b)
    );
    assert!(after.login_count() <= before.login_count());
    let recent = before.recent_logins();
    assert!(after.recent_logins().iter().all(|t| recent.contains(t)));
    assert!(
        after
            .last_position()
            .is_none_or(|p| Some(p) == before.last_position())
    );
    assert_eq!(after.attempts(), before.attempts());
}

/// A login that was not good is kept as one attempt at most: nothing of it learned.
fn check_not_learned(next: &Profile, before: &Profile) {
    let learned = |p: &Profile| {
        (
            p.login_count(),
            p.devices().clone(),
            p.history().clone(),
            *p.means(),
            p.recent_logins().to_vec(),
            p.last_position().copied(),
        )
    };
    assert_eq!(
        learned(next),
        learned(before),
        "learned from a login that was not good"
    );
    assert!(next.attempts().len() <= before.attempts().len() + 1);
}

/// The login a step-up asks for: a fresh card authentication a minute after `ctx` (none past
/// year 9999).
pub fn step_up_login(ctx: &RiskContext) -> Option<RiskContext> {
    let mut e = ctx.event().clone();
    e.at = e.at.checked_add(time::Duration::minutes(1))?;
    e.auth.auth_time = Some(e.at);
    e.auth.mode = Some(ecps_risk::AuthMode::Card);
    RiskContext::try_from(e).ok()
}

/// The report and the record build, serialize, and show no more than `privacy` allows.
fn check_report(ctx: &RiskContext, a: &Assessment<'_>, privacy: Privacy) {
    let report = IncidentReport::new(ctx, a, report_key(), privacy).expect("report builds");
    serde_json::to_string(&report).expect("report serializes");
    assert!(report.summary_fr.contains("(UTC"), "{}", report.summary_fr);
    let record = AuditRecord::new(ctx, a, report_key(), privacy).expect("record builds");
    json_round_trip(&record);
    let networks = report
        .rule_hits
        .iter()
        .flat_map(|h| &h.signals)
        .filter_map(|s| match s.evidence {
            Evidence::Network { network, .. } => Some(network),
            _ => None,
        });
    match privacy.addresses() {
        Addresses::Omitted => {
            assert!(report.network.network.is_none() && record.network.is_none());
            assert!(networks.into_iter().all(|n| n.is_none()));
        }
        Addresses::Truncated => {
            assert!(report.network.address.is_none() && record.address.is_none());
            assert!(networks.flatten().all(|n| is_coarse(&n)));
        }
        _ => {}
    }
    if privacy.identifiers() != Identifiers::Disclosed {
        assert!(report.subject.id.is_none() && record.subject_id.is_none());
        assert!(report.credential.id.is_none() && record.credential_id.is_none());
        // Not the whole JSON: text the caller passed on (an `authMode` PSC sent that is none of
        // its values, kept as sent) may hold anything, an id included.
        let summary = &report.summary_fr;
        assert!(
            !summary.contains(ctx.subject().as_str()),
            "subject in {summary}"
        );
    }
}

/// The context of another login, given with this assessment, is refused by reports, records
/// and learning, naming both logins; an identical login is the same login.
fn check_other_login(ctx: &RiskContext, other: &RiskContext, a: &Assessment<'_>) {
    let same = other.digest() == ctx.digest();
    // Equal digests are equal logins (the digest covers every input). Equal logins have
    // equal digests except for `-0.0` and `0.0` coordinates, which compare equal but are
    // written apart: then the assessment is refused, which fails safe.
    assert!(!same || other == ctx, "two logins share a digest");
    let report = IncidentReport::new(other, a, report_key(), Privacy::default());
    let record = AuditRecord::new(other, a, report_key(), Privacy::default());
    let learned = Profile::new().learn(other, a);
    // Its step-up neither: the login this assessment asked to step up is not `other`.
    let stepped = step_up_login(other).map(|s| a.clone().mark_step_up_passed(other, &s));
    if same {
        assert!(report.is_ok() && record.is_ok() && learned.is_ok());
        return;
    }
    if let Some(r) = stepped
        && matches!(a.decision(), Decision::StepUp(_))
    {
        let e = r.expect_err("another login's step-up passed");
        assert!(matches!(e, StepUpError::OtherLogin(_)), "{e}");
        check_message(&e);
    }
    for e in [report.map(|_| ()), record.map(|_| ())] {
        let e = e.expect_err("another login's assessment reported");
        assert!(matches!(e, ReportError::AssessmentMismatch(_)), "{e}");
        check_message(&e);
    }
    let e = learned.expect_err("another login's assessment learned");
    assert!(matches!(e, ProfileError::AssessmentMismatch(_)), "{e}");
    assert!(!e.to_string().contains(other.subject().as_str()), "{e}");
}

/// Fuzzed logins and custom evidence, scored, reported and recorded.
pub fn report(data: &[u8]) {
    if let Ok(input) = ReportInput::arbitrary_take_rest(Unstructured::new(data)) {
        input.run();
    }
}

/// A fuzz target's entry point.
pub type Target = fn(&[u8]);

/// Every target by name, for the regression replay.
pub const TARGETS: [(&str, Target); 9] = [
    ("claims_json", claims_json),
    ("login_event_json", login_event_json),
    ("policy_json", policy_json),
    ("policy_toml", policy_toml),
    ("profile_json", profile_json),
    ("population_json", population_json),
    ("watchlists_json", watchlists_json),
    ("evaluate", evaluate),
    ("report", report),
];
