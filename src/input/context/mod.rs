//! [`RiskContext`]: everything the provider knows about one login, validated once.
//!
//! The caller fills a [`RiskContextBuilder`] (from typed values, or from PSC claims with
//! [`RiskContext::from_psc_claims`]) and calls [`build`](RiskContextBuilder::build), which checks
//! every input against documented limits and precomputes what evaluation needs (network prefix,
//! user-agent class, local hour of the week), so evaluation itself never parses nor fails.
//!
//! A context serializes as a [`LoginEvent`]: the JSON form in which logins are recorded and
//! replayed. Deserializing a context runs the same validation as `build`.
//!
//! Inputs the caller does not have stay `None`: the detectors that need them report "not
//! evaluated", never "risky" nor "safe". For lists, `None` means "not provided" and an empty
//! list means "provided, nothing in it" (e.g. the caller checked: no contact-data change).

mod builder;
mod error;
mod event;
mod validation;

#[cfg(test)]
mod tests;

pub use builder::RiskContextBuilder;
pub use error::ContextError;
pub use event::{
    Acr, ActivationChannel, AuthFacts, AuthMode, ContactChange, ContactKind, CredentialFacts,
    LoginEvent, PushOutcome, ReportedRequest, RequestFacts, Telemetry, ValidationRequest,
};
pub use validation::{
    FUTURE_TOLERANCE, MAX_CREDENTIAL_ID_LEN, MAX_DEVICE_ID_LEN, MAX_ISSUER_LEN, MAX_LIST_LEN,
    MAX_SHORT_TEXT_LEN, MAX_USER_AGENT_LEN,
};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::input::claims::PscClaims;
use crate::input::features::{LoginFeatures, UserAgentFeatures, network_of};
use crate::model::digest::Digest128;
use crate::model::local_time::LocalTime;
use crate::model::national_id::NationalId;
use crate::model::user_agent::UserAgentClass;

use validation::{issuer_host, validate};

/// A validated login, ready to be scored. Immutable; built by [`RiskContextBuilder::build`] or
/// deserialized from a [`LoginEvent`].
#[derive(Clone, Debug, PartialEq)]
pub struct RiskContext {
    event: LoginEvent,
    /// The event's times as Unix seconds: detectors do their time arithmetic on integers, and
    /// converting a date-time costs more than most detectors.
    unix: UnixTimes,
    features: LoginFeatures,
    user_agent: Option<UserAgentClass>,
    hour_of_week: u8,
    /// Of the validated event: see [`RiskContext::digest`].
    digest: Digest128,
    /// The issuer's host, lowercased, for the `auth.issuer_host` fact (computed once here so
    /// evaluation compares without allocating).
    issuer_host: Option<Box<str>>,
}

/// Unix seconds of the times the detectors compare on every login, computed once per context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UnixTimes {
    /// `at`.
    pub(crate) now: i64,
    /// `auth.auth_time`.
    pub(crate) auth_time: Option<i64>,
    /// `auth.issued_at`.
    pub(crate) issued_at: Option<i64>,
    /// `credential.activated_at`.
    pub(crate) activated_at: Option<i64>,
}

impl UnixTimes {
    fn of(event: &LoginEvent) -> Self {
        let unix = |t: Option<OffsetDateTime>| t.map(OffsetDateTime::unix_timestamp);
        UnixTimes {
            now: event.at.unix_timestamp(),
            auth_time: unix(event.auth.auth_time),
            issued_at: unix(event.auth.issued_at),
            activated_at: unix(event.credential.activated_at),
        }
    }
}

