#include "cache/canonical.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace llmgate::internal {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kChat = "/v1/chat/completions";

// The canonical form of body (the test fails if there is none).
std::string Canon(std::string_view body, std::string_view path = kChat, bool normalize = false,
                  std::string_view ns = "ns") {
  CanonicalOptions options;
  options.normalize_whitespace = normalize;
  std::string out;
  const Status status = Canonicalize(ns, path, body, options, &out);
  EXPECT_TRUE(status.ok()) << status.message() << "\nbody: " << body;
  return out;
}

// Only the JSON part of a canonical form, for readable expectations.
std::string CanonBody(std::string_view body, std::string_view path = kChat, bool normalize = false) {
  const std::string canonical = Canon(body, path, normalize);
  const size_t first = canonical.find('\0');
  const size_t second = canonical.find('\0', first + 1);
  return canonical.substr(second + 1);
}

// A path with no defaults, so bodies come out with nothing added.
constexpr std::string_view kPlain = "/v1/moderations";

Status CanonStatus(std::string_view body) {
  std::string out;
  return Canonicalize("ns", kChat, body, CanonicalOptions(), &out);
}

void ExpectSame(std::string_view a, std::string_view b, std::string_view path = kChat, bool normalize = false) {
  const std::string ca = Canon(a, path, normalize);
  const std::string cb = Canon(b, path, normalize);
  EXPECT_EQ(ca, cb) << "a: " << a << "\nb: " << b;
  EXPECT_EQ(HashCanonical(ca), HashCanonical(cb));
}

void ExpectDifferent(std::string_view a, std::string_view b, std::string_view path = kChat, bool normalize = false) {
  const std::string ca = Canon(a, path, normalize);
  const std::string cb = Canon(b, path, normalize);
  EXPECT_NE(ca, cb) << "a: " << a << "\nb: " << b;
  EXPECT_NE(HashCanonical(ca), HashCanonical(cb));
}

// A string from a literal that holds NULs.
template <size_t N>
std::string Bytes(const char (&text)[N]) {
  return std::string(text, N - 1);
}

// ---- Layout and rule 7 ----------------------------------------------------------------

TEST(CanonicalTest, LayoutIsNamespacePathAndBodySeparatedByNul) {
  EXPECT_EQ(Canon(R"({"b": 2, "a": 1})", kPlain, false, "team-a"), Bytes("team-a\0/v1/moderations\0{\"a\":1,\"b\":2}"));
}

TEST(CanonicalTest, ReplacesWhatOutHeld) {
  std::string out(5000, 'x');
  ASSERT_TRUE(Canonicalize("", "/p", "{}", CanonicalOptions(), &out).ok());
  EXPECT_EQ(out, Bytes("\0/p\0{}"));
}

TEST(CanonicalTest, NamespaceAndPathAreCopiedAsGiven) {
  EXPECT_EQ(Canon("{}", "/v1/Some Path?q=1&r=/x", false, " Team/é "), Bytes(" Team/é \0/v1/Some Path?q=1&r=/x\0{}"));
}

TEST(CanonicalTest, DifferentNamespaceDiffers) {
  EXPECT_NE(Canon("{}", kPlain, false, "a"), Canon("{}", kPlain, false, "b"));
  EXPECT_NE(Canon("{}", kPlain, false, ""), Canon("{}", kPlain, false, "a"));
}

TEST(CanonicalTest, DifferentPathDiffers) {
  EXPECT_NE(Canon("{}", "/v1/moderations"), Canon("{}", "/v1/other"));
  EXPECT_NE(Canon("{}", "/v1/moderations"), Canon("{}", "/V1/moderations"));
  // The query string is part of the path.
  EXPECT_NE(Canon("{}", "/v1/moderations?a=1"), Canon("{}", "/v1/moderations?a=2"));
}

TEST(CanonicalTest, OneTrailingSlashOfThePathIsRemoved) {
  EXPECT_EQ(Canon("{}", "/v1/moderations/"), Canon("{}", "/v1/moderations"));
  EXPECT_EQ(Canon("{}", "/"), Canon("{}", ""));
  EXPECT_NE(Canon("{}", "/v1/moderations//"), Canon("{}", "/v1/moderations"));
}

// ---- Rule 1: sorted keys, minified, duplicates ----------------------------------------

TEST(CanonicalTest, KeysSortedAtEveryDepthAndWhiteSpaceRemoved) {
  EXPECT_EQ(CanonBody(R"( { "b" : [ { "z" : 1 , "y" : { "d" : null , "c" : true } } ] ,
                         "a" : "x" } )",
                      kPlain),
            R"({"a":"x","b":[{"y":{"c":true,"d":null},"z":1}]})");
  ExpectSame(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})",
             "{\n  \"messages\" : [ {\"content\":\"hi\",\t\"role\":\"user\"} ],\r\n  \"model\" : \"m\"\n}");
}

TEST(CanonicalTest, KeysSortBytewiseOnUnescapedUtf8) {
  // 'Z' (0x5a) < 'a' (0x61) < 'é' (0xc3 0xa9); "\u0062" is "b".
  EXPECT_EQ(CanonBody(R"({"\u00e9":1,"a":2,"Z":3,"\u0062":4})", kPlain), R"({"Z":3,"a":2,"b":4,"é":1})");
  // Shared 8-byte prefixes, and a key that is a prefix of another (also with a NUL after it).
  EXPECT_EQ(CanonBody(R"({"abcdefghY":1,"abcdefghX":2,"abcdefgh":3,"abc\u0000":4,"abc":5})", kPlain),
            R"({"abc":5,"abc\u0000":4,"abcdefgh":3,"abcdefghX":2,"abcdefghY":1})");
}

TEST(CanonicalTest, EmptyContainers) {
  EXPECT_EQ(CanonBody(R"({"a":{},"b":[],"c":[{}],"":0})", kPlain), R"({"":0,"a":{},"b":[],"c":[{}]})");
}

TEST(CanonicalTest, DuplicateKeysLastOccurrenceWins) {
  EXPECT_EQ(CanonBody(R"({"a":1,"b":0,"a":2})", kPlain), R"({"a":2,"b":0})");
  EXPECT_EQ(CanonBody(R"({"x":{"k":1,"k":2,"k":3}})", kPlain), R"({"x":{"k":3}})");
  ExpectSame(R"({"model":"a","model":"b"})", R"({"model":"b"})");
  ExpectDifferent(R"({"model":"a","model":"b"})", R"({"model":"a"})");
  // Escaped and raw spellings of one key are duplicates too.
  EXPECT_EQ(CanonBody(R"({"a":1,"\u0061":2})", kPlain), R"({"a":2})");
}

TEST(CanonicalTest, TwoMemberObjectsSwapOrKeepTheLast) {
  EXPECT_EQ(CanonBody(R"({"x":{"b":1,"b":2}})", kPlain), R"({"x":{"b":2}})");
  EXPECT_EQ(CanonBody(R"({"x":{"b":"long value here","a":1}})", kPlain), R"({"x":{"a":1,"b":"long value here"}})");
  EXPECT_EQ(CanonBody(R"({"x":{"b":1,"a":"long value here"}})", kPlain), R"({"x":{"a":"long value here","b":1}})");
  EXPECT_EQ(CanonBody(R"({"x":[{"b":[{"d":1,"c":2}],"a":{"f":3,"e":4}}]})", kPlain),
            R"({"x":[{"a":{"e":4,"f":3},"b":[{"c":2,"d":1}]}]})");
}

