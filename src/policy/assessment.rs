//! [`Assessment`]: what evaluating a login returns — score, level, decision, reasons (the rules
//! that fired, with their detectors' evidence), signals not evaluated, the policy fingerprint,
//! report-only outcomes, and any failure that made the decision fail closed.
//!
//! It borrows the [`Policy`] that produced it (rule ids and descriptions are not copied) and
//! stores signals and fired rules in fixed-size arrays, so building it allocates nothing.
//! Serialize it (JSON for audit logs) or `Display` it (for people) to keep it.

use std::fmt;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use time::OffsetDateTime;

use crate::detect::DetectorError;
use crate::detect::signal::{EvidenceError, Missing, Signal, SignalCode};
use crate::detect::slots::{Masks, SignalRef, SignalSlots};
use crate::history::verdict::{LoginMismatch, Verdict};
use crate::input::context::{AuthMode, RiskContext};
use crate::model::digest::{Digest128, Fingerprint};
use crate::model::text::rfc3339;
use crate::policy::decision::{Decision, Level, StepUpMethod};
use crate::policy::{EffectSpec, Policy};

/// At most this many fired rules are listed as reasons; every fired rule still counts in the
/// score and decision, and [`Assessment::reasons_truncated`] says how many were left out.
pub const MAX_REASONS: usize = 64;

// Every rule index fits the fired list.
const _: () = assert!(crate::policy::MAX_RULES <= u16::MAX as usize + 1);

/// Indices of the rules that fired, in rule order (`u16`: the assessment is copied whole, so
/// it is kept small). Entries past `len` are stale.
#[derive(Clone, Copy)]
pub(crate) struct Fired {
    rules: [u16; MAX_REASONS],
    len: usize,
    total: usize,
}

impl Default for Fired {
    fn default() -> Self {
        Fired {
            rules: [0; MAX_REASONS],
            len: 0,
            total: 0,
        }
    }
}

impl fmt::Debug for Fired {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fired")
            .field("rules", &self.iter().collect::<Vec<_>>())
            .field("total", &self.total)
            .finish()
    }
}

impl Fired {
    pub(crate) fn push(&mut self, index: usize) {
        self.total += 1;
        if let (Some(slot), Ok(i)) = (self.rules.get_mut(self.len), u16::try_from(index)) {
            *slot = i;
            self.len += 1;
        }
    }

    fn clear(&mut self) {
        self.len = 0;
        self.total = 0;
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.rules.iter().take(self.len).map(|i| *i as usize)
    }
}

/// Why an evaluation failed closed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure<'p> {
    /// A custom detector returned an error.
    Detector {
        /// Its name.
        detector: &'p str,
        /// Its error.
        error: DetectorError,
    },
    /// A custom detector panicked.
    DetectorPanicked {
        /// Its name.
        detector: &'p str,
    },
    /// A custom detector returned evidence with a number outside its domain (NaN, infinite,
    /// a negative distance, a share above 1, …: see [`Evidence::check`](crate::Evidence::check)).
    Nonsense {
        /// Its name.
        detector: &'p str,
        /// Which number, and its domain.
        error: EvidenceError,
    },
    /// The profile belongs to another professional (a caller bug that must not score as a
    /// cold start nor as a familiar login).
    ProfileMismatch,
    /// A watchlist the policy requires (`required = true`) is not in the environment, or not
    /// as the kind declared: the rules reading it cannot be trusted to fire.
    MissingWatchlist {
        /// Its name.
        list: &'p str,
        /// The kind the policy declares.
        kind: crate::env::watchlist::WatchlistKind,
    },
    /// No evaluation filled this assessment: it comes from
    /// [`Policy::create_assessment`](crate::Policy::create_assessment) and was read before
    /// [`Policy::evaluate_into`](crate::Policy::evaluate_into) ran on it.
    NotEvaluated,
}

impl fmt::Display for Failure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Detector { detector, error } => {
                write!(f, "custom detector `{detector}` failed: {error}")
            }
            Failure::DetectorPanicked { detector } => {
                write!(f, "custom detector `{detector}` panicked")
            }
            Failure::Nonsense { detector, error } => {
                write!(f, "custom detector `{detector}` returned nonsense: {error}")
            }
            Failure::ProfileMismatch => f.write_str("the profile belongs to another professional"),
            Failure::MissingWatchlist { list, kind } => {
                write!(f, "required watchlist `{list}` (`{kind}`) is not supplied")
            }
            Failure::NotEvaluated => f.write_str("no evaluation filled this assessment"),
        }
    }
}

/// A score and the decision it led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The score.
    pub score: i32,
    /// The decision.
    pub decision: Decision,
}

