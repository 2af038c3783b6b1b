#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub(crate) mod detect;
pub(crate) mod env;
pub(crate) mod history;
pub(crate) mod input;
pub(crate) mod model;
pub(crate) mod output;
pub(crate) mod policy;
pub(crate) mod replay;

// Identifiers.
pub use model::national_id::{IdKind, IdRule, MAX_NATIONAL_ID_LEN, NationalId, NationalIdError};
// Places.
pub use model::geo::{
    CountryCode, CountryCodeError, Department, DepartmentError, GeoPoint, GeoPointError,
    PostalArea, postal_area,
};
// Hashes.
pub use model::digest::{Digest128, Fingerprint, HexError};
// PSC claims.
pub use input::claims::{
    Activity, ActivityLocation, ClaimsError, Exercice, OtherId, PscClaims, RefPro,
};
// The validated login.
pub use input::context::{
    Acr, ActivationChannel, AuthFacts, AuthMode, ContactChange, ContactKind, ContextError,
    CredentialFacts, FUTURE_TOLERANCE, LoginEvent, MAX_CREDENTIAL_ID_LEN, MAX_DEVICE_ID_LEN,
    MAX_ISSUER_LEN, MAX_LIST_LEN, MAX_SHORT_TEXT_LEN, MAX_USER_AGENT_LEN, PushOutcome,
    ReportedRequest, RequestFacts, RiskContext, RiskContextBuilder, Telemetry, ValidationRequest,
};
pub use model::local_time::{HOURS_PER_WEEK, LocalTime};
// Learned histories: the generic bounded table, login features, the per-professional profile.
pub use history::count_table::{CountTable, CountTableError, Entry};
pub use history::feature_history::{FeatureCaps, FeatureHistory};
pub use history::profile::{
    Attempt, Feedback, FeedbackMark, LastPosition, MAX_ATTEMPTS, MAX_DEVICES, MAX_FEEDBACK,
    MAX_HOUR_COUNT, MAX_MEANS_COUNT, MAX_RECENT_LOGINS, Means, PROFILE_CAPS,
    PROFILE_FORMAT_VERSION, Profile, ProfileError, RecentLogin,
};
pub use input::features::{
    IPV4_NETWORK_PREFIX, IPV6_NETWORK_PREFIX, LoginFeatures, UserAgentFeatures, network_of,
};
pub use model::user_agent::{Browser, DeviceType, Os, UserAgentClass};
// Provider-wide data: watchlists and population frequencies, bundled per request.
pub use env::environment::Environment;
pub use env::watchlist::{
    BlockedSubjectList, BlockedSubjectSpec, CredentialList, IdList, IpList, ListName, SubjectList,
    Watchlist, WatchlistError, WatchlistKind, WatchlistSpec, Watchlists, WatchlistsSpec,
};
pub use history::population::{
    POPULATION_CAPS, POPULATION_FORMAT_VERSION, PopulationStats, PopulationStatsError,
};
// The Freeman et al. likelihood-ratio score (detector `stats.anomaly`).
pub use history::anomaly::{
    AnomalyFeature, AnomalyParams, AnomalyParamsError, AnomalyScore, DEFAULT_ANOMALY_THRESHOLD,
    FeatureTerm, HierarchyLevel, anomaly_score, anomaly_score_with,
};
// Detectors: codes, results, parameters, and the trait for custom ones.
pub use detect::signal::{Evidence, EvidenceError, Missing, Signal, SignalCode};
pub use detect::{
    ActivationAfterContactChange, Anomaly, Assurance, ClockSkew, ColdStart, Detector,
    DetectorError, DetectorInput, DetectorParams, FreshActivation, ImpossibleTravel, ListParams,
    LocationMismatch, MultipleActive, NoParams, PushFatigue, PushReported, RecentChange, Stale,
    UnusualHour, VelocityBurst,
};
// Policies: the spec security teams write, its compiled form, and what evaluation returns.
pub use history::verdict::{LoginMismatch, Verdict};
pub use policy::assessment::{
    Assessment, Failure, MAX_REASONS, Outcome, Reason, STEP_UP_WINDOW, SignalName, StepUpError,
};
pub use policy::decision::{Decision, Level, StepUpMethod};
pub use policy::{
    CompareSpec, ConditionSpec, DetectorRegistry, EffectSpec, ExampleMismatch, ExampleSpec, Fact,
    MAX_ALSO_ALLOWED, MAX_CONDITION_DEPTH, MAX_CONDITION_NODES, MAX_CUSTOM_DETECTORS,
    MAX_DESCRIPTION_LEN, MAX_DETECTOR_LISTS, MAX_EXAMPLES, MAX_RULES, MAX_VERSION_LEN,
    MissingInput, MissingInputs, Mode, Policy, PolicyError, PolicySpec, PolicyWarning, RuleSpec,
    StepUpMethodSpec, ThresholdsSpec, ValueSpec, WarningCode, WatchlistDecl, default_watchlists,
};
// Outputs for people: advice for the professional, incident reports for the ANS, audit
// records for logs (pseudonymized under the provider's key), and offline replay / what-if.
pub use model::digest::Pseudonym;
pub use output::advice::{Advice, AdviceCode, Concern, Lang};
pub use output::audit::{AUDIT_FORMAT_VERSION, AuditRecord};
pub use output::pseudonym::{Addresses, Identifiers, KeyError, MIN_KEY_LEN, Privacy, PseudonymKey};
pub use output::report::{
    ANS_REPORT_ADDRESS, AuthenticationPart, CredentialPart, IncidentReport, NetworkPart,
    NotEvaluatedSignal, PolicyRef, REPORT_FORMAT_VERSION, ReportError, RuleHit, SignalHit,
    SubjectPart, WouldBe,
};
pub use replay::{
    DecisionCounts, DecisionTransition, DiffExample, DiffSide, GroupStats, Label, Learning,
    MAX_ATTACKER_GROUPS, MAX_ATTACKER_NAME_LEN, OTHER_ATTACKER, PolicyDiff, PopulationSource,
    RecordedLogin, Replay, ReplayOptions, ReplaySummary, ScoreBin, ThresholdRow, diff, replay,
};
