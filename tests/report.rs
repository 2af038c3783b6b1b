//! Incident reports and audit records: keyed pseudonyms, privacy by default, explicit
//! disclosure, the French summary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use ecps_risk::{
    ActivationChannel, AuditRecord, Decision, Environment, IncidentReport, Policy, Privacy,
    Profile, PseudonymKey, RiskContext, Watchlists, input::ContactChange, input::ContactKind,
    output::Addresses, output::AdviceCode, output::Identifiers, output::ReportError,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);
const SUBJECT: &str = "810001234565";
const CREDENTIAL: &str = "ecps-9f00-fraud";
const IP: &str = "41.202.77.9";
const UA: &str = "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

fn key() -> PseudonymKey {
    PseudonymKey::new(b"provider-secret-key-0123456789ab").unwrap()
}

fn other_key() -> PseudonymKey {
    PseudonymKey::new(b"another-provider-secret-key-9876").unwrap()
}

fn kill_chain() -> RiskContext {
    RiskContext::builder(NOW, SUBJECT.parse().unwrap())
        .acr("eidas1")
        .auth_time(NOW - Duration::minutes(2))
        .issued_at(NOW)
        .ip(IP.parse().unwrap())
        .asn(36924)
        .country("CI")
        .geo(5.35, -4.0, 50.0)
        .user_agent(UA)
        .device_id("fraudster-phone-cookie")
        .activation(NOW - Duration::minutes(40), ActivationChannel::EmailSms)
        .credential_id(CREDENTIAL)
        .active_credentials(2)
        .contact_changes([ContactChange {
            at: NOW - Duration::days(3),
            kind: ContactKind::Email,
        }])
        .build()
        .unwrap()
}

fn report_json(ctx: &RiskContext, key: &PseudonymKey, privacy: Privacy) -> String {
    let policy = Policy::recommended();
    let a = policy.evaluate(ctx, &Profile::new(), &Environment::empty());
    let report = IncidentReport::new(ctx, &a, key, privacy).unwrap();
    serde_json::to_string_pretty(&report).unwrap()
}

/// Every raw personal value of the kill-chain login.
fn raw_values(ctx: &RiskContext) -> Vec<String> {
    vec![
        SUBJECT.to_owned(),
        CREDENTIAL.to_owned(),
        IP.to_owned(),
        "fraudster-phone-cookie".to_owned(),
        ctx.event().request.device.unwrap().to_string(),
        UA.to_owned(),
        "SM-A546B".to_owned(),
        "5.35".to_owned(),
    ]
}

#[test]
fn same_key_same_pseudonym_other_key_other_pseudonym() {
    let subject = SUBJECT.parse().unwrap();
    assert_eq!(key().subject(&subject), key().subject(&subject));
    assert_ne!(key().subject(&subject), other_key().subject(&subject));
    assert_ne!(
        key().subject(&subject),
        key().subject(&"810023456782".parse().unwrap())
    );
    assert_ne!(
        key().credential(CREDENTIAL),
        other_key().credential(CREDENTIAL)
    );
    assert_ne!(key().id(), other_key().id());

    // In reports: two reports of the same professional under one key share the pseudonym.
    let policy = Policy::recommended();
    let ctx = kill_chain();
    let a = policy.evaluate(&ctx, &Profile::new(), &Environment::empty());
    let r1 = IncidentReport::new(&ctx, &a, &key(), Privacy::default()).unwrap();
    let r2 = IncidentReport::new(&ctx, &a, &key(), Privacy::default()).unwrap();
    let r3 = IncidentReport::new(&ctx, &a, &other_key(), Privacy::default()).unwrap();
    assert_eq!(r1, r2);
    assert_eq!(r1.subject.pseudonym, key().subject(&subject));
    assert_ne!(r1.subject.pseudonym, r3.subject.pseudonym);
    assert_ne!(r1.device, r3.device);
    assert_ne!(r1.network.address_pseudonym, r3.network.address_pseudonym);
    assert_eq!(r1.key_id, key().id());
}

