//! Generate synthetic, labelled Pro Santé Connect logins for `replay`: a population of health
//! professionals with habits, and attackers holding nothing but an e-CPS.
//!
//! `cargo run --release --example simulate` writes `target/simulation/logins.jsonl` (one
//! `RecordedLogin` per line, in time order, ~150 MB) and `target/simulation/watchlists.json`
//! (the lists the provider holds). The output is byte-for-byte the same for a seed on every run
//! and platform. The `replay` and `measure` examples and `tests/replay.rs` include this file as
//! a module and call [`simulate`] in memory.
//!
//! Options: `--seed N` (default 1), `--professionals N` (default 1500), `--attackers N`
//! (attackers per model, default 60), `--out DIR`, `--with-partner-data` (see below;
//! `--without-partner-data`, the default, is still accepted).
//!
//! Every number below is either taken from a source named next to it or is an **assumption**
//! of this simulation, said as such. None was tuned on detection results: the shares come
//! from what the sources say and from how professionals and fraudsters plausibly behave. The
//! one calibration after a first run, before any replay, raised the card shares to bring the
//! e-CPS share of legitimate logins from 52 % toward the ANS figure below.
//!
//! # What the provider sees (DESIGN.md §3)
//!
//! Every login carries what a PSC service provider really has: the verified claims (`acr`
//! `eidas1`, `auth_time`, `iat`, **`authMode`** `CARD` or `MOBILE`, the places of activity of
//! `SubjectRefPro`), the request (address, user agent, the provider's own device cookie when
//! the browser sends one, the time) and what its own GeoIP / threat intelligence says of the
//! address (country, coordinates with an accuracy radius, ASN, "anonymizer", "hosting"), plus
//! the provider's own client telemetry (automation, remote control). Its watchlists are its
//! own: the egress networks of the hospitals it serves, the VPN ranges of its threat
//! intelligence, a network it denied after an earlier incident.
//!
//! **No partner feeds by default**: no public feed gives a service provider e-CPS facts, so the
//! logins carry no e-CPS id, activation time or channel, no count of active e-CPS, no RPPS
//! contact changes, no validation-push outcomes, no reports, and the watchlists hold no ANS
//! list. With `--with-partner-data` the same logins (same seed: the same professionals,
//! times, addresses and labels) also carry all of those, as a provider with the partner
//! option (or an identity provider, for push outcomes) would see them, and the watchlists add
//! the ANS lists (deactivated e-CPS, blocked activations, professionals under alert).
//!
//! # The population (13 weeks, Monday 1 September – Sunday 30 November 2025)
//!
//! The calendar is real: the change to winter time on 26 October and the Toussaint school
//! holidays (18 October – 2 November) fall inside it.
//!
//! - **Who** (assumption, users of a regional portal): 35 % hospital physicians, 35 % liberal
//!   practitioners, 18 % nurses, 12 % pharmacists. 94 % in ten mainland cities, 4 % in La
//!   Réunion (UTC+4), 2 % in Martinique (UTC−4) — overseas France is ~3 % of the population
//!   (INSEE), a little more here so that its cases are not too few to see.
//! - **Card or e-CPS** (`authMode`). The ANS reports 25 % of PSC connections made with the e-CPS
//!   (industriels.esante.gouv.fr, "Pro Santé Connect en chiffres"), more than 300,000 active
//!   e-CPS in 2023 (esante.tech) and more than 500,000 in 2025 (the alert), for about a million
//!   card holders; the card needs a reader (esante-occitanie.fr: "PC avec lecteur de carte
//!   pour la connexion via CPS; smartphone ou tablette pour la e-CPS"). So (assumption on the
//!   split): a professional logs in with the card where they have a reader — every hospital
//!   workstation and practice office, the home computer of some (35 % of liberal
//!   practitioners and pharmacists, 15 % of hospital physicians, 60 % of nurses who have a
//!   computer rather than a tablet, since they carry a portable reader for billing), and on a
//!   trip only with a travel reader (20 %) — and with the e-CPS everywhere else (phone,
//!   tablet, home, abroad). Habits: *mixed* (70 % of physicians, 70 % of liberal
//!   practitioners and pharmacists, 45 % of nurses; the card 70 % to 99 % of the time where
//!   there is a reader), *e-CPS only* (15 %, 10 %, 45 %: no reader, or no interest), *card
//!   only* (15 %, 20 %, 10 %: never the e-CPS, no login where there is no reader; only 35 % of
//!   them ever activated an e-CPS). The resulting e-CPS share of legitimate logins, printed by
//!   `simulate`, is about 42 %: more than the ANS's 25 % (a national figure, its date not
//!   given, while e-CPS numbers grew), as a portal is reached from home and on the move more
//!   than practice software — and the harder side for a detector that reads the means.
//! - **Devices.** Hospital physicians share the workstations of their hospital (a pool of 16,
//!   each physician using 4 of them; the same browser and cookie for every professional who
//!   sits there); in 30 % of hospitals (assumption) the workstation profile is wiped at
//!   logout, so every login there brings a new cookie. Practitioners and pharmacists have an
//!   office computer — locums (*remplaçants*, 10 % of liberal practitioners, assumption) work
//!   in 3 to 5 practices in turn, each with its own computer and line, moving on most weeks;
//!   everyone has a home computer (half the nurses a tablet instead: an iPad sends a Mac user
//!   agent, as Safari does by default since iPadOS 13) and a phone. User agents are
//!   the reduced ones browsers really send (Chrome on Android: `Android 10; K`) and follow the
//!   stable releases of the period (Chrome 140–142, Edge 140–142, Firefox 143–145, Safari 26),
//!   each device updating 0 to 21 days after a release (10 % of phones much later).
//! - **Cookies as they really behave** (assumption on the rates): a browser clears its cookies
//!   now and then — per login, 0.3 % (60 % of professionals), 1.5 % (30 %) or 6 % (10 %) —
//!   and the known browser comes back with a new cookie; 6 % of professionals use a private
//!   window for half of their home-computer logins (a one-off cookie); 2 % block the
//!   provider's cookie at home (no cookie at all); wiped hospital workstations, above; a new
//!   phone or laptop brings a new cookie.
//! - **Networks.** Hospital egress networks (on the provider's `trusted_networks` list);
//!   office lines (fixed address); home lines of four French access providers, whose dynamic
//!   addresses change now and then (assumption: Orange 3 %, SFR and Bouygues 2 % a day, Free
//!   fixed), geolocated to the city, except 15 % of home networks that GeoIP places in Paris
//!   with a 200 km radius (assumption; GeoIP city accuracy for residential lines is
//!   mediocre); mobile networks behind carrier-grade NAT (another /24 at almost every login),
//!   which GeoIP places in the middle of France with a 500 km radius (overseas: on the
//!   island).
//! - **VPN users** (assumption: 5 % always, 7 % for 30 % of their home logins): a commercial
//!   VPN on the home computer, exiting in Paris — from Marseille or Lyon, and from La Réunion
//!   or Martinique, whose phone logins stay on the island: VPN exit in Paris, phone in
//!   Saint-Denis an hour later, and back. The provider's threat intelligence knows an exit
//!   range with a coverage that depends on the VPN operator (90 %, 70 %, 20 %; the first
//!   operator's ranges are also on its `anonymizers` list).
//! - **Trips** (assumption): 25 % go to a conference in another city (2 to 4 weekdays; Paris
//!   for overseas professionals), 20 % on holiday abroad (7 to 12 days; a login on a third of
//!   the days), 30 % take a week off during the Toussaint holidays (no login). On a trip, the
//!   laptop is on the hotel's network, in that city or country; the phone stays on its home
//!   carrier, because EU roaming routes mobile data home (its address geolocates to France
//!   while the laptop is in Rome). 25 % of holidaymakers use a VPN abroad.
//! - **Hours**: physicians 7–19 on weekdays (30 % on call on Wednesday nights), practitioners
//!   and pharmacists 8–12 and 14–19 (half on Saturday mornings), nurses 6–9 and 17–21 every
//!   day; one to three logins a working day, a day off now and then.
//! - **Life happens**: 10 % of e-CPS holders get a new phone and re-activate their e-CPS on it
//!   (by e-mail + SMS, 70 %, or with the card) and use it at once; 8 % get a new laptop; 8 %
//!   change their RPPS e-mail address; 0.2 % of logins happen while an IT technician controls
//!   the screen; PSC's SSO reuses an earlier authentication (`auth_time` 10 minutes to 4 hours
//!   before) for 20 % of logins; 6 % of e-CPS logins follow one or two unanswered pushes (the
//!   phone was in another room), 1 % three.
//!
//! # The attackers (their first logins from day 30, after a four-week warm-up)
//!
//! Every attacker of this fraud **holds only an e-CPS** (the ANS alert: an e-CPS activated on
//! the fraudster's phone; or, for push bombing, the professional's own e-CPS approved by
//! mistake): every attack login is `authMode` `MOBILE`, never `CARD`, and no attacker has a
//! victim's cookie. Each model attacks `--attackers` professionals (60 by default, each
//! professional at most once), and **half the attackers come back** 1 to 3 times over the
//! next 1 to 4 days each, on the same device (same user agent, and the same cookie if they
//! keep cookies) and a similar network (the same mobile carrier, VPN operator, foreign access
//! provider or, usually, the same /24). A visit is one to three logins (returns: one or two)
//! a few minutes to four hours apart. The recorded logins say which visit of its attacker a
//! login is (`"visit": 1` for the first, 2 to 4 for returns), so a replay counts return logins
//! apart. How attackers treat cookies (assumption): half keep the provider's cookie (their
//! returns carry it), a quarter send none, a quarter use a private window (a new cookie each
//! visit).
//!
//! The first three models follow the ANS alert (shared/seeds: a fraudster posing as "CPS
//! customer service" phones the professional during working hours; the codes of a remote
//! activation go to the RPPS e-mail and mobile). Their fraudsters belong to three rings
//! (assumption; the alert speaks of a few active fraudsters), each with its own phones and
//! preferred network (a French mobile carrier, a VPN operator, an access provider abroad —
//! used 70 % of the time; otherwise any of those or a French home line). In every model but
//! push bombing, 20 % of the fraudsters' e-CPS activations follow a change of the RPPS e-mail
//! or phone 1 to 10 days before.
//!
//! - `ecps_takeover` — the alert's kill chain: e-CPS activated remotely (e-mail QR code + SMS
//!   code) during the call, on a weekday 9–18 h, first login 5 to 60 minutes later.
//! - `ecps_takeover_patient` — the same, but the fraudster waits: first login 3 to 14 days
//!   after the activation, any day 8–22 h.
//! - `push_bombing` — no new e-CPS: the fraudster, who knows the professional's national id
//!   (it is public in the Annuaire Santé), starts PSC e-CPS logins until the professional,
//!   tired of the notifications, approves one (3 to 12 requests refused or left to expire
//!   over 5 to 45 minutes; 1 to 6 on a return). The pushes are seen only by identity
//!   providers / with the partner option; 35 % of victims report the requests to the ANS
//!   within two days (partner option). The two victims of an earlier wave, on the ANS lists
//!   (new activations blocked since 22 August, under alert), are among this model's victims:
//!   with activations blocked, bombing is what is left.
//! - the three attacker models of Wiefling et al. (2022), "Pump Up Password Security!
//!   Evaluating and Enhancing Risk-Based Authentication on a Real-World Large-Scale Online
//!   Service" (ACM TOPS 26(1)), here each holding an e-CPS activated remotely 3 to 14 days
//!   before (the codes obtained by phone as above): `naive` (an address of an access provider
//!   or hosting company abroad, a random user agent — browsers, an old phone, scripts — any
//!   hour), `vpn` (a VPN or hosting address in France, a common desktop browser, 7–23 h), and
//!   `targeted` (the victim's own home access provider — the same ASN, another address — and
//!   city, the victim's exact browser and version, at an hour the victim logs in at; only the
//!   e-CPS and the cookie differ). Scripts do not run the provider's page, so their logins
//!   carry no client telemetry.
//!
//! The ANS deactivates the e-CPS it finds and blocks new activations (the alert), so a
//! deactivated e-CPS or one activated after a block cannot reach a provider through PSC: no
//! attack login uses one. Attackers do not adapt to the decisions they get (a schedule fixed
//! in advance): an attacker stepped up with the card comes back as planned.
//!
//! # Randomness
//!
//! A 10-line SplitMix64 (Steele, Lea & Flood 2014) rather than `rand`: the data must be
//! reproducible from the seed forever, and `rand` documents that `StdRng`'s algorithm may
//! change between releases; a dev-dependency for 10 lines is not worth it either. The partner
//! option draws no random number, so both modes of a seed describe the same logins.

