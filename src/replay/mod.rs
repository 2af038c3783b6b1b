//! Replay and what-if: score recorded logins offline under a policy ([`replay`], [`Replay`]),
//! compare two policies over the same logins ([`diff`]), and, with labelled logins, measure
//! true and false positive rates per step-up threshold ([`ReplaySummary::threshold_table`]) —
//! Entra's "What If" and report-only mode, done on stored data before a rollout.
//!
//! Everything here is pure: the caller reads the recorded logins (JSON lines of
//! [`RecordedLogin`]) and passes an iterator; the same logins in the same order always give the
//! same summary.
//!
//! # Profiles
//!
//! Recorded logins do not carry profile snapshots (a profile is a few KiB; a login event a few
//! hundred bytes). Instead the replay **learns profiles in event order**, exactly as a provider
//! would have: each professional starts with an empty [`Profile`] (or one the caller seeds with
//! [`Replay::with_profiles`]), every login is scored against the profile as it stands, and the
//! profile then learns from it according to [`Learning`]. Logins must therefore come in time
//! order (at least per professional). Because what a profile learns depends on the decisions,
//! each policy replays with its own profiles: a stricter policy that blocks an attacker also
//! keeps the attacker's device out of the profile, as it would in production.
//!
//! Population statistics (`stats.anomaly`) are either the environment's, fixed, or learned in
//! event order from the logins the profiles learn ([`PopulationSource`]).
//!
//! Use [`ReplayOptions::warm_up_until`] to let profiles learn from a first period without
//! counting it, so cold starts do not dominate the rates.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::env::environment::Environment;
use crate::history::population::PopulationStats;
use crate::history::profile::Profile;
use crate::input::context::{AuthMode, RiskContext};
use crate::model::national_id::NationalId;
use crate::output::report::PolicyRef;
use crate::policy::assessment::Assessment;
use crate::policy::decision::{Decision, StepUpMethod};
use crate::policy::{EffectSpec, Policy};

/// Distinct attacker-model names kept apart in a summary; more are counted under
/// [`OTHER_ATTACKER`].
pub const MAX_ATTACKER_GROUPS: usize = 32;
/// The group of attacker-model names beyond [`MAX_ATTACKER_GROUPS`].
pub const OTHER_ATTACKER: &str = "(other)";
/// Longest attacker-model name kept, in bytes; longer names are cut.
pub const MAX_ATTACKER_NAME_LEN: usize = 64;

/// Ground truth of a recorded login.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// The professional's own login.
    Legitimate,
    /// Someone else's, with the professional's credential.
    Attack,
}

/// One recorded login, the unit of replay: a JSON line
/// `{"login": {…login event…}, "label": "attack", "attacker": "vpn", "visit": 2}`. Label,
/// attacker model and visit are optional; deserializing validates the login like
/// [`RiskContextBuilder::build`](crate::RiskContextBuilder::build).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct RecordedLogin {
    /// The login.
    pub login: RiskContext,
    /// Whose login it was, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
    /// For attacks: the attacker model (e.g. `ecps_takeover`, `naive`, `vpn`, `targeted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attacker: Option<String>,
    /// For attacks: which visit of its attacker this login belongs to — 1 for the first,
    /// 2 and more when the attacker comes back (a *return login*, counted apart in
    /// [`ReplaySummary::return_logins`]). `0` is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<NonZeroU32>,
}
crate::model::wire::map_only!(RecordedLogin);

impl RecordedLogin {
    /// An unlabelled login.
    pub fn new(login: RiskContext) -> RecordedLogin {
        RecordedLogin {
            login,
            label: None,
            attacker: None,
            visit: None,
        }
    }

    /// A legitimate login.
    pub fn legitimate(login: RiskContext) -> RecordedLogin {
        RecordedLogin {
            login,
            label: Some(Label::Legitimate),
            attacker: None,
            visit: None,
        }
    }

    /// An attack under an attacker model.
    pub fn attack(login: RiskContext, attacker: &str) -> RecordedLogin {
        RecordedLogin {
            login,
            label: Some(Label::Attack),
            attacker: Some(attacker.to_owned()),
            visit: None,
        }
    }

    /// The same login, as part of its attacker's visit number `visit` (1 = the first).
    pub fn with_visit(mut self, visit: NonZeroU32) -> RecordedLogin {
        self.visit = Some(visit);
        self
    }

    /// An attack login made when its attacker came back (visit 2 or later).
    pub fn is_return(&self) -> bool {
        self.label == Some(Label::Attack) && self.visit.is_some_and(|v| v.get() > 1)
    }
}

