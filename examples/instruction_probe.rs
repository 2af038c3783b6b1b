//! A probe for counting the instructions of one evaluation with callgrind, which counts the
//! same on every run of the same binary whatever else the machine does (wall-clock medians on
//! a shared VM drift by tens of percent). Not a usage example: `benches/instructions.sh`
//! runs it at 0 and at N evaluations and prints the difference divided by N.
//!
//! ```sh
//! cargo run --release --example instruction_probe -- 2000 evaluate legitimate
//! ```
//!
//! Arguments: the number of evaluations, the form (`evaluate`, `evaluate_into`, or `build`:
//! the login's context built from the builder's typed inputs, which every login pays before
//! its evaluation) and the login (`legitimate`, `seed_fraud`, `cold_start`), on the fixture of
//! `benches/scoring.rs`: the recommended policy, a 60-day profile, the six watchlists and
//! population statistics.

use std::hint::black_box;
use std::process::ExitCode;

use ecps_risk::{Decision, Environment, Policy, Profile};

// The shared test fixture, whose known-good constants are unwrapped.
#[allow(clippy::unwrap_used)]
#[path = "../tests/support/hospital.rs"]
mod hospital;
use hospital::{NOW, history, kill_chain, usual, watchlists};

const USAGE: &str = "usage: instruction_probe <evaluations> <evaluate|evaluate_into|build> \
                     <legitimate|seed_fraud|cold_start>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [n, form, login] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let Ok(n) = n.parse::<u64>() else {
        eprintln!("{USAGE}\nnot a number of evaluations: `{n}`");
        return ExitCode::FAILURE;
    };

    // The fixture is built at every N alike, so the difference between two counts is the
    // evaluations alone.
    let policy = Policy::recommended();
    let lists = watchlists();
    let (profile, population) = history(60);
    let env = Environment::new()
        .with_watchlists(&lists)
        .with_population(&population);
    let cold = Profile::new();
    let builder = match login.as_str() {
        "legitimate" | "cold_start" => usual,
        "seed_fraud" => kill_chain,
        other => {
            eprintln!("{USAGE}\nunknown login: `{other}`");
            return ExitCode::FAILURE;
        }
    };
    let built = builder(NOW).build();
    let ctx = match built {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("fixture: {e}");
            return ExitCode::FAILURE;
        }
    };
    let profile = if login == "cold_start" {
        &cold
    } else {
        &profile
    };

    let mut last = Decision::Deny;
    match form.as_str() {
        "evaluate" => {
            for _ in 0..n {
                let a = policy.evaluate(black_box(&ctx), profile, &env);
                black_box(&a);
                last = a.decision();
            }
        }
        "evaluate_into" => {
            let mut a = policy.create_assessment();
            for _ in 0..n {
                policy.evaluate_into(black_box(&ctx), profile, &env, &mut a);
                black_box(&a);
                last = a.decision();
            }
        }
        "build" => {
            for _ in 0..n {
                if let Err(e) = black_box(builder(black_box(NOW)).build()) {
                    eprintln!("fixture: {e}");
                    return ExitCode::FAILURE;
                }
            }
            println!("{n} context builds ({login})");
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("{USAGE}\nunknown form: `{other}`");
            return ExitCode::FAILURE;
        }
    }
    println!("{n} evaluations ({form}, {login}), last decision {last}");
    ExitCode::SUCCESS
}
