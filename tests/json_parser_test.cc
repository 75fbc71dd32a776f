// JsonParserLease: the per-thread parser is reused for ordinary texts, and a large text does
// not leave its buffers with the thread.
#include "util/json_parser.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <string>
#include <thread>

#include "cache/canonical.h"
#include "cache/response_usage.h"
#include "client/request_body.h"

namespace llmgate::internal {
namespace {

// A JSON object of about `bytes` bytes: one string member.
std::string ObjectOfSize(size_t bytes) { return "{\"text\":\"" + std::string(bytes, 'x') + "\"}"; }

size_t ParseAndReportCapacity(const std::string& text) {
  {
    JsonParserLease lease(text.size());
    simdjson::dom::element root;
    EXPECT_EQ(lease.get().parse(text.data(), text.size()).get(root), simdjson::SUCCESS);
  }
  return JsonParserLease::ThreadParserCapacity();
}

TEST(JsonParserLeaseTest, OrdinaryTextsReuseTheThreadsParser) {
  std::thread([] {
    const size_t after_first = ParseAndReportCapacity(ObjectOfSize(4000));
    EXPECT_GE(after_first, 4000u);
    // A smaller text after it needs no new buffers.
    EXPECT_EQ(ParseAndReportCapacity(ObjectOfSize(100)), after_first);
  }).join();
}

TEST(JsonParserLeaseTest, ALargeTextLeavesNothingWithTheThread) {
  std::thread([] {
    const size_t before = ParseAndReportCapacity(ObjectOfSize(1000));
    EXPECT_EQ(ParseAndReportCapacity(ObjectOfSize(kMaxRetainedJsonInput + 1)), before);
  }).join();
}

// Bytes this process holds from malloc, in its heap and in mappings of their own.
size_t HeapBytesInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// The library's parses of answers and request bodies: nothing of a large one stays allocated
// (a parser would hold about 15 bytes per byte of it).
TEST(JsonParserLeaseTest, LargeAnswersAndBodiesLeaveNothingAllocated) {
  std::thread([] {
    const std::string large = ObjectOfSize(3 * kMaxRetainedJsonInput);
    const std::string large_body = "{\"stream\":false," + large.substr(1);
    ASSERT_TRUE(InspectResponse(ObjectOfSize(1000)).ok());  // the thread's parser exists
    EXPECT_FALSE(RequestsStream(ObjectOfSize(1000).insert(1, "\"stream\":false,")));
    const size_t before = HeapBytesInUse();
    ASSERT_TRUE(InspectResponse(large).ok());
    EXPECT_FALSE(RequestsStream(large_body));
    EXPECT_TRUE(IsValidJson(large));
    EXPECT_LT(HeapBytesInUse(), before + kMaxRetainedJsonInput);
  }).join();
}

TEST(RequestsStreamTest, OnlyATopLevelTrueStreamCounts) {
  EXPECT_TRUE(RequestsStream(R"({"model":"m","stream":true})"));
  EXPECT_TRUE(RequestsStream(R"({ "stream" : true , "messages": []})"));
  EXPECT_FALSE(RequestsStream(R"({"model":"m","stream":false})"));
  EXPECT_FALSE(RequestsStream(R"({"model":"m"})"));
  // Named only inside a message, or in a nested object: not a request to stream.
  EXPECT_FALSE(RequestsStream(R"({"messages":[{"role":"user","content":"say \"stream\": true"}]})"));
  EXPECT_FALSE(RequestsStream(R"({"metadata":{"stream":true}})"));
  // Not JSON, or not an object.
  EXPECT_FALSE(RequestsStream(R"({"stream":true)"));
  EXPECT_FALSE(RequestsStream(R"(["stream",true])"));
  EXPECT_FALSE(RequestsStream(""));
}

TEST(RequestsStreamTest, RepeatedBodiesGetTheSameAnswer) {
  // The parser is reused between calls: an earlier body must not leak into a later answer.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(RequestsStream(R"({"stream":true,"n":1})"));
    EXPECT_FALSE(RequestsStream(R"({"stream":false})"));
    EXPECT_FALSE(RequestsStream(R"({"stream":true)"));
  }
}

}  // namespace
}  // namespace llmgate::internal
