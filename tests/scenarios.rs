//! End-to-end scenarios under the recommended policy: professionals with weeks of habitual
//! logins, then the logins of the ANS alert's kill chain (shared/seeds) and of everyday life.
//!
//! Every expected decision, score and rule list below was worked out by hand from
//! `policies/recommended.toml` (ans-ecps-2025-10 1.0.0: step-up from 40, review from 70, deny
//! from 100; `push.reported` window 7 days) and the detector parameters, not copied from the
//! code's output; the arithmetic is in the comments.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use ecps_risk::{
    ActivationChannel, Assessment, AuthMode, Decision, Environment, Evidence, LoginEvent, Policy,
    PopulationStats, Profile, ProfileError, PscClaims, RiskContext, RiskContextBuilder, Signal,
    SignalCode, StepUpMethod, Watchlists, detect::Missing, input::ActivityLocation,
    input::ContactChange, input::ContactKind, input::PushOutcome, input::ValidationRequest,
    model::CountryCode, model::postal_area, policy::Level, policy::Mode, policy::Outcome,
};
use time::macros::{date, datetime, offset};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

// ---------------------------------------------------------------------------------------------
// Fixtures: the lists a provider holds before and after the ANS alert, and a PSC claim set.

/// Watchlists before the alert: the ANS lists are supplied but empty.
const LISTS_SEPTEMBER: &str = include_str!("data/scenario_watchlists_september.json");
/// Watchlists on 2025-10-08: deactivated e-CPS, one blocked professional, one under alert.
const LISTS_OCTOBER: &str = include_str!("data/scenario_watchlists.json");
/// The verified PSC claims of the fraudster's login as Dr Martin (kill chain).
const KILL_CHAIN_CLAIMS: &str = include_str!("data/scenario_kill_chain_claims.json");

const CHROME_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";
const CHROME_WIN_NEXT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36";
const EDGE_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0";
const SAFARI_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15";
const FIREFOX_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// Dr Claire Martin, general practitioner, Paris 11e: the kill chain's victim.
const MARTIN: Habit = Habit {
    subject: "810001234565",
    device: "martin-laptop-3f9c",
    morning_ip: "192.0.2.14",
    afternoon_ip: "192.0.2.27",
    asn: 3215,
    place: (48.8590, 2.3800, 20.0),
    user_agent: CHROME_WIN,
    credential: "ecps-martin-01",
    activated: datetime!(2024-03-12 10:00 UTC),
    postal_code: "75011",
    morning: (9, 5),
    afternoon: (14, 10),
};

/// Dr Karim Benali, cardiologist at the CHU: logs in from the hospital network.
const BENALI: Habit = Habit {
    subject: "810031415929",
    device: "chu-lrb-poste-cardio-12",
    morning_ip: "10.20.4.31",
    afternoon_ip: "10.20.17.45",
    asn: 2200,
    place: (48.8826, 2.3530, 5.0),
    user_agent: EDGE_WIN,
    credential: "ecps-benali-01",
    activated: datetime!(2023-11-20 14:00 UTC),
    postal_code: "75010",
    morning: (8, 20),
    afternoon: (13, 45),
};

/// Dr Sophie Laurent, emergency physician at the same CHU: a victim whose e-CPS the ANS
/// deactivated.
const LAURENT: Habit = Habit {
    subject: "810027182814",
    device: "chu-lrb-poste-urg-03",
    morning_ip: "10.20.9.12",
    afternoon_ip: "10.20.9.40",
    asn: 2200,
    place: (48.8826, 2.3530, 5.0),
    user_agent: EDGE_WIN,
    credential: "ecps-laurent-01",
    activated: datetime!(2024-01-08 11:00 UTC),
    postal_code: "75010",
    morning: (8, 10),
    afternoon: (13, 30),
};

/// Mme Anne Petit, pharmacist in Lyon: the ANS blocked her new activations on 2025-10-06.
const PETIT: Habit = Habit {
    subject: "810045678900",
    device: "officine-petit-comptoir",
    morning_ip: "2001:db8:69::10",
    afternoon_ip: "2001:db8:69::11",
    asn: 3215,
    place: (45.7640, 4.8357, 20.0),
    user_agent: CHROME_WIN,
    credential: "ecps-petit-01",
    activated: datetime!(2025-06-12 16:00 UTC),
    postal_code: "69003",
    morning: (9, 30),
    afternoon: (14, 30),
};

/// Dr Paul Roux, Paris: contacted individually by the ANS (under alert).
const ROUX: Habit = Habit {
    subject: "810076543213",
    device: "roux-desktop-a1",
    morning_ip: "192.0.2.201",
    afternoon_ip: "192.0.2.201",
    asn: 3215,
    place: (48.8566, 2.3522, 20.0),
    user_agent: CHROME_WIN,
    credential: "ecps-roux-01",
    activated: datetime!(2024-09-02 09:00 UTC),
    postal_code: "75015",
    morning: (9, 0),
    afternoon: (14, 0),
};

/// A professional's habits: where, from what, and when they log in.
struct Habit {
    subject: &'static str,
    device: &'static str,
    morning_ip: &'static str,
    afternoon_ip: &'static str,
    asn: u32,
    /// Latitude, longitude, accuracy radius (km).
    place: (f64, f64, f64),
    user_agent: &'static str,
    credential: &'static str,
    /// Their own e-CPS, activated long ago with the card.
    activated: OffsetDateTime,
    postal_code: &'static str,
    /// Local (Paris) hour and minute of the morning and afternoon logins.
    morning: (u8, u8),
    afternoon: (u8, u8),
}

/// The scenarios' day: Wednesday 8 October 2025, the date of the ANS alert.
const ALERT_DAY: Date = date!(2025 - 10 - 08);

/// Paris wall-clock time (summer time, UTC+2, until 26 October 2025).
fn paris(day: Date, hour: u8, minute: u8) -> OffsetDateTime {
    PrimitiveDateTime::new(day, Time::from_hms(hour, minute, 0).unwrap()).assume_offset(offset!(+2))
}

fn place_of(postal_code: &str) -> ActivityLocation {
    let area = postal_area(postal_code).unwrap();
    ActivityLocation {
        country: area.country,
        department: Some(area.department),
    }
}

fn country(code: &str) -> CountryCode {
    CountryCode::parse(code).unwrap()
}

/// A habitual login at `at`: usual device, network, browser, place, with the CPS card (PSC's
/// `authMode` `CARD`: a reader at the office or the hospital workstation); the professional's
/// own e-CPS on record; every partner input supplied and clean.
fn habitual(h: &Habit, at: OffsetDateTime) -> RiskContextBuilder {
    let morning = at.to_offset(offset!(+2)).hour() < 12;
    let ip = if morning {
        h.morning_ip
    } else {
        h.afternoon_ip
    };
    let (lat, lon, accuracy) = h.place;
    RiskContext::builder(at, h.subject.parse().unwrap())
        .acr("eidas1")
        .auth_mode(AuthMode::Card)
        .auth_time(at - Duration::seconds(20))
        .issued_at(at - Duration::seconds(2))
        .ip(ip.parse().unwrap())
        .asn(h.asn)
        .country("FR")
        .geo(lat, lon, accuracy)
        .user_agent(h.user_agent)
        .device_id(h.device)
        .credential_id(h.credential)
        .activation(h.activated, ActivationChannel::CpsCard)
        .active_credentials(1)
        .contact_changes([])
        .validation_requests([ValidationRequest {
            at: at - Duration::seconds(15),
            outcome: PushOutcome::Approved,
        }])
        .reports([])
        .remote_control_suspected(false)
        .automation_suspected(false)
        .anonymizer(false)
        .hosting(false)
        .practice([place_of(h.postal_code)])
}

/// Weekdays from Monday 25 August to Tuesday 7 October 2025 (32 days), twice a day: 64
/// logins.
fn history_times(h: &Habit) -> Vec<OffsetDateTime> {
    let first = date!(2025 - 08 - 25);
    let last = date!(2025 - 10 - 07);
    let mut times = Vec::new();
    for week in 0..7 {
        for weekday in 0..5 {
            let day = first + Duration::days(week * 7 + weekday);
            if day > last {
                continue;
            }
            times.push(paris(day, h.morning.0, h.morning.1));
            times.push(paris(day, h.afternoon.0, h.afternoon.1));
        }
    }
    times
}

/// Learn the professional's 64 habitual logins the way a provider does: evaluate each one
/// (with the lists of the time), and learn it when allowed. Every one must be allowed.
fn learn_history(h: &Habit, mut population: Option<&mut PopulationStats>) -> Profile {
    let lists = watchlists(LISTS_SEPTEMBER);
    let env = Environment::new().with_watchlists(&lists);
    let policy = Policy::recommended();
    let mut profile = Profile::new();
    for at in history_times(h) {
        let ctx = habitual(h, at).build().unwrap();
        let a = policy.evaluate(&ctx, &profile, &env);
        assert_eq!(
            a.decision(),
            Decision::Allow,
            "habitual login at {at}:\n{a}"
        );
        profile = profile.learn(&ctx, &a).unwrap();
        if let Some(p) = population.as_deref_mut() {
            p.observe(ctx.features(), ctx.now().unix_timestamp());
        }
    }
    assert_eq!(profile.login_count(), 64);
    assert_eq!(profile.devices().len(), 1);
    profile
}

fn watchlists(json: &str) -> Watchlists {
    serde_json::from_str(json).unwrap()
}

/// Learn one more login, which must be allowed.
fn learn_one(profile: &Profile, ctx: &RiskContext, env: &Environment<'_>) -> Profile {
    let policy = Policy::recommended();
    let a = policy.evaluate(ctx, profile, env);
    assert_eq!(a.decision(), Decision::Allow, "{a}");
    profile.learn(ctx, &a).unwrap()
}

/// The built-in detectors that hit, in catalog order.
fn hits(a: &Assessment<'_>) -> Vec<SignalCode> {
    SignalCode::ALL
        .iter()
        .copied()
        .filter(|c| a.signal(*c).is_some_and(Signal::is_hit))
        .collect()
}

/// The detectors not evaluated, with what they lacked.
fn not_evaluated(a: &Assessment<'_>) -> Vec<(String, Missing)> {
    a.not_evaluated()
        .map(|(name, missing)| (name.to_string(), missing))
        .collect()
}

/// The ids of the rules that fired, in rule-id order.
fn rules<'a>(a: &'a Assessment<'_>) -> Vec<&'a str> {
    a.reasons().map(|r| r.rule_id()).collect()
}

fn no_population() -> Vec<(String, Missing)> {
    vec![("stats.anomaly".to_owned(), Missing::Population)]
}

const CARD: Decision = Decision::StepUp(StepUpMethod::CpsCard);

// ---------------------------------------------------------------------------------------------
// The kill chain of the ANS alert.

/// 08/10/2025 09:40 Paris: the fraudster, in Abidjan, logs in as Dr Martin with the e-CPS they
/// activated on their own phone an hour earlier, remotely (QR code by e-mail + SMS code), five
/// days after Dr Martin's RPPS e-mail address was changed. She now has three active e-CPS.
fn kill_chain() -> RiskContext {
    let now = paris(ALERT_DAY, 9, 40);
    let activated = now - Duration::hours(1);
    let claims: PscClaims = serde_json::from_str(KILL_CHAIN_CLAIMS).unwrap();
    RiskContext::from_psc_claims(now, &claims)
        .unwrap()
        .ip("198.51.100.23".parse().unwrap())
        .asn(29571)
        .country("CI")
        .geo(5.3600, -4.0083, 25.0)
        .user_agent(CHROME_WIN_NEXT)
        .device_id("c0ffee-9b77e1")
        .credential_id("ecps-7f3a-0091")
        .activation(activated, ActivationChannel::EmailSms)
        .active_credentials(3)
        .contact_changes([ContactChange {
            at: activated - Duration::days(5),
            kind: ContactKind::Email,
        }])
        .validation_requests([ValidationRequest {
            at: now - Duration::seconds(30),
            outcome: PushOutcome::Approved,
        }])
        .reports([])
        .remote_control_suspected(false)
        .automation_suspected(false)
        .anonymizer(false)
        .hosting(false)
        .build()
        .unwrap()
}

