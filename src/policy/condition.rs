//! Compiled rule conditions: signal tests and fact comparisons, evaluated in three-valued
//! (Kleene) logic so that missing data is never read as safe nor as risky.

use std::fmt;

use crate::detect::slots::{Masks, SignalRef};
use crate::history::profile::Profile;
use crate::input::context::{Acr, ActivationChannel, AuthMode, RiskContext};
use crate::model::geo::CountryCode;
use crate::model::user_agent::DeviceType;

/// Kleene truth value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Truth {
    False,
    Unknown,
    True,
}

impl Truth {
    fn from_bool(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

macro_rules! facts {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal : $kind:ident, )*) => {
        /// A fact of the context that rule conditions can compare.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Fact {
            $( $(#[$doc])* $variant, )*
        }

        impl Fact {
            /// Every fact.
            pub const ALL: &'static [Fact] = &[$(Fact::$variant,)*];

            /// The fact's name in policies.
            pub const fn as_str(self) -> &'static str {
                match self { $(Fact::$variant => $name,)* }
            }

            /// The fact with this name.
            pub fn parse(name: &str) -> Option<Fact> {
                match name { $($name => Some(Fact::$variant),)* _ => None }
            }

            pub(crate) const fn kind(self) -> FactKind {
                match self { $(Fact::$variant => FactKind::$kind,)* }
            }
        }
    };
}

facts! {
    /// Hours since the e-CPS activation (number).
    ActivationAgeHours = "credential.activation_age_hours": Number,
    /// Active e-CPS count (number).
    ActiveCount = "credential.active_count": Number,
    /// Activation channel: `cps_card`, `email_sms`, `other`.
    Channel = "credential.channel": Symbol,
    /// `acr` level, ordered: `unknown` < `eidas1` < `eidas2` < `eidas3`.
    AcrLevel = "auth.acr": Number,
    /// Minutes since `auth_time` (number).
    AuthAgeMinutes = "auth.age_minutes": Number,
    /// Means of authentication (`authMode`): `card` (the CPS card), `ecps` (the e-CPS app),
    /// `other`.
    AuthMode = "auth.mode": Symbol,
    /// The token's issuer (`iss`), compared exactly.
    Issuer = "auth.issuer": Symbol,
    /// The host of the token's issuer, lowercased (`auth.bas.psc.esante.gouv.fr` is the PSC
    /// sandbox).
    IssuerHost = "auth.issuer_host": Symbol,
    /// Request country (ISO code).
    Country = "request.country": Symbol,
    /// Request ASN (number).
    Asn = "request.asn": Number,
    /// Caller's anonymizer flag (boolean).
    Anonymizer = "request.anonymizer": Bool,
    /// Caller's hosting flag (boolean).
    Hosting = "request.hosting": Bool,
    /// Device type from the user agent: `desktop`, `mobile`, `tablet`, `bot`, `other`.
    DeviceKind = "request.device_type": Symbol,
    /// Kind of the subject's identifier: `rpps`, `adeli`, `adeli_cabinet_staff`,
    /// `finess_staff`, `siren_staff`, `siret_staff`, `rpps_cabinet_staff`, `unrecognised`.
    SubjectKind = "subject.kind": Symbol,
    /// The subject is an ANS test identity: `8997…` or an ANS sandbox account (boolean).
    TestIdentity = "subject.test_identity": Bool,
    /// Good logins in the profile (number).
    LoginCount = "profile.login_count": Number,
    /// Days since the last good login (number).
    DaysSinceLastLogin = "profile.days_since_last_login": Number,
    /// Local hour of the day, 0–23 (number).
    LocalHour = "local.hour": Number,
    /// Local day of the week, 0 (Monday) – 6 (number).
    LocalWeekday = "local.weekday": Number,
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FactKind {
    Number,
    Bool,
    Symbol,
}

/// A symbol value, compiled: small codes for enumerations, text otherwise.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Sym {
    Code(u32),
    Text(Box<str>),
}

/// A fact's value in one context, borrowed (no allocation).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Observed<'a> {
    Number(f64),
    Bool(bool),
    Code(u32),
    Text(&'a str),
}

