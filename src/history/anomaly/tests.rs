#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
use super::*;
use crate::history::feature_history::FeatureCaps;
use crate::input::features::{UserAgentFeatures, network_of};
use crate::model::geo::CountryCode;

const CHROME_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const CHROME_WIN_NEXT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36";
const EDGE_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
const SAFARI_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15";
const SAFARI_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1";
const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const FIREFOX_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const CURL: &str = "curl/8.5.0";

const ORANGE: u32 = 3215;
const FREE: u32 = 12322;
const SFR: u32 = 15557;
const BOUYGUES: u32 = 5410;
const HOSTING: u32 = 16276;

fn cc(s: &str) -> CountryCode {
    CountryCode::parse(s).unwrap()
}

fn login(ip: &str, asn: u32, country: &str, ua: &str) -> LoginFeatures {
    LoginFeatures {
        network: Some(network_of(ip.parse().unwrap())),
        asn: Some(asn),
        country: Some(cc(country)),
        user_agent: Some(UserAgentFeatures::from_user_agent(ua)),
    }
}

/// A deterministic French population of 2,000 logins: Orange 40 %, Free 25 %, SFR 20 %,
/// Bouygues 10 %, a few foreign logins; Chrome on Windows first among user agents. One
/// Orange /24 (a hospital's) is shared by many professionals.
fn population() -> PopulationStats {
    let asns = [
        (ORANGE, 40, "FR", 90),
        (FREE, 25, "FR", 82),
        (SFR, 20, "FR", 77),
        (BOUYGUES, 10, "FR", 176),
        (HOSTING, 3, "DE", 51),
        (64500, 2, "BE", 81),
    ];
    let uas = [
        (CHROME_WIN, 40),
        (EDGE_WIN, 15),
        (SAFARI_MAC, 10),
        (SAFARI_IOS, 15),
        (CHROME_ANDROID, 15),
        (FIREFOX_LINUX, 5),
    ];
    let mut p = PopulationStats::new();
    for i in 0..2000u32 {
        let pick = |table: &[(u32, u32, &'static str, u8)], n: u32| {
            let mut r = n % 100;
            for &(asn, share, country, octet) in table {
                if r < share {
                    return (asn, country, octet);
                }
                r -= share;
            }
            (ORANGE, "FR", 90)
        };
        let (asn, country, octet) = pick(&asns, i.wrapping_mul(37));
        let mut r = i.wrapping_mul(53) % 100;
        let mut ua = CHROME_WIN;
        for &(u, share) in &uas {
            if r < share {
                ua = u;
                break;
            }
            r -= share;
        }
        // Every fifth Orange login comes from the shared hospital /24.
        let ip = if asn == ORANGE && i % 5 == 0 {
            "90.80.1.10".to_owned()
        } else {
            format!("{octet}.{}.{}.1", (i / 256) % 256, i % 256)
        };
        p.observe(&login(&ip, asn, country, ua), i64::from(i));
    }
    p.set_users(100);
    p
}

const USER_CAPS: FeatureCaps = FeatureCaps {
    networks: 32,
    asns: 16,
    countries: 8,
    user_agents: 16,
};

/// A doctor with 40 logins: her practice's Orange /24 with Chrome on Windows, and a few from
/// her phone on the same network.
fn doctor() -> (FeatureHistory, u64) {
    let mut h = FeatureHistory::default();
    for t in 0..40 {
        let ua = if t % 8 == 0 { SAFARI_IOS } else { CHROME_WIN };
        h.observe(&login("90.12.34.56", ORANGE, "FR", ua), t, &USER_CAPS);
    }
    (h, 40)
}

fn score(f: &LoginFeatures) -> AnomalyScore {
    let (h, n) = doctor();
    anomaly_score(f, &h, n, &population()).unwrap()
}

fn ratio(s: &AnomalyScore, feature: AnomalyFeature) -> f64 {
    s.term(feature).unwrap().log_ratio.unwrap()
}

/// The calibration table behind [`DEFAULT_ANOMALY_THRESHOLD`]: run with `--nocapture` to
/// see the terms. Expected outcomes with the prior (this doctor logs in twice as often as
/// the average professional: prior −0.69) and without it.
#[test]
fn scenarios_against_the_default_threshold() {
    let cases = [
        (
            "habitual",
            login("90.12.34.99", ORANGE, "FR", CHROME_WIN),
            false,
            false,
        ),
        (
            "habitual phone",
            login("90.12.34.99", ORANGE, "FR", SAFARI_IOS),
            false,
            false,
        ),
        (
            "browser update",
            login("90.12.34.99", ORANGE, "FR", CHROME_WIN_NEXT),
            false,
            false,
        ),
        (
            "new /24 same ASN",
            login("90.55.1.1", ORANGE, "FR", CHROME_WIN),
            false,
            false,
        ),
        (
            "new ASN same country",
            login("82.1.1.1", FREE, "FR", CHROME_WIN),
            false,
            false,
        ),
        (
            "new ASN, browser update",
            login("82.1.1.1", FREE, "FR", CHROME_WIN_NEXT),
            false,
            false,
        ),
        (
            "new country, same device",
            login("51.1.1.1", HOSTING, "DE", CHROME_WIN),
            false,
            false,
        ),
        (
            "new ASN, new browser",
            login("82.1.1.1", FREE, "FR", FIREFOX_LINUX),
            true,
            true,
        ),
        (
            "new country, new browser",
            login("51.1.1.1", HOSTING, "DE", FIREFOX_LINUX),
            true,
            true,
        ),
        (
            "curl from hosting",
            login("51.1.1.1", HOSTING, "DE", CURL),
            true,
            true,
        ),
        (
            "unknown country, Android",
            login("41.1.1.1", 37148, "NG", CHROME_ANDROID),
            false,
            true,
        ),
    ];
    let (h, n) = doctor();
    let with_prior = population();
    let mut without_prior = population();
    without_prior.set_users(0);
    for (name, f, fires_with, fires_without) in cases {
        let s = anomaly_score(&f, &h, n, &with_prior).unwrap();
        let s0 = anomaly_score(&f, &h, n, &without_prior).unwrap();
        println!(
            "{name:26} {:+.3} (no prior {:+.3})  prior {:+.3}  network {:+.3} {:?}  user agent {:+.3} {:?}",
            s.log_score,
            s0.log_score,
            ratio(&s, AnomalyFeature::UserPrior),
            ratio(&s, AnomalyFeature::Network),
            s.term(AnomalyFeature::Network).unwrap().familiar_level,
            ratio(&s, AnomalyFeature::UserAgent),
            s.term(AnomalyFeature::UserAgent).unwrap().familiar_level,
        );
        assert_eq!(
            s.exceeds(DEFAULT_ANOMALY_THRESHOLD),
            fires_with,
            "{name}: {s:?}"
        );
        assert_eq!(
            s0.exceeds(DEFAULT_ANOMALY_THRESHOLD),
            fires_without,
            "{name}: {s0:?}"
        );
        assert_eq!(s0.term(AnomalyFeature::UserPrior).unwrap().log_ratio, None);
    }
}

#[test]
fn network_hierarchy_orders_unfamiliarity() {
    let habitual = score(&login("90.12.34.99", ORANGE, "FR", CHROME_WIN));
    let new_net = score(&login("90.55.1.1", ORANGE, "FR", CHROME_WIN));
    let new_asn = score(&login("82.1.1.1", FREE, "FR", CHROME_WIN));
    let new_country = score(&login("51.1.1.1", HOSTING, "DE", CHROME_WIN));
    let order = [&habitual, &new_net, &new_asn, &new_country];
    for pair in order.windows(2) {
        assert!(pair[0].log_score < pair[1].log_score, "{pair:?}");
    }
    let level = |s: &AnomalyScore| s.term(AnomalyFeature::Network).unwrap().familiar_level;
    assert_eq!(level(&habitual), Some(HierarchyLevel::Network));
    assert_eq!(level(&new_net), Some(HierarchyLevel::Asn));
    assert_eq!(level(&new_asn), Some(HierarchyLevel::Country));
    assert_eq!(level(&new_country), None);
    // Never seen at any level: the reference implementation's ratio of 4.
    assert_eq!(ratio(&new_country, AnomalyFeature::Network), 4f64.ln());
    // The user-agent term is the same in all four.
    let ua = ratio(&habitual, AnomalyFeature::UserAgent);
    assert!(
        order
            .iter()
            .all(|s| ratio(s, AnomalyFeature::UserAgent) == ua)
    );
}

#[test]
fn user_agent_hierarchy_orders_unfamiliarity() {
    let net = ("90.12.34.99", ORANGE, "FR");
    let f = |ua| login(net.0, net.1, net.2, ua);
    let same = ratio(&score(&f(CHROME_WIN)), AnomalyFeature::UserAgent);
    let update = ratio(&score(&f(CHROME_WIN_NEXT)), AnomalyFeature::UserAgent);
    let edge = ratio(&score(&f(EDGE_WIN)), AnomalyFeature::UserAgent);
    let firefox_linux = ratio(&score(&f(FIREFOX_LINUX)), AnomalyFeature::UserAgent);
    let curl = ratio(&score(&f(CURL)), AnomalyFeature::UserAgent);
    assert!(same < update, "{same} {update}");
    assert!(update < edge, "{update} {edge}");
    assert!(edge <= firefox_linux, "{edge} {firefox_linux}");
    assert!(firefox_linux <= curl, "{firefox_linux} {curl}");
}

/// Freeman et al.'s direction: p(x | attack) is the population frequency, so among values
/// the professional has partly shown, a common one is weaker evidence of the professional
/// (scores higher) than a rare one.
#[test]
fn common_population_value_scores_higher_than_rare() {
    let pop = population();
    let shared = network_of("90.80.1.10".parse().unwrap());
    assert!(pop.history().networks.count(&shared) > 100);
    // Both /24s are new to the doctor, in her usual ASN.
    let common = score(&login("90.80.1.10", ORANGE, "FR", CHROME_WIN));
    let rare = score(&login("90.55.1.1", ORANGE, "FR", CHROME_WIN));
    assert!(
        common.log_score > rare.log_score,
        "{} {}",
        common.log_score,
        rare.log_score
    );
    // Same direction for a user agent the doctor already uses.
    let mut h = FeatureHistory::default();
    for t in 0..10 {
        h.observe(
            &login("90.12.34.56", ORANGE, "FR", CHROME_WIN),
            t,
            &USER_CAPS,
        );
        h.observe(
            &login("90.12.34.56", ORANGE, "FR", FIREFOX_LINUX),
            t,
            &USER_CAPS,
        );
    }
    let f = |ua| login("90.12.34.56", ORANGE, "FR", ua);
    let popular = anomaly_score(&f(CHROME_WIN), &h, 20, &pop).unwrap();
    let niche = anomaly_score(&f(FIREFOX_LINUX), &h, 20, &pop).unwrap();
    assert!(ratio(&popular, AnomalyFeature::UserAgent) > ratio(&niche, AnomalyFeature::UserAgent));
}

/// More logins of the login's own values never raise the score; more population logins of
/// a value the professional partly knows never lower it.
#[test]
fn monotone_in_user_and_population_counts() {
    let pop = population();
    let f = login("82.1.1.1", FREE, "FR", CHROME_WIN);
    let other = login("90.12.34.56", ORANGE, "FR", CHROME_WIN);
    let mut previous = f64::INFINITY;
    for k in 0..=20 {
        let mut h = FeatureHistory::default();
        for t in 0..20 {
            let g = if t < k { &f } else { &other };
            h.observe(g, i64::from(t), &USER_CAPS);
        }
        let s = anomaly_score(&f, &h, 20, &pop).unwrap().log_score;
        assert!(s <= previous, "k = {k}: {s} > {previous}");
        previous = s;
    }

    let (h, n) = doctor();
    let probe = login("90.200.1.1", ORANGE, "FR", CHROME_WIN); // new /24, known ASN
    let mut pop = population();
    let mut previous = f64::NEG_INFINITY;
    for t in 0..50 {
        let s = anomaly_score(&probe, &h, n, &pop).unwrap().log_score;
        assert!(s >= previous, "t = {t}: {s} < {previous}");
        previous = s;
        pop.observe(&probe, 10_000 + t);
    }
}

/// A value seen once long ago never scores above a value never seen (the cap).
#[test]
fn rarely_seen_never_outscores_never_seen() {
    let pop = population();
    let mut h = FeatureHistory::default();
    for t in 0..99 {
        h.observe(
            &login("90.12.34.56", ORANGE, "FR", CHROME_WIN),
            t,
            &USER_CAPS,
        );
    }
    h.observe(
        &login("51.1.1.1", HOSTING, "DE", CHROME_WIN),
        99,
        &USER_CAPS,
    );
    let seen_once = anomaly_score(&login("51.9.9.9", 64501, "DE", CHROME_WIN), &h, 100, &pop);
    let never = anomaly_score(&login("41.1.1.1", 37148, "NG", CHROME_WIN), &h, 100, &pop);
    let (seen_once, never) = (seen_once.unwrap(), never.unwrap());
    assert!(ratio(&seen_once, AnomalyFeature::Network) <= ratio(&never, AnomalyFeature::Network));
    // A 1-in-100 country that the French population rarely uses is scored near the cap, not
    // far below it.
    assert!(ratio(&seen_once, AnomalyFeature::Network) > 0.0);
}

#[test]
fn not_evaluated_cases_and_no_nan() {
    let (h, n) = doctor();
    let pop = population();
    let f = login("90.12.34.99", ORANGE, "FR", CHROME_WIN);
    // Cold start, empty population, nothing observed.
    assert!(anomaly_score(&f, &h, 0, &pop).is_none());
    assert!(anomaly_score(&f, &FeatureHistory::default(), 0, &pop).is_none());
    assert!(anomaly_score(&f, &h, n, &PopulationStats::new()).is_none());
    assert!(anomaly_score(&LoginFeatures::default(), &h, n, &pop).is_none());
    // Logins counted but no feature ever recorded, on either side.
    assert!(anomaly_score(&f, &FeatureHistory::default(), 5, &pop).is_none());
    let mut blind = PopulationStats::new();
    blind.observe(&LoginFeatures::default(), 0);
    assert!(anomaly_score(&f, &h, n, &blind).is_none());

    // Only the country: the network term is evaluated from that level alone.
    let country_only = LoginFeatures {
        country: Some(cc("FR")),
        ..LoginFeatures::default()
    };
    let s = anomaly_score(&country_only, &h, n, &pop).unwrap();
    assert!(s.log_score.is_finite());
    assert!(ratio(&s, AnomalyFeature::Network).is_finite());
    assert_eq!(s.term(AnomalyFeature::UserAgent).unwrap().log_ratio, None);

    // A one-login population and a one-login user, values unseen by the population.
    let mut tiny = PopulationStats::new();
    tiny.observe(&login("10.0.0.1", 1, "FR", CURL), 0);
    tiny.set_users(1);
    let mut one = FeatureHistory::default();
    one.observe(&login("10.0.0.1", 1, "FR", CURL), 0, &USER_CAPS);
    for g in [
        login("10.0.0.1", 1, "FR", CURL),
        login("172.16.0.1", 2, "US", CHROME_WIN),
    ] {
        let s = anomaly_score(&g, &one, 1, &tiny).unwrap();
        assert!(s.log_score.is_finite(), "{s:?}");
        assert!(
            s.per_feature
                .iter()
                .all(|t| t.log_ratio.is_none_or(f64::is_finite))
        );
    }
    // user_logins far above the population's: a finite, negative prior.
    let s = anomaly_score(&f, &h, u64::MAX, &pop).unwrap();
    assert!(s.log_score.is_finite());
}

/// Random histories and logins (a fixed-seed generator): every score is finite and bounded
/// by the caps.
#[test]
fn finite_and_bounded_on_random_inputs() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |m: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % m
    };
    let uas = [
        CHROME_WIN,
        EDGE_WIN,
        SAFARI_MAC,
        SAFARI_IOS,
        FIREFOX_LINUX,
        CURL,
    ];
    let countries = ["FR", "BE", "DE", "NG", "US"];
    let random_login = |next: &mut dyn FnMut(u64) -> u64| {
        let ip = format!("10.{}.{}.1", next(4), next(4));
        let mut f = login(
            &ip,
            next(5) as u32,
            countries[next(5) as usize],
            uas[next(6) as usize],
        );
        if next(4) == 0 {
            f.asn = None;
        }
        if next(4) == 0 {
            f.user_agent = None;
        }
        if next(6) == 0 {
            f.network = None;
        }
        f
    };
    for round in 0..200 {
        let mut pop = PopulationStats::new();
        for t in 0..next(30) {
            pop.observe(&random_login(&mut next), t as i64);
        }
        pop.set_users(next(5));
        let mut h = FeatureHistory::default();
        let n = next(10);
        for t in 0..n {
            h.observe(&random_login(&mut next), t as i64, &USER_CAPS);
        }
        let f = random_login(&mut next);
        if let Some(s) = anomaly_score(&f, &h, n, &pop) {
            assert!(s.log_score.is_finite(), "round {round}: {s:?}");
            let features: f64 = s.per_feature[1..].iter().filter_map(|t| t.log_ratio).sum();
            assert!(features <= 2.0 * 4f64.ln() + 1e-12, "round {round}: {s:?}");
        }
    }
}

