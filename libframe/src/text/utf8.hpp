#pragma once
// UTF-8 validation shared by the Unicode services and the data reader, and
// code points named and written for messages.

#include <unicode/utf8.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace khung::detail {

// Byte offset of the first ill-formed sequence in `s` (a stray continuation
// byte, a truncated sequence, an overlong form, a surrogate or a value over
// U+10FFFF), or std::string_view::npos when all of `s` is well-formed UTF-8.
inline std::size_t find_invalid_utf8(std::string_view s) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(s.data());
  std::size_t i = 0;
  while (i < s.size()) {
    // ASCII is most of any real text; only multi-byte sequences need ICU.
    if (bytes[i] < 0x80) {
      ++i;
      continue;
    }
    std::size_t at = i;
    UChar32 c;
    U8_NEXT(bytes, i, s.size(), c);
    if (c < 0) return at;
  }
  return std::string_view::npos;
}

// "U+4E2D": how messages name a code point.
inline std::string code_point_name(char32_t cp) {
  char name[16];
  std::snprintf(name, sizeof name, "U+%04X", static_cast<unsigned>(cp));
  return name;
}

// Appends a code point (at most U+10FFFF, not a surrogate) as UTF-8.
inline void append_utf8(std::string& out, char32_t cp) {
  char bytes[U8_MAX_LENGTH];
  std::size_t n = 0;
  U8_APPEND_UNSAFE(bytes, n, static_cast<UChar32>(cp));
  out.append(bytes, n);
}

}  // namespace khung::detail
