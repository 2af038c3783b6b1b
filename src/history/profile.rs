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
//! their device or network familiar by retrying: a challenged or denied login is kept only as
//! an *attempt* (its time and device), which `velocity.burst` counts. What a good login teaches
//! is *confirmed* when the CPS card vouched for it (a `CARD` login, a passed card step-up) or a
//! person did; otherwise a device or a network becomes established only after several logins
//! over several days ([`Entry::is_established`](crate::history::Entry::is_established)), so an attacker
//! let in once is not familiar at once. The profile also counts the professional's logins by
//! means of authentication (the card, the e-CPS: [`Means`]), the habit `auth.ecps_unusual`
//! reads. [`Profile::confirm_compromised`] takes back what a compromised login taught and
//! remembers its device as compromised (`device.compromised`).

use serde::{Deserialize, Serialize};

use crate::history::count_table::{CountTable, CountTableWire, MAX_UNIX_TIME};
use crate::history::feature_history::{FeatureCaps, FeatureHistory, FeatureHistoryWire};
use crate::history::verdict::{LoginMismatch, Verdict};
use crate::input::context::{AuthMode, RiskContext};
use crate::model::digest::Digest128;
use crate::model::geo::GeoPoint;
use crate::model::local_time::HOURS_PER_WEEK;
use crate::model::national_id::NationalId;

/// The format version this crate writes. Reading a newer one is an error, never a reset;
/// version 1 (before means, attempts, confirmed observations and recent logins' digests) reads
/// as a profile without them. Recent logins and the last position keep the
/// [`RiskContext::digest`] of their login, so a release that changes the digest's encoding
/// must bump this version (and read older digests as absent).
pub const PROFILE_FORMAT_VERSION: u32 = 2;
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
/// Challenged or denied attempts kept (for `velocity.burst`).
pub const MAX_ATTEMPTS: usize = 16;
/// Counts of logins by means saturate here; when one would pass it, all are halved, so old
/// habits fade.
pub const MAX_MEANS_COUNT: u32 = 1000;
/// Feedback marks kept.
pub const MAX_FEEDBACK: usize = 8;
/// Hour-of-week counts saturate here; when one would pass it, all are halved, so old habits
/// fade and the histogram's size is fixed.
pub const MAX_HOUR_COUNT: u16 = 1000;

/// Where the professional last logged in from, for `geo.impossible_travel`: the last good
/// login that had coordinates (a login without GeoIP data does not erase it).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct LastPosition {
    /// When, Unix seconds.
    pub at: i64,
    /// Where.
    pub geo: GeoPoint,
    /// The login's [`RiskContext::digest`], so that only that login's undo takes the position
    /// back; `None` when stored by format 1 (matched by its time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest128>,
}
crate::model::wire::map_only!(LastPosition);

/// A good login among the last [`MAX_RECENT_LOGINS`]: when, which one, and whether what it
/// taught was confirmed. The same login learned again (allowed, then confirmed safe) is found
/// by its digest and counted once; [`Profile::confirm_compromised`] finds it the same way, so
/// another login at the same second is never taken for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct RecentLogin {
    /// When, Unix seconds.
    pub at: i64,
    /// The login's [`RiskContext::digest`]; `None` for a login stored by format 1 (a bare
    /// time), which is matched by its time, as format 1 did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest128>,
    /// Whether what it taught was confirmed (a card login, a card step-up passed, a person).
    #[serde(default, skip_serializing_if = "is_false")]
    pub confirmed: bool,
    /// The [`RiskContext::digest`] of the step-up login that proved it, when it was learned
    /// through a passed step-up: [`Profile::learn`] refuses the same proof for another login
    /// ([`ProfileError::StepUpReused`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_up: Option<Digest128>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Serialize for RecentLogin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RecentLogin::serialize(self, s)
    }
}

