//! [`LoginEvent`]: the serde wire form of one login, as recorded and replayed, and its parts.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::input::claims::ActivityLocation;
use crate::model::digest::Digest128;
use crate::model::geo::{CountryCode, GeoPoint};
use crate::model::local_time::LocalTime;
use crate::model::national_id::NationalId;
use crate::model::text::quoted;

use super::MAX_SHORT_TEXT_LEN;
use super::validation::too_long;

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

/// One login, as recorded and replayed: the serialized form of a [`RiskContext`](super::RiskContext).
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
