//! The statistical anomaly score (detector `stats.anomaly`): how much more likely a login's
//! network and user agent are under "someone else is using this account" than under "this
//! professional, as usual".
//!
//! # Model
//!
//! Freeman, Jain, Dürmuth, Biggio, Giacinto, *Who Are You? A Statistical Approach to Measuring
//! User Authenticity*, NDSS 2016 (doi:10.14722/ndss.2016.23240), as implemented and evaluated
//! on 3.3 million users by Wiefling, Jørgensen, Thunem, Lo Iacono, *Pump Up Password Security!
//! Evaluating and Enhancing Risk-Based Authentication on a Real-World Large-Scale Online
//! Service*, ACM TOPS 2022 (doi:10.1145/3546069), whose published reference implementation
//! (github.com/das-group/rba-algorithm, MIT) fixes the details the paper leaves open.
//!
//! For professional `u` and a login with features `x = (x_1 … x_K)`:
//!
//! ```text
//! S_u(x) = p(u | A) / p(u | L) · Π_k p(x_k | A) / p(x_k | u, L)
//! ```
//!
//! `A` is an attack, `L` a legitimate login. With no data on attacks, `p(x_k | A)` is the
//! population frequency `p(x_k)` (attackers are assumed to look like the provider's users), and
//! `p(u | A) = 1 / users` (every account equally targeted), `p(u | L) = logins(u) / logins`.
//! The score is computed in log space: `log_score = ln S_u(x)`, a sum of per-feature terms.
//!
//! **Features and hierarchies.** Two features, each a hierarchy from specific to coarse, with
//! Freeman's linear interpolation over the levels, weighted by `λ`:
//!
//! | feature | levels | default `λ` (Wiefling's reference implementation) |
//! | --- | --- | --- |
//! | network | /24 or /48 → ASN → country | 0.6, 0.3, 0.1 |
//! | user agent | full string → browser → OS → device type | 0.5387, 0.2680, 0.1882, 0.0051 |
//!
//! ```text
//! p(x_k | ·) = Σ_ℓ λ_ℓ · p(x_k,ℓ | ·) / Σ_ℓ λ_ℓ      (over the levels ℓ that are observed)
//! ```
//!
//! so a login from a new /24 of the professional's usual ASN keeps the ASN and country terms
//! of its usual network, and scores far below a login from a new ASN in a new country.
//!
//! **Smoothing** (population side), from Freeman et al. §IV and the reference implementation:
//! with `c` the count of the value, `N` the table's total and `M` the estimated number of unseen
//! values,
//!
//! ```text
//! p̃(x) = c / (N + M)   if c > 0     (= c/N · (1 − M/(N + M)), the reference's form)
//! p̃(x) = 1 / (N + M)   if c = 0
//! M    = 1 + Σ (distinct values of every coarser level),  M_network = 1 + |ASNs| + |countries|
//! ```
//!
//! so a value never seen in the population still has a small, non-zero probability.
//!
//! **User side** (as in the reference implementation, not smoothed): `p(x_ℓ | u, L) = c_u / n_u`,
//! the professional's own frequency. When the professional never showed the value at any level,
//! smoothing both sides would give a *low* ratio (both tiny), so the reference implementation
//! sets `p(x_k | u, L) = p(x_k | A) / 4`: the feature's ratio is then
//! [`unseen_ratio`](AnomalyParams::unseen_ratio) (`ln 4 ≈ 1.386`). This module keeps that rule
//! and turns it into a cap — every feature's ratio is at most `unseen_ratio` — so that a value
//! seen once, long ago, can never score above a value never seen at all (without the cap, a
//! country seen in 1 of 100 logins but common in the population would score up to 90).
//!
//! **Direction.** Following the paper, `p(x | A)` is the population frequency: for a value the
//! professional has partly seen, a value *common* in the population scores *higher* than a rare
//! one. A shared value (a big carrier's /24, the most common browser build) is weak evidence that
//! it is the professional; a rare one that the professional has used is strong evidence. A value
//! the professional never showed scores `ln unseen_ratio`, however common or rare.
//!
//! **Deviations**, all documented on the items:
//! - the network level is the /24 (IPv4) or /48 (IPv6), not the exact address (DHCP churn,
//!   less personal data kept);
//! - histories are bounded per-level frequency tables, not raw logs: the hierarchy interpolates
//!   the levels' own frequencies (Freeman's `p(x | x_ℓ) · p(x_ℓ)` needs joint counts, and with a
//!   network that determines its ASN it reduces to the network's frequency for every seen value,
//!   which would make the back-off inert);
//! - every population level is smoothed (the reference smooths the first level only, but there
//!   the others are joint counts that cannot be zero alone);
//! - browser and OS are families without versions;
//! - the `unseen_ratio` cap above;
//! - levels the login lacks, or that the professional's or the population's history never
//!   recorded, are left out and the remaining `λ` renormalized; a feature with no level left is
//!   not evaluated;
//! - the prior `p(u | A) / p(u | L)` is included only when the population knows its number of
//!   professionals ([`PopulationStats::set_users`]).
//!
//! # Threshold
//!
//! [`DEFAULT_ANOMALY_THRESHOLD`] is `1.0` (natural log: an attack `e ≈ 2.7` times as likely as
//! the professional's usual behaviour). It is calibrated on the scenario test of this module (a
//! French population, a doctor with 40 logins from her practice's /24, Chrome on Windows and
//! her iPhone): every login that changes one habit — a new /24 or a new ASN in France, a browser
//! update, her own laptop abroad — scores at most 0.76 without the prior, while a new ASN with a
//! new browser family, a new country with a new browser family, or `curl` from a hosting
//! provider score at least 1.22, even with her prior of −0.69 (she logs in twice as often as
//! the average). One feature alone contributes at most `ln 4 ≈ 1.39`, so firing takes evidence
//! from both features, unless only one is evaluated. The prior moves every score of a
//! professional by `ln(average logins / their logins)`: tune the threshold with the prior on or
//! off, not both ways.
//!
//! Scoring borrows everything, allocates nothing and returns a `Copy` value; it never produces
//! NaN or infinities (every probability is in `(0, 1]` before its logarithm is taken).

