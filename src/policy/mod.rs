//! [`Policy`]: a validated, immutable policy, compiled once from a [`PolicySpec`] and shared by
//! every request thread; and its evaluation, which returns an [`Assessment`] — never an error.
//!
//! Evaluation order: run the detectors the rules use (built-in, then custom), evaluate every
//! rule, then combine: points add up (saturating) into the score, the thresholds map the score to
//! a decision, a `force` replaces that decision (the most severe force wins), and `at_least`
//! floors and the fail-closed floor raise it. Report-only rules and report-only policies are
//! evaluated the same way but reported apart, not enforced.

pub(crate) mod assessment;
mod compile;
mod condition;
pub(crate) mod decision;
mod error;
mod inputs;
mod spec;

pub use assessment::{
    Assessment, Failure, MAX_REASONS, MIN_CHALLENGE_LEN, Outcome, Reason, STEP_UP_WINDOW,
    SignalName, StepUpError,
};
pub use decision::{Decision, Level, StepUpMethod};

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

pub use compile::{
    DetectorRegistry, MAX_ALSO_ALLOWED, MAX_CONDITION_DEPTH, MAX_CONDITION_NODES,
    MAX_CUSTOM_DETECTORS, MAX_DESCRIPTION_LEN, MAX_DETECTOR_LISTS, MAX_EXAMPLES, MAX_RULES,
    MAX_VERSION_LEN,
};
pub use condition::Fact;
pub use error::PolicyError;
pub use inputs::{MissingInput, MissingInputs, PolicyWarning, WarningCode};
pub use spec::{
    CompareSpec, ConditionSpec, EffectSpec, ExampleSpec, Mode, PolicySpec, RuleSpec,
    StepUpMethodSpec, ThresholdsSpec, ValueSpec, WatchlistDecl, default_watchlists,
};

use crate::detect::signal::{Missing, Signal, SignalCode};
use crate::detect::slots::{SignalRef, SignalSlots};
use crate::detect::{Detector, DetectorInput, detect_all};
use crate::env::environment::Environment;
use crate::env::watchlist::{ListName, WatchlistKind, Watchlists};
use crate::history::population::PopulationStats;
use crate::history::profile::Profile;
use crate::input::context::RiskContext;
use crate::model::digest::Fingerprint;
use condition::{Facts, MaskRule, Observed, States, Truth};

pub(crate) use condition::Condition;
pub(crate) use spec::raises_risk;

/// A compiled policy (see the module docs). `Send + Sync`; share it behind an `Arc`.
///
/// ```
/// use ecps_risk::{ActivationChannel, Decision, Environment, Policy, Profile, RiskContext, StepUpMethod};
/// use time::{Duration, macros::datetime};
///
/// let policy = Policy::recommended();
/// let now = datetime!(2025-10-08 09:30 UTC);
/// // The kill chain of the ANS alert: an e-CPS activated remotely an hour ago.
/// let ctx = RiskContext::builder(now, "810001234565".parse()?)
///     .activation(now - Duration::hours(1), ActivationChannel::EmailSms)
///     .device_id("fraudster-phone")
///     .build()?;
/// let assessment = policy.evaluate(&ctx, &Profile::new(), &Environment::empty());
/// assert!(assessment.decision() >= Decision::StepUp(StepUpMethod::CpsCard));
/// assert!(assessment.reasons().any(|r| r.rule_id() == "fresh-remote-activation"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Policy {
    spec: PolicySpec,
    thresholds: Thresholds,
    report_only: bool,
    builtins: Vec<SignalCode>,
    /// `builtins` as a set of bits (`SignalRef::bit`), for the evaluation's pass over them.
    builtin_bits: u64,
    customs: Vec<CustomDetector>,
    rules: Vec<Rule>,
    fingerprint: Fingerprint,
    examples: Vec<Example>,
    /// The watchlists the policy requires, with their kind: checked on every evaluation.
    required: Box<[(ListName, WatchlistKind)]>,
    /// What `compile` found suspicious (`Policy::warnings`).
    warnings: Vec<PolicyWarning>,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("id", &self.spec.id)
            .field("version", &self.spec.version)
            .field("rules", &self.rules.len())
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

#[derive(Clone, Copy, Debug)]
struct Thresholds {
    step_up: i32,
    review: i32,
    deny: i32,
    method: StepUpMethod,
}

pub(crate) struct CustomDetector {
    pub(crate) name: String,
    detector: Arc<dyn Detector>,
}

/// A compiled rule.
pub(crate) struct Rule {
    pub(crate) id: String,
    pub(crate) description: String,
    condition: Condition,
    /// The condition as masks, when it has that shape (the fast path).
    masks: Option<MaskRule>,
    /// Detectors that must all hit for the condition to be true
    /// ([`Condition::required_hits`]): a tree condition is walked only when they did.
    required_hits: u64,
    pub(crate) effect: EffectSpec,
    pub(crate) report_only: bool,
    /// Detectors the condition refers to, for the reasons' evidence.
    pub(crate) signals: Vec<SignalRef>,
}

