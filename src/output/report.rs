//! [`IncidentReport`]: what a provider sends to the ANS (`psc.requisitions@esante.gouv.fr`, the
//! address the alert of 8 October 2025 gives service providers for technical reports) about a
//! suspicious login.
//!
//! Built from the login's [`RiskContext`] and its [`Assessment`], it carries times, the policy
//! id, version and fingerprint, the rules that fired with their evidence, the detectors that
//! could not run, the advice shown to the professional, and a short French summary. Privacy by
//! default ([`Privacy`]): identifiers are keyed pseudonyms ([`PseudonymKey`]), the address is
//! truncated to its network, the user agent appears as its coarse class and coordinates never;
//! raw identifiers appear only with [`Identifiers::Disclosed`](crate::output::Identifiers::Disclosed).
//! Serialize it with serde (JSON for an e-mail attachment).

use std::fmt::Write as _;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::detect::signal::{Evidence, Missing, Signal};
use crate::history::verdict::LoginMismatch;
use crate::input::context::{
    Acr, ActivationChannel, AuthMode, ContactChange, ContactKind, ReportedRequest, RiskContext,
    Telemetry, ValidationRequest,
};
use crate::model::digest::{Fingerprint, Pseudonym};
use crate::model::geo::CountryCode;
use crate::model::national_id::{IdKind, NationalId};
use crate::model::user_agent::UserAgentClass;
use crate::output::advice::Advice;
use crate::output::pseudonym::{Privacy, PseudonymKey};
use crate::policy::EffectSpec;
use crate::policy::assessment::Assessment;
use crate::policy::decision::{Decision, Level, StepUpMethod};

/// Where providers send technical reports about suspicious e-CPS use (ANS alert, 2025-10-08).
pub const ANS_REPORT_ADDRESS: &str = "psc.requisitions@esante.gouv.fr";

/// The version of the report's serialized form.
pub const REPORT_FORMAT_VERSION: u32 = 1;

/// Why a report or audit record could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The assessment is of another login than the context given with it (another time, or
    /// another login at the same second: see [`Assessment::check_login`]).
    #[error(transparent)]
    AssessmentMismatch(#[from] LoginMismatch),
}

/// The policy that scored the login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(remote = "Self")]
pub struct PolicyRef {
    /// Its id.
    pub id: String,
    /// Its version label.
    pub version: String,
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
}
crate::model::wire::map_only!(PolicyRef);

impl PolicyRef {
    pub(crate) fn of(a: &Assessment<'_>) -> PolicyRef {
        PolicyRef {
            id: a.policy().id().to_owned(),
            version: a.policy().version().to_owned(),
            fingerprint: a.fingerprint(),
        }
    }
}

/// What the policy would have decided with its report-only parts enforced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(remote = "Self")]
pub struct WouldBe {
    /// The decision.
    pub decision: Decision,
    /// The score.
    pub score: i32,
}
crate::model::wire::map_only!(WouldBe);

impl WouldBe {
    pub(crate) fn of(a: &Assessment<'_>) -> Option<WouldBe> {
        a.report_only().map(|o| WouldBe {
            decision: o.decision,
            score: o.score,
        })
    }
}

/// The professional.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SubjectPart {
    /// Keyed pseudonym of the `idNat_PS`.
    pub pseudonym: Pseudonym,
    /// The `idNat_PS`, only when identifiers are disclosed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<NationalId>,
    /// Which directory issued it.
    pub kind: IdKind,
    /// An ANS test identity (`8997…`).
    pub test_identity: bool,
}

/// The e-CPS used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CredentialPart {
    /// Keyed pseudonym of the credential id, when known.
    pub pseudonym: Option<Pseudonym>,
    /// The credential id, only when identifiers are disclosed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// When it was activated.
    #[serde(with = "time::serde::rfc3339::option")]
    pub activated_at: Option<OffsetDateTime>,
    /// How it was activated.
    pub channel: Option<ActivationChannel>,
    /// How many e-CPS the professional has active.
    pub active_count: Option<u32>,
}

/// Where the login came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NetworkPart {
    /// Keyed pseudonym of the full address (links reports of one attacker address).
    pub address_pseudonym: Option<Pseudonym>,
    /// The address's /24 or /48 network (absent when addresses are omitted).
    pub network: Option<IpNet>,
    /// The full address, only when addresses are disclosed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<IpAddr>,
    /// Autonomous system.
    pub asn: Option<u32>,
    /// Country.
    pub country: Option<CountryCode>,
    /// VPN, proxy or Tor exit, per the provider's threat intelligence.
    pub anonymizer: Option<bool>,
    /// Hosting provider, per the provider's threat intelligence.
    pub hosting: Option<bool>,
}

