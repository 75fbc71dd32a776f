#include "limit/fingerprint.h"

#include <openssl/evp.h>

#include <memory>
#include <new>

namespace llmgate::internal {
namespace {

// Domain separation: the same key hashed for another purpose gives an unrelated value.
// The trailing NUL is part of the tag, so no key can extend the tag into another one.
constexpr std::string_view kDomainTag{"llmgate-key-v1\0", 15};

constexpr size_t kFingerprintHexDigits = 16;
constexpr size_t kMaxPrefixLetters = 7;

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Length of the non-secret type prefix ("sk-" -> 3), 0 when there is none.
size_t PrefixLength(std::string_view key) {
  size_t n = 0;
  while (n < key.size() && n < kMaxPrefixLetters && IsAsciiLetter(key[n])) ++n;
  if (n == 0 || n >= key.size() || key[n] != '-') return 0;
  return n + 1;
}

}  // namespace

std::string KeyFingerprint(std::string_view api_key) {
  // The key is fed to the digest in place rather than concatenated into a temporary, so no
  // extra copy of the secret is left in freed memory.
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx.get(), kDomainTag.data(), kDomainTag.size()) == 1 &&
                  EVP_DigestUpdate(ctx.get(), api_key.data(), api_key.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx.get(), digest, &digest_len) == 1;
  // SHA-256 in the default provider fails only when memory runs out. Report it the way the
  // string allocations below would; a fallback value would split one key's quota in two.
  if (!ok || digest_len * 2 < kFingerprintHexDigits) throw std::bad_alloc();

  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "key:";
  for (size_t i = 0; i < kFingerprintHexDigits / 2; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

std::string KeyLabel(std::string_view api_key) {
  const size_t prefix = PrefixLength(api_key);
  const std::string_view secret = api_key.substr(prefix);
  size_t shown = 0;
  if (secret.size() >= 16) {
    shown = 4;
  } else if (secret.size() >= 8) {
    shown = 2;
  }
  std::string label(api_key.substr(0, prefix));
  label += "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
  label += secret.substr(secret.size() - shown);
  return label;
}

}  // namespace llmgate::internal
