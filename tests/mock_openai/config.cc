#include "config.h"

#include <simdjson.h>

#include <cstdio>

#include "json_writer.h"

namespace llmgate::mock {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// The config is small and applied rarely: errors name the offending field so a typo in a
// test's config fails loudly instead of silently keeping a default.
class Reader {
 public:
  explicit Reader(std::string* error) : error_(error) {}

  bool Fail(const std::string& message) {
    if (error_->empty()) *error_ = message;
    return false;
  }

  bool Int(element e, const std::string& field, int64_t* out, int64_t min = 0) {
    int64_t v;
    double d;
    if (e.get_int64().get(v) != simdjson::SUCCESS) {
      // Accept 1e6 and 60.0 for convenience, but not fractions.
      if (e.get_double().get(d) != simdjson::SUCCESS || d != static_cast<double>(static_cast<int64_t>(d))) {
        return Fail(field + ": expected an integer");
      }
      v = static_cast<int64_t>(d);
    }
    if (v < min) return Fail(field + ": must be >= " + std::to_string(min));
    *out = v;
    return true;
  }

  bool Rate(element e, const std::string& field, double* out) {
    double v;
    if (e.get_double().get(v) != simdjson::SUCCESS || v < 0 || v > 1) {
      return Fail(field + ": expected a number between 0 and 1");
    }
    *out = v;
    return true;
  }

  bool Bool(element e, const std::string& field, bool* out) {
    if (e.get_bool().get(*out) != simdjson::SUCCESS) return Fail(field + ": expected true or false");
    return true;
  }

  bool String(element e, const std::string& field, std::string* out) {
    std::string_view v;
    if (e.get_string().get(v) != simdjson::SUCCESS) return Fail(field + ": expected a string");
    out->assign(v);
    return true;
  }

  bool Object(element e, const std::string& field, object* out) {
    if (e.get_object().get(*out) != simdjson::SUCCESS) return Fail(field + ": expected an object");
    return true;
  }

  // Fields not given keep the values `*limits` holds on entry, so a test that sets only
  // "rpm" keeps generous token limits. Models inherit from their organization.
  bool Limits(element e, const std::string& field, mock::Limits* limits, std::map<std::string, mock::Limits>* models) {
    object obj;
    if (!Object(e, field, &obj)) return false;
    for (auto [key, value] : obj) {
      std::string name = field + "." + std::string(key);
      bool ok = true;
      if (key == "rpm") {
        ok = Int(value, name, &limits->rpm);
      } else if (key == "tpm") {
        ok = Int(value, name, &limits->tpm);
      } else if (key == "ipm") {
        ok = Int(value, name, &limits->ipm);
      } else if (key == "rpd") {
        ok = Int(value, name, &limits->rpd);
      } else if (key == "tpd") {
        ok = Int(value, name, &limits->tpd);
      } else if (key != "models" || models == nullptr) {
        ok = Fail("unknown field " + name);
      }
      if (!ok) return false;
    }
    element model_list;
    if (models == nullptr || obj["models"].get(model_list) != simdjson::SUCCESS) return true;
    object model_obj;
    if (!Object(model_list, field + ".models", &model_obj)) return false;
    for (auto [model, model_limits] : model_obj) {
      mock::Limits parsed = *limits;
      if (!Limits(model_limits, field + ".models." + std::string(model), &parsed, nullptr)) return false;
      (*models)[std::string(model)] = parsed;
    }
    return true;
  }

