#include "keys/key_scopes.h"

#include <algorithm>

#include "limit/fingerprint.h"

namespace llmgate::internal {
namespace {

// Control characters are the only ones a scope may not hold; a name from a server is
// cleaned rather than trusted.
std::string Clean(std::string_view name) {
  std::string out(name);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  return out;
}

}  // namespace

ApiKey ApiKey::From(std::string secret) {
  ApiKey key;
  if (!secret.empty()) {
    key.fingerprint = KeyFingerprint(secret);
    key.label = KeyLabel(secret);
  } else {
    key.label = "(no key)";
  }
  key.secret = std::move(secret);
  return key;
}

std::string DeclaredGroup(std::string_view organization, std::string_view project) {
  if (!project.empty()) return "project:" + Clean(project);
  if (!organization.empty()) return OrganizationScope(organization);
  return {};
}

std::string OrganizationScope(std::string_view organization) { return "org:" + Clean(organization); }

std::string GroupModelScope(std::string_view group, std::string_view model) {
  if (model.empty()) return std::string(group);
  return std::string(group) + "/model:" + Clean(model);
}

std::string ModelScope(std::string_view model) { return "model:" + Clean(model); }

std::string ServerScope(std::string_view group_model_scope) { return "server:" + std::string(group_model_scope); }

std::vector<std::string> CallScopes(std::string_view default_scope, const ApiKey& key, std::string_view group,
                                    std::string_view model) {
  std::vector<std::string> scopes;
  auto add = [&](std::string scope) {
    if (!scope.empty() && std::find(scopes.begin(), scopes.end(), scope) == scopes.end())
      scopes.push_back(std::move(scope));
  };
  add(std::string(default_scope));
  add(key.fingerprint);
  add(std::string(group));
  if (!group.empty()) {
    add(GroupModelScope(group, model));
    add(ServerScope(GroupModelScope(group, model)));
  }
  if (!model.empty()) add(ModelScope(model));
  return scopes;
}

std::string ScrubSecret(std::string text, const ApiKey& key) {
  if (key.secret.empty()) return text;
  for (size_t at = text.find(key.secret); at != std::string::npos; at = text.find(key.secret, at)) {
    text.replace(at, key.secret.size(), key.label);
    at += key.label.size();
  }
  return text;
}

}  // namespace llmgate::internal