use serde::{Deserialize, Serialize};

use crate::history::count_table::CountTable;
use crate::history::population::PopulationStats;
use crate::input::features::{FeatureHistory, LoginFeatures};

/// Default threshold on [`AnomalyScore::log_score`]: 1.0, an attack `e ≈ 2.7` times as likely
/// as this professional's usual behaviour. Calibrated on the scenarios listed in
/// [`anomaly_score_with`]: logins that change one habit stay below, logins that change both the
/// network and the device go above.
pub const DEFAULT_ANOMALY_THRESHOLD: f64 = 1.0;

/// A term of the score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnomalyFeature {
    /// The prior `p(u | attack) / p(u | legit)`: accounts with few logins score higher.
    UserPrior,
    /// The network hierarchy: /24 or /48 → ASN → country.
    Network,
    /// The user-agent hierarchy: full string → browser → OS → device type.
    UserAgent,
}

impl AnomalyFeature {
    /// A stable name, for evidence and logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            AnomalyFeature::UserPrior => "user_prior",
            AnomalyFeature::Network => "network",
            AnomalyFeature::UserAgent => "user_agent",
        }
    }
}

/// A level of one of the two feature hierarchies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HierarchyLevel {
    /// The /24 or /48.
    Network,
    /// The autonomous system.
    Asn,
    /// The country.
    Country,
    /// The full user-agent string.
    UserAgent,
    /// The browser family.
    Browser,
    /// The operating system.
    Os,
    /// The device type.
    Device,
}

impl HierarchyLevel {
    /// A stable name, for evidence and logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            HierarchyLevel::Network => "network",
            HierarchyLevel::Asn => "asn",
            HierarchyLevel::Country => "country",
            HierarchyLevel::UserAgent => "user_agent",
            HierarchyLevel::Browser => "browser",
            HierarchyLevel::Os => "os",
            HierarchyLevel::Device => "device",
        }
    }
}

/// One term of an [`AnomalyScore`], for evidence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FeatureTerm {
    /// Which term.
    pub feature: AnomalyFeature,
    /// Its contribution to [`AnomalyScore::log_score`] (natural log of the ratio; the terms sum
    /// to the score up to rounding, the score being the log of the ratios' product); `None`
    /// when not evaluated (the login or a history lacks it).
    pub log_ratio: Option<f64>,
    /// The most specific level at which the professional has already shown this login's value
    /// (`Asn` for a new /24 of a known ASN); `None` if at none (or for the prior).
    pub familiar_level: Option<HierarchyLevel>,
}

/// The outcome of [`anomaly_score`]: `ln S_u(x)` and its terms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnomalyScore {
    /// Natural log of the likelihood ratio; positive means "more likely an attack than this
    /// professional as usual". Always finite.
    pub log_score: f64,
    /// The terms, in the order prior, network, user agent.
    pub per_feature: [FeatureTerm; 3],
}

impl AnomalyScore {
    /// True when the score is strictly above `threshold` (see [`DEFAULT_ANOMALY_THRESHOLD`]).
    pub fn exceeds(&self, threshold: f64) -> bool {
        self.log_score > threshold
    }

    /// The term for `feature`.
    pub fn term(&self, feature: AnomalyFeature) -> Option<&FeatureTerm> {
        self.per_feature.iter().find(|t| t.feature == feature)
    }
}

