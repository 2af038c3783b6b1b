//! One login, validated: the PSC claims, the request, the partners' facts, built into a
//! [`RiskContext`] once per login.

pub(crate) mod claims;
pub(crate) mod context;
pub(crate) mod features;

pub use claims::{Activity, ActivityLocation, ClaimsError, Exercice, OtherId, PscClaims, RefPro};
pub use context::{
    Acr, ActivationChannel, AuthFacts, AuthMode, ContactChange, ContactKind, ContextError,
    CredentialFacts, FUTURE_TOLERANCE, LoginEvent, MAX_CREDENTIAL_ID_LEN, MAX_DEVICE_ID_LEN,
    MAX_ISSUER_LEN, MAX_LIST_LEN, MAX_SHORT_TEXT_LEN, MAX_USER_AGENT_LEN, PushOutcome,
    ReportedRequest, RequestFacts, RiskContext, RiskContextBuilder, Telemetry, ValidationRequest,
};
pub use features::{
    IPV4_NETWORK_PREFIX, IPV6_NETWORK_PREFIX, LoginFeatures, UserAgentFeatures, network_of,
};
