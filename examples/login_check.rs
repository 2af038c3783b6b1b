//! Score a handful of built-in logins under the recommended policy and print them as a table:
//! first what every provider sees (the PSC claims, the request, its own history of the
//! professional), then the same kill chain with the partner feeds no provider has today. Under
//! each login that is not simply allowed, the advice the professional would see (stable code
//! and French text): what to do now, and which ANS rules to remember.
//!
//! Run with `cargo run --example login_check` (add `-- --json` for the full assessments).

// The literals below are fixed and valid; `expect` documents that rather than hides an error.
#![allow(clippy::expect_used)]

use std::error::Error;

use ecps_risk::{
    ActivationChannel, Advice, Assessment, Decision, Environment, Lang, Policy, Profile,
    RiskContext, RiskContextBuilder, Signal, Watchlists, input::ContactChange, input::ContactKind,
    input::PushOutcome, input::ValidationRequest, policy::EffectSpec,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// Wednesday 8 October 2025, 11:30 in Paris: the day of the ANS alert.
const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);
const DR_MARTIN: &str = "810001234573";
const HOSPITAL_PC: &str = "chu-lyon-workstation-4411";
const HER_PHONE: &str = "dr-martin-pixel-cookie";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const PIXEL: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
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

/// What every provider has about a login of Dr Martin: the PSC claims and the request.
fn psc(at: OffsetDateTime, mode: &str) -> RiskContextBuilder {
    RiskContext::builder(at, DR_MARTIN.parse().expect("valid RPPS id"))
        .acr("eidas1")
        .auth_mode(mode)
        .auth_time(at - Duration::minutes(1))
        .issued_at(at)
}

/// Her usual login at work: the CPS card in the reader of her hospital workstation in Lyon.
fn at_work(at: OffsetDateTime) -> RiskContextBuilder {
    psc(at, "CARD")
        .ip("10.69.12.40".parse().expect("valid address"))
        .asn(2200)
        .country("FR")
        .geo(45.7421, 4.8838, 10.0)
        .user_agent(CHROME)
        .device_id(HOSPITAL_PC)
}

/// Her usual login in the evening: the e-CPS, on her own phone, from her home line.
fn at_home(at: OffsetDateTime) -> RiskContextBuilder {
    her_phone_without_cookie(at).device_id(HER_PHONE)
}

/// The same request without the provider's cookie: her browser, her home line, her city.
fn her_phone_without_cookie(at: OffsetDateTime) -> RiskContextBuilder {
    psc(at, "MOBILE")
        .ip("90.12.34.56".parse().expect("valid address"))
        .asn(3215)
        .country("FR")
        .geo(45.77, 4.83, 1000.0)
        .user_agent(PIXEL)
}

/// The partner feeds, as an e-CPS operator or the RPPS could one day send them: her e-CPS,
/// activated with her card 14 months ago, nothing else going on.
fn quiet_feeds(b: RiskContextBuilder) -> RiskContextBuilder {
    b.activation(NOW - Duration::days(420), ActivationChannel::CpsCard)
        .credential_id("ecps-0a42")
        .active_credentials(1)
        .contact_changes([])
        .validation_requests([])
        .reports([])
        .remote_control_suspected(false)
}

/// Six weeks of weekdays, each login scored and learned as the provider would: the card at
/// work, the e-CPS at home. Her first e-CPS login on her phone was stepped up, and she passed the
/// step-up with her card in that same browser (a step-up proves the login that asked for it
/// only on its device: a card login on the hospital PC would prove nothing of the phone's): the
/// login that asked for it is learned as confirmed.
fn history(policy: &Policy, env: &Environment<'_>) -> Result<Profile, Box<dyn Error>> {
    let mut profile = Profile::new();
    for day in (1..=42).rev() {
        let at = NOW - Duration::days(day);
        if at.weekday().number_days_from_monday() >= 5 {
            continue;
        }
        for login in [
            at_work(at.replace_hour(7)?).build()?,
            at_work(at.replace_hour(9)?).build()?,
            at_home(at.replace_hour(17)?).build()?,
        ] {
            let mut assessment = policy.evaluate(&login, &profile, env);
            if let Decision::StepUp(_) = assessment.decision() {
                // The same browser, device cookie and network, authenticated again with the card.
                let mut event = login.event().clone();
                event.at = login.now() + Duration::minutes(3);
                event.auth.auth_time = Some(event.at);
                event.auth.mode = Some(ecps_risk::AuthMode::Card);
                let card = RiskContext::try_from(event)?;
                assessment.mark_step_up_passed(&login, &card)?;
            }
            profile = profile.learn(&login, &assessment)?;
        }
    }
    Ok(profile)
}

