//! The professional's identifier as PSC sends it in `SubjectNameID`: usually a national
//! professional identifier (`idNat_PS`), sometimes not.
//!
//! An `idNat_PS` is a one-character prefix saying which directory issued the number, then the
//! number (ANS, `PSIdNat`):
//!
//! | prefix | kind ([`IdKind`]) | form | check |
//! |---|---|---|---|
//! | `8` | `rpps` | RPPS: 11 digits | Luhn |
//! | `0` | `adeli` | ADELI: 9 letters or digits | — |
//! | `1` | `adeli_cabinet_staff` | ADELI cabinet id, `/`, internal id | — |
//! | `3` | `finess_staff` | FINESS (9 letters or digits), `/`, internal id | — |
//! | `4` | `siren_staff` | SIREN (9 digits), `/`, internal id | Luhn |
//! | `5` | `siret_staff` | SIRET (14 digits), `/`, internal id | Luhn (or La Poste's digit sum) |
//! | `6` | `rpps_cabinet_staff` | RPPS cabinet id, `/`, internal id | — |
//!
//! Real PSC claim sets also carry identifiers of no documented kind: ANS sandbox accounts
//! (`ANS20210107161422`), or ids whose check fails. PSC vouches for who logged in, so a verified
//! token is **never refused for the shape of its identifier**: such an id is kept as it is, of
//! kind [`IdKind::Unrecognised`], and rules decide what to make of it (fact `subject.kind`).
//! [`NationalId::check_failure`] says which documented form it resembles and fails, for
//! callers that must not accept a mistyped id (watchlist entries).
//!
//! What cannot be a subject at all is refused: an empty value, one over
//! [`MAX_NATIONAL_ID_LEN`] bytes, or one with a character outside visible ASCII (controls,
//! spaces, non-ASCII) — no identifier of any kind has those, and they are what a forged log
//! line or a padded CSV cell is made of.
//!
//! Test identities ([`NationalId::is_test_identity`], fact `subject.test_identity`): RPPS
//! numbers starting with `997` (so `8997…`) and ANS sandbox accounts (`ANS` followed by 14
//! digits, a creation time), because a test identity in a production login is itself worth a
//! look.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest accepted identifier, in bytes: structure-based ids are `prefix + SIRET (14) + / +
/// local id`, and local ids are short in every published example.
pub const MAX_NATIONAL_ID_LEN: usize = 64;

/// Which directory issued an identifier, or [`IdKind::Unrecognised`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IdKind {
    /// `8` + RPPS number (Répertoire Partagé des Professionnels de Santé).
    Rpps,
    /// `0` + ADELI number (the older directory for non-RPPS professions).
    Adeli,
    /// `1` + ADELI cabinet id + `/` + internal id: staff of an ADELI-registered cabinet.
    AdeliCabinetStaff,
    /// `3` + FINESS + `/` + internal id: staff of a health facility.
    FinessStaff,
    /// `4` + SIREN + `/` + internal id: staff of a company.
    SirenStaff,
    /// `5` + SIRET + `/` + internal id: staff of an establishment.
    SiretStaff,
    /// `6` + RPPS cabinet id + `/` + internal id: staff of an RPPS-registered cabinet.
    RppsCabinetStaff,
    /// Any other identifier PSC sent: an ANS sandbox account, or an id that fails the check of
    /// the form its prefix announces.
    Unrecognised,
}