struct Example {
    name: String,
    context: RiskContext,
    profile: Profile,
    watchlists: Option<Watchlists>,
    population: Option<PopulationStats>,
    expect: Decision,
    fires: Vec<String>,
}

/// An example of the policy that did not reach its expected decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleMismatch {
    /// The example's name.
    pub name: String,
    /// What it expected.
    pub expected: Decision,
    /// What the policy decided.
    pub got: Decision,
    /// The rules that fired.
    pub fired: Vec<String>,
    /// Rules the example expected to fire that did not.
    pub missing: Vec<String>,
}

impl std::fmt::Display for ExampleMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "example `{}`: expected `{}`, got `{}` (rules fired: {})",
            self.name,
            self.expected.as_str(),
            self.got.as_str(),
            if self.fired.is_empty() {
                "none".to_owned()
            } else {
                self.fired.join(", ")
            }
        )?;
        if !self.missing.is_empty() {
            write!(f, "; expected to fire: {}", self.missing.join(", "))?;
        }
        Ok(())
    }
}

/// The recommended policy, as JSON: the canonical copy is `policies/recommended.toml`, and a
/// test checks both compile to the same fingerprint.
const RECOMMENDED: &str = include_str!("recommended.json");

impl Policy {
    /// Compile a spec that uses only built-in detectors.
    pub fn compile(spec: PolicySpec) -> Result<Policy, PolicyError> {
        compile::compile(spec, &DetectorRegistry::new())
    }

    /// Compile a spec whose rules may use the custom detectors of `registry`.
    pub fn compile_with(
        spec: PolicySpec,
        registry: &DetectorRegistry,
    ) -> Result<Policy, PolicyError> {
        compile::compile(spec, registry)
    }

    /// The policy recommended after the ANS alert of October 2025 (see
    /// `policies/recommended.toml` for every rule and why).
    pub fn recommended() -> Policy {
        let compiled = serde_json::from_str::<PolicySpec>(RECOMMENDED)
            .map_err(|e| e.to_string())
            .and_then(|spec| Policy::compile(spec).map_err(|e| e.to_string()));
        // A test compiles the embedded policy, so the fallback never ships; should it ever be
        // reached, it fails closed rather than panicking.
        compiled.unwrap_or_else(|_| Policy::deny_everything())
    }

    /// A policy whose one rule denies every login: the fallback of [`Policy::recommended`].
    fn deny_everything() -> Policy {
        let spec = PolicySpec {
            id: "deny-everything".into(),
            version: "1".into(),
            description: "fallback: the recommended policy could not be built".into(),
            mode: Mode::Enforce,
            thresholds: ThresholdsSpec {
                step_up: 1,
                review: 2,
                deny: 3,
                step_up_method: StepUpMethodSpec::CpsCard,
            },
            fail_closed: Decision::Deny,
            detectors: crate::detect::DetectorParams::defaults(),
            watchlists: default_watchlists(),
            rules: Vec::new(),
            examples: Vec::new(),
        };
        let fingerprint = Fingerprint::new(crate::model::digest::sha256("deny-everything", &[]));
        Policy {
            spec,
            thresholds: Thresholds {
                step_up: 1,
                review: 2,
                deny: 3,
                method: StepUpMethod::CpsCard,
            },
            report_only: false,
            builtins: Vec::new(),
            builtin_bits: 0,
            customs: Vec::new(),
            rules: vec![Rule {
                id: "deny-everything".into(),
                description: "fallback policy".into(),
                condition: Condition::All(Vec::new()),
                masks: None,
                required_hits: 0,
                effect: EffectSpec::Force(Decision::Deny),
                report_only: false,
                signals: Vec::new(),
            }],
            fingerprint,
            examples: Vec::new(),
            required: Box::default(),
            warnings: Vec::new(),
        }
    }

    /// The policy's id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The policy's version label.
    pub fn version(&self) -> &str {
        &self.spec.version
    }

    /// SHA-256 of the policy's canonical form: identical for the same policy written in TOML
    /// or JSON, with keys or rules in any order.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The normalized spec (rules sorted by id).
    pub fn spec(&self) -> &PolicySpec {
        &self.spec
    }

    /// True when the policy is in report-only mode.
    pub fn is_report_only(&self) -> bool {
        self.report_only
    }

    /// The built-in detectors the rules use.
    pub fn detectors(&self) -> &[SignalCode] {
        &self.builtins
    }

    pub(crate) fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub(crate) fn custom_name(&self, i: usize) -> Option<&str> {
        self.customs.get(i).map(|c| c.name.as_str())
    }

