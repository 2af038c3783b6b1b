//! Side-by-side peers (issue 6, item 3): one rule set, the same logins, three engines.
//!
//! * **ecps-risk**: [`SUBSET_TOML`] compiled into a [`Policy`]; its detectors derive the facts
//!   from the [`RiskContext`], the [`Profile`] and the [`Watchlists`] (two IP lists).
//! * **Cedar** (`cedar-policy`): `forbid` policies with the rule's effect in annotations
//!   (`@id("fresh-activation") @weight("20")`, `@at_least("step_up_cps_card")`,
//!   `@force("deny")`) and a `permit` for everything, so that a `Deny` lists every satisfied
//!   rule; the host adds the weights up. The IP lists in two forms ([`CedarForm`]): one policy
//!   per rule with `context.ip.isInRange(ip("…")) || …`, or one policy per listed prefix.
//! * **Rego** (`regorus`): the same rules over `input`, the lists in `data`, matched with
//!   `net.cidr_contains`; the policy computes the score and the decision itself. Run by the
//!   interpreter ([`RegoInterpreter`]) and by the RVM, regorus's bytecode VM ([`RegoVm`]).
//!
//! Cedar and Rego cannot run ecps-risk's detectors (profile lookups, time arithmetic, watchlist
//! indexes), so they get the facts those detectors work from, pre-computed by [`LoginFacts`]
//! outside the timed loop: the activation age and channel, the contact-change ages, the count
//! of failed pushes in the last hour, whether the device and the network are new to the
//! professional, the country, and the client IP. The engines must agree on every login: see
//! [`check_agreement`], run by the bench before it measures and by `tests/agree.rs`.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;
use std::sync::Arc;

use cedar_policy::{
    Authorizer, Context, Entities, EntityUid, PolicyId, PolicySet, Request, RestrictedExpression,
};
use ecps_risk::{
    ActivationChannel, Assessment, Decision, Environment, Policy, PolicySpec, Profile, PushOutcome,
    RiskContext, WatchlistSpec, Watchlists, WatchlistsSpec,
};
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::vm::RegoVM;
use regorus::{Engine, Value};

/// Dr Martin's usual login at the CHU de Lyon, her history and the seed's kill chain: the
/// fixture `benches/scoring.rs` and `tests/alloc.rs` use, shared so the numbers compare.
#[path = "../../../tests/support/hospital.rs"]
pub mod hospital;

/// The prefix counts of the comparison (per list: trusted and denied each hold this many).
pub const PREFIX_COUNTS: [usize; 4] = [0, 20, 200, 2_000];

/// The trusted network of the fixture's hospital (its usual IP is 10.69.12.40).
pub const HOSPITAL_NETWORK: &str = "10.69.0.0/16";

/// Thresholds of the subset, as in the recommended policy.
pub const STEP_UP: i32 = 40;
/// Review threshold.
pub const REVIEW: i32 = 70;
/// Deny threshold.
pub const DENY: i32 = 100;

/// `ecps.fresh_activation` default: 72 hours.
pub const FRESH_SECONDS: i64 = 72 * 3_600;
/// `contact.recent_change` and `ecps.activation_after_contact_change` defaults: 30 days.
pub const CONTACT_WINDOW_SECONDS: i64 = 30 * 86_400;
/// `push.fatigue` defaults: 3 denied or expired requests within 60 minutes.
pub const PUSH_MIN_FAILURES: i64 = 3;
/// `push.fatigue` window.
pub const PUSH_WINDOW_SECONDS: i64 = 3_600;

/// The rule set, as an ecps-risk policy: ten rules of the recommended policy
/// (`policies/recommended.toml`), restricted to facts all three engines can be given.
pub const SUBSET_TOML: &str = r#"
id = "peers-subset"
version = "1"
description = "Ten rules of the recommended policy over facts Cedar and Rego can be given"
mode = "enforce"
fail_closed = "step_up_cps_card"

[thresholds]
step_up = 40
review = 70
deny = 100
step_up_method = "cps_card"

[watchlists]
trusted_networks = "ip"
denied_networks = "ip"

[[rules]]
id = "denied-network"
when = { hit = "network.denied" }
effect = { force = "deny" }

[[rules]]
id = "known-device-trusted-network"
when = { all = [{ hit = "network.trusted" }, { not = { hit = "device.new" } }] }
effect = { points = -30 }

[[rules]]
id = "fresh-remote-activation"
when = { all = [{ hit = "ecps.fresh_activation" }, { hit = "ecps.remote_activation" }, { hit = "device.new" }] }
effect = { at_least = "step_up_cps_card" }

[[rules]]
id = "fresh-activation"
when = { hit = "ecps.fresh_activation" }
effect = { points = 20 }

