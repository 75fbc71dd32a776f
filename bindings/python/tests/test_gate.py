"""The Gate: options, calls, the cache and limiter APIs, stats, callbacks, the GIL."""
import sys
import threading
import time
import unittest

import llmgate
from support import GateTestCase, chat_request


class OptionsTest(GateTestCase):
    def test_unknown_option_is_a_type_error(self):
        with self.assertRaisesRegex(TypeError, "unexpected option 'cache_enabeld'"):
            llmgate.Gate(self.state_dir, cache_enabeld=False)

    def test_wrong_type_is_a_type_error(self):
        with self.assertRaises(TypeError):
            llmgate.Gate(self.state_dir, max_attempts="3")

    def test_bad_limit_spec_names_the_token(self):
        with self.assertRaises(llmgate.InvalidRequest) as cm:
            llmgate.Gate(self.state_dir, limits="rpm=500,tpm=lots")
        self.assertIn("lots", str(cm.exception))
        self.assertEqual(cm.exception.code, "INVALID_ARGUMENT")
        self.assertIsInstance(cm.exception, ValueError)

    def test_limits_as_a_list(self):
        gate = self.open_gate(limits=["rpm=7", "tpm=7000"])
        names = {u["name"]: u["limit"] for u in gate.limiter.usage("global")}
        self.assertEqual(names, {"rpm": 7, "tpm": 7000})

    def test_context_manager_closes(self):
        with llmgate.Gate(self.state_dir, limits_from_env=False) as gate:
            self.assertEqual(gate.state_dir, self.state_dir)
            self.assertFalse(gate.closed)
        self.assertTrue(gate.closed)
        with self.assertRaisesRegex(ValueError, "closed"):
            gate.stats()
        gate.close()  # closing twice is fine


