//! [`AuditRecord`]: one compact serde record per decision, for the provider's logs.
//!
//! Where the full [`Assessment`] JSON carries every signal and its evidence (a few KiB), an
//! audit record keeps what a log needs to answer "who was asked what, under which policy, and
//! why" in a few hundred bytes: time, pseudonymized professional, decision, score, policy id,
//! version and fingerprint, rule ids, detectors not evaluated, advice codes, and the request's
//! pseudonymized device and address with its truncated network. Same [`Privacy`] options and
//! same pseudonyms as the [`IncidentReport`](crate::IncidentReport), so a record and a report
//! about one login can be matched. Records deserialize too, for replay and dashboards.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::input::context::{AuthMode, RiskContext};
use crate::model::digest::{Fingerprint, Pseudonym};
use crate::model::geo::CountryCode;
use crate::model::national_id::NationalId;
use crate::output::advice::Advice;
use crate::output::pseudonym::{Privacy, PseudonymKey};
use crate::output::report::{ReportError, WouldBe};
use crate::policy::assessment::Assessment;
use crate::policy::decision::{Decision, Level};

/// The version of the record's serialized form (field `v`).
pub const AUDIT_FORMAT_VERSION: u32 = 1;

/// One decision, for the logs (see the module docs). Empty and absent fields are left out of
/// the JSON.
///
/// ```
/// use ecps_risk::{AuditRecord, Environment, Policy, Privacy, Profile, PseudonymKey, RiskContext};
/// use time::macros::datetime;
///
/// let policy = Policy::recommended();
/// let ctx = RiskContext::builder(datetime!(2025-10-08 09:30 UTC), "810001234565".parse()?)
///     .ip("192.0.2.44".parse()?)
///     .device_id("cookie-6f1c2a")
///     .build()?;
/// let assessment = policy.evaluate(&ctx, &Profile::new(), &Environment::empty());
/// let key = PseudonymKey::new(b"provider secret, 32 random bytes")?;
/// let record = AuditRecord::new(&ctx, &assessment, &key, Privacy::default())?;
/// let line = serde_json::to_string(&record)?;
/// assert!(line.contains(r#""network":"192.0.2.0/24""#));
/// assert!(!line.contains("810001234565") && !line.contains("192.0.2.44"));
/// assert_eq!(serde_json::from_str::<AuditRecord>(&line)?, record);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
#[non_exhaustive]
pub struct AuditRecord {
    /// [`AUDIT_FORMAT_VERSION`].
    pub v: u32,
    /// Login time (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The [`PseudonymKey::id`] of the key the pseudonyms were made with.
    pub key: Pseudonym,
    /// Keyed pseudonym of the professional.
    pub subject: Pseudonym,
    /// The professional's `idNat_PS`, only when identifiers are disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<NationalId>,
    /// The enforced decision.
    pub decision: Decision,
    /// The risk level.
    pub level: Level,
    /// The score.
    pub score: i32,
    /// The report-only outcome, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub would_be: Option<WouldBe>,
    /// The policy's id.
    pub policy: String,
    /// The policy's version label.
    pub policy_version: String,
    /// The policy's fingerprint.
    pub fingerprint: Fingerprint,
    /// Ids of the rules that fired.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// Fired rules not listed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rules_not_listed: usize,
    /// Codes of the detectors that could not run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_evaluated: Vec<String>,
    /// Advice codes shown to the professional.
    #[serde(default, skip_serializing_if = "Advice::is_empty")]
    pub advice: Advice,
    /// The means of authentication (`authMode`): the CPS card or the e-CPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_mode: Option<AuthMode>,
    /// Keyed pseudonym of the device cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Pseudonym>,
    /// Keyed pseudonym of the e-CPS id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<Pseudonym>,
    /// The e-CPS id, only when identifiers are disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// Keyed pseudonym of the client address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<Pseudonym>,
    /// The address's /24 or /48 network, unless addresses are omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<IpNet>,
    /// The full address, only when addresses are disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<IpAddr>,
    /// Autonomous system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    /// Why evaluation failed closed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}
crate::model::wire::map_only!(AuditRecord);

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl AuditRecord {
    /// The record of a login from its context and assessment. Errors when the assessment is of
    /// another login ([`Assessment::check_login`]).
    pub fn new(
        ctx: &RiskContext,
        assessment: &Assessment<'_>,
        key: &PseudonymKey,
        privacy: Privacy,
    ) -> Result<AuditRecord, ReportError> {
        assessment.check_login(ctx)?;
        let e = ctx.event();
        let disclose = privacy.discloses_identifiers();
        let ip = e.request.ip;
        Ok(AuditRecord {
            v: AUDIT_FORMAT_VERSION,
            at: ctx.now(),
            key: key.id(),
            subject: key.subject(&e.subject),
            subject_id: disclose.then(|| e.subject.clone()),
            decision: assessment.decision(),
            level: assessment.level(),
            score: assessment.score(),
            would_be: WouldBe::of(assessment),
            policy: assessment.policy().id().to_owned(),
            policy_version: assessment.policy().version().to_owned(),
            fingerprint: assessment.fingerprint(),
            rules: assessment
                .reasons()
                .map(|r| r.rule_id().to_owned())
                .collect(),
            rules_not_listed: assessment.reasons_truncated(),
            not_evaluated: assessment
                .not_evaluated()
                .map(|(code, _)| code.to_string())
                .collect(),
            advice: Advice::for_assessment(assessment),
            auth_mode: e.auth.mode.clone(),
            device: e.request.device.map(|d| key.device(&d)),
            credential: e.credential.id.as_deref().map(|id| key.credential(id)),
            credential_id: e.credential.id.clone().filter(|_| disclose),
            ip: ip.map(|ip| key.address(ip)),
            network: ip.and_then(|ip| privacy.network(ip)),
            address: ip.and_then(|ip| privacy.address(ip)),
            asn: e.request.asn,
            country: e.request.country,
            failure: assessment.failure().map(ToString::to_string),
        })
    }
}
