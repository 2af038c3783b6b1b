//! Risk scoring for **Pro Santé Connect** logins made with an **e-CPS**: after the PSC callback
//! and before opening a session, a service provider scores the login and gets **allow / step
//! up / review / deny**, with reasons, under a policy its security team writes as data. The
//! crate does no I/O, reads no clock and keeps no global state: the caller passes everything in
//! (the time too), and the same input always gives the same output.
//!
//! # The steps
//!
//! 1. **Once, at start-up**: compile a [`Policy`] (the built-in [`Policy::recommended`], or a
//!    [`PolicySpec`] read from TOML or JSON) and the provider's [`Watchlists`]; share both
//!    behind an `Arc`.
//! 2. **Each login**: build a [`RiskContext`] from the verified PSC claims ([`PscClaims`],
//!    [`RiskContext::from_psc`]) or the builder, with the request's facts; load the
//!    professional's [`Profile`] from your store.
//! 3. **Evaluate**: [`Policy::evaluate`] returns an [`Assessment`], never an error (an error
//!    inside evaluation fails closed).
//! 4. **Act** on [`Assessment::decision`]: open the session, ask the [`StepUpMethod`] (then
//!    [`Assessment::mark_step_up_passed`] with the step-up login), hold for review, or refuse;
//!    show the professional the [`Advice`]; log an [`AuditRecord`]; send an
//!    [`IncidentReport`] to the ANS when the policy says so.
//! 5. **Learn**: [`Profile::learn`] from the assessment's [`Verdict`] (only good logins teach),
//!    and store the profile back.
//!
//! ```
//! use ecps_risk::{Decision, Environment, Policy, Profile, RiskContext};
//! use time::macros::datetime;
//!
//! let policy = Policy::recommended();
//! let now = datetime!(2025-10-08 09:30 UTC);
//! let ctx = RiskContext::builder(now, "810001234565".parse()?)
//!     .acr("eidas1")
//!     .build()?;
//! let profile = Profile::new();
//! let assessment = policy.evaluate(&ctx, &profile, &Environment::empty());
//! if assessment.decision() == Decision::Allow {
//!     let _learned = profile.learn(&ctx, &assessment)?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Where everything is
//!
//! The names above are the paved path, re-exported here. Everything else lives in exactly one
//! module, one per stage of the pipeline, lowest first (each uses only the ones before it):
//!
//! - [`model`]: value types: national identifiers, places, local time, digests, user agents;
//! - [`input`]: one login, validated: claims, the login event, the context and its builder;
//! - [`history`]: what the caller stores: profiles, population statistics, the anomaly score;
//! - [`env`](mod@env): provider data compiled once: watchlists, the per-request environment;
//! - [`detect`]: detectors, their codes, parameters and signals, and the custom-detector trait;
//! - [`policy`]: the policy format, its compilation and evaluation, the assessment;
//! - [`output`]: advice, audit records, incident reports, pseudonyms;
//! - [`replay`]: replaying stored logins under a policy, and comparing two policies.
//!
//! The README covers the domain, the detectors, the policy format and the measurements.
#![forbid(unsafe_code)]
// Every `pub` item of the library is reachable from outside (else it is `pub(crate)`), and
// every public type a public signature names can be named by callers (the library only:
// tests and examples share fixtures with plain `pub`).
#![deny(unreachable_pub, unnameable_types)]

pub mod detect;
pub mod env;
pub mod history;
pub mod input;
pub mod model;
pub mod output;
pub mod policy;
pub mod replay;

// The login: identifiers, claims, the validated context.
pub use input::{
    ActivationChannel, AuthMode, ClaimsError, ContextError, LoginEvent, PscClaims, RiskContext,
    RiskContextBuilder,
};
pub use model::NationalId;
// What the caller stores, and the provider data shared by every login.
pub use env::{Environment, WatchlistError, Watchlists, WatchlistsSpec};
pub use history::{PopulationStats, Profile, ProfileError, Verdict};
// Detectors: codes, results, and the trait for custom ones.
pub use detect::{Detector, DetectorError, DetectorInput, Evidence, Signal, SignalCode};
// The policy and what evaluating it returns.
pub use policy::{
    Assessment, Decision, Policy, PolicyError, PolicySpec, StepUpError, StepUpMethod,
};
// Outputs for people: advice for the professional, audit records, incident reports for the
// ANS, pseudonymized under the provider's key.
pub use output::{Advice, AuditRecord, IncidentReport, Lang, Privacy, PseudonymKey};

// The README's examples are compiled and run as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
