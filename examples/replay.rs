//! Replay recorded logins under a policy: decisions, rules fired, signals not evaluated, the
//! score distributions of legitimate and attack logins, true and false positive rates per
//! step-up threshold, and a what-if against another policy — what a security team runs
//! before changing a policy.
//!
//! `cargo run --release --example replay` simulates the default population of the `simulate`
//! example (seed 1, 1500 professionals, 13 weeks, no partner feeds) in memory, replays it
//! under `policies/recommended.toml` with the simulation's watchlists, and writes the plot
//! `docs/replay.svg`.
//!
//! `cargo run --release --example replay -- [POLICY.toml] [LOGINS.jsonl] [options]`:
//!
//! - `--watchlists FILE` (JSON; default: `watchlists.json` next to `LOGINS.jsonl` if there is
//!   one, else none; `none` for none),
//! - without `LOGINS.jsonl`, the simulation: `--seed N` (default 1), `--professionals N`,
//!   `--attackers N` (per model), `--with-partner-data`,
//! - `--warm-up-days N` (default 28): logins in the first N days of the file only train the
//!   profiles, they are not counted (0 to count everything),
//! - `--against POLICY.toml`: the what-if policy (default: the same policy with its step-up
//!   threshold 10 points lower),
//! - `--svg FILE` (default `docs/replay.svg`), `--json` (the summary as JSON on stdout).
//!
//! Profiles are learned in file order, as the provider's would have been (see the
//! `ecps_risk::replay` module docs); the replay is deterministic. Attack logins of an
//! attacker's later visits (`"visit": 2` and more) are also counted apart, as return logins.

#[allow(dead_code)] // the generator's command line is not used here
mod simulate;

use std::collections::BTreeMap;
use std::error::Error;
use std::io::{BufRead, BufReader, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use ecps_risk::{
    Decision, Environment, Policy, PolicySpec, Watchlists, replay::GroupStats, replay::Label,
    replay::PolicyDiff, replay::RecordedLogin, replay::Replay, replay::ReplayOptions,
    replay::ReplaySummary, replay::diff,
};
use plotters::prelude::*;
use time::Duration;

struct Args {
    policy: PathBuf,
    /// `None`: simulate.
    logins: Option<PathBuf>,
    /// `Some(None)`: `--watchlists none`.
    watchlists: Option<Option<PathBuf>>,
    simulation: simulate::Config,
    warm_up_days: i64,
    against: Option<PathBuf>,
    svg: PathBuf,
    json: bool,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let mut a = Args {
        policy: "policies/recommended.toml".into(),
        logins: None,
        watchlists: None,
        simulation: simulate::Config::default(),
        warm_up_days: simulate::WARM_UP_DAYS,
        against: None,
        svg: "docs/replay.svg".into(),
        json: false,
    };
    let mut positional = 0;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--watchlists" => {
                let v = value("--watchlists")?;
                a.watchlists = Some((v != "none").then(|| v.into()));
            }
            "--seed" => a.simulation.seed = value("--seed")?.parse()?,
            "--professionals" => a.simulation.professionals = value("--professionals")?.parse()?,
            "--attackers" => a.simulation.attackers_per_model = value("--attackers")?.parse()?,
            "--with-partner-data" => a.simulation.partner_data = true,
            "--warm-up-days" => a.warm_up_days = value("--warm-up-days")?.parse()?,
            "--against" => a.against = Some(value("--against")?.into()),
            "--svg" => a.svg = value("--svg")?.into(),
            "--json" => a.json = true,
            other if other.starts_with("--") => {
                return Err(format!("unknown option `{other}`").into());
            }
            other => {
                match positional {
                    0 => a.policy = other.into(),
                    1 => a.logins = Some(other.into()),
                    _ => return Err(format!("unexpected argument `{other}`").into()),
                }
                positional += 1;
            }
        }
    }
    Ok(a)
}

fn load_policy(path: &Path) -> Result<Policy, Box<dyn Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec: PolicySpec = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Policy::compile(spec).map_err(|e| format!("{}: {e}", path.display()))?)
}

/// A progress line on stderr, for files large enough to make one wait.
struct Progress {
    label: &'static str,
    total: u64,
    shown: bool,
    last: u64,
}