/// The PSC authentication.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AuthenticationPart {
    /// `acr`.
    pub acr: Option<Acr>,
    /// `amr`.
    pub amr: Option<Vec<String>>,
    /// `auth_time`.
    #[serde(with = "time::serde::rfc3339::option")]
    pub auth_time: Option<OffsetDateTime>,
    /// `iat`.
    #[serde(with = "time::serde::rfc3339::option")]
    pub issued_at: Option<OffsetDateTime>,
    /// `authMode`: the CPS card or the e-CPS.
    pub mode: Option<AuthMode>,
    /// `iss`: who issued the token.
    pub issuer: Option<String>,
}

/// A detector result that made a rule fire.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SignalHit {
    /// The detector's code (`ecps.fresh_activation`, `custom.<name>`).
    pub code: String,
    /// Its evidence (networks truncated or left out as [`Privacy`] says).
    pub evidence: Evidence,
}

/// A rule that fired.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RuleHit {
    /// The rule's id.
    pub rule: String,
    /// The rule's description.
    pub description: String,
    /// Its effect.
    pub effect: Option<EffectSpec>,
    /// Reported, not enforced.
    pub report_only: bool,
    /// The detector hits it used.
    pub signals: Vec<SignalHit>,
}

/// A detector that could not run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NotEvaluatedSignal {
    /// The detector's code.
    pub code: String,
    /// What it lacked.
    #[serde(flatten)]
    pub missing: Missing,
}

/// An incident report about one login (see the module docs).
///
/// ```
/// use ecps_risk::{ActivationChannel, Environment, IncidentReport, Policy, Privacy, Profile,
///     PseudonymKey, RiskContext};
/// use time::{Duration, macros::datetime};
///
/// let policy = Policy::recommended();
/// let now = datetime!(2025-10-08 09:30 UTC);
/// let ctx = RiskContext::builder(now, "810001234565".parse()?)
///     .ip("41.202.77.9".parse()?)
///     .country("CI")
///     .activation(now - Duration::minutes(40), ActivationChannel::EmailSms)
///     .credential_id("ecps-9f00")
///     .device_id("fraudster-phone")
///     .build()?;
/// let assessment = policy.evaluate(&ctx, &Profile::new(), &Environment::empty());
///
/// let key = PseudonymKey::new(b"provider secret, 32 random bytes")?;
/// let report = IncidentReport::new(&ctx, &assessment, &key, Privacy::default())?;
/// let json = serde_json::to_string_pretty(&report)?;
/// assert!(json.contains("41.202.77.0/24"));
/// for raw in ["810001234565", "ecps-9f00", "41.202.77.9"] {
///     assert!(!json.contains(raw), "{raw} leaked");
/// }
/// assert!(report.summary_fr.contains("activée à distance (QR code par e-mail et code par SMS) 40 min avant la connexion"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct IncidentReport {
    /// [`REPORT_FORMAT_VERSION`].
    pub format_version: u32,
    /// [`ANS_REPORT_ADDRESS`].
    pub recipient: String,
    /// The [`PseudonymKey::id`] of the key the pseudonyms were made with.
    pub key_id: Pseudonym,
    /// What the report discloses.
    pub privacy: Privacy,
    /// Login time (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub login_at: OffsetDateTime,
    /// The policy.
    pub policy: PolicyRef,
    /// The enforced decision.
    pub decision: Decision,
    /// The risk level.
    pub level: Level,
    /// The score.
    pub score: i32,
    /// The report-only outcome, if any.
    pub report_only: Option<WouldBe>,
    /// Why evaluation failed closed, if it did.
    pub failure: Option<String>,
    /// The professional.
    pub subject: SubjectPart,
    /// The e-CPS.
    pub credential: CredentialPart,
    /// Keyed pseudonym of the device cookie.
    pub device: Option<Pseudonym>,
    /// Where the login came from.
    pub network: NetworkPart,
    /// The user agent's coarse class (never the string).
    pub client: Option<UserAgentClass>,
    /// The PSC authentication.
    pub authentication: AuthenticationPart,
    /// RPPS contact-data changes known for the professional.
    pub contact_changes: Option<Vec<ContactChange>>,
    /// Recent validation requests and their outcomes.
    pub validation_requests: Option<Vec<ValidationRequest>>,
    /// When the professional reported unsolicited validation requests.
    pub unsolicited_request_reports: Option<Vec<ReportedRequest>>,
    /// Client telemetry.
    pub telemetry: Telemetry,
    /// The rules that fired, in rule-id order.
    pub rule_hits: Vec<RuleHit>,
    /// Fired rules not listed (beyond [`MAX_REASONS`](crate::policy::MAX_REASONS)).
    pub rules_not_listed: usize,
    /// Detectors that could not run.
    pub not_evaluated: Vec<NotEvaluatedSignal>,
    /// What the professional was told (codes).
    pub advice: Advice,
    /// A short summary in French, for the e-mail body.
    pub summary_fr: String,
}

