#!/usr/bin/env bash
# quickstart.sh -- the whole nightly workflow on the bundled demo DNS world, from a fresh clone:
# installs the Debian packages, builds caascan, starts the demo world (real NSD and Unbound plus
# a canned-answer server for misbehaviour, in a private network namespace), scans the demo
# inventory (night 1), changes some zones (night 2), scans again, and shows the results, the
# diff between the two nights and a report. The runs stay in demo/ for you to look at.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ "${QUICKSTART_IN_WORLD:-}" != 1 ]; then
    bash scripts/deps.sh
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j"$(nproc)" >/dev/null
    echo "== caascan built: build/scanner/caascan"
    rm -rf demo && mkdir -p demo
    bash scripts/world.sh build demo/world >/dev/null
    echo "== demo DNS world built in demo/world (see tests/world/README.md)"
    exec env QUICKSTART_IN_WORLD=1 CANNEDNS="$ROOT/build/tests/world/cannedns" \
        bash scripts/world.sh run demo/world -- bash "$0"
fi

C="$ROOT/build/scanner/caascan"
INV="$ROOT/data/demo-inventory.csv"
echo "== resolvers of the demo world: $WORLD_RESOLVERS"
echo
echo "== night 1: caascan scan -r \$WORLD_RESOLVERS --keep-columns customer_id,plan -o demo/night1 data/demo-inventory.csv"
"$C" scan -r "$WORLD_RESOLVERS" --keep-columns customer_id,plan --no-progress -o demo/night1 "$INV"
echo
echo "== the results, as a spreadsheet would show them (caascan export demo/night1, some columns)"
"$C" export demo/night1 | python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
w = max(len(r["name"]) for r in rows)
for r in rows:
    print(r["name"].ljust(w), r["status"].ljust(12), r["customer_id"].ljust(7), r["problems"])'
echo
echo "== why one name fails, for a person: caascan check expired.test"
"$C" check -r "$WORLD_RESOLVERS" expired.test || true

echo "== night 2: the DNS changes (a CAA record changed, one fixed, one name removed, a server breaks)"
bash "$ROOT/scripts/world.sh" switch "$WORLD_DIR" night2 >/dev/null
"$C" scan -r "$WORLD_RESOLVERS" --keep-columns customer_id,plan --no-progress -o demo/night2 "$INV"
echo
echo "== caascan diff demo/night1 demo/night2 -o demo/changes.csv"
set +e
"$C" diff demo/night1 demo/night2 -o demo/changes.csv
rc=$?
set -e
cut -d, -f1-4 demo/changes.csv | column -s, -t
echo "(exit status $rc: 1 means new failures, for a cron job to alert on)"
echo
echo "== which customers' renewals fail: caascan report demo/night2 --by certificate --group-column customer_id"
"$C" report demo/night2 --by certificate --group-column customer_id --max-names 3 || true
echo
echo "== done: runs in demo/night1 and demo/night2 (zstdcat demo/night2/results-*.csv.zst | head)"
