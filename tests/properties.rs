//! Property tests: claims that must hold for *every* input, checked on generated ones (with
//! shrinking to a minimal counter-example when one fails).
//!
//! * evaluation never panics, whatever the context (times, IPv4 / IPv6 / mapped addresses,
//!   NaN and infinite coordinates, strings of any length, lists of any size), and every error
//!   names its field;
//! * evaluation is deterministic: the same inputs give byte-identical JSON and fingerprint;
//! * monotonicity: with points and floors, one more risk signal never lowers the decision;
//! * fail-closed: a custom detector that errors, panics or returns evidence outside its domain
//!   never yields `allow`;
//! * any accepted login gives an incident report and an audit record in every privacy setting
//!   (times up to the last second of 9999, at any offset), its evidence within its domain and
//!   with no address, learned exactly when SECURITY.md says, refused with another login;
//! * serde round trip of every public data type;
//! * a profile never exceeds its caps, whatever it learns;
//! * watchlist lookups agree with a naive linear scan.
//!
//! Case counts are kept small (the whole file runs in a few seconds in debug builds); raise
//! them with `PROPTEST_CASES=10000 cargo test --release --test properties`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use ecps_risk::{
    ActivationChannel, Assessment, Decision, Detector, DetectorError, DetectorInput, Environment,
    Evidence, LoginEvent, NationalId, Policy, PolicySpec, PopulationStats, Profile, RiskContext,
    RiskContextBuilder, Signal, SignalCode, StepUpMethod, Watchlists, WatchlistsSpec,
    env::WatchlistKind, history::Feedback, history::MAX_DEVICES, history::MAX_FEEDBACK,
    history::MAX_HOUR_COUNT, history::MAX_RECENT_LOGINS, history::PROFILE_CAPS, input::Acr,
    input::ActivityLocation, input::ContactChange, input::ContactKind, input::PushOutcome,
    input::ValidationRequest, model::CountryCode, model::Department, model::IdKind,
    model::LocalTime, policy::DetectorRegistry, policy::Failure, policy::Level, policy::Mode,
};
use ipnet::IpNet;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::test_runner::Config;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

// The fuzz targets' checks, shared: the report property runs them on generated logins.
#[path = "../fuzz/harness.rs"]
mod harness;

const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);

/// Compiled once for the whole file.
static RECOMMENDED: LazyLock<Policy> = LazyLock::new(Policy::recommended);
static EVERYTHING: LazyLock<Policy> = LazyLock::new(everything_policy);

/// Valid ids of every kind (RPPS, sandbox RPPS, ADELI, structure staff).
const SUBJECTS: [&str; 5] = [
    "810001234565",
    "810023456782",
    "899700771191",
    "0751234567",
    "3750100019/AB-12",
];

const USER_AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "curl/8.5.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
];

/// `n` cases, or `PROPTEST_CASES` when set (for long runs).
fn cases(n: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------------------------

fn subject() -> impl Strategy<Value = NationalId> {
    (0..SUBJECTS.len()).prop_map(|i| SUBJECTS[i].parse().unwrap())
}

/// The last second of year 9999, the last login time accepted.
const END_OF_9999: i64 = 253_402_300_799;

/// Mostly the reference time; sometimes any time from 1900 to 2100, or in the last hours of
/// 9999 (where the local time may be past what `time` represents).
fn login_time() -> impl Strategy<Value = OffsetDateTime> {
    prop_oneof![
        12 => Just(NOW),
        2 => (0i64..4_102_444_800).prop_map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap()),
        1 => (-2_208_988_800i64..4_102_444_800).prop_map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap()),
        1 => prop_oneof![
            // Year 10000 in Paris (UTC+1 in winter), and at up to UTC+14:00.
            END_OF_9999 - 2 * 3600..=END_OF_9999,
            END_OF_9999 - 14 * 3600..=END_OF_9999,
        ].prop_map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap()),
    ]
}

/// A time relative to `NOW`: mostly in the past minutes to months, sometimes in the future.
fn time_around() -> impl Strategy<Value = OffsetDateTime> {
    prop_oneof![
        24 => (0i64..90 * 86_400).prop_map(|s| NOW - Duration::seconds(s)),
        2 => (0i64..600).prop_map(|s| NOW + Duration::seconds(s)),
        1 => (-2_208_988_800i64..4_102_444_800).prop_map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap()),
    ]
}

/// Unix seconds as claims carry them: near `NOW`, or anything (before 1970, unrepresentable).
fn unix_seconds() -> impl Strategy<Value = i64> {
    prop_oneof![
        12 => (-86_400i64..600).prop_map(|s| NOW.unix_timestamp() + s),
        1 => any::<i64>(),
    ]
}

/// IPv4, IPv6 and IPv4-mapped IPv6, from a small pool (so lists and histories match) or any.
fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (0u8..4, any::<u8>()).prop_map(|(n, h)| IpAddr::V4(Ipv4Addr::new(10, n, 0, h))),
        (0u8..4, any::<u8>())
            .prop_map(|(n, h)| IpAddr::V6(Ipv4Addr::new(10, n, 0, h).to_ipv6_mapped())),
        (0u16..4, any::<u16>())
            .prop_map(|(n, h)| { IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, n, 0, 0, 0, 0, h)) }),
        any::<[u8; 4]>().prop_map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        any::<[u8; 16]>().prop_map(|b| IpAddr::V6(Ipv6Addr::from(b))),
    ]
}

/// Any float: NaN, infinities, subnormals, and plausible coordinates.
fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        any::<f64>(),
        -200.0f64..200.0,
    ]
}

fn coordinates() -> impl Strategy<Value = (f64, f64, f64)> {
    prop_oneof![
        8 => (-90.0f64..=90.0, -180.0f64..=180.0, 0.0f64..500.0),
        1 => (float(), float(), float()),
    ]
}

/// Strings of any length and content, around every limit (128, 256, 1024 bytes).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => "[ -~]{1,40}",
        1 => Just(String::new()),
        1 => vec(any::<char>(), 0..300).prop_map(String::from_iter),
        1 => (0usize..1100).prop_map(|n| "é".repeat(n / 2)),
        1 => (1020usize..1030).prop_map(|n| "x".repeat(n)),
    ]
}

fn user_agent() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0..USER_AGENTS.len()).prop_map(|i| USER_AGENTS[i].to_owned()),
        1 => text(),
    ]
}

fn country() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => prop::sample::select(vec!["FR", "RE", "BE", "CI", "fr", "NG"]).prop_map(str::to_owned),
        1 => text(),
    ]
}

fn channel() -> impl Strategy<Value = ActivationChannel> {
    prop_oneof![
        Just(ActivationChannel::CpsCard),
        Just(ActivationChannel::EmailSms),
        Just(ActivationChannel::Other),
    ]
}

fn outcome() -> impl Strategy<Value = PushOutcome> {
    prop_oneof![
        Just(PushOutcome::Approved),
        Just(PushOutcome::Denied),
        Just(PushOutcome::Expired),
    ]
}

/// A list: usually short, sometimes around `MAX_LIST_LEN` (256).
fn list<T: std::fmt::Debug + 'static>(item: BoxedStrategy<T>) -> impl Strategy<Value = Vec<T>> {
    prop_oneof![
        12 => vec(item.clone(), 0..6),
        1 => vec(item, 254..259),
    ]
}

fn place() -> impl Strategy<Value = ActivityLocation> {
    prop_oneof![
        prop::sample::select(vec!["75013", "69003", "97400", "20090", "98800"]).prop_map(|c| {
            let a = ecps_risk::model::postal_area(c).unwrap();
            ActivityLocation {
                country: a.country,
                department: Some(a.department),
            }
        }),
        prop::sample::select(vec!["BE", "CH", "DE"]).prop_map(|c| ActivityLocation {
            country: c.parse().unwrap(),
            department: None,
        }),
    ]
}