/// The kill chain's rules, in rule-id order. Points: fresh-activation 20,
/// remote-activation-after-contact-change 40 (contact change, remote, fresh, and a device not
/// proven hers), recent-contact-change 15, multiple-active-ecps 20, new-device 15,
/// unfamiliar-network 10, new-country 15, practice-location-mismatch 10: 20 + 40 + 15 + 20 +
/// 15 + 10 + 15 + 10 = 145; fresh-remote-activation, card-user-on-ecps (an e-CPS for a
/// professional whose 64 logins came with the card) and ecps-from-unproven-device-and-network
/// are floors (step-up with the card); ecps-from-unproven-device does not fire on a new device
/// (new-device counts it).
const KILL_CHAIN_RULES: [&str; 11] = [
    "card-user-on-ecps",
    "ecps-from-unproven-device-and-network",
    "fresh-activation",
    "fresh-remote-activation",
    "multiple-active-ecps",
    "new-country",
    "new-device",
    "practice-location-mismatch",
    "recent-contact-change",
    "remote-activation-after-contact-change",
    "unfamiliar-network",
];

#[test]
fn seed_kill_chain_fires_every_detector_and_is_denied() {
    let profile = learn_history(&MARTIN, None);
    let ctx = kill_chain();
    // The claims gave the subject and the registered place of activity (Paris 11e).
    assert_eq!(ctx.subject().as_str(), "810001234565");
    assert_eq!(
        ctx.event().practice.as_deref(),
        Some(&[place_of("75011")][..])
    );
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let policy = Policy::recommended();
    let a = policy.evaluate(&ctx, &profile, &env);

    use SignalCode as C;
    assert_eq!(
        a.signal(C::EcpsFreshActivation),
        Some(&Signal::hit(Evidence::Age { seconds: 3600 }))
    );
    assert_eq!(
        a.signal(C::EcpsRemoteActivation),
        Some(&Signal::hit(Evidence::Flag))
    );
    // The e-mail changed 5 days before the activation, 5 days and 1 hour before the login.
    assert_eq!(
        a.signal(C::EcpsActivationAfterContactChange),
        Some(&Signal::hit(Evidence::Age { seconds: 432_000 }))
    );
    assert_eq!(
        a.signal(C::ContactRecentChange),
        Some(&Signal::hit(Evidence::Age { seconds: 435_600 }))
    );
    assert_eq!(
        a.signal(C::EcpsMultipleActive),
        Some(&Signal::hit(Evidence::Count {
            count: 3,
            window_seconds: 0
        }))
    );
    assert_eq!(a.signal(C::DeviceNew), Some(&Signal::hit(Evidence::Flag)));
    // An e-CPS, where her 64 logins came with the card, on a device never seen, from a /24
    // never seen.
    assert_eq!(
        a.signal(C::EcpsUnprovenDevice),
        Some(&Signal::hit(Evidence::Familiarity {
            present: true,
            logins: 0,
            days: 0
        }))
    );
    assert_eq!(
        a.signal(C::AuthEcpsUnusual),
        Some(&Signal::hit(Evidence::Means { card: 64, ecps: 0 }))
    );
    assert_eq!(
        a.signal(C::NetworkUnproven),
        Some(&Signal::hit(Evidence::Network {
            network: Some("198.51.100.0/24".parse().unwrap()),
            asn: Some(29571)
        }))
    );
    assert_eq!(a.signal(C::DeviceCompromised), Some(&Signal::NoHit));
    assert_eq!(
        a.signal(C::NetworkUnfamiliar),
        Some(&Signal::hit(Evidence::Network {
            network: Some("198.51.100.0/24".parse().unwrap()),
            asn: Some(29571)
        }))
    );
    assert_eq!(
        a.signal(C::GeoNewCountry),
        Some(&Signal::hit(Evidence::Country {
            country: country("CI")
        }))
    );
    assert_eq!(
        a.signal(C::PracticeLocationMismatch),
        Some(&Signal::hit(Evidence::Country {
            country: country("CI")
        }))
    );
    // Exactly those, and nothing else: Abidjan is 4,874 km from Paris 11e, less 45 km of
    // accuracy radii, 19.5 h after Tuesday's 14:10 login: 248 km/h, no impossible travel.
    // 09:40 on a Wednesday is Dr Martin's usual hour. The fraudster's new e-CPS is on no list.
    assert_eq!(
        hits(&a),
        [
            C::EcpsFreshActivation,
            C::EcpsRemoteActivation,
            C::EcpsActivationAfterContactChange,
            C::EcpsMultipleActive,
            C::ContactRecentChange,
            C::EcpsUnprovenDevice,
            C::PracticeLocationMismatch,
            C::AuthEcpsUnusual,
            C::DeviceNew,
            C::NetworkUnfamiliar,
            C::NetworkUnproven,
            C::GeoNewCountry,
        ]
    );
    assert_eq!(a.signal(C::GeoImpossibleTravel), Some(&Signal::NoHit));
    assert_eq!(not_evaluated(&a), no_population());

    // No stolen e-CPS, no push bombing, no report, no hotel network: only the kill chain.
    assert_eq!(a.signal(C::EcpsRevoked), Some(&Signal::NoHit));
    assert_eq!(a.signal(C::PushReported), Some(&Signal::NoHit));
    assert_eq!(a.signal(C::HistoryColdStart), Some(&Signal::NoHit));

    assert_eq!(rules(&a), KILL_CHAIN_RULES);
    assert_eq!(a.score(), 145);
    // 145 >= deny (100): the score denies; the card floor is below.
    assert_eq!(a.decision(), Decision::Deny);
    assert!(a.decision() >= CARD);
    assert_eq!(a.level(), Level::Critical);
    assert_eq!(a.report_only(), None);
    assert!(a.failure().is_none());
    let points: i32 = a.reasons().map(|r| r.points()).sum();
    assert_eq!(points, 145);

    // Display, for people: the decision, the score, every rule in rule-id order with the
    // evidence of the detectors its condition names that hit (a rule's detectors in condition
    // order, each once: history.cold_start did not hit, so it is not shown), then what was not
    // evaluated. Ages: 3,600 s is "60 min", 432,000 s and 435,600 s are "5 d".
    let text = a.to_string();
    assert!(
        text.starts_with("deny (score 145, critical risk) — policy `ans-ecps-2025-10` 1.0.0 ["),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "  card-user-on-ecps at least step up (CPS card): ecps.unproven_device [never seen] auth.ecps_unusual [e-CPS in 0 of 64 logins]",
            "  ecps-from-unproven-device-and-network at least step up (CPS card): ecps.unproven_device [never seen] network.unproven [network 198.51.100.0/24 AS29571] geo.new_country [country CI]",
            "  fresh-activation +20: ecps.fresh_activation [age 60 min] ecps.unproven_device [never seen]",
            "  fresh-remote-activation at least step up (CPS card): ecps.fresh_activation [age 60 min] ecps.remote_activation [flag] ecps.unproven_device [never seen]",
            "  multiple-active-ecps +20: ecps.multiple_active [count 3] ecps.unproven_device [never seen]",
            "  new-country +15: geo.new_country [country CI]",
            "  new-device +15: device.new [flag]",
            "  practice-location-mismatch +10: practice.location_mismatch [country CI]",
            "  recent-contact-change +15: contact.recent_change [age 5 d] ecps.unproven_device [never seen]",
            "  remote-activation-after-contact-change +40: ecps.activation_after_contact_change [age 5 d] ecps.remote_activation [flag] ecps.fresh_activation [age 60 min] ecps.unproven_device [never seen]",
            "  unfamiliar-network +10: network.unfamiliar [network 198.51.100.0/24 AS29571]",
            "  not evaluated: stats.anomaly (no population statistics)",
        ],
        "{text}"
    );
}

/// The seed's kill chain as it really happened: the codes went to the professional's own,
/// unchanged e-mail and phone, she handed them over, and the fraudster, in Marseille, logs in
/// at `at` on their own computer from the same big provider (Orange, AS3215) as her, with the
/// e-CPS they activated remotely on 8 October at 08:50 (Paris). She had no e-CPS before: one
/// active.
fn kill_chain_from_france(at: OffsetDateTime) -> RiskContext {
    habitual(&MARTIN, at)
        .auth_mode(AuthMode::Ecps)
        .ip("2001:db8:cb00:41::17".parse().unwrap())
        .geo(43.2965, 5.3698, 25.0)
        .user_agent(CHROME_WIN_NEXT)
        .device_id("c0ffee-51d2aa")
        .credential_id("ecps-7f3a-0102")
        .activation(paris(ALERT_DAY, 8, 50), ActivationChannel::EmailSms)
        .build()
        .unwrap()
}

/// The kill chain from France at 09:40, 50 minutes after the activation. Only the fresh remote
/// activation on a new device gives it away, and the score alone would allow it.
#[test]
fn seed_kill_chain_from_france_is_stepped_up_by_the_floor_alone() {
    let profile = learn_history(&MARTIN, None);
    let ctx = kill_chain_from_france(paris(ALERT_DAY, 9, 40));
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let policy = Policy::recommended();
    let a = policy.evaluate(&ctx, &profile, &env);

    use SignalCode as C;
    assert_eq!(
        a.signal(C::EcpsFreshActivation),
        Some(&Signal::hit(Evidence::Age { seconds: 3000 }))
    );
    // A new /48 of her usual ASN is not unfamiliar (network.unfamiliar), but it is not hers
    // either (network.unproven): the ASN is not the network. Marseille is 660 km from Paris
    // 11e, less 20 + 25 km of radii, 19.5 h after Tuesday's 14:10 login: 32 km/h. No contact
    // change, so remote-activation-after-contact-change cannot fire. An e-CPS where her 64
    // logins came with the card, on a device never seen.
    assert_eq!(
        hits(&a),
        [
            C::EcpsFreshActivation,
            C::EcpsRemoteActivation,
            C::EcpsUnprovenDevice,
            C::AuthEcpsUnusual,
            C::DeviceNew,
            C::NetworkUnproven,
        ]
    );
    assert_eq!(not_evaluated(&a), no_population());
    assert_eq!(
        rules(&a),
        [
            "card-user-on-ecps",
            "ecps-from-unproven-device-and-network",
            "fresh-activation",
            "fresh-remote-activation",
            "new-device"
        ]
    );
    // fresh-activation 20 + new-device 15 = 35 < 40: the score alone would allow it; three
    // floors ask for the card (any one would): the fresh remote activation on a device not
    // proven hers, the e-CPS of a card user, the device and network not proven hers.
    assert_eq!(a.score(), 35);
    assert_eq!(a.decision(), CARD);
    assert_eq!(a.level(), Level::Medium);
}

// ---------------------------------------------------------------------------------------------
// Everyday logins.

