//! One login, validated: the PSC claims, the request, the partners' facts, built into a
//! [`RiskContext`](crate::RiskContext) once per login.

pub(crate) mod claims;
pub(crate) mod context;
pub(crate) mod features;
