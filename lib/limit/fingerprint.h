// Names for API keys that are safe to store, log and share between processes.
//
// A scope is named after its key by fingerprint, so quota.db, stats and logs never hold a
// secret. The fingerprint is a truncated, domain-separated SHA-256: stable across
// processes and releases (the "v1" in the domain tag changes if the scheme ever does),
// distinct for distinct keys in practice, and not reversible.
#ifndef LLMGATE_LIB_LIMIT_FINGERPRINT_H_
#define LLMGATE_LIB_LIMIT_FINGERPRINT_H_

#include <string>
#include <string_view>

namespace llmgate::internal {

// "key:" followed by the first 16 lowercase hex digits (64 bits) of
// SHA-256("llmgate-key-v1" "\0" api_key).
std::string KeyFingerprint(std::string_view api_key);

// A label people can recognise a key by, showing at most 4 characters of the secret:
// the type prefix when the key has one (a run of 1 to 7 ASCII letters ending at the first
// '-', like "sk-"), then "…", then the last 4 characters of the rest when it has 16 or
// more, the last 2 when it has 8 to 15, and nothing when it is shorter.
// "sk-proj-abc…wxyz" -> "sk-…wxyz"; "0123456789" -> "…89"; "sk-abc" -> "sk-…".
std::string KeyLabel(std::string_view api_key);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_LIMIT_FINGERPRINT_H_