TEST(CanonicalTest, WideObjectsSortAndDeduplicateLikeAMap) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::map<std::string, int> expected;
    std::string body = "{";
    const int members = 17 + static_cast<int>(rng() % 300);
    for (int i = 0; i < members; ++i) {
      const std::string key = "key" + std::to_string(rng() % 200);  // collisions on purpose
      if (i != 0) body += ',';
      body += '"' + key + "\":" + std::to_string(i);
      expected[key] = i;
    }
    body += '}';
    std::string want = "{";
    for (const auto& [key, value] : expected) {
      if (want.size() > 1) want += ',';
      want += '"' + key + "\":" + std::to_string(value);
    }
    want += '}';
    EXPECT_EQ(CanonBody(body, kPlain), want);
  }
}

TEST(CanonicalTest, ArrayOrderMatters) {
  ExpectDifferent(R"({"stop":["a","b"]})", R"({"stop":["b","a"]})");
  ExpectDifferent(R"({"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]})",
                  R"({"messages":[{"role":"user","content":"b"},{"role":"user","content":"a"}]})");
}

TEST(CanonicalTest, DifferentValuesDiffer) {
  ExpectDifferent(R"({"model":"gpt-4o"})", R"({"model":"gpt-4o-mini"})");
  ExpectDifferent(R"({"max_tokens":10})", R"({"max_tokens":11})");
  ExpectDifferent(R"({"a":"1"})", R"({"a":1})");
  ExpectDifferent(R"({"a":null})", R"({})");  // null is only special for defaulted fields
  ExpectDifferent(R"({"a":false})", R"({"a":0})");
  ExpectDifferent(R"({"a":[]})", R"({"a":{}})");
  ExpectDifferent(R"({"a":{"b":1}})", R"({"a":{"b":1,"c":1}})");
}

// ---- Rule 2: strings ------------------------------------------------------------------

TEST(CanonicalTest, EscapeSpellingsOfOneStringAreOne) {
  ExpectSame(R"({"a":"\u00e9"})", R"({"a":"é"})");
  ExpectSame(R"({"a":"\/"})", R"({"a":"/"})");
  ExpectSame(R"({"a":"\u0041\u0062"})", R"({"a":"Ab"})");
  ExpectSame(R"({"a":"\u000a\u0009"})", R"({"a":"\n\t"})");
  ExpectSame(R"({"a":"\ud83d\ude00"})", R"({"a":"😀"})");
  ExpectSame(R"({"\u006dodel":"m"})", R"({"model":"m"})");
}

TEST(CanonicalTest, StringsUseOneEscapingForm) {
  EXPECT_EQ(CanonBody(R"({"a":"q\"b\\s\/\b\f\n\r\t\u0001\u001F\u007f é"})", kPlain),
            "{\"a\":\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f é\"}");
}

TEST(CanonicalTest, DifferentStringsDiffer) {
  ExpectDifferent(R"({"a":"x "})", R"({"a":"x"})");
  ExpectDifferent(R"({"a":"\u00e9"})", R"({"a":"e\u0301"})");  // no Unicode normalization
}

// The one canonical spelling of a string, written independently of the library.
std::string CanonicalString(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// The same string with every character escaped as \uXXXX (uppercase, surrogate pairs).
std::string VerboseString(std::string_view text) {
  std::string out = "\"";
  char buffer[16];
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    uint32_t code = length == 1 ? lead : lead & (0x3F >> (length - 1));
    for (size_t k = 1; k < length; ++k) code = code << 6 | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    i += length;
    if (code >= 0x10000) {
      code -= 0x10000;
      std::snprintf(buffer, sizeof(buffer), "\\u%04X\\u%04X", 0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF));
    } else {
      std::snprintf(buffer, sizeof(buffer), "\\u%04X", code);
    }
    out += buffer;
  }
  return out + "\"";
}

TEST(CanonicalTest, RandomStringsMatchTheReferenceEscaping) {
  // Lengths around the 4-, 8- and 16-byte paths of the copier, escapes at every position.
  const std::vector<std::string> pieces = {
      "a", "Z", " ", "/", "\"", "\\", std::string(1, '\0'), "\x01", "\x1f", "\n", "\t", "\x7f", "é", "€", "😀", "~"};
  std::mt19937 rng(42);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t target = rng() % 70;
    while (text.size() < target) {
      // Mostly plain text, so escapes land at varied offsets in long clean runs.
      text += rng() % 4 == 0 ? pieces[rng() % pieces.size()] : std::string(1, static_cast<char>('a' + rng() % 26));
    }
    const std::string want = "{" + CanonicalString(text) + ":" + CanonicalString(text) + "}";
    EXPECT_EQ(CanonBody("{" + VerboseString(text) + ":" + VerboseString(text) + "}", kPlain), want);
    EXPECT_EQ(CanonBody("{" + CanonicalString(text) + ":" + CanonicalString(text) + "}", kPlain), want);
  }
}

// ---- Rule 3: numbers ------------------------------------------------------------------

std::string CanonNumber(std::string_view number) {
  const std::string body = CanonBody("{\"x\":" + std::string(number) + "}", kPlain);
  return body.substr(5, body.size() - 6);
}

TEST(CanonicalTest, NumberSpellingsOfOneValueAreOne) {
  for (const char* one : {"1", "1.0", "1e0", "1E0", "1.00", "10e-1", "0.1e1", "1e+0", "100e-2"}) {
    EXPECT_EQ(CanonNumber(one), "1") << one;
  }
  for (const char* zero : {"0", "-0", "0.0", "-0.0", "0e5", "-0e-5", "0.000"}) {
    EXPECT_EQ(CanonNumber(zero), "0") << zero;
  }
  for (const char* half : {"0.5", "5e-1", "0.50", "50e-2", "0.05e1"}) {
    EXPECT_EQ(CanonNumber(half), "0.5") << half;
  }
  EXPECT_EQ(CanonNumber("-2.50"), "-2.5");
  EXPECT_EQ(CanonNumber("0.1"), "0.1");
  EXPECT_EQ(CanonNumber("1e300"), "1e+300");
  EXPECT_EQ(CanonNumber("1.5e-7"), "1.5e-07");
  EXPECT_EQ(CanonNumber("123456.789"), "123456.789");
  ExpectSame(R"({"temperature":0.7})", R"({"temperature":7e-1})");
  ExpectSame(R"({"max_tokens":256})", R"({"max_tokens":256.0})");
}

