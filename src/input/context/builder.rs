//! [`RiskContextBuilder`]: fills a [`RiskContext`] from typed values, setter by setter.

use std::net::IpAddr;

use time::OffsetDateTime;

use crate::input::claims::ActivityLocation;
use crate::model::digest::Digest128;
use crate::model::geo::{CountryCode, GeoPoint};
use crate::model::local_time::LocalTime;

use super::validation::{too_long, unix};
use super::{
    Acr, ActivationChannel, AuthMode, ContactChange, ContextError, LoginEvent, MAX_DEVICE_ID_LEN,
    MAX_SHORT_TEXT_LEN, ReportedRequest, RiskContext, ValidationRequest,
};

/// Fills a [`RiskContext`]; see [`RiskContext::builder`].
#[derive(Clone, Debug)]
pub struct RiskContextBuilder {
    pub(super) event: LoginEvent,
    /// The first setter error, reported by `build` so setters can chain.
    pub(super) pending: Option<ContextError>,
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
