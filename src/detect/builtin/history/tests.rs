#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
use super::HOURS_PER_WEEK;
use crate::detect::UnusualHour;
use crate::detect::signal::{Evidence, Missing, Signal, SignalCode as C};
use crate::detect::test_support::{NOW, SUBJECT, builder};
use crate::detect::{DetectorInput, DetectorParams, detect};
use crate::env::environment::Environment;
use crate::history::population::PopulationStats;
use crate::history::profile::Profile;
use crate::input::context::{AuthMode, RiskContext, RiskContextBuilder};
use crate::model::geo::GeoPoint;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

fn habitual(at: OffsetDateTime) -> RiskContextBuilder {
    RiskContext::builder(at, crate::detect::test_support::SUBJECT.parse().unwrap())
        .ip("192.0.2.10".parse().unwrap())
        .asn(3215)
        .country("FR")
        .geo(48.8566, 2.3522, 10.0)
        .device_id("laptop")
        .user_agent(CHROME)
}

/// Weekday logins at 08:30 and 14:30 UTC over four weeks before `NOW`.
fn profile() -> Profile {
    let mut p = Profile::new();
    for day in 1..=28 {
        let date = NOW - Duration::days(day);
        if date.weekday().number_days_from_monday() >= 5 {
            continue;
        }
        for hour in [8, 14] {
            let ctx = habitual(date.replace_hour(hour).unwrap()).build().unwrap();
            p = p.confirm_safe(&ctx).unwrap();
        }
    }
    p
}

fn run_env(code: C, ctx: &RiskContext, p: &Profile, env: &Environment<'_>) -> Signal {
    detect(
        code,
        &DetectorParams::defaults(),
        &DetectorInput {
            context: ctx,
            profile: p,
            environment: env,
        },
    )
}

fn run(code: C, ctx: &RiskContext, p: &Profile) -> Signal {
    run_env(code, ctx, p, &Environment::empty())
}

/// `run` with other parameters than the defaults.
fn run_params(
    code: C,
    ctx: &RiskContext,
    p: &Profile,
    set: impl FnOnce(&mut DetectorParams),
) -> Signal {
    let mut params = DetectorParams::defaults();
    set(&mut params);
    let env = Environment::empty();
    detect(
        code,
        &params,
        &DetectorInput {
            context: ctx,
            profile: p,
            environment: &env,
        },
    )
}

/// A profile whose logins fall at the given hours of the week, as many as each says.
fn hours_profile(counts: &[(usize, u16)]) -> Profile {
    let mut hours = vec![0u16; HOURS_PER_WEEK];
    for (h, n) in counts {
        hours[*h] = *n;
    }
    let mut json = serde_json::to_value(Profile::new()).unwrap();
    json["hours"] = serde_json::json!(hours);
    serde_json::from_value(json).unwrap()
}

#[test]
fn new_device() {
    let p = profile();
    assert_eq!(
        run(C::DeviceNew, &habitual(NOW).build().unwrap(), &p),
        Signal::NoHit
    );
    let other = habitual(NOW).device_id("phone").build().unwrap();
    assert_eq!(run(C::DeviceNew, &other, &p), Signal::hit(Evidence::Flag));
    let none = builder().build().unwrap();
    assert_eq!(
        run(C::DeviceNew, &none, &p),
        Signal::missing(Missing::Input("request.device"))
    );
    assert_eq!(
        run(C::DeviceNew, &other, &Profile::new()),
        Signal::missing(Missing::History)
    );
}

#[test]
fn unfamiliar_network_by_prefix_or_asn() {
    let p = profile();
    let ctx = |ip: &str, asn: Option<u32>| {
        let b = habitual(NOW).ip(ip.parse().unwrap());
        match asn {
            Some(a) => b.asn(a).build().unwrap(),
            None => {
                RiskContext::builder(NOW, crate::detect::test_support::SUBJECT.parse().unwrap())
                    .ip(ip.parse().unwrap())
                    .build()
                    .unwrap()
            }
        }
    };
    // Same /24 (also written as IPv4-mapped IPv6).
    assert_eq!(
        run(C::NetworkUnfamiliar, &ctx("192.0.2.200", Some(3215)), &p),
        Signal::NoHit
    );
    assert_eq!(
        run(C::NetworkUnfamiliar, &ctx("::ffff:192.0.2.7", None), &p),
        Signal::NoHit
    );
    // New /24 inside the usual ASN: familiar.
    assert_eq!(
        run(C::NetworkUnfamiliar, &ctx("198.51.100.1", Some(3215)), &p),
        Signal::NoHit
    );
    // New /24, new ASN.
    assert_eq!(
        run(C::NetworkUnfamiliar, &ctx("198.51.100.1", Some(64500)), &p),
        Signal::hit(Evidence::Network {
            network: Some("198.51.100.0/24".parse().unwrap()),
            asn: Some(64500)
        })
    );
    // New /24, ASN unknown: unfamiliar.
    assert!(run(C::NetworkUnfamiliar, &ctx("198.51.100.1", None), &p).is_hit());
    assert!(run(C::NetworkUnfamiliar, &builder().build().unwrap(), &p).is_not_evaluated());
}