/// A recent login reads from a map of named fields, or from a bare time (format 1).
impl<'de> Deserialize<'de> for RecentLogin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = RecentLogin;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a time (Unix seconds) or a map of named fields")
            }
            fn visit_i64<E: serde::de::Error>(self, at: i64) -> Result<RecentLogin, E> {
                Ok(RecentLogin {
                    at,
                    digest: None,
                    confirmed: false,
                    step_up: None,
                })
            }
            fn visit_u64<E: serde::de::Error>(self, at: u64) -> Result<RecentLogin, E> {
                let at = i64::try_from(at).map_err(|_| {
                    E::invalid_value(serde::de::Unexpected::Unsigned(at), &"a time")
                })?;
                self.visit_i64(at)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RecentLogin, A::Error> {
                RecentLogin::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_any(Visit)
    }
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

/// A feedback mark, kept for audit; a compromised login's device stays suspicious.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct FeedbackMark {
    /// Time of the login the feedback is about, Unix seconds.
    pub at: i64,
    /// The feedback.
    pub feedback: Feedback,
    /// The login's device (hashed cookie), when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Digest128>,
}
crate::model::wire::map_only!(FeedbackMark);

/// How many of the professional's good logins came with each means of authentication
/// (`authMode`): the habit `auth.ecps_unusual` reads. Logins without `authMode` are not
/// counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct Means {
    /// With the CPS card.
    pub card: u32,
    /// With the e-CPS.
    pub ecps: u32,
    /// With another means.
    pub other: u32,
}
crate::model::wire::map_only!(Means);

impl Means {
    fn slot(&mut self, mode: &AuthMode) -> &mut u32 {
        match mode {
            AuthMode::Card => &mut self.card,
            AuthMode::Ecps => &mut self.ecps,
            AuthMode::Other(_) => &mut self.other,
        }
    }

    fn count(&mut self, mode: &AuthMode) {
        if *self.slot(mode) >= MAX_MEANS_COUNT {
            for n in [&mut self.card, &mut self.ecps, &mut self.other] {
                *n /= 2;
            }
        }
        let n = self.slot(mode);
        *n = n.saturating_add(1);
    }

    fn uncount(&mut self, mode: &AuthMode) {
        let n = self.slot(mode);
        *n = n.saturating_sub(1);
    }

    /// Logins counted, every means.
    pub fn total(&self) -> u32 {
        self.card
            .saturating_add(self.ecps)
            .saturating_add(self.other)
    }
}

/// A login that was challenged or denied and not (yet) passed: never learned as familiar, kept
/// for `velocity.burst`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Attempt {
    /// When, Unix seconds.
    pub at: i64,
    /// Its device (hashed cookie), when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Digest128>,
}
crate::model::wire::map_only!(Attempt);

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
    /// Sums of `hours`, kept with it so `time.unusual_hour` need not add them per login.
    #[serde(skip)]
    hour_sums: HourSums,
    #[serde(rename = "recent_logins")]
    recent: Vec<RecentLogin>,
    /// The times of `recent`, kept with it for `velocity.burst`.
    #[serde(skip)]
    recent_times: Vec<i64>,
    feedback: Vec<FeedbackMark>,
    #[serde(skip_serializing_if = "is_no_means")]
    means: Means,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attempts: Vec<Attempt>,
}

fn is_no_means(m: &Means) -> bool {
    *m == Means::default()
}

