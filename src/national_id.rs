//! The national professional identifier (`idNat_PS`) carried by PSC in `SubjectNameID`.
//!
//! Layout: a one-character prefix saying which directory issued the number, then the number.
//!
//! | prefix | form | checked here |
//! |---|---|---|
//! | `8` | RPPS: 11 digits, the last one a Luhn check digit | digits, length, Luhn |
//! | `0` | ADELI: 9 characters (department, profession, order number, key) | length, characters |
//! | `1` `3` `4` `5` `6` | staff of a structure: structure id (ADELI cabinet, FINESS, SIREN, SIRET, RPPS cabinet), `/`, local id | shape only |
//!
//! RPPS numbers starting with `997` (so idNat_PS `8997…`) are the ANS test ("bac à sable")
//! identities: they parse, and [`NationalId::is_test_identity`] says so, because a test identity
//! in a production login is itself worth a look.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest accepted identifier, in bytes: structure-based ids are `prefix + SIRET (14) + / +
/// local id`, and local ids are short in every published example.
pub const MAX_NATIONAL_ID_LEN: usize = 64;

/// Which directory issued a national identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IdKind {
    /// `8` + RPPS number (Répertoire Partagé des Professionnels de Santé).
    Rpps,
    /// `0` + ADELI number (the older directory for non-RPPS professions).
    Adeli,
    /// `1`, `3`, `4`, `5` or `6` + structure id + `/` + local id: staff of a health structure.
    StructureStaff,
}

/// A validated `idNat_PS`.
///
/// ```
/// use ecps_risk::{IdKind, NationalId};
///
/// let id: NationalId = "810001234565".parse()?;
/// assert_eq!(id.kind(), IdKind::Rpps);
/// assert_eq!(id.as_str(), "810001234565");
/// assert!(!id.is_test_identity());
///
/// let err = "810001234564".parse::<NationalId>().unwrap_err();
/// assert_eq!(err.to_string(), "national id `810001234564`: RPPS number fails its Luhn check");
/// # Ok::<(), ecps_risk::NationalIdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NationalId {
    text: Box<str>,
    kind: IdKind,
}

/// Why a string is not a valid `idNat_PS`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("national id `{value}`: {rule}")]
pub struct NationalIdError {
    value: String,
    rule: IdRule,
}

impl NationalIdError {
    /// The offending value (cut to [`MAX_NATIONAL_ID_LEN`] characters plus `…` when longer).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Which rule the value broke.
    pub fn rule(&self) -> IdRule {
        self.rule
    }
}

/// The rule a national identifier broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdRule {
    /// Empty string.
    #[error("is empty")]
    Empty,
    /// Longer than [`MAX_NATIONAL_ID_LEN`].
    #[error("is longer than {MAX_NATIONAL_ID_LEN} bytes")]
    TooLong,
    /// The first character is not a known directory prefix.
    #[error("unknown prefix (expected one of 0, 1, 3, 4, 5, 6, 8)")]
    UnknownPrefix,
    /// An RPPS id must be `8` followed by exactly 11 digits.
    #[error("RPPS form is `8` followed by 11 digits")]
    RppsShape,
    /// The RPPS number's last digit does not match its Luhn check.
    #[error("RPPS number fails its Luhn check")]
    RppsLuhn,
    /// An ADELI id must be `0` followed by 9 ASCII letters or digits.
    #[error("ADELI form is `0` followed by 9 letters or digits")]
    AdeliShape,
    /// A structure-staff id must be `prefix + structure id + / + local id`.
    #[error(
        "structure staff form is prefix, structure id, `/`, local id (letters, digits, `-`, `_`, `.`)"
    )]
    StructureShape,
}

impl NationalId {
    /// Parse and validate an identifier (see the module docs for the rules).
    pub fn parse(text: &str) -> Result<Self, NationalIdError> {
        let kind = check(text).map_err(|rule| NationalIdError {
            value: shorten(text),
            rule,
        })?;
        Ok(NationalId {
            text: text.into(),
            kind,
        })
    }

    /// The identifier as given (`prefix + number`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Which directory issued it.
    pub fn kind(&self) -> IdKind {
        self.kind
    }

    /// The number without its one-character prefix.
    pub fn number(&self) -> &str {
        self.text.get(1..).unwrap_or_default()
    }

    /// True for ANS sandbox identities (`8997…`), which must never appear in production logins.
    pub fn is_test_identity(&self) -> bool {
        self.kind == IdKind::Rpps && self.text.starts_with("8997")
    }
}

