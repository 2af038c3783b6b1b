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

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::input::claims::{ActivityLocation, ClaimsError, PscClaims};
use crate::input::features::{LoginFeatures, UserAgentFeatures, network_of};
use crate::model::digest::Digest128;
use crate::model::geo::{CountryCode, CountryCodeError, GeoPoint, GeoPointError};
use crate::model::local_time::LocalTime;
use crate::model::national_id::NationalId;
use crate::model::text::{quoted, rfc3339};
use crate::model::user_agent::UserAgentClass;

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

/// OIDC authentication context class reference as PSC emits it. Any other value is kept as
/// [`Acr::Unknown`], which ranks below every level a policy can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Acr {
    /// Any value other than the three eIDAS levels.
    Unknown,
    /// eIDAS low.
    Eidas1,
    /// eIDAS substantial.
    Eidas2,
    /// eIDAS high.
    Eidas3,
}

impl Acr {
    /// Read an `acr` claim: `eidas1`, `eidas2`, `eidas3` (any case), anything else is unknown.
    pub fn parse(text: &str) -> Acr {
        let t = text.trim();
        if t.eq_ignore_ascii_case("eidas1") {
            Acr::Eidas1
        } else if t.eq_ignore_ascii_case("eidas2") {
            Acr::Eidas2
        } else if t.eq_ignore_ascii_case("eidas3") {
            Acr::Eidas3
        } else {
            Acr::Unknown
        }
    }
}

impl<'de> Deserialize<'de> for Acr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        // The builder refuses an over-long `acr`: so does the JSON form.
        if text.len() > MAX_SHORT_TEXT_LEN {
            return Err(serde::de::Error::custom(too_long(
                "auth.acr",
                &text,
                MAX_SHORT_TEXT_LEN,
            )));
        }
        Ok(Acr::parse(&text))
    }
}

/// How the professional authenticated at PSC: PSC's `authMode` claim, its only signal that
/// tells the physical CPS card from the e-CPS app (`acr` is `eidas1` for both).
///
/// Read from the claim with [`AuthMode::parse`] (`CARD`, `MOBILE`, any case); written in login
/// events as `"card"`, `"ecps"` or `{"other": "…"}` (the value PSC sent, kept as it is).
///
/// ```
/// use ecps_risk::AuthMode;
///
/// assert_eq!(AuthMode::parse("CARD"), AuthMode::Card);
/// assert_eq!(AuthMode::parse("MOBILE"), AuthMode::Ecps);
/// assert_eq!(AuthMode::parse("FIDO"), AuthMode::Other("FIDO".into()));
/// assert_eq!(serde_json::to_string(&AuthMode::Ecps)?, r#""ecps""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthMode {
    /// `CARD`: the physical CPS card in a reader, with its PIN.
    Card,
    /// `MOBILE`: the e-CPS app on a phone (the credential the fraudsters activate).
    Ecps,
    /// Any other value, as PSC sent it.
    Other(Box<str>),
}

impl AuthMode {
    /// Read an `authMode` claim: `CARD` and `MOBILE` (any case, surrounding blanks ignored),
    /// anything else kept as [`AuthMode::Other`].
    pub fn parse(text: &str) -> AuthMode {
        let t = text.trim();
        if t.eq_ignore_ascii_case("CARD") {
            AuthMode::Card
        } else if t.eq_ignore_ascii_case("MOBILE") {
            AuthMode::Ecps
        } else {
            AuthMode::Other(t.into())
        }
    }

    /// The mode's name in policies (fact `auth.mode`) and reports: `card`, `ecps` or `other`.
    pub fn as_str(&self) -> &'static str {
        match self {
            AuthMode::Card => "card",
            AuthMode::Ecps => "ecps",
            AuthMode::Other(_) => "other",
        }
    }
}

impl From<&str> for AuthMode {
    fn from(text: &str) -> Self {
        AuthMode::parse(text)
    }
}

impl From<&String> for AuthMode {
    fn from(text: &String) -> Self {
        AuthMode::parse(text)
    }
}

impl std::fmt::Display for AuthMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthMode::Other(text) => write!(f, "other (`{}`)", quoted(text)),
            known => f.write_str(known.as_str()),
        }
    }
}

