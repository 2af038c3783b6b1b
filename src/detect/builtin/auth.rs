//! PSC / OIDC hygiene: assurance level, age of the authentication, clocks.

use crate::detect::signal::{Evidence, Missing, Signal};
use crate::detect::{Assurance, ClockSkew, DetectorInput, Stale};

/// The `acr` is below what the policy requires (an unknown value ranks lowest).
#[inline]
pub(crate) fn assurance_below_required(p: &Assurance, i: &DetectorInput<'_>) -> Signal {
    match i.context.event().auth.acr {
        None => Signal::missing(Missing::Input("auth.acr")),
        Some(got) => Signal::when(
            got < p.required,
            Evidence::Assurance {
                got,
                required: p.required,
            },
        ),
    }
}

/// The PSC authentication is older than the maximum age (PSC reuses SSO sessions, so
/// `auth_time` is often well before the token).
#[inline]
pub(crate) fn stale(p: &Stale, i: &DetectorInput<'_>) -> Signal {
    let Some(at) = i.context.unix().auth_time else {
        return Signal::missing(Missing::Input("auth.auth_time"));
    };
    let age = i.context.now_unix() - at;
    Signal::when(
        age > i64::from(p.max_age_minutes) * 60,
        Evidence::Age { seconds: age },
    )
}

/// `auth_time` or `iat` lies after the login time by more than the tolerance (a clock problem
/// at one end, or a replayed or crafted token).
#[inline]
pub(crate) fn clock_skew(p: &ClockSkew, i: &DetectorInput<'_>) -> Signal {
    let times = i.context.unix();
    // The later of the two (`None` sorts first, so `None` only when both are missing).
    match times.auth_time.max(times.issued_at) {
        None => Signal::missing(Missing::Input("auth.auth_time")),
        Some(latest) => Signal::when(
            latest - times.now > i64::from(p.tolerance_seconds),
            Evidence::Skew {
                seconds: latest - times.now,
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use crate::detect::signal::{Evidence, Signal, SignalCode as C};
    use crate::detect::test_support::{NOW, builder};
    use crate::detect::{DetectorInput, DetectorParams, detect};
    use crate::env::environment::Environment;
    use crate::history::profile::Profile;
    use crate::input::context::{Acr, RiskContext};
    use time::Duration;

    fn run_p(code: C, ctx: &RiskContext, params: &DetectorParams) -> Signal {
        let profile = Profile::new();
        let env = Environment::empty();
        detect(
            code,
            params,
            &DetectorInput {
                context: ctx,
                profile: &profile,
                environment: &env,
            },
        )
    }

    fn run(code: C, ctx: &RiskContext) -> Signal {
        run_p(code, ctx, &DetectorParams::defaults())
    }

    #[test]
    fn assurance() {
        let mut p = DetectorParams::defaults();
        p.auth_assurance_below_required.required = Acr::Eidas2;
        let ctx = |acr: &str| builder().acr(acr).build().unwrap();
        assert_eq!(
            run_p(C::AuthAssuranceBelowRequired, &ctx("eidas1"), &p),
            Signal::hit(Evidence::Assurance {
                got: Acr::Eidas1,
                required: Acr::Eidas2
            })
        );
        assert_eq!(
            run_p(C::AuthAssuranceBelowRequired, &ctx("eidas2"), &p),
            Signal::NoHit
        );
        assert_eq!(
            run_p(C::AuthAssuranceBelowRequired, &ctx("eidas3"), &p),
            Signal::NoHit
        );
        // Unknown acr counts as the lowest level, below even the default eidas1.
        assert!(run(C::AuthAssuranceBelowRequired, &ctx("something-new")).is_hit());
        assert_eq!(
            run(C::AuthAssuranceBelowRequired, &ctx("eidas1")),
            Signal::NoHit
        );
        assert!(run(C::AuthAssuranceBelowRequired, &builder().build().unwrap()).is_not_evaluated());
    }

    #[test]
    fn stale() {
        let ctx = |m: i64| {
            builder()
                .auth_time(NOW - Duration::minutes(m))
                .build()
                .unwrap()
        };
        assert_eq!(run(C::AuthStale, &ctx(720)), Signal::NoHit);
        assert_eq!(run(C::AuthStale, &ctx(75)), Signal::NoHit);
        assert_eq!(
            run(C::AuthStale, &ctx(721)),
            Signal::hit(Evidence::Age { seconds: 721 * 60 })
        );
        assert!(run(C::AuthStale, &builder().build().unwrap()).is_not_evaluated());
    }

    #[test]
    fn clock_skew() {
        let ctx = builder()
            .auth_time(NOW + Duration::seconds(90))
            .build()
            .unwrap();
        assert_eq!(
            run(C::AuthClockSkew, &ctx),
            Signal::hit(Evidence::Skew { seconds: 90 })
        );
        let ctx = builder()
            .auth_time(NOW - Duration::hours(1))
            .issued_at(NOW + Duration::seconds(61))
            .build()
            .unwrap();
        assert!(run(C::AuthClockSkew, &ctx).is_hit());
        let ctx = builder()
            .issued_at(NOW + Duration::seconds(60))
            .build()
            .unwrap();
        assert_eq!(run(C::AuthClockSkew, &ctx), Signal::NoHit);
        assert!(run(C::AuthClockSkew, &builder().build().unwrap()).is_not_evaluated());
    }
}
