//! Generate synthetic, labelled Pro Santé Connect logins for `replay`: a population of health
//! professionals with habits, and attacks on some of them.
//!
//! `cargo run --example simulate` writes `examples/data/logins.jsonl` (one `RecordedLogin` per
//! line, in time order) and `examples/data/watchlists.json` (the provider's lists the logins
//! refer to). The output is byte-for-byte the same on every run and platform.
//!
//! Options: `--seed N` (default 2025), `--professionals N` (default 80), `--out DIR`
//! (default `examples/data`), `--without-partner-data` (a provider that does not receive the
//! e-CPS activation and RPPS contact-data feeds: those inputs are left out).
//!
//! # The population (four weeks, 15 September – 12 October 2025)
//!
//! Hospital physicians (hospital workstations with the CPS card on the hospital network, some
//! on-call nights, home and phone now and then), liberal practitioners (office and home, some
//! Saturday mornings), nurses (phone and tablet on mobile networks, early mornings, evenings
//! and weekends) and pharmacists; a few in La Réunion (UTC+4). Every one has devices, networks
//! and hours of their own, and life happens: cookies cleared, a new laptop, a conference in
//! another city or abroad (sometimes through a VPN), a VPN at home, an e-CPS re-activated on a
//! new phone, a changed e-mail address, an IT technician taking control of the screen.
//!
//! # The attacks (last two weeks only; the first two are for profiles to learn)
//!
//! - `ecps_takeover` — the ANS alert's kill chain: the fraudster phones the professional, gets
//!   the QR code and SMS code, activates an e-CPS on their own phone (remote channel, a second
//!   active e-CPS) and logs in minutes later, then again over the next day; from a French
//!   mobile network, abroad, or a VPN; sometimes after having the RPPS e-mail changed. One
//!   victim of an earlier wave is on the ANS lists (new activations blocked, under alert), and
//!   a deactivated e-CPS of that wave is tried again.
//! - the three attacker models of Wiefling et al. (2022), "Pump Up Password Security!
//!   Evaluating and Enhancing Risk-Based Authentication on a Real-World Large-Scale Online
//!   Service" (ACM TOPS 26(1)), here holding an e-CPS activated remotely 4 to 10 days earlier:
//!   `naive` (random address anywhere in the world, random user agent, any hour), `vpn` (an
//!   address of a VPN / hosting provider in the victim's country, a common browser), and
//!   `targeted` (the victim's own access provider and city, the victim's exact user agent, at
//!   the victim's usual hours — only the device cookie is missing).
//!
//! # Randomness
//!
//! A 10-line SplitMix64 (Steele, Lea & Flood 2014) rather than `rand`: the shipped data must be
//! reproducible from the seed forever, and `rand` documents that `StdRng`'s algorithm may
//! change between releases; a dev-dependency for 10 lines is not worth it either.

// Every index below comes from `Rng::below(len)` over a non-empty constant table.
#![allow(clippy::indexing_slicing)]

use std::error::Error;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use ecps_risk::{
    ActivationChannel, ActivityLocation, ContactChange, ContactKind, CountryCode, Department,
    LocalTime, NationalId, RecordedLogin, RiskContext,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime, UtcOffset};

/// SplitMix64: a tiny, well-studied generator with a fixed, documented output sequence.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-and-shift (Lemire).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    fn hex(&mut self, bytes: usize) -> String {
        let mut s = String::new();
        for _ in 0..bytes {
            let _ = write!(s, "{:02x}", self.below(256));
        }
        s
    }
}

/// Monday 15 September 2025, 00:00 in Paris.
const START: OffsetDateTime = datetime!(2025-09-14 22:00 UTC);
const DAYS: i64 = 28;
/// Attacks happen in the last two weeks (from Monday 29 September).
const ATTACK_FROM_DAY: i64 = 14;
/// When the ANS blocked new activations for the victim of an earlier wave.
const BLOCKED_SINCE: OffsetDateTime = datetime!(2025-09-20 08:00 UTC);

struct City {
    dept: &'static str,
    lat: f64,
    lon: f64,
    country: &'static str,
    offset_minutes: Option<i16>,
    /// Hospital egress network (RENATER, AS2200).
    hospital: [u8; 3],
}

const CITIES: &[City] = &[
    city("75", 48.8566, 2.3522, [193, 48, 12]),
    city("69", 45.7640, 4.8357, [193, 49, 40]),
    city("13", 43.2965, 5.3698, [193, 50, 7]),
    city("59", 50.6292, 3.0573, [193, 51, 88]),
    city("31", 43.6047, 1.4442, [193, 52, 3]),
    city("44", 47.2184, -1.5536, [193, 52, 130]),
    city("67", 48.5734, 7.7521, [193, 54, 21]),
    city("33", 44.8378, -0.5792, [193, 55, 66]),
    city("35", 48.1173, -1.6778, [193, 51, 200]),
    city("34", 43.6108, 3.8767, [193, 49, 175]),
    City {
        dept: "974",
        lat: -20.8823,
        lon: 55.4504,
        country: "RE",
        offset_minutes: Some(240),
        hospital: [193, 53, 9],
    },
];

