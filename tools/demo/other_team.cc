#include "demo/other_team.h"

#include <curl/curl.h>

#include "demo/mock_setup.h"

namespace llmgate::demo {
namespace {

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

OtherTeam::OtherTeam(std::string base_url) : base_url_(std::move(base_url)), curl_(curl_easy_init()) {}

OtherTeam::~OtherTeam() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

long OtherTeam::Send() {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return 0;
  static const char kBody[] =
      R"({"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"user","content":"Nightly report, part 1"}]})";
  const std::string url = base_url_ + "/chat/completions";
  const std::string auth = "Authorization: Bearer " + OtherTeamKey().key;
  curl_slist* headers = curl_slist_append(nullptr, auth.c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, kBody);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  return status;
}

bool OtherTeam::Drain(std::string* error) {
  // The bucket holds kSlowRpm requests; a few more in case it refilled meanwhile.
  for (int i = 0; i < kSlowRpm + 3; ++i) {
    const long status = Send();
    if (status == 429) return true;
    if (status != 200) {
      *error = "the other team's request to the mock failed (HTTP " + std::to_string(status) + ")";
      return false;
    }
  }
  *error = "the mock never throttled org-slow";
  return false;
}

void OtherTeam::Tick(int64_t now_us, int64_t interval_us) {
  if (now_us - last_us_ < interval_us) return;
  last_us_ = now_us;
  Send();
}

}  // namespace llmgate::demo
