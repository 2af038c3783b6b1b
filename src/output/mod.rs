//! Outputs for people: advice for the professional, incident reports for the ANS, audit records
//! for logs, and the keyed pseudonyms both carry.

pub(crate) mod advice;
pub(crate) mod audit;
pub(crate) mod pseudonym;
pub(crate) mod report;

pub use advice::{Advice, AdviceCode, Lang};
pub use audit::{AUDIT_FORMAT_VERSION, AuditRecord};
pub use pseudonym::{Addresses, Identifiers, KeyError, MIN_KEY_LEN, Privacy, PseudonymKey};
pub use report::{
    ANS_REPORT_ADDRESS, AuthenticationPart, CredentialPart, IncidentReport, NetworkPart,
    NotEvaluatedSignal, PolicyRef, REPORT_FORMAT_VERSION, ReportError, RuleHit, SignalHit,
    SubjectPart, WouldBe,
};
