//! Load a policy written by a security team (TOML), check it and its examples, and score a few
//! logins with it — what a team does before rolling a policy out.
//!
//! `cargo run --example custom_policy` uses `examples/data/portal_policy.toml`;
//! `cargo run --example custom_policy -- path/to/policy.toml` checks your own.

use std::error::Error;

use ecps_risk::{
    ActivationChannel, Environment, Policy, PolicySpec, Profile, RiskContext, Watchlists,
};
use time::Duration;
use time::macros::datetime;

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/data/portal_policy.toml".into());
    let text = std::fs::read_to_string(&path)?;
    // Parsing errors name the line; compile errors name the rule and the value.
    let spec: PolicySpec = toml::from_str(&text)?;
    let policy = match Policy::compile(spec) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "{path}: policy `{}` {} compiles; fingerprint {}",
        policy.id(),
        policy.version(),
        policy.fingerprint()
    );
    // Legal but suspicious: rules a missing input would switch off. Review each one.
    for warning in policy.warnings() {
        println!("warning: {warning}");
    }
    match policy.check_examples() {
        Ok(n) => println!("{n} example(s) pass"),
        Err(mismatches) => {
            for m in &mismatches {
                eprintln!("{m}");
            }
            std::process::exit(1);
        }
    }

    let watchlists: Watchlists = serde_json::from_str(
        r#"{"lists": [
            {"name": "portal_hospitals", "kind": "ip", "entries": ["10.44.0.0/16"]},
            {"name": "deactivated_ecps", "kind": "credentials", "entries": []},
            {"name": "blocked_activations", "kind": "blocked_subjects", "entries": []}
        ]}"#,
    )?;
    let env = Environment::new().with_watchlists(&watchlists);
    // At load time: does the environment supply every list the policy reads or requires?
    match policy.check_environment(&env) {
        Ok(()) => println!("the environment supplies every input the policy reads"),
        Err(missing) => println!("{missing}"),
    }
    let now = datetime!(2025-11-04 03:10 UTC); // 04:10 in Paris
    let subject = "810023456782";
    let base = |device: &str| -> Result<_, Box<dyn Error>> {
        Ok(RiskContext::builder(now, subject.parse()?)
            .device_id(device)
            .activation(now - Duration::days(3), ActivationChannel::EmailSms)
            .active_credentials(2))
    };
    let known = Profile::new().confirm_safe(
        &RiskContext::builder(now - Duration::days(10), subject.parse()?)
            .device_id("ward-pc")
            .build()?,
    )?;
    let logins = [
        (
            "on the ward PC, hospital network",
            base("ward-pc")?
                .ip("10.44.3.9".parse()?)
                .country("FR")
                .build()?,
        ),
        (
            "new phone, at home in France",
            base("new-phone")?
                .ip("192.0.2.10".parse()?)
                .country("FR")
                .build()?,
        ),
        (
            "new phone, abroad, at night",
            base("new-phone")?
                .ip("203.0.113.10".parse()?)
                .country("MA")
                .build()?,
        ),
    ];
    println!();
    for (name, ctx) in &logins {
        let a = policy.evaluate(ctx, &known, &env);
        print!("{name}: {a}");
    }
    Ok(())
}
