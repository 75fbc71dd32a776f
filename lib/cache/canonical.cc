#include "cache/canonical.h"

#include "cache/canonical_place.h"

#include <simdjson.h>
#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace llmgate::internal {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// simdjson's own limit; the syntax locator reports the same one.
constexpr size_t kMaxDepth = simdjson::DEFAULT_MAX_DEPTH;

// A thread keeps its parser's buffers (about 15 bytes per input byte) between calls, which
// is what makes a cache hit cheap. Bodies above this size get a parser of their own, freed
// after use, so one large request does not pin that memory to the thread forever.
constexpr size_t kMaxRetainedInput = size_t{1} << 20;

// Room for the defaults rule 5 may add, so typical bodies never grow the output.
constexpr size_t kOutputSlack = 128;

// The member stack is kept per thread too, unless an unusually wide object grew it.
constexpr size_t kMaxRetainedMembers = 4096;

// ---------------------------------------------------------------------------------------
// Rules 4 and 5: which fields are dropped, which defaults apply where.

// Fields that never change the answer: end-user identifiers, streaming and storage switches,
// bookkeeping attached to the request, and OpenAI's own prompt-cache routing hints.
constexpr std::string_view kDroppedFields[] = {
    "user",
    "stream",
    "stream_options",
    "metadata",
    "store",
    "service_tier",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
};

struct DefaultField {
  std::string_view key;
  std::string_view canonical_json;  // already in canonical form
};

constexpr DefaultField kChatDefaults[] = {
    {"frequency_penalty", "0"}, {"logprobs", "false"}, {"n", "1"},
    {"presence_penalty", "0"},  {"temperature", "1"},  {"top_p", "1"},
};
constexpr DefaultField kCompletionsDefaults[] = {
    {"frequency_penalty", "0"}, {"n", "1"}, {"presence_penalty", "0"}, {"temperature", "1"}, {"top_p", "1"},
};
constexpr DefaultField kEmbeddingsDefaults[] = {{"encoding_format", "\"float\""}};
constexpr DefaultField kImageGenerationsDefaults[] = {{"n", "1"}};

struct DefaultTable {
  const DefaultField* begin = nullptr;
  const DefaultField* end = nullptr;
};

template <size_t N>
constexpr DefaultTable TableOf(const DefaultField (&fields)[N]) {
  return {fields, fields + N};
}

DefaultTable DefaultsFor(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kChat:
      return TableOf(kChatDefaults);
    case Endpoint::kCompletions:
      return TableOf(kCompletionsDefaults);
    case Endpoint::kEmbeddings:
      return TableOf(kEmbeddingsDefaults);
    case Endpoint::kImageGenerations:
      return TableOf(kImageGenerationsDefaults);
    default:
      return {};
  }
}

bool IsDroppedField(std::string_view key) {
  for (std::string_view dropped : kDroppedFields) {
    if (key == dropped) return true;
  }
  return false;
}

// True if path ends with the segments of suffix ("chat/completions"), starting at a '/'
// or at the beginning, so "/v1/chat/completions" matches but "/v1/xchat/completions" not.
bool EndsWithSegments(std::string_view path, std::string_view suffix) {
  if (path.size() < suffix.size()) return false;
  if (path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  return path.size() == suffix.size() || path[path.size() - suffix.size() - 1] == '/';
}

std::string_view TrimTrailingSlash(std::string_view path) {
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

Endpoint EndpointOf(std::string_view path) {
  path = TrimTrailingSlash(path.substr(0, path.find('?')));
  // Chat first: its path also ends with "completions".
  if (EndsWithSegments(path, "chat/completions")) return Endpoint::kChat;
  if (EndsWithSegments(path, "completions")) return Endpoint::kCompletions;
  if (EndsWithSegments(path, "responses")) return Endpoint::kResponses;
  if (EndsWithSegments(path, "embeddings")) return Endpoint::kEmbeddings;
  if (EndsWithSegments(path, "images/generations")) return Endpoint::kImageGenerations;
  return Endpoint::kOther;
}

// ---------------------------------------------------------------------------------------
// Rule 2: string escaping. Most strings need no escape at all, so they are checked and
// copied a word at a time; the byte-wise path runs only from the first byte to escape.

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr bool kLittleEndian = true;
#else
constexpr bool kLittleEndian = false;
#endif

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

uint64_t Load64(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}
uint32_t Load32(const char* p) {
  uint32_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}
void Store64(char* p, uint64_t word) { std::memcpy(p, &word, sizeof(word)); }
void Store32(char* p, uint32_t word) { std::memcpy(p, &word, sizeof(word)); }

// Nonzero iff a byte of word is below 0x20, '"' or '\\'. Borrows only run toward higher
// bytes, so on a little-endian load the lowest set bit marks the first such byte exactly.
uint64_t EscapeMask(uint64_t word) {
  uint64_t control = (word - kOnes * 0x20) & ~word;
  uint64_t quote = word ^ (kOnes * '"');
  quote = (quote - kOnes) & ~quote;
  uint64_t backslash = word ^ (kOnes * '\\');
  backslash = (backslash - kOnes) & ~backslash;
  return (control | quote | backslash) & kHighBits;
}

#ifdef __SSE2__
// One bit per byte of block that is below 0x20, '"' or '\\'.
unsigned EscapeMask16(__m128i block) {
  const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(block, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
  const __m128i quote = _mm_cmpeq_epi8(block, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(block, _mm_set1_epi8('\\'));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))));
}
#endif