fn local_time() -> impl Strategy<Value = LocalTime> {
    prop_oneof![
        Just(LocalTime::EuropeParis),
        // The farthest offsets: +14:00 (Kiribati), −12:00.
        Just(LocalTime::Fixed {
            offset_minutes: 840
        }),
        Just(LocalTime::Fixed {
            offset_minutes: -720
        }),
        (-720i16..=840).prop_map(|m| LocalTime::Fixed { offset_minutes: m }),
        (-720i16..=840).prop_map(|m| LocalTime::Fixed { offset_minutes: m }),
        any::<i16>().prop_map(|m| LocalTime::Fixed { offset_minutes: m }),
    ]
}

/// Every input the builder takes.
#[derive(Clone, Debug)]
struct Login {
    at: OffsetDateTime,
    subject: NationalId,
    request: Request,
    auth: Auth,
    credential: Credential,
    partners: Partners,
}

#[derive(Clone, Debug)]
struct Request {
    ip: Option<IpAddr>,
    user_agent: Option<String>,
    device: Option<String>,
    geo: Option<(f64, f64, f64)>,
    country: Option<String>,
    asn: Option<u32>,
    anonymizer: Option<bool>,
    hosting: Option<bool>,
}

#[derive(Clone, Debug)]
struct Auth {
    acr: Option<String>,
    amr: Option<Vec<String>>,
    auth_mode: Option<String>,
    auth_time: Option<i64>,
    issued_at: Option<i64>,
}

#[derive(Clone, Debug)]
struct Credential {
    id: Option<String>,
    activation: Option<(OffsetDateTime, ActivationChannel)>,
    active_count: Option<u32>,
}

#[derive(Clone, Debug)]
struct Partners {
    contact_changes: Option<Vec<(OffsetDateTime, bool)>>,
    validation_requests: Option<Vec<(OffsetDateTime, PushOutcome)>>,
    reports: Option<Vec<OffsetDateTime>>,
    remote_control: Option<bool>,
    automation: Option<bool>,
    practice: Option<Vec<ActivityLocation>>,
    local_time: Option<LocalTime>,
    /// Pads the validation requests to this length (exercises `MAX_LIST_LEN`).
    pad_requests: Option<usize>,
}

fn request() -> impl Strategy<Value = Request> {
    (
        option::of(ip()),
        option::of(user_agent()),
        option::of(prop_oneof![
            12 => prop::sample::select(vec!["laptop", "phone", "tablet", "kiosk"]).prop_map(str::to_owned),
            1 => text(),
        ]),
        option::of(coordinates()),
        option::of(country()),
        option::of(prop_oneof![Just(2200u32), Just(3215), any::<u32>()]),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
    )
        .prop_map(
            |(ip, user_agent, device, geo, country, asn, anonymizer, hosting)| Request {
                ip,
                user_agent,
                device,
                geo,
                country,
                asn,
                anonymizer,
                hosting,
            },
        )
}

fn auth() -> impl Strategy<Value = Auth> {
    (
        option::of(prop_oneof![
            8 => prop::sample::select(vec!["eidas1", "eidas2", "eidas3", "EIDAS3", "loa-x", ""])
                .prop_map(str::to_owned),
            1 => text(),
        ]),
        option::of(vec(prop_oneof![12 => "[a-z]{1,8}", 1 => text()], 0..4)),
        option::of(prop_oneof![8 => Just("CARD".to_owned()), 1 => text()]),
        option::of(unix_seconds()),
        option::of(unix_seconds()),
    )
        .prop_map(|(acr, amr, auth_mode, auth_time, issued_at)| Auth {
            acr,
            amr,
            auth_mode,
            auth_time,
            issued_at,
        })
}

fn credential() -> impl Strategy<Value = Credential> {
    (
        option::of(prop_oneof![
            12 => prop::sample::select(vec!["ecps-1", "ecps-2", "ecps-3"]).prop_map(str::to_owned),
            1 => text(),
        ]),
        option::of((time_around(), channel())),
        option::of(prop_oneof![0u32..4, any::<u32>()]),
    )
        .prop_map(|(id, activation, active_count)| Credential {
            id,
            activation,
            active_count,
        })
}

fn partners() -> impl Strategy<Value = Partners> {
    (
        option::of(list((time_around(), any::<bool>()).boxed())),
        option::of(list((time_around(), outcome()).boxed())),
        option::of(list(time_around().boxed())),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        option::of(vec(place(), 0..4)),
        option::of(local_time()),
        prop_oneof![8 => Just(None), 1 => (250usize..262).prop_map(Some)],
    )
        .prop_map(
            |(
                contact_changes,
                validation_requests,
                reports,
                remote_control,
                automation,
                practice,
                local_time,
                pad_requests,
            )| Partners {
                contact_changes,
                validation_requests,
                reports,
                remote_control,
                automation,
                practice,
                local_time,
                pad_requests,
            },
        )
}

fn login() -> impl Strategy<Value = Login> {
    (
        login_time(),
        subject(),
        request(),
        auth(),
        credential(),
        partners(),
    )
        .prop_map(|(at, subject, request, auth, credential, partners)| Login {
            at,
            subject,
            request,
            auth,
            credential,
            partners,
        })
}

/// A plausible good login of `subject`, for histories: a pool of devices and networks.
fn habitual(subject: NationalId) -> impl Strategy<Value = RiskContext> {
    (
        1i64..400 * 24,
        0u8..40,
        0u8..40,
        0usize..USER_AGENTS.len(),
        prop::sample::select(vec![
            "FR", "RE", "BE", "DE", "CH", "IT", "ES", "NL", "PT", "LU", "GB", "US", "CA", "MA",
            "TN",
        ]),
        0u32..30,
        option::of((40.0f64..50.0, -5.0f64..8.0)),
    )
        .prop_map(move |(hours_ago, device, net, ua, country, asn, geo)| {
            let mut b = RiskContext::builder(NOW - Duration::hours(hours_ago), subject.clone())
                .device_id(&format!("device-{device}"))
                .ip(IpAddr::V4(Ipv4Addr::new(192, 0, net, 7)))
                .user_agent(USER_AGENTS[ua])
                .country(country)
                .asn(64_500 + asn);
            if let Some((lat, lon)) = geo {
                b = b.geo(lat, lon, 20.0);
            }
            b.build().unwrap()
        })
}

/// A profile that learned up to `n` good logins of the first subject.
fn profile(n: usize) -> impl Strategy<Value = Profile> {
    profile_of(0, 0..n)
}

/// A profile that learned `logins` good logins of `SUBJECTS[subject]`.
fn profile_of(subject: usize, logins: std::ops::Range<usize>) -> impl Strategy<Value = Profile> {
    vec(habitual(SUBJECTS[subject].parse().unwrap()), logins).prop_map(|logins| {
        logins
            .iter()
            .fold(Profile::new(), |p, ctx| p.confirm_safe(ctx).unwrap())
    })
}

impl Login {
    fn builder(&self) -> RiskContextBuilder {
        let mut b = RiskContext::builder(self.at, self.subject.clone());
        let r = &self.request;
        if let Some(ip) = r.ip {
            b = b.ip(ip);
        }
        if let Some(ua) = &r.user_agent {
            b = b.user_agent(ua);
        }
        if let Some(d) = &r.device {
            b = b.device_id(d);
        }
        if let Some((lat, lon, acc)) = r.geo {
            b = b.geo(lat, lon, acc);
        }
        if let Some(c) = &r.country {
            b = b.country(c);
        }
        if let Some(a) = r.asn {
            b = b.asn(a);
        }
        if let Some(f) = r.anonymizer {
            b = b.anonymizer(f);
        }
        if let Some(f) = r.hosting {
            b = b.hosting(f);
        }
        let a = &self.auth;
        if let Some(acr) = &a.acr {
            b = b.acr(acr);
        }
        if let Some(amr) = &a.amr {
            b = b.amr(amr.iter().cloned());
        }
        if let Some(m) = &a.auth_mode {
            b = b.auth_mode(m.as_str());
        }
        if let Some(t) = a.auth_time {
            b = b.auth_time_unix(t);
        }
        if let Some(t) = a.issued_at {
            b = b.issued_at_unix(t);
        }
        let c = &self.credential;
        if let Some(id) = &c.id {
            b = b.credential_id(id);
        }
        if let Some((at, channel)) = c.activation {
            b = b.activation(at, channel);
        }
        if let Some(n) = c.active_count {
            b = b.active_credentials(n);
        }
        let p = &self.partners;
        if let Some(list) = &p.contact_changes {
            b = b.contact_changes(list.iter().map(|(at, email)| ContactChange {
                at: *at,
                kind: if *email {
                    ContactKind::Email
                } else {
                    ContactKind::Phone
                },
            }));
        }
        let mut requests: Option<Vec<ValidationRequest>> =
            p.validation_requests.as_ref().map(|list| {
                list.iter()
                    .map(|(at, outcome)| ValidationRequest {
                        at: *at,
                        outcome: *outcome,
                    })
                    .collect()
            });
        if let Some(n) = p.pad_requests {
            let list = requests.get_or_insert_with(Vec::new);
            while list.len() < n {
                list.push(ValidationRequest {
                    at: NOW - Duration::days(2),
                    outcome: PushOutcome::Approved,
                });
            }
        }
        if let Some(list) = requests {
            b = b.validation_requests(list);
        }
        if let Some(list) = &p.reports {
            b = b.reports(list.iter().copied());
        }
        if let Some(f) = p.remote_control {
            b = b.remote_control_suspected(f);
        }
        if let Some(f) = p.automation {
            b = b.automation_suspected(f);
        }
        if let Some(places) = &p.practice {
            b = b.practice(places.iter().copied());
        }
        if let Some(rule) = p.local_time {
            b = b.local_time(rule);
        }
        b
    }
}

