#!/usr/bin/env bash
# Smoke test of llmgate_demo: a short run without the chart must succeed and print the
# report's key lines, with the revoked key disabled in the key table.
#   demo_smoke_test.sh PATH/TO/llmgate_demo
set -euo pipefail
demo=${1:?usage: $0 PATH/TO/llmgate_demo}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$demo" --workers 2 --seconds 3 --no-chart --output-dir "$out" > "$out/stdout" 2> "$out/stderr" || {
  echo "llmgate_demo failed with status $?"; cat "$out/stdout" "$out/stderr"; exit 1; }

fail() { echo "FAIL: $1"; echo "--- stdout"; cat "$out/stdout"; echo "--- stderr"; cat "$out/stderr"; exit 1; }
grep -q 'cache hits' "$out/stdout" || fail "no cache hits line"
grep -Eq 'tokens saved' "$out/stdout" || fail "no tokens saved"
grep -Eq 'single-flight +[0-9]+ ' "$out/stdout" || fail "no single-flight line"
grep -Eq 'met by llmgate +[0-9]+' "$out/stdout" || fail "no 429 line"
grep -Eq 'requests +[0-9]+ admitted of at most' "$out/stdout" || fail "no utilization line"
grep -Eq '^ +label +group +state' "$out/stdout" || fail "no key table"
grep -Eq '^ +revoked +.*disabled +invalid_api_key' "$out/stdout" || fail "the revoked key is not disabled"
grep -Eq '^ +main-a +org:org-main ' "$out/stdout" || fail "main-a is not active in org-main"
grep -Eq 'cache hit +p50 +[0-9.]+ us' "$out/stdout" || fail "no cache-hit latency"
# Some calls were answered from the cache, none failed.
grep -Eq 'cache hits +[1-9][0-9]* ' "$out/stdout" || fail "no cache hit at all"
grep -Eq 'failed +0$' "$out/stdout" || fail "calls failed"
[ -s "$out/report.txt" ] || fail "no report.txt in the output directory"
[ ! -e "$out/demo_utilization.png" ] || fail "--no-chart drew a chart"
echo "demo smoke test passed"
