//! What a policy needs from the caller's environment, and what a missing input does to it.
//!
//! A detector whose input is missing is *not evaluated*, and a test of it is *unknown*: never
//! read as risky nor as safe. That is right for one login without a device cookie, but a
//! provider that forgets to load a watchlist switches every rule reading it off, on every
//! login, without a word — worst for a rule written on the *absence* of a signal
//! (`not { hit = "network.trusted" }` → deny), which then never fires. Three defences:
//!
//! * [`Policy::check_environment`]: at load time, the watchlists the policy's detectors
//!   consult or that it requires, and the population statistics `stats.anomaly` reads, that
//!   an [`Environment`] lacks — an error naming each;
//! * required lists (`trusted_networks = { kind = "ip", required = true }`): a missing one
//!   fails every evaluation closed ([`Failure::MissingWatchlist`]);
//! * [`Policy::warnings`]: found at compile time, the protective rules a missing input can
//!   silence (see [`WarningCode`]).

use std::fmt;

use super::condition::{Comparison, Condition, Fact, Op};
use super::spec::PolicySpec;
use super::{CustomDetector, Policy, Rule};
use crate::detect::signal::SignalCode;
use crate::detect::slots::SignalRef;
use crate::env::environment::Environment;
use crate::env::watchlist::{ListName, Watchlist, WatchlistKind};

/// An input a policy needs that an [`Environment`] lacks (see
/// [`Policy::check_environment`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MissingInput {
    /// A watchlist the policy consults or requires is not supplied.
    Watchlist {
        /// The list's name.
        name: String,
        /// The kind the policy declares.
        kind: WatchlistKind,
        /// Whether the policy requires it (evaluations fail closed without it).
        required: bool,
    },
    /// A list of that name is supplied, of another kind: detectors never read it.
    WatchlistKind {
        /// The list's name.
        name: String,
        /// The kind the policy declares.
        declared: WatchlistKind,
        /// The kind supplied.
        supplied: WatchlistKind,
    },
    /// `stats.anomaly` is used and no population statistics are supplied.
    Population,
}

impl fmt::Display for MissingInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MissingInput::Watchlist {
                name,
                kind,
                required,
            } => {
                let required = if *required { "required " } else { "" };
                write!(f, "{required}watchlist `{name}` (`{kind}`)")
            }
            MissingInput::WatchlistKind {
                name,
                declared,
                supplied,
            } => write!(
                f,
                "watchlist `{name}` as `{declared}` (a `{supplied}` list is supplied)"
            ),
            MissingInput::Population => f.write_str("population statistics (for `stats.anomaly`)"),
        }
    }
}

/// The inputs a policy needs that an environment lacks, from
/// [`Policy::check_environment`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("policy `{policy}`: the environment lacks {}", list(missing))]
pub struct MissingInputs {
    policy: String,
    missing: Vec<MissingInput>,
}

fn list(missing: &[MissingInput]) -> String {
    missing
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl MissingInputs {
    /// The policy's id.
    pub fn policy(&self) -> &str {
        &self.policy
    }

    /// What is missing, lists by name then the population statistics.
    pub fn missing(&self) -> &[MissingInput] {
        &self.missing
    }
}

/// Why [`Policy::warnings`] warns about a rule. The codes are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum WarningCode {
    /// `missing_input.detector`: a protective rule fires when a detector ran and found
    /// nothing (`not { hit = "…" }`), but never when the detector is not evaluated — so a
    /// missing input (a watchlist not supplied, no address, no device cookie) switches it
    /// off.
    SilencedByMissingDetector,
    /// `missing_input.fact`: a protective rule fires when a fact has a value the rule does
    /// not name (`not { compare = … }`, `ne`), but never when the fact is missing (no
    /// GeoIP country, no activation data).
    SilencedByMissingFact,
}

impl WarningCode {
    /// The stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::SilencedByMissingDetector => "missing_input.detector",
            WarningCode::SilencedByMissingFact => "missing_input.fact",
        }
    }
}

impl fmt::Display for WarningCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a policy says that it probably does not mean, found by
/// [`Policy::compile`](crate::Policy::compile): the policy compiles, and the warning says
/// what to check. See [`Policy::warnings`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyWarning {
    code: WarningCode,
    rule: String,
    input: String,
    watchlists: bool,
}

