//! Score a handful of built-in logins under the recommended policy and print them as a table:
//! the seed's e-CPS takeover, an ordinary hospital login, and a few others in between. Under
//! each login that is not simply allowed, the advice the professional would see (stable code
//! and French text): what to do now, and which ANS rules to remember.
//!
//! Run with `cargo run --example login_check` (add `-- --json` for the full assessments).

// The literals below are fixed and valid; `expect` documents that rather than hides an error.
#![allow(clippy::expect_used)]

use std::error::Error;

use ecps_risk::{
    ActivationChannel, Advice, Assessment, ContactChange, ContactKind, Decision, EffectSpec,
    Environment, Lang, Policy, Profile, PushOutcome, RiskContext, RiskContextBuilder, Signal,
    ValidationRequest, Watchlists,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// Wednesday 8 October 2025, 11:30 in Paris: the day of the ANS alert.
const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);
const DR_MARTIN: &str = "810001234565";
const HOSPITAL_PC: &str = "chu-lyon-workstation-4411";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

const WATCHLISTS: &str = r#"{"lists": [
    {"name": "trusted_networks", "kind": "ip", "description": "CHU de Lyon", "entries": ["10.69.0.0/16"]},
    {"name": "denied_networks", "kind": "ip", "entries": ["203.0.113.0/24"]},
    {"name": "anonymizers", "kind": "ip", "entries": ["198.51.100.0/24"]},
    {"name": "deactivated_ecps", "kind": "credentials", "entries": ["ecps-7c1e-stolen"]},
    {"name": "blocked_activations", "kind": "blocked_subjects",
     "entries": [{"subject": "810098765430", "since": "2025-10-01T00:00:00Z"}]},
    {"name": "under_alert", "kind": "subjects", "entries": ["810098765430"]}
]}"#;

/// Dr Martin's usual login: her hospital workstation in Lyon, on the CHU network.
fn usual(at: OffsetDateTime) -> RiskContextBuilder {
    RiskContext::builder(at, DR_MARTIN.parse().expect("valid RPPS id"))
        .acr("eidas1")
        .auth_time(at - Duration::minutes(1))
        .issued_at(at)
        .ip("10.69.12.40".parse().expect("valid address"))
        .asn(2200)
        .country("FR")
        .geo(45.7421, 4.8838, 10.0)
        .user_agent(CHROME)
        .device_id(HOSPITAL_PC)
        .activation(at - Duration::days(420), ActivationChannel::CpsCard)
        .credential_id("ecps-0a42")
        .active_credentials(1)
        .contact_changes([])
        .validation_requests([])
        .reports([])
        .remote_control_suspected(false)
}

/// Six weeks of weekday logins from the hospital, learned as good logins.
fn history() -> Result<Profile, Box<dyn Error>> {
    let mut profile = Profile::new();
    for day in 1..=42 {
        let at = NOW - Duration::days(day);
        if at.weekday().number_days_from_monday() >= 5 {
            continue;
        }
        for hour in [6, 9, 13] {
            let ctx = usual(at.replace_hour(hour)?).build()?;
            profile = profile.confirm_safe(&ctx)?;
        }
    }
    Ok(profile)
}

fn logins() -> Result<Vec<(&'static str, RiskContext)>, Box<dyn Error>> {
    let fraudster = |b: RiskContextBuilder| {
        b.ip("41.202.77.9".parse().expect("valid address"))
            .asn(36924)
            .country("CI")
            .geo(5.35, -4.0, 50.0)
            .user_agent(ANDROID)
            .device_id("unknown-android-phone")
    };
    Ok(vec![
        ("usual hospital login", usual(NOW).build()?),
        (
            "same, from home via VPN",
            usual(NOW)
                .ip("198.51.100.23".parse()?)
                .anonymizer(true)
                .asn(9009)
                .geo(45.76, 4.85, 200.0)
                .build()?,
        ),
        (
            "e-CPS reactivated on her phone",
            usual(NOW)
                .activation(NOW - Duration::hours(2), ActivationChannel::EmailSms)
                .active_credentials(1)
                .build()?,
        ),
        (
            "seed kill chain",
            fraudster(usual(NOW))
                .activation(NOW - Duration::minutes(40), ActivationChannel::EmailSms)
                .credential_id("ecps-9f00")
                .active_credentials(2)
                .contact_changes([ContactChange {
                    at: NOW - Duration::days(3),
                    kind: ContactKind::Email,
                }])
                .build()?,
        ),
        (
            "push bombing",
            usual(NOW)
                .validation_requests((1..=4).map(|i| ValidationRequest {
                    at: NOW - Duration::minutes(4 * i),
                    outcome: PushOutcome::Denied,
                }))
                .build()?,
        ),
        (
            "screen shared during login",
            usual(NOW).remote_control_suspected(true).build()?,
        ),
        (
            "deactivated e-CPS",
            usual(NOW).credential_id("ecps-7c1e-stolen").build()?,
        ),
    ])
}

/// The reasons that weigh most first: forced decisions, then floors, then points.
fn top_reasons(a: &Assessment<'_>) -> String {
    let mut reasons: Vec<_> = a.reasons().collect();
    reasons.sort_by_key(|r| match r.effect() {
        Some(EffectSpec::Force(d)) | Some(EffectSpec::AtLeast(d)) if d > Decision::Allow => {
            (0, std::cmp::Reverse(d), 0)
        }
        _ => (1, std::cmp::Reverse(Decision::Allow), -r.points().abs()),
    });
    let mut shown: Vec<String> = reasons
        .iter()
        .map(|r| {
            let evidence = r
                .signals()
                .find_map(|(_, s)| match s {
                    Signal::Hit { evidence } => Some(format!(" [{evidence}]")),
                    _ => None,
                })
                .unwrap_or_default();
            format!("{}{evidence}", r.rule_id())
        })
        .collect();
    if shown.is_empty() {
        return "-".into();
    }
    if shown.len() > 3 {
        let more = shown.len() - 3;
        shown.truncate(3);
        shown.push(format!("+{more} more"));
    }
    shown.join("; ")
}

fn main() -> Result<(), Box<dyn Error>> {
    let json = std::env::args().any(|a| a == "--json");
    let policy = Policy::recommended();
    let watchlists: Watchlists = serde_json::from_str(WATCHLISTS)?;
    let env = Environment::new().with_watchlists(&watchlists);
    let profile = history()?;

    println!(
        "policy {} {} (fingerprint {})",
        policy.id(),
        policy.version(),
        policy.fingerprint()
    );
    println!(
        "profile: {} good logins, {} device(s)\n",
        profile.login_count(),
        profile.devices().len()
    );
    println!("{:<32} {:<32} {:>5}  reasons", "login", "decision", "score");
    println!("{}", "-".repeat(120));
    for (name, ctx) in logins()? {
        let assessment = policy.evaluate(&ctx, &profile, &env);
        if json {
            println!("{}", serde_json::to_string_pretty(&assessment)?);
            continue;
        }
        println!(
            "{:<32} {:<32} {:>5}  {}",
            name,
            assessment.decision().to_string(),
            assessment.score(),
            top_reasons(&assessment)
        );
        for code in Advice::for_assessment(&assessment).codes() {
            println!("    {:<30} {}", code.code(), code.text(Lang::Fr));
        }
    }
    Ok(())
}
