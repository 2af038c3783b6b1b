//! [`PolicyDiff`]: two policies replayed over the same logins, and where their decisions part.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::env::environment::Environment;
use crate::policy::Policy;
use crate::policy::assessment::Assessment;
use crate::policy::decision::Decision;

use super::{Label, RecordedLogin, Replay, ReplayOptions, ReplaySummary};

/// One side of a changed login in a [`PolicyDiff`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DiffSide {
    /// The decision.
    pub decision: Decision,
    /// The score.
    pub score: i32,
    /// The rules that fired.
    pub rules: Vec<String>,
}

impl DiffSide {
    fn of(a: &Assessment<'_>) -> DiffSide {
        DiffSide {
            decision: a.decision(),
            score: a.score(),
            rules: a.reasons().map(|r| r.rule_id().to_owned()).collect(),
        }
    }
}

/// A login whose decision changed between two policies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DiffExample {
    /// Its position in the replayed logins (0-based, warm-up included).
    pub index: u64,
    /// Its time.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Its label.
    pub label: Option<Label>,
    /// Its attacker model.
    pub attacker: Option<String>,
    /// Under the first policy.
    pub before: DiffSide,
    /// Under the second policy.
    pub after: DiffSide,
}

/// How many logins went from one decision to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DecisionTransition {
    /// Decision under the first policy.
    pub from: Decision,
    /// Decision under the second policy.
    pub to: Decision,
    /// Logins.
    pub count: u64,
}

/// What changes from one policy to another over the same logins (see [`diff`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PolicyDiff {
    /// The replay under the first policy.
    pub before: ReplaySummary,
    /// The replay under the second policy.
    pub after: ReplaySummary,
    /// Counted logins whose decision changed.
    pub changed: u64,
    /// Counted logins per (before, after) pair of different decisions, most severe first.
    pub transitions: Vec<DecisionTransition>,
    /// The first changed logins, at most [`ReplayOptions::max_examples`] per transition.
    pub examples: Vec<DiffExample>,
}

/// Replay the same logins under two policies (each with its own learned profiles) and report
/// which logins change decision — the "What If" of a policy change.
///
/// ```
/// use ecps_risk::{Decision, Environment, Policy, PolicySpec, replay::RecordedLogin, replay::ReplayOptions, RiskContext, replay::diff};
/// use time::macros::datetime;
///
/// let before = Policy::recommended();
/// let mut spec: PolicySpec = before.spec().clone();
/// spec.thresholds.step_up = 10; // what if the step-up threshold were 10?
/// let after = Policy::compile(spec)?;
///
/// // A first login: cold start (10 points) and unknown network (10 points).
/// let ctx = RiskContext::builder(datetime!(2025-10-06 08:00 UTC), "810001234565".parse()?)
///     .ip("192.0.2.10".parse()?)
///     .build()?;
/// let d = diff(&before, &after, Environment::empty(), [RecordedLogin::new(ctx)], ReplayOptions::default());
/// assert_eq!(d.changed, 1);
/// assert_eq!(d.examples[0].before.decision, Decision::Allow);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff<I>(
    before: &Policy,
    after: &Policy,
    environment: Environment<'_>,
    logins: I,
    options: ReplayOptions,
) -> PolicyDiff
where
    I: IntoIterator,
    I::Item: Borrow<RecordedLogin>,
{
    let mut a = Replay::new(before, environment, options);
    let mut b = Replay::new(after, environment, options);
    let mut transitions: BTreeMap<(Decision, Decision), u64> = BTreeMap::new();
    let mut examples: Vec<DiffExample> = Vec::new();
    for (index, login) in logins.into_iter().enumerate() {
        let login = login.borrow();
        let x = a.push(login);
        let y = b.push(login);
        let counted = options.warm_up_until.is_none_or(|t| login.login.now() >= t);
        if !counted || x.decision() == y.decision() {
            continue;
        }
        let n = transitions.entry((x.decision(), y.decision())).or_default();
        *n += 1;
        if *n <= options.max_examples as u64 {
            examples.push(DiffExample {
                index: index as u64,
                at: login.login.now(),
                label: login.label,
                attacker: login.attacker.clone(),
                before: DiffSide::of(&x),
                after: DiffSide::of(&y),
            });
        }
    }
    let mut transitions: Vec<DecisionTransition> = transitions
        .into_iter()
        .map(|((from, to), count)| DecisionTransition { from, to, count })
        .collect();
    transitions.sort_by_key(|t| std::cmp::Reverse((t.from.max(t.to), t.count)));
    PolicyDiff {
        before: a.finish(),
        after: b.finish(),
        changed: transitions.iter().map(|t| t.count).sum(),
        transitions,
        examples,
    }
}
