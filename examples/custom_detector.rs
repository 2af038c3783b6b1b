//! A detector written in Rust by a provider, plugged into a policy by name.
//!
//! The provider knows something PSC does not: which professionals declared a leave in its HR
//! system. A login during a declared leave is worth a step-up. The detector is registered as
//! `on_leave`, and rules use it as `custom.on_leave`, like a built-in detector. A second,
//! deliberately broken detector shows that failures fail closed.
//!
//! `cargo run --example custom_detector`

use std::collections::BTreeMap;
use std::error::Error;

use ecps_risk::{
    Detector, DetectorError, DetectorInput, Environment, Evidence, Policy, PolicySpec, Profile,
    RiskContext, Signal, detect::Missing, policy::DetectorRegistry,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// Declared leaves, by national id: `(from, to)`.
struct OnLeave {
    leaves: BTreeMap<String, Vec<(OffsetDateTime, OffsetDateTime)>>,
}

impl Detector for OnLeave {
    fn detect(&self, input: &DetectorInput<'_>) -> Result<Signal, DetectorError> {
        let ctx = input.context;
        let Some(leaves) = self.leaves.get(ctx.subject().as_str()) else {
            return Ok(Signal::NoHit);
        };
        let now = ctx.now();
        Ok(
            match leaves.iter().find(|(from, to)| *from <= now && now <= *to) {
                // Evidence: how long the leave has lasted so far.
                Some((from, _)) => Signal::hit(Evidence::Age {
                    seconds: (now - *from).whole_seconds(),
                }),
                None => Signal::NoHit,
            },
        )
    }
}

/// An HR system that is down: every call fails.
struct HrSystemDown;

impl Detector for HrSystemDown {
    fn detect(&self, _: &DetectorInput<'_>) -> Result<Signal, DetectorError> {
        Err(DetectorError::new("HR directory unreachable"))
    }
}

const POLICY: &str = r#"
id = "with-custom-detector"
version = "1"
[thresholds]
step_up = 30
review = 60
deny = 90

[[rules]]
id = "login-during-leave"
description = "The professional declared a leave: a login now needs the card"
when = { hit = "custom.on_leave" }
effect = { at_least = "step_up_cps_card" }

[[rules]]
id = "leave-unknown"
description = "Shown for audit when the HR data could not be read"
when = { not_evaluated = "custom.on_leave" }
effect = { points = 0 }
"#;

fn main() -> Result<(), Box<dyn Error>> {
    let now = datetime!(2025-08-12 08:00 UTC);
    let on_leave = OnLeave {
        leaves: BTreeMap::from([(
            "810001234565".to_owned(),
            vec![(now - Duration::days(5), now + Duration::days(9))],
        )]),
    };
    let spec: PolicySpec = toml::from_str(POLICY)?;

    let mut registry = DetectorRegistry::new();
    registry.register("on_leave", on_leave)?;
    let policy = Policy::compile_with(spec.clone(), &registry)?;

    let env = Environment::empty();
    for subject in ["810001234565", "810023456782"] {
        let ctx = RiskContext::builder(now, subject.parse()?).build()?;
        let a = policy.evaluate(&ctx, &Profile::new(), &env);
        print!("{subject}: {a}");
    }

    // The same policy with the HR system down: no allow, whatever the rules say.
    let mut broken = DetectorRegistry::new();
    broken.register("on_leave", HrSystemDown)?;
    let policy = Policy::compile_with(spec, &broken)?;
    let ctx = RiskContext::builder(now, "810023456782".parse()?).build()?;
    let a = policy.evaluate(&ctx, &Profile::new(), &env);
    print!("810023456782, HR down: {a}");
    assert!(a.failure().is_some());
    assert!(matches!(
        a.signal_named("custom.on_leave"),
        Some(Signal::NotEvaluated {
            missing: Missing::Failed
        })
    ));
    Ok(())
}
