#!/usr/bin/env bash
# Run the fuzz targets one after the other (never in parallel: one core each is plenty, and the
# machine is shared), each for SECONDS, and print how many inputs each one executed.
#
#   fuzz/run.sh [SECONDS] [TARGET...]        # defaults: 600 s, every target
#
# Builds are optimized with debug assertions and overflow checks on (`-O -a`): an arithmetic
# overflow is a finding.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 lets it
# use the nightly-only sanitizer flags. Set CARGO_TARGET_DIR to keep the fuzz build apart.
# Logs go to fuzz/logs/<target>.log; crashes to fuzz/artifacts/<target>/.
set -uo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(claims_json login_event_json policy_json policy_toml profile_json population_json watchlists_json evaluate report)
./seed.sh > /dev/null
mkdir -p logs
target_dir=(); [ -n "${CARGO_TARGET_DIR:-}" ] && target_dir=(--target-dir "$CARGO_TARGET_DIR")
for t in "${targets[@]}"; do
  dict=dicts/json.dict; [ "$t" = policy_toml ] && dict=dicts/policy_toml.dict
  [ "$t" = evaluate ] && dict=
  [ "$t" = report ] && dict=
  start=$(date +%s)
  cargo fuzz run "${target_dir[@]}" -O -a "$t" -- \
    -max_total_time="$seconds" -jobs=1 -workers=1 -timeout=10 -rss_limit_mb=2048 \
    ${dict:+-dict=$dict} > "logs/$t.log" 2>&1
  status=$?
  [ -f fuzz-0.log ] && mv fuzz-0.log "logs/$t.log"
  runs=$(grep -Eo 'Done [0-9]+ runs' "logs/$t.log" | tail -1 | grep -Eo '[0-9]+' || true)
  # libFuzzer's status lines start with `#<executions>` (a crash's backtrace has `#<frame>`).
  last=$(grep -Eo '^#[0-9]+' "logs/$t.log" | tail -1 | tr -d '#')
  echo "$t: exit $status, $(( $(date +%s) - start )) s, ${runs:-$last} executions"
done