impl PolicyWarning {
    /// Why.
    pub fn code(&self) -> WarningCode {
        self.code
    }

    /// The rule's id.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The detector code (`network.trusted`, `custom.on_leave`) or fact name
    /// (`request.country`) whose absence silences the rule.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for PolicyWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (rule, input) = (&self.rule, &self.input);
        match self.code {
            WarningCode::SilencedByMissingDetector => {
                write!(
                    f,
                    "{}: rule `{rule}` fires when `{input}` finds nothing, never when `{input}` \
                     is not evaluated: a missing input switches it off; test \
                     `not_evaluated = \"{input}\"` too",
                    self.code
                )?;
                if self.watchlists {
                    f.write_str(", or make its watchlists `required`")?;
                }
                Ok(())
            }
            WarningCode::SilencedByMissingFact => write!(
                f,
                "{}: rule `{rule}` fires when `{input}` has another value, never when \
                 `{input}` is missing: a missing input switches it off",
                self.code
            ),
        }
    }
}

impl Policy {
    /// Checks, once, when the policy and the provider's data are loaded, that `env` supplies
    /// everything the policy reads from it: each watchlist its detectors consult or that it
    /// requires, with the kind it declares, and population statistics if `stats.anomaly` is
    /// used. Evaluation works without them — their detectors are *not evaluated*, and a
    /// missing *required* list fails closed — so this is where a forgotten list shows.
    ///
    /// ```
    /// use ecps_risk::{Environment, policy::MissingInput, Policy, Watchlists};
    ///
    /// let policy = Policy::recommended();
    /// let lists: Watchlists = serde_json::from_str(
    ///     r#"{"lists": [{"name": "trusted_networks", "kind": "ip", "entries": ["10.0.0.0/8"]}]}"#,
    /// )?;
    /// let missing = policy.check_environment(&Environment::new().with_watchlists(&lists))
    ///     .unwrap_err();
    /// assert!(missing.missing().contains(&MissingInput::Population));
    /// assert!(missing.to_string().contains("watchlist `denied_networks` (`ip`)"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`MissingInputs`], naming every missing input.
    pub fn check_environment(&self, env: &Environment<'_>) -> Result<(), MissingInputs> {
        let consulted = |name: &ListName| {
            self.builtins
                .iter()
                .any(|code| self.spec.detectors.lists(*code).contains(name))
        };
        let mut missing = Vec::new();
        for (name, decl) in &self.spec.watchlists {
            if !(decl.required || consulted(name)) {
                continue;
            }
            match env.watchlists().and_then(|w| w.get_named(name)) {
                None => missing.push(MissingInput::Watchlist {
                    name: name.to_string(),
                    kind: decl.kind,
                    required: decl.required,
                }),
                Some(list) if list.kind() != decl.kind => {
                    missing.push(MissingInput::WatchlistKind {
                        name: name.to_string(),
                        declared: decl.kind,
                        supplied: list.kind(),
                    })
                }
                Some(_) => {}
            }
        }
        if self.builtins.contains(&SignalCode::StatsAnomaly) && env.population().is_none() {
            missing.push(MissingInput::Population);
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(MissingInputs {
                policy: self.spec.id.clone(),
                missing,
            })
        }
    }

    /// What [`Policy::compile`](crate::Policy::compile) found suspicious in the policy,
    /// rule by rule (rules sorted by id): protective rules that a missing input switches off
    /// (see [`WarningCode`]). Review each; a policy for production should have none, or
    /// only warnings its authors justified.
    ///
    /// ```
    /// use ecps_risk::{Policy, PolicySpec, policy::WarningCode};
    ///
    /// let spec: PolicySpec = toml::from_str(r#"
    ///     id = "portal"
    ///     version = "1"
    ///     [thresholds]
    ///     step_up = 30
    ///     review = 60
    ///     deny = 90
    ///     [[rules]]
    ///     id = "deny-untrusted"
    ///     when = { not = { hit = "network.trusted" } }
    ///     effect = { force = "deny" }
    /// "#)?;
    /// let policy = Policy::compile(spec)?;
    /// let warning = &policy.warnings()[0];
    /// assert_eq!(warning.code(), WarningCode::SilencedByMissingDetector);
    /// assert_eq!((warning.rule(), warning.input()), ("deny-untrusted", "network.trusted"));
    /// assert!(Policy::recommended().warnings().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn warnings(&self) -> &[PolicyWarning] {
        &self.warnings
    }

    /// The first required watchlist `env` does not supply (as the declared kind): the
    /// evaluation's check, allocation-free, a lookup per required list.
    #[inline]
    pub(super) fn missing_required(&self, env: &Environment<'_>) -> Option<(&str, WatchlistKind)> {
        self.required.iter().find_map(|(name, kind)| {
            let supplied = env
                .watchlists()
                .and_then(|w| w.get_named(name))
                .map(Watchlist::kind);
            (supplied != Some(*kind)).then_some((name.as_str(), *kind))
        })
    }
}

