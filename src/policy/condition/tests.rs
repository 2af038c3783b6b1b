#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
use super::*;
use crate::detect::signal::SignalCode;

fn num(fact: Fact, op: Op, x: f64) -> Condition {
    Condition::Compare(fact, Comparison::Number(op, x))
}

#[test]
fn intervals() {
    let all = |cs: Vec<Condition>| never_true(&Condition::All(cs));
    assert!(
        all(vec![
            num(Fact::ActiveCount, Op::Gt, 5.0),
            num(Fact::ActiveCount, Op::Lt, 3.0)
        ])
        .is_some()
    );
    assert!(
        all(vec![
            num(Fact::ActiveCount, Op::Gt, 3.0),
            num(Fact::ActiveCount, Op::Lt, 3.0)
        ])
        .is_some()
    );
    assert!(
        all(vec![
            num(Fact::ActiveCount, Op::Ge, 3.0),
            num(Fact::ActiveCount, Op::Le, 3.0)
        ])
        .is_none()
    );
    assert!(
        all(vec![
            num(Fact::ActiveCount, Op::Eq, 2.0),
            num(Fact::ActiveCount, Op::Eq, 3.0)
        ])
        .is_some()
    );
    assert!(all(vec![num(Fact::LocalHour, Op::Gt, 23.0)]).is_some());
    assert!(never_true(&num(Fact::LocalHour, Op::Gt, 23.0)).is_some());
    assert!(never_true(&num(Fact::LocalHour, Op::Ge, 23.0)).is_none());
    assert!(all(vec![num(Fact::ActiveCount, Op::Lt, 0.0)]).is_some());
    // Different facts never contradict.
    assert!(
        all(vec![
            num(Fact::ActiveCount, Op::Gt, 5.0),
            num(Fact::LoginCount, Op::Lt, 3.0)
        ])
        .is_none()
    );
}

#[test]
fn signal_contradictions() {
    let r = SignalRef::Builtin(SignalCode::DeviceNew);
    let hit = Condition::Hit(r);
    let not_hit = Condition::Not(Box::new(Condition::Hit(r)));
    let ne = Condition::NotEvaluated(r);
    assert!(never_true(&Condition::All(vec![hit.clone(), not_hit.clone()])).is_some());
    assert!(never_true(&Condition::All(vec![hit.clone(), ne.clone()])).is_some());
    assert!(never_true(&Condition::All(vec![ne.clone(), not_hit.clone()])).is_some());
    assert!(never_true(&Condition::All(vec![hit.clone()])).is_none());
    assert!(never_true(&Condition::Any(vec![])).is_some());
    let dead = Condition::All(vec![hit.clone(), not_hit.clone()]);
    assert!(never_true(&Condition::Any(vec![dead.clone(), dead.clone()])).is_some());
    assert!(never_true(&Condition::Any(vec![dead, hit])).is_none());
    assert!(never_true(&Condition::Not(Box::new(Condition::All(vec![])))).is_some());
}

#[test]
fn subject_kind_names_follow_the_kinds() {
    use crate::model::national_id::IdKind;
    let names: Vec<&str> = IdKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names, ID_KIND_NAMES);
}

#[test]
fn symbols_and_bools() {
    let fr = Fact::Country.symbol("FR").unwrap();
    let de = Fact::Country.symbol("DE").unwrap();
    let c = |s: &Sym| Condition::Compare(Fact::Country, Comparison::Symbol(Op::Eq, s.clone()));
    assert!(never_true(&Condition::All(vec![c(&fr), c(&de)])).is_some());
    assert!(never_true(&Condition::All(vec![c(&fr), c(&fr)])).is_none());
    let inn = Condition::Compare(Fact::Country, Comparison::SymbolIn(vec![de.clone()]));
    assert!(never_true(&Condition::All(vec![c(&fr), inn])).is_some());
    let b = |x| Condition::Compare(Fact::Anonymizer, Comparison::Bool(Op::Eq, x));
    assert!(never_true(&Condition::All(vec![b(true), b(false)])).is_some());
    assert_eq!(Fact::Channel.symbol("carrier-pigeon"), None);
    assert_eq!(Fact::AcrLevel.number_from_text("eidas2"), Some(2.0));
    assert_eq!(Fact::AcrLevel.number_from_text("eidas9"), None);
}

