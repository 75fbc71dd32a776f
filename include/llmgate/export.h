// Symbol visibility: the shared library is built with hidden visibility, and only
// declarations marked LLMGATE_EXPORT (the public API) are exported from it.
#ifndef LLMGATE_EXPORT_H_
#define LLMGATE_EXPORT_H_

#if defined(__GNUC__) || defined(__clang__)
#define LLMGATE_EXPORT __attribute__((visibility("default")))
#else
#define LLMGATE_EXPORT
#endif

#endif  // LLMGATE_EXPORT_H_