const fn city(dept: &'static str, lat: f64, lon: f64, hospital: [u8; 3]) -> City {
    City {
        dept,
        lat,
        lon,
        country: "FR",
        offset_minutes: None,
        hospital,
    }
}

/// An access provider: its AS and address blocks `(a, b_lo, b_hi)` = `a.b_lo.0.0`–`a.b_hi.255.255`.
struct Isp {
    asn: u32,
    blocks: &'static [(u8, u8, u8)],
}

/// Residential providers in France, and one in La Réunion.
const FR_ISPS: &[Isp] = &[
    Isp {
        asn: 3215,
        blocks: &[(90, 0, 127), (86, 192, 255)],
    },
    Isp {
        asn: 12322,
        blocks: &[(82, 64, 67), (88, 160, 191)],
    },
    Isp {
        asn: 15557,
        blocks: &[(109, 0, 31), (77, 128, 159)],
    },
    Isp {
        asn: 5410,
        blocks: &[(89, 80, 95), (176, 128, 175)],
    },
];
const RE_ISP: Isp = Isp {
    asn: 37002,
    blocks: &[(102, 16, 31)],
};
/// Mobile networks: carrier-grade NAT, a different /24 at almost every login.
const MOBILE: &[Isp] = &[
    Isp {
        asn: 3215,
        blocks: &[(92, 184, 191)],
    },
    Isp {
        asn: 51207,
        blocks: &[(37, 160, 175)],
    },
    Isp {
        asn: 15557,
        blocks: &[(37, 0, 15)],
    },
    Isp {
        asn: 5410,
        blocks: &[(176, 176, 191)],
    },
];
/// VPN / hosting exits in France. The first one's ranges are on the `anonymizers` watchlist.
const FR_VPN: &[Isp] = &[
    Isp {
        asn: 9009,
        blocks: &[(185, 156, 159)],
    },
    Isp {
        asn: 60068,
        blocks: &[(212, 102, 103)],
    },
    Isp {
        asn: 16276,
        blocks: &[(51, 75, 77)],
    },
];
/// An access provider abroad.
struct Foreign {
    country: &'static str,
    isp: Isp,
    /// A hosting provider (data centre), as threat intelligence would say.
    hosting: bool,
    lat: f64,
    lon: f64,
}

const fn foreign(
    country: &'static str,
    asn: u32,
    blocks: &'static [(u8, u8, u8)],
    hosting: bool,
    (lat, lon): (f64, f64),
) -> Foreign {
    Foreign {
        country,
        isp: Isp { asn, blocks },
        hosting,
        lat,
        lon,
    }
}

/// Where naive attackers come from.
const ABROAD: &[Foreign] = &[
    foreign("US", 7922, &[(73, 0, 63)], false, (39.0, -77.0)),
    foreign(
        "US",
        14061,
        &[(159, 89, 89), (167, 99, 99)],
        true,
        (40.7, -74.0),
    ),
    foreign("NL", 1136, &[(145, 128, 159)], false, (52.37, 4.9)),
    foreign("DE", 3320, &[(79, 192, 255)], false, (52.52, 13.4)),
    foreign("BR", 28573, &[(177, 0, 63)], false, (-23.55, -46.63)),
    foreign("NG", 29465, &[(105, 112, 127)], false, (6.45, 3.4)),
    foreign("CI", 29571, &[(41, 202, 202)], false, (5.35, -4.0)),
    foreign("MA", 36903, &[(105, 128, 159)], false, (33.57, -7.59)),
    foreign("RU", 12389, &[(95, 24, 31)], false, (55.75, 37.62)),
    foreign("CN", 4134, &[(27, 8, 15)], false, (39.9, 116.4)),
    foreign("IN", 9829, &[(117, 192, 223)], false, (28.6, 77.2)),
];
/// Holiday and conference destinations.
const TRIPS_ABROAD: &[Foreign] = &[
    foreign("BE", 5432, &[(81, 240, 247)], false, (50.85, 4.35)),
    foreign("ES", 3352, &[(81, 32, 47)], false, (40.42, -3.7)),
    foreign("IT", 3269, &[(79, 0, 63)], false, (41.9, 12.5)),
    foreign("CH", 3303, &[(83, 76, 79)], false, (46.2, 6.15)),
];

const CHROME_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";
const EDGE_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0";
const FIREFOX_WIN: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:143.0) Gecko/20100101 Firefox/143.0";
const SAFARI_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15";
const CHROME_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";
const FIREFOX_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:143.0) Gecko/20100101 Firefox/143.0";
const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 15; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1";
const SAFARI_IPAD: &str = "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1";
const CHROME_ANDROID_OLD: &str = "Mozilla/5.0 (Linux; Android 11; Redmi Note 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Mobile Safari/537.36";

