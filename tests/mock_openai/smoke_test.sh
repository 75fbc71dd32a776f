#!/usr/bin/env bash
# Smoke test of mock_openai through curl: starts the server on a free port, checks the
# behaviour tests rely on, and stops it. Usage: smoke_test.sh PATH/TO/mock_openai
set -euo pipefail

bin=${1:?usage: smoke_test.sh PATH/TO/mock_openai}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
contains() { grep -qF -- "$2" "$1"; }
header() { grep -i "^$2:" "$1" | head -1 | cut -d: -f2- | tr -d ' \r'; }

# start NAME ARGS...: runs the server, waits (at most 5 s) for its port file, sets $port.
start() {
  local name=$1
  shift
  rm -f "$tmp/$name.port"
  "$bin" --port 0 --port-file "$tmp/$name.port" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pids+=($!)
  last_pid=$!
  for _ in $(seq 500); do
    [[ -s $tmp/$name.port ]] && break
    kill -0 "$last_pid" 2>/dev/null || { cat "$tmp/$name.err"; echo "FAIL - $name did not start"; exit 1; }
    sleep 0.01
  done
  port=$(cat "$tmp/$name.port")
}

# stop PID: SIGTERM, then expect a clean exit within 3 s.
stop() {
  local pid=$1
  kill -TERM "$pid"
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  if kill -0 "$pid" 2>/dev/null; then
    fail "server $pid stops on SIGTERM"
    return
  fi
  local status=0
  wait "$pid" || status=$?
  check "server exits with status 0 on SIGTERM" test "$status" -eq 0
}

# post PATH KEY BODY OUT: saves headers to OUT.h and body to OUT.b, prints the status.
post() {
  curl -sS --max-time 10 -o "$tmp/$4.b" -D "$tmp/$4.h" -w '%{http_code}' \
    -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3" "$base$1"
}

cat >"$tmp/config.json" <<'JSON'
{
  "seed": 7,
  "keys": [
    {"key": "sk-smoke-good-0001", "organization": "org-smoke"},
    {"key": "sk-smoke-revoked-0002", "status": "invalid"},
    {"key": "sk-smoke-broke-0003", "organization": "org-smoke", "status": "insufficient_quota"},
    {"key": "sk-smoke-tiny-0004", "organization": "org-tiny"}
  ],
  "organizations": {
    "org-smoke": {"rpm": 600, "tpm": 100000},
    "org-tiny": {"rpm": 2}
  }
}
JSON

start plain --config "$tmp/config.json"
plain_pid=$last_pid
base=http://127.0.0.1:$port
check "first stdout line announces the port" test "$(head -1 "$tmp/plain.out")" = "listening on 127.0.0.1:$port"

chat='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello world"}]}'

# A chat completion with usage and rate-limit headers. Prompt: 4 + ceil(11/4) = 7 tokens;
# answer "Echo: hello world" = 3 tokens; charged 7 + 16 (default max_tokens) = 23.
status=$(post /v1/chat/completions sk-smoke-good-0001 "$chat" chat)
check "chat completion answers 200" test "$status" = 200
check "chat completion reports usage" \
  contains "$tmp/chat.b" '"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10'
check "chat completion echoes the prompt" contains "$tmp/chat.b" '"content":"Echo: hello world"'
check "x-ratelimit-limit-requests" test "$(header "$tmp/chat.h" x-ratelimit-limit-requests)" = 600
check "x-ratelimit-remaining-requests" test "$(header "$tmp/chat.h" x-ratelimit-remaining-requests)" = 599
check "x-ratelimit-remaining-tokens" test "$(header "$tmp/chat.h" x-ratelimit-remaining-tokens)" = 99977
check "x-ratelimit-reset-requests is a Go duration" test "$(header "$tmp/chat.h" x-ratelimit-reset-requests)" = 100ms
check "openai-organization" test "$(header "$tmp/chat.h" openai-organization)" = org-smoke
check "x-request-id" test -n "$(header "$tmp/chat.h" x-request-id)"
status=$(post /chat/completions sk-smoke-good-0001 "$chat" nov1)
check "the /v1 prefix is optional" test "$status" = 200

# Authentication failures.
status=$(post /v1/chat/completions sk-smoke-revoked-0002 "$chat" revoked)
check "revoked key answers 401" test "$status" = 401
check "401 has code invalid_api_key" contains "$tmp/revoked.b" '"code":"invalid_api_key"'
check "401 does not echo the key" bash -c "! grep -q sk-smoke-revoked '$tmp/revoked.b'"
status=$(post /v1/chat/completions sk-not-listed-9999 "$chat" unknown)
check "unlisted key answers 401" test "$status" = 401
status=$(curl -sS -o /dev/null -w '%{http_code}' -H 'api-key: sk-smoke-good-0001' -d "$chat" "$base/v1/chat/completions")
check "Azure-style api-key header is accepted" test "$status" = 200
status=$(post /v1/chat/completions sk-smoke-broke-0003 "$chat" quota)
check "insufficient_quota answers 429" test "$status" = 429
check "insufficient_quota code" contains "$tmp/quota.b" '"code":"insufficient_quota"'

