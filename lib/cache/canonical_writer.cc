#include "cache/canonical_writer.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cache/canonical_members.h"
#include "cache/canonical_number.h"
#include "cache/canonical_rules.h"
#include "cache/canonical_text.h"
#include "cache/json_scan.h"

namespace llmgate::internal {
namespace {

// The deepest level a value may sit at, the body object being level 1: simdjson's limit,
// which earlier versions parsed with. So an object or array at level 1024 must be empty.
constexpr int kMaxDepth = 1024;

// Output room kept beyond what the rest of the input can need (see BodyWriter): whole
// 16-byte blocks may be written past the end of a copy.
constexpr size_t kSlack = 64;

// Scratch buffers that grew past these sizes are freed after use, so that one unusually large
// request does not pin its memory to the thread.
constexpr size_t kMaxRetainedBytes = size_t{1} << 20;
constexpr size_t kMaxRetainedMembers = 4096;

// Per-thread buffers, reused so that a warm call allocates nothing.
struct Scratch {
  std::string input;            // the body followed by kScanPadding NULs
  std::vector<Member> members;  // the members of the open objects, innermost last
  std::vector<SortKey> keys_by_prefix;  // an object's members being sorted
  std::vector<uint32_t> order;          // the order an object's members are written back in
  std::string moved;            // an object's members while they are written back
  std::string keys;             // unescaped keys that had escapes (Member::key points here)
  std::string text;             // message text being normalized (rule 6)

  void Trim() {
    if (members.size() > kMaxRetainedMembers) std::vector<Member>().swap(members);
    if (keys_by_prefix.size() > kMaxRetainedMembers) std::vector<SortKey>().swap(keys_by_prefix);
    if (order.size() > kMaxRetainedMembers) std::vector<uint32_t>().swap(order);
    for (std::string* buffer : {&input, &moved, &keys, &text}) {
      if (buffer->size() > kMaxRetainedBytes) std::string().swap(*buffer);
    }
  }
};

const char* TypeName(char first) {
  switch (first) {
    case '[':
      return "an array";
    case '"':
      return "a string";
    case 't':
    case 'f':
      return "a boolean";
    case 'n':
      return "null";
    default:
      return "a number";
  }
}

// The parser-writer. It reads a padded copy of the body (json_scan.h) and writes straight
// into the caller's string through a raw cursor that between tokens keeps
//
//   room left in the output >= input left + kSlack,
//
// so that text is copied in whole blocks with no bounds checks. Almost every token writes at
// most as many bytes as it reads (white space none, an escape never more than itself);
// numbers ("1e5" is "100000") and the defaults of rule 5 make room first.
//
// An object's members are written in input order, each recorded with its key and output
// span. When the object closes and its keys were not strictly ascending, its members are
// moved aside and written back sorted (rule 1) or, for schema properties, deduplicated in
// place (rule 8); so a byte is copied twice per enclosing object that needed reordering.
class BodyWriter {
 public:
  BodyWriter(std::string_view body, Endpoint endpoint, bool normalize, Scratch* scratch, std::string* out,
             size_t offset, BodyError* error)
      : endpoint_(endpoint),
        normalize_(normalize),
        scratch_(*scratch),
        members_(&scratch->members),
        out_(out),
        error_(error) {
    std::string& input = scratch_.input;
    if (input.size() < body.size() + kScanPadding) input.resize(body.size() + kScanPadding);
    std::memcpy(input.data(), body.data(), body.size());
    std::memset(input.data() + body.size(), 0, kScanPadding);
    begin_ = in_ = input.data();
    end_ = begin_ + body.size();
    // A number may grow before the white space that pays for it ("1e5" is "100000").
    out_->resize(offset + body.size() + kSlack + kMaxCanonicalNumber);
    base_ = out_->data();
    pos_ = base_ + offset;
    limit_ = base_ + out_->size();
  }

  bool Run() {
    SkipSpace();
    if (in_ == end_) return Fail(in_, "no JSON value (empty or only white space)");
    const char first = *in_;
    if (!Value(Place::kNone, 1)) return false;
    SkipSpace();
    if (in_ != end_) return Fail(in_, "unexpected text after the JSON value");
    if (first != '{') {
      error_->not_object = TypeName(first);
      return false;
    }
    out_->resize(Offset());
    return true;
  }

 private:
  // ---- Values -------------------------------------------------------------------------