/// How profiles learn during a replay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Learning {
    /// Labels stand for what happened next (the default). A legitimate login that was stepped
    /// up passed the step-up, and one held for review was confirmed safe by the reviewer: both
    /// are learned. An attack stepped up with the CPS card failed it (the attacker holds an
    /// e-CPS, never the card), but one stepped up to a fresh authentication passed it (a new
    /// e-CPS push is no obstacle to whoever holds the e-CPS) and is learned; an attack held
    /// for review was confirmed compromised ([`Profile::confirm_compromised`]). Allowed
    /// logins are learned whoever made them (an undetected attacker does poison the profile),
    /// denied ones never. Unlabelled logins learn as with [`Learning::AllowedOnly`].
    #[default]
    FromLabels,
    /// Only what [`Profile::learn`] accepts from the assessment alone: allowed logins.
    AllowedOnly,
}

/// Where `stats.anomaly` gets its population statistics during a replay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PopulationSource {
    /// Learned in event order from the logins the profiles learn, starting from the
    /// environment's statistics if it has some (the default).
    #[default]
    Learned,
    /// The environment's statistics (or none), unchanged.
    Fixed,
}

/// Options of a replay.
///
/// ```
/// use ecps_risk::{replay::Learning, replay::ReplayOptions};
/// use time::macros::datetime;
///
/// let options = ReplayOptions::default()
///     .with_learning(Learning::AllowedOnly)
///     .warm_up_until(datetime!(2025-10-01 00:00 UTC))
///     .with_max_examples(3);
/// assert_eq!(options.learning(), Learning::AllowedOnly);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayOptions {
    learning: Learning,
    population: PopulationSource,
    warm_up_until: Option<OffsetDateTime>,
    max_examples: usize,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            learning: Learning::FromLabels,
            population: PopulationSource::Learned,
            warm_up_until: None,
            max_examples: 5,
        }
    }
}

impl ReplayOptions {
    /// How profiles learn.
    pub const fn with_learning(mut self, learning: Learning) -> Self {
        self.learning = learning;
        self
    }

    /// Where population statistics come from.
    pub const fn with_population(mut self, population: PopulationSource) -> Self {
        self.population = population;
        self
    }

    /// Logins before `t` are replayed (profiles and population learn from them) but not
    /// counted in the summary.
    pub const fn warm_up_until(mut self, t: OffsetDateTime) -> Self {
        self.warm_up_until = Some(t);
        self
    }

    /// At most this many example logins per decision change in a [`diff`] (default 5).
    pub const fn with_max_examples(mut self, n: usize) -> Self {
        self.max_examples = n;
        self
    }

    /// How profiles learn.
    pub const fn learning(&self) -> Learning {
        self.learning
    }

    /// Where population statistics come from.
    pub const fn population(&self) -> PopulationSource {
        self.population
    }

    /// The end of the warm-up period, if any.
    pub const fn warm_up_end(&self) -> Option<OffsetDateTime> {
        self.warm_up_until
    }

    /// Examples kept per decision change in a diff.
    pub const fn max_examples(&self) -> usize {
        self.max_examples
    }
}

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

    fn add(&mut self, d: Decision) {
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
    fn add(&mut self, a: &Assessment<'_>) {
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
    /// ([`RecordedLogin::visit`] 2 or more).
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

/// A streaming replay: push logins one by one (e.g. to show progress), then
/// [`finish`](Replay::finish). [`replay`] does the same over an iterator.
///
/// ```
/// use ecps_risk::{Environment, Policy, replay::RecordedLogin, replay::Replay, replay::ReplayOptions, RiskContext};
/// use time::{Duration, macros::datetime};
///
/// let policy = Policy::recommended();
/// let mut replay = Replay::new(&policy, Environment::empty(), ReplayOptions::default());
/// let start = datetime!(2025-10-06 08:00 UTC);
/// for day in 0..3 {
///     let ctx = RiskContext::builder(start + Duration::days(day), "810001234565".parse()?)
///         .device_id("laptop")
///         .build()?;
///     let assessment = replay.push(&RecordedLogin::legitimate(ctx));
///     println!("{}", assessment.decision());
/// }
/// let summary = replay.finish();
/// assert_eq!(summary.logins(), 3);
/// assert_eq!(summary.professionals, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Replay<'p, 'e> {
    policy: &'p Policy,
    environment: Environment<'e>,
    options: ReplayOptions,
    profiles: BTreeMap<NationalId, Profile>,
    population: PopulationStats,
    summary: ReplaySummary,
}

impl std::fmt::Debug for Replay<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay")
            .field("policy", &self.policy.id())
            .field("options", &self.options)
            .field("professionals", &self.profiles.len())
            .field("logins", &self.summary.all.logins)
            .finish_non_exhaustive()
    }
}