TEST(CanonicalTest, IntegersPrintExactly) {
  EXPECT_EQ(CanonNumber("9007199254740993"), "9007199254740993");  // 2^53 + 1: not a double
  EXPECT_EQ(CanonNumber("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(CanonNumber("18446744073709551615"), "18446744073709551615");
  // Integral doubles beyond 2^53 that fit 64 bits print as the integer they equal.
  EXPECT_EQ(CanonNumber("1e18"), "1000000000000000000");
  EXPECT_EQ(CanonNumber("1000000000000000000"), "1000000000000000000");
  EXPECT_EQ(CanonNumber("1e19"), "10000000000000000000");
  EXPECT_EQ(CanonNumber("-9.223372036854775808e18"), "-9223372036854775808");
  EXPECT_EQ(CanonNumber("9007199254740992.0"), "9007199254740992");
  // Beyond uint64, the shortest double form.
  EXPECT_EQ(CanonNumber("1e20"), "1e+20");
  EXPECT_EQ(CanonNumber("-1e19"), "-1e+19");
}

TEST(CanonicalTest, ZeroSpellingsPrintZero) {
  for (const char* zero : {"0e-3", "-0e-22", "0.0000000", "-0.00000", "0e99999999999999999999", "-0.0e+5"}) {
    EXPECT_EQ(CanonNumber(zero), "0") << zero;
  }
}

TEST(CanonicalTest, DecimalsPrintInToCharsNotation) {
  // The shorter of fixed and scientific notation, fixed on a tie.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0.001", "0.001"},
      {"0.0001", "1e-04"},
      {"-0.0001", "-1e-04"},
      {"25e-1", "2.5"},
      {"-1.5E-7", "-1.5e-07"},
      {"0.1e-5", "1e-06"},
      {"123456789.25", "123456789.25"},
      {"0.123456789012345", "0.123456789012345"},
      {"0.1234567890123456", "0.1234567890123456"},
      {"9.999999999999999e-5", "9.999999999999999e-05"},
      {"12345678901234567890e-5", "123456789012345.67"},
      {"3.14159265358979323846264338327950288", "3.141592653589793"},
      {"100000000000000000000000e-4", "10000000000000000000"},
      {"1e22", "1e+22"},
      {"1.7976931348623157e308", "1.7976931348623157e+308"},
  };
  for (const auto& [number, want] : cases) EXPECT_EQ(CanonNumber(number), want) << number;
}

TEST(CanonicalTest, RandomShortDecimalsPrintLikeToChars) {
  // Decimals of up to 15 digits, the common case, in fixed and exponent spellings.
  std::mt19937_64 rng(9);
  for (int i = 0; i < 20000; ++i) {
    std::string digits = std::to_string(1 + rng() % 999'999'999'999'999ULL);
    const int exponent = -static_cast<int>(rng() % 30);
    const std::string spelled = (rng() % 2 ? "-" : "") + digits + "e" + std::to_string(exponent);
    const double value = std::strtod(spelled.c_str(), nullptr);
    char want[64];
    if (std::trunc(value) == value) continue;  // integral values print as integers; covered above
    *std::to_chars(want, want + sizeof(want), value).ptr = '\0';
    EXPECT_EQ(CanonNumber(spelled), want) << spelled;
  }
}

TEST(CanonicalTest, NumbersTooSmallForADoubleAreZero) {
  for (const char* tiny : {"1e-400", "-1e-400", "2e-324", "1e-99999999999999999999"}) {
    EXPECT_EQ(CanonNumber(tiny), "0") << tiny;
  }
  EXPECT_EQ(CanonNumber("3e-324"), "5e-324");  // rounds to the smallest subnormal
  EXPECT_EQ(CanonNumber("5e-324"), "5e-324");
}

TEST(CanonicalTest, NumbersTooLargeForADoubleAreRejected) {
  for (const char* huge : {"1e309", "-1e309", "1.8e308", "1e99999999999999999999"}) {
    EXPECT_THAT(CanonStatus(std::string("{\"x\":") + huge + "}").message(), HasSubstr("too large for a double at byte 5"))
        << huge;
  }
}

TEST(CanonicalTest, DifferentNumbersDiffer) {
  ExpectDifferent(R"({"temperature":0.7})", R"({"temperature":0.70000001})");
  ExpectDifferent(R"({"seed":9007199254740993})", R"({"seed":9007199254740992})");
  ExpectDifferent(R"({"a":0.1})", R"({"a":0.10000000000000002})");
}

TEST(CanonicalTest, RandomDoublesPrintShortestRoundTrip) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> mantissa(-1, 1);
  for (int i = 0; i < 2000; ++i) {
    const double value = std::ldexp(mantissa(rng), static_cast<int>(rng() % 200) - 100);
    char shortest[64], long_form[64];
    *std::to_chars(shortest, shortest + 64, value).ptr = '\0';
    std::snprintf(long_form, sizeof(long_form), "%.17e", value);
    if (std::trunc(value) == value) continue;  // integral values print as integers; covered above
    EXPECT_EQ(CanonNumber(long_form), shortest) << long_form;
    EXPECT_EQ(CanonNumber(shortest), shortest);
  }
}

// ---- Rule 4: dropped fields -----------------------------------------------------------

TEST(CanonicalTest, BookkeepingFieldsAreDroppedAtTopLevel) {
  const std::string base = R"({"model":"m","messages":[{"role":"user","content":"hi"}])";
  for (const char* field :
       {R"("user":"u-123")", R"("stream":true)", R"("stream_options":{"include_usage":true})",
        R"("metadata":{"trace":"abc"})", R"("store":true)", R"("service_tier":"flex")",
        R"("safety_identifier":"hash-of-u")", R"("prompt_cache_key":"k")", R"("prompt_cache_retention":"24h")"}) {
    ExpectSame(base + "}", base + "," + field + "}");
    ExpectSame(base + "}", "{" + std::string(field) + "," + base.substr(1) + "}");
  }
  ExpectSame(base + R"(,"user":"a","stream":false})", base + R"(,"user":"b","stream":true})");
}

TEST(CanonicalTest, DroppedFieldNamesNestedDeeperAreKept) {
  ExpectDifferent(R"({"messages":[{"role":"user","content":"hi","user":"x"}]})",
                  R"({"messages":[{"role":"user","content":"hi"}]})");
  ExpectDifferent(R"({"response_format":{"type":"json_schema","json_schema":{"metadata":{"a":1}}}})",
                  R"({"response_format":{"type":"json_schema","json_schema":{}}})");
  EXPECT_EQ(CanonBody(R"({"x":{"stream":true,"store":1}})", kPlain), R"({"x":{"store":1,"stream":true}})");
}

TEST(CanonicalTest, DroppedOnEveryEndpoint) {
  EXPECT_EQ(CanonBody(R"({"input":"a","user":"u","metadata":{}})", kPlain), R"({"input":"a"})");
  ExpectSame(R"({"input":"a","user":"u"})", R"({"input":"a"})", "/v1/embeddings");
}

// ---- Rule 5: defaults -----------------------------------------------------------------

