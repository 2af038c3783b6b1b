//! The hot path: scoring one login under the recommended policy, and building its context.
//!
//! `cargo bench --bench scoring`. Fixtures are built outside the timed closures.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use ecps_risk::{
    Decision, Environment, Policy, PolicySpec, Profile, PscClaims, RiskContext, SignalCode,
    Watchlists, WatchlistsSpec, env::WatchlistSpec, policy::CompareSpec, policy::ConditionSpec,
    policy::EffectSpec, policy::RuleSpec, policy::ValueSpec,
};
use time::Duration;

#[path = "../tests/support/hospital.rs"]
mod hospital;
use hospital::{CHROME, NOW, history, kill_chain, usual, watchlists};

const CLAIMS: &str = r#"{
    "sub": "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:810001234565",
    "SubjectNameID": "810001234565", "preferred_username": "810001234565",
    "given_name": "Claire", "family_name": "MARTIN", "acr": "eidas1", "amr": null,
    "auth_time": 1759915740, "iat": 1759915795, "sid": "d1a4c9e2", "authMode": "CARD",
    "Palier_Authentification": "APPPRIP3^1.2.250.1.213.1.5.1.1.1",
    "otherIds": [{"identifiant": "10001234565", "origine": "RPPS", "qualite": 1}],
    "SubjectRole": ["10^1.2.250.1.213.1.1.5.5"], "Secteur_Activite": "SA07^1.2.250.1.71.4.2.4",
    "SubjectRefPro": {"codeCivilite": "MME", "exercices": [{"codeProfession": "10",
        "codeCategorieProfessionnelle": "C", "nomDexercice": "MARTIN", "prenomDexercice": "Claire",
        "activities": [{"codeModeExercice": "S", "codeSecteurDactivite": "SA01",
            "numeroFinessSite": "690781810", "raisonSocialeSite": "HOPITAL EDOUARD HERRIOT",
            "codePostal": "69003", "codeCommune": "69383", "autoriteDenregistrement": "CNOM"}]}]}
}"#;

/// One evaluation as a caller makes it: the assessment stays where it was built, and
/// `black_box(&assessment)` keeps every signal and reason it holds observable (so none of the
/// work can be optimized away) without copying it, as `black_box(assessment)` would.
fn evaluate(
    policy: &Policy,
    ctx: &RiskContext,
    profile: &Profile,
    env: &Environment<'_>,
) -> Decision {
    let assessment = policy.evaluate(black_box(ctx), profile, env);
    black_box(&assessment);
    assessment.decision()
}

fn evaluation(c: &mut Criterion) {
    let policy = Policy::recommended();
    let watchlists = watchlists();
    let (profile, population) = history(60);
    let env = Environment::new()
        .with_watchlists(&watchlists)
        .with_population(&population);
    let legitimate = usual(NOW).build().unwrap();
    let fraud = kill_chain(NOW).build().unwrap();
    let cold = Profile::new();

    let mut g = c.benchmark_group("evaluate_recommended");
    g.bench_function("legitimate", |b| {
        b.iter(|| evaluate(&policy, &legitimate, &profile, &env))
    });
    g.bench_function("seed_fraud", |b| {
        b.iter(|| evaluate(&policy, &fraud, &profile, &env))
    });
    g.bench_function("cold_start", |b| {
        b.iter(|| evaluate(&policy, &legitimate, &cold, &env))
    });
    g.finish();

    // The reuse form: one assessment per worker, overwritten by every login.
    let mut g = c.benchmark_group("evaluate_into_recommended");
    let mut assessment = policy.create_assessment();
    for (name, ctx, profile) in [
        ("legitimate", &legitimate, &profile),
        ("seed_fraud", &fraud, &profile),
        ("cold_start", &legitimate, &cold),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                policy.evaluate_into(black_box(ctx), profile, &env, &mut assessment);
                black_box(&assessment);
                assessment.decision()
            })
        });
    }
    g.finish();
}

fn context_building(c: &mut Criterion) {
    let mut g = c.benchmark_group("context");
    g.bench_function("typed_inputs", |b| {
        b.iter(|| usual(black_box(NOW)).build().unwrap())
    });
    g.bench_function("psc_claims_json", |b| {
        b.iter(|| {
            let claims: PscClaims = serde_json::from_str(black_box(CLAIMS)).unwrap();
            RiskContext::from_psc_claims(NOW, &claims)
                .unwrap()
                .ip("10.69.12.40".parse().unwrap())
                .user_agent(CHROME)
                .device_id("chu-lyon-workstation-4411")
                .build()
                .unwrap()
        })
    });
    g.finish();
}

/// A policy of `n` rules over every detector and a few facts (all distinct, none contradictory).
fn spec_with_rules(n: usize) -> PolicySpec {
    let mut spec = Policy::recommended().spec().clone();
    spec.examples.clear();
    spec.rules = (0..n)
        .map(|i| {
            let code = SignalCode::ALL[i % SignalCode::ALL.len()]
                .as_str()
                .to_owned();
            let when = match i % 3 {
                0 => ConditionSpec::Hit(code),
                1 => ConditionSpec::All(vec![
                    ConditionSpec::Hit(code),
                    ConditionSpec::Compare(CompareSpec {
                        fact: "credential.active_count".into(),
                        eq: None,
                        ne: None,
                        lt: None,
                        le: None,
                        gt: None,
                        ge: Some(ValueSpec::Number((i % 4) as f64)),
                        in_: None,
                    }),
                ]),
                _ => ConditionSpec::Any(vec![
                    ConditionSpec::Hit(code),
                    ConditionSpec::NotEvaluated("device.new".into()),
                ]),
            };
            RuleSpec {
                id: format!("rule-{i:05}"),
                description: format!("generated rule {i}"),
                when,
                effect: EffectSpec::Points((i % 40) as i32 - 10),
                report_only: false,
            }
        })
        .collect();
    spec
}

