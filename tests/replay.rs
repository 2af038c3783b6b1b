//! Replay and what-if on a small labelled fixture (`tests/data/replay_small.jsonl`), under the
//! recommended policy (step-up from 40), with no watchlists and no population statistics, so
//! every count below can be worked out by hand.
//!
//! The logins, in order (A = 810001234565, B = 810023456782):
//!
//! The professionals' own logins come with the CPS card (a reader at home), the attackers'
//! and A's new phone with the e-CPS (`authMode` `MOBILE`).
//!
//! | # | who | what | score | decision |
//! |---|-----|------|-------|----------|
//! | 0 | A | first login, card, laptop, home network | 10 (first-login) | allow |
//! | 1 | B | first login, card | 10 | allow |
//! | 2 | A | same laptop and network, card | 0 | allow |
//! | 3 | A, attack `ecps_takeover` | e-CPS activated remotely 30 min before, new device, new network | 20 + 15 + 10 = 45, card floors (fresh remote activation; device and network not proven hers) | step up (card) |
//! | 4 | B, attack `naive` | e-CPS, new device, network, country (US) | 15 + 10 + 15 = 40, card floor (device and network not proven his) | step up (card) |
//! | 5 | A | laptop, card | 0 | allow |
//! | 6 | B, attack `vpn` | e-CPS, anonymizer, new device and network, France | 25 + 15 + 10 = 50, card floor | step up (card) |
//! | 7 | A | re-activated e-CPS on a new phone, home network (proven hers by the card) | 20 + 15 = 35, card floor (fresh remote activation on a device not proven hers) | step up (card) |
//! | 8 | A | the same phone an hour later | 0 if #7's card step-up was learned (the phone is proven hers), else 35 + floor | allow / step up |
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::sync::OnceLock;

use ecps_risk::{
    AuthMode, Decision, Environment, Policy, StepUpMethod, Watchlists, policy::StepUpMethodSpec,
    replay::Label, replay::Learning, replay::PopulationSource, replay::RecordedLogin,
    replay::Replay, replay::ReplayOptions, replay::diff, replay::replay,
};
use time::macros::datetime;

