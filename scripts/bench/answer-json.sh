#!/usr/bin/env bash
# answer-json.sh -- CPU time of the JSON lines `caascan lookup` writes, without the network:
# tests/tools/bench_answer_json builds realistic replies to CAA queries (CAA answers with 1, 2 and
# 3 records, NXDOMAIN and NOERROR without data with an SOA in the authority section), parsed as
# the engine parses them, and writes ANSWERS lines (default 200,000) per round, ROUNDS rounds
# (default 7). Prints the best and median CPU per 1,000 lines, for the mix and for each kind.
set -euo pipefail
BUILD=${BUILD:?set BUILD to a build directory (scripts/bench.sh sets it)}
"$BUILD/tests/tools/bench_answer_json" --rounds "${ROUNDS:-7}" --answers "${ANSWERS:-200000}"