use crate::detect::signal::SignalCode as C;
use crate::input::context::RiskContextBuilder;
use Truth::{False as F, True as T};
use time::Duration;
use time::macros::datetime;

/// Wednesday 8 October 2025, 11:30 in Paris.
const NOW: time::OffsetDateTime = datetime!(2025-10-08 09:30 UTC);

fn login() -> RiskContextBuilder {
    RiskContext::builder(NOW, "810001234565".parse().unwrap())
}

/// What rule evaluation sees of a login: its facts, no detector run.
struct Login<'a>(&'a RiskContext, &'a Profile);
impl Facts for Login<'_> {
    fn masks(&self) -> Masks {
        Masks::default()
    }
    fn fact(&self, fact: Fact) -> Option<Observed<'_>> {
        fact.observe(self.0, self.1)
    }
}

/// `fact op literal` on a login, the literal read as a policy's is (symbols and `acr`
/// levels by name, numbers as written).
fn holds(ctx: &RiskContext, profile: &Profile, fact: Fact, op: Op, literal: &str) -> Truth {
    let cmp = match fact.kind() {
        FactKind::Number => Comparison::Number(
            op,
            fact.number_from_text(literal)
                .unwrap_or_else(|| literal.parse().unwrap()),
        ),
        FactKind::Bool => Comparison::Bool(op, literal.parse().unwrap()),
        FactKind::Symbol => Comparison::Symbol(op, fact.symbol(literal).unwrap()),
    };
    Condition::Compare(fact, cmp).eval(&Login(ctx, profile))
}

#[test]
fn number_operators_at_their_boundary() {
    for (op, want) in [
        (Op::Eq, [F, T, F]),
        (Op::Ne, [T, F, T]),
        (Op::Lt, [T, F, F]),
        (Op::Le, [T, T, F]),
        (Op::Gt, [F, F, T]),
        (Op::Ge, [F, T, T]),
    ] {
        let got = [2.0, 3.0, 4.0].map(|v| Comparison::Number(op, 3.0).test(Observed::Number(v)));
        assert_eq!(got, want, "{op:?} 3 for 2, 3, 4");
    }
    let within = Comparison::NumberIn(vec![1.0, 3.0]);
    assert_eq!(within.test(Observed::Number(3.0)), T);
    assert_eq!(within.test(Observed::Number(2.0)), F);
    // A kind the compiler would have refused cannot be decided.
    assert_eq!(
        Comparison::Number(Op::Eq, 1.0).test(Observed::Bool(true)),
        Truth::Unknown
    );
}

#[test]
fn bools_and_symbols_match_their_value_only() {
    for (op, x, v, want) in [
        (Op::Eq, true, true, T),
        (Op::Eq, true, false, F),
        (Op::Eq, false, false, T),
        (Op::Ne, true, true, F),
        (Op::Ne, true, false, T),
        (Op::Ne, false, true, T),
    ] {
        let got = Comparison::Bool(op, x).test(Observed::Bool(v));
        assert_eq!(got, want, "{op:?} {x} for {v}");
    }
    let text = |t: &str| Sym::Text(t.into());
    for (sym, same, other) in [
        (Sym::Code(1), Observed::Code(1), Observed::Code(2)),
        (text("a"), Observed::Text("a"), Observed::Text("b")),
    ] {
        let eq = Comparison::Symbol(Op::Eq, sym.clone());
        let ne = Comparison::Symbol(Op::Ne, sym.clone());
        assert_eq!([eq.test(same), eq.test(other)], [T, F], "eq {sym:?}");
        assert_eq!([ne.test(same), ne.test(other)], [F, T], "ne {sym:?}");
        let within = Comparison::SymbolIn(vec![Sym::Code(7), sym.clone()]);
        assert_eq!(
            [within.test(same), within.test(other)],
            [T, F],
            "in {sym:?}"
        );
    }
    // A code never equals a text.
    assert_eq!(
        Comparison::Symbol(Op::Eq, text("1")).test(Observed::Code(1)),
        F
    );
}

