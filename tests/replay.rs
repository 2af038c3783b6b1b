//! Replay and what-if on a small labelled fixture (`tests/data/replay_small.jsonl`), under the
//! recommended policy (step-up from 40), with no watchlists and no population statistics, so
//! every count below can be worked out by hand.
//!
//! The logins, in order (A = 810001234565, B = 810023456782):
//!
//! | # | who | what | score | decision |
//! |---|-----|------|-------|----------|
//! | 0 | A | first login, laptop, home network | 10 (first-login) | allow |
//! | 1 | B | first login | 10 | allow |
//! | 2 | A | same laptop and network | 0 | allow |
//! | 3 | A, attack `ecps_takeover` | e-CPS activated remotely 30 min before, new device, new network | 20 + 15 + 10 = 45, floor card step-up | step up (card) |
//! | 4 | B, attack `naive` | new device, network, country (US) | 15 + 10 + 15 = 40 | step up (card) |
//! | 5 | A | laptop | 0 | allow |
//! | 6 | B, attack `vpn` | anonymizer, new device and network, France | 25 + 15 + 10 = 50 | step up (card) |
//! | 7 | A | re-activated e-CPS on a new phone, home network | 20 + 15 = 35, floor card step-up | step up (card) |
//! | 8 | A | the same phone an hour later | 20 (fresh-activation) if #7 was learned, else 35 + floor | allow / step up |
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::num::NonZeroU32;

use ecps_risk::{
    Decision, Environment, Label, Learning, Policy, PopulationSource, RecordedLogin, Replay,
    ReplayOptions, StepUpMethod, StepUpMethodSpec, diff, replay,
};
use time::macros::datetime;

const FIXTURE: &str = include_str!("data/replay_small.jsonl");
const CARD: Decision = Decision::StepUp(StepUpMethod::CpsCard);

