#!/usr/bin/env bash
# input.sh -- benchmark of the input layer: reading, normalizing and de-duplicating 1,000,000
# names from a generated crt.sh JSON export and from a generated customer CSV, through
# `caascan names`. Prints seconds and peak RSS (from /usr/bin/time -v) for each.
# Usage: scripts/bench/input.sh [CAASCAN] [N]   (default: build/scanner/caascan, 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
caascan=${1:-${CAASCAN:-build/scanner/caascan}}
n=${2:-1000000}
[ -x /usr/bin/time ] || { echo "input.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
[ -x "$caascan" ] || { echo "input.sh: $caascan: not built" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # label file [options]
    local label=$1 file=$2
    shift 2
    /usr/bin/time -v "$caascan" names -q "$@" "$file" >"$tmp/out.csv" 2>"$tmp/time.txt"
    local secs rss rows size
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$tmp/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$tmp/time.txt")
    rows=$(($(wc -l <"$tmp/out.csv") - 1))
    size=$(du -m "$file" | cut -f1)
    printf '%-12s %9d names  %5d MB input  %8d rows out  %6.2f s  %7.1f MB peak RSS\n' \
        "$label" "$n" "$size" "$rows" "$secs" "$rss"
}

python3 scripts/bench/gen-inventory.py crtsh-json "$n" "$tmp/crtsh.json"
python3 scripts/bench/gen-inventory.py csv "$n" "$tmp/customers.csv"
run crtsh-json "$tmp/crtsh.json"
run csv "$tmp/customers.csv" --keep-columns customer_id,plan