impl RiskContext {
    /// Start a context for a login by `subject` at `now` (the caller's clock: this crate never
    /// reads one).
    ///
    /// ```
    /// use ecps_risk::{ActivationChannel, NationalId, RiskContext};
    /// use time::macros::datetime;
    ///
    /// let now = datetime!(2025-10-08 09:30 UTC);
    /// let subject: NationalId = "810001234565".parse()?;
    /// let ctx = RiskContext::builder(now, subject)
    ///     .ip("203.0.113.7".parse()?)
    ///     .user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
    ///     .device_id("cookie-6f1c2a")
    ///     .country("FR")
    ///     .geo(48.85, 2.35, 20.0)
    ///     .activation(datetime!(2025-10-08 08:55 UTC), ActivationChannel::EmailSms)
    ///     .build()?;
    /// assert_eq!(ctx.event().request.country.map(|c| c.to_string()).as_deref(), Some("FR"));
    ///
    /// // Bad input is an error that names the field and the value, never a panic.
    /// let err = RiskContext::builder(now, "810001234565".parse()?)
    ///     .geo(f64::NAN, 2.35, 20.0)
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "`request.geo`: latitude `NaN` is not a number between -90 and 90");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(now: OffsetDateTime, subject: NationalId) -> RiskContextBuilder {
        RiskContextBuilder {
            event: LoginEvent {
                at: now,
                subject,
                auth: AuthFacts::default(),
                request: RequestFacts::default(),
                credential: CredentialFacts::default(),
                contact_changes: None,
                validation_requests: None,
                reports: None,
                telemetry: Telemetry::default(),
                practice: None,
                local_time: LocalTime::default(),
            },
            pending: None,
        }
    }

    /// Start a context from the verified claims of a PSC login: the ID (or access) token's,
    /// and the UserInfo response's when the provider fetched it (merged with
    /// [`PscClaims::merge`], which refuses two claim sets of different logins). The subject
    /// (`SubjectNameID`, else `preferred_username`), `iss`, `acr`, `amr`, `auth_time`, `iat`,
    /// `authMode` and the registered places of activity are filled in; add the request facts
    /// and build.
    ///
    /// The token carries the authentication facts (`acr`, `auth_time`, `iat`, `iss`) and the
    /// UserInfo the directory record (`SubjectRefPro`): pass both, or the detectors that need
    /// the other half report "not evaluated".
    ///
    /// ```
    /// use ecps_risk::{input::Acr, AuthMode, PscClaims, RiskContext};
    /// use time::macros::datetime;
    ///
    /// let id_token: PscClaims = serde_json::from_str(r#"{
    ///     "iss": "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet",
    ///     "sub": "3f1c0a5e-2b7d-4c8e-9a61-0d5e8f7b2c14", "SubjectNameID": "810001234565",
    ///     "acr": "eidas1", "auth_time": 1759915800, "iat": 1759915810, "authMode": "MOBILE"
    /// }"#)?;
    /// let userinfo: PscClaims = serde_json::from_str(r#"{
    ///     "sub": "3f1c0a5e-2b7d-4c8e-9a61-0d5e8f7b2c14", "SubjectNameID": "810001234565",
    ///     "SubjectRefPro": {"exercices": [{"activities": [{"codePostal": "69003"}]}]}
    /// }"#)?;
    /// let now = datetime!(2025-10-08 09:30:30 UTC);
    /// let ctx = RiskContext::from_psc(now, &id_token, Some(&userinfo))?
    ///     .ip("198.51.100.23".parse()?)
    ///     .build()?;
    /// assert_eq!(ctx.subject().as_str(), "810001234565");
    /// assert_eq!(ctx.event().auth.acr, Some(Acr::Eidas1));
    /// assert_eq!(ctx.event().auth.mode, Some(AuthMode::Ecps));
    /// assert_eq!(ctx.event().practice.as_ref().map(Vec::len), Some(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_psc(
        now: OffsetDateTime,
        id_token: &PscClaims,
        userinfo: Option<&PscClaims>,
    ) -> Result<RiskContextBuilder, ContextError> {
        match userinfo {
            Some(userinfo) => Self::from_psc_claims(now, &PscClaims::merge(id_token, userinfo)?),
            None => Self::from_psc_claims(now, id_token),
        }
    }

    /// Start a context from one verified claim set (an ID token's, a UserInfo response's, or
    /// both already merged): see [`RiskContext::from_psc`].
    ///
    /// ```
    /// use ecps_risk::{input::Acr, PscClaims, RiskContext};
    /// use time::macros::datetime;
    ///
    /// let claims: PscClaims = serde_json::from_str(r#"{
    ///     "sub": "f:8b3c:810001234565", "SubjectNameID": "810001234565", "acr": "eidas2",
    ///     "auth_time": 1759915800, "iat": 1759915810,
    ///     "SubjectRefPro": {"exercices": [{"activities": [{"codePostal": "69003"}]}]}
    /// }"#)?;
    /// let now = datetime!(2025-10-08 09:30:30 UTC);
    /// let ctx = RiskContext::from_psc_claims(now, &claims)?
    ///     .ip("198.51.100.23".parse()?)
    ///     .build()?;
    /// assert_eq!(ctx.subject().as_str(), "810001234565");
    /// assert_eq!(ctx.event().auth.acr, Some(Acr::Eidas2));
    /// assert_eq!(ctx.event().practice.as_ref().map(Vec::len), Some(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_psc_claims(
        now: OffsetDateTime,
        claims: &PscClaims,
    ) -> Result<RiskContextBuilder, ContextError> {
        let subject = claims.subject()?;
        let mut b = RiskContext::builder(now, subject);
        // PSC integrations send empty strings for absent values: absent, not invalid.
        fn present(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|t| !t.is_empty())
        }
        if let Some(acr) = present(&claims.acr) {
            b = b.acr(acr);
        }
        if let Some(amr) = &claims.amr {
            let methods: Vec<String> = amr.iter().filter(|m| !m.is_empty()).cloned().collect();
            if !methods.is_empty() {
                b.event.auth.amr = Some(methods);
            }
        }
        if let Some(t) = claims.auth_time {
            b = b.auth_time_unix(t);
        }
        if let Some(t) = claims.iat {
            b = b.issued_at_unix(t);
        }
        if let Some(mode) = present(&claims.auth_mode) {
            b = b.auth_mode(mode);
        }
        if let Some(iss) = present(&claims.iss) {
            b = b.issuer(iss);
        }
        if claims.subject_ref_pro.is_some() {
            let places = claims.activity_locations();
            // Habits are learned in the professional's wall-clock time: when every place of
            // practice is in one overseas territory, use its offset rather than Paris time.
            let mut rules = places
                .iter()
                .filter_map(|p| LocalTime::for_territory(p.country));
            if let Some(first) = rules.next()
                && rules.all(|r| r == first)
            {
                b.event.local_time = first;
            }
            b.event.practice = Some(places);
        }
        Ok(b)
    }

    /// The login as recorded (every input, validated).
    pub fn event(&self) -> &LoginEvent {
        &self.event
    }

    /// The login time.
    pub fn now(&self) -> OffsetDateTime {
        self.event.at
    }

    /// The login time as Unix seconds.
    pub fn now_unix(&self) -> i64 {
        self.unix.now
    }

    /// The event's times as Unix seconds.
    pub(crate) fn unix(&self) -> &UnixTimes {
        &self.unix
    }

    /// The professional.
    pub fn subject(&self) -> &NationalId {
        &self.event.subject
    }

    /// The features histories are kept on (network prefix, ASN, country, user agent).
    pub fn features(&self) -> &LoginFeatures {
        &self.features
    }

    /// The user agent's class, when a user agent was given.
    pub fn user_agent_class(&self) -> Option<&UserAgentClass> {
        self.user_agent.as_ref()
    }

    /// Local hour of the week of the login (0 = Monday 00:00–00:59).
    pub fn hour_of_week(&self) -> u8 {
        self.hour_of_week
    }

    /// A 128-bit digest of the validated login event (SHA-256 of every field of it, in a
    /// compact binary form of its serialization, which is canonical: times in UTC, lists
    /// sorted), computed once when the context is built. An [`Assessment`](crate::Assessment)
    /// keeps it, so learning and reports can refuse the assessment of another login, even one
    /// at the same second ([`Assessment::check_login`](crate::Assessment::check_login)). Equal
    /// inputs give equal digests, however the context was built. A stored
    /// [`Profile`](crate::Profile) keeps the digests of its recent logins (to find the login
    /// [`Profile::confirm_compromised`](crate::Profile::confirm_compromised) takes back), so the
    /// digest is stable for a [`PROFILE_FORMAT_VERSION`](crate::history::PROFILE_FORMAT_VERSION): a
    /// release that computes it otherwise bumps that version. Unkeyed: it identifies a login
    /// event to whoever holds the event, and hides nothing from them.
    pub fn digest(&self) -> Digest128 {
        self.digest
    }

    /// The host of the token's issuer, lowercased (`auth.bas.psc.esante.gouv.fr`), when the
    /// claims carried `iss`: what a policy compares to tell sandbox tokens from production ones.
    pub fn issuer_host(&self) -> Option<&str> {
        self.issuer_host.as_deref()
    }

    /// Validate a recorded event and precompute what evaluation needs.
    fn from_event(mut event: LoginEvent) -> Result<Self, ContextError> {
        validate(&mut event)?;
        let request = &event.request;
        let user_agent = request.user_agent.as_deref().map(UserAgentClass::parse);
        let features = LoginFeatures {
            network: request.ip.map(network_of),
            asn: request.asn,
            country: request.country,
            user_agent: request
                .user_agent
                .as_deref()
                .map(UserAgentFeatures::from_user_agent),
        };
        let hour_of_week = event.local_time.hour_of_week(event.at);
        let issuer_host = event.auth.issuer.as_deref().map(issuer_host);
        Ok(RiskContext {
            digest: Digest128::of_value("login-event", &event),
            unix: UnixTimes::of(&event),
            event,
            features,
            user_agent,
            hour_of_week,
            issuer_host,
        })
    }
}

impl TryFrom<LoginEvent> for RiskContext {
    type Error = ContextError;
    fn try_from(event: LoginEvent) -> Result<Self, ContextError> {
        RiskContext::from_event(event)
    }
}

impl From<RiskContext> for LoginEvent {
    fn from(ctx: RiskContext) -> LoginEvent {
        ctx.event
    }
}

impl Serialize for RiskContext {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.event.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RiskContext {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let event = <LoginEvent as Deserialize>::deserialize(d)?;
        RiskContext::from_event(event).map_err(serde::de::Error::custom)
    }
}