const DESKTOP_UAS: &[&str] = &[
    CHROME_WIN,
    CHROME_WIN,
    CHROME_WIN,
    EDGE_WIN,
    EDGE_WIN,
    FIREFOX_WIN,
    SAFARI_MAC,
    CHROME_MAC,
    FIREFOX_LINUX,
];
const PHONE_UAS: &[&str] = &[CHROME_ANDROID, CHROME_ANDROID, SAFARI_IPHONE, SAFARI_IPHONE];
/// What a naive attacker sends: browsers, old phones and scripts.
const ANY_UAS: &[&str] = &[
    CHROME_WIN,
    FIREFOX_WIN,
    CHROME_MAC,
    FIREFOX_LINUX,
    CHROME_ANDROID_OLD,
    SAFARI_IPHONE,
    "python-requests/2.32.3",
    "curl/8.5.0",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hospital,
    Liberal,
    Nurse,
    Pharmacist,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Hospital,
    Office,
    Home,
    Mobile,
}

struct Device {
    cookie: String,
    ua: &'static str,
    place: Place,
}

struct Network {
    asn: u32,
    prefix: [u8; 3],
}

/// A trip: days `from..from + days`, to another French city or abroad.
struct Trip {
    from: i64,
    days: i64,
    abroad: Option<usize>,
    city: usize,
    vpn: bool,
}

struct Pro {
    id: NationalId,
    kind: Kind,
    city: usize,
    devices: Vec<Device>,
    office: Network,
    home: Network,
    mobile: usize,
    on_call: bool,
    saturday: bool,
    vpn_at_home: bool,
    credential: String,
    activated_at: OffsetDateTime,
    channel: ActivationChannel,
    two_ecps: bool,
    trip: Option<Trip>,
    new_laptop_day: Option<i64>,
    /// A legitimate re-activation on a new phone: day and local hour.
    reactivation: Option<(i64, i64)>,
    contact_changes: Vec<ContactChange>,
    /// From this time the partner feed counts a second active e-CPS (the fraudster's).
    second_ecps_from: Option<OffsetDateTime>,
}

struct Options {
    seed: u64,
    professionals: usize,
    out: PathBuf,
    partner_data: bool,
}

fn options() -> Result<Options, Box<dyn Error>> {
    let mut o = Options {
        seed: 2025,
        professionals: 80,
        out: PathBuf::from("examples/data"),
        partner_data: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => o.seed = args.next().ok_or("--seed needs a value")?.parse()?,
            "--professionals" => {
                o.professionals = args
                    .next()
                    .ok_or("--professionals needs a value")?
                    .parse()?;
            }
            "--out" => o.out = args.next().ok_or("--out needs a directory")?.into(),
            "--without-partner-data" => o.partner_data = false,
            other => return Err(format!("unknown option `{other}`").into()),
        }
    }
    if o.professionals == 0 {
        return Err("--professionals must be at least 1".into());
    }
    Ok(o)
}

/// A valid RPPS idNat_PS: `8`, ten digits, the Luhn check digit (found by trying them).
fn rpps(rng: &mut Rng, taken: &mut Vec<String>) -> Result<NationalId, Box<dyn Error>> {
    loop {
        let base = format!("81{:09}", rng.below(1_000_000_000));
        for check in 0..10 {
            let text = format!("{base}{check}");
            if let Ok(id) = text.parse::<NationalId>() {
                if !taken.contains(&text) {
                    taken.push(text);
                    return Ok(id);
                }
                break;
            }
        }
    }
}

fn address(rng: &mut Rng, isp: &Isp) -> IpAddr {
    let (a, lo, hi) = *rng.pick(isp.blocks);
    let b = lo + rng.below(usize::from(hi - lo) + 1) as u8;
    IpAddr::V4(Ipv4Addr::new(
        a,
        b,
        rng.below(256) as u8,
        1 + rng.below(254) as u8,
    ))
}

fn network(rng: &mut Rng, isp: &Isp) -> Network {
    match address(rng, isp) {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            Network {
                asn: isp.asn,
                prefix: [a, b, c],
            }
        }
        IpAddr::V6(_) => Network {
            asn: isp.asn,
            prefix: [192, 0, 2],
        },
    }
}

fn host(rng: &mut Rng, prefix: [u8; 3]) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(
        prefix[0],
        prefix[1],
        prefix[2],
        2 + rng.below(250) as u8,
    ))
}

fn local_time(city: &City) -> LocalTime {
    match city.offset_minutes {
        Some(offset_minutes) => LocalTime::Fixed { offset_minutes },
        None => LocalTime::EuropeParis,
    }
}

/// UTC time of a local day and minute.
fn at_local(city: &City, day: i64, minute: i64) -> OffsetDateTime {
    let naive = START + Duration::hours(2) + Duration::days(day) + Duration::minutes(minute);
    let offset: UtcOffset = local_time(city).offset_at(naive);
    naive - Duration::seconds(i64::from(offset.whole_seconds()))
}