[[rules]]
id = "remote-activation-after-contact-change"
when = { all = [
    { hit = "ecps.activation_after_contact_change" },
    { hit = "ecps.remote_activation" },
    { hit = "ecps.fresh_activation" },
    { hit = "device.new" },
] }
effect = { points = 40 }

[[rules]]
id = "recent-contact-change"
when = { hit = "contact.recent_change" }
effect = { points = 15 }

[[rules]]
id = "push-bombing"
when = { hit = "push.fatigue" }
effect = { at_least = "step_up_cps_card" }

[[rules]]
id = "new-device"
when = { hit = "device.new" }
effect = { points = 15 }

[[rules]]
id = "unfamiliar-network"
when = { hit = "network.unfamiliar" }
effect = { points = 10 }

[[rules]]
id = "foreign-country"
when = { compare = { fact = "request.country", ne = "FR" } }
effect = { points = 10 }
"#;

/// The subset, compiled.
pub fn subset_policy() -> Policy {
    let spec: PolicySpec = match toml::from_str(SUBSET_TOML) {
        Ok(spec) => spec,
        Err(e) => panic!("subset policy TOML: {e}"),
    };
    match Policy::compile(spec) {
        Ok(p) => p,
        Err(e) => panic!("subset policy: {e}"),
    }
}

// ------------------------------------------------------------------------------------------
// Prefix lists.

/// `n` distinct IPv4 prefixes (/16 to /28, canonical), deterministic for a seed, none of
/// which contains an address of `avoid`.
pub fn networks(n: usize, seed: u64, avoid: &[Ipv4Addr]) -> Vec<String> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let r = next();
        let len = 16 + (r >> 40) as u32 % 13;
        let mask = u32::MAX << (32 - len);
        let addr = (r as u32) & mask;
        let first = addr >> 24;
        // Skip 0/8, 10/8 (the hospital), 127/8 and multicast / reserved space.
        if first == 0 || first == 10 || first == 127 || first >= 224 {
            continue;
        }
        if avoid.iter().any(|a| u32::from(*a) & mask == addr) {
            continue;
        }
        if seen.insert((addr, len)) {
            out.push(format!("{}/{len}", Ipv4Addr::from(addr)));
        }
    }
    out
}

/// The addresses of the timed logins: no generated prefix may contain them.
pub fn probe_addresses() -> Vec<Ipv4Addr> {
    vec![Ipv4Addr::new(10, 69, 12, 40), Ipv4Addr::new(41, 202, 77, 9)]
}

/// The trusted and denied lists for `n`: `n` prefixes each; the trusted list holds the
/// hospital's network in its middle (when `n > 0`), the denied list matches neither timed login.
pub fn prefix_lists(n: usize) -> (Vec<String>, Vec<String>) {
    let avoid = probe_addresses();
    let mut trusted = networks(n, 0x9e37_79b9_7f4a_7c15, &avoid);
    if n > 0 {
        trusted[n / 2] = HOSPITAL_NETWORK.to_owned();
    }
    let denied = networks(n, 0xd1b5_4a32_d192_ed03, &avoid);
    (trusted, denied)
}

/// ecps-risk watchlists: the two lists of the subset (the fixture's other four lists are added
/// by [`full_watchlists`] for the recommended policy).
pub fn subset_watchlists(trusted: &[String], denied: &[String]) -> Watchlists {
    compile_lists(vec![
        ip_spec("trusted_networks", trusted),
        ip_spec("denied_networks", denied),
    ])
}

/// The fixture's six watchlists with the trusted and denied lists replaced by these.
pub fn full_watchlists(trusted: &[String], denied: &[String]) -> Watchlists {
    let spec: WatchlistsSpec = match serde_json::from_str(hospital::WATCHLISTS) {
        Ok(s) => s,
        Err(e) => panic!("fixture watchlists: {e}"),
    };
    let mut lists: Vec<WatchlistSpec> = spec
        .lists
        .into_iter()
        .filter(|l| match l {
            WatchlistSpec::Ip { name, .. } => {
                name != "trusted_networks" && name != "denied_networks"
            }
            _ => true,
        })
        .collect();
    lists.push(ip_spec("trusted_networks", trusted));
    lists.push(ip_spec("denied_networks", denied));
    compile_lists(lists)
}

fn ip_spec(name: &str, entries: &[String]) -> WatchlistSpec {
    WatchlistSpec::Ip {
        name: name.to_owned(),
        description: None,
        entries: entries.to_vec(),
    }
}

fn compile_lists(lists: Vec<WatchlistSpec>) -> Watchlists {
    match Watchlists::compile(WatchlistsSpec { lists }) {
        Ok(w) => w,
        Err(e) => panic!("watchlists: {e}"),
    }
}

// ------------------------------------------------------------------------------------------
// Facts given to the peers.

