//! Integration tests of PSC claim parsing through the public API: ID-token / UserInfo payloads
//! in `tests/data/claims_*.json` written in the shapes real PSC responses have (see
//! `../shared/psc-real/`, read by `examples/psc_corpus.rs` in CI), the subject and places they
//! yield, the login facts `RiskContext::from_psc` takes from them alone and merged, and
//! malformed claim sets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use ecps_risk::{
    AuthMode, ClaimsError, ContextError, PscClaims, RiskContext, input::Acr,
    input::ActivityLocation, input::AuthFacts, input::OtherId, model::IdKind, model::IdRule,
    model::LocalTime,
};
use time::Duration;
use time::macros::datetime;

const LYON_PHYSICIAN: &str = include_str!("data/claims_lyon_hospital_physician_card.json");
const REUNION_NURSE: &str = include_str!("data/claims_reunion_liberal_nurse_ecps.json");
const SANDBOX: &str = include_str!("data/claims_sandbox_test_identity.json");
const MINIMAL: &str = include_str!("data/claims_minimal.json");
const PHARMACIST: &str = include_str!("data/claims_pharmacist_unknown_acr_foreign_activity.json");
const MIDWIFE: &str = include_str!("data/claims_userinfo_midwife_preferred_username.json");
const ANS_ACCOUNT: &str = include_str!("data/claims_userinfo_ans_sandbox_account.json");
const STAFF: &str = include_str!("data/claims_userinfo_structure_staff.json");
const ID_TOKEN: &str = include_str!("data/claims_id_token_without_refpro.json");
const USERINFO: &str = include_str!("data/claims_userinfo_without_acr.json");
const TOKEN_2026: &str = include_str!("data/claims_access_token_2026_uuid_sub.json");

/// Every fixture, with the subject it must yield.
const FIXTURES: [(&str, &str); 11] = [
    (LYON_PHYSICIAN, "810001234565"),
    (REUNION_NURSE, "0976012345"),
    (SANDBOX, "899700771191"),
    (MINIMAL, "810023456782"),
    (PHARMACIST, "810031415929"),
    (MIDWIFE, "810098765430"),
    (ANS_ACCOUNT, "ANS20240311094507"),
    (STAFF, "30B0291147/SECR00012"),
    (ID_TOKEN, "810002345675"),
    (USERINFO, "810002345675"),
    (TOKEN_2026, "810003456786"),
];

const PRODUCTION_ISSUER: &str = "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet";

fn parse(json: &str) -> PscClaims {
    serde_json::from_str(json).unwrap()
}

/// Places as `(country, department)` text, for literal comparison.
fn places(locations: &[ActivityLocation]) -> Vec<(&str, Option<&str>)> {
    locations
        .iter()
        .map(|l| {
            (
                l.country.as_str(),
                l.department.as_ref().map(|d| d.as_str()),
            )
        })
        .collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn every_fixture_loads_and_names_its_subject() {
    for (json, subject) in FIXTURES {
        let claims = parse(json);
        assert_eq!(claims.subject().unwrap().as_str(), subject);
        // `sub` is a technical id, never the subject.
        assert_ne!(claims.sub.as_deref(), Some(subject));
        // Every fixture also goes through the serde_json `Value` path untouched.
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::from_value::<PscClaims>(value).unwrap(), claims);
    }
}

