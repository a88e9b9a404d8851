#!/usr/bin/env bash
# fuzz.sh -- builds every libFuzzer harness of tests/fuzz (clang, ASan + UBSan) in build-fuzz/ and
# runs each for SECONDS (default 600), two at a time under nice, starting from its seeds: every
# directory of tests/fuzz/seeds/ and tests/fuzz/corpus/ named after the harness (fuzz_input_csv:
# input_csv or csv), past crash inputs included, so each of them is replayed first. Prints the
# executions of each run and ends with "fuzz: N passed, N failed"; fails if a harness did not
# build, or a run found a crash, a leak, a sanitizer report or a timeout (kept in the work dir).
#   scripts/fuzz.sh [SECONDS] [HARNESS...]      e.g. scripts/fuzz.sh 60 fuzz_reply fuzz_auth_reply
#   scripts/fuzz.sh --ci                        the test command's step: every harness, 10 s each
#                                               (CAASCAN_FUZZ_SECONDS), a fresh work directory
# FUZZ_BUILD names another build directory (default build-fuzz), FUZZ_WORK another work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
ci=0
if [ "${1:-}" = --ci ]; then
    ci=1
    shift
    secs=${CAASCAN_FUZZ_SECONDS:-10}
else
    secs=${1:-600}
    shift || true
fi
[[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -ge 1 ] || {
    echo "fuzz.sh: SECONDS must be a positive number, not '$secs'" >&2
    exit 2
}
fb=${FUZZ_BUILD:-build-fuzz}
work=${FUZZ_WORK:-$fb/work}
[ "$ci" = 1 ] && work=${FUZZ_WORK:-$fb/ci-work} && rm -rf "$work"
mkdir -p "$fb" "$work"

harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] ||
    mapfile -t harnesses < <(ls tests/fuzz/fuzz_*.c | xargs -n1 basename | sed 's/\.c$//')

# A harness that no longer builds must not leave last build's binary to run in its place; the
# build goes on past a failing harness (-k) so that the others still run.
for h in "${harnesses[@]}"; do rm -f "$fb/tests/$h"; done
built=1
{
    cmake -S . -B "$fb" -DCAASCAN_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCAASCAN_TESTS=OFF \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
        cmake --build "$fb" -j"$(nproc)" -- -k
} >"$fb/build.log" 2>&1 || built=0
[ "$built" = 1 ] || {
    echo "fuzz.sh: the fuzz build failed; the errors ($fb/build.log):"
    grep -E 'error:|Error [0-9]' "$fb/build.log" | head -20
}

# UBSan in the fuzz build reports and goes on unless told to stop: a report is a failure.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

seed_dirs() { # harness: its seed and corpus directories
    local short=${1#fuzz_} d
    local names=("$short")
    [ "${short#input_}" != "$short" ] && names+=("${short#input_}")
    for n in "${names[@]}"; do
        for d in "tests/fuzz/seeds/$n" "tests/fuzz/corpus/$n"; do [ -d "$d" ] && echo "$d"; done
    done
}

run() {
    local h=$1 seeds
    mapfile -t seeds < <(seed_dirs "$h")
    if [ ! -x "$fb/tests/$h" ]; then
        echo "$h: FAILED: does not build ($fb/build.log)"
        return 1
    fi
    if [ ${#seeds[@]} -eq 0 ]; then
        echo "$h: FAILED: no seeds (add tests/fuzz/seeds/${h#fuzz_}/)"
        return 1
    fi
    mkdir -p "$work/$h"
    if nice -n 10 "$fb/tests/$h" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/$h-" "$work/$h" "${seeds[@]}" >"$work/$h.log" 2>&1 &&
        ! grep -q 'runtime error:\|ERROR: \(Address\|Leak\|UndefinedBehavior\)Sanitizer' \
            "$work/$h.log"; then
        echo "$h: $(awk '/number_of_executed_units/ {print $2}' "$work/$h.log") executions in" \
            "$secs s from $(find "${seeds[@]}" -type f | wc -l) seed inputs, no crash"
    else
        echo "$h: FAILED, see $work/$h.log:"
        grep -m5 -E 'ERROR|runtime error|SUMMARY|Test unit written' "$work/$h.log" | sed 's/^/    /'
        return 1
    fi
}

passed=0
failed=0
pids=()
for ((i = 0; i < ${#harnesses[@]}; i += 2)); do
    pids=()
    run "${harnesses[i]}" &
    pids+=($!)
    if [ $((i + 1)) -lt ${#harnesses[@]} ]; then
        run "${harnesses[i + 1]}" &
        pids+=($!)
    fi
    for p in "${pids[@]}"; do
        if wait "$p"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    done
done
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%d)"
if [ "$built" = 0 ]; then
    echo "the fuzz build: FAILED ($fb/build.log)"
    failed=$((failed + 1))
fi
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