/// What Cedar and Rego are given instead of ecps-risk's detectors; `None` is an absent
/// attribute (a missing input, or no history to compare with), as ecps-risk's "not evaluated".
#[derive(Clone, Debug, PartialEq)]
pub struct LoginFacts {
    /// Client address.
    pub ip: Option<IpAddr>,
    /// ISO country code from the caller's GeoIP.
    pub country: Option<String>,
    /// Seconds from the e-CPS activation to the login.
    pub activation_age_s: Option<i64>,
    /// `cps_card`, `email_sms` or `other`.
    pub activation_channel: Option<&'static str>,
    /// Seconds from the latest RPPS contact change to the login.
    pub contact_change_age_s: Option<i64>,
    /// Seconds from the latest contact change at or before the activation to the activation.
    pub contact_change_to_activation_s: Option<i64>,
    /// Denied or expired validation requests in the last hour.
    pub push_failures_last_hour: Option<i64>,
    /// The device cookie was never seen with a good login (`None` with an empty profile).
    pub new_device: Option<bool>,
    /// Neither the /24 nor the ASN was seen with a good login (`None` with an empty profile).
    pub unfamiliar_network: Option<bool>,
}

impl LoginFacts {
    /// The facts of a login, computed the way ecps-risk's detectors compute them.
    pub fn observe(ctx: &RiskContext, profile: &Profile) -> LoginFacts {
        let e = ctx.event();
        let now = ctx.now_unix();
        let cold = profile.login_count() == 0;
        let activated = e.credential.activated_at.map(|t| t.unix_timestamp());
        let changes = e.contact_changes.as_deref();
        let features = ctx.features();
        LoginFacts {
            ip: e.request.ip,
            country: e.request.country.map(|c| c.as_str().to_owned()),
            activation_age_s: activated.map(|a| now - a),
            activation_channel: e.credential.channel.map(|c| match c {
                ActivationChannel::CpsCard => "cps_card",
                ActivationChannel::EmailSms => "email_sms",
                _ => "other",
            }),
            contact_change_age_s: changes
                .and_then(|c| c.last())
                .map(|c| now - c.at.unix_timestamp()),
            contact_change_to_activation_s: activated.and_then(|a| {
                changes?
                    .iter()
                    .rev()
                    .map(|c| a - c.at.unix_timestamp())
                    .find(|gap| *gap >= 0)
            }),
            push_failures_last_hour: e.validation_requests.as_deref().map(|rs| {
                rs.iter()
                    .filter(|r| {
                        r.outcome != PushOutcome::Approved
                            && now - r.at.unix_timestamp() <= PUSH_WINDOW_SECONDS
                    })
                    .count() as i64
            }),
            new_device: match e.request.device {
                Some(d) if !cold => Some(profile.devices().count(&d) == 0),
                _ => None,
            },
            unfamiliar_network: match features.network {
                Some(net) if !cold => {
                    let h = profile.history();
                    let prefix_known = h.networks.count(&net) > 0;
                    let asn_known = features.asn.is_some_and(|a| h.asns.count(&a) > 0);
                    Some(!prefix_known && !asn_known)
                }
                _ => None,
            },
        }
    }
}

/// Score and decision, the comparable part of every engine's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Sum of the points of the rules that fired.
    pub score: i32,
    /// The decision.
    pub decision: Decision,
}

/// The decision a score, a forced decision and a floor give: ecps-risk's combination rule
/// (force replaces the score's decision, floors raise it).
pub fn combine(score: i32, force: Option<Decision>, floor: Decision) -> Decision {
    let by_score = if score >= DENY {
        Decision::Deny
    } else if score >= REVIEW {
        Decision::Review
    } else if score >= STEP_UP {
        Decision::StepUp(ecps_risk::StepUpMethod::CpsCard)
    } else {
        Decision::Allow
    };
    force.unwrap_or(by_score).max(floor)
}

/// ecps-risk's outcome.
pub fn ecps_outcome(a: &Assessment<'_>) -> Outcome {
    Outcome {
        score: a.score(),
        decision: a.decision(),
    }
}

/// ecps-risk's fired rules.
pub fn ecps_fired(a: &Assessment<'_>) -> BTreeSet<String> {
    a.reasons().map(|r| r.rule_id().to_owned()).collect()
}

// ------------------------------------------------------------------------------------------
// Cedar.

/// A rule's effect, read from a Cedar annotation.
#[derive(Clone, Copy, Debug)]
enum Effect {
    Points(i32),
    AtLeast(Decision),
    Force(Decision),
}