/// How an e-CPS was activated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActivationChannel {
    /// With the physical CPS card (and its PIN).
    CpsCard,
    /// Remotely, with the QR code sent by e-mail and the code sent by SMS to the RPPS contact
    /// data: the channel the fraudsters talk professionals into handing over.
    EmailSms,
    /// Any other channel (e.g. at a registration desk).
    Other,
}

/// Which contact data changed in the directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// The e-mail address (where activation QR codes go).
    Email,
    /// The mobile phone number (where activation SMS codes go).
    Phone,
}

/// A change of the professional's RPPS contact data, reported by a registration authority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ContactChange {
    /// When it changed.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What changed.
    pub kind: ContactKind,
}
crate::model::wire::map_only!(ContactChange);

/// What became of a validation (push) request sent to the professional's e-CPS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushOutcome {
    /// Approved with the PIN.
    Approved,
    /// Refused by the professional.
    Denied,
    /// Left unanswered.
    Expired,
}

/// A recent validation request and its outcome (known to callers that are identity providers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ValidationRequest {
    /// When it was sent.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What became of it.
    pub outcome: PushOutcome,
}
crate::model::wire::map_only!(ValidationRequest);

/// Authentication facts, from the verified claims.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct AuthFacts {
    /// `acr` claim.
    #[serde(default)]
    pub acr: Option<Acr>,
    /// `amr` claim.
    #[serde(default)]
    pub amr: Option<Vec<String>>,
    /// `auth_time` claim.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub auth_time: Option<OffsetDateTime>,
    /// `iat` claim.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub issued_at: Option<OffsetDateTime>,
    /// `authMode` claim: the CPS card or the e-CPS.
    #[serde(default)]
    pub mode: Option<AuthMode>,
    /// `iss` claim: who issued the token (a sandbox issuer has no business in production).
    #[serde(default)]
    pub issuer: Option<String>,
}
crate::model::wire::map_only!(AuthFacts);

/// What the provider sees of the request, its own GeoIP and threat intelligence included.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct RequestFacts {
    /// Client address (IPv4-mapped IPv6 is stored as IPv4).
    #[serde(default)]
    pub ip: Option<IpAddr>,
    /// `User-Agent` header.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// The provider's device cookie, hashed with the subject (never stored in clear).
    #[serde(default)]
    pub device: Option<Digest128>,
    /// Geolocation of the address, with its accuracy radius.
    #[serde(default)]
    pub geo: Option<GeoPoint>,
    /// Country of the address.
    #[serde(default)]
    pub country: Option<CountryCode>,
    /// Autonomous system of the address.
    #[serde(default)]
    pub asn: Option<u32>,
    /// The caller's threat intelligence says: VPN, proxy or Tor exit.
    #[serde(default)]
    pub anonymizer: Option<bool>,
    /// The caller's threat intelligence says: hosting provider / data centre.
    #[serde(default)]
    pub hosting: Option<bool>,
}
crate::model::wire::map_only!(RequestFacts);

/// Facts about the e-CPS used, from partners.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct CredentialFacts {
    /// Credential id, as on the ANS deactivation lists.
    #[serde(default)]
    pub id: Option<String>,
    /// When it was activated.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub activated_at: Option<OffsetDateTime>,
    /// How it was activated.
    #[serde(default)]
    pub channel: Option<ActivationChannel>,
    /// How many e-CPS the professional has active, this one included.
    #[serde(default)]
    pub active_count: Option<u32>,
}
crate::model::wire::map_only!(CredentialFacts);

/// Flags from the provider's client-side telemetry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Telemetry {
    /// Screen sharing or remote-control software suspected during authentication.
    #[serde(default)]
    pub remote_control: Option<bool>,
    /// Browser automation suspected (webdriver flag, headless signals).
    #[serde(default)]
    pub automation: Option<bool>,
}
crate::model::wire::map_only!(Telemetry);

