//! Detectors of the e-CPS takeover kill chain (DESIGN.md §1, the ANS alert of 2025-10-08).

use time::OffsetDateTime;

use crate::detect::params::NoParams;
use crate::detect::signal::{Evidence, Missing, Signal};
use crate::detect::{
    ActivationAfterContactChange, DetectorInput, FreshActivation, ListParams, LocationMismatch,
    MultipleActive, PushFatigue, PushReported, RecentChange, any_list, seconds_before_login,
};
use crate::input::context::{ActivationChannel, PushOutcome};

const MINUTE: i64 = 60;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

const fn input(field: &'static str) -> Signal {
    Signal::missing(Missing::Input(field))
}

/// The credential is on a deactivation list (the ANS deactivated the e-CPS of victims).
#[inline]
pub(crate) fn revoked(p: &ListParams, i: &DetectorInput<'_>) -> Signal {
    let Some(id) = i.context.event().credential.id.as_deref() else {
        return input("credential.id");
    };
    let lists = i.environment.watchlists();
    any_list(
        &p.lists,
        |name| lists.and_then(|w| w.get_named(name)?.as_credentials()),
        |list| list.contains(id).then_some(Evidence::Flag),
    )
}

/// The subject's new activations are blocked, and this e-CPS was activated on or after the
/// block date: whoever activated it was not supposed to be able to.
#[inline]
pub(crate) fn activated_after_block(p: &ListParams, i: &DetectorInput<'_>) -> Signal {
    let subject = i.context.subject().as_str();
    let activated_at = i.context.event().credential.activated_at;
    let lists = i.environment.watchlists();
    let mut missing_activation = false;
    let signal = any_list(
        &p.lists,
        |name| lists.and_then(|w| w.get_named(name)?.as_blocked_subjects()),
        |list| {
            let since = list.blocked_since(subject)?;
            match activated_at {
                Some(at) if at >= since => Some(Evidence::Since { at: since }),
                Some(_) => None,
                None => {
                    missing_activation = true;
                    None
                }
            }
        },
    );
    match signal {
        Signal::NoHit if missing_activation => input("credential.activated_at"),
        other => other,
    }
}

/// The e-CPS is younger than the threshold: fraudsters use it right after activating it.
#[inline]
pub(crate) fn fresh_activation(p: &FreshActivation, i: &DetectorInput<'_>) -> Signal {
    let Some(at) = i.context.unix().activated_at else {
        return input("credential.activated_at");
    };
    let age = i.context.now_unix() - at;
    Signal::when(
        age < i64::from(p.max_age_hours) * HOUR,
        Evidence::Age { seconds: age },
    )
}

/// Activated with the e-mail QR code and SMS code: the channel that can be talked out of a
/// professional over the phone.
#[inline]
pub(crate) fn remote_activation(_: &NoParams, i: &DetectorInput<'_>) -> Signal {
    match i.context.event().credential.channel {
        None => input("credential.channel"),
        Some(c) => Signal::when(c == ActivationChannel::EmailSms, Evidence::Flag),
    }
}

/// The activation followed a change of the RPPS e-mail or phone (where the activation codes
/// go) within the window.
#[inline]
pub(crate) fn activation_after_contact_change(
    p: &ActivationAfterContactChange,
    i: &DetectorInput<'_>,
) -> Signal {
    let e = i.context.event();
    let Some(activated) = i.context.unix().activated_at else {
        return input("credential.activated_at");
    };
    let Some(changes) = &e.contact_changes else {
        return input("contact_changes");
    };
    let max_gap = i64::from(p.max_gap_days) * DAY;
    // Changes are sorted oldest first: the last one before the activation is the closest.
    let gap = changes
        .iter()
        .rev()
        .map(|c| activated - c.at.unix_timestamp())
        .find(|gap| *gap >= 0);
    match gap {
        Some(gap) if gap <= max_gap => Signal::hit(Evidence::Age { seconds: gap }),
        _ => Signal::NoHit,
    }
}

