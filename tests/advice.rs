//! Advice for the professional: selection from decisions and coarse concerns, under the
//! recommended policy, and that no message ever names a detector, a rule or a score.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use ecps_risk::{
    ActivationChannel, Advice, Decision, Environment, Lang, Policy, Profile, RiskContext,
    RiskContextBuilder, SignalCode, StepUpMethod, Watchlists, detect::Concern,
    input::ContactChange, input::ContactKind, input::PushOutcome, input::ValidationRequest,
    output::AdviceCode,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2025-10-08 09:30 UTC);
const SUBJECT: &str = "810001234565";
const LAPTOP: &str = "martin-laptop";

const LISTS: &str = r#"{"lists": [
    {"name": "trusted_networks", "kind": "ip", "entries": ["10.69.0.0/16"]},
    {"name": "deactivated_ecps", "kind": "credentials", "entries": ["ecps-stolen"]},
    {"name": "blocked_activations", "kind": "blocked_subjects", "entries": []},
    {"name": "under_alert", "kind": "subjects", "entries": []},
    {"name": "anonymizers", "kind": "ip", "entries": []},
    {"name": "denied_networks", "kind": "ip", "entries": []}
]}"#;

use AdviceCode::*;

fn usual(at: OffsetDateTime) -> RiskContextBuilder {
    RiskContext::builder(at, SUBJECT.parse().unwrap())
        .acr("eidas1")
        .auth_time(at - Duration::minutes(1))
        .issued_at(at)
        .ip("10.69.12.40".parse().unwrap())
        .asn(2200)
        .country("FR")
        .user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
        .device_id(LAPTOP)
        .activation(at - Duration::days(400), ActivationChannel::CpsCard)
        .credential_id("ecps-own")
        .active_credentials(1)
        .contact_changes([])
        .validation_requests([])
        .reports([])
        .remote_control_suspected(false)
}

/// Four weeks of weekday logins at 9:00 and 14:00 Paris time.
fn profile() -> Profile {
    let mut p = Profile::new();
    for day in 1..=28 {
        let at = NOW - Duration::days(day);
        if at.weekday().number_days_from_monday() >= 5 {
            continue;
        }
        for hour in [7, 12] {
            let ctx = usual(at.replace_hour(hour).unwrap()).build().unwrap();
            p = p.confirm_safe(&ctx).unwrap();
        }
    }
    p
}

fn advise(policy: &Policy, ctx: &RiskContext) -> (Decision, Vec<AdviceCode>) {
    let lists: Watchlists = serde_json::from_str(LISTS).unwrap();
    let env = Environment::new().with_watchlists(&lists);
    let a = policy.evaluate(ctx, &profile(), &env);
    let advice = Advice::for_assessment(&a);
    (a.decision(), advice.codes().collect())
}

#[test]
fn usual_login_gets_no_advice() {
    let (d, codes) = advise(&Policy::recommended(), &usual(NOW).build().unwrap());
    assert_eq!(d, Decision::Allow);
    assert!(codes.is_empty());
}

#[test]
fn kill_chain_reminds_codes_contact_data_and_support() {
    let ctx = usual(NOW)
        .ip("41.202.77.9".parse().unwrap())
        .asn(36924)
        .country("CI")
        .device_id("fraudster-phone")
        .activation(NOW - Duration::minutes(40), ActivationChannel::EmailSms)
        .credential_id("ecps-new")
        .active_credentials(2)
        .contact_changes([ContactChange {
            at: NOW - Duration::days(3),
            kind: ContactKind::Email,
        }])
        .build()
        .unwrap();
    let (d, codes) = advise(&Policy::recommended(), &ctx);
    assert_eq!(d, Decision::Deny);
    assert_eq!(
        codes,
        [
            Refused,
            NeverShareCodes,
            CheckContactData,
            ContactAnsSupport
        ]
    );
}

#[test]
fn fresh_activation_on_own_device_steps_up_with_the_card() {
    // A professional who re-activated the e-CPS on a new phone: card step-up, and the
    // credential concern reminds them of the codes, contact data and the ANS service.
    let ctx = usual(NOW)
        .device_id("new-phone")
        .activation(NOW - Duration::hours(1), ActivationChannel::EmailSms)
        .build()
        .unwrap();
    let (d, codes) = advise(&Policy::recommended(), &ctx);
    assert_eq!(d, Decision::StepUp(StepUpMethod::CpsCard));
    assert_eq!(
        codes,
        [
            StepUpCpsCard,
            NeverShareCodes,
            CheckContactData,
            ContactAnsSupport
        ]
    );
}

#[test]
fn push_bombing_reminds_to_refuse_unsolicited_requests() {
    // The push approved at last opens the fraudster's browser.
    let ctx = usual(NOW)
        .auth_mode("MOBILE")
        .device_id("fraudster-browser")
        .validation_requests((1..=4).map(|i| ValidationRequest {
            at: NOW - Duration::minutes(4 * i),
            outcome: PushOutcome::Denied,
        }))
        .build()
        .unwrap();
    let (d, codes) = advise(&Policy::recommended(), &ctx);
    assert_eq!(d, Decision::StepUp(StepUpMethod::CpsCard));
    // An e-CPS from a device not proven hers: the e-CPS concern adds the contact data and the
    // ANS support line.
    assert_eq!(
        codes,
        [
            StepUpCpsCard,
            NeverShareCodes,
            RefuseUnsolicited,
            CheckContactData,
            ContactAnsSupport
        ]
    );
}