TEST(CanonicalTest, ChatDefaultsAreFilledIn) {
  EXPECT_EQ(CanonBody(R"({"model":"m"})", "/v1/chat/completions"),
            R"({"frequency_penalty":0,"logprobs":false,"model":"m","n":1,"presence_penalty":0,"temperature":1,)"
            R"("top_p":1})");
  ExpectSame(R"({"model":"m"})",
             R"({"model":"m","temperature":1.0,"top_p":1,"n":1,"presence_penalty":0.0,"frequency_penalty":-0,)"
             R"("logprobs":false})");
  ExpectSame(R"({"model":"m"})", R"({"model":"m","temperature":null,"top_p":null,"n":null,)"
                                 R"("presence_penalty":null,"frequency_penalty":null,"logprobs":null})");
  ExpectSame(R"({"model":"m","temperature":0.5,"temperature":null})", R"({"model":"m"})");
}

TEST(CanonicalTest, NonDefaultValuesDiffer) {
  const std::string base = R"({"model":"m")";
  for (const char* field : {R"("temperature":0.7)", R"("top_p":0.9)", R"("n":2)", R"("presence_penalty":0.5)",
                            R"("frequency_penalty":-0.5)", R"("logprobs":true)", R"("temperature":"1")"}) {
    ExpectDifferent(base + "}", base + "," + field + "}");
  }
}

TEST(CanonicalTest, CompletionsDefaults) {
  EXPECT_EQ(CanonBody(R"({"model":"m","prompt":"p"})", "/v1/completions"),
            R"({"frequency_penalty":0,"model":"m","n":1,"presence_penalty":0,"prompt":"p","temperature":1,"top_p":1})");
  // logprobs is an integer there with no documented default: left alone.
  ExpectDifferent(R"({"prompt":"p"})", R"({"prompt":"p","logprobs":null})", "/v1/completions");
}

TEST(CanonicalTest, EmbeddingsAndImageDefaults) {
  EXPECT_EQ(CanonBody(R"({"model":"m","input":"x"})", "/v1/embeddings"),
            R"({"encoding_format":"float","input":"x","model":"m"})");
  ExpectSame(R"({"input":"x"})", R"({"input":"x","encoding_format":"float"})", "/v1/embeddings");
  ExpectSame(R"({"input":"x"})", R"({"input":"x","encoding_format":null})", "/v1/embeddings");
  ExpectDifferent(R"({"input":"x"})", R"({"input":"x","encoding_format":"base64"})", "/v1/embeddings");
  EXPECT_EQ(CanonBody(R"({"prompt":"cat"})", "/v1/images/generations"), R"({"n":1,"prompt":"cat"})");
  ExpectSame(R"({"prompt":"cat"})", R"({"prompt":"cat","n":1})", "/v1/images/generations");
}

TEST(CanonicalTest, DefaultsFollowTheEndpointSuffix) {
  const std::string chat = R"({"frequency_penalty":0,"logprobs":false,"n":1,"presence_penalty":0,"temperature":1,)"
                           R"("top_p":1})";
  for (const char* path : {"/chat/completions", "/v1/chat/completions", "chat/completions", "/v1/chat/completions/",
                           "/openai/deployments/d/chat/completions?api-version=2024-06-01"}) {
    EXPECT_EQ(CanonBody("{}", path), chat) << path;
  }
  // Not these endpoints: nothing is added.
  for (const char* path : {"/v1/moderations", "/v1/responses", "/v1/chat/completionsx", "/v1/xembeddings", ""}) {
    EXPECT_EQ(CanonBody("{}", path), "{}") << path;
  }
  EXPECT_EQ(CanonBody(R"({"temperature":1})", "/v1/responses"), R"({"temperature":1})");
}

TEST(CanonicalTest, DroppedFieldsAnywhereAmongMembers) {
  const std::string chat_defaults =
      R"("frequency_penalty":0,"logprobs":false,"n":1,"presence_penalty":0,"temperature":1,"top_p":1)";
  EXPECT_EQ(CanonBody(R"({"user":"u","a":1})"), R"({"a":1,)" + chat_defaults + "}");
  EXPECT_EQ(CanonBody(R"({"a":1,"user":"u"})"), R"({"a":1,)" + chat_defaults + "}");
  EXPECT_EQ(CanonBody(R"({"user":"u"})", "/v1/embeddings"), R"({"encoding_format":"float"})");
  EXPECT_EQ(CanonBody(R"({"user":"u","stream":true})", kPlain), "{}");
}

TEST(CanonicalTest, TheWinningOccurrenceDecidesADefault) {
  constexpr std::string_view kImages = "/v1/images/generations";
  EXPECT_EQ(CanonBody(R"({"n":null,"model":"m","n":null})", kImages), R"({"model":"m","n":1})");
  EXPECT_EQ(CanonBody(R"({"n":2,"n":null})", kImages), R"({"n":1})");
  EXPECT_EQ(CanonBody(R"({"n":null,"n":2})", kImages), R"({"n":2})");
  EXPECT_EQ(CanonBody(R"({"z":0,"n":3,"a":0})", kImages), R"({"a":0,"n":3,"z":0})");
}

TEST(CanonicalTest, DefaultsOnlyAtTopLevel) {
  EXPECT_EQ(CanonBody(R"({"n":1,"x":{"temperature":null}})", "/v1/images/generations"),
            R"({"n":1,"x":{"temperature":null}})");
}

// ---- Rule 6: white space in message text ----------------------------------------------

TEST(CanonicalTest, WhiteSpaceNormalizationOffKeepsText) {
  ExpectDifferent(R"({"messages":[{"role":"user","content":"a  b"}]})",
                  R"({"messages":[{"role":"user","content":"a b"}]})");
  ExpectDifferent(R"({"messages":[{"role":"user","content":" a"}]})",
                  R"({"messages":[{"role":"user","content":"a"}]})");
}

TEST(CanonicalTest, ChatMessageTextIsNormalized) {
  ExpectSame(R"({"messages":[{"role":"user","content":"  Hello,\n\n\t world!\r\n "}]})",
             R"({"messages":[{"role":"user","content":"Hello, world!"}]})", kChat, true);
  ExpectSame(R"({"messages":[{"role":"user","content":"a\u000b\u000cb"}]})",
             R"({"messages":[{"role":"user","content":"a b"}]})", kChat, true);
  ExpectSame(R"({"messages":[{"role":"user","content":[{"type":"text","text":" x \n y "}]}]})",
             R"({"messages":[{"role":"user","content":[{"text":"x y","type":"text"}]}]})", kChat, true);
  EXPECT_EQ(CanonBody(R"({"messages":[{"content":" \t\n ","role":"user"}],"n":1})", "/v1/chat/completions", true),
            R"({"frequency_penalty":0,"logprobs":false,"messages":[{"content":"","role":"user"}],"n":1,)"
            R"("presence_penalty":0,"temperature":1,"top_p":1})");
  // Other characters stay, escapes and non-ASCII white space (U+00A0) included.
  EXPECT_EQ(CanonBody(R"({"messages":[{"content":" a\u0001 \" b\u00a0c ","role":"user"}]})", "", true),
            R"({"messages":[{"content":" a\u0001 \" b)"
            "\xc2\xa0"
            R"(c ","role":"user"}]})");  // path "": not chat, untouched
  EXPECT_THAT(CanonBody(R"({"messages":[{"content":" a\u0001 \" b\u00a0c ","role":"user"}]})", kChat, true),
              HasSubstr(R"("messages":[{"content":"a\u0001 \" b)"
                        "\xc2\xa0"
                        R"(c","role":"user"}])"));
}

