//! [`Profile`]: one professional's login history, kept by the caller between logins.
//!
//! The caller loads it (any database, any serde format), passes it to evaluation, and stores the
//! value [`Profile::learn`] returns. It is **bounded** — every table has a cap
//! ([`PROFILE_CAPS`], [`MAX_DEVICES`], …) with least-recently-seen eviction — so a stored
//! profile stays within a few KiB of JSON whatever happens.
//!
//! It learns **only from good logins**: allowed ones, ones whose step-up succeeded
//! ([`Assessment::mark_step_up_passed`](crate::Assessment::mark_step_up_passed)), and ones a
//! person confirmed safe ([`Profile::confirm_safe`]). A blocked attacker therefore cannot make
//! their device or network familiar by retrying. [`Profile::confirm_compromised`] forgets what a
//! compromised login taught it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::assessment::Assessment;
use crate::context::RiskContext;
use crate::count_table::CountTable;
use crate::digest::Digest128;
use crate::features::{FeatureCaps, FeatureHistory};
use crate::geo::GeoPoint;
use crate::local_time::HOURS_PER_WEEK;
use crate::national_id::NationalId;

/// The format version this crate writes. Reading a newer one is an error, never a reset.
pub const PROFILE_FORMAT_VERSION: u32 = 1;
/// Distinct devices kept per professional.
pub const MAX_DEVICES: usize = 16;
/// Caps of the network / ASN / country / user-agent tables of a profile.
pub const PROFILE_CAPS: FeatureCaps = FeatureCaps {
    networks: 24,
    asns: 12,
    countries: 12,
    user_agents: 8,
};
/// Login times kept for `velocity.burst`.
pub const MAX_RECENT_LOGINS: usize = 16;
/// Feedback marks kept.
pub const MAX_FEEDBACK: usize = 8;
/// Hour-of-week counts saturate here; when one would pass it, all are halved, so old habits
/// fade and the histogram's size is fixed.
pub const MAX_HOUR_COUNT: u16 = 1000;

/// Where the professional last logged in from, for `geo.impossible_travel`: the last good
/// login that had coordinates (a login without GeoIP data does not erase it).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastPosition {
    /// When, Unix seconds.
    pub at: i64,
    /// Where.
    pub geo: GeoPoint,
}

/// What a person said about a login.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feedback {
    /// The professional or an administrator confirmed the login was theirs.
    ConfirmedSafe,
    /// The login was confirmed fraudulent.
    ConfirmedCompromised,
}

/// A feedback mark, kept for audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackMark {
    /// Time of the login the feedback is about, Unix seconds.
    pub at: i64,
    /// The feedback.
    pub feedback: Feedback,
}

/// One professional's bounded login history (see the module docs).
///
/// ```
/// use ecps_risk::{Policy, Profile, RiskContext, Environment};
/// use time::macros::datetime;
///
/// let policy = Policy::recommended();
/// let ctx = RiskContext::builder(datetime!(2025-10-08 09:30 UTC), "810001234565".parse()?)
///     .ip("192.0.2.10".parse()?)
///     .device_id("cookie-1")
///     .build()?;
/// let profile = Profile::new();
/// let assessment = policy.evaluate(&ctx, &profile, &Environment::empty());
/// // Learning happens only if the login was allowed (or its step-up passed).
/// let profile = profile.learn(&ctx, &assessment)?;
/// assert!(profile.login_count() <= 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ProfileWire")]
pub struct Profile {
    format_version: u32,
    subject: Option<NationalId>,
    first_seen: Option<i64>,
    login_count: u64,
    last_position: Option<LastPosition>,
    devices: CountTable<Digest128>,
    history: FeatureHistory,
    #[serde(with = "hours_serde")]
    hours: [u16; HOURS_PER_WEEK],
    recent_logins: Vec<i64>,
    feedback: Vec<FeedbackMark>,
}

/// The stored form, checked on the way in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileWire {
    format_version: u32,
    #[serde(default)]
    subject: Option<NationalId>,
    #[serde(default)]
    first_seen: Option<i64>,
    #[serde(default)]
    login_count: u64,
    #[serde(default)]
    last_position: Option<LastPosition>,
    #[serde(default)]
    devices: CountTable<Digest128>,
    #[serde(default)]
    history: FeatureHistory,
    #[serde(default = "empty_hours", with = "hours_serde")]
    hours: [u16; HOURS_PER_WEEK],
    #[serde(default)]
    recent_logins: Vec<i64>,
    #[serde(default)]
    feedback: Vec<FeedbackMark>,
}

fn empty_hours() -> [u16; HOURS_PER_WEEK] {
    [0; HOURS_PER_WEEK]
}

