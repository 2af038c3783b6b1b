//! Evaluation scratch space: the signal of each detector a policy uses, in a fixed slot, and
//! the bit masks rule conditions test. Below the policy so detectors fill it without knowing
//! what a policy or an assessment is.

use std::fmt;

use crate::detect::signal::{Signal, SignalCode};

/// Most custom detectors a policy can use.
pub const MAX_CUSTOM_DETECTORS: usize = 16;

pub(crate) const N_BUILTIN: usize = SignalCode::ALL.len();

/// A detector a rule refers to: built-in, or custom by index into the policy's registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum SignalRef {
    Builtin(SignalCode),
    Custom(usize),
}

/// The signals of one evaluation, indexed by detector, with their states as bit masks (one
/// bit per detector) so rule conditions test them without reading the signals. A slot holds
/// a signal only if its `ran` bit is set.
///
/// Detectors write their signal straight into its slot ([`SignalSlots::fill`]): returning it
/// and copying it in made every detector pay a store-forwarding stall (the copy's wide loads
/// read the detector's narrower stores), which `perf` showed as the costliest instruction of
/// an evaluation.
#[derive(Clone)]
pub(crate) struct SignalSlots {
    builtin: [Signal; N_BUILTIN],
    custom: [Signal; MAX_CUSTOM_DETECTORS],
    pub(crate) masks: Masks,
}

/// Which detectors ran, fired, or lacked input: bit `SignalRef::bit`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Masks {
    pub(crate) ran: u64,
    pub(crate) hit: u64,
    pub(crate) not_evaluated: u64,
}

// Every detector needs its own bit.
const _: () = assert!(N_BUILTIN + MAX_CUSTOM_DETECTORS <= 64);

impl SignalRef {
    /// This detector's bit in [`Masks`].
    pub(crate) fn bit(self) -> u64 {
        match self {
            SignalRef::Builtin(c) => 1u64 << (c as u32),
            SignalRef::Custom(i) => 1u64 << ((N_BUILTIN + i) as u32 & 63),
        }
    }
}

impl Default for SignalSlots {
    fn default() -> Self {
        SignalSlots {
            builtin: [Signal::NoHit; N_BUILTIN],
            custom: [Signal::NoHit; MAX_CUSTOM_DETECTORS],
            masks: Masks::default(),
        }
    }
}

// Only the slots that ran: the others may hold a previous evaluation's signals (see
// `Assessment::reset`), which must not leak into a log of this one.
impl fmt::Debug for SignalSlots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let builtin = SignalCode::ALL.iter().map(|&c| SignalRef::Builtin(c));
        let custom = (0..MAX_CUSTOM_DETECTORS).map(SignalRef::Custom);
        f.debug_map()
            .entries(
                builtin
                    .chain(custom)
                    .filter_map(|r| Some((r, self.get(r)?))),
            )
            .finish()
    }
}

impl SignalSlots {
    /// Run `detector` on the slot of `r` and record its state; does nothing for a reference
    /// outside the slots (never made by a compiled policy).
    #[inline]
    pub(crate) fn fill(&mut self, r: SignalRef, detector: impl FnOnce(&mut Signal)) {
        let slot = match r {
            SignalRef::Builtin(c) => self.builtin.get_mut(c as usize),
            SignalRef::Custom(i) => self.custom.get_mut(i),
        };
        if let Some(slot) = slot {
            detector(slot);
            let bit = r.bit();
            self.masks.ran |= bit;
            match slot {
                Signal::Hit { .. } => self.masks.hit |= bit,
                Signal::NotEvaluated { .. } => self.masks.not_evaluated |= bit,
                Signal::NoHit => {}
            }
        }
    }

    /// Store a signal computed elsewhere (custom detectors).
    pub(crate) fn set(&mut self, r: SignalRef, signal: Signal) {
        self.fill(r, |slot| *slot = signal);
    }

    pub(crate) fn get(&self, r: SignalRef) -> Option<&Signal> {
        if self.masks.ran & r.bit() == 0 {
            return None;
        }
        match r {
            SignalRef::Builtin(c) => self.builtin.get(c as usize),
            SignalRef::Custom(i) => self.custom.get(i),
        }
    }
}