#[test]
fn new_country() {
    let p = profile();
    assert_eq!(
        run(C::GeoNewCountry, &habitual(NOW).build().unwrap(), &p),
        Signal::NoHit
    );
    let be = habitual(NOW).country("BE").build().unwrap();
    assert_eq!(
        run(C::GeoNewCountry, &be, &p),
        Signal::hit(Evidence::Country {
            country: "BE".parse().unwrap()
        })
    );
    assert!(run(C::GeoNewCountry, &builder().build().unwrap(), &p).is_not_evaluated());
    assert_eq!(
        run(C::GeoNewCountry, &be, &Profile::new()),
        Signal::missing(Missing::History)
    );
}

fn last_login_in_paris(at: OffsetDateTime, accuracy_km: f64) -> Profile {
    let ctx = habitual(at)
        .geo(48.8566, 2.3522, accuracy_km)
        .build()
        .unwrap();
    Profile::new().confirm_safe(&ctx).unwrap()
}

#[test]
fn impossible_travel() {
    let p = last_login_in_paris(NOW - Duration::minutes(30), 10.0);
    let montreal = habitual(NOW).geo(45.5019, -73.5674, 25.0).build().unwrap();
    match run(C::GeoImpossibleTravel, &montreal, &p) {
        Signal::Hit {
            evidence:
                Evidence::Travel {
                    distance_km,
                    hours,
                    speed_kmh,
                },
        } => {
            assert!(
                (distance_km - (5_510.0 - 35.0)).abs() < 30.0,
                "{distance_km}"
            );
            assert!((hours - 0.5).abs() < 1e-9);
            assert!(speed_kmh > 10_000.0);
        }
        other => panic!("{other:?}"),
    }
    // Lyon two hours later: plausible.
    let lyon = habitual(NOW + Duration::hours(2) - Duration::minutes(30))
        .geo(45.764, 4.8357, 10.0)
        .build()
        .unwrap();
    assert_eq!(run(C::GeoImpossibleTravel, &lyon, &p), Signal::NoHit);
}

#[test]
fn impossible_travel_edges() {
    // Identical coordinates, zero elapsed time: no distance, no hit.
    let p = last_login_in_paris(NOW, 10.0);
    let same = habitual(NOW).build().unwrap();
    assert_eq!(run(C::GeoImpossibleTravel, &same, &p), Signal::NoHit);
    // Zero elapsed time and a real distance: the speed over one second, a finite lower
    // bound (Lyon is 392 km from Paris: 1.4 million km/h).
    let lyon = habitual(NOW).geo(45.764, 4.8357, 10.0).build().unwrap();
    let signal = run(C::GeoImpossibleTravel, &lyon, &p);
    let Signal::Hit {
        evidence:
            evidence @ Evidence::Travel {
                distance_km,
                hours,
                speed_kmh,
            },
    } = signal
    else {
        panic!("{signal:?}");
    };
    assert_eq!(hours, 0.0);
    assert_eq!(speed_kmh, distance_km * 3600.0);
    assert!(speed_kmh > 1_000_000.0, "{speed_kmh}");
    assert_eq!(evidence.check(), Ok(()));
    // Accuracy margins swallow the distance: GeoIP imprecision is not travel.
    let p = last_login_in_paris(NOW - Duration::minutes(10), 300.0);
    let lyon_vague = habitual(NOW).geo(45.764, 4.8357, 150.0).build().unwrap();
    assert_eq!(run(C::GeoImpossibleTravel, &lyon_vague, &p), Signal::NoHit);
    // Across the antimeridian: Fiji to Samoa is ~1,150 km, not ~39,000.
    let fiji = RiskContext::builder(
        NOW - Duration::hours(3),
        crate::detect::test_support::SUBJECT.parse().unwrap(),
    )
    .geo(-17.7, 178.0, 5.0)
    .build()
    .unwrap();
    let p = Profile::new().confirm_safe(&fiji).unwrap();
    let samoa = habitual(NOW).geo(-13.8, -171.8, 5.0).build().unwrap();
    assert_eq!(run(C::GeoImpossibleTravel, &samoa, &p), Signal::NoHit);
    // Missing coordinates on either side: not evaluated.
    let nowhere = builder().build().unwrap();
    assert_eq!(
        run(C::GeoImpossibleTravel, &nowhere, &p),
        Signal::missing(Missing::Input("request.geo"))
    );
    let no_geo_history = Profile::new()
        .confirm_safe(&builder().build().unwrap())
        .unwrap();
    assert_eq!(
        run(C::GeoImpossibleTravel, &lyon, &no_geo_history),
        Signal::missing(Missing::History)
    );
}