/// The warnings of compiled rules (sorted by id), each rule's inputs in order of appearance.
pub(super) fn warnings(
    spec: &PolicySpec,
    rules: &[Rule],
    customs: &[CustomDetector],
) -> Vec<PolicyWarning> {
    // A list-based detector some of whose lists are not required: requiring them is a remedy.
    let optional_lists = |code: SignalCode| {
        spec.detectors.lists(code).iter().any(|name| {
            spec.watchlists
                .get(name.as_str())
                .is_none_or(|d| !d.required)
        })
    };
    let always_observed = AlwaysObserved::probe();
    let always_evaluated = AlwaysEvaluated::probe(spec);
    let mut out = Vec::new();
    for rule in rules {
        if !super::spec::raises_risk(Some(rule.effect)) {
            continue;
        }
        let fires = |fixed: Fixed| truths(&rule.condition, fixed) & TRUE != 0;
        for &signal in &rule.signals {
            if always_evaluated.contains(signal) {
                continue;
            }
            if fires(Fixed::Detector(signal, State::NoHit))
                && !fires(Fixed::Detector(signal, State::NotEvaluated))
            {
                let (input, watchlists) = match signal {
                    SignalRef::Builtin(code) => (code.as_str().to_owned(), optional_lists(code)),
                    SignalRef::Custom(i) => (
                        format!("custom.{}", customs.get(i).map_or("?", |c| c.name.as_str())),
                        false,
                    ),
                };
                out.push(PolicyWarning {
                    code: WarningCode::SilencedByMissingDetector,
                    rule: rule.id.clone(),
                    input,
                    watchlists,
                });
            }
        }
        let mut facts = Vec::new();
        facts_of(&rule.condition, &mut facts);
        for fact in facts {
            if always_observed.contains(fact) {
                continue;
            }
            if fires(Fixed::Fact(fact, FactState::Other))
                && !fires(Fixed::Fact(fact, FactState::Missing))
            {
                out.push(PolicyWarning {
                    code: WarningCode::SilencedByMissingFact,
                    rule: rule.id.clone(),
                    input: fact.as_str().to_owned(),
                    watchlists: false,
                });
            }
        }
    }
    out
}

/// Facts compared in a condition, each once, in order of appearance.
fn facts_of(c: &Condition, out: &mut Vec<Fact>) {
    match c {
        Condition::Compare(fact, _) | Condition::Missing(fact) => {
            if !out.contains(fact) {
                out.push(*fact);
            }
        }
        Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| facts_of(c, out)),
        Condition::Not(c) => facts_of(c, out),
        Condition::Hit(_) | Condition::NotEvaluated(_) => {}
    }
}

/// A login with nothing but its time and subject, to probe what needs no input.
fn bare_login() -> Option<crate::input::context::RiskContext> {
    let subject = "810001234565".parse().ok()?;
    crate::input::context::RiskContext::builder(
        time::macros::datetime!(2025-10-08 09:30 UTC),
        subject,
    )
    .build()
    .ok()
}

/// Built-in detectors that are evaluated on a login with nothing but its time and subject, an
/// empty profile and no watchlist or population (`history.cold_start`, `velocity.burst`,
/// `ecps.unproven_device`): no input of theirs can be missing, since giving a detector more
/// input never makes it lack one.
struct AlwaysEvaluated(u64);