/// The `simulate` example's generator, run in memory on a small population.
#[allow(dead_code)]
#[path = "../examples/simulate.rs"]
mod simulate;

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
    assert_eq!(hits("fresh-activation"), 2);
    assert_eq!(hits("fresh-remote-activation"), 2);
    assert_eq!(hits("ecps-from-unproven-device-and-network"), 3);
    assert_eq!(hits("ecps-revoked"), 0);

    // No watchlists: the list detectors never ran; no history on first logins.
    assert_eq!(s.not_evaluated["ecps.revoked"], 9);
    assert_eq!(s.not_evaluated["network.trusted"], 9);
    assert_eq!(s.not_evaluated["device.new"], 2);
    assert_eq!(s.not_evaluated["stats.anomaly"], 9);
    assert_eq!(s.failures, 0);

    // Scores: 0 ×3, 10 ×2, 35, 40, 45, 50.
    let scores: Vec<(i32, u64)> = s.all.scores.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(
        scores,
        [(0, 3), (10, 2), (35, 1), (40, 1), (45, 1), (50, 1)]
    );
    assert_eq!(s.all.always_challenged, 4); // #3, #4, #6 and #7: card step-up floors
    let bins: Vec<(i32, u64)> = s
        .all
        .histogram(20)
        .iter()
        .map(|b| (b.start, b.count))
        .collect();
    assert_eq!(bins, [(0, 5), (20, 1), (40, 3)]);
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
    // Attacks: #3, #4 and #6 always (floors). Legitimate: #7 always, then 10, 10, 0, 0, 0.
    assert_eq!(
        got,
        [
            (0, 3, 6),
            (10, 3, 3),
            (20, 3, 1),
            (40, 3, 1),
            (45, 3, 1),
            (55, 3, 1)
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
    // Without the floor on devices and networks not proven theirs, and a step-up from 45.
    let mut spec = before.spec().clone();
    spec.rules
        .retain(|r| r.id != "ecps-from-unproven-device-and-network");
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
        [
            "ecps-from-unproven-device-and-network",
            "new-country",
            "new-device",
            "unfamiliar-network"
        ]
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
    // The same policy asking for a fresh authentication, without its card floor on devices
    // and networks not proven the professional's.
    let mut spec = card.spec().clone();
    spec.thresholds.step_up_method = StepUpMethodSpec::FreshAuthentication;
    spec.rules
        .retain(|r| r.id != "ecps-from-unproven-device-and-network");
    let fresh = Policy::compile(spec).unwrap();
    let fresh_step_up = Decision::StepUp(StepUpMethod::FreshAuthentication);

    // A card step-up stops them: the second visit is as new as the first.
    let mut r = Replay::new(&card, Environment::empty(), options());
    let d: Vec<Decision> = logins.iter().map(|l| r.push(l).decision()).collect();
    assert_eq!((d[4], d[9]), (CARD, CARD));
    // A fresh e-CPS authentication does not (they hold the e-CPS): the profile learns the
    // first, and the second is allowed (the device, seen once without the card, is not proven
    // theirs: 15 points, and this policy has no floor for it).
    let mut r = Replay::new(&fresh, Environment::empty(), options());
    let d: Vec<Decision> = logins.iter().map(|l| r.push(l).decision()).collect();
    assert_eq!((d[4], d[9]), (fresh_step_up, Decision::Allow));
}

// ---------------------------------------------------------------------------------------------
// The `simulate` example's population.

fn small(partner_data: bool) -> simulate::Config {
    simulate::Config {
        seed: 7,
        professionals: 160,
        attackers_per_model: 6,
        partner_data,
    }
}

/// The small population without and with the partner feeds, simulated once.
fn simulations() -> &'static [simulate::Simulation; 2] {
    static SIMS: OnceLock<[simulate::Simulation; 2]> = OnceLock::new();
    SIMS.get_or_init(|| {
        [
            simulate::simulate(&small(false)).unwrap(),
            simulate::simulate(&small(true)).unwrap(),
        ]
    })
}

fn attacks(sim: &simulate::Simulation) -> impl Iterator<Item = &RecordedLogin> {
    sim.logins.iter().filter(|l| l.label == Some(Label::Attack))
}

#[test]
fn simulation_is_deterministic_and_both_modes_describe_the_same_logins() {
    let [without, with] = simulations();
    let again = simulate::simulate(&small(false)).unwrap();
    assert_eq!(again.jsonl().unwrap(), without.jsonl().unwrap());
    let outline = |s: &simulate::Simulation| -> Vec<_> {
        s.logins
            .iter()
            .map(|l| {
                let e = l.login.event();
                (
                    l.login.now(),
                    l.login.subject().clone(),
                    l.label,
                    l.attacker.clone(),
                    l.visit,
                    e.request.ip,
                    e.request.device,
                    e.auth.mode.clone(),
                )
            })
            .collect()
    };
    assert_eq!(outline(without), outline(with));
    assert!(
        without
            .logins
            .windows(2)
            .all(|w| w[0].login.now() <= w[1].login.now()),
        "time order"
    );
    // Every model attacks, and nothing happens before the warm-up ends.
    for model in simulate::MODELS {
        let n = attacks(without)
            .filter(|l| l.attacker.as_deref() == Some(model))
            .count();
        assert!(n >= 6, "{model}: {n}");
    }
    assert!(attacks(without).all(|l| l.login.now() >= simulate::WARM_UP_END));
    // Too many victims for the population is an error, not a loop.
    let crowded = simulate::Config {
        attackers_per_model: 20,
        ..small(false)
    };
    assert!(simulate::simulate(&crowded).is_err());
}

