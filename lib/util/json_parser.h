// simdjson's DOM parser, reused per thread. A parser keeps its buffers (about 15 bytes per
// input byte) between parses, so reusing one makes a warm parse allocate nothing; but a
// thread that once parsed a large text (a base64 image answer, say) must not keep that memory
// for good. Texts above kMaxRetainedJsonInput get a parser of their own, freed after use.
#ifndef LLMGATE_LIB_UTIL_JSON_PARSER_H_
#define LLMGATE_LIB_UTIL_JSON_PARSER_H_

#include <simdjson.h>

#include <cstddef>
#include <memory>

namespace llmgate::internal {

inline constexpr size_t kMaxRetainedJsonInput = size_t{1} << 20;

// The parser to parse a text of input_size bytes with: the thread's own for ordinary sizes,
// else one that lives as long as the lease. Elements parsed with it are valid while the lease
// lives and the thread parses nothing else with the thread's parser.
class JsonParserLease {
 public:
  explicit JsonParserLease(size_t input_size);
  JsonParserLease(const JsonParserLease&) = delete;
  JsonParserLease& operator=(const JsonParserLease&) = delete;

  simdjson::dom::parser& get() { return *parser_; }

  // The input capacity the calling thread's parser holds on to (tests).
  static size_t ThreadParserCapacity();

 private:
  std::unique_ptr<simdjson::dom::parser> own_;
  simdjson::dom::parser* parser_;
};

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_UTIL_JSON_PARSER_H_