/// The stored form, checked on the way in.
#[derive(Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
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
    devices: CountTableWire<Digest128>,
    #[serde(default)]
    history: FeatureHistoryWire,
    #[serde(default = "empty_hours", with = "hours_serde")]
    hours: [u16; HOURS_PER_WEEK],
    #[serde(default)]
    recent_logins: Vec<RecentLogin>,
    #[serde(default)]
    feedback: Vec<FeedbackMark>,
    #[serde(default)]
    means: Means,
    #[serde(default)]
    attempts: Vec<Attempt>,
}
crate::model::wire::map_only!(deserialize ProfileWire);

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
    /// A stored count is above the cap learning keeps it under (it halves them there), so no
    /// profile this crate wrote holds it.
    #[error("profile count `{field}` is {count}, above its cap of {cap}")]
    CountOverCap {
        /// The counts: `means` or `hours`.
        field: &'static str,
        /// The count found.
        count: u32,
        /// The cap.
        cap: u32,
    },
    /// A stored last position is invalid.
    #[error("profile `last_position.geo`: {0}")]
    LastPosition(crate::model::geo::GeoPointError),
    /// A stored table breaks its invariants (a value twice, a count of 0, a time out of
    /// range).
    #[error("profile table `{table}`: {source}")]
    Table {
        /// The table (`devices`, `history.networks`, …).
        table: String,
        /// What is wrong, naming the entry's value.
        source: crate::history::count_table::CountTableError,
    },
    /// A stored time is not between 1970 and 9999 (the range of login times).
    #[error("profile `{field}` `{value}` is not a time between 1970 and 9999")]
    Time {
        /// The field (`first_seen`, `last_position.at`, `recent_logins`, `feedback.at`,
        /// `attempts.at`).
        field: &'static str,
        /// The value, Unix seconds.
        value: i64,
    },
    /// The assessment is of another login than the context given with it (another time, or
    /// another login at the same second: see [`Assessment::check_login`](crate::Assessment::check_login)).
    #[error(transparent)]
    AssessmentMismatch(#[from] LoginMismatch),
    /// The step-up that proved this login already proved another one the profile learned: one
    /// proof, one login. Named by times and digests, never by the subject.
    #[error(
        "the step-up login (digest `{step_up}`) already proved the login at `{}`",
        crate::model::text::rfc3339(proved_at)
    )]
    StepUpReused {
        /// The step-up login's [`RiskContext::digest`].
        step_up: Digest128,
        /// When the login it proved first was made.
        proved_at: time::OffsetDateTime,
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
        let devices = w.devices.check().map_err(|source| ProfileError::Table {
            table: "devices".into(),
            source,
        })?;
        let history = w.history.check().map_err(|e| ProfileError::Table {
            table: format!("history.{}", e.table),
            source: e.source,
        })?;
        let caps = [
            ("devices", devices.len(), MAX_DEVICES),
            (
                "history.networks",
                history.networks.len(),
                PROFILE_CAPS.networks,
            ),
            ("history.asns", history.asns.len(), PROFILE_CAPS.asns),
            (
                "history.countries",
                history.countries.len(),
                PROFILE_CAPS.countries,
            ),
            (
                "history.user_agents",
                history.user_agents.len(),
                PROFILE_CAPS.user_agents,
            ),
            ("recent_logins", w.recent_logins.len(), MAX_RECENT_LOGINS),
            ("feedback", w.feedback.len(), MAX_FEEDBACK),
            ("attempts", w.attempts.len(), MAX_ATTEMPTS),
        ];
        for (table, len, cap) in caps {
            if len > cap {
                return Err(ProfileError::OverCap { table, len, cap });
            }
        }
        if let Some(p) = w.last_position {
            p.geo.validate().map_err(ProfileError::LastPosition)?;
        }
        // Detectors subtract stored times from the login time: keep them in the range login
        // times have, so that no difference can overflow.
        let times = (w.first_seen.iter().map(|t| ("first_seen", *t)))
            .chain(w.last_position.iter().map(|p| ("last_position.at", p.at)))
            .chain(w.recent_logins.iter().map(|r| ("recent_logins", r.at)))
            .chain(w.feedback.iter().map(|f| ("feedback.at", f.at)))
            .chain(w.attempts.iter().map(|a| ("attempts.at", a.at)));
        for (field, value) in times {
            if !(0..=MAX_UNIX_TIME).contains(&value) {
                return Err(ProfileError::Time { field, value });
            }
        }
        let mut recent = w.recent_logins;
        recent.sort_unstable();
        let mut feedback = w.feedback;
        feedback.sort_unstable();
        let mut attempts = w.attempts;
        attempts.sort_unstable();
        let means = w.means;
        let most = means.card.max(means.ecps).max(means.other);
        if most > MAX_MEANS_COUNT {
            return Err(ProfileError::CountOverCap {
                field: "means",
                count: most,
                cap: MAX_MEANS_COUNT,
            });
        }
        if let Some(over) = w.hours.iter().copied().find(|c| *c > MAX_HOUR_COUNT) {
            return Err(ProfileError::CountOverCap {
                field: "hours",
                count: u32::from(over),
                cap: u32::from(MAX_HOUR_COUNT),
            });
        }
        Ok(Profile {
            format_version: PROFILE_FORMAT_VERSION,
            subject: w.subject,
            first_seen: w.first_seen,
            login_count: w.login_count,
            last_position: w.last_position,
            devices,
            history,
            hour_sums: HourSums::of(&w.hours),
            hours: w.hours,
            recent_times: recent.iter().map(|r| r.at).collect(),
            recent,
            feedback,
            means,
            attempts,
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
            hour_sums: HourSums::default(),
            recent: Vec::new(),
            recent_times: Vec::new(),
            feedback: Vec::new(),
            means: Means::default(),
            attempts: Vec::new(),
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
        self.recent_times.last().copied()
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

    /// The sum of [`Profile::hours`].
    pub fn hours_total(&self) -> u32 {
        self.hour_sums.total
    }

    /// The sums of [`Profile::hours`] by hour of the day (over the seven weekdays).
    pub(crate) fn hour_of_day_totals(&self) -> &[u32; 24] {
        &self.hour_sums.by_hour_of_day
    }

    /// Times of the last good logins, Unix seconds, oldest first.
    pub fn recent_logins(&self) -> &[i64] {
        &self.recent_times
    }

    /// `ctx`, if it is among the last good logins learned: found by its digest, or a login
    /// stored by format 1 (without a digest) at its second.
    pub fn recent_login(&self, ctx: &RiskContext) -> Option<&RecentLogin> {
        self.recent_index(ctx).and_then(|i| self.recent.get(i))
    }

    fn recent_index(&self, ctx: &RiskContext) -> Option<usize> {
        let digest = ctx.digest();
        let at = ctx.now_unix();
        (self.recent.iter().position(|r| r.digest == Some(digest)))
            .or_else(|| (self.recent.iter()).position(|r| r.digest.is_none() && r.at == at))
    }

    /// Feedback marks, oldest first.
    pub fn feedback(&self) -> &[FeedbackMark] {
        &self.feedback
    }

    /// How many good logins came with the card, the e-CPS, another means.
    pub fn means(&self) -> &Means {
        &self.means
    }

    /// Logins challenged or denied and not passed, oldest first.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// When a login from `device` was confirmed compromised, unless a later login from it was
    /// confirmed safe (the latest mark about the device decides).
    pub fn compromised_since(&self, device: &Digest128) -> Option<i64> {
        self.feedback
            .iter()
            .rev()
            .find(|m| m.device == Some(*device))
            .filter(|m| m.feedback == Feedback::ConfirmedCompromised)
            .map(|m| m.at)
    }

    /// Learn from a scored login, if it was good (allowed, or stepped up and passed): its
    /// device, network and habits, *confirmed* when the CPS card vouched for the login (a
    /// `CARD` login, a card step-up passed). Otherwise the login is kept only as an attempt
    /// (its time and device, for `velocity.burst`), so a blocked attacker cannot make their
    /// device or network familiar by retrying. Errors when the login is another
    /// professional's, or the assessment another login's, or when its step-up login already
    /// proved another login among the last [`MAX_RECENT_LOGINS`] learned
    /// ([`ProfileError::StepUpReused`]: one proof, one login).
    pub fn learn(
        &self,
        ctx: &RiskContext,
        verdict: impl Into<Verdict>,
    ) -> Result<Profile, ProfileError> {
        let verdict = verdict.into();
        self.check_subject(ctx)?;
        verdict.check_login(ctx)?;
        if verdict.is_good_login()
            && let Some(step_up) = verdict.step_up_digest()
            && let Some(first) = self
                .recent
                .iter()
                .find(|r| r.step_up == Some(step_up) && r.digest != Some(ctx.digest()))
        {
            return Err(ProfileError::StepUpReused {
                step_up,
                // Stored times are checked to be within 1970..=9999 when a profile is read.
                proved_at: time::OffsetDateTime::from_unix_timestamp(first.at)
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            });
        }
        let mut next = self.clone();
        if verdict.is_good_login() {
            let card = ctx.event().auth.mode == Some(AuthMode::Card);
            next.absorb(ctx, card || verdict.passed_with_card());
            next.record_step_up(ctx, verdict.step_up_digest());
        } else {
            next.attempt(ctx);
        }
        Ok(next)
    }

    /// A person confirmed this login was the professional's: learn it whatever it scored, as
    /// confirmed.
    pub fn confirm_safe(&self, ctx: &RiskContext) -> Result<Profile, ProfileError> {
        self.check_subject(ctx)?;
        let mut next = self.clone();
        next.absorb(ctx, true);
        next.mark(ctx, Feedback::ConfirmedSafe);
        Ok(next)
    }

    /// A person confirmed this login was fraudulent: take back what it taught — only that.
    ///
    /// Its device is forgotten and stays suspicious (`device.compromised` reads the mark). If
    /// the login was learned and is among the last [`MAX_RECENT_LOGINS`] (found by its
    /// digest: another login at the same second is not it), its observation goes from every
    /// table ([`CountTable::unobserve`]: a value it alone saw goes, one the professional had
    /// too loses that observation, its confirmation if the login gave one, and the span it
    /// stretched), and its hour, means and count go too; the last-login position goes if it
    /// was that login's. Confirming the same compromise again changes nothing.
    pub fn confirm_compromised(&self, ctx: &RiskContext) -> Result<Profile, ProfileError> {
        self.check_subject(ctx)?;
        let mut next = self.clone();
        let at = ctx.now_unix();
        let digest = ctx.digest();
        let e = ctx.event();
        if let Some(d) = e.request.device {
            next.devices.remove(&d);
        }
        let learned = next.recent_index(ctx).map(|i| next.recent.remove(i));
        if let Some(login) = learned {
            next.recent_times = next.recent.iter().map(|r| r.at).collect();
            next.history.unobserve(ctx.features(), at, login.confirmed);
            if let Some(mode) = &e.auth.mode {
                next.means.uncount(mode);
            }
            if let Some(c) = next.hours.get_mut(usize::from(ctx.hour_of_week())) {
                *c = c.saturating_sub(1);
            }
            next.hour_sums = HourSums::of(&next.hours);
            next.login_count = next.login_count.saturating_sub(1);
        }
        // The position is this login's if it carries its digest; one stored by format 1, if
        // it is at its second and the login was found among the recent ones.
        let its_position = |l: &LastPosition| match l.digest {
            Some(d) => d == digest,
            None => l.at == at && learned.is_some(),
        };
        if next.last_position.as_ref().is_some_and(its_position) {
            next.last_position = None;
        }
        next.mark(ctx, Feedback::ConfirmedCompromised);
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

    fn mark(&mut self, ctx: &RiskContext, feedback: Feedback) {
        let mark = FeedbackMark {
            at: ctx.now_unix(),
            feedback,
            device: ctx.event().request.device,
        };
        // The same feedback again says nothing new, and must not push out another mark.
        if self.feedback.contains(&mark) {
            return;
        }
        self.feedback.push(mark);
        self.feedback.sort_unstable();
        let excess = self.feedback.len().saturating_sub(MAX_FEEDBACK);
        self.feedback.drain(..excess);
    }

    fn attempt(&mut self, ctx: &RiskContext) {
        let attempt = Attempt {
            at: ctx.now().unix_timestamp(),
            device: ctx.event().request.device,
        };
        // The same login learned twice is one attempt.
        if self.attempts.contains(&attempt) {
            return;
        }
        self.attempts.push(attempt);
        self.attempts.sort_unstable();
        let excess = self.attempts.len().saturating_sub(MAX_ATTEMPTS);
        self.attempts.drain(..excess);
    }

    /// Remember which step-up login proved `ctx`, learned just now, so it proves no other.
    fn record_step_up(&mut self, ctx: &RiskContext, step_up: Option<Digest128>) {
        let digest = ctx.digest();
        if let Some(step_up) = step_up
            && let Some(login) = self.recent.iter_mut().find(|r| r.digest == Some(digest))
        {
            login.step_up = Some(step_up);
        }
    }

    fn absorb(&mut self, ctx: &RiskContext, confirmed: bool) {
        let at = ctx.now_unix();
        let digest = ctx.digest();
        let e = ctx.event();
        let request = &e.request;
        // The same login again (allowed, then confirmed safe): counted once; it only gains
        // the confirmation it lacked.
        if let Some(login) = self.recent.iter_mut().find(|r| r.digest == Some(digest)) {
            if confirmed && !login.confirmed {
                login.confirmed = true;
                if let Some(d) = request.device {
                    self.devices.confirm(&d, at);
                }
                self.history.confirm(ctx.features(), at);
            }
            return;
        }
        self.subject = Some(ctx.subject().clone());
        self.first_seen = Some(self.first_seen.map_or(at, |f| f.min(at)));
        self.login_count = self.login_count.saturating_add(1);
        // A VPN or data-centre exit says nothing of where the professional is: it never becomes
        // the position impossible travel is measured from.
        let exit = request.anonymizer == Some(true) || request.hosting == Some(true);
        if let Some(geo) = request.geo
            && !exit
            && self.last_position.is_none_or(|l| l.at <= at)
        {
            self.last_position = Some(LastPosition {
                at,
                geo,
                digest: Some(digest),
            });
        }
        if let Some(d) = request.device {
            self.devices.observe_as(d, at, MAX_DEVICES, confirmed);
        }
        self.history
            .observe_as(ctx.features(), at, &PROFILE_CAPS, confirmed);
        if let Some(mode) = &e.auth.mode {
            self.means.count(mode);
        }
        let hour = usize::from(ctx.hour_of_week());
        if self.hours.get(hour).is_some_and(|c| *c >= MAX_HOUR_COUNT) {
            self.hours.iter_mut().for_each(|c| *c /= 2);
        }
        if let Some(c) = self.hours.get_mut(hour) {
            *c += 1;
        }
        self.hour_sums = HourSums::of(&self.hours);
        self.recent.push(RecentLogin {
            at,
            digest: Some(digest),
            confirmed,
            step_up: None,
        });
        self.recent.sort_unstable();
        let excess = self.recent.len().saturating_sub(MAX_RECENT_LOGINS);
        self.recent.drain(..excess);
        self.recent_times = self.recent.iter().map(|r| r.at).collect();
    }
}

/// Sums of an hour-of-week histogram: in all, and by hour of the day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct HourSums {
    total: u32,
    by_hour_of_day: [u32; 24],
}

impl HourSums {
    fn of(hours: &[u16; HOURS_PER_WEEK]) -> Self {
        let mut sums = HourSums::default();
        for (hour, count) in hours.iter().enumerate() {
            sums.total += u32::from(*count);
            if let Some(slot) = sums.by_hour_of_day.get_mut(hour % 24) {
                *slot += u32::from(*count);
            }
        }
        sums
    }
}

/// The hour histogram as a JSON array of 168 numbers.
mod hours_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::model::local_time::HOURS_PER_WEEK;

    pub(super) fn serialize<S: Serializer>(
        h: &[u16; HOURS_PER_WEEK],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(h.iter())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<[u16; HOURS_PER_WEEK], D::Error> {
        let v = Vec::<u16>::deserialize(d)?;
        let len = v.len();
        <[u16; HOURS_PER_WEEK]>::try_from(v).map_err(|_| {
            serde::de::Error::custom(format_args!(
                "`hours` has {len} entries, expected {HOURS_PER_WEEK}"
            ))
        })
    }
}

#[cfg(test)]
mod tests;

/// The undo of `confirm_compromised`, defect by defect (review of the undo).
#[cfg(test)]
mod undo_tests;
