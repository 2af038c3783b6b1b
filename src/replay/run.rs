//! [`Replay`]: logins fed one by one under a policy, profiles learned as they go, and the
//! one-call [`replay`].

use std::borrow::Borrow;
use std::collections::BTreeMap;

use crate::env::environment::Environment;
use crate::history::population::PopulationStats;
use crate::history::profile::Profile;
use crate::input::context::{AuthMode, RiskContext};
use crate::model::national_id::NationalId;
use crate::model::text;
use crate::output::report::PolicyRef;
use crate::policy::Policy;
use crate::policy::assessment::Assessment;
use crate::policy::decision::{Decision, StepUpMethod};

use super::{
    GroupStats, Label, Learning, MAX_ATTACKER_GROUPS, MAX_ATTACKER_NAME_LEN, OTHER_ATTACKER,
    PopulationSource, RecordedLogin, ReplayOptions, ReplaySummary,
};

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
    let name = text::prefix(name, MAX_ATTACKER_NAME_LEN);
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

/// Replay `logins` (in time order) under `policy`; see the module docs.
///
/// ```
/// use ecps_risk::{Environment, replay::Label, Policy, replay::RecordedLogin, replay::ReplayOptions, RiskContext, replay::replay};
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
