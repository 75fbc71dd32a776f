#include "http/sse.h"

#include <simdjson.h>

#include <map>
#include <utility>

#include "util/json_parser.h"
#include "util/json_writer.h"

namespace llmgate::internal {

// ---------------------------------------------------------------------------
// SseParser

SseParser::SseParser(size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

void SseParser::CheckSize(size_t pending) {
  if (pending + data_.size() + event_.size() > max_event_bytes_) {
    overflowed_ = true;
    partial_line_.clear();
    data_.clear();
    has_data_ = false;
  }
}

void SseParser::Feed(std::string_view in, std::vector<SseEvent>* events) {
  if (overflowed_ || in.empty()) return;
  if (skip_lf_) {
    skip_lf_ = false;
    if (in.front() == '\n') in.remove_prefix(1);
  }
  while (!in.empty() && !overflowed_) {
    size_t end = in.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      partial_line_.append(in);
      CheckSize(partial_line_.size());
      return;
    }
    if (partial_line_.empty()) {
      ProcessLine(in.substr(0, end), events);
    } else {
      partial_line_.append(in.substr(0, end));
      CheckSize(partial_line_.size());
      if (overflowed_) return;
      ProcessLine(partial_line_, events);
      partial_line_.clear();
    }
    size_t next = end + 1;
    if (in[end] == '\r') {
      if (next < in.size()) {
        if (in[next] == '\n') ++next;
      } else {
        skip_lf_ = true;  // the '\n' of a "\r\n" may open the next chunk
      }
    }
    in.remove_prefix(next);
  }
}

void SseParser::Finish(std::vector<SseEvent>* events) {
  if (overflowed_) return;
  if (!partial_line_.empty()) {
    std::string line = std::move(partial_line_);
    partial_line_.clear();
    ProcessLine(line, events);
  }
  Dispatch(events);
  skip_lf_ = false;
}

void SseParser::ProcessLine(std::string_view line, std::vector<SseEvent>* events) {
  if (first_line_) {
    first_line_ = false;
    if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  }
  if (line.empty()) {
    Dispatch(events);
    return;
  }
  if (line.front() == ':') return;  // comment
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
    has_data_ = true;
    CheckSize(0);
  } else if (field == "event") {
    event_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
  } else if (field == "retry") {
    int64_t ms = 0;
    bool digits = !value.empty() && value.size() <= 18;
    for (char c : value) {
      if (c < '0' || c > '9') digits = false;
    }
    if (digits) {
      for (char c : value) ms = ms * 10 + (c - '0');
      retry_ms_ = ms;
    }
  }
  // Other fields are ignored, as the spec requires.
}

void SseParser::Dispatch(std::vector<SseEvent>* events) {
  if (!has_data_) {
    event_.clear();
    return;
  }
  data_.pop_back();  // the '\n' after the last data line
  SseEvent e;
  e.event = std::move(event_);
  e.data = std::move(data_);
  e.id = last_id_;
  e.done = e.data == "[DONE]";
  done_ = done_ || e.done;
  events->push_back(std::move(e));
  event_.clear();
  data_.clear();
  has_data_ = false;
}

std::string FormatSseEvent(std::string_view data, std::string_view event) {
  std::string out;
  out.reserve(data.size() + event.size() + 16);
  if (!event.empty()) out.append("event: ").append(event).append("\n");
  // Every line of the data needs its own "data:" field; a bare "\n" would end the event.
  while (true) {
    size_t nl = data.find('\n');
    out.append("data: ").append(data.substr(0, nl)).append("\n");
    if (nl == std::string_view::npos) break;
    data.remove_prefix(nl + 1);
  }
  out.push_back('\n');
  return out;
}

