//! User-agent classification: browser family, operating system, device type, automation.
//!
//! Deliberately coarse: the detectors and the statistical score only need families (Freeman et
//! al. use the same browser → OS → device hierarchy), and a coarse classifier has no database to
//! keep up to date.

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
#[serde(deny_unknown_fields)]
pub struct UserAgentClass {
    /// Browser family.
    pub browser: Browser,
    /// Operating system family.
    pub os: Os,
    /// Device type.
    pub device: DeviceType,
    /// True for HTTP libraries, headless browsers and automation frameworks.
    pub automation: bool,
}

impl UserAgentClass {
    /// Classify a user-agent string (coarse families only).
    pub fn parse(ua: &str) -> UserAgentClass {
        let has = |needle: &str| ua.contains(needle);
        let automation = ua.trim().is_empty()
            || [
                "HeadlessChrome",
                "curl/",
                "python-requests",
                "Wget",
                "Go-http-client",
            ]
            .iter()
            .any(|m| has(m));
        let os = if has("Windows") {
            Os::Windows
        } else if has("iPhone") || has("iPad") {
            Os::Ios
        } else if has("Android") {
            Os::Android
        } else if has("Mac OS X") {
            Os::MacOs
        } else if has("CrOS") {
            Os::ChromeOs
        } else if has("Linux") {
            Os::Linux
        } else {
            Os::Other
        };
        let browser = if has("Edg/") {
            Browser::Edge
        } else if has("OPR/") {
            Browser::Opera
        } else if has("SamsungBrowser") {
            Browser::SamsungInternet
        } else if has("Firefox/") {
            Browser::Firefox
        } else if has("Chrome/") {
            Browser::Chrome
        } else if has("Safari/") {
            Browser::Safari
        } else {
            Browser::Other
        };
        let device = if automation {
            DeviceType::Bot
        } else if has("iPad") || (has("Android") && !has("Mobile")) {
            DeviceType::Tablet
        } else if has("Mobi") || has("iPhone") {
            DeviceType::Mobile
        } else {
            DeviceType::Desktop
        };
        UserAgentClass {
            browser,
            os,
            device,
            automation,
        }
    }
}
