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
