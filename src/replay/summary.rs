//! [`ReplaySummary`]: what a replay counts, per label, per attacker model and per score threshold.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::output::report::PolicyRef;
use crate::policy::EffectSpec;
use crate::policy::assessment::Assessment;
use crate::policy::decision::{Decision, StepUpMethod};

use super::Label;

/// How many logins got each decision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(remote = "Self")]
pub struct DecisionCounts {
    /// `allow`.
    pub allow: u64,
    /// `step_up_fresh`.
    pub step_up_fresh: u64,
    /// `step_up_cps_card`.
    pub step_up_cps_card: u64,
    /// `review`.
    pub review: u64,
    /// `deny`.
    pub deny: u64,
}
crate::model::wire::map_only!(DecisionCounts);

impl DecisionCounts {
    fn slot(&mut self, d: Decision) -> &mut u64 {
        match d {
            Decision::Allow => &mut self.allow,
            Decision::StepUp(StepUpMethod::FreshAuthentication) => &mut self.step_up_fresh,
            Decision::StepUp(StepUpMethod::CpsCard) => &mut self.step_up_cps_card,
            Decision::Review => &mut self.review,
            Decision::Deny => &mut self.deny,
        }
    }

    pub(super) fn add(&mut self, d: Decision) {
        let s = self.slot(d);
        *s = s.saturating_add(1);
    }

    /// Logins with this decision.
    pub fn get(&self, d: Decision) -> u64 {
        match d {
            Decision::Allow => self.allow,
            Decision::StepUp(StepUpMethod::FreshAuthentication) => self.step_up_fresh,
            Decision::StepUp(StepUpMethod::CpsCard) => self.step_up_cps_card,
            Decision::Review => self.review,
            Decision::Deny => self.deny,
        }
    }

    /// Every login counted.
    pub fn total(&self) -> u64 {
        self.allow + self.step_up_fresh + self.step_up_cps_card + self.review + self.deny
    }

    /// Logins not simply allowed: stepped up, held for review or denied.
    pub fn challenged(&self) -> u64 {
        self.total() - self.allow
    }
}

/// Decisions and scores of a group of logins (all, one label, one attacker model).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(remote = "Self")]
pub struct GroupStats {
    /// Logins counted.
    pub logins: u64,
    /// Their decisions.
    pub decisions: DecisionCounts,
    /// Logins per score.
    pub scores: BTreeMap<i32, u64>,
    /// Logins whose challenge depends on the step-up threshold alone, per score (no
    /// enforced floor, force or failure decided them).
    pub threshold_scores: BTreeMap<i32, u64>,
    /// Logins challenged whatever the thresholds (a floor, a force or a failure decided).
    pub always_challenged: u64,
    /// Logins allowed whatever the thresholds (a rule forced `allow`).
    pub never_challenged: u64,
}
crate::model::wire::map_only!(GroupStats);

/// One bin of a score histogram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ScoreBin {
    /// Lowest score of the bin (inclusive).
    pub start: i32,
    /// Logins in the bin.
    pub count: u64,
}

impl GroupStats {
    pub(super) fn add(&mut self, a: &Assessment<'_>) {
        self.logins += 1;
        self.decisions.add(a.decision());
        *self.scores.entry(a.score()).or_default() += 1;
        match challenge_class(a) {
            Challenge::Always => self.always_challenged += 1,
            Challenge::Never => self.never_challenged += 1,
            Challenge::ByScore(s) => *self.threshold_scores.entry(s).or_default() += 1,
        }
    }

    /// Logins that a policy identical but for its step-up threshold `t` would challenge
    /// (profiles held as they were learned in this replay).
    pub fn challenged_at(&self, t: i32) -> u64 {
        self.always_challenged
            + self
                .threshold_scores
                .range(t..)
                .map(|(_, n)| n)
                .sum::<u64>()
    }

    /// The score histogram with bins `bin_width` wide (at least 1), aligned on multiples of
    /// the width; empty bins between the lowest and highest are included.
    pub fn histogram(&self, bin_width: u32) -> Vec<ScoreBin> {
        let w = i64::from(bin_width.max(1));
        let start_of = |s: i32| i64::from(s).div_euclid(w) * w;
        let (Some((lo, _)), Some((hi, _))) =
            (self.scores.first_key_value(), self.scores.last_key_value())
        else {
            return Vec::new();
        };
        let (lo, hi) = (start_of(*lo), start_of(*hi));
        let mut bins: BTreeMap<i64, u64> = BTreeMap::new();
        let mut b = lo;
        while b <= hi {
            bins.insert(b, 0);
            b += w;
        }
        for (s, n) in &self.scores {
            *bins.entry(start_of(*s)).or_default() += n;
        }
        bins.into_iter()
            .map(|(start, count)| ScoreBin {
                start: i32::try_from(start).unwrap_or(if start < 0 { i32::MIN } else { i32::MAX }),
                count,
            })
            .collect()
    }
}