impl Fact {
    /// The numeric value of a textual literal, for ordered symbolic facts (`acr` levels).
    pub(crate) fn number_from_text(self, text: &str) -> Option<f64> {
        match self {
            Fact::AcrLevel => match text {
                "unknown" => Some(0.0),
                _ => match Acr::parse(text) {
                    Acr::Unknown => None,
                    acr => Some(acr_rank(acr)),
                },
            },
            _ => None,
        }
    }

    /// The values of an enumerated symbolic fact, in code order (`None` for open domains).
    pub(crate) fn names(self) -> Option<&'static [&'static str]> {
        match self {
            Fact::Channel => Some(&["cps_card", "email_sms", "other"]),
            Fact::DeviceKind => Some(&["desktop", "mobile", "tablet", "bot", "other"]),
            Fact::SubjectKind => Some(&ID_KIND_NAMES),
            Fact::AuthMode => Some(&["card", "ecps", "other"]),
            _ => None,
        }
    }

    /// The symbol of a textual literal, checked against the fact's domain.
    pub(crate) fn symbol(self, text: &str) -> Option<Sym> {
        if let Some(names) = self.names() {
            return names
                .iter()
                .position(|n| *n == text)
                .and_then(|i| u32::try_from(i).ok())
                .map(Sym::Code);
        }
        match self {
            Fact::Country => CountryCode::parse(text)
                .ok()
                .map(|c| Sym::Code(country_code(c))),
            Fact::Issuer => (!text.is_empty()).then(|| Sym::Text(text.into())),
            Fact::IssuerHost => {
                (!text.is_empty()).then(|| Sym::Text(text.to_ascii_lowercase().into()))
            }
            _ => None,
        }
    }

    /// The range of values the fact can take, for static checks (`[lo, hi]`).
    pub(crate) fn domain(self) -> (f64, f64) {
        match self {
            Fact::AcrLevel => (0.0, 3.0),
            Fact::LocalHour => (0.0, 23.0),
            Fact::LocalWeekday => (0.0, 6.0),
            Fact::ActiveCount | Fact::LoginCount | Fact::Asn => (0.0, f64::INFINITY),
            Fact::ActivationAgeHours | Fact::AuthAgeMinutes | Fact::DaysSinceLastLogin => {
                (0.0, f64::INFINITY)
            }
            _ => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// The fact's value in a context, `None` when the input is missing.
    pub(crate) fn observe<'a>(
        self,
        ctx: &'a RiskContext,
        profile: &Profile,
    ) -> Option<Observed<'a>> {
        let e = ctx.event();
        let now = ctx.now();
        let hours = |d: time::Duration| d.whole_seconds() as f64 / 3600.0;
        Some(match self {
            Fact::ActivationAgeHours => {
                Observed::Number(hours(now - e.credential.activated_at?).max(0.0))
            }
            Fact::ActiveCount => Observed::Number(f64::from(e.credential.active_count?)),
            Fact::Channel => Observed::Code(match e.credential.channel? {
                ActivationChannel::CpsCard => 0,
                ActivationChannel::EmailSms => 1,
                ActivationChannel::Other => 2,
            }),
            Fact::AcrLevel => Observed::Number(acr_rank(e.auth.acr?)),
            Fact::AuthAgeMinutes => {
                Observed::Number((hours(now - e.auth.auth_time?) * 60.0).max(0.0))
            }
            Fact::AuthMode => Observed::Code(match e.auth.mode.as_ref()? {
                AuthMode::Card => 0,
                AuthMode::Ecps => 1,
                AuthMode::Other(_) => 2,
            }),
            Fact::Issuer => Observed::Text(e.auth.issuer.as_deref()?),
            Fact::IssuerHost => Observed::Text(ctx.issuer_host()?),
            Fact::Country => Observed::Code(country_code(e.request.country?)),
            Fact::Asn => Observed::Number(f64::from(e.request.asn?)),
            Fact::Anonymizer => Observed::Bool(e.request.anonymizer?),
            Fact::Hosting => Observed::Bool(e.request.hosting?),
            Fact::DeviceKind => Observed::Code(match ctx.user_agent_class()?.device_type {
                DeviceType::Desktop => 0,
                DeviceType::Mobile => 1,
                DeviceType::Tablet => 2,
                DeviceType::Bot => 3,
                _ => 4,
            }),
            // `IdKind::ALL` lists the kinds in declaration order (a test checks it).
            Fact::SubjectKind => Observed::Code(ctx.subject().kind() as u32),
            Fact::TestIdentity => Observed::Bool(ctx.subject().is_test_identity()),
            Fact::LoginCount => Observed::Number(profile.login_count() as f64),
            Fact::DaysSinceLastLogin => {
                let last = profile.last_login_at()?;
                Observed::Number(((now.unix_timestamp() - last) as f64 / 86_400.0).max(0.0))
            }
            Fact::LocalHour => Observed::Number(f64::from(ctx.hour_of_week() % 24)),
            Fact::LocalWeekday => Observed::Number(f64::from(ctx.hour_of_week() / 24)),
        })
    }
}