  // A value whose place (canonical_place.h) is `place`, at nesting level `depth` (the body is
  // level 1, its members' values level 2). Inlined, while objects and arrays are not: a
  // string or number then costs no call, and only the recursion pays for stack frames. The
  // tests go from the most common kind of value to the least.
  __attribute__((always_inline)) bool Value(Place place, int depth) {
    SkipSpace();
    const char c = *in_;
    if (c == '"') return StringValue(place);
    if (c == '{') return Object(place, depth);
    if (c == '[') return Array(place, depth);
    if ((c >= '0' && c <= '9') || c == '-') return Number();
    if (c == 't') return Literal("true");
    if (c == 'f') return Literal("false");
    if (c == 'n') return Literal("null");
    return Fail(in_, in_ == end_ ? "unexpected end of input, expected a value" : "unexpected character, expected a value");
  }

  __attribute__((noinline)) bool Array(Place place, int depth) {
    ++in_;
    *pos_++ = '[';
    SkipSpace();
    if (*in_ == ']') {
      ++in_;
      *pos_++ = ']';
      return true;
    }
    if (depth == kMaxDepth && in_ != end_) return Fail(in_, "nesting deeper than 1024 levels");
    const Place element_place = ElementPlace(place);
    for (;;) {
      if (!Value(element_place, depth + 1)) return false;
      SkipSpace();
      if (*in_ == ',') {
        ++in_;
        *pos_++ = ',';
      } else if (*in_ == ']') {
        ++in_;
        *pos_++ = ']';
        return true;
      } else {
        return Fail(in_, in_ == end_ ? "unexpected end of input in an array" : "expected ',' or ']'");
      }
    }
  }

  // The body object (depth 1) takes rules 4 and 5 on top of the others.
  __attribute__((noinline)) bool Object(Place place, int depth) {
    const bool top_level = depth == 1;
    const size_t first = members_.size();
    bool ordered = true;  // keys strictly ascending so far
    ++in_;
    *pos_++ = '{';
    SkipSpace();
    if (*in_ != '}') {
      if (depth == kMaxDepth && in_ != end_) return Fail(in_, "nesting deeper than 1024 levels");
      for (;;) {
        if (*in_ != '"') {
          return Fail(in_, in_ == end_ ? "unexpected end of input in an object" : "expected a string key");
        }
        if (!ObjectMember(place, depth, top_level, first, &ordered)) return false;
        SkipSpace();
        if (*in_ == '}') break;
        if (*in_ != ',') return Fail(in_, in_ == end_ ? "unexpected end of input in an object" : "expected ',' or '}'");
        ++in_;
        SkipSpace();
      }
    }
    ++in_;
    Arrange(place, first, ordered, top_level);
    members_.Truncate(first);
    *pos_++ = '}';
    return true;
  }

  // One "key":value, written after a comma unless it is the object's first member, and
  // pushed onto members_ (unless rule 4 drops it). The member is filled in place, by index:
  // the value's own members go above it and may move the stack.
  bool ObjectMember(Place place, int depth, bool top_level, size_t first, bool* ordered) {
    const size_t start = Offset();
    if (members_.size() > first) *pos_++ = ',';
    const size_t index = members_.Add();
    Member* member = &members_[index];  // until the value is read
    member->begin = Offset();
    if (!Key(member)) return false;
    SkipSpace();
    if (*in_ != ':') return Fail(in_, "expected ':' after an object key");
    ++in_;
    *pos_++ = ':';
    member->value = Offset();
    const std::string_view key = member->Key();
    const Place value_place = top_level               ? TopLevelPlace(endpoint_, normalize_, key)
                              : place == Place::kNone ? Place::kNone
                                                      : MemberPlace(place, key);
    if (!Value(value_place, depth + 1)) return false;
    if (top_level && IsDroppedField(key)) {  // rule 4: validated, then forgotten
      members_.Truncate(index);
      pos_ = base_ + start;
      return true;
    }
    member = &members_[index];
    member->end = Offset();
    if (index > first && !KeyLess(member[-1], *member)) *ordered = false;
    return true;
  }

  // A key: written like any string, and remembered unescaped for sorting.
  bool Key(Member* member) {
    const char* const text = in_ + 1;
    bool escaped;
    if (!String(&escaped)) return false;
    const size_t size = static_cast<size_t>(in_ - 1 - text);
    if (!escaped) {
      member->key = text;
      member->key_size = size;
      member->prefix = KeyPrefix(text, size);
      return true;
    }
    // The arena is sized to the input (an unescaped key is never longer than its spelling),
    // so it is not reallocated while members point into it; KeyPrefix may read 8 bytes.
    const size_t arena_size = static_cast<size_t>(end_ - begin_) + sizeof(uint64_t);
    if (scratch_.keys.size() < arena_size) scratch_.keys.resize(arena_size);
    char* const key = scratch_.keys.data() + keys_used_;
    member->key = key;
    member->key_size = static_cast<size_t>(Unescape({text, size}, key) - key);
    member->prefix = KeyPrefix(key, member->key_size);
    keys_used_ += member->key_size;
    return true;
  }