/// The standard watchlists, with entries drawn from the same pools as the logins.
fn watchlists() -> impl Strategy<Value = Watchlists> {
    let net = prop_oneof![
        (0u8..4, 16u8..=32).prop_map(|(n, len)| format!("10.{n}.0.0/{len}")),
        (0u8..4).prop_map(|n| format!("::ffff:10.{n}.0.0/120")),
        (0u16..4, 32u8..=128).prop_map(|(n, len)| format!("2001:db8:{n:x}::/{len}")),
    ];
    (
        vec(net.clone(), 0..4),
        vec(net.clone(), 0..4),
        vec(net, 0..4),
        vec(prop::sample::select(vec!["ecps-1", "ecps-2"]), 0..3),
        vec(0..SUBJECTS.len(), 0..3),
        vec((0..SUBJECTS.len(), time_around()), 0..3),
    )
        .prop_map(
            |(trusted, denied, anonymizers, deactivated, alert, blocked)| {
                let blocked: Vec<serde_json::Value> = blocked
                .into_iter()
                .map(|(s, t)| {
                    serde_json::json!({
                        "subject": SUBJECTS[s],
                        "since": t.format(&time::format_description::well_known::Rfc3339).unwrap(),
                    })
                })
                .collect();
                let alert: Vec<&str> = alert.into_iter().map(|s| SUBJECTS[s]).collect();
                serde_json::from_value(serde_json::json!({ "lists": [
                { "name": "trusted_networks", "kind": "ip", "entries": trusted },
                { "name": "denied_networks", "kind": "ip", "entries": denied },
                { "name": "anonymizers", "kind": "ip", "entries": anonymizers },
                { "name": "deactivated_ecps", "kind": "credentials", "entries": deactivated },
                { "name": "under_alert", "kind": "subjects", "entries": alert },
                { "name": "blocked_activations", "kind": "blocked_subjects", "entries": blocked },
            ]}))
            .unwrap()
            },
        )
}

fn population() -> impl Strategy<Value = PopulationStats> {
    (
        vec(habitual(SUBJECTS[1].parse().unwrap()), 0..12),
        0u64..100,
    )
        .prop_map(|(logins, users)| {
            let mut p = PopulationStats::new();
            for ctx in &logins {
                p.observe(ctx.features(), ctx.now().unix_timestamp());
            }
            p.set_users(users);
            p
        })
}

fn assessment_json(a: &Assessment<'_>) -> String {
    serde_json::to_string(a).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Policies used by the properties.
// ---------------------------------------------------------------------------------------------

/// Every built-in detector scored, and every fact compared: every detector meets the inputs.
fn everything_policy() -> Policy {
    let mut rules: Vec<serde_json::Value> = SignalCode::ALL
        .iter()
        .map(|code| {
            serde_json::json!({
                "id": format!("hit-{code}"), "when": { "hit": code.as_str() },
                "effect": { "points": 3 },
            })
        })
        .collect();
    rules.push(serde_json::json!({
        "id": "days", "effect": { "points": 1 },
        "when": { "compare": { "fact": "profile.days_since_last_login", "gt": 30 } },
    }));
    rules.push(serde_json::json!({
        "id": "age", "effect": { "points": 1 },
        "when": { "compare": { "fact": "auth.age_minutes", "gt": 60 } },
    }));
    Policy::compile(
        serde_json::from_value(serde_json::json!({
            "id": "everything", "version": "1",
            "thresholds": { "step_up": 10, "review": 20, "deny": 30 },
            "rules": rules,
        }))
        .unwrap(),
    )
    .unwrap()
}

/// A panic payload whose `Drop` panics.
struct PanicsOnDrop;
impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("payload dropped");
    }
}

/// How a custom detector misbehaves.
#[derive(Clone, Copy, Debug)]
enum Misbehaviour {
    Error,
    Panic,
    /// Panics with a payload whose `Drop` panics too.
    PanicTwice,
    NanScore,
    InfiniteScore,
    NanTravel,
    InfiniteSpeed,
    NegativeHours,
    NegativeAge,
    HourShareAboveOne,
}

struct Faulty(Misbehaviour);

impl Detector for Faulty {
    fn detect(&self, _: &DetectorInput<'_>) -> Result<Signal, DetectorError> {
        Ok(Signal::hit(match self.0 {
            Misbehaviour::Error => return Err(DetectorError::new("backend unreachable")),
            Misbehaviour::Panic => panic!("custom detector bug"),
            Misbehaviour::PanicTwice => std::panic::panic_any(PanicsOnDrop),
            Misbehaviour::NanScore => Evidence::Score { value: f64::NAN },
            Misbehaviour::InfiniteScore => Evidence::Score {
                value: f64::INFINITY,
            },
            Misbehaviour::NanTravel => Evidence::Travel {
                distance_km: f64::NAN,
                hours: 1.0,
                speed_kmh: 10.0,
            },
            Misbehaviour::InfiniteSpeed => Evidence::Travel {
                distance_km: 900.0,
                hours: 1.0,
                speed_kmh: f64::INFINITY,
            },
            Misbehaviour::NegativeHours => Evidence::Travel {
                distance_km: 900.0,
                hours: -1.0,
                speed_kmh: 900.0,
            },
            Misbehaviour::NegativeAge => Evidence::Age { seconds: -86_400 },
            Misbehaviour::HourShareAboveOne => Evidence::Hour {
                hour_of_week: 3,
                share: 1.5,
            },
        }))
    }
}

fn misbehaviour() -> impl Strategy<Value = Misbehaviour> {
    prop_oneof![
        Just(Misbehaviour::Error),
        Just(Misbehaviour::Panic),
        Just(Misbehaviour::PanicTwice),
        Just(Misbehaviour::NanScore),
        Just(Misbehaviour::InfiniteScore),
        Just(Misbehaviour::NanTravel),
        Just(Misbehaviour::InfiniteSpeed),
        Just(Misbehaviour::NegativeHours),
        Just(Misbehaviour::NegativeAge),
        Just(Misbehaviour::HourShareAboveOne),
    ]
}

fn non_allow() -> impl Strategy<Value = Decision> {
    prop_oneof![
        Just(Decision::StepUp(StepUpMethod::FreshAuthentication)),
        Just(Decision::StepUp(StepUpMethod::CpsCard)),
        Just(Decision::Review),
        Just(Decision::Deny),
    ]
}

