#!/usr/bin/env bash
# bench.sh -- caascan's benchmarks. Builds an optimised caascan in build-bench/ and runs the
# benchmarks named on the command line (default: all of scripts/bench/*.sh), each printing its
# figures. Benchmarks measure; they never fail because a machine is slow.
#
#   scripts/bench.sh            all benchmarks
#   scripts/bench.sh engine     the query engine against NSD (issue targets: >= 80% of dnsperf,
#                               <= 8 ms CPU per 1,000 queries, < 64 MB RSS, 0 names lost)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCAASCAN_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
export CAASCAN="$PWD/build-bench/scanner/caascan"

if [ $# -eq 0 ]; then
    set -- $(ls scripts/bench/*.sh | xargs -n1 basename | sed 's/\.sh$//')
fi
for b in "$@"; do
    [ -f "scripts/bench/$b.sh" ] || { echo "bench.sh: no benchmark '$b'" >&2; exit 2; }
    echo "=== $b"
    bash "scripts/bench/$b.sh"
done
