//! Side-by-side peers: the same ten rules on the same two logins in ecps-risk, Cedar and Rego
//! (regorus's interpreter and RVM), with 0, 20, 200 and 2,000 prefixes in each of the trusted
//! and denied network lists; plus ecps-risk's full recommended policy on the same logins.
//!
//! `cd benches/peers && CARGO_TARGET_DIR=/work/target-peers cargo bench --bench peers`
//!
//! Everything an engine needs (compiled policy, lists, the login in the engine's input form)
//! is built before the timed closures; a closure evaluates one login and returns the score and
//! the decision. Before measuring, every engine's answer is checked against the others.
//! At the end the medians criterion measured are printed with the ratios peer / ecps-risk.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::SystemTime;

use criterion::{BenchmarkId, Criterion};
use ecps_risk::{Environment, Profile};
use ecps_risk_peers::hospital::{NOW, history, kill_chain, usual};
use ecps_risk_peers::{Engines, Login, PREFIX_COUNTS, check_agreement, ecps_outcome};

/// Engines, as criterion function names, in table order.
const ENGINES: [&str; 6] = [
    "ecps-risk",
    "ecps-risk-full",
    "cedar",
    "cedar-per-prefix",
    "regorus",
    "regorus-rvm",
];

/// Logins, as criterion group names.
const LOGINS: [(&str, &str); 2] = [
    ("peers_legitimate", "legitimate"),
    ("peers_seed_fraud", "seed fraud"),
];

fn logins(profile: &Profile) -> Vec<Login> {
    let build = |b: ecps_risk::RiskContextBuilder| match b.build() {
        Ok(ctx) => ctx,
        Err(e) => panic!("fixture: {e}"),
    };
    vec![
        Login::new("legitimate", build(usual(NOW)), profile),
        Login::new("seed fraud", build(kill_chain(NOW)), profile),
    ]
}

fn bench(c: &mut Criterion) {
    let (profile, population) = history(60);
    let logins = logins(&profile);
    let mut all: Vec<Engines> = PREFIX_COUNTS.iter().map(|&n| Engines::new(n)).collect();

    // Same answers everywhere, or no numbers.
    for engines in &mut all {
        for login in &logins {
            match check_agreement(engines, login, &profile) {
                Ok(answers) => {
                    let (_, outcome, fired) = &answers.by_engine[0];
                    eprintln!(
                        "agree: {} prefixes, {}: score {}, {}, fired {:?}",
                        engines.n,
                        login.name,
                        outcome.score,
                        outcome.decision.as_str(),
                        fired
                    );
                }
                Err(e) => panic!("engines disagree: {e}"),
            }
        }
    }

    for ((group, _), login) in LOGINS.iter().zip(&logins) {
        let mut g = c.benchmark_group(*group);
        for engines in &mut all {
            let n = engines.n;
            let subset_env = Environment::new().with_watchlists(&engines.subset_lists);
            let full_env = Environment::new()
                .with_watchlists(&engines.full_lists)
                .with_population(&population);
            let ctx = &login.ctx;
            g.bench_function(BenchmarkId::new("ecps-risk", n), |b| {
                b.iter(|| {
                    ecps_outcome(&black_box(engines.subset.evaluate(
                        black_box(ctx),
                        &profile,
                        &subset_env,
                    )))
                })
            });
            g.bench_function(BenchmarkId::new("ecps-risk-full", n), |b| {
                b.iter(|| {
                    ecps_outcome(&black_box(engines.recommended.evaluate(
                        black_box(ctx),
                        &profile,
                        &full_env,
                    )))
                })
            });
            let cedar = &engines.cedar;
            g.bench_function(BenchmarkId::new("cedar", n), |b| {
                b.iter(|| black_box(cedar.evaluate(black_box(&login.cedar))))
            });
            let cedar = &engines.cedar_per_prefix;
            g.bench_function(BenchmarkId::new("cedar-per-prefix", n), |b| {
                b.iter(|| black_box(cedar.evaluate(black_box(&login.cedar))))
            });
            let rego = &mut engines.rego;
            g.bench_function(BenchmarkId::new("regorus", n), |b| {
                b.iter(|| black_box(rego.evaluate(black_box(&login.rego))))
            });
            let rvm = &mut engines.rvm;
            g.bench_function(BenchmarkId::new("regorus-rvm", n), |b| {
                b.iter(|| black_box(rvm.evaluate(black_box(&login.rego))))
            });
        }
        g.finish();
    }
}

/// Where criterion writes its estimates (its own rule: `CRITERION_HOME`, else
/// `$CARGO_TARGET_DIR/criterion`, else `target/criterion` of this package).
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/criterion")
}

/// The median (ns) criterion measured in this run, if it did.
fn median_ns(group: &str, engine: &str, n: usize, since: SystemTime) -> Option<f64> {
    let path = criterion_dir()
        .join(group)
        .join(engine)
        .join(n.to_string())
        .join("new/estimates.json");
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= since);
    if !fresh {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["median"]["point_estimate"].as_f64()
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// The medians and ratios, as a Markdown table per login.
fn report(since: SystemTime) {
    println!(
        "\n## Side-by-side peers: median per evaluation (ratio = engine / ecps-risk subset)\n"
    );
    for (group, name) in LOGINS {
        println!("### {name}\n");
        println!("| prefixes per list | {} |", ENGINES.join(" | "));
        println!("|---:|{}", "---:|".repeat(ENGINES.len()));
        for n in PREFIX_COUNTS {
            let base = median_ns(group, "ecps-risk", n, since);
            let cells: Vec<String> = ENGINES
                .iter()
                .map(|e| match (median_ns(group, e, n, since), base) {
                    (Some(m), Some(b)) if *e != "ecps-risk" => {
                        format!("{} (×{})", human(m), ratio(m / b))
                    }
                    (Some(m), _) => human(m),
                    (None, _) => "not run".to_owned(),
                })
                .collect();
            println!("| {n} | {} |", cells.join(" | "));
        }
        println!();
    }
}

fn main() {
    let since = SystemTime::now();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    report(since);
}