/// The recommended policy plus a rule on a faulty custom detector; negative points on every
/// trusted signal it has stay, so a failure cannot be "compensated".
fn recommended_with_faulty(
    m: Misbehaviour,
    fail_closed: Decision,
    mode: Mode,
    effect: serde_json::Value,
) -> Policy {
    let mut spec = RECOMMENDED.spec().clone();
    spec.examples.clear();
    spec.fail_closed = fail_closed;
    spec.mode = mode;
    spec.rules.push(
        serde_json::from_value(serde_json::json!({
            "id": "faulty", "when": { "hit": "custom.faulty" }, "effect": effect,
        }))
        .unwrap(),
    );
    let mut registry = DetectorRegistry::new();
    registry.register("faulty", Faulty(m)).unwrap();
    Policy::compile_with(spec, &registry).unwrap()
}

/// Conditions without `not` / `not_evaluated`: true can only turn truer with more hits.
fn positive_condition(leaf: BoxedStrategy<String>) -> impl Strategy<Value = serde_json::Value> {
    let leaf = leaf.prop_map(|code| serde_json::json!({ "hit": code }));
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 1..3).prop_map(|v| serde_json::json!({ "all": v })),
            vec(inner, 1..3).prop_map(|v| serde_json::json!({ "any": v })),
        ]
    })
}

/// Monotone effects: positive points, floors, and `force = "deny"` (nothing is above it).
/// (`force` of a lower decision is not monotone by design: it replaces the score's decision.)
fn monotone_effect() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        4 => (1i32..=1000).prop_map(|p| serde_json::json!({ "points": p })),
        1 => prop::sample::select(vec!["step_up_fresh", "step_up_cps_card", "review", "deny"])
            .prop_map(|d| serde_json::json!({ "at_least": d })),
        1 => Just(serde_json::json!({ "force": "deny" })),
    ]
}

fn thresholds() -> impl Strategy<Value = (i32, i32, i32)> {
    (1i32..200, 1i32..200, 1i32..200).prop_map(|(a, b, c)| (a, a + b, a + b + c))
}

fn monotone_policy(leaf: BoxedStrategy<String>) -> impl Strategy<Value = PolicySpec> {
    (
        vec((positive_condition(leaf), monotone_effect()), 1..8),
        thresholds(),
    )
        .prop_map(|(rules, (s, r, d))| {
            let rules: Vec<serde_json::Value> = rules
                .into_iter()
                .enumerate()
                .map(|(i, (when, effect))| {
                    serde_json::json!({ "id": format!("r{i}"), "when": when, "effect": effect })
                })
                .collect();
            serde_json::from_value(serde_json::json!({
                "id": "monotone", "version": "1",
                "thresholds": { "step_up": s, "review": r, "deny": d },
                "rules": rules,
            }))
            .unwrap()
        })
}

/// A custom detector that fires or not, as told.
struct Fixed(bool);
impl Detector for Fixed {
    fn detect(&self, _: &DetectorInput<'_>) -> Result<Signal, DetectorError> {
        Ok(Signal::when(self.0, Evidence::Flag))
    }
}

/// Any policy spec: conditions of every kind, effects of every kind, thresholds, modes.
fn any_policy_spec() -> impl Strategy<Value = PolicySpec> {
    let code = (0..SignalCode::ALL.len()).prop_map(|i| SignalCode::ALL[i].as_str().to_owned());
    let compare = prop_oneof![
        (0u32..100).prop_map(
            |n| serde_json::json!({ "compare": { "fact": "credential.active_count", "ge": n } })
        ),
        Just(serde_json::json!({ "compare": { "fact": "request.country", "in": ["FR", "BE"] } })),
        Just(serde_json::json!({ "compare": { "fact": "auth.acr", "lt": "eidas2" } })),
        Just(serde_json::json!({ "compare": { "fact": "request.anonymizer", "eq": true } })),
    ];
    let leaf = prop_oneof![
        code.clone().prop_map(|c| serde_json::json!({ "hit": c })),
        code.prop_map(|c| serde_json::json!({ "not_evaluated": c })),
        compare,
    ];
    let condition = leaf.prop_recursive(3, 10, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 1..3).prop_map(|v| serde_json::json!({ "all": v })),
            vec(inner.clone(), 1..3).prop_map(|v| serde_json::json!({ "any": v })),
            inner.prop_map(|c| serde_json::json!({ "not": c })),
        ]
    });
    let effect = prop_oneof![
        (-1000i32..=1000).prop_map(|p| serde_json::json!({ "points": p })),
        prop::sample::select(vec!["step_up_fresh", "review", "deny"])
            .prop_map(|d| serde_json::json!({ "at_least": d })),
        prop::sample::select(vec!["allow", "step_up_cps_card", "deny"])
            .prop_map(|d| serde_json::json!({ "force": d })),
    ];
    (
        vec((condition, effect, any::<bool>()), 0..6),
        thresholds(),
        any::<bool>(),
        non_allow(),
        "[ -~]{0,20}",
    )
        .prop_map(
            |(rules, (s, r, d), report_only, fail_closed, description)| {
                let rules: Vec<serde_json::Value> = rules
                    .into_iter()
                    .enumerate()
                    .map(|(i, (when, effect, ro))| {
                        serde_json::json!({ "id": format!("rule-{i}"), "when": when,
                                        "effect": effect, "report_only": ro })
                    })
                    .collect();
                serde_json::from_value(serde_json::json!({
                    "id": "generated", "version": "1.0", "description": description,
                    "mode": if report_only { "report_only" } else { "enforce" },
                    "fail_closed": fail_closed,
                    "thresholds": { "step_up": s, "review": r, "deny": d },
                    "rules": rules,
                }))
                .unwrap()
            },
        )
}

fn check_caps(p: &Profile) {
    assert!(p.devices().len() <= MAX_DEVICES);
    assert!(p.history().within(&PROFILE_CAPS));
    assert!(p.recent_logins().len() <= MAX_RECENT_LOGINS);
    assert!(p.feedback().len() <= MAX_FEEDBACK);
    assert!(p.hours().iter().all(|h| *h <= MAX_HOUR_COUNT));
    assert!(p.attempts().len() <= ecps_risk::history::MAX_ATTEMPTS);
    let m = p.means();
    assert!(
        [m.card, m.ecps, m.other]
            .iter()
            .all(|n| *n <= ecps_risk::history::MAX_MEANS_COUNT)
    );
}

/// Every copy of `value` with one of its objects (at any depth) replaced by the array of its
/// values: how a struct would read by position.
fn objects_as_arrays(value: &serde_json::Value) -> Vec<serde_json::Value> {
    use serde_json::Value;
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            out.push(Value::Array(map.values().cloned().collect()));
            for (key, inner) in map {
                for changed in objects_as_arrays(inner) {
                    let mut copy = map.clone();
                    copy.insert(key.clone(), changed);
                    out.push(Value::Object(copy));
                }
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                for changed in objects_as_arrays(inner) {
                    let mut copy = items.clone();
                    copy[i] = changed;
                    out.push(Value::Array(copy));
                }
            }
        }
        _ => {}
    }
    out
}

/// No struct of `value`'s JSON form reads from an array (issue 15: they read by position).
fn refuses_arrays<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let json = serde_json::to_value(value).unwrap();
    for changed in objects_as_arrays(&json) {
        assert!(
            serde_json::from_value::<T>(changed.clone()).is_err(),
            "read from an array: {changed}"
        );
    }
}

