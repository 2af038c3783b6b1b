//! What learning needs of a scored login: its [`Verdict`] (which login, whether it was good,
//! whether the CPS card vouched for it), converted from an
//! [`Assessment`](crate::Assessment). Defined below the policy so a [`Profile`](crate::Profile)
//! learns without depending on what a policy or an assessment is.

use std::fmt;

use time::OffsetDateTime;

use crate::input::context::RiskContext;
use crate::model::digest::Digest128;
use crate::model::text::rfc3339;

/// What a profile learns from: the login an assessment is of (time and digest), whether the
/// login was good (allowed, or stepped up and passed, and no report-only outcome asked more),
/// and whether the CPS card vouched for it (a card step-up passed). Made from an
/// [`Assessment`](crate::Assessment) (`From<&Assessment>`), never by hand: a caller cannot
/// claim a login good that the policy did not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub(crate) login_time: OffsetDateTime,
    pub(crate) login_digest: Option<Digest128>,
    pub(crate) good: bool,
    pub(crate) card_step_up: bool,
    /// [`RiskContext::digest`] of the step-up login that proved it, if a step-up passed.
    pub(crate) step_up_digest: Option<Digest128>,
}

impl Verdict {
    /// `Ok` when this verdict is of the login `ctx` holds (same [`RiskContext::digest`]).
    pub fn check_login(&self, ctx: &RiskContext) -> Result<(), LoginMismatch> {
        if self.login_digest == Some(ctx.digest()) {
            return Ok(());
        }
        Err(LoginMismatch {
            assessment_time: self.login_time,
            assessment_digest: self.login_digest,
            context_time: ctx.now(),
            context_digest: ctx.digest(),
        })
    }

    /// True for a login the profile may learn from.
    pub fn is_good_login(&self) -> bool {
        self.good
    }

    /// True when a CPS-card step-up was passed for the login.
    pub fn passed_with_card(&self) -> bool {
        self.card_step_up
    }

    /// The [`RiskContext::digest`] of the step-up login that proved the login, if a step-up
    /// passed: one proof, one login ([`Profile::learn`](crate::Profile::learn) refuses it for
    /// a second login).
    pub fn step_up_digest(&self) -> Option<Digest128> {
        self.step_up_digest
    }
}

/// An assessment given with the context of another login (see [`Assessment::check_login`](crate::Assessment::check_login)).
/// The logins are named by time and [`RiskContext::digest`], never by their subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the assessment is of {}, the context of the login at `{}` (digest `{context_digest}`)",
    AssessedLogin(*assessment_digest, *assessment_time),
    rfc3339(context_time)
)]
#[non_exhaustive]
pub struct LoginMismatch {
    /// Login time of the assessment.
    pub assessment_time: OffsetDateTime,
    /// Digest of the assessment's login (`None`: no evaluation filled the assessment).
    pub assessment_digest: Option<Digest128>,
    /// Login time of the context.
    pub context_time: OffsetDateTime,
    /// Digest of the context.
    pub context_digest: Digest128,
}

/// The assessment's side of a [`LoginMismatch`] message.
struct AssessedLogin(Option<Digest128>, OffsetDateTime);

impl fmt::Display for AssessedLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(digest) => write!(f, "the login at `{}` (digest `{digest}`)", rfc3339(&self.1)),
            None => f.write_str("no login (no evaluation filled it)"),
        }
    }
}
