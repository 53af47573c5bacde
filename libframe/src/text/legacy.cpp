#include "khung/legacy.hpp"

#include "khung/unicode.hpp"
#include "support/name_table.hpp"
#include "text/utf8.hpp"
#include "text/vietnamese.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <unordered_map>

namespace khung {
namespace {

using detail::append_utf8;
using detail::kVietnameseLowerCase;

// Legacy codes arrive as the Latin-1 characters U+00A0..U+00FF whose code
// point is the byte value: a spreadsheet exports a cell typed in a legacy
// font as the Latin-1/Windows-1252 reading of its bytes (identical there).

std::string to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append_utf8(out, c);
  return out;
}

template <class Table, class Key>
constexpr bool all_distinct(const Table& table, Key key) {
  for (std::size_t i = 0; i < table.size(); ++i)
    for (std::size_t j = i + 1; j < table.size(); ++j)
      if (key(table[i]) == key(table[j])) return false;
  return true;
}

// ---------------------------------------------------------------- TCVN3

struct Tcvn3Code {
  char32_t code;    // the byte, as a Latin-1 character
  char32_t letter;  // what it stands for
};

// TCVN 5712:1993 VN3 ("ABC"): 67 lower-case letters and the 7 capitals
// without tone marks, then the toned capitals of the full standard (VN1)
// that fall in the same upper half. VN1's other capitals sit in C0 control
// and 0x80-0x9F positions, which a Latin-1/Windows-1252 export does not keep
// as such, so they are left out. A0 (no-break space) and B0-B4 (not letters
// in VN3) are not listed: they pass unchanged.
constexpr std::array<Tcvn3Code, 90> kTcvn3 = {{
    {0xA1, U'Ă'}, {0xA2, U'Â'}, {0xA3, U'Ê'}, {0xA4, U'Ô'}, {0xA5, U'Ơ'}, {0xA6, U'Ư'}, {0xA7, U'Đ'},
    {0xA8, U'ă'}, {0xA9, U'â'}, {0xAA, U'ê'}, {0xAB, U'ô'}, {0xAC, U'ơ'}, {0xAD, U'ư'}, {0xAE, U'đ'},
    {0xB5, U'à'}, {0xB6, U'ả'}, {0xB7, U'ã'}, {0xB8, U'á'}, {0xB9, U'ạ'},
    {0xBB, U'ằ'}, {0xBC, U'ẳ'}, {0xBD, U'ẵ'}, {0xBE, U'ắ'}, {0xC6, U'ặ'},
    {0xC7, U'ầ'}, {0xC8, U'ẩ'}, {0xC9, U'ẫ'}, {0xCA, U'ấ'}, {0xCB, U'ậ'},
    {0xCC, U'è'}, {0xCE, U'ẻ'}, {0xCF, U'ẽ'}, {0xD0, U'é'}, {0xD1, U'ẹ'},
    {0xD2, U'ề'}, {0xD3, U'ể'}, {0xD4, U'ễ'}, {0xD5, U'ế'}, {0xD6, U'ệ'},
    {0xD7, U'ì'}, {0xD8, U'ỉ'}, {0xDC, U'ĩ'}, {0xDD, U'í'}, {0xDE, U'ị'},
    {0xDF, U'ò'}, {0xE1, U'ỏ'}, {0xE2, U'õ'}, {0xE3, U'ó'}, {0xE4, U'ọ'},
    {0xE5, U'ồ'}, {0xE6, U'ổ'}, {0xE7, U'ỗ'}, {0xE8, U'ố'}, {0xE9, U'ộ'},
    {0xEA, U'ờ'}, {0xEB, U'ở'}, {0xEC, U'ỡ'}, {0xED, U'ớ'}, {0xEE, U'ợ'},
    {0xEF, U'ù'}, {0xF1, U'ủ'}, {0xF2, U'ũ'}, {0xF3, U'ú'}, {0xF4, U'ụ'},
    {0xF5, U'ừ'}, {0xF6, U'ử'}, {0xF7, U'ữ'}, {0xF8, U'ứ'}, {0xF9, U'ự'},
    {0xFA, U'ỳ'}, {0xFB, U'ỷ'}, {0xFC, U'ỹ'}, {0xFD, U'ý'}, {0xFE, U'ỵ'},
    // VN1 capitals in the upper half.
    {0xAF, U'Ằ'}, {0xBA, U'Ẳ'}, {0xBF, U'Ẵ'}, {0xC0, U'Ắ'}, {0xC1, U'Ầ'}, {0xC2, U'Ẩ'},
    {0xC3, U'Ẫ'}, {0xC4, U'Ấ'}, {0xC5, U'Ề'}, {0xCD, U'Ể'}, {0xD9, U'Ễ'}, {0xDA, U'Ế'},
    {0xDB, U'Ồ'}, {0xE0, U'Ổ'}, {0xF0, U'Ỗ'}, {0xFF, U'Ố'},
}};
static_assert(all_distinct(kTcvn3, [](const Tcvn3Code& e) { return e.code; }));
static_assert(all_distinct(kTcvn3, [](const Tcvn3Code& e) { return e.letter; }));
static_assert(std::all_of(kTcvn3.begin(), kTcvn3.end(),
                          [](const Tcvn3Code& e) { return e.code > 0xA0 && e.code <= 0xFF; }));

// Every lower-case Vietnamese letter has its code (only capitals may lack one).
static_assert(std::all_of(kVietnameseLowerCase.begin(), kVietnameseLowerCase.end(), [](char32_t letter) {
  return std::any_of(kTcvn3.begin(), kTcvn3.end(), [&](const Tcvn3Code& e) { return e.letter == letter; });
}));

// The letter for each code U+00A0..U+00FF, 0 where there is none.
constexpr std::array<char32_t, 0x60> kTcvn3Letters = [] {
  std::array<char32_t, 0x60> letters{};
  for (const Tcvn3Code& e : kTcvn3) letters[e.code - 0xA0] = e.letter;
  return letters;
}();

std::u32string decode_tcvn3(std::u32string_view text) {
  std::u32string out(text);
  for (char32_t& c : out)
    if (c >= 0xA0 && c <= 0xFF && kTcvn3Letters[c - 0xA0] != 0) c = kTcvn3Letters[c - 0xA0];
  return out;
}

// 0 when TCVN3 has no code for the letter.
char32_t tcvn3_code(char32_t letter) {
  auto it = std::find_if(kTcvn3.begin(), kTcvn3.end(), [&](const Tcvn3Code& e) { return e.letter == letter; });
  return it == kTcvn3.end() ? 0 : it->code;
}

// ---------------------------------------------------------------- VNI

// A mark byte carries the letter's own mark (circumflex or breve), its tone,
// or both.
enum class Shape { None, Circumflex, Breve };
enum class Tone { None, Grave, Acute, Hook, Tilde, Dot };

// The Unicode combining characters for each, indexed by the enums above.
constexpr std::array<char32_t, 3> kShapeMarks = {0, 0x0302, 0x0306};
constexpr std::array<char32_t, 6> kToneMarks = {0, 0x0300, 0x0301, 0x0309, 0x0303, 0x0323};

struct VniMark {
  char32_t lower;  // written after a lower-case base ...
  char32_t upper;  // ... and after a capital; either is read after either
  Shape shape;
  Tone tone;
};

constexpr std::array<VniMark, 17> kVniMarks = {{
    {U'ù', U'Ù', Shape::None, Tone::Acute},
    {U'ø', U'Ø', Shape::None, Tone::Grave},
    {U'û', U'Û', Shape::None, Tone::Hook},
    {U'õ', U'Õ', Shape::None, Tone::Tilde},
    {U'ï', U'Ï', Shape::None, Tone::Dot},
    {U'â', U'Â', Shape::Circumflex, Tone::None},
    {U'á', U'Á', Shape::Circumflex, Tone::Acute},
    {U'à', U'À', Shape::Circumflex, Tone::Grave},
    {U'å', U'Å', Shape::Circumflex, Tone::Hook},
    {U'ã', U'Ã', Shape::Circumflex, Tone::Tilde},
    {U'ä', U'Ä', Shape::Circumflex, Tone::Dot},
    {U'ê', U'Ê', Shape::Breve, Tone::None},
    {U'é', U'É', Shape::Breve, Tone::Acute},
    {U'è', U'È', Shape::Breve, Tone::Grave},
    {U'ú', U'Ú', Shape::Breve, Tone::Hook},
    {U'ü', U'Ü', Shape::Breve, Tone::Tilde},
    {U'ë', U'Ë', Shape::Breve, Tone::Dot},
}};

// The letters a mark byte can follow. Every base takes the tone-only marks;
// i is not a base because its toned forms are single bytes.
struct VniBase {
  char32_t lower;
  char32_t upper;
  bool takes_circumflex;
  bool takes_breve;
};

constexpr std::array<VniBase, 7> kVniBases = {{
    {U'a', U'A', true, true},
    {U'e', U'E', true, false},
    {U'o', U'O', true, false},
    {U'u', U'U', false, false},
    {U'y', U'Y', false, false},
    {U'ô', U'Ô', false, false},  // ơ
    {U'ö', U'Ö', false, false},  // ư
}};

struct VniLetter {
  char32_t code;
  char32_t letter;
};

// Letters written as one byte. ỵ is one of them because the dot below
// clashes with y's descender in VNI fonts.
constexpr std::array<VniLetter, 18> kVniLetters = {{
    {U'ñ', U'đ'}, {U'Ñ', U'Đ'}, {U'ô', U'ơ'}, {U'Ô', U'Ơ'}, {U'ö', U'ư'}, {U'Ö', U'Ư'},
    {U'í', U'í'}, {U'ì', U'ì'}, {U'æ', U'ỉ'}, {U'ó', U'ĩ'}, {U'ò', U'ị'},
    {U'Í', U'Í'}, {U'Ì', U'Ì'}, {U'Æ', U'Ỉ'}, {U'Ó', U'Ĩ'}, {U'Ò', U'Ị'},
    {U'î', U'ỵ'}, {U'Î', U'Ỵ'},
}};
static_assert(all_distinct(kVniLetters, [](const VniLetter& e) { return e.code; }));
static_assert(all_distinct(kVniLetters, [](const VniLetter& e) { return e.letter; }));
// A byte is never both a mark and a letter, so reading pairs left to right
// is unambiguous.
static_assert(std::none_of(kVniLetters.begin(), kVniLetters.end(), [](const VniLetter& l) {
  return std::any_of(kVniMarks.begin(), kVniMarks.end(),
                     [&](const VniMark& m) { return l.code == m.lower || l.code == m.upper; });
}));

const VniMark* find_vni_mark(char32_t c) {
  auto it = std::find_if(kVniMarks.begin(), kVniMarks.end(),
                         [&](const VniMark& m) { return m.lower == c || m.upper == c; });
  return it == kVniMarks.end() ? nullptr : &*it;
}

bool takes_vni_mark(const VniBase& base, const VniMark& mark) {
  switch (mark.shape) {
    case Shape::Circumflex: return base.takes_circumflex;
    case Shape::Breve: return base.takes_breve;
    case Shape::None: break;
  }
  return true;
}

bool takes_vni_mark(char32_t base, const VniMark& mark) {
  auto it = std::find_if(kVniBases.begin(), kVniBases.end(),
                         [&](const VniBase& b) { return b.lower == base || b.upper == base; });
  return it != kVniBases.end() && takes_vni_mark(*it, mark);
}

// The letter a single byte stands for, or the byte itself.
char32_t vni_letter(char32_t c) {
  auto it = std::find_if(kVniLetters.begin(), kVniLetters.end(), [&](const VniLetter& l) { return l.code == c; });
  return it == kVniLetters.end() ? c : it->letter;
}

// Appends base + mark decomposed (letter, then combining marks); the caller
// composes with NFC. The base's case is the letter's case.
void append_vni_pair(std::u32string& out, char32_t base, const VniMark& mark) {
  out += vni_letter(base);
  if (mark.shape != Shape::None) out += kShapeMarks[static_cast<std::size_t>(mark.shape)];
  if (mark.tone != Tone::None) out += kToneMarks[static_cast<std::size_t>(mark.tone)];
}

// Decodes VNI to Unicode that is not yet composed. `paired` is set when at
// least one base + mark pair was read.
std::u32string decode_vni(std::u32string_view text, bool& paired) {
  std::u32string out;
  out.reserve(text.size() * 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i + 1 < text.size()) {
      const VniMark* mark = find_vni_mark(text[i + 1]);
      if (mark && takes_vni_mark(text[i], *mark)) {
        append_vni_pair(out, text[i], *mark);
        paired = true;
        ++i;
        continue;
      }
    }
    out += vni_letter(text[i]);
  }
  return out;
}

