#!/usr/bin/env bash
# End-to-end test of the llmgate command-line tool against mock_openai: chat (streamed and
# not, cache hits, a revoked key, the live wait and retry lines), status, keys, cache,
# quota and metrics, and the errors (no state directory, bad flags, a bad key file).
# Usage: cli_test.sh PATH/TO/llmgate PATH/TO/mock_openai
set -uo pipefail

cli=${1:?usage: cli_test.sh PATH/TO/llmgate PATH/TO/mock_openai}
mock=${2:?usage: cli_test.sh PATH/TO/llmgate PATH/TO/mock_openai}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
mock_pid=
cleanup() {
  [[ -n $mock_pid ]] && kill -TERM "$mock_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# Nothing from the caller's environment may leak in: keys, limits, directories.
unset OPENAI_API_KEY OPENAI_API_KEYS OPENAI_BASE_URL OPENAI_ORG_ID OPENAI_PROJECT_ID OPENAI_API_VERSION \
  LLMGATE_DIR LLMGATE_LIMITS LLMGATE_LIMITS_FILE LLMGATE_KEYS_FILE XDG_STATE_HOME
export HOME=$tmp/home

# The system's python3 when there is one: a version manager's shim can take half a second
# to start, and the checks below start python dozens of times.
python3=python3
[[ -x /usr/bin/python3 ]] && python3=/usr/bin/python3
python3() { command "$python3" "$@"; }

failures=0
pass() { echo "ok   - $1"; }
fail() {
  echo "FAIL - $1"
  failures=$((failures + 1))
}
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
has() { grep -qF -- "$2" "$1"; }      # has FILE TEXT
lacks() { ! grep -qF -- "$2" "$1"; }  # lacks FILE TEXT

# run NAME ARGS...: runs the tool, stdout in $tmp/NAME.out, stderr in $tmp/NAME.err, status in $rc.
run() {
  local name=$1
  shift
  rc=0
  "$cli" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null || rc=$?
}
# json NAME EXPR: evaluates a Python expression over the JSON in $tmp/NAME.out (as j).
json() { python3 -c "import json,os,sys; j=json.load(open(sys.argv[1])); print($2)" "$tmp/$1.out"; }
metric() {  # metric NAME [LABEL=VALUE]...: the value of one sample in $tmp/metrics.out
  python3 "$here/prometheus_check.py" value "$tmp/metrics.out" "$@"
}

# ---- The mock: one good key and one revoked key ----
good=sk-cli-good-secret-0001
revoked=sk-cli-revoked-secret-0002
cat >"$tmp/mock.json" <<JSON
{"keys": [{"key": "$good", "organization": "org-cli"}, {"key": "$revoked", "status": "invalid"}],
 "organizations": {"org-cli": {"rpm": 6000, "tpm": 1000000}}}
JSON
"$mock" --port 0 --port-file "$tmp/port" --config "$tmp/mock.json" --watch-parent >"$tmp/mock.out" 2>"$tmp/mock.err" &
mock_pid=$!
for _ in $(seq 1000); do  # up to 10 s on a loaded machine
  [[ -s $tmp/port ]] && break
  kill -0 "$mock_pid" 2>/dev/null || break
  sleep 0.01
done
if [[ ! -s $tmp/port ]]; then
  cat "$tmp/mock.err"
  echo "FAIL - mock_openai did not start"
  exit 1
fi
origin=http://127.0.0.1:$(cat "$tmp/port")
base=$origin/v1
mock_config() {  # mock_config JSON: changes the running mock
  python3 - "$origin/_mock/config" "$1" <<'PY'
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode()), timeout=10).read()
PY
}

# A key file with both keys; the revoked one's label needs escaping in JSON and metrics.
printf '%s label=good\n%s label=ops"x\\y\n' "$good" "$revoked" >"$tmp/keys"
chmod 600 "$tmp/keys"
weird='ops"x\y'
st=$tmp/state
common=(--state-dir "$st" --keys-file "$tmp/keys" --base-url "$base")