/// The result of scoring one login: the decision to enforce, the score and level, the rules
/// that fired with their detectors' evidence, the detectors that lacked input, the policy's
/// fingerprint, what report-only parts would have done, and why it failed closed if it did.
///
/// It borrows the policy that produced it and is built without allocating; serialize it (JSON
/// for an audit log) or print it to keep it.
///
/// ```
/// use ecps_risk::{ActivationChannel, Decision, Environment, Policy, Profile, RiskContext, SignalCode};
/// use time::{Duration, macros::datetime};
///
/// let policy = Policy::recommended();
/// let now = datetime!(2025-10-08 09:30 UTC);
/// let ctx = RiskContext::builder(now, "810001234565".parse()?)
///     .activation(now - Duration::hours(1), ActivationChannel::EmailSms)
///     .build()?;
/// let a = policy.evaluate(&ctx, &Profile::new(), &Environment::empty());
///
/// assert!(a.decision() > Decision::Allow);
/// assert!(a.signal(SignalCode::EcpsFreshActivation).is_some_and(|s| s.is_hit()));
/// // Without a device id, `device.new` could not say anything.
/// assert!(a.not_evaluated().any(|(code, _)| code.to_string() == "device.new"));
/// let fired: Vec<&str> = a.reasons().map(|r| r.rule_id()).collect();
/// assert!(fired.contains(&"fresh-remote-activation"));
///
/// let json = serde_json::to_string(&a)?;       // for the audit log
/// assert!(json.contains(&a.fingerprint().to_string()));
/// println!("{a}");                             // for people
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Assessment<'p> {
    policy: &'p Policy,
    pub(crate) score: i32,
    pub(crate) decision: Decision,
    pub(crate) level: Level,
    pub(crate) report_only: Option<Outcome>,
    pub(crate) slots: SignalSlots,
    pub(crate) fired: Fired,
    pub(crate) failure: Option<Failure<'p>>,
    /// The step-up passed, proven by [`Assessment::mark_step_up_passed`].
    step_up_passed: Option<StepUpMethod>,
    /// [`RiskContext::digest`] of the step-up login that proved it: one proof, one login
    /// ([`Profile::learn`](crate::Profile::learn) refuses a proof another login consumed).
    step_up_digest: Option<Digest128>,
    /// A digest of the step-up challenge the caller bound this login to
    /// ([`Assessment::bind_step_up_challenge`]); never the challenge itself.
    step_up_challenge: Option<Digest128>,
    login_time: OffsetDateTime,
    /// [`RiskContext::digest`] of the login scored; `None` until an evaluation fills it.
    login_digest: Option<Digest128>,
}

/// One rule that fired.
#[derive(Clone, Copy, Debug)]
pub struct Reason<'a> {
    assessment: &'a Assessment<'a>,
    index: usize,
}

impl<'p> Assessment<'p> {
    /// An assessment of `ctx` with nothing decided yet (allow, score 0), for evaluation to
    /// fill.
    pub(crate) fn empty(policy: &'p Policy, ctx: &RiskContext) -> Self {
        Assessment {
            policy,
            score: 0,
            decision: Decision::Allow,
            level: Level::Low,
            report_only: None,
            slots: SignalSlots::default(),
            fired: Fired::default(),
            failure: None,
            step_up_passed: None,
            step_up_digest: None,
            step_up_challenge: None,
            login_time: ctx.now(),
            login_digest: Some(ctx.digest()),
        }
    }

    /// An assessment no evaluation has filled: denied, critical, failed with
    /// [`Failure::NotEvaluated`], so that reading it by mistake never allows a login.
    pub(crate) fn unfilled(policy: &'p Policy) -> Self {
        Assessment {
            policy,
            score: 0,
            decision: Decision::Deny,
            level: Level::Critical,
            report_only: None,
            slots: SignalSlots::default(),
            fired: Fired::default(),
            failure: Some(Failure::NotEvaluated),
            step_up_passed: None,
            step_up_digest: None,
            step_up_challenge: None,
            login_time: OffsetDateTime::UNIX_EPOCH,
            login_digest: None,
        }
    }

    /// Make a used assessment ready for a new evaluation of `ctx` as if fresh from
    /// [`Assessment::empty`], without rewriting its signal slots: a slot is only read when its
    /// `ran` bit is set, and the bits are cleared here.
    pub(crate) fn reset(&mut self, policy: &'p Policy, ctx: &RiskContext) {
        self.policy = policy;
        self.score = 0;
        self.decision = Decision::Allow;
        self.level = Level::Low;
        self.report_only = None;
        self.slots.masks = Masks::default();
        self.fired.clear();
        self.failure = None;
        self.step_up_passed = None;
        self.step_up_digest = None;
        self.step_up_challenge = None;
        self.login_time = ctx.now();
        self.login_digest = Some(ctx.digest());
    }

