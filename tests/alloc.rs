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

#[path = "support/hospital.rs"]
mod hospital;

use ecps_risk::{
    Decision, Environment, Policy, Profile, input::PushOutcome, input::ValidationRequest,
};
use hospital::{NOW, history, kill_chain, usual, watchlists};
use time::Duration;

/// Counts the allocations made by `f` (on this thread).
fn allocations<T>(f: impl FnOnce() -> T) -> (u64, T) {
    let mut out = None;
    let info = allocation_counter::measure(|| out = Some(f()));
    (info.count_total, out.expect("closure ran"))
}

#[test]
fn evaluation_does_not_allocate() {
    let policy = Policy::recommended();
    let watchlists = watchlists();
    let (profile, population) = history(30);
    let env = Environment::new()
        .with_watchlists(&watchlists)
        .with_population(&population);

    let legitimate = usual(NOW).build().unwrap();
    let fraud = kill_chain(NOW)
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

    // The reuse form neither: one assessment, every login in turn.
    let mut reused = policy.create_assessment();
    for (name, ctx, profile) in [
        ("legitimate", &legitimate, &profile),
        ("seed fraud", &fraud, &profile),
        ("cold start", &legitimate, &cold),
    ] {
        let (count, ()) = allocations(|| policy.evaluate_into(ctx, profile, &env, &mut reused));
        assert_eq!(
            count, 0,
            "{name}: {count} allocation(s) during evaluate_into"
        );
        assert!(reused.failure().is_none(), "{name}");
    }

    // Failing closed for a missing required watchlist neither (the failure borrows the
    // list's name from the policy).
    let mut spec = policy.spec().clone();
    spec.watchlists
        .get_mut("trusted_networks")
        .unwrap()
        .required = true;
    let strict = Policy::compile(spec).unwrap();
    let (count, failed) = allocations(|| {
        let a = strict.evaluate(&legitimate, &profile, &Environment::empty());
        matches!(
            a.failure(),
            Some(ecps_risk::policy::Failure::MissingWatchlist { .. })
        )
    });
    assert_eq!(count, 0, "{count} allocation(s) failing closed");
    assert!(failed);

    // The counter works: building a context allocates.
    let (count, _) = allocations(|| usual(NOW).build().unwrap());
    assert!(count > 0);
}