# ---- Inspecting commands never create a state directory ----
for cmd in "status" "keys list" "cache stats" "quota show" "metrics" "quota reset --yes" "cache vacuum"; do
  # shellcheck disable=SC2086
  run missing $cmd --state-dir "$tmp/nowhere"
  check "'$cmd' without state: exit 1" test "$rc" -eq 1
  check "'$cmd' without state: says so" \
    has "$tmp/missing.err" "no llmgate state in $tmp/nowhere (quota.db not found); set --state-dir or \$LLMGATE_DIR"
  check "'$cmd' without state: creates nothing" test ! -e "$tmp/nowhere"
done
rc=0
LLMGATE_DIR=$tmp/envdir "$cli" status >"$tmp/envdir.out" 2>"$tmp/envdir.err" || rc=$?
check "\$LLMGATE_DIR is where it looks" has "$tmp/envdir.err" "no llmgate state in $tmp/envdir"
check "\$LLMGATE_DIR without state: exit 1, nothing created" test "$rc" -eq 1 -a ! -e "$tmp/envdir"

# ---- chat ----
run chat1 chat "hello world" "${common[@]}"
check "chat answers (exit 0)" test "$rc" -eq 0
check "chat streams the answer to stdout" test "$(cat "$tmp/chat1.out")" = "Echo: hello world"
run chat2 chat "second prompt" "${common[@]}" --verbose
check "second chat answers" test "$(cat "$tmp/chat2.out")" = "Echo: second prompt"
check "--verbose tells usage and the key on stderr" has "$tmp/chat2.err" "cache miss; key good"
run chat3 chat "hello world" "${common[@]}" --verbose
check "a repeated prompt is answered" test "$(cat "$tmp/chat3.out")" = "Echo: hello world"
check "... from the cache" has "$tmp/chat3.err" "cache hit; usage: prompt 7, completion 3, total 10 tokens"
run chat4 chat "third one" "${common[@]}" --no-stream --system "be brief"
check "--no-stream prints the whole answer" test "$(cat "$tmp/chat4.out")" = "Echo: third one"
run chat5 chat "one two three four five" "${common[@]}" --max-tokens 2
check "--max-tokens caps the answer" test "$(cat "$tmp/chat5.out")" = "Echo: one"
printf 'from stdin' >"$tmp/prompt"
rc=0
"$cli" chat - "${common[@]}" <"$tmp/prompt" >"$tmp/chat6.out" 2>"$tmp/chat6.err" || rc=$?
check "chat - reads the prompt from stdin" test "$(cat "$tmp/chat6.out")" = "Echo: from stdin"
http_chats=5  # chats that reached the server: six prompts, one of them repeated (a hit)

# ---- status ----
run status status --state-dir "$st"
check "status: exit 0" test "$rc" -eq 0
for section in Limits Keys Cache "Client (every process)"; do
  check "status shows $section" grep -q "^$section" "$tmp/status.out"
done
check "status shows the learned rpm of the key's group" grep -Eq 'org:org-cli.* rpm +learned +[0-9]+ / 6000' "$tmp/status.out"
check "status shows the revoked key disabled" has "$tmp/status.out" "disabled (invalid_api_key)"
run sjson status --json --state-dir "$st"
check "status --json parses" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/sjson.out"
check "status --json: two keys" test "$(json sjson 'len(j["keys"])')" = 2
check "status --json: the good key served every chat" \
  test "$(json sjson '[k["requests"] for k in j["keys"] if k["label"]=="good"][0]')" = "$http_chats"
check "status --json: the revoked key is disabled" \
  test "$(json sjson '[k["state"]+"/"+k["disabled_reason"] for k in j["keys"] if k["label"]!="good"][0]')" \
  = "disabled/invalid_api_key"
check "status --json: labels are escaped" \
  test "$(WEIRD=$weird json sjson '[k["label"] for k in j["keys"]] == ["good", os.environ["WEIRD"]]')" = True
