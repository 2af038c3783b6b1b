#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
use super::*;

use time::{Duration, OffsetDateTime};

use crate::input::features::LoginFeatures;
use crate::model::local_time::LocalTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);

fn builder() -> RiskContextBuilder {
    RiskContext::builder(NOW, "810001234565".parse().unwrap())
}

#[test]
fn minimal_context_builds() {
    let ctx = builder().build().unwrap();
    assert_eq!(ctx.now(), NOW);
    assert_eq!(ctx.features(), &LoginFeatures::default());
    assert!(ctx.user_agent_class().is_none());
    // Wednesday 2025-10-08 11:30 Paris (summer time): 2 * 24 + 11.
    assert_eq!(ctx.hour_of_week(), 59);
}

#[test]
fn acr_values() {
    assert_eq!(Acr::parse("eidas1"), Acr::Eidas1);
    assert_eq!(Acr::parse("EIDAS3"), Acr::Eidas3);
    assert_eq!(Acr::parse("urn:something"), Acr::Unknown);
    assert!(Acr::Unknown < Acr::Eidas1);
    let ctx = builder().acr("loa-whatever").build().unwrap();
    assert_eq!(ctx.event().auth.acr, Some(Acr::Unknown));
}

#[test]
fn activation_in_future_is_rejected() {
    let e = builder()
        .activation(NOW + Duration::hours(1), ActivationChannel::EmailSms)
        .build()
        .unwrap_err();
    assert!(matches!(
        e,
        ContextError::InFuture {
            field: "credential.activated_at",
            ..
        }
    ));
    assert!(
        e.to_string()
            .contains("`credential.activated_at` `2025-10-08T10:30:00Z`"),
        "{e}"
    );
    // Within the tolerance is accepted (clock skew between partners).
    assert!(
        builder()
            .activation(NOW + Duration::minutes(2), ActivationChannel::EmailSms)
            .build()
            .is_ok()
    );
}

#[test]
fn auth_time_in_future_beyond_tolerance() {
    let e = builder()
        .auth_time(NOW + Duration::minutes(6))
        .build()
        .unwrap_err();
    assert!(matches!(
        e,
        ContextError::InFuture {
            field: "auth.auth_time",
            ..
        }
    ));
    let e = builder()
        .issued_at_unix(NOW.unix_timestamp() + 3600)
        .build()
        .unwrap_err();
    assert!(matches!(
        e,
        ContextError::InFuture {
            field: "auth.issued_at",
            ..
        }
    ));
}

#[test]
fn timestamps_before_1970_or_unrepresentable() {
    let e = builder().auth_time_unix(-1).build().unwrap_err();
    assert_eq!(
        e.to_string(),
        "`auth.auth_time` `-1` is not a time between 1970 and 9999"
    );
    let e = builder().issued_at_unix(i64::MAX).build().unwrap_err();
    assert!(matches!(
        e,
        ContextError::Timestamp {
            field: "auth.issued_at",
            ..
        }
    ));
    let e = RiskContext::builder(
        datetime!(1969-12-31 23:59 UTC),
        "810001234565".parse().unwrap(),
    )
    .build()
    .unwrap_err();
    assert!(matches!(e, ContextError::Timestamp { field: "at", .. }));
}

#[test]
fn times_past_9999_in_utc_are_errors_not_panics() {
    // `9999-12-31T23:30:00-01:00` is year 10000 in UTC, which `time` cannot represent.
    let json = |at: &str, auth_time: &str| {
        format!(
            r#"{{"at": "{at}", "subject": "810001234565", "auth": {{"auth_time": "{auth_time}"}}}}"#
        )
    };
    let e = serde_json::from_str::<RiskContext>(&json(
        "2025-10-08T09:30:00Z",
        "9999-12-31T23:30:00-01:00",
    ))
    .unwrap_err();
    assert!(
        e.to_string().contains(
            "`auth.auth_time` `9999-12-31T23:30:00-01:00` is not a time between 1970 and 9999"
        ),
        "{e}"
    );
    let e = serde_json::from_str::<RiskContext>(&json(
        "9999-12-31T23:30:00-01:00",
        "2025-10-08T09:30:00Z",
    ))
    .unwrap_err();
    assert!(
        e.to_string().contains("`at` `9999-12-31T23:30:00-01:00`"),
        "{e}"
    );
    // The last hour of 9999 in UTC is a valid login time; its local hour (year 10000 in
    // Paris) falls back to UTC.
    let ctx = RiskContext::builder(
        datetime!(9999-12-31 23:30 UTC),
        "810001234565".parse().unwrap(),
    )
    .build()
    .unwrap();
    assert_eq!(ctx.hour_of_week(), 4 * 24 + 23);
}