/// Every fact reads its value from the login, and symbols name the values they stand for.
#[test]
fn facts_observe_the_login() {
    let last = RiskContext::builder(NOW - Duration::hours(252), "810001234565".parse().unwrap())
        .build()
        .unwrap();
    let profile = Profile::new().confirm_safe(&last).unwrap();
    let ctx = login()
        .activation(NOW - Duration::hours(30), ActivationChannel::EmailSms)
        .active_credentials(2)
        .auth_time(NOW - Duration::minutes(90))
        .acr("eidas3")
        .auth_mode("CARD")
        .issuer("https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet")
        .country("FR")
        .asn(3215)
        .anonymizer(true)
        .hosting(false)
        .build()
        .unwrap();
    let is = |fact, op, literal| holds(&ctx, &profile, fact, op, literal);
    assert_eq!(is(Fact::ActivationAgeHours, Op::Eq, "30"), T);
    assert_eq!(is(Fact::ActiveCount, Op::Eq, "2"), T);
    assert_eq!(is(Fact::AuthAgeMinutes, Op::Eq, "90"), T);
    assert_eq!(is(Fact::AcrLevel, Op::Eq, "eidas3"), T);
    assert_eq!(is(Fact::AcrLevel, Op::Eq, "3"), T);
    assert_eq!(is(Fact::AcrLevel, Op::Gt, "eidas2"), T);
    assert_eq!(is(Fact::Asn, Op::Eq, "3215"), T);
    assert_eq!(is(Fact::Anonymizer, Op::Eq, "true"), T);
    assert_eq!(is(Fact::Hosting, Op::Eq, "false"), T);
    // 10.5 days since the last good login.
    assert_eq!(is(Fact::DaysSinceLastLogin, Op::Eq, "10.5"), T);
    assert_eq!(is(Fact::LoginCount, Op::Eq, "1"), T);
    // Wednesday (2) at 11 in Paris.
    assert_eq!(is(Fact::LocalHour, Op::Eq, "11"), T);
    assert_eq!(is(Fact::LocalWeekday, Op::Eq, "2"), T);
    assert_eq!(is(Fact::Country, Op::Eq, "FR"), T);
    // Countries sharing a letter are still apart.
    for other in ["AR", "FI", "RF"] {
        assert_eq!(is(Fact::Country, Op::Eq, other), F, "{other}");
    }
    assert_eq!(
        is(
            Fact::Issuer,
            Op::Eq,
            "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet"
        ),
        T
    );
    assert_eq!(
        is(Fact::Issuer, Op::Eq, "https://auth.esw.esante.gouv.fr"),
        F
    );
    // Host names are compared lowercased.
    assert_eq!(is(Fact::IssuerHost, Op::Eq, "AUTH.ESW.ESANTE.GOUV.FR"), T);
    assert_eq!(Fact::Issuer.symbol(""), None);
    assert_eq!(Fact::IssuerHost.symbol(""), None);
    assert_eq!(is(Fact::SubjectKind, Op::Eq, "rpps"), T);
    assert_eq!(is(Fact::TestIdentity, Op::Eq, "false"), T);
    // Enumerations: the value's own name matches, no other does.
    let only = |ctx: &RiskContext, fact: Fact, name: &str| {
        for other in fact.names().unwrap() {
            let want = if *other == name { T } else { F };
            assert_eq!(
                holds(ctx, &profile, fact, Op::Eq, other),
                want,
                "{fact} = {name}, compared with {other}"
            );
        }
    };
    only(&ctx, Fact::Channel, "email_sms");
    only(&ctx, Fact::AuthMode, "card");
    for (mode, name) in [("MOBILE", "ecps"), ("PASSKEY", "other")] {
        only(
            &login().auth_mode(mode).build().unwrap(),
            Fact::AuthMode,
            name,
        );
    }
    for (channel, name) in [
        (ActivationChannel::CpsCard, "cps_card"),
        (ActivationChannel::Other, "other"),
    ] {
        let c = login().activation(NOW, channel).build().unwrap();
        only(&c, Fact::Channel, name);
    }
    for (ua, name) in [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "desktop",
        ),
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Mobile Safari/537.36",
            "mobile",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "tablet",
        ),
        ("python-requests/2.32.3", "bot"),
        (
            "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240805.005)",
            "other",
        ),
    ] {
        let c = login().user_agent(ua).build().unwrap();
        only(&c, Fact::DeviceKind, name);
    }
    // A fact the login lacks is neither true nor false.
    let bare = login().build().unwrap();
    for fact in [Fact::Asn, Fact::DeviceKind, Fact::DaysSinceLastLogin] {
        let literal = fact.names().map_or("1", |n| n[0]);
        assert_eq!(
            holds(&bare, &Profile::new(), fact, Op::Eq, literal),
            Truth::Unknown,
            "{fact}"
        );
    }
}