#[test]
fn lyon_hospital_physician_with_card() {
    let claims = parse(LYON_PHYSICIAN);
    assert_eq!(
        claims.sub.as_deref(),
        Some("f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:810001234565")
    );
    assert_eq!(claims.iss.as_deref(), Some(PRODUCTION_ISSUER));
    let subject = claims.subject().unwrap();
    assert_eq!(subject.as_str(), "810001234565");
    assert_eq!(subject.number(), "10001234565");
    assert_eq!(subject.kind(), IdKind::Rpps);
    assert!(!subject.is_test_identity());

    assert_eq!(claims.given_name.as_deref(), Some("CAMILLE"));
    assert_eq!(claims.family_name.as_deref(), Some("VERNADEAU"));
    assert_eq!(claims.acr.as_deref(), Some("eidas3"));
    assert_eq!(claims.amr, None);
    assert_eq!(claims.auth_time, Some(1_763_453_688));
    assert_eq!(claims.iat, Some(1_763_453_700));
    assert_eq!(
        claims.sid.as_deref(),
        Some("3b1f7a2e-8c4d-4e0a-9f61-2d7b5c9e0a14")
    );
    assert_eq!(claims.auth_mode.as_deref(), Some("CARD"));
    assert_eq!(
        claims.palier_authentification.as_deref(),
        Some("APPPRIP3^1.2.250.1.213.1.5.1.1.1")
    );
    assert_eq!(
        claims.other_ids,
        Some(vec![
            OtherId {
                identifiant: Some("810001234565".into()),
                origine: Some("RPPS".into()),
                qualite: Some("1".into()),
            },
            OtherId {
                identifiant: Some("10001234565".into()),
                origine: Some("EDIT".into()),
                qualite: Some("0".into()),
            },
        ])
    );
    assert_eq!(
        claims.subject_organization.as_deref(),
        Some("CHU FICTIF DE LYON - HOPITAL EST")
    );
    assert_eq!(claims.subject_organization_id.as_deref(), Some("690000011"));
    assert_eq!(
        claims.subject_role,
        Some(strings(&["10^1.2.250.1.213.1.1.5.5"]))
    );
    assert_eq!(
        claims.secteur_activite,
        Some(strings(&["SA01^1.2.250.1.71.4.2.4"]))
    );

    let ref_pro = claims.subject_ref_pro.as_ref().unwrap();
    assert_eq!(ref_pro.code_civilite.as_deref(), Some("M"));
    let exercices = ref_pro.exercices.as_ref().unwrap();
    assert_eq!(exercices.len(), 1);
    assert_eq!(exercices[0].code_profession.as_deref(), Some("10"));
    assert_eq!(
        exercices[0].code_categorie_professionnelle.as_deref(),
        Some("C")
    );
    assert_eq!(exercices[0].nom_dexercice.as_deref(), Some("VERNADEAU"));
    let activities = exercices[0].activities.as_ref().unwrap();
    assert_eq!(activities.len(), 2);
    let chu = &activities[0];
    assert_eq!(chu.code_mode_exercice.as_deref(), Some("S"));
    assert_eq!(chu.code_secteur_dactivite.as_deref(), Some("SA01"));
    assert_eq!(chu.numero_finess_site.as_deref(), Some("690000011"));
    assert_eq!(
        chu.numero_finess_etablissement_juridique.as_deref(),
        Some("690000003")
    );
    assert_eq!(chu.numero_siret_site.as_deref(), Some("26690000100017"));
    assert_eq!(chu.code_postal.as_deref(), Some("69003"));
    assert_eq!(chu.code_commune.as_deref(), Some("69383"));
    assert_eq!(chu.code_pays.as_deref(), Some("99000"));
    assert_eq!(chu.code_departement.as_deref(), Some("69"));
    assert_eq!(
        chu.autorite_denregistrement.as_deref(),
        Some("CNOM/CNOM/CNOM")
    );
    let cabinet = &activities[1];
    assert_eq!(cabinet.code_mode_exercice.as_deref(), Some("L"));
    assert_eq!(
        cabinet.raison_sociale_site.as_deref(),
        Some("CABINET DU DR VERNADEAU")
    );
    assert_eq!(cabinet.code_postal.as_deref(), Some("69006"));
    // PSC sends absent values as empty strings.
    assert_eq!(cabinet.code_pays.as_deref(), Some(""));
    assert_eq!(cabinet.numero_finess_site.as_deref(), Some(""));

    // One place per activity, both in the Rhône; the list is deduplicated.
    assert_eq!(
        places(&[chu.location().unwrap(), cabinet.location().unwrap()]),
        vec![("FR", Some("69")), ("FR", Some("69"))]
    );
    assert_eq!(
        places(&claims.activity_locations()),
        vec![("FR", Some("69"))]
    );

    // Tuesday 2025-11-18 08:15:02 UTC is 09:15 in Paris (winter time): hour 24 + 9.
    let now = datetime!(2025-11-18 08:15:02 UTC);
    let ctx = RiskContext::from_psc_claims(now, &claims)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(ctx.subject().as_str(), "810001234565");
    assert_eq!(ctx.now(), now);
    assert_eq!(
        ctx.event().auth,
        AuthFacts {
            acr: Some(Acr::Eidas3),
            amr: None,
            auth_time: Some(datetime!(2025-11-18 08:14:48 UTC)),
            issued_at: Some(datetime!(2025-11-18 08:15:00 UTC)),
            mode: Some(AuthMode::Card),
            issuer: Some(PRODUCTION_ISSUER.into()),
        }
    );
    assert_eq!(
        places(ctx.event().practice.as_deref().unwrap()),
        vec![("FR", Some("69"))]
    );
    assert_eq!(ctx.event().local_time, LocalTime::EuropeParis);
    assert_eq!(ctx.hour_of_week(), 33);
}

#[test]
fn reunion_liberal_nurse_ecps_with_sso_reuse() {
    let claims = parse(REUNION_NURSE);
    let subject = claims.subject().unwrap();
    assert_eq!(subject.as_str(), "0976012345");
    assert_eq!(subject.kind(), IdKind::Adeli);
    assert!(!subject.is_test_identity());

    // The `otherIDs` spelling is read into `other_ids`; the numeric `qualite` becomes text.
    assert_eq!(
        claims.other_ids,
        Some(vec![OtherId {
            identifiant: Some("0976012345".into()),
            origine: Some("EDIT".into()),
            qualite: Some("1".into()),
        }])
    );
    assert_eq!(claims.acr.as_deref(), Some("eidas1"));
    assert_eq!(claims.auth_time, Some(1_764_558_900));
    assert_eq!(claims.iat, Some(1_764_563_400));
    // PSC reused its SSO session: authenticated 75 minutes before the token was issued.
    assert_eq!(
        claims.iat.unwrap() - claims.auth_time.unwrap(),
        75 * 60,
        "fixture invariant"
    );
    assert_eq!(
        claims.secteur_activite,
        Some(strings(&["SA07^1.2.250.1.71.4.2.4"]))
    );

    let exercice = &claims
        .subject_ref_pro
        .as_ref()
        .unwrap()
        .exercices
        .as_ref()
        .unwrap()[0];
    // Directory codes sent as numbers are kept as text.
    assert_eq!(exercice.code_profession.as_deref(), Some("60"));
    let activity = &exercice.activities.as_ref().unwrap()[0];
    assert_eq!(activity.code_postal.as_deref(), Some("97400"));
    assert_eq!(activity.code_commune.as_deref(), Some("97411"));
    assert_eq!(activity.code_departement.as_deref(), Some("974"));
    // La Réunion is `RE` (as GeoIP reports it), even with the INSEE code of France.
    assert_eq!(
        places(&claims.activity_locations()),
        vec![("RE", Some("974"))]
    );

    // Monday 2025-12-01 04:30:01 UTC.
    let now = datetime!(2025-12-01 04:30:01 UTC);
    let ctx = RiskContext::from_psc_claims(now, &claims)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        ctx.event().auth,
        AuthFacts {
            acr: Some(Acr::Eidas1),
            amr: None,
            auth_time: Some(datetime!(2025-12-01 03:15:00 UTC)),
            issued_at: Some(datetime!(2025-12-01 04:30:00 UTC)),
            mode: Some(AuthMode::Ecps),
            issuer: Some(PRODUCTION_ISSUER.into()),
        }
    );
    assert_eq!(
        places(ctx.event().practice.as_deref().unwrap()),
        vec![("RE", Some("974"))]
    );
    // Every place of practice is in La Réunion: its UTC+4 applies (08:30), not Paris time
    // (05:30), unless the caller says otherwise.
    assert_eq!(
        ctx.event().local_time,
        LocalTime::Fixed {
            offset_minutes: 240
        }
    );
    assert_eq!(ctx.hour_of_week(), 8);
    let ctx = RiskContext::from_psc_claims(now, &claims)
        .unwrap()
        .local_time(LocalTime::EuropeParis)
        .build()
        .unwrap();
    assert_eq!(ctx.hour_of_week(), 5);
}

