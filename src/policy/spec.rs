//! [`PolicySpec`]: the serde ("wire") form of a policy, as security teams write it in TOML,
//! JSON or YAML. It is only data; [`Policy::compile`](crate::Policy::compile) validates it.
//!
//! ```toml
//! id = "my-portal"
//! version = "2025-10"
//! description = "e-CPS takeover checks for the regional portal"
//! mode = "enforce"                      # or "report_only"
//! fail_closed = "step_up_cps_card"      # the floor when a detector fails
//!
//! [thresholds]                          # score → decision (score >= threshold)
//! step_up = 30
//! review = 60
//! deny = 90
//! step_up_method = "cps_card"           # or "fresh_authentication"
//!
//! [detectors."ecps.fresh_activation"]   # parameters, by detector code
//! max_age_hours = 48
//!
//! [watchlists]                          # the lists this policy expects, by name and kind
//! deactivated_ecps = "credentials"
//!
//! [[rules]]
//! id = "revoked-ecps"
//! description = "ANS alert: deactivated e-CPS are refused"
//! when = { hit = "ecps.revoked" }
//! effect = { force = "deny" }
//!
//! [[rules]]
//! id = "fresh-remote"
//! when = { all = [{ hit = "ecps.fresh_activation" }, { hit = "ecps.remote_activation" }] }
//! effect = { points = 40 }
//! report_only = true                    # evaluated and reported, not enforced
//! ```
//!
//! Conditions: `{ hit = "code" }`, `{ not_evaluated = "code" }`, `{ all = [...] }`,
//! `{ any = [...] }`, `{ not = {...} }`, and comparisons on context facts:
//! `{ compare = { fact = "credential.active_count", ge = 2 } }` with one of `eq`, `ne`, `lt`,
//! `le`, `gt`, `ge`, `in` (see [`Fact`](crate::policy::Fact) for the facts). Conditions use three-valued
//! logic: a hit test on a detector that was not evaluated, or a comparison on a missing fact,
//! is *unknown*, and a rule fires only when its condition is *true* — so `not` of an unknown
//! stays unknown, and missing data is never read as safe nor as risky. A rule that must act on
//! a missing input says so: `{ not_evaluated = "code" }` for a detector, `{ missing = "fact" }`
//! (true when the login has no value for the fact) for a fact.
//!
//! Effects: `{ points = n }` (−1000..=1000; negative for trusted signals), `{ at_least =
//! "decision" }` (a floor), `{ force = "decision" }` (replaces the score's decision; floors
//! still apply; the most severe forced decision wins).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::detect::DetectorParams;
use crate::detect::signal::SignalCode;
use crate::env::watchlist::{ListName, WatchlistKind, WatchlistsSpec};
use crate::history::population::PopulationStats;
use crate::history::profile::Profile;
use crate::input::context::LoginEvent;
use crate::policy::decision::{Decision, StepUpMethod};