struct VniSpelling {
  char32_t base;
  char32_t mark;  // 0 for a single-byte letter
};

// Every letter VNI writes, keyed by its NFC code point: the inverse of the
// decoder over canonical spellings (mark bytes in the base's case), so that
// encoding then decoding gives back the letter.
const std::unordered_map<char32_t, VniSpelling>& vni_spellings() {
  static const std::unordered_map<char32_t, VniSpelling> spellings = [] {
    std::unordered_map<char32_t, VniSpelling> map;
    // Single bytes first: emplace keeps them where a pair spells the same
    // letter (y + ï is ỵ too, but î is the canonical form).
    for (const VniLetter& l : kVniLetters) map.emplace(l.letter, VniSpelling{l.code, 0});
    for (const VniBase& b : kVniBases)
      for (const VniMark& m : kVniMarks) {
        if (!takes_vni_mark(b, m)) continue;
        for (bool upper : {false, true}) {
          char32_t base = upper ? b.upper : b.lower;
          std::u32string decomposed;
          append_vni_pair(decomposed, base, m);
          std::u32string letter = to_utf32(to_nfc(to_utf8(decomposed)));
          if (letter.size() == 1) map.emplace(letter[0], VniSpelling{base, upper ? m.upper : m.lower});
        }
      }
    return map;
  }();
  return spellings;
}