/// One login, as recorded and replayed: the serialized form of a [`RiskContext`].
///
/// Every group but `at` and `subject` may be left out. Times are RFC 3339.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct LoginEvent {
    /// Login time (the provider's clock, passed in by the caller).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The professional.
    pub subject: NationalId,
    /// Authentication facts from the claims.
    #[serde(default)]
    pub auth: AuthFacts,
    /// Request facts.
    #[serde(default)]
    pub request: RequestFacts,
    /// e-CPS facts.
    #[serde(default)]
    pub credential: CredentialFacts,
    /// RPPS contact-data changes (`None`: not provided).
    #[serde(default)]
    pub contact_changes: Option<Vec<ContactChange>>,
    /// Recent validation requests (`None`: not provided).
    #[serde(default)]
    pub validation_requests: Option<Vec<ValidationRequest>>,
    /// When the professional reported an unsolicited validation request (`None`: not provided).
    #[serde(default)]
    pub reports: Option<Vec<ReportedRequest>>,
    /// Client telemetry.
    #[serde(default)]
    pub telemetry: Telemetry,
    /// Registered places of activity (`None`: not provided).
    #[serde(default)]
    pub practice: Option<Vec<ActivityLocation>>,
    /// The professional's time zone rule.
    #[serde(default)]
    pub local_time: LocalTime,
}
crate::model::wire::map_only!(LoginEvent);

/// The professional reported an unsolicited validation request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ReportedRequest {
    /// When they reported it.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}
crate::model::wire::map_only!(ReportedRequest);

/// Why a context was rejected. Messages name the field (as in the JSON form) and the value.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// A text input exceeds its limit.
    #[error("`{field}` `{value}` is {len} bytes long, above the limit of {max}")]
    TooLong {
        /// Field path.
        field: &'static str,
        /// The value, shortened, its control characters escaped.
        value: String,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A list input exceeds [`MAX_LIST_LEN`].
    #[error("`{field}` has {len} entries, above the limit of {max}")]
    TooMany {
        /// Field path.
        field: &'static str,
        /// Number of entries given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A text input is empty.
    #[error("`{field}` is empty")]
    Empty {
        /// Field path.
        field: &'static str,
    },
    /// A text input holds control characters.
    #[error("`{field}` `{value}` holds control characters")]
    Control {
        /// Field path.
        field: &'static str,
        /// The value, shortened, its control characters escaped.
        value: String,
    },
    /// A timestamp lies after the login time by more than [`FUTURE_TOLERANCE`].
    #[error(
        "`{field}` `{}` is after the login time `{}` by more than {tolerance}",
        rfc3339(value),
        rfc3339(now)
    )]
    InFuture {
        /// Field path.
        field: &'static str,
        /// The timestamp.
        value: OffsetDateTime,
        /// The login time.
        now: OffsetDateTime,
        /// The tolerance.
        tolerance: Duration,
    },
    /// A timestamp before 1970 or not representable.
    #[error("`{field}` `{value}` is not a time between 1970 and 9999")]
    Timestamp {
        /// Field path.
        field: &'static str,
        /// The value as given (Unix seconds, or RFC 3339 rendering).
        value: String,
    },
    /// Bad coordinates.
    #[error("`{field}`: {source}")]
    Geo {
        /// Field path.
        field: &'static str,
        /// What is wrong.
        source: GeoPointError,
    },
    /// Bad country code.
    #[error("`{field}`: {source}")]
    Country {
        /// Field path.
        field: &'static str,
        /// What is wrong.
        source: CountryCodeError,
    },
    /// A fixed UTC offset outside −12:00..+14:00.
    #[error("`local_time` offset `{0}` minutes is outside -720..=840")]
    Offset(i16),
    /// The claims do not identify the professional.
    #[error(transparent)]
    Claims(#[from] ClaimsError),
}

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

/// Fills a [`RiskContext`]; see [`RiskContext::builder`].
#[derive(Clone, Debug)]
pub struct RiskContextBuilder {
    event: LoginEvent,
    /// The first setter error, reported by `build` so setters can chain.
    pending: Option<ContextError>,
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

impl RiskContextBuilder {
    fn fail(mut self, error: ContextError) -> Self {
        self.pending.get_or_insert(error);
        self
    }

