// Scope names of a call. A call draws from every scope that applies to it, and a scope
// without limits costs nothing:
//
//   global (Options::default_scope)   budgets of the whole host
//   key:<fingerprint>                 limits of one key
//   <group>                           the key's organization or project
//   <group>/model:<model>             what OpenAI limits (requests and tokens per minute of
//                                     an organization or project and model), as configured
//   server:<group>/model:<model>      the same limits as the server advertises them, learned
//                                     from its headers: a configured limit above them cannot
//                                     make llmgate send more than the server accepts
//   model:<model>                     budgets per model across keys
//
// A group is "project:<id>" or "org:<id>" when declared, "org:<name>" once the server
// names the key's organization (openai-organization), and the key's own scope until then.
#ifndef LLMGATE_LIB_KEYS_KEY_SCOPES_H_
#define LLMGATE_LIB_KEYS_KEY_SCOPES_H_

#include <string>
#include <string_view>
#include <vector>

namespace llmgate::internal {

// An API key as the client holds it. The secret goes into the Authorization header and
// nowhere else; everything stored or logged uses the fingerprint or the label.
struct ApiKey {
  std::string secret;       // "" when the server needs no key
  std::string fingerprint;  // KeyFingerprint(secret), "" without a key
  std::string label;        // KeyLabel(secret) unless given; "(no key)" without a key
  std::string base_url;     // "" = the gate's
  std::string organization;  // sent as OpenAI-Organization ("" = none)
  std::string project;       // sent as OpenAI-Project ("" = none)
  std::string declared_group;  // DeclaredGroup(organization, project)

  static ApiKey From(std::string secret);
};

// The declared group: "project:<project>" when a project is set, else "org:<organization>",
// else "".
std::string DeclaredGroup(std::string_view organization, std::string_view project);
std::string OrganizationScope(std::string_view organization);   // "org:<organization>"
std::string GroupModelScope(std::string_view group, std::string_view model);  // group alone when no model
std::string ModelScope(std::string_view model);                  // "model:<model>"
// Where the limits learned for a group x model scope live: "server:" + scope.
std::string ServerScope(std::string_view group_model_scope);

// The scopes a call draws from, without duplicates or empty names, in the order above.
std::vector<std::string> CallScopes(std::string_view default_scope, const ApiKey& key, std::string_view group,
                                    std::string_view model);

// `text` with every occurrence of the key's secret replaced by its label: server messages
// and transport errors sometimes echo what was sent.
std::string ScrubSecret(std::string text, const ApiKey& key);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_KEYS_KEY_SCOPES_H_