/// `IdKind`'s names in declaration order: a kind's code is its discriminant (a test checks
/// this list against `IdKind::ALL`).
const ID_KIND_NAMES: [&str; 8] = [
    "rpps",
    "adeli",
    "adeli_cabinet_staff",
    "finess_staff",
    "siren_staff",
    "siret_staff",
    "rpps_cabinet_staff",
    "unrecognised",
];

fn acr_rank(acr: Acr) -> f64 {
    match acr {
        Acr::Unknown => 0.0,
        Acr::Eidas1 => 1.0,
        Acr::Eidas2 => 2.0,
        Acr::Eidas3 => 3.0,
    }
}

fn country_code(c: CountryCode) -> u32 {
    let b = c.as_str().as_bytes();
    (u32::from(b.first().copied().unwrap_or(0)) << 8) | u32::from(b.get(1).copied().unwrap_or(0))
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A compiled comparison.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Comparison {
    Number(Op, f64),
    NumberIn(Vec<f64>),
    Bool(Op, bool),
    Symbol(Op, Sym),
    SymbolIn(Vec<Sym>),
}

impl Comparison {
    fn test(&self, value: Observed<'_>) -> Truth {
        let sym_eq = |s: &Sym| match (s, value) {
            (Sym::Code(a), Observed::Code(b)) => *a == b,
            (Sym::Text(a), Observed::Text(b)) => &**a == b,
            _ => false,
        };
        let b = match (self, value) {
            (Comparison::Number(op, x), Observed::Number(v)) => match op {
                Op::Eq => v == *x,
                Op::Ne => v != *x,
                Op::Lt => v < *x,
                Op::Le => v <= *x,
                Op::Gt => v > *x,
                Op::Ge => v >= *x,
            },
            (Comparison::NumberIn(xs), Observed::Number(v)) => xs.contains(&v),
            (Comparison::Bool(op, x), Observed::Bool(v)) => (v == *x) == (*op == Op::Eq),
            (Comparison::Symbol(op, s), _) => sym_eq(s) == (*op == Op::Eq),
            (Comparison::SymbolIn(set), _) => set.iter().any(sym_eq),
            // Kinds are checked at compile time; a mismatch here cannot be decided.
            _ => return Truth::Unknown,
        };
        Truth::from_bool(b)
    }
}

/// A compiled condition.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Condition {
    Hit(SignalRef),
    NotEvaluated(SignalRef),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Compare(Fact, Comparison),
    /// The login has no value for the fact.
    Missing(Fact),
}

/// Where evaluation finds signal states and facts.
pub(crate) trait Facts {
    fn masks(&self) -> Masks;
    fn fact(&self, fact: Fact) -> Option<Observed<'_>>;
}