fn round_trip<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(&back, value, "{json}");
}

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(cases(192))]

    /// Any context: `build` returns a context or an error naming its field; evaluation of a
    /// context never panics, under the recommended policy and one running every detector.
    #[test]
    fn evaluation_never_panics(
        login in login(),
        profile in profile(6),
        lists in option::of(watchlists()),
        population in option::of(population()),
    ) {
        let ctx = match login.builder().build() {
            Ok(ctx) => ctx,
            Err(e) => {
                // Builder errors start with the field's name, in backticks.
                let m = e.to_string();
                prop_assert!(m.starts_with('`'), "{m}");
                return Ok(());
            }
        };
        let mut env = Environment::new();
        if let Some(w) = &lists {
            env = env.with_watchlists(w);
        }
        if let Some(p) = &population {
            env = env.with_population(p);
        }
        for policy in [&*RECOMMENDED, &*EVERYTHING] {
            let a = policy.evaluate(&ctx, &profile, &env);
            let _ = a.to_string();
            let _ = assessment_json(&a);
            prop_assert!(a.level() >= a.decision().level());
            // Learning from it never panics either, and never errs for the same subject.
            if profile.subject().is_none_or(|s| s == ctx.subject()) {
                check_caps(&profile.learn(&ctx, &a).unwrap());
            }
        }
    }

    /// The same inputs give the same assessment, byte for byte, and the same fingerprint; so
    /// do two compilations of the same spec.
    #[test]
    fn evaluation_is_deterministic(
        login in login(),
        profile in profile(6),
        lists in option::of(watchlists()),
        spec in any_policy_spec(),
    ) {
        let (Ok(a_ctx), Ok(b_ctx)) = (login.builder().build(), login.builder().build()) else {
            return Ok(());
        };
        prop_assert_eq!(&a_ctx, &b_ctx);
        let (Ok(p1), Ok(p2)) = (Policy::compile(spec.clone()), Policy::compile(spec)) else {
            return Ok(());
        };
        prop_assert_eq!(p1.fingerprint(), p2.fingerprint());
        let mut env = Environment::new();
        if let Some(w) = &lists {
            env = env.with_watchlists(w);
        }
        let a = p1.evaluate(&a_ctx, &profile, &env);
        let b = p2.evaluate(&b_ctx, &profile.clone(), &env);
        prop_assert_eq!(assessment_json(&a), assessment_json(&b));
        prop_assert_eq!(a.to_string(), b.to_string());
        prop_assert_eq!(a.fingerprint(), b.fingerprint());
        let a = RECOMMENDED.evaluate(&a_ctx, &profile, &env);
        let fresh = Policy::recommended();
        let b = fresh.evaluate(&b_ctx, &profile, &env);
        prop_assert_eq!(assessment_json(&a), assessment_json(&b));
        prop_assert_eq!(a.fingerprint(), b.fingerprint());
    }

    /// One assessment reused through `evaluate_into` across logins, profiles and both
    /// policies reads exactly like a fresh `evaluate`: nothing of an earlier login (a signal,
    /// a fired rule, a failure) survives into the next.
    #[test]
    fn a_reused_assessment_reads_like_a_fresh_one(
        steps in vec((login(), profile(4), any::<bool>()), 1..5),
        lists in option::of(watchlists()),
        population in option::of(population()),
    ) {
        let mut env = Environment::new();
        if let Some(w) = &lists {
            env = env.with_watchlists(w);
        }
        if let Some(p) = &population {
            env = env.with_population(p);
        }
        let mut reused = RECOMMENDED.create_assessment();
        for (login, profile, everything) in &steps {
            let Ok(ctx) = login.builder().build() else { continue };
            let policy: &'static Policy = if *everything { &EVERYTHING } else { &RECOMMENDED };
            policy.evaluate_into(&ctx, profile, &env, &mut reused);
            let fresh = policy.evaluate(&ctx, profile, &env);
            prop_assert_eq!(assessment_json(&reused), assessment_json(&fresh));
            prop_assert_eq!(reused.to_string(), fresh.to_string());
            prop_assert_eq!(format!("{reused:?}"), format!("{fresh:?}"));
            prop_assert_eq!(reused.is_good_login(), fresh.is_good_login());
        }
    }

    /// A detector going from "no hit" to "hit", in a policy of positive points, floors and
    /// forced denials, never lowers the score nor the decision.
    #[test]
    fn a_new_hit_never_lowers_the_decision(
        spec in monotone_policy(
            prop_oneof![
                3 => Just("custom.signal".to_owned()),
                2 => (0..SignalCode::ALL.len()).prop_map(|i| SignalCode::ALL[i].as_str().to_owned()),
            ].boxed()
        ),
        login in login(),
        profile in profile(4),
    ) {
        let Ok(ctx) = login.builder().build() else { return Ok(()); };
        let compile = |fires| {
            let mut registry = DetectorRegistry::new();
            registry.register("signal", Fixed(fires)).unwrap();
            Policy::compile_with(spec.clone(), &registry)
        };
        let (Ok(without), Ok(with)) = (compile(false), compile(true)) else {
            return Ok(());
        };
        let env = Environment::empty();
        let a = without.evaluate(&ctx, &profile, &env);
        let b = with.evaluate(&ctx, &profile, &env);
        prop_assert!(b.score() >= a.score(), "{} < {}", b.score(), a.score());
        prop_assert!(b.decision() >= a.decision(), "{:?} < {:?}", b.decision(), a.decision());
    }

    /// The same with built-in detectors: raising a risk flag of the login (screen sharing,
    /// automation, anonymizer, a reported push, a remote activation just now where none was
    /// known) never lowers the decision of a monotone policy over the built-in detectors.
    #[test]
    fn a_risk_flag_never_lowers_the_decision(
        spec in monotone_policy(
            (0..SignalCode::ALL.len()).prop_map(|i| SignalCode::ALL[i].as_str().to_owned()).boxed()
        ),
        login in login(),
        flag in 0usize..5,
        profile in profile(4),
        lists in option::of(watchlists()),
    ) {
        let Ok(policy) = Policy::compile(spec) else { return Ok(()); };
        let Ok(before) = login.builder().build() else { return Ok(()); };
        let mut raised = login.clone();
        let p = &mut raised.partners;
        match flag {
            0 => p.remote_control = Some(true),
            1 => p.automation = Some(true),
            2 => raised.request.anonymizer = Some(true),
            3 => p.reports.get_or_insert_with(Vec::new).push(raised.at - Duration::minutes(1)),
            // An activation where none was known (replacing one would move it, not add a
            // signal: the gap to a contact change, for one, would change).
            _ => match raised.credential.activation {
                None => {
                    raised.credential.activation =
                        Some((raised.at - Duration::minutes(10), ActivationChannel::EmailSms));
                }
                Some(_) => p.remote_control = Some(true),
            },
        }
        let Ok(after) = raised.builder().build() else { return Ok(()); };
        let mut env = Environment::new();
        if let Some(w) = &lists {
            env = env.with_watchlists(w);
        }
        let a = policy.evaluate(&before, &profile, &env);
        let b = policy.evaluate(&after, &profile, &env);
        for code in SignalCode::ALL {
            if a.signal(*code).is_some_and(Signal::is_hit) {
                prop_assert!(b.signal(*code).is_some_and(Signal::is_hit), "{code} stopped firing");
            }
        }
        prop_assert!(b.score() >= a.score());
        prop_assert!(b.decision() >= a.decision(), "{:?} < {:?}", b.decision(), a.decision());
    }

    /// A custom detector that errors, panics or returns nonsense never yields `allow`, for any
    /// login, profile, `fail_closed` floor, mode, and effect of its rule (even negative points).
    #[test]
    fn a_failing_detector_never_allows(
        m in misbehaviour(),
        fail_closed in non_allow(),
        report_only in any::<bool>(),
        effect in prop_oneof![
            Just(serde_json::json!({ "points": -1000 })),
            Just(serde_json::json!({ "points": 10 })),
            Just(serde_json::json!({ "force": "allow" })),
        ],
        login in login(),
        profile in profile(4),
        lists in option::of(watchlists()),
    ) {
        let Ok(ctx) = login.builder().build() else { return Ok(()); };
        let mode = if report_only { Mode::ReportOnly } else { Mode::Enforce };
        let policy = recommended_with_faulty(m, fail_closed, mode, effect);
        let mut env = Environment::new();
        if let Some(w) = &lists {
            env = env.with_watchlists(w);
        }
        let a = policy.evaluate(&ctx, &profile, &env);
        prop_assert!(a.failure().is_some(), "{m:?} not noticed");
        prop_assert_ne!(a.decision(), Decision::Allow);
        prop_assert!(a.decision() >= fail_closed);
        prop_assert!(!a.is_good_login(), "a failed evaluation would be learned");
        let detector_failure = matches!(
            a.failure(),
            Some(
                Failure::Detector { .. }
                    | Failure::DetectorPanicked { .. }
                    | Failure::Nonsense { .. }
                    // The first failure is reported: another professional's profile comes first.
                    | Failure::ProfileMismatch
            )
        );
        prop_assert!(detector_failure, "{:?}", a.failure());
        let json = assessment_json(&a);
        prop_assert!(json.contains("faulty"), "{json}");
    }

    /// A watchlist the policy requires and the environment lacks (or holds as another kind)
    /// never allows, whatever the login, profile, other lists, floor and mode (issue 15: a
    /// missing list silently switched rules off).
    #[test]
    fn a_missing_required_watchlist_never_allows(
        kind in prop::sample::select(vec![
            WatchlistKind::Ip,
            WatchlistKind::Credentials,
            WatchlistKind::BlockedSubjects,
            WatchlistKind::Subjects,
        ]),
        fail_closed in non_allow(),
        report_only in any::<bool>(),
        login in login(),
        profile in profile(4),
        lists in option::of(watchlists()),
    ) {
        let Ok(ctx) = login.builder().build() else { return Ok(()); };
        let mut spec = RECOMMENDED.spec().clone();
        spec.examples.clear();
        spec.fail_closed = fail_closed;
        spec.mode = if report_only { Mode::ReportOnly } else { Mode::Enforce };
        // The recommended policy's trusted list, required with the kind drawn (a list of
        // another kind in the environment is as good as none).
        let trusted = "trusted_networks";
        if kind != WatchlistKind::Ip {
            spec.detectors.network_trusted.lists.clear();
            spec.rules.retain(|r| r.id != "known-device-trusted-network");
        }
        let decl = spec.watchlists.get_mut(trusted).unwrap();
        *decl = ecps_risk::policy::WatchlistDecl { kind, required: true };
        let policy = Policy::compile(spec).unwrap();
        let mut env = Environment::new();
        if let Some(w) = &lists {
            prop_assume!(w.kind_of(trusted) != Some(kind));
            env = env.with_watchlists(w);
        }
        let a = policy.evaluate(&ctx, &profile, &env);
        prop_assert!(a.failure().is_some());
        prop_assert_ne!(a.decision(), Decision::Allow);
        prop_assert!(a.decision() >= fail_closed);
        prop_assert!(!a.is_good_login(), "a failed evaluation would be learned");
        prop_assert!(policy.check_environment(&env).is_err());
    }

    /// Another professional's profile fails closed too, whatever the login.
    #[test]
    fn another_professionals_profile_never_allows(
        login in login(),
        first in profile_of(0, 1..5),
        second in profile_of(1, 1..5),
    ) {
        let Ok(ctx) = login.builder().build() else { return Ok(()); };
        let profile = if first.subject() == Some(ctx.subject()) { second } else { first };
        prop_assert!(profile.subject().is_some_and(|s| s != ctx.subject()));
        for policy in [&*RECOMMENDED, &*EVERYTHING] {
            let a = policy.evaluate(&ctx, &profile, &Environment::empty());
            prop_assert_eq!(a.failure(), Some(&Failure::ProfileMismatch));
            prop_assert!(a.decision() >= policy.fail_closed());
            prop_assert!(profile.learn(&ctx, &a).is_err());
        }
    }

    /// A profile stays within its caps whatever it learns, in any order, with feedback.
    #[test]
    fn profile_learning_never_exceeds_caps(
        steps in vec((habitual(SUBJECTS[0].parse().unwrap()), 0u8..4), 1..70),
    ) {
        let policy = &*RECOMMENDED;
        let mut p = Profile::new();
        let mut absorbed = 0u64;
        for (ctx, how) in &steps {
            // A login already among the recent ones is counted once (SECURITY.md).
            let new = u64::from(p.recent_login(ctx).is_none());
            p = match how {
                0 => {
                    let a = policy.evaluate(ctx, &p, &Environment::empty());
                    absorbed += u64::from(a.is_good_login()) * new;
                    p.learn(ctx, &a).unwrap()
                }
                1 => {
                    let mut a = policy.evaluate(ctx, &p, &Environment::empty());
                    if let Some(card) = card_step_up(ctx) {
                        let _ = a.mark_step_up_passed(ctx, &card);
                    }
                    absorbed += u64::from(a.is_good_login()) * new;
                    p.learn(ctx, &a).unwrap()
                }
                2 => {
                    absorbed += new;
                    p.confirm_safe(ctx).unwrap()
                }
                _ => {
                    // A learned login confirmed compromised is taken back.
                    absorbed -= 1 - new;
                    p.confirm_compromised(ctx).unwrap()
                }
            };
            check_caps(&p);
        }
        prop_assert_eq!(p.login_count(), absorbed);
        round_trip(&p);
    }

    /// The hour histogram never passes `MAX_HOUR_COUNT`, from any stored histogram within it.
    #[test]
    fn hour_counts_stay_capped(
        hours in vec(0u16..=MAX_HOUR_COUNT, 168),
        logins in vec(habitual(SUBJECTS[0].parse().unwrap()), 1..20),
    ) {
        let mut json: serde_json::Value = serde_json::to_value(Profile::new()).unwrap();
        json["hours"] = serde_json::json!(hours);
        let mut p: Profile = serde_json::from_value(json).unwrap();
        for ctx in &logins {
            p = p.confirm_safe(ctx).unwrap();
            prop_assert!(p.hours().iter().all(|h| *h <= MAX_HOUR_COUNT));
        }
    }

    /// Any login the crate accepts gives an incident report and an audit record, under the
    /// fuzz target `report`'s policies (one rolling stricter rules out report-only, one
    /// report-only), with or without a passed step-up, in every privacy setting: they build,
    /// serialize (the record reads back) and show no more than the setting allows. The
    /// assessment's evidence is within its domain and holds no address; a login is learned
    /// exactly when SECURITY.md says; the assessment is refused with the context of another
    /// professional's login at the same second. The checks are the fuzz target's
    /// (`harness::check_outputs`), which panic on a violation.
    #[test]
    fn reports_and_audit_records_build_for_any_login(
        login in login(),
        other_subject in subject(),
        profile in profile(4),
        lists in option::of(watchlists()),
        passed in any::<bool>(),
    ) {
        let Ok(ctx) = login.builder().build() else { return Ok(()); };
        // The same login by another professional (or the same one): same second, all else
        // equal but the subject.
        let other = Login { subject: other_subject, ..login.clone() }.builder().build().ok();
        let mut env = Environment::new();
        if let Some(w) = &lists {
            env = env.with_watchlists(w);
        }
        // The step-up answered by the login it asks for.
        let step_up = if passed { harness::step_up_login(&ctx) } else { None };
        for policy in harness::report_policies() {
            harness::check_outputs(policy, &ctx, &profile, &env, step_up.as_ref(), other.as_ref());
        }
    }

    /// Longest-prefix lookups, and id lookups, agree with a linear scan over the entries.
    #[test]
    fn watchlist_lookups_agree_with_a_linear_scan(
        nets in vec(
            prop_oneof![
                (any::<[u8; 4]>(), 0u8..=32).prop_map(|(a, l)| IpNet::new(IpAddr::V4(Ipv4Addr::from(a)), l).unwrap()),
                (any::<[u8; 2]>(), 8u8..=32).prop_map(|(a, l)| IpNet::new(IpAddr::V4(Ipv4Addr::new(10, a[0] % 4, a[1], 0)), l).unwrap()),
                (any::<[u8; 4]>(), 96u8..=128).prop_map(|(a, l)| IpNet::new(IpAddr::V6(Ipv4Addr::from(a).to_ipv6_mapped()), l).unwrap()),
                (any::<[u8; 16]>(), 0u8..=128).prop_map(|(a, l)| IpNet::new(IpAddr::V6(Ipv6Addr::from(a)), l).unwrap()),
                (any::<u16>(), 16u8..=64).prop_map(|(a, l)| IpNet::new(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, a % 8, 0, 0, 0, 0, 0)), l).unwrap()),
            ],
            0..40,
        ),
        probes in vec(ip(), 0..40),
        // Short ids collide often; long ones (8 bytes and more) exercise the word-wise hash.
        ids in vec("[ab]{1,3}|[ab]{7,18}", 0..12),
        id_probes in vec("[ab]{0,4}|[ab]{7,18}", 0..12),
        blocked in vec(("[ab]{1,3}|[ab]{7,10}", time_around()), 0..8),
    ) {
        let spec = serde_json::json!({ "lists": [
            { "name": "nets", "kind": "ip", "entries": nets.iter().map(ToString::to_string).collect::<Vec<_>>() },
            { "name": "creds", "kind": "credentials", "entries": ids },
            { "name": "subjects", "kind": "subjects", "entries": ids },
            { "name": "blocked", "kind": "blocked_subjects", "entries": blocked.iter().map(|(s, t)| serde_json::json!({
                "subject": s, "since": t.format(&time::format_description::well_known::Rfc3339).unwrap() })).collect::<Vec<_>>() },
        ]});
        let lists: Watchlists = serde_json::from_value(spec).unwrap();
        // The reference: IPv4-mapped networks count as IPv4, as documented.
        let canonical: Vec<IpNet> = nets.iter().map(|n| match n {
            IpNet::V6(v6) if v6.prefix_len() >= 96 && v6.network().to_ipv4_mapped().is_some() => {
                IpNet::new(IpAddr::V4(v6.network().to_ipv4_mapped().unwrap()), v6.prefix_len() - 96).unwrap()
            }
            other => other.trunc(),
        }).collect();
        let list = lists.ip_list("nets").unwrap();
        let edges = canonical.iter().flat_map(|n| [n.network(), n.broadcast()]);
        for probe in probes.iter().copied().chain(edges) {
            let c = probe.to_canonical();
            let want = canonical.iter().filter(|n| n.contains(&c)).max_by_key(|n| n.prefix_len()).copied();
            prop_assert_eq!(list.lookup(probe), want, "lookup {}", probe);
            prop_assert_eq!(list.contains(probe), want.is_some());
            if let IpAddr::V4(v4) = probe {
                prop_assert_eq!(list.lookup(IpAddr::V6(v4.to_ipv6_mapped())), want);
            }
        }
        let creds = lists.credential_list("creds").unwrap();
        let subjects = lists.subject_list("subjects").unwrap();
        for probe in id_probes.iter().chain(&ids) {
            let want = ids.contains(probe);
            prop_assert_eq!(creds.contains(probe), want);
            prop_assert_eq!(subjects.contains(probe), want);
        }
        let b = lists.blocked_subject_list("blocked").unwrap();
        for probe in id_probes.iter().chain(blocked.iter().map(|(s, _)| s)) {
            let want = blocked.iter().filter(|(s, _)| s == probe).map(|(_, t)| *t).min();
            prop_assert_eq!(b.blocked_since(probe), want);
        }
    }
}

