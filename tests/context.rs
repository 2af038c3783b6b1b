//! Integration tests of `RiskContextBuilder::build` through the public API: one test per
//! validation rule (exact error variant, message naming the field and the value), the
//! normalizations, and the `LoginEvent` JSON form (round trip, fixtures in
//! `tests/data/login_*.json`, rejection of unknown and future-dated fields).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::IpAddr;

use ecps_risk::{
    ActivationChannel, AuthMode, ContextError, LoginEvent, NationalId, RiskContext,
    RiskContextBuilder, input::Acr, input::ActivityLocation, input::AuthFacts,
    input::ContactChange, input::ContactKind, input::CredentialFacts, input::FUTURE_TOLERANCE,
    input::MAX_CREDENTIAL_ID_LEN, input::MAX_DEVICE_ID_LEN, input::MAX_LIST_LEN,
    input::MAX_SHORT_TEXT_LEN, input::MAX_USER_AGENT_LEN, input::PushOutcome,
    input::ReportedRequest, input::Telemetry, input::ValidationRequest, model::CountryCode,
    model::GeoPoint, model::GeoPointError, model::LocalTime,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const LOGIN_LYON: &str = include_str!("data/login_lyon_hospital_card.json");
const LOGIN_REUNION: &str = include_str!("data/login_reunion_ecps_takeover.json");

/// Wednesday 2025-10-08 09:30 UTC (11:30 in Paris, summer time).
const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);
const SUBJECT: &str = "810001234565";
/// How `NOW` is shown in error messages.
const NOW_TEXT: &str = "2025-10-08T09:30:00Z";

fn builder() -> RiskContextBuilder {
    RiskContext::builder(NOW, SUBJECT.parse().unwrap())
}

