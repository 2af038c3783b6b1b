//! The hot path: scoring one login under the recommended policy, and building its context.
//!
//! `cargo bench --bench scoring`. Fixtures are built outside the timed closures.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ecps_risk::{Environment, Policy, Profile, PscClaims, RiskContext};

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
