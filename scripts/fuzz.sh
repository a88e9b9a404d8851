#!/usr/bin/env bash
# fuzz.sh -- builds every libFuzzer harness of tests/fuzz (clang, ASan + UBSan) in build-fuzz/ and
# runs each for SECONDS (default 600), two at a time under nice, starting from its seeds
# (tests/fuzz/seeds/NAME or tests/fuzz/corpus/NAME when present). Prints the executions of each
# run and fails if one found a crash, a leak or a timeout (the input is kept in the work dir).
#   scripts/fuzz.sh [SECONDS] [HARNESS...]      e.g. scripts/fuzz.sh 60 fuzz_reply fuzz_auth_reply
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shift || true
cmake -S . -B build-fuzz -DCAASCAN_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCAASCAN_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" >/dev/null
work=${FUZZ_WORK:-build-fuzz/work}
mkdir -p "$work"
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || mapfile -t harnesses < <(ls tests/fuzz/fuzz_*.c | xargs -n1 basename | sed 's/\.c$//')

run() {
    local h=$1 seeds=()
    local short=${h#fuzz_}
    for d in "tests/fuzz/seeds/$short" "tests/fuzz/corpus/$short"; do [ -d "$d" ] && seeds+=("$d"); done
    mkdir -p "$work/$h"
    if nice -n 10 "build-fuzz/tests/$h" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/$h-" "$work/$h" "${seeds[@]}" >"$work/$h.log" 2>&1; then
        echo "$h: $(awk '/number_of_executed_units/ {print $2}' "$work/$h.log") executions in $secs s, no crash"
    else
        echo "$h: FAILED, see $work/$h.log"
        return 1
    fi
}

failed=0
for ((i = 0; i < ${#harnesses[@]}; i += 2)); do
    run "${harnesses[i]}" &
    p1=$!
    p2=
    if [ $((i + 1)) -lt ${#harnesses[@]} ]; then
        run "${harnesses[i + 1]}" &
        p2=$!
    fi
    wait $p1 || failed=1
    [ -z "$p2" ] || wait $p2 || failed=1
done
echo "commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%d)"
exit $failed
