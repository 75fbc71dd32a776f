// Everything public in one include.
#ifndef LLMGATE_LLMGATE_H_
#define LLMGATE_LLMGATE_H_

#include "llmgate/cache.h"
#include "llmgate/client.h"
#include "llmgate/clock.h"
#include "llmgate/gate.h"
#include "llmgate/keys.h"
#include "llmgate/limiter.h"
#include "llmgate/log.h"
#include "llmgate/options.h"
#include "llmgate/status.h"
#include "llmgate/tokenizer.h"
#include "llmgate/version.h"

#endif  // LLMGATE_LLMGATE_H_
