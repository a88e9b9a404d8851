#!/usr/bin/env bash
# test.sh -- the whole test suite: installs dependencies, builds with AddressSanitizer and
# UndefinedBehaviorSanitizer in build-test/, and runs every unit and integration test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake -S . -B build-test -DCAASCAN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-test -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd build-test
ctest --output-on-failure -j"$(nproc)" "$@"
