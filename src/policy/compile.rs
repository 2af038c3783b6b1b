//! [`PolicySpec`] → [`Policy`]: every check happens here, so evaluation cannot meet a
//! configuration error.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::condition::{Comparison, Condition, Fact, FactKind, Op, Sym, never_true};
use super::error::PolicyError;
use super::spec::{CompareSpec, ConditionSpec, EffectSpec, Mode, PolicySpec, ValueSpec};
use super::{CustomDetector, Example, Policy, Rule, Thresholds};
use crate::detect::signal::SignalCode;
use crate::detect::slots::SignalRef;
use crate::detect::{Detector, DetectorParams};
use crate::env::watchlist::Watchlists;
use crate::model::digest::{Fingerprint, sha256};
use crate::policy::decision::Decision;

/// Most rules in a policy.
pub const MAX_RULES: usize = 10_000;
pub use crate::detect::slots::MAX_CUSTOM_DETECTORS;
/// Deepest nesting of a condition.
pub const MAX_CONDITION_DEPTH: usize = 16;
/// Most nodes in one condition.
pub const MAX_CONDITION_NODES: usize = 256;
/// Most examples in a policy.
pub const MAX_EXAMPLES: usize = 1_000;
/// Longest policy `version`, in bytes: it is copied into every audit record.
pub const MAX_VERSION_LEN: usize = 64;
/// Longest policy or rule `description`, in bytes: rule descriptions are quoted in every
/// reason of an assessment and in incident reports.
pub const MAX_DESCRIPTION_LEN: usize = 512;
pub use crate::detect::params::{MAX_ALSO_ALLOWED, MAX_DETECTOR_LISTS};

/// Custom detectors, by name, for [`Policy::compile_with`]. Rules use them as `custom.<name>`.
///
/// ```
/// use ecps_risk::{Detector, DetectorError, DetectorInput, policy::DetectorRegistry, Evidence, Signal};
///
/// struct NightShift;
/// impl Detector for NightShift {
///     fn detect(&self, input: &DetectorInput<'_>) -> Result<Signal, DetectorError> {
///         Ok(Signal::when(input.context.hour_of_week() % 24 < 5, Evidence::Flag))
///     }
/// }
///
/// let mut registry = DetectorRegistry::new();
/// registry.register("night_shift", NightShift)?;
/// assert!(registry.register("night_shift", NightShift).is_err());
/// # Ok::<(), ecps_risk::PolicyError>(())
/// ```
#[derive(Clone, Default)]
pub struct DetectorRegistry {
    detectors: BTreeMap<String, Arc<dyn Detector>>,
}

impl std::fmt::Debug for DetectorRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.detectors.keys()).finish()
    }
}