impl AlwaysEvaluated {
    fn probe(spec: &PolicySpec) -> Self {
        let login = bare_login();
        let bits = login.map_or(0, |ctx| {
            let profile = crate::history::profile::Profile::new();
            let env = Environment::new();
            let input = crate::detect::DetectorInput {
                context: &ctx,
                profile: &profile,
                environment: &env,
            };
            let every = SignalCode::ALL
                .iter()
                .fold(0, |bits, code| bits | SignalRef::Builtin(*code).bit());
            let mut slots = crate::detect::slots::SignalSlots::default();
            crate::detect::detect_all(every, &spec.detectors, &input, &mut slots);
            slots.masks.ran & !slots.masks.not_evaluated
        });
        AlwaysEvaluated(bits)
    }

    fn contains(&self, signal: SignalRef) -> bool {
        matches!(signal, SignalRef::Builtin(_)) && self.0 & signal.bit() != 0
    }
}

/// Facts every login has (observed on a login with nothing but its time and subject, and an
/// empty profile): no input of theirs can be missing.
struct AlwaysObserved(Vec<Fact>);

impl AlwaysObserved {
    fn probe() -> Self {
        let login = bare_login();
        let profile = crate::history::profile::Profile::new();
        let facts = login.map_or_else(Vec::new, |ctx| {
            Fact::ALL
                .iter()
                .copied()
                .filter(|fact| fact.observe(&ctx, &profile).is_some())
                .collect()
        });
        AlwaysObserved(facts)
    }

    fn contains(&self, fact: Fact) -> bool {
        self.0.contains(&fact)
    }
}

/// The truth values a condition can take, as a set: [`FALSE`], [`UNKNOWN`], [`TRUE`].
type Truths = u8;
const FALSE: Truths = 1;
const UNKNOWN: Truths = 2;
const TRUE: Truths = 4;
const ANY: Truths = FALSE | UNKNOWN | TRUE;