proptest! {
    #![proptest_config(cases(64))]

    /// Contexts and login events read back equal from JSON (the recorded form); a context read
    /// back validates again and stays equal.
    #[test]
    fn contexts_round_trip(login in login()) {
        let Ok(ctx) = login.builder().build() else { return Ok(()); };
        round_trip(&ctx);
        refuses_arrays(&ctx);
        let event = LoginEvent::from(ctx.clone());
        round_trip(&event);
        prop_assert_eq!(RiskContext::try_from(event).unwrap(), ctx);
    }

    /// A login's digest is its event's: built again from its JSON form, the same digest; with
    /// any one field of another login put in its place, a different digest exactly when the
    /// validated event differs (`-0.0` is `0.0`, lists are sorted). (Boxed: two login value
    /// trees side by side overflow a test thread's stack in debug builds.)
    #[test]
    fn digests_tell_login_events_apart(a in login().boxed(), b in login().boxed()) {
        let (Ok(a), Ok(b)) = (a.builder().build(), b.builder().build()) else { return Ok(()); };
        let back: RiskContext = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        prop_assert_eq!(back.digest(), a.digest());
        let json = serde_json::to_value(&a).unwrap();
        for (path, other) in paired_leaves(&json, &serde_json::to_value(&b).unwrap()) {
            let Ok(crossed) = serde_json::from_value::<RiskContext>(with_leaf(&json, &path, other))
            else {
                continue;
            };
            prop_assert_eq!(
                crossed.digest() == a.digest(),
                crossed.event() == a.event(),
                "{}: {}", path, other
            );
        }
    }

    /// Profiles (learned ones, with feedback), population statistics and watchlists.
    #[test]
    fn stored_state_round_trips(
        profile in profile(20),
        population in population(),
        lists in watchlists(),
    ) {
        round_trip(&profile);
        round_trip(&population);
        round_trip(&lists);
        refuses_arrays(&profile);
        refuses_arrays(&population);
        refuses_arrays(&lists);
        round_trip(&lists.to_spec());
        prop_assert_eq!(Watchlists::compile(lists.to_spec()).unwrap(), lists.clone());
        let toml_text = toml::to_string(&lists.to_spec()).unwrap();
        prop_assert_eq!(toml::from_str::<WatchlistsSpec>(&toml_text).unwrap(), lists.to_spec());
    }

    /// Policy specs read back equal from JSON, and compile again to the same fingerprint.
    /// (Not through TOML: the `toml` 0.9 serializer writes the `[detectors."ecps.revoked"]`
    /// table header without its quotes, which does not read back. Written by hand, TOML reads
    /// fine: `tests/policy.rs` compares fingerprints across formats.)
    #[test]
    fn policy_specs_round_trip(spec in any_policy_spec()) {
        round_trip(&spec);
        refuses_arrays(&spec);
        if let Ok(p) = Policy::compile(spec.clone()) {
            round_trip(p.spec());
            let json = serde_json::to_string(p.spec()).unwrap();
            let back: PolicySpec = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(Policy::compile(back).unwrap().fingerprint(), p.fingerprint());
        }
    }

    /// The small public value types.
    #[test]
    fn value_types_round_trip(
        subject in subject(),
        country in "[A-Z]{2}",
        lat in -90.0f64..=90.0, lon in -180.0f64..=180.0, acc in 0.0f64..=20_000.0,
        department in prop::sample::select(vec!["01", "2A", "2B", "75", "95", "971", "976", "988"]),
        decision in prop_oneof![Just(Decision::Allow), non_allow()],
        offset in -720i16..=840,
    ) {
        round_trip(&subject);
        prop_assert_eq!(subject.as_str().parse::<NationalId>().unwrap(), subject.clone());
        let id_kind = subject.kind();
        round_trip(&id_kind);
        let c: CountryCode = country.parse().unwrap();
        round_trip(&c);
        let g = ecps_risk::model::GeoPoint::new(lat, lon, acc).unwrap();
        round_trip(&g);
        let d = Department::parse(department).unwrap();
        round_trip(&d);
        round_trip(&decision);
        prop_assert_eq!(Decision::parse(decision.as_str()), Some(decision));
        round_trip(&decision.level());
        round_trip(&LocalTime::Fixed { offset_minutes: offset });
        round_trip(&ActivityLocation { country: c, department: Some(d) });
    }
}

