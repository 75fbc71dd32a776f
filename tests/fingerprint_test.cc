#include "limit/fingerprint.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace llmgate::internal {
namespace {

constexpr char kEllipsis[] = "\xE2\x80\xA6";

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

TEST(KeyFingerprintTest, IsKeyPrefixPlusSixteenHexDigits) {
  const std::string fp = KeyFingerprint("sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789");
  ASSERT_EQ(fp.size(), 4u + 16u);
  EXPECT_EQ(fp.substr(0, 4), "key:");
  EXPECT_TRUE(IsLowerHex(fp.substr(4))) << fp;
}

TEST(KeyFingerprintTest, StableAcrossCallsAndReleases) {
  // Pinned values: SHA-256("llmgate-key-v1\0" + key), first 8 bytes. Changing them would
  // orphan every stored scope, so they are part of the format.
  EXPECT_EQ(KeyFingerprint("sk-test-0123456789abcdefghijklmnop"), "key:f6da834bed32b1d9");
  EXPECT_EQ(KeyFingerprint(""), "key:e6942a307013e828");
  EXPECT_EQ(KeyFingerprint("sk-abc"), KeyFingerprint(std::string("sk-abc")));
}

TEST(KeyFingerprintTest, DistinctKeysGetDistinctFingerprints) {
  std::set<std::string> seen;
  const std::string base = "sk-proj-QWERTYUIOPASDFGHJKLZXCVBNM";
  for (int i = 0; i < 2000; ++i) seen.insert(KeyFingerprint(base + std::to_string(i)));
  // Keys that differ only in the last byte, or only in case.
  seen.insert(KeyFingerprint(base + "x"));
  seen.insert(KeyFingerprint(base + "X"));
  EXPECT_EQ(seen.size(), 2002u);
}

TEST(KeyFingerprintTest, ContainsNoKeyBytes) {
  // Keys made of letters outside a-f: any of their bytes in the output would be a leak.
  const std::string keys[] = {"sk-ZZZZYYYYXXXXWWWWVVVVUUUU", "sk-proj-ghijklmnopqrstuvwxyz", "tttttttt"};
  for (const std::string& key : keys) {
    const std::string hex = KeyFingerprint(key).substr(4);
    for (char c : key) {
      if (c == '-') continue;
      EXPECT_EQ(hex.find(c), std::string::npos) << key << " leaks '" << c << "' into " << hex;
    }
  }
}

TEST(KeyLabelTest, ShowsTypePrefixAndLastFourCharacters) {
  EXPECT_EQ(KeyLabel("sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"), std::string("sk-") + kEllipsis + "6789");
  EXPECT_EQ(KeyLabel("sk-0123456789abcdefWXYZ"), std::string("sk-") + kEllipsis + "WXYZ");
}

TEST(KeyLabelTest, KeysWithoutPrefixShowOnlyTheTail) {
  EXPECT_EQ(KeyLabel("0123456789abcdefghij"), std::string(kEllipsis) + "ghij");
  // A dash too far in is part of the secret, not a type prefix.
  EXPECT_EQ(KeyLabel("abcdefghij-0123456789"), std::string(kEllipsis) + "6789");
  // Digits never form a prefix.
  EXPECT_EQ(KeyLabel("12-0123456789abcdefgh"), std::string(kEllipsis) + "efgh");
}

TEST(KeyLabelTest, ShortKeysRevealLessOrNothing) {
  EXPECT_EQ(KeyLabel("sk-0123456789"), std::string("sk-") + kEllipsis + "89");  // 10 secret chars
  EXPECT_EQ(KeyLabel("sk-01234567"), std::string("sk-") + kEllipsis + "67");    // 8
  EXPECT_EQ(KeyLabel("sk-0123456"), std::string("sk-") + kEllipsis);            // 7
  EXPECT_EQ(KeyLabel("abc"), std::string(kEllipsis));
  EXPECT_EQ(KeyLabel(""), std::string(kEllipsis));
  EXPECT_EQ(KeyLabel("sk-"), std::string("sk-") + kEllipsis);
}

TEST(KeyLabelTest, NeverShowsMoreThanFourSecretCharacters) {
  std::string key = "sk-";
  for (int n = 0; n < 64; ++n) {
    const std::string label = KeyLabel(key);
    std::string shown = label;
    const size_t cut = shown.find(kEllipsis);
    ASSERT_NE(cut, std::string::npos) << label;
    shown = shown.substr(cut + 3);
    EXPECT_LE(shown.size(), 4u) << key;
    EXPECT_EQ(key.substr(key.size() - shown.size()), shown);
    key += static_cast<char>('A' + n % 26);
  }
}

}  // namespace
}  // namespace llmgate::internal