impl IdKind {
    /// Every kind, in the order of [`IdKind::as_str`]'s documentation.
    pub const ALL: &'static [IdKind] = &[
        IdKind::Rpps,
        IdKind::Adeli,
        IdKind::AdeliCabinetStaff,
        IdKind::FinessStaff,
        IdKind::SirenStaff,
        IdKind::SiretStaff,
        IdKind::RppsCabinetStaff,
        IdKind::Unrecognised,
    ];

    /// The kind's name in policies (`subject.kind`) and in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            IdKind::Rpps => "rpps",
            IdKind::Adeli => "adeli",
            IdKind::AdeliCabinetStaff => "adeli_cabinet_staff",
            IdKind::FinessStaff => "finess_staff",
            IdKind::SirenStaff => "siren_staff",
            IdKind::SiretStaff => "siret_staff",
            IdKind::RppsCabinetStaff => "rpps_cabinet_staff",
            IdKind::Unrecognised => "unrecognised",
        }
    }

    /// True for the five kinds of staff of a structure (prefixes `1`, `3`, `4`, `5`, `6`).
    pub const fn is_structure_staff(self) -> bool {
        matches!(
            self,
            IdKind::AdeliCabinetStaff
                | IdKind::FinessStaff
                | IdKind::SirenStaff
                | IdKind::SiretStaff
                | IdKind::RppsCabinetStaff
        )
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The identifier of the professional who logged in (see the module docs).
///
/// ```
/// use ecps_risk::{model::IdKind, model::IdRule, NationalId};
///
/// let id: NationalId = "810001234565".parse()?;
/// assert_eq!(id.kind(), IdKind::Rpps);
/// assert!(!id.is_test_identity());
///
/// // Identifiers of no documented kind are kept, never refused: PSC vouches for them.
/// let sandbox: NationalId = "ANS20210107161422".parse()?;
/// assert_eq!(sandbox.kind(), IdKind::Unrecognised);
/// assert!(sandbox.is_test_identity());
/// let typo: NationalId = "810001234564".parse()?;
/// assert_eq!(typo.kind(), IdKind::Unrecognised);
/// assert_eq!(typo.check_failure(), Some(IdRule::RppsLuhn));
///
/// // What cannot be anybody's identifier is refused, the value quoted with controls escaped.
/// let err = "8100012\n34565".parse::<NationalId>().unwrap_err();
/// assert_eq!(err.to_string(), "national id `8100012\\u{a}34565`: has a character that is not visible ASCII (`\\n` at byte 7)");
/// # Ok::<(), ecps_risk::model::NationalIdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NationalId {
    text: Box<str>,
    kind: IdKind,
}

/// Why a string cannot be a subject.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("national id `{value}`: {rule}")]
pub struct NationalIdError {
    value: String,
    rule: IdRule,
}

impl NationalIdError {
    /// The offending value, as quoted in the message: cut after [`MAX_NATIONAL_ID_LEN`]
    /// characters (then `…`), control characters escaped.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Which rule the value broke.
    pub fn rule(&self) -> IdRule {
        self.rule
    }
}

/// A rule an identifier broke: the first three make it no subject at all
/// ([`NationalIdError`]); the others are the checks of documented forms, reported by
/// [`NationalId::check_failure`] for identifiers kept as [`IdKind::Unrecognised`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdRule {
    /// Empty string.
    #[error("is empty")]
    Empty,
    /// Longer than [`MAX_NATIONAL_ID_LEN`].
    #[error("is longer than {MAX_NATIONAL_ID_LEN} bytes")]
    TooLong,
    /// A character outside visible ASCII (`!` to `~`): a control, a space, a non-ASCII letter.
    #[error("has a character that is not visible ASCII (`{}` at byte {at})", char::escape_debug(*found))]
    Character {
        /// The character.
        found: char,
        /// Its byte offset.
        at: usize,
    },
    /// An RPPS id is `8` followed by exactly 11 digits.
    #[error("RPPS form is `8` followed by 11 digits")]
    RppsShape,
    /// The RPPS number's last digit does not match its Luhn check.
    #[error("RPPS number fails its Luhn check")]
    RppsLuhn,
    /// An ADELI id is `0` followed by 9 ASCII letters or digits.
    #[error("ADELI form is `0` followed by 9 letters or digits")]
    AdeliShape,
    /// A structure-staff id is `prefix + structure id + / + local id`, the structure id of its
    /// directory's form (FINESS: 9 letters or digits; SIREN: 9 digits; SIRET: 14 digits).
    #[error(
        "structure staff form is prefix, structure id (FINESS: 9 letters or digits, SIREN: 9 digits, SIRET: 14 digits), `/`, local id (letters, digits, `-`, `_`, `.`)"
    )]
    StructureShape,
    /// The SIREN or SIRET of a structure-staff id fails its Luhn check.
    #[error("SIREN or SIRET fails its Luhn check")]
    StructureLuhn,
}

