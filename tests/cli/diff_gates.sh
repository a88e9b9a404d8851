#!/usr/bin/env bash
# diff_gates.sh CAASCAN -- diff refuses runs that do not compare name by name (another --ca,
# account, validation method, partition, --no-auth, --attempts or CA model: --remotes,
# --allowed-failures, --pass-max-pct, --fail-min-pct; read from both manifests), or
# compares them with --force after a loud warning; options that do not change verdicts (rates,
# shards, resolvers) do not matter. Synthetic runs (tests/tools/mkrun), no DNS.
set -u
source "$(dirname "$0")/testlib.bash"
mkrun=$(dirname "$caascan")/../tests/tools/mkrun

"$mkrun" "$tmp/a" 200 --shards 2 >/dev/null || { echo "FAIL: mkrun"; exit 1; }
"$mkrun" "$tmp/b" 200 --shards 3 --perturb 0.1 --seed 7 >/dev/null || exit 1
# set RUN PYTHON-STATEMENT: edits RUN's manifest.json (m is the object).
set_manifest() {
    python3 - "$1/manifest.json" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(m, open(sys.argv[1], "w"))
PY
}
cp -r "$tmp/b" "$tmp/b0"

# Options that do not change verdicts: compared fine (exit 1: the perturbed night has a new failure).
set_manifest "$tmp/b" 'm["options"].update({"qps": "500", "resolvers": "192.0.2.9", "shards": "3"})'
"$caascan" diff -q "$tmp/a" "$tmp/b" -o "$tmp/out.csv" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ ! -s "$tmp/err" ] && ok || bad "comparable runs: exit $rc: $(cat "$tmp/err")"

# Each option that changes verdicts, alone.
check_refused() { # what python-edit expected-why
    rm -rf "$tmp/c"
    cp -r "$tmp/b0" "$tmp/c"
    set_manifest "$tmp/c" "$2"
    "$caascan" diff -q "$tmp/a" "$tmp/c" -o "$tmp/out.csv" 2>"$tmp/err"
    local rc=$?
    local want="caascan: diff: $tmp/a and $tmp/c do not compare: $3 (--force compares them anyway)"
    [ $rc -eq 2 ] && [ "$(cat "$tmp/err")" == "$want" ] && ok ||
        bad "$1: exit $rc: $(cat "$tmp/err") (wanted: $want)"
}
check_refused "--ca" 'm["ca"] = "other-ca.test"' \
    "--ca: letsencrypt.org before, other-ca.test now"
check_refused "--account-uri" 'm["options"]["account-uri"] = "https://acme.example/acct/1"' \
    "--account-uri: none before, https://acme.example/acct/1 now"
check_refused "--validation-method" 'm["options"]["validation-method"] = "dns-01"' \
    "--validation-method: none before, dns-01 now"
check_refused "--partition" 'm["options"]["partition"] = "1/4"' \
    "--partition: none before, 1/4 now"
check_refused "--no-auth" 'm["options"]["no-auth"] = True' "--no-auth: no before, yes now"
check_refused "--attempts" 'm["options"]["attempts"] = "1"' "--attempts: 3 before, 1 now"
check_refused "two at once" 'm["ca"] = "x.test"; m["options"]["partition"] = "2/2"' \
    "--ca: letsencrypt.org before, x.test now; --partition: none before, 2/2 now"
# --partition auto in both runs, resolved to other partitions (the manifest's own member).
check_refused "--partition auto" 'm["options"]["partition"] = "auto"; m["partition"] = {"k": 2, "n": 4, "rule": "registered-domain"}' \
    "--partition: none before, 2/4 now"
# A repeated option is a list: compared item by item.
check_refused "--account-uri twice" 'm["options"]["account-uri"] = ["https://a.example/1", "https://a.example/2"]' \
    "--account-uri: none before, https://a.example/1,https://a.example/2 now"
# The CA model: another number of perspectives or other thresholds change fail_pct and statuses.
check_refused "--remotes" 'm["options"]["remotes"] = 6; m["options"]["allowed-failures"] = 2' \
    "--remotes: 4 before, 6 now; --allowed-failures: 1 before, 2 now"
check_refused "--fail-min-pct" 'm["options"]["fail-min-pct"] = 95.5' \
    "--fail-min-pct: 99 before, 95.5 now"