  bool StringValue(Place place) {
    const size_t start = Offset();
    bool escaped;
    if (!String(&escaped)) return false;
    if (IsTextString(place)) pos_ = base_ + start + NormalizeInPlace(base_ + start, Offset() - start);
    return true;
  }

  // Copies the string at in_ canonically, quotes included. Plain text is copied as it is:
  // unescaped it is already canonical, as '"', '\' and control bytes cannot appear raw.
  bool String(bool* escaped) {
    const char* const text = in_ + 1;
    const char* p = text;
    char* out = pos_;  // a local cursor: stores through char* could alias the members
    *out++ = '"';
    bool high = false;
    *escaped = false;
    for (;;) {
      const size_t run = CopyPlainText(p, out, &high);
      p += run;
      out += run;
      if (*p == '"') break;
      if (*p != '\\') {
        return FailInString(text, p, high,
                            p == end_ ? "unterminated string" : "control character in a string must be escaped");
      }
      *escaped = true;
      const char* reason = nullptr;
      const char* const next = CopyEscape(p, end_, &out, &reason);
      if (next == nullptr) return FailInString(text, p, high, reason);
      p = next;
    }
    if (high && !simdjson::validate_utf8(text, static_cast<size_t>(p - text))) {
      return Fail(FindInvalidUtf8(text, p), "invalid UTF-8");
    }
    *out++ = '"';
    pos_ = out;
    in_ = p + 1;
    return true;
  }

  bool Number() {
    MakeRoom(kMaxCanonicalNumber);
    SyntaxError error;
    const char* const next = WriteCanonicalNumber(in_, end_, &pos_, &error);
    if (next == nullptr) return Fail(error.at, error.reason);
    in_ = next;
    return true;
  }

  // The input is padded, so comparing a word's length never reads past it.
  template <size_t N>
  bool Literal(const char (&word)[N]) {
    if (std::memcmp(in_, word, N - 1) != 0) return Fail(in_, "invalid literal (expected true, false or null)");
    std::memcpy(pos_, word, N - 1);
    pos_ += N - 1;
    in_ += N - 1;
    return true;
  }

  // ---- Closing an object: members [first, members_.size()) ------------------------------

  // Out of line: its locals stay off the stack frames of the nesting.
  __attribute__((noinline)) void Arrange(Place place, size_t first, bool ordered, bool top_level) {
    if (normalize_ && place == Place::kPart) NormalizeTextPart(first);
    if (top_level) return SortMembers(first, ordered, /*add_defaults=*/true);
    if (ordered) return;  // sorted, and no key repeats
    if (place == Place::kProperties) return KeepFirstPlaces(first);
    if (members_.size() - first == 2) return ReorderPair(first);
    SortMembers(first, /*ordered=*/false, /*add_defaults=*/false);
  }

  // Rule 1 for the most common object to reorder, two members out of order ("role" before
  // "content", "type" before "function"): swapped, or the first dropped if the keys are equal.
  // Only the first member is moved aside.
  void ReorderPair(size_t first) {
    const Member a = members_[first];
    const Member b = members_[first + 1];
    char* const interior = base_ + a.begin;
    const size_t a_size = a.end - a.begin;
    const size_t b_size = b.end - b.begin;
    if (KeyEqual(a, b)) {
      std::memmove(interior, base_ + b.begin, b_size);
      pos_ = interior + b_size;
      return;
    }
    if (scratch_.moved.size() < a_size + kSlack) scratch_.moved.resize(a_size + kSlack);
    CopyBlocks(scratch_.moved.data(), interior, a_size);
    std::memmove(interior, base_ + b.begin, b_size);
    interior[b_size] = ',';
    CopyBlocks(interior + b_size + 1, scratch_.moved.data(), a_size);
    pos_ = interior + b_size + 1 + a_size;
  }

