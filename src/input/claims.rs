//! The claims of a Pro Santé Connect login, as the provider received them **after verifying
//! the token** (this crate never verifies signatures): the ID (or access) token's claims, the
//! UserInfo response's, or both merged with [`PscClaims::merge`].
//!
//! What real PSC responses carry (ANS's own repositories and public integrations):
//!
//! | claim | ID / access token | UserInfo | read as |
//! |---|---|---|---|
//! | `SubjectNameID` | since 2026 | yes | the subject ([`NationalId`]) |
//! | `preferred_username` | yes | yes | the subject, when `SubjectNameID` is absent |
//! | `sub` | yes (a technical id; a UUID since 2026) | usually | only to check that merged sets are one login |
//! | `iss` | yes | no | `auth.issuer` |
//! | `acr` | yes (`eidas1`; `eidas3` in the 2021–2023 sandbox) | no | `auth.acr` |
//! | `auth_time`, `iat` | yes | no | `auth.auth_time`, `auth.issued_at` |
//! | `authMode` | yes (since 2023) | yes | `auth.mode`: card or e-CPS ([`AuthMode`](crate::AuthMode)) |
//! | `amr` | absent or null | no | `auth.amr` |
//! | `SubjectRefPro` | no | yes | the registered places of activity (`practice`), the time zone |
//!
//! Every claim is optional. Unknown claims are ignored. Claim names are case-sensitive, as PSC
//! sends them; the one documented spelling variant, `otherIDs` for `otherIds`, is accepted.
//! Values that PSC integrations send either as one string or as a list (`SubjectRole`,
//! `Secteur_Activite`, `amr`) are accepted in both forms, and directory codes or identifiers
//! sent as numbers are accepted as text. An identifier (`SubjectNameID`, `preferred_username`,
//! `otherIds[].identifiant`) sent as a number is read with its exact digits — an integer, as
//! JSON parsers keep it exactly up to 2^64 − 1 — and refused otherwise (a fraction, an
//! exponent, or more digits, which a parser reads through a float: two different 24-digit ids
//! would read as one); one sent as a boolean is refused ([`ClaimsError::NotText`]).
//!
//! The subject is **never** taken from `sub` (a technical id, whose shape changed in 2026): it
//! is `SubjectNameID`, else `preferred_username`.

use serde::{Deserialize, Deserializer, Serialize};

use crate::model::geo::{CountryCode, Department, postal_area};
use crate::model::national_id::{NationalId, NationalIdError};

