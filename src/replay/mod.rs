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
//! would have: each professional starts with an empty [`Profile`](crate::Profile) (or one the caller seeds with
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

mod diff;
mod run;
mod summary;

pub use diff::{DecisionTransition, DiffExample, DiffSide, PolicyDiff, diff};
pub use run::{Replay, replay};
pub use summary::{DecisionCounts, GroupStats, ReplaySummary, ScoreBin, ThresholdRow};

use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::input::context::RiskContext;

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
    /// for review was confirmed compromised ([`Profile::confirm_compromised`](crate::history::profile::Profile::confirm_compromised)). Allowed
    /// logins are learned whoever made them (an undetected attacker does poison the profile),
    /// denied ones never. Unlabelled logins learn as with [`Learning::AllowedOnly`].
    #[default]
    FromLabels,
    /// Only what [`Profile::learn`](crate::history::profile::Profile::learn) accepts from the assessment alone: allowed logins.
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