#[test]
fn hospital_physician_on_known_workstation_and_trusted_network_is_allowed_and_learned() {
    let profile = learn_history(&BENALI, None);
    let now = paris(ALERT_DAY, 8, 35);
    let ctx = habitual(&BENALI, now)
        .ip("10.20.4.58".parse().unwrap())
        .build()
        .unwrap();
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let policy = Policy::recommended();
    let a = policy.evaluate(&ctx, &profile, &env);

    use SignalCode as C;
    // Nothing risky: every detector but the trusted network is evaluated and silent.
    assert_eq!(hits(&a), [C::NetworkTrusted]);
    assert_eq!(not_evaluated(&a), no_population());
    for code in SignalCode::ALL {
        if *code != C::NetworkTrusted && *code != C::StatsAnomaly {
            assert_eq!(a.signal(*code), Some(&Signal::NoHit), "{code}");
        }
    }
    assert_eq!(
        a.signal(C::NetworkTrusted),
        Some(&Signal::hit(Evidence::Network {
            network: Some("10.20.0.0/16".parse().unwrap()),
            asn: Some(2200)
        }))
    );
    assert_eq!(rules(&a), ["known-device-trusted-network"]);
    assert_eq!(a.score(), -30);
    assert_eq!(a.decision(), Decision::Allow);
    assert_eq!(a.level(), Level::Low);
    assert!(a.is_good_login());

    let learned = profile.learn(&ctx, &a).unwrap();
    assert_ne!(learned, profile);
    assert_eq!(learned.login_count(), 65);
    assert_eq!(learned.last_login_at(), Some(now.unix_timestamp()));
    assert_eq!(
        learned.last_position().map(|l| l.at),
        Some(now.unix_timestamp())
    );
    let device = ctx.event().request.device.unwrap();
    assert_eq!(profile.devices().count(&device), 64);
    assert_eq!(learned.devices().count(&device), 65);
    // Wednesday 08:xx is hour 2 * 24 + 8 of the week; 6 Wednesdays of history, plus this one.
    assert_eq!(profile.hours()[56], 6);
    assert_eq!(learned.hours()[56], 7);
    assert_eq!(learned.subject().map(|s| s.as_str()), Some("810031415929"));
}

/// Dr Martin flies to a congress in Lisbon: a login at the cabinet at 09:05, then one from the
/// hotel on her own laptop at 15:05 (Paris time), 6 hours later.
#[test]
fn travelling_professional_on_known_laptop_is_allowed_not_flagged_as_impossible_travel() {
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let profile = learn_history(&MARTIN, None);
    let morning = habitual(&MARTIN, paris(ALERT_DAY, 9, 5)).build().unwrap();
    let profile = learn_one(&profile, &morning, &env);

    // Abroad, she logs in with the e-CPS on her laptop (no card reader in the hotel).
    let lisbon = |at: OffsetDateTime| {
        habitual(&MARTIN, at)
            .auth_mode(AuthMode::Ecps)
            .ip("2001:db8:3243:7::25".parse().unwrap())
            .asn(3243)
            .country("PT")
            .geo(38.7223, -9.1393, 20.0)
            .build()
            .unwrap()
    };
    let ctx = lisbon(paris(ALERT_DAY, 15, 5));
    let policy = Policy::recommended();
    let a = policy.evaluate(&ctx, &profile, &env);

    use SignalCode as C;
    // From the 09:05 cabinet position: 1,455 km less 40 km of radii in 6 h: 236 km/h, well
    // under 900. Her laptop is known, and proven hers (its 65 logins came with the card): the
    // e-CPS from it is not the fraudster's, though she never used one before
    // (auth.ecps_unusual alone moves nothing). 15:xx on a Wednesday neighbours her 14:10 habit.
    assert_eq!(a.signal(C::GeoImpossibleTravel), Some(&Signal::NoHit));
    assert_eq!(a.signal(C::DeviceNew), Some(&Signal::NoHit));
    assert_eq!(a.signal(C::EcpsUnprovenDevice), Some(&Signal::NoHit));
    assert_eq!(
        a.signal(C::GeoNewCountry),
        Some(&Signal::hit(Evidence::Country {
            country: country("PT")
        }))
    );
    assert_eq!(
        hits(&a),
        [
            C::PracticeLocationMismatch,
            C::AuthEcpsUnusual,
            C::NetworkUnfamiliar,
            C::NetworkUnproven,
            C::GeoNewCountry
        ]
    );
    assert_eq!(not_evaluated(&a), no_population());
    assert_eq!(
        rules(&a),
        [
            "new-country",
            "practice-location-mismatch",
            "unfamiliar-network"
        ]
    );
    // new-country 15 + practice-location-mismatch 10 + unfamiliar-network 10 = 35 < 40:
    // allowed, no card asked for (which she may not carry abroad).
    assert_eq!(a.score(), 35);
    assert_eq!(a.decision(), Decision::Allow);
    assert_eq!(a.level(), Level::Low);
    assert!(a.is_good_login());

    // Learned at once: Portugal and the hotel network become known (64 + 09:05 + 15:05 = 66
    // logins), not yet established (one e-CPS login: network.unproven), and the next morning
    // only the practice-location rule remains: 10, allowed.
    let profile = profile.learn(&ctx, &a).unwrap();
    assert_eq!(profile.login_count(), 66);
    assert_eq!(profile.history().countries.count(&country("PT")), 1);
    assert_eq!(profile.means().ecps, 1);
    let next = lisbon(paris(date!(2025 - 10 - 09), 9, 10));
    let b = policy.evaluate(&next, &profile, &env);
    assert_eq!(
        hits(&b),
        [
            C::PracticeLocationMismatch,
            C::AuthEcpsUnusual,
            C::NetworkUnproven
        ]
    );
    assert_eq!(rules(&b), ["practice-location-mismatch"]);
    assert_eq!(b.score(), 10);
    assert_eq!(b.decision(), Decision::Allow);
}

/// Dr Martin's laptop cookie, stolen, used in Montréal at `at` with an e-CPS (the card is
/// hers alone).
fn stolen_cookie_in_montreal(at: OffsetDateTime) -> RiskContext {
    habitual(&MARTIN, at)
        .auth_mode(AuthMode::Ecps)
        .ip("2001:db8:812:1::9".parse().unwrap())
        .asn(812)
        .country("CA")
        .geo(45.5019, -73.5674, 50.0)
        .build()
        .unwrap()
}

/// The same login as `ctx`, but the provider's GeoIP lookup failed: no country, no
/// coordinates, no ASN.
fn without_geoip(ctx: &RiskContext) -> RiskContext {
    let mut event = LoginEvent::from(ctx.clone());
    event.request.country = None;
    event.request.geo = None;
    event.request.asn = None;
    RiskContext::try_from(event).unwrap()
}

/// Dr Martin's laptop cookie shows up in Montréal 30 minutes after she logged in at the
/// cabinet: a stolen session cookie.
#[test]
fn impossible_travel_paris_to_montreal_in_thirty_minutes() {
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let profile = learn_history(&MARTIN, None);
    let morning = habitual(&MARTIN, paris(ALERT_DAY, 9, 5)).build().unwrap();
    let profile = learn_one(&profile, &morning, &env);

    let ctx = stolen_cookie_in_montreal(paris(ALERT_DAY, 9, 35));
    let policy = Policy::recommended();
    let a = policy.evaluate(&ctx, &profile, &env);

    use SignalCode as C;
    // Great circle Paris 11e – Montréal 5,506.84 km, less 20 + 50 km of accuracy radii:
    // 5,436.84 km in 0.5 h = 10,873.68 km/h.
    let Some(Signal::Hit {
        evidence:
            Evidence::Travel {
                distance_km,
                hours,
                speed_kmh,
            },
    }) = a.signal(C::GeoImpossibleTravel).copied()
    else {
        panic!("no travel evidence:\n{a}");
    };
    assert!((distance_km - 5_436.84).abs() < 0.01, "{distance_km}");
    assert_eq!(hours, 0.5);
    assert!((speed_kmh - 10_873.68).abs() < 0.02, "{speed_kmh}");
    // With her own cookie, the device is proven hers: only where and how betray it.
    assert_eq!(
        hits(&a),
        [
            C::PracticeLocationMismatch,
            C::AuthEcpsUnusual,
            C::NetworkUnfamiliar,
            C::NetworkUnproven,
            C::GeoNewCountry,
            C::GeoImpossibleTravel
        ]
    );
    assert_eq!(
        rules(&a),
        [
            "impossible-travel",
            "new-country",
            "practice-location-mismatch",
            "unfamiliar-network"
        ]
    );
    // impossible-travel 40 + new-country 15 + practice-location-mismatch 10 +
    // unfamiliar-network 10 = 75: review (70..99).
    assert_eq!(a.score(), 75);
    assert_eq!(a.decision(), Decision::Review);
    assert_eq!(a.level(), Level::High);
}

/// Dr Martin turns her VPN on, on her own laptop: first with a Paris exit, then with an
/// Amsterdam one.
#[test]
fn vpn_user_on_known_laptop() {
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let profile = learn_history(&MARTIN, None);
    let policy = Policy::recommended();
    // From home, on her laptop, with the e-CPS (no reader at home), through a commercial VPN.
    let vpn = |exit: &str, (lat, lon): (f64, f64), ip: &str| {
        habitual(&MARTIN, paris(ALERT_DAY, 9, 40))
            .auth_mode(AuthMode::Ecps)
            .ip(ip.parse().unwrap())
            .asn(9009)
            .country(exit)
            .geo(lat, lon, 100.0)
            .anonymizer(true)
            .hosting(true)
            .build()
            .unwrap()
    };

    use SignalCode as C;
    let paris_exit = vpn("FR", (48.8566, 2.3522), "203.0.113.77");
    let a = policy.evaluate(&paris_exit, &profile, &env);
    // The caller's flag is the evidence (the address is also on the anonymizer list).
    assert_eq!(
        a.signal(C::NetworkAnonymizer),
        Some(&Signal::hit(Evidence::Flag))
    );
    // Her laptop is proven hers: the e-CPS from it is hers, though she never used one before.
    assert_eq!(
        hits(&a),
        [
            C::AuthEcpsUnusual,
            C::NetworkUnfamiliar,
            C::NetworkUnproven,
            C::NetworkAnonymizer
        ]
    );
    assert_eq!(a.signal(C::EcpsUnprovenDevice), Some(&Signal::NoHit));
    assert_eq!(rules(&a), ["anonymizer", "unfamiliar-network"]);
    // 25 + 10 = 35 < 40: allowed.
    assert_eq!(a.score(), 35);
    assert_eq!(a.decision(), Decision::Allow);
    assert_eq!(a.level(), Level::Low);

    // The same VPN with its Amsterdam exit adds a new country and a practice mismatch. No
    // travel is measured to a VPN exit: where she is, it does not say.
    let amsterdam_exit = vpn("NL", (52.3676, 4.9041), "203.0.113.78");
    let b = policy.evaluate(&amsterdam_exit, &profile, &env);
    assert_eq!(
        hits(&b),
        [
            C::PracticeLocationMismatch,
            C::AuthEcpsUnusual,
            C::NetworkUnfamiliar,
            C::NetworkUnproven,
            C::GeoNewCountry,
            C::NetworkAnonymizer
        ]
    );
    assert_eq!(
        b.signal(C::GeoImpossibleTravel),
        Some(&Signal::missing(Missing::Exit))
    );
    assert_eq!(
        rules(&b),
        [
            "anonymizer",
            "new-country",
            "practice-location-mismatch",
            "unfamiliar-network"
        ]
    );
    // anonymizer 25 + unfamiliar-network 10 + new-country 15 + practice-location-mismatch 10
    // = 60: step-up (40..69), with the card.
    assert_eq!(b.score(), 60);
    assert_eq!(b.decision(), CARD);
    assert_eq!(b.level(), Level::Medium);
}

/// The provider's GeoIP lookup fails: no country, no coordinates, no ASN for Dr Martin's
/// usual cabinet address.
#[test]
fn missing_geoip_data_is_not_evaluated_and_does_not_raise_the_decision() {
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let profile = learn_history(&MARTIN, None);
    let full = habitual(&MARTIN, paris(ALERT_DAY, 9, 40)).build().unwrap();
    let ctx = without_geoip(&full);
    let policy = Policy::recommended();
    let a = policy.evaluate(&ctx, &profile, &env);

    use SignalCode as C;
    assert_eq!(
        not_evaluated(&a),
        [
            (
                "practice.location_mismatch".to_owned(),
                Missing::Input("request.country")
            ),
            (
                "geo.new_country".to_owned(),
                Missing::Input("request.country")
            ),
            (
                "geo.impossible_travel".to_owned(),
                Missing::Input("request.geo")
            ),
            ("stats.anomaly".to_owned(), Missing::Population),
        ]
    );
    for code in [
        C::GeoNewCountry,
        C::GeoImpossibleTravel,
        C::PracticeLocationMismatch,
    ] {
        assert!(a.signal(code).unwrap().is_not_evaluated(), "{code}");
    }
    // The /24 is known, so the network is familiar without the ASN.
    assert!(hits(&a).is_empty());
    assert!(rules(&a).is_empty());
    assert_eq!(a.score(), 0);
    assert_eq!(a.decision(), Decision::Allow);
    // The same as with full GeoIP data.
    let b = policy.evaluate(&full, &profile, &env);
    assert_eq!((b.score(), b.decision()), (0, Decision::Allow));
    assert_eq!(not_evaluated(&b), no_population());
}

