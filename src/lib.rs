//! Risk scoring for Pro Santé Connect logins made with an e-CPS.
#![forbid(unsafe_code)]

mod anomaly;
mod count_table;
mod digest;
mod features;
mod geo;
mod national_id;
mod population;
mod user_agent;

// Identifiers.
pub use national_id::{IdKind, IdRule, MAX_NATIONAL_ID_LEN, NationalId, NationalIdError};
// Places.
pub use geo::{
    CountryCode, CountryCodeError, Department, GeoPoint, GeoPointError, PostalArea, postal_area,
};
// Hashes.
pub use digest::{Digest128, Fingerprint, HexError};
// Learned histories.
pub use count_table::{CountTable, CountTableError, Entry};
pub use features::{
    FeatureCaps, FeatureHistory, IPV4_NETWORK_PREFIX, IPV6_NETWORK_PREFIX, LoginFeatures,
    UserAgentFeatures, network_of,
};
pub use user_agent::{Browser, DeviceType, Os, UserAgentClass};
// Provider-wide frequencies, the population side of the statistical anomaly score.
pub use population::{
    POPULATION_CAPS, POPULATION_FORMAT_VERSION, PopulationStats, PopulationStatsError,
};
// The Freeman et al. likelihood-ratio score (detector `stats.anomaly`).
pub use anomaly::{
    AnomalyFeature, AnomalyParams, AnomalyParamsError, AnomalyScore, DEFAULT_ANOMALY_THRESHOLD,
    FeatureTerm, HierarchyLevel, anomaly_score, anomaly_score_with,
};