fn new_pro(rng: &mut Rng, ids: &mut Vec<String>, i: usize) -> Result<Pro, Box<dyn Error>> {
    let kind = match rng.below(100) {
        0..=34 => Kind::Hospital,
        35..=69 => Kind::Liberal,
        70..=87 => Kind::Nurse,
        _ => Kind::Pharmacist,
    };
    // Every twentieth professional practises in La Réunion.
    let city = if i % 20 == 19 {
        CITIES.len() - 1
    } else {
        rng.below(CITIES.len() - 1)
    };
    let isp = if CITIES[city].country == "RE" {
        &RE_ISP
    } else {
        rng.pick(FR_ISPS)
    };
    let cookie = |rng: &mut Rng| format!("cookie-{}", rng.hex(12));
    let desktop = *rng.pick(DESKTOP_UAS);
    let phone = *rng.pick(PHONE_UAS);
    let mut devices = Vec::new();
    match kind {
        Kind::Hospital => {
            devices.push(Device {
                cookie: cookie(rng),
                ua: EDGE_WIN,
                place: Place::Hospital,
            });
            devices.push(Device {
                cookie: cookie(rng),
                ua: EDGE_WIN,
                place: Place::Hospital,
            });
            devices.push(Device {
                cookie: cookie(rng),
                ua: desktop,
                place: Place::Home,
            });
        }
        Kind::Liberal | Kind::Pharmacist => {
            devices.push(Device {
                cookie: cookie(rng),
                ua: desktop,
                place: Place::Office,
            });
            let home_ua = *rng.pick(DESKTOP_UAS);
            devices.push(Device {
                cookie: cookie(rng),
                ua: home_ua,
                place: Place::Home,
            });
        }
        Kind::Nurse => {
            devices.push(Device {
                cookie: cookie(rng),
                ua: SAFARI_IPAD,
                place: Place::Home,
            });
        }
    }
    devices.push(Device {
        cookie: cookie(rng),
        ua: phone,
        place: Place::Mobile,
    });

    let trip = rng.chance(0.3).then(|| {
        let abroad = rng.chance(0.35).then(|| rng.below(TRIPS_ABROAD.len()));
        Trip {
            from: rng.range(1, DAYS - 4),
            days: rng.range(2, 4),
            abroad,
            city: rng.below(CITIES.len() - 1),
            vpn: abroad.is_some() && rng.chance(0.3),
        }
    });
    let old_card = rng.chance(0.6);
    Ok(Pro {
        id: rpps(rng, ids)?,
        kind,
        city,
        devices,
        office: network(rng, isp),
        home: if rng.chance(0.6) {
            network(rng, isp)
        } else if CITIES[city].country == "RE" {
            network(rng, &RE_ISP)
        } else {
            let other = rng.pick(FR_ISPS);
            network(rng, other)
        },
        mobile: rng.below(MOBILE.len()),
        on_call: kind == Kind::Hospital && rng.chance(0.3),
        saturday: rng.chance(0.5),
        vpn_at_home: rng.chance(0.08),
        credential: format!("ecps-{}", rng.hex(6)),
        activated_at: START - Duration::days(rng.range(30, 700)),
        channel: if old_card {
            ActivationChannel::CpsCard
        } else {
            ActivationChannel::EmailSms
        },
        two_ecps: rng.chance(0.04),
        trip,
        new_laptop_day: rng.chance(0.1).then(|| rng.range(1, DAYS - 1)),
        reactivation: rng
            .chance(0.06)
            .then(|| (rng.range(1, DAYS - 1), rng.range(8 * 60, 18 * 60))),
        contact_changes: if rng.chance(0.04) {
            vec![ContactChange {
                at: START + Duration::days(rng.range(0, DAYS - 1)) + Duration::hours(10),
                kind: ContactKind::Email,
            }]
        } else {
            Vec::new()
        },
        second_ecps_from: None,
    })
}

/// Minutes after local midnight of a login, by kind and day of the week (0 = Monday).
fn login_minutes(rng: &mut Rng, p: &Pro, weekday: i64) -> Vec<i64> {
    let weekend = weekday >= 5;
    let mut slots: Vec<(i64, i64)> = Vec::new(); // (from, to) in hours
    match p.kind {
        Kind::Hospital if !weekend => {
            slots.extend([(7, 12), (13, 19)]);
            if p.on_call && weekday == 2 {
                slots.push(if rng.chance(0.5) { (21, 24) } else { (0, 3) });
            }
        }
        Kind::Liberal | Kind::Pharmacist if !weekend => slots.extend([(8, 12), (14, 19)]),
        Kind::Liberal | Kind::Pharmacist if weekday == 5 && p.saturday => slots.push((9, 12)),
        Kind::Nurse => slots.extend([(6, 9), (17, 21)]),
        _ => {
            if rng.chance(0.08) {
                slots.push((10, 20));
            }
        }
    }
    if slots.is_empty() || rng.chance(0.08) {
        return Vec::new(); // a day off
    }
    let n = match p.kind {
        Kind::Nurse => 1 + rng.below(2),
        _ => 1 + rng.below(3),
    };
    let mut minutes: Vec<i64> = (0..n)
        .map(|_| {
            let (from, to) = *rng.pick(&slots);
            rng.range(from * 60, to * 60 - 1)
        })
        .collect();
    minutes.sort_unstable();
    minutes.dedup();
    minutes
}

