// Tests of the event-stream parser and of the conversion between chat.completion.chunk
// streams and chat.completion responses.
#include <simdjson.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "http/sse.h"

namespace llmgate::internal {
namespace {

std::vector<SseEvent> ParseAll(std::string_view stream) {
  SseParser p;
  std::vector<SseEvent> events;
  p.Feed(stream, &events);
  p.Finish(&events);
  return events;
}

bool SameEvents(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].event != b[i].event || a[i].data != b[i].data || a[i].id != b[i].id || a[i].done != b[i].done) {
      return false;
    }
  }
  return true;
}

// ---- SseParser ----

TEST(SseParserTest, BasicEventsAndDone) {
  std::vector<SseEvent> e = ParseAll("data: {\"a\":1}\n\ndata: [DONE]\n\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].data, "{\"a\":1}");
  EXPECT_TRUE(e[0].event.empty());
  EXPECT_FALSE(e[0].done);
  EXPECT_EQ(e[1].data, "[DONE]");
  EXPECT_TRUE(e[1].done);

  SseParser p;
  std::vector<SseEvent> out;
  p.Feed("data: x\n\n", &out);
  EXPECT_FALSE(p.done());
  p.Feed("data: [DONE]\n\n", &out);
  EXPECT_TRUE(p.done());
}

TEST(SseParserTest, FieldsCommentsAndSpaces) {
  std::vector<SseEvent> e = ParseAll(
      ": keep-alive comment\n"
      "event: thread.message.delta\n"
      "id: 7\n"
      "data:no-space\n"
      "data:  two-spaces\n"
      "data\n"
      "unknown: ignored\n"
      "\n"
      "data: second\n"
      "\n"
      "event: lonely\n"
      "\n"
      "data: third\n"
      "id\n"
      "\n");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].event, "thread.message.delta");
  EXPECT_EQ(e[0].data, "no-space\n two-spaces\n");  // one space dropped, "data" alone adds ""
  EXPECT_EQ(e[0].id, "7");
  EXPECT_EQ(e[1].event, "");  // the event type does not carry over
  EXPECT_EQ(e[1].data, "second");
  EXPECT_EQ(e[1].id, "7");  // the last id does
  EXPECT_EQ(e[2].data, "third");  // "event: lonely" had no data and was not dispatched
  EXPECT_EQ(e[2].event, "");
  EXPECT_EQ(e[2].id, "");  // a bare "id" resets it
}

TEST(SseParserTest, LineEndingsAndBom) {
  std::vector<SseEvent> crlf = ParseAll("\xEF\xBB\xBF" "data: a\r\ndata: b\r\n\r\ndata: c\r\rdata: d\n\n");
  ASSERT_EQ(crlf.size(), 3u);
  EXPECT_EQ(crlf[0].data, "a\nb");
  EXPECT_EQ(crlf[1].data, "c");
  EXPECT_EQ(crlf[2].data, "d");
  // The BOM is dropped only at the very start.
  std::vector<SseEvent> late = ParseAll("data: a\n\n\xEF\xBB\xBF" "data: b\n\n");
  ASSERT_EQ(late.size(), 1u);
}

TEST(SseParserTest, EmptyDataIsAnEvent) {
  std::vector<SseEvent> e = ParseAll("data:\n\ndata: \n\n\n\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].data, "");
  EXPECT_EQ(e[1].data, "");
}

TEST(SseParserTest, RetryField) {
  SseParser p;
  std::vector<SseEvent> e;
  p.Feed("retry: 3000\n\nretry: soon\n\n", &e);
  EXPECT_TRUE(e.empty());
  EXPECT_EQ(p.retry_ms(), 3000);
}

TEST(SseParserTest, FinishDispatchesAnUnterminatedEvent) {
  SseParser p;
  std::vector<SseEvent> e;
  p.Feed("data: one\n\ndata: two", &e);
  ASSERT_EQ(e.size(), 1u);
  p.Finish(&e);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].data, "two");
  p.Finish(&e);
  EXPECT_EQ(e.size(), 2u);
}