#[test]
fn sandbox_identity_is_flagged() {
    let claims = parse(SANDBOX);
    assert_eq!(
        claims.sub.as_deref(),
        Some("f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:899700771191")
    );
    let subject = claims.subject().unwrap();
    assert_eq!(subject.as_str(), "899700771191");
    assert_eq!(subject.kind(), IdKind::Rpps);
    assert!(subject.is_test_identity());
    assert_eq!(claims.acr.as_deref(), Some("eidas1"));
    assert_eq!(claims.auth_time, Some(1_759_915_790));
    assert_eq!(claims.iat, Some(1_759_915_800));
    assert_eq!(
        places(&claims.activity_locations()),
        vec![("FR", Some("75"))]
    );

    // Wednesday 2025-10-08 09:30:05 UTC is 11:30 in Paris (summer time): hour 2 * 24 + 11.
    let now = datetime!(2025-10-08 09:30:05 UTC);
    let ctx = RiskContext::from_psc_claims(now, &claims)
        .unwrap()
        .build()
        .unwrap();
    assert!(ctx.subject().is_test_identity());
    assert_eq!(ctx.issuer_host(), Some("auth.bas.psc.esante.gouv.fr"));
    assert_eq!(ctx.event().auth.acr, Some(Acr::Eidas1));
    assert_eq!(
        ctx.event().auth.auth_time,
        Some(datetime!(2025-10-08 09:29:50 UTC))
    );
    assert_eq!(
        ctx.event().auth.issued_at,
        Some(datetime!(2025-10-08 09:30:00 UTC))
    );
    assert_eq!(
        places(ctx.event().practice.as_deref().unwrap()),
        vec![("FR", Some("75"))]
    );
    assert_eq!(ctx.hour_of_week(), 59);
}

#[test]
fn minimal_claims() {
    let claims = parse(MINIMAL);
    // `sub` ends with another RPPS number: the subject comes from `SubjectNameID` only.
    assert_eq!(
        claims.sub.as_deref(),
        Some("f:2c8e61d4-7b90-4a3f-9e15-c04d8b7a6f32:810011111118")
    );
    let subject = claims.subject().unwrap();
    assert_eq!(subject.as_str(), "810023456782");
    assert_eq!(subject.kind(), IdKind::Rpps);
    assert!(!subject.is_test_identity());
    assert_eq!(claims.preferred_username, None);
    assert_eq!(claims.acr, None);
    assert_eq!(claims.amr, None);
    assert_eq!(claims.auth_time, None);
    assert_eq!(claims.iat, Some(1_768_223_100));
    assert_eq!(claims.auth_mode, None);
    assert_eq!(claims.other_ids, None);
    assert_eq!(claims.subject_role, None);
    assert_eq!(claims.subject_ref_pro, None);
    assert_eq!(places(&claims.activity_locations()), vec![]);

    // Monday 2026-01-12 13:05 UTC is 14:05 in Paris: hour 14.
    let now = datetime!(2026-01-12 13:05:00 UTC);
    let ctx = RiskContext::from_psc_claims(now, &claims)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(ctx.subject().as_str(), "810023456782");
    assert_eq!(
        ctx.event().auth,
        AuthFacts {
            acr: None,
            amr: None,
            auth_time: None,
            issued_at: Some(datetime!(2026-01-12 13:05:00 UTC)),
            mode: None,
            issuer: None,
        }
    );
    // No `SubjectRefPro`: places not provided (not "no places").
    assert_eq!(ctx.event().practice, None);
    assert_eq!(ctx.hour_of_week(), 14);
}