struct Login {
    at: OffsetDateTime,
    recorded: RecordedLogin,
}

/// What the request looks like.
struct Request {
    ip: IpAddr,
    asn: u32,
    country: String,
    geo: (f64, f64, f64),
    ua: &'static str,
    cookie: String,
    anonymizer: Option<bool>,
    hosting: Option<bool>,
}

/// The parts every login of a professional shares: claims, partner data, telemetry.
#[allow(clippy::too_many_arguments)]
fn build(
    p: &Pro,
    at: OffsetDateTime,
    r: &Request,
    ecps: Option<(&str, OffsetDateTime, ActivationChannel, u32)>,
    remote_control: bool,
    sso_minutes: i64,
    partner: bool,
) -> Result<RiskContext, Box<dyn Error>> {
    let c = &CITIES[p.city];
    let mut b = RiskContext::builder(at, p.id.clone())
        .acr("eidas1")
        .auth_time(at - Duration::minutes(sso_minutes))
        .issued_at(at)
        .ip(r.ip)
        .asn(r.asn)
        .country(&r.country)
        .geo(r.geo.0, r.geo.1, r.geo.2)
        .user_agent(r.ua)
        .device_id(&r.cookie)
        .remote_control_suspected(remote_control)
        .automation_suspected(false)
        .practice([ActivityLocation {
            country: CountryCode::parse(c.country)?,
            department: Some(Department::parse(c.dept)?),
        }])
        .local_time(local_time(c));
    if let Some(a) = r.anonymizer {
        b = b.anonymizer(a);
    }
    if let Some(h) = r.hosting {
        b = b.hosting(h);
    }
    if let Some((id, activated, channel, count)) = ecps {
        b = b.credential_id(id).auth_mode("CARD");
        if partner {
            b = b.activation(activated, channel).active_credentials(count);
        }
    } else {
        b = b.auth_mode("CARD");
    }
    if partner {
        b = b.contact_changes(p.contact_changes.iter().copied().filter(|c| c.at <= at));
    }
    Ok(b.build()?)
}