impl Progress {
    /// Shown when `large`, as a percentage updated in place on a terminal, else as one line
    /// when done.
    fn new(label: &'static str, total: u64, large: bool) -> Self {
        Progress {
            label,
            total,
            shown: large,
            last: u64::MAX,
        }
    }

    fn update(&mut self, done: u64) {
        if !self.shown || self.total == 0 || !std::io::stderr().is_terminal() {
            return;
        }
        let pct = done * 100 / self.total;
        if pct != self.last {
            self.last = pct;
            eprint!("\r{}: {pct:>3}%", self.label);
            let _ = std::io::stderr().flush();
        }
    }

    fn done(&mut self) {
        if self.shown {
            eprintln!("\r{}: 100%, done", self.label);
        }
    }
}

fn read_logins(path: &Path) -> Result<Vec<RecordedLogin>, Box<dyn Error>> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let size = file.metadata()?.len();
    let mut progress = Progress::new("reading", size, size > 1 << 20);
    let mut logins = Vec::new();
    let mut read = 0u64;
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        read += line.len() as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let login: RecordedLogin = serde_json::from_str(&line)
            .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        logins.push(login);
        if i % 200 == 0 {
            progress.update(read);
        }
    }
    progress.update(size);
    progress.done();
    Ok(logins)
}

fn pct(n: u64, d: u64) -> String {
    if d == 0 {
        "-".into()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / d as f64)
    }
}

fn group_row(name: &str, g: &GroupStats) {
    let d = &g.decisions;
    println!(
        "{name:<26} {:>7} {:>7} {:>8} {:>7} {:>7} {:>7}  {:>7}",
        g.logins,
        d.allow,
        d.step_up_fresh + d.step_up_cps_card,
        d.review,
        d.deny,
        d.challenged(),
        pct(d.challenged(), g.logins)
    );
}

fn print_summary(s: &ReplaySummary, step_up: i32) {
    println!(
        "{:<26} {:>7} {:>7} {:>8} {:>7} {:>7} {:>7}  {:>7}",
        "logins", "count", "allow", "step-up", "review", "deny", "chall.", "share"
    );
    println!("{}", "-".repeat(86));
    group_row("all", &s.all);
    for (label, g) in &s.by_label {
        group_row(
            match label {
                Label::Legitimate => "legitimate",
                Label::Attack => "attack",
            },
            g,
        );
    }
    for (model, g) in &s.by_attacker {
        group_row(&format!("  {model}"), g);
        if let Some(r) = s.return_logins_by_attacker.get(model) {
            group_row("    of which returns", r);
        }
    }
    if s.return_logins.logins > 0 {
        group_row("  return logins", &s.return_logins);
    }
    println!(
        "(chall. = challenged: stepped up, held for review or denied; returns = logins of an attacker's later visits)"
    );

    let mut rules: Vec<(&String, &u64)> = s.rule_hits.iter().collect();
    rules.sort_by_key(|(id, n)| (std::cmp::Reverse(**n), (*id).clone()));
    println!("\nrules fired (logins):");
    for (id, n) in rules {
        println!("  {id:<40} {n:>6}");
    }
    let mut missing: Vec<(&String, &u64)> = s.not_evaluated.iter().collect();
    missing.sort_by_key(|(id, n)| (std::cmp::Reverse(**n), (*id).clone()));
    println!("\nnot evaluated (logins):");
    for (id, n) in missing {
        println!("  {id:<40} {n:>6}");
    }
    if s.failures > 0 || s.report_only_changes > 0 {
        println!(
            "\nfailed closed: {}; report-only outcome differs: {}",
            s.failures, s.report_only_changes
        );
    }

    if s.label(Label::Attack).is_some() && s.label(Label::Legitimate).is_some() {
        println!(
            "\nstep-up threshold: share of logins challenged (other rules and thresholds as they are)"
        );
        print!("{:>10} {:>12}", "threshold", "legitimate");
        for model in s.by_attacker.keys() {
            print!(" {model:>14}");
        }
        println!(" {:>12}", "all attacks");
        for row in s.threshold_table(thresholds(s, step_up)) {
            print!(
                "{:>10} {:>12}",
                format!(
                    "{}{}",
                    if row.threshold == step_up { "→ " } else { "" },
                    row.threshold
                ),
                pct(row.legitimate_challenged, row.legitimate)
            );
            for g in s.by_attacker.values() {
                print!(" {:>14}", pct(g.challenged_at(row.threshold), g.logins));
            }
            println!(" {:>12}", pct(row.attacks_challenged, row.attacks));
        }
    }
}