/// The verified claim set of a PSC login: an ID token's, a UserInfo response's, or both merged
/// ([`PscClaims::merge`]).
///
/// ```
/// use ecps_risk::PscClaims;
///
/// let claims: PscClaims = serde_json::from_str(r#"{
///     "sub": "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:899700771191",
///     "SubjectNameID": "899700771191",
///     "acr": "eidas1",
///     "auth_time": 1760000000,
///     "iat": 1760003600,
///     "SubjectRefPro": {"exercices": [{"activities": [{"codePostal": "97400"}]}]},
///     "some_future_claim": true
/// }"#)?;
/// let subject = claims.subject()?;
/// assert_eq!(subject.as_str(), "899700771191");
/// assert!(subject.is_test_identity());
/// assert_eq!(claims.activity_locations()[0].country.as_str(), "RE");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct PscClaims {
    /// Technical subject id (not the professional's national id; absent from some UserInfo
    /// responses).
    #[serde(default)]
    pub sub: Option<String>,
    /// The issuer (`https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet` in the
    /// sandbox): in ID and access tokens only.
    #[serde(default)]
    pub iss: Option<String>,
    /// The professional's identifier: usually the `idNat_PS`, an ANS sandbox account id for
    /// sandbox accounts.
    #[serde(
        rename = "SubjectNameID",
        default,
        deserialize_with = "subject_name_id"
    )]
    pub subject_name_id: Option<String>,
    /// Usually the same identifier.
    #[serde(default, deserialize_with = "preferred_username")]
    pub preferred_username: Option<String>,
    /// First name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub family_name: Option<String>,
    /// Authentication context class (`eidas1`, `eidas2`, `eidas3`, or anything else).
    #[serde(default)]
    pub acr: Option<String>,
    /// Authentication methods (often null).
    #[serde(default, deserialize_with = "one_or_many")]
    pub amr: Option<Vec<String>>,
    /// When the professional authenticated, Unix seconds (may be an hour or more before `iat`:
    /// PSC reuses its SSO session).
    #[serde(default)]
    pub auth_time: Option<i64>,
    /// When the token was issued, Unix seconds.
    #[serde(default)]
    pub iat: Option<i64>,
    /// PSC session id.
    #[serde(default)]
    pub sid: Option<String>,
    /// Means of authentication: `CARD` (the physical CPS card) or `MOBILE` (the e-CPS app), as
    /// ANS's CIBA proxy documents it. PSC's only card / e-CPS signal (`acr` is `eidas1` for
    /// both).
    #[serde(rename = "authMode", default)]
    pub auth_mode: Option<String>,
    /// Authentication level, e.g. `APPPRIP3^1.2.250.1.213.1.5.1.1.1`.
    #[serde(rename = "Palier_Authentification", default)]
    pub palier_authentification: Option<String>,
    /// Other identifiers of the professional (also accepted as `otherIDs`).
    #[serde(rename = "otherIds", alias = "otherIDs", default)]
    pub other_ids: Option<Vec<OtherId>>,
    /// Organization name.
    #[serde(rename = "SubjectOrganization", default)]
    pub subject_organization: Option<String>,
    /// Organization identifier.
    #[serde(rename = "SubjectOrganizationID", default)]
    pub subject_organization_id: Option<String>,
    /// Roles.
    #[serde(rename = "SubjectRole", default, deserialize_with = "one_or_many")]
    pub subject_role: Option<Vec<String>>,
    /// Activity sectors.
    #[serde(rename = "Secteur_Activite", default, deserialize_with = "one_or_many")]
    pub secteur_activite: Option<Vec<String>>,
    /// The professional's directory record (professions and activities).
    #[serde(rename = "SubjectRefPro", default)]
    pub subject_ref_pro: Option<RefPro>,
}
crate::model::wire::map_only!(PscClaims);

/// One entry of `otherIds`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct OtherId {
    /// The identifier.
    #[serde(default, deserialize_with = "identifiant")]
    pub identifiant: Option<String>,
    /// Its origin (`RPPS`, `EDIT`, …).
    #[serde(default, deserialize_with = "text")]
    pub origine: Option<String>,
    /// Its quality code.
    #[serde(default, deserialize_with = "text")]
    pub qualite: Option<String>,
}
crate::model::wire::map_only!(OtherId);

/// `SubjectRefPro`: the directory record of the professional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct RefPro {
    /// Civility code.
    #[serde(rename = "codeCivilite", default, deserialize_with = "text")]
    pub code_civilite: Option<String>,
    /// Professions practised.
    #[serde(default)]
    pub exercices: Option<Vec<Exercice>>,
}
crate::model::wire::map_only!(RefPro);

/// One profession of the professional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Exercice {
    /// Profession code (`10` physician, `21` pharmacist, …).
    #[serde(rename = "codeProfession", default, deserialize_with = "text")]
    pub code_profession: Option<String>,
    /// Professional category (`C` civil, `M` military, `E` student).
    #[serde(
        rename = "codeCategorieProfessionnelle",
        default,
        deserialize_with = "text"
    )]
    pub code_categorie_professionnelle: Option<String>,
    /// Practising last name.
    #[serde(rename = "nomDexercice", default, deserialize_with = "text")]
    pub nom_dexercice: Option<String>,
    /// Practising first name.
    #[serde(rename = "prenomDexercice", default, deserialize_with = "text")]
    pub prenom_dexercice: Option<String>,
    /// Places of activity.
    #[serde(default)]
    pub activities: Option<Vec<Activity>>,
}
crate::model::wire::map_only!(Exercice);