fn logins() -> Result<Vec<(&'static str, RiskContext)>, Box<dyn Error>> {
    // The fraudster of the alert: her e-CPS, activated on his own phone during the call, used
    // from a French mobile network (a Free Mobile prefix she never used).
    let fraudster = |b: RiskContextBuilder| {
        b.ip("37.166.20.9".parse().expect("valid address"))
            .asn(51207)
            .country("FR")
            .geo(48.86, 2.35, 5000.0)
            .user_agent(ANDROID)
            .device_id("fraudster-android-cookie")
    };
    Ok(vec![
        ("usual hospital login (card)", at_work(NOW).build()?),
        (
            "her phone at home (e-CPS)",
            at_home(NOW.replace_hour(17)?).build()?,
        ),
        (
            "her phone, via a VPN (e-CPS)",
            at_home(NOW.replace_hour(17)?)
                .ip("198.51.100.23".parse()?)
                .anonymizer(true)
                .asn(9009)
                .build()?,
        ),
        (
            "her new phone, home Wi-Fi (e-CPS)",
            at_home(NOW.replace_hour(17)?)
                .user_agent(ANDROID)
                .device_id("dr-martin-new-phone")
                .build()?,
        ),
        (
            "fraudster, his phone (e-CPS)",
            fraudster(psc(NOW, "MOBILE")).build()?,
        ),
        (
            "fraudster copies her phone",
            // Her browser, her access provider, her city; only the cookie is missing.
            her_phone_without_cookie(NOW.replace_hour(17)?)
                .ip("90.12.99.7".parse()?)
                .build()?,
        ),
        (
            "with feeds: seed kill chain",
            fraudster(quiet_feeds(psc(NOW, "MOBILE")))
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
            "with feeds: push bombing",
            fraudster(quiet_feeds(psc(NOW, "MOBILE")))
                .validation_requests((1..=4).map(|i| ValidationRequest {
                    at: NOW - Duration::minutes(4 * i),
                    outcome: PushOutcome::Denied,
                }))
                .build()?,
        ),
        (
            "with feeds: screen shared",
            quiet_feeds(at_home(NOW.replace_hour(17)?))
                .remote_control_suspected(true)
                .build()?,
        ),
        (
            "with feeds: deactivated e-CPS",
            quiet_feeds(at_home(NOW.replace_hour(17)?))
                .credential_id("ecps-7c1e-stolen")
                .build()?,
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
    let profile = history(&policy, &env)?;

    println!(
        "policy {} {} (fingerprint {})",
        policy.id(),
        policy.version(),
        policy.fingerprint()
    );
    let means = profile.means();
    println!(
        "profile: {} good logins ({} with the card, {} with the e-CPS), {} device(s)\n",
        profile.login_count(),
        means.card,
        means.ecps,
        profile.devices().len()
    );
    println!("{:<34} {:<20} {:>5}  reasons", "login", "decision", "score");
    println!("{}", "-".repeat(120));
    for (name, ctx) in logins()? {
        let assessment = policy.evaluate(&ctx, &profile, &env);
        if json {
            println!("{}", serde_json::to_string_pretty(&assessment)?);
            continue;
        }
        println!(
            "{:<34} {:<20} {:>5}  {}",
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