impl Condition {
    pub(crate) fn eval(&self, env: &impl Facts) -> Truth {
        match self {
            Condition::Hit(r) => {
                let (m, bit) = (env.masks(), r.bit());
                if m.hit & bit != 0 {
                    Truth::True
                } else if m.ran & !m.not_evaluated & bit != 0 {
                    Truth::False
                } else {
                    // Not evaluated (or, defensively, not run): neither risky nor safe.
                    Truth::Unknown
                }
            }
            Condition::NotEvaluated(r) => {
                let (m, bit) = (env.masks(), r.bit());
                if m.ran & bit == 0 {
                    Truth::Unknown
                } else {
                    Truth::from_bool(m.not_evaluated & bit != 0)
                }
            }
            Condition::All(cs) => {
                let mut acc = Truth::True;
                for c in cs {
                    match c.eval(env) {
                        Truth::False => return Truth::False,
                        Truth::Unknown => acc = Truth::Unknown,
                        Truth::True => {}
                    }
                }
                acc
            }
            Condition::Any(cs) => {
                let mut acc = Truth::False;
                for c in cs {
                    match c.eval(env) {
                        Truth::True => return Truth::True,
                        Truth::Unknown => acc = Truth::Unknown,
                        Truth::False => {}
                    }
                }
                acc
            }
            Condition::Not(c) => c.eval(env).not(),
            Condition::Compare(fact, cmp) => match env.fact(*fact) {
                Some(v) => cmp.test(v),
                None => Truth::Unknown,
            },
            Condition::Missing(fact) => Truth::from_bool(env.fact(*fact).is_none()),
        }
    }

    /// Bits of the detectors that must hit for the condition to be true: a hit test, the
    /// members' of an `all`, the ones every member of an `any` needs. When one of them did not
    /// hit, the condition is false or unknown, never true, so evaluation can skip it.
    pub(crate) fn required_hits(&self) -> u64 {
        match self {
            Condition::Hit(r) => r.bit(),
            Condition::All(cs) => cs.iter().fold(0, |bits, c| bits | c.required_hits()),
            Condition::Any(cs) if !cs.is_empty() => {
                cs.iter().fold(u64::MAX, |bits, c| bits & c.required_hits())
            }
            _ => 0,
        }
    }

    /// Every detector the condition refers to, in order of appearance.
    pub(crate) fn signals(&self, out: &mut Vec<SignalRef>) {
        match self {
            Condition::Hit(r) | Condition::NotEvaluated(r) => out.push(*r),
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.signals(out)),
            Condition::Not(c) => c.signals(out),
            Condition::Compare(..) | Condition::Missing(_) => {}
        }
    }
}

/// A condition made only of detector tests, at most two levels deep — tests, an `any` of
/// tests, or an `all` of tests and of `any`s of tests — compiled to bit masks: whether it is
/// *true* takes a few mask operations per group. Every rule of the recommended policy but one
/// has this shape.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct MaskRule {
    /// Tests that must all be true.
    all: Tests,
    /// Groups of which at least one test must be true, each.
    any: Box<[Tests]>,
}

/// Detector tests, one bit per detector and kind of test.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tests {
    hit: u64,
    no_hit: u64,
    not_evaluated: u64,
    evaluated: u64,
}

impl Tests {
    /// Add a test; `false` if `c` is not one.
    fn add(&mut self, c: &Condition) -> bool {
        match c {
            Condition::Hit(r) => self.hit |= r.bit(),
            Condition::NotEvaluated(r) => self.not_evaluated |= r.bit(),
            Condition::Not(inner) => match &**inner {
                Condition::Hit(r) => self.no_hit |= r.bit(),
                Condition::NotEvaluated(r) => self.evaluated |= r.bit(),
                _ => return false,
            },
            _ => return false,
        }
        true
    }

    /// Tests from conditions that must all be tests.
    fn of(cs: &[Condition]) -> Option<Tests> {
        let mut t = Tests::default();
        cs.iter().all(|c| t.add(c)).then_some(t)
    }

    /// Every test true.
    fn all_hold(&self, s: &States) -> bool {
        self.hit & !s.hit == 0
            && self.no_hit & !s.no_hit == 0
            && self.not_evaluated & !s.not_evaluated == 0
            && self.evaluated & !s.evaluated == 0
    }