#[test]
fn simulated_attackers_hold_only_an_ecps_and_no_victim_cookie() {
    let [without, _] = simulations();
    assert!(attacks(without).all(|l| l.login.event().auth.mode == Some(AuthMode::Ecps)));
    let mut own: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for l in without
        .logins
        .iter()
        .filter(|l| l.label == Some(Label::Legitimate))
    {
        if let Some(d) = l.login.event().request.device {
            own.entry(l.login.subject().as_str().to_owned())
                .or_default()
                .insert(d.to_string());
        }
    }
    for l in attacks(without) {
        if let Some(d) = l.login.event().request.device {
            let theirs = own.get(l.login.subject().as_str());
            assert!(!theirs.is_some_and(|t| t.contains(&d.to_string())), "{l:?}");
        }
    }
    // Some attackers send no cookie at all.
    assert!(attacks(without).any(|l| l.login.event().request.device.is_none()));
}

#[test]
fn simulated_professionals_use_the_card_and_the_ecps_and_lose_cookies() {
    let [without, _] = simulations();
    let mut modes: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut cookies: BTreeMap<(&str, &str), BTreeSet<String>> = BTreeMap::new();
    let mut no_cookie = 0;
    for l in without
        .logins
        .iter()
        .filter(|l| l.label == Some(Label::Legitimate))
    {
        let e = l.login.event();
        let mode = match e.auth.mode.as_ref().unwrap() {
            AuthMode::Card => "CARD",
            AuthMode::Ecps => "MOBILE",
            other => panic!("{other}"),
        };
        modes
            .entry(l.login.subject().as_str())
            .or_default()
            .insert(mode);
        match (e.request.device, e.request.user_agent.as_deref()) {
            (Some(d), Some(ua)) => {
                cookies
                    .entry((l.login.subject().as_str(), ua))
                    .or_default()
                    .insert(d.to_string());
            }
            _ => no_cookie += 1,
        }
    }
    let count = |f: &dyn Fn(&BTreeSet<&str>) -> bool| modes.values().filter(|m| f(m)).count();
    assert!(count(&|m| m.len() == 2) > 50, "both means");
    assert!(count(&|m| !m.contains("MOBILE")) > 5, "card only");
    assert!(count(&|m| !m.contains("CARD")) > 5, "e-CPS only");
    // A known browser comes back with a new cookie (cleared, private window); some send none.
    assert!(cookies.values().filter(|c| c.len() > 1).count() > 20);
    assert!(no_cookie > 0);
    let (card, ecps) = without.legit_by_means;
    let share = ecps as f64 / (card + ecps) as f64;
    assert!((0.3..0.55).contains(&share), "{share}");
}