size_t FirstMarkedByte(uint64_t mask) { return static_cast<size_t>(__builtin_ctzll(mask)) >> 3; }

// Copies src[0, n) to dst up to the first byte that needs escaping and returns its index
// (n if none). May also write bytes of dst beyond that index, but never at or past dst + n.
size_t CopyUntilEscape(const char* src, size_t n, char* dst) {
#ifdef __SSE2__
  if (n >= 16) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), block);  // the clean head counts
      if (const unsigned mask = EscapeMask16(block)) return i + __builtin_ctz(mask);
    }
    if (i < n) {  // the last 16 bytes, overlapping bytes already known clean
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + n - 16));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + n - 16), block);
      if (const unsigned mask = EscapeMask16(block)) return n - 16 + __builtin_ctz(mask);
    }
    return n;
  }
#endif
  if (kLittleEndian && n >= 8) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const uint64_t word = Load64(src + i);
      Store64(dst + i, word);
      if (const uint64_t mask = EscapeMask(word)) return i + FirstMarkedByte(mask);
    }
    if (i < n) {  // the last 8 bytes, overlapping bytes already known clean
      const uint64_t word = Load64(src + n - 8);
      Store64(dst + n - 8, word);
      if (const uint64_t mask = EscapeMask(word)) return n - 8 + FirstMarkedByte(mask);
    }
    return n;
  }
  if (kLittleEndian && n >= 4) {  // two overlapping 4-byte halves in one word
    const uint32_t head = Load32(src);
    const uint32_t tail = Load32(src + n - 4);
    Store32(dst, head);
    Store32(dst + n - 4, tail);
    if (const uint64_t mask = EscapeMask(head | uint64_t{tail} << 32)) {
      const size_t index = FirstMarkedByte(mask);
      return index < 4 ? index : n - 8 + index;
    }
    return n;
  }
  for (size_t i = 0; i < n; ++i) {
    if (NeedsEscape(static_cast<unsigned char>(src[i]))) return i;
    dst[i] = src[i];
  }
  return n;
}

// How far CopyUntilEscapePadded may read past its source and write past its destination.
constexpr size_t kOverrun = 16;

// CopyUntilEscape for text followed by at least kOverrun readable bytes, into a destination
// with kOverrun bytes of room beyond n: whole 16-byte blocks, with no tail handling.
size_t CopyUntilEscapePadded(const char* src, size_t n, char* dst) {
#ifdef __SSE2__
  for (size_t i = 0;; i += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), block);
    unsigned mask = EscapeMask16(block);
    if (n - i <= 16) mask &= (1u << (n - i)) - 1;  // bytes past the text do not count
    if (mask != 0) return i + __builtin_ctz(mask);
    if (n - i <= 16) return n;
  }
#else
  return CopyUntilEscape(src, n, dst);
#endif
}

// Writes the escape sequence of one byte that NeedsEscape; at most 6 bytes.
char* WriteEscape(char* out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  *out++ = '\\';
  switch (c) {
    case '"':
      *out++ = '"';
      break;
    case '\\':
      *out++ = '\\';
      break;
    case '\b':
      *out++ = 'b';
      break;
    case '\f':
      *out++ = 'f';
      break;
    case '\n':
      *out++ = 'n';
      break;
    case '\r':
      *out++ = 'r';
      break;
    case '\t':
      *out++ = 't';
      break;
    default:
      *out++ = 'u';
      *out++ = '0';
      *out++ = '0';
      *out++ = kHex[c >> 4];
      *out++ = kHex[c & 0xf];
  }
  return out;
}

bool IsAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }  // \t \n \v \f \r

// The first 8 bytes of key, zero-padded, as a number that orders like the bytes do, so
// most key comparisons are one integer compare instead of a memcmp call. Padded keys may be
// over-read (see CopyUntilEscapePadded).
template <bool kPadded = false>
uint64_t KeyPrefix(std::string_view key) {
  const char* p = key.data();
  const size_t n = key.size();
  if (kLittleEndian && (kPadded || n >= 8)) {
    const uint64_t word = __builtin_bswap64(Load64(p));
    return n >= 8 ? word : word & ~(~uint64_t{0} >> (8 * n));
  }
  if (kLittleEndian && n >= 4) {
    const uint64_t head = __builtin_bswap32(Load32(p));
    const uint64_t tail = __builtin_bswap32(Load32(p + n - 4));
    return head << 32 | tail << (8 * (8 - n));  // overlapping bytes land on themselves
  }
  uint64_t prefix = 0;
  for (size_t i = 0; i < n && i < 8; ++i) prefix |= uint64_t{static_cast<unsigned char>(p[i])} << (56 - 8 * i);
  return prefix;
}