/// One place of activity of a profession.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Activity {
    /// Mode of practice (`L` liberal, `S` salaried, `B` volunteer).
    #[serde(rename = "codeModeExercice", default, deserialize_with = "text")]
    pub code_mode_exercice: Option<String>,
    /// Activity sector code.
    #[serde(rename = "codeSecteurDactivite", default, deserialize_with = "text")]
    pub code_secteur_dactivite: Option<String>,
    /// Role code.
    #[serde(rename = "codeRole", default, deserialize_with = "text")]
    pub code_role: Option<String>,
    /// SIRET of the site.
    #[serde(rename = "numeroSiretSite", default, deserialize_with = "text")]
    pub numero_siret_site: Option<String>,
    /// SIREN of the site.
    #[serde(rename = "numeroSirenSite", default, deserialize_with = "text")]
    pub numero_siren_site: Option<String>,
    /// FINESS of the site.
    #[serde(rename = "numeroFinessSite", default, deserialize_with = "text")]
    pub numero_finess_site: Option<String>,
    /// FINESS of the legal entity.
    #[serde(
        rename = "numeroFinessetablissementJuridique",
        default,
        deserialize_with = "text"
    )]
    pub numero_finess_etablissement_juridique: Option<String>,
    /// Technical id of the structure.
    #[serde(
        rename = "identifiantTechniqueDeLaStructure",
        default,
        deserialize_with = "text"
    )]
    pub identifiant_technique_de_la_structure: Option<String>,
    /// Name of the site.
    #[serde(rename = "raisonSocialeSite", default, deserialize_with = "text")]
    pub raison_sociale_site: Option<String>,
    /// Postal code of the site.
    #[serde(rename = "codePostal", default, deserialize_with = "postal_code")]
    pub code_postal: Option<String>,
    /// INSEE code of the commune.
    #[serde(rename = "codeCommune", default, deserialize_with = "text")]
    pub code_commune: Option<String>,
    /// Commune name.
    #[serde(rename = "libelleCommune", default, deserialize_with = "text")]
    pub libelle_commune: Option<String>,
    /// Country code: ISO alpha-2, or the INSEE code (`99100` is France).
    #[serde(rename = "codePays", default, deserialize_with = "text")]
    pub code_pays: Option<String>,
    /// Country name.
    #[serde(rename = "libellePays", default, deserialize_with = "text")]
    pub libelle_pays: Option<String>,
    /// Department code, when the integration sends it.
    #[serde(rename = "codeDepartement", default, deserialize_with = "text")]
    pub code_departement: Option<String>,
    /// Registration authority that manages the record.
    #[serde(rename = "autoriteDenregistrement", default, deserialize_with = "text")]
    pub autorite_denregistrement: Option<String>,
}
crate::model::wire::map_only!(Activity);

/// Where a professional is registered to practise: a department when known, and the country
/// (or overseas territory) a GeoIP database would report there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ActivityLocation {
    /// ISO 3166-1 alpha-2 code of the country or territory.
    pub country: CountryCode,
    /// French department, when the address is French.
    #[serde(default)]
    pub department: Option<Department>,
}
crate::model::wire::map_only!(ActivityLocation);

/// Why a claim set cannot identify the professional, or two claim sets cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimsError {
    /// Neither `SubjectNameID` nor `preferred_username` is present (nor, after a merge, in
    /// either claim set).
    #[error("claims carry neither `SubjectNameID` nor `preferred_username`")]
    NoSubject,
    /// The subject claim cannot be anybody's identifier (empty, too long, control characters).
    #[error("claim `{claim}`: {source}")]
    Subject {
        /// Which claim held it.
        claim: &'static str,
        /// Why it is invalid.
        source: NationalIdError,
    },
    /// An identifier claim (`SubjectNameID`, `preferred_username`, `otherIds[].identifiant`)
    /// sent as a boolean, or as a number whose exact digits are lost (not an integer, or above
    /// 2^64 − 1, which JSON parsers read through a float: `123456789012345678901234` would read
    /// as `123456789012345680000000`, the same as other ids). Refused when the claims are read:
    /// this is the message of the deserializer's error.
    #[error("claim `{claim}`: an identifier sent as {sent} is refused: send it as a string")]
    NotText {
        /// The claim.
        claim: &'static str,
        /// What was sent instead (`the boolean `true``, `a number that is not an exact
        /// integer (`1.2e23`)`).
        sent: String,
    },
    /// The ID token and the UserInfo response name different subjects: they are not of one
    /// login and must not be merged.
    #[error(
        "the ID token and the UserInfo are of different subjects: `{claim}` is `{id_token}` in the ID token and `{userinfo}` in the UserInfo"
    )]
    DifferentSubjects {
        /// The claim compared (`sub`, `SubjectNameID` or `preferred_username`).
        claim: &'static str,
        /// Its value in the ID token (shortened, control characters escaped).
        id_token: String,
        /// Its value in the UserInfo response (shortened, control characters escaped).
        userinfo: String,
    },
}

