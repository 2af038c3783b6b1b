//! The limits every login input is checked against, and the checks `build` and
//! deserialization share.

use time::{Duration, OffsetDateTime};

use crate::model::local_time::LocalTime;
use crate::model::text::{quoted, rfc3339};

use super::{AuthMode, ContextError, LoginEvent};

/// Longest accepted user agent, in bytes (real ones stay under 512).
pub const MAX_USER_AGENT_LEN: usize = 1024;
/// Longest accepted raw device id (the provider's cookie), in bytes, before hashing.
pub const MAX_DEVICE_ID_LEN: usize = 256;
/// Longest accepted e-CPS credential id, in bytes.
pub const MAX_CREDENTIAL_ID_LEN: usize = 128;
/// Longest accepted short claim text (`acr`, `authMode`, each `amr` entry), in bytes.
pub const MAX_SHORT_TEXT_LEN: usize = 128;
/// Longest accepted issuer (`iss`), in bytes (PSC's are about 60).
pub const MAX_ISSUER_LEN: usize = 256;
/// Most entries accepted in any list input (validation requests, reports, changes, places).
pub const MAX_LIST_LEN: usize = 256;
/// How far past the login time a timestamp may be (clock skew between the provider, PSC and
/// partners) before the context is rejected as inconsistent.
pub const FUTURE_TOLERANCE: Duration = Duration::minutes(5);

/// The host of an issuer URL, lowercased: `https://Auth.example/realms/x` gives `auth.example`.
/// An issuer that is not a URL is its own host (lowercased), so a comparison still means
/// something.
pub(super) fn issuer_host(issuer: &str) -> Box<str> {
    let rest = issuer
        .split_once("://")
        .map_or(issuer, |(_scheme, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    // An IPv6 literal keeps its brackets; otherwise a trailing `:port` goes.
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    host.to_ascii_lowercase().into_boxed_str()
}

/// A claim's Unix seconds, from 1970 on.
pub(super) fn unix(field: &'static str, seconds: i64) -> Result<OffsetDateTime, ContextError> {
    match OffsetDateTime::from_unix_timestamp(seconds) {
        Ok(t) if seconds >= 0 => Ok(t),
        _ => Err(ContextError::Timestamp {
            field,
            value: seconds.to_string(),
        }),
    }
}

pub(super) fn too_long(field: &'static str, value: &str, max: usize) -> ContextError {
    ContextError::TooLong {
        field,
        value: quoted(value),
        len: value.len(),
        max,
    }
}

pub(super) fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), ContextError> {
    if value.is_empty() {
        return Err(ContextError::Empty { field });
    }
    if value.len() > max {
        return Err(too_long(field, value, max));
    }
    Ok(())
}

/// Text that is written into audit records and compared by rules has no control characters.
pub(super) fn check_no_control(field: &'static str, value: &str) -> Result<(), ContextError> {
    if value.chars().any(char::is_control) {
        return Err(ContextError::Control {
            field,
            value: quoted(value),
        });
    }
    Ok(())
}

pub(super) fn check_len<T>(field: &'static str, list: &[T]) -> Result<(), ContextError> {
    if list.len() > MAX_LIST_LEN {
        return Err(ContextError::TooMany {
            field,
            len: list.len(),
            max: MAX_LIST_LEN,
        });
    }
    Ok(())
}

/// Every timestamp must be from 1970 on and not after the login time (beyond the tolerance).
pub(super) fn check_time(
    field: &'static str,
    value: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), ContextError> {
    if value.unix_timestamp() < 0 {
        return Err(ContextError::Timestamp {
            field,
            value: rfc3339(&value),
        });
    }
    if value - now > FUTURE_TOLERANCE {
        return Err(ContextError::InFuture {
            field,
            value,
            now,
            tolerance: FUTURE_TOLERANCE,
        });
    }
    Ok(())
}

/// Every time in UTC, so equal logins serialize identically. A time whose UTC date is past
/// year 9999 (`9999-12-31T23:30:00-01:00`) cannot be represented in UTC: an error, not a panic.
pub(super) fn normalize_times(e: &mut LoginEvent) -> Result<(), ContextError> {
    let utc = |field: &'static str, t: &mut OffsetDateTime| {
        *t = t
            .checked_to_offset(time::UtcOffset::UTC)
            .ok_or_else(|| ContextError::Timestamp {
                field,
                value: rfc3339(t),
            })?;
        Ok::<(), ContextError>(())
    };
    utc("at", &mut e.at)?;
    if let Some(t) = &mut e.auth.auth_time {
        utc("auth.auth_time", t)?;
    }
    if let Some(t) = &mut e.auth.issued_at {
        utc("auth.issued_at", t)?;
    }
    if let Some(t) = &mut e.credential.activated_at {
        utc("credential.activated_at", t)?;
    }
    for c in e.contact_changes.iter_mut().flatten() {
        utc("contact_changes.at", &mut c.at)?;
    }
    for v in e.validation_requests.iter_mut().flatten() {
        utc("validation_requests.at", &mut v.at)?;
    }
    for r in e.reports.iter_mut().flatten() {
        utc("reports.at", &mut r.at)?;
    }
    Ok(())
}