#[test]
fn partner_facts_only_with_the_option() {
    let [without, with] = simulations();
    for l in &without.logins {
        let e = l.login.event();
        assert_eq!(e.credential.id, None);
        assert_eq!(e.credential.activated_at, None);
        assert_eq!(e.credential.active_count, None);
        assert_eq!(e.contact_changes, None);
        assert_eq!(e.validation_requests, None);
        assert_eq!(e.reports, None);
    }
    let names = |s: &simulate::Simulation| -> Vec<String> {
        s.watchlists["lists"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(without),
        ["trusted_networks", "anonymizers", "denied_networks"]
    );
    assert_eq!(names(with).len(), 6);
    for sim in [without, with] {
        let _: Watchlists = serde_json::from_value(sim.watchlists.clone()).unwrap();
    }
    // With the option, every e-CPS login says when and how its e-CPS was activated.
    for l in &with.logins {
        let e = l.login.event();
        let mobile = e.auth.mode == Some(AuthMode::Ecps);
        assert_eq!(e.credential.activated_at.is_some(), mobile);
        assert!(e.contact_changes.is_some() && e.validation_requests.is_some());
    }
}

#[test]
fn takeovers_are_immediate_or_patient_and_push_bombing_shows_to_identity_providers() {
    let [_, with] = simulations();
    let mut seen = BTreeSet::new();
    for l in attacks(with) {
        let e = l.login.event();
        let model = l.attacker.as_deref().unwrap();
        // The first login of each attacker (logins come in time order).
        if !seen.insert((l.login.subject().clone(), model)) {
            continue;
        }
        assert_eq!(l.visit, NonZeroU32::new(1), "{model}");
        let waited = l.login.now() - e.credential.activated_at.unwrap();
        match model {
            "ecps_takeover" => {
                assert!(
                    waited.whole_minutes() >= 5 && waited.whole_minutes() <= 60,
                    "{waited}"
                );
            }
            "push_bombing" => {
                // The professional's own e-CPS, after a string of refused or expired pushes.
                assert!(waited.whole_days() >= 30, "{waited}");
                let failed = e
                    .validation_requests
                    .as_ref()
                    .unwrap()
                    .iter()
                    .filter(|r| r.outcome != ecps_risk::input::PushOutcome::Approved)
                    .count();
                assert!(failed >= 3, "{failed}");
            }
            _ => {
                assert!(
                    waited.whole_days() >= 3 && waited.whole_hours() <= 15 * 24,
                    "{model}: {waited}"
                );
            }
        }
        if model != "push_bombing" {
            assert!(e.credential.active_count.unwrap() >= 1);
            assert_eq!(
                e.credential.channel,
                Some(ecps_risk::ActivationChannel::EmailSms)
            );
        }
    }
    assert_eq!(seen.len(), simulate::MODELS.len() * 6);
}

#[test]
fn half_the_attackers_come_back_on_the_same_browser_and_a_similar_network() {
    let [without, _] = simulations();
    let mut by_attacker: BTreeMap<(String, String), Vec<&RecordedLogin>> = BTreeMap::new();
    for l in attacks(without) {
        by_attacker
            .entry((
                l.login.subject().as_str().to_owned(),
                l.attacker.clone().unwrap(),
            ))
            .or_default()
            .push(l);
    }
    let returning = by_attacker
        .values()
        .filter(|ls| ls.iter().any(|l| l.is_return()))
        .count();
    // 36 attackers, each returning with probability 1/2.
    assert!((8..=28).contains(&returning), "{returning}");
    let digits = |s: &str| {
        s.chars()
            .filter(|c| !c.is_ascii_digit())
            .collect::<String>()
    };
    for ls in by_attacker.values() {
        let first = ls[0].login.event();
        let visits: Vec<u32> = ls.iter().map(|l| l.visit.unwrap().get()).collect();
        assert!(visits.windows(2).all(|w| w[0] <= w[1]), "{visits:?}");
        assert!(visits.iter().all(|v| (1..=4).contains(v)), "{visits:?}");
        for l in ls {
            let e = l.login.event();
            // The same browser (its version may have moved on) and the same network operator.
            assert_eq!(
                digits(e.request.user_agent.as_deref().unwrap()),
                digits(first.request.user_agent.as_deref().unwrap())
            );
            assert_eq!(e.request.asn, first.request.asn);
            assert!(l.login.now() - ls[0].login.now() <= time::Duration::days(13));
        }
    }
}

#[test]
fn replaying_the_simulation_counts_return_logins() {
    let [without, _] = simulations();
    let lists: Watchlists = serde_json::from_value(without.watchlists.clone()).unwrap();
    let policy = Policy::recommended();
    let s = replay(
        &policy,
        Environment::new().with_watchlists(&lists),
        &without.logins,
        ReplayOptions::default().warm_up_until(simulate::WARM_UP_END),
    );
    let returns = without.logins.iter().filter(|l| l.is_return()).count() as u64;
    assert!(returns > 10);
    assert_eq!(s.return_logins.logins, returns);
    assert_eq!(
        s.return_logins_by_attacker
            .values()
            .map(|g| g.logins)
            .sum::<u64>(),
        returns
    );
    for model in simulate::MODELS {
        assert!(s.by_attacker[model].logins >= 6, "{model}");
    }
    assert_eq!(s.failures, 0);
}

#[test]
fn default_simulation_is_at_scale() {
    let config = simulate::Config::default();
    assert!(config.professionals >= 300);
    let sim = simulate::simulate(&config).unwrap();
    let (first, last) = (sim.logins.first().unwrap(), sim.logins.last().unwrap());
    assert!(last.login.now() - first.login.now() >= time::Duration::days(89));
    for model in simulate::MODELS {
        let n = attacks(&sim)
            .filter(|l| l.attacker.as_deref() == Some(model))
            .count();
        assert!(n >= 100, "{model}: {n}");
    }
}