// A stream exercising every rule at once; every split of it must parse the same.
constexpr char kSampleStream[] =
    "\xEF\xBB\xBF: opening comment\r\n"
    "retry: 1500\n"
    "id: ev-1\r"
    "data: {\"choices\":[{\"delta\":{\"content\":\"h\xC3\xA9llo\"}}]}\r\n"
    "\r\n"
    "event: custom\n"
    "data:line one\r"
    "data: line two\r\r"
    ": ping\n"
    "\n"
    "data: {\"x\":\"\xE2\x82\xAC\"}\n"
    "\r"
    "data: [DONE]\r\n\r\n";

TEST(SseParserTest, EverySplitPositionGivesTheSameEvents) {
  const std::string stream = kSampleStream;
  const std::vector<SseEvent> expected = ParseAll(stream);
  ASSERT_EQ(expected.size(), 4u);
  EXPECT_EQ(expected[0].id, "ev-1");
  EXPECT_EQ(expected[1].event, "custom");
  EXPECT_EQ(expected[1].data, "line one\nline two");
  EXPECT_EQ(expected[2].data, "{\"x\":\"\xE2\x82\xAC\"}");
  EXPECT_TRUE(expected[3].done);

  for (size_t i = 0; i <= stream.size(); ++i) {
    for (size_t j = i; j <= stream.size(); ++j) {
      SseParser p;
      std::vector<SseEvent> got;
      p.Feed(std::string_view(stream).substr(0, i), &got);
      p.Feed(std::string_view(stream).substr(i, j - i), &got);
      p.Feed(std::string_view(stream).substr(j), &got);
      p.Finish(&got);
      ASSERT_TRUE(SameEvents(got, expected)) << "split at " << i << " and " << j;
      EXPECT_EQ(p.retry_ms(), 1500);
      EXPECT_TRUE(p.done());
    }
  }

  SseParser bytewise;
  std::vector<SseEvent> got;
  for (char c : stream) bytewise.Feed(std::string_view(&c, 1), &got);
  bytewise.Finish(&got);
  EXPECT_TRUE(SameEvents(got, expected));
}

TEST(SseParserTest, OverlongInputStopsTheParser) {
  SseParser p(64);
  std::vector<SseEvent> e;
  p.Feed("data: short\n\n", &e);
  EXPECT_EQ(e.size(), 1u);
  p.Feed(std::string(100, 'x'), &e);
  EXPECT_TRUE(p.overflowed());
  p.Feed("\n\ndata: more\n\n", &e);
  EXPECT_EQ(e.size(), 1u);

  SseParser many_lines(64);
  for (int i = 0; i < 20; ++i) many_lines.Feed("data: 0123456789\n", &e);
  EXPECT_TRUE(many_lines.overflowed());
}

TEST(SseParserTest, FormatSseEventRoundTrips) {
  std::string wire = FormatSseEvent("first\nsecond\n", "update") + FormatSseEvent("{\"a\":1}") +
                     std::string(kSseDoneEvent);
  EXPECT_EQ(FormatSseEvent("{\"a\":1}"), "data: {\"a\":1}\n\n");
  std::vector<SseEvent> e = ParseAll(wire);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].event, "update");
  EXPECT_EQ(e[0].data, "first\nsecond\n");
  EXPECT_EQ(e[1].data, "{\"a\":1}");
  EXPECT_TRUE(e[2].done);
}

// ---- JSON helpers for the assembler tests ----

class Json {
 public:
  explicit Json(const std::string& text) {
    EXPECT_EQ(parser_.parse(text).get(root_), simdjson::SUCCESS) << text;
  }
  simdjson::dom::element root() const { return root_; }

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

std::string Str(simdjson::simdjson_result<simdjson::dom::element> e) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return "<not a string>";
  return std::string(s);
}

bool IsNull(simdjson::simdjson_result<simdjson::dom::element> e) {
  simdjson::dom::element v;
  return e.get(v) == simdjson::SUCCESS && v.is_null();
}

std::string Minified(simdjson::simdjson_result<simdjson::dom::element> e) {
  simdjson::dom::element v;
  if (e.get(v) != simdjson::SUCCESS) return "<missing>";
  return simdjson::minify(v);
}

// ---- StreamAssembler ----