/// Enumerations and the rest of the small types, exhaustively (no generation needed).
#[test]
fn every_enumeration_round_trips() {
    for acr in [Acr::Unknown, Acr::Eidas1, Acr::Eidas2, Acr::Eidas3] {
        round_trip(&acr);
    }
    for c in [
        ActivationChannel::CpsCard,
        ActivationChannel::EmailSms,
        ActivationChannel::Other,
    ] {
        round_trip(&c);
    }
    round_trip(&ContactKind::Email);
    round_trip(&ContactKind::Phone);
    for o in [
        PushOutcome::Approved,
        PushOutcome::Denied,
        PushOutcome::Expired,
    ] {
        round_trip(&o);
    }
    for l in [Level::Low, Level::Medium, Level::High, Level::Critical] {
        round_trip(&l);
    }
    round_trip(&Mode::Enforce);
    round_trip(&Mode::ReportOnly);
    for k in [
        WatchlistKind::Ip,
        WatchlistKind::Credentials,
        WatchlistKind::BlockedSubjects,
        WatchlistKind::Subjects,
    ] {
        round_trip(&k);
    }
    for code in SignalCode::ALL {
        round_trip(code);
    }
    round_trip(&Feedback::ConfirmedSafe);
    round_trip(&Feedback::ConfirmedCompromised);
    round_trip(&IdKind::Rpps);
    round_trip(&LocalTime::EuropeParis);
    round_trip(&Policy::recommended().fingerprint());
    round_trip(&Policy::recommended().spec().clone());
    round_trip(&Profile::new());
    round_trip(&PopulationStats::new());
    round_trip(&Watchlists::empty());
}