/// The checks of `build`, also run on deserialized events. Normalizes in place: IPv4-mapped
/// addresses become IPv4, times become UTC, lists are sorted so equal logins compare equal.
pub(super) fn validate(e: &mut LoginEvent) -> Result<(), ContextError> {
    let now = e.at;
    if now.unix_timestamp() < 0 {
        return Err(ContextError::Timestamp {
            field: "at",
            value: rfc3339(&now),
        });
    }
    normalize_times(e)?;

    if let Some(acr_amr) = &e.auth.amr {
        check_len("auth.amr", acr_amr)?;
        for m in acr_amr {
            check_text("auth.amr", m, MAX_SHORT_TEXT_LEN)?;
        }
    }
    if let Some(AuthMode::Other(text)) = &e.auth.mode {
        // One value, one form: `{"other": "CARD"}` is the card, `{"other": " x "}` is `x`;
        // what is left is checked, so a blank text cannot become an empty one.
        let mode = AuthMode::parse(text);
        if let AuthMode::Other(text) = &mode {
            check_text("auth.mode", text, MAX_SHORT_TEXT_LEN)?;
        }
        e.auth.mode = Some(mode);
    }
    if let Some(issuer) = &e.auth.issuer {
        check_text("auth.issuer", issuer, MAX_ISSUER_LEN)?;
        check_no_control("auth.issuer", issuer)?;
    }
    if let Some(t) = e.auth.auth_time {
        check_time("auth.auth_time", t, now)?;
    }
    if let Some(t) = e.auth.issued_at {
        check_time("auth.issued_at", t, now)?;
    }

    let r = &mut e.request;
    r.ip = r.ip.map(|ip| ip.to_canonical());
    if let Some(ua) = &r.user_agent
        && ua.len() > MAX_USER_AGENT_LEN
    {
        return Err(too_long("request.user_agent", ua, MAX_USER_AGENT_LEN));
    }
    if let Some(g) = &r.geo {
        g.validate().map_err(|source| ContextError::Geo {
            field: "request.geo",
            source,
        })?;
    }

    let c = &e.credential;
    if let Some(id) = &c.id {
        check_text("credential.id", id, MAX_CREDENTIAL_ID_LEN)?;
    }
    if let Some(t) = c.activated_at {
        check_time("credential.activated_at", t, now)?;
    }

    if let Some(list) = &mut e.contact_changes {
        check_len("contact_changes", list)?;
        for x in list.iter() {
            check_time("contact_changes.at", x.at, now)?;
        }
        list.sort();
    }
    if let Some(list) = &mut e.validation_requests {
        check_len("validation_requests", list)?;
        for x in list.iter() {
            check_time("validation_requests.at", x.at, now)?;
        }
        list.sort();
    }
    if let Some(list) = &mut e.reports {
        check_len("reports", list)?;
        for x in list.iter() {
            check_time("reports.at", x.at, now)?;
        }
        list.sort();
    }
    if let Some(list) = &mut e.practice {
        check_len("practice", list)?;
        list.sort();
        list.dedup();
    }
    if let LocalTime::Fixed { offset_minutes } = e.local_time
        && !e.local_time.is_valid()
    {
        return Err(ContextError::Offset(offset_minutes));
    }
    Ok(())
}