fn check(text: &str) -> Result<IdKind, IdRule> {
    if text.is_empty() {
        return Err(IdRule::Empty);
    }
    if text.len() > MAX_NATIONAL_ID_LEN {
        return Err(IdRule::TooLong);
    }
    let bytes = text.as_bytes();
    let rest = bytes.get(1..).unwrap_or_default();
    match bytes.first() {
        Some(b'8') => {
            if rest.len() != 11 || !rest.iter().all(u8::is_ascii_digit) {
                return Err(IdRule::RppsShape);
            }
            if !luhn_valid(rest) {
                return Err(IdRule::RppsLuhn);
            }
            Ok(IdKind::Rpps)
        }
        Some(b'0') => {
            if rest.len() != 9 || !rest.iter().all(u8::is_ascii_alphanumeric) {
                return Err(IdRule::AdeliShape);
            }
            Ok(IdKind::Adeli)
        }
        Some(b'1' | b'3' | b'4' | b'5' | b'6') => {
            let mut parts = rest.splitn(2, |b| *b == b'/');
            let structure = parts.next().unwrap_or_default();
            let local = parts.next().unwrap_or_default();
            let is_word = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
            if structure.is_empty()
                || local.is_empty()
                || !structure.iter().all(u8::is_ascii_alphanumeric)
                || !local.iter().all(is_word)
            {
                return Err(IdRule::StructureShape);
            }
            Ok(IdKind::StructureStaff)
        }
        _ => Err(IdRule::UnknownPrefix),
    }
}

/// Luhn (mod 10) over ASCII digits, the rightmost being the check digit.
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Error messages quote the value, but never an unbounded one.
pub(crate) fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_NATIONAL_ID_LEN) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

impl std::str::FromStr for NationalId {
    type Err = NationalIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NationalId::parse(s)
    }
}

impl TryFrom<String> for NationalId {
    type Error = NationalIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        NationalId::parse(&s)
    }
}

impl From<NationalId> for String {
    fn from(id: NationalId) -> String {
        id.text.into()
    }
}

impl fmt::Display for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    fn rule(text: &str) -> IdRule {
        NationalId::parse(text).unwrap_err().rule()
    }

    #[test]
    fn rpps_with_valid_luhn() {
        let id = NationalId::parse("810001234565").unwrap();
        assert_eq!(id.kind(), IdKind::Rpps);
        assert_eq!(id.number(), "10001234565");
        assert!(!id.is_test_identity());
    }

    #[test]
    fn sandbox_identity_is_flagged() {
        let id = NationalId::parse("899700771191").unwrap();
        assert!(id.is_test_identity());
    }

    #[test]
    fn rpps_luhn_failure() {
        assert_eq!(rule("810001234564"), IdRule::RppsLuhn);
        let e = NationalId::parse("810001234564").unwrap_err();
        assert_eq!(
            e.to_string(),
            "national id `810001234564`: RPPS number fails its Luhn check"
        );
    }

    #[test]
    fn rpps_shape_errors() {
        assert_eq!(rule("81000123456"), IdRule::RppsShape);
        assert_eq!(rule("8100012345659"), IdRule::RppsShape);
        assert_eq!(rule("81000123456a"), IdRule::RppsShape);
        assert_eq!(rule("8 10001234568"), IdRule::RppsShape);
    }

    #[test]
    fn adeli() {
        assert_eq!(
            NationalId::parse("0751234567").unwrap().kind(),
            IdKind::Adeli
        );
        assert_eq!(
            NationalId::parse("02B1234567").unwrap().kind(),
            IdKind::Adeli
        );
        assert_eq!(rule("075123456"), IdRule::AdeliShape);
        assert_eq!(rule("07512345-7"), IdRule::AdeliShape);
    }

    #[test]
    fn structure_staff() {
        let id = NationalId::parse("3750100019/AB-12").unwrap();
        assert_eq!(id.kind(), IdKind::StructureStaff);
        assert!(!id.is_test_identity());
        assert_eq!(rule("3750100019"), IdRule::StructureShape);
        assert_eq!(rule("3/12"), IdRule::StructureShape);
        assert_eq!(rule("3750100019/"), IdRule::StructureShape);
        assert_eq!(rule("3750100019/a b"), IdRule::StructureShape);
    }

    #[test]
    fn prefix_empty_and_length() {
        assert_eq!(rule(""), IdRule::Empty);
        assert_eq!(rule("210001234568"), IdRule::UnknownPrefix);
        assert_eq!(rule("é"), IdRule::UnknownPrefix);
        let long = format!("3{}/1", "1".repeat(100));
        let e = NationalId::parse(&long).unwrap_err();
        assert_eq!(e.rule(), IdRule::TooLong);
        assert!(e.value().ends_with('…'));
        assert!(e.value().chars().count() <= MAX_NATIONAL_ID_LEN + 1);
    }

    #[test]
    fn luhn_reference_values() {
        assert!(luhn_valid(b"79927398713"));
        assert!(!luhn_valid(b"79927398710"));
        assert!(luhn_valid(b"0"));
    }

    #[test]
    fn serde_validates() {
        let id: NationalId = serde_json::from_str("\"810001234565\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"810001234565\"");
        let err = serde_json::from_str::<NationalId>("\"810001234564\"").unwrap_err();
        assert!(err.to_string().contains("`810001234564`"), "{err}");
    }
}
