// A minimal JSON writer for --json output and request bodies: compact, commas placed by
// the writer, strings escaped per RFC 8259 (invalid UTF-8 becomes U+FFFD, so the output
// always parses).
#ifndef LLMGATE_TOOLS_CLI_JSON_WRITER_H_
#define LLMGATE_TOOLS_CLI_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmgate::cli {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Inside an object: the name of the next value.
  JsonWriter& Key(std::string_view name);

  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);  // non-finite values are written as null
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  // Shorthands for Key(name).Value(value).
  JsonWriter& Field(std::string_view name, std::string_view value) { return Key(name).String(value); }
  JsonWriter& Field(std::string_view name, const char* value) { return Key(name).String(value); }
  JsonWriter& Field(std::string_view name, int64_t value) { return Key(name).Int(value); }
  JsonWriter& Field(std::string_view name, int value) { return Key(name).Int(value); }
  JsonWriter& Field(std::string_view name, double value) { return Key(name).Double(value); }
  JsonWriter& Field(std::string_view name, bool value) { return Key(name).Bool(value); }

  const std::string& str() const { return out_; }

 private:
  void BeforeValue();

  std::string out_;
  // Per open container: whether a value was written yet (so the next one needs a comma).
  std::vector<bool> has_value_;
  bool after_key_ = false;
};

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace llmgate::cli

#endif  // LLMGATE_TOOLS_CLI_JSON_WRITER_H_