// In the style of a recorded OpenAI stream with n=2 and stream_options.include_usage:
// choice 0 answers in text, choice 1 calls two tools; the choices interleave, every
// chunk has "usage": null, and the last one carries the usage and no choices.
const std::vector<std::string> kRecordedChunks = {
    R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-2024-05-13","system_fingerprint":"fp_abc","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-2024-05-13","system_fingerprint":"fp_abc","choices":[{"index":1,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-2024-05-13","system_fingerprint":"fp_abc","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-2024-05-13","system_fingerprint":"fp_abc","choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-2024-05-13","system_fingerprint":"fp_abc","choices":[{"index":0,"delta":{"content":", \"w\u00f6rld\"\n"},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-2024-05-13","system_fingerprint":"fp_abc","choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-2024-05-13","system_fingerprint":"fp_abc","choices":[{"index":1,"delta":{"tool_calls":[{"index":1,"id":"call_B","type":"function","function":{"name":"get_time","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-2024-05-13","system_fingerprint":"fp_abc","choices":[{"index":1,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"tz\":\"CET\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-2024-05-13","system_fingerprint":"fp_abc","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null})",
    R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-2024-05-13","system_fingerprint":"fp_abc","choices":[{"index":1,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null})",
    R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-2024-05-13","system_fingerprint":"fp_abc","choices":[],"usage":{"prompt_tokens":42,"completion_tokens":31,"total_tokens":73,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}})",
};

std::string Assemble(const std::vector<std::string>& chunks) {
  StreamAssembler a;
  for (const std::string& c : chunks) EXPECT_TRUE(a.Add(c).ok()) << c;
  return a.ToJson();
}

TEST(StreamAssemblerTest, AssemblesTextToolCallsChoicesAndUsage) {
  StreamAssembler a;
  for (const std::string& c : kRecordedChunks) ASSERT_TRUE(a.Add(c).ok());
  EXPECT_EQ(a.chunk_count(), static_cast<int>(kRecordedChunks.size()));
  EXPECT_TRUE(a.has_usage());
  std::string out = a.ToJson();
  Json j(out);
  auto r = j.root();
  EXPECT_EQ(Str(r["id"]), "chatcmpl-9");
  EXPECT_EQ(Str(r["object"]), "chat.completion");
  EXPECT_EQ(Minified(r["created"]), "1718000000");
  EXPECT_EQ(Str(r["model"]), "gpt-4o-2024-05-13");
  EXPECT_EQ(Str(r["system_fingerprint"]), "fp_abc");

  auto c0 = r["choices"].at(0);
  EXPECT_EQ(Minified(c0["index"]), "0");
  EXPECT_EQ(Str(c0["message"]["role"]), "assistant");
  EXPECT_EQ(Str(c0["message"]["content"]), "Hello, \"w\xC3\xB6rld\"\n");
  EXPECT_EQ(Str(c0["finish_reason"]), "stop");
  EXPECT_TRUE(IsNull(c0["logprobs"]));
  simdjson::dom::element missing;
  EXPECT_NE(c0["message"]["tool_calls"].get(missing), simdjson::SUCCESS);

  auto c1 = r["choices"].at(1);
  EXPECT_EQ(Minified(c1["index"]), "1");
  EXPECT_TRUE(IsNull(c1["message"]["content"]));
  EXPECT_EQ(Str(c1["finish_reason"]), "tool_calls");
  auto calls = c1["message"]["tool_calls"];
  EXPECT_EQ(Str(calls.at(0)["id"]), "call_A");
  EXPECT_EQ(Str(calls.at(0)["type"]), "function");
  EXPECT_EQ(Str(calls.at(0)["function"]["name"]), "get_weather");
  EXPECT_EQ(Str(calls.at(0)["function"]["arguments"]), "{\"city\":\"Paris\"}");
  EXPECT_EQ(Str(calls.at(1)["id"]), "call_B");
  EXPECT_EQ(Str(calls.at(1)["function"]["name"]), "get_time");
  EXPECT_EQ(Str(calls.at(1)["function"]["arguments"]), "{\"tz\":\"CET\"}");

  EXPECT_EQ(Minified(r["usage"]),
            R"({"prompt_tokens":42,"completion_tokens":31,"total_tokens":73,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}})");
}

TEST(StreamAssemblerTest, ExactOutputOfASmallStream) {
  std::string out = Assemble({
      R"({"id":"c1","object":"chat.completion.chunk","created":5,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]})",
      R"({"id":"c1","object":"chat.completion.chunk","created":5,"model":"m","choices":[{"index":0,"delta":{"content":"\t\u0001"},"finish_reason":"length"}]})",
  });
  EXPECT_EQ(out,
            R"({"id":"c1","object":"chat.completion","created":5,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi\t\u0001"},"logprobs":null,"finish_reason":"length"}]})");
}