check "status --json: cache counters" test "$(json sjson '(j["cache"]["hits"], j["cache"]["misses"], j["cache"]["entries"])')" = "(1, 5, 5)"
check "status --json: learned limit" \
  test "$(json sjson '[(l["name"], l["limit"], l["source"]) for l in j["limits"] if "org-cli" in l["scope"]]')" \
  = "[('rpm', 6000, 'learned'), ('tpm', 1000000, 'learned')]"
check "status --json: client counters" test "$(json sjson 'sorted(j["client"])')" = \
  "['failures', 'http_429', 'retries', 'single_flight_waits', 'wait_millis', 'waits']"

# --watch refreshes until interrupted, then exits 0.
"$cli" status --watch 0.2 --state-dir "$st" >"$tmp/watch.out" 2>"$tmp/watch.err" &
watch_pid=$!
for _ in $(seq 200); do  # two frames, at most 10 s
  [[ $(grep -c '^llmgate status' "$tmp/watch.out") -ge 2 ]] && break
  sleep 0.05
done
kill -INT "$watch_pid"
rc=0
wait "$watch_pid" || rc=$?
check "status --watch refreshes" test "$(grep -c '^llmgate status' "$tmp/watch.out")" -ge 2
check "status --watch ends with exit 0 on Ctrl-C" test "$rc" -eq 0

# ---- keys ----
run keys keys list --state-dir "$st"
check "keys list: exit 0" test "$rc" -eq 0
check "keys list shows labels" has "$tmp/keys.out" "$weird"
check "keys list shows fingerprints" grep -Eq 'good +key:[0-9a-f]{16}' "$tmp/keys.out"
fp=$(json sjson '[k["fingerprint"] for k in j["keys"] if k["label"]=="good"][0]')
run kdis keys disable good --reason rotating --state-dir "$st"
check "keys disable: exit 0" test "$rc" -eq 0
check "keys disable names the key by label and fingerprint" has "$tmp/kdis.out" "disabled good ($fp)"
run kjson keys list --json --state-dir "$st"
check "a disabled key shows its reason" \
  test "$(json kjson '[k["state"]+"/"+k["disabled_reason"] for k in j["keys"] if k["label"]=="good"][0]')" \
  = "disabled/rotating"
run nokey chat "while disabled" "${common[@]}"
check "with every key disabled, chat fails (exit 1)" test "$rc" -eq 1
run ken keys enable "$fp" --state-dir "$st"
check "keys enable by fingerprint: exit 0" test "$rc" -eq 0
run kjson2 keys list --json --state-dir "$st"
check "keys enable makes it active again" \
  test "$(json kjson2 '[k["state"] for k in j["keys"] if k["label"]=="good"][0]')" = active
run kunknown keys disable no-such-key --state-dir "$st"
check "keys disable of an unknown key: exit 1" test "$rc" -eq 1

# ---- quota ----
# Configured limits (from the environment of a calling process): a day's requests and a
# calendar day's tokens (a day that starts at 09:00 UTC), which do not drain during the test.
rc=0
LLMGATE_LIMITS="rpd=1000,tpd=100000;calendar+9h" "$cli" chat "limits please" "${common[@]}" >/dev/null 2>"$tmp/lim.err" || rc=$?
check "chat with \$LLMGATE_LIMITS: exit 0" test "$rc" -eq 0
http_chats=$((http_chats + 1))
run qshow quota show --state-dir "$st"
check "quota show lists the configured limits" grep -Eq '^  global +rpd +configured +1 / 1000' "$tmp/qshow.out"
check "quota show marks calendar limits and their offset" grep -Eq 'tpd \(calendar\+9h\) +configured' "$tmp/qshow.out"
run qjson quota show --json --scope global --state-dir "$st"
# "limits please": 4 + ceil(13 / 4) = 8 prompt tokens, 3 completion tokens.
check "quota show --json --scope" test "$(json qjson '[(l["name"], l["used"]) for l in j["limits"]]')" = \
  "[('rpd', 1), ('tpd', 11)]"
check "quota show --json gives the calendar offset" \
  test "$(json qjson '[(l["name"], l["kind"], l["calendar_offset_micros"]) for l in j["limits"]]')" = \
  "[('rpd', 'rolling', 0), ('tpd', 'calendar', 32400000000)]"
