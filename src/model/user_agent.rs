//! User-agent classification: browser family, operating system, device type, automation.
//!
//! Deliberately coarse: the detectors and the statistical score only need families (Freeman et
//! al. use the same browser → OS → device hierarchy), and a coarse classifier has no database to
//! keep up to date. [`UserAgentClass::parse`] looks for well-known product tokens, in an order that
//! follows how browsers copy each other's tokens (Edge, Opera and Samsung Internet all say
//! `Chrome/` and `Safari/`; Chrome says `Safari/`), and never allocates.
//!
//! Known limits, all inherent to the user-agent string:
//! - iPadOS 13 and later send the macOS desktop user agent by default ("Request Desktop
//!   Website"): such an iPad is classified as macOS / desktop. Only client hints or touch
//!   telemetry could tell them apart.
//! - Browsers freeze most of the string (Chrome's reduced user agent always says
//!   `Windows NT 10.0`, `Intel Mac OS X 10_15_7` or `Android 10; K`), so versions are not kept.
//! - Anything can be forged: `automation` catches honest tools and default library strings,
//!   not an attacker who copies a browser's user agent.

use serde::{Deserialize, Serialize};

/// Browser family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Browser {
    /// Google Chrome and Chromium.
    Chrome,
    /// Microsoft Edge (Chromium).
    Edge,
    /// Mozilla Firefox.
    Firefox,
    /// Apple Safari.
    Safari,
    /// Opera.
    Opera,
    /// Samsung Internet.
    SamsungInternet,
    /// The e-CPS or another app's embedded web view.
    WebView,
    /// Anything else.
    Other,
}

/// Operating system family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Os {
    /// Microsoft Windows.
    Windows,
    /// Apple macOS.
    MacOs,
    /// Apple iOS / iPadOS.
    Ios,
    /// Android.
    Android,
    /// Linux desktops.
    Linux,
    /// ChromeOS.
    ChromeOs,
    /// Anything else.
    Other,
}

/// Device type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeviceType {
    /// Desktop or laptop.
    Desktop,
    /// Phone.
    Mobile,
    /// Tablet.
    Tablet,
    /// A script, crawler or headless browser.
    Bot,
    /// Unknown.
    Other,
}

/// What a user-agent string says, coarsely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct UserAgentClass {
    /// Browser family.
    pub browser: Browser,
    /// Operating system family.
    pub os: Os,
    /// Device type (desktop, mobile, tablet, bot): the kind of machine, never a device of the
    /// professional's (`device.*` detectors, `Profile::devices`, are the provider's cookie).
    #[serde(rename = "device")]
    pub device_type: DeviceType,
    /// True for HTTP libraries, headless browsers and automation frameworks.
    pub automation: bool,
}
crate::model::wire::map_only!(UserAgentClass);

/// Markers of HTTP libraries, headless browsers and automation frameworks, lower case, matched
/// case-insensitively (tools spell themselves differently: `Wget`, `okhttp`, `Go-http-client`).
const AUTOMATION_MARKERS: &[&str] = &[
    "headlesschrome",
    "phantomjs",
    "selenium",
    "webdriver",
    "python-requests",
    "python-urllib",
    "curl/",
    "wget",
    "go-http-client",
    "okhttp",
    "java/",
    "libwww-perl",
    "scrapy",
    "node-fetch",
    "axios/",
    "postman",
    "httpclient",
    "puppeteer",
    "playwright",
];

/// Markers of crawlers, lower case. `bot/` and `bot;` rather than `bot`, which would also match
/// phone brands such as Cubot.
const CRAWLER_MARKERS: &[&str] = &["bot/", "bot;", "bot)", "spider", "crawler", "+http"];

