// Short ways to write limits and acquire requests in limiter tests.
#ifndef LLMGATE_TESTING_LIMIT_HELPERS_H_
#define LLMGATE_TESTING_LIMIT_HELPERS_H_

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "limit/limit_convert.h"
#include "limit/limit_spec.h"
#include "llmgate/limiter.h"

namespace llmgate::testing {

// Limits written as specs (limit_spec.h), for brevity; a bad spec fails the test.
inline std::vector<Limit> Specs(const std::string& text) {
  auto defs = internal::ParseLimitSpecs(text);
  EXPECT_TRUE(defs.ok()) << defs.status().ToString();
  std::vector<Limit> out;
  if (defs.ok()) {
    for (const auto& d : *defs) out.push_back(internal::ToPublicLimit(d));
  }
  return out;
}

inline AcquireRequest Req(std::vector<std::string> scopes, std::vector<Cost> cost, int64_t max_wait_ms = 0) {
  AcquireRequest r;
  r.scopes = std::move(scopes);
  r.cost = std::move(cost);
  r.max_wait = std::chrono::milliseconds(max_wait_ms);
  return r;
}

}  // namespace llmgate::testing

#endif  // LLMGATE_TESTING_LIMIT_HELPERS_H_