fn logins() -> Vec<RecordedLogin> {
    FIXTURE
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn options() -> ReplayOptions {
    ReplayOptions::default().with_population(PopulationSource::Fixed)
}

#[test]
fn decision_rule_and_not_evaluated_counts() {
    let policy = Policy::recommended();
    let s = replay(&policy, Environment::empty(), logins(), options());
    assert_eq!(s.logins(), 9);
    assert_eq!(s.professionals, 2);
    assert_eq!(s.warm_up_logins, 0);
    assert_eq!(s.all.decisions.allow, 5);
    assert_eq!(s.all.decisions.get(CARD), 4);
    assert_eq!(s.all.decisions.challenged(), 4);

    let legit = s.label(Label::Legitimate).unwrap();
    let attack = s.label(Label::Attack).unwrap();
    assert_eq!((legit.logins, legit.decisions.challenged()), (6, 1));
    assert_eq!((attack.logins, attack.decisions.challenged()), (3, 3));
    for model in ["ecps_takeover", "naive", "vpn"] {
        let g = &s.by_attacker[model];
        assert_eq!((g.logins, g.decisions.get(CARD)), (1, 1), "{model}");
    }

    let hits = |rule: &str| s.rule_hits.get(rule).copied().unwrap_or(0);
    assert_eq!(hits("first-login"), 2);
    assert_eq!(hits("new-device"), 4);
    assert_eq!(hits("unfamiliar-network"), 3);
    assert_eq!(hits("new-country"), 1);
    assert_eq!(hits("anonymizer"), 1);
    assert_eq!(hits("fresh-activation"), 3);
    assert_eq!(hits("fresh-remote-activation"), 2);
    assert_eq!(hits("ecps-revoked"), 0);

    // No watchlists: the list detectors never ran; no history on first logins.
    assert_eq!(s.not_evaluated["ecps.revoked"], 9);
    assert_eq!(s.not_evaluated["network.trusted"], 9);
    assert_eq!(s.not_evaluated["device.new"], 2);
    assert_eq!(s.not_evaluated["stats.anomaly"], 9);
    assert_eq!(s.failures, 0);

    // Scores: 0 ×2, 10 ×2, 20, 35, 40, 45, 50.
    let scores: Vec<(i32, u64)> = s.all.scores.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(
        scores,
        [(0, 2), (10, 2), (20, 1), (35, 1), (40, 1), (45, 1), (50, 1)]
    );
    assert_eq!(s.all.always_challenged, 2); // #3 and #7: the card step-up floor
    let bins: Vec<(i32, u64)> = s
        .all
        .histogram(20)
        .iter()
        .map(|b| (b.start, b.count))
        .collect();
    assert_eq!(bins, [(0, 4), (20, 2), (40, 3)]);
}

#[test]
fn labels_decide_what_profiles_learn() {
    let policy = Policy::recommended();
    // From labels: #7's step-up passed, so the phone is known at #8.
    let s = replay(&policy, Environment::empty(), logins(), options());
    assert_eq!(s.label(Label::Legitimate).unwrap().decisions.get(CARD), 1);
    // Allowed logins only: #7 is not learned, #8 is a new device again.
    let s = replay(
        &policy,
        Environment::empty(),
        logins(),
        options().with_learning(Learning::AllowedOnly),
    );
    assert_eq!(s.label(Label::Legitimate).unwrap().decisions.get(CARD), 2);
    assert_eq!(s.rule_hits["fresh-remote-activation"], 3);
}

#[test]
fn threshold_table() {
    let policy = Policy::recommended();
    let s = replay(&policy, Environment::empty(), logins(), options());
    let rows = s.threshold_table([0, 10, 20, 40, 45, 55]);
    let got: Vec<(i32, u64, u64)> = rows
        .iter()
        .map(|r| (r.threshold, r.attacks_challenged, r.legitimate_challenged))
        .collect();
    // Attacks: #3 always (floor), #4 at 40, #6 at 50. Legitimate: #7 always, then 20, 10, 10, 0, 0.
    assert_eq!(
        got,
        [
            (0, 3, 6),
            (10, 3, 4),
            (20, 3, 2),
            (40, 3, 1),
            (45, 2, 1),
            (55, 1, 1)
        ]
    );
    let at_policy = rows[3];
    assert_eq!(at_policy.true_positive_rate(), Some(1.0));
    assert_eq!(at_policy.false_positive_rate(), Some(1.0 / 6.0));
    // The table agrees with the replay at the policy's own threshold.
    assert_eq!(
        at_policy.attacks_challenged,
        s.label(Label::Attack).unwrap().decisions.challenged()
    );
    assert_eq!(
        at_policy.legitimate_challenged,
        s.label(Label::Legitimate).unwrap().decisions.challenged()
    );
}

#[test]
fn diff_of_two_thresholds() {
    let before = Policy::recommended();
    let mut spec = before.spec().clone();
    spec.thresholds.step_up = 45;
    let after = Policy::compile(spec).unwrap();
    let d = diff(
        &before,
        &after,
        Environment::empty(),
        logins(),
        options().with_max_examples(10),
    );
    // Only the naive attack (#4, score 40) changes; the allowed attacker's device and network
    // are then learned under the new policy, but the VPN attack (#6) still scores 50.
    assert_eq!(d.changed, 1);
    assert_eq!(d.transitions.len(), 1);
    assert_eq!(
        (
            d.transitions[0].from,
            d.transitions[0].to,
            d.transitions[0].count
        ),
        (CARD, Decision::Allow, 1)
    );
    let ex = &d.examples[0];
    assert_eq!(ex.index, 4);
    assert_eq!(ex.attacker.as_deref(), Some("naive"));
    assert_eq!(ex.label, Some(Label::Attack));
    assert_eq!((ex.before.score, ex.after.score), (40, 40));
    assert_eq!(
        ex.before.rules,
        ["new-country", "new-device", "unfamiliar-network"]
    );
    assert_eq!(d.before.all.decisions.get(CARD), 4);
    assert_eq!(d.after.all.decisions.get(CARD), 3);

    // A policy against itself changes nothing.
    let same = diff(&before, &before, Environment::empty(), logins(), options());
    assert_eq!(same.changed, 0);
    assert!(same.examples.is_empty());
    assert_eq!(same.before, same.after);
}

#[test]
fn examples_are_bounded() {
    let before = Policy::recommended();
    let mut spec = before.spec().clone();
    spec.thresholds.step_up = 5; // the four first-login / habit scores of 10 and 20 change
    let after = Policy::compile(spec).unwrap();
    let d = diff(
        &before,
        &after,
        Environment::empty(),
        logins(),
        options().with_max_examples(1),
    );
    assert!(d.changed > 1);
    assert_eq!(d.examples.len(), d.transitions.len());
}

#[test]
fn warm_up_is_replayed_but_not_counted() {
    let policy = Policy::recommended();
    let s = replay(
        &policy,
        Environment::empty(),
        logins(),
        options().warm_up_until(datetime!(2025-10-06 12:30 UTC)),
    );
    assert_eq!(s.warm_up_logins, 3);
    assert_eq!(s.logins(), 6);
    assert_eq!(s.rule_hits.get("first-login"), None);
    // The profiles still learned from the warm-up: #3 is no cold start.
    assert_eq!(s.all.decisions.get(CARD), 4);
}

#[test]
fn streaming_and_iterator_replays_agree_and_are_deterministic() {
    let policy = Policy::recommended();
    let logins = logins();
    let by_ref = replay(&policy, Environment::empty(), &logins, options());
    let by_value = replay(&policy, Environment::empty(), logins.clone(), options());
    assert_eq!(by_ref, by_value);
    let mut r = Replay::new(&policy, Environment::empty(), options());
    let decisions: Vec<Decision> = logins.iter().map(|l| r.push(l).decision()).collect();
    assert_eq!(decisions[3], CARD);
    assert_eq!(r.profiles().len(), 2);
    let streamed = r.finish();
    assert_eq!(streamed, by_ref);
    assert_eq!(
        serde_json::to_string(&streamed).unwrap(),
        serde_json::to_string(&by_value).unwrap()
    );
}

#[test]
fn learned_population_feeds_the_anomaly_score() {
    let policy = Policy::recommended();
    let s = replay(
        &policy,
        Environment::empty(),
        logins(),
        ReplayOptions::default(),
    );
    // The very first login has no population yet; later ones do.
    assert!(s.not_evaluated.get("stats.anomaly").copied().unwrap_or(0) < 9);
}

#[test]
fn recorded_logins_round_trip_and_validate() {
    let first = FIXTURE.lines().next().unwrap();
    let login: RecordedLogin = serde_json::from_str(first).unwrap();
    let back: RecordedLogin =
        serde_json::from_str(&serde_json::to_string(&login).unwrap()).unwrap();
    assert_eq!(back, login);
    let bad = first.replace("\"FR\"", "\"FRA\"");
    let e = serde_json::from_str::<RecordedLogin>(&bad).unwrap_err();
    assert!(e.to_string().contains("`FRA`"), "{e}");
    // Deserializing validates the login like `build`: no activation after the login.
    let line = FIXTURE.lines().nth(3).unwrap();
    let future = line.replace("2025-10-06T12:30:00Z", "2025-10-06T14:30:00Z");
    let e = serde_json::from_str::<RecordedLogin>(&future).unwrap_err();
    assert!(e.to_string().contains("`credential.activated_at`"), "{e}");
    let unknown = first.replace("\"label\"", "\"verdict\"");
    assert!(serde_json::from_str::<RecordedLogin>(&unknown).is_err());
}

#[test]
fn visits_round_trip_and_old_lines_still_read() {
    // Lines written before visits existed have none.
    assert!(logins().iter().all(|l| l.visit.is_none()));
    let line = FIXTURE.lines().nth(6).unwrap();
    let returning = line.replace(r#""attacker":"vpn""#, r#""attacker":"vpn","visit":2"#);
    let login: RecordedLogin = serde_json::from_str(&returning).unwrap();
    assert_eq!(login.visit, NonZeroU32::new(2));
    assert!(login.is_return());
    let back = serde_json::to_string(&login).unwrap();
    assert!(back.contains(r#""visit":2"#), "{back}");
    assert_eq!(serde_json::from_str::<RecordedLogin>(&back).unwrap(), login);
    // A first visit is no return; an unlabelled login is none either.
    let first = login.clone().with_visit(NonZeroU32::MIN);
    assert!(!first.is_return());
    let mut unlabelled = login.clone();
    unlabelled.label = None;
    assert!(!unlabelled.is_return());
    // Without a visit, nothing is written.
    assert!(
        !serde_json::to_string(&logins()[6])
            .unwrap()
            .contains("visit")
    );
    // Visit 0 means nothing: refused.
    let zero = line.replace(r#""attacker":"vpn""#, r#""attacker":"vpn","visit":0"#);
    assert!(serde_json::from_str::<RecordedLogin>(&zero).is_err());
}

#[test]
fn return_logins_are_counted_apart() {
    let policy = Policy::recommended();
    let mut logins = logins();
    // The VPN attacker (#6) was back for a second visit.
    logins[6] = logins[6].clone().with_visit(NonZeroU32::new(2).unwrap());
    logins[4] = logins[4].clone().with_visit(NonZeroU32::MIN);
    let s = replay(&policy, Environment::empty(), &logins, options());
    assert_eq!(s.return_logins.logins, 1);
    assert_eq!(s.return_logins.decisions.get(CARD), 1);
    assert_eq!(s.return_logins_by_attacker.len(), 1);
    assert_eq!(s.return_logins_by_attacker["vpn"].logins, 1);
    // Still counted with their model and label too.
    assert_eq!(s.by_attacker["vpn"].logins, 1);
    assert_eq!(s.label(Label::Attack).unwrap().logins, 3);
    // Without visits, no return login.
    let plain = replay(&policy, Environment::empty(), self::logins(), options());
    assert_eq!(plain.return_logins.logins, 0);
    assert!(plain.return_logins_by_attacker.is_empty());
}

#[test]
fn an_attacker_passes_a_fresh_step_up_but_not_a_card_one() {
    // The naive attacker (#4) comes back the next day from the same device and network.
    let mut logins = logins();
    let line = FIXTURE.lines().nth(4).unwrap();
    let again = line.replace("2025-10-06T20:00:00Z", "2025-10-07T20:00:00Z");
    logins.push(serde_json::from_str(&again).unwrap());
    let card = Policy::recommended();
    let mut spec = card.spec().clone();
    spec.thresholds.step_up_method = StepUpMethodSpec::FreshAuthentication;
    let fresh = Policy::compile(spec).unwrap();
    let fresh_step_up = Decision::StepUp(StepUpMethod::FreshAuthentication);

    // A card step-up stops them: the second visit is as new as the first.
    let mut r = Replay::new(&card, Environment::empty(), options());
    let d: Vec<Decision> = logins.iter().map(|l| r.push(l).decision()).collect();
    assert_eq!((d[4], d[9]), (CARD, CARD));
    // A fresh e-CPS authentication does not (they hold the e-CPS): the profile learns the
    // first, and the second is allowed.
    let mut r = Replay::new(&fresh, Environment::empty(), options());
    let d: Vec<Decision> = logins.iter().map(|l| r.push(l).decision()).collect();
    assert_eq!((d[4], d[9]), (fresh_step_up, Decision::Allow));
}

/// The data shipped for the `replay` example (written by the `simulate` example).
#[test]
fn shipped_simulation_data() {
    let text = include_str!("../examples/data/logins.jsonl");
    assert!(text.len() < 3 << 20, "keep the shipped data under 3 MiB");
    let logins: Vec<RecordedLogin> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(logins.len() > 2000);
    assert!(
        logins
            .windows(2)
            .all(|w| w[0].login.now() <= w[1].login.now()),
        "time order"
    );
    let lists: ecps_risk::Watchlists =
        serde_json::from_str(include_str!("../examples/data/watchlists.json")).unwrap();
    let policy = Policy::recommended();
    let first = logins[0].login.now();
    let s = replay(
        &policy,
        Environment::new().with_watchlists(&lists),
        &logins,
        ReplayOptions::default().warm_up_until(first + time::Duration::days(14)),
    );
    for model in ["ecps_takeover", "naive", "vpn", "targeted"] {
        assert!(s.by_attacker[model].logins >= 15, "{model}");
    }
    // The seed's kill chain is always challenged; few legitimate logins are.
    let takeover = &s.by_attacker["ecps_takeover"];
    assert_eq!(takeover.decisions.challenged(), takeover.logins);
    let legit = s.label(Label::Legitimate).unwrap();
    assert!(legit.decisions.challenged() * 10 < legit.logins);
}
