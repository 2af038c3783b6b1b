//! The claims of a Pro Santé Connect ID token or UserInfo response, as the provider received
//! them **after verifying the token** (this crate never verifies signatures).
//!
//! Every claim is optional except `sub`, which no OIDC response lacks. Unknown claims are
//! ignored. Claim names are case-sensitive, as PSC sends them; the one documented spelling
//! variant, `otherIDs` for `otherIds`, is accepted. Values that PSC integrations send either as
//! one string or as a list (`SubjectRole`, `Secteur_Activite`, `amr`) are accepted in both
//! forms, and directory codes sent as numbers are accepted as text.
//!
//! The subject is **never** taken from `sub` (a technical id): it is `SubjectNameID`, else
//! `preferred_username`.

use serde::{Deserialize, Deserializer, Serialize};

use crate::geo::{CountryCode, Department, postal_area};
use crate::national_id::{NationalId, NationalIdError};

/// The verified claim set of a PSC login.
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
    /// Technical subject id (not the professional's national id).
    pub sub: String,
    /// The national professional id (`idNat_PS`).
    #[serde(rename = "SubjectNameID", default)]
    pub subject_name_id: Option<String>,
    /// Usually the `idNat_PS` too.
    #[serde(default)]
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
    /// Authentication mode (only `CARD` observed; does not reliably tell card from e-CPS).
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
crate::wire::map_only!(PscClaims);

/// One entry of `otherIds`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct OtherId {
    /// The identifier.
    #[serde(default, deserialize_with = "text")]
    pub identifiant: Option<String>,
    /// Its origin (`RPPS`, `EDIT`, …).
    #[serde(default, deserialize_with = "text")]
    pub origine: Option<String>,
    /// Its quality code.
    #[serde(default, deserialize_with = "text")]
    pub qualite: Option<String>,
}
crate::wire::map_only!(OtherId);

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
crate::wire::map_only!(RefPro);

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
crate::wire::map_only!(Exercice);

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
crate::wire::map_only!(Activity);

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
crate::wire::map_only!(ActivityLocation);

/// Why a claim set cannot identify the professional.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimsError {
    /// Neither `SubjectNameID` nor `preferred_username` is present.
    #[error("claims carry neither `SubjectNameID` nor `preferred_username`")]
    NoSubject,
    /// The subject claim is not a valid national id.
    #[error("claim `{claim}`: {source}")]
    Subject {
        /// Which claim held it.
        claim: &'static str,
        /// Why it is invalid.
        source: NationalIdError,
    },
}

impl PscClaims {
    /// The professional's national id: `SubjectNameID`, else `preferred_username`; never `sub`.
    pub fn subject(&self) -> Result<NationalId, ClaimsError> {
        let (claim, value) = match (&self.subject_name_id, &self.preferred_username) {
            (Some(v), _) => ("SubjectNameID", v),
            (None, Some(v)) => ("preferred_username", v),
            (None, None) => return Err(ClaimsError::NoSubject),
        };
        NationalId::parse(value.trim()).map_err(|source| ClaimsError::Subject { claim, source })
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
        let agrees = |a: &crate::geo::PostalArea| {
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
        let c = parse(r#"{"sub": "x", "SubjectNameID": "810001234564"}"#);
        let e = c.subject().unwrap_err();
        assert_eq!(
            e.to_string(),
            "claim `SubjectNameID`: national id `810001234564`: RPPS number fails its Luhn check"
        );
    }

    #[test]
    fn sub_is_required() {
        let e =
            serde_json::from_str::<PscClaims>(r#"{"SubjectNameID": "810001234565"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `sub`"), "{e}");
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
        assert!(serde_json::from_str::<PscClaims>(r#"{"sub": "x", "auth_time": "soon"}"#).is_err());
        assert!(
            serde_json::from_str::<PscClaims>(r#"{"sub": "x", "SubjectRefPro": "text"}"#).is_err()
        );
    }
}
