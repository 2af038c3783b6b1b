//! [`AnomalyParams`]: the score's weights and smoothing, checked, with their wire form and errors.

use serde::{Deserialize, Serialize};

use super::{AnomalyFeature, HierarchyLevel};

/// Parameters of the score: the interpolation weights of each hierarchy and the ratio given to
/// a value the professional never showed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AnomalyParamsWire", into = "AnomalyParamsWire")]
pub struct AnomalyParams {
    pub(super) network_weights: [f64; 3],
    pub(super) user_agent_weights: [f64; 4],
    pub(super) unseen_ratio: f64,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
struct AnomalyParamsWire {
    network_weights: [f64; 3],
    user_agent_weights: [f64; 4],
    unseen_ratio: f64,
}
crate::model::wire::map_only!(AnomalyParamsWire);

/// Parameters that [`AnomalyParams::new`] refuses.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AnomalyParamsError {
    /// A weight is negative, infinite or NaN.
    #[error("weight `{value}` of level `{}` is not a finite number >= 0", level.as_str())]
    Weight {
        /// The level.
        level: HierarchyLevel,
        /// The weight.
        value: f64,
    },
    /// Every weight of a hierarchy is zero.
    #[error("every weight of the `{}` hierarchy is 0", feature.as_str())]
    AllZero {
        /// The hierarchy.
        feature: AnomalyFeature,
    },
    /// The unseen ratio is below 1, infinite or NaN.
    #[error("unseen ratio `{0}` is not a finite number >= 1")]
    UnseenRatio(f64),
}

pub(super) const NETWORK_LEVELS: [HierarchyLevel; 3] = [
    HierarchyLevel::Network,
    HierarchyLevel::Asn,
    HierarchyLevel::Country,
];
pub(super) const USER_AGENT_LEVELS: [HierarchyLevel; 4] = [
    HierarchyLevel::UserAgent,
    HierarchyLevel::Browser,
    HierarchyLevel::Os,
    HierarchyLevel::Device,
];

impl AnomalyParams {
    /// Wiefling et al.'s weights (tuned on their data set of 3.3 million users) and Freeman's
    /// "4" for values the professional never showed.
    pub const DEFAULT: AnomalyParams = AnomalyParams {
        network_weights: [0.6, 0.3, 0.1],
        user_agent_weights: [
            0.538_665_384_055_135_9,
            0.268_045_149_862_566_6,
            0.188_182_951_001_095_36,
            0.005_106_515_081_202_152_5,
        ],
        unseen_ratio: 4.0,
    };

    /// Check and build parameters. Weights need not sum to 1 (they are renormalized over the
    /// levels a login has); a weight of 0 leaves its level out.
    ///
    /// ```
    /// use ecps_risk::history::AnomalyParams;
    ///
    /// // Ignore the country level; be stricter on never-seen values.
    /// let ua_weights = AnomalyParams::DEFAULT.user_agent_weights();
    /// let p = AnomalyParams::new([0.7, 0.3, 0.0], ua_weights, 8.0).unwrap();
    /// assert_eq!(p.unseen_ratio(), 8.0);
    /// assert!(AnomalyParams::new([0.0; 3], [1.0; 4], 4.0).is_err());
    /// ```
    pub fn new(
        network_weights: [f64; 3],
        user_agent_weights: [f64; 4],
        unseen_ratio: f64,
    ) -> Result<Self, AnomalyParamsError> {
        let families: [(AnomalyFeature, &[f64], &[HierarchyLevel]); 2] = [
            (AnomalyFeature::Network, &network_weights, &NETWORK_LEVELS),
            (
                AnomalyFeature::UserAgent,
                &user_agent_weights,
                &USER_AGENT_LEVELS,
            ),
        ];
        for (feature, weights, levels) in families {
            for (&value, &level) in weights.iter().zip(levels) {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(AnomalyParamsError::Weight { level, value });
                }
            }
            if weights.iter().all(|w| *w == 0.0) {
                return Err(AnomalyParamsError::AllZero { feature });
            }
        }
        if !(unseen_ratio.is_finite() && unseen_ratio >= 1.0) {
            return Err(AnomalyParamsError::UnseenRatio(unseen_ratio));
        }
        Ok(AnomalyParams {
            network_weights,
            user_agent_weights,
            unseen_ratio,
        })
    }

    /// Weights of the network, ASN and country levels.
    pub fn network_weights(&self) -> [f64; 3] {
        self.network_weights
    }

    /// Weights of the full user agent, browser, OS and device levels.
    pub fn user_agent_weights(&self) -> [f64; 4] {
        self.user_agent_weights
    }

    /// Ratio `p(x | A) / p(x | u, L)` of a value the professional never showed at any level, and
    /// the cap of every feature's ratio.
    pub fn unseen_ratio(&self) -> f64 {
        self.unseen_ratio
    }
}

impl Default for AnomalyParams {
    fn default() -> Self {
        AnomalyParams::DEFAULT
    }
}

impl TryFrom<AnomalyParamsWire> for AnomalyParams {
    type Error = AnomalyParamsError;
    fn try_from(w: AnomalyParamsWire) -> Result<Self, AnomalyParamsError> {
        AnomalyParams::new(w.network_weights, w.user_agent_weights, w.unseen_ratio)
    }
}

impl From<AnomalyParams> for AnomalyParamsWire {
    fn from(p: AnomalyParams) -> Self {
        AnomalyParamsWire {
            network_weights: p.network_weights,
            user_agent_weights: p.user_agent_weights,
            unseen_ratio: p.unseen_ratio,
        }
    }
}
