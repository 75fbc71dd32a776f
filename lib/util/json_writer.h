// Compact JSON output for what the library, the C API and the command-line tool write:
// commas are placed by the writer, strings are escaped per RFC 8259 and invalid UTF-8
// becomes U+FFFD, so the output always parses, whatever bytes a server or a user sent.
// Numbers are written with std::to_chars, which ignores the C locale a host program may
// have set (printf would write 0.5 as "0,5" under some locales).
#ifndef LLMGATE_LIB_UTIL_JSON_WRITER_H_
#define LLMGATE_LIB_UTIL_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmgate::internal {

class JsonWriter {
 public:
  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  // Inside an object: the name of the next value.
  JsonWriter& Key(std::string_view name);

  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);  // shortest form that reads back exactly; null if not finite
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // An already encoded JSON value, written as it is (the caller vouches that it is JSON).
  JsonWriter& Raw(std::string_view json);

  // Shorthands for Key(name).Value(value).
  JsonWriter& Field(std::string_view name, std::string_view value) { return Key(name).String(value); }
  JsonWriter& Field(std::string_view name, const char* value) { return Key(name).String(value); }
  JsonWriter& Field(std::string_view name, int64_t value) { return Key(name).Int(value); }
  JsonWriter& Field(std::string_view name, int value) { return Key(name).Int(value); }
  JsonWriter& Field(std::string_view name, double value) { return Key(name).Double(value); }
  JsonWriter& Field(std::string_view name, bool value) { return Key(name).Bool(value); }

  // The text so far; containers still open stay open (a caller may finish them by hand).
  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  JsonWriter& Open(char bracket);
  JsonWriter& Close(char bracket);

  std::string out_;
  // Per open container: whether a value was written yet (so the next one needs a comma).
  std::vector<bool> has_value_;
  bool after_key_ = false;
};

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_UTIL_JSON_WRITER_H_