#[test]
fn deterministic_and_order_independent() {
    let pop = population();
    let f = login("82.1.1.1", FREE, "FR", EDGE_WIN);
    let logins = [
        login("90.12.34.56", ORANGE, "FR", CHROME_WIN),
        login("82.1.1.1", FREE, "FR", SAFARI_IOS),
        login("90.12.34.56", ORANGE, "FR", EDGE_WIN),
    ];
    let mut a = FeatureHistory::default();
    let mut b = FeatureHistory::default();
    for (t, g) in logins.iter().enumerate() {
        a.observe(g, t as i64, &USER_CAPS);
    }
    for (t, g) in logins.iter().enumerate().rev() {
        b.observe(g, t as i64, &USER_CAPS);
    }
    let sa = anomaly_score(&f, &a, 3, &pop).unwrap();
    let sb = anomaly_score(&f, &b, 3, &pop).unwrap();
    let sa2 = anomaly_score(&f, &a, 3, &pop.clone()).unwrap();
    assert_eq!(sa.log_score.to_bits(), sb.log_score.to_bits());
    assert_eq!(sa.log_score.to_bits(), sa2.log_score.to_bits());
    assert_eq!(sa, sb);
}

#[test]
fn prior_follows_activity() {
    let pop = population(); // 2,000 logins, 100 professionals: 20 on average
    let f = login("90.12.34.99", ORANGE, "FR", CHROME_WIN);
    let (h, _) = doctor();
    let busy = anomaly_score(&f, &h, 200, &pop).unwrap();
    let average = anomaly_score(&f, &h, 20, &pop).unwrap();
    let rare = anomaly_score(&f, &h, 2, &pop).unwrap();
    assert!(ratio(&average, AnomalyFeature::UserPrior).abs() < 1e-12);
    assert!(busy.log_score < average.log_score && average.log_score < rare.log_score);
    assert!((ratio(&rare, AnomalyFeature::UserPrior) - 10f64.ln()).abs() < 1e-12);
}