fn legit_logins(
    rng: &mut Rng,
    p: &mut Pro,
    partner: bool,
    out: &mut Vec<Login>,
) -> Result<(), Box<dyn Error>> {
    let home_city = &CITIES[p.city];
    for day in 0..DAYS {
        let weekday = day % 7;
        if p.new_laptop_day == Some(day) {
            let new_cookie = format!("cookie-{}", rng.hex(12));
            let ua = *rng.pick(DESKTOP_UAS);
            if let Some(d) = p.devices.iter_mut().find(|d| d.place == Place::Home) {
                d.cookie = new_cookie;
                d.ua = ua;
            }
        }
        let trip = p
            .trip
            .as_ref()
            .filter(|t| day >= t.from && day < t.from + t.days);
        let mut minutes = login_minutes(rng, p, weekday);
        let reactivation = p.reactivation.filter(|(d, _)| *d == day);
        if let Some((_, minute)) = reactivation {
            minutes.push(minute);
            minutes.sort_unstable();
            minutes.dedup();
        }
        for minute in minutes {
            let at = at_local(home_city, day, minute);
            let local_hour = minute / 60;
            let daytime = (8..19).contains(&local_hour) && weekday < 5;
            let reactivated_now = reactivation.is_some_and(|(_, m)| m == minute);
            if reactivated_now {
                // A new phone: the e-CPS is activated again by e-mail + SMS, then used.
                p.credential = format!("ecps-{}", rng.hex(6));
                p.channel = ActivationChannel::EmailSms;
                p.activated_at = at - Duration::minutes(rng.range(10, 90));
                let ua = *rng.pick(PHONE_UAS);
                if let Some(d) = p.devices.iter_mut().find(|d| d.place == Place::Mobile) {
                    d.cookie = format!("cookie-{}", rng.hex(12));
                    d.ua = ua;
                }
            }
            let place = if reactivated_now {
                Place::Mobile
            } else {
                match p.kind {
                    Kind::Hospital if daytime => {
                        if rng.chance(0.9) {
                            Place::Hospital
                        } else {
                            Place::Mobile
                        }
                    }
                    Kind::Liberal | Kind::Pharmacist if daytime => {
                        if rng.chance(0.88) {
                            Place::Office
                        } else {
                            Place::Mobile
                        }
                    }
                    Kind::Nurse => {
                        if rng.chance(0.65) {
                            Place::Mobile
                        } else {
                            Place::Home
                        }
                    }
                    _ => {
                        if rng.chance(0.8) {
                            Place::Home
                        } else {
                            Place::Mobile
                        }
                    }
                }
            };
            let place = if trip.is_some() && place != Place::Mobile {
                Place::Home // the laptop, at the hotel
            } else {
                place
            };
            let candidates: Vec<usize> = p
                .devices
                .iter()
                .enumerate()
                .filter(|(_, d)| {
                    d.place == place || (place == Place::Office && d.place == Place::Home)
                })
                .map(|(i, _)| i)
                .collect();
            let di = if candidates.is_empty() {
                p.devices.len() - 1
            } else {
                *rng.pick(&candidates)
            };
            // Cookies get cleared now and then: the device looks new from then on.
            if rng.chance(0.02) {
                p.devices[di].cookie = format!("cookie-{}", rng.hex(12));
            }
            let device = &p.devices[di];
            let mut anonymizer = Some(false);
            let mut hosting = Some(false);
            let (ip, asn, country, geo) = match (trip, place) {
                (Some(t), Place::Home) => match t.abroad {
                    Some(_) if t.vpn => {
                        // Abroad, through a VPN back home: the exit is in France.
                        let vpn = &FR_VPN[0];
                        anonymizer = Some(true);
                        hosting = Some(true);
                        (
                            address(rng, vpn),
                            vpn.asn,
                            "FR".to_owned(),
                            (48.86, 2.35, 50.0),
                        )
                    }
                    Some(k) => {
                        let f = &TRIPS_ABROAD[k];
                        (
                            address(rng, &f.isp),
                            f.isp.asn,
                            f.country.to_owned(),
                            (f.lat, f.lon, 25.0),
                        )
                    }
                    None => {
                        let c = &CITIES[t.city];
                        let isp = rng.pick(FR_ISPS);
                        (
                            address(rng, isp),
                            isp.asn,
                            c.country.to_owned(),
                            (c.lat, c.lon, 25.0),
                        )
                    }
                },
                // La Réunion's mobile networks geolocate to the island.
                (_, Place::Mobile) if home_city.country == "RE" => (
                    address(rng, &RE_ISP),
                    RE_ISP.asn,
                    "RE".to_owned(),
                    (home_city.lat, home_city.lon, 50.0),
                ),
                // Mainland mobile networks geolocate to the middle of France, give or take.
                (_, Place::Mobile) => {
                    let isp = &MOBILE[p.mobile];
                    (
                        address(rng, isp),
                        isp.asn,
                        "FR".to_owned(),
                        (46.6, 2.4, 500.0),
                    )
                }
                (_, Place::Hospital) => (
                    host(rng, home_city.hospital),
                    2200,
                    home_city.country.to_owned(),
                    (home_city.lat, home_city.lon, 10.0),
                ),
                (_, Place::Office) => (
                    host(rng, p.office.prefix),
                    p.office.asn,
                    home_city.country.to_owned(),
                    (home_city.lat, home_city.lon, 20.0),
                ),
                (_, Place::Home) if p.vpn_at_home && rng.chance(0.3) => {
                    let vpn = rng.pick(FR_VPN);
                    let known = vpn.asn == FR_VPN[0].asn;
                    anonymizer = Some(known && rng.chance(0.7));
                    hosting = Some(true);
                    (
                        address(rng, vpn),
                        vpn.asn,
                        "FR".to_owned(),
                        (48.86, 2.35, 50.0),
                    )
                }
                (_, Place::Home) => (
                    host(rng, p.home.prefix),
                    p.home.asn,
                    home_city.country.to_owned(),
                    (home_city.lat, home_city.lon, 20.0),
                ),
            };
            let request = Request {
                ip,
                asn,
                country,
                geo,
                ua: device.ua,
                cookie: device.cookie.clone(),
                anonymizer,
                hosting,
            };
            // Hospital workstations have card readers; elsewhere the e-CPS is used.
            let card = place == Place::Hospital && rng.chance(0.7);
            let count = if p.two_ecps || p.second_ecps_from.is_some_and(|t| t <= at) {
                2
            } else {
                1
            };
            let ecps = (!card).then_some((p.credential.as_str(), p.activated_at, p.channel, count));
            let sso = if rng.chance(0.2) {
                rng.range(10, 240)
            } else {
                rng.range(0, 3)
            };
            let remote_control = rng.chance(0.003);
            let ctx = build(p, at, &request, ecps, remote_control, sso, partner)?;
            out.push(Login {
                at,
                recorded: RecordedLogin::legitimate(ctx),
            });
        }
    }
    Ok(())
}

/// An attack time on a weekday afternoon of the attack weeks, local to the victim.
fn attack_day_minute(rng: &mut Rng) -> (i64, i64) {
    loop {
        let day = rng.range(ATTACK_FROM_DAY, DAYS - 2);
        if day % 7 < 5 {
            return (day, rng.range(9 * 60, 17 * 60));
        }
    }
}

fn abroad_request(rng: &mut Rng, ua: &'static str) -> Request {
    let f = rng.pick(ABROAD);
    Request {
        ip: address(rng, &f.isp),
        asn: f.isp.asn,
        country: f.country.to_owned(),
        geo: (f.lat, f.lon, 100.0),
        ua,
        cookie: format!("cookie-{}", rng.hex(12)),
        anonymizer: Some(false),
        hosting: Some(f.hosting),
    }
}