check_refused "--pass-max-pct" 'm["options"]["pass-max-pct"] = 0.0' \
    "--pass-max-pct: 1 before, 0 now"
# A merged run (caascan merge) is a whole run again.
cp -r "$tmp/b0" "$tmp/m"
set_manifest "$tmp/m" 'm["options"]["partition"] = None; m["partition"] = {"merged": "1..4", "n": 4, "rule": "registered-domain", "parts": []}'
"$caascan" diff -q "$tmp/a" "$tmp/m" -o "$tmp/out.csv" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && ok || bad "merged run against a whole run: exit $rc: $(cat "$tmp/err")"
# The default written out is the default: --attempts 3 (and the model's defaults, as a scan
# records them) compares with a run that did not say.
cp -r "$tmp/b0" "$tmp/d"
set_manifest "$tmp/d" 'm["options"].update({"attempts": "3", "remotes": 4, "allowed-failures": 1, "pass-max-pct": 1.0, "fail-min-pct": 99.0}); m["ca"] = "letsencrypt.org"'
"$caascan" diff -q "$tmp/a" "$tmp/d" -o "$tmp/out.csv" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && ok || bad "--attempts 3 written out: exit $rc: $(cat "$tmp/err")"

# --force compares anyway, with a warning, and the usual exit status.
rm -rf "$tmp/c" && cp -r "$tmp/b0" "$tmp/c" && set_manifest "$tmp/c" 'm["options"]["partition"] = "1/2"'
"$caascan" diff -q --force "$tmp/a" "$tmp/c" -o "$tmp/out.csv" 2>"$tmp/err"
rc=$?
want="caascan: diff: WARNING: $tmp/a and $tmp/c do not compare: --partition: none before, 1/2 now; compared anyway (--force): changes may come from the options, not the DNS"
[ $rc -eq 1 ] && [ "$(cat "$tmp/err")" == "$want" ] && [ "$(wc -l <"$tmp/out.csv")" -gt 1 ] && ok ||
    bad "--force: exit $rc: $(cat "$tmp/err")"
# A run without manifest is still refused as incomplete (not as incomparable).
rm "$tmp/c/manifest.json"
"$caascan" diff -q "$tmp/a" "$tmp/c" -o "$tmp/out.csv" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "manifest" "$tmp/err" && ok || bad "incomplete run: exit $rc: $(cat "$tmp/err")"
"$caascan" diff -q --max-new-failures 101 "$tmp/a" "$tmp/b" 2>"$tmp/err" >/dev/null
rc=$?
[ $rc -eq 2 ] && [ "$(cat "$tmp/err")" == "caascan: diff: --max-new-failures: '101' is not a whole number from 0 to 100" ] &&
    ok || bad "--max-new-failures 101: exit $rc: $(cat "$tmp/err")"

# The guard's floor: 1 new failure of 201 names is over --max-new-failures 0, but below the
# default floor of 10 names (exit 1); --min-new-failures 1 lets it trip (exit 4).
"$caascan" diff -q --max-new-failures 0 "$tmp/a" "$tmp/b" -o "$tmp/out.csv" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ ! -s "$tmp/err" ] && ok || bad "1 new failure under the floor of 10: exit $rc: $(cat "$tmp/err")"
"$caascan" diff -q --max-new-failures 0 --min-new-failures 1 "$tmp/a" "$tmp/b" -o "$tmp/out.csv" 2>"$tmp/err"
rc=$?
want="caascan: diff: 1 of 201 names (0 %) newly fail, more than --max-new-failures 0 %: $tmp/b looks broken (its resolvers, network or inputs), not the customers; check it before telling anyone"
[ $rc -eq 4 ] && [ "$(cat "$tmp/err")" == "$want" ] && [ "$(grep -c ',NEW_FAILURE,' "$tmp/out.csv")" -eq 1 ] && ok ||
    bad "--min-new-failures 1: exit $rc: $(cat "$tmp/err")"
"$caascan" diff -q --min-new-failures -1 "$tmp/a" "$tmp/b" 2>"$tmp/err" >/dev/null
rc=$?
[ $rc -eq 2 ] && [ "$(cat "$tmp/err")" == "caascan: diff: --min-new-failures: '-1' is not a whole number from 0 to 100000000" ] &&
    ok || bad "--min-new-failures -1: exit $rc: $(cat "$tmp/err")"

finish