rc=0
echo no | "$cli" quota reset --state-dir "$st" >"$tmp/qno.out" 2>"$tmp/qno.err" || rc=$?
check "quota reset asks on stderr" has "$tmp/qno.err" "Type 'yes' to confirm:"
check "quota reset refuses without yes (exit 1)" test "$rc" -eq 1
check "... and says nothing was reset" has "$tmp/qno.err" "aborted"
run qeof quota reset --state-dir "$st"
check "quota reset with no answer (stdin closed): exit 1" test "$rc" -eq 1
run qstill quota show --json --scope global --state-dir "$st"
check "a refused reset keeps what was spent" test "$(json qstill '[l["used"] for l in j["limits"]]')" = "[1, 11]"
rc=0
echo yes | "$cli" quota reset --scope global --state-dir "$st" >"$tmp/qyes.out" 2>"$tmp/qyes.err" || rc=$?
check "quota reset --scope with yes: exit 0" test "$rc" -eq 0
check "quota reset is logged as a warning" has "$tmp/qyes.err" "warning: quota usage of scope 'global' reset by hand"
run qafter quota show --json --scope global --state-dir "$st"
check "quota reset forgets what was spent, keeps the limits" \
  test "$(json qafter '[(l["name"], l["limit"], l["used"]) for l in j["limits"]]')" = \
  "[('rpd', 1000, 0), ('tpd', 100000, 0)]"
run qall quota reset --yes --state-dir "$st"
check "quota reset --yes (every scope): exit 0" test "$rc" -eq 0
check "quota reset --yes does not ask" lacks "$tmp/qall.err" "confirm"
run qnone quota reset --yes --scope no-such-scope --state-dir "$st"
check "quota reset of an unknown scope: exit 1" test "$rc" -eq 1

# ---- metrics ----
run metrics metrics --state-dir "$st"
check "metrics: exit 0" test "$rc" -eq 0
check "metrics are valid Prometheus text format 0.0.4" \
  python3 "$here/prometheus_check.py" check "$tmp/metrics.out" >/dev/null
check "llmgate_key_requests_total of the serving key = chats sent" \
  test "$(metric llmgate_key_requests_total key=good fingerprint="$fp")" = "$http_chats"
check "llmgate_key_successes_total" test "$(metric llmgate_key_successes_total key=good)" = "$http_chats"
check "llmgate_key_errors_total{class=auth} of the revoked key (escaped label)" \
  test "$(metric llmgate_key_errors_total key="$weird" class=auth)" = 1
check "llmgate_key_state of the revoked key" test "$(metric llmgate_key_state key="$weird" state=disabled)" = 1
check "llmgate_key_state of the good key" test "$(metric llmgate_key_state key=good state=active)" = 1
check "llmgate_key_tokens_total in" test "$(metric llmgate_key_tokens_total key=good direction=in)" -gt 0
check "llmgate_key_latency_ms p99" test "$(metric llmgate_key_latency_ms key=good quantile=0.99)" -gt 0
check "llmgate_cache_hits_total" test "$(metric llmgate_cache_hits_total)" = 1
# Misses: the five chats above, the one that failed with every key disabled, the one with limits.
check "llmgate_cache_misses_total" test "$(metric llmgate_cache_misses_total)" = 7
check "llmgate_cache_tokens_saved_total" test "$(metric llmgate_cache_tokens_saved_total)" = 10
check "llmgate_cache_entries" test "$(metric llmgate_cache_entries)" = 6
check "llmgate_limit_limit" test "$(metric llmgate_limit_limit scope=global dimension=requests window=1d)" = 1000
check "llmgate_limit_used after the reset" test "$(metric llmgate_limit_used scope=global dimension=requests window=1d)" = 0
check "llmgate_limit_remaining" \
  test "$(metric llmgate_limit_remaining scope=global dimension=tokens window=1d kind=calendar)" = 100000
