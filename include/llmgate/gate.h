// llmgate::Gate: the object every process opens on the shared state directory. It is
// safe to use from many threads at once.
#ifndef LLMGATE_GATE_H_
#define LLMGATE_GATE_H_

#include <memory>
#include <string>

#include "llmgate/cache.h"
#include "llmgate/client.h"
#include "llmgate/keys.h"
#include "llmgate/export.h"
#include "llmgate/limiter.h"
#include "llmgate/options.h"
#include "llmgate/status.h"

namespace llmgate {

class LLMGATE_EXPORT Gate {
 public:
  // Opens (creating if needed) the state directory and its databases.
  // kFailedPrecondition: network filesystem, database of a newer llmgate, unwritable directory.
  static Result<std::unique_ptr<Gate>> Open(const Options& options);

  virtual ~Gate();
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // The directory actually used (after resolving defaults).
  virtual const std::string& state_dir() const = 0;

  // The persistent response cache.
  virtual Cache& cache() = 0;

  // The cross-process rate limiter.
  virtual Limiter& limiter() = 0;

  // The OpenAI client: every call goes through the cache, the limiter and the retry policy.
  virtual Client& client() = 0;

  // The API keys this gate calls with, and what every process knows about them.
  virtual KeyPool& keys() = 0;

 protected:
  Gate() = default;
};

}  // namespace llmgate

#endif  // LLMGATE_GATE_H_