    /// Client IP address.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.event.request.ip = Some(ip);
        self
    }

    /// `User-Agent` header.
    pub fn user_agent(mut self, user_agent: &str) -> Self {
        self.event.request.user_agent = Some(user_agent.to_owned());
        self
    }

    /// The provider's own device cookie. It is hashed with the subject at once and never kept
    /// in clear.
    pub fn device_id(mut self, device_id: &str) -> Self {
        if device_id.is_empty() {
            return self.fail(ContextError::Empty {
                field: "request.device",
            });
        }
        if device_id.len() > MAX_DEVICE_ID_LEN {
            // The raw cookie is a bearer secret of sorts: never quoted, even in errors.
            return self.fail(ContextError::TooLong {
                field: "request.device",
                value: "(not shown)".into(),
                len: device_id.len(),
                max: MAX_DEVICE_ID_LEN,
            });
        }
        let subject = self.event.subject.as_str().as_bytes();
        self.event.request.device = Some(Digest128::of("device", &[subject, device_id.as_bytes()]));
        self
    }

    /// Geolocation of the client address: latitude, longitude, accuracy radius (km).
    pub fn geo(mut self, lat: f64, lon: f64, accuracy_km: f64) -> Self {
        self.event.request.geo = Some(GeoPoint {
            lat,
            lon,
            accuracy_km,
        });
        self
    }

    /// Country of the client address (ISO 3166-1 alpha-2).
    pub fn country(mut self, code: &str) -> Self {
        match CountryCode::parse(code) {
            Ok(c) => {
                self.event.request.country = Some(c);
                self
            }
            Err(source) => self.fail(ContextError::Country {
                field: "request.country",
                source,
            }),
        }
    }

    /// Autonomous system number of the client address.
    pub fn asn(mut self, asn: u32) -> Self {
        self.event.request.asn = Some(asn);
        self
    }

    /// The address is a known VPN, proxy or Tor exit (caller's threat intelligence).
    pub fn anonymizer(mut self, flag: bool) -> Self {
        self.event.request.anonymizer = Some(flag);
        self
    }

    /// The address belongs to a hosting provider (caller's threat intelligence).
    pub fn hosting(mut self, flag: bool) -> Self {
        self.event.request.hosting = Some(flag);
        self
    }

    /// `acr` claim (unknown values are kept as [`Acr::Unknown`]).
    pub fn acr(mut self, acr: &str) -> Self {
        if acr.len() > MAX_SHORT_TEXT_LEN {
            return self.fail(too_long("auth.acr", acr, MAX_SHORT_TEXT_LEN));
        }
        self.event.auth.acr = Some(Acr::parse(acr));
        self
    }