    /// The decision to enforce.
    pub fn decision(&self) -> Decision {
        self.decision
    }

    /// The score of the enforced rules.
    pub fn score(&self) -> i32 {
        self.score
    }

    /// The risk level.
    pub fn level(&self) -> Level {
        self.level
    }

    /// What the policy would have decided with its report-only parts enforced: present when
    /// the policy is report-only or a report-only rule fired.
    pub fn report_only(&self) -> Option<Outcome> {
        self.report_only
    }

    /// The policy that produced this assessment.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// The policy's fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        self.policy.fingerprint()
    }

    /// Why the evaluation failed closed, if it did.
    pub fn failure(&self) -> Option<&Failure<'p>> {
        self.failure.as_ref()
    }

    /// The rules that fired, in rule-id order (at most [`MAX_REASONS`]).
    pub fn reasons(&self) -> impl Iterator<Item = Reason<'_>> + '_ {
        self.fired.iter().map(move |index| Reason {
            assessment: self,
            index,
        })
    }

    /// How many fired rules are not listed in [`Assessment::reasons`].
    pub fn reasons_truncated(&self) -> usize {
        self.fired.total - self.fired.len
    }

    /// The result of a built-in detector, if the policy ran it.
    pub fn signal(&self, code: SignalCode) -> Option<&Signal> {
        self.slots.get(SignalRef::Builtin(code))
    }

    /// The result of a detector by name: a built-in code (`device.new`) or `custom.<name>`.
    pub fn signal_named(&self, name: &str) -> Option<&Signal> {
        if let Some(code) = SignalCode::parse(name) {
            return self.signal(code);
        }
        let custom = name.strip_prefix("custom.")?;
        let index = (0..self.policy.custom_count())
            .find(|i| self.policy.custom_name(*i) == Some(custom))?;
        self.slots.get(SignalRef::Custom(index))
    }

    /// Every detector the policy ran, with its code and result: built-in ones in catalog
    /// order, then custom ones (`custom.<name>`) in name order.
    pub fn signals(&self) -> impl Iterator<Item = (SignalName<'p>, &Signal)> + '_ {
        let builtin = SignalCode::ALL.iter().filter_map(move |code| {
            self.slots
                .get(SignalRef::Builtin(*code))
                .map(|s| (SignalName::Builtin(*code), s))
        });
        let custom = (0..self.policy.custom_count()).filter_map(move |i| {
            let name = self.policy.custom_name(i)?;
            self.slots
                .get(SignalRef::Custom(i))
                .map(|s| (SignalName::Custom(name), s))
        });
        builtin.chain(custom)
    }

    /// The detectors that could not be evaluated, and what they lacked.
    pub fn not_evaluated(&self) -> impl Iterator<Item = (SignalName<'p>, Missing)> + '_ {
        self.signals().filter_map(|(name, s)| match s {
            Signal::NotEvaluated { missing } => Some((name, *missing)),
            _ => None,
        })
    }

    /// Record that the professional passed the step-up this assessment asked for, proven by
    /// the login they made for it, so that [`Profile::learn`](crate::Profile::learn) learns
    /// from `login` (the login this assessment is of).
    ///
    /// A step-up proves something only if it is checked: `step_up` must be a login of the same
    /// professional, made within [`STEP_UP_WINDOW`] after `login`, with a fresh authentication
    /// (its `auth_time` not before `login`, less [`FUTURE_TOLERANCE`](crate::input::FUTURE_TOLERANCE):
    /// not a reused SSO session), and — for a step-up with the CPS card — `authMode` `CARD`:
    /// the fraudster of the ANS alert holds an e-CPS, never the card. A card step-up passed
    /// *confirms* what the profile learns from `login` (its device becomes established at
    /// once).
    ///
    /// **A step-up proves the login that asked for it**, not just the professional: any card
    /// login of theirs in the window (the victim's ordinary login at the practice) would
    /// otherwise prove the fraudster's pending login and confirm the fraudster's device. Here
    /// the binding is the device: `login` must carry a device cookie
    /// ([`RiskContextBuilder::device_id`](crate::RiskContextBuilder::device_id)) and `step_up`
    /// the same one — the step-up happens in the browser that made the login, so the device
    /// the card confirms is the one that passed it ([`StepUpError::OtherDevice`]). A login
    /// without a device cookie cannot be bound by its device
    /// ([`StepUpError::Unbound`]): bind it with a challenge instead
    /// ([`Assessment::bind_step_up_challenge`],
    /// [`Assessment::mark_step_up_passed_with_challenge`]).
    ///
    /// The flow: when the decision is [`Decision::StepUp`], send the professional back to PSC
    /// asking for a new authentication (OpenID Connect `prompt=login` or `max_age=0`; for
    /// [`StepUpMethod::CpsCard`], tell them to use the card), verify the new token as usual,
    /// build its context (`RiskContext::from_psc`, with the same device cookie) and pass it
    /// here. Then learn ([`Profile::learn`](crate::Profile::learn), which refuses a step-up
    /// login already used as the proof of another login: one proof, one login), store the
    /// profile, and only then let the login in.
    ///
    /// ```
    /// use ecps_risk::{AuthMode, Decision, Environment, Policy, Profile, RiskContext, StepUpError};
    /// use time::{Duration, macros::datetime};
    ///
    /// let policy = Policy::recommended();
    /// let now = datetime!(2025-10-08 09:30 UTC);
    /// let login = RiskContext::builder(now, "810001234565".parse()?)
    ///     .auth_mode("MOBILE")
    ///     .device_id("browser-cookie")
    ///     .validation_requests((1..=3).map(|i| ecps_risk::input::ValidationRequest {
    ///         at: now - Duration::minutes(i),
    ///         outcome: ecps_risk::input::PushOutcome::Denied,
    ///     }))
    ///     .build()?;
    /// let mut a = policy.evaluate(&login, &Profile::new(), &Environment::empty());
    /// assert!(matches!(a.decision(), Decision::StepUp(_)));
    ///
    /// // Another e-CPS authentication is no proof of the card.
    /// let again = RiskContext::builder(now + Duration::minutes(1), "810001234565".parse()?)
    ///     .device_id("browser-cookie")
    ///     .auth_mode(AuthMode::Ecps)
    ///     .auth_time(now + Duration::minutes(1))
    ///     .build()?;
    /// assert!(matches!(a.mark_step_up_passed(&login, &again), Err(StepUpError::NotCard { .. })));
    ///
    /// // A card login in another browser (the professional's own, at the practice) proves
    /// // nothing about this one.
    /// let elsewhere = RiskContext::builder(now + Duration::minutes(2), "810001234565".parse()?)
    ///     .device_id("another-browser")
    ///     .auth_mode(AuthMode::Card)
    ///     .auth_time(now + Duration::minutes(2))
    ///     .build()?;
    /// assert!(matches!(a.mark_step_up_passed(&login, &elsewhere), Err(StepUpError::OtherDevice { .. })));
    ///
    /// let card = RiskContext::builder(now + Duration::minutes(2), "810001234565".parse()?)
    ///     .device_id("browser-cookie")
    ///     .auth_mode(AuthMode::Card)
    ///     .auth_time(now + Duration::minutes(2))
    ///     .build()?;
    /// a.mark_step_up_passed(&login, &card)?;
    /// assert!(a.is_good_login());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mark_step_up_passed(
        &mut self,
        login: &RiskContext,
        step_up: &RiskContext,
    ) -> Result<(), StepUpError> {
        let method = self.check_step_up(login, step_up)?;
        if login.event().request.device.is_none() {
            return Err(StepUpError::Unbound);
        }
        self.pass_step_up(method, step_up);
        Ok(())
    }

    /// Bind this login's step-up to `challenge`: a secret the caller draws at random for this
    /// login when it sends the professional to PSC (at least [`MIN_CHALLENGE_LEN`] bytes,
    /// 128 bits) and gets back only with that step-up — the OpenID Connect `nonce` of the
    /// step-up's authentication request, which the verified ID token carries back, or a value
    /// kept in the server-side session of the login. Only a digest is kept (never the
    /// challenge, in no output). Re-evaluating the login clears it: bind it again from the
    /// session. Draw a new challenge per login and forget it once used.
    ///
    /// ```
    /// use ecps_risk::{AuthMode, Decision, Environment, Policy, Profile, RiskContext, StepUpError};
    /// use time::{Duration, macros::datetime};
    ///
    /// let policy = Policy::recommended();
    /// let now = datetime!(2025-10-08 09:30 UTC);
    /// // No device cookie: the step-up can only be bound by a challenge.
    /// let login = RiskContext::builder(now, "810001234565".parse()?)
    ///     .auth_mode("MOBILE")
    ///     .validation_requests((1..=3).map(|i| ecps_risk::input::ValidationRequest {
    ///         at: now - Duration::minutes(i),
    ///         outcome: ecps_risk::input::PushOutcome::Denied,
    ///     }))
    ///     .build()?;
    /// let mut a = policy.evaluate(&login, &Profile::new(), &Environment::empty());
    /// assert!(matches!(a.decision(), Decision::StepUp(_)));
    /// let card = RiskContext::builder(now + Duration::minutes(2), "810001234565".parse()?)
    ///     .auth_mode(AuthMode::Card)
    ///     .auth_time(now + Duration::minutes(2))
    ///     .build()?;
    /// assert_eq!(a.mark_step_up_passed(&login, &card), Err(StepUpError::Unbound));
    ///
    /// let nonce = b"k7Yc2-9fQx0aLpE3vW1sTg"; // drawn at random for this login's step-up
    /// a.bind_step_up_challenge(nonce)?;
    /// assert_eq!(
    ///     a.mark_step_up_passed_with_challenge(&login, &card, b"another-logins-nonce"),
    ///     Err(StepUpError::ChallengeMismatch)
    /// );
    /// a.mark_step_up_passed_with_challenge(&login, &card, nonce)?;
    /// assert!(a.is_good_login());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bind_step_up_challenge(&mut self, challenge: &[u8]) -> Result<(), StepUpError> {
        if challenge.len() < MIN_CHALLENGE_LEN {
            return Err(StepUpError::WeakChallenge {
                len: challenge.len(),
            });
        }
        self.step_up_challenge = Some(challenge_digest(challenge));
        Ok(())
    }

    /// [`Assessment::mark_step_up_passed`] for a step-up bound by a challenge
    /// ([`Assessment::bind_step_up_challenge`]): `answered` is what came back with `step_up`
    /// (the `nonce` of its verified ID token). Every check of `mark_step_up_passed` holds but
    /// the device cookie's presence: a login without one is accepted, bound by the challenge;
    /// a login with one still needs `step_up` to carry the same ([`StepUpError::OtherDevice`]).
    /// Refused without a challenge bound ([`StepUpError::NoChallenge`]) or with another one
    /// ([`StepUpError::ChallengeMismatch`]). The challenge is spent once passed.
    pub fn mark_step_up_passed_with_challenge(
        &mut self,
        login: &RiskContext,
        step_up: &RiskContext,
        answered: &[u8],
    ) -> Result<(), StepUpError> {
        let method = self.check_step_up(login, step_up)?;
        let Some(expected) = self.step_up_challenge else {
            return Err(StepUpError::NoChallenge);
        };
        if challenge_digest(answered) != expected {
            return Err(StepUpError::ChallengeMismatch);
        }
        self.step_up_challenge = None;
        self.pass_step_up(method, step_up);
        Ok(())
    }

    fn pass_step_up(&mut self, method: StepUpMethod, step_up: &RiskContext) {
        self.step_up_passed = Some(method);
        self.step_up_digest = Some(step_up.digest());
    }

    /// The checks both ways of passing a step-up make; the method asked for when they hold.
    fn check_step_up(
        &self,
        login: &RiskContext,
        step_up: &RiskContext,
    ) -> Result<StepUpMethod, StepUpError> {
        let Decision::StepUp(method) = self.decision else {
            return Err(StepUpError::NotAsked {
                decision: self.decision,
            });
        };
        self.check_login(login)?;
        if step_up.subject() != login.subject() {
            return Err(StepUpError::OtherProfessional {
                at: step_up.now(),
                digest: step_up.digest(),
            });
        }
        let elapsed = step_up.now() - login.now();
        if elapsed.is_negative() || elapsed > STEP_UP_WINDOW {
            return Err(StepUpError::Window {
                elapsed_seconds: elapsed.whole_seconds(),
            });
        }
        let auth = &step_up.event().auth;
        // Fresh: authenticated at the step-up, not before the login (a clock skew of
        // `FUTURE_TOLERANCE` allowed), and never the very session the login itself came with.
        let fresh = auth.auth_time.is_some_and(|t| {
            login.now() - t <= crate::input::context::FUTURE_TOLERANCE
                && login.event().auth.auth_time.is_none_or(|before| t > before)
        });
        if !fresh {
            return Err(StepUpError::NotFresh {
                auth_time: auth.auth_time,
            });
        }
        if method == StepUpMethod::CpsCard && auth.mode != Some(AuthMode::Card) {
            return Err(StepUpError::NotCard {
                mode: auth.mode.as_ref().map(AuthMode::as_str),
            });
        }
        // The device that made the login must be the one that passed the step-up: what the
        // card confirms is the login's device. Device ids are hashed with the subject, so
        // equal digests are the same cookie of the same professional.
        if let Some(device) = login.event().request.device
            && step_up.event().request.device != Some(device)
        {
            return Err(StepUpError::OtherDevice {
                at: step_up.now(),
                digest: step_up.digest(),
            });
        }
        Ok(method)
    }

    /// The [`RiskContext::digest`] of the step-up login that passed this assessment's
    /// step-up, if one did: [`Profile::learn`](crate::Profile::learn) refuses it as the proof
    /// of a second login.
    pub fn step_up_digest(&self) -> Option<Digest128> {
        self.step_up_digest
    }

    /// True when a step-up with the CPS card was asked for and proven
    /// ([`Assessment::mark_step_up_passed`]).
    pub fn passed_with_card(&self) -> bool {
        self.step_up_passed == Some(StepUpMethod::CpsCard)
    }

    /// The time of the login this assessment is of (the Unix epoch until an evaluation
    /// fills it).
    pub fn login_time(&self) -> OffsetDateTime {
        self.login_time
    }

    /// The [`RiskContext::digest`] of the login this assessment is of; `None` until an
    /// evaluation fills it. Not serialized: an unkeyed hash of a login event lets whoever
    /// holds the event recognize it.
    pub fn login_digest(&self) -> Option<Digest128> {
        self.login_digest
    }

    /// `Ok` when this assessment is of the login `ctx` (same login event, to the digest), the
    /// check [`Profile::learn`](crate::Profile::learn), [`IncidentReport::new`](crate::IncidentReport::new)
    /// and [`AuditRecord::new`](crate::AuditRecord::new) make: two professionals logging in
    /// at the same second are two logins.
    pub fn check_login(&self, ctx: &RiskContext) -> Result<(), LoginMismatch> {
        Verdict::from(self).check_login(ctx)
    }

    /// True for a login the profile may learn from: allowed, or stepped up and passed — and,
    /// while a policy or rule runs report-only, no more than that by the report-only outcome.
    /// A report-only *allow* or the same step-up is learned; a report-only *review* or *deny*,
    /// or a step-up with the card when the professional passed a fresh authentication, is
    /// not: the step-up passed does not answer what the report-only policy asks, so a rollout
    /// in report-only mode cannot teach the profile an attacker's device.
    pub fn is_good_login(&self) -> bool {
        let passed = self.decision == Decision::Allow || self.step_up_passed.is_some();
        let covered = self.report_only.is_none_or(|o| o.decision <= self.decision);
        passed && covered
    }

    fn signal_ref_name(&self, r: SignalRef) -> Option<SignalName<'p>> {
        match r {
            SignalRef::Builtin(c) => Some(SignalName::Builtin(c)),
            SignalRef::Custom(i) => self.policy.custom_name(i).map(SignalName::Custom),
        }
    }
}

