// JsonWriter: structure, escaping, numbers and raw values. Every output is also parsed
// back with simdjson, since the promise is that the output always parses.
#include "util/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <clocale>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace llmgate::internal {
namespace {

// The string `json` (a JSON string literal) decodes to; fails the test if it does not parse.
std::string Decode(const std::string& json) {
  simdjson::dom::parser parser;
  std::string_view s;
  EXPECT_EQ(parser.parse(json).get_string().get(s), simdjson::SUCCESS) << json;
  return std::string(s);
}

bool Parses(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  return parser.parse(json).get(e) == simdjson::SUCCESS;
}

TEST(JsonWriterTest, EmptyContainers) {
  EXPECT_EQ(JsonWriter().BeginObject().EndObject().str(), "{}");
  EXPECT_EQ(JsonWriter().BeginArray().EndArray().str(), "[]");
}

TEST(JsonWriterTest, CommasBetweenValuesAndMembersOnly) {
  JsonWriter w;
  w.BeginObject();
  w.Field("a", 1).Field("b", "x");
  w.Key("list").BeginArray().Int(1).Int(2).BeginArray().EndArray().BeginObject().EndObject().Null().EndArray();
  w.Key("empty").BeginObject().EndObject();
  w.Key("nested").BeginObject().Key("deeper").BeginObject().Field("t", true).Field("f", false).EndObject().EndObject();
  w.Field("last", int64_t{-3});
  w.EndObject();
  EXPECT_EQ(w.str(),
            R"({"a":1,"b":"x","list":[1,2,[],{},null],"empty":{},"nested":{"deeper":{"t":true,"f":false}},"last":-3})");
  EXPECT_TRUE(Parses(w.str()));
}

TEST(JsonWriterTest, TopLevelScalar) {
  EXPECT_EQ(JsonWriter().String("s").str(), R"("s")");
  EXPECT_EQ(JsonWriter().Int(7).str(), "7");
}

TEST(JsonWriterTest, TakeLeavesOpenContainersOpen) {
  JsonWriter w;
  w.BeginObject().Field("id", "x");
  EXPECT_EQ(w.Take(), R"({"id":"x")");
}

TEST(JsonWriterTest, QuotesAndBackslash) {
  EXPECT_EQ(JsonQuote(R"(say "hi" \ bye)"), R"("say \"hi\" \\ bye")");
  EXPECT_EQ(JsonQuote(""), R"("")");
  EXPECT_EQ(JsonQuote("/"), R"("/")");  // a solidus needs no escape
}

TEST(JsonWriterTest, ShortEscapes) {
  EXPECT_EQ(JsonQuote("\b\f\n\r\t"), R"("\b\f\n\r\t")");
}

TEST(JsonWriterTest, EveryControlCharacter) {
  for (int c = 0; c < 0x20; ++c) {
    const std::string text(1, static_cast<char>(c));
    const std::string quoted = JsonQuote(text);
    switch (c) {
      case '\b': EXPECT_EQ(quoted, R"("\b")"); break;
      case '\f': EXPECT_EQ(quoted, R"("\f")"); break;
      case '\n': EXPECT_EQ(quoted, R"("\n")"); break;
      case '\r': EXPECT_EQ(quoted, R"("\r")"); break;
      case '\t': EXPECT_EQ(quoted, R"("\t")"); break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        EXPECT_EQ(quoted, std::string("\"\\u00") + kHex[c >> 4] + kHex[c & 0xF] + "\"") << c;
      }
    }
    EXPECT_EQ(Decode(quoted), text) << c;
  }
  // DEL is legal in JSON but acted on by terminals: escaped too.
  EXPECT_EQ(JsonQuote("\x7F"), R"("\u007f")");
  EXPECT_EQ(Decode(JsonQuote("\x7F")), "\x7F");
}

TEST(JsonWriterTest, NulInsideText) {
  const std::string text("a\0b", 3);
  EXPECT_EQ(JsonQuote(text), R"("a\u0000b")");
  EXPECT_EQ(Decode(JsonQuote(text)), text);
}

TEST(JsonWriterTest, ValidUtf8PassesThrough) {
  const std::string text = "caf\xC3\xA9 \xE2\x98\x95 \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF";  // é ☕ 😀 U+10FFFF
  EXPECT_EQ(JsonQuote(text), "\"" + text + "\"");
  EXPECT_EQ(Decode(JsonQuote(text)), text);
}