/// Every field of a full login event counts in its digest: each leaf of its JSON form, in
/// turn, replaced by another valid value, changes the digest. Every leaf of `a` must differ
/// in `b`, so a field added to `LoginEvent` later fails here until both give it a value.
#[test]
fn every_field_of_a_login_event_counts_in_its_digest() {
    let event = |json| serde_json::from_value::<RiskContext>(json).unwrap();
    let a = event(serde_json::json!({
        "at": "2025-12-01T04:30:01Z",
        "subject": "0976012345",
        "auth": {
            "acr": "eidas1",
            "amr": ["pin"],
            "auth_time": "2025-12-01T03:15:00Z",
            "issued_at": "2025-12-01T04:30:00Z",
            "mode": "ecps",
            "issuer": "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet"
        },
        "request": {
            "ip": "203.0.113.50",
            "user_agent": "Mozilla/5.0 (Linux; Android 14; SM-A546B)",
            "device": "17178ed51f72a47813e8d0ba371ea1ea",
            "geo": { "lat": 48.8582, "lon": 2.3387, "accuracy_km": 100.0 },
            "country": "FR",
            "asn": 64500,
            "anonymizer": true,
            "hosting": true
        },
        "credential": {
            "id": "ecps-7c1e5b0a-93f4",
            "activated_at": "2025-12-01T03:05:00Z",
            "channel": "email_sms",
            "active_count": 2
        },
        "contact_changes": [{ "at": "2025-11-28T16:12:00Z", "kind": "email" }],
        "validation_requests": [{ "at": "2025-11-30T18:40:00Z", "outcome": "denied" }],
        "reports": [{ "at": "2025-11-30T18:45:00Z" }],
        "telemetry": { "remote_control": true, "automation": false },
        "practice": [{ "country": "RE", "department": "974" }],
        "local_time": { "fixed": { "offset_minutes": 240 } }
    }));
    let b = event(serde_json::json!({
        "at": "2025-12-01T04:31:01Z",
        "subject": "810001234565",
        "auth": {
            "acr": "eidas3",
            "amr": ["otp"],
            "auth_time": "2025-12-01T03:16:00Z",
            "issued_at": "2025-12-01T04:29:00Z",
            "mode": { "other": "FIDO" },
            "issuer": "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet"
        },
        "request": {
            "ip": "2001:db8::1",
            "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "device": "cc9a3a67bb723262216b41f7606f5d29",
            "geo": { "lat": 45.7485, "lon": 4.8467, "accuracy_km": 20.0 },
            "country": "RE",
            "asn": 2200,
            "anonymizer": false,
            "hosting": false
        },
        "credential": {
            "id": "ecps-0a42",
            "activated_at": "2024-08-08T09:30:00Z",
            "channel": "cps_card",
            "active_count": 1
        },
        "contact_changes": [{ "at": "2025-11-28T16:14:00Z", "kind": "phone" }],
        "validation_requests": [{ "at": "2025-11-30T18:42:00Z", "outcome": "expired" }],
        "reports": [{ "at": "2025-11-30T18:46:00Z" }],
        "telemetry": { "remote_control": false, "automation": true },
        "practice": [{ "country": "FR", "department": "69" }],
        "local_time": "europe_paris"
    }));
    let (json, other_json) = (
        serde_json::to_value(&a).unwrap(),
        serde_json::to_value(&b).unwrap(),
    );
    let leaves = paired_leaves(&json, &other_json);
    assert!(leaves.len() >= 30, "{leaves:?}");
    for (path, other) in leaves {
        assert_ne!(
            json.pointer(&path),
            Some(other),
            "`{path}` is alike in both events"
        );
        let crossed = event(with_leaf(&json, &path, other));
        assert_ne!(crossed.event(), a.event(), "{path}");
        assert_ne!(crossed.digest(), a.digest(), "{path}: {other}");
    }
    // Equal events, equal digests, however they were built.
    let again: RiskContext = serde_json::from_value(json).unwrap();
    assert_eq!(again.digest(), a.digest());
    assert_eq!(
        RiskContext::try_from(LoginEvent::from(a.clone()))
            .unwrap()
            .digest(),
        a.digest()
    );
}

/// The leaves of `a` (JSON pointer) with the value at the same place in `b`: objects with the
/// same keys and arrays of the same length are walked into, anything else is a leaf.
fn paired_leaves<'b>(
    a: &serde_json::Value,
    b: &'b serde_json::Value,
) -> Vec<(String, &'b serde_json::Value)> {
    use serde_json::Value;
    fn walk<'b>(a: &Value, b: &'b Value, path: String, out: &mut Vec<(String, &'b Value)>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) if x.keys().eq(y.keys()) => {
                for ((key, x), y) in x.iter().zip(y.values()) {
                    walk(x, y, format!("{path}/{key}"), out);
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (x, y)) in x.iter().zip(y).enumerate() {
                    walk(x, y, format!("{path}/{i}"), out);
                }
            }
            _ => out.push((path, b)),
        }
    }
    let mut out = Vec::new();
    walk(a, b, String::new(), &mut out);
    out
}

/// `json` with the value at `path` (a JSON pointer) replaced by `leaf`.
fn with_leaf(json: &serde_json::Value, path: &str, leaf: &serde_json::Value) -> serde_json::Value {
    let mut out = json.clone();
    *out.pointer_mut(path).unwrap() = leaf.clone();
    out
}

/// The login a step-up with the card asks for, a minute after `ctx` (none past year 9999).
fn card_step_up(ctx: &RiskContext) -> Option<RiskContext> {
    let mut e = ctx.event().clone();
    e.at += time::Duration::minutes(1);
    e.auth.auth_time = Some(e.at);
    e.auth.mode = Some(ecps_risk::AuthMode::Card);
    RiskContext::try_from(e).ok()
}

proptest! {
    #![proptest_config(Config::with_cases(256))]

    /// Error messages quote the offending value with its control and text-reordering
    /// characters escaped, wherever the value comes from: a subject claim, a user agent, a
    /// watchlist entry, a policy's rule id.
    #[test]
    fn error_messages_never_carry_control_characters(
        head in "\\PC{0,20}",
        control in prop::sample::select(vec!['\r', '\n', '\u{1b}', '\u{7f}', '\0', '\u{85}']),
        tail in "\\PC{0,20}",
    ) {
        let text = format!("{head}{control}{tail}");
        let clean = |m: String| !m.chars().any(char::is_control);
        let subject = text.parse::<NationalId>().unwrap_err();
        prop_assert!(clean(subject.to_string()), "{subject}");
        let claims = ecps_risk::PscClaims {
            subject_name_id: Some(text.clone()),
            ..ecps_risk::PscClaims::default()
        };
        // (Claims are trimmed first: a control at either end is blank, and goes.)
        if let Err(e) = RiskContext::from_psc_claims(NOW, &claims) {
            prop_assert!(clean(e.to_string()), "{e}");
        }
        let ua = format!("{text}{}", "x".repeat(ecps_risk::input::MAX_USER_AGENT_LEN));
        let e = RiskContext::builder(NOW, SUBJECTS[0].parse().unwrap())
            .user_agent(&ua)
            .build()
            .unwrap_err();
        prop_assert!(clean(e.to_string()), "{e}");
        for kind in ["subjects", "ip"] {
            let json = serde_json::json!({"lists": [{"name": "l", "kind": kind, "entries": [text]}]});
            let e = serde_json::from_value::<Watchlists>(json).unwrap_err();
            prop_assert!(clean(e.to_string()), "{e}");
        }
        let spec: PolicySpec = serde_json::from_value(serde_json::json!({
            "id": "p", "version": "1",
            "thresholds": { "step_up": 10, "review": 20, "deny": 30 },
            "rules": [{ "id": text, "when": { "hit": "device.new" }, "effect": { "points": 1 } }],
        }))
        .unwrap();
        let e = Policy::compile(spec).unwrap_err();
        prop_assert!(clean(e.to_string()), "{e}");
    }
}