TEST(CanonicalTest, NormalizationTouchesOnlyMessageText) {
  // Not: other string fields, non-text parts, keys, tool descriptions, the model.
  ExpectDifferent(R"({"model":"a  b"})", R"({"model":"a b"})", kChat, true);
  ExpectDifferent(R"({"messages":[{"role":"user","name":"a  b","content":"x"}]})",
                  R"({"messages":[{"role":"user","name":"a b","content":"x"}]})", kChat, true);
  ExpectDifferent(R"({"messages":[{"role":"user","content":[{"type":"image_url","text":"a  b"}]}]})",
                  R"({"messages":[{"role":"user","content":[{"type":"image_url","text":"a b"}]}]})", kChat, true);
  ExpectDifferent(R"({"messages":[{"role":"user","content":[{"type":"input_text","text":"a  b"}]}]})",
                  R"({"messages":[{"role":"user","content":[{"type":"input_text","text":"a b"}]}]})", kChat, true);
  ExpectDifferent(R"({"tools":[{"type":"function","function":{"description":"a  b"}}]})",
                  R"({"tools":[{"type":"function","function":{"description":"a b"}}]})", kChat, true);
  ExpectDifferent(R"({"messages":[{"role":"user","content":"x","extra":{"content":"a  b"}}]})",
                  R"({"messages":[{"role":"user","content":"x","extra":{"content":"a b"}}]})", kChat, true);
  ExpectDifferent(R"({"content":"a  b"})", R"({"content":"a b"})", kChat, true);
  // Chat rules do not apply to other endpoints.
  ExpectDifferent(R"({"messages":[{"role":"user","content":"a  b"}]})",
                  R"({"messages":[{"role":"user","content":"a b"}]})", kPlain, true);
}

TEST(CanonicalTest, CompletionsPromptIsNormalized) {
  const std::string_view path = "/v1/completions";
  ExpectSame(R"({"prompt":" a \n b "})", R"({"prompt":"a b"})", path, true);
  ExpectSame(R"({"prompt":[" a  b","c\t"]})", R"({"prompt":["a b","c"]})", path, true);
  ExpectDifferent(R"({"prompt":"a  b"})", R"({"prompt":"a b"})", path, false);
  ExpectDifferent(R"({"suffix":"a  b"})", R"({"suffix":"a b"})", path, true);
  ExpectDifferent(R"({"prompt":[["a  b"]]})", R"({"prompt":[["a b"]]})", path, true);
}

TEST(CanonicalTest, ResponsesTextIsNormalized) {
  const std::string_view path = "/v1/responses";
  ExpectSame(R"({"input":" hi  there ","instructions":" be\n brief "})",
             R"({"input":"hi there","instructions":"be brief"})", path, true);
  ExpectSame(R"({"input":[{"role":"user","content":"  a\n b"}]})", R"({"input":[{"role":"user","content":"a b"}]})",
             path, true);
  ExpectSame(R"({"input":[{"role":"user","content":[{"type":"input_text","text":"a\n\nb "}]}]})",
             R"({"input":[{"role":"user","content":[{"type":"input_text","text":"a b"}]}]})", path, true);
  ExpectSame(R"({"input":[{"role":"assistant","content":[{"type":"output_text","text":" a b"}]}]})",
             R"({"input":[{"role":"assistant","content":[{"type":"output_text","text":"a b"}]}]})", path, true);
  ExpectDifferent(R"({"input":[{"type":"function_call_output","output":"a  b"}]})",
                  R"({"input":[{"type":"function_call_output","output":"a b"}]})", path, true);
  ExpectDifferent(R"({"input":" a"})", R"({"input":"a"})", path, false);
}

// ---- Rule 8: property order in JSON schemas -------------------------------------------

// A chat request with one function tool whose parameters hold `properties`.
std::string ChatTool(std::string_view properties, std::string_view tool_order = "ab") {
  const std::string function = std::string(R"({"name":"f","description":"d","parameters":{"type":"object","properties":)") +
                               std::string(properties) + R"(,"required":["x"]}})";
  const std::string type = R"("type":"function")";
  const std::string body = R"("function":)" + function;
  return R"({"model":"m","tools":[{)" + (tool_order == "ab" ? type + "," + body : body + "," + type) + "}]}";
}

TEST(CanonicalTest, SchemaPropertyOrderIsKept) {
  ExpectDifferent(ChatTool(R"({"x":{"type":"string"},"y":{"type":"integer"}})"),
                  ChatTool(R"({"y":{"type":"integer"},"x":{"type":"string"}})"));
  EXPECT_EQ(CanonBody(ChatTool(R"({"y":{"type":"integer"},"x":{"type":"string"}})"), kPlain),
            R"({"model":"m","tools":[{"function":{"description":"d","name":"f","parameters":)"
            R"({"properties":{"y":{"type":"integer"},"x":{"type":"string"}},"required":["x"],"type":"object"}},)"
            R"("type":"function"}]})");
}

TEST(CanonicalTest, OtherKeysInAndAroundSchemasAreStillSorted) {
  // The members of each property's schema, of the schema itself, of the function and of the
  // tool may come in any order.
  ExpectSame(ChatTool(R"({"x":{"type":"string","description":"an x"},"y":{"type":"integer"}})", "ab"),
             ChatTool(R"({"x":{"description":"an x","type":"string"},"y":{"type":"integer"}})", "ba"));
  ExpectSame(R"({"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}]})",
             R"({"tools":[{"function":{"parameters":{"properties":{},"type":"object"},"name":"f"},"type":"function"}]})");
}

TEST(CanonicalTest, EverySchemaLocationKeepsPropertyOrder) {
  constexpr std::string_view kXy = R"({"x":{"type":"string"},"y":{"type":"string"}})";
  constexpr std::string_view kYx = R"({"y":{"type":"string"},"x":{"type":"string"}})";
  const auto chat_format = [](std::string_view p) {
    return R"({"response_format":{"type":"json_schema","json_schema":{"name":"n","strict":true,"schema":)"
           R"({"type":"object","properties":)" + std::string(p) + "}}}}";
  };
  const auto legacy_function = [](std::string_view p) {
    return R"({"functions":[{"name":"f","parameters":{"type":"object","properties":)" + std::string(p) + "}}]}";
  };
  const auto responses_format = [](std::string_view p) {
    return R"({"text":{"format":{"type":"json_schema","name":"n","schema":{"type":"object","properties":)" +
           std::string(p) + "}}}}";
  };
  const auto responses_tool = [](std::string_view p) {
    return R"({"tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":)" + std::string(p) +
           "}}]}";
  };
  for (const auto& wrap : {+chat_format, +legacy_function, +responses_format, +responses_tool}) {
    ExpectDifferent(wrap(kXy), wrap(kYx), kChat);
    ExpectDifferent(wrap(kXy), wrap(kYx), "/v1/responses");
    ExpectSame(wrap(R"({"x":{"type":"string","minLength":1}})"), wrap(R"({"x":{"minLength":1,"type":"string"}})"));
  }
}