  bool Faults(element e, mock::Faults* f) {
    object obj;
    if (!Object(e, "faults", &obj)) return false;
    for (auto [key, value] : obj) {
      std::string name = "faults." + std::string(key);
      bool ok = true;
      if (key == "error_rate_500") {
        ok = Rate(value, name, &f->error_rate_500);
      } else if (key == "error_rate_503") {
        ok = Rate(value, name, &f->error_rate_503);
      } else if (key == "latency_ms") {
        ok = Int(value, name, &f->latency_ms);
      } else if (key == "latency_jitter_ms") {
        ok = Int(value, name, &f->latency_jitter_ms);
      } else if (key == "drop_connection_rate") {
        ok = Rate(value, name, &f->drop_connection_rate);
      } else if (key == "omit_ratelimit_headers") {
        ok = Bool(value, name, &f->omit_ratelimit_headers);
      } else if (key == "ratelimit_headers_minus_one") {
        ok = Bool(value, name, &f->ratelimit_headers_minus_one);
      } else if (key == "omit_retry_after") {
        ok = Bool(value, name, &f->omit_retry_after);
      } else if (key == "error_retry_after_ms") {
        ok = Int(value, name, &f->error_retry_after_ms);
      } else if (key == "stream_chunk_delay_ms") {
        ok = Int(value, name, &f->stream_chunk_delay_ms);
      } else if (key == "fail_next") {
        array statuses;
        if (value.get_array().get(statuses) != simdjson::SUCCESS) return Fail(name + ": expected an array");
        f->fail_next.clear();
        for (element s : statuses) {
          int64_t status;
          if (!Int(s, name + "[]", &status, 100)) return false;
          if (status > 599) return Fail(name + ": statuses are 100..599");
          f->fail_next.push_back(static_cast<int>(status));
        }
      } else {
        ok = Fail("unknown field " + name);
      }
      if (!ok) return false;
    }
    return true;
  }

  bool Key(element e, size_t index, KeyConfig* out) {
    std::string field = "keys[" + std::to_string(index) + "]";
    object obj;
    if (!Object(e, field, &obj)) return false;
    for (auto [key, value] : obj) {
      std::string name = field + "." + std::string(key);
      if (key == "key") {
        if (!String(value, name, &out->key)) return false;
      } else if (key == "organization") {
        if (!String(value, name, &out->organization)) return false;
      } else if (key == "status") {
        std::string status;
        if (!String(value, name, &status)) return false;
        if (status == "ok") {
          out->status = KeyStatus::kOk;
        } else if (status == "invalid") {
          out->status = KeyStatus::kInvalid;
        } else if (status == "insufficient_quota") {
          out->status = KeyStatus::kInsufficientQuota;
        } else {
          return Fail(name + ": expected \"ok\", \"invalid\" or \"insufficient_quota\"");
        }
      } else {
        return Fail("unknown field " + name);
      }
    }
    if (out->key.empty()) return Fail(field + ".key is required");
    if (out->organization.empty()) {
      // A key without an organization is a group of its own. The name derives from the
      // key (FNV-1a) so it is stable across runs without revealing the key.
      uint64_t h = 14695981039346656037ull;
      for (unsigned char c : out->key) h = (h ^ c) * 1099511628211ull;
      char buf[32];
      std::snprintf(buf, sizeof(buf), "org-%08llx", static_cast<unsigned long long>(h & 0xffffffffu));
      out->organization = buf;
    }
    return true;
  }

 private:
  std::string* error_;
};

}  // namespace

const KeyConfig* Config::FindKey(std::string_view key) const {
  for (const KeyConfig& k : keys) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

Limits Config::LimitsFor(const std::string& org, const std::string& model, std::string* scope) const {
  auto it = organizations.find(org);
  if (it == organizations.end()) {
    *scope = org;
    return default_limits;
  }
  auto m = it->second.models.find(model);
  if (m != it->second.models.end()) {
    *scope = org + "/" + model;
    return m->second;
  }
  *scope = org;
  return it->second.limits;
}

bool ApplyConfigJson(std::string_view json, Config* config, std::string* error) {
  error->clear();
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err != simdjson::SUCCESS) {
    *error = std::string("invalid JSON: ") + simdjson::error_message(err);
    return false;
  }
  Reader r(error);
  object obj;
  if (!r.Object(root, "config", &obj)) return false;

  Config next = *config;
  next.faults.fail_next.clear();
  // default_limits first: organizations in the same document inherit from it whatever the
  // order of the fields.
  if (element defaults; obj["default_limits"].get(defaults) == simdjson::SUCCESS) {
    Limits parsed = next.default_limits;
    if (!r.Limits(defaults, "default_limits", &parsed, nullptr)) return false;
    next.default_limits = parsed;
  }
  bool accept_any_given = false;
  bool keys_given = false;
  for (auto [key, value] : obj) {
    std::string name(key);
    bool ok = true;
    if (key == "seed") {
      int64_t seed;
      ok = r.Int(value, name, &seed);
      next.seed = static_cast<uint64_t>(seed);
    } else if (key == "default_max_tokens") {
      ok = r.Int(value, name, &next.default_max_tokens, 1);
    } else if (key == "accept_any_key") {
      ok = r.Bool(value, name, &next.accept_any_key);
      accept_any_given = true;
    } else if (key == "default_organization") {
      ok = r.String(value, name, &next.default_organization);
    } else if (key == "default_limits") {
      // Applied above.
    } else if (key == "keys") {
      array list;
      if (value.get_array().get(list) != simdjson::SUCCESS) return r.Fail("keys: expected an array");
      next.keys.clear();
      size_t i = 0;
      for (element k : list) {
        KeyConfig parsed;
        if (!r.Key(k, i++, &parsed)) return false;
        next.keys.push_back(std::move(parsed));
      }
      keys_given = true;
    } else if (key == "organizations") {
      object orgs;
      ok = r.Object(value, name, &orgs);
      for (auto [org, limits] : orgs) {
        if (!ok) break;
        OrgConfig parsed;
        parsed.limits = next.default_limits;
        ok = r.Limits(limits, "organizations." + std::string(org), &parsed.limits, &parsed.models);
        next.organizations[std::string(org)] = std::move(parsed);
      }
    } else if (key == "faults") {
      ok = r.Faults(value, &next.faults);
    } else {
      ok = r.Fail("unknown field " + name);
    }
    if (!ok) return false;
  }
  if (keys_given && !accept_any_given) next.accept_any_key = next.keys.empty();
  *config = std::move(next);
  return true;
}

