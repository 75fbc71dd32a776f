#include "util/json_writer.h"

#include <charconv>
#include <cmath>

#include "util/json_text.h"

namespace llmgate::internal {
namespace {

// Copied as it is: printable ASCII other than '"' and '\\', and the bytes of UTF-8 text
// (checked as a run by FindInvalidUtf8).
bool IsPlain(unsigned char c) { return c >= 0x20 && c != '"' && c != '\\' && c != 0x7F; }

void AppendEscaped(std::string_view s, std::string* out) {
  out->push_back('"');
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p != end) {
    const char* run = p;
    while (run != end && IsPlain(static_cast<unsigned char>(*run))) ++run;
    // The run's text, each byte that is not UTF-8 replaced by U+FFFD. A sequence cut short by
    // the end of the run is invalid anyway: the run ends at an ASCII byte, never part of one.
    while (p != run) {
      const char* const invalid = FindInvalidUtf8(p, run);
      out->append(p, static_cast<size_t>(invalid - p));
      if (invalid == run) break;
      out->append("\xEF\xBF\xBD");
      p = invalid + 1;
    }
    p = run;
    if (p == end) break;
    // A control byte, '"', '\\' or DEL (which a terminal would act on).
    char escape[6];
    out->append(escape, WriteEscape(escape, static_cast<unsigned char>(*p++)));
  }
  out->push_back('"');
}

template <typename T>
void AppendNumber(T value, std::string* out) {
  char buf[32];  // the longest double ("-2.2250738585072014e-308") or int64 fits
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, value);
  out->append(buf, r.ptr);
}

}  // namespace

std::string JsonQuote(std::string_view text) {
  std::string out;
  AppendEscaped(text, &out);
  return out;
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_value_.empty()) {
    if (has_value_.back()) out_.push_back(',');
    has_value_.back() = true;
  }
}

JsonWriter& JsonWriter::Open(char bracket) {
  BeforeValue();
  out_.push_back(bracket);
  has_value_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::Close(char bracket) {
  out_.push_back(bracket);
  has_value_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view name) {
  BeforeValue();
  AppendEscaped(name, &out_);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendEscaped(value, &out_);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  AppendNumber(value, &out_);
  return *this;
}

JsonWriter& JsonWriter::Double(double value) {
  if (!std::isfinite(value)) return Null();  // JSON has no NaN or infinity
  BeforeValue();
  AppendNumber(value, &out_);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) { return Raw(value ? "true" : "false"); }

JsonWriter& JsonWriter::Null() { return Raw("null"); }

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_.append(json);
  return *this;
}

}  // namespace llmgate::internal
