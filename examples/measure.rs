//! The detection table of issue 14: the `simulate` population replayed under a policy, for
//! several seeds, without and with the partner feeds, in one table.
//!
//! `cargo run --release --example measure` simulates seeds 1, 2 and 3 (1500 professionals,
//! 60 attackers per model, 13 weeks; each seed once without and once with the partner feeds),
//! replays each in memory under `policies/recommended.toml` with the simulation's watchlists,
//! and prints, counted after the 28-day warm-up:
//!
//! - per attacker model, the share of its logins **challenged**: stepped up with the CPS card,
//!   held for review or denied. A step-up to a fresh authentication does not count: every
//!   attacker here holds an e-CPS, so a new push is no obstacle to them (the replay learns
//!   such a login as passed);
//! - `ecps_takeover (all)`: the immediate and the patient takeovers together;
//! - the same for **return logins** (an attacker's later visits), per model and in all;
//! - the share of **legitimate** logins challenged (anything but allow: a step-up costs the
//!   professional too), in all and for the professionals never attacked (attacked ones carry
//!   the attack's traces: with the partner feeds, a second active e-CPS).
//!
//! Options: `[POLICY.toml]`, `--seeds 1,2,3`, `--professionals N`, `--attackers N` (per
//! model), `--modes without,with` (or one of them), `--markdown` (a Markdown table).
//!
//! Each run is deterministic: the same options print the same table.

#[allow(dead_code)] // the generator's command line is not used here
mod simulate;

use std::collections::BTreeMap;
use std::error::Error;
use std::path::PathBuf;

use ecps_risk::{
    Decision, Environment, Policy, PolicySpec, StepUpMethod, Watchlists, replay::DecisionCounts,
    replay::Label, replay::Replay, replay::ReplayOptions,
};

struct Args {
    policy: PathBuf,
    seeds: Vec<u64>,
    professionals: usize,
    attackers: usize,
    modes: Vec<bool>,
    markdown: bool,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let defaults = simulate::Config::default();
    let mut a = Args {
        policy: "policies/recommended.toml".into(),
        seeds: vec![1, 2, 3],
        professionals: defaults.professionals,
        attackers: defaults.attackers_per_model,
        modes: vec![false, true],
        markdown: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--seeds" => {
                a.seeds = value("--seeds")?
                    .split(',')
                    .map(|s| s.trim().parse::<u64>())
                    .collect::<Result<_, _>>()?;
            }
            "--professionals" => a.professionals = value("--professionals")?.parse()?,
            "--attackers" => a.attackers = value("--attackers")?.parse()?,
            "--modes" => {
                a.modes = value("--modes")?
                    .split(',')
                    .map(|m| match m.trim() {
                        "without" => Ok(false),
                        "with" => Ok(true),
                        other => Err(format!("unknown mode `{other}` (without, with)")),
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--markdown" => a.markdown = true,
            other if other.starts_with("--") => {
                return Err(format!("unknown option `{other}`").into());
            }
            other => a.policy = other.into(),
        }
    }
    if a.seeds.is_empty() || a.modes.is_empty() {
        return Err("give at least one seed and one mode".into());
    }
    Ok(a)
}

/// `n` of `of` logins.
#[derive(Clone, Copy, Default)]
struct Share {
    n: u64,
    of: u64,
}

impl Share {
    fn add(&mut self, other: Share) {
        self.n += other.n;
        self.of += other.of;
    }