impl IncidentReport {
    /// Build the report of a login from its context and assessment. Errors when the assessment
    /// is of another login ([`Assessment::check_login`]).
    pub fn new(
        ctx: &RiskContext,
        assessment: &Assessment<'_>,
        key: &PseudonymKey,
        privacy: Privacy,
    ) -> Result<IncidentReport, ReportError> {
        assessment.check_login(ctx)?;
        let e = ctx.event();
        let disclose = privacy.discloses_identifiers();
        let subject = SubjectPart {
            pseudonym: key.subject(&e.subject),
            id: disclose.then(|| e.subject.clone()),
            kind: e.subject.kind(),
            test_identity: e.subject.is_test_identity(),
        };
        let c = &e.credential;
        let credential = CredentialPart {
            pseudonym: c.id.as_deref().map(|id| key.credential(id)),
            id: c.id.clone().filter(|_| disclose),
            activated_at: c.activated_at,
            channel: c.channel,
            active_count: c.active_count,
        };
        let r = &e.request;
        let network = NetworkPart {
            address_pseudonym: r.ip.map(|ip| key.address(ip)),
            network: r.ip.and_then(|ip| privacy.network(ip)),
            address: r.ip.and_then(|ip| privacy.address(ip)),
            asn: r.asn,
            country: r.country,
            anonymizer: r.anonymizer,
            hosting: r.hosting,
        };
        let a = &e.auth;
        let authentication = AuthenticationPart {
            acr: a.acr,
            amr: a.amr.clone(),
            auth_time: a.auth_time,
            issued_at: a.issued_at,
            mode: a.mode.clone(),
            issuer: a.issuer.clone(),
        };
        let mut report = IncidentReport {
            format_version: REPORT_FORMAT_VERSION,
            recipient: ANS_REPORT_ADDRESS.to_owned(),
            key_id: key.id(),
            privacy,
            login_at: ctx.now(),
            policy: PolicyRef::of(assessment),
            decision: assessment.decision(),
            level: assessment.level(),
            score: assessment.score(),
            report_only: WouldBe::of(assessment),
            failure: assessment.failure().map(ToString::to_string),
            subject,
            credential,
            device: r.device.map(|d| key.device(&d)),
            network,
            client: ctx.user_agent_class().copied(),
            authentication,
            contact_changes: e.contact_changes.clone(),
            validation_requests: e.validation_requests.clone(),
            unsolicited_request_reports: e.reports.clone(),
            telemetry: e.telemetry.clone(),
            rule_hits: rule_hits(assessment, privacy),
            rules_not_listed: assessment.reasons_truncated(),
            not_evaluated: assessment
                .not_evaluated()
                .map(|(code, missing)| NotEvaluatedSignal {
                    code: code.to_string(),
                    missing,
                })
                .collect(),
            advice: Advice::for_assessment(assessment),
            summary_fr: String::new(),
        };
        report.summary_fr = summary_fr(&report, ctx);
        Ok(report)
    }
}

fn rule_hits(assessment: &Assessment<'_>, privacy: Privacy) -> Vec<RuleHit> {
    assessment
        .reasons()
        .map(|r| RuleHit {
            rule: r.rule_id().to_owned(),
            description: r.description().to_owned(),
            effect: r.effect(),
            report_only: r.is_report_only(),
            signals: r
                .signals()
                .filter_map(|(name, signal)| match signal {
                    Signal::Hit { evidence } => Some(SignalHit {
                        code: name.to_string(),
                        evidence: private_evidence(*evidence, privacy),
                    }),
                    _ => None,
                })
                .collect(),
        })
        .collect()
}

/// Evidence as the privacy options allow: networks truncated or left out.
pub(crate) fn private_evidence(evidence: Evidence, privacy: Privacy) -> Evidence {
    match evidence {
        Evidence::Network { network, asn } => Evidence::Network {
            network: network.and_then(|n| privacy.evidence_network(n)),
            asn,
        },
        other => other,
    }
}

const fn decision_fr(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "connexion autorisée",
        Decision::StepUp(StepUpMethod::CpsCard) => "reconnexion avec la carte CPS exigée",
        Decision::StepUp(StepUpMethod::FreshAuthentication) => "nouvelle authentification exigée",
        Decision::Review => "connexion mise en attente de vérification",
        Decision::Deny => "connexion refusée",
    }
}

const fn level_fr(l: Level) -> &'static str {
    match l {
        Level::Low => "faible",
        Level::Medium => "moyen",
        Level::High => "élevé",
        Level::Critical => "critique",
    }
}

fn duration_fr(seconds: i64) -> String {
    match seconds.unsigned_abs() {
        s if s < 120 => format!("{seconds} s"),
        s if s < 7_200 => format!("{} min", seconds / 60),
        s if s < 172_800 => format!("{} h", seconds / 3_600),
        _ => format!("{} j", seconds / 86_400),
    }
}