impl DetectorRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register `detector` as `custom.<name>`; names are 1–64 of `a-z`, `0-9`, `_`.
    pub fn register(
        &mut self,
        name: &str,
        detector: impl Detector + 'static,
    ) -> Result<(), PolicyError> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(PolicyError::CustomDetector {
                name: crate::model::text::quoted(name),
                problem: "names are 1 to 64 of `a-z`, `0-9`, `_`",
            });
        }
        if self.detectors.contains_key(name) {
            return Err(PolicyError::CustomDetector {
                name: name.to_owned(),
                problem: "is already registered",
            });
        }
        self.detectors.insert(name.to_owned(), Arc::new(detector));
        Ok(())
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Compile and validate a spec (see [`Policy::compile_with`]).
pub(crate) fn compile(
    spec: PolicySpec,
    registry: &DetectorRegistry,
) -> Result<Policy, PolicyError> {
    let pid = spec.id.clone();
    let policy = || crate::model::text::quoted(&pid);
    if !valid_id(&spec.id) {
        return Err(PolicyError::Id {
            policy: policy(),
            what: "policy",
            value: policy(),
        });
    }
    let too_long = |what: String, len: usize, max: usize| PolicyError::TooLong {
        policy: policy(),
        what,
        len,
        max,
    };
    if spec.version.len() > MAX_VERSION_LEN {
        return Err(too_long(
            "`version`".into(),
            spec.version.len(),
            MAX_VERSION_LEN,
        ));
    }
    if spec.description.len() > MAX_DESCRIPTION_LEN {
        return Err(too_long(
            "`description`".into(),
            spec.description.len(),
            MAX_DESCRIPTION_LEN,
        ));
    }
    let t = spec.thresholds;
    if !(1 <= t.step_up && t.step_up < t.review && t.review < t.deny && t.deny <= 100_000) {
        return Err(PolicyError::Thresholds {
            policy: policy(),
            step_up: t.step_up,
            review: t.review,
            deny: t.deny,
        });
    }
    if spec.fail_closed == Decision::Allow {
        return Err(PolicyError::FailOpen { policy: policy() });
    }
    check_params(&spec.detectors, &pid)?;
    if spec.watchlists.len() > Watchlists::MAX_LISTS {
        return Err(PolicyError::TooMany {
            policy: policy(),
            what: "watchlists",
            len: spec.watchlists.len(),
            max: Watchlists::MAX_LISTS,
        });
    }
    if spec.rules.len() > MAX_RULES {
        return Err(PolicyError::TooMany {
            policy: policy(),
            what: "rules",
            len: spec.rules.len(),
            max: MAX_RULES,
        });
    }
    if spec.examples.len() > MAX_EXAMPLES {
        return Err(PolicyError::TooMany {
            policy: policy(),
            what: "examples",
            len: spec.examples.len(),
            max: MAX_EXAMPLES,
        });
    }

    // Rules, sorted by id: order in the file never matters (effects are additive or maxima),
    // and a sorted order makes reasons and the fingerprint deterministic.
    let mut specs: Vec<_> = spec.rules.iter().collect();
    specs.sort_by(|a, b| a.id.cmp(&b.id));
    let mut builder = RuleBuilder {
        policy: &pid,
        registry,
        customs: Vec::new(),
        builtins: BTreeSet::new(),
    };
    let mut rules = Vec::with_capacity(specs.len());
    let mut previous: Option<&str> = None;
    for r in specs {
        if !valid_id(&r.id) {
            return Err(PolicyError::Id {
                policy: policy(),
                what: "rule",
                value: crate::model::text::quoted(&r.id),
            });
        }
        if previous == Some(r.id.as_str()) {
            return Err(PolicyError::DuplicateRule {
                policy: policy(),
                rule: r.id.clone(),
            });
        }
        previous = Some(&r.id);
        if r.description.len() > MAX_DESCRIPTION_LEN {
            return Err(too_long(
                format!("rule `{}` description", r.id),
                r.description.len(),
                MAX_DESCRIPTION_LEN,
            ));
        }
        let mut nodes = 0;
        let condition = builder.condition(&r.id, &r.when, 1, &mut nodes)?;
        if let Some(reason) = never_true(&condition) {
            return Err(PolicyError::NeverFires {
                policy: policy(),
                rule: r.id.clone(),
                reason,
            });
        }
        match r.effect {
            EffectSpec::Points(points) if !(-1000..=1000).contains(&points) => {
                return Err(PolicyError::Points {
                    policy: policy(),
                    rule: r.id.clone(),
                    points,
                });
            }
            EffectSpec::AtLeast(Decision::Allow) => {
                return Err(PolicyError::UselessEffect {
                    policy: policy(),
                    rule: r.id.clone(),
                    effect: "at_least = \"allow\"".into(),
                });
            }
            _ => {}
        }
        let mut signals = Vec::new();
        condition.signals(&mut signals);
        let mut seen = BTreeSet::new();
        signals.retain(|s| seen.insert(*s));
        rules.push(Rule {
            id: r.id.clone(),
            description: r.description.clone(),
            masks: super::condition::MaskRule::of(&condition),
            required_hits: condition.required_hits(),
            condition,
            effect: r.effect,
            report_only: r.report_only,
            signals,
        });
    }
    let builtins: Vec<SignalCode> = builder.builtins.iter().copied().collect();
    for code in &builtins {
        check_lists(&spec, *code)?;
    }
    let customs = builder.customs;

    let mut examples = Vec::with_capacity(spec.examples.len());
    for ex in &spec.examples {
        if let Some(rule) = ex
            .fires
            .iter()
            .find(|id| !spec.rules.iter().any(|r| &r.id == *id))
        {
            return Err(PolicyError::ExampleRule {
                policy: policy(),
                example: crate::model::text::quoted(&ex.name),
                rule: crate::model::text::quoted(rule),
            });
        }
        let context =
            crate::input::context::RiskContext::try_from(ex.login.clone()).map_err(|source| {
                PolicyError::ExampleLogin {
                    policy: policy(),
                    example: crate::model::text::quoted(&ex.name),
                    source: Box::new(source),
                }
            })?;
        let watchlists = match &ex.watchlists {
            None => None,
            Some(w) => Some(Watchlists::compile(w.clone()).map_err(|source| {
                PolicyError::ExampleWatchlists {
                    policy: policy(),
                    example: crate::model::text::quoted(&ex.name),
                    source: Box::new(source),
                }
            })?),
        };
        examples.push(Example {
            name: ex.name.clone(),
            context,
            profile: ex.profile.clone().unwrap_or_default(),
            watchlists,
            population: ex.population.clone(),
            expect: ex.expect,
            fires: ex.fires.clone(),
        });
    }

    let mut normalized = spec;
    normalized.rules.sort_by(|a, b| a.id.cmp(&b.id));
    let fingerprint = fingerprint(&normalized);
    let required = normalized
        .watchlists
        .iter()
        .filter(|(_, decl)| decl.required)
        .map(|(name, decl)| (name.clone(), decl.kind))
        .collect();
    let warnings = super::inputs::warnings(&normalized, &rules, &customs);
    Ok(Policy {
        thresholds: Thresholds {
            step_up: t.step_up,
            review: t.review,
            deny: t.deny,
            method: t.step_up_method.into(),
        },
        report_only: normalized.mode == Mode::ReportOnly,
        builtin_bits: builtins
            .iter()
            .fold(0, |bits, c| bits | SignalRef::Builtin(*c).bit()),
        builtins,
        customs,
        rules,
        fingerprint,
        examples,
        spec: normalized,
        required,
        warnings,
    })
}