namespace {

void WriteLimits(const Limits& l, JsonWriter* w) {
  w->Member("rpm", l.rpm).Member("tpm", l.tpm).Member("ipm", l.ipm).Member("rpd", l.rpd).Member("tpd", l.tpd);
}

}  // namespace

std::string ConfigToJson(const Config& c) {
  JsonWriter w;
  w.BeginObject();
  w.Member("seed", static_cast<int64_t>(c.seed));
  w.Member("default_max_tokens", c.default_max_tokens);
  w.Member("accept_any_key", c.accept_any_key);
  w.Member("default_organization", c.default_organization);
  w.Key("default_limits").BeginObject();
  WriteLimits(c.default_limits, &w);
  w.EndObject();
  w.Key("keys").BeginArray();
  for (const KeyConfig& k : c.keys) {
    w.BeginObject()
        .Member("key", KeyLabel(k.key))
        .Member("organization", k.organization)
        .Member("status", KeyStatusName(k.status))
        .EndObject();
  }
  w.EndArray();
  w.Key("organizations").BeginObject();
  for (const auto& [name, org] : c.organizations) {
    w.Key(name).BeginObject();
    WriteLimits(org.limits, &w);
    w.Key("models").BeginObject();
    for (const auto& [model, limits] : org.models) {
      w.Key(model).BeginObject();
      WriteLimits(limits, &w);
      w.EndObject();
    }
    w.EndObject().EndObject();
  }
  w.EndObject();
  const Faults& f = c.faults;
  w.Key("faults").BeginObject();
  w.Key("error_rate_500").Double(f.error_rate_500);
  w.Key("error_rate_503").Double(f.error_rate_503);
  w.Member("latency_ms", f.latency_ms);
  w.Member("latency_jitter_ms", f.latency_jitter_ms);
  w.Key("drop_connection_rate").Double(f.drop_connection_rate);
  w.Member("omit_ratelimit_headers", f.omit_ratelimit_headers);
  w.Member("ratelimit_headers_minus_one", f.ratelimit_headers_minus_one);
  w.Member("omit_retry_after", f.omit_retry_after);
  w.Member("error_retry_after_ms", f.error_retry_after_ms);
  w.Member("stream_chunk_delay_ms", f.stream_chunk_delay_ms);
  w.EndObject();
  w.EndObject();
  return w.Take();
}

std::string KeyLabel(std::string_view key) {
  if (key.empty()) return "(none)";
  if (key.size() <= 4) return "..." + std::string(key);
  return "..." + std::string(key.substr(key.size() - 4));
}

const char* KeyStatusName(KeyStatus status) {
  switch (status) {
    case KeyStatus::kOk:
      return "ok";
    case KeyStatus::kInvalid:
      return "invalid";
    case KeyStatus::kInsufficientQuota:
      return "insufficient_quota";
  }
  return "ok";
}

}  // namespace llmgate::mock
