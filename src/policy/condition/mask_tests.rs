#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
use super::*;
use crate::detect::signal::SignalCode;

struct M(Masks);
impl Facts for M {
    fn masks(&self) -> Masks {
        self.0
    }
    fn fact(&self, _: Fact) -> Option<Observed<'_>> {
        None
    }
}

/// The mask form agrees with the three-valued tree evaluation on every combination of
/// states (not run, hit, no hit, not evaluated) of three detectors.
#[test]
fn masks_agree_with_kleene_evaluation() {
    let r = [
        SignalRef::Builtin(SignalCode::DeviceNew),
        SignalRef::Builtin(SignalCode::GeoNewCountry),
        SignalRef::Custom(3),
    ];
    let lits = |i: usize| {
        vec![
            Condition::Hit(r[i]),
            Condition::NotEvaluated(r[i]),
            Condition::Not(Box::new(Condition::Hit(r[i]))),
            Condition::Not(Box::new(Condition::NotEvaluated(r[i]))),
        ]
    };
    let mut shapes = Vec::new();
    for a in lits(0) {
        shapes.push(a.clone());
        for b in lits(1) {
            for c in lits(2) {
                shapes.push(Condition::All(vec![a.clone(), b.clone(), c.clone()]));
                shapes.push(Condition::Any(vec![a.clone(), b.clone(), c.clone()]));
                let any = |x: &Condition, y: &Condition| Condition::Any(vec![x.clone(), y.clone()]);
                shapes.push(Condition::All(vec![a.clone(), any(&b, &c)]));
                shapes.push(Condition::All(vec![any(&a, &b), any(&b, &c), c.clone()]));
            }
        }
    }
    // Two tests of one detector in a group: their states overlap (a hit is also
    // evaluated), and the mask form must still count the group once.
    for a in lits(0) {
        for b in lits(0) {
            shapes.push(Condition::Any(vec![a.clone(), b.clone()]));
            shapes.push(Condition::All(vec![a.clone(), b.clone()]));
            shapes.push(Condition::All(vec![
                Condition::Hit(r[1]),
                Condition::Any(vec![a.clone(), b.clone()]),
            ]));
        }
    }
    // Each detector of `r` not run, hit, no hit or not evaluated: two bits of `states` each.
    let masks = |states: u32| {
        let mut m = Masks::default();
        for (i, sr) in r.iter().enumerate() {
            let bit = sr.bit();
            match (states >> (2 * i)) & 3 {
                0 => {}
                1 => {
                    m.ran |= bit;
                    m.hit |= bit;
                }
                2 => m.ran |= bit,
                _ => {
                    m.ran |= bit;
                    m.not_evaluated |= bit;
                }
            }
        }
        m
    };
    for states in 0..64u32 {
        let m = masks(states);
        for shape in &shapes {
            let fast = MaskRule::of(shape).unwrap();
            assert_eq!(
                fast.holds(&States::from(m)),
                shape.eval(&M(m)) == Truth::True,
                "{shape:?} under {m:?}"
            );
        }
    }
    // The hits a condition requires never exclude a state where it is true.
    for states in 0..64u32 {
        let m = masks(states);
        for shape in &shapes {
            let nested =
                Condition::Any(vec![shape.clone(), Condition::Not(Box::new(shape.clone()))]);
            for c in [shape, &nested] {
                let required = c.required_hits();
                if c.eval(&M(m)) == Truth::True {
                    assert_eq!(m.hit & required, required, "{c:?} under {m:?}");
                }
            }
        }
    }
    assert_eq!(Condition::Any(vec![]).required_hits(), 0);
    // ...and name every detector that must hit, so that evaluation skips what cannot fire.
    let hit = |i: usize| Condition::Hit(r[i]);
    let bits = |is: &[usize]| is.iter().fold(0, |b, i| b | r[*i].bit());
    for (c, want) in [
        (hit(0), bits(&[0])),
        (Condition::All(vec![hit(0), hit(1)]), bits(&[0, 1])),
        (Condition::All(vec![hit(0), hit(0)]), bits(&[0])),
        (Condition::Any(vec![hit(0), hit(1)]), 0),
        (
            Condition::Any(vec![
                Condition::All(vec![hit(0), hit(1)]),
                Condition::All(vec![hit(0), hit(2)]),
            ]),
            bits(&[0]),
        ),
        (Condition::Not(Box::new(hit(0))), 0),
        (Condition::NotEvaluated(r[0]), 0),
    ] {
        assert_eq!(c.required_hits(), want, "{c:?}");
    }

    // Deeper shapes and comparisons keep the tree form.
    let hit = Condition::Hit(r[0]);
    let deeper = Condition::All(vec![Condition::Any(vec![Condition::All(vec![
        hit.clone(),
    ])])]);
    assert!(MaskRule::of(&deeper).is_none());
    let any_of_all = Condition::Any(vec![Condition::All(vec![hit.clone()])]);
    assert!(MaskRule::of(&any_of_all).is_none());
    assert!(MaskRule::of(&Condition::Any(vec![])).is_none());
    assert!(MaskRule::of(&Condition::All(vec![hit, Condition::Any(vec![])])).is_none());
}