/// Why a stored profile was refused, or a profile cannot learn from a login.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// Written by a newer version of the crate.
    #[error(
        "profile format version `{found}` is not supported (this crate reads up to {PROFILE_FORMAT_VERSION})"
    )]
    FutureVersion {
        /// The version found.
        found: u32,
    },
    /// Version 0 does not exist.
    #[error("profile format version `0` does not exist")]
    ZeroVersion,
    /// A table holds more entries than its cap.
    #[error("profile table `{table}` has {len} entries, above its cap of {cap}")]
    OverCap {
        /// The table.
        table: &'static str,
        /// Entries found.
        len: usize,
        /// The cap.
        cap: usize,
    },
    /// A stored last position is invalid.
    #[error("profile `last_position.geo`: {0}")]
    LastPosition(crate::geo::GeoPointError),
    /// The assessment is of another login than the context given with it.
    #[error(
        "the assessment is of the login at `{assessment}`, the context of the login at `{context}`"
    )]
    AssessmentMismatch {
        /// Login time of the assessment (Unix seconds).
        assessment: i64,
        /// Login time of the context (Unix seconds).
        context: i64,
    },
    /// The login is another professional's.
    #[error("profile belongs to `{profile}`, the login to `{login}`")]
    SubjectMismatch {
        /// The profile's subject.
        profile: String,
        /// The login's subject.
        login: String,
    },
}

impl TryFrom<ProfileWire> for Profile {
    type Error = ProfileError;
    fn try_from(w: ProfileWire) -> Result<Self, ProfileError> {
        if w.format_version == 0 {
            return Err(ProfileError::ZeroVersion);
        }
        if w.format_version > PROFILE_FORMAT_VERSION {
            return Err(ProfileError::FutureVersion {
                found: w.format_version,
            });
        }
        let caps = [
            ("devices", w.devices.len(), MAX_DEVICES),
            (
                "history.networks",
                w.history.networks.len(),
                PROFILE_CAPS.networks,
            ),
            ("history.asns", w.history.asns.len(), PROFILE_CAPS.asns),
            (
                "history.countries",
                w.history.countries.len(),
                PROFILE_CAPS.countries,
            ),
            (
                "history.user_agents",
                w.history.user_agents.len(),
                PROFILE_CAPS.user_agents,
            ),
            ("recent_logins", w.recent_logins.len(), MAX_RECENT_LOGINS),
            ("feedback", w.feedback.len(), MAX_FEEDBACK),
        ];
        for (table, len, cap) in caps {
            if len > cap {
                return Err(ProfileError::OverCap { table, len, cap });
            }
        }
        if let Some(p) = w.last_position {
            p.geo.validate().map_err(ProfileError::LastPosition)?;
        }
        let mut recent_logins = w.recent_logins;
        recent_logins.sort_unstable();
        let mut feedback = w.feedback;
        feedback.sort_unstable();
        Ok(Profile {
            format_version: PROFILE_FORMAT_VERSION,
            subject: w.subject,
            first_seen: w.first_seen,
            login_count: w.login_count,
            last_position: w.last_position,
            devices: w.devices,
            history: w.history,
            hours: w.hours,
            recent_logins,
            feedback,
        })
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            format_version: PROFILE_FORMAT_VERSION,
            subject: None,
            first_seen: None,
            login_count: 0,
            last_position: None,
            devices: CountTable::new(),
            history: FeatureHistory::default(),
            hours: [0; HOURS_PER_WEEK],
            recent_logins: Vec::new(),
            feedback: Vec::new(),
        }
    }
}

impl Profile {
    /// An empty profile (a professional's first login: `history.cold_start`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Whose profile this is, once it learned a login.
    pub fn subject(&self) -> Option<&NationalId> {
        self.subject.as_ref()
    }

    /// Good logins learned.
    pub fn login_count(&self) -> u64 {
        self.login_count
    }

    /// First good login, Unix seconds.
    pub fn first_seen(&self) -> Option<i64> {
        self.first_seen
    }

    /// Where the last good login with coordinates came from.
    pub fn last_position(&self) -> Option<&LastPosition> {
        self.last_position.as_ref()
    }

    /// Time of the last good login, Unix seconds.
    pub fn last_login_at(&self) -> Option<i64> {
        self.recent_logins.last().copied()
    }

    /// Known devices (hashed ids).
    pub fn devices(&self) -> &CountTable<Digest128> {
        &self.devices
    }

    /// Known networks, ASNs, countries and user agents.
    pub fn history(&self) -> &FeatureHistory {
        &self.history
    }

    /// Logins per local hour of the week (index 0 = Monday 00:00).
    pub fn hours(&self) -> &[u16; HOURS_PER_WEEK] {
        &self.hours
    }

    /// Times of the last good logins, Unix seconds, oldest first.
    pub fn recent_logins(&self) -> &[i64] {
        &self.recent_logins
    }

    /// Feedback marks, oldest first.
    pub fn feedback(&self) -> &[FeedbackMark] {
        &self.feedback
    }

