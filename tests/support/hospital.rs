//! Shared fixture of the benches and the allocation test: Dr Martin's usual login at the CHU de
//! Lyon, her history, the provider's watchlists and population, and the seed's kill chain.
#![allow(dead_code)]

use ecps_risk::{
    ActivationChannel, PopulationStats, Profile, RiskContext, RiskContextBuilder, Watchlists,
    input::ContactChange, input::ContactKind,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// Wednesday 8 October 2025, 11:30 in Paris.
pub const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);
pub const SUBJECT: &str = "810001234565";
pub const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

pub const WATCHLISTS: &str = r#"{"lists": [
    {"name": "trusted_networks", "kind": "ip", "entries": ["10.69.0.0/16", "2001:db8:69::/48"]},
    {"name": "denied_networks", "kind": "ip", "entries": ["203.0.113.0/24"]},
    {"name": "anonymizers", "kind": "ip", "entries": ["198.51.100.0/24"]},
    {"name": "deactivated_ecps", "kind": "credentials", "entries": ["ecps-7c1e-stolen"]},
    {"name": "blocked_activations", "kind": "blocked_subjects",
     "entries": [{"subject": "810098765430", "since": "2025-10-01T00:00:00Z"}]},
    {"name": "under_alert", "kind": "subjects", "entries": ["810098765430"]}
]}"#;

/// Her usual login at `at`: hospital workstation, CHU network, every input group filled.
pub fn usual(at: OffsetDateTime) -> RiskContextBuilder {
    RiskContext::builder(at, SUBJECT.parse().unwrap())
        .acr("eidas1")
        .auth_time(at - Duration::minutes(1))
        .issued_at(at)
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

/// The seed's kill chain against her: a fresh remote activation three days after an e-mail
/// change, a second e-CPS, an unknown phone abroad.
pub fn kill_chain(at: OffsetDateTime) -> RiskContextBuilder {
    usual(at)
        .ip("41.202.77.9".parse().unwrap())
        .asn(36924)
        .country("CI")
        .geo(5.35, -4.0, 50.0)
        .device_id("unknown-android-phone")
        .activation(at - Duration::minutes(40), ActivationChannel::EmailSms)
        .active_credentials(2)
        .contact_changes([ContactChange {
            at: at - Duration::days(3),
            kind: ContactKind::Email,
        }])
}

pub fn watchlists() -> Watchlists {
    serde_json::from_str(WATCHLISTS).unwrap()
}

/// `days` days of three logins a day, learned; and the population that saw them.
pub fn history(days: i64) -> (Profile, PopulationStats) {
    let mut profile = Profile::new();
    let mut population = PopulationStats::new();
    for day in 1..=days {
        for hour in [6, 9, 13] {
            let at = (NOW - Duration::days(day)).replace_hour(hour).unwrap();
            let ctx = usual(at).build().unwrap();
            profile = profile.confirm_safe(&ctx).unwrap();
            population.observe(ctx.features(), at.unix_timestamp());
        }
    }
    population.set_users(500);
    (profile, population)
}