namespace {

// A string that may be absent: null then, as OpenAI writes it.
void StringOrNull(JsonWriter& w, const std::optional<std::string>& s) {
  if (s) {
    w.String(*s);
  } else {
    w.Null();
  }
}

// ---------------------------------------------------------------------------
// Reading helpers over simdjson's DOM (error codes, never exceptions).

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

std::optional<std::string_view> GetString(object o, std::string_view key) {
  std::string_view s;
  if (o[key].get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

std::optional<int64_t> GetInt(object o, std::string_view key) {
  int64_t v = 0;
  if (o[key].get_int64().get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

std::optional<object> GetObject(object o, std::string_view key) {
  object v;
  if (o[key].get_object().get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

std::optional<array> GetArray(object o, std::string_view key) {
  array v;
  if (o[key].get_array().get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

// Lookups in an object that may be absent. A default-constructed dom::object must never
// stand in for a missing one: it has no tape, and reading it is undefined.
std::optional<std::string_view> GetString(const std::optional<object>& o, std::string_view key) {
  return o ? GetString(*o, key) : std::nullopt;
}
std::optional<object> GetObject(const std::optional<object>& o, std::string_view key) {
  return o ? GetObject(*o, key) : std::nullopt;
}
std::optional<array> GetArray(const std::optional<object>& o, std::string_view key) {
  return o ? GetArray(*o, key) : std::nullopt;
}

void AppendTo(std::optional<std::string>* acc, std::optional<std::string_view> piece) {
  if (!piece) return;
  if (!*acc) acc->emplace();
  (*acc)->append(*piece);
}

void AppendElements(std::optional<std::vector<std::string>>* acc, std::optional<array> items) {
  if (!items) return;
  if (!*acc) acc->emplace();
  for (element e : *items) (*acc)->push_back(simdjson::minify(e));
}

// Pieces of at most `max_bytes` that never split a UTF-8 sequence (a piece grows past the
// limit only when the limit is shorter than one sequence).
std::vector<std::string_view> SplitUtf8(std::string_view text, size_t max_bytes) {
  std::vector<std::string_view> pieces;
  if (max_bytes == 0) max_bytes = 1;
  auto is_continuation = [&](size_t i) {
    return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
  };
  while (!text.empty()) {
    size_t n = std::min(max_bytes, text.size());
    size_t cut = n;
    while (cut > 0 && is_continuation(cut)) --cut;
    if (cut == 0) {
      cut = n;
      while (is_continuation(cut)) ++cut;
    }
    pieces.push_back(text.substr(0, cut));
    text.remove_prefix(cut);
  }
  return pieces;
}

}  // namespace

// ---------------------------------------------------------------------------
// StreamAssembler

struct StreamAssembler::State {
  struct Call {
    std::string id;
    std::string type;
    std::string name;
    std::string arguments;

    void Merge(object delta_call) {
      if (auto v = GetString(delta_call, "id"); v && id.empty()) id = std::string(*v);
      if (auto v = GetString(delta_call, "type"); v && type.empty()) type = std::string(*v);
      auto fn = GetObject(delta_call, "function");
      if (!fn) fn = delta_call;  // the legacy function_call delta holds name/arguments itself
      if (auto v = GetString(*fn, "name"); v && *v != name) name.append(*v);
      if (auto v = GetString(*fn, "arguments")) arguments.append(*v);
    }
  };
  struct Choice {
    std::optional<std::string> role;
    std::optional<std::string> content;
    std::optional<std::string> refusal;
    std::map<int64_t, Call> tool_calls;
    int64_t last_tool_index = -1;
    std::optional<Call> function_call;
    bool has_logprobs = false;
    std::optional<std::vector<std::string>> content_logprobs;
    std::optional<std::vector<std::string>> refusal_logprobs;
    std::optional<std::string> finish_reason;
  };

  simdjson::dom::parser parser;
  std::string id;
  std::string model;
  std::optional<int64_t> created;
  std::optional<std::string> system_fingerprint;
  std::optional<std::string> service_tier;
  std::map<int64_t, Choice> choices;
  std::optional<std::string> usage;
  int chunks = 0;

  void MergeToolCalls(Choice* c, array calls) {
    for (element e : calls) {
      object call;
      if (e.get_object().get(call) != simdjson::SUCCESS) continue;
      int64_t index;
      if (auto i = GetInt(call, "index"); i && *i >= 0) {
        index = *i;
      } else {
        // No index (some compatible servers): a new id opens a new call, anything else
        // continues the last one.
        auto call_id = GetString(call, "id");
        bool opens = call_id && !call_id->empty() &&
                     (c->tool_calls.empty() || c->tool_calls[c->last_tool_index].id != *call_id);
        index = opens ? (c->tool_calls.empty() ? 0 : c->tool_calls.rbegin()->first + 1)
                      : std::max<int64_t>(c->last_tool_index, 0);
      }
      c->tool_calls[index].Merge(call);
      c->last_tool_index = index;
    }
  }

  void MergeChoice(object ch, int64_t position) {
    Choice& c = choices[GetInt(ch, "index").value_or(position)];
    if (auto delta = GetObject(ch, "delta")) {
      if (auto v = GetString(*delta, "role"); v && !c.role) c.role = std::string(*v);
      AppendTo(&c.content, GetString(*delta, "content"));
      AppendTo(&c.refusal, GetString(*delta, "refusal"));
      if (auto calls = GetArray(*delta, "tool_calls")) MergeToolCalls(&c, *calls);
      if (auto fc = GetObject(*delta, "function_call")) {
        if (!c.function_call) c.function_call.emplace();
        c.function_call->Merge(*fc);
      }
    }
    if (auto lp = GetObject(ch, "logprobs")) {
      c.has_logprobs = true;
      AppendElements(&c.content_logprobs, GetArray(*lp, "content"));
      AppendElements(&c.refusal_logprobs, GetArray(*lp, "refusal"));
    }
    if (auto v = GetString(ch, "finish_reason")) c.finish_reason = std::string(*v);
  }
};

StreamAssembler::StreamAssembler() : state_(std::make_unique<State>()) {}
StreamAssembler::~StreamAssembler() = default;

Status StreamAssembler::Add(std::string_view chunk_json) {
  State& s = *state_;
  element root;
  object chunk;
  if (s.parser.parse(chunk_json.data(), chunk_json.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(chunk) != simdjson::SUCCESS) {
    return InvalidArgumentError("stream chunk is not a JSON object");
  }
  ++s.chunks;
  // Azure opens with a chunk of empty id and model that only carries content filter
  // results, so the first non-empty value wins rather than the first value.
  if (auto v = GetString(chunk, "id"); v && s.id.empty()) s.id = std::string(*v);
  if (auto v = GetString(chunk, "model"); v && s.model.empty()) s.model = std::string(*v);
  if (auto v = GetInt(chunk, "created"); v && (!s.created || *s.created == 0)) s.created = v;
  if (auto v = GetString(chunk, "system_fingerprint"); v && !s.system_fingerprint) {
    s.system_fingerprint = std::string(*v);
  }
  if (auto v = GetString(chunk, "service_tier"); v && !s.service_tier) s.service_tier = std::string(*v);
  if (auto usage = GetObject(chunk, "usage")) s.usage = simdjson::minify(*usage);
  if (auto choices = GetArray(chunk, "choices")) {
    int64_t position = 0;
    for (element e : *choices) {
      object ch;
      if (e.get_object().get(ch) == simdjson::SUCCESS) s.MergeChoice(ch, position);
      ++position;
    }
  }
  return Status::Ok();
}

std::string StreamAssembler::ToJson() const {
  const State& s = *state_;
  JsonWriter w;
  w.BeginObject();
  w.Key("id").String(s.id);
  w.Key("object").String("chat.completion");
  w.Key("created").Int(s.created.value_or(0));
  w.Key("model").String(s.model);
  if (s.system_fingerprint) w.Key("system_fingerprint").String(*s.system_fingerprint);
  if (s.service_tier) w.Key("service_tier").String(*s.service_tier);
  w.Key("choices").BeginArray();
  for (const auto& [index, c] : s.choices) {
    w.BeginObject();
    w.Key("index").Int(index);
    w.Key("message").BeginObject();
    w.Key("role").String(c.role.value_or("assistant"));
    StringOrNull(w.Key("content"), c.content);
    if (c.refusal) w.Key("refusal").String(*c.refusal);
    if (c.function_call) {
      w.Key("function_call").BeginObject();
      w.Key("name").String(c.function_call->name);
      w.Key("arguments").String(c.function_call->arguments);
      w.EndObject();
    }
    if (!c.tool_calls.empty()) {
      w.Key("tool_calls").BeginArray();
      for (const auto& [unused, call] : c.tool_calls) {
        w.BeginObject();
        w.Key("id").String(call.id);
        w.Key("type").String(call.type.empty() ? "function" : call.type);
        w.Key("function").BeginObject();
        w.Key("name").String(call.name);
        w.Key("arguments").String(call.arguments);
        w.EndObject();
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();  // message
    w.Key("logprobs");
    if (c.has_logprobs) {
      w.BeginObject();
      for (const auto& [key, items] : {std::pair{"content", &c.content_logprobs},
                                       std::pair{"refusal", &c.refusal_logprobs}}) {
        w.Key(key);
        if (!*items) {
          w.Null();
          continue;
        }
        w.BeginArray();
        for (const std::string& item : **items) w.Raw(item);
        w.EndArray();
      }
      w.EndObject();
    } else {
      w.Null();
    }
    StringOrNull(w.Key("finish_reason"), c.finish_reason);
    w.EndObject();
  }
  w.EndArray();
  if (s.usage) w.Key("usage").Raw(*s.usage);
  w.EndObject();
  return w.Take();
}

int StreamAssembler::chunk_count() const { return state_->chunks; }
bool StreamAssembler::has_usage() const { return state_->usage.has_value(); }

// ---------------------------------------------------------------------------
// SynthesizeChunks

namespace {

// Writes chunks that share the response's id, created, model and fingerprint.
class ChunkWriter {
 public:
  explicit ChunkWriter(object completion) {
    JsonWriter w;
    w.BeginObject();
    w.Key("id").String(GetString(completion, "id").value_or(""));
    w.Key("object").String("chat.completion.chunk");
    w.Key("created").Int(GetInt(completion, "created").value_or(0));
    w.Key("model").String(GetString(completion, "model").value_or(""));
    if (auto v = GetString(completion, "system_fingerprint")) w.Key("system_fingerprint").String(*v);
    if (auto v = GetString(completion, "service_tier")) w.Key("service_tier").String(*v);
    prefix_ = w.Take();  // an object left open: each chunk appends its own fields
  }

  // A chunk for one choice; `write_delta` fills the delta object's fields.
  template <typename DeltaFn>
  void Choice(int64_t index, DeltaFn write_delta, std::string_view logprobs = "null",
              const std::optional<std::string>& finish_reason = std::nullopt) {
    JsonWriter w;
    w.BeginObject();
    w.Key("index").Int(index);
    w.Key("delta").BeginObject();
    write_delta(w);
    w.EndObject();
    w.Key("logprobs").Raw(logprobs);
    StringOrNull(w.Key("finish_reason"), finish_reason);
    w.EndObject();
    chunks_.push_back(prefix_ + ",\"choices\":[" + w.Take() + "]}");
  }

  void Usage(std::string_view usage_json) {
    chunks_.push_back(prefix_ + ",\"choices\":[],\"usage\":" + std::string(usage_json) + "}");
  }

  std::vector<std::string> Take() { return std::move(chunks_); }

 private:
  std::string prefix_;
  std::vector<std::string> chunks_;
};

void SynthesizeChoice(object choice, int64_t index, size_t piece_bytes, ChunkWriter* out) {
  std::optional<object> message = GetObject(choice, "message");
  std::string role = std::string(GetString(message, "role").value_or("assistant"));
  std::optional<std::string_view> content = GetString(message, "content");
  std::optional<std::string_view> refusal = GetString(message, "refusal");
  std::string logprobs = "null";
  if (auto lp = GetObject(choice, "logprobs")) logprobs = simdjson::minify(*lp);

  // The role chunk says whether content is a string at all ("" or null), as OpenAI's does.
  bool logprobs_sent = false;
  std::vector<std::string_view> pieces = content ? SplitUtf8(*content, piece_bytes) : std::vector<std::string_view>();
  out->Choice(index, [&](JsonWriter& w) {
    w.Key("role").String(role);
    if (content) {
      w.Key("content").String("");
    } else {
      w.Key("content").Null();
    }
  }, pieces.empty() ? logprobs : "null");
  logprobs_sent = pieces.empty();
  for (std::string_view piece : pieces) {
    out->Choice(index, [&](JsonWriter& w) { w.Key("content").String(piece); }, logprobs_sent ? "null" : logprobs);
    logprobs_sent = true;
  }
  if (refusal) {
    // An empty refusal still has to arrive, or the assembled message would lack it.
    std::vector<std::string_view> parts = SplitUtf8(*refusal, piece_bytes);
    if (parts.empty()) parts.push_back("");
    for (std::string_view piece : parts) {
      out->Choice(index, [&](JsonWriter& w) { w.Key("refusal").String(piece); });
    }
  }
  if (auto fc = GetObject(message, "function_call")) {
    std::string_view name = GetString(*fc, "name").value_or("");
    std::string_view args = GetString(*fc, "arguments").value_or("");
    out->Choice(index, [&](JsonWriter& w) {
      w.Key("function_call").BeginObject().Key("name").String(name).Key("arguments").String("").EndObject();
    });
    for (std::string_view piece : SplitUtf8(args, piece_bytes)) {
      out->Choice(index, [&](JsonWriter& w) {
        w.Key("function_call").BeginObject().Key("arguments").String(piece).EndObject();
      });
    }
  }
  if (auto calls = GetArray(message, "tool_calls")) {
    int64_t k = 0;
    for (element e : *calls) {
      object call;
      if (e.get_object().get(call) != simdjson::SUCCESS) continue;
      std::optional<object> fn = GetObject(call, "function");
      std::string_view id = GetString(call, "id").value_or("");
      std::string_view type = GetString(call, "type").value_or("function");
      std::string_view name = GetString(fn, "name").value_or("");
      std::string_view args = GetString(fn, "arguments").value_or("");
      out->Choice(index, [&](JsonWriter& w) {
        w.Key("tool_calls").BeginArray().BeginObject();
        w.Key("index").Int(k).Key("id").String(id).Key("type").String(type);
        w.Key("function").BeginObject().Key("name").String(name).Key("arguments").String("").EndObject();
        w.EndObject().EndArray();
      });
      for (std::string_view piece : SplitUtf8(args, piece_bytes)) {
        out->Choice(index, [&](JsonWriter& w) {
          w.Key("tool_calls").BeginArray().BeginObject().Key("index").Int(k);
          w.Key("function").BeginObject().Key("arguments").String(piece).EndObject();
          w.EndObject().EndArray();
        });
      }
      ++k;
    }
  }
  std::optional<std::string> finish;
  if (auto v = GetString(choice, "finish_reason")) finish = std::string(*v);
  out->Choice(index, [](JsonWriter&) {}, "null", finish);
}

}  // namespace

Result<std::vector<std::string>> SynthesizeChunks(std::string_view completion_json, size_t piece_bytes) {
  JsonParserLease parser(completion_json.size());
  element root;
  object completion;
  array choices;
  if (parser.get().parse(completion_json.data(), completion_json.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(completion) != simdjson::SUCCESS ||
      completion["choices"].get_array().get(choices) != simdjson::SUCCESS) {
    return InvalidArgumentError("not a chat.completion: expected a JSON object with a choices array");
  }
  ChunkWriter out(completion);
  int64_t position = 0;
  for (element e : choices) {
    object choice;
    if (e.get_object().get(choice) == simdjson::SUCCESS) {
      SynthesizeChoice(choice, GetInt(choice, "index").value_or(position), piece_bytes, &out);
    }
    ++position;
  }
  if (auto usage = GetObject(completion, "usage")) out.Usage(simdjson::minify(*usage));
  return out.Take();
}

}  // namespace llmgate::internal
