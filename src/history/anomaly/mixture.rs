//! The score's arithmetic: one hierarchy's two mixtures, and the log-ratio term of each feature.

use crate::history::count_table::CountTable;

use super::{AnomalyFeature, FeatureTerm, HierarchyLevel};

/// One hierarchy's two mixtures, p(x | A) and p(x | u, L), accumulated level by level (the
/// formula of [`anomaly_score_with`]), each weighted by its level's raw weight: their ratio
/// does not depend on the common `1 / Σ weights`, so it is never divided by (seven fewer
/// divisions per login).
#[derive(Default)]
pub(super) struct Mixture {
    weight_sum: f64,
    user_p: f64,
    pop_p: f64,
    familiar_level: Option<HierarchyLevel>,
}

impl Mixture {
    /// Add a level, unless it cannot be compared: the login lacks the value, the weight is 0,
    /// or the professional's or the population's table never recorded this level.
    pub(super) fn level<K: Ord + Copy>(
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
    pub(super) fn term(self, feature: AnomalyFeature, unseen_ratio: f64) -> Term {
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

pub(super) fn len_u64<K>(t: &CountTable<K>) -> u64
where
    K: Ord + Copy,
{
    u64::try_from(t.len()).unwrap_or(u64::MAX)
}

/// One term before its logarithm: the likelihood ratio, `None` when not evaluated.
#[derive(Clone, Copy)]
pub(super) struct Term {
    pub(super) feature: AnomalyFeature,
    /// Finite and positive when present.
    pub(super) ratio: Option<f64>,
    pub(super) familiar_level: Option<HierarchyLevel>,
}

impl Term {
    pub(super) fn not_evaluated(feature: AnomalyFeature) -> Self {
        Term {
            feature,
            ratio: None,
            familiar_level: None,
        }
    }

    pub(super) fn new(
        feature: AnomalyFeature,
        ratio: f64,
        familiar_level: Option<HierarchyLevel>,
    ) -> Self {
        Term {
            feature,
            ratio: Some(ratio).filter(|r| r.is_finite() && *r > 0.0),
            familiar_level,
        }
    }

    pub(super) fn public(self) -> FeatureTerm {
        FeatureTerm {
            feature: self.feature,
            log_ratio: self.ratio.map(f64::ln),
            familiar_level: self.familiar_level,
        }
    }
}
