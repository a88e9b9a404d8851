#!/usr/bin/env bash
# bench.sh -- caascan's benchmarks. Builds an optimised caascan in build-bench/ and runs the
# benchmarks named on the command line (default: all of scripts/bench/*.sh), each printing its
# figures. Benchmarks measure; they never fail because a machine is slow.
#
#   scripts/bench.sh            all benchmarks
#   scripts/bench.sh engine     the query engine against NSD (targets: >= 80% of dnsperf,
#                               <= 8 ms CPU per 1,000 queries, < 64 MB RSS, 0 names lost)
#   scripts/bench.sh answer-json  the JSON lines of lookup alone: CPU per 1,000 lines on realistic
#                               answers, without the network
#   scripts/bench.sh input      reading and normalizing 1,000,000 names (crt.sh JSON, CSV)
#   scripts/bench.sh scan       100,000 names over 5,000 zones in the DNS world at --qps 20000
#   scripts/bench.sh scan-real  100,000 names over 20,000 zones spread over providers like a real
#                               inventory: the default sampled authoritative checks at the default
#                               --auth-qps (about 35 minutes) against the full checks (unlimited,
#                               their time at the default rate projected), compared name by name,
#                               projected to 1,000,000 names
#   scripts/bench.sh resume     the same scan with and without checkpoints, and --resume after
#                               a kill -9 at 90 % of the names
#   scripts/bench.sh store      writing, exporting and diffing runs of 1,000,000 rows
#   scripts/bench.sh merge      caascan merge of 4 partition runs of 1,000,000 rows in all
#                               (targets: < 30 s, < 64 MB RSS)
#   scripts/bench.sh partitions the scan benchmark's 100,000 names as 1 run and as 4 partitions
#                               side by side (budgets shared), merged
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCAASCAN_SANITIZE=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
export CAASCAN="$PWD/build-bench/scanner/caascan" CANNEDNS="$PWD/build-bench/tests/world/cannedns" BUILD="$PWD/build-bench"

if [ $# -eq 0 ]; then
    set -- $(ls scripts/bench/*.sh | xargs -n1 basename | sed 's/\.sh$//')
fi
for b in "$@"; do
    [ -f "scripts/bench/$b.sh" ] || { echo "bench.sh: no benchmark '$b'" >&2; exit 2; }
    echo "=== $b"
    bash "scripts/bench/$b.sh"
done