/// SHA-256 of the canonical JSON of the normalized spec (examples excluded: they test the
/// policy, they are not part of it). Canonical: object keys sorted at every level, no
/// whitespace, so the same policy in TOML or JSON, or with keys or rules in another order,
/// has one fingerprint; every default is written out, so omitting a default changes nothing.
fn fingerprint(spec: &PolicySpec) -> Fingerprint {
    let mut spec = spec.clone();
    spec.examples.clear();
    let value = serde_json::to_value(&spec).unwrap_or(serde_json::Value::Null);
    let mut out = String::new();
    canonical(&value, &mut out);
    Fingerprint::new(sha256("ecps-risk policy v1", &[out.as_bytes()]))
}

fn canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(inner) = map.get(*k) {
                    canonical(inner, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

struct RuleBuilder<'a> {
    policy: &'a str,
    registry: &'a DetectorRegistry,
    customs: Vec<CustomDetector>,
    builtins: BTreeSet<SignalCode>,
}

impl RuleBuilder<'_> {
    fn signal(&mut self, rule: &str, code: &str) -> Result<SignalRef, PolicyError> {
        if let Some(c) = SignalCode::parse(code) {
            self.builtins.insert(c);
            return Ok(SignalRef::Builtin(c));
        }
        let unknown = || PolicyError::UnknownDetector {
            policy: self.policy.to_owned(),
            rule: rule.to_owned(),
            detector: crate::model::text::quoted(code),
        };
        let name = code.strip_prefix("custom.").ok_or_else(unknown)?;
        if let Some(i) = self.customs.iter().position(|c| c.name == name) {
            return Ok(SignalRef::Custom(i));
        }
        let detector = self.registry.detectors.get(name).ok_or_else(unknown)?;
        if self.customs.len() >= MAX_CUSTOM_DETECTORS {
            return Err(PolicyError::TooMany {
                policy: self.policy.to_owned(),
                what: "custom detectors",
                len: self.customs.len() + 1,
                max: MAX_CUSTOM_DETECTORS,
            });
        }
        self.customs.push(CustomDetector {
            name: name.to_owned(),
            detector: Arc::clone(detector),
        });
        Ok(SignalRef::Custom(self.customs.len() - 1))
    }

    fn condition(
        &mut self,
        rule: &str,
        spec: &ConditionSpec,
        depth: usize,
        nodes: &mut usize,
    ) -> Result<Condition, PolicyError> {
        // An `in` list costs a comparison per value on every login: each value counts.
        *nodes += 1 + match spec {
            ConditionSpec::Compare(CompareSpec {
                in_: Some(values), ..
            }) => values.len(),
            _ => 0,
        };
        let size = |limit| PolicyError::ConditionSize {
            policy: self.policy.to_owned(),
            rule: rule.to_owned(),
            limit,
        };
        if depth > MAX_CONDITION_DEPTH {
            return Err(size("the nesting limit of 16"));
        }
        if *nodes > MAX_CONDITION_NODES {
            return Err(size(
                "the limit of 256 parts (each `in` value counts as one)",
            ));
        }
        Ok(match spec {
            ConditionSpec::Hit(code) => Condition::Hit(self.signal(rule, code)?),
            ConditionSpec::NotEvaluated(code) => Condition::NotEvaluated(self.signal(rule, code)?),
            ConditionSpec::All(cs) => Condition::All(
                cs.iter()
                    .map(|c| self.condition(rule, c, depth + 1, nodes))
                    .collect::<Result<_, _>>()?,
            ),
            ConditionSpec::Any(cs) => Condition::Any(
                cs.iter()
                    .map(|c| self.condition(rule, c, depth + 1, nodes))
                    .collect::<Result<_, _>>()?,
            ),
            ConditionSpec::Not(c) => {
                Condition::Not(Box::new(self.condition(rule, c, depth + 1, nodes)?))
            }
            ConditionSpec::Compare(c) => self.compare(rule, c)?,
            ConditionSpec::Missing(name) => Condition::Missing(self.fact(rule, name)?),
        })
    }

    fn fact(&self, rule: &str, name: &str) -> Result<Fact, PolicyError> {
        Fact::parse(name).ok_or_else(|| PolicyError::UnknownFact {
            policy: self.policy.to_owned(),
            rule: rule.to_owned(),
            fact: crate::model::text::quoted(name),
        })
    }

    fn compare(&self, rule: &str, c: &CompareSpec) -> Result<Condition, PolicyError> {
        let fact = self.fact(rule, &c.fact)?;
        let problem = |problem: String| PolicyError::Comparison {
            policy: self.policy.to_owned(),
            rule: rule.to_owned(),
            fact: fact.as_str().to_owned(),
            problem,
        };
        let ops: Vec<(Op, &ValueSpec)> = [
            (Op::Eq, &c.eq),
            (Op::Ne, &c.ne),
            (Op::Lt, &c.lt),
            (Op::Le, &c.le),
            (Op::Gt, &c.gt),
            (Op::Ge, &c.ge),
        ]
        .into_iter()
        .filter_map(|(op, v)| v.as_ref().map(|v| (op, v)))
        .collect();
        let count = ops.len() + usize::from(c.in_.is_some());
        if count != 1 {
            return Err(problem(format!(
                "needs exactly one of `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `in`, got {count}"
            )));
        }
        let show = |v: &ValueSpec| match v {
            ValueSpec::Bool(b) => b.to_string(),
            ValueSpec::Number(n) => n.to_string(),
            ValueSpec::Text(t) => crate::model::text::quoted(t),
        };
        let number = |v: &ValueSpec| match v {
            ValueSpec::Number(n) if n.is_finite() => Ok(*n),
            ValueSpec::Text(t) => fact
                .number_from_text(t)
                .ok_or_else(|| problem(format!("`{}` is not a valid value", show(v)))),
            _ => Err(problem(format!("`{}` is not a finite number", show(v)))),
        };
        let symbol = |v: &ValueSpec| match v {
            ValueSpec::Text(t) => fact.symbol(t).ok_or_else(|| {
                let valid = fact.names().map_or(String::new(), |names| {
                    format!(" (one of `{}`)", names.join("`, `"))
                });
                problem(format!("`{}` is not a valid value{valid}", show(v)))
            }),
            _ => Err(problem(format!("`{}` is not text", show(v)))),
        };
        // An empty `in` matches no value: the comparison is never true, and a rule reading it
        // never fires (or, under `not`, fires on every login with the fact). One rule for every
        // fact, whatever its kind: an error, never a silently inert rule.
        if c.in_.as_ref().is_some_and(|vs| vs.is_empty()) {
            return Err(problem(
                "`in` is empty: it matches no value, so the comparison can never be true".into(),
            ));
        }
        let cmp = match (fact.kind(), ops.first(), &c.in_) {
            (FactKind::Number, Some((op, v)), _) => Comparison::Number(*op, number(v)?),
            (FactKind::Number, None, Some(vs)) => {
                Comparison::NumberIn(vs.iter().map(number).collect::<Result<_, _>>()?)
            }
            (FactKind::Bool, Some((op @ (Op::Eq | Op::Ne), ValueSpec::Bool(b))), _) => {
                Comparison::Bool(*op, *b)
            }
            (FactKind::Bool, Some((Op::Eq | Op::Ne, v)), _) => {
                return Err(problem(format!("`{}` is not a boolean", show(v))));
            }
            (FactKind::Symbol, Some((op @ (Op::Eq | Op::Ne), v)), _) => {
                Comparison::Symbol(*op, symbol(v)?)
            }
            (FactKind::Symbol, None, Some(vs)) => {
                let mut set: Vec<Sym> = vs.iter().map(symbol).collect::<Result<_, _>>()?;
                set.sort();
                set.dedup();
                Comparison::SymbolIn(set)
            }
            (FactKind::Bool, None, Some(_)) => {
                return Err(problem("`in` does not apply to a boolean".into()));
            }
            _ => return Err(problem("is not ordered: use `eq`, `ne` or `in`".into())),
        };
        Ok(Condition::Compare(fact, cmp))
    }
}