impl UserAgentClass {
    /// Classify a user-agent string by its product tokens, in an order that follows how
    /// browsers copy each other's tokens (Edge, Opera and Samsung Internet also say `Chrome/`
    /// and `Safari/`), without allocating.
    ///
    /// An empty or blank string counts as automation: every browser sends a user agent.
    /// Limits: iPadOS 13+ sends the macOS user agent by default, so such an iPad is classified
    /// as macOS / desktop; versions are not kept (browsers freeze them); anything can be forged,
    /// so `automation` catches honest tools and library defaults, not an attacker copying a
    /// browser's string.
    ///
    /// ```
    /// use ecps_risk::{model::Browser, model::DeviceType, model::Os, model::UserAgentClass};
    ///
    /// let c = UserAgentClass::parse(
    ///     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
    ///      Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    /// );
    /// assert_eq!((c.browser, c.os, c.device_type), (Browser::Edge, Os::Windows, DeviceType::Desktop));
    /// assert!(!c.automation);
    ///
    /// let c = UserAgentClass::parse("python-requests/2.32.3");
    /// assert!(c.automation);
    /// assert_eq!(c.device_type, DeviceType::Bot);
    /// ```
    pub fn parse(ua: &str) -> UserAgentClass {
        let ua = ua.trim();
        // Lower-cased once, on the stack: case-insensitive markers then cost one fast
        // substring search each instead of a byte-by-byte comparison at every position.
        let mut buf = [0u8; LOWERED_LEN];
        let lower = ascii_lowercase(ua, &mut buf);
        let automation = ua.is_empty() || has_marker(lower.as_bytes());
        let os = os_of(ua, lower);
        let browser = browser_of(ua, os);
        let device = if automation {
            DeviceType::Bot
        } else {
            device_of(ua, lower, os)
        };
        UserAgentClass {
            browser,
            os,
            device_type: device,
            automation,
        }
    }
}

fn os_of(ua: &str, lower: &str) -> Os {
    // Order matters: iOS says "like Mac OS X", Android and ChromeOS say "Linux".
    if ua.contains("Windows Phone") {
        Os::Other
    } else if ua.contains("Windows") {
        Os::Windows
    } else if ua.contains("CrOS") {
        Os::ChromeOs
    } else if lower.contains("iphone")
        || lower.contains("ipad")
        || ua.contains("iPod")
        || ua.contains("CPU OS ")
    {
        Os::Ios
    } else if lower.contains("android") {
        Os::Android
    } else if ua.contains("Macintosh") || ua.contains("Mac OS X") {
        Os::MacOs
    } else if ua.contains("Linux") || ua.contains("X11") {
        Os::Linux
    } else {
        Os::Other
    }
}

fn browser_of(ua: &str, os: Os) -> Browser {
    // Order matters: every Chromium browser also says "Chrome/" and "Safari/".
    if os == Os::Android && ua.contains("; wv)") {
        Browser::WebView
    } else if ua.contains("SamsungBrowser/") {
        Browser::SamsungInternet
    } else if ua.contains("OPR/") || ua.contains("OPiOS/") || ua.contains("Opera") {
        Browser::Opera
    } else if ua.contains("Edg/")
        || ua.contains("EdgA/")
        || ua.contains("EdgiOS/")
        || ua.contains("Edge/")
    {
        Browser::Edge
    } else if ua.contains("Firefox/") || ua.contains("FxiOS/") {
        Browser::Firefox
    } else if ua.contains("Chrome/") || ua.contains("CriOS/") || ua.contains("Chromium/") {
        Browser::Chrome
    } else if ua.contains("Version/") && ua.contains("Safari/") {
        Browser::Safari
    } else if (os == Os::Ios || os == Os::MacOs) && ua.contains("AppleWebKit") {
        // WKWebView in an app (the e-CPS app, mail, social apps): WebKit without Safari's
        // `Version/` token; every iOS browser that has its own token was matched above.
        Browser::WebView
    } else {
        Browser::Other
    }
}