#[test]
fn params_validation_and_serde() {
    let d = AnomalyParams::default();
    assert_eq!(d, AnomalyParams::DEFAULT);
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(serde_json::from_str::<AnomalyParams>(&json).unwrap(), d);
    assert!(serde_json::from_str::<AnomalyParams>(&json.replacen('{', "{\"x\":1,", 1)).is_err());

    let e = AnomalyParams::new([0.6, -0.1, 0.1], d.user_agent_weights(), 4.0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "weight `-0.1` of level `asn` is not a finite number >= 0"
    );
    let e = AnomalyParams::new(d.network_weights(), [0.0; 4], 4.0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "every weight of the `user_agent` hierarchy is 0"
    );
    let e = AnomalyParams::new(d.network_weights(), [1.0, f64::NAN, 0.0, 0.0], 4.0);
    assert!(e.is_err());
    let e = AnomalyParams::new(d.network_weights(), d.user_agent_weights(), 0.5).unwrap_err();
    assert_eq!(
        e.to_string(),
        "unseen ratio `0.5` is not a finite number >= 1"
    );
    assert!(AnomalyParams::new([1.0; 3], [1.0; 4], f64::INFINITY).is_err());
    let bad = json.replace("4.0", "0.5");
    assert!(serde_json::from_str::<AnomalyParams>(&bad).is_err());
}