    /// Some test true.
    fn any_holds(&self, s: &States) -> bool {
        (self.hit & s.hit)
            | (self.no_hit & s.no_hit)
            | (self.not_evaluated & s.not_evaluated)
            | (self.evaluated & s.evaluated)
            != 0
    }
}

impl MaskRule {
    /// The mask form of `c`, when it has one.
    pub(crate) fn of(c: &Condition) -> Option<MaskRule> {
        let mut m = MaskRule::default();
        match c {
            Condition::Any(cs) if !cs.is_empty() => m.any = Box::new([Tests::of(cs)?]),
            Condition::All(cs) if !cs.is_empty() => {
                let mut groups = Vec::new();
                for member in cs {
                    if !m.all.add(member) {
                        match member {
                            Condition::Any(inner) if !inner.is_empty() => {
                                groups.push(Tests::of(inner)?);
                            }
                            _ => return None,
                        }
                    }
                }
                m.any = groups.into_boxed_slice();
            }
            Condition::All(_) | Condition::Any(_) => return None,
            single => {
                if !m.all.add(single) {
                    return None;
                }
            }
        }
        Some(m)
    }

    /// True when the condition is true (Kleene: an `all` needs every member true, an `any`
    /// one).
    pub(crate) fn holds(&self, s: &States) -> bool {
        self.all.all_hold(s) && self.any.iter().all(|g| g.any_holds(s))
    }
}

/// The four detector states rules test, derived once per evaluation from [`Masks`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct States {
    hit: u64,
    no_hit: u64,
    not_evaluated: u64,
    evaluated: u64,
}

impl From<Masks> for States {
    fn from(m: Masks) -> Self {
        States {
            hit: m.hit,
            no_hit: m.ran & !m.hit & !m.not_evaluated,
            not_evaluated: m.not_evaluated,
            evaluated: m.ran & !m.not_evaluated,
        }
    }
}

/// Why a condition can statically never be true, if it cannot.
pub(crate) fn never_true(c: &Condition) -> Option<String> {
    match c {
        Condition::Any(cs) if cs.is_empty() => Some("`any` of nothing is never true".into()),
        Condition::Any(cs) => {
            let reasons: Option<Vec<String>> = cs.iter().map(never_true).collect();
            reasons.map(|r| r.join("; "))
        }
        Condition::All(cs) => cs.iter().find_map(never_true).or_else(|| contradiction(cs)),
        Condition::Not(inner) => {
            always_true(inner).then(|| "`not` of a condition that always holds".into())
        }
        // A lone comparison can still fall outside the fact's domain (`local.hour > 23`).
        Condition::Compare(..) => contradiction(std::slice::from_ref(c)),
        _ => None,
    }
}

fn always_true(c: &Condition) -> bool {
    match c {
        Condition::All(cs) => cs.iter().all(always_true),
        Condition::Not(inner) => never_true(inner).is_some(),
        _ => false,
    }
}