// ---------------------------------------------------------------------------------------
// Output: writes straight into the caller's string through a raw cursor, growing it only
// when a write could overrun, and trims it to the written length at the end.

class JsonWriter {
 public:
  JsonWriter(std::string* out, size_t size_hint) : out_(out) {
    out_->resize(size_hint);
    pos_ = out_->data();
    end_ = pos_ + out_->size();
  }

  void Finish() { out_->resize(pos_ - out_->data()); }

  void Char(char c) {
    Ensure(1);
    *pos_++ = c;
  }

  void Raw(std::string_view text) {
    Ensure(text.size());
    std::memcpy(pos_, text.data(), text.size());
    pos_ += text.size();
  }

  // A quoted, escaped string. Padded text may be over-read (see CopyUntilEscapePadded).
  template <bool kPadded = false>
  void String(std::string_view text) {
    Ensure(text.size() + 2 + (kPadded ? kOverrun : 0));
    *pos_++ = '"';
    QuotedRest<kPadded>(text);
  }

  // ,"key": (without the comma for the first member).
  template <bool kPadded = false>
  void Key(std::string_view key, bool first) {
    Ensure(key.size() + 4 + (kPadded ? kOverrun : 0));
    char* p = pos_;
    *p = ',';
    p += first ? 0 : 1;
    *p++ = '"';
    pos_ = p;
    QuotedRest<kPadded>(key);
    *pos_++ = ':';  // QuotedRest leaves room for it
  }

  // Rule 6: one space per run of ASCII white space, none at the ends.
  void NormalizedString(std::string_view text) {
    Ensure(6 * text.size() + 2);
    *pos_++ = '"';
    bool space_pending = false;
    bool wrote_any = false;
    for (char c : text) {
      if (IsAsciiSpace(c)) {
        space_pending = wrote_any;
        continue;
      }
      if (space_pending) {
        *pos_++ = ' ';
        space_pending = false;
      }
      wrote_any = true;
      if (NeedsEscape(static_cast<unsigned char>(c))) {
        pos_ = WriteEscape(pos_, static_cast<unsigned char>(c));
      } else {
        *pos_++ = c;
      }
    }
    *pos_++ = '"';
  }

  void Int64(int64_t value) {
    Ensure(24);
    pos_ = std::to_chars(pos_, end_, value).ptr;
  }

  void Uint64(uint64_t value) {
    Ensure(24);
    pos_ = std::to_chars(pos_, end_, value).ptr;
  }

  // Rule 3. Every double of magnitude 2^53 or more is integral, so integral values that fit
  // int64/uint64 print exactly as integers, like the integer literals they equal.
  void Double(double value) {
    if (value >= -0x1p63 && value < 0x1p63) {
      const auto integral = static_cast<int64_t>(value);
      if (static_cast<double>(integral) == value) return Int64(integral);  // also -0 -> 0
    } else if (value >= 0x1p63 && value < 0x1p64) {
      return Uint64(static_cast<uint64_t>(value));
    }
    Ensure(32);  // the longest shortest-form double is 24 characters
    pos_ = std::to_chars(pos_, end_, value).ptr;
  }

 private:
  // Writes text and the closing quote after an opening quote already written. The caller
  // ensured room for text.size() + 1 more bytes (+ kOverrun if padded); escapes make room
  // for themselves.
  template <bool kPadded>
  void QuotedRest(std::string_view text) {
    // A local cursor: stores through char* may alias any member, so the compiler would
    // otherwise reload them after every byte written.
    char* p = pos_;
    const size_t clean =
        kPadded ? CopyUntilEscapePadded(text.data(), text.size(), p) : CopyUntilEscape(text.data(), text.size(), p);
    p += clean;
    if (clean != text.size()) {
      pos_ = p;
      EscapeFrom(text.data() + clean, text.data() + text.size());
      p = pos_;
    }
    *p++ = '"';
    pos_ = p;
  }

  // The slow path, from the first byte that needs escaping.
  void EscapeFrom(const char* p, const char* end) {
    while (p != end) {
      // The escape takes up to 6 bytes; the rest of the text, the quote and a ':' still fit.
      Ensure(6 + static_cast<size_t>(end - p) + 1);
      pos_ = WriteEscape(pos_, static_cast<unsigned char>(*p++));
      const size_t clean = CopyUntilEscape(p, static_cast<size_t>(end - p), pos_);
      pos_ += clean;
      p += clean;
    }
  }