#[test]
fn params_change_the_score() {
    let pop = population();
    let (h, n) = doctor();
    let far = login("41.1.1.1", 37148, "NG", CURL);
    let strict = AnomalyParams::new([0.6, 0.3, 0.1], [1.0, 0.0, 0.0, 0.0], 8.0).unwrap();
    let s = anomaly_score_with(&strict, &far, &h, n, &pop).unwrap();
    assert_eq!(ratio(&s, AnomalyFeature::Network), 8f64.ln());
    assert_eq!(ratio(&s, AnomalyFeature::UserAgent), 8f64.ln());
    // With only the full user agent weighted, a browser update is entirely new.
    let update = login("90.12.34.99", ORANGE, "FR", CHROME_WIN_NEXT);
    let s = anomaly_score_with(&strict, &update, &h, n, &pop).unwrap();
    assert_eq!(
        s.term(AnomalyFeature::UserAgent).unwrap().familiar_level,
        None
    );
}

#[test]
fn score_accessors() {
    let s = score(&login("90.12.34.99", ORANGE, "FR", CHROME_WIN));
    assert_eq!(s.per_feature[0].feature, AnomalyFeature::UserPrior);
    assert_eq!(
        s.term(AnomalyFeature::Network).unwrap().feature,
        AnomalyFeature::Network
    );
    assert!(!s.exceeds(s.log_score));
    assert!(s.exceeds(s.log_score - 1e-9));
    assert_eq!(AnomalyFeature::UserAgent.as_str(), "user_agent");
    assert_eq!(HierarchyLevel::Asn.as_str(), "asn");
}