/// More than one active e-CPS: the fraudster's next to the professional's own.
#[inline]
pub(crate) fn multiple_active(p: &MultipleActive, i: &DetectorInput<'_>) -> Signal {
    match i.context.event().credential.active_count {
        None => input("credential.active_count"),
        Some(n) => Signal::when(
            n >= p.min_count,
            Evidence::Count {
                count: n,
                window_seconds: 0,
            },
        ),
    }
}

/// The RPPS contact data changed recently.
#[inline]
pub(crate) fn recent_contact_change(p: &RecentChange, i: &DetectorInput<'_>) -> Signal {
    let Some(changes) = &i.context.event().contact_changes else {
        return input("contact_changes");
    };
    latest_within(
        i,
        changes.last().map(|c| c.at),
        i64::from(p.max_age_days) * DAY,
    )
}

/// Hit when the latest of a sorted list of events is within `window` of the login.
fn latest_within(i: &DetectorInput<'_>, latest: Option<OffsetDateTime>, window_s: i64) -> Signal {
    match latest.map(|at| seconds_before_login(i, at)) {
        Some(age) if age <= window_s => Signal::hit(Evidence::Age { seconds: age }),
        _ => Signal::NoHit,
    }
}

/// Push bombing: several validation requests denied or left to expire in a short window.
#[inline]
pub(crate) fn push_fatigue(p: &PushFatigue, i: &DetectorInput<'_>) -> Signal {
    let Some(requests) = &i.context.event().validation_requests else {
        return input("validation_requests");
    };
    let window = i64::from(p.window_minutes) * MINUTE;
    let failures = requests
        .iter()
        .filter(|r| r.outcome != PushOutcome::Approved && seconds_before_login(i, r.at) <= window)
        .count();
    let count = u32::try_from(failures).unwrap_or(u32::MAX);
    Signal::when(
        count >= p.min_failures,
        Evidence::Count {
            count,
            window_seconds: window,
        },
    )
}

/// The professional reported an unsolicited validation request recently.
#[inline]
pub(crate) fn push_reported(p: &PushReported, i: &DetectorInput<'_>) -> Signal {
    let Some(reports) = &i.context.event().reports else {
        return input("reports");
    };
    latest_within(
        i,
        reports.last().map(|r| r.at),
        i64::from(p.window_days) * DAY,
    )
}

/// Client telemetry suspects screen sharing or remote control during authentication.
#[inline]
pub(crate) fn remote_control(_: &NoParams, i: &DetectorInput<'_>) -> Signal {
    match i.context.event().telemetry.remote_control {
        None => input("telemetry.remote_control"),
        Some(flag) => Signal::when(flag, Evidence::Flag),
    }
}

/// The professional is under alert (a victim the ANS or the provider is watching).
#[inline]
pub(crate) fn under_alert(p: &ListParams, i: &DetectorInput<'_>) -> Signal {
    let subject = i.context.subject().as_str();
    let lists = i.environment.watchlists();
    any_list(
        &p.lists,
        |name| lists.and_then(|w| w.get_named(name)?.as_subjects()),
        |list| list.contains(subject).then_some(Evidence::Flag),
    )
}