impl NationalId {
    /// Read an identifier: refuse only what cannot be a subject (empty, too long, a character
    /// outside visible ASCII), classify the rest (see the module docs).
    pub fn parse(text: &str) -> Result<Self, NationalIdError> {
        let error = |rule| NationalIdError {
            value: crate::model::text::shown(text, MAX_NATIONAL_ID_LEN),
            rule,
        };
        if text.is_empty() {
            return Err(error(IdRule::Empty));
        }
        if let Some((at, found)) = text.char_indices().find(|(_, c)| !c.is_ascii_graphic()) {
            return Err(error(IdRule::Character { found, at }));
        }
        if text.len() > MAX_NATIONAL_ID_LEN {
            return Err(error(IdRule::TooLong));
        }
        Ok(NationalId {
            text: text.into(),
            kind: classify(text).unwrap_or(IdKind::Unrecognised),
        })
    }

    /// The identifier as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Which directory issued it, or [`IdKind::Unrecognised`].
    pub fn kind(&self) -> IdKind {
        self.kind
    }

    /// The number without its one-character prefix (for an unrecognised id: all but its first
    /// character).
    pub fn number(&self) -> &str {
        self.text.get(1..).unwrap_or_default()
    }

    /// For an [`IdKind::Unrecognised`] id whose prefix announces a documented form: the rule of
    /// that form it breaks (`810001234564`: [`IdRule::RppsLuhn`]). `None` for recognised ids
    /// and for ids of no documented prefix (`ANS20210107161422`).
    pub fn check_failure(&self) -> Option<IdRule> {
        classify(&self.text).err().flatten()
    }

    /// True for test identities: RPPS numbers `8997…` (ANS "bac à sable") and ANS sandbox
    /// accounts (`ANS` + 14 digits), which must never appear in production logins.
    pub fn is_test_identity(&self) -> bool {
        match self.kind {
            IdKind::Rpps => self.text.starts_with("8997"),
            IdKind::Unrecognised => self
                .text
                .strip_prefix("ANS")
                .is_some_and(|rest| rest.len() == 14 && rest.bytes().all(|b| b.is_ascii_digit())),
            _ => false,
        }
    }
}

/// The documented kind of a subject-shaped text, or why not: `Err(Some(rule))` when its
/// prefix announces a form whose rule it breaks, `Err(None)` for no documented prefix.
fn classify(text: &str) -> Result<IdKind, Option<IdRule>> {
    let bytes = text.as_bytes();
    let rest = bytes.get(1..).unwrap_or_default();
    let digits = |b: &[u8], n: usize| b.len() == n && b.iter().all(u8::is_ascii_digit);
    match bytes.first() {
        Some(b'8') => {
            if !digits(rest, 11) {
                return Err(Some(IdRule::RppsShape));
            }
            if !luhn_valid(rest) {
                return Err(Some(IdRule::RppsLuhn));
            }
            Ok(IdKind::Rpps)
        }
        Some(b'0') => {
            if rest.len() != 9 || !rest.iter().all(u8::is_ascii_alphanumeric) {
                return Err(Some(IdRule::AdeliShape));
            }
            Ok(IdKind::Adeli)
        }
        Some(prefix @ (b'1' | b'3' | b'4' | b'5' | b'6')) => {
            let mut parts = rest.splitn(2, |b| *b == b'/');
            let structure = parts.next().unwrap_or_default();
            let local = parts.next().unwrap_or_default();
            let is_word = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
            if structure.is_empty()
                || local.is_empty()
                || !structure.iter().all(u8::is_ascii_alphanumeric)
                || !local.iter().all(is_word)
            {
                return Err(Some(IdRule::StructureShape));
            }
            let (kind, luhn) = match prefix {
                b'1' => (IdKind::AdeliCabinetStaff, None),
                b'3' => (IdKind::FinessStaff, (structure.len() == 9).then_some(true)),
                b'4' => (
                    IdKind::SirenStaff,
                    digits(structure, 9).then(|| luhn_valid(structure)),
                ),
                b'5' => (
                    IdKind::SiretStaff,
                    digits(structure, 14).then(|| siret_valid(structure)),
                ),
                _ => (IdKind::RppsCabinetStaff, None),
            };
            match (kind, luhn) {
                (IdKind::FinessStaff | IdKind::SirenStaff | IdKind::SiretStaff, None) => {
                    Err(Some(IdRule::StructureShape))
                }
                (_, Some(false)) => Err(Some(IdRule::StructureLuhn)),
                _ => Ok(kind),
            }
        }
        _ => Err(None),
    }
}