    /// Learn from a scored login, if it was good: allowed, or stepped up and passed. Otherwise
    /// the profile comes back unchanged, so a blocked attacker cannot poison the history.
    /// Errors when the login is another professional's.
    pub fn learn(
        &self,
        ctx: &RiskContext,
        assessment: &Assessment<'_>,
    ) -> Result<Profile, ProfileError> {
        self.check_subject(ctx)?;
        let (assessed, context) = (assessment.login_time(), ctx.now());
        if assessed != context {
            return Err(ProfileError::AssessmentMismatch {
                assessment: assessed.unix_timestamp(),
                context: context.unix_timestamp(),
            });
        }
        if !assessment.is_good_login() {
            return Ok(self.clone());
        }
        let mut next = self.clone();
        next.absorb(ctx);
        Ok(next)
    }

    /// A person confirmed this login was the professional's: learn it whatever it scored.
    pub fn confirm_safe(&self, ctx: &RiskContext) -> Result<Profile, ProfileError> {
        self.check_subject(ctx)?;
        let mut next = self.clone();
        next.absorb(ctx);
        next.mark(ctx.now(), Feedback::ConfirmedSafe);
        Ok(next)
    }

    /// A person confirmed this login was fraudulent: forget its device, network, ASN, country
    /// and user agent (if they were learned), and the last-login position if it was this one.
    pub fn confirm_compromised(&self, ctx: &RiskContext) -> Result<Profile, ProfileError> {
        self.check_subject(ctx)?;
        let mut next = self.clone();
        let f = ctx.features();
        if let Some(d) = ctx.event().request.device {
            next.devices.remove(&d);
        }
        if let Some(n) = f.network {
            next.history.networks.remove(&n);
        }
        if let Some(a) = f.asn {
            next.history.asns.remove(&a);
        }
        if let Some(c) = f.country {
            next.history.countries.remove(&c);
        }
        if let Some(ua) = f.user_agent {
            next.history.user_agents.remove(&ua.hash);
        }
        let at = ctx.now().unix_timestamp();
        if next.last_position.is_some_and(|l| l.at == at) {
            next.last_position = None;
        }
        next.recent_logins.retain(|t| *t != at);
        next.mark(ctx.now(), Feedback::ConfirmedCompromised);
        Ok(next)
    }

    fn check_subject(&self, ctx: &RiskContext) -> Result<(), ProfileError> {
        match &self.subject {
            Some(s) if s != ctx.subject() => Err(ProfileError::SubjectMismatch {
                profile: s.to_string(),
                login: ctx.subject().to_string(),
            }),
            _ => Ok(()),
        }
    }

    fn mark(&mut self, at: OffsetDateTime, feedback: Feedback) {
        self.feedback.push(FeedbackMark {
            at: at.unix_timestamp(),
            feedback,
        });
        self.feedback.sort_unstable();
        let excess = self.feedback.len().saturating_sub(MAX_FEEDBACK);
        self.feedback.drain(..excess);
    }

    fn absorb(&mut self, ctx: &RiskContext) {
        let at = ctx.now().unix_timestamp();
        let request = &ctx.event().request;
        self.subject = Some(ctx.subject().clone());
        self.first_seen = Some(self.first_seen.map_or(at, |f| f.min(at)));
        self.login_count = self.login_count.saturating_add(1);
        if let Some(geo) = request.geo
            && self.last_position.is_none_or(|l| l.at <= at)
        {
            self.last_position = Some(LastPosition { at, geo });
        }
        if let Some(d) = request.device {
            self.devices.observe(d, at, MAX_DEVICES);
        }
        self.history.observe(ctx.features(), at, &PROFILE_CAPS);
        let hour = usize::from(ctx.hour_of_week());
        if self.hours.get(hour).is_some_and(|c| *c >= MAX_HOUR_COUNT) {
            self.hours.iter_mut().for_each(|c| *c /= 2);
        }
        if let Some(c) = self.hours.get_mut(hour) {
            *c += 1;
        }
        self.recent_logins.push(at);
        self.recent_logins.sort_unstable();
        let excess = self.recent_logins.len().saturating_sub(MAX_RECENT_LOGINS);
        self.recent_logins.drain(..excess);
    }
}

/// The hour histogram as a JSON array of 168 numbers.
mod hours_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::local_time::HOURS_PER_WEEK;

    pub fn serialize<S: Serializer>(h: &[u16; HOURS_PER_WEEK], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(h.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u16; HOURS_PER_WEEK], D::Error> {
        let v = Vec::<u16>::deserialize(d)?;
        let len = v.len();
        <[u16; HOURS_PER_WEEK]>::try_from(v).map_err(|_| {
            serde::de::Error::custom(format_args!(
                "`hours` has {len} entries, expected {HOURS_PER_WEEK}"
            ))
        })
    }
}