/// Contradictions among the direct members of an `all`: signal tests that exclude each other,
/// and comparisons on one fact whose allowed values do not intersect (within the fact's domain).
fn contradiction(members: &[Condition]) -> Option<String> {
    use std::collections::BTreeMap;

    // Signal states: hit, no hit, not evaluated — each test allows a subset of them.
    let mut allowed: BTreeMap<SignalRef, [bool; 3]> = BTreeMap::new();
    for m in members {
        let (r, mask) = match m {
            Condition::Hit(r) => (r, [true, false, false]),
            Condition::NotEvaluated(r) => (r, [false, false, true]),
            Condition::Not(inner) => match &**inner {
                // `not hit` is true only for a no-hit (unknown when not evaluated).
                Condition::Hit(r) => (r, [false, true, false]),
                Condition::NotEvaluated(r) => (r, [true, true, false]),
                _ => continue,
            },
            _ => continue,
        };
        let entry = allowed.entry(*r).or_insert([true; 3]);
        for (a, b) in entry.iter_mut().zip(mask) {
            *a = *a && b;
        }
        if entry.iter().all(|a| !a) {
            return Some(format!(
                "contradictory tests of detector `{}`",
                signal_name(*r)
            ));
        }
    }

    // A comparison on a fact is unknown when the fact is missing, never true.
    let missing: Vec<Fact> = members
        .iter()
        .filter_map(|m| match m {
            Condition::Missing(f) => Some(*f),
            _ => None,
        })
        .collect();
    if let Some(fact) = members.iter().find_map(|m| match m {
        Condition::Compare(f, _) if missing.contains(f) => Some(f),
        _ => None,
    }) {
        return Some(format!("`{fact}` compared and missing can never both hold"));
    }

    let mut numbers: BTreeMap<Fact, Interval> = BTreeMap::new();
    let mut symbols: BTreeMap<Fact, Vec<&Sym>> = BTreeMap::new();
    let mut bools: BTreeMap<Fact, bool> = BTreeMap::new();
    for m in members {
        let Condition::Compare(fact, cmp) = m else {
            continue;
        };
        let bad = || Some(format!("comparisons on `{fact}` can never all hold"));
        match cmp {
            Comparison::Number(op, x) => {
                let (lo, hi) = fact.domain();
                let iv = numbers.entry(*fact).or_insert(Interval::closed(lo, hi));
                if !iv.narrow(*op, *x) {
                    return bad();
                }
            }
            Comparison::NumberIn(xs) => {
                let (lo, hi) = fact.domain();
                let iv = numbers.entry(*fact).or_insert(Interval::closed(lo, hi));
                if !xs.iter().any(|x| iv.contains(*x)) {
                    return bad();
                }
            }
            Comparison::Bool(op, x) => {
                let want = (*op == Op::Eq) == *x;
                if bools.insert(*fact, want).is_some_and(|prev| prev != want) {
                    return bad();
                }
            }
            Comparison::Symbol(Op::Eq, s) => {
                let set = symbols.entry(*fact).or_default();
                // An empty set means "unconstrained so far".
                if !set.is_empty() && !set.contains(&s) {
                    return bad();
                }
                set.clear();
                set.push(s);
            }
            Comparison::SymbolIn(xs) => {
                let set = symbols.entry(*fact).or_default();
                if set.is_empty() {
                    set.extend(xs.iter());
                } else {
                    set.retain(|v| xs.contains(v));
                    if set.is_empty() {
                        return bad();
                    }
                }
            }
            Comparison::Symbol(_, _) => {}
        }
    }
    None
}

fn signal_name(r: SignalRef) -> String {
    match r {
        SignalRef::Builtin(c) => c.as_str().to_owned(),
        SignalRef::Custom(i) => format!("custom #{i}"),
    }
}

/// An interval of reals with open or closed ends.
#[derive(Clone, Copy, Debug)]
struct Interval {
    lo: f64,
    lo_closed: bool,
    hi: f64,
    hi_closed: bool,
}

impl Interval {
    fn closed(lo: f64, hi: f64) -> Self {
        Interval {
            lo,
            lo_closed: true,
            hi,
            hi_closed: true,
        }
    }

    fn contains(&self, x: f64) -> bool {
        (x > self.lo || (self.lo_closed && x == self.lo))
            && (x < self.hi || (self.hi_closed && x == self.hi))
    }

    /// Intersect with `value op x`; false when the result is empty.
    fn narrow(&mut self, op: Op, x: f64) -> bool {
        let raise = |iv: &mut Interval, x: f64, closed: bool| {
            if x > iv.lo || (x == iv.lo && !closed) {
                iv.lo = x;
                iv.lo_closed = closed;
            }
        };
        let lower = |iv: &mut Interval, x: f64, closed: bool| {
            if x < iv.hi || (x == iv.hi && !closed) {
                iv.hi = x;
                iv.hi_closed = closed;
            }
        };
        match op {
            Op::Eq => {
                if !self.contains(x) {
                    return false;
                }
                *self = Interval::closed(x, x);
            }
            Op::Ne => {}
            Op::Lt => lower(self, x, false),
            Op::Le => lower(self, x, true),
            Op::Gt => raise(self, x, false),
            Op::Ge => raise(self, x, true),
        }
        self.lo < self.hi || (self.lo == self.hi && self.lo_closed && self.hi_closed)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod mask_tests;