#[test]
fn screen_sharing_reminds_never_to_share_the_screen() {
    let ctx = usual(NOW).remote_control_suspected(true).build().unwrap();
    let (d, codes) = advise(&Policy::recommended(), &ctx);
    assert_eq!(d, Decision::Review);
    assert_eq!(
        codes,
        [
            ReviewPending,
            NeverShareCodes,
            NeverShareScreen,
            ContactAnsSupport
        ]
    );
}

#[test]
fn revoked_credential_is_refused() {
    let ctx = usual(NOW).credential_id("ecps-stolen").build().unwrap();
    let (d, codes) = advise(&Policy::recommended(), &ctx);
    assert_eq!(d, Decision::Deny);
    assert_eq!(codes[0], Refused);
    assert!(codes.contains(&ContactAnsSupport));
}

#[test]
fn report_only_rules_do_not_change_advice() {
    let mut spec = Policy::recommended().spec().clone();
    for rule in &mut spec.rules {
        if rule.id == "remote-control" {
            rule.report_only = true;
        }
    }
    let policy = Policy::compile(spec).unwrap();
    let ctx = usual(NOW).remote_control_suspected(true).build().unwrap();
    let (d, codes) = advise(&policy, &ctx);
    assert_eq!(d, Decision::Allow);
    assert!(codes.is_empty(), "{codes:?}");
}

#[test]
fn selection_table() {
    let all = Concern::ALL.iter().copied();
    let cases: Vec<(Decision, Vec<Concern>, Vec<AdviceCode>)> = vec![
        (Decision::Allow, Concern::ALL.to_vec(), vec![]),
        (
            Decision::StepUp(StepUpMethod::FreshAuthentication),
            vec![],
            vec![StepUpFresh, NeverShareCodes],
        ),
        (
            Decision::StepUp(StepUpMethod::CpsCard),
            vec![Concern::ContactData],
            vec![StepUpCpsCard, NeverShareCodes, CheckContactData],
        ),
        (
            Decision::Review,
            vec![],
            vec![ReviewPending, NeverShareCodes, ContactAnsSupport],
        ),
        (
            Decision::Deny,
            all.collect(),
            vec![
                Refused,
                NeverShareCodes,
                NeverShareScreen,
                RefuseUnsolicited,
                CheckContactData,
                ContactAnsSupport,
            ],
        ),
    ];
    for (decision, concerns, expected) in cases {
        let advice = Advice::select(decision, concerns.iter().copied());
        assert_eq!(advice.codes().collect::<Vec<_>>(), expected, "{decision}");
        // Order does not depend on the order concerns are given in.
        let reversed = Advice::select(decision, concerns.iter().rev().copied());
        assert_eq!(reversed, advice);
        assert_eq!(advice.instruction(), expected.first().copied());
        assert_eq!(advice.reminders().count(), expected.len().saturating_sub(1));
    }
}

#[test]
fn every_detector_maps_to_at_most_one_concern() {
    let ecps: Vec<SignalCode> = SignalCode::ALL
        .iter()
        .copied()
        .filter(|c| c.as_str().starts_with("ecps.") || c.as_str().starts_with("push."))
        .collect();
    for code in ecps {
        assert!(Concern::of(code).is_some(), "{code} selects no reminder");
    }
    assert_eq!(Concern::of(SignalCode::DeviceNew), None);
    assert_eq!(
        Concern::of(SignalCode::SessionRemoteControl),
        Some(Concern::ScreenSharing)
    );
}

#[test]
fn no_message_names_a_detector_a_rule_or_a_score() {
    let policy = Policy::recommended();
    let mut forbidden: Vec<String> = SignalCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    // Rule ids of the recommended policy, and words that would hint at detection.
    forbidden.extend(policy.spec().rules.iter().map(|r| r.id.clone()));
    forbidden.extend(
        [
            "score",
            "détect",
            "detect",
            "règle",
            "rule",
            "signal",
            "anomal",
            "seuil",
            "threshold",
            "risque",
            "risk",
        ]
        .map(String::from),
    );
    for code in AdviceCode::ALL {
        for lang in [Lang::Fr, Lang::En] {
            let text = code.text(lang).to_lowercase();
            for word in &forbidden {
                assert!(
                    !text.contains(&word.to_lowercase()),
                    "{} ({lang:?}) contains `{word}`: {text}",
                    code.code()
                );
            }
        }
    }
}

#[test]
fn ans_wording_and_number() {
    assert!(ContactAnsSupport.text(Lang::Fr).contains("0 806 800 213"));
    assert!(
        ContactAnsSupport
            .text(Lang::Fr)
            .contains("monserviceclient.e-cps@esante.gouv.fr")
    );
    assert!(
        StepUpCpsCard
            .text(Lang::Fr)
            .contains("reconnectez-vous avec votre carte CPS")
    );
    assert!(CheckContactData.text(Lang::Fr).contains("Ordre"));
    assert_eq!(StepUpCpsCard.code(), "advice.step_up.cps_card");
    assert_eq!(
        serde_json::to_string(&NeverShareScreen).unwrap(),
        "\"advice.ans.never_share_screen\""
    );
}