TEST(StreamAssemblerTest, ToleratesServerQuirks) {
  std::string out = Assemble({
      // Azure's opening chunk: no id, no model, no choices.
      R"({"id":"","object":"","created":0,"model":"","choices":[],"prompt_filter_results":[]})",
      R"({"id":"x","created":9,"model":"m","choices":[{"delta":{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\""}}]}}]})",
      // id and name repeated in every delta; no index anywhere.
      R"({"id":"x","created":9,"model":"m","choices":[{"delta":{"tool_calls":[{"id":"call_1","function":{"name":"f","arguments":":1}"}}]}}]})",
      R"({"id":"x","created":9,"model":"m","choices":[{"delta":{"tool_calls":[{"id":"call_2","function":{"name":"g","arguments":"{}"}}]},"finish_reason":"tool_calls"}]})",
  });
  Json j(out);
  auto r = j.root();
  EXPECT_EQ(Str(r["id"]), "x");
  EXPECT_EQ(Minified(r["created"]), "9");
  auto calls = r["choices"].at(0)["message"]["tool_calls"];
  EXPECT_EQ(Str(calls.at(0)["id"]), "call_1");
  EXPECT_EQ(Str(calls.at(0)["function"]["name"]), "f");
  EXPECT_EQ(Str(calls.at(0)["function"]["arguments"]), "{\"a\":1}");
  EXPECT_EQ(Str(calls.at(1)["id"]), "call_2");
  EXPECT_EQ(Str(calls.at(1)["type"]), "function");
  EXPECT_EQ(Str(calls.at(1)["function"]["arguments"]), "{}");
  simdjson::dom::element missing;
  EXPECT_NE(r["usage"].get(missing), simdjson::SUCCESS);
}