#[test]
fn acr_levels_by_name() {
    for (name, level) in [
        ("unknown", 0.0),
        ("eidas1", 1.0),
        ("EIDAS2", 2.0),
        ("eidas3", 3.0),
    ] {
        assert_eq!(Fact::AcrLevel.number_from_text(name), Some(level), "{name}");
    }
    // An `acr` PSC sends that is none of them ranks lowest.
    let odd = login().acr("urn:other").build().unwrap();
    assert_eq!(
        holds(&odd, &Profile::new(), Fact::AcrLevel, Op::Eq, "unknown"),
        T
    );
    assert_eq!(
        holds(&odd, &Profile::new(), Fact::AcrLevel, Op::Lt, "eidas1"),
        T
    );
}

/// A point at an open end is outside the interval, at a closed end inside; a looser bound
/// never widens a tighter one.
#[test]
fn open_and_closed_bounds() {
    let never = |cs: Vec<Condition>| never_true(&Condition::All(cs)).is_some();
    let n = |op, x| num(Fact::ActiveCount, op, x);
    let within =
        |xs: &[f64]| Condition::Compare(Fact::ActiveCount, Comparison::NumberIn(xs.to_vec()));
    // A value against one bound.
    assert!(never(vec![n(Op::Gt, 3.0), n(Op::Eq, 3.0)]));
    assert!(!never(vec![n(Op::Ge, 3.0), n(Op::Eq, 3.0)]));
    assert!(never(vec![n(Op::Ge, 3.0), n(Op::Eq, 2.0)]));
    assert!(never(vec![n(Op::Lt, 3.0), n(Op::Eq, 3.0)]));
    assert!(!never(vec![n(Op::Le, 3.0), n(Op::Eq, 3.0)]));
    assert!(never(vec![n(Op::Le, 3.0), n(Op::Eq, 4.0)]));
    assert!(never(vec![n(Op::Lt, 3.0), n(Op::Eq, 4.0)]));
    assert!(!never(vec![n(Op::Gt, 3.0), n(Op::Lt, 5.0), n(Op::Eq, 4.0)]));
    assert!(!never(vec![n(Op::Ne, 3.0), n(Op::Eq, 4.0)]));
    assert!(never(vec![n(Op::Gt, 3.0), within(&[1.0, 3.0])]));
    assert!(!never(vec![n(Op::Gt, 3.0), within(&[1.0, 4.0])]));
    // Two bounds at one value: empty unless both are closed.
    assert!(never(vec![n(Op::Ge, 3.0), n(Op::Lt, 3.0)]));
    assert!(never(vec![n(Op::Gt, 3.0), n(Op::Le, 3.0)]));
    assert!(!never(vec![n(Op::Ge, 3.0), n(Op::Le, 3.0)]));
    assert!(never(vec![n(Op::Ge, 5.0), n(Op::Le, 3.0)]));
    // Open after closed and closed after open, at the same value, on either side.
    assert!(never(vec![n(Op::Gt, 3.0), n(Op::Ge, 3.0), n(Op::Le, 3.0)]));
    assert!(never(vec![n(Op::Ge, 3.0), n(Op::Gt, 3.0), n(Op::Le, 3.0)]));
    assert!(never(vec![n(Op::Lt, 3.0), n(Op::Le, 3.0), n(Op::Ge, 3.0)]));
    assert!(never(vec![n(Op::Le, 3.0), n(Op::Lt, 3.0), n(Op::Ge, 3.0)]));
    // A weaker bound on the far side of a closed one.
    assert!(never(vec![n(Op::Ge, 5.0), n(Op::Gt, 3.0), n(Op::Lt, 4.0)]));
    assert!(never(vec![n(Op::Le, 3.0), n(Op::Lt, 5.0), n(Op::Gt, 4.0)]));
}

