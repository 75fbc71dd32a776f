"""Three Python processes and one C++ process share one state directory and one limit, and
together never exceed it: counted by the server and by the limiter.

The limit is 20 requests a day, rolling: a spent request comes back only after 72 minutes,
so within the test exactly 20 of the 48 attempts can pass, whatever the timing. The others
fail at once with Timeout (the next slot is far past their deadline) and never reach the
server.
"""
import json
import os
import subprocess
import sys
import unittest

import llmgate
from support import GateTestCase

LIMIT = 20
ATTEMPTS = 12  # per process: 4 × 12 = 48 > LIMIT
HERE = os.path.dirname(os.path.abspath(__file__))


class SharedLimitTest(GateTestCase):
    def test_processes_share_one_limit(self):
        limits = f"rpd={LIMIT}"
        worker = os.environ.get("LLMGATE_SHARED_LIMIT_WORKER")
        self.assertTrue(worker, "set LLMGATE_SHARED_LIMIT_WORKER to the C++ worker")
        commands = [[sys.executable, os.path.join(HERE, "shared_limit_worker.py"), self.state_dir,
                     self.mock.base_url, limits, f"py{i}", str(ATTEMPTS)] for i in range(3)]
        commands.append([worker, self.state_dir, self.mock.base_url, "cxx", str(ATTEMPTS)])
        env = dict(os.environ, LLMGATE_LIMITS=limits)  # how the C++ worker gets the limit

        procs = [subprocess.Popen(c, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
                 for c in commands]
        try:
            # Everybody opens the gate first, then all start at once.
            for p in procs:
                self.assertEqual(p.stdout.readline().strip(), "ready")
            for p in procs:
                p.stdin.write("go\n")
                p.stdin.flush()
            results = []
            for p in procs:
                out, _ = p.communicate(timeout=60)
                self.assertEqual(p.returncode, 0)
                results.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()

        for r in results:
            self.assertFalse(r["other"], r)
            self.assertEqual(r["ok"] + r["denied"], ATTEMPTS)
        self.assertEqual(sum(r["ok"] for r in results), LIMIT, results)

        totals = self.mock.totals()
        self.assertEqual(totals["requests"], LIMIT)
        self.assertEqual(totals["ok"], LIMIT)

        with llmgate.Gate(self.state_dir, limits_from_env=False) as gate:
            rpd = [u for u in gate.limiter.usage("global") if u["name"] == "rpd"]
        self.assertEqual(len(rpd), 1)
        self.assertEqual(rpd[0]["limit"], LIMIT)
        self.assertEqual(rpd[0]["used"], LIMIT)
        self.assertEqual(rpd[0]["remaining"], 0)


if __name__ == "__main__":
    unittest.main()