/// Thresholds every 10 points over the scores seen, and the policy's own.
fn thresholds(s: &ReplaySummary, step_up: i32) -> Vec<i32> {
    let lo = s.all.scores.keys().next().copied().unwrap_or(0).max(-50);
    let hi = s.all.scores.keys().last().copied().unwrap_or(100).min(200);
    let mut t: Vec<i32> = (lo.div_euclid(10)..=hi.div_euclid(10) + 1)
        .map(|k| k * 10)
        .filter(|t| *t > 0)
        .collect();
    t.push(step_up);
    t.sort_unstable();
    t.dedup();
    t
}

fn print_combinations(title: &str, combos: &BTreeMap<String, u64>) {
    if combos.is_empty() {
        return;
    }
    let mut rows: Vec<(&String, &u64)> = combos.iter().collect();
    rows.sort_by_key(|(k, n)| (std::cmp::Reverse(**n), (*k).clone()));
    println!("\n{title} (top {}):", rows.len().min(8));
    for (k, n) in rows.iter().take(8) {
        println!("  {n:>5}  {k}");
    }
}

fn print_diff(d: &PolicyDiff, name: &str) -> Result<(), Box<dyn Error>> {
    println!(
        "\nwhat if: {name} (policy `{}` {}) — {} of {} counted logins change decision",
        d.after.policy.id,
        d.after.policy.version,
        d.changed,
        d.after.logins()
    );
    for t in &d.transitions {
        println!(
            "  {:<22} → {:<22} {:>6}",
            t.from.to_string(),
            t.to.to_string(),
            t.count
        );
    }
    for ex in d.examples.iter().take(6) {
        println!(
            "  e.g. login #{} at {} ({}): {} (score {}) → {} (score {}); rules: {}",
            ex.index,
            ex.at
                .format(&time::format_description::well_known::Rfc3339)?,
            match (ex.label, ex.attacker.as_deref()) {
                (Some(Label::Attack), Some(m)) => format!("attack, {m}"),
                (Some(Label::Attack), None) => "attack".to_owned(),
                (Some(Label::Legitimate), _) => "legitimate".to_owned(),
                (None, _) => "unlabelled".to_owned(),
            },
            ex.before.decision,
            ex.before.score,
            ex.after.decision,
            ex.after.score,
            if ex.after.rules.is_empty() {
                "-".to_owned()
            } else {
                ex.after.rules.join(", ")
            }
        );
    }
    Ok(())
}