/// What decides whether a login is challenged when the step-up threshold moves.
enum Challenge {
    Always,
    Never,
    ByScore(i32),
}

fn challenge_class(a: &Assessment<'_>) -> Challenge {
    let policy = a.policy();
    if a.reasons_truncated() > 0 {
        // Not every rule is listed: judge from the decision alone.
        let by_score = policy.decision_for_score(a.score());
        return if a.decision() == by_score {
            Challenge::ByScore(a.score())
        } else if a.decision() > Decision::Allow {
            Challenge::Always
        } else {
            Challenge::Never
        };
    }
    let mut force: Option<Decision> = None;
    let mut floor = if a.failure().is_some() {
        policy.fail_closed()
    } else {
        Decision::Allow
    };
    for r in a.reasons().filter(|r| !r.is_report_only()) {
        match r.effect() {
            Some(EffectSpec::Force(d)) => force = Some(force.map_or(d, |f| f.max(d))),
            Some(EffectSpec::AtLeast(d)) => floor = floor.max(d),
            _ => {}
        }
    }
    match force {
        Some(f) if f.max(floor) > Decision::Allow => Challenge::Always,
        Some(_) => Challenge::Never,
        None if floor > Decision::Allow => Challenge::Always,
        None => Challenge::ByScore(a.score()),
    }
}

/// True and false positive rates at one step-up threshold ("positive" = challenged: stepped
/// up, reviewed or denied).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ThresholdRow {
    /// The step-up threshold.
    pub threshold: i32,
    /// Attack logins challenged.
    pub attacks_challenged: u64,
    /// Attack logins.
    pub attacks: u64,
    /// Legitimate logins challenged.
    pub legitimate_challenged: u64,
    /// Legitimate logins.
    pub legitimate: u64,
}

impl ThresholdRow {
    /// Share of attacks challenged (`None` without attacks).
    pub fn true_positive_rate(&self) -> Option<f64> {
        ratio(self.attacks_challenged, self.attacks)
    }

    /// Share of legitimate logins challenged (`None` without legitimate logins).
    pub fn false_positive_rate(&self) -> Option<f64> {
        ratio(self.legitimate_challenged, self.legitimate)
    }
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    (d > 0).then(|| n as f64 / d as f64)
}

/// What a replay found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReplaySummary {
    /// The policy replayed.
    pub policy: PolicyRef,
    /// Logins replayed during the warm-up, not counted below.
    pub warm_up_logins: u64,
    /// Every counted login.
    pub all: GroupStats,
    /// Per label (labelled logins only).
    pub by_label: BTreeMap<Label, GroupStats>,
    /// Per attacker model (attacks with a model only).
    pub by_attacker: BTreeMap<String, GroupStats>,
    /// Return logins: attack logins of a visit after the attacker's first
    /// ([`RecordedLogin::visit`](super::RecordedLogin::visit) 2 or more).
    pub return_logins: GroupStats,
    /// Return logins per attacker model.
    pub return_logins_by_attacker: BTreeMap<String, GroupStats>,
    /// Logins each rule fired on (report-only rules included), by rule id.
    pub rule_hits: BTreeMap<String, u64>,
    /// Logins each detector could not run on, by detector code.
    pub not_evaluated: BTreeMap<String, u64>,
    /// Logins whose evaluation failed closed.
    pub failures: u64,
    /// Logins whose report-only outcome differs from the enforced decision.
    pub report_only_changes: u64,
    /// Professionals seen.
    pub professionals: u64,
}

impl ReplaySummary {
    /// Counted logins.
    pub fn logins(&self) -> u64 {
        self.all.logins
    }

    /// The stats of a label, if any login had it.
    pub fn label(&self, label: Label) -> Option<&GroupStats> {
        self.by_label.get(&label)
    }

    /// True and false positive rates for each step-up threshold in `thresholds` (see
    /// [`GroupStats::challenged_at`]: profiles are held as learned in this replay, so this
    /// reads well around the replayed policy's own threshold).
    pub fn threshold_table(&self, thresholds: impl IntoIterator<Item = i32>) -> Vec<ThresholdRow> {
        let empty = GroupStats::default();
        let attack = self.label(Label::Attack).unwrap_or(&empty);
        let legit = self.label(Label::Legitimate).unwrap_or(&empty);
        thresholds
            .into_iter()
            .map(|t| ThresholdRow {
                threshold: t,
                attacks_challenged: attack.challenged_at(t),
                attacks: attack.logins,
                legitimate_challenged: legit.challenged_at(t),
                legitimate: legit.logins,
            })
            .collect()
    }
}