  void Ensure(size_t n) {
    if (static_cast<size_t>(end_ - pos_) < n) Grow(n);
  }

  void Grow(size_t n) {
    const size_t used = pos_ - out_->data();
    out_->resize(std::max(out_->size() * 2, used + n));
    pos_ = out_->data() + used;
    end_ = out_->data() + out_->size();
  }

  std::string* out_;
  char* pos_;
  char* end_;
};

// ---------------------------------------------------------------------------------------
// Rule 1: the body, with object members sorted.
//
// The writer walks simdjson's DOM tape (simdjson's doc/tape.md) instead of going through
// dom::element: one 64-bit word per value, its type character in the top byte. Objects and
// arrays hold in their low 32 bits the index just past their closing word; strings hold
// an offset into the string buffer, where a 4-byte length precedes the unescaped bytes;
// numbers keep their value in the next word. Reading the words directly skips the type
// checks and result wrapping of every dom::element access on the hottest path.

class Tape {
 public:
  explicit Tape(const simdjson::dom::document& doc) : words_(doc.tape.get()), strings_(doc.string_buf.get()) {}

  static constexpr uint32_t kRoot = 1;  // word 0 is the 'r' header

  // simdjson sizes the string buffer for the worst case (5/3 of the input, when it is all
  // empty strings) plus SIMDJSON_PADDING (64) bytes, and itself copies strings into it in
  // whole SIMD blocks; so kOverrun bytes past the end of any string in it can be read, and
  // strings are copied out in whole 16-byte blocks too.
  static constexpr bool kPaddedStrings = simdjson::SIMDJSON_PADDING >= kOverrun + sizeof(uint32_t) + 1;

  char Type(uint32_t i) const { return static_cast<char>(words_[i] >> 56); }

  // Index of the value after the one at i.
  uint32_t Next(uint32_t i) const {
    switch (Type(i)) {
      case '{':
      case '[':
        return static_cast<uint32_t>(words_[i]);
      case 'l':
      case 'u':
      case 'd':
        return i + 2;
      default:
        return i + 1;
    }
  }

  // For '{' and '[': the index of the closing word.
  uint32_t Close(uint32_t i) const { return static_cast<uint32_t>(words_[i]) - 1; }

  // For '{': the member count, saturated at 0xFFFFFF.
  uint32_t Count(uint32_t i) const { return static_cast<uint32_t>(words_[i] >> 32) & 0xFFFFFF; }

  std::string_view String(uint32_t i) const {
    const uint8_t* at = strings_ + (words_[i] & simdjson::internal::JSON_VALUE_MASK);
    uint32_t size;
    std::memcpy(&size, at, sizeof(size));
    return {reinterpret_cast<const char*>(at + sizeof(size)), size};
  }

  template <typename T>
  T Payload(uint32_t i) const {  // the number in the word after i
    T value;
    std::memcpy(&value, &words_[i + 1], sizeof(value));
    return value;
  }

 private:
  const uint64_t* words_;
  const uint8_t* strings_;
};

struct Member {
  uint64_t prefix;  // KeyPrefix(key)
  const char* key_data;
  uint32_t key_size;
  uint32_t value;               // tape index of the value, unless literal is set
  const DefaultField* literal;  // a filled default (rule 5), written instead of value

  std::string_view key() const { return {key_data, key_size}; }
};

bool KeyLess(const Member& a, const Member& b) {
  if (a.prefix != b.prefix) return a.prefix < b.prefix;
  return a.key() < b.key();
}

bool KeyEqual(const Member& a, const Member& b) { return a.prefix == b.prefix && a.key() == b.key(); }

// The members of the objects being written sit on one stack; each object uses the slice
// above where its parent's ends. Slots are written in place, never pushed one by one.
class MemberStack {
 public:
  explicit MemberStack(std::vector<Member>* storage) : storage_(*storage) {}

  size_t top() const { return top_; }
  Member& operator[](size_t i) { return storage_[i]; }

  // Room for n more members above top(); the pointer is valid until the next Reserve.
  Member* Reserve(size_t n) {
    if (storage_.size() < top_ + n) storage_.resize(std::max(top_ + n, 2 * storage_.size()));
    return storage_.data() + top_;
  }
  void SetTop(size_t top) { top_ = top; }

 private:
  std::vector<Member>& storage_;
  size_t top_ = 0;
};

class BodyWriter {
 public:
  BodyWriter(const Tape& tape, Endpoint endpoint, bool normalize, std::string* out, size_t size_hint,
             std::vector<Member>* storage)
      : tape_(tape), endpoint_(endpoint), normalize_(normalize), out_(out, size_hint), members_(storage) {}

  JsonWriter& out() { return out_; }

