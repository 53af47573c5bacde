#pragma once
// Unicode services over UTF-8 strings, backed by ICU: normalisation, case
// mapping by Unicode (Vietnamese) rules, grapheme and line-break boundaries.
// Every function throws Error(InvalidArgument) on malformed UTF-8, naming the
// byte offset.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace khung {

std::string to_nfc(std::string_view utf8);
std::string to_nfd(std::string_view utf8);
// Full Unicode case mapping with the Vietnamese locale: "đường ỷ" -> "ĐƯỜNG Ỷ".
std::string to_upper(std::string_view utf8);
std::string to_lower(std::string_view utf8);

// Byte offsets where a user-perceived character (grapheme cluster) starts,
// plus utf8.size() at the end.
std::vector<std::size_t> grapheme_boundaries(std::string_view utf8);

// A place where a line may end: before the byte at `offset`. `hard` marks a
// mandatory break (after a newline). The end of the text is always included.
struct LineBreak {
  std::size_t offset = 0;
  bool hard = false;
  friend bool operator==(const LineBreak&, const LineBreak&) = default;
};
// Line-break opportunities by the Unicode line breaking algorithm (UAX #14):
// between words, never inside a syllable or before punctuation, and never
// before an en or em dash (a spaced dash stays with the word before it).
std::vector<LineBreak> line_breaks(std::string_view utf8);

// The text with Unicode full case folding, in NFC: two names that differ
// only in case or normalisation form fold alike ("Họ và tên", "HỌ VÀ TÊN"
// and its NFD all give "họ và tên").
std::string fold_case(std::string_view utf8);

// True when the text shows nothing: empty, or only whitespace (Unicode
// White_Space: space, tab, line ends, U+00A0 no-break space, U+3000
// ideographic space, ...) and invisible format characters (U+200B zero
// width space, U+FEFF, soft hyphen: Default_Ignorable_Code_Point). Unlike
// the rest, never throws: malformed UTF-8 is not blank (laying it out
// reports it).
//   is_blank(" \u00A0\u3000\t") == true; is_blank(" a ") == false
bool is_blank(std::string_view utf8);

// True when the text holds any whitespace (Unicode White_Space, as for
// is_blank), such as a no-break space a phone's keyboard typed into a
// hashtag. Never throws: malformed UTF-8 holds none.
//   has_whitespace("#a\u00A0b") == true; has_whitespace("#ab") == false
bool has_whitespace(std::string_view utf8);

// Decodes the code points of a UTF-8 string.
std::u32string to_utf32(std::string_view utf8);

}  // namespace khung