    pub(crate) fn custom_count(&self) -> usize {
        self.customs.len()
    }

    /// The decision a score reaches by the thresholds alone.
    pub fn decision_for_score(&self, score: i32) -> Decision {
        let t = &self.thresholds;
        if score >= t.deny {
            Decision::Deny
        } else if score >= t.review {
            Decision::Review
        } else if score >= t.step_up {
            Decision::StepUp(t.method)
        } else {
            Decision::Allow
        }
    }

    /// The band of a score.
    pub(crate) fn level_for_score(&self, score: i32) -> Level {
        let t = &self.thresholds;
        if score >= t.deny {
            Level::Critical
        } else if score >= t.review {
            Level::High
        } else if score >= t.step_up {
            Level::Medium
        } else {
            Level::Low
        }
    }

    /// The floor applied when evaluation meets an error.
    pub fn fail_closed(&self) -> Decision {
        self.spec.fail_closed
    }

    /// Score one login. Never fails: a custom detector that errors, panics or returns
    /// nonsense, or a profile that belongs to someone else, makes the decision at least the
    /// policy's `fail_closed` floor, and the assessment says why. Allocation-free unless a
    /// custom detector allocates or fails.
    // Always inlined, and small: the assessment (≈ 1.6 KB) is created in the caller's frame
    // and filled there by `fill`; returning it from a function of its own copied all of it
    // once more per evaluation.
    #[inline(always)]
    pub fn evaluate<'p>(
        &'p self,
        ctx: &RiskContext,
        profile: &Profile,
        env: &Environment<'_>,
    ) -> Assessment<'p> {
        let mut a = Assessment::empty(self, ctx);
        self.fill(&mut a, ctx, profile, env);
        a
    }

    /// An assessment to pass to [`Policy::evaluate_into`] again and again. Until an
    /// evaluation fills it, it reads as a failure: decision `deny`, level critical,
    /// [`Failure::NotEvaluated`].
    pub fn create_assessment(&self) -> Assessment<'_> {
        Assessment::unfilled(self)
    }

    /// [`Policy::evaluate`] into an assessment the caller keeps (from
    /// [`Policy::create_assessment`] or an earlier evaluation), which it overwrites entirely:
    /// the hot-path form for a caller that scores logins in a loop or keeps one assessment per
    /// worker. Returning a fresh assessment clears and then copies about 1.6 KB; reusing one
    /// does neither.
    ///
    /// ```
    /// use ecps_risk::{Decision, Environment, Policy, Profile, RiskContext};
    /// use time::macros::datetime;
    ///
    /// let policy = Policy::recommended();
    /// let mut assessment = policy.create_assessment();
    /// assert_eq!(assessment.decision(), Decision::Deny); // nothing evaluated yet
    ///
    /// let now = datetime!(2025-10-08 09:30 UTC);
    /// let ctx = RiskContext::builder(now, "810001234565".parse()?).acr("eidas1").build()?;
    /// policy.evaluate_into(&ctx, &Profile::new(), &Environment::empty(), &mut assessment);
    /// assert_eq!(assessment.login_time(), now);
    /// assert!(assessment.failure().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate_into<'p>(
        &'p self,
        ctx: &RiskContext,
        profile: &Profile,
        env: &Environment<'_>,
        assessment: &mut Assessment<'p>,
    ) {
        assessment.reset(self, ctx);
        self.fill(assessment, ctx, profile, env);
    }

    /// The body of [`Policy::evaluate`] and [`Policy::evaluate_into`]: run the detectors and
    /// rules into `a`, fresh from `Assessment::empty` or `Assessment::reset`.
    fn fill<'p>(
        &'p self,
        a: &mut Assessment<'p>,
        ctx: &RiskContext,
        profile: &Profile,
        env: &Environment<'_>,
    ) {
        if profile.subject().is_some_and(|s| s != ctx.subject()) {
            a.failure = Some(Failure::ProfileMismatch);
        }
        if let Some((list, kind)) = self.missing_required(env) {
            a.failure
                .get_or_insert(Failure::MissingWatchlist { list, kind });
        }
        let input = DetectorInput {
            context: ctx,
            profile,
            environment: env,
        };
        detect_all(
            self.builtin_bits,
            &self.spec.detectors,
            &input,
            &mut a.slots,
        );
        for (i, custom) in self.customs.iter().enumerate() {
            let signal = match run_custom(custom, &input) {
                Ok(signal) => signal,
                Err(f) => {
                    a.failure.get_or_insert(f);
                    Signal::missing(Missing::Failed)
                }
            };
            a.slots.set(SignalRef::Custom(i), signal);
        }

        let facts = EvalFacts {
            slots: &a.slots,
            ctx,
            profile,
        };
        let mut enforced = Accumulator::new();
        let mut full = Accumulator::new();
        let mut report_only_fired = false;
        let states = States::from(a.slots.masks);
        for (index, rule) in self.rules.iter().enumerate() {
            let fires = match &rule.masks {
                Some(m) => m.holds(&states),
                None => {
                    a.slots.masks.hit & rule.required_hits == rule.required_hits
                        && rule.condition.eval(&facts) == Truth::True
                }
            };
            if !fires {
                continue;
            }
            a.fired.push(index);
            full.apply(rule.effect);
            if rule.report_only || self.report_only {
                report_only_fired |= rule.report_only;
            } else {
                enforced.apply(rule.effect);
            }
        }

        let floor = if a.failure.is_some() {
            self.spec.fail_closed
        } else {
            Decision::Allow
        };
        let decide = |acc: &Accumulator| {
            acc.force
                .unwrap_or_else(|| self.decision_for_score(acc.score))
                .max(acc.floor)
                .max(floor)
        };
        a.decision = decide(&enforced);
        a.score = enforced.score;
        a.report_only = (self.report_only || report_only_fired).then(|| Outcome {
            score: full.score,
            decision: decide(&full),
        });
        a.level = self.level_for_score(enforced.score).max(a.decision.level());
    }

    /// Run the examples the spec carries; `Ok` with how many passed, or every mismatch.
    pub fn check_examples(&self) -> Result<usize, Vec<ExampleMismatch>> {
        let mut mismatches = Vec::new();
        for ex in &self.examples {
            let mut env = Environment::new();
            if let Some(w) = &ex.watchlists {
                env = env.with_watchlists(w);
            }
            if let Some(p) = &ex.population {
                env = env.with_population(p);
            }
            let a = self.evaluate(&ex.context, &ex.profile, &env);
            let fired: Vec<String> = a.reasons().map(|r| r.rule_id().to_owned()).collect();
            let missing: Vec<String> = ex
                .fires
                .iter()
                .filter(|id| !fired.contains(id))
                .cloned()
                .collect();
            if a.decision() != ex.expect || !missing.is_empty() {
                mismatches.push(ExampleMismatch {
                    name: ex.name.clone(),
                    expected: ex.expect,
                    got: a.decision(),
                    fired,
                    missing,
                });
            }
        }
        if mismatches.is_empty() {
            Ok(self.examples.len())
        } else {
            Err(mismatches)
        }
    }
}