  // The root object, with rules 4 and 5 applied to its members.
  void WriteBody() {
    const size_t begin = Collect(Tape::kRoot, /*top_level=*/true);
    FillDefaults(begin);
    SortAndDedup(begin);
    WriteMembers(begin, [this](std::string_view key) { return TopLevelPlace(endpoint_, normalize_, key); });
  }

 private:
  void WriteValue(uint32_t i, Place place) {
    switch (tape_.Type(i)) {
      case '{':
        return WriteObject(i, place);
      case '[':
        return WriteArray(i, place);
      case '"':
        if (IsTextString(place)) return out_.NormalizedString(tape_.String(i));
        return out_.String<Tape::kPaddedStrings>(tape_.String(i));
      case 'l':
        return out_.Int64(tape_.Payload<int64_t>(i));
      case 'u':
        return out_.Uint64(tape_.Payload<uint64_t>(i));
      case 'd':
        return out_.Double(tape_.Payload<double>(i));
      case 't':
        return out_.Raw("true");
      case 'f':
        return out_.Raw("false");
      default:
        return out_.Raw("null");
    }
  }

  void WriteArray(uint32_t i, Place place) {
    const Place element_place = ElementPlace(place);
    const uint32_t close = tape_.Close(i);
    out_.Char('[');
    for (uint32_t element = i + 1; element < close; element = tape_.Next(element)) {
      if (element != i + 1) out_.Char(',');
      WriteValue(element, element_place);
    }
    out_.Char(']');
  }

  void WriteObject(uint32_t i, Place place) {
    const size_t begin = Collect(i, /*top_level=*/false);
    if (place == Place::kProperties) {
      DedupInOrder(begin);  // rule 8
    } else {
      SortAndDedup(begin);
    }
    if (place == Place::kNone) {
      WriteMembers(begin, [](std::string_view) { return Place::kNone; });
    } else if (place == Place::kPart) {
      const bool text = IsTextPart(begin);
      WriteMembers(begin, [text](std::string_view key) { return text && key == "text" ? Place::kText : Place::kNone; });
    } else {
      WriteMembers(begin, [place](std::string_view key) { return MemberPlace(place, key); });
    }
  }

  // Pushes the members of the object at i (minus rule 4's at the top level); returns where
  // they start on the stack.
  size_t Collect(uint32_t i, bool top_level) {
    const size_t begin = members_.top();
    const uint32_t close = tape_.Close(i);
    // The count saturates at 0xFFFFFF; then bound it by the words between the braces, at
    // least two per member (a key and a value).
    size_t count = tape_.Count(i);
    if (count == 0xFFFFFF) count = (close - i) / 2;
    Member* const first = members_.Reserve(count);
    Member* slot = first;
    for (uint32_t key = i + 1; key < close; key = tape_.Next(key + 1)) {
      const std::string_view name = tape_.String(key);
      if (top_level && IsDroppedField(name)) continue;
      *slot++ = Member{KeyPrefix<Tape::kPaddedStrings>(name), name.data(), static_cast<uint32_t>(name.size()), key + 1,
                       nullptr};
    }
    members_.SetTop(begin + (slot - first));
    return begin;
  }

  // Writes members [begin, top) as an object and pops them. Indexes, not references:
  // nested objects push onto the same storage and may reallocate it.
  template <typename PlaceOf>
  void WriteMembers(size_t begin, PlaceOf place_of) {
    const size_t end = members_.top();
    out_.Char('{');
    for (size_t i = begin; i < end; ++i) {
      const Member member = members_[i];
      if (member.literal != nullptr) {
        out_.Key(member.key(), i == begin);
        out_.Raw(member.literal->canonical_json);
      } else {
        out_.Key<Tape::kPaddedStrings>(member.key(), i == begin);
        WriteValue(member.value, place_of(member.key()));
      }
    }
    out_.Char('}');
    members_.SetTop(begin);
  }

  // Sorts members [begin, top) by key, keeping only the last of equal keys (rule 1). The
  // sort is stable, so the last occurrence in the input is the last of its run.
  void SortAndDedup(size_t begin) {
    Member* const first = &members_[begin];
    Member* const last = first + (members_.top() - begin);
    if (last - first <= 16) {
      InsertionSort(first, last);
    } else {
      std::stable_sort(first, last, KeyLess);
    }
    Member* kept = first;
    for (Member* it = first; it != last; ++it) {
      if (it + 1 != last && KeyEqual(it[0], it[1])) continue;
      if (kept != it) *kept = *it;
      ++kept;
    }
    members_.SetTop(begin + (kept - first));
  }

  // Small objects are the common case; insertion sort beats std::stable_sort's setup there.
  static void InsertionSort(Member* first, Member* last) {
    for (Member* i = first; i != last; ++i) {
      const Member moving = *i;
      Member* j = i;
      for (; j != first && KeyLess(moving, j[-1]); --j) *j = j[-1];
      *j = moving;
    }
  }