#[test]
fn coordinates_are_checked() {
    for (lat, lon, acc) in [
        (f64::NAN, 0.0, 1.0),
        (91.0, 0.0, 1.0),
        (0.0, 181.0, 1.0),
        (0.0, f64::NEG_INFINITY, 1.0),
        (0.0, 0.0, -5.0),
    ] {
        let e = builder().geo(lat, lon, acc).build().unwrap_err();
        assert!(
            matches!(
                e,
                ContextError::Geo {
                    field: "request.geo",
                    ..
                }
            ),
            "{e}"
        );
    }
}

#[test]
fn over_long_strings() {
    let ua = "x".repeat(MAX_USER_AGENT_LEN + 1);
    let e = builder().user_agent(&ua).build().unwrap_err();
    assert!(matches!(
        e,
        ContextError::TooLong {
            field: "request.user_agent",
            len: 1025,
            ..
        }
    ));
    assert!(
        e.to_string().starts_with("`request.user_agent` `xxxx"),
        "{e}"
    );
    let e = builder().device_id(&"d".repeat(300)).build().unwrap_err();
    assert!(matches!(
        e,
        ContextError::TooLong {
            field: "request.device",
            ..
        }
    ));
    let e = builder().device_id("").build().unwrap_err();
    assert_eq!(e.to_string(), "`request.device` is empty");
    let e = builder()
        .credential_id(&"c".repeat(129))
        .build()
        .unwrap_err();
    assert!(matches!(
        e,
        ContextError::TooLong {
            field: "credential.id",
            ..
        }
    ));
    let e = builder().acr(&"a".repeat(129)).build().unwrap_err();
    assert!(matches!(
        e,
        ContextError::TooLong {
            field: "auth.acr",
            ..
        }
    ));
    let e = builder().auth_mode("").build().unwrap_err();
    assert!(matches!(e, ContextError::Empty { field: "auth.mode" }));
    let e = builder()
        .issuer("https://x/\r\nforged")
        .build()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "`auth.issuer` `https://x/\\u{d}\\u{a}forged` holds control characters"
    );
}

#[test]
fn over_long_lists() {
    let many = (0..=MAX_LIST_LEN as i64).map(|i| ValidationRequest {
        at: NOW - Duration::minutes(i),
        outcome: PushOutcome::Denied,
    });
    let e = builder().validation_requests(many).build().unwrap_err();
    assert_eq!(
        e.to_string(),
        "`validation_requests` has 257 entries, above the limit of 256"
    );
}

#[test]
fn bad_country_and_offset() {
    let e = builder().country("FRA").build().unwrap_err();
    assert_eq!(
        e.to_string(),
        "`request.country`: country code `FRA` is not two ASCII letters"
    );
    let e = builder()
        .local_time(LocalTime::Fixed {
            offset_minutes: 900,
        })
        .build()
        .unwrap_err();
    assert_eq!(e, ContextError::Offset(900));
}

#[test]
fn ipv4_mapped_addresses_are_canonicalized() {
    let ctx = builder()
        .ip("::ffff:192.0.2.9".parse().unwrap())
        .build()
        .unwrap();
    assert_eq!(ctx.event().request.ip, Some("192.0.2.9".parse().unwrap()));
    assert_eq!(ctx.features().network.unwrap().to_string(), "192.0.2.0/24");
}

#[test]
fn device_ids_are_hashed_per_subject() {
    let a = builder().device_id("cookie").build().unwrap();
    let b = RiskContext::builder(NOW, "810023456782".parse().unwrap())
        .device_id("cookie")
        .build()
        .unwrap();
    assert_ne!(a.event().request.device, b.event().request.device);
    let json = serde_json::to_string(&a).unwrap();
    assert!(!json.contains("cookie"));
}

#[test]
fn first_setter_error_wins() {
    let e = builder().country("1").device_id("").build().unwrap_err();
    assert!(matches!(e, ContextError::Country { .. }));
}

#[test]
fn login_event_round_trip_validates() {
    let ctx = builder()
        .ip("2001:db8::1".parse().unwrap())
        .user_agent("curl/8.5.0")
        .country("fr")
        .asn(3215)
        .geo(48.8, 2.3, 25.0)
        .activation(NOW - Duration::hours(2), ActivationChannel::EmailSms)
        .contact_changes([ContactChange {
            at: NOW - Duration::days(3),
            kind: ContactKind::Email,
        }])
        .validation_requests([])
        .reports([NOW - Duration::days(1)])
        .remote_control_suspected(true)
        .build()
        .unwrap();
    let json = serde_json::to_string(&ctx).unwrap();
    let back: RiskContext = serde_json::from_str(&json).unwrap();
    assert_eq!(back, ctx);

    let future = json.replace("2025-10-05T09:30:00Z", "2026-10-05T09:30:00Z");
    let e = serde_json::from_str::<RiskContext>(&future).unwrap_err();
    assert!(e.to_string().contains("`contact_changes.at`"), "{e}");
    let unknown = json.replacen('{', "{\"surprise\":1,", 1);
    assert!(serde_json::from_str::<RiskContext>(&unknown).is_err());
}