fn vpn_request(rng: &mut Rng, ua: &'static str) -> Request {
    let vpn = rng.pick(FR_VPN);
    let known = vpn.asn == FR_VPN[0].asn || rng.chance(0.5);
    Request {
        ip: address(rng, vpn),
        asn: vpn.asn,
        country: "FR".to_owned(),
        geo: (48.86, 2.35, 50.0),
        ua,
        cookie: format!("cookie-{}", rng.hex(12)),
        anonymizer: Some(known && rng.chance(0.8)),
        hosting: Some(true),
    }
}

/// The seed's kill chain against `p`. Returns the logins; marks the victim's second e-CPS and
/// any contact-data change on their profile so their own logins show them too.
fn takeover(
    rng: &mut Rng,
    p: &mut Pro,
    partner: bool,
    out: &mut Vec<Login>,
) -> Result<(), Box<dyn Error>> {
    let (day, minute) = attack_day_minute(rng);
    let activated = at_local(&CITIES[p.city], day, minute);
    if rng.chance(0.25) {
        p.contact_changes.push(ContactChange {
            at: activated - Duration::days(rng.range(1, 10)),
            kind: if rng.chance(0.5) {
                ContactKind::Email
            } else {
                ContactKind::Phone
            },
        });
        p.contact_changes.sort();
    }
    p.second_ecps_from = Some(activated);
    let credential = format!("ecps-{}", rng.hex(6));
    let ua = *rng.pick(&[CHROME_ANDROID, CHROME_ANDROID_OLD, SAFARI_IPHONE]);
    let mut request = match rng.below(4) {
        0 | 1 => {
            let isp = rng.pick(MOBILE);
            Request {
                ip: address(rng, isp),
                asn: isp.asn,
                country: "FR".to_owned(),
                geo: (46.6, 2.4, 500.0),
                ua,
                cookie: format!("cookie-{}", rng.hex(12)),
                anonymizer: Some(false),
                hosting: Some(false),
            }
        }
        2 => abroad_request(rng, ua),
        _ => vpn_request(rng, ua),
    };
    let mut at = activated + Duration::minutes(rng.range(5, 60));
    for i in 0..1 + rng.below(3) {
        if i > 0 {
            at += Duration::minutes(rng.range(60, 30 * 60));
            if matches!(request.asn, 3215 | 51207 | 15557 | 5410) {
                // Mobile networks: another address each time.
                let isp = rng.pick(MOBILE);
                request.ip = address(rng, isp);
                request.asn = isp.asn;
            }
        }
        let ctx = build(
            p,
            at,
            &request,
            Some((&credential, activated, ActivationChannel::EmailSms, 2)),
            false,
            rng.range(0, 2),
            partner,
        )?;
        out.push(Login {
            at,
            recorded: RecordedLogin::attack(ctx, "ecps_takeover"),
        });
    }
    Ok(())
}

