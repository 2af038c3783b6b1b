//! [`Advice`]: what to tell the professional after a login was scored, in French or English.
//!
//! Two kinds of messages, each with a stable [`AdviceCode`] so a provider can show its own
//! wording (or translate) while keeping the choice made here:
//!
//! - the **instruction** that goes with the decision: reconnect with the CPS card, authenticate
//!   again, wait for a check, or the login was refused;
//! - **reminders** of the ANS rules from the alert of 8 October 2025 ("Vigilance e-CPS"): never
//!   give identifiers or codes (by phone, SMS or e-mail), never share the screen, refuse
//!   unsolicited validation requests, keep the contact data up to date with the order or
//!   registration authority, and the ANS customer service number.
//!
//! Advice **never reveals detection details**: it is chosen from the decision and from coarse
//! [`Concern`]s (the e-CPS itself, contact data, validation requests, screen sharing) that the
//! enforced rules touched, and no text names a detector, a rule or a score — a fraudster who
//! triggers a step-up learns nothing about which signal gave them away. An allowed login gets no
//! advice at all.
//!
//! Order is deterministic: the instruction first, then reminders in [`AdviceCode::ALL`] order.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::detect::catalog::Concern;
use crate::policy::assessment::{Assessment, SignalName};
use crate::policy::decision::{Decision, StepUpMethod};
use crate::policy::raises_risk;

/// The language of a message.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Lang {
    /// French (the professionals' language; the ANS wording).
    #[default]
    Fr,
    /// English.
    En,
}

macro_rules! advice_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, fr: $fr:literal, en: $en:literal; )*) => {
        /// A message for the professional, with a stable code (public API: codes never change
        /// meaning). The instruction codes come first, then the ANS reminders.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum AdviceCode {
            $( $(#[$doc])* $variant, )*
        }

        impl AdviceCode {
            /// Every code, in display order.
            pub const ALL: &'static [AdviceCode] = &[$(AdviceCode::$variant,)*];

            /// The stable code, e.g. `advice.step_up.cps_card`.
            pub const fn code(self) -> &'static str {
                match self { $(AdviceCode::$variant => $code,)* }
            }

            /// The message in `lang`.
            pub const fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $( (AdviceCode::$variant, Lang::Fr) => $fr,
                       (AdviceCode::$variant, Lang::En) => $en, )*
                }
            }

            /// The code with this name.
            pub fn parse(code: &str) -> Option<AdviceCode> {
                match code { $($code => Some(AdviceCode::$variant),)* _ => None }
            }
        }
    };
}

advice_codes! {
    /// Instruction: log in again with the physical CPS card.
    StepUpCpsCard = "advice.step_up.cps_card",
        fr: "Pour votre sécurité, reconnectez-vous avec votre carte CPS (carte et code PIN).",
        en: "For your security, log in again with your CPS card (card and PIN).";
    /// Instruction: authenticate again with Pro Santé Connect.
    StepUpFresh = "advice.step_up.fresh",
        fr: "Pour votre sécurité, authentifiez-vous à nouveau avec Pro Santé Connect.",
        en: "For your security, authenticate again with Pro Santé Connect.";
    /// Instruction: the login waits for a check by the service's security team.
    ReviewPending = "advice.review.pending",
        fr: "Votre connexion doit être vérifiée par l'équipe de sécurité du service avant l'ouverture de votre session. Réessayez plus tard ou contactez le support du service.",
        en: "Your login must be checked by the service's security team before your session opens. Try again later or contact the service's support.";
    /// Instruction: the login was refused.
    Refused = "advice.deny.refused",
        fr: "Votre connexion a été refusée afin de protéger votre compte.",
        en: "Your login was refused to protect your account.";
    /// ANS rule: never give e-CPS identifiers or codes; no institution asks for them.
    NeverShareCodes = "advice.ans.never_share_codes",
        fr: "Ne communiquez jamais vos identifiants e-CPS ni les codes reçus par SMS ou par e-mail : ni l'ANS, ni les ARS, ni l'Assurance Maladie ne vous les demanderont par téléphone ou par e-mail.",
        en: "Never give anyone your e-CPS identifiers or the codes you receive by SMS or e-mail: neither the ANS, the regional health agencies nor the Assurance Maladie will ever ask for them by phone or e-mail.";
    /// ANS rule: never share the screen while authenticating.
    NeverShareScreen = "advice.ans.never_share_screen",
        fr: "Ne partagez jamais l'écran de votre ordinateur ou de votre smartphone pendant une authentification.",
        en: "Never share the screen of your computer or smartphone while you authenticate.";
    /// ANS rule: refuse validation requests you did not ask for.
    RefuseUnsolicited = "advice.ans.refuse_unsolicited",
        fr: "Refusez toute demande de validation ou notification e-CPS que vous n'avez pas sollicitée.",
        en: "Refuse any e-CPS validation request or notification you did not ask for.";
    /// ANS rule: check the contact data held by the order or registration authority.
    CheckContactData = "advice.ans.check_contact_data",
        fr: "Vérifiez que vos coordonnées (e-mail, téléphone) sont à jour auprès de votre Ordre ou de votre autorité d'enregistrement.",
        en: "Check that your contact details (e-mail, phone) are up to date with your professional order or registration authority.";
    /// The ANS customer service, for any doubt about one's e-CPS.
    ContactAnsSupport = "advice.ans.contact_support",
        fr: "Si vous n'êtes pas à l'origine de cette connexion ou en cas de doute sur l'usage de votre e-CPS, contactez le service client de l'ANS au 0 806 800 213 (appel gratuit + prix d'un appel) ou à monserviceclient.e-cps@esante.gouv.fr.",
        en: "If you did not make this login, or if you have any doubt about the use of your e-CPS, contact the ANS customer service on 0 806 800 213 (free service + price of a call) or at monserviceclient.e-cps@esante.gouv.fr.";
}