  // Rule 8: keeps members [begin, top) in input order; a repeated key stays where it first
  // appeared and takes its last value, as Python's json module (OpenAI's servers) reads it.
  void DedupInOrder(size_t begin) {
    Member* const first = &members_[begin];
    const size_t count = members_.top() - begin;
    if (count > kMaxScannedProperties) return DedupInOrderSorted(first, begin, count);
    Member* kept = first;
    for (Member* it = first; it != first + count; ++it) {
      Member* same = first;
      while (same != kept && !KeyEqual(*same, *it)) ++same;
      if (same != kept) {
        same->value = it->value;
      } else {
        *kept++ = *it;
      }
    }
    members_.SetTop(begin + (kept - first));
  }

  // Schemas have a handful of properties; past this many, the quadratic scan above gives way
  // to a sort, so a huge object cannot make canonicalization slow.
  static constexpr size_t kMaxScannedProperties = 32;

  void DedupInOrderSorted(Member* first, size_t begin, size_t count) {
    std::vector<uint32_t> order(count);  // positions, sorted by key, input order among equals
    for (uint32_t i = 0; i < count; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [first](uint32_t a, uint32_t b) { return KeyLess(first[a], first[b]); });
    std::vector<bool> dropped(count);
    for (size_t run = 0; run < count;) {
      size_t end = run + 1;
      while (end < count && KeyEqual(first[order[run]], first[order[end]])) dropped[order[end++]] = true;
      first[order[run]].value = first[order[end - 1]].value;
      run = end;
    }
    size_t kept = 0;
    for (size_t i = 0; i < count; ++i) {
      if (!dropped[i]) first[kept++] = first[i];
    }
    members_.SetTop(begin + kept);
  }

  // Rule 5 on the top level, before sorting: appends absent defaults and gives a null last
  // occurrence (the one that will win) the default's value.
  void FillDefaults(size_t begin) {
    const DefaultTable table = DefaultsFor(endpoint_);
    const size_t end = members_.top();
    Member* const first = members_.Reserve(static_cast<size_t>(table.end - table.begin));
    Member* slot = first;
    for (const DefaultField* field = table.begin; field != table.end; ++field) {
      Member* found = FindLast(begin, end, field->key);
      if (found == nullptr) {
        *slot++ = Member{KeyPrefix(field->key), field->key.data(), static_cast<uint32_t>(field->key.size()), 0, field};
      } else if (tape_.Type(found->value) == 'n') {
        found->literal = field;
      }
    }
    members_.SetTop(end + (slot - first));
  }

  Member* FindLast(size_t begin, size_t end, std::string_view key) {
    for (size_t i = end; i > begin; --i) {
      if (members_[i - 1].key() == key) return &members_[i - 1];
    }
    return nullptr;
  }

  bool IsTextPart(size_t begin) {
    const Member* type = FindLast(begin, members_.top(), "type");
    if (type == nullptr || tape_.Type(type->value) != '"') return false;
    return IsTextPartType(endpoint_, tape_.String(type->value));
  }

  const Tape tape_;
  const Endpoint endpoint_;
  const bool normalize_;
  JsonWriter out_;
  MemberStack members_;
};

// ---------------------------------------------------------------------------------------
// Error reporting. simdjson says what kind of error it met but not where, so on failure
// this slower scanner re-reads the text to name the byte at which the JSON goes wrong.

class SyntaxLocator {
 public:
  explicit SyntaxLocator(std::string_view text) : text_(text) {}

  // False, with offset() and reason() set, at the first error; true if it finds none.
  bool Run() {
    SkipSpace();
    if (AtEnd()) return Fail("no JSON value (empty or only white space)");
    if (!Value(0)) return false;
    SkipSpace();
    return AtEnd() || Fail("unexpected text after the JSON value");
  }

  size_t offset() const { return pos_; }
  const char* reason() const { return reason_; }

 private:
  bool Value(size_t depth) {
    SkipSpace();
    if (AtEnd()) return Fail("unexpected end of input, expected a value");
    switch (Peek()) {
      case '{':
        return Container(depth, '}');
      case '[':
        return Container(depth, ']');
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        if (Peek() == '-' || IsDigit(Peek())) return Number();
        return Fail("unexpected character, expected a value");
    }
  }

