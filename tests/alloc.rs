//! Evaluation allocates nothing: `allocation-counter` installs a counting global allocator in
//! this test binary (the crate forbids `unsafe`, which writing one needs), and the recommended
//! policy scores realistic logins — every detector, the statistical score and the watchlists
//! included — while allocations are counted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use ecps_risk::{
    ActivationChannel, ContactChange, ContactKind, Decision, Environment, Policy, PopulationStats,
    Profile, PushOutcome, RiskContext, RiskContextBuilder, ValidationRequest, Watchlists,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);

fn usual(at: OffsetDateTime) -> RiskContextBuilder {
    RiskContext::builder(at, "810001234565".parse().unwrap())
        .acr("eidas1")
        .auth_time(at - Duration::minutes(1))
        .issued_at(at)
        .ip("10.69.12.40".parse().unwrap())
        .asn(2200)
        .country("FR")
        .geo(45.7421, 4.8838, 10.0)
        .user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
        .device_id("chu-lyon-workstation-4411")
        .activation(at - Duration::days(420), ActivationChannel::CpsCard)
        .credential_id("ecps-0a42")
        .active_credentials(1)
        .contact_changes([])
        .validation_requests([])
        .reports([])
        .remote_control_suspected(false)
        .practice([])
}

/// Counts the allocations made by `f` (on this thread).
fn allocations<T>(f: impl FnOnce() -> T) -> (u64, T) {
    let mut out = None;
    let info = allocation_counter::measure(|| out = Some(f()));
    (info.count_total, out.expect("closure ran"))
}

#[test]
fn evaluation_does_not_allocate() {
    let policy = Policy::recommended();
    let watchlists: Watchlists = serde_json::from_str(
        r#"{"lists": [
            {"name": "trusted_networks", "kind": "ip", "entries": ["10.69.0.0/16"]},
            {"name": "denied_networks", "kind": "ip", "entries": ["203.0.113.0/24"]},
            {"name": "anonymizers", "kind": "ip", "entries": ["198.51.100.0/24"]},
            {"name": "deactivated_ecps", "kind": "credentials", "entries": ["ecps-stolen"]},
            {"name": "blocked_activations", "kind": "blocked_subjects",
             "entries": [{"subject": "810098765430", "since": "2025-10-01T00:00:00Z"}]},
            {"name": "under_alert", "kind": "subjects", "entries": ["810098765430"]}
        ]}"#,
    )
    .unwrap();
    let mut profile = Profile::new();
    let mut population = PopulationStats::new();
    for day in 1..=30 {
        let ctx = usual(NOW - Duration::days(day)).build().unwrap();
        profile = profile.confirm_safe(&ctx).unwrap();
        population.observe(ctx.features(), (NOW - Duration::days(day)).unix_timestamp());
    }
    population.set_users(100);
    let env = Environment::new()
        .with_watchlists(&watchlists)
        .with_population(&population);

    let legitimate = usual(NOW).build().unwrap();
    let fraud = usual(NOW)
        .ip("41.202.77.9".parse().unwrap())
        .asn(36924)
        .country("CI")
        .geo(5.35, -4.0, 50.0)
        .device_id("unknown-android-phone")
        .activation(NOW - Duration::minutes(40), ActivationChannel::EmailSms)
        .active_credentials(2)
        .contact_changes([ContactChange {
            at: NOW - Duration::days(3),
            kind: ContactKind::Email,
        }])
        .validation_requests((1..=4).map(|i| ValidationRequest {
            at: NOW - Duration::minutes(i),
            outcome: PushOutcome::Denied,
        }))
        .build()
        .unwrap();
    let cold = Profile::new();

    // Warm up once (nothing lazy should remain, but be fair to one-time initialization).
    let _ = policy.evaluate(&legitimate, &profile, &env);

    for (name, ctx, profile) in [
        ("legitimate", &legitimate, &profile),
        ("seed fraud", &fraud, &profile),
        ("cold start", &legitimate, &cold),
    ] {
        let (count, (decision, reasons)) = allocations(|| {
            let a = policy.evaluate(ctx, profile, &env);
            // Reading the reasons and signals must not allocate either.
            let reasons = a.reasons().filter(|r| r.points() != 0).count()
                + a.signals().filter(|(_, s)| s.is_hit()).count()
                + a.not_evaluated().count();
            (a.decision(), reasons)
        });
        assert_eq!(count, 0, "{name}: {count} allocation(s) during evaluation");
        assert!(reasons > 0, "{name}");
        if name == "seed fraud" {
            assert_eq!(decision, Decision::Deny);
        }
    }

    // The counter works: building a context allocates.
    let (count, _) = allocations(|| usual(NOW).build().unwrap());
    assert!(count > 0);
}
