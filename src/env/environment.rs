//! [`Environment`]: the provider-wide data every evaluation reads — watchlists and population
//! statistics. Both are compiled once and shared (typically behind `Arc`); an `Environment` is
//! just two borrowed references, free to build for each request.

use crate::env::watchlist::Watchlists;
use crate::history::population::PopulationStats;

/// Provider-wide inputs of an evaluation. Either may be absent: the detectors that need it
/// then report "not evaluated".
///
/// ```
/// use ecps_risk::{Environment, Watchlists};
///
/// let lists: Watchlists = serde_json::from_str(
///     r#"{"lists": [{"name": "trusted_networks", "kind": "ip", "entries": ["10.20.0.0/16"]}]}"#,
/// )?;
/// let env = Environment::new().with_watchlists(&lists);
/// assert!(env.watchlists().is_some());
/// assert!(env.population().is_none());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Environment<'a> {
    watchlists: Option<&'a Watchlists>,
    population: Option<&'a PopulationStats>,
}

impl<'a> Environment<'a> {
    /// No watchlists, no population statistics.
    pub const fn empty() -> Self {
        Environment {
            watchlists: None,
            population: None,
        }
    }

    /// Same as [`Environment::empty`], to chain `with_…` calls on.
    pub const fn new() -> Self {
        Self::empty()
    }

    /// Use these watchlists.
    pub const fn with_watchlists(mut self, watchlists: &'a Watchlists) -> Self {
        self.watchlists = Some(watchlists);
        self
    }

    /// Use these population statistics.
    pub const fn with_population(mut self, population: &'a PopulationStats) -> Self {
        self.population = Some(population);
        self
    }

    /// The watchlists, if supplied.
    pub const fn watchlists(&self) -> Option<&'a Watchlists> {
        self.watchlists
    }

    /// The population statistics, if supplied.
    pub const fn population(&self) -> Option<&'a PopulationStats> {
        self.population
    }
}