fn device_of(ua: &str, lower: &str, os: Os) -> DeviceType {
    match os {
        Os::Ios if lower.contains("ipad") => DeviceType::Tablet,
        Os::Ios => DeviceType::Mobile,
        // Android phones say "Mobile" (Chrome, WebView, Samsung, Firefox's "; Mobile;"); tablets
        // do not. Dalvik is an app's HTTP stack, which says neither.
        Os::Android if ua.contains("Dalvik/") => DeviceType::Other,
        Os::Android if ua.contains("Mobile") => DeviceType::Mobile,
        Os::Android => DeviceType::Tablet,
        _ if ua.contains("Mobi") => DeviceType::Mobile,
        _ if ua.contains("Tablet") => DeviceType::Tablet,
        Os::Windows | Os::MacOs | Os::Linux | Os::ChromeOs => DeviceType::Desktop,
        _ => DeviceType::Other,
    }
}

/// Which byte pairs start a marker: a bit per pair, computed at compile time, so one pass over
/// the user agent finds the few positions worth comparing with the markers (a browser's user
/// agent has a handful), instead of one substring search per marker.
const MARKER_STARTS: [u64; 1024] = marker_starts();

#[allow(clippy::indexing_slicing)] // Evaluated at compile time: a bad index fails the build.
const fn marker_starts() -> [u64; 1024] {
    let mut set = [0u64; 1024];
    let lists: [&[&str]; 2] = [AUTOMATION_MARKERS, CRAWLER_MARKERS];
    let mut l = 0;
    while l < lists.len() {
        let mut i = 0;
        while i < lists[l].len() {
            let b = lists[l][i].as_bytes();
            // Every marker has at least two bytes (checked by a test).
            let pair = ((b[0] as usize) << 8) | b[1] as usize;
            set[pair >> 6] |= 1 << (pair & 63);
            i += 1;
        }
        l += 1;
    }
    set
}

/// True when one of the automation or crawler markers occurs in `lower`.
fn has_marker(lower: &[u8]) -> bool {
    lower.windows(2).enumerate().any(|(at, pair)| {
        let [a, b] = pair else { return false };
        let pair = (usize::from(*a) << 8) | usize::from(*b);
        let starts = MARKER_STARTS
            .get(pair >> 6)
            .is_some_and(|w| w & (1 << (pair & 63)) != 0);
        starts
            && lower.get(at..).is_some_and(|rest| {
                AUTOMATION_MARKERS
                    .iter()
                    .chain(CRAWLER_MARKERS)
                    .any(|m| rest.starts_with(m.as_bytes()))
            })
    })
}

/// How much of a user agent is classified: real ones are shorter, and contexts refuse longer
/// ones (`MAX_USER_AGENT_LEN`).
const LOWERED_LEN: usize = 1024;