for name in llmgate_client_retries_total llmgate_client_429_total llmgate_client_waits_total \
  llmgate_client_wait_seconds_total llmgate_client_single_flight_waits_total llmgate_key_429_total \
  llmgate_key_in_flight llmgate_cache_bytes; do
  check "metrics have $name" grep -q "^# TYPE $name " "$tmp/metrics.out"
done

# ---- cache ----
run cstats cache stats --json --state-dir "$st"
check "cache stats --json" test "$(json cstats 'j["cache"]["entries"]')" = 6
run ctable cache stats --state-dir "$st"
check "cache stats table" grep -q "HIT RATE" "$tmp/ctable.out"
run purge cache purge --state-dir "$st"
check "cache purge removes every entry" has "$tmp/purge.out" "removed 6 cached responses"
run cstats2 cache stats --json --state-dir "$st"
check "cache stats after the purge" test "$(json cstats2 'j["cache"]["entries"]')" = 0
# A flight file whose leading process died (nobody holds it) and one of a call under way
# (held by flock(1) until the vacuum is done).
mkdir -p "$st/flights"
abandoned=$st/flights/0000000000000000000000000000abcd.flight
under_way=$st/flights/0000000000000000000000000000beef.flight
: >"$abandoned"
: >"$under_way"
flock "$under_way" sleep 30 &
holder=$!
for _ in $(seq 50); do flock -n "$under_way" true 2>/dev/null || break; sleep 0.1; done
run vacuum cache vacuum --state-dir "$st"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
check "cache vacuum: exit 0" test "$rc" -eq 0
check "cache vacuum removes a dead call's flight file" test ! -e "$abandoned"
check "... and says so" has "$tmp/vacuum.out" "removed 1 files of calls whose process died"
check "cache vacuum keeps the flight file of a call under way" test -e "$under_way"
read -r before after < <(sed -nE 's/.*\(([0-9]+) -> ([0-9]+) bytes\)$/\1 \2/p' "$tmp/vacuum.out")
check "cache vacuum reports bytes before and after" test -n "${before:-}" -a -n "${after:-}"
check "cache vacuum does not grow the file" test "${after:-1}" -le "${before:-0}"
run cstats3 cache stats --json --state-dir "$st"
check "the cache still works after vacuum" test "$rc" -eq 0

# ---- The live status line: waits for a limit and retries, in a state directory of their own ----
printf '%s label=good\n' "$good" >"$tmp/keys1"
chmod 600 "$tmp/keys1"
one=(--state-dir "$tmp/state2" --keys-file "$tmp/keys1" --base-url "$base")
mock_config '{"faults": {"fail_next": [503], "error_retry_after_ms": 100}}'
run retry chat "retry please" "${one[@]}"
check "a retried chat still answers" test "$(cat "$tmp/retry.out")" = "Echo: retry please"
check "the retry is shown (limit, delay)" has "$tmp/retry.err" "llmgate: attempt 1 failed (UNAVAILABLE, HTTP 503"
check "... with the delay" has "$tmp/retry.err" "retrying in 100ms"
# One request per 3 s: the second chat waits for the first one's slot. (A machine slow
# enough to start it 3 s later gets another try.)
for attempt in 1 2 3; do
  rc=0
  LLMGATE_LIMITS="global/requests/3s=1" "$cli" chat "wait $attempt a" "${one[@]}" >/dev/null 2>&1
  # stderr is a terminal here, so the line is rewritten in place and erased afterwards.
  python3 - "$cli" "$tmp/wait.err" chat "wait $attempt b" "${one[@]}" >"$tmp/wait.out" <<'PY' || rc=$?
import os, pty, subprocess, sys
master, slave = pty.openpty()
env = dict(os.environ, LLMGATE_LIMITS="global/requests/3s=1")
p = subprocess.Popen([sys.argv[1]] + sys.argv[3:], stdin=subprocess.DEVNULL, stderr=slave, env=env)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:  # EIO once the child has exited and the terminal is closed
        break
    if not chunk:
        break
    data += chunk
open(sys.argv[2], "wb").write(data)
sys.exit(p.wait())
PY
  grep -q "waiting" "$tmp/wait.err" && break