/// A good login without coordinates (the GeoIP lookup failed) is learned, but keeps the last
/// position: it no longer hides the next login's travel.
#[test]
fn login_without_coordinates_keeps_the_last_position() {
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let history = learn_history(&MARTIN, None);
    let policy = Policy::recommended();
    let tuesday_afternoon = paris(date!(2025 - 10 - 07), 14, 10).unix_timestamp();
    let (lat, lon, accuracy) = MARTIN.place;
    let position = |p: &Profile| p.last_position().map(|l| (l.at, l.geo.lat, l.geo.lon));
    assert_eq!(position(&history), Some((tuesday_afternoon, lat, lon)));
    assert_eq!(history.last_login_at(), Some(tuesday_afternoon));

    use SignalCode as C;
    let travel = |a: &Assessment<'_>| match a.signal(C::GeoImpossibleTravel).copied() {
        Some(Signal::Hit {
            evidence:
                Evidence::Travel {
                    distance_km,
                    hours,
                    speed_kmh,
                },
        }) => Some((distance_km, hours, speed_kmh)),
        Some(Signal::NoHit) => None,
        other => panic!("geo.impossible_travel: {other:?}\n{a}"),
    };

    // 1. The cabinet login at 09:05 has no coordinates. Allowed (score 0, as in the test
    // above) and learned: it is the last login, but the last position stays Tuesday's 14:10.
    let cabinet = without_geoip(&habitual(&MARTIN, paris(ALERT_DAY, 9, 5)).build().unwrap());
    let profile = learn_one(&history, &cabinet, &env);
    assert_eq!(profile.login_count(), 65);
    assert_eq!(
        profile.last_login_at(),
        Some(paris(ALERT_DAY, 9, 5).unix_timestamp())
    );
    assert_eq!(position(&profile), Some((tuesday_afternoon, lat, lon)));
    assert_eq!(
        profile.last_position().map(|l| l.geo.accuracy_km),
        Some(accuracy)
    );

    // Montréal at 09:35 is now measured from there, not left unevaluated: 5,436.84 km (after
    // 20 + 50 km of radii) in 19 h 25 min = 19.417 h is 280 km/h, a plausible flight. No hit:
    // new-country 15 + practice-location-mismatch 10 + unfamiliar-network 10 = 35 < 40, allowed.
    let a = policy.evaluate(
        &stolen_cookie_in_montreal(paris(ALERT_DAY, 9, 35)),
        &profile,
        &env,
    );
    assert_eq!(travel(&a), None);
    assert_eq!(not_evaluated(&a), no_population());
    assert_eq!(
        hits(&a),
        [
            C::PracticeLocationMismatch,
            C::AuthEcpsUnusual,
            C::NetworkUnfamiliar,
            C::NetworkUnproven,
            C::GeoNewCountry
        ]
    );
    assert_eq!(a.score(), 35);
    assert_eq!(a.decision(), Decision::Allow);

    // 2. The cabinet login at 09:05 has coordinates and a second one at 09:20 has none (both
    // learned): the position stays 09:05's.
    let located = habitual(&MARTIN, paris(ALERT_DAY, 9, 5)).build().unwrap();
    let profile = learn_one(&history, &located, &env);
    let blind = without_geoip(&habitual(&MARTIN, paris(ALERT_DAY, 9, 20)).build().unwrap());
    let profile = learn_one(&profile, &blind, &env);
    assert_eq!(profile.login_count(), 66);
    assert_eq!(
        profile.last_login_at(),
        Some(paris(ALERT_DAY, 9, 20).unix_timestamp())
    );
    let nine_five = paris(ALERT_DAY, 9, 5).unix_timestamp();
    assert_eq!(position(&profile), Some((nine_five, lat, lon)));

    // Montréal at 09:35: 5,436.84 km in the 0.5 h since 09:05, 10,873.68 km/h > 900. (When the
    // 09:20 login erased the position, the detector was not evaluated and this login scored
    // 35, allowed.) impossible-travel 40 + 15 + 10 + 10 = 75: review.
    let b = policy.evaluate(
        &stolen_cookie_in_montreal(paris(ALERT_DAY, 9, 35)),
        &profile,
        &env,
    );
    let (distance_km, hours, speed_kmh) = travel(&b).unwrap();
    assert!((distance_km - 5_436.84).abs() < 0.01, "{distance_km}");
    assert_eq!(hours, 0.5);
    assert!((speed_kmh - 10_873.68).abs() < 0.02, "{speed_kmh}");
    assert_eq!(
        rules(&b),
        [
            "impossible-travel",
            "new-country",
            "practice-location-mismatch",
            "unfamiliar-network"
        ]
    );
    assert_eq!(b.score(), 75);
    assert_eq!(b.decision(), Decision::Review);
}

/// Dr Martin's own new phone: she changed her RPPS phone number on Monday 6 October at 18:00,
/// activated an e-CPS on the new phone remotely (QR code by e-mail, SMS code to the new number)
/// on Wednesday at 08:55, and logs in at 09:05 on her own laptop at the cabinet. The same
/// signals as the kill chain's contact-change step, but on a device known to be hers.
#[test]
fn own_new_phone_after_contact_change_on_known_laptop_is_not_reviewed() {
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let profile = learn_history(&MARTIN, None);
    let policy = Policy::recommended();
    // She logs in on her laptop with the e-CPS of her new phone.
    let new_phone = |active: u32| {
        habitual(&MARTIN, paris(ALERT_DAY, 9, 5))
            .auth_mode(AuthMode::Ecps)
            .credential_id("ecps-martin-02")
            .activation(paris(ALERT_DAY, 8, 55), ActivationChannel::EmailSms)
            .active_credentials(active)
            .contact_changes([ContactChange {
                at: paris(date!(2025 - 10 - 06), 18, 0),
                kind: ContactKind::Phone,
            }])
            .build()
            .unwrap()
    };

    // Her old e-CPS went with the old phone: one active.
    let ctx = new_phone(1);
    let a = policy.evaluate(&ctx, &profile, &env);

    use SignalCode as C;
    // Activated 10 min = 600 s before the login; 38 h 55 min = 140,100 s after the change;
    // the change is 39 h 05 min = 140,700 s old.
    assert_eq!(
        a.signal(C::EcpsFreshActivation),
        Some(&Signal::hit(Evidence::Age { seconds: 600 }))
    );
    assert_eq!(
        a.signal(C::EcpsActivationAfterContactChange),
        Some(&Signal::hit(Evidence::Age { seconds: 140_100 }))
    );
    assert_eq!(
        a.signal(C::ContactRecentChange),
        Some(&Signal::hit(Evidence::Age { seconds: 140_700 }))
    );
    // Her laptop (proven hers: 64 card logins), her cabinet network, her usual hour, 0 km
    // from Tuesday's position; an e-CPS, where she used the card.
    assert_eq!(a.signal(C::DeviceNew), Some(&Signal::NoHit));
    assert_eq!(a.signal(C::EcpsUnprovenDevice), Some(&Signal::NoHit));
    assert_eq!(a.signal(C::HistoryColdStart), Some(&Signal::NoHit));
    assert_eq!(
        hits(&a),
        [
            C::EcpsFreshActivation,
            C::EcpsRemoteActivation,
            C::EcpsActivationAfterContactChange,
            C::ContactRecentChange,
            C::AuthEcpsUnusual
        ]
    );
    assert_eq!(not_evaluated(&a), no_population());
    // What the partner feeds say of the credential weighs on logins from a device not proven
    // hers; the fraudster never has her laptop. No rule fires: allowed, and learned.
    assert!(rules(&a).is_empty());
    assert_eq!(a.score(), 0);
    assert_eq!(a.decision(), Decision::Allow);
    assert_eq!(a.level(), Level::Low);
    assert_eq!(profile.learn(&ctx, &a).unwrap().login_count(), 65);

    // Her old e-CPS still active next to the new one: from her laptop, still hers.
    let b = policy.evaluate(&new_phone(2), &profile, &env);
    assert_eq!(
        b.signal(C::EcpsMultipleActive),
        Some(&Signal::hit(Evidence::Count {
            count: 2,
            window_seconds: 0
        }))
    );
    assert!(rules(&b).is_empty());
    assert_eq!(b.decision(), Decision::Allow);

    // The same e-CPS on the new phone itself, its browser never seen: the kill chain's shape
    // exactly (a remote activation after a contact change, used at once on a device not proven
    // hers): fresh-activation 20 + remote-activation-after-contact-change 40 +
    // recent-contact-change 15 + new-device 15 = 90, review; she can log in with her card.
    let on_phone = RiskContext::try_from({
        let mut e = LoginEvent::from(new_phone(1));
        e.request.device = RiskContext::builder(e.at, e.subject.clone())
            .device_id("martin-new-phone")
            .build()
            .unwrap()
            .event()
            .request
            .device;
        e
    })
    .unwrap();
    let c = policy.evaluate(&on_phone, &profile, &env);
    assert_eq!(
        rules(&c),
        [
            "card-user-on-ecps",
            "fresh-activation",
            "fresh-remote-activation",
            "new-device",
            "recent-contact-change",
            "remote-activation-after-contact-change"
        ]
    );
    assert_eq!(c.score(), 90);
    assert_eq!(c.decision(), Decision::Review);
}

// ---------------------------------------------------------------------------------------------
// The social-engineering call.

