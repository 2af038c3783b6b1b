//! Places: ISO country codes, coordinates with an accuracy radius, great-circle distance, and the
//! French department or overseas territory behind a postal code.
//!
//! GeoIP lookups are the caller's job; this module only checks and compares what it is given.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Mean Earth radius (IUGG), in kilometres.
const EARTH_RADIUS_KM: f64 = 6371.0088;
/// The longest great-circle distance: half the Earth's circumference.
pub(crate) const MAX_DISTANCE_KM: f64 = std::f64::consts::PI * EARTH_RADIUS_KM;

/// An ISO 3166-1 alpha-2 country code, upper case (`FR`, `RE` for La Réunion, …).
///
/// Overseas departments and territories have codes of their own in ISO 3166 and in every GeoIP
/// database (`GP`, `MQ`, `GF`, `RE`, `YT`, `PM`, `BL`, `MF`, `WF`, `PF`, `NC`), so a login from
/// La Réunion reports `RE`, not `FR`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

/// A string that is not an ISO 3166-1 alpha-2 code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("country code `{0}` is not two ASCII letters")]
pub struct CountryCodeError(pub(crate) String);

impl CountryCode {
    /// France (metropolitan).
    pub const FR: CountryCode = CountryCode(*b"FR");

    /// Parse two ASCII letters, any case.
    pub fn parse(text: &str) -> Result<Self, CountryCodeError> {
        match text.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => Ok(CountryCode([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
            ])),
            _ => Err(CountryCodeError(crate::model::text::quoted(text))),
        }
    }

    /// The code as a string slice.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl std::str::FromStr for CountryCode {
    type Err = CountryCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CountryCode::parse(s)
    }
}

impl TryFrom<String> for CountryCode {
    type Error = CountryCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CountryCode::parse(&s)
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.as_str().to_owned()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

/// A geolocated point with the radius, in kilometres, within which the true position lies
/// (GeoIP databases publish one; city-level IP geolocation is often 20–100 km off).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct GeoPoint {
    /// Latitude in degrees, −90 to 90.
    pub lat: f64,
    /// Longitude in degrees, −180 to 180.
    pub lon: f64,
    /// Accuracy radius in kilometres, 0 to 20,000.
    #[serde(default)]
    pub accuracy_km: f64,
}
crate::model::wire::map_only!(GeoPoint);

/// What is wrong with a [`GeoPoint`].
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GeoPointError {
    /// Latitude NaN, infinite or outside −90..=90.
    #[error("latitude `{0}` is not a number between -90 and 90")]
    Latitude(f64),
    /// Longitude NaN, infinite or outside −180..=180.
    #[error("longitude `{0}` is not a number between -180 and 180")]
    Longitude(f64),
    /// Accuracy NaN, infinite, negative or above half the Earth's circumference.
    #[error("accuracy `{0}` km is not a number between 0 and 20000")]
    Accuracy(f64),
}

impl GeoPoint {
    /// A point with its accuracy radius, validated.
    pub fn new(lat: f64, lon: f64, accuracy_km: f64) -> Result<Self, GeoPointError> {
        let point = GeoPoint {
            lat,
            lon,
            accuracy_km,
        };
        point.validate()?;
        Ok(point)
    }

    /// Check the ranges (NaN and infinities fail every range check).
    pub fn validate(&self) -> Result<(), GeoPointError> {
        if !(-90.0..=90.0).contains(&self.lat) {
            return Err(GeoPointError::Latitude(self.lat));
        }
        if !(-180.0..=180.0).contains(&self.lon) {
            return Err(GeoPointError::Longitude(self.lon));
        }
        if !(0.0..=20_000.0).contains(&self.accuracy_km) {
            return Err(GeoPointError::Accuracy(self.accuracy_km));
        }
        Ok(())
    }

    /// Great-circle distance in kilometres (haversine; correct across the antimeridian and at
    /// the poles, 0 for identical points).
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        // `min` guards asin against rounding just above 1 for antipodal points.
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }
}

impl GeoPoint {
    /// An upper bound of [`GeoPoint::distance_km`] without trigonometry: the path along a
    /// meridian then along a parallel is never shorter than the great circle, and a parallel
    /// is never longer than the equator.
    pub fn distance_upper_bound_km(&self, other: &GeoPoint) -> f64 {
        let dlat = (self.lat - other.lat).abs();
        let dlon = (self.lon - other.lon).abs();
        let dlon = if dlon > 180.0 { 360.0 - dlon } else { dlon };
        (dlat + dlon).to_radians() * EARTH_RADIUS_KM
    }
}

/// Where a French postal code is: its department code and the ISO country code a GeoIP database
/// reports there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PostalArea {
    /// Department code: `01`–`95`, `2A`/`2B` for Corsica, `971`–`988` overseas.
    pub department: Department,
    /// ISO 3166-1 alpha-2 of the territory (`FR` for metropolitan France).
    pub country: CountryCode,
}

/// A French department code (`75`, `2A`, `974`, …).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Department([u8; 3]);