/// Run a custom detector, turning errors, panics and nonsense into failures; its evidence is
/// kept as an assessment may hold it (networks no longer than a /24 or /48).
fn run_custom<'p>(c: &'p CustomDetector, input: &DetectorInput<'_>) -> Result<Signal, Failure<'p>> {
    let name = c.name.as_str();
    match catch_unwind(AssertUnwindSafe(|| c.detector.detect(input))) {
        Err(payload) => {
            drop_panic_payload(payload);
            Err(Failure::DetectorPanicked { detector: name })
        }
        Ok(Err(error)) => Err(Failure::Detector {
            detector: name,
            error,
        }),
        Ok(Ok(Signal::Hit { evidence })) => match evidence.check() {
            Ok(()) => Ok(Signal::hit(evidence.coarsened())),
            Err(error) => Err(Failure::Nonsense {
                detector: name,
                error,
            }),
        },
        Ok(Ok(signal)) => Ok(signal),
    }
}

/// Drop what a custom detector panicked with. The payload is the detector's value, so its
/// `Drop` is the detector's code and may panic too: dropping it outside a guard would let that
/// panic escape `evaluate`, with no assessment and no fail-closed decision. It is dropped in a
/// guard of its own, so ordinary payloads (a `&str`, a `String`) are freed; the payload of a
/// panic *in that drop* is leaked (`mem::forget`) rather than dropped, since dropping it could
/// panic again, without end. Only a detector whose payloads panic when dropped leaks, one
/// payload per panic.
fn drop_panic_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

struct Accumulator {
    score: i32,
    floor: Decision,
    force: Option<Decision>,
}

impl Accumulator {
    fn new() -> Self {
        Accumulator {
            score: 0,
            floor: Decision::Allow,
            force: None,
        }
    }

    fn apply(&mut self, effect: EffectSpec) {
        match effect {
            EffectSpec::Points(p) => self.score = self.score.saturating_add(p),
            EffectSpec::AtLeast(d) => self.floor = self.floor.max(d),
            EffectSpec::Force(d) => self.force = Some(self.force.map_or(d, |f| f.max(d))),
        }
    }
}

struct EvalFacts<'a> {
    slots: &'a SignalSlots,
    ctx: &'a RiskContext,
    profile: &'a Profile,
}

impl Facts for EvalFacts<'_> {
    fn masks(&self) -> crate::detect::slots::Masks {
        self.slots.masks
    }

    fn fact(&self, fact: Fact) -> Option<Observed<'_>> {
        fact.observe(self.ctx, self.profile)
    }
}
