//! [`PolicyError`]: why a policy spec does not compile. Every message names the policy, the
//! rule or detector, and the offending value, in backticks.

use crate::env::watchlist::{WatchlistError, WatchlistKind};
use crate::input::context::ContextError;

/// A policy spec that cannot be compiled.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// An id (policy, rule, custom detector) is empty, too long or has other characters than
    /// letters, digits, `-`, `_`, `.`.
    #[error(
        "policy `{policy}`: {what} id `{value}` must be 1 to 64 letters, digits, `-`, `_` or `.`"
    )]
    Id {
        /// Policy id.
        policy: String,
        /// Which kind of id.
        what: &'static str,
        /// The id.
        value: String,
    },
    /// Two rules share an id.
    #[error("policy `{policy}`: rule id `{rule}` is used twice")]
    DuplicateRule {
        /// Policy id.
        policy: String,
        /// Rule id.
        rule: String,
    },
    /// A rule names a detector that is neither built in nor registered.
    #[error("policy `{policy}`: rule `{rule}`: unknown detector `{detector}`")]
    UnknownDetector {
        /// Policy id.
        policy: String,
        /// Rule id.
        rule: String,
        /// The code.
        detector: String,
    },
    /// A rule compares a fact that does not exist.
    #[error("policy `{policy}`: rule `{rule}`: unknown fact `{fact}`")]
    UnknownFact {
        /// Policy id.
        policy: String,
        /// Rule id.
        rule: String,
        /// The fact.
        fact: String,
    },
    /// A comparison's operator or value does not fit the fact.
    #[error("policy `{policy}`: rule `{rule}`: fact `{fact}`: {problem}")]
    Comparison {
        /// Policy id.
        policy: String,
        /// Rule id.
        rule: String,
        /// The fact.
        fact: String,
        /// What is wrong, with the value.
        problem: String,
    },
    /// A rule's condition can never be true.
    #[error("policy `{policy}`: rule `{rule}` can never fire: {reason}")]
    NeverFires {
        /// Policy id.
        policy: String,
        /// Rule id.
        rule: String,
        /// Why.
        reason: String,
    },
    /// Points outside −1000..=1000.
    #[error("policy `{policy}`: rule `{rule}`: points `{points}` outside -1000..=1000")]
    Points {
        /// Policy id.
        policy: String,
        /// Rule id.
        rule: String,
        /// The points.
        points: i32,
    },
    /// An effect that can never change a decision (`at_least = "allow"`).
    #[error("policy `{policy}`: rule `{rule}`: effect `{effect}` never changes a decision")]
    UselessEffect {
        /// Policy id.
        policy: String,
        /// Rule id.
        rule: String,
        /// The effect.
        effect: String,
    },
    /// A condition is nested too deeply or has too many parts.
    #[error("policy `{policy}`: rule `{rule}`: condition exceeds {limit}")]
    ConditionSize {
        /// Policy id.
        policy: String,
        /// Rule id.
        rule: String,
        /// The limit exceeded.
        limit: &'static str,
    },
    /// Thresholds not strictly increasing, or out of range.
    #[error(
        "policy `{policy}`: thresholds must satisfy 1 <= step_up < review < deny <= 100000, got `{step_up}`, `{review}`, `{deny}`"
    )]
    Thresholds {
        /// Policy id.
        policy: String,
        /// Step-up threshold.
        step_up: i32,
        /// Review threshold.
        review: i32,
        /// Deny threshold.
        deny: i32,
    },
    /// `fail_closed` is `allow`.
    #[error("policy `{policy}`: `fail_closed` cannot be `allow`")]
    FailOpen {
        /// Policy id.
        policy: String,
    },
    /// A detector parameter is out of range.
    #[error(
        "policy `{policy}`: detector `{detector}`: parameter `{parameter}` = `{value}` {problem}"
    )]
    Parameter {
        /// Policy id.
        policy: String,
        /// Detector code.
        detector: &'static str,
        /// Parameter name.
        parameter: &'static str,
        /// The value.
        value: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// A detector refers to a watchlist the policy does not declare.
    #[error("policy `{policy}`: detector `{detector}`: unknown watchlist `{list}`")]
    UnknownWatchlist {
        /// Policy id.
        policy: String,
        /// Detector code.
        detector: &'static str,
        /// The list name.
        list: String,
    },
    /// A detector refers to a watchlist declared with another kind.
    #[error(
        "policy `{policy}`: detector `{detector}`: watchlist `{list}` is declared `{declared:?}`, the detector needs `{expected:?}`"
    )]
    WatchlistKind {
        /// Policy id.
        policy: String,
        /// Detector code.
        detector: &'static str,
        /// The list name.
        list: String,
        /// Kind needed.
        expected: WatchlistKind,
        /// Kind declared.
        declared: WatchlistKind,
    },
    /// More of something than a policy may hold.
    #[error("policy `{policy}`: {what}: {len} is above the limit of {max}")]
    TooMany {
        /// Policy id.
        policy: String,
        /// What.
        what: &'static str,
        /// How many.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A text of the policy is longer than its limit.
    #[error("policy `{policy}`: {what} is {len} bytes long, above the limit of {max}")]
    TooLong {
        /// Policy id.
        policy: String,
        /// Which text.
        what: String,
        /// Its length, in bytes.
        len: usize,
        /// The limit, in bytes.
        max: usize,
    },
    /// An example's login is invalid.
    #[error("policy `{policy}`: example `{example}`: {source}")]
    ExampleLogin {
        /// Policy id.
        policy: String,
        /// Example name.
        example: String,
        /// Why.
        source: Box<ContextError>,
    },
    /// An example's watchlists are invalid.
    #[error("policy `{policy}`: example `{example}`: {source}")]
    ExampleWatchlists {
        /// Policy id.
        policy: String,
        /// Example name.
        example: String,
        /// Why.
        source: Box<WatchlistError>,
    },
    /// An example expects a rule the policy does not have.
    #[error("policy `{policy}`: example `{example}`: unknown rule `{rule}` in `fires`")]
    ExampleRule {
        /// Policy id.
        policy: String,
        /// Example name.
        example: String,
        /// The rule id.
        rule: String,
    },
    /// A custom detector registration is invalid (bad or duplicate name).
    #[error("custom detector `{name}`: {problem}")]
    CustomDetector {
        /// The name.
        name: String,
        /// What is wrong.
        problem: &'static str,
    },
}
