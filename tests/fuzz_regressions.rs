//! Replays the fuzz targets' inputs through a plain `cargo test` (stable toolchain, no fuzzing
//! engine): the seed corpus (`tests/data/*.json`, `policies/recommended.toml`, the example
//! policy, `fuzz/seeds/<target>/`) and every input the fuzzer found, kept in `tests/data/fuzz/<target>/`. The checks
//! are the fuzz targets' own (`fuzz/harness.rs`): no panic, round trips, deterministic and
//! fail-closed evaluation, profile caps, watchlist lookups against a linear scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// Run `target` on `path`, naming the file if it panics.
fn replay(target: &str, run: fn(&[u8]), path: &Path) {
    let data = std::fs::read(path).unwrap();
    if std::panic::catch_unwind(|| run(&data)).is_err() {
        panic!("fuzz target `{target}` fails on `{}`", path.display());
    }
}

/// The seed files of each target (the same files seed the fuzzing corpora, see fuzz/README.md).
fn seeds(target: &str) -> Vec<PathBuf> {
    let data = Path::new("tests/data");
    let json = |prefix: &str| -> Vec<PathBuf> {
        files(data)
            .into_iter()
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                name.starts_with(prefix) && name.ends_with(".json")
            })
            .collect()
    };
    match target {
        "claims_json" => [json("claims_"), json("scenario_kill_chain_claims")].concat(),
        "login_event_json" => json("login_"),
        "watchlists_json" => [json("watchlists"), json("scenario_watchlists")].concat(),
        "policy_json" => vec![PathBuf::from("src/policy/recommended.json")],
        "policy_toml" => vec![
            PathBuf::from("policies/recommended.toml"),
            PathBuf::from("examples/data/portal_policy.toml"),
        ],
        _ => Vec::new(),
    }
    .into_iter()
    .chain(files(&Path::new("fuzz/seeds").join(target)))
    .collect()
}

#[test]
fn seed_corpus_passes_every_target() {
    let mut replayed = 0;
    for (target, run) in harness::TARGETS {
        for path in seeds(target) {
            replay(target, run, &path);
            replayed += 1;
        }
    }
    assert!(replayed >= 15, "seed corpus not found ({replayed} files)");
}

#[test]
fn every_fuzz_finding_stays_fixed() {
    for (target, run) in harness::TARGETS {
        for path in files(&Path::new("tests/data/fuzz").join(target)) {
            replay(target, run, &path);
        }
    }
}

#[test]
fn seed_files_are_accepted_not_just_survived() {
    // A replay that returns early on a parse error would check nothing: the seeds must parse.
    for path in seeds("policy_toml") {
        let text = std::fs::read_to_string(&path).unwrap();
        let spec: ecps_risk::PolicySpec = toml::from_str(&text).unwrap();
        let mut registry = ecps_risk::policy::DetectorRegistry::new();
        for name in ["always", "broken", "nonsense"] {
            registry.register(name, Never).unwrap();
        }
        ecps_risk::Policy::compile_with(spec, &registry).unwrap();
    }
    for path in seeds("policy_json") {
        let text = std::fs::read_to_string(&path).unwrap();
        let spec: ecps_risk::PolicySpec = serde_json::from_str(&text).unwrap();
        let mut registry = ecps_risk::policy::DetectorRegistry::new();
        for name in ["always", "broken", "nonsense"] {
            registry.register(name, Never).unwrap();
        }
        ecps_risk::Policy::compile_with(spec, &registry).unwrap();
    }
    for path in seeds("profile_json") {
        let text = std::fs::read_to_string(&path).unwrap();
        serde_json::from_str::<ecps_risk::Profile>(&text).unwrap();
    }
    for path in seeds("population_json") {
        let text = std::fs::read_to_string(&path).unwrap();
        serde_json::from_str::<ecps_risk::PopulationStats>(&text).unwrap();
    }
    for path in seeds("login_event_json") {
        let text = std::fs::read_to_string(&path).unwrap();
        serde_json::from_str::<ecps_risk::RiskContext>(&text).unwrap();
    }
}

/// Stands in for the fuzz harness's custom detectors when checking that seeds compile.
struct Never;
impl ecps_risk::Detector for Never {
    fn detect(
        &self,
        _: &ecps_risk::DetectorInput<'_>,
    ) -> Result<ecps_risk::Signal, ecps_risk::DetectorError> {
        Ok(ecps_risk::Signal::NoHit)
    }
}