impl Department {
    /// The code as a string slice (two or three characters).
    pub fn as_str(&self) -> &str {
        let len = if self.0[2] == b' ' { 2 } else { 3 };
        self.0
            .get(..len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("??")
    }
}

/// A string that is not a French department code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "department `{0}` is not a French department code (`01`–`95`, `2A`, `2B`, `971`–`978`, `980`, `986`–`988`)"
)]
pub struct DepartmentError(String);

impl Department {
    /// Parse a department code: `01`–`95` (not `20`), `2A`/`2B` (any case), an overseas code
    /// `971`–`978`, `986`–`988`, or `980`, the postal "department" of Monaco (so that every
    /// [`postal_area`] has a department that parses).
    pub fn parse(text: &str) -> Result<Self, DepartmentError> {
        let err = || DepartmentError(crate::model::text::quoted(text));
        match text.as_bytes() {
            [b'2', c] if c.eq_ignore_ascii_case(&b'a') || c.eq_ignore_ascii_case(&b'b') => {
                Ok(Department([b'2', c.to_ascii_uppercase(), b' ']))
            }
            [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
                match (a - b'0') * 10 + (b - b'0') {
                    1..=19 | 21..=95 => Ok(Department([*a, *b, b' '])),
                    _ => Err(err()),
                }
            }
            [b'9', b, c] if b.is_ascii_digit() && c.is_ascii_digit() => {
                match 900 + u16::from(b - b'0') * 10 + u16::from(c - b'0') {
                    971..=978 | 980 | 986..=988 => Ok(Department([b'9', *b, *c])),
                    _ => Err(err()),
                }
            }
            _ => Err(err()),
        }
    }
}

impl TryFrom<String> for Department {
    type Error = DepartmentError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Department::parse(&s)
    }
}

impl From<Department> for String {
    fn from(d: Department) -> String {
        d.as_str().to_owned()
    }
}

impl fmt::Display for Department {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Department {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Department({})", self.as_str())
    }
}