impl PscClaims {
    /// The professional's identifier: `SubjectNameID`, else `preferred_username`, surrounding
    /// blanks trimmed; never `sub`. Any identifier that can be a subject is accepted, of
    /// whatever kind ([`NationalId`]).
    pub fn subject(&self) -> Result<NationalId, ClaimsError> {
        let (claim, value) = self.subject_claim().ok_or(ClaimsError::NoSubject)?;
        NationalId::parse(value.trim()).map_err(|source| ClaimsError::Subject { claim, source })
    }

    /// The claim that names the subject, and its value.
    fn subject_claim(&self) -> Option<(&'static str, &str)> {
        match (&self.subject_name_id, &self.preferred_username) {
            (Some(v), _) => Some(("SubjectNameID", v)),
            (None, Some(v)) => Some(("preferred_username", v)),
            (None, None) => None,
        }
    }

    /// One claim set from an ID (or access) token's claims and the UserInfo response of the
    /// same login, as a service provider that calls the UserInfo endpoint has them: the token
    /// carries `iss`, `acr`, `auth_time`, `iat` (and `authMode`), the UserInfo the directory
    /// record (`SubjectRefPro`), so neither alone feeds every detector.
    ///
    /// Each claim is taken from the token when it has it, else from the UserInfo. Two claim
    /// sets of different logins are refused: different `sub` (OpenID Connect requires the
    /// UserInfo's to be the token's), or different subjects (`SubjectNameID`, else
    /// `preferred_username`), whenever both sets carry them.
    ///
    /// ```
    /// use ecps_risk::PscClaims;
    ///
    /// let id_token: PscClaims = serde_json::from_str(r#"{
    ///     "iss": "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet",
    ///     "sub": "c5869b2a-d0e9-4012-8088-1bddda1c079a", "SubjectNameID": "899700771191",
    ///     "acr": "eidas1", "auth_time": 1779172800, "iat": 1779172810, "authMode": "MOBILE"
    /// }"#)?;
    /// let userinfo: PscClaims = serde_json::from_str(r#"{
    ///     "sub": "c5869b2a-d0e9-4012-8088-1bddda1c079a", "SubjectNameID": "899700771191",
    ///     "SubjectRefPro": {"exercices": [{"activities": [{"codePostal": "69003"}]}]}
    /// }"#)?;
    /// let both = PscClaims::merge(&id_token, &userinfo)?;
    /// assert_eq!(both.acr.as_deref(), Some("eidas1"));
    /// assert_eq!(both.activity_locations().len(), 1);
    ///
    /// let other: PscClaims = serde_json::from_str(r#"{"SubjectNameID": "810001234565"}"#)?;
    /// let err = PscClaims::merge(&id_token, &other).unwrap_err();
    /// assert_eq!(err.to_string(), "the ID token and the UserInfo are of different subjects: \
    ///     `SubjectNameID` is `899700771191` in the ID token and `810001234565` in the UserInfo");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merge(id_token: &PscClaims, userinfo: &PscClaims) -> Result<PscClaims, ClaimsError> {
        let differ = |claim: &'static str, a: &str, b: &str| ClaimsError::DifferentSubjects {
            claim,
            id_token: crate::model::text::quoted(a),
            userinfo: crate::model::text::quoted(b),
        };
        if let (Some(a), Some(b)) = (&id_token.sub, &userinfo.sub)
            && a != b
        {
            return Err(differ("sub", a, b));
        }
        if let (Some((claim, a)), Some((_, b))) =
            (id_token.subject_claim(), userinfo.subject_claim())
            && a.trim() != b.trim()
        {
            return Err(differ(claim, a, b));
        }
        let pick = |t: &Option<_>, u: &Option<_>| t.clone().or_else(|| u.clone());
        let (t, u) = (id_token, userinfo);
        Ok(PscClaims {
            sub: pick(&t.sub, &u.sub),
            iss: pick(&t.iss, &u.iss),
            subject_name_id: pick(&t.subject_name_id, &u.subject_name_id),
            preferred_username: pick(&t.preferred_username, &u.preferred_username),
            given_name: pick(&t.given_name, &u.given_name),
            family_name: pick(&t.family_name, &u.family_name),
            acr: pick(&t.acr, &u.acr),
            amr: t.amr.clone().or_else(|| u.amr.clone()),
            auth_time: t.auth_time.or(u.auth_time),
            iat: t.iat.or(u.iat),
            sid: pick(&t.sid, &u.sid),
            auth_mode: pick(&t.auth_mode, &u.auth_mode),
            palier_authentification: pick(&t.palier_authentification, &u.palier_authentification),
            other_ids: t.other_ids.clone().or_else(|| u.other_ids.clone()),
            subject_organization: pick(&t.subject_organization, &u.subject_organization),
            subject_organization_id: pick(&t.subject_organization_id, &u.subject_organization_id),
            subject_role: t.subject_role.clone().or_else(|| u.subject_role.clone()),
            secteur_activite: t
                .secteur_activite
                .clone()
                .or_else(|| u.secteur_activite.clone()),
            subject_ref_pro: t
                .subject_ref_pro
                .clone()
                .or_else(|| u.subject_ref_pro.clone()),
        })
    }

    /// The distinct places of activity in `SubjectRefPro`, sorted. An activity whose country
    /// cannot be told (no usable country field, no French postal code) is left out.
    pub fn activity_locations(&self) -> Vec<ActivityLocation> {
        let mut out: Vec<ActivityLocation> = self
            .subject_ref_pro
            .iter()
            .flat_map(|r| r.exercices.iter().flatten())
            .flat_map(|e| e.activities.iter().flatten())
            .filter_map(Activity::location)
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

impl Activity {
    /// Where this activity is, from the postal code first (it tells overseas territories
    /// apart), then the country fields.
    pub fn location(&self) -> Option<ActivityLocation> {
        let from_country = self
            .code_pays
            .as_deref()
            .and_then(country_from_code)
            .or_else(|| self.libelle_pays.as_deref().and_then(country_from_name));
        let area = self.code_postal.as_deref().and_then(postal_area);
        // A French postal code wins unless the country fields name another country: `FR`, or
        // the territory's own code (`RE` with 97400), agree with it.
        let agrees = |a: &crate::model::geo::PostalArea| {
            from_country.is_none_or(|c| c == CountryCode::FR || c == a.country)
        };
        match area {
            Some(area) if agrees(&area) => Some(ActivityLocation {
                country: area.country,
                department: Some(area.department),
            }),
            _ => from_country.map(|country| ActivityLocation {
                country,
                department: None,
            }),
        }
    }
}

/// ISO alpha-2 as is; the INSEE code of France (`99100`, and the `99000` some extracts use).
fn country_from_code(code: &str) -> Option<CountryCode> {
    match code.trim() {
        "99100" | "99000" => Some(CountryCode::FR),
        other => CountryCode::parse(other).ok(),
    }
}

fn country_from_name(name: &str) -> Option<CountryCode> {
    name.trim()
        .eq_ignore_ascii_case("france")
        .then_some(CountryCode::FR)
}

/// A text claim that some integrations send as a number or a boolean.
#[derive(Deserialize)]
#[serde(untagged)]
enum Text {
    S(String),
    I(i64),
    U(u64),
    F(f64),
    B(bool),
}

impl Text {
    fn into_string(self) -> String {
        match self {
            Text::S(s) => s,
            Text::I(i) => i.to_string(),
            Text::U(u) => u.to_string(),
            Text::F(f) => f.to_string(),
            Text::B(b) => b.to_string(),
        }
    }
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Text>::deserialize(d)?.map(Text::into_string))
}