TEST(CanonicalTest, NestedSchemaPropertiesKeepTheirOrderToo) {
  // An object property, array items, anyOf branches and $defs all hold schemas.
  for (const char* nest : {R"({"o":{"type":"object","properties":%s}})",
                           R"({"l":{"type":"array","items":{"type":"object","properties":%s}}})",
                           R"({"u":{"anyOf":[{"type":"null"},{"type":"object","properties":%s}]}})"}) {
    char a[256], b[256];
    std::snprintf(a, sizeof(a), nest, R"({"p":{},"q":{}})");
    std::snprintf(b, sizeof(b), nest, R"({"q":{},"p":{}})");
    ExpectDifferent(ChatTool(a), ChatTool(b));
  }
  ExpectDifferent(
      R"({"tools":[{"function":{"parameters":{"$defs":{"d":{"properties":{"p":{},"q":{}}}},"properties":{}}}}]})",
      R"({"tools":[{"function":{"parameters":{"$defs":{"d":{"properties":{"q":{},"p":{}}}},"properties":{}}}}]})");
}

TEST(CanonicalTest, PropertiesOutsideSchemasAreSorted) {
  ExpectSame(R"({"properties":{"x":1,"y":2}})", R"({"properties":{"y":2,"x":1}})");
  ExpectSame(R"({"metadata_like":{"parameters":{"properties":{"x":1,"y":2}}}})",
             R"({"metadata_like":{"parameters":{"properties":{"y":2,"x":1}}}})");
  // Only the paths above lead into a schema: a tool's "function" without "parameters", or
  // "parameters" below some other member, is an ordinary object.
  ExpectSame(R"({"tools":[{"function":{"properties":{"x":1,"y":2}}}]})",
             R"({"tools":[{"function":{"properties":{"y":2,"x":1}}}]})");
  ExpectSame(R"({"messages":[{"parameters":{"properties":{"x":1,"y":2}}}]})",
             R"({"messages":[{"parameters":{"properties":{"y":2,"x":1}}}]})");
}

TEST(CanonicalTest, RepeatedPropertyKeepsFirstPlaceAndLastValue) {
  EXPECT_EQ(CanonBody(ChatTool(R"({"y":1,"x":2,"y":3})"), kPlain),
            R"({"model":"m","tools":[{"function":{"description":"d","name":"f","parameters":)"
            R"({"properties":{"y":3,"x":2},"required":["x"],"type":"object"}},"type":"function"}]})");
}

TEST(CanonicalTest, WidePropertyObjectsKeepOrderAndDeduplicateLikeADict) {
  // Past the quadratic scan's limit, with repeats: the result must equal what an insertion
  // ordered dict (Python's json module) makes of the same members.
  std::mt19937 rng(21);
  for (int round = 0; round < 20; ++round) {
    std::string properties = "{";
    std::vector<std::pair<std::string, int>> dict;  // insertion order, last value
    const int count = 20 + static_cast<int>(rng() % 200);
    for (int i = 0; i < count; ++i) {
      const std::string key = "p" + std::to_string(rng() % 150);
      if (i != 0) properties += ',';
      properties += '"' + key + "\":" + std::to_string(i);
      auto it = std::find_if(dict.begin(), dict.end(), [&](const auto& kv) { return kv.first == key; });
      if (it == dict.end()) {
        dict.emplace_back(key, i);
      } else {
        it->second = i;
      }
    }
    properties += '}';
    std::string want = "{";
    for (const auto& [key, value] : dict) {
      if (want.size() > 1) want += ',';
      want += '"' + key + "\":" + std::to_string(value);
    }
    want += '}';
    const std::string body = CanonBody(ChatTool(properties), kPlain);
    EXPECT_NE(body.find("\"properties\":" + want + ","), std::string::npos) << body;
  }
}

TEST(CanonicalTest, SchemaCanonicalFormIsAFixedPoint) {
  const std::string body = CanonBody(ChatTool(R"({"y":{"type":"object","properties":{"b":{},"a":{}}},"x":{}})"));
  EXPECT_EQ(CanonBody(body), body);
}

// ---- Malformed input ------------------------------------------------------------------

TEST(CanonicalTest, MalformedJsonIsInvalidArgument) {
  const std::vector<std::string> bad = {
      "",
      "   ",
      "{",
      R"({"a":1)",
      R"({"a":"unterminated)",
      R"({"a":1} x)",
      R"({"a":1}})",
      R"({"a":})",
      R"({"a" 1})",
      R"({a:1})",
      R"({"a":1,})",
      R"({"a":[1,]})",
      R"({"a":01})",
      R"({"a":1.})",
      R"({"a":-})",
      R"({"a":tru})",
      R"({"a":nul})",
      R"({"a":"\x"})",
      R"({"a":"\u12"})",
      R"({"a":"\ud800"})",
      R"({"a":"\udc00"})",
      "{\"a\":\"\x01\"}",
      "{\"a\":\"\xff\"}",
      "{\"a\":\"\xc0\x80\"}",
      "{\"a\":\"\xed\xa0\x80\"}",
      "{\"a\":\"\xe2\x82\"}",
      R"({"a":1e400})",
      R"({"a":100000000000000000000})",
      R"({"a":-9223372036854775809})",
      std::string("{\"a\":1}\0", 8),
  };
  for (const std::string& body : bad) {
    const Status status = CanonStatus(body);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << body;
    EXPECT_THAT(status.message(), HasSubstr("request body")) << body;
  }
}

TEST(CanonicalTest, ErrorsSayWhereParsingFailed) {
  EXPECT_THAT(CanonStatus(R"({"a":1 x})").message(), HasSubstr("expected ',' or '}' at byte 7"));
  EXPECT_THAT(CanonStatus(R"({"a":1)").message(), HasSubstr("end of input in an object at byte 6"));
  EXPECT_THAT(CanonStatus(R"({"a":1} [])").message(), HasSubstr("after the JSON value at byte 8"));
  EXPECT_THAT(CanonStatus("{\"a\":\"\xff\"}").message(), HasSubstr("invalid UTF-8 at byte 6"));
  EXPECT_THAT(CanonStatus(R"({"a":[1,]})").message(), HasSubstr("expected a value at byte 8"));
  EXPECT_THAT(CanonStatus(R"({"ab":1e999})").message(), HasSubstr("too large for a double at byte 6"));
  EXPECT_THAT(CanonStatus(R"({"a":"\ud800x"})").message(), HasSubstr("surrogate at byte 6"));
  EXPECT_THAT(CanonStatus("").message(), HasSubstr("empty"));
}