/// Luhn (mod 10) over ASCII digits, the rightmost being the check digit.
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.wrapping_sub(b'0'));
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

/// A SIRET's check: Luhn; La Poste's establishments (SIREN `356000000`) are too many for the
/// Luhn key space, so theirs may instead have a digit sum that is a multiple of 5 (INSEE).
fn siret_valid(digits: &[u8]) -> bool {
    let la_poste = || {
        let sum: u32 = digits.iter().map(|b| u32::from(b.wrapping_sub(b'0'))).sum();
        digits.starts_with(b"356000000") && sum.is_multiple_of(5)
    };
    luhn_valid(digits) || la_poste()
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

    fn kind(text: &str) -> IdKind {
        NationalId::parse(text).unwrap().kind()
    }

    fn failure(text: &str) -> Option<IdRule> {
        NationalId::parse(text).unwrap().check_failure()
    }

    fn refused(text: &str) -> IdRule {
        NationalId::parse(text).unwrap_err().rule()
    }

    #[test]
    fn rpps_with_valid_luhn() {
        let id = NationalId::parse("810001234565").unwrap();
        assert_eq!(id.kind(), IdKind::Rpps);
        assert_eq!(id.number(), "10001234565");
        assert_eq!(id.check_failure(), None);
        assert!(!id.is_test_identity());
    }

    #[test]
    fn sandbox_identities_are_flagged() {
        assert!(
            NationalId::parse("899700771191")
                .unwrap()
                .is_test_identity()
        );
        let ans = NationalId::parse("ANS20210107161422").unwrap();
        assert_eq!(ans.kind(), IdKind::Unrecognised);
        assert_eq!(ans.check_failure(), None);
        assert!(ans.is_test_identity());
        // Not the sandbox shape: 13 digits, a letter, another prefix, a Luhn-failing 8997 id.
        for other in [
            "ANS2021010716142",
            "ANS2021010716142x",
            "XANS20210107161422",
        ] {
            assert!(
                !NationalId::parse(other).unwrap().is_test_identity(),
                "{other}"
            );
        }
        assert!(
            !NationalId::parse("899700771192")
                .unwrap()
                .is_test_identity()
        );
    }

    #[test]
    fn rpps_check_failures_are_kept_as_unrecognised() {
        assert_eq!(kind("810001234564"), IdKind::Unrecognised);
        assert_eq!(failure("810001234564"), Some(IdRule::RppsLuhn));
        for shape in ["81000123456", "8100012345659", "81000123456a"] {
            assert_eq!(kind(shape), IdKind::Unrecognised, "{shape}");
            assert_eq!(failure(shape), Some(IdRule::RppsShape), "{shape}");
        }
    }

    #[test]
    fn adeli() {
        assert_eq!(kind("0751234567"), IdKind::Adeli);
        assert_eq!(kind("02B1234567"), IdKind::Adeli);
        assert_eq!(failure("075123456"), Some(IdRule::AdeliShape));
        assert_eq!(failure("07512345-7"), Some(IdRule::AdeliShape));
    }

    #[test]
    fn structure_staff_kinds() {
        assert_eq!(kind("1751234567/CAB-1"), IdKind::AdeliCabinetStaff);
        assert_eq!(kind("30B0168811/CPET00001"), IdKind::FinessStaff);
        assert_eq!(kind("3750100019/AB-12"), IdKind::FinessStaff);
        // SIREN 732829320 and SIRET 73282932000074 (Luhn-valid).
        assert_eq!(kind("4732829320/x.1"), IdKind::SirenStaff);
        assert_eq!(kind("573282932000074/42"), IdKind::SiretStaff);
        // La Poste: SIREN 356000000, SIRETs by Luhn or by their digit sum.
        assert_eq!(kind("535600000000048/1"), IdKind::SiretStaff);
        assert_eq!(kind("535600000000001/1"), IdKind::SiretStaff);
        assert_eq!(kind("6R10001/emp_3"), IdKind::RppsCabinetStaff);
        for k in [
            IdKind::AdeliCabinetStaff,
            IdKind::FinessStaff,
            IdKind::SirenStaff,
            IdKind::SiretStaff,
            IdKind::RppsCabinetStaff,
        ] {
            assert!(k.is_structure_staff());
        }
        assert!(!IdKind::Rpps.is_structure_staff() && !IdKind::Unrecognised.is_structure_staff());
    }

    #[test]
    fn structure_staff_check_failures() {
        for shape in [
            "3750100019",
            "3/12",
            "3750100019/",
            "375010001/12",
            "4ABC/1",
            "41234567/1",
            "5123/1",
            "3750100019/a*b",
            "1234567890",
        ] {
            assert_eq!(kind(shape), IdKind::Unrecognised, "{shape}");
            assert_eq!(failure(shape), Some(IdRule::StructureShape), "{shape}");
        }
        assert_eq!(failure("4732829321/x"), Some(IdRule::StructureLuhn));
        assert_eq!(failure("573282932000075/42"), Some(IdRule::StructureLuhn));
        assert_eq!(failure("535600000000049/1"), Some(IdRule::StructureLuhn));
        assert_eq!(failure("573282932000001/1"), Some(IdRule::StructureLuhn));
    }

    #[test]
    fn no_documented_prefix_is_unrecognised_without_failure() {
        for text in ["210001234568", "ANS-x", "fakeSub", "X"] {
            assert_eq!(kind(text), IdKind::Unrecognised, "{text}");
            assert_eq!(failure(text), None, "{text}");
        }
    }

    #[test]
    fn what_cannot_be_a_subject_is_refused() {
        assert_eq!(refused(""), IdRule::Empty);
        assert_eq!(
            refused("810001234565 "),
            IdRule::Character { found: ' ', at: 12 }
        );
        assert_eq!(
            refused("hello world"),
            IdRule::Character { found: ' ', at: 5 }
        );
        assert_eq!(refused("é"), IdRule::Character { found: 'é', at: 0 });
        assert_eq!(
            refused("81\u{1b}[2J"),
            IdRule::Character {
                found: '\u{1b}',
                at: 2
            }
        );
        let long = format!("3{}/1", "1".repeat(100));
        let e = NationalId::parse(&long).unwrap_err();
        assert_eq!(e.rule(), IdRule::TooLong);
        assert!(e.value().ends_with('…'));
        assert!(e.value().chars().count() <= MAX_NATIONAL_ID_LEN + 1);
        assert!(NationalId::parse(&"9".repeat(MAX_NATIONAL_ID_LEN)).is_ok());
    }

    #[test]
    fn refused_values_never_reach_a_message_raw() {
        let e = NationalId::parse("8\r\nINFO forged line").unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains('\n') && !msg.contains('\r'), "{msg}");
        assert_eq!(
            msg,
            "national id `8\\u{d}\\u{a}INFO forged line`: has a character that is not visible ASCII (`\\r` at byte 1)"
        );
    }

    #[test]
    fn all_kinds_in_declaration_order() {
        // Rule facts use a kind's discriminant as its index in `IdKind::ALL`.
        for (i, k) in IdKind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i, "{k}");
        }
    }

    #[test]
    fn kinds_have_unique_names() {
        let names: std::collections::BTreeSet<&str> =
            IdKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), IdKind::ALL.len());
        for k in IdKind::ALL {
            assert_eq!(serde_json::to_string(k).unwrap(), format!("\"{k}\""));
        }
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
        let back: NationalId = serde_json::from_str("\"ANS20210107161422\"").unwrap();
        assert_eq!(back.kind(), IdKind::Unrecognised);
        let err = serde_json::from_str::<NationalId>("\"8100 01234564\"").unwrap_err();
        assert!(err.to_string().contains("`8100 01234564`"), "{err}");
    }
}