/// Parameter ranges and list sizes, checked by each parameter type (the catalogue's rows).
fn check_params(p: &DetectorParams, policy: &str) -> Result<(), PolicyError> {
    p.check().map_err(|(detector, e)| PolicyError::Parameter {
        policy: policy.to_owned(),
        detector: detector.as_str(),
        parameter: e.parameter,
        value: e.value,
        problem: e.problem,
    })
}

/// A list-based detector's lists must be declared, with the kind it reads.
fn check_lists(spec: &PolicySpec, code: SignalCode) -> Result<(), PolicyError> {
    let Some(reads) = code.lists() else {
        return Ok(());
    };
    let expected = reads.kind;
    let lists = spec.detectors.lists(code);
    if lists.is_empty() && !reads.may_be_empty {
        return Err(PolicyError::Parameter {
            policy: spec.id.clone(),
            detector: code.as_str(),
            parameter: "lists",
            value: "[]".into(),
            problem: "must name at least one watchlist",
        });
    }
    for list in lists {
        match spec.watchlists.get(list.as_str()) {
            None => {
                return Err(PolicyError::UnknownWatchlist {
                    policy: spec.id.clone(),
                    detector: code.as_str(),
                    list: list.to_string(),
                });
            }
            Some(declared) if declared.kind != expected => {
                return Err(PolicyError::WatchlistKind {
                    policy: spec.id.clone(),
                    detector: code.as_str(),
                    list: list.to_string(),
                    expected,
                    declared: declared.kind,
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}