// ---------------------------------------------------------------- detection

// The Latin-1 letters Vietnamese Unicode text uses. Any other character
// U+00A1..U+00FF is "foreign": evidence of a legacy encoding. The no-break
// space U+00A0 is not: Unicode text holds it too, and it is TCVN3's own.
constexpr std::u32string_view kVietnameseLatin1 = U"ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý";

bool is_foreign(char32_t c) {
  return c > 0xA0 && c <= 0xFF && kVietnameseLatin1.find(c) == std::u32string_view::npos;
}

bool has_foreign(std::u32string_view text) { return std::any_of(text.begin(), text.end(), is_foreign); }

// Vietnamese letters and marks beyond Latin-1. A Latin-1 reading of legacy
// bytes never holds them, so text with one is Unicode.
bool is_unicode_vietnamese(char32_t c) {
  constexpr std::u32string_view kLetters = U"ĂăĐđĨĩŨũƠơƯư";
  constexpr std::u32string_view kMarks = U"\u0300\u0301\u0302\u0303\u0306\u0309\u031B\u0323";
  return (c >= 0x1EA0 && c <= 0x1EF9) || kLetters.find(c) != std::u32string_view::npos ||
         kMarks.find(c) != std::u32string_view::npos;
}

}  // namespace

namespace {
constexpr detail::EnumName<LegacyEncoding> kLegacyNames[] = {{"tcvn3", LegacyEncoding::Tcvn3},
                                                              {"vni", LegacyEncoding::Vni}};
}  // namespace

