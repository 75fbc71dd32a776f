#include "util/json_parser.h"

namespace llmgate::internal {
namespace {

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

}  // namespace

JsonParserLease::JsonParserLease(size_t input_size) {
  if (input_size > kMaxRetainedJsonInput) {
    own_ = std::make_unique<simdjson::dom::parser>();
    parser_ = own_.get();
  } else {
    parser_ = &ThreadParser();
  }
}

size_t JsonParserLease::ThreadParserCapacity() { return ThreadParser().capacity(); }

}  // namespace llmgate::internal
