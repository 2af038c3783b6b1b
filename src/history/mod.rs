//! What the caller stores between logins: the per-professional [`Profile`],
//! provider-wide population frequencies, the bounded count tables both are made of, and the
//! likelihood-ratio anomaly score computed over them.

pub(crate) mod anomaly;
pub(crate) mod count_table;
pub(crate) mod feature_history;
pub(crate) mod population;
pub(crate) mod profile;
pub(crate) mod verdict;

pub use anomaly::{
    AnomalyFeature, AnomalyParams, AnomalyParamsError, AnomalyScore, DEFAULT_ANOMALY_THRESHOLD,
    FeatureTerm, HierarchyLevel, anomaly_score, anomaly_score_with,
};
pub use count_table::{CountTable, CountTableError, Entry};
pub use feature_history::{FeatureCaps, FeatureHistory};
pub use population::{
    POPULATION_CAPS, POPULATION_FORMAT_VERSION, PopulationStats, PopulationStatsError,
};
pub use profile::{
    Attempt, Feedback, FeedbackMark, LastPosition, MAX_ATTEMPTS, MAX_DEVICES, MAX_FEEDBACK,
    MAX_HOUR_COUNT, MAX_MEANS_COUNT, MAX_RECENT_LOGINS, Means, PROFILE_CAPS,
    PROFILE_FORMAT_VERSION, Profile, ProfileError, RecentLogin,
};
pub use verdict::{LoginMismatch, Verdict};
