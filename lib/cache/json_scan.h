// The loops of the canonical JSON writer (canonical_writer.cc) that touch every byte of a
// request body: skipping white space and copying text. Where SSE2 is available they work on
// 16 bytes at a time; request bodies are mostly string text.
#ifndef LLMGATE_LIB_CACHE_JSON_SCAN_H_
#define LLMGATE_LIB_CACHE_JSON_SCAN_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace llmgate::internal {

// The four white space characters JSON allows between tokens.
inline bool IsJsonSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// A byte that ends a run of plain string text: in input JSON '"' closes the string, '\\'
// starts an escape and a raw control byte is an error; in canonical output these are
// exactly the bytes that must be written escaped (rule 2).
inline bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

#ifdef __SSE2__
inline __m128i Load16(const char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// One bit per byte of block that NeedsEscape.
inline unsigned EscapeMask16(__m128i block) {
  const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(block, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
  const __m128i quote = _mm_cmpeq_epi8(block, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(block, _mm_set1_epi8('\\'));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))));
}

// One bit per byte of block that is not JSON white space.
inline unsigned TokenMask16(__m128i block) {
  const __m128i space = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(block, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(block, _mm_set1_epi8('\n'))),
      _mm_or_si128(_mm_cmpeq_epi8(block, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(block, _mm_set1_epi8('\t'))));
  return ~static_cast<unsigned>(_mm_movemask_epi8(space)) & 0xffff;
}
#endif

// The scanners below read text that is followed by padding: kScanPadding NUL bytes after its
// end. NUL is neither white space nor plain string text, so every scan stops there at the
// latest, and none needs to test for the end of the input.
constexpr size_t kScanPadding = 32;

// The first byte at or after p that is not white space.
inline const char* SkipJsonSpace(const char* p) {
  // Minified bodies have no white space, and pretty-printed ones mostly a single space or a
  // line break and an indent: test a byte or two before reaching for blocks.
  if (static_cast<unsigned char>(*p) > ' ') return p;
  if (!IsJsonSpace(*p)) return p;
  if (static_cast<unsigned char>(p[1]) > ' ') return p + 1;
#ifdef __SSE2__
  for (;; p += 16) {
    if (const unsigned mask = TokenMask16(Load16(p))) return p + __builtin_ctz(mask);
  }
#else
  while (IsJsonSpace(*p)) ++p;
  return p;
#endif
}

// Copies the string text at p to dst up to the first byte that NeedsEscape and returns how
// many bytes that is. Sets *high if one of them is 0x80 or above (bytes just past the run may
// set it too), so that pure ASCII text, the common case, skips UTF-8 validation. Reads and
// writes up to 15 bytes past the run.
inline size_t CopyPlainText(const char* p, char* dst, bool* high) {
#ifdef __SSE2__
  // ASCII first: one signed compare finds control bytes and bytes from 0x80 up alike.
  size_t i = 0;
  for (;; i += 16) {
    const __m128i block = Load16(p + i);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), block);
    const __m128i special = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(block, _mm_set1_epi8('"')), _mm_cmpeq_epi8(block, _mm_set1_epi8('\\'))),
        _mm_cmplt_epi8(block, _mm_set1_epi8(0x20)));
    if (const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(special))) {
      i += __builtin_ctz(mask);
      if (static_cast<signed char>(p[i]) >= 0) return i;
      break;
    }
  }
  // Text with non-ASCII bytes, from the first of them.
  *high = true;
  for (;; i += 16) {
    const __m128i block = Load16(p + i);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), block);
    if (const unsigned mask = EscapeMask16(block)) return i + __builtin_ctz(mask);
  }
#else
  size_t i = 0;
  for (; !NeedsEscape(static_cast<unsigned char>(p[i])); ++i) {
    *high |= static_cast<unsigned char>(p[i]) >= 0x80;
    dst[i] = p[i];
  }
  return i;
#endif
}

// Copies n bytes from src to dst, short ones in whole 16-byte blocks so that they cost a few
// instructions instead of a call; may read and write up to 15 bytes past them.
inline void CopyBlocks(char* dst, const char* src, size_t n) {
#ifdef __SSE2__
  if (n <= 64) {
    for (size_t i = 0; i < n; i += 16) _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), Load16(src + i));
    return;
  }
#endif
  std::memcpy(dst, src, n);  // wider than SSE2 blocks where the CPU has them
}

// The first 8 bytes of key, zero-padded, as a number that orders like the bytes do, so most
// key comparisons are one integer compare instead of a memcmp call. Reads 8 bytes: the key
// must be followed by padding if it is shorter.
inline uint64_t KeyPrefix(const char* key, size_t size) {
  uint64_t word;
  std::memcpy(&word, key, sizeof(word));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  word = __builtin_bswap64(word);
#endif
  return size >= 8 ? word : word & ~(~uint64_t{0} >> (8 * size));
}

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_CACHE_JSON_SCAN_H_