/// Parameters of the score: the interpolation weights of each hierarchy and the ratio given to
/// a value the professional never showed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AnomalyParamsWire", into = "AnomalyParamsWire")]
pub struct AnomalyParams {
    network_weights: [f64; 3],
    user_agent_weights: [f64; 4],
    unseen_ratio: f64,
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

const NETWORK_LEVELS: [HierarchyLevel; 3] = [
    HierarchyLevel::Network,
    HierarchyLevel::Asn,
    HierarchyLevel::Country,
];
const USER_AGENT_LEVELS: [HierarchyLevel; 4] = [
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

/// Score a login with [`AnomalyParams::DEFAULT`]; see [`anomaly_score_with`].
///
/// ```
/// use ecps_risk::{
///     model::CountryCode, history::DEFAULT_ANOMALY_THRESHOLD, history::FeatureCaps, history::FeatureHistory, input::LoginFeatures,
///     PopulationStats, input::UserAgentFeatures, history::anomaly_score, input::network_of,
/// };
///
/// let login = |ip: &str, asn: u32, country: CountryCode, ua: &str| LoginFeatures {
///     network: Some(network_of(ip.parse().unwrap())),
///     asn: Some(asn),
///     country: Some(country),
///     user_agent: Some(UserAgentFeatures::from_user_agent(ua)),
/// };
/// let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
/// let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
///               (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
/// let usual = login("192.0.2.10", 3215, CountryCode::FR, firefox);
///
/// // The provider's population, and this professional's history (from their Profile).
/// let mut population = PopulationStats::new();
/// let caps = FeatureCaps { networks: 16, asns: 8, countries: 4, user_agents: 8 };
/// let mut user = FeatureHistory::default();
/// for t in 0..20 {
///     population.observe(&usual, t);
///     population.observe(&login("198.51.100.7", 12322, CountryCode::FR, chrome), t);
///     user.observe(&usual, t, &caps);
/// }
///
/// let habitual = anomaly_score(&usual, &user, 20, &population).unwrap();
/// assert!(!habitual.exceeds(DEFAULT_ANOMALY_THRESHOLD));
///
/// let elsewhere = login("203.0.113.5", 64496, CountryCode::parse("NG").unwrap(), chrome);
/// let strange = anomaly_score(&elsewhere, &user, 20, &population).unwrap();
/// assert!(strange.exceeds(DEFAULT_ANOMALY_THRESHOLD));
/// assert!(strange.log_score > habitual.log_score);
///
/// // Cold start is another signal: no history, no score.
/// assert!(anomaly_score(&usual, &FeatureHistory::default(), 0, &population).is_none());
/// ```
pub fn anomaly_score(
    features: &LoginFeatures,
    user: &FeatureHistory,
    user_logins: u64,
    population: &PopulationStats,
) -> Option<AnomalyScore> {
    anomaly_score_with(
        &AnomalyParams::DEFAULT,
        features,
        user,
        user_logins,
        population,
    )
}

/// Score a login against the professional's history (`user`, from their stored profile, with
/// `user_logins` logins) and the provider's `population`.
///
/// # Formula
///
/// Freeman, Jain, Dürmuth, Biggio, Giacinto, *Who Are You? A Statistical Approach to Measuring
/// User Authenticity*, NDSS 2016, as implemented by Wiefling et al. (*Pump Up Password
/// Security!*, ACM TOPS 2022; reference implementation github.com/das-group/rba-algorithm):
///
/// ```text
/// ln S_u(x) = ln[p(u|A) / p(u|L)] + Σ_k ln[p(x_k|A) / p(x_k|u,L)],  k ∈ {network, user agent}
/// p(u|A) = 1 / users,   p(u|L) = user_logins / logins            (left out while users = 0)
/// p(x_k|·) = Σ_ℓ λ_ℓ p(x_k,ℓ|·) / Σ_ℓ λ_ℓ     levels: /24 → ASN → country;
///                                               full UA → browser → OS → device type
/// p(x_ℓ|A)   = max(c, 1) / (N + M)             population, smoothed; M = 1 + distinct values
///                                               of the coarser levels
/// p(x_ℓ|u,L) = c_u / n_u                        the professional's own frequency
/// term_k = min(ln p(x_k|A) − ln p(x_k|u,L), ln unseen_ratio), or ln unseen_ratio when
///          the professional never showed the value at any level (ratio 4 by default)
/// ```
///
/// In the paper's direction, `p(x | A)` is the population frequency: among values the
/// professional partly knows, a common one scores higher than a rare one (it identifies them
/// less). Levels the login lacks, or that a history never recorded, are left out.
///
/// # Default threshold
///
/// [`DEFAULT_ANOMALY_THRESHOLD`] (1.0). With a French population and a doctor with 40 logins
/// from her practice: a new /24 of her ASN −1.25, a new ASN in France −0.09, her own laptop
/// abroad +0.76, a new ASN with a new browser family +1.92, a new country with a new browser
/// family or `curl` from a hosting provider +2.77 (without the prior; with it, all shift by
/// `ln(average logins / her logins)`, −0.69 for her). One feature contributes at most `ln 4`.
///
/// `None` (not evaluated) when the professional has no login yet (cold start is a separate
/// signal), when the population is empty, or when neither the network nor the user agent can be
/// compared (the login lacks them, or no history recorded them).
///
/// ```
/// use ecps_risk::{
///     history::AnomalyParams, history::FeatureHistory, input::LoginFeatures, PopulationStats, history::anomaly_score_with,
/// };
///
/// let nothing = LoginFeatures::default();
/// let score = anomaly_score_with(
///     &AnomalyParams::DEFAULT,
///     &nothing,
///     &FeatureHistory::default(),
///     3,
///     &PopulationStats::new(),
/// );
/// assert!(score.is_none());
/// ```
pub fn anomaly_score_with(
    params: &AnomalyParams,
    features: &LoginFeatures,
    user: &FeatureHistory,
    user_logins: u64,
    population: &PopulationStats,
) -> Option<AnomalyScore> {
    let terms = terms(params, features, user, user_logins, population)?;
    Some(AnomalyScore {
        log_score: log_score(&terms)?,
        per_feature: terms.map(Term::public),
    })
}

/// `ln S_u(x)` alone, as [`anomaly_score_with`] computes it: the detector's hot path, one
/// logarithm per login instead of one per term.
pub(crate) fn anomaly_log_score(
    params: &AnomalyParams,
    features: &LoginFeatures,
    user: &FeatureHistory,
    user_logins: u64,
    population: &PopulationStats,
) -> Option<f64> {
    log_score(&terms(params, features, user, user_logins, population)?)
}

/// The logarithm of the product of the evaluated ratios (the sum of the terms' logarithms, up
/// to rounding). Every ratio is finite and positive, and few: the product neither overflows
/// nor underflows.
fn log_score(terms: &[Term; 3]) -> Option<f64> {
    let product: f64 = terms.iter().filter_map(|t| t.ratio).product();
    // Unreachable by construction; never hand out a non-finite score.
    Some(product.ln()).filter(|v| v.is_finite())
}

/// The three terms (prior, network, user agent), or `None` when the score is not evaluated.
fn terms(
    params: &AnomalyParams,
    features: &LoginFeatures,
    user: &FeatureHistory,
    user_logins: u64,
    population: &PopulationStats,
) -> Option<[Term; 3]> {
    if user_logins == 0 || population.logins() == 0 {
        return None;
    }
    let pop = population.history();

    let network = {
        let w = params.network_weights;
        // Unseen-value estimates: 1 + distinct values of every coarser level.
        let m_country = 1;
        let m_asn = m_country + len_u64(&pop.countries);
        let m_network = m_asn + len_u64(&pop.asns);
        let [n_network, n_asn, n_country] = NETWORK_LEVELS;
        let mut mix = Mixture::default();
        mix.level(
            n_network,
            w[0],
            features.network,
            &user.networks,
            &pop.networks,
            m_network,
        );
        mix.level(n_asn, w[1], features.asn, &user.asns, &pop.asns, m_asn);
        mix.level(
            n_country,
            w[2],
            features.country,
            &user.countries,
            &pop.countries,
            m_country,
        );
        mix.term(AnomalyFeature::Network, params.unseen_ratio)
    };

    let user_agent = {
        let w = params.user_agent_weights;
        let ua = features.user_agent;
        let m_device = 1;
        let m_os = m_device + len_u64(&pop.devices);
        let m_browser = m_os + len_u64(&pop.oses);
        let m_ua = m_browser + len_u64(&pop.browsers);
        let [n_ua, n_browser, n_os, n_device] = USER_AGENT_LEVELS;
        let mut mix = Mixture::default();
        mix.level(
            n_ua,
            w[0],
            ua.map(|u| u.hash),
            &user.user_agents,
            &pop.user_agents,
            m_ua,
        );
        mix.level(
            n_browser,
            w[1],
            ua.map(|u| u.browser),
            &user.browsers,
            &pop.browsers,
            m_browser,
        );
        mix.level(n_os, w[2], ua.map(|u| u.os), &user.oses, &pop.oses, m_os);
        mix.level(
            n_device,
            w[3],
            ua.map(|u| u.device),
            &user.devices,
            &pop.devices,
            m_device,
        );
        mix.term(AnomalyFeature::UserAgent, params.unseen_ratio)
    };

    if network.ratio.is_none() && user_agent.ratio.is_none() {
        return None;
    }

    let prior = if population.users() > 0 {
        // (1 / users) / (user_logins / logins); all three counts are > 0 here.
        let ratio = population.logins() as f64 / (population.users() as f64 * user_logins as f64);
        Term::new(AnomalyFeature::UserPrior, ratio, None)
    } else {
        Term::not_evaluated(AnomalyFeature::UserPrior)
    };
    Some([prior, network, user_agent])
}

/// One hierarchy's two mixtures, p(x | A) and p(x | u, L), accumulated level by level (the
/// formula of [`anomaly_score_with`]), each weighted by its level's raw weight: their ratio
/// does not depend on the common `1 / Σ weights`, so it is never divided by (seven fewer
/// divisions per login).
#[derive(Default)]
struct Mixture {
    weight_sum: f64,
    user_p: f64,
    pop_p: f64,
    familiar_level: Option<HierarchyLevel>,
}

impl Mixture {
    /// Add a level, unless it cannot be compared: the login lacks the value, the weight is 0,
    /// or the professional's or the population's table never recorded this level.
    fn level<K: Ord + Copy>(
        &mut self,
        name: HierarchyLevel,
        weight: f64,
        value: Option<K>,
        user: &CountTable<K>,
        pop: &CountTable<K>,
        pop_unseen: u64,
    ) {
        let Some(value) = value else { return };
        if weight <= 0.0 || user.total() == 0 || pop.total() == 0 {
            return;
        }
        let user_count = user.count(&value);
        self.weight_sum += weight;
        // c_u ≤ n_u by the count table's invariant; n_u > 0 above.
        self.user_p += weight * f64::from(user_count) / user.total() as f64;
        // Freeman smoothing; N + M ≥ 1 and max(c, 1) ≤ N + M.
        let denominator = pop.total().saturating_add(pop_unseen) as f64;
        self.pop_p += weight * f64::from(pop.count(&value).max(1)) / denominator;
        if self.familiar_level.is_none() && user_count > 0 {
            self.familiar_level = Some(name);
        }
    }

    /// The hierarchy's likelihood ratio.
    fn term(self, feature: AnomalyFeature, unseen_ratio: f64) -> Term {
        if self.weight_sum <= 0.0 {
            return Term::not_evaluated(feature);
        }
        let ratio = if self.user_p > 0.0 && self.pop_p > 0.0 {
            (self.pop_p / self.user_p).min(unseen_ratio)
        } else {
            // Never shown by the professional at any level: the reference implementation's
            // p(x | u, L) = p(x | A) / 4 edge case.
            unseen_ratio
        };
        Term::new(feature, ratio, self.familiar_level)
    }
}

fn len_u64<K>(t: &CountTable<K>) -> u64
where
    K: Ord + Copy,
{
    u64::try_from(t.len()).unwrap_or(u64::MAX)
}

/// One term before its logarithm: the likelihood ratio, `None` when not evaluated.
#[derive(Clone, Copy)]
struct Term {
    feature: AnomalyFeature,
    /// Finite and positive when present.
    ratio: Option<f64>,
    familiar_level: Option<HierarchyLevel>,
}

impl Term {
    fn not_evaluated(feature: AnomalyFeature) -> Self {
        Term {
            feature,
            ratio: None,
            familiar_level: None,
        }
    }

    fn new(feature: AnomalyFeature, ratio: f64, familiar_level: Option<HierarchyLevel>) -> Self {
        Term {
            feature,
            ratio: Some(ratio).filter(|r| r.is_finite() && *r > 0.0),
            familiar_level,
        }
    }

    fn public(self) -> FeatureTerm {
        FeatureTerm {
            feature: self.feature,
            log_ratio: self.ratio.map(f64::ln),
            familiar_level: self.familiar_level,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;
    use crate::input::features::{FeatureCaps, UserAgentFeatures, network_of};
    use crate::model::geo::CountryCode;

    const CHROME_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    const CHROME_WIN_NEXT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36";
    const EDGE_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
    const SAFARI_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15";
    const SAFARI_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1";
    const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
    const FIREFOX_LINUX: &str =
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    const CURL: &str = "curl/8.5.0";

    const ORANGE: u32 = 3215;
    const FREE: u32 = 12322;
    const SFR: u32 = 15557;
    const BOUYGUES: u32 = 5410;
    const HOSTING: u32 = 16276;

    fn cc(s: &str) -> CountryCode {
        CountryCode::parse(s).unwrap()
    }

    fn login(ip: &str, asn: u32, country: &str, ua: &str) -> LoginFeatures {
        LoginFeatures {
            network: Some(network_of(ip.parse().unwrap())),
            asn: Some(asn),
            country: Some(cc(country)),
            user_agent: Some(UserAgentFeatures::from_user_agent(ua)),
        }
    }

    /// A deterministic French population of 2,000 logins: Orange 40 %, Free 25 %, SFR 20 %,
    /// Bouygues 10 %, a few foreign logins; Chrome on Windows first among user agents. One
    /// Orange /24 (a hospital's) is shared by many professionals.
    fn population() -> PopulationStats {
        let asns = [
            (ORANGE, 40, "FR", 90),
            (FREE, 25, "FR", 82),
            (SFR, 20, "FR", 77),
            (BOUYGUES, 10, "FR", 176),
            (HOSTING, 3, "DE", 51),
            (64500, 2, "BE", 81),
        ];
        let uas = [
            (CHROME_WIN, 40),
            (EDGE_WIN, 15),
            (SAFARI_MAC, 10),
            (SAFARI_IOS, 15),
            (CHROME_ANDROID, 15),
            (FIREFOX_LINUX, 5),
        ];
        let mut p = PopulationStats::new();
        for i in 0..2000u32 {
            let pick = |table: &[(u32, u32, &'static str, u8)], n: u32| {
                let mut r = n % 100;
                for &(asn, share, country, octet) in table {
                    if r < share {
                        return (asn, country, octet);
                    }
                    r -= share;
                }
                (ORANGE, "FR", 90)
            };
            let (asn, country, octet) = pick(&asns, i.wrapping_mul(37));
            let mut r = i.wrapping_mul(53) % 100;
            let mut ua = CHROME_WIN;
            for &(u, share) in &uas {
                if r < share {
                    ua = u;
                    break;
                }
                r -= share;
            }
            // Every fifth Orange login comes from the shared hospital /24.
            let ip = if asn == ORANGE && i % 5 == 0 {
                "90.80.1.10".to_owned()
            } else {
                format!("{octet}.{}.{}.1", (i / 256) % 256, i % 256)
            };
            p.observe(&login(&ip, asn, country, ua), i64::from(i));
        }
        p.set_users(100);
        p
    }

    const USER_CAPS: FeatureCaps = FeatureCaps {
        networks: 32,
        asns: 16,
        countries: 8,
        user_agents: 16,
    };

    /// A doctor with 40 logins: her practice's Orange /24 with Chrome on Windows, and a few from
    /// her phone on the same network.
    fn doctor() -> (FeatureHistory, u64) {
        let mut h = FeatureHistory::default();
        for t in 0..40 {
            let ua = if t % 8 == 0 { SAFARI_IOS } else { CHROME_WIN };
            h.observe(&login("90.12.34.56", ORANGE, "FR", ua), t, &USER_CAPS);
        }
        (h, 40)
    }

    fn score(f: &LoginFeatures) -> AnomalyScore {
        let (h, n) = doctor();
        anomaly_score(f, &h, n, &population()).unwrap()
    }

    fn ratio(s: &AnomalyScore, feature: AnomalyFeature) -> f64 {
        s.term(feature).unwrap().log_ratio.unwrap()
    }

    /// The calibration table behind [`DEFAULT_ANOMALY_THRESHOLD`]: run with `--nocapture` to
    /// see the terms. Expected outcomes with the prior (this doctor logs in twice as often as
    /// the average professional: prior −0.69) and without it.
    #[test]
    fn scenarios_against_the_default_threshold() {
        let cases = [
            (
                "habitual",
                login("90.12.34.99", ORANGE, "FR", CHROME_WIN),
                false,
                false,
            ),
            (
                "habitual phone",
                login("90.12.34.99", ORANGE, "FR", SAFARI_IOS),
                false,
                false,
            ),
            (
                "browser update",
                login("90.12.34.99", ORANGE, "FR", CHROME_WIN_NEXT),
                false,
                false,
            ),
            (
                "new /24 same ASN",
                login("90.55.1.1", ORANGE, "FR", CHROME_WIN),
                false,
                false,
            ),
            (
                "new ASN same country",
                login("82.1.1.1", FREE, "FR", CHROME_WIN),
                false,
                false,
            ),
            (
                "new ASN, browser update",
                login("82.1.1.1", FREE, "FR", CHROME_WIN_NEXT),
                false,
                false,
            ),
            (
                "new country, same device",
                login("51.1.1.1", HOSTING, "DE", CHROME_WIN),
                false,
                false,
            ),
            (
                "new ASN, new browser",
                login("82.1.1.1", FREE, "FR", FIREFOX_LINUX),
                true,
                true,
            ),
            (
                "new country, new browser",
                login("51.1.1.1", HOSTING, "DE", FIREFOX_LINUX),
                true,
                true,
            ),
            (
                "curl from hosting",
                login("51.1.1.1", HOSTING, "DE", CURL),
                true,
                true,
            ),
            (
                "unknown country, Android",
                login("41.1.1.1", 37148, "NG", CHROME_ANDROID),
                false,
                true,
            ),
        ];
        let (h, n) = doctor();
        let with_prior = population();
        let mut without_prior = population();
        without_prior.set_users(0);
        for (name, f, fires_with, fires_without) in cases {
            let s = anomaly_score(&f, &h, n, &with_prior).unwrap();
            let s0 = anomaly_score(&f, &h, n, &without_prior).unwrap();
            println!(
                "{name:26} {:+.3} (no prior {:+.3})  prior {:+.3}  network {:+.3} {:?}  user agent {:+.3} {:?}",
                s.log_score,
                s0.log_score,
                ratio(&s, AnomalyFeature::UserPrior),
                ratio(&s, AnomalyFeature::Network),
                s.term(AnomalyFeature::Network).unwrap().familiar_level,
                ratio(&s, AnomalyFeature::UserAgent),
                s.term(AnomalyFeature::UserAgent).unwrap().familiar_level,
            );
            assert_eq!(
                s.exceeds(DEFAULT_ANOMALY_THRESHOLD),
                fires_with,
                "{name}: {s:?}"
            );
            assert_eq!(
                s0.exceeds(DEFAULT_ANOMALY_THRESHOLD),
                fires_without,
                "{name}: {s0:?}"
            );
            assert_eq!(s0.term(AnomalyFeature::UserPrior).unwrap().log_ratio, None);
        }
    }

    #[test]
    fn network_hierarchy_orders_unfamiliarity() {
        let habitual = score(&login("90.12.34.99", ORANGE, "FR", CHROME_WIN));
        let new_net = score(&login("90.55.1.1", ORANGE, "FR", CHROME_WIN));
        let new_asn = score(&login("82.1.1.1", FREE, "FR", CHROME_WIN));
        let new_country = score(&login("51.1.1.1", HOSTING, "DE", CHROME_WIN));
        let order = [&habitual, &new_net, &new_asn, &new_country];
        for pair in order.windows(2) {
            assert!(pair[0].log_score < pair[1].log_score, "{pair:?}");
        }
        let level = |s: &AnomalyScore| s.term(AnomalyFeature::Network).unwrap().familiar_level;
        assert_eq!(level(&habitual), Some(HierarchyLevel::Network));
        assert_eq!(level(&new_net), Some(HierarchyLevel::Asn));
        assert_eq!(level(&new_asn), Some(HierarchyLevel::Country));
        assert_eq!(level(&new_country), None);
        // Never seen at any level: the reference implementation's ratio of 4.
        assert_eq!(ratio(&new_country, AnomalyFeature::Network), 4f64.ln());
        // The user-agent term is the same in all four.
        let ua = ratio(&habitual, AnomalyFeature::UserAgent);
        assert!(
            order
                .iter()
                .all(|s| ratio(s, AnomalyFeature::UserAgent) == ua)
        );
    }

    #[test]
    fn user_agent_hierarchy_orders_unfamiliarity() {
        let net = ("90.12.34.99", ORANGE, "FR");
        let f = |ua| login(net.0, net.1, net.2, ua);
        let same = ratio(&score(&f(CHROME_WIN)), AnomalyFeature::UserAgent);
        let update = ratio(&score(&f(CHROME_WIN_NEXT)), AnomalyFeature::UserAgent);
        let edge = ratio(&score(&f(EDGE_WIN)), AnomalyFeature::UserAgent);
        let firefox_linux = ratio(&score(&f(FIREFOX_LINUX)), AnomalyFeature::UserAgent);
        let curl = ratio(&score(&f(CURL)), AnomalyFeature::UserAgent);
        assert!(same < update, "{same} {update}");
        assert!(update < edge, "{update} {edge}");
        assert!(edge <= firefox_linux, "{edge} {firefox_linux}");
        assert!(firefox_linux <= curl, "{firefox_linux} {curl}");
    }

    /// Freeman et al.'s direction: p(x | attack) is the population frequency, so among values
    /// the professional has partly shown, a common one is weaker evidence of the professional
    /// (scores higher) than a rare one.
    #[test]
    fn common_population_value_scores_higher_than_rare() {
        let pop = population();
        let shared = network_of("90.80.1.10".parse().unwrap());
        assert!(pop.history().networks.count(&shared) > 100);
        // Both /24s are new to the doctor, in her usual ASN.
        let common = score(&login("90.80.1.10", ORANGE, "FR", CHROME_WIN));
        let rare = score(&login("90.55.1.1", ORANGE, "FR", CHROME_WIN));
        assert!(
            common.log_score > rare.log_score,
            "{} {}",
            common.log_score,
            rare.log_score
        );
        // Same direction for a user agent the doctor already uses.
        let mut h = FeatureHistory::default();
        for t in 0..10 {
            h.observe(
                &login("90.12.34.56", ORANGE, "FR", CHROME_WIN),
                t,
                &USER_CAPS,
            );
            h.observe(
                &login("90.12.34.56", ORANGE, "FR", FIREFOX_LINUX),
                t,
                &USER_CAPS,
            );
        }
        let f = |ua| login("90.12.34.56", ORANGE, "FR", ua);
        let popular = anomaly_score(&f(CHROME_WIN), &h, 20, &pop).unwrap();
        let niche = anomaly_score(&f(FIREFOX_LINUX), &h, 20, &pop).unwrap();
        assert!(
            ratio(&popular, AnomalyFeature::UserAgent) > ratio(&niche, AnomalyFeature::UserAgent)
        );
    }

    /// More logins of the login's own values never raise the score; more population logins of
    /// a value the professional partly knows never lower it.
    #[test]
    fn monotone_in_user_and_population_counts() {
        let pop = population();
        let f = login("82.1.1.1", FREE, "FR", CHROME_WIN);
        let other = login("90.12.34.56", ORANGE, "FR", CHROME_WIN);
        let mut previous = f64::INFINITY;
        for k in 0..=20 {
            let mut h = FeatureHistory::default();
            for t in 0..20 {
                let g = if t < k { &f } else { &other };
                h.observe(g, i64::from(t), &USER_CAPS);
            }
            let s = anomaly_score(&f, &h, 20, &pop).unwrap().log_score;
            assert!(s <= previous, "k = {k}: {s} > {previous}");
            previous = s;
        }

        let (h, n) = doctor();
        let probe = login("90.200.1.1", ORANGE, "FR", CHROME_WIN); // new /24, known ASN
        let mut pop = population();
        let mut previous = f64::NEG_INFINITY;
        for t in 0..50 {
            let s = anomaly_score(&probe, &h, n, &pop).unwrap().log_score;
            assert!(s >= previous, "t = {t}: {s} < {previous}");
            previous = s;
            pop.observe(&probe, 10_000 + t);
        }
    }

    /// A value seen once long ago never scores above a value never seen (the cap).
    #[test]
    fn rarely_seen_never_outscores_never_seen() {
        let pop = population();
        let mut h = FeatureHistory::default();
        for t in 0..99 {
            h.observe(
                &login("90.12.34.56", ORANGE, "FR", CHROME_WIN),
                t,
                &USER_CAPS,
            );
        }
        h.observe(
            &login("51.1.1.1", HOSTING, "DE", CHROME_WIN),
            99,
            &USER_CAPS,
        );
        let seen_once = anomaly_score(&login("51.9.9.9", 64501, "DE", CHROME_WIN), &h, 100, &pop);
        let never = anomaly_score(&login("41.1.1.1", 37148, "NG", CHROME_WIN), &h, 100, &pop);
        let (seen_once, never) = (seen_once.unwrap(), never.unwrap());
        assert!(
            ratio(&seen_once, AnomalyFeature::Network) <= ratio(&never, AnomalyFeature::Network)
        );
        // A 1-in-100 country that the French population rarely uses is scored near the cap, not
        // far below it.
        assert!(ratio(&seen_once, AnomalyFeature::Network) > 0.0);
    }

    #[test]
    fn not_evaluated_cases_and_no_nan() {
        let (h, n) = doctor();
        let pop = population();
        let f = login("90.12.34.99", ORANGE, "FR", CHROME_WIN);
        // Cold start, empty population, nothing observed.
        assert!(anomaly_score(&f, &h, 0, &pop).is_none());
        assert!(anomaly_score(&f, &FeatureHistory::default(), 0, &pop).is_none());
        assert!(anomaly_score(&f, &h, n, &PopulationStats::new()).is_none());
        assert!(anomaly_score(&LoginFeatures::default(), &h, n, &pop).is_none());
        // Logins counted but no feature ever recorded, on either side.
        assert!(anomaly_score(&f, &FeatureHistory::default(), 5, &pop).is_none());
        let mut blind = PopulationStats::new();
        blind.observe(&LoginFeatures::default(), 0);
        assert!(anomaly_score(&f, &h, n, &blind).is_none());

        // Only the country: the network term is evaluated from that level alone.
        let country_only = LoginFeatures {
            country: Some(cc("FR")),
            ..LoginFeatures::default()
        };
        let s = anomaly_score(&country_only, &h, n, &pop).unwrap();
        assert!(s.log_score.is_finite());
        assert!(ratio(&s, AnomalyFeature::Network).is_finite());
        assert_eq!(s.term(AnomalyFeature::UserAgent).unwrap().log_ratio, None);

        // A one-login population and a one-login user, values unseen by the population.
        let mut tiny = PopulationStats::new();
        tiny.observe(&login("10.0.0.1", 1, "FR", CURL), 0);
        tiny.set_users(1);
        let mut one = FeatureHistory::default();
        one.observe(&login("10.0.0.1", 1, "FR", CURL), 0, &USER_CAPS);
        for g in [
            login("10.0.0.1", 1, "FR", CURL),
            login("172.16.0.1", 2, "US", CHROME_WIN),
        ] {
            let s = anomaly_score(&g, &one, 1, &tiny).unwrap();
            assert!(s.log_score.is_finite(), "{s:?}");
            assert!(
                s.per_feature
                    .iter()
                    .all(|t| t.log_ratio.is_none_or(f64::is_finite))
            );
        }
        // user_logins far above the population's: a finite, negative prior.
        let s = anomaly_score(&f, &h, u64::MAX, &pop).unwrap();
        assert!(s.log_score.is_finite());
    }

    /// Random histories and logins (a fixed-seed generator): every score is finite and bounded
    /// by the caps.
    #[test]
    fn finite_and_bounded_on_random_inputs() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % m
        };
        let uas = [
            CHROME_WIN,
            EDGE_WIN,
            SAFARI_MAC,
            SAFARI_IOS,
            FIREFOX_LINUX,
            CURL,
        ];
        let countries = ["FR", "BE", "DE", "NG", "US"];
        let random_login = |next: &mut dyn FnMut(u64) -> u64| {
            let ip = format!("10.{}.{}.1", next(4), next(4));
            let mut f = login(
                &ip,
                next(5) as u32,
                countries[next(5) as usize],
                uas[next(6) as usize],
            );
            if next(4) == 0 {
                f.asn = None;
            }
            if next(4) == 0 {
                f.user_agent = None;
            }
            if next(6) == 0 {
                f.network = None;
            }
            f
        };
        for round in 0..200 {
            let mut pop = PopulationStats::new();
            for t in 0..next(30) {
                pop.observe(&random_login(&mut next), t as i64);
            }
            pop.set_users(next(5));
            let mut h = FeatureHistory::default();
            let n = next(10);
            for t in 0..n {
                h.observe(&random_login(&mut next), t as i64, &USER_CAPS);
            }
            let f = random_login(&mut next);
            if let Some(s) = anomaly_score(&f, &h, n, &pop) {
                assert!(s.log_score.is_finite(), "round {round}: {s:?}");
                let features: f64 = s.per_feature[1..].iter().filter_map(|t| t.log_ratio).sum();
                assert!(features <= 2.0 * 4f64.ln() + 1e-12, "round {round}: {s:?}");
            }
        }
    }

    #[test]
    fn deterministic_and_order_independent() {
        let pop = population();
        let f = login("82.1.1.1", FREE, "FR", EDGE_WIN);
        let logins = [
            login("90.12.34.56", ORANGE, "FR", CHROME_WIN),
            login("82.1.1.1", FREE, "FR", SAFARI_IOS),
            login("90.12.34.56", ORANGE, "FR", EDGE_WIN),
        ];
        let mut a = FeatureHistory::default();
        let mut b = FeatureHistory::default();
        for (t, g) in logins.iter().enumerate() {
            a.observe(g, t as i64, &USER_CAPS);
        }
        for (t, g) in logins.iter().enumerate().rev() {
            b.observe(g, t as i64, &USER_CAPS);
        }
        let sa = anomaly_score(&f, &a, 3, &pop).unwrap();
        let sb = anomaly_score(&f, &b, 3, &pop).unwrap();
        let sa2 = anomaly_score(&f, &a, 3, &pop.clone()).unwrap();
        assert_eq!(sa.log_score.to_bits(), sb.log_score.to_bits());
        assert_eq!(sa.log_score.to_bits(), sa2.log_score.to_bits());
        assert_eq!(sa, sb);
    }

    #[test]
    fn prior_follows_activity() {
        let pop = population(); // 2,000 logins, 100 professionals: 20 on average
        let f = login("90.12.34.99", ORANGE, "FR", CHROME_WIN);
        let (h, _) = doctor();
        let busy = anomaly_score(&f, &h, 200, &pop).unwrap();
        let average = anomaly_score(&f, &h, 20, &pop).unwrap();
        let rare = anomaly_score(&f, &h, 2, &pop).unwrap();
        assert!(ratio(&average, AnomalyFeature::UserPrior).abs() < 1e-12);
        assert!(busy.log_score < average.log_score && average.log_score < rare.log_score);
        assert!((ratio(&rare, AnomalyFeature::UserPrior) - 10f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn params_validation_and_serde() {
        let d = AnomalyParams::default();
        assert_eq!(d, AnomalyParams::DEFAULT);
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<AnomalyParams>(&json).unwrap(), d);
        assert!(
            serde_json::from_str::<AnomalyParams>(&json.replacen('{', "{\"x\":1,", 1)).is_err()
        );

        let e = AnomalyParams::new([0.6, -0.1, 0.1], d.user_agent_weights(), 4.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "weight `-0.1` of level `asn` is not a finite number >= 0"
        );
        let e = AnomalyParams::new(d.network_weights(), [0.0; 4], 4.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "every weight of the `user_agent` hierarchy is 0"
        );
        let e = AnomalyParams::new(d.network_weights(), [1.0, f64::NAN, 0.0, 0.0], 4.0);
        assert!(e.is_err());
        let e = AnomalyParams::new(d.network_weights(), d.user_agent_weights(), 0.5).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unseen ratio `0.5` is not a finite number >= 1"
        );
        assert!(AnomalyParams::new([1.0; 3], [1.0; 4], f64::INFINITY).is_err());
        let bad = json.replace("4.0", "0.5");
        assert!(serde_json::from_str::<AnomalyParams>(&bad).is_err());
    }

    #[test]
    fn params_change_the_score() {
        let pop = population();
        let (h, n) = doctor();
        let far = login("41.1.1.1", 37148, "NG", CURL);
        let strict = AnomalyParams::new([0.6, 0.3, 0.1], [1.0, 0.0, 0.0, 0.0], 8.0).unwrap();
        let s = anomaly_score_with(&strict, &far, &h, n, &pop).unwrap();
        assert_eq!(ratio(&s, AnomalyFeature::Network), 8f64.ln());
        assert_eq!(ratio(&s, AnomalyFeature::UserAgent), 8f64.ln());
        // With only the full user agent weighted, a browser update is entirely new.
        let update = login("90.12.34.99", ORANGE, "FR", CHROME_WIN_NEXT);
        let s = anomaly_score_with(&strict, &update, &h, n, &pop).unwrap();
        assert_eq!(
            s.term(AnomalyFeature::UserAgent).unwrap().familiar_level,
            None
        );
    }

    #[test]
    fn score_accessors() {
        let s = score(&login("90.12.34.99", ORANGE, "FR", CHROME_WIN));
        assert_eq!(s.per_feature[0].feature, AnomalyFeature::UserPrior);
        assert_eq!(
            s.term(AnomalyFeature::Network).unwrap().feature,
            AnomalyFeature::Network
        );
        assert!(!s.exceeds(s.log_score));
        assert!(s.exceeds(s.log_score - 1e-9));
        assert_eq!(AnomalyFeature::UserAgent.as_str(), "user_agent");
        assert_eq!(HierarchyLevel::Asn.as_str(), "asn");
    }
}