  // An object (close '}') or an array (close ']'), starting at its opening bracket.
  bool Container(size_t depth, char close) {
    if (depth + 1 > kMaxDepth) return Fail("nesting deeper than 1024 levels");
    ++pos_;
    SkipSpace();
    if (!AtEnd() && Peek() == close) return ++pos_, true;
    for (;;) {
      if (close == '}' && !Key()) return false;
      if (!Value(depth + 1)) return false;
      SkipSpace();
      if (AtEnd())
        return Fail(close == '}' ? "unexpected end of input in an object" : "unexpected end of input in an array");
      if (Peek() == close) return ++pos_, true;
      if (Peek() != ',') return Fail(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
      ++pos_;
    }
  }

  bool Key() {
    SkipSpace();
    if (AtEnd()) return Fail("unexpected end of input in an object");
    if (Peek() != '"') return Fail("expected a string key");
    if (!String()) return false;
    SkipSpace();
    if (AtEnd() || Peek() != ':') return Fail("expected ':' after an object key");
    ++pos_;
    return true;
  }

  bool String() {
    ++pos_;  // opening quote
    for (;;) {
      if (AtEnd()) return Fail("unterminated string");
      const unsigned char c = Peek();
      if (c == '"') return ++pos_, true;
      if (c == '\\') {
        if (!Escape()) return false;
      } else if (c < 0x20) {
        return Fail("control character in a string must be escaped");
      } else if (c >= 0x80) {
        if (!Utf8Sequence()) return false;
      } else {
        ++pos_;
      }
    }
  }

  bool Escape() {
    if (pos_ + 1 >= text_.size()) return Fail("unterminated string");
    const char c = text_[pos_ + 1];
    if (std::strchr("\"\\/bfnrt", c) != nullptr && c != '\0') return pos_ += 2, true;
    if (c != 'u') return Fail("invalid escape sequence");
    const int unit = HexUnit(pos_ + 2);
    if (unit < 0) return Fail("invalid \\u escape");
    if (unit >= 0xDC00 && unit <= 0xDFFF) return Fail("unpaired UTF-16 surrogate");
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const bool has_next = pos_ + 7 < text_.size() && text_[pos_ + 6] == '\\' && text_[pos_ + 7] == 'u';
      const int low = has_next ? HexUnit(pos_ + 8) : -1;
      if (low < 0xDC00 || low > 0xDFFF) return Fail("unpaired UTF-16 surrogate");
      pos_ += 6;
    }
    pos_ += 6;
    return true;
  }

  // The 4 hex digits at offset, or -1.
  int HexUnit(size_t offset) const {
    if (offset + 4 > text_.size()) return -1;
    int unit = 0;
    for (size_t i = offset; i < offset + 4; ++i) {
      const char c = text_[i];
      int digit;
      if (IsDigit(c)) {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return -1;
      }
      unit = unit * 16 + digit;
    }
    return unit;
  }

  // One multi-byte UTF-8 sequence: no overlong forms, no surrogates, nothing above U+10FFFF.
  bool Utf8Sequence() {
    const unsigned char lead = Peek();
    unsigned char low = 0x80, high = 0xBF;  // bounds of the second byte
    size_t length;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return Fail("invalid UTF-8");
    }
    for (size_t i = 1; i < length; ++i) {
      if (pos_ + i >= text_.size()) return Fail("invalid UTF-8");
      const auto c = static_cast<unsigned char>(text_[pos_ + i]);
      if (c < (i == 1 ? low : 0x80) || c > (i == 1 ? high : 0xBF)) return Fail("invalid UTF-8");
    }
    pos_ += length;
    return true;
  }

  bool Number() {
    const size_t start = pos_;
    if (Peek() == '-') ++pos_;
    if (AtEnd() || !IsDigit(Peek())) return Fail("invalid number");
    if (Peek() == '0') {
      ++pos_;
    } else {
      SkipDigits();
    }
    bool integer = true;
    if (!AtEnd() && Peek() == '.') {
      integer = false;
      ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Fail("invalid number: digits must follow '.'");
      SkipDigits();
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      integer = false;
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Fail("invalid number: digits must follow the exponent");
      SkipDigits();
    }
    if (!AtEnd() && (IsDigit(Peek()) || Peek() == '.')) return Fail("invalid number");
    return InRange(start, integer);
  }

  // The parser holds integers in 64 bits and other numbers in a double.
  bool InRange(size_t start, bool integer) {
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integer) {
      std::from_chars_result result;
      if (*first == '-') {
        int64_t value;
        result = std::from_chars(first, last, value);
      } else {
        uint64_t value;
        result = std::from_chars(first, last, value);
      }
      if (result.ec == std::errc()) return true;
      pos_ = start;
      return Fail("integer outside the 64-bit range");
    }
    if (DecimalExponent(first, last) < 308) return true;
    double value;
    const auto result = std::from_chars(first, last, value);
    if (result.ec == std::errc() && value - value == 0) return true;  // finite
    pos_ = start;
    return Fail("number too large for a double");
  }

  // floor(log10(|number|)) from its text, enough to tell overflow (>= 308 needs a closer look).
  static int64_t DecimalExponent(const char* p, const char* last) {
    if (*p == '-') ++p;
    int64_t magnitude = -1;  // position of the first nonzero digit, relative to the point
    int64_t integer_digits = 0;
    bool seen_nonzero = false;
    int64_t fraction_zeros = 0;
    for (; p != last && IsDigit(*p); ++p) {
      if (*p != '0') seen_nonzero = true;
      if (seen_nonzero) ++integer_digits;
    }
    if (p != last && *p == '.') {
      for (++p; p != last && IsDigit(*p); ++p) {
        if (!seen_nonzero && *p == '0') ++fraction_zeros;
        if (*p != '0') seen_nonzero = true;
      }
    }
    if (!seen_nonzero) return INT64_MIN / 2;  // zero never overflows
    magnitude = integer_digits > 0 ? integer_digits - 1 : -(fraction_zeros + 1);
    int64_t exponent = 0;
    bool negative = false;
    if (p != last && (*p == 'e' || *p == 'E')) {
      ++p;
      if (*p == '+' || *p == '-') negative = *p++ == '-';
      for (; p != last; ++p) exponent = std::min<int64_t>(exponent * 10 + (*p - '0'), 1'000'000'000);
    }
    return magnitude + (negative ? -exponent : exponent);
  }

  bool Literal(std::string_view word) {
    if (text_.compare(pos_, word.size(), word) != 0) return Fail("invalid literal (expected true, false or null)");
    pos_ += word.size();
    return true;
  }

  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) ++pos_;
  }
  void SkipDigits() {
    while (!AtEnd() && IsDigit(Peek())) ++pos_;
  }
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  bool AtEnd() const { return pos_ >= text_.size(); }
  unsigned char Peek() const { return static_cast<unsigned char>(text_[pos_]); }
  bool Fail(const char* reason) {
    reason_ = reason;
    return false;
  }

  std::string_view text_;
  size_t pos_ = 0;
  const char* reason_ = nullptr;
};