/// The share from the sums by hour of the day equals the definition (the hour and its
/// neighbours on the same weekday, the same three hours of the six other weekdays at one
/// sixth), at every hour of the week, for an uneven histogram.
#[test]
fn unusual_hour_share_matches_its_definition() {
    let mut seed = 0x2545_f491_u32;
    let hours: Vec<u16> = (0..HOURS_PER_WEEK)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            // Many empty hours, some busy ones, a few at the cap.
            match seed >> 28 {
                0..=7 => 0,
                8..=14 => (seed >> 16) as u16 % 40,
                _ => crate::history::profile::MAX_HOUR_COUNT,
            }
        })
        .collect();
    let mut json = serde_json::to_value(Profile::new()).unwrap();
    json["hours"] = serde_json::json!(hours);
    let p: Profile = serde_json::from_value(json).unwrap();
    let total: u32 = hours.iter().map(|c| u32::from(*c)).sum();
    assert_eq!(p.hours_total(), total);
    let params = UnusualHour {
        min_logins: 1,
        max_share: f64::INFINITY,
    };
    let count = |h: usize| u32::from(hours[h % HOURS_PER_WEEK]);
    let around = |h: usize| count(h + HOURS_PER_WEEK - 1) + count(h) + count(h + 1);
    let mut seen = [false; HOURS_PER_WEEK];
    // 08:00 UTC on a winter Monday is 09:00 Paris; a week of hours covers every hour of
    // the week once.
    let start = datetime!(2025-12-01 08:00 UTC);
    for step in 0..HOURS_PER_WEEK as i64 {
        let ctx = RiskContext::builder(start + Duration::hours(step), SUBJECT.parse().unwrap())
            .build()
            .unwrap();
        let how = usize::from(ctx.hour_of_week());
        seen[how] = true;
        let other: u32 = (1..7).map(|d| around(how + d * 24)).sum();
        let want = (f64::from(around(how)) + f64::from(other) / 6.0) / f64::from(total);
        let env = Environment::empty();
        let got = super::unusual_hour(
            &params,
            &DetectorInput {
                context: &ctx,
                profile: &p,
                environment: &env,
            },
        );
        match got {
            Signal::Hit {
                evidence: Evidence::Hour { share, .. },
            } => assert_eq!(share.to_bits(), want.to_bits(), "hour {how}"),
            other => panic!("hour {how}: {other:?}"),
        }
    }
    assert!(seen.iter().all(|s| *s));
}

#[test]
fn unusual_hour() {
    let p = profile();
    // Wednesday 08:30 UTC (10:30 Paris): usual.
    assert_eq!(
        run(
            C::TimeUnusualHour,
            &habitual(NOW.replace_hour(8).unwrap()).build().unwrap(),
            &p
        ),
        Signal::NoHit
    );
    // Sunday 03:00 Paris: never.
    let night = habitual(datetime!(2025-10-05 01:00 UTC)).build().unwrap();
    assert!(matches!(
        run(C::TimeUnusualHour, &night, &p),
        Signal::Hit {
            evidence: Evidence::Hour {
                hour_of_week: 147,
                ..
            }
        }
    ));
    // Saturday 10:30 Paris: the same hour as weekdays counts at one sixth — usual enough.
    let saturday = habitual(datetime!(2025-10-04 08:30 UTC)).build().unwrap();
    assert_eq!(run(C::TimeUnusualHour, &saturday, &p), Signal::NoHit);
    // Too little history.
    let short = Profile::new()
        .confirm_safe(&habitual(NOW - Duration::days(1)).build().unwrap())
        .unwrap();
    assert_eq!(
        run(C::TimeUnusualHour, &night, &short),
        Signal::missing(Missing::History)
    );
}