/// One input held in one state; every other detector and comparison may take any value.
#[derive(Clone, Copy)]
enum Fixed {
    Detector(SignalRef, State),
    Fact(Fact, FactState),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    NoHit,
    NotEvaluated,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FactState {
    /// Observed, with a value none of the rule's literals names and no ordering holds for.
    Other,
    Missing,
}

/// The truth values `c` can take (Kleene logic, as evaluation) when `fixed` holds and the
/// other tests range freely and independently: an over-approximation, exact for conditions
/// that test each input once.
fn truths(c: &Condition, fixed: Fixed) -> Truths {
    match c {
        Condition::Hit(r) => match fixed {
            Fixed::Detector(f, State::NoHit) if f == *r => FALSE,
            Fixed::Detector(f, State::NotEvaluated) if f == *r => UNKNOWN,
            _ => ANY,
        },
        Condition::NotEvaluated(r) => match fixed {
            Fixed::Detector(f, State::NoHit) if f == *r => FALSE,
            Fixed::Detector(f, State::NotEvaluated) if f == *r => TRUE,
            // A detector a rule names always runs: the test is never unknown.
            _ => FALSE | TRUE,
        },
        Condition::Not(inner) => negate(truths(inner, fixed)),
        Condition::All(cs) => all_of(cs.iter().map(|c| truths(c, fixed))),
        // De Morgan: `any` is `not all not`, in Kleene logic as in Boolean.
        Condition::Any(cs) => negate(all_of(cs.iter().map(|c| negate(truths(c, fixed))))),
        Condition::Compare(fact, cmp) => match fixed {
            Fixed::Fact(f, FactState::Missing) if f == *fact => UNKNOWN,
            Fixed::Fact(f, FactState::Other) if f == *fact => {
                // Another value than the literals: `ne` holds, the others do not.
                let ne = matches!(
                    cmp,
                    Comparison::Number(Op::Ne, _)
                        | Comparison::Bool(Op::Ne, _)
                        | Comparison::Symbol(Op::Ne, _)
                );
                if ne { TRUE } else { FALSE }
            }
            _ => ANY,
        },
        // Never unknown: the fact is there or not.
        Condition::Missing(fact) => match fixed {
            Fixed::Fact(f, FactState::Missing) if f == *fact => TRUE,
            Fixed::Fact(f, FactState::Other) if f == *fact => FALSE,
            _ => FALSE | TRUE,
        },
    }
}

/// The values `not c` can take when `c` can take `t`.
fn negate(t: Truths) -> Truths {
    (if t & TRUE != 0 { FALSE } else { 0 })
        | (t & UNKNOWN)
        | (if t & FALSE != 0 { TRUE } else { 0 })
}

/// The values an `all` can take when its members, independently, can take `parts`: true when
/// every member can be, false when one can be, unknown when every member can be true or
/// unknown and one can be unknown.
fn all_of(parts: impl Iterator<Item = Truths> + Clone) -> Truths {
    let mut out = 0;
    if parts.clone().all(|t| t & TRUE != 0) {
        out |= TRUE;
    }
    if parts.clone().any(|t| t & FALSE != 0) {
        out |= FALSE;
    }
    if parts.clone().all(|t| t & (TRUE | UNKNOWN) != 0) && parts.clone().any(|t| t & UNKNOWN != 0) {
        out |= UNKNOWN;
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hit(code: SignalCode) -> Condition {
        Condition::Hit(SignalRef::Builtin(code))
    }

    fn not(c: Condition) -> Condition {
        Condition::Not(Box::new(c))
    }

    fn silenced(c: &Condition, code: SignalCode) -> bool {
        let r = SignalRef::Builtin(code);
        truths(c, Fixed::Detector(r, State::NoHit)) & TRUE != 0
            && truths(c, Fixed::Detector(r, State::NotEvaluated)) & TRUE == 0
    }

    #[test]
    fn negations_are_silenced_positive_tests_are_not() {
        use SignalCode as C;
        let trusted = C::NetworkTrusted;
        assert!(silenced(&not(hit(trusted)), trusted));
        assert!(silenced(
            &Condition::All(vec![hit(C::EcpsFreshActivation), not(hit(trusted))]),
            trusted
        ));
        // `any` with the missing case handled: not silenced.
        let handled = Condition::Any(vec![
            not(hit(trusted)),
            Condition::NotEvaluated(SignalRef::Builtin(trusted)),
        ]);
        assert!(!silenced(&handled, trusted));
        // A positive test: the rule fires on a hit only, which missing data cannot give.
        assert!(!silenced(&hit(trusted), trusted));
        // Another detector's negation does not silence it through this one.
        assert!(!silenced(&not(hit(C::DeviceNew)), trusted));
        // Under an `any` with another way to fire, still silenced for this branch only if
        // nothing else can fire: here something else can.
        let other = Condition::Any(vec![not(hit(trusted)), hit(C::DeviceNew)]);
        assert!(!silenced(&other, trusted));
    }

    #[test]
    fn kleene_sets() {
        let r = SignalRef::Builtin(SignalCode::DeviceNew);
        let free = SignalRef::Builtin(SignalCode::GeoNewCountry);
        let fixed = Fixed::Detector(r, State::NotEvaluated);
        assert_eq!(truths(&Condition::Hit(r), fixed), UNKNOWN);
        assert_eq!(truths(&not(Condition::Hit(r)), fixed), UNKNOWN);
        assert_eq!(truths(&Condition::NotEvaluated(r), fixed), TRUE);
        assert_eq!(truths(&Condition::Hit(free), fixed), ANY);
        assert_eq!(truths(&Condition::All(vec![]), fixed), TRUE);
        assert_eq!(truths(&Condition::Any(vec![]), fixed), FALSE);
        let all = Condition::All(vec![Condition::Hit(r), Condition::Hit(free)]);
        assert_eq!(truths(&all, fixed), FALSE | UNKNOWN);
        let any = Condition::Any(vec![Condition::Hit(r), Condition::Hit(free)]);
        assert_eq!(truths(&any, fixed), UNKNOWN | TRUE);
    }

    #[test]
    fn detectors_that_always_run_are_known() {
        let spec: PolicySpec = serde_json::from_value(serde_json::json!({
            "id": "p", "version": "1",
            "thresholds": { "step_up": 10, "review": 20, "deny": 30 },
            "rules": [],
        }))
        .unwrap();
        let always = AlwaysEvaluated::probe(&spec);
        for code in [
            SignalCode::HistoryColdStart,
            SignalCode::VelocityBurst,
            SignalCode::EcpsUnprovenDevice,
        ] {
            assert!(always.contains(SignalRef::Builtin(code)), "{code}");
        }
        for code in [
            SignalCode::DeviceNew,
            SignalCode::NetworkUnproven,
            SignalCode::NetworkTrusted,
            SignalCode::AuthEcpsUnusual,
        ] {
            assert!(!always.contains(SignalRef::Builtin(code)), "{code}");
        }
        assert!(!always.contains(SignalRef::Custom(0)));
    }
}
