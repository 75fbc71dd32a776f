// Where a value sits in a request body, for the canonicalization rules that depend on it
// (canonical.h): message text, whose white space rule 6 may collapse, and JSON schemas,
// whose "properties" keep their member order (rule 8).
//
// A place is decided from the top of the body down, one member name or array level at a
// time, so the writer carries one small value per level instead of a path.
#ifndef LLMGATE_LIB_CACHE_CANONICAL_PLACE_H_
#define LLMGATE_LIB_CACHE_CANONICAL_PLACE_H_

#include <cstdint>
#include <string_view>

namespace llmgate::internal {

enum class Endpoint { kOther, kChat, kCompletions, kResponses, kEmbeddings, kImageGenerations };

enum class Place : uint8_t {
  kNone,  // nothing special here or below

  // Rule 6, only tracked when normalizing white space.
  kText,            // a string here is message text
  kMessageList,     // chat "messages": elements are messages
  kMessage,         // a message object: its "content" holds text
  kContent,         // message content: a string is text, an array holds parts
  kPart,            // a content part: its "text" is text when the part's type says so
  kPrompt,          // completions "prompt": a string is text, an array holds texts
  kResponsesInput,  // responses "input": a string is text, an array holds messages

  // Rule 8: the ways down to a JSON schema, always tracked.
  kToolList,        // "tools": elements are tools
  kTool,            // a tool: "function" (chat) holds a function, "parameters" (responses) is a schema
  kFunctionList,    // legacy chat "functions": elements are functions
  kFunction,        // a function: "parameters" is a schema
  kResponseFormat,  // chat "response_format": "json_schema" holds a named schema
  kNamedSchema,     // "json_schema" of response_format: "schema" is a schema
  kTextConfig,      // responses "text": "format" holds a named schema
  kTextFormat,      // "format" of text: "schema" is a schema
  kSchema,          // inside a JSON schema
  kProperties,      // a "properties" object inside a schema: members keep their order
};

inline bool IsTextString(Place place) {
  return place == Place::kText || place == Place::kContent || place == Place::kPrompt ||
         place == Place::kResponsesInput;
}

inline bool IsTextPartType(Endpoint endpoint, std::string_view type) {
  if (type == "text") return true;
  return endpoint == Endpoint::kResponses && (type == "input_text" || type == "output_text");
}

// The place of a top-level member's value. The schema paths are followed on every endpoint:
// keeping an order that did not matter only costs a cache miss, never a wrong answer.
inline Place TopLevelPlace(Endpoint endpoint, bool normalize, std::string_view key) {
  if (key == "tools") return Place::kToolList;
  if (key == "response_format") return Place::kResponseFormat;
  if (key == "functions") return Place::kFunctionList;
  if (key == "text") return Place::kTextConfig;
  if (!normalize) return Place::kNone;
  switch (endpoint) {
    case Endpoint::kChat:
      if (key == "messages") return Place::kMessageList;
      break;
    case Endpoint::kCompletions:
      if (key == "prompt") return Place::kPrompt;
      break;
    case Endpoint::kResponses:
      if (key == "input") return Place::kResponsesInput;
      if (key == "instructions") return Place::kText;
      break;
    default:
      break;
  }
  return Place::kNone;
}

// The place of a member's value in an object at `place` (not for kPart, which depends on
// the part's type, nor for the top level).
inline Place MemberPlace(Place place, std::string_view key) {
  switch (place) {
    case Place::kMessage:
      return key == "content" ? Place::kContent : Place::kNone;
    case Place::kTool:
      if (key == "function") return Place::kFunction;
      return key == "parameters" ? Place::kSchema : Place::kNone;
    case Place::kFunction:
      return key == "parameters" ? Place::kSchema : Place::kNone;
    case Place::kResponseFormat:
      return key == "json_schema" ? Place::kNamedSchema : Place::kNone;
    case Place::kNamedSchema:
    case Place::kTextFormat:
      return key == "schema" ? Place::kSchema : Place::kNone;
    case Place::kTextConfig:
      return key == "format" ? Place::kTextFormat : Place::kNone;
    case Place::kSchema:
      // Any "properties" object counts, even a property that happens to have that name:
      // keeping one order too many is harmless.
      return key == "properties" ? Place::kProperties : Place::kSchema;
    case Place::kProperties:
      return Place::kSchema;  // each member is a property's schema
    default:
      return Place::kNone;
  }
}

// The place of the elements of an array at `place`.
inline Place ElementPlace(Place place) {
  switch (place) {
    case Place::kMessageList:
    case Place::kResponsesInput:
      return Place::kMessage;
    case Place::kContent:
      return Place::kPart;
    case Place::kPrompt:
      return Place::kText;
    case Place::kToolList:
      return Place::kTool;
    case Place::kFunctionList:
      return Place::kFunction;
    case Place::kSchema:
    case Place::kProperties:
      return Place::kSchema;  // "anyOf", "items", "prefixItems", ... hold schemas
    default:
      return Place::kNone;
  }
}

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_CANONICAL_PLACE_H_