/// The department and territory of a five-digit French postal code, or `None` when the string
/// is not one. Corsica (`20xxx`) is split at 20200: below is Corse-du-Sud (`2A`), from it on
/// Haute-Corse (`2B`), as La Poste assigns them. Monaco (`980xx`) is reported as `MC`.
/// Codes of no department (`00xxx`, `96xxx`, `99xxx` — the INSEE codes of foreign countries —
/// and unassigned overseas ones) are `None`.
pub fn postal_area(postal_code: &str) -> Option<PostalArea> {
    let code = postal_code.trim();
    let b = code.as_bytes();
    if b.len() != 5 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (d0, d1, d2) = (*b.first()?, *b.get(1)?, *b.get(2)?);
    let two = |x: u8, y: u8| Department([x, y, b' ']);
    let area = |department, country: &[u8; 2]| {
        Some(PostalArea {
            department,
            country: CountryCode(*country),
        })
    };
    match (d0, d1) {
        (b'0', b'0') => None,
        (b'2', b'0') => {
            let n: u32 = code.get(..5)?.parse().ok()?;
            area(two(b'2', if n < 20200 { b'A' } else { b'B' }), b"FR")
        }
        (b'9', b'7') | (b'9', b'8') => {
            let country: &[u8; 2] = match (d1, d2) {
                (b'7', b'1') => b"GP",
                (b'7', b'2') => b"MQ",
                (b'7', b'3') => b"GF",
                (b'7', b'4') => b"RE",
                (b'7', b'5') => b"PM",
                (b'7', b'6') => b"YT",
                (b'7', b'7') => b"BL",
                (b'7', b'8') => b"MF",
                (b'8', b'0') => b"MC",
                (b'8', b'6') => b"WF",
                (b'8', b'7') => b"PF",
                (b'8', b'8') => b"NC",
                _ => return None,
            };
            area(Department([d0, d1, d2]), country)
        }
        // `01`–`95` only: `96xxx` does not exist and `99xxx` is an INSEE code for abroad.
        _ => area(Department::parse(code.get(..2)?).ok()?, b"FR"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn country_codes() {
        assert_eq!(CountryCode::parse("fr").unwrap(), CountryCode::FR);
        assert_eq!(CountryCode::parse("RE").unwrap().as_str(), "RE");
        for bad in ["", "F", "FRA", "F1", "é"] {
            let e = CountryCode::parse(bad).unwrap_err();
            assert!(e.to_string().contains(&format!("`{bad}`")), "{e}");
        }
    }

    #[test]
    fn point_validation() {
        assert!(GeoPoint::new(48.85, 2.35, 10.0).is_ok());
        assert!(matches!(
            GeoPoint::new(f64::NAN, 0.0, 0.0),
            Err(GeoPointError::Latitude(_))
        ));
        assert!(matches!(
            GeoPoint::new(90.1, 0.0, 0.0),
            Err(GeoPointError::Latitude(_))
        ));
        assert!(matches!(
            GeoPoint::new(0.0, f64::INFINITY, 0.0),
            Err(GeoPointError::Longitude(_))
        ));
        assert!(matches!(
            GeoPoint::new(0.0, -180.5, 0.0),
            Err(GeoPointError::Longitude(_))
        ));
        assert!(matches!(
            GeoPoint::new(0.0, 0.0, -1.0),
            Err(GeoPointError::Accuracy(_))
        ));
        assert!(matches!(
            GeoPoint::new(0.0, 0.0, f64::NAN),
            Err(GeoPointError::Accuracy(_))
        ));
        let e = GeoPoint::new(91.0, 0.0, 0.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "latitude `91` is not a number between -90 and 90"
        );
    }

    #[test]
    fn points_read_back_exactly_from_json() {
        // Values for which serde_json's default float parser is one ulp off (found by the
        // property tests): the crate enables `float_roundtrip`.
        for (lat, lon, acc) in [
            (42.90716091558218, 3.8611035298103893, 20.0),
            (46.414671275425924, 0.0, 20.0),
            (0.0, 0.0, 4046.9616906590522),
        ] {
            let p = GeoPoint::new(lat, lon, acc).unwrap();
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(
                serde_json::from_str::<GeoPoint>(&json).unwrap(),
                p,
                "{json}"
            );
        }
    }

    #[test]
    fn distances() {
        let paris = GeoPoint::new(48.8566, 2.3522, 0.0).unwrap();
        let lyon = GeoPoint::new(45.7640, 4.8357, 0.0).unwrap();
        let d = paris.distance_km(&lyon);
        assert!((d - 392.0).abs() < 3.0, "{d}");
        assert_eq!(paris.distance_km(&paris), 0.0);
        // Across the antimeridian: 1 degree of longitude at the equator, not 359.
        let east = GeoPoint::new(0.0, 179.5, 0.0).unwrap();
        let west = GeoPoint::new(0.0, -179.5, 0.0).unwrap();
        let d = east.distance_km(&west);
        assert!((d - 111.2).abs() < 0.5, "{d}");
        // Antipodes: half the circumference, no NaN.
        let a = GeoPoint::new(0.0, 0.0, 0.0).unwrap();
        let b = GeoPoint::new(0.0, 180.0, 0.0).unwrap();
        assert!((a.distance_km(&b) - 20015.1).abs() < 1.0);
    }

    #[test]
    fn departments() {
        for ok in ["01", "75", "95", "2A", "2b", "971", "974", "988"] {
            assert!(Department::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Department::parse("2b").unwrap().as_str(), "2B");
        for bad in [
            "", "7", "00", "20", "96", "ZZ", "a1", "979", "985", "989", "1000",
        ] {
            let e = Department::parse(bad).unwrap_err();
            assert!(
                e.to_string().starts_with(&format!("department `{bad}`")),
                "{e}"
            );
        }
    }

    #[test]
    fn upper_bound_is_an_upper_bound() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..10_000 {
            let a = GeoPoint::new(next() * 180.0 - 90.0, next() * 360.0 - 180.0, 0.0).unwrap();
            let b = GeoPoint::new(next() * 180.0 - 90.0, next() * 360.0 - 180.0, 0.0).unwrap();
            assert!(
                a.distance_upper_bound_km(&b) + 1e-6 >= a.distance_km(&b),
                "{a:?} {b:?}"
            );
        }
        let east = GeoPoint::new(0.0, 179.5, 0.0).unwrap();
        let west = GeoPoint::new(0.0, -179.5, 0.0).unwrap();
        assert!(east.distance_upper_bound_km(&west) < 112.0);
    }

    #[test]
    fn postal_codes() {
        let a = postal_area("75013").unwrap();
        assert_eq!((a.department.as_str(), a.country.as_str()), ("75", "FR"));
        let a = postal_area("20090").unwrap();
        assert_eq!(a.department.as_str(), "2A");
        let a = postal_area("20200").unwrap();
        assert_eq!(a.department.as_str(), "2B");
        let a = postal_area("97400").unwrap();
        assert_eq!((a.department.as_str(), a.country.as_str()), ("974", "RE"));
        let a = postal_area("98800").unwrap();
        assert_eq!((a.department.as_str(), a.country.as_str()), ("988", "NC"));
        assert_eq!(postal_area("97900"), None);
        assert_eq!(postal_area("00100"), None);
        assert_eq!(postal_area("7501"), None);
        assert_eq!(postal_area("75O13"), None);
    }

    #[test]
    fn postal_codes_of_no_department() {
        // Found by fuzzing: `99621` gave department `99`, which `Department` itself refuses, so
        // a login event built from such claims did not read back.
        for code in ["96000", "99100", "99621", "00100", "97900", "98500"] {
            assert_eq!(postal_area(code), None, "{code}");
        }
    }

    #[test]
    fn every_postal_area_has_a_department_that_parses() {
        // Found by fuzzing too: Monaco's `98000` gave department `980`, which `Department`
        // refused. Every five-digit code, exhaustively.
        let mut areas = 0;
        for n in 0..100_000 {
            let code = format!("{n:05}");
            if let Some(a) = postal_area(&code) {
                assert_eq!(
                    Department::parse(a.department.as_str()),
                    Ok(a.department),
                    "{code}"
                );
                areas += 1;
            }
        }
        assert!(areas > 90_000, "{areas}");
    }
}