/// The ASCII-lower-cased start of `s` (up to [`LOWERED_LEN`] bytes, cut on a character
/// boundary), in `buf`; no allocation.
fn ascii_lowercase<'b>(s: &str, buf: &'b mut [u8; LOWERED_LEN]) -> &'b str {
    let mut n = s.len().min(LOWERED_LEN);
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    let (Some(dst), Some(src)) = (buf.get_mut(..n), s.as_bytes().get(..n)) else {
        return "";
    };
    dst.copy_from_slice(src);
    dst.make_ascii_lowercase();
    std::str::from_utf8(dst).unwrap_or("")
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;
    use Browser as B;
    use DeviceType as D;
    use Os as O;

    /// Real user-agent strings, 2024–2026, with their expected class.
    const CASES: &[(&str, Browser, Os, DeviceType, bool)] = &[
        // Desktop browsers.
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            B::Chrome,
            O::Windows,
            D::Desktop,
            false,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36 Edg/134.0.0.0",
            B::Edge,
            O::Windows,
            D::Desktop,
            false,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
            B::Firefox,
            O::Windows,
            D::Desktop,
            false,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
            B::Opera,
            O::Windows,
            D::Desktop,
            false,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15",
            B::Safari,
            O::MacOs,
            D::Desktop,
            false,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36",
            B::Chrome,
            O::MacOs,
            D::Desktop,
            false,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0",
            B::Firefox,
            O::MacOs,
            D::Desktop,
            false,
        ),
        // Firefox ESR on Linux, Chrome on Linux and ChromeOS.
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            B::Firefox,
            O::Linux,
            D::Desktop,
            false,
        ),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
            B::Firefox,
            O::Linux,
            D::Desktop,
            false,
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            B::Chrome,
            O::Linux,
            D::Desktop,
            false,
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
            B::Chrome,
            O::ChromeOs,
            D::Desktop,
            false,
        ),
        // iPhone and iPad.
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1",
            B::Safari,
            O::Ios,
            D::Mobile,
            false,
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1",
            B::Safari,
            O::Ios,
            D::Tablet,
            false,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
            B::Chrome,
            O::Ios,
            D::Mobile,
            false,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/132.0 Mobile/15E148 Safari/605.1.15",
            B::Firefox,
            O::Ios,
            D::Mobile,
            false,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 EdgiOS/131.0.2903.68 Mobile/15E148 Safari/605.1.15",
            B::Edge,
            O::Ios,
            D::Mobile,
            false,
        ),
        // iOS in-app web views: the e-CPS-like app, the Google app, an in-app browser.
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
            B::WebView,
            O::Ios,
            D::Mobile,
            false,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/343.0.695551749 Mobile/15E148 Safari/604.1",
            B::WebView,
            O::Ios,
            D::Mobile,
            false,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/489.0.0.43.107;FBBV/668880711;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.6.1;FBSS/3;FBID/phone;FBLC/fr_FR;FBOP/5]",
            B::WebView,
            O::Ios,
            D::Mobile,
            false,
        ),
        // iPadOS 13+ in its default desktop mode: indistinguishable from a Mac.
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
            B::Safari,
            O::MacOs,
            D::Desktop,
            false,
        ),
        // Android.
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
            B::Chrome,
            O::Android,
            D::Mobile,
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            B::Chrome,
            O::Android,
            D::Tablet,
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            B::SamsungInternet,
            O::Android,
            D::Mobile,
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Safari/537.36",
            B::SamsungInternet,
            O::Android,
            D::Tablet,
            false,
        ),
        (
            "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
            B::Firefox,
            O::Android,
            D::Mobile,
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0",
            B::Edge,
            O::Android,
            D::Mobile,
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36 OPR/86.0.0.0",
            B::Opera,
            O::Android,
            D::Mobile,
            false,
        ),
        // Android WebView: the e-CPS-like app.
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/128.0.6613.127 Mobile Safari/537.36",
            B::WebView,
            O::Android,
            D::Mobile,
            false,
        ),
        (
            "Dalvik/2.1.0 (Linux; U; Android 13; SM-A536B Build/TP1A.220624.014)",
            B::Other,
            O::Android,
            D::Other,
            false,
        ),
        // Automation and HTTP libraries.
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
            B::Chrome,
            O::Linux,
            D::Bot,
            true,
        ),
        (
            "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1",
            B::Other,
            O::Linux,
            D::Bot,
            true,
        ),
        ("curl/8.5.0", B::Other, O::Other, D::Bot, true),
        ("python-requests/2.32.3", B::Other, O::Other, D::Bot, true),
        ("Python-urllib/3.12", B::Other, O::Other, D::Bot, true),
        ("Wget/1.21.4", B::Other, O::Other, D::Bot, true),
        ("Go-http-client/2.0", B::Other, O::Other, D::Bot, true),
        ("okhttp/4.12.0", B::Other, O::Other, D::Bot, true),
        ("Java/17.0.9", B::Other, O::Other, D::Bot, true),
        ("libwww-perl/6.72", B::Other, O::Other, D::Bot, true),
        (
            "Scrapy/2.11.2 (+https://scrapy.org)",
            B::Other,
            O::Other,
            D::Bot,
            true,
        ),
        (
            "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
            B::Other,
            O::Other,
            D::Bot,
            true,
        ),
        ("axios/1.7.9", B::Other, O::Other, D::Bot, true),
        ("PostmanRuntime/7.43.0", B::Other, O::Other, D::Bot, true),
        (
            "Apache-HttpClient/4.5.14 (Java/17.0.9)",
            B::Other,
            O::Other,
            D::Bot,
            true,
        ),
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            B::Other,
            O::Other,
            D::Bot,
            true,
        ),
        ("", B::Other, O::Other, D::Bot, true),
        ("   ", B::Other, O::Other, D::Bot, true),
        // Unknown but harmless.
        ("SomeKiosk/1.0", B::Other, O::Other, D::Other, false),
    ];

    #[test]
    fn classifies_real_user_agents() {
        assert!(CASES.len() >= 25);
        for &(ua, browser, os, device, automation) in CASES {
            let got = UserAgentClass::parse(ua);
            let want = UserAgentClass {
                browser,
                os,
                device_type: device,
                automation,
            };
            assert_eq!(got, want, "{ua}");
        }
    }

    #[test]
    fn automation_markers_ignore_case() {
        for ua in ["CURL/8.0", "WGET/1.0", "GO-HTTP-CLIENT/1.1", "OkHttp/3.14"] {
            assert!(UserAgentClass::parse(ua).automation, "{ua}");
        }
        // A phone brand containing "bot" is not a crawler.
        let c = UserAgentClass::parse(
            "Mozilla/5.0 (Linux; Android 12; CUBOT KINGKONG 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
        );
        assert!(!c.automation);
        assert_eq!(c.device_type, DeviceType::Mobile);
    }

    #[test]
    fn marker_scan_agrees_with_substring_search() {
        assert!(
            AUTOMATION_MARKERS
                .iter()
                .chain(CRAWLER_MARKERS)
                .all(|m| m.len() >= 2 && m.bytes().all(|b| !b.is_ascii_uppercase()))
        );
        let samples = CASES
            .iter()
            .map(|c| c.0.to_owned())
            .chain(
                AUTOMATION_MARKERS
                    .iter()
                    .chain(CRAWLER_MARKERS)
                    .map(|m| format!("x{m}y")),
            )
            .chain(
                [
                    "", "b", "bo", "bot", "xbot/", "spide", "spider", "+http", "+htt",
                ]
                .map(String::from),
            );
        for ua in samples {
            let lower = ua.to_ascii_lowercase();
            let naive = AUTOMATION_MARKERS
                .iter()
                .chain(CRAWLER_MARKERS)
                .any(|m| lower.contains(m));
            assert_eq!(has_marker(lower.as_bytes()), naive, "{ua}");
        }
    }

    #[test]
    fn lowercasing_edges() {
        let mut buf = [0u8; LOWERED_LEN];
        assert_eq!(ascii_lowercase("xCuRl/1", &mut buf), "xcurl/1");
        assert_eq!(ascii_lowercase("", &mut buf), "");
        // Non-ASCII input is kept, and cut on a character boundary, never mid-character.
        assert_eq!(ascii_lowercase("ÉÀ漢字", &mut buf), "ÉÀ漢字");
        let long = format!("{}é{}", "A".repeat(LOWERED_LEN - 1), "B".repeat(10));
        let lowered = ascii_lowercase(&long, &mut buf);
        assert_eq!(lowered.len(), LOWERED_LEN - 1);
        assert!(lowered.bytes().all(|b| b == b'a'));
        // Markers past the classified prefix are not seen.
        let padded = format!("{}curl/8", " ".repeat(2000));
        assert!(!UserAgentClass::parse(&format!("x{padded}")).automation);
    }
}