/// An attacker who knows Dr Martin's RPPS number (it is public) keeps starting PSC logins
/// until she approves one push: 4 denied or expired in the last 20 minutes.
#[test]
fn push_bombing_and_a_reported_request_are_stepped_up_with_the_card() {
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let profile = learn_history(&MARTIN, None);
    let policy = Policy::recommended();
    let now = paris(ALERT_DAY, 9, 40);
    let push = |minutes_ago: i64, outcome| ValidationRequest {
        at: now - Duration::minutes(minutes_ago),
        outcome,
    };
    // The approved push opens the fraudster's browser: an e-CPS login, from their computer.
    let ctx = habitual(&MARTIN, now)
        .auth_mode(AuthMode::Ecps)
        .ip("2001:db8:1557::42".parse().unwrap())
        .asn(15557)
        .geo(43.2965, 5.3698, 25.0)
        .user_agent(CHROME_WIN_NEXT)
        .device_id("c0ffee-77a0b3")
        .validation_requests([
            push(19, PushOutcome::Denied),
            push(14, PushOutcome::Expired),
            push(9, PushOutcome::Denied),
            push(4, PushOutcome::Denied),
            push(0, PushOutcome::Approved),
        ])
        .build()
        .unwrap();
    let a = policy.evaluate(&ctx, &profile, &env);

    use SignalCode as C;
    assert_eq!(
        a.signal(C::PushFatigue),
        Some(&Signal::hit(Evidence::Count {
            count: 4,
            window_seconds: 3600
        }))
    );
    assert_eq!(
        hits(&a),
        [
            C::PushFatigue,
            C::EcpsUnprovenDevice,
            C::AuthEcpsUnusual,
            C::DeviceNew,
            C::NetworkUnfamiliar,
            C::NetworkUnproven
        ]
    );
    assert_eq!(
        rules(&a),
        [
            "card-user-on-ecps",
            "ecps-from-unproven-device-and-network",
            "new-device",
            "push-bombing",
            "unfamiliar-network"
        ]
    );
    // 15 + 10 = 25 would allow; the push-bombing floor (failed pushes, then a device not
    // proven hers) asks for the card, as do the e-CPS of a card user and the device and
    // network not proven hers.
    assert_eq!(a.score(), 25);
    assert_eq!(a.decision(), CARD);
    assert!(a.decision() >= CARD);

    // Monday evening Dr Martin reported an unsolicited validation request: someone is
    // targeting her. Her own card login on Wednesday morning, 39 h 10 min = 141,000 s later
    // (within the policy's 7 days), is what the check asks for: allowed.
    let reported = |at: OffsetDateTime| habitual(&MARTIN, now).reports([at]).build().unwrap();
    let b = policy.evaluate(
        &reported(paris(date!(2025 - 10 - 06), 18, 30)),
        &profile,
        &env,
    );
    assert_eq!(
        b.signal(C::PushReported),
        Some(&Signal::hit(Evidence::Age { seconds: 141_000 }))
    );
    assert_eq!(hits(&b), [C::PushReported]);
    assert!(rules(&b).is_empty());
    assert_eq!(b.decision(), Decision::Allow);

    // An e-CPS login that day from a device not proven hers is checked with the card; reporting
    // does not lock her out as a review would. Score: new-device 15.
    let unproven = habitual(&MARTIN, now)
        .auth_mode(AuthMode::Ecps)
        .device_id("martin-hotel-computer")
        .reports([paris(date!(2025 - 10 - 06), 18, 30)])
        .build()
        .unwrap();
    let c = policy.evaluate(&unproven, &profile, &env);
    assert_eq!(
        rules(&c),
        [
            "card-user-on-ecps",
            "new-device",
            "reported-unsolicited-request"
        ]
    );
    assert_eq!(c.score(), 15);
    assert_eq!(c.decision(), CARD);
    // Score 15 is the low band, raised to the step-up's medium.
    assert_eq!(c.level(), Level::Medium);

    // The window is the policy's 7 days (604,800 s), inclusive, not the detector's default 30:
    // a report exactly a week old still counts, one a second older does not, nor one from
    // Tuesday 30 September 18:30 (7 d 15 h 10 min ago).
    let week = policy.evaluate(&reported(now - Duration::days(7)), &profile, &env);
    assert_eq!(
        week.signal(C::PushReported),
        Some(&Signal::hit(Evidence::Age { seconds: 604_800 }))
    );
    for old in [
        now - Duration::days(7) - Duration::seconds(1),
        paris(date!(2025 - 09 - 30), 18, 30),
    ] {
        let c = policy.evaluate(&reported(old), &profile, &env);
        assert_eq!(c.signal(C::PushReported), Some(&Signal::NoHit), "{old}");
        assert!(hits(&c).is_empty(), "{old}");
        assert_eq!((c.score(), c.decision()), (0, Decision::Allow), "{old}");
    }
}

/// Screen sharing during authentication (the fraudster "helps" on the phone).
#[test]
fn screen_sharing_is_reviewed() {
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let profile = learn_history(&MARTIN, None);
    // Her e-CPS on her laptop while someone shares her screen: what the alert warns against.
    let ctx = habitual(&MARTIN, paris(ALERT_DAY, 9, 40))
        .auth_mode(AuthMode::Ecps)
        .remote_control_suspected(true)
        .build()
        .unwrap();
    let policy = Policy::recommended();
    let a = policy.evaluate(&ctx, &profile, &env);
    assert_eq!(
        a.signal(SignalCode::SessionRemoteControl),
        Some(&Signal::hit(Evidence::Flag))
    );
    assert_eq!(
        hits(&a),
        [
            SignalCode::SessionRemoteControl,
            SignalCode::AuthEcpsUnusual
        ]
    );
    assert_eq!(rules(&a), ["remote-control"]);
    assert_eq!(a.score(), 0);
    assert_eq!(a.decision(), Decision::Review);
    assert_eq!(a.level(), Level::High);

    // So is a login whose means PSC did not say.
    let unsaid = RiskContext::try_from({
        let mut e = LoginEvent::from(ctx.clone());
        e.auth.mode = None;
        e
    })
    .unwrap();
    assert_eq!(
        policy.evaluate(&unsaid, &profile, &env).decision(),
        Decision::Review
    );

    // With the card, card and PIN stay on her desk (IT support at the workstation, most
    // often): noted, +10, allowed.
    let card = habitual(&MARTIN, paris(ALERT_DAY, 9, 40))
        .remote_control_suspected(true)
        .build()
        .unwrap();
    let b = policy.evaluate(&card, &profile, &env);
    assert_eq!(rules(&b), ["remote-control-card-login"]);
    assert_eq!(b.score(), 10);
    assert_eq!(b.decision(), Decision::Allow);
}

// ---------------------------------------------------------------------------------------------
// The ANS measures: deactivated e-CPS, blocked activations, professionals under alert.

#[test]
fn deactivated_ecps_is_denied_even_on_known_workstation_and_trusted_network() {
    let profile = learn_history(&LAURENT, None);
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let ctx = habitual(&LAURENT, paris(ALERT_DAY, 8, 25)).build().unwrap();
    let policy = Policy::recommended();
    let a = policy.evaluate(&ctx, &profile, &env);

    use SignalCode as C;
    assert_eq!(a.signal(C::EcpsRevoked), Some(&Signal::hit(Evidence::Flag)));
    assert_eq!(a.signal(C::DeviceNew), Some(&Signal::NoHit));
    assert_eq!(hits(&a), [C::EcpsRevoked, C::NetworkTrusted]);
    assert_eq!(rules(&a), ["ecps-revoked", "known-device-trusted-network"]);
    // The force wins over the score of −30.
    assert_eq!(a.score(), -30);
    assert_eq!(a.decision(), Decision::Deny);
    assert_eq!(a.level(), Level::Critical);

    // The same login before the ANS deactivated the e-CPS was allowed.
    let before = watchlists(LISTS_SEPTEMBER);
    let policy = Policy::recommended();
    let b = policy.evaluate(&ctx, &profile, &Environment::new().with_watchlists(&before));
    assert_eq!(b.decision(), Decision::Allow);
}

#[test]
fn blocked_subject_is_denied_only_with_an_ecps_activated_after_the_block() {
    let profile = learn_history(&PETIT, None);
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let policy = Policy::recommended();
    let now = paris(ALERT_DAY, 9, 40);
    let block = datetime!(2025-10-06 09:00 UTC);

    use SignalCode as C;
    // An e-CPS activated remotely 30 minutes after the block, used on her known computer.
    let after = habitual(&PETIT, now)
        .auth_mode(AuthMode::Ecps)
        .credential_id("ecps-petit-02")
        .activation(block + Duration::minutes(30), ActivationChannel::EmailSms)
        .build()
        .unwrap();
    let a = policy.evaluate(&after, &profile, &env);
    assert_eq!(
        a.signal(C::EcpsActivatedAfterBlock),
        Some(&Signal::hit(Evidence::Since { at: block }))
    );
    // Activated 46 h 10 min before the login: fresh (< 72 h); on her computer, proven hers by
    // 64 card logins, so neither the fresh activation's points nor a card floor: the block
    // alone denies it.
    assert_eq!(
        hits(&a),
        [
            C::EcpsActivatedAfterBlock,
            C::EcpsFreshActivation,
            C::EcpsRemoteActivation,
            C::AuthEcpsUnusual
        ]
    );
    assert_eq!(rules(&a), ["ecps-activated-after-block"]);
    assert_eq!(a.score(), 0);
    assert_eq!(a.decision(), Decision::Deny);

    // Activated exactly at the block: "on or after" the block date.
    let at_block = habitual(&PETIT, now)
        .auth_mode(AuthMode::Ecps)
        .activation(block, ActivationChannel::EmailSms)
        .build()
        .unwrap();
    assert!(
        policy
            .evaluate(&at_block, &profile, &env)
            .signal(C::EcpsActivatedAfterBlock)
            .unwrap()
            .is_hit()
    );

    // Her own e-CPS, activated with the card in June, before the block: not denied.
    let before = habitual(&PETIT, now).build().unwrap();
    let b = policy.evaluate(&before, &profile, &env);
    assert_eq!(b.signal(C::EcpsActivatedAfterBlock), Some(&Signal::NoHit));
    assert!(hits(&b).is_empty());
    assert!(rules(&b).is_empty());
    assert_eq!(b.decision(), Decision::Allow);
}

#[test]
fn professional_under_alert_is_asked_for_the_card() {
    let profile = learn_history(&ROUX, None);
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let policy = Policy::recommended();
    use SignalCode as C;

    // With the card at his desk: the card is what the ANS measure asks for; allowed.
    let ctx = habitual(&ROUX, paris(ALERT_DAY, 9, 40)).build().unwrap();
    let a = policy.evaluate(&ctx, &profile, &env);
    assert_eq!(hits(&a), [C::SubjectUnderAlert]);
    assert!(rules(&a).is_empty());
    assert_eq!(a.decision(), Decision::Allow);

    // An e-CPS on a device never seen (his office network, proven by his card logins): the
    // card, by the measure (and because he is a card user).
    let phone = habitual(&ROUX, paris(ALERT_DAY, 9, 40))
        .auth_mode(AuthMode::Ecps)
        .device_id("roux-unknown-phone")
        .build()
        .unwrap();
    let b = policy.evaluate(&phone, &profile, &env);
    assert_eq!(
        hits(&b),
        [
            C::SubjectUnderAlert,
            C::EcpsUnprovenDevice,
            C::AuthEcpsUnusual,
            C::DeviceNew
        ]
    );
    assert_eq!(
        rules(&b),
        ["card-user-on-ecps", "new-device", "subject-under-alert"]
    );
    assert_eq!(b.score(), 15);
    assert_eq!(b.decision(), CARD);
}

// ---------------------------------------------------------------------------------------------
// First logins, report-only roll-out, determinism, poisoning.

#[test]
fn cold_start_first_login() {
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let policy = Policy::recommended();
    let now = paris(ALERT_DAY, 9, 40);
    let ctx = habitual(&MARTIN, now).build().unwrap();
    let a = policy.evaluate(&ctx, &Profile::new(), &env);

    use SignalCode as C;
    assert_eq!(
        a.signal(C::HistoryColdStart),
        Some(&Signal::hit(Evidence::Count {
            count: 0,
            window_seconds: 0
        }))
    );
    // Nothing proven yet: the network is not established either (a card login is).
    assert_eq!(hits(&a), [C::NetworkUnproven, C::HistoryColdStart]);
    assert_eq!(
        not_evaluated(&a),
        [
            ("device.new".to_owned(), Missing::History),
            ("network.unfamiliar".to_owned(), Missing::History),
            ("geo.new_country".to_owned(), Missing::History),
            ("geo.impossible_travel".to_owned(), Missing::History),
            ("time.unusual_hour".to_owned(), Missing::History),
            ("stats.anomaly".to_owned(), Missing::Population),
        ]
    );
    assert_eq!(rules(&a), ["first-login"]);
    assert_eq!(a.score(), 10);
    assert_eq!(a.decision(), Decision::Allow);
    let learned = Profile::new().learn(&ctx, &a).unwrap();
    assert_eq!(learned.login_count(), 1);

    // A first login with an e-CPS activated remotely two hours ago: the card, whatever the
    // score (first-login 10 + fresh-activation 20 + ecps-from-unproven-device 15 = 45: no
    // device proven yet, and device.new cannot say "new" without history).
    let fresh = habitual(&MARTIN, now)
        .auth_mode(AuthMode::Ecps)
        .activation(now - Duration::hours(2), ActivationChannel::EmailSms)
        .build()
        .unwrap();
    let b = policy.evaluate(&fresh, &Profile::new(), &env);
    assert_eq!(
        hits(&b),
        [
            C::EcpsFreshActivation,
            C::EcpsRemoteActivation,
            C::EcpsUnprovenDevice,
            C::NetworkUnproven,
            C::HistoryColdStart
        ]
    );
    assert_eq!(
        b.signal(C::AuthEcpsUnusual),
        Some(&Signal::missing(Missing::History))
    );
    assert_eq!(
        rules(&b),
        [
            "ecps-from-unproven-device",
            "first-login",
            "fresh-activation",
            "fresh-remote-activation"
        ]
    );
    assert_eq!(b.score(), 45);
    assert_eq!(b.decision(), CARD);
}