#[test]
fn pharmacist_with_unknown_claim_unknown_acr_and_foreign_activity() {
    let claims = parse(PHARMACIST);
    let subject = claims.subject().unwrap();
    assert_eq!(subject.as_str(), "810031415929");
    assert_eq!(subject.kind(), IdKind::Rpps);
    assert!(!subject.is_test_identity());
    // An unknown acr value is kept as data, not rejected.
    assert_eq!(claims.acr.as_deref(), Some("urn:esante:loa:substantial"));
    // `SubjectRole` sent as one string.
    assert_eq!(
        claims.subject_role,
        Some(strings(&["21^1.2.250.1.213.1.1.5.5"]))
    );
    assert_eq!(
        claims.secteur_activite,
        Some(strings(&["SA33^1.2.250.1.71.4.2.4"]))
    );
    let activities = claims
        .subject_ref_pro
        .as_ref()
        .unwrap()
        .exercices
        .as_ref()
        .unwrap()[0]
        .activities
        .as_ref()
        .unwrap();
    assert_eq!(activities[1].code_pays.as_deref(), Some("BE"));
    assert_eq!(activities[1].code_postal.as_deref(), Some("7500"));
    // Belgium (no department) sorts before France.
    assert_eq!(
        places(&claims.activity_locations()),
        vec![("BE", None), ("FR", Some("59"))]
    );

    // The unknown claim is dropped: serializing the claims does not carry it.
    let back = serde_json::to_string(&claims).unwrap();
    assert!(!back.contains("esante_assurance_context"), "{back}");

    // Tuesday 2025-06-03 18:40:01 UTC is 20:40 in Paris (summer time): hour 24 + 20.
    let now = datetime!(2025-06-03 18:40:01 UTC);
    let ctx = RiskContext::from_psc_claims(now, &claims)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        ctx.event().auth,
        AuthFacts {
            acr: Some(Acr::Unknown),
            amr: None,
            auth_time: Some(datetime!(2025-06-03 18:39:30 UTC)),
            issued_at: Some(datetime!(2025-06-03 18:40:00 UTC)),
            mode: Some(AuthMode::Card),
            issuer: Some(PRODUCTION_ISSUER.into()),
        }
    );
    assert!(Acr::Unknown < Acr::Eidas1);
    assert_eq!(
        places(ctx.event().practice.as_deref().unwrap()),
        vec![("BE", None), ("FR", Some("59"))]
    );
    assert_eq!(ctx.hour_of_week(), 44);
}

#[test]
fn userinfo_midwife_identified_by_preferred_username() {
    let claims = parse(MIDWIFE);
    assert_eq!(claims.subject_name_id, None);
    assert_eq!(claims.preferred_username.as_deref(), Some("810098765430"));
    let subject = claims.subject().unwrap();
    assert_eq!(subject.as_str(), "810098765430");
    assert_eq!(subject.kind(), IdKind::Rpps);
    // `amr` sent as one string.
    assert_eq!(claims.amr, Some(strings(&["mfa"])));
    assert_eq!(claims.acr.as_deref(), Some("eidas2"));
    // Ajaccio (20090) is Corse-du-Sud.
    assert_eq!(
        places(&claims.activity_locations()),
        vec![("FR", Some("2A"))]
    );

    // Sunday 2025-03-30 00:30 UTC is 01:30 in Paris, half an hour before the switch to summer
    // time: hour 6 * 24 + 1.
    let now = datetime!(2025-03-30 00:30:00 UTC);
    let ctx = RiskContext::from_psc_claims(now, &claims)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(ctx.subject().as_str(), "810098765430");
    assert_eq!(
        ctx.event().auth,
        AuthFacts {
            acr: Some(Acr::Eidas2),
            amr: Some(strings(&["mfa"])),
            auth_time: Some(datetime!(2025-03-30 00:29:40 UTC)),
            issued_at: Some(datetime!(2025-03-30 00:30:00 UTC)),
            mode: None,
            issuer: None,
        }
    );
    assert_eq!(
        places(ctx.event().practice.as_deref().unwrap()),
        vec![("FR", Some("2A"))]
    );
    assert_eq!(ctx.hour_of_week(), 145);
}

