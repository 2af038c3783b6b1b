//! The hot path: scoring one login under the recommended policy, and building its context.
#![allow(clippy::unwrap_used)]
//!
//! `cargo bench --bench scoring`. Fixtures are built outside the timed closures.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ecps_risk::{
    ActivationChannel, ContactChange, ContactKind, Environment, Policy, PopulationStats, Profile,
    PscClaims, RiskContext, RiskContextBuilder, Watchlists,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

const WATCHLISTS: &str = r#"{"lists": [
    {"name": "trusted_networks", "kind": "ip", "entries": ["10.69.0.0/16", "2001:db8:69::/48"]},
    {"name": "denied_networks", "kind": "ip", "entries": ["203.0.113.0/24"]},
    {"name": "anonymizers", "kind": "ip", "entries": ["198.51.100.0/24"]},
    {"name": "deactivated_ecps", "kind": "credentials", "entries": ["ecps-7c1e-stolen"]},
    {"name": "blocked_activations", "kind": "blocked_subjects",
     "entries": [{"subject": "810098765430", "since": "2025-10-01T00:00:00Z"}]},
    {"name": "under_alert", "kind": "subjects", "entries": ["810098765430"]}
]}"#;

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

fn usual(at: OffsetDateTime) -> RiskContextBuilder {
    RiskContext::builder(at, "810001234565".parse().unwrap())
        .acr("eidas1")
        .auth_time(at - Duration::minutes(1))
        .ip("10.69.12.40".parse().unwrap())
        .asn(2200)
        .country("FR")
        .geo(45.7421, 4.8838, 10.0)
        .user_agent(CHROME)
        .device_id("chu-lyon-workstation-4411")
        .activation(at - Duration::days(420), ActivationChannel::CpsCard)
        .credential_id("ecps-0a42")
        .active_credentials(1)
        .contact_changes([])
        .validation_requests([])
        .reports([])
        .remote_control_suspected(false)
}

fn fixtures() -> (Profile, PopulationStats) {
    let mut profile = Profile::new();
    let mut population = PopulationStats::new();
    for day in 1..=60 {
        for hour in [6, 9, 13] {
            let at = NOW - Duration::days(day);
            let ctx = usual(at.replace_hour(hour).unwrap()).build().unwrap();
            profile = profile.confirm_safe(&ctx).unwrap();
            population.observe(ctx.features(), at.unix_timestamp());
        }
    }
    population.set_users(500);
    (profile, population)
}

fn evaluation(c: &mut Criterion) {
    let policy = Policy::recommended();
    let watchlists: Watchlists = serde_json::from_str(WATCHLISTS).unwrap();
    let (profile, population) = fixtures();
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
        .build()
        .unwrap();
    let cold = Profile::new();

    let mut g = c.benchmark_group("evaluate_recommended");
    g.bench_function("legitimate", |b| {
        b.iter(|| black_box(policy.evaluate(black_box(&legitimate), &profile, &env)).decision())
    });
    g.bench_function("seed_fraud", |b| {
        b.iter(|| black_box(policy.evaluate(black_box(&fraud), &profile, &env)).decision())
    });
    g.bench_function("cold_start", |b| {
        b.iter(|| black_box(policy.evaluate(black_box(&legitimate), &cold, &env)).decision())
    });
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

criterion_group!(benches, evaluation, context_building);
criterion_main!(benches);