/// The recommended policy in report-only mode, as a provider rolls it out first.
fn report_only_copy() -> Policy {
    let mut spec = Policy::recommended().spec().clone();
    assert_eq!(spec.mode, Mode::Enforce);
    spec.mode = Mode::ReportOnly;
    Policy::compile(spec).unwrap()
}

#[test]
fn report_only_policy_reports_the_kill_chain_without_enforcing_it() {
    let recommended = Policy::recommended();
    let dry_run = report_only_copy();
    assert!(dry_run.is_report_only());
    assert_ne!(dry_run.fingerprint(), recommended.fingerprint());

    let profile = learn_history(&MARTIN, None);
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);

    // Her own 09:05 login: nothing fires, so the report-only outcome is 0, allow too: a good
    // login, learned during the rollout as before (64 + 1 = 65).
    let morning = habitual(&MARTIN, paris(ALERT_DAY, 9, 5)).build().unwrap();
    let usual = dry_run.evaluate(&morning, &profile, &env);
    assert!(rules(&usual).is_empty());
    assert_eq!((usual.score(), usual.decision()), (0, Decision::Allow));
    assert_eq!(
        usual.report_only(),
        Some(Outcome {
            score: 0,
            decision: Decision::Allow
        })
    );
    assert!(usual.is_good_login());
    assert_eq!(profile.learn(&morning, &usual).unwrap().login_count(), 65);

    let a = dry_run.evaluate(&kill_chain(), &profile, &env);
    assert_eq!(a.decision(), Decision::Allow);
    assert_eq!(a.score(), 0);
    assert_eq!(a.level(), Level::Low);
    // What the enforced policy decides (see KILL_CHAIN_RULES): 145, deny.
    assert_eq!(
        a.report_only(),
        Some(Outcome {
            score: 145,
            decision: Decision::Deny
        })
    );
    assert_eq!(rules(&a), KILL_CHAIN_RULES);
    assert!(a.reasons().all(|r| r.is_report_only()));
    assert_eq!(a.fingerprint(), dry_run.fingerprint());
    // Allowed, but not a good login: the report-only outcome is not allow.
    assert!(!a.is_good_login());
    let text = a.to_string();
    assert!(
        text.starts_with("allow (score 0, low risk)"),
        "unexpected:\n{text}"
    );
    assert!(
        text.contains("  report-only: would be deny (score 145)"),
        "{text}"
    );
    assert!(text.contains("  new-device (report-only) +15:"), "{text}");
    assert!(text.contains("  new-country (report-only) +15:"), "{text}");
}

/// A provider rolls the policy out report-only, learning every allowed login as before. The
/// fraudster's first login from France is allowed (nothing is enforced) but must not teach Dr
/// Martin's profile their computer: two hours later, once the policy is enforced, it is still
/// a new device and the card floor still applies.
#[test]
fn report_only_rollout_does_not_teach_the_attackers_device() {
    let dry_run = report_only_copy();
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let profile = learn_history(&MARTIN, None);

    // 09:40, the kill chain from France: report-only, fresh-activation 20 + new-device 15 = 35
    // with three card floors would be a step-up with the card. Enforced: allow.
    let attack = kill_chain_from_france(paris(ALERT_DAY, 9, 40));
    let attacker_device = attack.event().request.device.unwrap();
    let b = dry_run.evaluate(&attack, &profile, &env);
    assert_eq!(
        rules(&b),
        [
            "card-user-on-ecps",
            "ecps-from-unproven-device-and-network",
            "fresh-activation",
            "fresh-remote-activation",
            "new-device"
        ]
    );
    assert_eq!((b.score(), b.decision()), (0, Decision::Allow));
    assert_eq!(
        b.report_only(),
        Some(Outcome {
            score: 35,
            decision: CARD
        })
    );
    assert!(!b.is_good_login());
    let after = profile.learn(&attack, &b).unwrap();
    assert_same_history(&after, &profile);
    assert_eq!(after.login_count(), 64);
    assert_eq!(after.devices().len(), 1);
    assert_eq!(after.devices().count(&attacker_device), 0);
    let tuesday_afternoon = paris(date!(2025 - 10 - 07), 14, 10).unix_timestamp();
    assert_eq!(after.last_login_at(), Some(tuesday_afternoon));
    assert_eq!(after.last_position().map(|p| p.at), Some(tuesday_afternoon));

    // 11:40, the policy now enforced, the same computer and e-CPS (activated at 08:50: 2 h 50
    // min = 10,200 s, still fresh). Still a new device, so the floor applies. 11:xx on a
    // Wednesday is unusual for her: she logs in at 09:xx and 14:xx, so the hours 10-12 of
    // every weekday are empty, a share of 0 < 0.02 (Wednesday is hour 2 * 24 + 11 = 59).
    // Marseille is 615 km (after radii) from Tuesday's 14:10 position, 21.5 h earlier.
    let policy = Policy::recommended();
    let later = kill_chain_from_france(paris(ALERT_DAY, 11, 40));
    assert_eq!(later.event().request.device, Some(attacker_device));
    let c = policy.evaluate(&later, &after, &env);

    use SignalCode as C;
    assert_eq!(
        c.signal(C::EcpsFreshActivation),
        Some(&Signal::hit(Evidence::Age { seconds: 10_200 }))
    );
    assert_eq!(c.signal(C::DeviceNew), Some(&Signal::hit(Evidence::Flag)));
    assert_eq!(
        c.signal(C::TimeUnusualHour),
        Some(&Signal::hit(Evidence::Hour {
            hour_of_week: 59,
            share: 0.0
        }))
    );
    assert_eq!(
        hits(&c),
        [
            C::EcpsFreshActivation,
            C::EcpsRemoteActivation,
            C::EcpsUnprovenDevice,
            C::AuthEcpsUnusual,
            C::DeviceNew,
            C::NetworkUnproven,
            C::TimeUnusualHour
        ]
    );
    assert_eq!(
        rules(&c),
        [
            "card-user-on-ecps",
            "ecps-from-unproven-device-and-network",
            "fresh-activation",
            "fresh-remote-activation",
            "new-device",
            "unusual-hour"
        ]
    );
    // 20 + 15 + 10 = 45 >= 40, and the floors: a step-up with the card. Had the report-only
    // login taught the device, it would still not be proven hers (one login, never with the
    // card): the floors would stand.
    assert_eq!(c.score(), 45);
    assert_eq!(c.decision(), CARD);
    assert_eq!(c.level(), Level::Medium);
}

#[test]
fn same_inputs_give_the_same_assessment() {
    let profile = learn_history(&MARTIN, None);
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let ctx = kill_chain();
    let policy = Policy::recommended();
    let first = serde_json::to_string(&policy.evaluate(&ctx, &profile, &env)).unwrap();
    let second = serde_json::to_string(&policy.evaluate(&ctx, &profile, &env)).unwrap();
    assert_eq!(first, second);

    // Also through storage: another compiled copy of the policy, the login replayed from its
    // JSON record, the profile and lists reloaded from JSON.
    let replayed: RiskContext =
        serde_json::from_str(&serde_json::to_string(&ctx).unwrap()).unwrap();
    let reloaded: Profile =
        serde_json::from_str(&serde_json::to_string(&profile).unwrap()).unwrap();
    let lists_again = watchlists(LISTS_OCTOBER);
    let env_again = Environment::new().with_watchlists(&lists_again);
    let other_policy = Policy::recommended();
    let third =
        serde_json::to_string(&other_policy.evaluate(&replayed, &reloaded, &env_again)).unwrap();
    assert_eq!(first, third);
    assert!(first.contains("\"decision\":\"deny\""), "{first}");
    assert!(first.contains("\"score\":145"), "{first}");
}

#[test]
fn denied_attacker_logins_do_not_poison_the_profile() {
    let profile = learn_history(&MARTIN, None);
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let policy = Policy::recommended();
    let ctx = kill_chain();
    let attacker_device = ctx.event().request.device.unwrap();

    let mut current = profile.clone();
    for _ in 0..5 {
        let a = policy.evaluate(&ctx, &current, &env);
        assert_eq!(a.decision(), Decision::Deny);
        assert!(!a.is_good_login());
        current = current.learn(&ctx, &a).unwrap();
    }
    // Kept only as one attempt (for `velocity.burst`): nothing learned.
    assert_same_history(&current, &profile);
    assert_eq!(current.attempts().len(), 1);
    assert_eq!(current.attempts()[0].device, Some(attacker_device));
    assert_eq!(current.login_count(), 64);
    assert_eq!(current.devices().len(), 1);
    assert_eq!(current.devices().count(&attacker_device), 0);
    assert_eq!(current.history().countries.count(&country("CI")), 0);
    // The sixth attempt still meets a new device in a new country.
    let a = policy.evaluate(&ctx, &current, &env);
    assert!(a.signal(SignalCode::DeviceNew).unwrap().is_hit());
    assert!(a.signal(SignalCode::GeoNewCountry).unwrap().is_hit());

    // A step-up the attacker cannot pass is not learned either.
    let now = paris(ALERT_DAY, 9, 40);
    let quiet = habitual(&MARTIN, now)
        .auth_mode(AuthMode::Ecps)
        .device_id("c0ffee-51d2aa")
        .activation(now - Duration::minutes(50), ActivationChannel::EmailSms)
        .build()
        .unwrap();
    let b = policy.evaluate(&quiet, &current, &env);
    assert_eq!(b.decision(), CARD);
    assert_same_history(&current.learn(&quiet, &b).unwrap(), &current);
}

/// `learn` takes the login and its assessment separately: given the assessment of another
/// login, it refuses rather than learn one login with another's verdict.
#[test]
fn learn_refuses_an_assessment_of_another_login() {
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let profile = learn_history(&MARTIN, None);
    let policy = Policy::recommended();
    // Her 09:05 login (allowed) and the fraudster's 09:40 one from France (stepped up).
    let morning = habitual(&MARTIN, paris(ALERT_DAY, 9, 5)).build().unwrap();
    let attack = kill_chain_from_france(paris(ALERT_DAY, 9, 40));
    let allowed = policy.evaluate(&morning, &profile, &env);
    let stepped_up = policy.evaluate(&attack, &profile, &env);
    assert_eq!(allowed.decision(), Decision::Allow);
    assert_eq!(stepped_up.decision(), CARD);
    assert_eq!(allowed.login_time(), paris(ALERT_DAY, 9, 5));

    // The refusal names both logins by time and digest.
    let mismatch = |ctx: &RiskContext, a: &Assessment<'_>| match profile.learn(ctx, a) {
        Err(ProfileError::AssessmentMismatch(m)) => (
            m.assessment_time,
            m.assessment_digest,
            m.context_time,
            m.context_digest,
        ),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        mismatch(&attack, &allowed),
        (
            paris(ALERT_DAY, 9, 5),
            Some(morning.digest()),
            paris(ALERT_DAY, 9, 40),
            attack.digest()
        )
    );
    assert_eq!(
        mismatch(&morning, &stepped_up),
        (
            paris(ALERT_DAY, 9, 40),
            Some(attack.digest()),
            paris(ALERT_DAY, 9, 5),
            morning.digest()
        )
    );
    // Even when the assessment's step-up was passed.
    let mut passed = policy.evaluate(&attack, &profile, &env);
    let card = RiskContext::try_from({
        let mut e = attack.event().clone();
        e.at += Duration::minutes(1);
        e.auth.auth_time = Some(e.at);
        e.auth.mode = Some(ecps_risk::AuthMode::Card);
        e
    })
    .unwrap();
    passed.mark_step_up_passed(&attack, &card).unwrap();
    assert!(passed.is_good_login());
    assert!(matches!(
        profile.learn(&morning, &passed),
        Err(ProfileError::AssessmentMismatch { .. })
    ));

    // Each with its own: her login is learned, the fraudster's is not.
    assert_eq!(profile.learn(&morning, &allowed).unwrap().login_count(), 65);
    assert_same_history(&profile.learn(&attack, &stepped_up).unwrap(), &profile);
}