impl From<&Assessment<'_>> for Verdict {
    fn from(a: &Assessment<'_>) -> Verdict {
        Verdict {
            login_time: a.login_time,
            login_digest: a.login_digest,
            good: a.is_good_login(),
            card_step_up: a.passed_with_card(),
            step_up_digest: a.step_up_digest,
        }
    }
}

// Call sites holding the assessment mutably (a reused one) learn from it unchanged.
impl From<&mut Assessment<'_>> for Verdict {
    fn from(a: &mut Assessment<'_>) -> Verdict {
        Verdict::from(&*a)
    }
}

/// How long after a login the step-up it asked for may happen.
pub const STEP_UP_WINDOW: time::Duration = time::Duration::minutes(15);

/// The shortest step-up challenge accepted ([`Assessment::bind_step_up_challenge`]): 16 bytes,
/// 128 bits if drawn at random.
pub const MIN_CHALLENGE_LEN: usize = 16;

fn challenge_digest(challenge: &[u8]) -> Digest128 {
    Digest128::of("ecps-risk step-up challenge v1", &[challenge])
}

/// Why a step-up does not count as passed ([`Assessment::mark_step_up_passed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StepUpError {
    /// The assessment did not ask for a step-up.
    #[error("the assessment asked for no step-up (decision `{decision}`)")]
    NotAsked {
        /// The assessment's decision.
        decision: Decision,
    },
    /// The login given is not the one the assessment is of.
    #[error(transparent)]
    OtherLogin(#[from] LoginMismatch),
    /// The step-up login is another professional's. It is named by its time and
    /// [`RiskContext::digest`], never by its subject (as in [`LoginMismatch`]).
    #[error(
        "the step-up login at `{}` (digest `{digest}`) is another professional's",
        rfc3339(at)
    )]
    OtherProfessional {
        /// The step-up login's time.
        at: OffsetDateTime,
        /// The step-up login's [`RiskContext::digest`].
        digest: Digest128,
    },
    /// The step-up login is not within [`STEP_UP_WINDOW`] after the login.
    #[error(
        "the step-up login is `{elapsed_seconds}` s after the login, outside 0 to {} s",
        STEP_UP_WINDOW.whole_seconds()
    )]
    Window {
        /// Seconds from the login to the step-up login (negative: before it).
        elapsed_seconds: i64,
    },
    /// The step-up login's authentication is older than the login (more than the clock skew
    /// tolerated, 5 minutes: a reused SSO session), no later than the login's own
    /// authentication (the same session), or has no `auth_time`.
    #[error("the step-up login is no fresh authentication (`auth_time` {})", match auth_time {
        Some(t) => format!("`{}`", rfc3339(t)),
        None => "missing".to_owned(),
    })]
    NotFresh {
        /// The step-up login's `auth_time`.
        auth_time: Option<OffsetDateTime>,
    },
    /// A step-up with the CPS card answered by a login without the card.
    #[error("a step-up with the CPS card needs a `CARD` login, got `{}`", mode.unwrap_or("no authMode"))]
    NotCard {
        /// The step-up login's means (`ecps`, `other`), if it said.
        mode: Option<&'static str>,
    },
    /// The login sent a device cookie and the step-up login another one, or none: the step-up
    /// was made in another browser, so it proves nothing of the login (a card login of the
    /// professional elsewhere would otherwise confirm the fraudster's device). Named by its
    /// time and [`RiskContext::digest`], never by its subject or device.
    #[error(
        "the step-up login at `{}` (digest `{digest}`) was not made on the login's device",
        rfc3339(at)
    )]
    OtherDevice {
        /// The step-up login's time.
        at: OffsetDateTime,
        /// The step-up login's [`RiskContext::digest`].
        digest: Digest128,
    },
    /// The login sent no device cookie, so its step-up cannot be bound to it by device: bind
    /// it with a challenge ([`Assessment::bind_step_up_challenge`] and
    /// [`Assessment::mark_step_up_passed_with_challenge`]).
    #[error(
        "the login sent no device cookie: its step-up cannot be bound by device, bind it with a challenge (`bind_step_up_challenge`)"
    )]
    Unbound,
    /// [`Assessment::mark_step_up_passed_with_challenge`] on an assessment no challenge was
    /// bound to (or whose challenge was spent).
    #[error("no step-up challenge is bound to the login (`bind_step_up_challenge`)")]
    NoChallenge,
    /// The challenge that came back with the step-up is not the one bound to the login: the
    /// step-up answered another login's request. The challenges are never shown.
    #[error("the step-up answered another challenge than the one bound to the login")]
    ChallengeMismatch,
    /// A challenge shorter than [`MIN_CHALLENGE_LEN`] bytes (guessable).
    #[error("a step-up challenge needs at least {MIN_CHALLENGE_LEN} bytes, got `{len}`")]
    WeakChallenge {
        /// Its length in bytes.
        len: usize,
    },
}