fn fails(b: RiskContextBuilder) -> ContextError {
    b.build().unwrap_err()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn place(country: &str, department: Option<&str>) -> ActivityLocation {
    let json = match department {
        Some(d) => format!(r#"{{"country": "{country}", "department": "{d}"}}"#),
        None => format!(r#"{{"country": "{country}"}}"#),
    };
    serde_json::from_str(&json).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The limits themselves.

#[test]
fn published_limits() {
    assert_eq!(FUTURE_TOLERANCE, Duration::minutes(5));
    assert_eq!(MAX_USER_AGENT_LEN, 1024);
    assert_eq!(MAX_DEVICE_ID_LEN, 256);
    assert_eq!(MAX_CREDENTIAL_ID_LEN, 128);
    assert_eq!(MAX_SHORT_TEXT_LEN, 128);
    assert_eq!(MAX_LIST_LEN, 256);
}

#[test]
fn minimal_context_builds() {
    let ctx = builder().build().unwrap();
    assert_eq!(ctx.now(), NOW);
    assert_eq!(ctx.subject().as_str(), SUBJECT);
    assert_eq!(ctx.event().auth, AuthFacts::default());
    assert_eq!(ctx.event().practice, None);
    assert_eq!(ctx.event().contact_changes, None);
    assert!(ctx.user_agent_class().is_none());
    // Wednesday 11:30 in Paris: 2 * 24 + 11.
    assert_eq!(ctx.hour_of_week(), 59);
}

// ---------------------------------------------------------------------------------------------
// Timestamps after the login time.

#[test]
fn activation_after_now_is_rejected() {
    let e = fails(builder().activation(NOW + Duration::hours(1), ActivationChannel::EmailSms));
    assert_eq!(
        e,
        ContextError::InFuture {
            field: "credential.activated_at",
            value: datetime!(2025-10-08 10:30 UTC),
            now: NOW,
            tolerance: Duration::minutes(5),
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "`credential.activated_at` `2025-10-08T10:30:00Z` is after the login \
             time `{NOW_TEXT}` by more than 5m"
        )
    );
}

#[test]
fn activation_within_tolerance_is_accepted() {
    // Exactly the tolerance is clock skew, accepted; one second more is not.
    let ctx = builder()
        .activation(NOW + Duration::minutes(5), ActivationChannel::CpsCard)
        .build()
        .unwrap();
    assert_eq!(
        ctx.event().credential.activated_at,
        Some(datetime!(2025-10-08 09:35 UTC))
    );
    let e = fails(builder().activation(
        NOW + Duration::minutes(5) + Duration::seconds(1),
        ActivationChannel::CpsCard,
    ));
    assert!(
        matches!(
            e,
            ContextError::InFuture {
                field: "credential.activated_at",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn auth_time_in_future_beyond_tolerance() {
    let e = fails(builder().auth_time(NOW + Duration::minutes(6)));
    assert_eq!(
        e,
        ContextError::InFuture {
            field: "auth.auth_time",
            value: datetime!(2025-10-08 09:36 UTC),
            now: NOW,
            tolerance: FUTURE_TOLERANCE,
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "`auth.auth_time` `2025-10-08T09:36:00Z` is after the login time \
             `{NOW_TEXT}` by more than 5m"
        )
    );
    // The claim form (Unix seconds): 1759916161 is 09:36:01.
    let e = fails(builder().auth_time_unix(1_759_916_161));
    assert!(
        matches!(
            e,
            ContextError::InFuture {
                field: "auth.auth_time",
                ..
            }
        ),
        "{e:?}"
    );
    // Within the tolerance: accepted.
    assert!(builder().auth_time_unix(1_759_916_100).build().is_ok());
}

#[test]
fn issued_at_in_future_beyond_tolerance() {
    let e = fails(builder().issued_at_unix(1_759_919_400));
    assert_eq!(
        e,
        ContextError::InFuture {
            field: "auth.issued_at",
            value: datetime!(2025-10-08 10:30 UTC),
            now: NOW,
            tolerance: FUTURE_TOLERANCE,
        }
    );
    assert!(
        e.to_string()
            .starts_with("`auth.issued_at` `2025-10-08T10:30:00Z` is after"),
        "{e}"
    );
    assert!(
        builder()
            .issued_at(NOW + Duration::minutes(4))
            .build()
            .is_ok()
    );
}

#[test]
fn contact_change_in_future_is_rejected() {
    let e = fails(builder().contact_changes([
        ContactChange {
            at: NOW - Duration::days(3),
            kind: ContactKind::Email,
        },
        ContactChange {
            at: NOW + Duration::days(1),
            kind: ContactKind::Phone,
        },
    ]));
    assert_eq!(
        e,
        ContextError::InFuture {
            field: "contact_changes.at",
            value: datetime!(2025-10-09 09:30 UTC),
            now: NOW,
            tolerance: FUTURE_TOLERANCE,
        }
    );
    assert!(
        e.to_string()
            .starts_with("`contact_changes.at` `2025-10-09T09:30:00Z`"),
        "{e}"
    );
}

#[test]
fn validation_request_in_future_is_rejected() {
    let e = fails(builder().validation_requests([ValidationRequest {
        at: NOW + Duration::minutes(10),
        outcome: PushOutcome::Denied,
    }]));
    assert_eq!(
        e,
        ContextError::InFuture {
            field: "validation_requests.at",
            value: datetime!(2025-10-08 09:40 UTC),
            now: NOW,
            tolerance: FUTURE_TOLERANCE,
        }
    );
    assert!(
        e.to_string()
            .starts_with("`validation_requests.at` `2025-10-08T09:40:00Z`"),
        "{e}"
    );
}

#[test]
fn report_in_future_is_rejected() {
    let e = fails(builder().reports([NOW + Duration::hours(2)]));
    assert_eq!(
        e,
        ContextError::InFuture {
            field: "reports.at",
            value: datetime!(2025-10-08 11:30 UTC),
            now: NOW,
            tolerance: FUTURE_TOLERANCE,
        }
    );
    assert!(
        e.to_string()
            .starts_with("`reports.at` `2025-10-08T11:30:00Z`"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------
// Timestamps before 1970 or not representable.

#[test]
fn auth_time_before_1970_as_unix_seconds() {
    let e = fails(builder().auth_time_unix(-1));
    assert_eq!(
        e,
        ContextError::Timestamp {
            field: "auth.auth_time",
            value: "-1".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "`auth.auth_time` `-1` is not a time between 1970 and 9999"
    );
}

#[test]
fn auth_time_before_1970_as_time() {
    let e = fails(builder().auth_time(datetime!(1969-12-31 23:59:59 UTC)));
    assert_eq!(
        e,
        ContextError::Timestamp {
            field: "auth.auth_time",
            value: "1969-12-31T23:59:59Z".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "`auth.auth_time` `1969-12-31T23:59:59Z` is not a time between 1970 and 9999"
    );
    // The epoch itself is fine.
    assert!(builder().auth_time_unix(0).build().is_ok());
}

#[test]
fn issued_at_before_1970() {
    let e = fails(builder().issued_at_unix(-86_400));
    assert_eq!(
        e,
        ContextError::Timestamp {
            field: "auth.issued_at",
            value: "-86400".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "`auth.issued_at` `-86400` is not a time between 1970 and 9999"
    );
}

#[test]
fn issued_at_not_representable() {
    let e = fails(builder().issued_at_unix(i64::MAX));
    assert_eq!(
        e,
        ContextError::Timestamp {
            field: "auth.issued_at",
            value: "9223372036854775807".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "`auth.issued_at` `9223372036854775807` is not a time between 1970 and 9999"
    );
}

#[test]
fn activation_before_1970() {
    let e = fails(builder().activation(datetime!(1960-01-01 0:00 UTC), ActivationChannel::Other));
    assert_eq!(
        e,
        ContextError::Timestamp {
            field: "credential.activated_at",
            value: "1960-01-01T00:00:00Z".into(),
        }
    );
}

#[test]
fn login_time_before_1970() {
    let e = fails(RiskContext::builder(
        datetime!(1969-07-21 02:56 UTC),
        SUBJECT.parse().unwrap(),
    ));
    assert_eq!(
        e,
        ContextError::Timestamp {
            field: "at",
            value: "1969-07-21T02:56:00Z".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "`at` `1969-07-21T02:56:00Z` is not a time between 1970 and 9999"
    );
}

// ---------------------------------------------------------------------------------------------
// Coordinates and accuracy.

#[test]
fn latitude_nan_is_rejected() {
    let e = fails(builder().geo(f64::NAN, 2.35, 20.0));
    assert!(
        matches!(
            e,
            ContextError::Geo {
                field: "request.geo",
                source: GeoPointError::Latitude(lat),
            } if lat.is_nan()
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "`request.geo`: latitude `NaN` is not a number between -90 and 90"
    );
}

#[test]
fn latitude_out_of_range_is_rejected() {
    let e = fails(builder().geo(91.0, 2.35, 20.0));
    assert_eq!(
        e,
        ContextError::Geo {
            field: "request.geo",
            source: GeoPointError::Latitude(91.0),
        }
    );
    assert_eq!(
        e.to_string(),
        "`request.geo`: latitude `91` is not a number between -90 and 90"
    );
    let e = fails(builder().geo(-90.5, 2.35, 20.0));
    assert_eq!(
        e.to_string(),
        "`request.geo`: latitude `-90.5` is not a number between -90 and 90"
    );
}

#[test]
fn latitude_infinite_is_rejected() {
    let e = fails(builder().geo(f64::INFINITY, 2.35, 20.0));
    assert_eq!(
        e,
        ContextError::Geo {
            field: "request.geo",
            source: GeoPointError::Latitude(f64::INFINITY),
        }
    );
    assert_eq!(
        e.to_string(),
        "`request.geo`: latitude `inf` is not a number between -90 and 90"
    );
}

#[test]
fn longitude_infinite_is_rejected() {
    let e = fails(builder().geo(48.85, f64::NEG_INFINITY, 20.0));
    assert_eq!(
        e,
        ContextError::Geo {
            field: "request.geo",
            source: GeoPointError::Longitude(f64::NEG_INFINITY),
        }
    );
    assert_eq!(
        e.to_string(),
        "`request.geo`: longitude `-inf` is not a number between -180 and 180"
    );
}

#[test]
fn longitude_nan_or_out_of_range_is_rejected() {
    let e = fails(builder().geo(48.85, f64::NAN, 20.0));
    assert!(
        matches!(
            e,
            ContextError::Geo {
                field: "request.geo",
                source: GeoPointError::Longitude(lon),
            } if lon.is_nan()
        ),
        "{e:?}"
    );
    let e = fails(builder().geo(48.85, 180.5, 20.0));
    assert_eq!(
        e,
        ContextError::Geo {
            field: "request.geo",
            source: GeoPointError::Longitude(180.5),
        }
    );
    assert_eq!(
        e.to_string(),
        "`request.geo`: longitude `180.5` is not a number between -180 and 180"
    );
}

#[test]
fn accuracy_nan_is_rejected() {
    let e = fails(builder().geo(48.85, 2.35, f64::NAN));
    assert!(
        matches!(
            e,
            ContextError::Geo {
                field: "request.geo",
                source: GeoPointError::Accuracy(acc),
            } if acc.is_nan()
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "`request.geo`: accuracy `NaN` km is not a number between 0 and 20000"
    );
}

#[test]
fn accuracy_negative_infinite_or_too_large_is_rejected() {
    for (accuracy, shown) in [(-5.0, "-5"), (f64::INFINITY, "inf"), (20_000.5, "20000.5")] {
        let e = fails(builder().geo(48.85, 2.35, accuracy));
        assert_eq!(
            e,
            ContextError::Geo {
                field: "request.geo",
                source: GeoPointError::Accuracy(accuracy),
            }
        );
        assert_eq!(
            e.to_string(),
            format!("`request.geo`: accuracy `{shown}` km is not a number between 0 and 20000")
        );
    }
}

#[test]
fn coordinate_bounds_are_accepted() {
    for (lat, lon, acc) in [(90.0, 180.0, 20_000.0), (-90.0, -180.0, 0.0)] {
        let ctx = builder().geo(lat, lon, acc).build().unwrap();
        assert_eq!(
            ctx.event().request.geo,
            Some(GeoPoint {
                lat,
                lon,
                accuracy_km: acc
            })
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Text lengths.

#[test]
fn over_long_user_agent_is_rejected() {
    let e = fails(builder().user_agent(&"x".repeat(1025)));
    assert_eq!(
        e,
        ContextError::TooLong {
            field: "request.user_agent",
            value: format!("{}…", "x".repeat(64)),
            len: 1025,
            max: 1024,
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "`request.user_agent` `{}…` is 1025 bytes long, above the limit of 1024",
            "x".repeat(64)
        )
    );
    assert!(builder().user_agent(&"x".repeat(1024)).build().is_ok());
}

#[test]
fn over_long_device_id_is_rejected() {
    let e = fails(builder().device_id(&"d".repeat(257)));
    assert_eq!(
        e,
        ContextError::TooLong {
            field: "request.device",
            value: "(not shown)".into(),
            len: 257,
            max: 256,
        }
    );
    // The raw cookie is never quoted, not even in an error.
    assert_eq!(
        e.to_string(),
        "`request.device` `(not shown)` is 257 bytes long, above the limit of 256"
    );
    assert!(builder().device_id(&"d".repeat(256)).build().is_ok());
}

#[test]
fn empty_device_id_is_rejected() {
    let e = fails(builder().device_id(""));
    assert_eq!(
        e,
        ContextError::Empty {
            field: "request.device"
        }
    );
    assert_eq!(e.to_string(), "`request.device` is empty");
}

#[test]
fn over_long_credential_id_is_rejected() {
    let e = fails(builder().credential_id(&"c".repeat(129)));
    assert_eq!(
        e,
        ContextError::TooLong {
            field: "credential.id",
            value: format!("{}…", "c".repeat(64)),
            len: 129,
            max: 128,
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "`credential.id` `{}…` is 129 bytes long, above the limit of 128",
            "c".repeat(64)
        )
    );
    assert!(builder().credential_id(&"c".repeat(128)).build().is_ok());
}

#[test]
fn empty_credential_id_is_rejected() {
    let e = fails(builder().credential_id(""));
    assert_eq!(
        e,
        ContextError::Empty {
            field: "credential.id"
        }
    );
    assert_eq!(e.to_string(), "`credential.id` is empty");
}

#[test]
fn over_long_acr_is_rejected() {
    let acr = format!("urn:esante:loa:{}", "z".repeat(114));
    assert_eq!(acr.len(), 129);
    let e = fails(builder().acr(&acr));
    assert_eq!(
        e,
        ContextError::TooLong {
            field: "auth.acr",
            value: format!("urn:esante:loa:{}…", "z".repeat(49)),
            len: 129,
            max: 128,
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "`auth.acr` `urn:esante:loa:{}…` is 129 bytes long, above the limit of 128",
            "z".repeat(49)
        )
    );
    // At the limit it is kept, as an unknown level.
    let ctx = builder().acr(&"a".repeat(128)).build().unwrap();
    assert_eq!(ctx.event().auth.acr, Some(Acr::Unknown));
}

#[test]
fn over_long_amr_entry_is_rejected() {
    let e = fails(builder().amr(["pwd".to_owned(), "m".repeat(129)]));
    assert_eq!(
        e,
        ContextError::TooLong {
            field: "auth.amr",
            value: format!("{}…", "m".repeat(64)),
            len: 129,
            max: 128,
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "`auth.amr` `{}…` is 129 bytes long, above the limit of 128",
            "m".repeat(64)
        )
    );
}

#[test]
fn empty_amr_entry_is_rejected() {
    let e = fails(builder().amr(["mfa", ""]));
    assert_eq!(e, ContextError::Empty { field: "auth.amr" });
    assert_eq!(e.to_string(), "`auth.amr` is empty");
}

#[test]
fn over_long_or_empty_auth_mode_is_rejected() {
    let e = fails(builder().auth_mode(&"C".repeat(129)));
    assert_eq!(
        e,
        ContextError::TooLong {
            field: "auth.mode",
            value: format!("{}…", "C".repeat(64)),
            len: 129,
            max: 128,
        }
    );
    let e = fails(builder().auth_mode(""));
    assert_eq!(e, ContextError::Empty { field: "auth.mode" });
    assert_eq!(e.to_string(), "`auth.mode` is empty");
}

// ---------------------------------------------------------------------------------------------
// List lengths.

#[test]
fn too_many_amr_entries() {
    let e = fails(builder().amr(std::iter::repeat_n("otp", 257)));
    assert_eq!(
        e,
        ContextError::TooMany {
            field: "auth.amr",
            len: 257,
            max: 256,
        }
    );
    assert_eq!(
        e.to_string(),
        "`auth.amr` has 257 entries, above the limit of 256"
    );
    assert!(
        builder()
            .amr(std::iter::repeat_n("otp", 256))
            .build()
            .is_ok()
    );
}

#[test]
fn too_many_contact_changes() {
    let changes = (0..257).map(|i| ContactChange {
        at: NOW - Duration::hours(i),
        kind: ContactKind::Phone,
    });
    let e = fails(builder().contact_changes(changes));
    assert_eq!(
        e,
        ContextError::TooMany {
            field: "contact_changes",
            len: 257,
            max: 256,
        }
    );
    assert_eq!(
        e.to_string(),
        "`contact_changes` has 257 entries, above the limit of 256"
    );
}

#[test]
fn too_many_validation_requests() {
    let requests = (0..257).map(|i| ValidationRequest {
        at: NOW - Duration::minutes(i),
        outcome: PushOutcome::Expired,
    });
    let e = fails(builder().validation_requests(requests));
    assert_eq!(
        e,
        ContextError::TooMany {
            field: "validation_requests",
            len: 257,
            max: 256,
        }
    );
    assert_eq!(
        e.to_string(),
        "`validation_requests` has 257 entries, above the limit of 256"
    );
    let requests = (0..256).map(|i| ValidationRequest {
        at: NOW - Duration::minutes(i),
        outcome: PushOutcome::Expired,
    });
    assert!(builder().validation_requests(requests).build().is_ok());
}

#[test]
fn too_many_reports() {
    let e = fails(builder().reports((0..300).map(|i| NOW - Duration::days(i))));
    assert_eq!(
        e,
        ContextError::TooMany {
            field: "reports",
            len: 300,
            max: 256,
        }
    );
    assert_eq!(
        e.to_string(),
        "`reports` has 300 entries, above the limit of 256"
    );
}

#[test]
fn too_many_practice_places() {
    // Counted as given, before duplicates are removed.
    let e = fails(builder().practice(std::iter::repeat_n(place("FR", Some("69")), 257)));
    assert_eq!(
        e,
        ContextError::TooMany {
            field: "practice",
            len: 257,
            max: 256,
        }
    );
    assert_eq!(
        e.to_string(),
        "`practice` has 257 entries, above the limit of 256"
    );
    let ctx = builder()
        .practice(std::iter::repeat_n(place("FR", Some("69")), 256))
        .build()
        .unwrap();
    assert_eq!(ctx.event().practice, Some(vec![place("FR", Some("69"))]));
}

// ---------------------------------------------------------------------------------------------
// Codes, offsets, addresses.

#[test]
fn bad_country_code_is_rejected() {
    for (code, message) in [
        (
            "FRA",
            "`request.country`: country code `FRA` is not two ASCII letters",
        ),
        (
            "F1",
            "`request.country`: country code `F1` is not two ASCII letters",
        ),
        (
            "",
            "`request.country`: country code `` is not two ASCII letters",
        ),
    ] {
        let e = fails(builder().country(code));
        assert!(
            matches!(
                e,
                ContextError::Country {
                    field: "request.country",
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(e.to_string(), message);
    }
    // Lower case is accepted and upper-cased.
    let ctx = builder().country("re").build().unwrap();
    assert_eq!(ctx.event().request.country.unwrap().as_str(), "RE");
}

#[test]
fn bad_fixed_offset_is_rejected() {
    let e = fails(builder().local_time(LocalTime::Fixed {
        offset_minutes: 900,
    }));
    assert_eq!(e, ContextError::Offset(900));
    assert_eq!(
        e.to_string(),
        "`local_time` offset `900` minutes is outside -720..=840"
    );
    let e = fails(builder().local_time(LocalTime::Fixed {
        offset_minutes: -721,
    }));
    assert_eq!(e, ContextError::Offset(-721));
    assert_eq!(
        e.to_string(),
        "`local_time` offset `-721` minutes is outside -720..=840"
    );
}

#[test]
fn fixed_offset_bounds_are_accepted() {
    // Kiribati (UTC+14) and Baker Island (UTC-12).
    for offset_minutes in [840, -720] {
        let rule = LocalTime::Fixed { offset_minutes };
        let ctx = builder().local_time(rule).build().unwrap();
        assert_eq!(ctx.event().local_time, rule);
    }
    // Wednesday 09:30 UTC is 13:30 in La Réunion: 2 * 24 + 13.
    let ctx = builder()
        .local_time(LocalTime::Fixed {
            offset_minutes: 240,
        })
        .build()
        .unwrap();
    assert_eq!(ctx.hour_of_week(), 61);
}

#[test]
fn ipv4_mapped_ipv6_is_canonicalized() {
    let ctx = builder().ip(ip("::ffff:192.0.2.9")).build().unwrap();
    assert_eq!(ctx.event().request.ip, Some(ip("192.0.2.9")));
    assert_eq!(ctx.features().network.unwrap().to_string(), "192.0.2.0/24");
    // A plain IPv6 address is kept, its network is the /48.
    let ctx = builder().ip(ip("2001:db8:7:1::25")).build().unwrap();
    assert_eq!(ctx.event().request.ip, Some(ip("2001:db8:7:1::25")));
    assert_eq!(
        ctx.features().network.unwrap().to_string(),
        "2001:db8:7::/48"
    );
}

#[test]
fn first_setter_error_wins() {
    let e = fails(builder().country("FRA").device_id("").auth_time_unix(-1));
    assert!(matches!(e, ContextError::Country { .. }), "{e:?}");
}

#[test]
fn device_id_is_hashed_with_the_subject() {
    // SHA-256 of the length-prefixed parts ("device", subject, cookie), first 16 bytes,
    // computed outside this crate.
    let ctx = builder().device_id("cookie-6f1c2a").build().unwrap();
    assert_eq!(
        ctx.event().request.device.unwrap().to_string(),
        "42980be9590e6615e097a9c333e47154"
    );
    let other = RiskContext::builder(NOW, "810023456782".parse().unwrap())
        .device_id("cookie-6f1c2a")
        .build()
        .unwrap();
    assert_ne!(other.event().request.device, ctx.event().request.device);
}

// ---------------------------------------------------------------------------------------------
// The `LoginEvent` JSON form.

fn rich_context() -> RiskContext {
    builder()
        .ip(ip("::ffff:198.51.100.23"))
        .user_agent(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/131.0.0.0 Safari/537.36",
        )
        .device_id("hcl-poste-3f9a2c71")
        .geo(45.7485, 4.8467, 20.0)
        .country("FR")
        .asn(2200)
        .anonymizer(false)
        .hosting(false)
        .acr("eidas2")
        .amr(["mfa"])
        .auth_mode("CARD")
        .auth_time(NOW - Duration::minutes(75))
        .issued_at(NOW - Duration::seconds(2))
        .credential_id("ecps-7c1e5b0a-93f4")
        .activation(NOW - Duration::minutes(40), ActivationChannel::EmailSms)
        .active_credentials(2)
        .contact_changes([
            ContactChange {
                at: NOW - Duration::days(2),
                kind: ContactKind::Phone,
            },
            ContactChange {
                at: NOW - Duration::days(3),
                kind: ContactKind::Email,
            },
        ])
        .validation_requests([ValidationRequest {
            at: NOW - Duration::hours(20),
            outcome: PushOutcome::Denied,
        }])
        .reports([])
        .remote_control_suspected(true)
        .automation_suspected(false)
        .practice([place("FR", Some("69")), place("BE", None)])
        .build()
        .unwrap()
}

#[test]
fn login_event_json_round_trip() {
    let ctx = rich_context();
    let json = serde_json::to_string(&ctx).unwrap();
    let back: RiskContext = serde_json::from_str(&json).unwrap();
    assert_eq!(back, ctx);
    assert_eq!(back.hour_of_week(), ctx.hour_of_week());
    assert_eq!(back.features(), ctx.features());
    // Serializing again gives the same text.
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    // Also through `LoginEvent` and `TryFrom`.
    let event: LoginEvent = serde_json::from_str(&json).unwrap();
    assert_eq!(RiskContext::try_from(event.clone()).unwrap(), ctx);
    assert_eq!(LoginEvent::from(ctx.clone()), event);

    // Normalized: IPv4 address, sorted lists; times in RFC 3339.
    assert!(json.contains(r#""ip":"198.51.100.23""#), "{json}");
    assert!(json.contains(r#""at":"2025-10-08T09:30:00Z""#), "{json}");
    assert!(
        json.contains(
            r#""contact_changes":[{"at":"2025-10-05T09:30:00Z","kind":"email"},{"at":"2025-10-06T09:30:00Z","kind":"phone"}]"#
        ),
        "{json}"
    );
    assert!(
        json.contains(
            r#""practice":[{"country":"BE","department":null},{"country":"FR","department":"69"}]"#
        ),
        "{json}"
    );
    assert!(json.contains(r#""acr":"eidas2""#), "{json}");
    assert!(json.contains(r#""channel":"email_sms""#), "{json}");
    assert!(json.contains(r#""local_time":"europe_paris""#), "{json}");
}

#[test]
fn login_event_json_never_holds_the_device_id_in_clear() {
    let json = serde_json::to_string(&rich_context()).unwrap();
    assert!(!json.contains("hcl-poste-3f9a2c71"), "{json}");
    assert!(!json.contains("hcl-poste"), "{json}");
    // Its hash, computed outside this crate, is what is kept.
    assert!(
        json.contains(r#""device":"cc9a3a67bb723262216b41f7606f5d29""#),
        "{json}"
    );
}

#[test]
fn login_event_json_rejects_unknown_fields() {
    let json = serde_json::to_string(&rich_context()).unwrap();
    let cases = [
        json.replacen('{', r#"{"surprise":1,"#, 1),
        json.replace(
            r#""request":{"#,
            r#""request":{"x_forwarded_for":"10.0.0.1","#,
        ),
        json.replace(r#""auth":{"#, r#""auth":{"sid":"3b1f","#),
        json.replace(r#""credential":{"#, r#""credential":{"pin":"1234","#),
        json.replace(r#""telemetry":{"#, r#""telemetry":{"webgl":true,"#),
        json.replace(
            r#"{"country":"BE","department":null}"#,
            r#"{"country":"BE","department":null,"city":"Tournai"}"#,
        ),
    ];
    for case in cases {
        assert_ne!(case, json, "replacement did not apply");
        let e = serde_json::from_str::<RiskContext>(&case).unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
    }
}

#[test]
fn login_event_json_rejects_future_dated_fields() {
    let json = serde_json::to_string(&rich_context()).unwrap();
    // The activation 40 minutes before the login, moved a day after it.
    let activation = r#""activated_at":"2025-10-08T08:50:00Z""#;
    assert!(json.contains(activation), "{json}");
    let future = json.replace(activation, r#""activated_at":"2025-10-09T08:50:00Z""#);
    let e = serde_json::from_str::<RiskContext>(&future).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with(
            "`credential.activated_at` `2025-10-09T08:50:00Z` is after the login time"
        ),
        "{text}"
    );

    // A contact change dated after the login.
    let change = r#"{"at":"2025-10-06T09:30:00Z","kind":"phone"}"#;
    assert!(json.contains(change), "{json}");
    let future = json.replace(change, r#"{"at":"2026-10-06T09:30:00Z","kind":"phone"}"#);
    let e = serde_json::from_str::<RiskContext>(&future).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("`contact_changes.at` `2026-10-06T09:30:00Z`"),
        "{e}"
    );

    // A plain `LoginEvent` is data only; converting it validates.
    let event: LoginEvent = serde_json::from_str(&future).unwrap();
    assert!(matches!(
        RiskContext::try_from(event).unwrap_err(),
        ContextError::InFuture {
            field: "contact_changes.at",
            ..
        }
    ));
}

#[test]
fn login_event_json_runs_every_check() {
    let base = r#"{"at": "2025-10-08T09:30:00Z", "subject": "810001234565""#;
    let cases = [
        (
            r#", "request": {"geo": {"lat": 91.0, "lon": 2.35, "accuracy_km": 20.0}}}"#,
            "`request.geo`: latitude `91` is not a number between -90 and 90",
        ),
        (
            r#", "auth": {"auth_time": "1969-12-31T23:00:00Z"}}"#,
            "`auth.auth_time` `1969-12-31T23:00:00Z` is not a time between 1970 and 9999",
        ),
        (
            r#", "local_time": {"fixed": {"offset_minutes": 900}}}"#,
            "`local_time` offset `900` minutes is outside -720..=840",
        ),
        (r#", "credential": {"id": ""}}"#, "`credential.id` is empty"),
        (r#", "auth": {"amr": [""]}}"#, "`auth.amr` is empty"),
        (
            r#", "request": {"country": "FRA"}}"#,
            "country code `FRA` is not two ASCII letters",
        ),
        (
            r#", "request": {"device": "not-a-digest"}}"#,
            "`not-a-digest` is not 32 hex digits",
        ),
    ];
    for (rest, message) in cases {
        let json = format!("{base}{rest}");
        let e = serde_json::from_str::<RiskContext>(&json).unwrap_err();
        assert!(e.to_string().starts_with(message), "{json}: {e}");
    }
    let json = format!(
        r#"{base}, "request": {{"user_agent": "{}"}}}}"#,
        "u".repeat(1025)
    );
    let e = serde_json::from_str::<RiskContext>(&json).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!(
            "`request.user_agent` `{}…` is 1025 bytes long",
            "u".repeat(64)
        )),
        "{e}"
    );
    // The subject is validated too.
    let e = serde_json::from_str::<RiskContext>(
        r#"{"at": "2025-10-08T09:30:00Z", "subject": "8100 01234564"}"#,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("national id `8100 01234564`: has a character that is not visible ASCII"),
        "{e}"
    );
    // `at` and `subject` are required.
    for json in [
        r#"{"subject": "810001234565"}"#,
        r#"{"at": "2025-10-08T09:30:00Z"}"#,
    ] {
        let e = serde_json::from_str::<RiskContext>(json).unwrap_err();
        assert!(e.to_string().contains("missing field"), "{json}: {e}");
    }
}

#[test]
fn login_fixture_lyon_hospital_card() {
    let ctx: RiskContext = serde_json::from_str(LOGIN_LYON).unwrap();
    let e = ctx.event();
    assert_eq!(ctx.now(), datetime!(2025-11-18 08:15:02 UTC));
    assert_eq!(
        ctx.subject(),
        &"810001234565".parse::<NationalId>().unwrap()
    );
    assert_eq!(
        e.auth,
        AuthFacts {
            acr: Some(Acr::Eidas3),
            amr: None,
            auth_time: Some(datetime!(2025-11-18 08:14:48 UTC)),
            issued_at: Some(datetime!(2025-11-18 08:15:00 UTC)),
            mode: Some(AuthMode::Card),
            issuer: None,
        }
    );
    assert_eq!(e.request.ip, Some(ip("198.51.100.23")));
    assert_eq!(e.request.country, Some(CountryCode::FR));
    assert_eq!(e.request.asn, Some(2200));
    assert_eq!(e.request.anonymizer, Some(false));
    assert_eq!(
        e.request.geo,
        Some(GeoPoint {
            lat: 45.7485,
            lon: 4.8467,
            accuracy_km: 20.0
        })
    );
    // The fixture's device hash is the one the builder computes for this cookie.
    let rebuilt = RiskContext::builder(
        datetime!(2025-11-18 08:15:02 UTC),
        "810001234565".parse().unwrap(),
    )
    .device_id("hcl-poste-3f9a2c71")
    .build()
    .unwrap();
    assert_eq!(e.request.device, rebuilt.event().request.device);
    assert_eq!(e.credential, CredentialFacts::default());
    assert_eq!(e.contact_changes, Some(vec![]));
    assert_eq!(e.validation_requests, None);
    assert_eq!(e.reports, Some(vec![]));
    assert_eq!(
        e.telemetry,
        Telemetry {
            remote_control: Some(false),
            automation: Some(false),
        }
    );
    assert_eq!(e.practice, Some(vec![place("FR", Some("69"))]));
    assert_eq!(e.local_time, LocalTime::EuropeParis);
    assert_eq!(
        ctx.features().network.unwrap().to_string(),
        "198.51.100.0/24"
    );
    assert!(ctx.user_agent_class().is_some());
    // Tuesday 09:15 in Paris (winter time): 24 + 9.
    assert_eq!(ctx.hour_of_week(), 33);

    let json = serde_json::to_string(&ctx).unwrap();
    assert_eq!(serde_json::from_str::<RiskContext>(&json).unwrap(), ctx);
}

#[test]
fn login_fixture_reunion_ecps_takeover() {
    let ctx: RiskContext = serde_json::from_str(LOGIN_REUNION).unwrap();
    let e = ctx.event();
    // Given as 08:30:01+04:00, kept in UTC.
    assert_eq!(ctx.now(), datetime!(2025-12-01 04:30:01 UTC));
    assert!(ctx.now().offset().is_utc());
    assert_eq!(ctx.subject().as_str(), "0976012345");
    assert_eq!(
        e.auth,
        AuthFacts {
            acr: Some(Acr::Eidas1),
            amr: None,
            auth_time: Some(datetime!(2025-12-01 03:15:00 UTC)),
            issued_at: Some(datetime!(2025-12-01 04:30:00 UTC)),
            mode: Some(AuthMode::Ecps),
            issuer: None,
        }
    );
    // IPv4-mapped address stored as IPv4.
    assert_eq!(e.request.ip, Some(ip("203.0.113.50")));
    assert_eq!(
        ctx.features().network.unwrap().to_string(),
        "203.0.113.0/24"
    );
    assert_eq!(e.request.anonymizer, Some(true));
    assert_eq!(e.request.hosting, Some(true));
    assert_eq!(e.request.asn, Some(64500));
    assert_eq!(
        e.request.device.unwrap().to_string(),
        "17178ed51f72a47813e8d0ba371ea1ea"
    );
    let rebuilt = RiskContext::builder(
        datetime!(2025-12-01 04:30:01 UTC),
        "0976012345".parse().unwrap(),
    )
    .device_id("psc-device-d41c07e2b9")
    .build()
    .unwrap();
    assert_eq!(e.request.device, rebuilt.event().request.device);
    assert_eq!(
        e.credential,
        CredentialFacts {
            id: Some("ecps-7c1e5b0a-93f4".into()),
            activated_at: Some(datetime!(2025-12-01 03:05:00 UTC)),
            channel: Some(ActivationChannel::EmailSms),
            active_count: Some(2),
        }
    );
    // Lists come back sorted by time.
    assert_eq!(
        e.contact_changes,
        Some(vec![
            ContactChange {
                at: datetime!(2025-11-28 16:12 UTC),
                kind: ContactKind::Email,
            },
            ContactChange {
                at: datetime!(2025-11-28 16:14 UTC),
                kind: ContactKind::Phone,
            },
        ])
    );
    assert_eq!(
        e.validation_requests,
        Some(vec![
            ValidationRequest {
                at: datetime!(2025-11-30 18:40 UTC),
                outcome: PushOutcome::Denied,
            },
            ValidationRequest {
                at: datetime!(2025-11-30 18:42 UTC),
                outcome: PushOutcome::Expired,
            },
            ValidationRequest {
                at: datetime!(2025-12-01 03:01 UTC),
                outcome: PushOutcome::Approved,
            },
        ])
    );
    assert_eq!(
        e.reports,
        Some(vec![ReportedRequest {
            at: datetime!(2025-11-30 18:45 UTC),
        }])
    );
    assert_eq!(
        e.telemetry,
        Telemetry {
            remote_control: Some(true),
            automation: Some(false),
        }
    );
    assert_eq!(e.practice, Some(vec![place("RE", Some("974"))]));
    assert_eq!(
        e.local_time,
        LocalTime::Fixed {
            offset_minutes: 240
        }
    );
    // Monday 08:30 in La Réunion.
    assert_eq!(ctx.hour_of_week(), 8);

    let json = serde_json::to_string(&ctx).unwrap();
    assert!(json.contains(r#""at":"2025-12-01T04:30:01Z""#), "{json}");
    assert!(json.contains(r#""ip":"203.0.113.50""#), "{json}");
    assert!(
        json.contains(r#""local_time":{"fixed":{"offset_minutes":240}}"#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<RiskContext>(&json).unwrap(), ctx);
}

/// Stored profiles keep their recent logins' digests, so the digest of a login event may change
/// only with `PROFILE_FORMAT_VERSION`: a change of its encoding (or of what a field of the
/// login event serializes) fails here first.
#[test]
fn login_digests_are_stable_within_a_profile_format() {
    let lyon: RiskContext = serde_json::from_str(LOGIN_LYON).unwrap();
    let reunion: RiskContext = serde_json::from_str(LOGIN_REUNION).unwrap();
    assert_eq!(ecps_risk::history::PROFILE_FORMAT_VERSION, 2);
    assert_eq!(
        lyon.digest().to_string(),
        "b36bc33bc75dffe38b8bab1192e578d0"
    );
    assert_eq!(
        reunion.digest().to_string(),
        "e3e509cc8daf96b455b3c963cacac668"
    );
}