// ---------------------------------------------------------------------------------------------
// Population statistics (stats.anomaly).

/// The provider's population: Dr Martin's and Dr Benali's 64 habitual logins each, and 40
/// logins of other professionals on Safari/macOS from another provider; 3 professionals.
fn population_and_martin() -> (PopulationStats, Profile) {
    let mut population = PopulationStats::new();
    let martin = learn_history(&MARTIN, Some(&mut population));
    learn_history(&BENALI, Some(&mut population));
    for i in 0..40 {
        let at = paris(date!(2025 - 09 - 01), 10, 0) + Duration::hours(i * 7);
        let other = RiskContext::builder(at, ROUX.subject.parse().unwrap())
            .ip("2001:db8:1232::5".parse().unwrap())
            .asn(12322)
            .country("FR")
            .user_agent(SAFARI_MAC)
            .build()
            .unwrap();
        population.observe(other.features(), at.unix_timestamp());
    }
    population.set_users(3);
    assert_eq!(population.logins(), 168);
    (population, martin)
}

/// Hand computation (Freeman et al. as documented in `anomaly.rs`), N = 168 logins in every
/// table, M = 1 + distinct values of the coarser levels; prior ln(168 / 3) − ln(64).
#[test]
fn population_statistics_score_the_kill_chain() {
    let (population, profile) = population_and_martin();
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new()
        .with_watchlists(&lists)
        .with_population(&population);
    let policy = Policy::recommended();
    let score_of = |a: &Assessment<'_>| match a.signal(SignalCode::StatsAnomaly) {
        Some(Signal::Hit {
            evidence: Evidence::Score { value },
        }) => (true, *value),
        Some(Signal::NoHit) => (false, f64::NAN),
        other => panic!("stats.anomaly: {other:?}"),
    };

    // Her usual login: every level familiar; network ln(0.6·64/173 + 0.3·64/170 + 0.1·168/169)
    // = −0.834, browser −0.813, prior −0.134: total −1.781, no hit.
    let usual = habitual(&MARTIN, paris(ALERT_DAY, 9, 40)).build().unwrap();
    let a = policy.evaluate(&usual, &profile, &env);
    assert!(!score_of(&a).0);
    assert_eq!(a.decision(), Decision::Allow);
    assert!(not_evaluated(&a).is_empty());

    // The kill chain with a current Chrome on Windows: network never seen (ln 4 = 1.386),
    // browser family, OS and device type all hers (−0.614): 0.638 < 1.0, no hit. The Freeman
    // score needs both the network and the browser to change.
    let a = policy.evaluate(&kill_chain(), &profile, &env);
    assert!(!score_of(&a).0);
    assert_eq!(a.score(), 145);

    // The fraudster on Firefox/Linux: only the device type is hers, the browser term is
    // ln((0.5387/175 + 0.2680/172 + 0.1882/170 + 0.0051·168/169) / 0.0051) = 0.751:
    // −0.134 + 1.386 + 0.751 = 2.004 > 1.0, +15: 145 + 15 = 160, deny.
    let linux = {
        let mut event = LoginEvent::from(kill_chain());
        event.request.user_agent = Some(FIREFOX_LINUX.to_owned());
        RiskContext::try_from(event).unwrap()
    };
    let a = policy.evaluate(&linux, &profile, &env);
    let (hit, value) = score_of(&a);
    assert!(hit);
    assert!((value - 2.003_618_713_297_94).abs() < 1e-9, "{value}");
    assert_eq!(a.score(), 160);
    assert!(rules(&a).contains(&"statistical-anomaly"));
    assert_eq!(a.decision(), Decision::Deny);
}

/// Nothing learned between two profiles (an attempt may have been kept).
#[track_caller]
fn assert_same_history(a: &Profile, b: &Profile) {
    assert_eq!(a.login_count(), b.login_count());
    assert_eq!(a.devices(), b.devices());
    assert_eq!(a.history(), b.history());
    assert_eq!(a.hours(), b.hours());
    assert_eq!(a.recent_logins(), b.recent_logins());
    assert_eq!(a.means(), b.means());
    assert_eq!(a.last_position(), b.last_position());
}

// ---------------------------------------------------------------------------------------------
// A step-up that proves something: the card's, shown by the login it asked for.

/// The login a step-up asked for: Dr Martin (or `who`) logging in again at `at`, authenticated
/// at `auth_time`, with `mode`.
fn step_up_login(
    who: &Habit,
    at: OffsetDateTime,
    auth_time: Option<OffsetDateTime>,
    mode: Option<AuthMode>,
) -> RiskContext {
    let mut e = LoginEvent::from(kill_chain_from_france(at));
    e.subject = who.subject.parse().unwrap();
    e.auth.auth_time = auth_time;
    e.auth.mode = mode;
    RiskContext::try_from(e).unwrap()
}

#[test]
fn a_card_step_up_counts_only_when_a_card_login_follows() {
    use ecps_risk::{StepUpError, policy::STEP_UP_WINDOW};
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let profile = learn_history(&MARTIN, None);
    let policy = Policy::recommended();
    let t = paris(ALERT_DAY, 9, 40);
    // Her e-CPS on a new computer in Marseille: the card is asked for.
    let login = kill_chain_from_france(t);
    let mut a = policy.evaluate(&login, &profile, &env);
    assert_eq!(a.decision(), CARD);
    let card = |minutes: i64| {
        let at = t + Duration::minutes(minutes);
        step_up_login(&MARTIN, at, Some(at), Some(AuthMode::Card))
    };

    // The fraudster cannot answer with the card: another e-CPS login proves nothing, nor one
    // that does not say its means.
    let again = step_up_login(
        &MARTIN,
        t + Duration::minutes(1),
        Some(t + Duration::minutes(1)),
        Some(AuthMode::Ecps),
    );
    assert_eq!(
        a.mark_step_up_passed(&login, &again),
        Err(StepUpError::NotCard { mode: Some("ecps") })
    );
    let unsaid = step_up_login(&MARTIN, t + Duration::minutes(1), Some(t), None);
    assert_eq!(
        a.mark_step_up_passed(&login, &unsaid)
            .unwrap_err()
            .to_string(),
        "a step-up with the CPS card needs a `CARD` login, got `no authMode`"
    );
    // A card login must be a fresh authentication: not a session from before the login.
    let reused = step_up_login(
        &MARTIN,
        t + Duration::minutes(2),
        Some(t - Duration::hours(1)),
        Some(AuthMode::Card),
    );
    assert!(matches!(
        a.mark_step_up_passed(&login, &reused),
        Err(StepUpError::NotFresh { auth_time: Some(_) })
    ));
    // A clock skew of up to 5 minutes is tolerated, no more; and the login's own session
    // (its `auth_time`) or an older one is never a step-up, even within that skew.
    let skewed = |minutes: i64| {
        step_up_login(
            &MARTIN,
            t + Duration::minutes(1),
            Some(t - Duration::minutes(minutes)),
            Some(AuthMode::Card),
        )
    };
    assert!(matches!(
        a.mark_step_up_passed(&login, &skewed(6)),
        Err(StepUpError::NotFresh { .. })
    ));
    let own_session = login.event().auth.auth_time.unwrap();
    assert!(t - own_session <= Duration::minutes(5), "{own_session}");
    let same_session = step_up_login(
        &MARTIN,
        t + Duration::minutes(1),
        Some(own_session),
        Some(AuthMode::Card),
    );
    assert!(matches!(
        a.mark_step_up_passed(&login, &same_session),
        Err(StepUpError::NotFresh { .. })
    ));
    let timeless = step_up_login(
        &MARTIN,
        t + Duration::minutes(2),
        None,
        Some(AuthMode::Card),
    );
    assert_eq!(
        a.mark_step_up_passed(&login, &timeless),
        Err(StepUpError::NotFresh { auth_time: None })
    );
    // Within the window after the login, of the same professional, for this very login.
    let late = card(STEP_UP_WINDOW.whole_minutes() + 1);
    assert_eq!(
        a.mark_step_up_passed(&login, &late),
        Err(StepUpError::Window {
            elapsed_seconds: 960
        })
    );
    assert!(matches!(
        a.mark_step_up_passed(&login, &card(-1)),
        Err(StepUpError::Window { .. })
    ));
    let other = step_up_login(
        &BENALI,
        t + Duration::minutes(1),
        Some(t + Duration::minutes(1)),
        Some(AuthMode::Card),
    );
    assert_eq!(
        a.mark_step_up_passed(&login, &other),
        Err(StepUpError::OtherProfessional {
            at: other.now(),
            digest: other.digest(),
        })
    );
    let elsewhere = kill_chain_from_france(t + Duration::minutes(5));
    assert!(matches!(
        a.mark_step_up_passed(&elsewhere, &card(6)),
        Err(StepUpError::OtherLogin(_))
    ));
    // None of those counted.
    assert!(!a.is_good_login());
    assert!(!a.passed_with_card());

    // A card authenticated 10 seconds "before" the login (skewed clocks), after its own
    // session (20 seconds before it): passed.
    let mut skew = a.clone();
    let skewed_card = step_up_login(
        &MARTIN,
        t + Duration::minutes(1),
        Some(t - Duration::seconds(10)),
        Some(AuthMode::Card),
    );
    skew.mark_step_up_passed(&login, &skewed_card).unwrap();
    assert!(skew.passed_with_card());

    // Her card a minute later: passed, and what the login taught is confirmed at once — the
    // new computer is hers.
    a.mark_step_up_passed(&login, &card(1)).unwrap();
    assert!(a.is_good_login() && a.passed_with_card());
    let learned = profile.learn(&login, &a).unwrap();
    let device = login.event().request.device.unwrap();
    assert_eq!(learned.devices().get(&device).unwrap().confirmed, 1);
    let next = policy.evaluate(
        &kill_chain_from_france(t + Duration::hours(2)),
        &learned,
        &env,
    );
    assert_eq!(
        next.signal(SignalCode::EcpsUnprovenDevice),
        Some(&Signal::NoHit)
    );

    // An allowed login asked for no step-up.
    let usual = habitual(&MARTIN, t).build().unwrap();
    let mut allowed = policy.evaluate(&usual, &profile, &env);
    assert_eq!(
        allowed.mark_step_up_passed(&usual, &card(1)),
        Err(StepUpError::NotAsked {
            decision: Decision::Allow
        })
    );
}

// ---------------------------------------------------------------------------------------------
// What a provider without partner feeds sees (no activation facts, no contact changes, no push
// outcomes, no ANS list): the claims, the request and its own history.

const ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Mobile Safari/537.36";

/// No partner feed: the request and the claims only (an e-CPS login, `authMode` `MOBILE`).
fn bare(subject: &str, at: OffsetDateTime) -> RiskContextBuilder {
    RiskContext::builder(at, subject.parse().unwrap())
        .acr("eidas1")
        .auth_mode(AuthMode::Ecps)
        .auth_time(at - Duration::seconds(20))
        .issued_at(at - Duration::seconds(2))
        .country("FR")
}

/// Mme Léa Hoarau, liberal nurse in Saint-Denis (La Réunion): the e-CPS only, on her phone
/// (SRR, AS 37002: a new address at almost every login) and on her laptop at home, where a
/// commercial VPN exits in Paris. Three weeks of logins, learned as a provider learns them.
const HOARAU: &str = "810045612347";