/// A Wiefling et al. attacker holding the victim's e-CPS, activated remotely days before.
fn wiefling(
    rng: &mut Rng,
    p: &mut Pro,
    model: &str,
    partner: bool,
    out: &mut Vec<Login>,
) -> Result<(), Box<dyn Error>> {
    let c = &CITIES[p.city];
    let (day, mut minute) = attack_day_minute(rng);
    let request = match model {
        "naive" => {
            minute = rng.range(0, 24 * 60 - 1);
            let ua = *rng.pick(ANY_UAS);
            abroad_request(rng, ua)
        }
        "vpn" => {
            minute = rng.range(7 * 60, 23 * 60);
            let ua = *rng.pick(DESKTOP_UAS);
            vpn_request(rng, ua)
        }
        _ => {
            // Targeted: the victim's access provider and city, the victim's browser, at an hour
            // the victim logs in at (their first habitual one that day).
            let habitual = login_minutes(rng, p, day % 7);
            if let Some(m) = habitual.first() {
                minute = *m;
            }
            let isp_asn = p.home.asn;
            let isp = FR_ISPS
                .iter()
                .chain(std::iter::once(&RE_ISP))
                .find(|i| i.asn == isp_asn)
                .unwrap_or(&FR_ISPS[0]);
            let ua = p
                .devices
                .iter()
                .find(|d| d.place != Place::Hospital)
                .map_or(CHROME_WIN, |d| d.ua);
            Request {
                ip: address(rng, isp),
                asn: isp.asn,
                country: c.country.to_owned(),
                geo: (c.lat + 0.05, c.lon - 0.05, 25.0),
                ua,
                cookie: format!("cookie-{}", rng.hex(12)),
                anonymizer: Some(false),
                hosting: Some(false),
            }
        }
    };
    let mut at = at_local(c, day, minute);
    let activated = at - Duration::days(rng.range(4, 10)) - Duration::minutes(rng.range(0, 600));
    p.second_ecps_from = Some(p.second_ecps_from.map_or(activated, |t| t.min(activated)));
    let credential = format!("ecps-{}", rng.hex(6));
    // Attackers come back: two to five logins over the next hours.
    for i in 0..2 + rng.below(4) {
        if i > 0 {
            at += Duration::minutes(rng.range(20, 8 * 60));
        }
        let ctx = build(
            p,
            at,
            &request,
            Some((&credential, activated, ActivationChannel::EmailSms, 2)),
            false,
            rng.range(0, 2),
            partner,
        )?;
        out.push(Login {
            at,
            recorded: RecordedLogin::attack(ctx, model),
        });
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let o = options()?;
    let mut rng = Rng(o.seed);
    let mut ids = Vec::new();
    let mut pros = Vec::with_capacity(o.professionals);
    for i in 0..o.professionals {
        pros.push(new_pro(&mut rng, &mut ids, i)?);
    }

    // Attacks first: they change what the partner feed says about the victims.
    let mut logins = Vec::new();
    let n = pros.len();
    // Victims are drawn without replacement, one attacker model each, so that most
    // professionals' own logins are untouched by attacks (real attacks are rare).
    let mut order: Vec<usize> = (1..n).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let per_model = (n / 10).max(1);
    let mut victims = order.chunks(per_model).map(<[usize]>::to_vec);
    // The victim of an earlier wave, on the ANS lists: a new activation after the block.
    let blocked = 0;
    let takeover_victims = victims.next().unwrap_or_default();
    for v in takeover_victims.iter().copied().chain([blocked]) {
        takeover(&mut rng, &mut pros[v], o.partner_data, &mut logins)?;
    }
    // The deactivated e-CPS of that wave, tried again twice.
    let revoked = "ecps-5e1a7e-deactivated";
    for k in 0..2 {
        let p = &pros[blocked];
        let (day, minute) = attack_day_minute(&mut rng);
        let at = at_local(&CITIES[p.city], day, minute) + Duration::minutes(k);
        let request = abroad_request(&mut rng, CHROME_ANDROID_OLD);
        let ctx = build(
            p,
            at,
            &request,
            Some((
                revoked,
                BLOCKED_SINCE - Duration::days(2),
                ActivationChannel::EmailSms,
                2,
            )),
            false,
            0,
            o.partner_data,
        )?;
        logins.push(Login {
            at,
            recorded: RecordedLogin::attack(ctx, "ecps_takeover"),
        });
    }
    for model in ["naive", "vpn", "targeted"] {
        for v in victims.next().unwrap_or_default() {
            wiefling(&mut rng, &mut pros[v], model, o.partner_data, &mut logins)?;
        }
    }
    for p in &mut pros {
        legit_logins(&mut rng, p, o.partner_data, &mut logins)?;
    }
    logins.sort_by(|a, b| {
        (a.at, a.recorded.login.subject()).cmp(&(b.at, b.recorded.login.subject()))
    });

    std::fs::create_dir_all(&o.out)?;
    let mut jsonl = String::new();
    let (mut legit, mut attacks) = (0, 0);
    for l in &logins {
        jsonl.push_str(&serde_json::to_string(&l.recorded)?);
        jsonl.push('\n');
        match l.recorded.label {
            Some(ecps_risk::Label::Attack) => attacks += 1,
            _ => legit += 1,
        }
    }
    let path = o.out.join("logins.jsonl");
    std::fs::write(&path, &jsonl)?;

    let hospitals: Vec<String> = CITIES
        .iter()
        .map(|c| format!("{}.{}.{}.0/24", c.hospital[0], c.hospital[1], c.hospital[2]))
        .collect();
    let watchlists = serde_json::json!({"lists": [
        {"name": "trusted_networks", "kind": "ip",
         "description": "egress networks of the hospitals the portal serves", "entries": hospitals},
        {"name": "anonymizers", "kind": "ip",
         "description": "VPN exits known to the provider's threat intelligence",
         "entries": ["185.156.0.0/14"]},
        {"name": "denied_networks", "kind": "ip",
         "description": "reported to psc.requisitions after an earlier incident",
         "entries": ["159.89.0.0/16"]},
        {"name": "deactivated_ecps", "kind": "credentials",
         "description": "ANS: e-CPS deactivated after the September wave", "entries": [revoked]},
        {"name": "blocked_activations", "kind": "blocked_subjects",
         "description": "ANS: new activations blocked",
         "entries": [{"subject": pros[blocked].id.as_str(),
                      "since": BLOCKED_SINCE.format(&time::format_description::well_known::Rfc3339)?}]},
        {"name": "under_alert", "kind": "subjects",
         "description": "ANS: professionals contacted after the September wave",
         "entries": [pros[blocked].id.as_str()]}
    ]});
    let lists_path = o.out.join("watchlists.json");
    std::fs::write(
        &lists_path,
        serde_json::to_string_pretty(&watchlists)? + "\n",
    )?;

    println!(
        "{}: {} logins ({legit} legitimate, {attacks} attacks) of {} professionals, seed {}{}",
        path.display(),
        logins.len(),
        pros.len(),
        o.seed,
        if o.partner_data {
            ""
        } else {
            ", without partner data"
        }
    );
    println!("{}: the provider's watchlists", lists_path.display());
    Ok(())
}
