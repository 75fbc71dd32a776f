"""Chat streams: chunks arrive as the server sends them, not all at the end."""
import threading
import time
import unittest

import llmgate
from support import GateTestCase, chat_request

DELAY_MS = 200


class StreamTest(GateTestCase):
    def test_chunks_arrive_as_sent(self):
        gate = self.open_gate()
        self.mock.configure({"faults": {"stream_chunk_delay_ms": DELAY_MS}})
        # A Python thread that counts while the stream waits: it only gets ahead if waiting
        # for a chunk releases the GIL.
        ticks = [0]
        stop = threading.Event()

        def tick():
            while not stop.is_set():
                ticks[0] += 1
                time.sleep(0.001)

        ticker = threading.Thread(target=tick)
        ticker.start()
        try:
            arrivals, texts, ticks_at = [], [], []
            with gate.chat_stream(chat_request("one two three four five six")) as stream:
                for chunk in stream:
                    arrivals.append(time.monotonic())
                    ticks_at.append(ticks[0])
                    self.assertEqual(chunk["object"], "chat.completion.chunk")
                    delta = chunk["choices"][0]["delta"] if chunk["choices"] else {}
                    texts.append(delta.get("content") or "")
        finally:
            stop.set()
            ticker.join()

        # The role, seven words ("Echo:" and six), the finish: nine events, eight pauses.
        self.assertEqual(len(arrivals), 9)
        self.assertEqual("".join(texts), "Echo: one two three four five six")
        expected_span = 8 * DELAY_MS / 1000
        span = arrivals[-1] - arrivals[0]
        self.assertGreater(span, 0.5 * expected_span, "chunks were held back and delivered together")
        self.assertGreater(ticks_at[-1] - ticks_at[0], 10, "the GIL was held while waiting for chunks")

        response = stream.response  # kept after the stream was closed
        self.assertFalse(response.from_cache)
        answer = response.json()
        self.assertEqual(answer["object"], "chat.completion")
        self.assertEqual(answer["choices"][0]["message"]["content"], "Echo: one two three four five six")
        self.assertEqual(response.usage["completion_tokens"], 7)

    def test_cache_hit_is_replayed_as_chunks(self):
        gate = self.open_gate()
        first = list(gate.chat_stream(chat_request("replay me")))
        stream = gate.chat_stream(chat_request("replay me"))
        again = list(stream)
        self.assertTrue(stream.response.from_cache)
        text = "".join((c["choices"][0]["delta"].get("content") or "") for c in again if c["choices"])
        self.assertEqual(text, "Echo: replay me")
        self.assertGreater(len(first), 2)
        self.assertEqual(self.mock.totals()["requests"], 1)

    def test_close_early_and_errors(self):
        gate = self.open_gate()
        self.mock.configure({"faults": {"stream_chunk_delay_ms": 50}})
        stream = gate.chat_stream(chat_request("a b c d e f g h"))
        next(stream)
        with self.assertRaisesRegex(ValueError, "not ended"):
            stream.response
        stream.close()
        self.assertRaises(StopIteration, next, stream)
        # The gate keeps working; closing the gate while a stream is open is safe too.
        open_stream = gate.chat_stream(chat_request("still open"))
        gate.close()
        self.assertEqual(len(list(open_stream)), 5)

        other = self.open_gate()
        with self.assertRaises(llmgate.InvalidRequest):
            other.chat_stream("{not json")
        with self.assertRaises(llmgate.InvalidRequest) as cm:
            other.chat_stream({"model": "gpt-4o-mini"})  # no messages: the server's 400
        self.assertEqual(cm.exception.http_status, 400)

    def test_close_from_another_thread(self):
        gate = self.open_gate()
        self.mock.configure({"faults": {"stream_chunk_delay_ms": 300}})
        stream = gate.chat_stream(chat_request("one two three four five six seven"))
        next(stream)
        got = []
        reader = threading.Thread(target=lambda: got.extend(stream))
        reader.start()
        time.sleep(0.1)  # the reader is waiting inside the library for the next chunk
        stream.close()
        reader.join(timeout=30)
        self.assertFalse(reader.is_alive())
        self.assertLess(len(got), 8)  # it stopped early


if __name__ == "__main__":
    unittest.main()