TEST(StreamAssemblerTest, RejectsNonObjects) {
  StreamAssembler a;
  EXPECT_EQ(a.Add("[DONE]").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(a.Add("[1,2]").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(a.Add("{\"id\":").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(a.chunk_count(), 0);
  EXPECT_TRUE(a.Add(R"({"choices":"not an array","usage":7})").ok());
  Json j(a.ToJson());
  simdjson::dom::array choices;
  EXPECT_EQ(j.root()["choices"].get_array().get(choices), simdjson::SUCCESS);
  EXPECT_EQ(choices.size(), 0u);
}

// ---- SynthesizeChunks ----

// Two choices: text with escapes and multi-byte characters plus logprobs; tool calls with
// null content; a usage block with nested details.
constexpr char kCompletion[] = R"json({
  "id": "chatcmpl-42",
  "object": "chat.completion",
  "created": 1718000123,
  "model": "gpt-4o-mini",
  "system_fingerprint": "fp_xyz",
  "choices": [
    {"index": 0,
     "message": {"role": "assistant", "content": "Caf\u00e9 \u2615 \"quoted\"\nline two \ud83d\ude00 end", "refusal": null},
     "logprobs": {"content": [{"token": "Caf", "logprob": -0.1, "bytes": [67, 97, 102], "top_logprobs": []}], "refusal": null},
     "finish_reason": "stop"},
    {"index": 1,
     "message": {"role": "assistant", "content": null,
                 "tool_calls": [
                   {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{\"q\":\"d\u00e9j\u00e0 vu\",\"n\":3}"}},
                   {"id": "call_2", "type": "function", "function": {"name": "noop", "arguments": "{}"}}]},
     "logprobs": null,
     "finish_reason": "tool_calls"}
  ],
  "usage": {"prompt_tokens": 20, "completion_tokens": 15, "total_tokens": 35,
            "completion_tokens_details": {"reasoning_tokens": 0, "accepted_prediction_tokens": 0}}
})json";

void ExpectEquivalent(const std::string& original, const std::string& assembled) {
  Json a(original);
  Json b(assembled);
  auto x = a.root();
  auto y = b.root();
  for (const char* key : {"id", "model", "system_fingerprint"}) EXPECT_EQ(Str(x[key]), Str(y[key])) << key;
  EXPECT_EQ(Str(y["object"]), "chat.completion");
  EXPECT_EQ(Minified(x["created"]), Minified(y["created"]));
  EXPECT_EQ(Minified(x["usage"]), Minified(y["usage"]));
  simdjson::dom::array xs, ys;
  ASSERT_EQ(x["choices"].get_array().get(xs), simdjson::SUCCESS);
  ASSERT_EQ(y["choices"].get_array().get(ys), simdjson::SUCCESS);
  ASSERT_EQ(xs.size(), ys.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    auto cx = xs.at(i);
    auto cy = ys.at(i);
    EXPECT_EQ(Minified(cx["index"]), Minified(cy["index"]));
    EXPECT_EQ(Minified(cx["finish_reason"]), Minified(cy["finish_reason"]));
    EXPECT_EQ(Minified(cx["logprobs"]), Minified(cy["logprobs"]));
    EXPECT_EQ(Minified(cx["message"]["role"]), Minified(cy["message"]["role"]));
    EXPECT_EQ(Minified(cx["message"]["content"]), Minified(cy["message"]["content"]));
    EXPECT_EQ(Minified(cx["message"]["tool_calls"]), Minified(cy["message"]["tool_calls"]));
  }
}

TEST(SynthesizeChunksTest, RoundTripThroughTheAssembler) {
  for (size_t piece_bytes : {1, 3, 7, 64, 10000}) {
    Result<std::vector<std::string>> chunks = SynthesizeChunks(kCompletion, piece_bytes);
    ASSERT_TRUE(chunks.ok()) << chunks.status().ToString();
    for (const std::string& c : *chunks) {
      Json parsed(c);  // every chunk is valid JSON, so no UTF-8 sequence was split
      EXPECT_EQ(Str(parsed.root()["object"]), "chat.completion.chunk");
      EXPECT_EQ(Str(parsed.root()["id"]), "chatcmpl-42");
    }
    std::string assembled = Assemble(*chunks);
    ExpectEquivalent(kCompletion, assembled);
    // Assembling is a fixed point: a second round gives the same bytes.
    Result<std::vector<std::string>> again = SynthesizeChunks(assembled, piece_bytes);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(Assemble(*again), assembled);
  }
}

TEST(SynthesizeChunksTest, ChunkShape) {
  Result<std::vector<std::string>> chunks = SynthesizeChunks(kCompletion, 1000);
  ASSERT_TRUE(chunks.ok());
  // Choice 0: role, one content piece, finish. Choice 1: role, two tool calls (head +
  // arguments each), finish. Then usage.
  ASSERT_EQ(chunks->size(), 3u + 6u + 1u);
  Json role(chunks->at(0));
  EXPECT_EQ(Str(role.root()["choices"].at(0)["delta"]["role"]), "assistant");
  EXPECT_EQ(Str(role.root()["choices"].at(0)["delta"]["content"]), "");
  Json tool_role(chunks->at(3));
  EXPECT_TRUE(IsNull(tool_role.root()["choices"].at(0)["delta"]["content"]));
  Json head(chunks->at(4));
  auto call = head.root()["choices"].at(0)["delta"]["tool_calls"].at(0);
  EXPECT_EQ(Minified(call["index"]), "0");
  EXPECT_EQ(Str(call["id"]), "call_1");
  EXPECT_EQ(Str(call["function"]["name"]), "lookup");
  EXPECT_EQ(Str(call["function"]["arguments"]), "");
  Json finish(chunks->at(8));
  EXPECT_EQ(Str(finish.root()["choices"].at(0)["finish_reason"]), "tool_calls");
  Json usage(chunks->back());
  EXPECT_EQ(Minified(usage.root()["choices"]), "[]");
  EXPECT_EQ(Minified(usage.root()["usage"]["total_tokens"]), "35");
}

TEST(SynthesizeChunksTest, RecordedStreamSurvivesReplayOverTheWire) {
  const std::string assembled = Assemble(kRecordedChunks);
  Result<std::vector<std::string>> chunks = SynthesizeChunks(assembled, 4);
  ASSERT_TRUE(chunks.ok());
  std::string wire;
  for (const std::string& c : *chunks) wire += FormatSseEvent(c);
  wire += kSseDoneEvent;

  // Cut the wire into uneven pieces, as a socket would.
  SseParser parser;
  std::vector<SseEvent> events;
  for (size_t pos = 0, step = 1; pos < wire.size(); pos += step, step = step % 13 + 1) {
    parser.Feed(std::string_view(wire).substr(pos, step), &events);
  }
  parser.Finish(&events);
  ASSERT_TRUE(parser.done());
  StreamAssembler a;
  for (const SseEvent& e : events) {
    if (!e.done) {
      ASSERT_TRUE(a.Add(e.data).ok());
    }
  }
  EXPECT_EQ(a.ToJson(), assembled);
}

TEST(SynthesizeChunksTest, RefusalAndLegacyFunctionCall) {
  const std::string completion = R"({"id":"r","object":"chat.completion","created":1,"model":"m","choices":[
      {"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"logprobs":null,"finish_reason":"stop"},
      {"index":1,"message":{"role":"assistant","content":null,"function_call":{"name":"f","arguments":"{\"x\":1}"}},"logprobs":null,"finish_reason":"function_call"}]})";
  Result<std::vector<std::string>> chunks = SynthesizeChunks(completion, 5);
  ASSERT_TRUE(chunks.ok());
  Json j(Assemble(*chunks));
  auto r = j.root();
  EXPECT_EQ(Str(r["choices"].at(0)["message"]["refusal"]), "I can't help with that.");
  EXPECT_TRUE(IsNull(r["choices"].at(0)["message"]["content"]));
  EXPECT_EQ(Str(r["choices"].at(1)["message"]["function_call"]["name"]), "f");
  EXPECT_EQ(Str(r["choices"].at(1)["message"]["function_call"]["arguments"]), "{\"x\":1}");
  EXPECT_EQ(Str(r["choices"].at(1)["finish_reason"]), "function_call");
}

