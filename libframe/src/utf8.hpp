#pragma once
// UTF-8 validation shared by the Unicode services and the data reader.

#include <unicode/utf8.h>

#include <cstddef>
#include <cstdint>
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

}  // namespace khung::detail