// Every index below comes from `Rng::below(len)` over a non-empty table, or from a table
// built alongside the one it indexes.
#![allow(clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::error::Error;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::path::PathBuf;

use ecps_risk::{
    ActivationChannel, AuthMode, NationalId, RiskContext, input::ActivityLocation,
    input::ContactChange, input::ContactKind, input::PushOutcome, input::ValidationRequest,
    model::CountryCode, model::Department, model::IdKind, model::LocalTime, replay::RecordedLogin,
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

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64) / ((1u64 << 53) as f64)
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// An index of `weights`, with probability proportional to its weight.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    fn hex(&mut self, bytes: usize) -> String {
        let mut s = String::new();
        for _ in 0..bytes {
            let _ = write!(s, "{:02x}", self.below(256));
        }
        s
    }

    fn cookie(&mut self) -> String {
        format!("c-{}", self.hex(12))
    }
}

/// Monday 1 September 2025, 00:00 in Paris.
pub const START: OffsetDateTime = datetime!(2025-08-31 22:00 UTC);
/// Days simulated.
pub const DAYS: i64 = 91;
/// Days that only train the profiles: attackers' first logins come after.
pub const WARM_UP_DAYS: i64 = 28;
/// The last day an attacker's first visit can fall on (returns come up to four days later
/// each, and stop at the end of the period).
const LAST_FIRST_VISIT: i64 = DAYS - 6;
/// The end of the warm-up.
pub const WARM_UP_END: OffsetDateTime = datetime!(2025-09-28 22:00 UTC);
/// When the ANS blocked new activations for the victims of an earlier wave.
const BLOCKED_SINCE: OffsetDateTime = datetime!(2025-08-22 08:00 UTC);

/// The attacker models, in the order victims are drawn.
pub const MODELS: [&str; 6] = [
    "ecps_takeover",
    "ecps_takeover_patient",
    "push_bombing",
    "naive",
    "vpn",
    "targeted",
];

struct City {
    dept: &'static str,
    lat: f64,
    lon: f64,
    country: &'static str,
    offset_minutes: Option<i16>,
    /// Share of the professionals, in tenths of a percent.
    weight: u32,
    /// Hospital egress network.
    hospital: [u8; 3],
}

const fn city(dept: &'static str, (lat, lon): (f64, f64), hospital: [u8; 3]) -> City {
    City {
        dept,
        lat,
        lon,
        country: "FR",
        offset_minutes: None,
        weight: 94,
        hospital,
    }
}

/// Paris first: VPN exits and mislocated home networks are placed there.
const CITIES: &[City] = &[
    city("75", (48.8566, 2.3522), [193, 48, 12]),
    city("69", (45.7640, 4.8357), [193, 49, 40]),
    city("13", (43.2965, 5.3698), [193, 50, 7]),
    city("59", (50.6292, 3.0573), [193, 51, 88]),
    city("31", (43.6047, 1.4442), [193, 52, 3]),
    city("44", (47.2184, -1.5536), [193, 52, 130]),
    city("67", (48.5734, 7.7521), [193, 54, 21]),
    city("33", (44.8378, -0.5792), [193, 55, 66]),
    city("35", (48.1173, -1.6778), [193, 51, 200]),
    city("34", (43.6108, 3.8767), [193, 49, 175]),
    City {
        dept: "974",
        lat: -20.8823,
        lon: 55.4504,
        country: "RE",
        offset_minutes: Some(240),
        weight: 40,
        hospital: [193, 53, 9],
    },
    City {
        dept: "972",
        lat: 14.6161,
        lon: -61.0588,
        country: "MQ",
        offset_minutes: Some(-240),
        weight: 20,
        hospital: [193, 53, 140],
    },
];
const PARIS: usize = 0;
const MAINLAND: usize = 10;

/// An access provider: its AS, address blocks `(a, b_lo, b_hi)` = `a.b_lo.0.0`–`a.b_hi.255.255`,
/// and the daily chance that a home line gets a new address.
struct Isp {
    asn: u32,
    blocks: &'static [(u8, u8, u8)],
    renumber_per_day: f64,
}

const fn isp(asn: u32, blocks: &'static [(u8, u8, u8)], renumber_per_day: f64) -> Isp {
    Isp {
        asn,
        blocks,
        renumber_per_day,
    }
}

/// Residential providers in France (Orange, Free, SFR, Bouygues) and their weights.
const FR_ISPS: &[Isp] = &[
    isp(3215, &[(90, 0, 127), (86, 192, 255)], 0.03),
    isp(12322, &[(82, 64, 67), (88, 160, 191)], 0.0),
    isp(15557, &[(109, 0, 31), (77, 128, 159)], 0.02),
    isp(5410, &[(89, 80, 95), (176, 128, 175)], 0.02),
];
const FR_ISP_WEIGHTS: &[u32] = &[40, 25, 20, 15];
/// Overseas access providers (fixed and mobile), by city index − `MAINLAND`.
const OVERSEAS_ISPS: &[Isp] = &[
    isp(37002, &[(102, 16, 31)], 0.02),
    isp(33392, &[(92, 61, 63)], 0.02),
];
/// Mainland mobile networks: carrier-grade NAT, a different /24 at almost every login.
const MOBILE: &[Isp] = &[
    isp(3215, &[(92, 184, 191)], 0.0),
    isp(51207, &[(37, 160, 175)], 0.0),
    isp(15557, &[(37, 0, 15)], 0.0),
    isp(5410, &[(176, 176, 191)], 0.0),
];

/// A VPN or hosting operator with exits in Paris, and the share of its /24s the provider's
/// threat intelligence flags as anonymizers (all are flagged as hosting).
struct Vpn {
    isp: Isp,
    coverage_percent: u64,
}

/// The first one's ranges are also on the `anonymizers` watchlist.
const FR_VPN: &[Vpn] = &[
    Vpn {
        isp: isp(9009, &[(185, 156, 159)], 0.0),
        coverage_percent: 90,
    },
    Vpn {
        isp: isp(60068, &[(212, 102, 103)], 0.0),
        coverage_percent: 70,
    },
    Vpn {
        isp: isp(16276, &[(51, 75, 77)], 0.0),
        coverage_percent: 20,
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
        isp: isp(asn, blocks, 0.0),
        hosting,
        lat,
        lon,
    }
}