/// Each fact's domain bounds what a comparison can ask of it.
#[test]
fn comparisons_outside_a_facts_domain_never_hold() {
    let never = |fact, op, x| never_true(&num(fact, op, x)).is_some();
    assert!(never(Fact::AcrLevel, Op::Gt, 3.0));
    assert!(!never(Fact::AcrLevel, Op::Ge, 3.0));
    assert!(never(Fact::LocalWeekday, Op::Gt, 6.0));
    assert!(!never(Fact::LocalWeekday, Op::Eq, 6.0));
    assert!(never(Fact::ActiveCount, Op::Eq, -1.0));
    for fact in [
        Fact::DaysSinceLastLogin,
        Fact::ActivationAgeHours,
        Fact::AuthAgeMinutes,
        Fact::LoginCount,
        Fact::Asn,
    ] {
        assert!(never(fact, Op::Lt, 0.0), "{fact}");
        assert!(!never(fact, Op::Gt, 1e9), "{fact}");
    }
    let hours = Condition::Compare(Fact::LocalHour, Comparison::NumberIn(vec![24.0, 25.0]));
    assert!(never_true(&hours).is_some());
}

/// A rule's reason carries the signals of every detector its condition names.
#[test]
fn signals_in_order_of_appearance() {
    let (a, b, c) = (
        SignalRef::Builtin(C::DeviceNew),
        SignalRef::Builtin(C::GeoNewCountry),
        SignalRef::Custom(0),
    );
    let condition = Condition::All(vec![
        Condition::Hit(a),
        Condition::Not(Box::new(Condition::NotEvaluated(b))),
        Condition::Missing(Fact::Asn),
        Condition::Any(vec![Condition::Hit(c), Condition::Hit(a)]),
    ]);
    let mut out = Vec::new();
    condition.signals(&mut out);
    assert_eq!(out, [a, b, c, a]);
}

#[test]
fn never_true_says_why() {
    assert_eq!(
        never_true(&Condition::Any(vec![])).as_deref(),
        Some("`any` of nothing is never true")
    );
    let r = SignalRef::Builtin(C::DeviceNew);
    let not = |c: Condition| Condition::Not(Box::new(c));
    let dead = Condition::All(vec![Condition::Hit(r), not(Condition::Hit(r))]);
    assert_eq!(
        never_true(&dead).as_deref(),
        Some("contradictory tests of detector `device.new`")
    );
    // Not of not of a contradiction.
    assert!(never_true(&not(not(dead.clone()))).is_some());
    assert!(never_true(&not(Condition::All(vec![not(dead)]))).is_some());
    // Not evaluated and evaluated exclude each other; a hit implies evaluated.
    let ne = Condition::NotEvaluated(r);
    assert!(never_true(&Condition::All(vec![ne.clone(), not(ne.clone())])).is_some());
    assert!(never_true(&Condition::All(vec![Condition::Hit(r), not(ne.clone())])).is_none());
    assert!(never_true(&Condition::All(vec![not(Condition::Hit(r)), not(ne)])).is_none());
    // A fact compared and missing, but not two different facts.
    let fr = Condition::Compare(
        Fact::Country,
        Comparison::Symbol(Op::Eq, Fact::Country.symbol("FR").unwrap()),
    );
    assert_eq!(
        never_true(&Condition::All(vec![
            Condition::Missing(Fact::Country),
            fr.clone()
        ]))
        .as_deref(),
        Some("`request.country` compared and missing can never both hold")
    );
    assert!(never_true(&Condition::All(vec![Condition::Missing(Fact::Asn), fr])).is_none());
    // The same boolean twice, or said both ways, is no contradiction.
    let b = |op, x| Condition::Compare(Fact::Anonymizer, Comparison::Bool(op, x));
    assert!(never_true(&Condition::All(vec![b(Op::Eq, true), b(Op::Eq, true)])).is_none());
    assert!(never_true(&Condition::All(vec![b(Op::Eq, true), b(Op::Ne, false)])).is_none());
    assert!(never_true(&Condition::All(vec![b(Op::Eq, true), b(Op::Ne, true)])).is_some());
}