  // Rule 1, and rule 5 for the body object. `ordered` says the keys are already strictly
  // ascending.
  void SortMembers(size_t first, bool ordered, bool add_defaults) {
    const size_t count = members_.size() - first;
    const size_t extra = add_defaults ? DefaultsFor(endpoint_).size() : 0;
    uint32_t* const order = Order(2 * (count + extra));  // the second half for MergeDefaults
    size_t kept = count;
    if (ordered) {
      for (uint32_t i = 0; i < count; ++i) order[i] = i;
    } else {
      kept = SortedOrder(&members_[first], count, SortKeys(count), order);
    }
    if (add_defaults) kept = MergeDefaults(first, order, kept);
    if (!IsIdentity(order, kept, members_.size() - first)) WriteBack(&members_[first], order, kept);
  }

  void KeepFirstPlaces(size_t first) {
    const size_t count = members_.size() - first;
    uint32_t* const order = Order(count);
    const size_t kept = FirstPlaceOrder(&members_[first], count, order);
    if (kept != count) WriteBack(&members_[first], order, kept);
  }

  // True if writing back the members at order[0, count) would change nothing: they are all
  // of the size members, in input order.
  static bool IsIdentity(const uint32_t* order, size_t count, size_t size) {
    if (count != size) return false;
    for (uint32_t i = 0; i < count; ++i) {
      if (order[i] != i) return false;
    }
    return true;
  }

  // Room for count positions, valid until the next call.
  uint32_t* Order(size_t count) {
    if (scratch_.order.size() < count) scratch_.order.resize(count);
    return scratch_.order.data();
  }

  SortKey* SortKeys(size_t count) {
    if (scratch_.keys_by_prefix.size() < count) scratch_.keys_by_prefix.resize(count);
    return scratch_.keys_by_prefix.data();
  }

  // Rewrites the object's interior, from its first member's key to the cursor, as the
  // members at the given positions, in that order.
  void WriteBack(const Member* members, const uint32_t* order, size_t count) {
    const size_t interior = members[0].begin;
    const size_t size = Offset() - interior;
    if (scratch_.moved.size() < size + kSlack) scratch_.moved.resize(size + kSlack);
    char* const moved = scratch_.moved.data();
    std::memcpy(moved, base_ + interior, size);
    char* out = base_ + interior;
    for (size_t i = 0; i < count; ++i) {
      const Member& member = members[order[i]];
      if (i != 0) *out++ = ',';
      const size_t length = member.end - member.begin;
      CopyBlocks(out, moved + (member.begin - interior), length);
      out += length;
    }
    pos_ = out;
  }

  // Rule 5 on the body object's members, given as order[0, count): positions, sorted by key,
  // of the occurrences that win. Merges in the endpoint's defaults (sorted too): a default
  // goes in where its field is absent and replaces a winner that is null. The defaults are
  // appended to the output as members, to be written back in place. Writes the merged order
  // to the room after order[count] and back; returns its size.
  size_t MergeDefaults(size_t first, uint32_t* order, size_t count) {
    const DefaultTable table = DefaultsFor(endpoint_);
    uint32_t* const merged = order + count;
    size_t size = 0;
    size_t next = 0;  // in order
    for (const DefaultField* field = table.begin; field != table.end; ++field) {
      const Member field_key = KeyOf(field->key);
      while (next < count && KeyLess(members_[first + order[next]], field_key)) merged[size++] = order[next++];
      if (next < count && KeyEqual(members_[first + order[next]], field_key)) {
        if (base_[members_[first + order[next]].value] != 'n') continue;  // set, and not to null
        ++next;                                                           // null: replaced
      }
      merged[size++] = AppendDefault(first, field_key, field->canonical_json);
    }
    while (next < count) merged[size++] = order[next++];
    std::copy(merged, merged + size, order);
    return size;
  }

  // A member that only has a key, for comparisons.
  static Member KeyOf(std::string_view key) {
    char padded[sizeof(uint64_t)] = {};  // KeyPrefix reads 8 bytes
    for (size_t i = 0; i < key.size() && i < sizeof(padded); ++i) padded[i] = key[i];
    return Member{KeyPrefix(padded, key.size()), key.data(), key.size(), 0, 0, 0};
  }

  // Writes "key":value for a default after the object's members and pushes it; returns its
  // position among them.
  uint32_t AppendDefault(size_t first, Member member, std::string_view value) {
    MakeRoom(member.key_size + value.size() + 4);
    if (members_.size() > first) *pos_++ = ',';
    member.begin = Offset();
    // Defaults are a few bytes: byte loops beat calls to memmove.
    char* out = pos_;
    *out++ = '"';
    for (size_t i = 0; i < member.key_size; ++i) *out++ = member.key[i];
    *out++ = '"';
    *out++ = ':';
    member.value = static_cast<size_t>(out - base_);
    for (const char c : value) *out++ = c;
    pos_ = out;
    member.end = Offset();
    members_.Push(member);
    return static_cast<uint32_t>(members_.size() - 1 - first);
  }