#[test]
fn no_raw_personal_data_by_default() {
    let ctx = kill_chain();
    let json = report_json(&ctx, &key(), Privacy::default());
    for raw in raw_values(&ctx) {
        assert!(!json.contains(&raw), "`{raw}` in the report:\n{json}");
    }
    // What stays: the truncated network, the coarse client class, times, rule hits.
    assert!(json.contains("\"41.202.77.0/24\""));
    assert!(json.contains("\"browser\": \"chrome\""));
    assert!(json.contains("fresh-remote-activation"));
    assert!(json.contains("psc.requisitions@esante.gouv.fr"));
    assert!(json.contains("\"activated_at\": \"2025-10-08T08:50:00Z\""));
}

#[test]
fn disclosure_is_explicit() {
    let ctx = kill_chain();
    let privacy = Privacy::default()
        .with_identifiers(Identifiers::Disclosed)
        .with_addresses(Addresses::Disclosed);
    let json = report_json(&ctx, &key(), privacy);
    assert!(json.contains(&format!("\"id\": \"{SUBJECT}\"")));
    assert!(json.contains(&format!("\"id\": \"{CREDENTIAL}\"")));
    assert!(json.contains(&format!("\"address\": \"{IP}\"")));
    // The device cookie and user agent never appear, whatever the options.
    assert!(!json.contains(&ctx.event().request.device.unwrap().to_string()));
    assert!(!json.contains(UA));

    let omitted = report_json(
        &ctx,
        &key(),
        Privacy::default().with_addresses(Addresses::Omitted),
    );
    assert!(!omitted.contains("41.202.77"), "{omitted}");
    assert!(omitted.contains("\"address_pseudonym\""));
}

#[test]
fn evidence_networks_follow_the_privacy_options() {
    // A deny list with a single address: the evidence shows the /24, not the address.
    let lists: Watchlists = serde_json::from_str(
        r#"{"lists": [{"name": "denied_networks", "kind": "ip", "entries": ["41.202.77.9/32"]}]}"#,
    )
    .unwrap();
    let policy = Policy::recommended();
    let ctx = kill_chain();
    let env = Environment::new().with_watchlists(&lists);
    let a = policy.evaluate(&ctx, &Profile::new(), &env);
    assert!(a.reasons().any(|r| r.rule_id() == "denied-network"));
    let report = IncidentReport::new(&ctx, &a, &key(), Privacy::default()).unwrap();
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(IP), "{json}");
    let omitted = IncidentReport::new(
        &ctx,
        &a,
        &key(),
        Privacy::default().with_addresses(Addresses::Omitted),
    )
    .unwrap();
    assert!(!serde_json::to_string(&omitted).unwrap().contains("41.202"));
}

#[test]
fn ipv6_addresses_are_truncated_to_48_bits() {
    let ctx = RiskContext::builder(NOW, SUBJECT.parse().unwrap())
        .ip("2001:db8:1234:5678::42".parse().unwrap())
        .build()
        .unwrap();
    let json = report_json(&ctx, &key(), Privacy::default());
    assert!(json.contains("\"2001:db8:1234::/48\""), "{json}");
    assert!(!json.contains("5678"));
}

#[test]
fn french_summary() {
    let ctx = kill_chain();
    let policy = Policy::recommended();
    let a = policy.evaluate(&ctx, &Profile::new(), &Environment::empty());
    let r = IncidentReport::new(&ctx, &a, &key(), Privacy::default()).unwrap();
    let s = &r.summary_fr;
    assert!(
        s.starts_with("Connexion Pro Santé Connect du 08/10/2025 à 11:30 (UTC+02:00) : "),
        "{s}"
    );
    assert!(
        s.contains("politique « ans-ecps-2025-10 » version 1.0.0"),
        "{s}"
    );
    assert!(
        s.contains(
            "e-CPS activée à distance (QR code par e-mail et code par SMS) 40 min avant la connexion ; 2 e-CPS actives."
        ),
        "{s}"
    );
    assert!(s.contains("Coordonnées RPPS modifiées (e-mail) 3 j avant la connexion."));
    assert!(s.contains("Origine : pays CI, AS36924, réseau 41.202.77.0/24."));
    assert!(s.contains("Règles déclenchées : "));
    assert!(s.contains(&format!("pseudonyme {}", r.subject.pseudonym)));
    assert!(!s.contains(SUBJECT));
    assert!(r.advice.contains(AdviceCode::CheckContactData));
}