/// The summary: facts only, in the order an analyst reads them.
fn summary_fr(r: &IncidentReport, ctx: &RiskContext) -> String {
    // The wall-clock time, or UTC in the last hours of 9999 (the offset shown says which).
    let local = ctx.event().local_time.local(r.login_at);
    let (h, m, _) = local.offset().as_hms();
    let mut s = String::new();
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let _ = write!(
        s,
        "Connexion Pro Santé Connect du {:02}/{:02}/{} à {:02}:{:02} (UTC{}{:02}:{:02}) : {} \
         (score {}, risque {}), politique « {} » version {} (empreinte {}).",
        local.day(),
        u8::from(local.month()),
        local.year(),
        local.hour(),
        local.minute(),
        if h < 0 || m < 0 { '-' } else { '+' },
        h.unsigned_abs(),
        m.unsigned_abs(),
        decision_fr(r.decision),
        r.score,
        level_fr(r.level),
        r.policy.id,
        r.policy.version,
        r.policy
            .fingerprint
            .to_string()
            .get(..12)
            .unwrap_or_default()
    );
    if r.failure.is_some() {
        s.push_str(" L'évaluation a échoué : décision de repli appliquée.");
    }
    if let Some(w) = r.report_only {
        let _ = write!(
            s,
            " En mode observation, la décision aurait été : {} (score {}).",
            decision_fr(w.decision),
            w.score
        );
    }

    let c = &r.credential;
    if let Some(at) = c.activated_at {
        let how = match c.channel {
            Some(ActivationChannel::CpsCard) => " avec la carte CPS",
            Some(ActivationChannel::EmailSms) => " à distance (QR code par e-mail et code par SMS)",
            Some(ActivationChannel::Other) => " par un autre moyen",
            None => "",
        };
        let _ = write!(
            s,
            " e-CPS activée{how} {} avant la connexion",
            duration_fr((r.login_at - at).whole_seconds())
        );
        match c.active_count {
            Some(n) if n > 1 => {
                let _ = write!(s, " ; {n} e-CPS actives.");
            }
            _ => s.push('.'),
        }
    } else if let Some(n) = c.active_count.filter(|n| *n > 1) {
        let _ = write!(s, " {n} e-CPS actives.");
    }
    if let Some(change) = r.contact_changes.as_ref().and_then(|l| l.last()) {
        let _ = write!(
            s,
            " Coordonnées RPPS modifiées ({}) {} avant la connexion.",
            match change.kind {
                ContactKind::Email => "e-mail",
                ContactKind::Phone => "téléphone",
            },
            duration_fr((r.login_at - change.at).whole_seconds())
        );
    }

    let n = &r.network;
    let mut from = Vec::new();
    if let Some(country) = n.country {
        from.push(format!("pays {country}"));
    }
    if let Some(asn) = n.asn {
        from.push(format!("AS{asn}"));
    }
    match (n.address, n.network) {
        (Some(ip), _) => from.push(format!("adresse {ip}")),
        (None, Some(net)) => from.push(format!("réseau {net}")),
        (None, None) => {}
    }
    if n.anonymizer == Some(true) {
        from.push("anonymiseur (VPN, proxy ou Tor)".to_owned());
    }
    if n.hosting == Some(true) {
        from.push("hébergeur".to_owned());
    }
    if !from.is_empty() {
        let _ = write!(s, " Origine : {}.", from.join(", "));
    }
    if r.telemetry.remote_control == Some(true) {
        s.push_str(" Partage d'écran ou prise de contrôle à distance suspecté.");
    }
    if let Some(refused) = r.validation_requests.as_ref().map(|l| {
        l.iter()
            .filter(|v| v.outcome != crate::input::context::PushOutcome::Approved)
            .count()
    }) && refused > 0
    {
        let _ = write!(
            s,
            " {refused} demande(s) de validation refusée(s) ou expirée(s)."
        );
    }

    if r.rule_hits.is_empty() {
        s.push_str(" Aucune règle déclenchée.");
    } else {
        let rules: Vec<&str> = r.rule_hits.iter().map(|h| h.rule.as_str()).collect();
        let _ = write!(s, " Règles déclenchées : {}", rules.join(", "));
        if r.rules_not_listed > 0 {
            let _ = write!(s, " et {} autre(s)", r.rules_not_listed);
        }
        s.push('.');
    }
    match &r.subject.id {
        Some(id) => {
            let _ = write!(s, " Professionnel : idNat_PS {id}.");
        }
        None => {
            let _ = write!(
                s,
                " Professionnel : pseudonyme {} (clé {}).",
                r.subject.pseudonym, r.key_id
            );
        }
    }
    s
}