/// The login country is none of the countries where the professional is registered to
/// practise (nor one the policy always accepts).
#[inline]
pub(crate) fn location_mismatch(p: &LocationMismatch, i: &DetectorInput<'_>) -> Signal {
    let e = i.context.event();
    let places = match &e.practice {
        Some(places) if !places.is_empty() => places,
        _ => return input("practice"),
    };
    let Some(country) = e.request.country else {
        return input("request.country");
    };
    let known = places.iter().any(|l| l.country == country) || p.also_allowed.contains(&country);
    Signal::when(!known, Evidence::Country { country })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use crate::detect::signal::{Evidence, Missing, Signal, SignalCode as C};
    use crate::detect::test_support::{NOW, builder};
    use crate::detect::{DetectorInput, DetectorParams, detect};
    use crate::env::environment::Environment;
    use crate::env::watchlist::Watchlists;
    use crate::history::profile::Profile;
    use crate::input::claims::ActivityLocation;
    use crate::input::context::{
        ActivationChannel, ContactChange, ContactKind, PushOutcome, RiskContext, ValidationRequest,
    };
    use crate::model::geo::CountryCode;
    use time::Duration;

    fn run_with(code: C, ctx: &RiskContext, env: &Environment<'_>) -> Signal {
        let profile = Profile::new();
        let input = DetectorInput {
            context: ctx,
            profile: &profile,
            environment: env,
        };
        detect(code, &DetectorParams::defaults(), &input)
    }

    fn run(code: C, ctx: &RiskContext) -> Signal {
        run_with(code, ctx, &Environment::empty())
    }

    fn lists() -> Watchlists {
        serde_json::from_str(
            r#"{"lists": [
                {"name": "deactivated_ecps", "kind": "credentials", "entries": ["ecps-stolen"]},
                {"name": "blocked_activations", "kind": "blocked_subjects",
                 "entries": [{"subject": "810001234565", "since": "2025-10-01T00:00:00Z"}]},
                {"name": "under_alert", "kind": "subjects", "entries": ["810001234565"]}
            ]}"#,
        )
        .unwrap()
    }

    #[test]
    fn revoked() {
        let w = lists();
        let env = Environment::new().with_watchlists(&w);
        let ctx = builder().credential_id("ecps-stolen").build().unwrap();
        assert!(run_with(C::EcpsRevoked, &ctx, &env).is_hit());
        let ctx = builder().credential_id("ecps-mine").build().unwrap();
        assert_eq!(run_with(C::EcpsRevoked, &ctx, &env), Signal::NoHit);
        // No list supplied: not evaluated, not "safe".
        assert_eq!(
            run(C::EcpsRevoked, &ctx),
            Signal::missing(Missing::Watchlist)
        );
        let ctx = builder().build().unwrap();
        assert_eq!(
            run_with(C::EcpsRevoked, &ctx, &env),
            Signal::missing(Missing::Input("credential.id"))
        );
    }

    #[test]
    fn activated_after_block() {
        let w = lists();
        let env = Environment::new().with_watchlists(&w);
        let after = builder()
            .activation(NOW - Duration::days(2), ActivationChannel::EmailSms)
            .build()
            .unwrap();
        assert!(matches!(
            run_with(C::EcpsActivatedAfterBlock, &after, &env),
            Signal::Hit {
                evidence: Evidence::Since { .. }
            }
        ));
        let before = builder()
            .activation(NOW - Duration::days(30), ActivationChannel::CpsCard)
            .build()
            .unwrap();
        assert_eq!(
            run_with(C::EcpsActivatedAfterBlock, &before, &env),
            Signal::NoHit
        );
        let unknown = builder().build().unwrap();
        assert_eq!(
            run_with(C::EcpsActivatedAfterBlock, &unknown, &env),
            Signal::missing(Missing::Input("credential.activated_at"))
        );
        // Another professional, not blocked: no hit even without an activation time.
        let other = RiskContext::builder(NOW, "810023456782".parse().unwrap())
            .build()
            .unwrap();
        assert_eq!(
            run_with(C::EcpsActivatedAfterBlock, &other, &env),
            Signal::NoHit
        );
        assert_eq!(
            run(C::EcpsActivatedAfterBlock, &after),
            Signal::missing(Missing::Watchlist)
        );
    }

    #[test]
    fn fresh_activation_boundaries() {
        let at = |h: i64| {
            builder()
                .activation(NOW - Duration::hours(h), ActivationChannel::EmailSms)
                .build()
                .unwrap()
        };
        assert_eq!(
            run(C::EcpsFreshActivation, &at(1)),
            Signal::hit(Evidence::Age { seconds: 3600 })
        );
        assert!(run(C::EcpsFreshActivation, &at(71)).is_hit());
        assert_eq!(run(C::EcpsFreshActivation, &at(72)), Signal::NoHit);
        assert!(run(C::EcpsFreshActivation, &builder().build().unwrap()).is_not_evaluated());
    }

    #[test]
    fn remote_activation() {
        let ctx = |c| {
            builder()
                .activation(NOW - Duration::days(400), c)
                .build()
                .unwrap()
        };
        assert!(run(C::EcpsRemoteActivation, &ctx(ActivationChannel::EmailSms)).is_hit());
        assert_eq!(
            run(C::EcpsRemoteActivation, &ctx(ActivationChannel::CpsCard)),
            Signal::NoHit
        );
        assert_eq!(
            run(C::EcpsRemoteActivation, &ctx(ActivationChannel::Other)),
            Signal::NoHit
        );
        assert!(run(C::EcpsRemoteActivation, &builder().build().unwrap()).is_not_evaluated());
    }

    #[test]
    fn activation_after_contact_change() {
        let change = |days: i64| ContactChange {
            at: NOW - Duration::days(days),
            kind: ContactKind::Email,
        };
        let ctx = builder()
            .activation(NOW - Duration::days(1), ActivationChannel::EmailSms)
            .contact_changes([change(200), change(3)])
            .build()
            .unwrap();
        assert_eq!(
            run(C::EcpsActivationAfterContactChange, &ctx),
            Signal::hit(Evidence::Age {
                seconds: 2 * 86_400
            })
        );
        // The change came after the activation: not this pattern.
        let ctx = builder()
            .activation(NOW - Duration::days(5), ActivationChannel::EmailSms)
            .contact_changes([change(3)])
            .build()
            .unwrap();
        assert_eq!(
            run(C::EcpsActivationAfterContactChange, &ctx),
            Signal::NoHit
        );
        // Too long before.
        let ctx = builder()
            .activation(NOW - Duration::days(1), ActivationChannel::EmailSms)
            .contact_changes([change(40)])
            .build()
            .unwrap();
        assert_eq!(
            run(C::EcpsActivationAfterContactChange, &ctx),
            Signal::NoHit
        );
        // Provided and empty: evaluated, no hit. Not provided: not evaluated.
        let ctx = builder()
            .activation(NOW - Duration::days(1), ActivationChannel::EmailSms)
            .contact_changes([])
            .build()
            .unwrap();
        assert_eq!(
            run(C::EcpsActivationAfterContactChange, &ctx),
            Signal::NoHit
        );
        let ctx = builder()
            .activation(NOW - Duration::days(1), ActivationChannel::EmailSms)
            .build()
            .unwrap();
        assert_eq!(
            run(C::EcpsActivationAfterContactChange, &ctx),
            Signal::missing(Missing::Input("contact_changes"))
        );
    }

    #[test]
    fn multiple_active() {
        let ctx = |n| builder().active_credentials(n).build().unwrap();
        assert!(run(C::EcpsMultipleActive, &ctx(2)).is_hit());
        assert_eq!(run(C::EcpsMultipleActive, &ctx(1)), Signal::NoHit);
        assert!(run(C::EcpsMultipleActive, &builder().build().unwrap()).is_not_evaluated());
    }

    #[test]
    fn recent_contact_change() {
        let ctx = |d: i64| {
            builder()
                .contact_changes([ContactChange {
                    at: NOW - Duration::days(d),
                    kind: ContactKind::Phone,
                }])
                .build()
                .unwrap()
        };
        assert!(run(C::ContactRecentChange, &ctx(10)).is_hit());
        assert!(run(C::ContactRecentChange, &ctx(30)).is_hit());
        assert_eq!(run(C::ContactRecentChange, &ctx(31)), Signal::NoHit);
        let none = builder().contact_changes([]).build().unwrap();
        assert_eq!(run(C::ContactRecentChange, &none), Signal::NoHit);
        assert!(run(C::ContactRecentChange, &builder().build().unwrap()).is_not_evaluated());
    }

    #[test]
    fn push_fatigue() {
        let req = |m: i64, outcome| ValidationRequest {
            at: NOW - Duration::minutes(m),
            outcome,
        };
        let bombing = builder()
            .validation_requests([
                req(2, PushOutcome::Denied),
                req(5, PushOutcome::Expired),
                req(9, PushOutcome::Denied),
                req(10, PushOutcome::Approved),
            ])
            .build()
            .unwrap();
        assert_eq!(
            run(C::PushFatigue, &bombing),
            Signal::hit(Evidence::Count {
                count: 3,
                window_seconds: 3600
            })
        );
        let old = builder()
            .validation_requests([
                req(2, PushOutcome::Denied),
                req(61, PushOutcome::Denied),
                req(90, PushOutcome::Expired),
            ])
            .build()
            .unwrap();
        assert_eq!(run(C::PushFatigue, &old), Signal::NoHit);
        assert!(run(C::PushFatigue, &builder().build().unwrap()).is_not_evaluated());
    }

    #[test]
    fn push_reported() {
        let ctx = |d: i64| {
            builder()
                .reports([NOW - Duration::days(d)])
                .build()
                .unwrap()
        };
        assert!(run(C::PushReported, &ctx(1)).is_hit());
        assert_eq!(run(C::PushReported, &ctx(45)), Signal::NoHit);
        // The window is 30 days (default), its end included.
        assert_eq!(
            run(C::PushReported, &ctx(10)),
            Signal::hit(Evidence::Age {
                seconds: 10 * 86_400
            })
        );
        assert!(run(C::PushReported, &ctx(30)).is_hit());
        assert_eq!(run(C::PushReported, &ctx(31)), Signal::NoHit);
        assert_eq!(
            run(C::PushReported, &builder().reports([]).build().unwrap()),
            Signal::NoHit
        );
        assert!(run(C::PushReported, &builder().build().unwrap()).is_not_evaluated());
    }

    #[test]
    fn remote_control() {
        assert!(
            run(
                C::SessionRemoteControl,
                &builder().remote_control_suspected(true).build().unwrap()
            )
            .is_hit()
        );
        assert_eq!(
            run(
                C::SessionRemoteControl,
                &builder().remote_control_suspected(false).build().unwrap()
            ),
            Signal::NoHit
        );
        assert!(run(C::SessionRemoteControl, &builder().build().unwrap()).is_not_evaluated());
    }

    #[test]
    fn under_alert() {
        let w = lists();
        let env = Environment::new().with_watchlists(&w);
        assert!(run_with(C::SubjectUnderAlert, &builder().build().unwrap(), &env).is_hit());
        let other = RiskContext::builder(NOW, "810023456782".parse().unwrap())
            .build()
            .unwrap();
        assert_eq!(run_with(C::SubjectUnderAlert, &other, &env), Signal::NoHit);
        assert!(run(C::SubjectUnderAlert, &other).is_not_evaluated());
    }

    #[test]
    fn location_mismatch() {
        let paris = ActivityLocation {
            country: CountryCode::FR,
            department: None,
        };
        let reunion = ActivityLocation {
            country: "RE".parse().unwrap(),
            department: None,
        };
        let ctx = |country: &str| {
            builder()
                .practice([paris, reunion])
                .country(country)
                .build()
                .unwrap()
        };
        assert_eq!(run(C::PracticeLocationMismatch, &ctx("FR")), Signal::NoHit);
        assert_eq!(run(C::PracticeLocationMismatch, &ctx("RE")), Signal::NoHit);
        assert_eq!(
            run(C::PracticeLocationMismatch, &ctx("CI")),
            Signal::hit(Evidence::Country {
                country: "CI".parse().unwrap()
            })
        );
        let no_country = builder().practice([paris]).build().unwrap();
        assert!(run(C::PracticeLocationMismatch, &no_country).is_not_evaluated());
        let no_places = builder().practice([]).country("CI").build().unwrap();
        assert!(run(C::PracticeLocationMismatch, &no_places).is_not_evaluated());
    }
}