# A tiny RPM limit: two requests pass, the third waits about 30 s (2 per minute).
post /v1/chat/completions sk-smoke-tiny-0004 "$chat" tiny1 >/dev/null
post /v1/chat/completions sk-smoke-tiny-0004 "$chat" tiny2 >/dev/null
status=$(post /v1/chat/completions sk-smoke-tiny-0004 "$chat" tiny3)
check "exhausted RPM answers 429" test "$status" = 429
retry_ms=$(header "$tmp/tiny3.h" retry-after-ms)
# Up to 30 s, less the time since the first request (generous for a loaded machine).
check "429 carries retry-after-ms of about 30 s" test "${retry_ms:-0}" -gt 20000 -a "${retry_ms:-0}" -le 30000
check "429 carries retry-after in seconds, rounded up" \
  test "$(header "$tmp/tiny3.h" retry-after)" = $(((${retry_ms:-0} + 999) / 1000))
check "429 body says requests / rate_limit_exceeded" \
  contains "$tmp/tiny3.b" '"type":"requests","param":null,"code":"rate_limit_exceeded"'
check "429 message names the limit" contains "$tmp/tiny3.b" 'on requests per min (RPM): Limit 2, Used 2, Requested 1.'

# Malformed JSON.
status=$(post /v1/chat/completions sk-smoke-good-0001 '{"model": ' bad)
check "malformed JSON answers 400" test "$status" = 400
check "400 is an invalid_request_error" contains "$tmp/bad.b" '"type":"invalid_request_error"'

# A stream ending in a usage chunk and [DONE].
stream='{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello world"}]}'
curl -sS -N --max-time 10 -H 'Authorization: Bearer sk-smoke-good-0001' -d "$stream" \
  "$base/v1/chat/completions" >"$tmp/stream.b"
check "stream sends chunks" contains "$tmp/stream.b" '"object":"chat.completion.chunk"'
check "stream has a usage chunk with no choices" \
  contains "$tmp/stream.b" '"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3'
check "stream ends with [DONE]" test "$(grep -v '^$' "$tmp/stream.b" | tail -1)" = "data: [DONE]"

# Faults flipped at run time: the next request fails with 503, the one after succeeds.
curl -sS --max-time 10 -d '{"faults":{"fail_next":[503]}}' "$base/_mock/config" >/dev/null
status=$(post /v1/chat/completions sk-smoke-good-0001 "$chat" f1)
check "queued fault answers 503" test "$status" = 503
status=$(post /v1/chat/completions sk-smoke-good-0001 "$chat" f2)
check "after the queued fault, 200 again" test "$status" = 200

# Stats as the server counted them.
curl -sS --max-time 10 "$base/_mock/stats" >"$tmp/stats.json"
check "stats count the good key" contains "$tmp/stats.json" \
  '"...0001":{"org":"org-smoke","requests":7,"ok":5,"429_requests":0,"429_tokens":0,"429_images":0,"429_too_large":0,"401":0,"insufficient_quota":0,"400":1,"404":0,"500":0,"503":1,'
check "stats count the tiny key's 429" contains "$tmp/stats.json" '"...0004":{"org":"org-tiny","requests":3,"ok":2,"429_requests":1,'
check "stats count 401s" contains "$tmp/stats.json" '"...0002":{"org":"","requests":1,"ok":0,"429_requests":0,"429_tokens":0,"429_images":0,"429_too_large":0,"401":1,'
check "stats have a per-second series" contains "$tmp/stats.json" '"series":[{"t":'
check "stats never show a key" bash -c "! grep -q 'sk-smoke' '$tmp/stats.json'"
curl -sS --max-time 10 -d "" "$base/_mock/reset" >/dev/null
curl -sS --max-time 10 "$base/_mock/stats" >"$tmp/stats2.json"
check "reset zeroes the stats" contains "$tmp/stats2.json" '"totals":{"requests":0,'
status=$(post /v1/chat/completions sk-smoke-tiny-0004 "$chat" tiny4)
check "reset refills the buckets" test "$status" = 200

stop "$plain_pid"
check "port file removed on exit" test ! -e "$tmp/plain.port"

# HTTPS with a test CA: trusted with --cacert, refused without.
sh "$here/make_test_cert.sh" "$tmp/certs"
start tls --tls-cert "$tmp/certs/server.crt" --tls-key "$tmp/certs/server.key"
tls_pid=$last_pid
status=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' --cacert "$tmp/certs/ca.crt" \
  -H 'Authorization: Bearer sk-any-key' -d "$chat" "https://127.0.0.1:$port/v1/chat/completions")
check "HTTPS with --cacert answers 200" test "$status" = 200
status=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' --cacert "$tmp/certs/ca.crt" \
  -H 'Authorization: Bearer sk-any-key' -d "$chat" "https://localhost:$port/v1/chat/completions")
check "HTTPS via localhost matches the certificate" test "$status" = 200
rc=0
curl -sS --max-time 10 -o /dev/null "https://127.0.0.1:$port/_mock/health" 2>/dev/null || rc=$?
check "HTTPS without the CA is refused (curl exit 60)" test "$rc" -eq 60
stop "$tls_pid"

if [[ $failures -gt 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
