//! What the caller does with a login: [`Decision`], and the coarse [`Level`] of risk.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How the professional must re-authenticate before the session opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StepUpMethod {
    /// A fresh PSC authentication (new push + PIN), whatever the means.
    FreshAuthentication,
    /// Re-authenticate with the physical CPS card and its PIN: the one means a fraudster who
    /// activated an e-CPS on their own phone does not have.
    CpsCard,
}

/// The outcome of a login. Ordered by severity: `Allow < StepUp(fresh) < StepUp(card) <
/// Review < Deny`, so combining decisions is taking the maximum.
///
/// `Review` holds the login until a person (the security team) has looked at it: stronger
/// than a step-up, which the professional can clear alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    /// Open the session.
    Allow,
    /// Require a step-up first.
    StepUp(StepUpMethod),
    /// Hold for human review.
    Review,
    /// Refuse.
    Deny,
}

impl Decision {
    /// The name used in policies and reports: `allow`, `step_up_fresh`, `step_up_cps_card`,
    /// `review`, `deny`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::StepUp(StepUpMethod::FreshAuthentication) => "step_up_fresh",
            Decision::StepUp(StepUpMethod::CpsCard) => "step_up_cps_card",
            Decision::Review => "review",
            Decision::Deny => "deny",
        }
    }

    /// Parse a name given by [`Decision::as_str`].
    pub fn parse(name: &str) -> Option<Decision> {
        Some(match name {
            "allow" => Decision::Allow,
            "step_up_fresh" => Decision::StepUp(StepUpMethod::FreshAuthentication),
            "step_up_cps_card" => Decision::StepUp(StepUpMethod::CpsCard),
            "review" => Decision::Review,
            "deny" => Decision::Deny,
            _ => return None,
        })
    }

    /// The lowest level consistent with this decision.
    pub const fn level(self) -> Level {
        match self {
            Decision::Allow => Level::Low,
            Decision::StepUp(_) => Level::Medium,
            Decision::Review => Level::High,
            Decision::Deny => Level::Critical,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Allow => "allow",
            Decision::StepUp(StepUpMethod::FreshAuthentication) => "step up (fresh authentication)",
            Decision::StepUp(StepUpMethod::CpsCard) => "step up (CPS card)",
            Decision::Review => "review",
            Decision::Deny => "deny",
        })
    }
}

impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Decision {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Decision::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format_args!(
                "unknown decision `{s}` (expected allow, step_up_fresh, step_up_cps_card, review or deny)"
            ))
        })
    }
}

/// Coarse risk level, for dashboards: the score's band, raised to what the decision implies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Below the step-up threshold.
    Low,
    /// Step-up band.
    Medium,
    /// Review band.
    High,
    /// Deny band.
    Critical,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn severity_order() {
        let order = [
            Decision::Allow,
            Decision::StepUp(StepUpMethod::FreshAuthentication),
            Decision::StepUp(StepUpMethod::CpsCard),
            Decision::Review,
            Decision::Deny,
        ];
        for pair in order.windows(2) {
            assert!(pair[0] < pair[1], "{:?}", pair);
        }
        for d in order {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(serde_json::from_str::<Decision>(&json).unwrap(), d);
        }
        assert!(
            serde_json::from_str::<Decision>("\"maybe\"")
                .unwrap_err()
                .to_string()
                .contains("`maybe`")
        );
    }
}