/// The share boundary: a login at an hour that holds exactly `max_share` (0.02) of the
/// profile's logins is usual; below it, unusual. Ten logins are enough to judge.
#[test]
fn unusual_hour_boundaries() {
    let ctx = habitual(NOW).build().unwrap();
    let how = usize::from(ctx.hour_of_week());
    // Half a week away: no neighbour of the login's hour, on any day.
    let far = (how + 84) % HOURS_PER_WEEK;
    let share = |p: &Profile| run(C::TimeUnusualHour, &ctx, p);
    assert_eq!(share(&hours_profile(&[(how, 1), (far, 49)])), Signal::NoHit);
    assert_eq!(
        share(&hours_profile(&[(how, 1), (far, 50)])),
        Signal::hit(Evidence::Hour {
            hour_of_week: ctx.hour_of_week(),
            share: 1.0 / 51.0
        })
    );
    // The same hour on another weekday counts at one sixth: 6 there are 1 here.
    let other_day = (how + 24) % HOURS_PER_WEEK;
    assert_eq!(
        share(&hours_profile(&[(other_day, 6), (far, 44)])),
        Signal::NoHit
    );
    assert!(share(&hours_profile(&[(other_day, 5), (far, 45)])).is_hit());
    // Ten logins, none near the hour: judged; nine: too few.
    assert!(share(&hours_profile(&[(far, 10)])).is_hit());
    assert_eq!(
        share(&hours_profile(&[(far, 9)])),
        Signal::missing(Missing::History)
    );
}

/// A distance equal to the minimum counts; a speed equal to the maximum does not; a short
/// hop never fires however fast.
#[test]
fn impossible_travel_thresholds() {
    let p = last_login_in_paris(NOW - Duration::minutes(30), 10.0);
    let travel = |s: Signal| match s {
        Signal::Hit {
            evidence:
                Evidence::Travel {
                    distance_km,
                    speed_kmh,
                    ..
                },
        } => (distance_km, speed_kmh),
        other => panic!("{other:?}"),
    };
    // 600 km due south in 30 minutes: 580 km after the margins, 1,160 km/h. (Slower than
    // the limit over an hour, faster over half an hour.)
    let south = habitual(NOW)
        .geo(48.8566 - 5.4, 2.3522, 10.0)
        .build()
        .unwrap();
    let (distance_km, speed_kmh) = travel(run(C::GeoImpossibleTravel, &south, &p));
    assert!((distance_km - 580.4).abs() < 1.0, "{distance_km}");
    assert!((speed_kmh - 1160.9).abs() < 2.0, "{speed_kmh}");
    let at_min = run_params(C::GeoImpossibleTravel, &south, &p, |d| {
        d.geo_impossible_travel.min_distance_km = distance_km;
    });
    assert_eq!(travel(at_min), (distance_km, speed_kmh));
    // Lyon in 10 minutes, at exactly the maximum speed: plausible.
    let p = last_login_in_paris(NOW - Duration::minutes(10), 10.0);
    let lyon = habitual(NOW).geo(45.764, 4.8357, 10.0).build().unwrap();
    let (_, speed_kmh) = travel(run(C::GeoImpossibleTravel, &lyon, &p));
    let at_max = run_params(C::GeoImpossibleTravel, &lyon, &p, |d| {
        d.geo_impossible_travel.max_speed_kmh = speed_kmh;
    });
    assert_eq!(at_max, Signal::NoHit);
    // Due south the trig-free bound is the distance itself (378 km less the margins, in
    // 10 minutes): the minimum set to that distance still counts, the bound does not
    // settle it first.
    let p = last_login_in_paris(NOW - Duration::minutes(10), 10.0);
    let (here, there) = (
        GeoPoint::new(48.8566 - 3.4, 2.3522, 10.0).unwrap(),
        GeoPoint::new(48.8566, 2.3522, 10.0).unwrap(),
    );
    assert_eq!(
        here.distance_upper_bound_km(&there),
        here.distance_km(&there),
        "a meridian's bound is exact"
    );
    let south = habitual(NOW)
        .geo(48.8566 - 3.4, 2.3522, 10.0)
        .build()
        .unwrap();
    let (distance_km, _) = travel(run(C::GeoImpossibleTravel, &south, &p));
    let at_min = run_params(C::GeoImpossibleTravel, &south, &p, |d| {
        d.geo_impossible_travel.min_distance_km = distance_km;
    });
    assert_eq!(travel(at_min).0, distance_km);
    // 80 km east (1.1 degrees of longitude at Paris's latitude) in one minute.
    let p = last_login_in_paris(NOW - Duration::minutes(1), 0.5);
    let east = habitual(NOW)
        .geo(48.8566, 2.3522 + 1.1, 0.5)
        .build()
        .unwrap();
    assert_eq!(run(C::GeoImpossibleTravel, &east, &p), Signal::NoHit);
}

#[test]
fn unusual_hour_follows_dst() {
    // Habits learned in summer at 08:30 Paris (06:30 UTC)...
    let mut p = Profile::new();
    for day in 0..15 {
        let at = datetime!(2025-09-01 06:30 UTC) + Duration::days(day);
        p = p.confirm_safe(&habitual(at).build().unwrap()).unwrap();
    }
    // ...are still 08:30 Paris in winter, which is 07:30 UTC.
    let winter = habitual(datetime!(2025-11-05 07:30 UTC)).build().unwrap();
    assert_eq!(run(C::TimeUnusualHour, &winter, &p), Signal::NoHit);
    // 02:30 Paris in winter is unusual.
    let night = habitual(datetime!(2025-11-05 01:30 UTC)).build().unwrap();
    assert!(run(C::TimeUnusualHour, &night, &p).is_hit());
}