TEST(CanonicalTest, TheFirstErrorInTheTextIsReported) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"a\":\"\xff\\x\"}", "invalid UTF-8 at byte 6"},
      {"{\"a\":\"\\x\xff\"}", "invalid escape sequence at byte 6"},
      {"{\"a\":\"\xc3\xa9\xff\"}", "invalid UTF-8 at byte 8"},
      {"{\"a\":\"\xc3\"}", "invalid UTF-8 at byte 6"},
      {"{\"a\":\"\\", "unterminated string at byte 6"},
      {R"({"a":"abc)", "unterminated string at byte 9"},
      {std::string("{\"a\":\"\0\"}", 9), "control character in a string must be escaped at byte 6"},
      {std::string("{}\0", 3), "unexpected text after the JSON value at byte 2"},
      {"\xef\xbb\xbf{}", "unexpected character, expected a value at byte 0"},  // no BOM
      {"{\f}", "expected a string key at byte 1"},                                // \f is not white space
      {"{\"a\":\v1}", "unexpected character, expected a value at byte 5"},
      {R"({"a":tr)", "invalid literal (expected true, false or null) at byte 5"},
      {R"({"a":[1,2)", "unexpected end of input in an array at byte 9"},
      {R"({"a":)", "unexpected end of input, expected a value at byte 5"},
      {R"({"a")", "expected ':' after an object key at byte 4"},
      {"  ", "no JSON value (empty or only white space) at byte 2"},
  };
  for (const auto& [body, want] : cases) EXPECT_THAT(CanonStatus(body).message(), HasSubstr(want)) << body;
}

TEST(CanonicalTest, ATruncatedBodyFailsAfterALongerOne) {
  // Bodies are read from a reused buffer: what an earlier call left past the end must not count.
  EXPECT_EQ(CanonBody(R"({"a":true,"b":"xyz"})", kPlain), R"({"a":true,"b":"xyz"})");
  EXPECT_THAT(CanonStatus(R"({"a":tru)").message(), HasSubstr("invalid literal"));
  EXPECT_THAT(CanonStatus(R"({"a":true,"b":"x)").message(), HasSubstr("unterminated string"));
  EXPECT_THAT(CanonStatus(R"({"a":1)").message(), HasSubstr("end of input in an object at byte 6"));
}

TEST(CanonicalTest, NonObjectBodiesAreInvalidArgument) {
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"[1,2]", "an array"}, {R"("text")", "a string"}, {"12", "a number"},  {"-1.5", "a number"},
      {"true", "a boolean"}, {"null", "null"},          {" [] ", "an array"}};
  for (const auto& [body, kind] : bodies) {
    const Status status = CanonStatus(body);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << body;
    EXPECT_THAT(status.message(), HasSubstr("must be a JSON object, not " + kind)) << body;
  }
}

TEST(CanonicalTest, DeepNestingIsAnErrorNotACrash) {
  const std::string open(10000, '[');
  EXPECT_EQ(CanonStatus("{\"a\":" + open).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CanonStatus("{\"a\":" + open + std::string(10000, ']') + "}").code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(CanonStatus("{\"a\":" + open + std::string(10000, ']') + "}").message(), HasSubstr("deeper than 1024"));
  EXPECT_EQ(CanonStatus(std::string(10000, '{')).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(IsValidJson(open));
}

TEST(CanonicalTest, NestingUpToTheLimitWorks) {
  // The body object is level 1, so 1023 arrays inside it reach the limit of 1024.
  const std::string deepest = "{\"a\":" + std::string(1023, '[') + std::string(1023, ']') + "}";
  EXPECT_EQ(CanonBody(deepest, kPlain), deepest);
  const std::string too_deep = "{\"a\":" + std::string(1024, '[') + std::string(1024, ']') + "}";
  EXPECT_EQ(CanonStatus(too_deep).code(), StatusCode::kInvalidArgument);
}

TEST(CanonicalTest, NothingMayNestInsideLevel1024) {
  // As simdjson counts: a value inside an object or array at level 1024 is one level too deep.
  const auto arrays = [](int count, std::string_view inner) {
    return "{\"a\":" + std::string(count, '[') + std::string(inner) + std::string(count, ']') + "}";
  };
  EXPECT_THAT(CanonStatus(arrays(1023, "1")).message(), HasSubstr("nesting deeper than 1024 levels at byte 1028"));
  EXPECT_THAT(CanonStatus(arrays(1022, R"({"b":1})")).message(), HasSubstr("nesting deeper than 1024 levels"));
  EXPECT_EQ(CanonBody(arrays(1022, "{}"), kPlain), arrays(1022, "{}"));
  const auto objects = [](int count) {
    std::string body;
    for (int i = 0; i < count; ++i) body += "{\"a\":";
    return body + "1" + std::string(count, '}');
  };
  EXPECT_EQ(CanonBody(objects(1023), kPlain), objects(1023));
  EXPECT_THAT(CanonStatus(objects(1024)).message(), HasSubstr("nesting deeper than 1024 levels"));
}

// ---- Robustness -----------------------------------------------------------------------

// A random JSON value, written in a random but equivalent spelling each time.
class RandomJson {
 public:
  explicit RandomJson(uint32_t seed) : rng_(seed) {}

  // Returns the same abstract object spelled twice in different ways.
  std::pair<std::string, std::string> TwoSpellings() {
    std::mt19937 shape_rng(rng_());
    const uint32_t shape = shape_rng();
    std::string a, b;
    std::mt19937 shape_a(shape), shape_b(shape);
    WriteObject(shape_a, 0, &a);
    WriteObject(shape_b, 0, &b);
    return {a, b};
  }

 private:
  // The shape rng fixes the structure; rng_ (not shared) varies the spelling.
  void WriteValue(std::mt19937& shape, int depth, std::string* out) {
    switch (shape() % (depth > 4 ? 4 : 6)) {
      case 0:
        WriteString(shape, out);
        break;
      case 1:
        WriteNumber(shape, out);
        break;
      case 2:
        *out += shape() % 2 ? "true" : "null";
        break;
      case 3:
        *out += "false";
        break;
      case 4:
        WriteObject(shape, depth + 1, out);
        break;
      default:
        WriteArray(shape, depth + 1, out);
        break;
    }
  }

  void WriteObject(std::mt19937& shape, int depth, std::string* out) {
    std::vector<std::string> members;
    const int count = static_cast<int>(shape() % 6);
    for (int i = 0; i < count; ++i) {
      std::string member;
      WriteKey(i, shape, &member);
      Space(&member);
      member += ':';
      Space(&member);
      WriteValue(shape, depth, &member);
      members.push_back(member);
    }
    std::shuffle(members.begin(), members.end(), rng_);  // key order is spelling
    *out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      if (i != 0) *out += ',';
      Space(out);
      *out += members[i];
      Space(out);
    }
    *out += '}';
  }

  void WriteArray(std::mt19937& shape, int depth, std::string* out) {
    const int count = static_cast<int>(shape() % 4);
    *out += '[';
    for (int i = 0; i < count; ++i) {
      if (i != 0) *out += ',';
      Space(out);
      WriteValue(shape, depth, out);
    }
    *out += ']';
  }

  void WriteKey(int index, std::mt19937& shape, std::string* out) {
    // Distinct keys (the index is part of each), so order cannot pick a duplicate winner.
    std::string key = "k" + std::to_string(index) + std::string(shape() % 12, static_cast<char>('a' + shape() % 3));
    if (shape() % 3 == 0) key += "é\n\"";
    *out += rng_() % 2 ? VerboseString(key) : CanonicalString(key);
  }

  void WriteString(std::mt19937& shape, std::string* out) {
    std::string text;
    const size_t length = shape() % 40;
    for (size_t i = 0; i < length; ++i) {
      const uint32_t pick = shape() % 20;
      text += pick == 0   ? std::string("\\")
              : pick == 1 ? std::string("\x02")
              : pick == 2 ? std::string("€")
                          : std::string(1, 'a' + pick);
    }
    *out += rng_() % 2 ? VerboseString(text) : CanonicalString(text);
  }

  void WriteNumber(std::mt19937& shape, std::string* out) {
    if (shape() % 2) {
      const int64_t value = static_cast<int64_t>(shape() % 2000001) - 1000000;
      switch (rng_() % 4) {
        case 0:
          *out += std::to_string(value);
          break;
        case 1:
          *out += std::to_string(value) + ".0";
          break;
        case 2:
          *out += std::to_string(value) + "e0";
          break;
        default:
          *out += value == 0 ? "0.000" : std::to_string(value) + "0e-1";
          break;
      }
    } else {
      const double value = static_cast<double>(static_cast<int32_t>(shape())) / 1024.0 + 0.25;
      char buffer[64];
      if (rng_() % 2) {
        std::snprintf(buffer, sizeof(buffer), "%.17e", value);
      } else {
        *std::to_chars(buffer, buffer + sizeof(buffer), value).ptr = '\0';
      }
      *out += buffer;
    }
  }

  void Space(std::string* out) {
    static constexpr const char* kSpaces[] = {"", "", " ", "\n", "\t ", "\r\n  "};
    *out += kSpaces[rng_() % 6];
  }

  std::mt19937 rng_;
};

TEST(CanonicalTest, RandomEquivalentSpellingsCanonicalizeAlike) {
  RandomJson json(11);
  for (int i = 0; i < 2000; ++i) {
    const auto [a, b] = json.TwoSpellings();
    ExpectSame(a, b, kPlain);
  }
}

TEST(CanonicalTest, CanonicalFormIsAFixedPoint) {
  RandomJson json(12);
  for (int i = 0; i < 500; ++i) {
    const std::string body = CanonBody(json.TwoSpellings().first, kChat, true);
    EXPECT_TRUE(IsValidJson(body));
    EXPECT_EQ(CanonBody(body, kChat, true), body);
  }
}

TEST(CanonicalTest, MutatedInputNeverCrashesAndAgreesWithTheValidator) {
  RandomJson json(13);
  std::mt19937 rng(14);
  const std::string alphabet = "{}[],:\"\\0123456789.eE+-truefalsnl \x01\xff\xc3\xa9";
  int rejected = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string body = json.TwoSpellings().first;
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0 && !body.empty(); --edits) {
      const size_t at = rng() % body.size();
      switch (rng() % 3) {
        case 0:
          body[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          body.erase(at, 1);
          break;
        default:
          body.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
      }
    }
    std::string out;
    const Status status = Canonicalize("ns", kChat, body, CanonicalOptions(), &out);
    const bool object = !body.empty() && IsValidJson(body) && body.find_first_not_of(" \t\r\n") != std::string::npos &&
                        body[body.find_first_not_of(" \t\r\n")] == '{';
    EXPECT_EQ(status.ok(), object) << body << "\n" << status.message();
    if (!status.ok()) {
      ++rejected;
      EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
      // The locator finds every syntax error simdjson finds.
      if (IsValidJson(body) || body.empty()) continue;
      EXPECT_THAT(status.message(), HasSubstr(" at byte ")) << body;
    }
  }
  EXPECT_GT(rejected, 1000);
}

