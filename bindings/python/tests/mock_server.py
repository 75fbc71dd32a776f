"""Starts tests/mock_openai for a test, by its command-line protocol (tests/mock_openai/README.md):
a free port written to a port file, --watch-parent so that a crashed test leaves no server.

The binary comes from $LLMGATE_MOCK_OPENAI (ctest sets it).
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

# Control requests go straight to the loopback server, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class MockServer:
    def __init__(self, config=None):
        binary = os.environ.get("LLMGATE_MOCK_OPENAI")
        if not binary:
            raise RuntimeError("set LLMGATE_MOCK_OPENAI to the mock_openai binary")
        self._dir = tempfile.mkdtemp(prefix="llmgate-mock-")
        port_file = os.path.join(self._dir, "port")
        args = [binary, "--port", "0", "--port-file", port_file, "--watch-parent"]
        if config is not None:
            config_file = os.path.join(self._dir, "config.json")
            with open(config_file, "w") as f:
                json.dump(config, f)
            args += ["--config", config_file]
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        port = None
        while port is None:
            if self._proc.poll() is not None:
                raise RuntimeError(f"mock_openai exited with status {self._proc.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("mock_openai did not write its port")
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                port = int(text) if text else None
            except FileNotFoundError:
                pass
            if port is None:
                time.sleep(0.01)
        self.origin = f"http://127.0.0.1:{port}"
        self.base_url = self.origin + "/v1"

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.origin + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with _OPENER.open(request, timeout=30) as answer:
            return json.loads(answer.read())

    def configure(self, config):
        """Applies a config (faults, keys, organizations) to the running server."""
        return self._call("POST", "/_mock/config", config)

    def reset(self):
        """Zeroes the stats, refills every bucket, clears queued faults."""
        return self._call("POST", "/_mock/reset", {})

    def stats(self):
        return self._call("GET", "/_mock/stats")

    def totals(self):
        return self.stats()["totals"]

    def stop(self):
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
