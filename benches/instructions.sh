#!/usr/bin/env bash
# Instructions per evaluation of the recommended policy (and per context build), counted by callgrind: the same count on
# every run of the same binary, so a change to the hot path can be measured on a VM whose
# wall-clock speed drifts. Per evaluation = (count at N - count at 0) / N, the fixture being
# built alike in both runs (examples/instruction_probe.rs).
#
#   bash benches/instructions.sh [N]        # N = 2000 by default; needs valgrind
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-2000}"
cargo build --quiet --release --example instruction_probe
probe="${CARGO_TARGET_DIR:-target}/release/examples/instruction_probe"

count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$probe" "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '%-14s %-11s %s\n' form login "instructions per evaluation"
for form in evaluate evaluate_into build; do
    for login in legitimate seed_fraud cold_start; do
        base="$(count 0 "$form" "$login")"
        total="$(count "$n" "$form" "$login")"
        if [[ -z "$base" || -z "$total" ]]; then
            echo "callgrind gave no count for $form $login" >&2
            exit 1
        fi
        printf '%-14s %-11s %d\n' "$form" "$login" $(((total - base) / n))
    done
done
