//! The built-in detectors, grouped by what they look at.

pub(super) mod auth;
pub(super) mod ecps;
pub(super) mod history;
pub(super) mod network;