impl AdviceCode {
    /// True for the instruction codes (what to do now), false for the ANS reminders.
    pub const fn is_instruction(self) -> bool {
        matches!(
            self,
            AdviceCode::StepUpCpsCard
                | AdviceCode::StepUpFresh
                | AdviceCode::ReviewPending
                | AdviceCode::Refused
        )
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for AdviceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for AdviceCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for AdviceCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AdviceCode::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format_args!("unknown advice code `{s}`")))
    }
}

/// The messages for one login: an instruction and ANS reminders (see the module docs).
/// `Copy`, allocation-free; serializes as the list of codes.
///
/// ```
/// use ecps_risk::{ActivationChannel, Advice, output::AdviceCode, Environment, Lang, Policy, Profile, RiskContext};
/// use time::{Duration, macros::datetime};
///
/// let policy = Policy::recommended();
/// let now = datetime!(2025-10-08 09:30 UTC);
/// // The kill chain: an e-CPS activated remotely 40 minutes ago, on an unknown phone.
/// let ctx = RiskContext::builder(now, "810001234565".parse()?)
///     .activation(now - Duration::minutes(40), ActivationChannel::EmailSms)
///     .device_id("fraudster-phone")
///     .build()?;
/// let assessment = policy.evaluate(&ctx, &Profile::new(), &Environment::empty());
/// let advice = Advice::for_assessment(&assessment);
///
/// assert_eq!(advice.instruction(), Some(AdviceCode::StepUpCpsCard));
/// assert!(advice.codes().any(|c| c == AdviceCode::NeverShareCodes));
/// assert_eq!(
///     advice.instruction().map(|c| c.text(Lang::Fr)),
///     Some("Pour votre sécurité, reconnectez-vous avec votre carte CPS (carte et code PIN).")
/// );
/// // Stable codes for providers that use their own wording.
/// assert_eq!(serde_json::to_string(&advice)?,
///     r#"["advice.step_up.cps_card","advice.ans.never_share_codes","advice.ans.check_contact_data","advice.ans.contact_support"]"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Advice {
    codes: u16,
}

impl Advice {
    /// No advice (an allowed login).
    pub const fn none() -> Advice {
        Advice { codes: 0 }
    }

    /// The advice for an assessment: from its enforced decision and the [`Concern`]s of the
    /// enforced rules that raised the risk (report-only rules and score-lowering rules select
    /// nothing, so a rule in rollout never changes what professionals see).
    pub fn for_assessment(assessment: &Assessment<'_>) -> Advice {
        let mut concerns = ConcernSet::default();
        for reason in assessment.reasons() {
            if reason.is_report_only() || !raises_risk(reason.effect()) {
                continue;
            }
            for (name, signal) in reason.signals() {
                if let (SignalName::Builtin(code), true) = (name, signal.is_hit())
                    && let Some(c) = Concern::of(code)
                {
                    concerns.insert(c);
                }
            }
        }
        Advice::select_set(assessment.decision(), concerns)
    }

    /// The advice for a decision and concerns, for callers that keep decisions without their
    /// assessments (or test their wording). Selection:
    ///
    /// - `allow`: nothing;
    /// - otherwise the decision's instruction, and always [`AdviceCode::NeverShareCodes`];
    /// - [`Concern::ScreenSharing`] adds [`AdviceCode::NeverShareScreen`];
    /// - [`Concern::ValidationRequests`] adds [`AdviceCode::RefuseUnsolicited`];
    /// - [`Concern::Credential`] or [`Concern::ContactData`] adds [`AdviceCode::CheckContactData`]
    ///   (activation codes go to the contact data of the directory);
    /// - [`Concern::Credential`], `review` or `deny` adds [`AdviceCode::ContactAnsSupport`].
    ///
    /// ```
    /// use ecps_risk::{Advice, output::AdviceCode, detect::Concern, Decision};
    ///
    /// let advice = Advice::select(Decision::Review, [Concern::ScreenSharing]);
    /// let codes: Vec<_> = advice.codes().map(AdviceCode::code).collect();
    /// assert_eq!(codes, ["advice.review.pending", "advice.ans.never_share_codes",
    ///                    "advice.ans.never_share_screen", "advice.ans.contact_support"]);
    /// assert!(Advice::select(Decision::Allow, [Concern::Credential]).is_empty());
    /// ```
    pub fn select(decision: Decision, concerns: impl IntoIterator<Item = Concern>) -> Advice {
        let mut set = ConcernSet::default();
        for c in concerns {
            set.insert(c);
        }
        Advice::select_set(decision, set)
    }