TEST(CanonicalTest, LargeBodiesWork) {
  const std::string big(3 << 20, 'x');
  const std::string body = R"({"b":")" + big + R"(","a":1})";
  EXPECT_EQ(CanonBody(body, kPlain), R"({"a":1,"b":")" + big + R"("})");
  // The thread's buffers, freed after a large body, still work afterwards, for small and
  // large inputs alike.
  EXPECT_EQ(CanonBody(R"({"b":2,"a":1})", kPlain), R"({"a":1,"b":2})");
  EXPECT_TRUE(IsValidJson("[" + std::string(2 << 20, ' ') + "1]"));
}

TEST(CanonicalTest, GrowsTheOutputWhenNumbersLengthen) {
  // "1E5" becomes "100000": the output outgrows the input.
  std::string body = "{\"a\":[";
  std::string want = "{\"a\":[";
  for (int i = 0; i < 2000; ++i) {
    body += i ? ",1E5" : "1E5";
    want += i ? ",100000" : "100000";
  }
  EXPECT_EQ(CanonBody(body + "]}", kPlain), want + "]}");
}

TEST(CanonicalTest, ThreadsCanonicalizeIndependently) {
  RandomJson json(21);
  std::vector<std::string> bodies;
  for (int i = 0; i < 200; ++i) bodies.push_back(json.TwoSpellings().first);
  std::vector<std::string> expected;
  for (const auto& body : bodies) expected.push_back(Canon(body));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string out;
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < bodies.size(); ++i) {
          const size_t k = (i + t * 37) % bodies.size();
          if (!Canonicalize("ns", kChat, bodies[k], CanonicalOptions(), &out).ok() || out != expected[k]) {
            ++mismatches[t];
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

// ---- IsValidJson ----------------------------------------------------------------------

TEST(CanonicalTest, IsValidJsonAcceptsAnyValue) {
  for (const char* text : {"{}", "[]", "1", "-0.5e3", "\"x\"", "null", " true ", "\n{\"a\":[1,{\"b\":null}]}\n"}) {
    EXPECT_TRUE(IsValidJson(text)) << text;
  }
  for (const char* text : {"", "  ", "{", "[1,]", "\"\xff\"", "1 2", "{\"a\":1}}", "nul", "'x'"}) {
    EXPECT_FALSE(IsValidJson(text)) << text;
  }
}

// ---- HashCanonical --------------------------------------------------------------------

TEST(CanonicalTest, HashIsXxh3OfTheCanonicalForm) {
  for (const std::string& text : {std::string(), std::string("a"), Canon(R"({"model":"m"})"), std::string(5000, 'z')}) {
    const XXH128_hash_t want = XXH3_128bits(text.data(), text.size());
    const Hash128 got = HashCanonical(text);
    EXPECT_EQ(got.low, want.low64);
    EXPECT_EQ(got.high, want.high64);
    EXPECT_EQ(HashCanonical(text), got);  // stable
  }
}

TEST(CanonicalTest, HashesOfDifferentInputsDiffer) {
  const Hash128 a = HashCanonical(Canon(R"({"model":"a"})"));
  const Hash128 b = HashCanonical(Canon(R"({"model":"b"})"));
  const Hash128 c = HashCanonical(Canon(R"({"model":"a"})", kChat, false, "other"));
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a.low, b.low);
  EXPECT_NE(a.high, b.high);
  EXPECT_FALSE(a == Hash128{});
}

}  // namespace
}  // namespace llmgate::internal
