//! Print the rule set as each engine gets it, with `n` prefixes per list (default 2).
//!
//! `cargo run --example show_rules -- 2`

use ecps_risk_peers::{CedarForm, SUBSET_TOML, cedar_policies, prefix_lists, rego_policy};

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2);
    let (trusted, denied) = prefix_lists(n);
    println!("# ecps-risk (TOML policy; the lists are ecps-risk watchlists)\n{SUBSET_TOML}");
    for form in [CedarForm::PerRule, CedarForm::PerPrefix] {
        println!(
            "# Cedar ({form:?}), {n} prefixes per list\n{}",
            cedar_policies(&trusted, &denied, form)
        );
    }
    println!("# Rego (lists in data.lists)\n{}", rego_policy());
    println!("# data.lists\ntrusted_networks = {trusted:?}\ndenied_networks = {denied:?}");
}