/// A detector's name: a built-in code or a custom detector's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalName<'p> {
    /// A built-in detector.
    Builtin(SignalCode),
    /// A custom detector (shown as `custom.<name>`).
    Custom(&'p str),
}

impl fmt::Display for SignalName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignalName::Builtin(c) => f.write_str(c.as_str()),
            SignalName::Custom(n) => write!(f, "custom.{n}"),
        }
    }
}

impl Serialize for SignalName<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'a> Reason<'a> {
    fn compiled(&self) -> Option<&'a crate::policy::Rule> {
        self.assessment.policy.rules().get(self.index)
    }

    /// The rule's id (stable: the reason's code).
    pub fn rule_id(&self) -> &'a str {
        self.compiled().map_or("", |r| r.id.as_str())
    }

    /// The rule's description.
    pub fn description(&self) -> &'a str {
        self.compiled().map_or("", |r| r.description.as_str())
    }

    /// The rule's effect.
    pub fn effect(&self) -> Option<EffectSpec> {
        self.compiled().map(|r| r.effect)
    }

    /// Points the rule adds (0 for floors and forced decisions).
    pub fn points(&self) -> i32 {
        match self.effect() {
            Some(EffectSpec::Points(p)) => p,
            _ => 0,
        }
    }

    /// True when the rule is report-only, or the whole policy is.
    pub fn is_report_only(&self) -> bool {
        self.assessment.policy.is_report_only() || self.compiled().is_some_and(|r| r.report_only)
    }

    /// The detectors the rule's condition refers to, with their results (the evidence).
    pub fn signals(&self) -> impl Iterator<Item = (SignalName<'a>, &'a Signal)> + 'a {
        let a = self.assessment;
        self.compiled()
            .into_iter()
            .flat_map(|r| r.signals.iter())
            .filter_map(move |r| Some((a.signal_ref_name(*r)?, a.slots.get(*r)?)))
    }
}