#[test]
fn velocity_burst() {
    let mut p = Profile::new();
    for m in [9, 7, 5, 2] {
        p = p
            .confirm_safe(&habitual(NOW - Duration::minutes(m)).build().unwrap())
            .unwrap();
    }
    let ctx = habitual(NOW).build().unwrap();
    assert_eq!(
        run(C::VelocityBurst, &ctx, &p),
        Signal::hit(Evidence::Count {
            count: 5,
            window_seconds: 600
        })
    );
    let later = habitual(NOW + Duration::minutes(6)).build().unwrap();
    assert_eq!(run(C::VelocityBurst, &later, &p), Signal::NoHit);
    assert_eq!(run(C::VelocityBurst, &ctx, &Profile::new()), Signal::NoHit);
    // A replay out of order: logins stored after this one are not in its window...
    let before = habitual(NOW - Duration::minutes(10)).build().unwrap();
    assert_eq!(run(C::VelocityBurst, &before, &p), Signal::NoHit);
    // ...but one stored at the same second is.
    let q = p.confirm_safe(&ctx).unwrap();
    let again = habitual(NOW).build().unwrap();
    assert_eq!(
        run(C::VelocityBurst, &again, &q),
        Signal::hit(Evidence::Count {
            count: 6,
            window_seconds: 600
        })
    );
}

#[test]
fn cold_start() {
    let ctx = habitual(NOW).build().unwrap();
    assert_eq!(
        run(C::HistoryColdStart, &ctx, &Profile::new()),
        Signal::hit(Evidence::Count {
            count: 0,
            window_seconds: 0
        })
    );
    assert_eq!(run(C::HistoryColdStart, &ctx, &profile()), Signal::NoHit);
    // Only a first login (default): one good login before is enough.
    let one = Profile::new()
        .confirm_safe(&habitual(NOW - Duration::days(1)).build().unwrap())
        .unwrap();
    assert_eq!(run(C::HistoryColdStart, &ctx, &one), Signal::NoHit);
}