fn compilation(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    for n in [10, 100, 1_000] {
        let spec = spec_with_rules(n);
        g.bench_with_input(BenchmarkId::new("rules", n), &spec, |b, spec| {
            b.iter_batched(
                || spec.clone(),
                |spec| Policy::compile(spec).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

/// `n` random networks, half IPv4 (/8 to /32), half IPv6 (/16 to /128), deterministic.
fn networks(n: usize) -> Vec<String> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|i| {
            let r = next();
            if i % 2 == 0 {
                let addr = std::net::Ipv4Addr::from(r as u32);
                format!("{}/{}", addr, 8 + (r >> 32) % 25)
            } else {
                let addr = std::net::Ipv6Addr::from((u128::from(r) << 64) | u128::from(next()));
                format!("{}/{}", addr, 16 + (r >> 40) % 113)
            }
        })
        .collect()
}

fn ip_list(n: usize) -> Watchlists {
    let spec = WatchlistsSpec {
        lists: vec![WatchlistSpec::Ip {
            name: "denied_networks".into(),
            description: None,
            entries: networks(n),
        }],
    };
    Watchlists::compile(spec).unwrap()
}

fn watchlist_scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("watchlist");
    let probes: Vec<std::net::IpAddr> = [
        "10.69.12.40",
        "2001:db8:69::1",
        "203.0.113.9",
        "::ffff:192.0.2.1",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let policy = Policy::recommended();
    let (profile, population) = history(30);
    let ctx = usual(NOW).build().unwrap();
    for n in [10, 1_000, 100_000, 1_000_000] {
        let lists = ip_list(n);
        let list = lists.ip_list("denied_networks").unwrap();
        g.bench_with_input(BenchmarkId::new("lookup", n), &probes, |b, probes| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % probes.len();
                black_box(list.lookup(black_box(probes[i])))
            })
        });
        let env = Environment::new()
            .with_watchlists(&lists)
            .with_population(&population);
        g.bench_with_input(BenchmarkId::new("evaluate", n), &ctx, |b, ctx| {
            b.iter(|| evaluate(&policy, ctx, &profile, &env))
        });

        // Deactivated e-CPS ids: one listed, one not, in turn.
        let ids: Vec<String> = (0..n).map(|i| format!("ecps-{:016x}", i * 7919)).collect();
        let probes = [ids[n / 2].clone(), "ecps-not-listed-0042".to_owned()];
        let lists = Watchlists::compile(WatchlistsSpec {
            lists: vec![WatchlistSpec::Credentials {
                name: "deactivated_ecps".into(),
                description: None,
                entries: ids,
            }],
        })
        .unwrap();
        let list = lists.credential_list("deactivated_ecps").unwrap();
        g.bench_with_input(
            BenchmarkId::new("credential_lookup", n),
            &probes,
            |b, probes| {
                let mut i = 0;
                b.iter(|| {
                    i = (i + 1) % probes.len();
                    black_box(list.contains(black_box(&probes[i])))
                })
            },
        );
    }
    g.sample_size(10);
    g.bench_function("build_1000000", |b| {
        let spec = WatchlistsSpec {
            lists: vec![WatchlistSpec::Ip {
                name: "denied_networks".into(),
                description: None,
                entries: networks(1_000_000),
            }],
        };
        b.iter_batched(
            || spec.clone(),
            |spec| Watchlists::compile(spec).unwrap(),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn profile_sizes(c: &mut Criterion) {
    let mut g = c.benchmark_group("profile_entries");
    let policy = Policy::recommended();
    let lists = watchlists();
    let (_, population) = history(10);
    let env = Environment::new()
        .with_watchlists(&lists)
        .with_population(&population);
    let ctx = usual(NOW).build().unwrap();
    // One good login; about a hundred (33 days); the caps filled by distinct devices,
    // networks, ASNs and countries.
    let one = history(1).0;
    let hundred = history(33).0;
    let mut full = history(60).0;
    for i in 0..64u32 {
        let at = NOW - Duration::hours(i64::from(64 - i));
        let other = usual(at)
            .device_id(&format!("device-{i}"))
            .ip(format!("10.{}.{}.1", 100 + i % 100, i).parse().unwrap())
            .asn(64_512 + i)
            .country(
                [
                    "BE", "CH", "DE", "ES", "IT", "LU", "MC", "RE", "GP", "MQ", "NC", "PF", "US",
                ][i as usize % 13],
            )
            .build()
            .unwrap();
        full = full.confirm_safe(&other).unwrap();
    }
    for (name, profile) in [("1", &one), ("100", &hundred), ("max", &full)] {
        g.bench_function(name, |b| b.iter(|| evaluate(&policy, &ctx, profile, &env)));
    }
    g.finish();
}

criterion_group!(
    benches,
    evaluation,
    context_building,
    compilation,
    watchlist_scaling,
    profile_sizes
);
criterion_main!(benches);
