"""Failures map to the llmgate.Error hierarchy with the server's details."""
import unittest

import llmgate
from support import GateTestCase, chat_request


class ErrorsTest(GateTestCase):
    def test_hierarchy(self):
        for cls in (llmgate.RateLimited, llmgate.QuotaExhausted, llmgate.RequestTooLarge,
                    llmgate.InvalidRequest, llmgate.AuthenticationError, llmgate.Timeout,
                    llmgate.Unavailable):
            self.assertTrue(issubclass(cls, llmgate.Error), cls)
        self.assertTrue(issubclass(llmgate.Error, Exception))

    def test_rate_limited_carries_retry_after(self):
        # org-rl allows one request a minute. Without learning the limit from the headers the
        # gate does not know it, so the second request meets the server's 429.
        gate = self.open_gate(api_key="sk-test-rl", max_attempts=1, learn_limits=False)
        gate.chat(chat_request("first"))
        with self.assertRaises(llmgate.RateLimited) as cm:
            gate.chat(chat_request("second"), timeout=30)
        e = cm.exception
        self.assertEqual(e.code, "RESOURCE_EXHAUSTED")
        self.assertEqual(e.http_status, 429)
        self.assertEqual(e.error_code, "rate_limit_exceeded")
        self.assertTrue(e.request_id.startswith("req_"))
        self.assertIsNotNone(e.retry_after)
        self.assertGreater(e.retry_after, 1)
        self.assertLessEqual(e.retry_after, 60)
        self.assertIn("retry after", str(e))

    def test_authentication_error(self):
        gate = self.open_gate(api_key="sk-test-revoked")
        with self.assertRaises(llmgate.AuthenticationError) as cm:
            gate.chat(chat_request("who am i"))
        self.assertEqual(cm.exception.http_status, 401)
        self.assertEqual(cm.exception.error_code, "invalid_api_key")
        self.assertNotIn("sk-test-revoked", str(cm.exception))  # keys never appear in messages

    def test_quota_exhausted(self):
        gate = self.open_gate(api_key="sk-test-broke")
        with self.assertRaises(llmgate.QuotaExhausted) as cm:
            gate.chat(chat_request("pay me"))
        self.assertEqual(cm.exception.error_code, "insufficient_quota")
        self.assertEqual(self.mock.totals()["requests"], 1)  # not retried

    def test_invalid_request(self):
        gate = self.open_gate()
        with self.assertRaises(llmgate.InvalidRequest) as cm:
            gate.chat("{oops")
        self.assertEqual(cm.exception.http_status, 0)  # refused before sending
        with self.assertRaises(llmgate.InvalidRequest) as cm:
            gate.chat({"model": "gpt-4o-mini"})
        self.assertEqual(cm.exception.http_status, 400)
        with self.assertRaises(TypeError):
            gate.chat(42)

    def test_request_too_large(self):
        # By the server: org-small has 50 tokens a minute; this asks for 100 completion tokens.
        gate = self.open_gate(api_key="sk-test-small")
        with self.assertRaises(llmgate.RequestTooLarge):
            gate.chat(chat_request("too big", max_tokens=100))
        # By a known limit, before sending anything.
        requests = self.mock.totals()["requests"]
        local = self.open_gate(limits="tpm=10", learn_limits=False)
        with self.assertRaises(llmgate.RequestTooLarge):
            local.chat(chat_request("too big for me", max_tokens=100))
        self.assertEqual(self.mock.totals()["requests"], requests)

    def test_unavailable(self):
        gate = self.open_gate(max_attempts=1)
        self.mock.configure({"faults": {"fail_next": [503]}})
        with self.assertRaises(llmgate.Unavailable) as cm:
            gate.chat(chat_request("down"))
        self.assertEqual(cm.exception.http_status, 503)

    def test_timeout_waiting_for_quota(self):
        gate = self.open_gate(limits="rpd=1", learn_limits=False)
        gate.chat(chat_request("the only one today"))
        with self.assertRaises(llmgate.Timeout) as cm:
            gate.chat(chat_request("one more"), timeout=1)
        self.assertIsInstance(cm.exception, TimeoutError)


if __name__ == "__main__":
    unittest.main()