    fn select_set(decision: Decision, concerns: ConcernSet) -> Advice {
        let instruction = match decision {
            Decision::Allow => return Advice::none(),
            Decision::StepUp(StepUpMethod::CpsCard) => AdviceCode::StepUpCpsCard,
            Decision::StepUp(StepUpMethod::FreshAuthentication) => AdviceCode::StepUpFresh,
            Decision::Review => AdviceCode::ReviewPending,
            Decision::Deny => AdviceCode::Refused,
        };
        let mut advice = Advice::none();
        advice.insert(instruction);
        advice.insert(AdviceCode::NeverShareCodes);
        if concerns.contains(Concern::ScreenSharing) {
            advice.insert(AdviceCode::NeverShareScreen);
        }
        if concerns.contains(Concern::ValidationRequests) {
            advice.insert(AdviceCode::RefuseUnsolicited);
        }
        if concerns.contains(Concern::Credential) || concerns.contains(Concern::ContactData) {
            advice.insert(AdviceCode::CheckContactData);
        }
        if concerns.contains(Concern::Credential) || decision >= Decision::Review {
            advice.insert(AdviceCode::ContactAnsSupport);
        }
        advice
    }

    fn insert(&mut self, code: AdviceCode) {
        self.codes |= code.bit();
    }

    /// True when there is nothing to tell (an allowed login).
    pub const fn is_empty(&self) -> bool {
        self.codes == 0
    }

    /// True when `code` is part of the advice.
    pub const fn contains(&self, code: AdviceCode) -> bool {
        self.codes & code.bit() != 0
    }

    /// Every code, the instruction first, then the reminders in [`AdviceCode::ALL`] order.
    pub fn codes(&self) -> impl Iterator<Item = AdviceCode> + '_ {
        AdviceCode::ALL
            .iter()
            .copied()
            .filter(|c| self.contains(*c))
    }

    /// What to do now, if anything.
    pub fn instruction(&self) -> Option<AdviceCode> {
        self.codes().find(|c| c.is_instruction())
    }

    /// The ANS reminders, in order.
    pub fn reminders(&self) -> impl Iterator<Item = AdviceCode> + '_ {
        self.codes().filter(|c| !c.is_instruction())
    }

    /// The messages in `lang`, in order.
    pub fn texts(&self, lang: Lang) -> impl Iterator<Item = &'static str> + '_ {
        self.codes().map(move |c| c.text(lang))
    }
}

impl fmt::Debug for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.codes().map(AdviceCode::code))
            .finish()
    }
}

impl Serialize for Advice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.codes())
    }
}

impl<'de> Deserialize<'de> for Advice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let codes = Vec::<AdviceCode>::deserialize(d)?;
        let mut advice = Advice::none();
        for c in codes {
            advice.insert(c);
        }
        Ok(advice)
    }
}

#[derive(Clone, Copy, Default)]
struct ConcernSet(u8);

impl ConcernSet {
    fn insert(&mut self, c: Concern) {
        self.0 |= c.bit();
    }

    fn contains(self, c: Concern) -> bool {
        self.0 & c.bit() != 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn codes_are_unique_round_trip_and_fit_the_bitset() {
        assert!(AdviceCode::ALL.len() <= 16);
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in AdviceCode::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i, "ALL is in declaration order");
            assert!(seen.insert(c.code()));
            assert_eq!(AdviceCode::parse(c.code()), Some(*c));
            assert!(c.code().starts_with("advice."));
            for lang in [Lang::Fr, Lang::En] {
                assert!(!c.text(lang).is_empty());
            }
        }
        assert!(Concern::ALL.len() <= 8);
    }

    #[test]
    fn instructions_come_first() {
        let first_reminder = AdviceCode::ALL
            .iter()
            .position(|c| !c.is_instruction())
            .unwrap();
        assert!(
            AdviceCode::ALL[first_reminder..]
                .iter()
                .all(|c| !c.is_instruction())
        );
    }

    #[test]
    fn deserialize_round_trip() {
        let a = Advice::select(Decision::Deny, Concern::ALL.iter().copied());
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Advice>(&json).unwrap(), a);
        assert!(
            serde_json::from_str::<Advice>(r#"["advice.nope"]"#)
                .unwrap_err()
                .to_string()
                .contains("`advice.nope`")
        );
    }
}