/// Where attackers abroad come from (the second one is on the provider's deny list).
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
    foreign("DE", 24940, &[(88, 198, 199)], true, (50.48, 12.37)),
    foreign("BR", 28573, &[(177, 0, 63)], false, (-23.55, -46.63)),
    foreign("NG", 29465, &[(105, 112, 127)], false, (6.45, 3.4)),
    foreign("CI", 29571, &[(41, 202, 202)], false, (5.35, -4.0)),
    foreign("MA", 36903, &[(105, 128, 159)], false, (33.57, -7.59)),
    foreign("SN", 8346, &[(41, 82, 83)], false, (14.69, -17.44)),
    foreign("BJ", 28683, &[(137, 255, 255)], false, (6.37, 2.39)),
    foreign("RU", 12389, &[(95, 24, 31)], false, (55.75, 37.62)),
    foreign("IN", 9829, &[(117, 192, 223)], false, (28.6, 77.2)),
];
/// Holiday destinations.
const TRIPS_ABROAD: &[Foreign] = &[
    foreign("BE", 5432, &[(81, 240, 247)], false, (50.85, 4.35)),
    foreign("ES", 3352, &[(81, 32, 47)], false, (40.42, -3.7)),
    foreign("IT", 3269, &[(79, 0, 63)], false, (41.9, 12.5)),
    foreign("CH", 3303, &[(83, 76, 79)], false, (46.2, 6.15)),
    foreign("PT", 3243, &[(85, 240, 247)], false, (38.72, -9.14)),
    foreign("MA", 36903, &[(105, 128, 159)], false, (31.63, -8.0)),
    foreign("GB", 2856, &[(86, 128, 191)], false, (51.5, -0.12)),
    foreign("CA", 577, &[(70, 24, 55)], false, (45.5, -73.57)),
];

/// A browser on an operating system. Its user agent depends on the day (releases) and on how
/// long the device takes to update.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ua {
    ChromeWin,
    EdgeWin,
    FirefoxWin,
    ChromeMac,
    SafariMac,
    FirefoxLinux,
    ChromeAndroid,
    ChromeAndroidTablet,
    SafariIphone,
    /// An old Android phone whose Chrome no longer updates (the full model in the user agent,
    /// as before the user-agent reduction).
    OldAndroid,
}

/// Stable releases: the day (from `START`) each reaches users, and its version.
const CHROME: &[(i64, &str)] = &[(-27, "139"), (1, "140"), (29, "141"), (57, "142")];
const EDGE: &[(i64, &str)] = &[(-25, "139"), (4, "140"), (32, "141"), (60, "142")];
const FIREFOX: &[(i64, &str)] = &[(-13, "142"), (15, "143"), (43, "144"), (71, "145")];
const SAFARI: &[(i64, &str)] = &[(-34, "18.6"), (14, "26.0"), (63, "26.1")];