impl<'p, 'e> Replay<'p, 'e> {
    /// Start a replay of `policy` with the watchlists (and population, see
    /// [`PopulationSource`]) of `environment`.
    pub fn new(policy: &'p Policy, environment: Environment<'e>, options: ReplayOptions) -> Self {
        let population = match options.population {
            PopulationSource::Learned => environment.population().cloned().unwrap_or_default(),
            PopulationSource::Fixed => PopulationStats::new(),
        };
        Replay {
            policy,
            environment,
            options,
            profiles: BTreeMap::new(),
            population,
            summary: ReplaySummary {
                policy: PolicyRef {
                    id: policy.id().to_owned(),
                    version: policy.version().to_owned(),
                    fingerprint: policy.fingerprint(),
                },
                warm_up_logins: 0,
                all: GroupStats::default(),
                by_label: BTreeMap::new(),
                by_attacker: BTreeMap::new(),
                return_logins: GroupStats::default(),
                return_logins_by_attacker: BTreeMap::new(),
                rule_hits: BTreeMap::new(),
                not_evaluated: BTreeMap::new(),
                failures: 0,
                report_only_changes: 0,
                professionals: 0,
            },
        }
    }

    /// Start from stored profiles (e.g. a snapshot taken when the recorded period began)
    /// instead of empty ones.
    pub fn with_profiles(
        mut self,
        profiles: impl IntoIterator<Item = (NationalId, Profile)>,
    ) -> Self {
        self.profiles.extend(profiles);
        self.summary.professionals = self.profiles.len() as u64;
        self
    }

    /// Score one login against its professional's profile as it stands, count it (unless in
    /// the warm-up), and let the profile (and a learned population) learn from it.
    pub fn push(&mut self, recorded: &RecordedLogin) -> Assessment<'p> {
        let ctx = &recorded.login;
        let mut env = Environment::new();
        if let Some(w) = self.environment.watchlists() {
            env = env.with_watchlists(w);
        }
        let population = match self.options.population {
            PopulationSource::Learned => Some(&self.population),
            PopulationSource::Fixed => self.environment.population(),
        };
        if let Some(p) = population {
            env = env.with_population(p);
        }

        let known = self.profiles.get(ctx.subject());
        let empty = Profile::new();
        let profile = known.unwrap_or(&empty);
        let mut assessment = self.policy.evaluate(ctx, profile, &env);
        let next = self.next_profile(recorded, profile, &mut assessment);

        if let Some(next) = next {
            if next.login_count() > profile.login_count()
                && self.options.population == PopulationSource::Learned
            {
                self.population
                    .observe(ctx.features(), ctx.now().unix_timestamp());
            }
            self.profiles.insert(ctx.subject().clone(), next);
        } else if known.is_none() {
            self.profiles.insert(ctx.subject().clone(), Profile::new());
        }
        let professionals = self.profiles.len() as u64;
        if self.options.population == PopulationSource::Learned {
            self.population.set_users(professionals);
        }
        self.summary.professionals = professionals;

        if self.options.warm_up_until.is_some_and(|t| ctx.now() < t) {
            self.summary.warm_up_logins += 1;
        } else {
            self.count(recorded, &assessment);
        }
        assessment
    }

    /// The profile after this login, or `None` when it does not change.
    fn next_profile(
        &self,
        recorded: &RecordedLogin,
        profile: &Profile,
        assessment: &mut Assessment<'p>,
    ) -> Option<Profile> {
        let ctx = &recorded.login;
        let by_labels = self.options.learning == Learning::FromLabels;
        let result = match (by_labels, recorded.label, assessment.decision()) {
            (true, Some(Label::Legitimate), Decision::StepUp(method))
            | (
                true,
                Some(Label::Attack),
                Decision::StepUp(method @ StepUpMethod::FreshAuthentication),
            ) => {
                // The professional passes any step-up; the attacker, holding the e-CPS, passes
                // a fresh authentication and never the card's: the login they make for it.
                if let Some(step_up) = step_up_login(ctx, method) {
                    let _ = assessment.mark_step_up_passed(ctx, &step_up);
                }
                profile.learn(ctx, assessment)
            }
            (true, Some(Label::Legitimate), Decision::Review) => profile.confirm_safe(ctx),
            (true, Some(Label::Attack), Decision::Review) => profile.confirm_compromised(ctx),
            _ => profile.learn(ctx, assessment),
        };
        // Errors are for mismatched pairs, which a replay never builds: keep the profile.
        result.ok().filter(|p| p != profile)
    }

    fn count(&mut self, recorded: &RecordedLogin, a: &Assessment<'_>) {
        let s = &mut self.summary;
        s.all.add(a);
        if let Some(label) = recorded.label {
            s.by_label.entry(label).or_default().add(a);
        }
        let returning = recorded.is_return();
        if returning {
            s.return_logins.add(a);
        }
        if let Some(name) = &recorded.attacker {
            add_to_group(&mut s.by_attacker, name, a);
            if returning {
                add_to_group(&mut s.return_logins_by_attacker, name, a);
            }
        }
        for r in a.reasons() {
            increment(&mut s.rule_hits, r.rule_id());
        }
        for (name, _) in a.not_evaluated() {
            increment(&mut s.not_evaluated, &name.to_string());
        }
        if a.failure().is_some() {
            s.failures += 1;
        }
        if a.report_only().is_some_and(|o| o.decision != a.decision()) {
            s.report_only_changes += 1;
        }
    }

    /// The summary so far.
    pub fn summary(&self) -> &ReplaySummary {
        &self.summary
    }

    /// The profiles as learned so far.
    pub fn profiles(&self) -> &BTreeMap<NationalId, Profile> {
        &self.profiles
    }

    /// End the replay.
    pub fn finish(self) -> ReplaySummary {
        self.summary
    }
}

