#!/usr/bin/env bash
# test.sh -- the whole test suite: installs dependencies, builds with AddressSanitizer and
# UndefinedBehaviorSanitizer in build-test/, runs every unit, command-line and integration test
# with ctest, then builds every libFuzzer harness with clang in build-fuzz/ and runs each for a
# short time over its seeds and past crash inputs (scripts/fuzz.sh --ci: 10 s each,
# CAASCAN_FUZZ_SECONDS, two at a time), ending with "fuzz: N passed, N failed".
#   scripts/test.sh [CTEST-ARGS...]   with arguments (a subset, e.g. -R unit_) the fuzz step is
#                                     skipped unless CAASCAN_FUZZ_SECONDS is set;
#                                     CAASCAN_FUZZ_SECONDS=0 skips it always.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake -S . -B build-test -DCAASCAN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-test -j"$(nproc)"
fuzz=1
[ $# -gt 0 ] && [ -z "${CAASCAN_FUZZ_SECONDS:-}" ] && fuzz=0
[ "${CAASCAN_FUZZ_SECONDS:-}" = 0 ] && fuzz=0
status=0
(
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    cd build-test
    ctest --output-on-failure -j"$(nproc)" "$@"
) || status=1
if [ "$fuzz" = 1 ]; then
    echo "== fuzzing: every harness of tests/fuzz, ${CAASCAN_FUZZ_SECONDS:-10} s each"
    bash scripts/fuzz.sh --ci || status=1
fi
exit $status
