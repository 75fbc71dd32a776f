// A minimal streaming JSON writer. The mock builds every response body with it, so the
// output is always compact and its field order stable (tests may grep it).
#ifndef LLMGATE_TESTS_MOCK_OPENAI_JSON_WRITER_H_
#define LLMGATE_TESTS_MOCK_OPENAI_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmgate::mock {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts an already serialized JSON value.
  JsonWriter& Raw(std::string_view json);

  // Shorthands for the common "key: value" member.
  JsonWriter& Member(std::string_view key, std::string_view value) { return Key(key).String(value); }
  JsonWriter& Member(std::string_view key, const char* value) { return Key(key).String(value); }
  JsonWriter& Member(std::string_view key, int64_t value) { return Key(key).Int(value); }
  JsonWriter& Member(std::string_view key, int value) { return Key(key).Int(value); }
  JsonWriter& Member(std::string_view key, bool value) { return Key(key).Bool(value); }

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  // Writes the separating comma a value or key needs at this point.
  void Separate();

  std::string out_;
  // One entry per open container: true until its first element is written.
  std::vector<bool> first_;
  bool after_key_ = false;
};

// Appends `value` to `out` as a quoted JSON string.
void AppendJsonString(std::string_view value, std::string* out);

}  // namespace llmgate::mock

#endif  // LLMGATE_TESTS_MOCK_OPENAI_JSON_WRITER_H_