#[test]
fn audit_records_share_the_pseudonyms() {
    let ctx = kill_chain();
    let policy = Policy::recommended();
    let a = policy.evaluate(&ctx, &Profile::new(), &Environment::empty());
    let report = IncidentReport::new(&ctx, &a, &key(), Privacy::default()).unwrap();
    let record = AuditRecord::new(&ctx, &a, &key(), Privacy::default()).unwrap();
    assert_eq!(record.subject, report.subject.pseudonym);
    assert_eq!(record.device, report.device);
    assert_eq!(
        Some(record.credential.unwrap()),
        report.credential.pseudonym
    );
    assert_eq!(record.ip, report.network.address_pseudonym);
    assert_eq!(record.decision, a.decision());
    assert_eq!(record.fingerprint, policy.fingerprint());
    let line = serde_json::to_string(&record).unwrap();
    for raw in raw_values(&ctx) {
        assert!(!line.contains(&raw), "`{raw}` in the record: {line}");
    }
    assert!(line.len() < 1200, "{} bytes: {line}", line.len());
    assert_eq!(serde_json::from_str::<AuditRecord>(&line).unwrap(), record);

    let disclosed = AuditRecord::new(
        &ctx,
        &a,
        &key(),
        Privacy::default().with_identifiers(Identifiers::Disclosed),
    )
    .unwrap();
    assert_eq!(disclosed.subject_id.unwrap().as_str(), SUBJECT);
    assert_eq!(disclosed.credential_id.as_deref(), Some(CREDENTIAL));
    assert_eq!(disclosed.address, None);
}

#[test]
fn allowed_login_record_is_small() {
    let ctx = RiskContext::builder(NOW, SUBJECT.parse().unwrap())
        .build()
        .unwrap();
    let policy = Policy::recommended();
    let a = policy.evaluate(&ctx, &Profile::new(), &Environment::empty());
    let record = AuditRecord::new(&ctx, &a, &key(), Privacy::default()).unwrap();
    assert_eq!(record.decision, Decision::Allow);
    let line = serde_json::to_string(&record).unwrap();
    assert!(!line.contains("\"advice\""), "{line}");
    assert!(!line.contains("null"), "{line}");
}

#[test]
fn mismatched_context_and_assessment_are_refused() {
    let policy = Policy::recommended();
    let ctx = kill_chain();
    let a = policy.evaluate(&ctx, &Profile::new(), &Environment::empty());
    let later = RiskContext::builder(NOW + Duration::minutes(1), SUBJECT.parse().unwrap())
        .build()
        .unwrap();
    let e = IncidentReport::new(&later, &a, &key(), Privacy::default()).unwrap_err();
    assert!(matches!(e, ReportError::AssessmentMismatch { .. }));
    assert_eq!(
        e.to_string(),
        format!(
            "the assessment is of the login at `2025-10-08T09:30:00Z` (digest `{}`), \
             the context of the login at `2025-10-08T09:31:00Z` (digest `{}`)",
            ctx.digest(),
            later.digest()
        )
    );
    assert!(AuditRecord::new(&later, &a, &key(), Privacy::default()).is_err());
    // Another professional's login at the same second is another login too.
    let other = RiskContext::builder(NOW, "810023456782".parse().unwrap())
        .build()
        .unwrap();
    assert!(IncidentReport::new(&other, &a, &key(), Privacy::default()).is_err());
    assert!(AuditRecord::new(&other, &a, &key(), Privacy::default()).is_err());
}

#[test]
fn key_never_prints() {
    let secret = b"provider-secret-key-0123456789ab";
    let k = PseudonymKey::new(secret).unwrap();
    let debug = format!("{k:?} {k:#?}");
    assert!(!debug.contains("provider-secret"), "{debug}");
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!debug.contains(&hex));
    assert!(debug.contains(&k.id().to_string()));
}
