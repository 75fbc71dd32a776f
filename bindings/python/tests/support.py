"""What the test cases share: one mock server per test class, a fresh state directory per test."""
import shutil
import tempfile
import unittest

import llmgate
from mock_server import MockServer

# Keys the mock knows (any other key starting with "sk-" is accepted too).
MOCK_CONFIG = {
    "accept_any_key": True,
    "keys": [
        {"key": "sk-test-revoked", "status": "invalid"},
        {"key": "sk-test-broke", "status": "insufficient_quota"},
        {"key": "sk-test-rl", "organization": "org-rl"},
        {"key": "sk-test-small", "organization": "org-small"},
    ],
    "organizations": {
        "org-rl": {"rpm": 1},
        "org-small": {"tpm": 50},
    },
}


def chat_request(content, **extra):
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}
    request.update(extra)
    return request


class GateTestCase(unittest.TestCase):
    mock = None

    @classmethod
    def setUpClass(cls):
        cls.mock = MockServer(MOCK_CONFIG)

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        self.mock.reset()
        self.mock.configure({"faults": {"stream_chunk_delay_ms": 0, "latency_ms": 0}})
        self.state_dir = tempfile.mkdtemp(prefix="llmgate-py-")
        self.addCleanup(shutil.rmtree, self.state_dir, True)

    def open_gate(self, **options):
        """A gate on this test's state directory and the mock; closed after the test."""
        options.setdefault("base_url", self.mock.base_url)
        options.setdefault("api_key", "sk-test-python")
        options.setdefault("limits_from_env", False)
        gate = llmgate.Gate(self.state_dir, **options)
        self.addCleanup(gate.close)
        return gate