done
check "a chat that waits for quota answers" test "$(cat "$tmp/wait.out")" = "Echo: wait $attempt b"
check "the wait is shown: which limit, how long" grep -Eq 'waiting [0-9.]+m?s for requests/3s of global' "$tmp/wait.err"
check "on a terminal the line is rewritten in place and erased" \
  python3 -c "import sys; d=open(sys.argv[1],'rb').read(); sys.exit(not (d.startswith(b'\r\x1b[K') and d.endswith(b'\r\x1b[K')))" \
  "$tmp/wait.err"
run swait status --json --state-dir "$tmp/state2"
check "status counts the wait and the retry" test "$(json swait '(j["client"]["waits"] >= 1, j["client"]["retries"])')" = "(True, 1)"

# ---- Errors ----
run badflag status --bogus --state-dir "$st"
check "a bad flag: exit 2" test "$rc" -eq 2
check "a bad flag: named, with the usage" has "$tmp/badflag.err" "unknown flag --bogus"
check "... usage on stderr" has "$tmp/badflag.err" "usage: llmgate status"
run badvalue chat "x" --max-tokens lots "${common[@]}"
check "a bad flag value: exit 2" test "$rc" -eq 2
run novalue status --state-dir
check "a flag without its value: exit 2" test "$rc" -eq 2
run noprompt chat "${common[@]}"
check "chat without a prompt: exit 2" test "$rc" -eq 2
run extra status extra --state-dir "$st"
check "an unexpected argument: exit 2" test "$rc" -eq 2
run nocmd
check "no command: exit 2" test "$rc" -eq 2
run unknown frobnicate
check "an unknown command: exit 2" test "$rc" -eq 2
run nosub keys --state-dir "$st"
check "a group without its command: exit 2" test "$rc" -eq 2
run badwatch status --watch 0 --state-dir "$st"
check "status --watch 0: exit 2" test "$rc" -eq 2

secret=sk-cli-secret-never-shown-9999
printf '%s colour=blue\n' "$secret" >"$tmp/badkeys"
chmod 600 "$tmp/badkeys"
run badkeys chat "hi" --state-dir "$st" --keys-file "$tmp/badkeys" --base-url "$base"
check "a bad key file: exit 1" test "$rc" -eq 1
check "a bad key file: the library's message" has "$tmp/badkeys.err" "INVALID_ARGUMENT: $tmp/badkeys: key file line 1: unknown field 'colour'"
check "a bad key file: the key is not shown" lacks "$tmp/badkeys.err" "$secret"
run badkeys2 status --state-dir "$st" --keys-file "$tmp/badkeys"
check "a bad --keys-file fails inspecting commands too (exit 1)" test "$rc" -eq 1
run nokeys chat "hi" --state-dir "$st" --keys-file "$tmp/no-such-file" --base-url "$base"
check "a missing key file: exit 1" test "$rc" -eq 1

# ---- --help for every command ----
helps=("" "status" "keys" "keys list" "keys disable" "keys enable" "cache" "cache stats" "cache purge"
  "cache vacuum" "quota" "quota show" "quota reset" "chat" "metrics")
for cmd in "${helps[@]}"; do
  # shellcheck disable=SC2086
  run help $cmd --help
  check "llmgate $cmd --help: exit 0 with usage" test "$rc" -eq 0 -a -s "$tmp/help.out"
  check "llmgate $cmd --help: usage line" grep -q "^usage: llmgate" "$tmp/help.out"
done
run help2 help quota reset
check "llmgate help quota reset" has "$tmp/help2.out" "usage: llmgate quota reset"
run help3 keys disable -h
check "-h is --help" has "$tmp/help3.out" "usage: llmgate keys disable KEY"

# ---- No raw key anywhere ----
for key in "$good" "$revoked" "$secret"; do
  check "no output shows the key ${key:0:12}..." bash -c "! grep -rqF -- '$key' '$tmp'/*.out '$tmp'/*.err"
done
check "the state files hold no raw key" bash -c "! grep -rqaF -- '$good' '$st' '$tmp/state2'"

if [[ $failures -gt 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