TEST(SynthesizeChunksTest, EmptyContentAndNoUsage) {
  Result<std::vector<std::string>> chunks = SynthesizeChunks(
      R"({"id":"e","created":2,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"stop"}]})");
  ASSERT_TRUE(chunks.ok());
  EXPECT_EQ(chunks->size(), 2u);  // role (with content "") and finish; no usage chunk
  EXPECT_EQ(Assemble(*chunks),
            R"({"id":"e","object":"chat.completion","created":2,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":""},"logprobs":null,"finish_reason":"stop"}]})");
}

TEST(SynthesizeChunksTest, ChoicesWithMissingParts) {
  // No message, a tool call without a function, a choice that is not an object.
  Result<std::vector<std::string>> chunks = SynthesizeChunks(
      R"({"id":"p","choices":[{"index":0,"finish_reason":"stop"},)"
      R"({"index":1,"message":{"tool_calls":[{"id":"c"},7]}},"junk"]})");
  ASSERT_TRUE(chunks.ok());
  Json j(Assemble(*chunks));
  auto r = j.root();
  EXPECT_TRUE(IsNull(r["choices"].at(0)["message"]["content"]));
  EXPECT_EQ(Str(r["choices"].at(0)["finish_reason"]), "stop");
  EXPECT_EQ(Str(r["choices"].at(1)["message"]["tool_calls"].at(0)["id"]), "c");
  EXPECT_EQ(Str(r["choices"].at(1)["message"]["tool_calls"].at(0)["function"]["name"]), "");
  EXPECT_TRUE(IsNull(r["choices"].at(1)["finish_reason"]));
}

TEST(SynthesizeChunksTest, RejectsWhatIsNotACompletion) {
  for (const char* bad : {"", "[]", "{}", R"({"choices":{}})", "{\"choices\":[", "not json"}) {
    Result<std::vector<std::string>> r = SynthesizeChunks(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace llmgate::internal
