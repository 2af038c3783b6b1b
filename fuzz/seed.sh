#!/usr/bin/env bash
# Fill fuzz/corpus/<target>/ with the seed files and every regression input, as the
# regression test replays them (tests/fuzz_regressions.rs). Safe to rerun: files are
# copied under their content hash, so nothing is duplicated.
set -euo pipefail
cd "$(dirname "$0")"
root=..
add() { # target file...
  local target=$1; shift
  mkdir -p "corpus/$target"
  for f in "$@"; do
    [ -f "$f" ] || continue
    cp "$f" "corpus/$target/$(sha1sum "$f" | cut -c1-40)"
  done
}
add claims_json $root/tests/data/claims_*.json $root/tests/data/scenario_kill_chain_claims.json
add login_event_json $root/tests/data/login_*.json
add watchlists_json $root/tests/data/watchlists*.json $root/tests/data/scenario_watchlists*.json
add policy_json $root/src/policy/recommended.json
add policy_toml $root/policies/recommended.toml $root/examples/data/portal_policy.toml
for target in claims_json login_event_json policy_json policy_toml profile_json population_json watchlists_json evaluate report; do
  add "$target" seeds/"$target"/* $root/tests/data/fuzz/"$target"/*
done
ls corpus | while read -r t; do echo "$t: $(ls "corpus/$t" | wc -l) files"; done