/// The rule ids, in the subset's order (a Cedar policy's `@id` annotation is one of these).
pub const RULE_IDS: [&str; 10] = [
    "denied-network",
    "known-device-trusted-network",
    "fresh-remote-activation",
    "fresh-activation",
    "remote-activation-after-contact-change",
    "recent-contact-change",
    "push-bombing",
    "new-device",
    "unfamiliar-network",
    "foreign-country",
];

/// How the two list rules are written in Cedar, which has no "any element of a set satisfies"
/// operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CedarForm {
    /// One `forbid` policy per rule; a list is a disjunction `ip.isInRange(ip(a)) || …`,
    /// nested as a balanced tree: Cedar's evaluator stops a left-nested chain of 2,000 `||`
    /// with "recursion limit reached".
    PerRule,
    /// One `forbid` policy per listed prefix (all with the rule's `@id`), the usual way to
    /// generate Cedar policies from data; the host counts a rule once however many of its
    /// policies are satisfied.
    PerPrefix,
}

fn cedar_in_range(net: &str) -> String {
    format!("context.ip.isInRange(ip(\"{net}\"))")
}

/// `ip.isInRange(ip(a)) || …` over a list as a balanced tree, `false` when it is empty.
fn cedar_in_any(list: &[String]) -> String {
    match list {
        [] => "false".to_owned(),
        [one] => cedar_in_range(one),
        _ => {
            let (left, right) = list.split_at(list.len() / 2);
            format!("({} || {})", cedar_in_any(left), cedar_in_any(right))
        }
    }
}

const CEDAR_NEW_DEVICE: &str = "context has new_device && context.new_device";
const CEDAR_KNOWN_DEVICE: &str = "context has new_device && !context.new_device";

/// The rule set in Cedar, with these lists, in one of the two forms.
pub fn cedar_policies(trusted: &[String], denied: &[String], form: CedarForm) -> String {
    let head = "forbid (principal, action, resource)";
    let denied_head = format!("@id(\"denied-network\") @force(\"deny\")\n{head}");
    let trusted_head = format!("@id(\"known-device-trusted-network\") @weight(\"-30\")\n{head}");
    let lists = match form {
        CedarForm::PerRule => format!(
            "{denied_head}\nwhen {{ context has ip && {} }};\n\n\
             {trusted_head}\nwhen {{ context has ip && {CEDAR_KNOWN_DEVICE} && {} }};\n",
            cedar_in_any(denied),
            cedar_in_any(trusted),
        ),
        CedarForm::PerPrefix => {
            let mut out = String::new();
            for net in denied {
                out.push_str(&format!(
                    "{denied_head}\nwhen {{ context has ip && {} }};\n\n",
                    cedar_in_range(net)
                ));
            }
            for net in trusted {
                out.push_str(&format!(
                    "{trusted_head}\nwhen {{ context has ip && {CEDAR_KNOWN_DEVICE} && {} }};\n\n",
                    cedar_in_range(net)
                ));
            }
            out
        }
    };
    let new_device = CEDAR_NEW_DEVICE;
    let fresh =
        format!("context has activation_age_s && context.activation_age_s < {FRESH_SECONDS}");
    let remote = "context has activation_channel && context.activation_channel == \"email_sms\"";
    format!(
        r#"// Every rule is a forbid policy; the permit makes a Deny list exactly the rules that fired.
@id("baseline")
permit (principal, action, resource);

{lists}
@id("fresh-remote-activation") @at_least("step_up_cps_card")
{head}
when {{ {fresh} && {remote} && {new_device} }};

@id("fresh-activation") @weight("20")
{head}
when {{ {fresh} }};

@id("remote-activation-after-contact-change") @weight("40")
{head}
when {{ context has contact_change_to_activation_s
    && context.contact_change_to_activation_s <= {CONTACT_WINDOW_SECONDS}
    && {remote} && {fresh} && {new_device} }};

@id("recent-contact-change") @weight("15")
{head}
when {{ context has contact_change_age_s && context.contact_change_age_s <= {CONTACT_WINDOW_SECONDS} }};

@id("push-bombing") @at_least("step_up_cps_card")
{head}
when {{ context has push_failures_last_hour && context.push_failures_last_hour >= {PUSH_MIN_FAILURES} }};

@id("new-device") @weight("15")
{head}
when {{ {new_device} }};

@id("unfamiliar-network") @weight("10")
{head}
when {{ context has unfamiliar_network && context.unfamiliar_network }};

@id("foreign-country") @weight("10")
{head}
when {{ context has country && context.country != "FR" }};
"#
    )
}

/// The rule set compiled for Cedar's authorizer, and the effects of its policies.
pub struct CedarEngine {
    authorizer: Authorizer,
    policies: PolicySet,
    entities: Entities,
    /// Policy → (rule index in [`RULE_IDS`], effect), read from the annotations once.
    effects: HashMap<PolicyId, (u32, Effect)>,
}