#[test]
fn anomaly() {
    let p = profile();
    // 200 professionals, 20 logins each, mostly from France; one login in ten from Firefox
    // on Linux, one in fifty from abroad. (In Freeman et al.'s model the attacker draws from
    // this population: a value nobody uses is no evidence of an attack.)
    let mut pop = PopulationStats::new();
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    for i in 0..4000u32 {
        let ip = format!("10.{}.{}.1", i % 200, (i / 200) % 4);
        let mut b = habitual(NOW - Duration::days(1))
            .ip(ip.parse().unwrap())
            .asn(3215 + (i % 3));
        if i % 10 == 0 {
            b = b.user_agent(firefox);
        }
        if i % 50 == 0 {
            b = b.country("CI").asn(64512);
        }
        let ctx = b.build().unwrap();
        pop.observe(ctx.features(), (NOW - Duration::days(1)).unix_timestamp());
    }
    pop.set_users(200);
    let env = Environment::new().with_population(&pop);
    let usual = habitual(NOW).build().unwrap();
    assert_eq!(run_env(C::StatsAnomaly, &usual, &p, &env), Signal::NoHit);
    let stranger = habitual(NOW)
        .ip("203.0.113.9".parse().unwrap())
        .asn(64512)
        .country("CI")
        .user_agent("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
        .build()
        .unwrap();
    let signal = run_env(C::StatsAnomaly, &stranger, &p, &env);
    assert!(
        matches!(signal, Signal::Hit { evidence: Evidence::Score { value } } if value > 1.0),
        "{signal:?}"
    );
    // A score equal to the threshold is not above it.
    let Signal::Hit {
        evidence: Evidence::Score { value },
    } = signal
    else {
        panic!("{signal:?}");
    };
    let mut params = DetectorParams::defaults();
    params.stats_anomaly.threshold = value;
    let at_threshold = detect(
        C::StatsAnomaly,
        &params,
        &DetectorInput {
            context: &stranger,
            profile: &p,
            environment: &env,
        },
    );
    assert_eq!(at_threshold, Signal::NoHit);
    assert_eq!(
        run(C::StatsAnomaly, &usual, &p),
        Signal::missing(Missing::Population)
    );
    assert_eq!(
        run_env(C::StatsAnomaly, &usual, &Profile::new(), &env),
        Signal::missing(Missing::History)
    );
}

/// A login with the e-CPS (`MOBILE`) on `device` from the habitual network.
fn ecps(at: OffsetDateTime, device: &str) -> RiskContext {
    habitual(at)
        .auth_mode(AuthMode::Ecps)
        .device_id(device)
        .build()
        .unwrap()
}

/// `p` after learning `ctx` as an allowed login (confirmed only if it was a card login).
fn learned(p: &Profile, ctx: &RiskContext) -> Profile {
    let spec: crate::policy::PolicySpec = serde_json::from_value(serde_json::json!({
        "id": "allow-all", "version": "1", "rules": [],
        "thresholds": { "step_up": 1000, "review": 2000, "deny": 3000 },
    }))
    .unwrap();
    let policy = crate::policy::Policy::compile(spec).unwrap();
    let a = policy.evaluate(ctx, p, &Environment::empty());
    assert!(a.is_good_login(), "{a}");
    p.learn(ctx, &a).unwrap()
}

#[test]
fn unproven_device() {
    let familiarity = |present, logins, days| {
        Signal::hit(Evidence::Familiarity {
            present,
            logins,
            days,
        })
    };
    // The habitual laptop, confirmed by a person 40 times: proven, whatever the means.
    let p = profile();
    assert_eq!(
        run(C::EcpsUnprovenDevice, &ecps(NOW, "laptop"), &p),
        Signal::NoHit
    );
    // A card login proves its holder on any device, known or not, cookie or not.
    for ctx in [
        habitual(NOW)
            .auth_mode(AuthMode::Card)
            .device_id("kiosk")
            .build()
            .unwrap(),
        RiskContext::builder(NOW, SUBJECT.parse().unwrap())
            .auth_mode("CARD")
            .build()
            .unwrap(),
    ] {
        assert_eq!(
            run(C::EcpsUnprovenDevice, &ctx, &Profile::new()),
            Signal::NoHit
        );
    }
    // No cookie, a cookie never seen: unproven, without history too (no free pass).
    let no_cookie = RiskContext::builder(NOW, SUBJECT.parse().unwrap())
        .auth_mode(AuthMode::Ecps)
        .build()
        .unwrap();
    assert_eq!(
        run(C::EcpsUnprovenDevice, &no_cookie, &p),
        familiarity(false, 0, 0)
    );
    assert_eq!(
        run(C::EcpsUnprovenDevice, &ecps(NOW, "phone"), &p),
        familiarity(true, 0, 0)
    );
    assert_eq!(
        run(C::EcpsUnprovenDevice, &ecps(NOW, "phone"), &Profile::new()),
        familiarity(true, 0, 0)
    );
    // No `authMode` is not the card.
    let unsaid = habitual(NOW).device_id("phone").build().unwrap();
    assert!(run(C::EcpsUnprovenDevice, &unsaid, &p).is_hit());

    // Allowed e-CPS logins establish a device only after 3 of them over 3 days (default):
    // an attacker let in once is not familiar at once.
    let mut q = Profile::new();
    for (days, logins, span) in [(0, 1, 0), (1, 2, 1), (2, 3, 2)] {
        q = learned(&q, &ecps(NOW - Duration::days(10 - days), "phone"));
        assert_eq!(
            run(C::EcpsUnprovenDevice, &ecps(NOW, "phone"), &q),
            familiarity(true, logins, span),
            "after {logins} logins"
        );
    }
    q = learned(&q, &ecps(NOW - Duration::days(7), "phone"));
    assert_eq!(
        run(C::EcpsUnprovenDevice, &ecps(NOW, "phone"), &q),
        Signal::NoHit
    );
    // Three logins the same day are not enough either.
    let mut r = Profile::new();
    for m in [0, 10, 20, 30] {
        r = learned(
            &r,
            &ecps(NOW - Duration::hours(5) + Duration::minutes(m), "phone"),
        );
    }
    assert!(run(C::EcpsUnprovenDevice, &ecps(NOW, "phone"), &r).is_hit());
    // One card login on it establishes it at once.
    let card = habitual(NOW - Duration::hours(1))
        .auth_mode(AuthMode::Card)
        .device_id("phone")
        .build()
        .unwrap();
    let r = learned(&r, &card);
    assert_eq!(
        run(C::EcpsUnprovenDevice, &ecps(NOW, "phone"), &r),
        Signal::NoHit
    );
}

#[test]
fn unproven_network() {
    let p = profile();
    let network = |ip: &str, asn: u32| Evidence::Network {
        network: Some(ip.parse().unwrap()),
        asn: Some(asn),
    };
    // The habitual /24, confirmed: proven.
    assert_eq!(
        run(C::NetworkUnproven, &habitual(NOW).build().unwrap(), &p),
        Signal::NoHit
    );
    // A new /24 of her own provider: familiar for network.unfamiliar, not proven hers.
    let next_door = habitual(NOW)
        .ip("198.51.100.7".parse().unwrap())
        .build()
        .unwrap();
    assert_eq!(run(C::NetworkUnfamiliar, &next_door, &p), Signal::NoHit);
    assert_eq!(
        run(C::NetworkUnproven, &next_door, &p),
        Signal::hit(network("198.51.100.0/24", 3215))
    );
    // No address: not evaluated; no history: unproven.
    let blind = RiskContext::builder(NOW, SUBJECT.parse().unwrap())
        .build()
        .unwrap();
    assert_eq!(
        run(C::NetworkUnproven, &blind, &p),
        Signal::missing(Missing::Input("request.ip"))
    );
    assert!(run(C::NetworkUnproven, &next_door, &Profile::new()).is_hit());
}

#[test]
fn unproven_network_spares_the_professionals_phone_on_its_carrier() {
    const PHONE: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Mobile Safari/537.36";
    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1";
    // Her phone on her carrier (AS 51207), a new address each time, confirmed logins.
    let on_carrier = |at: OffsetDateTime, ip: &str, ua: &str, device: Option<&str>| {
        let b = habitual(at)
            .ip(ip.parse().unwrap())
            .asn(51207)
            .user_agent(ua)
            .auth_mode(AuthMode::Ecps);
        match device {
            Some(d) => b.device_id(d),
            None => RiskContext::builder(at, SUBJECT.parse().unwrap())
                .ip(ip.parse().unwrap())
                .asn(51207)
                .user_agent(ua)
                .auth_mode(AuthMode::Ecps),
        }
        .build()
        .unwrap()
    };
    let mut p = profile();
    for (d, ip) in [(3, "37.160.1.9"), (2, "37.161.7.2"), (1, "37.163.40.8")] {
        p = p
            .confirm_safe(&on_carrier(
                NOW - Duration::days(d),
                ip,
                PHONE,
                Some("phone"),
            ))
            .unwrap();
    }
    // A new address of that carrier, her phone's browser, a new cookie (cleared): hers.
    let cleared = on_carrier(NOW, "37.170.2.2", PHONE, Some("phone-after-clearing"));
    assert_eq!(run(C::NetworkUnproven, &cleared, &p), Signal::NoHit);
    // Another browser on the same carrier, or no cookie at all, or another carrier: not.
    for ctx in [
        on_carrier(NOW, "37.170.2.2", IPHONE, Some("x")),
        on_carrier(NOW, "37.170.2.2", PHONE, None),
    ] {
        assert!(run(C::NetworkUnproven, &ctx, &p).is_hit());
    }
    let elsewhere = habitual(NOW)
        .ip("92.184.3.3".parse().unwrap())
        .asn(3215)
        .user_agent(PHONE)
        .auth_mode(AuthMode::Ecps)
        .build()
        .unwrap();
    // Her phone's browser on another provider she is established on (her home line,
    // AS3215): spared too. The rule knows ASNs, not which of them are mobile carriers.
    assert_eq!(run(C::NetworkUnproven, &elsewhere, &p), Signal::NoHit);
    // A desktop on a new address of her home provider is never spared.
    let desktop = habitual(NOW)
        .ip("198.51.100.7".parse().unwrap())
        .build()
        .unwrap();
    assert!(run(C::NetworkUnproven, &desktop, &p).is_hit());
}

#[test]
fn ecps_unusual() {
    let p = profile();
    // 40 confirmed logins without `authMode`: no habit known yet.
    assert_eq!(
        run(C::AuthEcpsUnusual, &ecps(NOW, "laptop"), &p),
        Signal::missing(Missing::History)
    );
    let mut card_user = Profile::new();
    for d in 1..=10 {
        let ctx = habitual(NOW - Duration::days(d))
            .auth_mode(AuthMode::Card)
            .build()
            .unwrap();
        card_user = card_user.confirm_safe(&ctx).unwrap();
    }
    assert_eq!(
        run(C::AuthEcpsUnusual, &ecps(NOW, "laptop"), &card_user),
        Signal::hit(Evidence::Means { card: 10, ecps: 0 })
    );
    // Card logins and other means never fire; no `authMode` is not evaluated.
    let card = habitual(NOW).auth_mode(AuthMode::Card).build().unwrap();
    assert_eq!(run(C::AuthEcpsUnusual, &card, &card_user), Signal::NoHit);
    let other = habitual(NOW).auth_mode("PASSKEY").build().unwrap();
    assert!(run(C::AuthEcpsUnusual, &other, &card_user).is_hit());
    assert_eq!(
        run(
            C::AuthEcpsUnusual,
            &habitual(NOW).build().unwrap(),
            &card_user
        ),
        Signal::missing(Missing::Input("auth.mode"))
    );
    // The share boundary (0.1, inclusive): 1 e-CPS in 10 logins is unusual, 2 in 12 is not.
    let mut nine = Profile::new();
    for d in 1..=9 {
        let ctx = habitual(NOW - Duration::days(d))
            .auth_mode(AuthMode::Card)
            .build()
            .unwrap();
        nine = nine.confirm_safe(&ctx).unwrap();
    }
    assert_eq!(
        run(C::AuthEcpsUnusual, &ecps(NOW, "laptop"), &nine),
        Signal::missing(Missing::History)
    );
    let one = nine
        .confirm_safe(&ecps(NOW - Duration::hours(2), "laptop"))
        .unwrap();
    assert_eq!(
        run(C::AuthEcpsUnusual, &ecps(NOW, "laptop"), &one),
        Signal::hit(Evidence::Means { card: 9, ecps: 1 })
    );
    let two = card_user
        .confirm_safe(&ecps(NOW - Duration::hours(2), "laptop"))
        .unwrap()
        .confirm_safe(&ecps(NOW - Duration::hours(1), "laptop"))
        .unwrap();
    assert_eq!(
        run(C::AuthEcpsUnusual, &ecps(NOW, "laptop"), &two),
        Signal::NoHit
    );
}

#[test]
fn compromised_device() {
    let p = profile();
    let fraud = ecps(NOW - Duration::hours(2), "fraud-phone");
    let marked = p.confirm_compromised(&fraud).unwrap();
    let again = ecps(NOW, "fraud-phone");
    assert_eq!(run(C::DeviceCompromised, &again, &p), Signal::NoHit);
    assert_eq!(
        run(C::DeviceCompromised, &again, &marked),
        Signal::hit(Evidence::Since {
            at: NOW - Duration::hours(2)
        })
    );
    // Her laptop is not touched; no cookie is not evaluated.
    assert_eq!(
        run(C::DeviceCompromised, &ecps(NOW, "laptop"), &marked),
        Signal::NoHit
    );
    let no_cookie = RiskContext::builder(NOW, SUBJECT.parse().unwrap())
        .build()
        .unwrap();
    assert_eq!(
        run(C::DeviceCompromised, &no_cookie, &marked),
        Signal::missing(Missing::Input("request.device"))
    );
    // A later login from it confirmed safe (a mistake undone) clears it.
    let cleared = marked
        .confirm_safe(&ecps(NOW - Duration::hours(1), "fraud-phone"))
        .unwrap();
    assert_eq!(run(C::DeviceCompromised, &again, &cleared), Signal::NoHit);
}

#[test]
fn velocity_counts_refused_attempts() {
    let policy = crate::policy::Policy::recommended();
    let mut p = profile();
    // Four attempts from a fraudster's phone abroad in eight minutes, each stepped up and
    // never passed: kept as attempts, never learned.
    for m in [8, 6, 4, 2] {
        let ctx = habitual(NOW - Duration::minutes(m))
            .auth_mode(AuthMode::Ecps)
            .device_id("fraud-phone")
            .ip("203.0.113.5".parse().unwrap())
            .asn(64512)
            .country("CI")
            .build()
            .unwrap();
        let a = policy.evaluate(&ctx, &p, &Environment::empty());
        assert!(!a.is_good_login(), "{a}");
        p = p.learn(&ctx, &a).unwrap();
    }
    assert_eq!(p.attempts().len(), 4);
    assert_eq!(p.devices().len(), 1);
    assert_eq!(
        run(C::VelocityBurst, &ecps(NOW, "fraud-phone"), &p),
        Signal::hit(Evidence::Count {
            count: 5,
            window_seconds: 600
        })
    );
}

#[test]
fn no_travel_from_or_to_an_exit() {
    let p = profile();
    // From Paris, an exit in Montréal 30 minutes after the last login: not measured.
    let last = p.last_position().unwrap().at;
    let soon = OffsetDateTime::from_unix_timestamp(last + 1800).unwrap();
    let exit = |anonymizer: bool, hosting: bool| {
        habitual(soon)
            .geo(45.5, -73.56, 20.0)
            .anonymizer(anonymizer)
            .hosting(hosting)
            .build()
            .unwrap()
    };
    for (a, h) in [(true, false), (false, true)] {
        assert_eq!(
            run(C::GeoImpossibleTravel, &exit(a, h), &p),
            Signal::missing(Missing::Exit)
        );
    }
    assert!(run(C::GeoImpossibleTravel, &exit(false, false), &p).is_hit());
    // An exit is never kept as the last position either.
    let q = p.confirm_safe(&exit(true, false)).unwrap();
    assert_eq!(q.last_position(), p.last_position());
}
