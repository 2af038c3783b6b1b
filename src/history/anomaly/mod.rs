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

mod mixture;
mod params;

#[cfg(test)]
mod tests;

pub use params::{AnomalyParams, AnomalyParamsError};

use serde::{Deserialize, Serialize};

use crate::history::feature_history::FeatureHistory;
use crate::history::population::PopulationStats;
use crate::input::features::LoginFeatures;

use mixture::{Mixture, Term, len_u64};
use params::{NETWORK_LEVELS, USER_AGENT_LEVELS};

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
        let m_os = m_device + len_u64(&pop.device_types);
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
            ua.map(|u| u.device_type),
            &user.device_types,
            &pop.device_types,
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