const char* legacy_name(LegacyEncoding encoding) { return detail::enum_name<LegacyEncoding>(kLegacyNames, encoding); }

LegacyEncoding parse_legacy_encoding(std::string_view name, std::string_view what) {
  return detail::parse_enum<LegacyEncoding>(kLegacyNames, name, what);
}

std::string legacy_to_unicode(std::string_view text, LegacyEncoding encoding) {
  std::u32string in = to_utf32(text);
  bool paired = false;
  std::u32string out = encoding == LegacyEncoding::Tcvn3 ? decode_tcvn3(in) : decode_vni(in, paired);
  return to_nfc(to_utf8(out));
}

std::string unicode_to_legacy(std::string_view text, LegacyEncoding encoding) {
  // NFC first: both tables are keyed by precomposed letters.
  std::u32string in = to_utf32(to_nfc(text));
  std::string out;
  out.reserve(text.size());
  if (encoding == LegacyEncoding::Vni) {
    const auto& spellings = vni_spellings();
    for (char32_t c : in) {
      auto it = spellings.find(c);
      if (it == spellings.end()) {
        append_utf8(out, c);
        continue;
      }
      append_utf8(out, it->second.base);
      if (it->second.mark) append_utf8(out, it->second.mark);
    }
    return out;
  }
  for (char32_t c : in) {
    char32_t code = c < 0x80 ? 0 : tcvn3_code(c);
    if (c >= 0x80 && code == 0) {
      // A capital without a code: ABC documents drew capitals with separate
      // capital fonts over the lower-case codes.
      std::string one;
      append_utf8(one, c);
      std::u32string lower = to_utf32(to_lower(one));
      if (lower.size() == 1) code = tcvn3_code(lower[0]);
    }
    append_utf8(out, code ? code : c);
  }
  return out;
}

std::optional<LegacyEncoding> detect_legacy(std::string_view text) {
  std::u32string in = to_utf32(text);
  if (!has_foreign(in)) return std::nullopt;
  if (std::any_of(in.begin(), in.end(), is_unicode_vietnamese)) return std::nullopt;
  // VNI first: TCVN3 gives a letter to nearly every Latin-1 byte, so it
  // explains almost any text; VNI needs a base + mark pair to be considered.
  bool paired = false;
  if (!has_foreign(decode_vni(in, paired)) && paired) return LegacyEncoding::Vni;
  if (!has_foreign(decode_tcvn3(in))) return LegacyEncoding::Tcvn3;
  return std::nullopt;
}

}  // namespace khung
