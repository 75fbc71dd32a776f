"""One Python process of test_shared_limit: opens a gate on the shared state directory, says
"ready", waits for "go" on stdin, sends its chat requests and prints what happened as JSON.

Usage: shared_limit_worker.py STATE_DIR BASE_URL LIMITS NAME ATTEMPTS
"""
import json
import sys

import llmgate


def main():
    state_dir, base_url, limits, name, attempts = sys.argv[1:6]
    counts = {"ok": 0, "denied": 0, "other": []}
    with llmgate.Gate(state_dir, base_url=base_url, api_key="sk-test-shared", limits=limits,
                      limits_from_env=False) as gate:
        print("ready", flush=True)
        sys.stdin.readline()
        for i in range(int(attempts)):
            request = {"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": f"{name} request {i}"}]}
            try:
                gate.chat(request, timeout=10)
                counts["ok"] += 1
            except llmgate.Timeout:  # no quota before the deadline: the limit is spent
                counts["denied"] += 1
            except llmgate.Error as e:
                counts["other"].append(str(e))
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    main()