impl Serialize for Reason<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Hits<'r>(&'r Reason<'r>);
        impl Serialize for Hits<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(None)?;
                for (name, signal) in self.0.signals() {
                    seq.serialize_element(&NamedSignal { code: name, signal })?;
                }
                seq.end()
            }
        }
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("rule", self.rule_id())?;
        m.serialize_entry("description", self.description())?;
        m.serialize_entry("effect", &self.effect())?;
        m.serialize_entry("report_only", &self.is_report_only())?;
        m.serialize_entry("signals", &Hits(self))?;
        m.end()
    }
}

#[derive(Serialize)]
struct NamedSignal<'a> {
    code: SignalName<'a>,
    #[serde(flatten)]
    signal: &'a Signal,
}

impl Serialize for Assessment<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Seq<I>(std::cell::Cell<Option<I>>);
        impl<I: Iterator<Item = T>, T: Serialize> Serialize for Seq<I> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(None)?;
                for item in self.0.take().into_iter().flatten() {
                    seq.serialize_element(&item)?;
                }
                seq.end()
            }
        }
        fn seq<I>(iter: I) -> Seq<I> {
            Seq(std::cell::Cell::new(Some(iter)))
        }
        #[derive(Serialize)]
        struct PolicyRef<'a> {
            id: &'a str,
            version: &'a str,
            fingerprint: Fingerprint,
        }
        #[derive(Serialize)]
        struct NotEvaluated<'a> {
            code: SignalName<'a>,
            #[serde(flatten)]
            missing: Missing,
        }

        let mut m = s.serialize_map(None)?;
        m.serialize_entry(
            "policy",
            &PolicyRef {
                id: self.policy.id(),
                version: self.policy.version(),
                fingerprint: self.fingerprint(),
            },
        )?;
        m.serialize_entry("decision", &self.decision)?;
        m.serialize_entry("level", &self.level)?;
        m.serialize_entry("score", &self.score)?;
        m.serialize_entry("report_only", &self.report_only)?;
        m.serialize_entry("reasons", &seq(self.reasons()))?;
        if self.reasons_truncated() > 0 {
            m.serialize_entry("reasons_truncated", &self.reasons_truncated())?;
        }
        m.serialize_entry(
            "signals",
            &seq(self
                .signals()
                .map(|(code, signal)| NamedSignal { code, signal })),
        )?;
        m.serialize_entry(
            "not_evaluated",
            &seq(self
                .not_evaluated()
                .map(|(code, missing)| NotEvaluated { code, missing })),
        )?;
        if let Some(f) = &self.failure {
            m.serialize_entry("failure", &f.to_string())?;
        }
        m.end()
    }
}