impl CedarEngine {
    /// Parse the policies and read their annotations (once).
    pub fn new(trusted: &[String], denied: &[String], form: CedarForm) -> CedarEngine {
        let text = cedar_policies(trusted, denied, form);
        let policies = match PolicySet::from_str(&text) {
            Ok(p) => p,
            Err(e) => panic!("cedar policies: {e:?}"),
        };
        let mut effects = HashMap::new();
        for p in policies.policies() {
            let effect = if let Some(w) = p.annotation("weight") {
                Effect::Points(w.parse().unwrap_or_else(|_| panic!("weight {w}")))
            } else if let Some(d) = p.annotation("at_least") {
                Effect::AtLeast(decision(d))
            } else if let Some(d) = p.annotation("force") {
                Effect::Force(decision(d))
            } else {
                continue;
            };
            let id = p.annotation("id").unwrap_or_default();
            let Some(index) = RULE_IDS.iter().position(|r| *r == id) else {
                panic!("cedar policy without a known @id: {id:?}");
            };
            effects.insert(p.id().clone(), (index as u32, effect));
        }
        CedarEngine {
            authorizer: Authorizer::new(),
            policies,
            entities: Entities::empty(),
            effects,
        }
    }

    /// The Cedar request of a login (built outside the timed loop, like the `RiskContext`).
    pub fn request(facts: &LoginFacts) -> Request {
        let mut pairs: Vec<(String, RestrictedExpression)> = Vec::new();
        let mut put = |k: &str, v: RestrictedExpression| pairs.push((k.to_owned(), v));
        if let Some(ip) = facts.ip {
            put("ip", RestrictedExpression::new_ip(ip.to_string()));
        }
        if let Some(c) = &facts.country {
            put("country", RestrictedExpression::new_string(c.clone()));
        }
        if let Some(v) = facts.activation_age_s {
            put("activation_age_s", RestrictedExpression::new_long(v));
        }
        if let Some(v) = facts.activation_channel {
            put(
                "activation_channel",
                RestrictedExpression::new_string(v.to_owned()),
            );
        }
        if let Some(v) = facts.contact_change_age_s {
            put("contact_change_age_s", RestrictedExpression::new_long(v));
        }
        if let Some(v) = facts.contact_change_to_activation_s {
            put(
                "contact_change_to_activation_s",
                RestrictedExpression::new_long(v),
            );
        }
        if let Some(v) = facts.push_failures_last_hour {
            put("push_failures_last_hour", RestrictedExpression::new_long(v));
        }
        if let Some(v) = facts.new_device {
            put("new_device", RestrictedExpression::new_bool(v));
        }
        if let Some(v) = facts.unfamiliar_network {
            put("unfamiliar_network", RestrictedExpression::new_bool(v));
        }
        let context = match Context::from_pairs(pairs) {
            Ok(c) => c,
            Err(e) => panic!("cedar context: {e}"),
        };
        let uid = |s: &str| match EntityUid::from_str(s) {
            Ok(u) => u,
            Err(e) => panic!("{s}: {e}"),
        };
        match Request::new(
            uid(r#"Professional::"810001234565""#),
            uid(r#"Action::"login""#),
            uid(r#"Service::"portal""#),
            context,
            None,
        ) {
            Ok(r) => r,
            Err(e) => panic!("cedar request: {e}"),
        }
    }

    /// Authorize, then apply the effects of the satisfied forbid policies, each rule once
    /// (the timed path). An evaluation error fails closed, as ecps-risk does.
    pub fn evaluate(&self, request: &Request) -> Outcome {
        let response = self
            .authorizer
            .is_authorized(request, &self.policies, &self.entities);
        let mut score = 0i32;
        let mut floor = Decision::Allow;
        let mut force: Option<Decision> = None;
        if response.diagnostics().errors().next().is_some() {
            floor = Decision::StepUp(ecps_risk::StepUpMethod::CpsCard);
        }
        if response.decision() == cedar_policy::Decision::Deny {
            let mut seen = 0u32;
            for id in response.diagnostics().reason() {
                let Some((rule, effect)) = self.effects.get(id) else {
                    continue;
                };
                if seen & (1 << rule) != 0 {
                    continue;
                }
                seen |= 1 << rule;
                match effect {
                    Effect::Points(p) => score = score.saturating_add(*p),
                    Effect::AtLeast(d) => floor = floor.max(*d),
                    Effect::Force(d) => force = Some(force.map_or(*d, |f| f.max(*d))),
                }
            }
        }
        Outcome {
            score,
            decision: combine(score, force, floor),
        }
    }

    /// The rules that fired (for the agreement check, not timed); evaluation errors fail it.
    pub fn fired(&self, request: &Request) -> Result<BTreeSet<String>, String> {
        let response = self
            .authorizer
            .is_authorized(request, &self.policies, &self.entities);
        let errors: Vec<String> = response
            .diagnostics()
            .errors()
            .map(|e| e.to_string())
            .collect();
        if !errors.is_empty() {
            return Err(format!("cedar errors: {errors:?}"));
        }
        if response.decision() == cedar_policy::Decision::Allow {
            return Ok(BTreeSet::new());
        }
        Ok(response
            .diagnostics()
            .reason()
            .filter_map(|id| self.effects.get(id))
            .map(|(rule, _)| RULE_IDS[*rule as usize].to_owned())
            .collect())
    }
}

fn decision(name: &str) -> Decision {
    Decision::parse(name).unwrap_or_else(|| panic!("unknown decision `{name}`"))
}

// ------------------------------------------------------------------------------------------
// Rego.

/// The rule set in Rego (rego.v1). The lists are `data.lists.trusted_networks` and
/// `data.lists.denied_networks`; the entry point is `data.ecps.result`.
pub fn rego_policy() -> String {
    format!(
        r#"package ecps

import rego.v1

denied if {{
	some cidr in data.lists.denied_networks
	net.cidr_contains(cidr, input.ip)
}}

trusted if {{
	some cidr in data.lists.trusted_networks
	net.cidr_contains(cidr, input.ip)
}}

fresh if input.activation_age_s < {FRESH_SECONDS}

remote if input.activation_channel == "email_sms"

new_device if input.new_device == true

known_device if input.new_device == false

fired contains "denied-network" if denied

fired contains "known-device-trusted-network" if {{
	known_device
	trusted
}}

fired contains "fresh-remote-activation" if {{
	fresh
	remote
	new_device
}}

fired contains "fresh-activation" if fresh

fired contains "remote-activation-after-contact-change" if {{
	input.contact_change_to_activation_s <= {CONTACT_WINDOW_SECONDS}
	remote
	fresh
	new_device
}}

fired contains "recent-contact-change" if input.contact_change_age_s <= {CONTACT_WINDOW_SECONDS}

fired contains "push-bombing" if input.push_failures_last_hour >= {PUSH_MIN_FAILURES}

fired contains "new-device" if new_device

fired contains "unfamiliar-network" if input.unfamiliar_network == true

fired contains "foreign-country" if input.country != "FR"

# Every rule's effect, for every rule (total maps: see the note on regorus's RVM in README.md).
# Ranks: 0 allow, 1 step_up_cps_card, 2 review, 3 deny.
effects := {{
	"denied-network": {{"points": 0, "floor": 0, "force": 3}},
	"known-device-trusted-network": {{"points": -30, "floor": 0, "force": 0}},
	"fresh-remote-activation": {{"points": 0, "floor": 1, "force": 0}},
	"fresh-activation": {{"points": 20, "floor": 0, "force": 0}},
	"remote-activation-after-contact-change": {{"points": 40, "floor": 0, "force": 0}},
	"recent-contact-change": {{"points": 15, "floor": 0, "force": 0}},
	"push-bombing": {{"points": 0, "floor": 1, "force": 0}},
	"new-device": {{"points": 15, "floor": 0, "force": 0}},
	"unfamiliar-network": {{"points": 10, "floor": 0, "force": 0}},
	"foreign-country": {{"points": 10, "floor": 0, "force": 0}},
}}

names := ["allow", "step_up_cps_card", "review", "deny"]

score := sum([effects[id].points | some id in fired])

score_rank := 3 if score >= {DENY}
else := 2 if score >= {REVIEW}
else := 1 if score >= {STEP_UP}
else := 0

force_rank := max({{0}} | {{effects[id].force | some id in fired}})

# A forced decision replaces the score's.
base_rank := force_rank if force_rank > 0
else := score_rank

floor_rank := max({{0}} | {{effects[id].floor | some id in fired}})

result := {{
	"score": score,
	"decision": names[max([base_rank, floor_rank])],
	"fired": fired,
}}
"#
    )
}

/// The Rego input of a login (built outside the timed loop).
pub fn rego_input(facts: &LoginFacts) -> Value {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: serde_json::Value| {
        m.insert(k.to_owned(), v);
    };
    if let Some(ip) = facts.ip {
        put("ip", ip.to_string().into());
    }
    if let Some(c) = &facts.country {
        put("country", c.clone().into());
    }
    if let Some(v) = facts.activation_age_s {
        put("activation_age_s", v.into());
    }
    if let Some(v) = facts.activation_channel {
        put("activation_channel", v.into());
    }
    if let Some(v) = facts.contact_change_age_s {
        put("contact_change_age_s", v.into());
    }
    if let Some(v) = facts.contact_change_to_activation_s {
        put("contact_change_to_activation_s", v.into());
    }
    if let Some(v) = facts.push_failures_last_hour {
        put("push_failures_last_hour", v.into());
    }
    if let Some(v) = facts.new_device {
        put("new_device", v.into());
    }
    if let Some(v) = facts.unfamiliar_network {
        put("unfamiliar_network", v.into());
    }
    let json = serde_json::Value::Object(m).to_string();
    match Value::from_json_str(&json) {
        Ok(v) => v,
        Err(e) => panic!("rego input: {e}"),
    }
}

fn rego_data(trusted: &[String], denied: &[String]) -> Value {
    let json = serde_json::json!({
        "lists": { "trusted_networks": trusted, "denied_networks": denied }
    })
    .to_string();
    match Value::from_json_str(&json) {
        Ok(v) => v,
        Err(e) => panic!("rego data: {e}"),
    }
}

const ENTRY: &str = "data.ecps.result";

fn rego_engine(trusted: &[String], denied: &[String]) -> Engine {
    let mut engine = Engine::new();
    if let Err(e) = engine.add_policy("ecps.rego".to_owned(), rego_policy()) {
        panic!("rego policy: {e}");
    }
    if let Err(e) = engine.add_data(rego_data(trusted, denied)) {
        panic!("rego data: {e}");
    }
    engine
}

/// Read `{score, decision}` out of the policy's result; anything else fails closed.
fn rego_outcome(v: &Value) -> Outcome {
    let score = v["score"].as_i64().ok().and_then(|s| i32::try_from(s).ok());
    let decision = v["decision"]
        .as_string()
        .ok()
        .and_then(|d| Decision::parse(d));
    match (score, decision) {
        (Some(score), Some(decision)) => Outcome { score, decision },
        _ => Outcome {
            score: 0,
            decision: Decision::StepUp(ecps_risk::StepUpMethod::CpsCard),
        },
    }
}

fn rego_fired(v: &Value) -> BTreeSet<String> {
    let fired = &v["fired"];
    // An empty partial set can come back undefined; the score and decision are still checked.
    if *fired == Value::Undefined && v["decision"] != Value::Undefined {
        return BTreeSet::new();
    }
    match fired.as_set() {
        Ok(set) => set
            .iter()
            .filter_map(|x| x.as_string().ok().map(|s| s.to_string()))
            .collect(),
        Err(e) => panic!("rego result without `fired`: {e} ({v})"),
    }
}

/// regorus's interpreter: one `Engine` holding the policy and the lists, `set_input` +
/// `eval_rule` per login.
pub struct RegoInterpreter {
    engine: Engine,
}

impl RegoInterpreter {
    /// Parse the policy and load the lists (once).
    pub fn new(trusted: &[String], denied: &[String]) -> RegoInterpreter {
        RegoInterpreter {
            engine: rego_engine(trusted, denied),
        }
    }

    fn run(&mut self, input: &Value) -> Value {
        self.engine.set_input(input.clone());
        match self.engine.eval_rule(ENTRY.to_owned()) {
            Ok(v) => v,
            Err(e) => panic!("rego: {e}"),
        }
    }

    /// One evaluation (the timed path).
    pub fn evaluate(&mut self, input: &Value) -> Outcome {
        rego_outcome(&self.run(input))
    }

    /// The rules that fired (agreement check).
    pub fn fired(&mut self, input: &Value) -> BTreeSet<String> {
        rego_fired(&self.run(input))
    }
}

/// regorus's RVM: the policy compiled to bytecode once, one VM with the lists loaded,
/// `set_input` + `execute` per login.
pub struct RegoVm {
    vm: RegoVM,
}

impl RegoVm {
    /// Compile the policy for the entry point and load program and data (once).
    pub fn new(trusted: &[String], denied: &[String]) -> RegoVm {
        let mut engine = rego_engine(trusted, denied);
        let compiled = match engine.compile_with_entrypoint(&ENTRY.into()) {
            Ok(c) => c,
            Err(e) => panic!("rego compile: {e}"),
        };
        let program = match Compiler::compile_from_policy(&compiled, &[ENTRY]) {
            Ok(p) => p,
            Err(e) => panic!("rvm compile: {e}"),
        };
        let mut vm = RegoVM::new();
        // The default limit (25,000 instructions) stops the scan of 2,000 prefixes; no limit,
        // as regorus's own `regular_no_limits` benchmark configuration.
        vm.set_max_instructions(usize::MAX);
        vm.load_program(Arc::clone(&program));
        if let Err(e) = vm.set_data(rego_data(trusted, denied)) {
            panic!("rvm data: {e}");
        }
        RegoVm { vm }
    }

    fn run(&mut self, input: &Value) -> Value {
        self.vm.set_input(input.clone());
        match self.vm.execute() {
            Ok(v) => v,
            Err(e) => panic!("rvm: {e}"),
        }
    }

    /// One evaluation (the timed path).
    pub fn evaluate(&mut self, input: &Value) -> Outcome {
        rego_outcome(&self.run(input))
    }

    /// The rules that fired (agreement check).
    pub fn fired(&mut self, input: &Value) -> BTreeSet<String> {
        rego_fired(&self.run(input))
    }
}

// ------------------------------------------------------------------------------------------
// Everything for one prefix count.

/// The engines, loaded with `n` prefixes per list.
pub struct Engines {
    /// Prefixes per list.
    pub n: usize,
    /// The subset, compiled.
    pub subset: Policy,
    /// The recommended policy, for the "full evaluation" line.
    pub recommended: Policy,
    /// The subset's two lists.
    pub subset_lists: Watchlists,
    /// The fixture's six lists, with these trusted / denied lists.
    pub full_lists: Watchlists,
    /// Cedar, one policy per rule.
    pub cedar: CedarEngine,
    /// Cedar, one policy per listed prefix.
    pub cedar_per_prefix: CedarEngine,
    /// regorus, interpreter.
    pub rego: RegoInterpreter,
    /// regorus, RVM.
    pub rvm: RegoVm,
}

impl Engines {
    /// Build every engine for `n` prefixes per list.
    pub fn new(n: usize) -> Engines {
        let (trusted, denied) = prefix_lists(n);
        Engines {
            n,
            subset: subset_policy(),
            recommended: Policy::recommended(),
            subset_lists: subset_watchlists(&trusted, &denied),
            full_lists: full_watchlists(&trusted, &denied),
            cedar: CedarEngine::new(&trusted, &denied, CedarForm::PerRule),
            cedar_per_prefix: CedarEngine::new(&trusted, &denied, CedarForm::PerPrefix),
            rego: RegoInterpreter::new(&trusted, &denied),
            rvm: RegoVm::new(&trusted, &denied),
        }
    }
}

/// One login, in each engine's input form.
pub struct Login {
    /// Name.
    pub name: String,
    /// ecps-risk's context.
    pub ctx: RiskContext,
    /// The facts the peers get.
    pub facts: LoginFacts,
    /// Cedar request.
    pub cedar: Request,
    /// Rego input.
    pub rego: Value,
}

impl Login {
    /// Prepare a login for every engine.
    pub fn new(name: &str, ctx: RiskContext, profile: &Profile) -> Login {
        let facts = LoginFacts::observe(&ctx, profile);
        Login {
            name: name.to_owned(),
            cedar: CedarEngine::request(&facts),
            rego: rego_input(&facts),
            ctx,
            facts,
        }
    }
}

/// What each engine answered for one login.
#[derive(Debug)]
pub struct Answers {
    /// (engine, outcome, fired rules).
    pub by_engine: Vec<(&'static str, Outcome, BTreeSet<String>)>,
}

/// Evaluate a login in all four engines and check they agree on the score, the decision and
/// the rules that fired; `Err` describes the disagreement.
pub fn check_agreement(
    engines: &mut Engines,
    login: &Login,
    profile: &Profile,
) -> Result<Answers, String> {
    let env = Environment::new().with_watchlists(&engines.subset_lists);
    let a = engines.subset.evaluate(&login.ctx, profile, &env);
    if let Some(f) = a.failure() {
        return Err(format!("{}: ecps-risk failure {f:?}", login.name));
    }
    let ctx_err = |e: String| format!("{} with {} prefixes: {e}", login.name, engines.n);
    let by_engine = vec![
        ("ecps-risk", ecps_outcome(&a), ecps_fired(&a)),
        (
            "cedar",
            engines.cedar.evaluate(&login.cedar),
            engines.cedar.fired(&login.cedar).map_err(&ctx_err)?,
        ),
        (
            "cedar-per-prefix",
            engines.cedar_per_prefix.evaluate(&login.cedar),
            engines
                .cedar_per_prefix
                .fired(&login.cedar)
                .map_err(&ctx_err)?,
        ),
        (
            "regorus",
            engines.rego.evaluate(&login.rego),
            engines.rego.fired(&login.rego),
        ),
        (
            "regorus-rvm",
            engines.rvm.evaluate(&login.rego),
            engines.rvm.fired(&login.rego),
        ),
    ];
    let first = &by_engine[0];
    for other in &by_engine[1..] {
        if other.1 != first.1 || other.2 != first.2 {
            return Err(format!(
                "{} with {} prefixes: {} says {:?} {:?}, {} says {:?} {:?}",
                login.name, engines.n, first.0, first.1, first.2, other.0, other.1, other.2
            ));
        }
    }
    Ok(Answers { by_engine })
}