fn subject_name_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    identifier(d, "SubjectNameID")
}

fn preferred_username<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    identifier(d, "preferred_username")
}

fn identifiant<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    identifier(d, "otherIds[].identifiant")
}

/// An identifier: a string, or an integer with its exact digits. A boolean, or a number whose
/// digits are not exact (a fraction, an exponent, an integer beyond `u64` / `i64`: serde_json
/// reads those as a float, without `arbitrary_precision`), is refused with
/// [`ClaimsError::NotText`]: a lossy id could be another professional's, and two different
/// ids could compare equal.
fn identifier<'de, D: Deserializer<'de>>(
    d: D,
    claim: &'static str,
) -> Result<Option<String>, D::Error> {
    struct Visit(&'static str);
    impl Visit {
        fn refuse<E: serde::de::Error>(&self, sent: String) -> E {
            E::custom(ClaimsError::NotText {
                claim: self.0,
                sent,
            })
        }
    }
    impl<'de> serde::de::Visitor<'de> for Visit {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an identifier: a string, or an integer")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Err(self.refuse(format!(
                "a number that is not an exact integer (read as `{v:e}`)"
            )))
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Err(self.refuse(format!("the boolean `{v}`")))
        }
    }
    d.deserialize_option(Visit(claim))
}

/// Postal codes sent as numbers lose their leading zero (`1000` for `01000`): put it back.
fn postal_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Text>::deserialize(d)?.map(|t| match t {
        Text::I(n @ 0..=99_999) => format!("{n:05}"),
        Text::U(n @ 0..=99_999) => format!("{n:05}"),
        other => other.into_string(),
    }))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Ok(Option::<OneOrMany>::deserialize(d)?.map(|v| match v {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    fn parse(json: &str) -> PscClaims {
        serde_json::from_str(json).unwrap()
    }

    use crate::model::national_id::IdKind;

    #[test]
    fn subject_never_from_sub() {
        let c = parse(r#"{"sub": "810001234565"}"#);
        assert_eq!(c.subject(), Err(ClaimsError::NoSubject));
        let c = parse(r#"{"sub": "x", "preferred_username": "810001234565"}"#);
        assert_eq!(c.subject().unwrap().as_str(), "810001234565");
        let c = parse(
            r#"{"sub": "x", "SubjectNameID": "899700771191", "preferred_username": "810001234565"}"#,
        );
        assert_eq!(c.subject().unwrap().as_str(), "899700771191");
    }

    #[test]
    fn invalid_subject_names_claim_and_value() {
        let c = parse(r#"{"sub": "x", "SubjectNameID": "8100 01234565"}"#);
        let e = c.subject().unwrap_err();
        assert_eq!(
            e.to_string(),
            "claim `SubjectNameID`: national id `8100 01234565`: has a character that is not visible ASCII (` ` at byte 4)"
        );
        let c = parse(r#"{"sub": "x", "preferred_username": ""}"#);
        assert_eq!(
            c.subject().unwrap_err().to_string(),
            "claim `preferred_username`: national id ``: is empty"
        );
    }

    #[test]
    fn subjects_of_every_shape_are_read() {
        for (json, id, kind) in [
            (
                r#"{"SubjectNameID": "ANS20210107161422"}"#,
                "ANS20210107161422",
                IdKind::Unrecognised,
            ),
            (
                r#"{"SubjectNameID": "30B0168811/CPET00001"}"#,
                "30B0168811/CPET00001",
                IdKind::FinessStaff,
            ),
            (
                r#"{"SubjectNameID": 1234567890}"#,
                "1234567890",
                IdKind::Unrecognised,
            ),
            (
                r#"{"SubjectNameID": " 810001234565 "}"#,
                "810001234565",
                IdKind::Rpps,
            ),
            (
                r#"{"preferred_username": "810001234564"}"#,
                "810001234564",
                IdKind::Unrecognised,
            ),
        ] {
            let s = parse(json).subject().unwrap();
            assert_eq!((s.as_str(), s.kind()), (id, kind), "{json}");
        }
    }

    #[test]
    fn sub_is_optional() {
        let c = parse(r#"{"SubjectNameID": "810001234565"}"#);
        assert_eq!(c.sub, None);
        assert_eq!(c.subject().unwrap().as_str(), "810001234565");
    }

    #[test]
    fn merge_takes_the_token_first_and_refuses_other_logins() {
        let token = parse(
            r#"{"sub": "s1", "iss": "https://psc", "acr": "eidas1", "auth_time": 10, "iat": 20,
                "authMode": "MOBILE", "preferred_username": "810001234565"}"#,
        );
        let userinfo = parse(
            r#"{"sub": "s1", "SubjectNameID": "810001234565", "authMode": "CARD",
                "SubjectRefPro": {"exercices": [{"activities": [{"codePostal": "75013"}]}]}}"#,
        );
        let m = PscClaims::merge(&token, &userinfo).unwrap();
        assert_eq!(m.iss.as_deref(), Some("https://psc"));
        assert_eq!((m.auth_time, m.iat), (Some(10), Some(20)));
        assert_eq!(m.auth_mode.as_deref(), Some("MOBILE"));
        assert_eq!(m.subject_name_id.as_deref(), Some("810001234565"));
        assert_eq!(m.activity_locations().len(), 1);
        // Either side may lack what the other has, and trimming blanks is not a difference.
        let bare = parse(r#"{"SubjectNameID": " 810001234565"}"#);
        assert_eq!(
            PscClaims::merge(&token, &bare).unwrap().sub.as_deref(),
            Some("s1")
        );
        assert_eq!(
            PscClaims::merge(&bare, &userinfo).unwrap().sub.as_deref(),
            Some("s1")
        );

        let other_sub = parse(r#"{"sub": "s2", "SubjectNameID": "810001234565"}"#);
        let e = PscClaims::merge(&token, &other_sub).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the ID token and the UserInfo are of different subjects: `sub` is `s1` in the ID token and `s2` in the UserInfo"
        );
        let other_id = parse("{\"SubjectNameID\": \"810023456782\\n\"}");
        let e = PscClaims::merge(&token, &other_id).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the ID token and the UserInfo are of different subjects: `preferred_username` is `810001234565` in the ID token and `810023456782\\u{a}` in the UserInfo"
        );
    }

    #[test]
    fn spelling_variants_and_shapes() {
        let c = parse(
            r#"{"sub": "x", "otherIDs": [{"identifiant": 10001234565, "origine": "RPPS", "qualite": 1}],
                "SubjectRole": "10^1.2.250.1.213.1.1.5.5", "Secteur_Activite": ["SA07^1.2.250.1.71.4.2.4"],
                "amr": null}"#,
        );
        let ids = c.other_ids.unwrap();
        assert_eq!(ids[0].identifiant.as_deref(), Some("10001234565"));
        assert_eq!(ids[0].qualite.as_deref(), Some("1"));
        assert_eq!(c.subject_role.unwrap().len(), 1);
        assert_eq!(c.secteur_activite.unwrap().len(), 1);
        assert_eq!(c.amr, None);
        let c = parse(r#"{"sub": "x", "otherIds": [], "amr": ["pwd", "mfa"]}"#);
        assert_eq!(c.other_ids.unwrap().len(), 0);
        assert_eq!(c.amr.unwrap(), vec!["pwd", "mfa"]);
    }

    #[test]
    fn locations_from_postal_codes_and_countries() {
        let c = parse(
            r#"{"sub": "x", "SubjectRefPro": {"exercices": [
                {"activities": [{"codePostal": "75013"}, {"codePostal": 1000}, {"codePostal": "97400"}]},
                {"activities": [{"codePays": "BE"}, {"libellePays": "France"}, {"codePostal": "75013", "codePays": "99100"}, {}]}
            ]}}"#,
        );
        let locs = c.activity_locations();
        let shown: Vec<String> = locs
            .iter()
            .map(|l| {
                format!(
                    "{}:{}",
                    l.country,
                    l.department.map(|d| d.to_string()).unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(shown, vec!["BE:", "FR:", "FR:01", "FR:75", "RE:974"]);
    }

    #[test]
    fn territory_code_agrees_with_its_postal_code() {
        let a = Activity {
            code_postal: Some("97400".into()),
            code_pays: Some("RE".into()),
            ..Activity::default()
        };
        let l = a.location().unwrap();
        assert_eq!(
            (l.country.as_str(), l.department.map(|d| d.to_string())),
            ("RE", Some("974".into()))
        );
    }

    #[test]
    fn foreign_country_wins_over_postal_code() {
        let a = Activity {
            code_postal: Some("75013".into()),
            code_pays: Some("CH".into()),
            ..Activity::default()
        };
        assert_eq!(a.location().unwrap().country.as_str(), "CH");
    }

    #[test]
    fn wrong_types_are_errors_not_panics() {
        assert!(serde_json::from_str::<PscClaims>(r#"{"sub": 12}"#).is_err());
        assert!(serde_json::from_str::<PscClaims>(r#"{"SubjectNameID": [1]}"#).is_err());
        assert!(serde_json::from_str::<PscClaims>(r#"{"sub": "x", "auth_time": "soon"}"#).is_err());
        assert!(
            serde_json::from_str::<PscClaims>(r#"{"sub": "x", "SubjectRefPro": "text"}"#).is_err()
        );
    }
}
