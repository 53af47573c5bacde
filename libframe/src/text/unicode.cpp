#include "khung/unicode.hpp"

#include "khung/error.hpp"
#include "text/utf8.hpp"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <memory>

namespace khung {
namespace {

void check_utf8(std::string_view s) {
  std::size_t at = detail::find_invalid_utf8(s);
  if (at != std::string_view::npos)
    throw Error(ErrorCode::InvalidArgument, "text: invalid UTF-8 at byte " + std::to_string(at));
}

icu::UnicodeString from_utf8(std::string_view s) {
  check_utf8(s);
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

std::string to_std(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}

std::string normalize(std::string_view s, bool compose) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n =
      compose ? icu::Normalizer2::getNFCInstance(status) : icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) throw Error(ErrorCode::InvalidArgument, "text: ICU normaliser unavailable");
  icu::UnicodeString out = n->normalize(from_utf8(s), status);
  if (U_FAILURE(status)) throw Error(ErrorCode::InvalidArgument, "text: cannot be normalised");
  return to_std(out);
}

const icu::Locale& vietnamese() {
  static const icu::Locale vi("vi");
  return vi;
}

struct UTextCloser {
  void operator()(UText* t) const { utext_close(t); }
};

// Runs an ICU break iterator over UTF-8 directly, so boundaries come back
// as byte offsets. make() creates the iterator for a locale.
template <class Make, class Visit>
void iterate_breaks(std::string_view s, Make make, Visit visit) {
  check_utf8(s);
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UText, UTextCloser> text(
      utext_openUTF8(nullptr, s.data(), static_cast<int64_t>(s.size()), &status));
  std::unique_ptr<icu::BreakIterator> it(make(status));
  if (U_FAILURE(status) || !it) throw Error(ErrorCode::InvalidArgument, "text: ICU break iterator unavailable");
  it->setText(text.get(), status);
  if (U_FAILURE(status)) throw Error(ErrorCode::InvalidArgument, "text: cannot be segmented");
  for (int32_t pos = it->first(); pos != icu::BreakIterator::DONE; pos = it->next())
    visit(static_cast<std::size_t>(pos), *it);
}

// Calls visit(c) on each code point of `utf8` in order (c < 0 for an
// ill-formed sequence) until it returns true; returns whether it did.
template <class Visit>
bool find_code_point(std::string_view utf8, Visit visit) {
  std::size_t i = 0;
  while (i < utf8.size()) {
    UChar32 c;
    U8_NEXT(reinterpret_cast<const std::uint8_t*>(utf8.data()), i, utf8.size(), c);
    if (visit(c)) return true;
  }
  return false;
}

}  // namespace

std::string to_nfc(std::string_view utf8) { return normalize(utf8, true); }
std::string to_nfd(std::string_view utf8) { return normalize(utf8, false); }

std::string to_upper(std::string_view utf8) {
  icu::UnicodeString u = from_utf8(utf8);
  return to_std(u.toUpper(vietnamese()));
}

std::string to_lower(std::string_view utf8) {
  icu::UnicodeString u = from_utf8(utf8);
  return to_std(u.toLower(vietnamese()));
}

std::string fold_case(std::string_view utf8) {
  icu::UnicodeString u = from_utf8(utf8);
  std::string folded = to_std(u.foldCase(U_FOLD_CASE_DEFAULT));
  return to_nfc(folded);
}

std::vector<std::size_t> grapheme_boundaries(std::string_view utf8) {
  std::vector<std::size_t> out;
  iterate_breaks(
      utf8, [](UErrorCode& st) { return icu::BreakIterator::createCharacterInstance(vietnamese(), st); },
      [&](std::size_t pos, icu::BreakIterator&) { out.push_back(pos); });
  if (out.empty() || out.back() != utf8.size()) out.push_back(utf8.size());
  return out;
}

std::vector<LineBreak> line_breaks(std::string_view utf8) {
  std::vector<LineBreak> out;
  iterate_breaks(
      utf8, [](UErrorCode& st) { return icu::BreakIterator::createLineInstance(vietnamese(), st); },
      [&](std::size_t pos, icu::BreakIterator& it) {
        if (pos == 0) return;
        bool hard = it.getRuleStatus() >= UBRK_LINE_HARD && it.getRuleStatus() < UBRK_LINE_HARD_LIMIT;
        // Tailoring: UAX #14 lets a spaced en or em dash start a line; in
        // Vietnamese (as in French) typesetting it stays with the word before.
        std::string_view next = utf8.substr(pos);
        if (!hard && (next.starts_with("\u2013") || next.starts_with("\u2014"))) return;
        out.push_back({pos, hard && pos != utf8.size()});
      });
  if (out.empty() || out.back().offset != utf8.size()) out.push_back({utf8.size(), false});
  return out;
}

bool is_blank(std::string_view utf8) {
  return !find_code_point(utf8, [](UChar32 c) {
    return c < 0 || !(u_isUWhiteSpace(c) || u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT));
  });
}

bool has_whitespace(std::string_view utf8) {
  return find_code_point(utf8, [](UChar32 c) { return c >= 0 && u_isUWhiteSpace(c); });
}

std::u32string to_utf32(std::string_view utf8) {
  check_utf8(utf8);
  std::u32string out;
  find_code_point(utf8, [&out](UChar32 c) {
    out.push_back(static_cast<char32_t>(c));
    return false;
  });
  return out;
}

}  // namespace khung