fn version(releases: &[(i64, &'static str)], day: i64, lag: i64) -> &'static str {
    releases
        .iter()
        .rev()
        .find(|(from, _)| from + lag <= day)
        .or(releases.first())
        .map_or("0", |(_, v)| v)
}

const WINDOWS: &str = "Windows NT 10.0; Win64; x64";
const MAC: &str = "Macintosh; Intel Mac OS X 10_15_7";
const ANDROID: &str = "Linux; Android 10; K";

impl Ua {
    /// The `User-Agent` header on `day` of a device `lag` days behind the releases.
    fn at(self, day: i64, lag: i64) -> String {
        let blink = |platform: &str, chrome: &str, tail: &str| {
            format!(
                "Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome}.0.0.0 {tail}"
            )
        };
        let gecko = |platform: &str| {
            let v = version(FIREFOX, day, lag);
            format!("Mozilla/5.0 ({platform}; rv:{v}.0) Gecko/20100101 Firefox/{v}.0")
        };
        let webkit = |platform: &str, tail: &str| {
            let v = version(SAFARI, day, lag);
            format!(
                "Mozilla/5.0 ({platform}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v} {tail}"
            )
        };
        let chrome = version(CHROME, day, lag);
        match self {
            Ua::ChromeWin => blink(WINDOWS, chrome, "Safari/537.36"),
            Ua::EdgeWin => {
                let edge = version(EDGE, day, lag);
                blink(WINDOWS, edge, &format!("Safari/537.36 Edg/{edge}.0.0.0"))
            }
            Ua::FirefoxWin => gecko(WINDOWS),
            Ua::ChromeMac => blink(MAC, chrome, "Safari/537.36"),
            Ua::SafariMac => webkit(MAC, "Safari/605.1.15"),
            Ua::FirefoxLinux => gecko("X11; Linux x86_64"),
            Ua::ChromeAndroid => blink(ANDROID, chrome, "Mobile Safari/537.36"),
            Ua::ChromeAndroidTablet => blink(ANDROID, chrome, "Safari/537.36"),
            Ua::SafariIphone => webkit(
                "iPhone; CPU iPhone OS 18_6 like Mac OS X",
                "Mobile/15E148 Safari/604.1",
            ),
            Ua::OldAndroid => blink(
                "Linux; Android 11; Redmi Note 8",
                "109",
                "Mobile Safari/537.36",
            ),
        }
    }
}

/// Home and office computers, with weights.
const DESKTOPS: &[Ua] = &[
    Ua::ChromeWin,
    Ua::EdgeWin,
    Ua::FirefoxWin,
    Ua::SafariMac,
    Ua::ChromeMac,
    Ua::FirefoxLinux,
];
const DESKTOP_WEIGHTS: &[u32] = &[45, 17, 8, 17, 10, 3];
const PHONES: &[Ua] = &[Ua::ChromeAndroid, Ua::SafariIphone];
/// What a naive attacker sends besides browsers: scripts.
const SCRIPTS: &[&str] = &["python-requests/2.32.3", "curl/8.5.0", "Go-http-client/1.1"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hospital,
    Liberal,
    Nurse,
    Pharmacist,
}

/// Where a login happens.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A hospital workstation (card reader, trusted network).
    Hospital,
    /// The practice office or pharmacy (card reader, fixed line).
    Office,
    /// The home computer or tablet.
    Home,
    /// The phone.
    Phone,
}

/// When a professional uses the card rather than the e-CPS.
#[derive(Clone, Copy, PartialEq)]
enum Habit {
    /// The card wherever there is a reader, this often; the e-CPS elsewhere.
    Mixed { card_share: f64 },
    /// Never the card.
    EcpsOnly,
    /// Never the e-CPS: no login where there is no reader.
    CardOnly,
}

/// A personal device: a browser whose cookie the provider set.
struct Device {
    ua: Ua,
    lag: i64,
    /// The provider's cookie as it stands (cleared cookies replace it).
    cookie: String,
    /// Replaced on this day by a new device (browser, update lag), with a new cookie.
    replaced: Option<(i64, Ua, i64)>,
}

impl Device {
    fn new(rng: &mut Rng, ua: Ua) -> Device {
        let lag = if matches!(ua, Ua::ChromeAndroid) && rng.chance(0.1) {
            rng.range(40, 70)
        } else {
            rng.range(0, 21)
        };
        Device {
            ua,
            lag,
            cookie: rng.cookie(),
            replaced: None,
        }
    }

    /// The browser and update lag on `day`.
    fn on(&self, day: i64) -> (Ua, i64) {
        match self.replaced {
            Some((d, ua, lag)) if day >= d => (ua, lag),
            _ => (self.ua, self.lag),
        }
    }
}

/// A hospital: its workstations, shared by its physicians.
struct Hospital {
    /// Each workstation's cookie, by period: re-imaging gives a workstation a new one.
    seats: Vec<Vec<(i64, String)>>,
    /// Profiles wiped at logout: every login there brings a new cookie.
    wiped: bool,
    /// How long the IT department takes to roll out a browser update.
    lag: i64,
}

impl Hospital {
    fn cookie(&self, seat: usize, day: i64) -> &str {
        self.seats[seat]
            .iter()
            .rev()
            .find(|(from, _)| *from <= day)
            .map_or("", |(_, c)| c.as_str())
    }
}

const SEATS: usize = 16;

fn hospitals(rng: &mut Rng) -> Vec<Hospital> {
    CITIES
        .iter()
        .map(|_| Hospital {
            seats: (0..SEATS)
                .map(|_| {
                    let mut periods = vec![(0, rng.cookie())];
                    if rng.chance(0.15) {
                        periods.push((rng.range(1, DAYS - 1), rng.cookie()));
                    }
                    periods
                })
                .collect(),
            wiped: rng.chance(0.3),
            lag: rng.range(5, 25),
        })
        .collect()
}

/// A fixed network: an ASN and a /24.
#[derive(Clone, Copy)]
struct Network {
    asn: u32,
    prefix: [u8; 3],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum VpnHabit {
    Never,
    Sometimes,
    Always,
}

/// Days away: a conference in another city, or a holiday abroad.
#[derive(Clone, Copy)]
struct Trip {
    from: i64,
    days: i64,
    /// Index in `TRIPS_ABROAD`, or `None` for a French city.
    abroad: Option<usize>,
    city: usize,
    /// Through a VPN exiting in Paris (holidays abroad).
    vpn: bool,
}

impl Trip {
    fn covers(&self, day: i64) -> bool {
        day >= self.from && day < self.from + self.days
    }
}

/// One of the professional's own e-CPS, from its activation.
struct OwnEcps {
    id: String,
    activated_at: OffsetDateTime,
    channel: ActivationChannel,
}

struct Pro {
    id: NationalId,
    kind: Kind,
    city: usize,
    habit: Habit,
    home_reader: bool,
    travel_reader: bool,
    home_device: Device,
    /// Practice offices or pharmacies: the computer there and its line. A locum has several
    /// and works in one at a time.
    offices: Vec<(Device, Network)>,
    locum: bool,
    phone: Device,
    seats: Vec<usize>,
    home_isp: &'static Isp,
    home: Network,
    /// Home networks GeoIP places in Paris (200 km radius) rather than in the city.
    home_mislocated: bool,
    mobile: usize,
    on_call: bool,
    saturday: bool,
    vpn: VpnHabit,
    vpn_operator: usize,
    clear_rate: f64,
    private_windows: bool,
    blocks_cookies: bool,
    /// Own e-CPS, oldest first (empty: never activated one).
    ecps: Vec<OwnEcps>,
    trips: Vec<Trip>,
    week_off: Option<i64>,
    new_laptop_day: Option<i64>,
    /// A new phone: the e-CPS re-activated on it (day, local minute, by e-mail + SMS).
    reactivation: Option<(i64, i64, bool)>,
    contact_changes: Vec<ContactChange>,
    /// Validation pushes (partner option), in time order once all logins are planned.
    pushes: Vec<ValidationRequest>,
    /// When the professional reported unsolicited requests (partner option).
    reports: Vec<OffsetDateTime>,
    /// Fraudsters' e-CPS activated for this professional (partner option: active count).
    foreign_ecps: Vec<OffsetDateTime>,
}

impl Pro {
    fn own_ecps_at(&self, at: OffsetDateTime) -> Option<&OwnEcps> {
        self.ecps.iter().rev().find(|e| e.activated_at <= at)
    }

    fn city(&self) -> &'static City {
        &CITIES[self.city]
    }

    fn trip_on(&self, day: i64) -> Option<&Trip> {
        self.trips.iter().find(|t| t.covers(day))
    }

    fn off_on(&self, day: i64) -> bool {
        self.week_off.is_some_and(|d| day >= d && day < d + 7)
    }
}

/// A valid RPPS idNat_PS: `8`, ten digits, the Luhn check digit (found by trying them).
fn rpps(rng: &mut Rng, taken: &mut BTreeSet<String>) -> Result<NationalId, Box<dyn Error>> {
    loop {
        let base = format!("81{:09}", rng.below(1_000_000_000));
        for check in 0..10 {
            let text = format!("{base}{check}");
            // Any text parses (as an unrecognised subject); an RPPS id is one that passes.
            if let Ok(id) = text.parse::<NationalId>()
                && id.kind() == IdKind::Rpps
            {
                if taken.insert(text) {
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
    Network {
        asn: isp.asn,
        prefix: prefix_of(address(rng, isp)),
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

fn prefix_of(ip: IpAddr) -> [u8; 3] {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            [a, b, c]
        }
        IpAddr::V6(_) => [192, 0, 2],
    }
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

/// The simulated day of a time, local to `city`.
fn day_of(city: &City, at: OffsetDateTime) -> i64 {
    let offset = local_time(city).offset_at(at);
    let local = at + Duration::seconds(i64::from(offset.whole_seconds()));
    (local - (START + Duration::hours(2))).whole_days()
}

fn home_isp(rng: &mut Rng, city: usize) -> &'static Isp {
    if city >= MAINLAND {
        &OVERSEAS_ISPS[city - MAINLAND]
    } else {
        &FR_ISPS[rng.weighted(FR_ISP_WEIGHTS)]
    }
}

fn new_pro(
    rng: &mut Rng,
    ids: &mut BTreeSet<String>,
    weights: &[u32],
) -> Result<Pro, Box<dyn Error>> {
    let kind = match rng.below(100) {
        0..=34 => Kind::Hospital,
        35..=69 => Kind::Liberal,
        70..=87 => Kind::Nurse,
        _ => Kind::Pharmacist,
    };
    let city = rng.weighted(weights);
    // Card habits (see the module docs).
    let (mixed, ecps_only) = match kind {
        Kind::Hospital => (70, 15),
        Kind::Liberal | Kind::Pharmacist => (70, 10),
        Kind::Nurse => (45, 45),
    };
    let roll = rng.below(100);
    let habit = if roll < mixed {
        Habit::Mixed {
            card_share: rng.uniform(0.7, 0.99),
        }
    } else if roll < mixed + ecps_only {
        Habit::EcpsOnly
    } else {
        Habit::CardOnly
    };
    // A nurse who only uses the card has a computer and a reader at home (no office).
    let card_only_nurse = kind == Kind::Nurse && habit == Habit::CardOnly;
    let tablet = kind == Kind::Nurse && !card_only_nurse && rng.chance(0.5);
    let home_reader = card_only_nurse
        || (habit != Habit::EcpsOnly
            && !tablet
            && rng.chance(match kind {
                Kind::Hospital => 0.15,
                Kind::Liberal | Kind::Pharmacist => 0.35,
                Kind::Nurse => 0.6,
            }));
    let travel_reader = habit != Habit::EcpsOnly && rng.chance(0.2);

    let home_device = if tablet {
        let ua = if rng.chance(0.6) {
            Ua::SafariMac // an iPad asks for the desktop site
        } else {
            Ua::ChromeAndroidTablet
        };
        Device::new(rng, ua)
    } else {
        let ua = DESKTOPS[rng.weighted(DESKTOP_WEIGHTS)];
        Device::new(rng, ua)
    };
    // About one general practitioner in ten is a locum (remplaçant), working in a few
    // practices in turn (assumption from CNOM counts of ~12,000 locums).
    let locum = kind == Kind::Liberal && rng.chance(0.1);
    let practices = match kind {
        Kind::Liberal | Kind::Pharmacist if locum => rng.range(3, 5),
        Kind::Liberal | Kind::Pharmacist => 1,
        _ => 0,
    };
    let mut offices = Vec::new();
    for _ in 0..practices {
        let ua = *rng.pick(&[Ua::ChromeWin, Ua::ChromeWin, Ua::EdgeWin, Ua::FirefoxWin]);
        let device = Device::new(rng, ua);
        let isp = home_isp(rng, city);
        offices.push((device, network(rng, isp)));
    }
    let phone_ua = *rng.pick(PHONES);
    let phone = Device::new(rng, phone_ua);
    let mut seats: Vec<usize> = Vec::new();
    if kind == Kind::Hospital {
        while seats.len() < 4 {
            let s = rng.below(SEATS);
            if !seats.contains(&s) {
                seats.push(s);
            }
        }
    }
    let isp = home_isp(rng, city);
    let home = network(rng, isp);

    let has_ecps = habit != Habit::CardOnly || rng.chance(0.35);
    let mut ecps = Vec::new();
    if has_ecps {
        let by_card = habit != Habit::EcpsOnly && rng.chance(0.5);
        ecps.push(OwnEcps {
            id: format!("ecps-{}", rng.hex(6)),
            activated_at: START - Duration::days(rng.range(30, 900)) + Duration::hours(9),
            channel: if by_card {
                ActivationChannel::CpsCard
            } else {
                ActivationChannel::EmailSms
            },
        });
    }

    let mut trips = Vec::new();
    if rng.chance(0.25) {
        // A conference: weekdays in another city (Paris, from overseas).
        let from = rng.range(7, DAYS - 10);
        let from = from - from % 7 + rng.range(0, 2);
        trips.push(Trip {
            from,
            days: rng.range(2, 4),
            abroad: None,
            city: if city >= MAINLAND {
                PARIS
            } else {
                (city + 1 + rng.below(MAINLAND - 1)) % MAINLAND
            },
            vpn: false,
        });
    }
    if rng.chance(0.2) {
        let from = rng.range(3, DAYS - 14);
        let days = rng.range(7, 12);
        if trips
            .iter()
            .all(|t| from + days < t.from || from > t.from + t.days)
        {
            trips.push(Trip {
                from,
                days,
                abroad: Some(rng.below(TRIPS_ABROAD.len())),
                city,
                vpn: rng.chance(0.25),
            });
        }
    }
    let week_off = rng.chance(0.3).then(|| rng.range(47, 56));
    let vpn = match rng.below(100) {
        0..=4 => VpnHabit::Always,
        5..=11 => VpnHabit::Sometimes,
        _ => VpnHabit::Never,
    };
    let clear_rate = match rng.below(10) {
        0..=5 => 0.003,
        6..=8 => 0.015,
        _ => 0.06,
    };
    let reactivation = (has_ecps && rng.chance(0.1)).then(|| {
        (
            rng.range(1, DAYS - 1),
            rng.range(8 * 60, 20 * 60),
            habit == Habit::EcpsOnly || rng.chance(0.7),
        )
    });
    let contact_changes = if rng.chance(0.08) {
        vec![ContactChange {
            at: START + Duration::days(rng.range(0, DAYS - 1)) + Duration::hours(10),
            kind: ContactKind::Email,
        }]
    } else {
        Vec::new()
    };
    Ok(Pro {
        id: rpps(rng, ids)?,
        kind,
        city,
        habit,
        home_reader,
        travel_reader,
        home_device,
        offices,
        locum,
        phone,
        seats,
        home_isp: isp,
        home,
        home_mislocated: city != PARIS && city < MAINLAND && rng.chance(0.15),
        mobile: rng.below(MOBILE.len()),
        on_call: kind == Kind::Hospital && rng.chance(0.3),
        saturday: rng.chance(0.5),
        vpn,
        vpn_operator: rng.below(FR_VPN.len()),
        clear_rate,
        private_windows: rng.chance(0.06),
        blocks_cookies: rng.chance(0.02),
        ecps,
        trips,
        week_off,
        new_laptop_day: rng.chance(0.08).then(|| rng.range(1, DAYS - 1)),
        reactivation,
        contact_changes,
        pushes: Vec::new(),
        reports: Vec::new(),
        foreign_ecps: Vec::new(),
    })
}

/// Minutes after local midnight of a professional's logins on a day of the week (0 = Monday).
fn login_minutes(
    rng: &mut Rng,
    kind: Kind,
    on_call: bool,
    saturday: bool,
    weekday: i64,
) -> Vec<i64> {
    let weekend = weekday >= 5;
    let mut slots: Vec<(i64, i64)> = Vec::new(); // (from, to) in hours
    match kind {
        Kind::Hospital if !weekend => {
            slots.extend([(7, 12), (13, 19)]);
            if on_call && weekday == 2 {
                slots.push(if rng.chance(0.5) { (21, 24) } else { (0, 3) });
            }
        }
        Kind::Liberal | Kind::Pharmacist if !weekend => slots.extend([(8, 12), (14, 19)]),
        Kind::Liberal | Kind::Pharmacist if weekday == 5 && saturday => slots.push((9, 12)),
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
    let n = match kind {
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

/// What the request looks like to the provider.
struct Request {
    ip: IpAddr,
    asn: u32,
    country: &'static str,
    geo: (f64, f64, f64),
    ua: String,
    cookie: Option<String>,
    anonymizer: bool,
    hosting: bool,
    /// The client ran the provider's page (telemetry collected); scripts do not.
    telemetry: bool,
}

/// How the login was authenticated at PSC.
enum Means {
    Card,
    /// The professional's own e-CPS (their logins, and push bombing).
    OwnEcps,
    /// An e-CPS the fraudster activated on their phone.
    FraudsterEcps {
        id: String,
        activated_at: OffsetDateTime,
    },
}

/// A login, planned; built into a context once every partner fact is known.
struct Plan {
    pro: usize,
    at: OffsetDateTime,
    request: Request,
    means: Means,
    sso_minutes: i64,
    remote_control: bool,
    /// Attacker model and visit number (1 = first).
    attack: Option<(&'static str, u32)>,
}

/// The provider's threat intelligence flags a VPN /24 as an anonymizer or not: a property of
/// the address, the same at every login.
fn flagged(ip: IpAddr, coverage_percent: u64) -> bool {
    let [a, b, c] = prefix_of(ip);
    let key = (u64::from(a) << 16) | (u64::from(b) << 8) | u64::from(c);
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) % 100 < coverage_percent
}

fn vpn_request(rng: &mut Rng, operator: usize, ua: String, cookie: Option<String>) -> Request {
    let v = &FR_VPN[operator];
    let ip = address(rng, &v.isp);
    Request {
        ip,
        asn: v.isp.asn,
        country: "FR",
        geo: (48.86, 2.35, 50.0),
        ua,
        cookie,
        anonymizer: flagged(ip, v.coverage_percent),
        hosting: true,
        telemetry: true,
    }
}

fn plain_request(
    ip: IpAddr,
    asn: u32,
    country: &'static str,
    geo: (f64, f64, f64),
    ua: String,
    cookie: Option<String>,
) -> Request {
    Request {
        ip,
        asn,
        country,
        geo,
        ua,
        cookie,
        anonymizer: false,
        hosting: false,
        telemetry: true,
    }
}

/// The phone on its carrier: mainland networks geolocate to the middle of France, overseas
/// ones to the island. Roaming abroad, mobile data still leaves through the home carrier.
fn phone_request(rng: &mut Rng, p: &Pro, ua: String, cookie: Option<String>) -> Request {
    let c = p.city();
    if p.city >= MAINLAND {
        let isp = &OVERSEAS_ISPS[p.city - MAINLAND];
        plain_request(
            address(rng, isp),
            isp.asn,
            c.country,
            (c.lat, c.lon, 50.0),
            ua,
            cookie,
        )
    } else {
        mainland_mobile_request(rng, p.mobile, ua, cookie)
    }
}

/// A mainland mobile carrier's address: GeoIP places it in the middle of France.
fn mainland_mobile_request(
    rng: &mut Rng,
    carrier: usize,
    ua: String,
    cookie: Option<String>,
) -> Request {
    let isp = &MOBILE[carrier];
    plain_request(
        address(rng, isp),
        isp.asn,
        "FR",
        (46.6, 2.4, 500.0),
        ua,
        cookie,
    )
}

fn sso_minutes(rng: &mut Rng) -> i64 {
    if rng.chance(0.2) {
        rng.range(10, 240)
    } else {
        rng.range(0, 3)
    }
}

/// The professional's own logins over the whole period.
fn legit_plans(rng: &mut Rng, pi: usize, p: &mut Pro, hospitals: &[Hospital], out: &mut Vec<Plan>) {
    let city = p.city();
    let mut home = p.home;
    let mut office = 0;
    for day in 0..DAYS {
        if p.locum && day % 7 == 0 && rng.chance(0.6) {
            office = rng.below(p.offices.len());
        }
        if rng.chance(p.home_isp.renumber_per_day) {
            home = network(rng, p.home_isp);
        }
        for d in [&mut p.home_device, &mut p.phone] {
            if d.replaced.is_some_and(|(from, _, _)| from == day) {
                d.cookie = rng.cookie();
            }
        }
        if p.off_on(day) {
            continue;
        }
        let weekday = day % 7;
        let trip_abroad = p.trip_on(day).map(|t| t.abroad.is_some());
        let mut minutes = match trip_abroad {
            Some(true) => {
                if rng.chance(0.35) {
                    vec![rng.range(8 * 60, 22 * 60)]
                } else {
                    Vec::new()
                }
            }
            Some(false) => {
                let mut m = login_minutes(rng, p.kind, false, false, weekday);
                m.truncate(2);
                m
            }
            None => login_minutes(rng, p.kind, p.on_call, p.saturday, weekday),
        };
        let reactivation = p.reactivation.filter(|(d, _, _)| *d == day);
        if let Some((_, minute, _)) = reactivation {
            minutes.push(minute);
            minutes.sort_unstable();
            minutes.dedup();
        }
        for minute in minutes {
            let at = at_local(city, day, minute);
            let hour = minute / 60;
            let reactivated_now = reactivation.is_some_and(|(_, m, _)| m == minute);
            if let (true, Some((_, _, remote))) = (reactivated_now, reactivation) {
                // A new phone: the e-CPS is activated again on it, then used at once.
                p.ecps.push(OwnEcps {
                    id: format!("ecps-{}", rng.hex(6)),
                    activated_at: at - Duration::minutes(rng.range(10, 90)),
                    channel: if remote {
                        ActivationChannel::EmailSms
                    } else {
                        ActivationChannel::CpsCard
                    },
                });
            }
            let trip = p.trip_on(day).copied();
            let place = if reactivated_now {
                Place::Phone
            } else if trip.is_some() {
                if rng.chance(0.6) {
                    Place::Home // the laptop, at the hotel
                } else {
                    Place::Phone
                }
            } else {
                let working = weekday < 5 && (7..19).contains(&hour);
                let on_call_night = p.on_call && weekday == 2 && !(7..21).contains(&hour);
                match p.kind {
                    Kind::Hospital if working => {
                        if rng.chance(0.9) {
                            Place::Hospital
                        } else {
                            Place::Phone
                        }
                    }
                    Kind::Hospital if on_call_night => {
                        if rng.chance(0.5) {
                            Place::Hospital
                        } else {
                            Place::Home
                        }
                    }
                    Kind::Liberal | Kind::Pharmacist
                        if (weekday < 5 && (8..19).contains(&hour))
                            || (weekday == 5 && (9..12).contains(&hour)) =>
                    {
                        if rng.chance(0.9) {
                            Place::Office
                        } else {
                            Place::Phone
                        }
                    }
                    Kind::Nurse => {
                        if rng.chance(0.6) {
                            Place::Phone
                        } else {
                            Place::Home
                        }
                    }
                    _ => {
                        if rng.chance(0.7) {
                            Place::Home
                        } else {
                            Place::Phone
                        }
                    }
                }
            };

            // The card where there is a reader, by habit; the e-CPS otherwise.
            let reader = match place {
                Place::Hospital | Place::Office => true,
                Place::Home if trip.is_some() => p.travel_reader,
                Place::Home => p.home_reader,
                Place::Phone => false,
            };
            let has_ecps = p.own_ecps_at(at).is_some();
            let card = match p.habit {
                _ if reactivated_now => false,
                Habit::CardOnly => true,
                Habit::EcpsOnly => !has_ecps,
                Habit::Mixed { card_share } => {
                    let card = reader && rng.chance(card_share);
                    card || !has_ecps
                }
            };
            if card && !reader {
                continue; // no reader here, and no e-CPS (or no wish to use it)
            }

            // The browser and the cookie it sends.
            let (ua, cookie) = match place {
                Place::Hospital => {
                    let h = &hospitals[p.city];
                    let seat = *rng.pick(&p.seats);
                    let cookie = if h.wiped {
                        rng.cookie()
                    } else {
                        h.cookie(seat, day).to_owned()
                    };
                    (Ua::EdgeWin.at(day, h.lag), Some(cookie))
                }
                Place::Office | Place::Home | Place::Phone => {
                    let device = match place {
                        Place::Office => match p.offices.get_mut(office) {
                            Some((d, _)) => d,
                            None => &mut p.home_device,
                        },
                        Place::Home => &mut p.home_device,
                        _ => &mut p.phone,
                    };
                    if rng.chance(p.clear_rate) {
                        device.cookie = rng.cookie(); // cleared: the same browser, a new cookie
                    }
                    let (ua, lag) = device.on(day);
                    let at_home = place == Place::Home;
                    let cookie = if at_home && p.blocks_cookies {
                        None
                    } else if at_home && p.private_windows && rng.chance(0.5) {
                        Some(rng.cookie()) // a private window: a one-off cookie
                    } else {
                        Some(device.cookie.clone())
                    };
                    (ua.at(day, lag), cookie)
                }
            };

            let request = match (trip, place) {
                (_, Place::Phone) => phone_request(rng, p, ua, cookie),
                (Some(t), _) if t.vpn || p.vpn == VpnHabit::Always => {
                    vpn_request(rng, p.vpn_operator, ua, cookie)
                }
                (Some(t), _) => match t.abroad {
                    Some(k) => {
                        let f = &TRIPS_ABROAD[k];
                        plain_request(
                            address(rng, &f.isp),
                            f.isp.asn,
                            f.country,
                            (f.lat, f.lon, 25.0),
                            ua,
                            cookie,
                        )
                    }
                    None => {
                        let c = &CITIES[t.city];
                        let isp = &FR_ISPS[rng.weighted(FR_ISP_WEIGHTS)];
                        plain_request(
                            address(rng, isp),
                            isp.asn,
                            c.country,
                            (c.lat, c.lon, 25.0),
                            ua,
                            cookie,
                        )
                    }
                },
                (None, Place::Hospital) => plain_request(
                    host(rng, city.hospital),
                    2200,
                    city.country,
                    (city.lat, city.lon, 10.0),
                    ua,
                    cookie,
                ),
                (None, Place::Office) => {
                    let line = p.offices.get(office).map_or(p.home, |(_, n)| *n);
                    plain_request(
                        host(rng, line.prefix),
                        line.asn,
                        city.country,
                        (city.lat, city.lon, 20.0),
                        ua,
                        cookie,
                    )
                }
                (None, _)
                    if p.vpn == VpnHabit::Always
                        || (p.vpn == VpnHabit::Sometimes && rng.chance(0.3)) =>
                {
                    vpn_request(rng, p.vpn_operator, ua, cookie)
                }
                (None, _) => {
                    let geo = if p.home_mislocated {
                        (CITIES[PARIS].lat, CITIES[PARIS].lon, 200.0)
                    } else {
                        (city.lat, city.lon, 20.0)
                    };
                    plain_request(
                        host(rng, home.prefix),
                        home.asn,
                        city.country,
                        geo,
                        ua,
                        cookie,
                    )
                }
            };

            if !card {
                // The push the professional approves, sometimes after missing one or more.
                let missed = if rng.chance(0.01) {
                    3
                } else if rng.chance(0.06) {
                    rng.range(1, 2)
                } else {
                    0
                };
                for k in 0..missed {
                    p.pushes.push(ValidationRequest {
                        at: at - Duration::minutes(2 * (missed - k) + 1),
                        outcome: PushOutcome::Expired,
                    });
                }
                p.pushes.push(ValidationRequest {
                    at: at - Duration::seconds(20),
                    outcome: PushOutcome::Approved,
                });
            }
            out.push(Plan {
                pro: pi,
                at,
                request,
                means: if card { Means::Card } else { Means::OwnEcps },
                sso_minutes: sso_minutes(rng),
                remote_control: rng.chance(0.002),
                attack: None,
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Attackers.

/// Where an attacker connects from; returns stay on a similar network.
#[derive(Clone, Copy)]
enum AttackNet {
    /// A French mobile carrier (a new address at every login).
    Mobile(usize),
    /// A VPN operator exiting in Paris.
    Vpn(usize),
    /// An access provider abroad, and the /24 in use.
    Abroad(usize, [u8; 3]),
    /// A French home line: provider, /24, city.
    Home(&'static Isp, [u8; 3], usize),
}

impl AttackNet {
    fn abroad(rng: &mut Rng, k: usize) -> AttackNet {
        AttackNet::Abroad(k, network(rng, &ABROAD[k].isp).prefix)
    }

    fn home(rng: &mut Rng, isp: &'static Isp, city: usize) -> AttackNet {
        AttackNet::Home(isp, network(rng, isp).prefix, city)
    }

    /// A new visit: another address of the same kind, often the same /24 for fixed lines.
    fn next_visit(self, rng: &mut Rng) -> AttackNet {
        match self {
            AttackNet::Abroad(k, _) if rng.chance(0.3) => AttackNet::abroad(rng, k),
            AttackNet::Home(isp, _, city) if rng.chance(0.3) => AttackNet::home(rng, isp, city),
            same => same,
        }
    }

    fn request(self, rng: &mut Rng, ua: String, cookie: Option<String>) -> Request {
        match self {
            AttackNet::Mobile(k) => mainland_mobile_request(rng, k, ua, cookie),
            AttackNet::Vpn(k) => vpn_request(rng, k, ua, cookie),
            AttackNet::Abroad(k, prefix) => {
                let f = &ABROAD[k];
                Request {
                    hosting: f.hosting,
                    ..plain_request(
                        host(rng, prefix),
                        f.isp.asn,
                        f.country,
                        (f.lat, f.lon, 100.0),
                        ua,
                        cookie,
                    )
                }
            }
            AttackNet::Home(isp, prefix, city) => {
                let c = &CITIES[city];
                plain_request(
                    host(rng, prefix),
                    isp.asn,
                    c.country,
                    (c.lat, c.lon, 20.0),
                    ua,
                    cookie,
                )
            }
        }
    }
}

/// The countries abroad the rings work from (indexes in `ABROAD`): Côte d'Ivoire, Morocco,
/// Senegal, Benin — an assumption, as the alert says nothing of where fraudsters are.
const RING_ABROAD: &[usize] = &[6, 7, 8, 9];

/// A group of fraudsters sharing phones and networks across victims.
struct Ring {
    phone: Ua,
    phone_lag: i64,
    /// The ring phone's cookie for the provider (kept by attackers who keep cookies).
    phone_cookie: String,
    desktop: Ua,
    net: AttackNet,
}

fn rings(rng: &mut Rng) -> Vec<Ring> {
    (0..3)
        .map(|k| {
            let phone = *rng.pick(&[Ua::ChromeAndroid, Ua::SafariIphone, Ua::OldAndroid]);
            let net = match k {
                0 => AttackNet::Mobile(rng.below(MOBILE.len())),
                1 => AttackNet::Vpn(rng.below(FR_VPN.len())),
                _ => {
                    let a = *rng.pick(RING_ABROAD);
                    AttackNet::abroad(rng, a)
                }
            };
            Ring {
                phone,
                phone_lag: rng.range(0, 14),
                phone_cookie: rng.cookie(),
                desktop: DESKTOPS[rng.weighted(DESKTOP_WEIGHTS)],
                net,
            }
        })
        .collect()
}

/// How an attacker treats the provider's cookie.
enum AttackerCookie {
    /// Kept: every login of every visit sends it.
    Keep(String),
    /// Never sent.
    None,
    /// A private window per visit: a new cookie each visit.
    PrivateWindow,
}

struct Attacker {
    ua: Result<(Ua, i64), &'static str>,
    cookie: AttackerCookie,
    net: AttackNet,
    /// The fraudster's own e-CPS (none for push bombing).
    ecps: Option<(String, OffsetDateTime)>,
}

fn attacker_cookie(rng: &mut Rng, kept: impl FnOnce(&mut Rng) -> String) -> AttackerCookie {
    match rng.below(4) {
        0 | 1 => AttackerCookie::Keep(kept(rng)),
        2 => AttackerCookie::None,
        _ => AttackerCookie::PrivateWindow,
    }
}

/// A day in `from..=to` that is a weekday.
fn weekday_in(rng: &mut Rng, from: i64, to: i64) -> i64 {
    loop {
        let d = rng.range(from, to);
        if d % 7 < 5 {
            return d;
        }
    }
}

/// An e-CPS activation during the call: between 9 and 18 h, local to the victim.
fn call_time(rng: &mut Rng, city: &City, day: i64) -> OffsetDateTime {
    at_local(city, day, rng.range(9 * 60, 18 * 60))
}

/// The hour of day (local minute) a model logs in at, on `day`.
fn attack_minute(rng: &mut Rng, model: &str, victim: &Pro, day: i64) -> i64 {
    match model {
        "ecps_takeover" | "push_bombing" => rng.range(8 * 60, 20 * 60),
        "ecps_takeover_patient" => rng.range(8 * 60, 22 * 60),
        "naive" => rng.range(0, 24 * 60 - 1),
        "vpn" => rng.range(7 * 60, 23 * 60 - 1),
        _ => {
            // Targeted: an hour the victim logs in at, on this or a similar day.
            for k in 0..14 {
                let weekday = (day + k) % 7;
                let habitual =
                    login_minutes(rng, victim.kind, victim.on_call, victim.saturday, weekday);
                if !habitual.is_empty() {
                    return *rng.pick(&habitual);
                }
            }
            rng.range(8 * 60, 19 * 60)
        }
    }
}

/// One attacker against `victim`: plans its visits, and leaves on the victim's record what
/// the partner feeds would show (the fraudster's e-CPS, pushes, reports, contact changes).
fn attack(
    rng: &mut Rng,
    model: &'static str,
    vi: usize,
    victim: &mut Pro,
    rings: &[Ring],
    out: &mut Vec<Plan>,
) {
    let city = victim.city();
    let ring = &rings[rng.below(rings.len())];
    let ring_net = |rng: &mut Rng| {
        if rng.chance(0.7) {
            match ring.net {
                AttackNet::Abroad(k, _) => AttackNet::abroad(rng, k),
                other => other,
            }
        } else {
            match rng.below(4) {
                0 => AttackNet::Mobile(rng.below(MOBILE.len())),
                1 => AttackNet::Vpn(rng.below(FR_VPN.len())),
                2 => {
                    let a = *rng.pick(RING_ABROAD);
                    AttackNet::abroad(rng, a)
                }
                _ => {
                    let isp = &FR_ISPS[rng.weighted(FR_ISP_WEIGHTS)];
                    let c = rng.below(MAINLAND);
                    AttackNet::home(rng, isp, c)
                }
            }
        }
    };

    // The first visit: from the day after the warm-up, so that no first login falls in it in
    // any time zone.
    let first_day = match model {
        "ecps_takeover" | "push_bombing" => weekday_in(rng, WARM_UP_DAYS + 1, LAST_FIRST_VISIT),
        _ => rng.range(WARM_UP_DAYS + 1, LAST_FIRST_VISIT),
    };
    let mut first_at = at_local(
        city,
        first_day,
        attack_minute(rng, model, victim, first_day),
    );

    let mut a = match model {
        "ecps_takeover" | "ecps_takeover_patient" | "push_bombing" => {
            let phone = model != "push_bombing" || rng.chance(0.4);
            let ua = if phone {
                (ring.phone, ring.phone_lag)
            } else {
                (ring.desktop, rng.range(0, 14))
            };
            let cookie = attacker_cookie(rng, |rng| {
                if phone {
                    ring.phone_cookie.clone()
                } else {
                    rng.cookie()
                }
            });
            let net = ring_net(rng);
            Attacker {
                ua: Ok(ua),
                cookie,
                net,
                ecps: None,
            }
        }
        "naive" => {
            let ua = match rng.below(20) {
                0..=11 => {
                    let ua = *rng.pick(&[
                        Ua::ChromeWin,
                        Ua::FirefoxWin,
                        Ua::ChromeMac,
                        Ua::FirefoxLinux,
                        Ua::ChromeAndroid,
                        Ua::SafariIphone,
                    ]);
                    Ok((ua, rng.range(0, 90)))
                }
                12..=14 => Ok((Ua::OldAndroid, 0)),
                _ => Err(*rng.pick(SCRIPTS)),
            };
            let k = rng.below(ABROAD.len());
            Attacker {
                ua,
                cookie: attacker_cookie(rng, Rng::cookie),
                net: AttackNet::abroad(rng, k),
                ecps: None,
            }
        }
        "vpn" => {
            let ua = DESKTOPS[rng.weighted(DESKTOP_WEIGHTS)];
            Attacker {
                ua: Ok((ua, rng.range(0, 10))),
                cookie: attacker_cookie(rng, Rng::cookie),
                net: AttackNet::Vpn(rng.below(FR_VPN.len())),
                ecps: None,
            }
        }
        _ => {
            // Targeted: the victim's browser as it is that day, their provider and city.
            Attacker {
                ua: Ok(victim.home_device.on(first_day)),
                cookie: attacker_cookie(rng, Rng::cookie),
                net: AttackNet::home(rng, victim.home_isp, victim.city),
                ecps: None,
            }
        }
    };

    // The e-CPS: activated during the call, minutes or days before the first login.
    if model != "push_bombing" {
        let activated = if model == "ecps_takeover" {
            let at = call_time(rng, city, first_day);
            first_at = at + Duration::minutes(rng.range(5, 60));
            at
        } else {
            let back = rng.range(3, 14);
            let at = call_time(rng, city, first_day - back);
            let earliest = at + Duration::days(3);
            if first_at < earliest {
                first_at = earliest + Duration::minutes(rng.range(0, 240));
            }
            at
        };
        if rng.chance(0.2) {
            victim.contact_changes.push(ContactChange {
                at: activated - Duration::days(rng.range(1, 10)) - Duration::hours(2),
                kind: if rng.chance(0.5) {
                    ContactKind::Email
                } else {
                    ContactKind::Phone
                },
            });
            victim.contact_changes.sort();
        }
        victim.foreign_ecps.push(activated);
        a.ecps = Some((format!("ecps-{}", rng.hex(6)), activated));
    }

    // Visits: the first, then for half the attackers 1 to 3 returns over the next days.
    let mut visits = vec![(first_at, 1 + rng.below(3))];
    if rng.chance(0.5) {
        let mut day = day_of(city, first_at);
        for _ in 0..1 + rng.below(3) {
            day += rng.range(1, 4);
            if day >= DAYS {
                break;
            }
            let at = at_local(city, day, attack_minute(rng, model, victim, day));
            visits.push((at, 1 + rng.below(2)));
        }
    }
    let mut last = first_at;
    for (v, (mut start, logins)) in visits.into_iter().enumerate() {
        let visit = v as u32 + 1;
        if visit > 1 {
            // After the previous visit ended (a night-time visit can run late).
            start = start.max(last + Duration::minutes(rng.range(60, 180)));
            a.net = a.net.next_visit(rng);
        }
        let visit_cookie = match &a.cookie {
            AttackerCookie::Keep(c) => Some(c.clone()),
            AttackerCookie::None => None,
            AttackerCookie::PrivateWindow => Some(rng.cookie()),
        };
        let mut at = start;
        let mut authenticated = at;
        for k in 0..logins {
            if k > 0 {
                at += Duration::minutes(rng.range(10, 240));
            }
            // PSC's SSO session: a later login of the visit may reuse the authentication.
            let reuse = k > 0 && (model == "push_bombing" || rng.chance(0.5));
            if !reuse {
                authenticated = at - Duration::minutes(rng.range(0, 2));
                if model == "push_bombing" {
                    let n = if visit == 1 {
                        rng.range(3, 12)
                    } else {
                        rng.range(1, 6)
                    };
                    let span = rng.range(5, 45);
                    for i in 0..n {
                        victim.pushes.push(ValidationRequest {
                            at: authenticated
                                - Duration::minutes(span * (n - i) / n)
                                - Duration::seconds(30),
                            outcome: if rng.chance(0.4) {
                                PushOutcome::Denied
                            } else {
                                PushOutcome::Expired
                            },
                        });
                    }
                    if visit == 1 && rng.chance(0.35) {
                        victim
                            .reports
                            .push(authenticated + Duration::minutes(rng.range(60, 48 * 60)));
                    }
                }
                victim.pushes.push(ValidationRequest {
                    at: authenticated - Duration::seconds(20),
                    outcome: PushOutcome::Approved,
                });
            }
            let day = day_of(city, at);
            let (ua, telemetry) = match a.ua {
                Ok((ua, lag)) => (ua.at(day, lag), true),
                Err(script) => (script.to_owned(), false),
            };
            let request = Request {
                telemetry,
                ..a.net.request(rng, ua, visit_cookie.clone())
            };
            last = at;
            out.push(Plan {
                pro: vi,
                at,
                request,
                means: match &a.ecps {
                    Some((id, activated_at)) => Means::FraudsterEcps {
                        id: id.clone(),
                        activated_at: *activated_at,
                    },
                    None => Means::OwnEcps,
                },
                sso_minutes: (at - authenticated).whole_minutes(),
                remote_control: false,
                attack: Some((model, visit)),
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Building the logins.

/// The login as the provider records it, with the partner facts if it has the option.
fn build(p: &Pro, plan: &Plan, partner: bool) -> Result<RiskContext, Box<dyn Error>> {
    let c = p.city();
    let r = &plan.request;
    let at = plan.at;
    let mut b = RiskContext::builder(at, p.id.clone())
        .acr("eidas1")
        .auth_time(at - Duration::minutes(plan.sso_minutes))
        .issued_at(at)
        .ip(r.ip)
        .asn(r.asn)
        .country(r.country)
        .geo(r.geo.0, r.geo.1, r.geo.2)
        .user_agent(&r.ua)
        .anonymizer(r.anonymizer)
        .hosting(r.hosting)
        .practice([ActivityLocation {
            country: CountryCode::parse(c.country)?,
            department: Some(Department::parse(c.dept)?),
        }])
        .local_time(local_time(c));
    if let Some(cookie) = &r.cookie {
        b = b.device_id(cookie);
    }
    if r.telemetry {
        b = b
            .remote_control_suspected(plan.remote_control)
            .automation_suspected(false);
    }
    let ecps = match &plan.means {
        Means::Card => {
            b = b.auth_mode(AuthMode::Card);
            None
        }
        Means::OwnEcps => {
            b = b.auth_mode(AuthMode::Ecps);
            p.own_ecps_at(at)
                .map(|e| (e.id.as_str(), e.activated_at, e.channel))
        }
        Means::FraudsterEcps { id, activated_at } => {
            b = b.auth_mode(AuthMode::Ecps);
            Some((id.as_str(), *activated_at, ActivationChannel::EmailSms))
        }
    };
    if partner {
        if let Some((id, activated_at, channel)) = ecps {
            let own = u32::from(p.own_ecps_at(at).is_some());
            let theirs = p.foreign_ecps.iter().filter(|t| **t <= at).count() as u32;
            b = b
                .credential_id(id)
                .activation(activated_at, channel)
                .active_credentials((own + theirs).max(1));
        }
        let day = Duration::days(1);
        b = b
            .contact_changes(p.contact_changes.iter().copied().filter(|c| c.at <= at))
            .validation_requests(
                p.pushes
                    .iter()
                    .copied()
                    .filter(|v| v.at <= at && at - v.at <= day),
            )
            .reports(p.reports.iter().copied().filter(|t| *t <= at));
    }
    Ok(b.build()?)
}

/// What to simulate.
pub struct Config {
    /// The seed: the same seed gives the same logins, byte for byte.
    pub seed: u64,
    /// Professionals.
    pub professionals: usize,
    /// Attackers per model, each against another professional.
    pub attackers_per_model: usize,
    /// Give the logins the partner feeds' facts and the ANS lists.
    pub partner_data: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            professionals: 1500,
            attackers_per_model: 60,
            partner_data: false,
        }
    }
}

/// The simulated logins, the provider's watchlists, and what the measurement needs to know.
pub struct Simulation {
    /// Every login, in time order.
    pub logins: Vec<RecordedLogin>,
    /// The provider's watchlists (JSON).
    pub watchlists: serde_json::Value,
    /// The attacked professionals (ids).
    pub victims: BTreeSet<String>,
    /// Legitimate logins with the card and with the e-CPS.
    pub legit_by_means: (u64, u64),
}

impl Simulation {
    /// One `RecordedLogin` per line.
    pub fn jsonl(&self) -> Result<String, serde_json::Error> {
        let mut s = String::new();
        for l in &self.logins {
            s.push_str(&serde_json::to_string(l)?);
            s.push('\n');
        }
        Ok(s)
    }
}

/// Simulate a population and its attackers (see the module docs).
pub fn simulate(config: &Config) -> Result<Simulation, Box<dyn Error>> {
    let n = config.professionals;
    let victims_needed = MODELS.len() * config.attackers_per_model;
    if n < 10 || victims_needed * 2 > n {
        return Err(format!(
            "{n} professionals cannot give {victims_needed} victims: at most half of them are attacked (at least 10 professionals)"
        )
        .into());
    }
    let mut rng = Rng(config.seed);
    let weights: Vec<u32> = CITIES.iter().map(|c| c.weight).collect();
    let hospitals = hospitals(&mut rng);
    let rings = rings(&mut rng);
    let mut ids = BTreeSet::new();
    let mut pros = Vec::with_capacity(n);
    for _ in 0..n {
        pros.push(new_pro(&mut rng, &mut ids, &weights)?);
    }
    // New devices: the browser changes on the day (the cookie, when the day comes).
    for p in &mut pros {
        if let Some(day) = p.new_laptop_day {
            let ua = if p.kind == Kind::Nurse {
                p.home_device.ua
            } else {
                DESKTOPS[rng.weighted(DESKTOP_WEIGHTS)]
            };
            p.home_device.replaced = Some((day, ua, rng.range(0, 21)));
        }
        if let Some((day, _, _)) = p.reactivation {
            p.phone.replaced = Some((day, *rng.pick(PHONES), rng.range(0, 21)));
        }
    }

    // Victims, drawn without replacement so that most professionals' own logins are untouched
    // by attacks (real attacks are rare).
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut attacked = vec![false; n];
    let take = |wants_ecps: bool, pros: &[Pro], attacked: &mut Vec<bool>| {
        let i = order
            .iter()
            .copied()
            .find(|i| !attacked[*i] && (!wants_ecps || !pros[*i].ecps.is_empty()))?;
        attacked[i] = true;
        Some(i)
    };
    // The earlier wave: two professionals on the ANS lists, now push-bombed.
    let mut earlier = Vec::new();
    for _ in 0..2 {
        if let Some(i) = take(true, &pros, &mut attacked) {
            pros[i].reactivation = None;
            pros[i].phone.replaced = None;
            earlier.push(i);
        }
    }
    let mut plans = Vec::new();
    for model in MODELS {
        for k in 0..config.attackers_per_model {
            let victim = if model == "push_bombing" && k < earlier.len() {
                Some(earlier[k])
            } else {
                take(model == "push_bombing", &pros, &mut attacked)
            };
            let Some(v) = victim else {
                return Err("not enough professionals with an e-CPS to push-bomb".into());
            };
            attack(&mut rng, model, v, &mut pros[v], &rings, &mut plans);
        }
    }
    for (i, p) in pros.iter_mut().enumerate() {
        legit_plans(&mut rng, i, p, &hospitals, &mut plans);
        p.pushes.sort();
        p.reports.sort();
    }
    plans.sort_by(|a, b| (a.at, pros[a.pro].id.as_str()).cmp(&(b.at, pros[b.pro].id.as_str())));

    let mut logins = Vec::with_capacity(plans.len());
    let mut legit_by_means = (0, 0);
    for plan in &plans {
        let ctx = build(&pros[plan.pro], plan, config.partner_data)?;
        logins.push(match plan.attack {
            Some((model, visit)) => {
                let recorded = RecordedLogin::attack(ctx, model);
                match NonZeroU32::new(visit) {
                    Some(v) => recorded.with_visit(v),
                    None => recorded,
                }
            }
            None => {
                if matches!(plan.means, Means::Card) {
                    legit_by_means.0 += 1;
                } else {
                    legit_by_means.1 += 1;
                }
                RecordedLogin::legitimate(ctx)
            }
        });
    }

    let rfc3339 = &time::format_description::well_known::Rfc3339;
    let hospital_networks: Vec<String> = CITIES
        .iter()
        .map(|c| format!("{}.{}.{}.0/24", c.hospital[0], c.hospital[1], c.hospital[2]))
        .collect();
    let mut lists = vec![
        serde_json::json!({"name": "trusted_networks", "kind": "ip",
            "description": "egress networks of the hospitals the portal serves",
            "entries": hospital_networks}),
        serde_json::json!({"name": "anonymizers", "kind": "ip",
            "description": "VPN exits known to the provider's threat intelligence",
            "entries": ["185.156.0.0/14"]}),
        serde_json::json!({"name": "denied_networks", "kind": "ip",
            "description": "hosting range denied after an earlier incident",
            "entries": ["159.89.0.0/16"]}),
    ];
    if config.partner_data {
        let since = BLOCKED_SINCE.format(rfc3339)?;
        let earlier_ids: Vec<&str> = earlier.iter().map(|i| pros[*i].id.as_str()).collect();
        lists.extend([
            serde_json::json!({"name": "deactivated_ecps", "kind": "credentials",
                "description": "ANS: the earlier wave's e-CPS, deactivated (PSC refuses them)",
                "entries": ["ecps-5e1a7e", "ecps-90d4c2"]}),
            serde_json::json!({"name": "blocked_activations", "kind": "blocked_subjects",
                "description": "ANS: new activations blocked",
                "entries": earlier_ids.iter()
                    .map(|s| serde_json::json!({"subject": s, "since": since}))
                    .collect::<Vec<_>>()}),
            serde_json::json!({"name": "under_alert", "kind": "subjects",
                "description": "ANS: professionals contacted after the earlier wave",
                "entries": earlier_ids}),
        ]);
    }
    let victims = attacked
        .iter()
        .enumerate()
        .filter(|(_, a)| **a)
        .map(|(i, _)| pros[i].id.as_str().to_owned())
        .collect();
    Ok(Simulation {
        logins,
        watchlists: serde_json::json!({ "lists": lists }),
        victims,
        legit_by_means,
    })
}

struct Options {
    config: Config,
    out: PathBuf,
}

fn options() -> Result<Options, Box<dyn Error>> {
    let mut o = Options {
        config: Config::default(),
        out: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/simulation")),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--seed" => o.config.seed = value("--seed")?.parse()?,
            "--professionals" => o.config.professionals = value("--professionals")?.parse()?,
            "--attackers" => o.config.attackers_per_model = value("--attackers")?.parse()?,
            "--out" => o.out = value("--out")?.into(),
            "--with-partner-data" => o.config.partner_data = true,
            "--without-partner-data" => o.config.partner_data = false,
            other => return Err(format!("unknown option `{other}`").into()),
        }
    }
    Ok(o)
}

fn main() -> Result<(), Box<dyn Error>> {
    let o = options()?;
    let sim = simulate(&o.config)?;
    std::fs::create_dir_all(&o.out)?;
    let path = o.out.join("logins.jsonl");
    std::fs::write(&path, sim.jsonl()?)?;
    let lists_path = o.out.join("watchlists.json");
    std::fs::write(
        &lists_path,
        serde_json::to_string_pretty(&sim.watchlists)? + "\n",
    )?;

    let attacks: Vec<&RecordedLogin> = sim.logins.iter().filter(|l| l.attacker.is_some()).collect();
    let legit = sim.logins.len() - attacks.len();
    println!(
        "{}: {} logins ({legit} legitimate, {} attacks) of {} professionals ({} attacked), seed {}, {}",
        path.display(),
        sim.logins.len(),
        attacks.len(),
        o.config.professionals,
        sim.victims.len(),
        o.config.seed,
        if o.config.partner_data {
            "with partner data"
        } else {
            "without partner data"
        }
    );
    let (card, ecps) = sim.legit_by_means;
    println!(
        "legitimate logins: {card} with the card, {ecps} with the e-CPS ({:.1} %)",
        ecps as f64 * 100.0 / (card + ecps).max(1) as f64
    );
    for model in MODELS {
        let of_model = attacks
            .iter()
            .filter(|l| l.attacker.as_deref() == Some(model));
        let (all, returns) = of_model.fold((0, 0), |(n, r), l| {
            (n + 1, r + usize::from(l.visit.is_some_and(|v| v.get() > 1)))
        });
        println!("  {model:<22} {all:>4} logins, {returns:>3} on return visits");
    }
    println!("{}: the provider's watchlists", lists_path.display());
    Ok(())
}