class CallsTest(GateTestCase):
    def test_chat_then_cache_hit(self):
        gate = self.open_gate()
        answer = gate.chat(chat_request("hello world"))
        self.assertEqual(answer["choices"][0]["message"]["content"], "Echo: hello world")
        self.assertEqual(answer["usage"]["prompt_tokens"], 7)

        again = gate.chat(chat_request("hello world"), return_response=True)
        self.assertTrue(again.from_cache)
        self.assertEqual(again.json(), answer)
        self.assertEqual(self.mock.totals()["requests"], 1)  # the hit never reached the server

        stats = gate.stats()
        self.assertEqual(stats["client"]["calls"], 2)
        self.assertEqual(stats["client"]["cache_hits"], 1)
        self.assertEqual(stats["cache"]["hits"], 1)
        self.assertEqual(stats["cache"]["entries"], 1)

    def test_identical_calls_at_once_cost_one_request(self):
        self.mock.configure({"faults": {"latency_ms": 300}})
        for single_flight, requests in ((True, 1), (False, 2)):
            before = self.mock.totals()["requests"]
            gate = self.open_gate(cache_single_flight=single_flight)
            request = chat_request("asked twice at once, single_flight=%s" % single_flight)
            answers = []
            threads = [threading.Thread(target=lambda: answers.append(gate.chat(request))) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(len(answers), 2)
            # One answer for both, or one each (their ids differ).
            self.assertEqual(answers[0]["id"] == answers[1]["id"], single_flight)
            self.assertEqual(self.mock.totals()["requests"] - before, requests)
            gate.close()

    def test_response_details(self):
        gate = self.open_gate()
        r = gate.chat('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi there"}]}',
                      return_response=True)
        self.assertEqual(r.http_status, 200)
        self.assertFalse(r.from_cache)
        self.assertTrue(r.request_id.startswith("req_"))
        self.assertEqual(r.header("X-Request-Id"), r.request_id)
        self.assertEqual(r.usage["completion_tokens"], 3)
        self.assertEqual(r.attempts, 1)
        self.assertTrue(r.key_label.startswith("sk-"))
        self.assertIn("Echo: hi there", r.text)

    def test_call_options(self):
        gate = self.open_gate()
        gate.chat(chat_request("options"))
        fresh = gate.chat(chat_request("options"), return_response=True, skip_cache_read=True,
                          timeout=30, max_attempts=1, headers={"X-Test": "1"},
                          idempotency_key="py-1", cache_ttl=60)
        self.assertFalse(fresh.from_cache)
        with self.assertRaisesRegex(TypeError, "unexpected call option 'timeuot'"):
            gate.chat(chat_request("options"), timeuot=3)

    def test_other_endpoints(self):
        gate = self.open_gate()
        emb = gate.embeddings({"model": "text-embedding-3-small", "input": ["a", "b"]})
        self.assertEqual(len(emb["data"]), 2)
        images = gate.images({"model": "dall-e-3", "prompt": "a cat", "n": 2}, return_response=True)
        self.assertEqual(images.usage["images"], 2)
        self.assertEqual(len(images.json()["data"]), 2)
        resp = gate.responses({"model": "gpt-4o-mini", "input": "hello there"})
        self.assertEqual(resp["output_text"], "Echo: hello there")
        models = gate.request("GET", "/models")
        self.assertEqual(models["object"], "list")

    def test_callbacks(self):
        logs, retries, counted = [], [], []
        gate = self.open_gate(
            log=lambda level, message: logs.append((level, message)), log_level="debug",
            on_retry=retries.append,
            tokenizer=lambda model, text: counted.append((model, text)) or len(text.split()))
        self.mock.configure({"faults": {"fail_next": [503], "error_retry_after_ms": 10}})
        answer = gate.chat(chat_request("retry me"))
        self.assertEqual(answer["choices"][0]["message"]["content"], "Echo: retry me")
        self.assertEqual(len(retries), 1)
        self.assertEqual(retries[0]["attempt"], 1)
        self.assertIsInstance(retries[0]["error"], llmgate.Unavailable)
        self.assertEqual(retries[0]["error"].http_status, 503)
        self.assertGreater(retries[0]["delay"], 0)
        self.assertIn(("gpt-4o-mini", "retry me"), counted)
        self.assertTrue(logs)
        self.assertTrue(all(level in ("debug", "info", "warning", "error") for level, _ in logs))

    def test_a_failing_callback_does_not_fail_the_call(self):
        def broken(level, message):
            raise RuntimeError("broken logger")

        seen = []
        hook, sys.unraisablehook = sys.unraisablehook, seen.append
        try:
            gate = self.open_gate(log=broken, log_level="debug")
            self.assertEqual(gate.chat(chat_request("still fine"))["object"], "chat.completion")
            gate.close()
        finally:
            sys.unraisablehook = hook
        self.assertTrue(seen)
        self.assertIsInstance(seen[0].exc_value, RuntimeError)

    def test_gil_is_released_while_calls_block(self):
        gate = self.open_gate()
        self.mock.configure({"faults": {"latency_ms": 400}})
        self.assertGreater(_progress_while(lambda: gate.chat(chat_request("slow"))), 10000)
        # A quota wait: the second request of a 2-per-second limit waits about half a second.
        gate.limiter.set_limits("gil-test/requests/1s=2;burst=1")
        gate.limiter.acquire("gil-test", {"requests": 1})
        self.assertGreater(_progress_while(lambda: gate.limiter.acquire("gil-test", {"requests": 1})), 10000)


def _progress_while(call):
    """How far a pure-Python loop counts while `call` runs in another thread: next to
    nothing if the call held the GIL."""
    done = threading.Event()
    errors = []

    def run():
        try:
            call()
        except Exception as e:  # reported below
            errors.append(e)
        finally:
            done.set()

    thread = threading.Thread(target=run)
    count = 0
    thread.start()
    time.sleep(0.05)  # let the call get into the library
    while not done.is_set():
        count += 1
    thread.join()
    if errors:
        raise errors[0]
    return count


class CacheApiTest(GateTestCase):
    def test_get_put_invalidate_purge(self):
        gate = self.open_gate()
        path, request = "/chat/completions", chat_request("cached")
        self.assertIsNone(gate.cache.get(path, request))
        gate.cache.put(path, request, {"choices": [], "usage": {"total_tokens": 4}})
        self.assertEqual(gate.cache.get(path, request), {"choices": [], "usage": {"total_tokens": 4}})
        self.assertIsNone(gate.cache.get(path, request, skip_read=True))
        # The library canonicalizes: the same request as text with other spacing is a hit.
        self.assertIsNotNone(gate.cache.get(path, '{ "messages": [{"content": "cached", "role": "user"}],'
                                                  ' "model": "gpt-4o-mini" }'))
        gate.cache.invalidate(path, request)
        self.assertIsNone(gate.cache.get(path, request))

        gate.cache.put(path, request, {"a": 1}, namespace="ns1", ttl=3600)
        self.assertEqual(gate.cache.get(path, request, namespace="ns1"), {"a": 1})
        self.assertIsNone(gate.cache.get(path, request))
        stats = gate.cache.stats()
        self.assertEqual(stats["entries"], 1)
        self.assertEqual(stats["tokens_saved"], 8)  # two hits of a 4-token answer
        self.assertEqual(gate.cache.purge("ns1"), 1)
        self.assertEqual(gate.cache.purge(), 0)
        self.assertEqual(gate.cache.remove_expired(), 0)
        gate.cache.flush()

    def test_bad_input(self):
        gate = self.open_gate()
        with self.assertRaises(llmgate.InvalidRequest):
            gate.cache.get("/chat/completions", "[1, 2")
        with self.assertRaises(TypeError):
            gate.cache.get("/chat/completions", 42)
        with self.assertRaisesRegex(TypeError, "unexpected cache option"):
            gate.cache.get("/chat/completions", {}, tll=3)


class LimiterApiTest(GateTestCase):
    def test_acquire_reconcile_usage(self):
        # Daily limits: usage refills continuously, and a unit of these takes minutes to come
        # back, so the figures stay exact on a slow machine.
        gate = self.open_gate(limits="rpd=10,tpd=1000")
        r = gate.limiter.acquire(["global"], {"requests": 1, "tokens": 300}, timeout=5)
        self.assertTrue(r)
        self.assertEqual(r.scopes, ["global"])
        self.assertEqual(r.cost, {"requests": 1, "tokens": 300})
        self.assertLess(abs(r.start - time.time()), 5)
        r = gate.limiter.reconcile(r, {"tokens": 120})
        self.assertEqual(r.cost["tokens"], 120)
        usage = {u["name"]: u for u in gate.limiter.usage("global")}
        self.assertEqual(usage["rpd"]["used"], 1)
        self.assertEqual(usage["tpd"]["used"], 120)
        self.assertEqual(usage["tpd"]["remaining"], 880)
        self.assertEqual(usage["tpd"]["source"], "configured")
        self.assertEqual(usage["tpd"]["kind"], "rolling")
        self.assertEqual(usage["tpd"]["window"], 86400.0)
        gate.limiter.cancel(r)
        usage = {u["name"]: u for u in gate.limiter.usage("global")}
        self.assertEqual(usage["rpd"]["used"], 0)

    def test_try_acquire_denial(self):
        gate = self.open_gate()
        gate.limiter.set_limits("py-test/rpd=1")
        first = gate.limiter.try_acquire("py-test", {"requests": 1})
        self.assertTrue(first.granted)
        denial = gate.limiter.try_acquire("py-test", {"requests": 1})
        self.assertFalse(denial)
        self.assertIsInstance(denial, llmgate.Denial)
        self.assertEqual((denial.scope, denial.limit_name), ("py-test", "rpd"))
        self.assertGreater(denial.retry_after, 3600)
        with self.assertRaises(llmgate.Timeout) as cm:
            gate.limiter.acquire("py-test", {"requests": 1}, timeout=0.05)
        self.assertIsInstance(cm.exception, TimeoutError)
        self.assertGreater(cm.exception.retry_after, 3600)
        with self.assertRaises(llmgate.RequestTooLarge):
            gate.limiter.try_acquire("py-test", {"requests": 2})
        with self.assertRaises(TypeError):
            gate.limiter.try_acquire("py-test", {"requests": "one"})

    def test_on_wait_and_block(self):
        gate = self.open_gate()
        gate.limiter.set_limits(["wait-test/requests/200ms=1"])
        waits = []
        gate.limiter.acquire("wait-test", {"requests": 1})
        gate.limiter.acquire("wait-test", {"requests": 1}, on_wait=waits.append, timeout=5)
        self.assertGreaterEqual(len(waits), 1)
        self.assertEqual(waits[0]["scope"], "wait-test")
        self.assertGreater(waits[0]["wait"], 0)
        gate.limiter.block("blocked", time.time() + 3600)
        denial = gate.limiter.try_acquire("blocked", {"requests": 1})
        self.assertEqual(denial.limit_name, "block")


if __name__ == "__main__":
    unittest.main()