/// A policy as written: thresholds, detector parameters, expected watchlists, rules, examples.
///
/// Conditions: `{ hit = "code" }`, `{ not_evaluated = "code" }`, `{ all = [...] }`,
/// `{ any = [...] }`, `{ not = {...} }`, `{ compare = { fact = "…", <op> = value } }` with one
/// of `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `in` ([`Fact`](crate::policy::Fact) lists the facts). They use
/// three-valued logic: a test of a detector that was not evaluated, or a comparison on a missing
/// fact, is *unknown*, `not` of unknown stays unknown, and a rule fires only when its condition
/// is *true* — missing data is never read as safe nor as risky. Effects: `{ points = n }`
/// (−1000..=1000), `{ at_least = "decision" }`, `{ force = "decision" }` (replaces the score's
/// decision; floors still apply; the most severe force wins).
///
/// ```
/// use ecps_risk::{Policy, PolicySpec};
///
/// let spec: PolicySpec = toml::from_str(r#"
///     id = "my-portal"
///     version = "2025-10"
///     mode = "enforce"                       # or "report_only"
///
///     [thresholds]                           # score >= threshold reaches the decision
///     step_up = 30
///     review = 60
///     deny = 90
///
///     [detectors."ecps.fresh_activation"]    # parameters, by detector code
///     max_age_hours = 48
///
///     [[rules]]
///     id = "revoked-ecps"
///     description = "ANS alert: deactivated e-CPS are refused"
///     when = { hit = "ecps.revoked" }
///     effect = { force = "deny" }
///
///     [[rules]]
///     id = "fresh-remote"
///     when = { all = [{ hit = "ecps.fresh_activation" }, { hit = "ecps.remote_activation" }] }
///     effect = { points = 40 }
///     report_only = true                     # evaluated and reported, not enforced
/// "#)?;
/// let policy = Policy::compile(spec)?;
/// assert_eq!(policy.id(), "my-portal");
///
/// // Mistakes are compile errors naming the rule and the value.
/// let bad: PolicySpec = toml::from_str(r#"
///     id = "my-portal"
///     version = "1"
///     [thresholds]
///     step_up = 30
///     review = 60
///     deny = 90
///     [[rules]]
///     id = "typo"
///     when = { hit = "ecps.revokd" }
///     effect = { force = "deny" }
/// "#)?;
/// assert_eq!(
///     Policy::compile(bad).unwrap_err().to_string(),
///     "policy `my-portal`: rule `typo`: unknown detector `ecps.revokd`"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct PolicySpec {
    /// Stable id (letters, digits, `-`, `_`, `.`; at most 64 bytes).
    pub id: String,
    /// Version label.
    pub version: String,
    /// What the policy is for.
    #[serde(default)]
    pub description: String,
    /// Enforce, or only report.
    #[serde(default)]
    pub mode: Mode,
    /// Score thresholds.
    pub thresholds: ThresholdsSpec,
    /// The least decision when a detector fails (default `step_up_cps_card`; never `allow`).
    #[serde(default = "default_fail_closed")]
    pub fail_closed: Decision,
    /// Detector parameters.
    #[serde(default)]
    pub detectors: DetectorParams,
    /// The watchlists the policy expects, by name (default: the six standard names, none
    /// required). A name may appear once.
    #[serde(
        default = "default_watchlists",
        deserialize_with = "crate::model::wire::unique_keys"
    )]
    pub watchlists: BTreeMap<ListName, WatchlistDecl>,
    /// The rules.
    pub rules: Vec<RuleSpec>,
    /// Example logins with their expected decisions, run by
    /// [`Policy::check_examples`](crate::Policy::check_examples). Not part of the fingerprint.
    #[serde(default)]
    pub examples: Vec<ExampleSpec>,
}
crate::model::wire::map_only!(PolicySpec);

pub(crate) fn default_fail_closed() -> Decision {
    Decision::StepUp(StepUpMethod::CpsCard)
}

/// The standard watchlist names the built-in detectors consult by default, none required.
pub fn default_watchlists() -> BTreeMap<ListName, WatchlistDecl> {
    SignalCode::ALL
        .iter()
        .filter_map(|code| code.lists())
        .flat_map(|reads| {
            reads
                .defaults
                .iter()
                // Valid names (the catalogue's test checks them): none is ever left out.
                .filter_map(move |name| {
                    Some((ListName::new(name).ok()?, WatchlistDecl::from(reads.kind)))
                })
        })
        .collect()
}

/// A watchlist a policy declares: its kind and whether evaluation requires it.
///
/// Written as the kind alone (`trusted_networks = "ip"`), or as a table to require the list
/// (`trusted_networks = { kind = "ip", required = true }`). A list that is not required and
/// is missing leaves the detectors reading it *not evaluated*; a required list that is missing
/// makes every evaluation fail closed ([`Failure::MissingWatchlist`](crate::policy::Failure)), so a
/// rule written against the list (`not { hit = "network.trusted" }`) cannot be silenced by
/// forgetting to load it. [`Policy::check_environment`](crate::Policy::check_environment)
/// tells at load time which lists are missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchlistDecl {
    /// The kind of list.
    pub kind: WatchlistKind,
    /// A missing list fails every evaluation closed.
    pub required: bool,
}

impl From<WatchlistKind> for WatchlistDecl {
    fn from(kind: WatchlistKind) -> Self {
        WatchlistDecl {
            kind,
            required: false,
        }
    }
}

/// The table form of a [`WatchlistDecl`].
#[derive(Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
struct WatchlistDeclTable {
    kind: WatchlistKind,
    #[serde(default)]
    required: bool,
}
crate::model::wire::map_only!(WatchlistDeclTable);

// The kind alone when not required, so that a policy without `required` keeps the form (and
// the fingerprint) it always had.
impl Serialize for WatchlistDecl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.required {
            let table = WatchlistDeclTable {
                kind: self.kind,
                required: true,
            };
            <WatchlistDeclTable as Serialize>::serialize(&table, serializer)
        } else {
            self.kind.serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for WatchlistDecl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DeclVisitor;

        impl<'de> serde::de::Visitor<'de> for DeclVisitor {
            type Value = WatchlistDecl;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a watchlist kind, or a table with `kind` and `required`")
            }

            fn visit_str<E: serde::de::Error>(self, kind: &str) -> Result<WatchlistDecl, E> {
                let kind =
                    WatchlistKind::deserialize(serde::de::value::StrDeserializer::<E>::new(kind))?;
                Ok(kind.into())
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<WatchlistDecl, A::Error> {
                let table = <WatchlistDeclTable as Deserialize>::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(WatchlistDecl {
                    kind: table.kind,
                    required: table.required,
                })
            }
        }

        deserializer.deserialize_any(DeclVisitor)
    }
}