  // Rule 6 for a content part: its "text" is message text when its "type" says so, which
  // may come after it, so the text is rewritten once the part is complete.
  void NormalizeTextPart(size_t first) {
    const Member* const type = FindLast(first, "type");
    if (type == nullptr || base_[type->value] != '"') return;
    const std::string_view quoted_type(base_ + type->value, type->end - type->value);
    scratch_.text.resize(std::max(scratch_.text.size(), quoted_type.size()));
    const char* const type_end = Unescape(quoted_type.substr(1, quoted_type.size() - 2), scratch_.text.data());
    if (!IsTextPartType(endpoint_, {scratch_.text.data(), static_cast<size_t>(type_end - scratch_.text.data())})) {
      return;
    }
    Member* const text = FindLast(first, "text");
    if (text == nullptr || base_[text->value] != '"') return;
    const size_t old_size = text->end - text->value;
    const size_t shrink = old_size - NormalizeInPlace(base_ + text->value, old_size);
    if (shrink == 0) return;
    char* const rest = base_ + text->end;
    std::memmove(rest - shrink, rest, static_cast<size_t>(pos_ - rest));
    pos_ -= shrink;
    text->end -= shrink;
    for (Member* later = text + 1; later != members_.end(); ++later) {
      later->begin -= shrink;
      later->value -= shrink;
      later->end -= shrink;
    }
  }

  // Rewrites the canonical string at `quoted` (`size` bytes, quotes included) with its white
  // space collapsed (rule 6) and returns its new size, which is never larger.
  size_t NormalizeInPlace(char* quoted, size_t size) {
    if (scratch_.text.size() < size) scratch_.text.resize(size);
    const char* const text_end = Unescape({quoted + 1, size - 2}, scratch_.text.data());
    const std::string_view text(scratch_.text.data(), static_cast<size_t>(text_end - scratch_.text.data()));
    return static_cast<size_t>(WriteNormalizedString(text, quoted) - quoted);
  }

  // The last member named key from first on, or null.
  Member* FindLast(size_t first, std::string_view key) {
    for (size_t i = members_.size(); i > first; --i) {
      if (members_[i - 1].Key() == key) return &members_[i - 1];
    }
    return nullptr;
  }

  // ---- Input and output -----------------------------------------------------------------

  void SkipSpace() { in_ = SkipJsonSpace(in_); }

  size_t Offset() const { return static_cast<size_t>(pos_ - base_); }

  // Restores the output invariant with n bytes to spare.
  void MakeRoom(size_t n) {
    const size_t needed = static_cast<size_t>(end_ - in_) + kSlack + n;
    if (static_cast<size_t>(limit_ - pos_) >= needed) return;
    const size_t used = Offset();
    out_->resize(std::max(2 * out_->size(), used + needed));
    base_ = out_->data();
    pos_ = base_ + used;
    limit_ = base_ + out_->size();
  }

  bool Fail(const char* at, const char* reason) {
    error_->reason = reason;
    error_->offset = static_cast<size_t>(at - begin_);
    return false;
  }

  // String text is checked for UTF-8 when the string closes, so an invalid sequence before
  // an error in the string is the first error.
  bool FailInString(const char* text, const char* at, bool high, const char* reason) {
    const char* const invalid = high ? FindInvalidUtf8(text, at) : at;
    return invalid != at ? Fail(invalid, "invalid UTF-8") : Fail(at, reason);
  }

  const Endpoint endpoint_;
  const bool normalize_;
  Scratch& scratch_;
  MemberStack members_;
  size_t keys_used_ = 0;  // bytes of scratch_.keys in use
  const char* begin_;     // the padded copy of the body
  const char* in_;
  const char* end_;
  std::string* const out_;
  char* base_;
  char* pos_;
  char* limit_;
  BodyError* const error_;
};

}  // namespace

bool WriteCanonicalBody(std::string_view body, Endpoint endpoint, bool normalize_whitespace, std::string* out,
                        size_t offset, BodyError* error) {
  thread_local Scratch scratch;
  const bool ok = BodyWriter(body, endpoint, normalize_whitespace, &scratch, out, offset, error).Run();
  scratch.Trim();
  return ok;
}

}  // namespace llmgate::internal