impl fmt::Display for Assessment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} (score {}, {} risk) — policy `{}` {} [{}]",
            self.decision,
            self.score,
            self.level,
            self.policy.id(),
            self.policy.version(),
            self.fingerprint().to_string().get(..12).unwrap_or_default()
        )?;
        if let Some(failure) = &self.failure {
            writeln!(f, "  failed closed: {failure}")?;
        }
        if let Some(ro) = self.report_only {
            writeln!(
                f,
                "  report-only: would be {} (score {})",
                ro.decision, ro.score
            )?;
        }
        for r in self.reasons() {
            let effect = match r.effect() {
                Some(EffectSpec::Points(p)) => format!("{p:+}"),
                Some(EffectSpec::AtLeast(d)) => format!("at least {d}"),
                Some(EffectSpec::Force(d)) => format!("force {d}"),
                None => String::new(),
            };
            write!(
                f,
                "  {}{} {effect}:",
                r.rule_id(),
                if r.is_report_only() {
                    " (report-only)"
                } else {
                    ""
                }
            )?;
            for (name, signal) in r.signals() {
                if let Signal::Hit { evidence } = signal {
                    write!(f, " {name} [{evidence}]")?;
                }
            }
            writeln!(f)?;
        }
        if self.reasons_truncated() > 0 {
            writeln!(f, "  … and {} more rules", self.reasons_truncated())?;
        }
        let mut missing = self.not_evaluated().peekable();
        if missing.peek().is_some() {
            write!(f, "  not evaluated:")?;
            for (name, m) in missing {
                write!(f, " {name} ({m})")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