    /// `amr` claim.
    pub fn amr<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.event.auth.amr = Some(methods.into_iter().map(Into::into).collect());
        self
    }

    /// `authMode` claim: PSC's text (`CARD`, `MOBILE`, read with [`AuthMode::parse`]) or an
    /// [`AuthMode`].
    pub fn auth_mode(mut self, mode: impl Into<AuthMode>) -> Self {
        self.event.auth.mode = Some(mode.into());
        self
    }

    /// `iss` claim: the issuer of the token.
    pub fn issuer(mut self, issuer: &str) -> Self {
        self.event.auth.issuer = Some(issuer.to_owned());
        self
    }

    /// When the professional authenticated at PSC.
    pub fn auth_time(mut self, at: OffsetDateTime) -> Self {
        self.event.auth.auth_time = Some(at);
        self
    }

    /// `auth_time` as Unix seconds (the claim's form).
    pub fn auth_time_unix(self, seconds: i64) -> Self {
        match unix("auth.auth_time", seconds) {
            Ok(t) => self.auth_time(t),
            Err(e) => self.fail(e),
        }
    }

    /// When the ID token was issued.
    pub fn issued_at(mut self, at: OffsetDateTime) -> Self {
        self.event.auth.issued_at = Some(at);
        self
    }

    /// `iat` as Unix seconds (the claim's form).
    pub fn issued_at_unix(self, seconds: i64) -> Self {
        match unix("auth.issued_at", seconds) {
            Ok(t) => self.issued_at(t),
            Err(e) => self.fail(e),
        }
    }

    /// The e-CPS credential id.
    pub fn credential_id(mut self, id: &str) -> Self {
        self.event.credential.id = Some(id.to_owned());
        self
    }

    /// When and how the e-CPS was activated.
    pub fn activation(mut self, at: OffsetDateTime, channel: ActivationChannel) -> Self {
        self.event.credential.activated_at = Some(at);
        self.event.credential.channel = Some(channel);
        self
    }

    /// How many e-CPS the professional has active, this one included.
    pub fn active_credentials(mut self, count: u32) -> Self {
        self.event.credential.active_count = Some(count);
        self
    }

    /// RPPS contact-data changes known for the professional (an empty list says: none).
    pub fn contact_changes(mut self, changes: impl IntoIterator<Item = ContactChange>) -> Self {
        self.event.contact_changes = Some(changes.into_iter().collect());
        self
    }

    /// Recent validation requests and their outcomes (an empty list says: none).
    pub fn validation_requests(
        mut self,
        requests: impl IntoIterator<Item = ValidationRequest>,
    ) -> Self {
        self.event.validation_requests = Some(requests.into_iter().collect());
        self
    }

    /// When the professional reported unsolicited validation requests (empty: never).
    pub fn reports(mut self, times: impl IntoIterator<Item = OffsetDateTime>) -> Self {
        self.event.reports = Some(times.into_iter().map(|at| ReportedRequest { at }).collect());
        self
    }

    /// Client telemetry: screen sharing / remote control suspected.
    pub fn remote_control_suspected(mut self, flag: bool) -> Self {
        self.event.telemetry.remote_control = Some(flag);
        self
    }

    /// Client telemetry: browser automation suspected.
    pub fn automation_suspected(mut self, flag: bool) -> Self {
        self.event.telemetry.automation = Some(flag);
        self
    }

    /// Registered places of activity (replaces those taken from the claims; the time-zone
    /// rule is left as it is).
    pub fn practice(mut self, places: impl IntoIterator<Item = ActivityLocation>) -> Self {
        self.event.practice = Some(places.into_iter().collect());
        self
    }

    /// The professional's time-zone rule (default: Europe/Paris).
    pub fn local_time(mut self, rule: LocalTime) -> Self {
        self.event.local_time = rule;
        self
    }

    /// Validate every input and build the context.
    pub fn build(self) -> Result<RiskContext, ContextError> {
        if let Some(e) = self.pending {
            return Err(e);
        }
        RiskContext::from_event(self.event)
    }
}

/// The host of an issuer URL, lowercased: `https://Auth.example/realms/x` gives `auth.example`.
/// An issuer that is not a URL is its own host (lowercased), so a comparison still means
/// something.
fn issuer_host(issuer: &str) -> Box<str> {
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
fn unix(field: &'static str, seconds: i64) -> Result<OffsetDateTime, ContextError> {
    match OffsetDateTime::from_unix_timestamp(seconds) {
        Ok(t) if seconds >= 0 => Ok(t),
        _ => Err(ContextError::Timestamp {
            field,
            value: seconds.to_string(),
        }),
    }
}

fn too_long(field: &'static str, value: &str, max: usize) -> ContextError {
    ContextError::TooLong {
        field,
        value: quoted(value),
        len: value.len(),
        max,
    }
}

fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), ContextError> {
    if value.is_empty() {
        return Err(ContextError::Empty { field });
    }
    if value.len() > max {
        return Err(too_long(field, value, max));
    }
    Ok(())
}

/// Text that is written into audit records and compared by rules has no control characters.
fn check_no_control(field: &'static str, value: &str) -> Result<(), ContextError> {
    if value.chars().any(char::is_control) {
        return Err(ContextError::Control {
            field,
            value: quoted(value),
        });
    }
    Ok(())
}

fn check_len<T>(field: &'static str, list: &[T]) -> Result<(), ContextError> {
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
fn check_time(
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
fn normalize_times(e: &mut LoginEvent) -> Result<(), ContextError> {
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
fn validate(e: &mut LoginEvent) -> Result<(), ContextError> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
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
}