/// Score distributions (left) and challenge rates per step-up threshold (right).
fn plot(s: &ReplaySummary, policy: &Policy, path: &Path) -> Result<(), Box<dyn Error>> {
    let (Some(legit), Some(attack)) = (s.label(Label::Legitimate), s.label(Label::Attack)) else {
        return Err("the plot needs labelled logins (legitimate and attack)".into());
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let t = &policy.spec().thresholds;
    let width = 10;
    let lo = s
        .all
        .scores
        .keys()
        .next()
        .copied()
        .unwrap_or(0)
        .div_euclid(width)
        * width;
    let hi = (s
        .all
        .scores
        .keys()
        .last()
        .copied()
        .unwrap_or(100)
        .div_euclid(width)
        + 1)
        * width;
    let (lo, hi) = (lo.min(0), hi.max(t.deny + width));

    let root = SVGBackend::new(path, (1200, 540)).into_drawing_area();
    root.fill(&WHITE)?;
    let (charts, legend_strip) = root.split_vertically(480);
    let (left, right) = charts.split_horizontally(600);
    let (_, right_legend) = legend_strip.split_horizontally(600);

    let share = |g: &GroupStats| -> Vec<(i32, f64)> {
        g.histogram(width as u32)
            .iter()
            .map(|b| (b.start, b.count as f64 * 100.0 / g.logins.max(1) as f64))
            .collect()
    };
    let (legit_bins, attack_bins) = (share(legit), share(attack));
    let ymax = legit_bins
        .iter()
        .chain(&attack_bins)
        .map(|(_, v)| *v)
        .fold(0.0, f64::max)
        * 1.1;
    let legit_color = RGBColor(31, 119, 180);
    let attack_color = RGBColor(214, 39, 40);
    let mut chart = ChartBuilder::on(&left)
        .caption(
            format!("Score distribution — {} {}", policy.id(), policy.version()),
            ("sans-serif", 17),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(lo as f64..hi as f64, 0.0..ymax.max(1.0))?;
    chart
        .configure_mesh()
        .x_desc("score (10-point bins)")
        .y_desc("share of the group's logins (%)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .light_line_style(WHITE)
        .draw()?;
    let half = f64::from(width) / 2.0;
    chart
        .draw_series(legit_bins.iter().map(|(x, v)| {
            let x = f64::from(*x);
            Rectangle::new([(x, 0.0), (x + half, *v)], legit_color.mix(0.75).filled())
        }))?
        .label(format!("legitimate ({} logins)", legit.logins))
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], legit_color.filled()));
    chart
        .draw_series(attack_bins.iter().map(|(x, v)| {
            let x = f64::from(*x) + half;
            Rectangle::new([(x, 0.0), (x + half, *v)], attack_color.mix(0.75).filled())
        }))?
        .label(format!("attack ({} logins)", attack.logins))
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], attack_color.filled()));
    for (name, x) in [
        ("step-up", t.step_up),
        ("review", t.review),
        ("deny", t.deny),
    ] {
        let x = f64::from(x);
        chart.draw_series(DashedLineSeries::new(
            [(x, 0.0), (x, ymax)],
            4,
            3,
            BLACK.stroke_width(1),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("{name} {x}"),
            (x + 1.0, ymax * 0.97),
            ("sans-serif", 12),
        )))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::MiddleRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;

    let xs: Vec<i32> = (lo.max(0)..=hi).step_by(5).collect();
    let mut chart = ChartBuilder::on(&right)
        .caption(
            "Challenged (step-up or more) vs step-up threshold",
            ("sans-serif", 17),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(lo.max(0) as f64..hi as f64, 0.0..102.0)?;
    chart
        .configure_mesh()
        .x_desc("step-up threshold")
        .y_desc("logins challenged (%)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .light_line_style(WHITE)
        .draw()?;
    let palette = [
        RGBColor(214, 39, 40),
        RGBColor(255, 127, 14),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    let curve = |g: &GroupStats| -> Vec<(f64, f64)> {
        xs.iter()
            .map(|x| {
                (
                    f64::from(*x),
                    g.challenged_at(*x) as f64 * 100.0 / g.logins.max(1) as f64,
                )
            })
            .collect()
    };
    // The legend goes in a strip under the chart: the curves fill the plotting area.
    let mut entries: Vec<(String, RGBColor, u32)> = Vec::new();
    for (i, (model, g)) in s.by_attacker.iter().enumerate() {
        let color = palette.get(i % palette.len()).copied().unwrap_or(BLACK);
        chart.draw_series(LineSeries::new(curve(g), color.stroke_width(2)))?;
        entries.push((format!("attack: {model}"), color, 2));
    }
    chart.draw_series(LineSeries::new(curve(legit), legit_color.stroke_width(3)))?;
    entries.push(("legitimate".to_owned(), legit_color, 3));
    let per_row = 3;
    for (i, (name, color, w)) in entries.iter().enumerate() {
        let x = 40 + (i % per_row) as i32 * 190;
        let y = 10 + (i / per_row) as i32 * 16;
        right_legend.draw(&PathElement::new(
            [(x, y), (x + 18, y)],
            color.stroke_width(*w),
        ))?;
        right_legend.draw(&Text::new(
            name.clone(),
            (x + 24, y - 6),
            ("sans-serif", 12),
        ))?;
    }
    let x = f64::from(t.step_up);
    chart.draw_series(DashedLineSeries::new(
        [(x, 0.0), (x, 100.0)],
        4,
        3,
        BLACK.stroke_width(1),
    ))?;
    chart.draw_series(std::iter::once(Text::new(
        format!("policy: {}", t.step_up),
        (x + 1.0, 97.0),
        ("sans-serif", 12),
    )))?;
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let a = args()?;
    let policy = load_policy(&a.policy)?;
    let (logins, source, simulated_lists) = match &a.logins {
        Some(path) => (read_logins(path)?, path.display().to_string(), None),
        None => {
            let c = &a.simulation;
            let sim = simulate::simulate(c)?;
            let source = format!(
                "simulation (seed {}, {} professionals, {} attackers per model, {} partner data)",
                c.seed,
                c.professionals,
                c.attackers_per_model,
                if c.partner_data { "with" } else { "without" }
            );
            (sim.logins, source, Some(sim.watchlists))
        }
    };
    let lists_file = match (&a.watchlists, &a.logins) {
        (Some(given), _) => given.clone(),
        (None, Some(path)) => Some(path.with_file_name("watchlists.json")).filter(|p| p.exists()),
        (None, None) => None,
    };
    let watchlists: Option<Watchlists> = match (lists_file, simulated_lists) {
        (Some(p), _) => Some(
            serde_json::from_str(
                &std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?,
            )
            .map_err(|e| format!("{}: {e}", p.display()))?,
        ),
        (None, Some(lists)) if a.watchlists.is_none() => Some(serde_json::from_value(lists)?),
        (None, _) => None,
    };
    let mut env = Environment::new();
    if let Some(w) = &watchlists {
        env = env.with_watchlists(w);
    }

    let mut options = ReplayOptions::default();
    if let (Some(first), true) = (logins.first(), a.warm_up_days > 0) {
        options = options.warm_up_until(first.login.now() + Duration::days(a.warm_up_days));
    }

    let mut replay = Replay::new(&policy, env, options);
    let mut progress = Progress::new("replaying", logins.len() as u64, logins.len() > 2000);
    // The rule combinations behind false positives (legitimate logins challenged) and false
    // negatives (attacks allowed): what to look at when tuning.
    let mut false_positives: BTreeMap<String, u64> = BTreeMap::new();
    let mut false_negatives: BTreeMap<String, u64> = BTreeMap::new();
    for (i, login) in logins.iter().enumerate() {
        let assessment = replay.push(login);
        let counted = options.warm_up_end().is_none_or(|t| login.login.now() >= t);
        let challenged = assessment.decision() > Decision::Allow;
        let bucket = match (login.label, challenged) {
            (Some(Label::Legitimate), true) => Some(&mut false_positives),
            (Some(Label::Attack), false) => Some(&mut false_negatives),
            _ => None,
        };
        if let (Some(bucket), true) = (bucket, counted) {
            let rules: Vec<&str> = assessment.reasons().map(|r| r.rule_id()).collect();
            let key = if rules.is_empty() {
                "(none)".to_owned()
            } else {
                rules.join(" + ")
            };
            *bucket.entry(key).or_default() += 1;
        }
        if i % 100 == 0 {
            progress.update(i as u64);
        }
    }
    progress.update(logins.len() as u64);
    progress.done();
    let summary = replay.finish();

    let (against, name) = match &a.against {
        Some(path) => (load_policy(path)?, path.display().to_string()),
        None => {
            let mut spec = policy.spec().clone();
            spec.thresholds.step_up -= 10;
            spec.version = format!("{} (step-up {})", spec.version, spec.thresholds.step_up);
            (
                Policy::compile(spec)?,
                format!(
                    "step-up threshold {} instead of {}",
                    policy.spec().thresholds.step_up - 10,
                    policy.spec().thresholds.step_up
                ),
            )
        }
    };
    let what_if = diff(
        &policy,
        &against,
        env,
        &logins,
        options.with_max_examples(2),
    );

    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"summary": summary, "what_if": what_if})
            )?
        );
    } else {
        println!(
            "policy `{}` {} (fingerprint {}) from {}",
            policy.id(),
            policy.version(),
            summary
                .policy
                .fingerprint
                .to_string()
                .get(..12)
                .unwrap_or_default(),
            a.policy.display()
        );
        println!(
            "{}: {} logins of {} professionals; {} in the first {} days only trained the profiles; {} counted\n",
            source,
            logins.len(),
            summary.professionals,
            summary.warm_up_logins,
            a.warm_up_days,
            summary.logins()
        );
        print_summary(&summary, policy.spec().thresholds.step_up);
        print_combinations(
            "legitimate logins challenged, by rules fired",
            &false_positives,
        );
        print_combinations("attacks allowed, by rules fired", &false_negatives);
        print_diff(&what_if, &name)?;
    }

    if summary.label(Label::Attack).is_some() && summary.label(Label::Legitimate).is_some() {
        plot(&summary, &policy, &a.svg)?;
        eprintln!("wrote {}", a.svg.display());
    }
    Ok(())
}