fn hoarau_phone(at: OffsetDateTime, ip: &str) -> RiskContext {
    bare(HOARAU, at)
        .ip(ip.parse().unwrap())
        .asn(37002)
        .country("RE")
        .geo(-20.88, 55.45, 30.0)
        .user_agent(ANDROID)
        .device_id("hoarau-phone")
        .local_time(ecps_risk::model::LocalTime::Fixed {
            offset_minutes: 240,
        })
        .build()
        .unwrap()
}

fn hoarau_vpn(at: OffsetDateTime) -> RiskContext {
    bare(HOARAU, at)
        .ip("198.51.100.23".parse().unwrap())
        .asn(9009)
        .geo(48.86, 2.35, 100.0)
        .anonymizer(true)
        .user_agent(CHROME_WIN)
        .device_id("hoarau-laptop")
        .local_time(ecps_risk::model::LocalTime::Fixed {
            offset_minutes: 240,
        })
        .build()
        .unwrap()
}

/// Her three weeks: a phone login every morning (another SRR address each time), a laptop
/// login through the VPN every evening; each one allowed and learned.
fn hoarau_history(env: &Environment<'_>) -> Profile {
    let policy = Policy::recommended();
    let mut p = Profile::new();
    for d in (1..=21i64).rev() {
        let day = datetime!(2025-10-08 03:00 UTC) - Duration::days(d);
        let phone = hoarau_phone(day, &format!("102.16.{}.{}", d, 10 + d));
        let vpn = hoarau_vpn(day + Duration::hours(12));
        for ctx in [phone, vpn] {
            let a = policy.evaluate(&ctx, &p, env);
            // The first days nothing is established yet: a card step-up she passes.
            let mut a = a;
            if matches!(a.decision(), Decision::StepUp(_)) {
                let mut e = ctx.event().clone();
                e.at += Duration::minutes(2);
                e.auth.auth_time = Some(e.at);
                e.auth.mode = Some(AuthMode::Card);
                let card = RiskContext::try_from(e).unwrap();
                a.mark_step_up_passed(&ctx, &card).unwrap();
            }
            assert!(a.is_good_login(), "{} {a}", ctx.now());
            p = p.learn(&ctx, &a).unwrap();
        }
    }
    p
}

#[test]
fn vpn_user_overseas_is_not_a_traveller() {
    let env = Environment::empty();
    let profile = hoarau_history(&env);
    let policy = Policy::recommended();
    // Evening: the laptop through the VPN, Paris as its position.
    let evening = hoarau_vpn(datetime!(2025-10-08 15:00 UTC));
    let a = policy.evaluate(&evening, &profile, &env);
    assert_eq!(
        a.signal(SignalCode::GeoImpossibleTravel),
        Some(&Signal::missing(Missing::Exit))
    );
    assert_eq!(a.decision(), Decision::Allow, "{a}");
    let profile = profile.learn(&evening, &a).unwrap();
    // An hour later, her phone on the island: 9,360 km from the VPN's "Paris" in an hour,
    // but the exit was never her position; measured from this morning's phone login, she
    // has not moved.
    let later = hoarau_phone(datetime!(2025-10-08 16:00 UTC), "102.16.200.7");
    let b = policy.evaluate(&later, &profile, &env);
    assert_eq!(
        b.signal(SignalCode::GeoImpossibleTravel),
        Some(&Signal::NoHit)
    );
    // A new SRR address on her phone: her carrier, her phone's browser, her cookie.
    assert_eq!(b.signal(SignalCode::NetworkUnproven), Some(&Signal::NoHit));
    assert_eq!(b.decision(), Decision::Allow, "{b}");
}

/// The fraudster's phone, on a French mobile network (Free mobile, AS 51207), `at`, logging
/// in as Mme Hoarau (her claims: her time zone).
fn fraudster_phone(subject: &str, at: OffsetDateTime, device: &str) -> RiskContext {
    bare(subject, at)
        .local_time(ecps_risk::model::LocalTime::Fixed {
            offset_minutes: 240,
        })
        .ip("37.160.44.9".parse().unwrap())
        .asn(51207)
        .geo(46.6, 2.4, 500.0)
        .user_agent(ANDROID)
        .device_id(device)
        .build()
        .unwrap()
}

#[test]
fn patient_takeover_without_partner_feeds_is_stepped_up() {
    let env = Environment::empty();
    let profile = hoarau_history(&env);
    let policy = Policy::recommended();
    // Nine days after talking her out of the codes, the fraudster logs in with the e-CPS they
    // activated: no partner tells the provider when or how. An e-CPS user (nothing unusual in
    // the means), at her usual morning hour: what is left is the device and the network.
    let at = datetime!(2025-10-08 03:05 UTC);
    let a = policy.evaluate(&fraudster_phone(HOARAU, at, "fraud-phone"), &profile, &env);
    use SignalCode as C;
    assert_eq!(
        a.signal(C::EcpsFreshActivation),
        Some(&Signal::missing(Missing::Input("credential.activated_at")))
    );
    assert_eq!(a.signal(C::AuthEcpsUnusual), Some(&Signal::NoHit));
    assert!(a.signal(C::EcpsUnprovenDevice).unwrap().is_hit());
    assert!(a.signal(C::NetworkUnproven).unwrap().is_hit());
    // New device 15 + unfamiliar network 10 = 25 would allow: the floor asks for the card.
    assert_eq!(
        rules(&a),
        [
            "ecps-from-unproven-device-and-network",
            "new-device",
            "unfamiliar-network"
        ]
    );
    assert_eq!(a.score(), 25);
    assert_eq!(a.decision(), CARD);
    // With no cookie at all, the same: a missing device is no free pass.
    let no_cookie = RiskContext::try_from({
        let mut e = LoginEvent::from(fraudster_phone(HOARAU, at, "x"));
        e.request.device = None;
        e
    })
    .unwrap();
    assert_eq!(policy.evaluate(&no_cookie, &profile, &env).decision(), CARD);
}

#[test]
fn returning_attacker_is_not_familiar_after_one_visit_let_in() {
    let env = Environment::empty();
    let profile = hoarau_history(&env);
    let policy = Policy::recommended();
    // Suppose a laxer policy (no floor on devices and networks not proven hers) let the
    // fraudster in once, and the profile learned that visit.
    let mut lax = policy.spec().clone();
    lax.rules
        .retain(|r| r.id != "ecps-from-unproven-device-and-network");
    lax.thresholds.step_up = 100;
    lax.thresholds.review = 200;
    lax.thresholds.deny = 300;
    let lax = Policy::compile(lax).unwrap();
    let first = fraudster_phone(HOARAU, datetime!(2025-10-08 03:05 UTC), "fraud-phone");
    let a = lax.evaluate(&first, &profile, &env);
    assert_eq!(a.decision(), Decision::Allow, "{a}");
    let after = profile.learn(&first, &a).unwrap();
    assert_eq!(after.devices().len(), 3);

    // Two days later they come back, same phone, same carrier: the device and the network were
    // seen once, never with the card: not hers, and the card is asked for again.
    let back = fraudster_phone(HOARAU, datetime!(2025-10-10 03:05 UTC), "fraud-phone");
    let b = policy.evaluate(&back, &after, &env);
    use SignalCode as C;
    assert_eq!(b.signal(C::DeviceNew), Some(&Signal::NoHit));
    assert_eq!(
        b.signal(C::EcpsUnprovenDevice),
        Some(&Signal::hit(Evidence::Familiarity {
            present: true,
            logins: 1,
            days: 0
        }))
    );
    assert!(b.signal(C::NetworkUnproven).unwrap().is_hit());
    assert_eq!(b.decision(), CARD, "{b}");
    // Refused, the return is kept as an attempt only.
    let kept = after.learn(&back, &b).unwrap();
    assert_eq!(kept.login_count(), after.login_count());
    assert_eq!(kept.attempts().len(), 1);
}

#[test]
fn card_user_whose_ecps_was_taken_is_asked_for_the_card() {
    // Dr Martin logs in with the card at her cabinet; the fraudster who took her e-CPS copies
    // her provider, her city and her exact browser, and her usual hour (a targeted attacker),
    // but has neither her card nor her cookie. No partner feed.
    let lists = watchlists(LISTS_SEPTEMBER);
    let env = Environment::new().with_watchlists(&lists);
    let profile = learn_history(&MARTIN, None);
    let policy = Policy::recommended();
    let at = paris(ALERT_DAY, 9, 5);
    let targeted = bare(MARTIN.subject, at)
        .ip("192.0.3.50".parse().unwrap())
        .asn(MARTIN.asn)
        .geo(MARTIN.place.0, MARTIN.place.1, 20.0)
        .user_agent(MARTIN.user_agent)
        .device_id("fraudster-laptop")
        .build()
        .unwrap();
    let a = policy.evaluate(&targeted, &profile, &env);
    use SignalCode as C;
    // Nothing classic gives it away: her country, her provider, her hour, her browser.
    assert_eq!(a.signal(C::NetworkUnfamiliar), Some(&Signal::NoHit));
    assert_eq!(a.signal(C::GeoNewCountry), Some(&Signal::NoHit));
    assert_eq!(a.signal(C::TimeUnusualHour), Some(&Signal::NoHit));
    // An e-CPS, where her 64 logins came with the card, on a device never seen.
    assert_eq!(
        a.signal(C::AuthEcpsUnusual),
        Some(&Signal::hit(Evidence::Means { card: 64, ecps: 0 }))
    );
    assert_eq!(
        rules(&a),
        [
            "card-user-on-ecps",
            "ecps-from-unproven-device-and-network",
            "new-device"
        ]
    );
    assert_eq!(a.score(), 15);
    assert_eq!(a.decision(), CARD);
    // Even from her own cabinet network (a stolen Wi-Fi password), the card is asked for.
    let inside = RiskContext::try_from({
        let mut e = LoginEvent::from(targeted.clone());
        e.request.ip = Some(MARTIN.morning_ip.parse().unwrap());
        e
    })
    .unwrap();
    let b = policy.evaluate(&inside, &profile, &env);
    assert_eq!(b.signal(C::NetworkUnproven), Some(&Signal::NoHit));
    assert_eq!(rules(&b), ["card-user-on-ecps", "new-device"]);
    assert_eq!(b.decision(), CARD);
}

// ---------------------------------------------------------------------------------------------
// A device that served a fraud.

/// Her own workstation's cookie was stolen (or the workstation driven remotely) and a login
/// from it confirmed fraudulent: the recommended policy refuses the device, even on her usual
/// network with the card, until a person confirms a login from it safe.
#[test]
fn a_device_confirmed_compromised_is_refused_until_confirmed_safe() {
    let lists = watchlists(LISTS_OCTOBER);
    let env = Environment::new().with_watchlists(&lists);
    let policy = Policy::recommended();
    let profile = learn_history(&MARTIN, None);
    let fraud = habitual(&MARTIN, paris(ALERT_DAY, 8, 10)).build().unwrap();
    let a = policy.evaluate(&fraud, &profile, &env);
    assert_eq!(a.decision(), Decision::Allow, "{a}");
    let profile = profile.learn(&fraud, &a).unwrap();
    let profile = profile.confirm_compromised(&fraud).unwrap();

    let next = habitual(&MARTIN, paris(ALERT_DAY, 14, 0)).build().unwrap();
    let a = policy.evaluate(&next, &profile, &env);
    assert_eq!(a.decision(), Decision::Deny, "{a}");
    assert!(rules(&a).contains(&"compromised-device"), "{a}");

    // Her IT department checked the workstation and a person confirmed her next login there.
    let profile = profile.confirm_safe(&next).unwrap();
    let later = habitual(&MARTIN, paris(ALERT_DAY, 16, 0)).build().unwrap();
    let a = policy.evaluate(&later, &profile, &env);
    assert_eq!(
        a.signal(SignalCode::DeviceCompromised),
        Some(&Signal::NoHit)
    );
    assert_ne!(a.decision(), Decision::Deny, "{a}");
}