#[test]
fn claim_names_are_case_sensitive() {
    // `subjectNameID`, `Sub` and `ACR` are not PSC claims: ignored.
    let claims = parse(r#"{"Sub": "x", "subjectNameID": "810001234565", "ACR": "eidas3"}"#);
    assert_eq!(claims.sub, None);
    assert_eq!(claims.subject(), Err(ClaimsError::NoSubject));
    assert_eq!(claims.acr, None);
}

#[test]
fn missing_or_null_sub_is_accepted() {
    // ANS's own trimmed UserInfo and vendors' excerpts have no `sub`: the subject comes from
    // `SubjectNameID` anyway.
    for json in [
        r#"{"SubjectNameID": "810001234565", "iat": 1759915800}"#,
        r#"{"sub": null, "SubjectNameID": "810001234565"}"#,
    ] {
        let claims = parse(json);
        assert_eq!(claims.sub, None, "{json}");
        assert_eq!(claims.subject().unwrap().as_str(), "810001234565");
    }
    assert_eq!(parse("{}").subject(), Err(ClaimsError::NoSubject));
}

#[test]
fn no_subject_claim() {
    let claims = parse(r#"{"sub": "f:0e3c:810001234565", "iat": 1759915800}"#);
    assert_eq!(claims.subject(), Err(ClaimsError::NoSubject));
    let e = RiskContext::from_psc_claims(datetime!(2025-10-08 09:30 UTC), &claims).unwrap_err();
    assert_eq!(e, ContextError::Claims(ClaimsError::NoSubject));
    assert_eq!(
        e.to_string(),
        "claims carry neither `SubjectNameID` nor `preferred_username`"
    );
}

#[test]
fn subject_with_bad_luhn_is_kept_as_an_unrecognised_subject() {
    let claims = parse(
        r#"{"sub": "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:810001234564",
            "SubjectNameID": "810001234564", "preferred_username": "810001234565"}"#,
    );
    // `SubjectNameID` wins even when `preferred_username` looks better: PSC vouches for it.
    let subject = claims.subject().unwrap();
    assert_eq!(subject.as_str(), "810001234564");
    assert_eq!(subject.kind(), IdKind::Unrecognised);
    assert_eq!(subject.check_failure(), Some(IdRule::RppsLuhn));
    let ctx = RiskContext::from_psc_claims(datetime!(2025-10-08 09:30 UTC), &claims)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(ctx.subject().kind(), IdKind::Unrecognised);
}

#[test]
fn subject_that_cannot_be_one_names_claim_and_value() {
    let claims = parse(r#"{"sub": "x", "SubjectNameID": "8100\r\n01234565"}"#);
    let e = claims.subject().unwrap_err();
    match &e {
        ClaimsError::Subject { claim, source } => {
            assert_eq!(*claim, "SubjectNameID");
            assert_eq!(source.value(), "8100\\u{d}\\u{a}01234565");
            assert_eq!(source.rule(), IdRule::Character { found: '\r', at: 4 });
        }
        other => panic!("unexpected {other:?}"),
    }
    let e = RiskContext::from_psc_claims(datetime!(2025-10-08 09:30 UTC), &claims).unwrap_err();
    assert_eq!(
        e.to_string(),
        "claim `SubjectNameID`: national id `8100\\u{d}\\u{a}01234565`: has a character that is not visible ASCII (`\\r` at byte 4)"
    );
    // The fallback claim is named when it is the one used.
    let claims = parse(r#"{"sub": "x", "preferred_username": ""}"#);
    assert_eq!(
        claims.subject().unwrap_err().to_string(),
        "claim `preferred_username`: national id ``: is empty"
    );
}

#[test]
fn wrong_types_are_errors_not_panics() {
    let cases = [
        r#"{"sub": 12}"#,
        r#"{"sub": ["x"]}"#,
        r#"{"sub": "x", "SubjectNameID": {"id": "810001234565"}}"#,
        r#"{"sub": "x", "SubjectNameID": ["810001234565"]}"#,
        r#"{"sub": "x", "iat": "1759915800"}"#,
        r#"{"sub": "x", "auth_time": 1759915800.5}"#,
        r#"{"sub": "x", "auth_time": 1e30}"#,
        r#"{"sub": "x", "iat": 18446744073709551615}"#,
        r#"{"sub": "x", "acr": 3}"#,
        r#"{"sub": "x", "acr": ["eidas1"]}"#,
        r#"{"sub": "x", "amr": 5}"#,
        r#"{"sub": "x", "amr": [1, 2]}"#,
        r#"{"sub": "x", "authMode": {"mode": "CARD"}}"#,
        r#"{"sub": "x", "SubjectRole": {"role": "10"}}"#,
        r#"{"sub": "x", "Secteur_Activite": [["SA07"]]}"#,
        r#"{"sub": "x", "otherIds": {"identifiant": "810001234565"}}"#,
        r#"{"sub": "x", "otherIDs": ["810001234565"]}"#,
        r#"{"sub": "x", "otherIds": [{"identifiant": {"v": 1}}]}"#,
        r#"{"sub": "x", "SubjectRefPro": "text"}"#,
        r#"{"sub": "x", "SubjectRefPro": {"exercices": {"codeProfession": "10"}}}"#,
        r#"{"sub": "x", "SubjectRefPro": {"exercices": [{"activities": "69003"}]}}"#,
        r#"{"sub": "x", "SubjectRefPro": {"exercices": [{"activities": [{"codePostal": ["69003"]}]}]}}"#,
        r#"{"sub": "x", "SubjectRefPro": {"exercices": [{"activities": [{"codePays": {"iso": "FR"}}]}]}}"#,
        r#"[]"#,
        r#"[12]"#,
        r#"null"#,
        r#""sub""#,
        r#"{"sub": "x", "iat": 1759915800"#,
        "",
    ];
    for json in cases {
        assert!(
            serde_json::from_str::<PscClaims>(json).is_err(),
            "accepted: {json}"
        );
    }
}

#[test]
fn numeric_directory_codes_are_text() {
    let claims = parse(
        r#"{"sub": "x", "SubjectNameID": "810001234565",
            "otherIds": [{"identifiant": 10001234565, "origine": "RPPS", "qualite": 1}],
            "SubjectRefPro": {"codeCivilite": 1, "exercices": [{"codeProfession": 10,
                "activities": [{"codePostal": 1000, "codeCommune": 1053, "codeDepartement": 1}]}]}}"#,
    );
    assert_eq!(
        claims.other_ids.as_ref().unwrap()[0].identifiant.as_deref(),
        Some("10001234565")
    );
    let ref_pro = claims.subject_ref_pro.as_ref().unwrap();
    assert_eq!(ref_pro.code_civilite.as_deref(), Some("1"));
    let activity = &ref_pro.exercices.as_ref().unwrap()[0]
        .activities
        .as_ref()
        .unwrap()[0];
    // A postal code sent as a number gets its leading zero back (Bourg-en-Bresse, Ain).
    assert_eq!(activity.code_postal.as_deref(), Some("01000"));
    assert_eq!(activity.code_commune.as_deref(), Some("1053"));
    assert_eq!(
        places(&claims.activity_locations()),
        vec![("FR", Some("01"))]
    );
}

#[test]
fn negative_auth_time_is_a_timestamp_error() {
    let claims = parse(r#"{"sub": "x", "SubjectNameID": "810001234565", "auth_time": -5}"#);
    assert_eq!(claims.auth_time, Some(-5));
    let e = RiskContext::from_psc_claims(datetime!(2025-10-08 09:30 UTC), &claims)
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        ContextError::Timestamp {
            field: "auth.auth_time",
            value: "-5".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "`auth.auth_time` `-5` is not a time between 1970 and 9999"
    );

    // Beyond year 9999 is not representable either.
    let claims = parse(r#"{"sub": "x", "SubjectNameID": "810001234565", "iat": 253402300800}"#);
    let e = RiskContext::from_psc_claims(datetime!(2025-10-08 09:30 UTC), &claims)
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        ContextError::Timestamp {
            field: "auth.issued_at",
            value: "253402300800".into(),
        }
    );
}

#[test]
fn auth_time_two_hours_after_now_is_in_future() {
    // auth_time 1759923000 is 2025-10-08 11:30 UTC, two hours after the login; iat is 09:30 UTC.
    let claims = parse(
        r#"{"sub": "x", "SubjectNameID": "810001234565", "auth_time": 1759923000, "iat": 1759915800}"#,
    );
    let now = datetime!(2025-10-08 09:30 UTC);
    let e = RiskContext::from_psc_claims(now, &claims)
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        ContextError::InFuture {
            field: "auth.auth_time",
            value: datetime!(2025-10-08 11:30 UTC),
            now,
            tolerance: Duration::minutes(5),
        }
    );
    let text = e.to_string();
    assert!(
        text.starts_with("`auth.auth_time` `2025-10-08T11:30:00Z`"),
        "{text}"
    );

    // `iat` in the future is named the same way.
    let claims = parse(r#"{"sub": "x", "SubjectNameID": "810001234565", "iat": 1759916401}"#);
    let e = RiskContext::from_psc_claims(now, &claims)
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        ContextError::InFuture {
            field: "auth.issued_at",
            value: datetime!(2025-10-08 09:40:01 UTC),
            now,
            tolerance: Duration::minutes(5),
        }
    );
}

#[test]
fn over_long_acr_claim_is_rejected() {
    let json = format!(
        r#"{{"sub": "x", "SubjectNameID": "810001234565", "acr": "{}"}}"#,
        "a".repeat(129)
    );
    let claims = parse(&json);
    let e = RiskContext::from_psc_claims(datetime!(2025-10-08 09:30 UTC), &claims)
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        ContextError::TooLong {
            field: "auth.acr",
            value: format!("{}…", "a".repeat(64)),
            len: 129,
            max: 128,
        }
    );
}

// ---- The shapes of real PSC responses (ANS's repositories and public integrations). ----

#[test]
fn subject_name_id_sent_as_a_number_is_text() {
    // An integrator's mock sends `{"SubjectNameID": 1234567890}`.
    let claims = parse(r#"{"SubjectNameID": 1234567890}"#);
    let subject = claims.subject().unwrap();
    assert_eq!(subject.as_str(), "1234567890");
    assert_eq!(subject.kind(), IdKind::Unrecognised);
}

#[test]
fn ans_sandbox_account_userinfo_builds_a_test_identity() {
    let claims = parse(ANS_ACCOUNT);
    let subject = claims.subject().unwrap();
    assert_eq!(subject.kind(), IdKind::Unrecognised);
    assert_eq!(subject.check_failure(), None);
    assert!(subject.is_test_identity());
    // A UserInfo response: the directory record and `authMode`, no authentication times.
    let ctx = RiskContext::from_psc(datetime!(2024-03-12 08:00 UTC), &claims, None)
        .unwrap()
        .build()
        .unwrap();
    let auth = &ctx.event().auth;
    assert_eq!(auth.mode, Some(AuthMode::Ecps));
    assert_eq!(
        (auth.acr, auth.auth_time, auth.issued_at),
        (None, None, None)
    );
    assert_eq!(auth.issuer, None);
    assert_eq!(
        places(ctx.event().practice.as_deref().unwrap()),
        vec![("FR", Some("44"))]
    );
}

#[test]
fn structure_staff_userinfo_without_sub() {
    let claims = parse(STAFF);
    assert_eq!(claims.sub, None);
    let subject = claims.subject().unwrap();
    assert_eq!(subject.kind(), IdKind::FinessStaff);
    assert!(subject.kind().is_structure_staff());
    let ctx = RiskContext::from_psc(datetime!(2025-10-08 09:30 UTC), &claims, None)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(ctx.event().auth.mode, Some(AuthMode::Card));
    // Bastia (20200) is Haute-Corse.
    assert_eq!(
        places(ctx.event().practice.as_deref().unwrap()),
        vec![("FR", Some("2B"))]
    );
}

#[test]
fn id_token_alone_has_no_places() {
    let token = parse(ID_TOKEN);
    assert!(token.subject_ref_pro.is_none());
    let now = datetime!(2025-11-27 10:00:02 UTC);
    let ctx = RiskContext::from_psc(now, &token, None)
        .unwrap()
        .build()
        .unwrap();
    let auth = &ctx.event().auth;
    assert_eq!(auth.acr, Some(Acr::Eidas1));
    assert_eq!(auth.mode, Some(AuthMode::Ecps));
    assert_eq!(auth.auth_time, Some(datetime!(2025-11-27 08:59 UTC)));
    assert_eq!(auth.issuer.as_deref(), Some(PRODUCTION_ISSUER));
    assert_eq!(ctx.issuer_host(), Some("auth.esw.esante.gouv.fr"));
    // Places not provided: `practice.location_mismatch` is not evaluated, not "no places".
    assert_eq!(ctx.event().practice, None);
}

#[test]
fn userinfo_alone_has_no_authentication_facts() {
    let userinfo = parse(USERINFO);
    assert_eq!(
        (userinfo.acr.as_ref(), userinfo.auth_time, userinfo.iat),
        (None, None, None)
    );
    let ctx = RiskContext::from_psc(datetime!(2025-11-27 10:00:02 UTC), &userinfo, None)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(ctx.event().auth.acr, None);
    assert_eq!(ctx.event().practice.as_ref().map(Vec::len), Some(1));
}

#[test]
fn id_token_and_userinfo_merged_give_everything() {
    let (token, userinfo) = (parse(ID_TOKEN), parse(USERINFO));
    let now = datetime!(2025-11-27 10:00:02 UTC);
    let ctx = RiskContext::from_psc(now, &token, Some(&userinfo))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(ctx.subject().as_str(), "810002345675");
    assert_eq!(
        ctx.event().auth,
        AuthFacts {
            acr: Some(Acr::Eidas1),
            amr: None,
            auth_time: Some(datetime!(2025-11-27 08:59 UTC)),
            issued_at: Some(datetime!(2025-11-27 10:00 UTC)),
            mode: Some(AuthMode::Ecps),
            issuer: Some(PRODUCTION_ISSUER.into()),
        }
    );
    // Both activities are in Ille-et-Vilaine (one postal code sent as a number).
    assert_eq!(
        places(ctx.event().practice.as_deref().unwrap()),
        vec![("FR", Some("35"))]
    );
    // The same as merging by hand and reading one claim set.
    let merged = PscClaims::merge(&token, &userinfo).unwrap();
    let by_hand = RiskContext::from_psc_claims(now, &merged)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(by_hand, ctx);
}

#[test]
fn id_token_and_userinfo_of_different_logins_are_refused() {
    let token = parse(ID_TOKEN);
    let now = datetime!(2025-11-27 10:00:02 UTC);
    // Another professional's UserInfo.
    let e = RiskContext::from_psc(now, &token, Some(&parse(LYON_PHYSICIAN))).unwrap_err();
    assert!(
        matches!(
            e,
            ContextError::Claims(ClaimsError::DifferentSubjects { claim: "sub", .. })
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "the ID token and the UserInfo are of different subjects: `sub` is \
         `f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:810002345675` in the ID token and \
         `f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:810001234565` in the UserInfo"
    );
    // Same `sub`, another subject claim.
    let mut userinfo = parse(USERINFO);
    userinfo.subject_name_id = Some("810001234565".into());
    userinfo.preferred_username = None;
    let e = RiskContext::from_psc(now, &token, Some(&userinfo)).unwrap_err();
    assert!(
        matches!(
            e,
            ContextError::Claims(ClaimsError::DifferentSubjects {
                claim: "preferred_username",
                ..
            })
        ),
        "{e:?}"
    );
}

#[test]
fn token_of_2026_with_a_uuid_sub() {
    let claims = parse(TOKEN_2026);
    assert_eq!(
        claims.sub.as_deref(),
        Some("9a41c2e7-5b3d-4f86-8e0a-d17c3b6f2e95")
    );
    let ctx = RiskContext::from_psc(datetime!(2026-07-02 11:02:01 UTC), &claims, None)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(ctx.subject().as_str(), "810003456786");
    assert_eq!(ctx.subject().kind(), IdKind::Rpps);
    assert_eq!(ctx.event().auth.mode, Some(AuthMode::Card));
    assert_eq!(ctx.event().auth.acr, Some(Acr::Eidas1));
}

#[test]
fn identity_less_id_token_is_a_clear_error() {
    // ANS's synthetic ID-token fixture shape: no professional id at all.
    let claims = parse(
        r#"{"sub": "someSub", "iss": "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet",
            "aud": "someClient", "nonce": "n", "idp": "PSC", "acr": "eidas1", "amr": null}"#,
    );
    let e = RiskContext::from_psc(datetime!(2025-10-08 09:30 UTC), &claims, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "claims carry neither `SubjectNameID` nor `preferred_username`"
    );
}

#[test]
fn auth_mode_values() {
    for (claim, mode) in [
        ("CARD", AuthMode::Card),
        ("MOBILE", AuthMode::Ecps),
        ("mobile", AuthMode::Ecps),
        ("PASSKEY", AuthMode::Other("PASSKEY".into())),
    ] {
        let claims = parse(&format!(
            r#"{{"SubjectNameID": "810001234565", "authMode": "{claim}"}}"#
        ));
        let ctx = RiskContext::from_psc(datetime!(2025-10-08 09:30 UTC), &claims, None)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(ctx.event().auth.mode, Some(mode), "{claim}");
        // The login event reads back.
        let json = serde_json::to_string(&ctx).unwrap();
        assert_eq!(serde_json::from_str::<RiskContext>(&json).unwrap(), ctx);
    }
    // An empty `authMode` is absent, as PSC sends absent values.
    let claims = parse(r#"{"SubjectNameID": "810001234565", "authMode": ""}"#);
    let ctx = RiskContext::from_psc_claims(datetime!(2025-10-08 09:30 UTC), &claims)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(ctx.event().auth.mode, None);
}

// ---- Rules on what the claims say. ----

fn policy_with(rule_when: &str) -> Result<ecps_risk::Policy, ecps_risk::PolicyError> {
    let text = format!(
        "id = \"facts\"\nversion = \"1\"\n[thresholds]\nstep_up = 10\nreview = 20\ndeny = 30\n\
         [[rules]]\nid = \"r\"\nwhen = {rule_when}\neffect = {{ points = 10 }}\n"
    );
    ecps_risk::Policy::compile(toml::from_str(&text).unwrap())
}

fn fires(policy: &ecps_risk::Policy, claims: &PscClaims) -> bool {
    let ctx = RiskContext::from_psc(login_time(claims), claims, None)
        .unwrap()
        .build()
        .unwrap();
    let a = policy.evaluate(
        &ctx,
        &ecps_risk::Profile::new(),
        &ecps_risk::Environment::empty(),
    );
    a.reasons().any(|r| r.rule_id() == "r")
}

fn login_time(claims: &PscClaims) -> time::OffsetDateTime {
    claims
        .iat
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t + 1).ok())
        .unwrap_or(datetime!(2025-11-27 10:00 UTC))
}

#[test]
fn rules_tell_the_card_from_the_ecps() {
    let ecps = policy_with(r#"{ compare = { fact = "auth.mode", eq = "ecps" } }"#).unwrap();
    let card = policy_with(r#"{ compare = { fact = "auth.mode", eq = "card" } }"#).unwrap();
    assert!(fires(&ecps, &parse(ID_TOKEN)) && !fires(&card, &parse(ID_TOKEN)));
    assert!(fires(&card, &parse(TOKEN_2026)) && !fires(&ecps, &parse(TOKEN_2026)));
    // No `authMode`: neither (the comparison is unknown, never read as one or the other).
    assert!(!fires(&ecps, &parse(MINIMAL)) && !fires(&card, &parse(MINIMAL)));
    let other = policy_with(r#"{ compare = { fact = "auth.mode", eq = "other" } }"#).unwrap();
    assert!(fires(
        &other,
        &parse(r#"{"SubjectNameID": "810001234565", "authMode": "FIDO2"}"#)
    ));
    // PSC's own spelling is not a value of the fact: the error lists the values.
    let e = policy_with(r#"{ compare = { fact = "auth.mode", eq = "MOBILE" } }"#).unwrap_err();
    assert!(
        e.to_string()
            .contains("`MOBILE` is not a valid value (one of `card`, `ecps`, `other`)"),
        "{e}"
    );
}

#[test]
fn rules_tell_sandbox_issuers_and_identities() {
    let sandbox_issuer = policy_with(
        r#"{ compare = { fact = "auth.issuer_host", in = ["AUTH.BAS.PSC.ESANTE.GOUV.FR", "auth.bas.esw.esante.gouv.fr"] } }"#,
    )
    .unwrap();
    assert!(fires(&sandbox_issuer, &parse(SANDBOX)));
    assert!(!fires(&sandbox_issuer, &parse(LYON_PHYSICIAN)));
    let exact = policy_with(&format!(
        r#"{{ compare = {{ fact = "auth.issuer", eq = "{PRODUCTION_ISSUER}" }} }}"#
    ))
    .unwrap();
    assert!(fires(&exact, &parse(LYON_PHYSICIAN)) && !fires(&exact, &parse(SANDBOX)));
    let test =
        policy_with(r#"{ compare = { fact = "subject.test_identity", eq = true } }"#).unwrap();
    assert!(fires(&test, &parse(ANS_ACCOUNT)) && fires(&test, &parse(SANDBOX)));
    assert!(!fires(&test, &parse(STAFF)));
}

#[test]
fn rules_tell_subject_kinds() {
    let staff = policy_with(
        r#"{ compare = { fact = "subject.kind", in = ["adeli_cabinet_staff", "finess_staff", "siren_staff", "siret_staff", "rpps_cabinet_staff"] } }"#,
    )
    .unwrap();
    let unrecognised =
        policy_with(r#"{ compare = { fact = "subject.kind", eq = "unrecognised" } }"#).unwrap();
    assert!(fires(&staff, &parse(STAFF)) && !fires(&staff, &parse(LYON_PHYSICIAN)));
    assert!(fires(&unrecognised, &parse(ANS_ACCOUNT)));
    assert!(!fires(&unrecognised, &parse(REUNION_NURSE)));
    for kind in IdKind::ALL {
        let p = policy_with(&format!(
            r#"{{ compare = {{ fact = "subject.kind", eq = "{kind}" }} }}"#
        ));
        assert!(p.is_ok(), "{kind}");
    }
    let e = policy_with(r#"{ compare = { fact = "subject.kind", eq = "structure_staff" } }"#)
        .unwrap_err();
    assert!(e.to_string().contains("one of `rpps`, `adeli`"), "{e}");
}

#[test]
fn the_recommended_policy_holds_sandbox_tokens_for_review() {
    let policy = ecps_risk::Policy::recommended();
    for json in [SANDBOX, ANS_ACCOUNT] {
        let claims = parse(json);
        let ctx = RiskContext::from_psc(login_time(&claims), &claims, None)
            .unwrap()
            .build()
            .unwrap();
        let a = policy.evaluate(
            &ctx,
            &ecps_risk::Profile::new(),
            &ecps_risk::Environment::empty(),
        );
        assert!(a.decision() >= ecps_risk::Decision::Review, "{a}");
        assert!(a.reasons().any(|r| r.rule_id() == "sandbox-identity"));
    }
}

#[test]
fn the_means_of_authentication_reaches_audit_records_and_reports() {
    use ecps_risk::{AuditRecord, IncidentReport, Privacy, PseudonymKey};
    let key = PseudonymKey::new(b"32 bytes of test key material!!!").unwrap();
    let policy = ecps_risk::Policy::recommended();
    for (json, mode, text) in [
        (ID_TOKEN, AuthMode::Ecps, "ecps"),
        (TOKEN_2026, AuthMode::Card, "card"),
    ] {
        let claims = parse(json);
        let ctx = RiskContext::from_psc(login_time(&claims), &claims, None)
            .unwrap()
            .build()
            .unwrap();
        let a = policy.evaluate(
            &ctx,
            &ecps_risk::Profile::new(),
            &ecps_risk::Environment::empty(),
        );
        let record = AuditRecord::new(&ctx, &a, &key, Privacy::default()).unwrap();
        assert_eq!(record.auth_mode, Some(mode.clone()));
        let line = serde_json::to_string(&record).unwrap();
        assert!(line.contains(&format!(r#""auth_mode":"{text}""#)), "{line}");
        assert_eq!(serde_json::from_str::<AuditRecord>(&line).unwrap(), record);
        let report = IncidentReport::new(&ctx, &a, &key, Privacy::default()).unwrap();
        assert_eq!(report.authentication.mode, Some(mode));
        assert_eq!(
            report.authentication.issuer.as_deref(),
            Some(PRODUCTION_ISSUER)
        );
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains(&format!(r#""mode":"{text}""#)), "{json}");
    }
}
