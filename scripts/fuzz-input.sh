#!/usr/bin/env bash
# fuzz-input.sh -- runs the input-layer libFuzzer harnesses, two at a time under nice, for
# SECONDS each (default 600), and prints the executions count of each run, with the commit and
# date to record in docs/input.md. One input taking over 10 s counts as a failure (a timeout).
# Usage: scripts/fuzz-input.sh [SECONDS]   (builds build-fuzz/ with clang first)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- src include tests/fuzz || commit="$commit+uncommitted changes"
echo "code: commit $commit, $(date -u +%Y-%m-%d)"
cmake -S . -B build-fuzz -DCAASCAN_FUZZ=ON -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2 >/dev/null
work=${FUZZ_WORK:-build-fuzz/work}
mkdir -p "$work"
run() { # harness seeds
    local h=$1 seeds=$2
    mkdir -p "$work/$h"
    nice -n 10 "build-fuzz/tests/$h" -max_total_time="$secs" -max_len=16384 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$work/$h-" "$work/$h" "tests/fuzz/seeds/$seeds" \
        >"$work/$h.log" 2>&1 || {
        echo "$h: FAILED (see $work/$h.log)"
        return 1
    }
    local execs slowest
    execs=$(grep -m1 'stat::number_of_executed_units' "$work/$h.log" | awk '{print $2}')
    slowest=$(grep -m1 'stat::slowest_unit_time_sec' "$work/$h.log" | awk '{print $2}')
    echo "$h: $execs executions in ${secs}s (slowest input ${slowest}s)"
}
status=0
run fuzz_name name & run fuzz_input_list list & wait -n || status=1; wait -n || status=1
run fuzz_input_csv csv & run fuzz_input_crtsh_json crtsh_json & wait -n || status=1; wait -n || status=1
run fuzz_input_crtsh_csv crtsh_csv || status=1
exit $status