Status ParseError(std::string_view body, simdjson::error_code error) {
  if (error == simdjson::MEMALLOC) return InternalError("out of memory parsing the request body");
  if (error == simdjson::CAPACITY) return InvalidArgumentError("request body is too large to parse (4 GiB or more)");
  SyntaxLocator locator(body);
  if (!locator.Run()) {
    return InvalidArgumentError("request body is not valid JSON: " + std::string(locator.reason()) + " at byte " +
                                std::to_string(locator.offset()));
  }
  return InvalidArgumentError("request body is not valid JSON: " + std::string(simdjson::error_message(error)));
}

const char* TypeName(element_type type) {
  switch (type) {
    case element_type::ARRAY:
      return "an array";
    case element_type::STRING:
      return "a string";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
    case element_type::OBJECT:
      return "an object";
  }
  return "not an object";
}

// The thread's parser for ordinary inputs; a parser of its own for large ones (see
// kMaxRetainedInput). Parse results live in the parser, so keep this alive while reading.
class ParserLease {
 public:
  explicit ParserLease(size_t input_size) {
    if (input_size > kMaxRetainedInput) {
      own_ = std::make_unique<simdjson::dom::parser>();
      parser_ = own_.get();
    } else {
      thread_local simdjson::dom::parser thread_parser;
      parser_ = &thread_parser;
    }
  }
  simdjson::dom::parser& get() { return *parser_; }

 private:
  std::unique_ptr<simdjson::dom::parser> own_;
  simdjson::dom::parser* parser_;
};

}  // namespace

Status Canonicalize(std::string_view cache_namespace, std::string_view path, std::string_view body_json,
                    const CanonicalOptions& options, std::string* out) {
  if (body_json.empty()) return InvalidArgumentError("request body is empty; it must be a JSON object");
  ParserLease lease(body_json.size());
  const auto parsed = lease.get().parse(body_json.data(), body_json.size());
  if (parsed.error()) return ParseError(body_json, parsed.error());
  const element root = parsed.value_unsafe();
  if (!root.is_object()) {
    return InvalidArgumentError(std::string("request body must be a JSON object, not ") + TypeName(root.type()));
  }

  path = TrimTrailingSlash(path);
  const size_t size_hint = cache_namespace.size() + path.size() + 2 + body_json.size() + kOutputSlack;
  // Reused across calls so that sorting members allocates nothing once warm.
  thread_local std::vector<Member> member_storage;
  BodyWriter writer(Tape(lease.get().doc), EndpointOf(path), options.normalize_whitespace, out, size_hint,
                    &member_storage);
  writer.out().Raw(cache_namespace);
  writer.out().Char('\0');
  writer.out().Raw(path);
  writer.out().Char('\0');
  writer.WriteBody();
  writer.out().Finish();
  if (member_storage.size() > kMaxRetainedMembers) std::vector<Member>().swap(member_storage);
  return Status::Ok();
}

Hash128 HashCanonical(std::string_view canonical) {
  const XXH128_hash_t hash = XXH3_128bits(canonical.data(), canonical.size());
  return Hash128{hash.low64, hash.high64};
}

bool IsValidJson(std::string_view text) {
  if (text.empty()) return false;
  ParserLease lease(text.size());
  return !lease.get().parse(text.data(), text.size()).error();
}

}  // namespace llmgate::internal