    fn text(self) -> String {
        if self.of == 0 {
            return "-".to_owned();
        }
        format!(
            "{:.1} % ({}/{})",
            self.n as f64 * 100.0 / self.of as f64,
            self.n,
            self.of
        )
    }
}

/// Attack logins stopped: everything but allow and a fresh step-up.
fn stopped(d: &DecisionCounts) -> Share {
    Share {
        n: d.challenged() - d.get(Decision::StepUp(StepUpMethod::FreshAuthentication)),
        of: d.total(),
    }
}

/// One simulation replayed: its rows, by name.
fn column(
    policy: &Policy,
    config: &simulate::Config,
) -> Result<Vec<(String, Share)>, Box<dyn Error>> {
    let sim = simulate::simulate(config)?;
    let lists: Watchlists = serde_json::from_value(sim.watchlists.clone())?;
    let env = Environment::new().with_watchlists(&lists);
    let options = ReplayOptions::default().warm_up_until(simulate::WARM_UP_END);
    let mut replay = Replay::new(policy, env, options);
    let mut untouched = Share::default();
    for login in &sim.logins {
        let a = replay.push(login);
        let counted = login.login.now() >= simulate::WARM_UP_END;
        if counted
            && login.label == Some(Label::Legitimate)
            && !sim.victims.contains(login.login.subject().as_str())
        {
            untouched.of += 1;
            untouched.n += u64::from(a.decision() > Decision::Allow);
        }
    }
    let s = replay.finish();

    let mut rows = Vec::new();
    let mut takeovers = Share::default();
    for model in simulate::MODELS {
        let share = s.by_attacker.get(model).map(|g| stopped(&g.decisions));
        let share = share.unwrap_or_default();
        if model.starts_with("ecps_takeover") {
            takeovers.add(share);
        }
        rows.push((model.to_owned(), share));
        if model == "ecps_takeover_patient" {
            rows.push(("ecps_takeover (all)".to_owned(), takeovers));
        }
    }
    for model in simulate::MODELS {
        let share = s
            .return_logins_by_attacker
            .get(model)
            .map(|g| stopped(&g.decisions))
            .unwrap_or_default();
        rows.push((format!("returns: {model}"), share));
    }
    rows.push((
        "return logins (all models)".to_owned(),
        stopped(&s.return_logins.decisions),
    ));
    let legit = s
        .label(Label::Legitimate)
        .map(|g| Share {
            n: g.decisions.challenged(),
            of: g.logins,
        })
        .unwrap_or_default();
    rows.push(("legitimate".to_owned(), legit));
    rows.push(("legitimate, never attacked".to_owned(), untouched));
    let (card, ecps) = sim.legit_by_means;
    rows.push((
        "(legitimate with e-CPS, all days)".to_owned(),
        Share {
            n: ecps,
            of: card + ecps,
        },
    ));
    Ok(rows)
}

fn main() -> Result<(), Box<dyn Error>> {
    let a = args()?;
    let text =
        std::fs::read_to_string(&a.policy).map_err(|e| format!("{}: {e}", a.policy.display()))?;
    let spec: PolicySpec =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", a.policy.display()))?;
    let policy = Policy::compile(spec).map_err(|e| format!("{}: {e}", a.policy.display()))?;

    let mut headers = Vec::new();
    let mut short = Vec::new();
    let mut columns: Vec<Vec<(String, Share)>> = Vec::new();
    for partner in &a.modes {
        for seed in &a.seeds {
            let config = simulate::Config {
                seed: *seed,
                professionals: a.professionals,
                attackers_per_model: a.attackers,
                partner_data: *partner,
            };
            eprintln!(
                "seed {seed}, {} partner feeds…",
                if *partner { "with" } else { "without" }
            );
            columns.push(column(&policy, &config)?);
            let mode = if *partner { "with" } else { "without" };
            headers.push(format!("{mode} partner feeds, seed {seed}"));
            short.push(format!("{mode}, {seed}"));
        }
    }
    let mut rows: BTreeMap<usize, (String, Vec<Share>)> = BTreeMap::new();
    for col in &columns {
        for (i, (name, share)) in col.iter().enumerate() {
            rows.entry(i)
                .or_insert_with(|| (name.clone(), Vec::new()))
                .1
                .push(*share);
        }
    }

    println!(
        "policy `{}` {} ({}); {} professionals, {} attackers per model, {} days; counted after the {}-day warm-up",
        policy.id(),
        policy.version(),
        a.policy.display(),
        a.professionals,
        a.attackers,
        simulate::DAYS,
        simulate::WARM_UP_DAYS
    );
    println!(
        "attacks: share challenged (card step-up, review or deny); legitimate: share not simply allowed\n"
    );
    if a.markdown {
        println!("| logins | {} |", headers.join(" | "));
        println!("|---|{}", "---:|".repeat(headers.len()));
        for (name, shares) in rows.values() {
            let cells: Vec<String> = shares.iter().map(|s| s.text()).collect();
            println!("| {name} | {} |", cells.join(" | "));
        }
    } else {
        let width = 20;
        print!("{:<34}", "partner feeds, seed:");
        for h in &short {
            print!(" {h:>width$}");
        }
        println!();
        for (name, shares) in rows.values() {
            print!("{name:<34}");
            for s in shares {
                print!(" {:>width$}", s.text());
            }
            println!();
        }
    }
    Ok(())
}
