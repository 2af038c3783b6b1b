//! Outputs for people: advice for the professional, incident reports for the ANS, audit records
//! for logs, and the keyed pseudonyms both carry.

pub(crate) mod advice;
pub(crate) mod audit;
pub(crate) mod pseudonym;
pub(crate) mod report;
