//! Risk scoring for Pro Santé Connect logins made with an e-CPS.
#![forbid(unsafe_code)]
