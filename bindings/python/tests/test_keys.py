"""The key pool: calls step around revoked, broke and throttled keys; what is known about each
key is shared by fingerprint and label, and no key ever shows in it."""
import json
import os
import pathlib
import time
import unittest
import urllib.request

import llmgate
from support import GateTestCase, chat_request

# The mock's keys (support.MOCK_CONFIG): revoked (401 invalid_api_key), broke (429
# insufficient_quota), and one of org-rl, which allows one request a minute. Any other key
# starting with "sk-" is good.
REVOKED = "sk-test-revoked"
BROKE = "sk-test-broke"
THROTTLED = "sk-test-rl"
GOOD = "sk-test-keys-good-0123456789"
RAW_KEYS = (REVOKED, BROKE, THROTTLED, GOOD)

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class KeysTest(GateTestCase):
    def drain_org_rl(self):
        """Spends org-rl's one request of the minute behind the gate's back."""
        request = urllib.request.Request(
            self.mock.base_url + "/chat/completions", data=json.dumps(chat_request("drain")).encode(),
            headers={"Authorization": "Bearer " + THROTTLED, "Content-Type": "application/json"})
        with _OPENER.open(request, timeout=30) as answer:
            self.assertEqual(answer.status, 200)

    def open_pool(self, **options):
        # The revoked key comes first and as a plain str (its label is then the default one);
        # with equal headroom the pool tries keys in order, so the first call meets them all.
        keys = [REVOKED,
                {"key": BROKE, "label": "broke"},
                {"key": THROTTLED, "label": "throttled", "organization": None},
                {"key": GOOD, "label": "good", "limits": "rpm=100,tpm=100000"}]
        return self.open_gate(api_key=None, keys=keys, keys_from_env=False, max_attempts=1, **options)

    def assert_no_raw_keys(self, text, where):
        if isinstance(text, str):
            text = text.encode("utf-8")
        for key in RAW_KEYS:
            self.assertNotIn(key.encode(), text, f"{key} in {where}")

    def assert_state_dir_clean(self):
        files = [p for p in pathlib.Path(self.state_dir).rglob("*") if p.is_file()]
        self.assertTrue(any(p.name == "quota.db" for p in files), files)
        for path in files:
            self.assert_no_raw_keys(path.read_bytes(), path)

    def test_calls_step_around_bad_keys(self):
        self.drain_org_rl()
        gate = self.open_pool()
        for i in range(5):
            response = gate.chat(chat_request(f"question {i}"), return_response=True)
            self.assertEqual(response.key_label, "good")
            # The first call met every bad key on its way; moving on is not a retry.
            self.assertEqual(response.attempts, 4 if i == 0 else 1)

        keys = gate.keys.list()
        self.assert_no_raw_keys(json.dumps(keys, ensure_ascii=False), "keys.list()")
        by_label = {k["label"]: k for k in keys}
        self.assertEqual(len(by_label), 4, by_label.keys())
        (revoked_label,) = set(by_label) - {"broke", "throttled", "good"}
        self.assertTrue(revoked_label.startswith("sk-\u2026"), revoked_label)

        revoked = by_label[revoked_label]
        self.assertEqual(revoked["state"], "disabled")
        self.assertEqual(revoked["disabled_reason"], "invalid_api_key")
        self.assertEqual(revoked["auth_errors"], 1)

        broke = by_label["broke"]
        self.assertEqual(broke["state"], "disabled")
        self.assertEqual(broke["disabled_reason"], "insufficient_quota")
        self.assertEqual(broke["quota_errors"], 1)

        throttled = by_label["throttled"]
        self.assertEqual(throttled["state"], "cooling_down")
        self.assertEqual(throttled["http_429"], 1)
        self.assertGreater(throttled["cooldown_until_micros"], time.time() * 1e6)
        self.assertTrue(throttled["last_error_request_id"].startswith("req_"))

        good = by_label["good"]
        self.assertEqual(good["state"], "active")
        self.assertEqual((good["requests"], good["successes"]), (5, 5))
        self.assertEqual(good["success_rate"], 1.0)
        self.assertGreater(good["tokens_in"], 0)
        self.assertGreater(good["tokens_out"], 0)
        self.assertTrue(good["fingerprint"].startswith("key:"))
        self.assertEqual(len(good["fingerprint"]), 20)
        self.assertEqual(good["in_flight"], 0)

        # The key's own limits are in its scope.
        usage = gate.limiter.usage(good["fingerprint"])
        self.assertIn(("rpm", 100), [(u["name"], u["limit"]) for u in usage])

        stats = gate.stats()
        self.assertEqual(sorted(k["label"] for k in stats["keys"]), sorted(by_label))
        self.assertGreaterEqual(stats["shared"]["http_429"], 1)
        self.assertEqual(set(stats["shared"]),
                         {"retries", "http_429", "failures", "waits", "wait_millis", "single_flight_waits"})
        self.assertEqual(stats["client"]["failures"], 0)
        self.assert_no_raw_keys(json.dumps(stats, ensure_ascii=False), "stats()")

        self.assert_state_dir_clean()
        gate.close()
        self.assert_state_dir_clean()  # after the final checkpoint too

    def test_health_disable_enable(self):
        gate = self.open_pool()
        gate.chat(chat_request("warm up"))

        good = gate.keys.health("good")
        self.assertEqual(good["state"], "active")
        self.assertEqual(gate.keys.health(good["fingerprint"])["label"], "good")
        self.assertEqual(gate.keys.health("broke")["disabled_reason"], "insufficient_quota")
        with self.assertRaises(llmgate.NotFound):
            gate.keys.health("no-such-key")
        with self.assertRaises(llmgate.NotFound):
            gate.keys.disable("no-such-key")

        gate.keys.disable("good", reason="maintenance")
        good = gate.keys.health("good")
        self.assertEqual((good["state"], good["disabled_reason"]), ("disabled", "maintenance"))
        # Every process sees it: another gate on the same state directory.
        other = self.open_gate(api_key=None, keys_from_env=False)
        self.assertEqual(other.keys.health("good")["state"], "disabled")

        gate.keys.enable(good["fingerprint"])
        good = gate.keys.health("good")
        self.assertEqual((good["state"], good["disabled_reason"]), ("active", ""))
        response = gate.chat(chat_request("back again"), return_response=True)
        self.assertEqual(response.key_label, "good")

        gate.keys.disable("broke")
        self.assertEqual(gate.keys.health("broke")["disabled_reason"], "disabled by hand")

    def test_add(self):
        gate = self.open_gate(api_key=None, keys_from_env=False)
        gate.keys.add("sk-test-added-key-0001", label="added", limits=["rpm=50", "tpm=5000"])
        gate.keys.add("sk-test-added-key-0001", label="added")  # again: nothing happens
        added = gate.keys.health("added")
        self.assertEqual(added["requests"], 0)
        self.assertEqual([k["label"] for k in gate.keys.list()], ["added"])
        usage = gate.limiter.usage(added["fingerprint"])
        self.assertEqual(sorted((u["name"], u["limit"]) for u in usage), [("rpm", 50), ("tpm", 5000)])
        self.assertEqual(gate.chat(chat_request("with the added key"), return_response=True).key_label, "added")

        with self.assertRaises(llmgate.InvalidRequest):
            gate.keys.add("")
        with self.assertRaises(llmgate.InvalidRequest):
            gate.keys.add("sk-test-scoped", limits="global/rpm=5")  # a key's limits name no scope
        with self.assertRaises(llmgate.InvalidRequest):
            gate.keys.add("sk-test-bad-spec", limits="rpm=")

    def test_options(self):
        keys_file = pathlib.Path(self.state_dir) / "keys.txt"
        keys_file.write_text("# a key file\nsk-test-file-key-0001  label=from-file  limits=rpd=1000\n")
        os.chmod(keys_file, 0o600)
        gate = self.open_gate(api_key=None, keys=["sk-test-option-key-01"], keys_file=keys_file,
                              keys_from_env=False, key_policy="round_robin", key_max_in_flight=2,
                              key_failure_threshold=2, key_failure_cooldown=1.5)
        labels = {k["label"] for k in gate.keys.list()}
        self.assertEqual(labels, {"from-file", "sk-\u2026y-01"})
        seen = {gate.chat(chat_request(f"round {i}"), return_response=True).key_label for i in range(4)}
        self.assertEqual(seen, labels)  # round robin uses both

        with self.assertRaises(TypeError):
            self.open_gate(keys="sk-test-one-str")  # a list of keys, not one str
        with self.assertRaises(TypeError):
            self.open_gate(keys=[{"key": "sk-test-typo", "lable": "x"}])
        with self.assertRaises(TypeError):
            self.open_gate(keys=[42])
        with self.assertRaises(llmgate.InvalidRequest):
            self.open_gate(keys=[""])
        with self.assertRaises(llmgate.InvalidRequest):
            self.open_gate(keys=[{"key": "sk-test-scoped", "limits": "model:x/rpm=5"}])
        with self.assertRaises(ValueError):
            self.open_gate(key_policy="fastest")
        with self.assertRaises(ValueError):
            self.open_gate(key_failure_cooldown=-1)


if __name__ == "__main__":
    unittest.main()