TEST(JsonWriterTest, InvalidUtf8BecomesReplacementCharacter) {
  const std::string kFffd = "\xEF\xBF\xBD";
  struct Case {
    const char* what;
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"lone continuation byte", "a\x80z", "a" + kFffd + "z"},
      {"bytes never in UTF-8", "\xC0\xC1\xF5\xFF", kFffd + kFffd + kFffd + kFffd},
      {"overlong two-byte form of '/'", "\xC0\xAF", kFffd + kFffd},
      {"overlong three-byte form", "\xE0\x80\xAF", kFffd + kFffd + kFffd},
      {"overlong four-byte form", "\xF0\x80\x80\xAF", kFffd + kFffd + kFffd + kFffd},
      {"UTF-16 surrogate", "\xED\xA0\x80", kFffd + kFffd + kFffd},
      {"past U+10FFFF", "\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd},
      {"truncated at the end", "ok\xE2\x98", "ok" + kFffd + kFffd},
      {"truncated before ASCII", "\xE2\x98x", kFffd + kFffd + "x"},
      {"lead byte then a quote", "\xC3\"", kFffd + "\\\""},
  };
  for (const Case& c : cases) {
    const std::string quoted = JsonQuote(c.in);
    EXPECT_EQ(quoted, "\"" + c.out + "\"") << c.what;
    EXPECT_TRUE(Parses(quoted)) << c.what;
  }
}

TEST(JsonWriterTest, KeysAreEscapedLikeValues) {
  JsonWriter w;
  w.BeginObject().Field("a\"b\n\xFF", "v").EndObject();
  EXPECT_EQ(w.str(), "{\"a\\\"b\\n\xEF\xBF\xBD\":\"v\"}");
  EXPECT_TRUE(Parses(w.str()));
}

TEST(JsonWriterTest, Integers) {
  JsonWriter w;
  w.BeginArray().Int(0).Int(-1).Int(std::numeric_limits<int64_t>::max()).Int(std::numeric_limits<int64_t>::min());
  w.EndArray();
  EXPECT_EQ(w.str(), "[0,-1,9223372036854775807,-9223372036854775808]");
}

TEST(JsonWriterTest, DoublesInShortestExactForm) {
  JsonWriter w;
  w.BeginArray().Double(0.5).Double(1.0).Double(-2.25).Double(0.1).Double(2.0 / 3).Double(1e300).Double(1e-7);
  w.EndArray();
  EXPECT_EQ(w.str(), "[0.5,1,-2.25,0.1,0.6666666666666666,1e+300,1e-07]");
  EXPECT_TRUE(Parses(w.str()));
}

TEST(JsonWriterTest, NonFiniteDoublesAreNull) {
  JsonWriter w;
  w.BeginObject();
  w.Field("nan", std::nan(""));
  w.Field("inf", std::numeric_limits<double>::infinity());
  w.Field("-inf", -std::numeric_limits<double>::infinity());
  w.Field("x", 1.5);
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"nan":null,"inf":null,"-inf":null,"x":1.5})");
}

TEST(JsonWriterTest, NumbersIgnoreTheCLocale) {
  // A host program may switch LC_NUMERIC to a locale whose decimal point is a comma.
  const char* set = nullptr;
  for (const char* name : {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"}) {
    if ((set = std::setlocale(LC_NUMERIC, name)) != nullptr) break;
  }
  JsonWriter w;
  w.BeginArray().Double(0.5).Int(1234567).EndArray();
  std::setlocale(LC_NUMERIC, "C");
  EXPECT_EQ(w.str(), "[0.5,1234567]");
  if (set == nullptr) GTEST_SKIP() << "no comma-decimal locale installed; checked under C only";
}

TEST(JsonWriterTest, RawValuesAreWrittenAsGiven) {
  JsonWriter w;
  w.BeginObject();
  w.Key("usage").Raw(R"({"total_tokens":5})");
  w.Key("list").BeginArray().Raw("1").Raw(R"("two")").Raw("[3]").EndArray();
  w.Key("n").Raw("null");
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"usage":{"total_tokens":5},"list":[1,"two",[3]],"n":null})");
}

TEST(JsonWriterTest, FieldShorthands) {
  JsonWriter w;
  w.BeginObject();
  w.Field("sv", std::string_view("a")).Field("cstr", "b").Field("i64", int64_t{1}).Field("int", 2);
  w.Field("dbl", 0.25).Field("bool", true);
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"sv":"a","cstr":"b","i64":1,"int":2,"dbl":0.25,"bool":true})");
}

TEST(JsonWriterTest, LongPlainRunsAroundEscapes) {
  const std::string plain(1000, 'x');
  EXPECT_EQ(JsonQuote(plain + "\n" + plain), "\"" + plain + "\\n" + plain + "\"");
}

}  // namespace
}  // namespace llmgate::internal