/// Enforce the policy, or only report what it would do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Decisions are enforced.
    #[default]
    Enforce,
    /// Everything is evaluated and reported; the enforced decision stays `allow` (unless a
    /// detector fails: evaluation errors fail closed in every mode).
    ReportOnly,
}

/// Score thresholds: a score at or above a threshold reaches that decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ThresholdsSpec {
    /// Step-up from this score.
    pub step_up: i32,
    /// Review from this score.
    pub review: i32,
    /// Deny from this score.
    pub deny: i32,
    /// How to step up (default: the CPS card).
    #[serde(default = "default_method")]
    pub step_up_method: StepUpMethodSpec,
}
crate::model::wire::map_only!(ThresholdsSpec);

fn default_method() -> StepUpMethodSpec {
    StepUpMethodSpec::CpsCard
}

/// Step-up method names in a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepUpMethodSpec {
    /// [`StepUpMethod::FreshAuthentication`].
    FreshAuthentication,
    /// [`StepUpMethod::CpsCard`].
    CpsCard,
}

impl From<StepUpMethodSpec> for StepUpMethod {
    fn from(m: StepUpMethodSpec) -> Self {
        match m {
            StepUpMethodSpec::FreshAuthentication => StepUpMethod::FreshAuthentication,
            StepUpMethodSpec::CpsCard => StepUpMethod::CpsCard,
        }
    }
}

/// One rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable id, unique in the policy (same characters as policy ids).
    pub id: String,
    /// What the rule implements (shown to security teams in reasons).
    #[serde(default)]
    pub description: String,
    /// When it fires.
    pub when: ConditionSpec,
    /// What it does.
    pub effect: EffectSpec,
    /// Evaluate and report, do not enforce.
    #[serde(default)]
    pub report_only: bool,
}
crate::model::wire::map_only!(RuleSpec);

/// A rule condition (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ConditionSpec {
    /// The detector fired.
    Hit(String),
    /// The detector lacked an input.
    NotEvaluated(String),
    /// Every condition holds.
    All(Vec<ConditionSpec>),
    /// At least one condition holds.
    Any(Vec<ConditionSpec>),
    /// The condition does not hold.
    Not(Box<ConditionSpec>),
    /// A comparison on a fact of the context.
    Compare(CompareSpec),
    /// The login has no value for the fact (by name: `auth.mode`).
    Missing(String),
}

/// `{ fact = "…", <op> = value }` with exactly one operator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct CompareSpec {
    /// The fact's name.
    pub fact: String,
    /// Equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<ValueSpec>,
    /// Not equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ne: Option<ValueSpec>,
    /// Less than.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<ValueSpec>,
    /// Less than or equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub le: Option<ValueSpec>,
    /// Greater than.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<ValueSpec>,
    /// Greater than or equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ge: Option<ValueSpec>,
    /// One of a list.
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<ValueSpec>>,
}
crate::model::wire::map_only!(CompareSpec);

/// A literal in a comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ValueSpec {
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string (country code, enum name, `acr` level…).
    Text(String),
}

/// A rule's effect (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EffectSpec {
    /// Add points to the score.
    Points(i32),
    /// The decision is at least this.
    AtLeast(Decision),
    /// The decision is this, whatever the score (floors still apply).
    Force(Decision),
}

/// A login with its expected decision: a test carried by the policy itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ExampleSpec {
    /// Name of the example.
    pub name: String,
    /// The login.
    pub login: LoginEvent,
    /// The professional's profile (default: empty).
    #[serde(default)]
    pub profile: Option<Profile>,
    /// Watchlists to evaluate with (default: none).
    #[serde(default)]
    pub watchlists: Option<WatchlistsSpec>,
    /// Population statistics to evaluate with (default: none).
    #[serde(default)]
    pub population: Option<PopulationStats>,
    /// The decision the policy must reach.
    pub expect: Decision,
    /// Rules that must fire (others may fire too).
    #[serde(default)]
    pub fires: Vec<String>,
}
crate::model::wire::map_only!(ExampleSpec);

/// True for an effect that can only make the decision stricter (also: the rules a missing
/// input must not silence, `Policy::warnings`).
pub(crate) fn raises_risk(effect: Option<EffectSpec>) -> bool {
    match effect {
        Some(EffectSpec::Points(p)) => p > 0,
        Some(EffectSpec::AtLeast(d) | EffectSpec::Force(d)) => d > Decision::Allow,
        None => false,
    }
}