/// Count `a` in the group of attacker model `name`: at most [`MAX_ATTACKER_GROUPS`] groups,
/// names cut to [`MAX_ATTACKER_NAME_LEN`] bytes, the rest under [`OTHER_ATTACKER`].
fn add_to_group(groups: &mut BTreeMap<String, GroupStats>, name: &str, a: &Assessment<'_>) {
    let name = cut(name, MAX_ATTACKER_NAME_LEN);
    let key = if groups.contains_key(name) || groups.len() < MAX_ATTACKER_GROUPS {
        name
    } else {
        OTHER_ATTACKER
    };
    match groups.get_mut(key) {
        Some(g) => g.add(a),
        None => {
            let mut g = GroupStats::default();
            g.add(a);
            groups.insert(key.to_owned(), g);
        }
    }
}

/// The login a step-up asks for, a minute after `ctx`: a fresh authentication, with the card
/// when that is the method.
fn step_up_login(ctx: &RiskContext, method: StepUpMethod) -> Option<RiskContext> {
    let mut event = ctx.event().clone();
    event.at += time::Duration::minutes(1);
    event.auth.auth_time = Some(event.at);
    event.auth.issued_at = Some(event.at);
    if method == StepUpMethod::CpsCard {
        event.auth.mode = Some(AuthMode::Card);
    }
    RiskContext::try_from(event).ok()
}

fn increment(map: &mut BTreeMap<String, u64>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_owned(), 1);
        }
    }
}

/// `s` cut to at most `max` bytes, on a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// Replay `logins` (in time order) under `policy`; see the module docs.
///
/// ```
/// use ecps_risk::{Environment, replay::Label, Policy, replay::RecordedLogin, replay::ReplayOptions, RiskContext, replay};
/// use time::macros::datetime;
///
/// let lines = [
///     r#"{"login": {"at": "2025-10-06T08:00:00Z", "subject": "810001234565"}, "label": "legitimate"}"#,
///     r#"{"login": {"at": "2025-10-06T09:00:00Z", "subject": "810001234565",
///         "credential": {"activated_at": "2025-10-06T08:40:00Z", "channel": "email_sms"},
///         "request": {"device": "0123456789abcdef0123456789abcdef"}},
///       "label": "attack", "attacker": "ecps_takeover"}"#,
/// ];
/// let logins = lines.iter().map(|l| serde_json::from_str::<RecordedLogin>(l)).collect::<Result<Vec<_>, _>>()?;
/// let policy = Policy::recommended();
/// let summary = replay(&policy, Environment::empty(), &logins, ReplayOptions::default());
/// assert_eq!(summary.logins(), 2);
/// assert_eq!(summary.label(Label::Attack).map(|g| g.decisions.challenged()), Some(1));
/// assert_eq!(summary.rule_hits.get("fresh-remote-activation"), Some(&1));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn replay<I>(
    policy: &Policy,
    environment: Environment<'_>,
    logins: I,
    options: ReplayOptions,
) -> ReplaySummary
where
    I: IntoIterator,
    I::Item: Borrow<RecordedLogin>,
{
    let mut r = Replay::new(policy, environment, options);
    for login in logins {
        r.push(login.borrow());
    }
    r.finish()
}

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
