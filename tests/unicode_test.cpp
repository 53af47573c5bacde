#include "khung/error.hpp"
#include "khung/unicode.hpp"

#include <catch2/catch.hpp>

using namespace khung;

TEST_CASE("upper and lower case follow Unicode, not ASCII", "[unicode]") {
  CHECK(to_upper("trường đại học ưu tú, đường ỷ lại") == "TRƯỜNG ĐẠI HỌC ƯU TÚ, ĐƯỜNG Ỷ LẠI");
  CHECK(to_lower("TRƯỜNG ĐẠI HỌC ƯU TÚ, ĐƯỜNG Ỷ LẠI") == "trường đại học ưu tú, đường ỷ lại");
  // Decomposed input keeps its marks through case mapping.
  CHECK(to_nfc(to_upper(to_nfd("ỷ lại"))) == "Ỷ LẠI");
}

TEST_CASE("NFC and NFD convert both ways", "[unicode]") {
  std::string nfc = "Việt Nam";
  std::string nfd = to_nfd(nfc);
  CHECK(nfd != nfc);
  CHECK(nfd.size() > nfc.size());
  CHECK(to_nfc(nfd) == nfc);
  CHECK(to_utf32(nfd).size() == 10);  // ệ is e + circumflex + dot below
}

TEST_CASE("graphemes keep a letter and its marks together", "[unicode]") {
  std::string nfd = to_nfd("Ệ");
  CHECK(grapheme_boundaries(nfd) == std::vector<std::size_t>{0, nfd.size()});
  CHECK(grapheme_boundaries("ab") == std::vector<std::size_t>{0, 1, 2});
}

TEST_CASE("line breaks fall between words only", "[unicode]") {
  std::string text = "Tự hào trí tuệ lao động Việt Nam";
  std::vector<LineBreak> breaks = line_breaks(text);
  // One opportunity after each space, and the end.
  std::vector<std::size_t> expected;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == ' ') expected.push_back(i + 1);
  expected.push_back(text.size());
  std::vector<std::size_t> got;
  for (const auto& b : breaks) got.push_back(b.offset);
  CHECK(got == expected);
  // Decomposed marks never become break points.
  std::string nfd = to_nfd(text);
  for (const auto& b : line_breaks(nfd))
    CHECK((b.offset == nfd.size() || nfd[b.offset - 1] == ' '));
}

TEST_CASE("a newline is a hard break, and no break comes before punctuation", "[unicode]") {
  std::vector<LineBreak> breaks = line_breaks("một\nhai, ba!");
  REQUIRE(breaks.size() == 3);
  CHECK(breaks[0] == LineBreak{6, true});  // after "một\n"
  CHECK(breaks[1] == LineBreak{11, false});  // after "hai, "
  CHECK(breaks[2] == LineBreak{14, false});
}

TEST_CASE("malformed UTF-8 is refused with its byte offset", "[unicode]") {
  try {
    to_nfc("ab\xC3");
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(std::string(e.what()) == "text: invalid UTF-8 at byte 2");
  }
}

TEST_CASE("a spaced dash never starts a line", "[unicode]") {
  std::string text = "01 TRIỆU SÁNG KIẾN – TRIỆU VIỆC TỐT";
  std::size_t dash = text.find("–");
  for (const auto& b : line_breaks(text)) CHECK(b.offset != dash);
  bool after_dash = false;
  for (const auto& b : line_breaks(text)) after_dash |= b.offset == dash + 4;  // "– " is 4 bytes
  CHECK(after_dash);
  for (const auto& b : line_breaks("một — hai")) CHECK(b.offset != 7);
}

TEST_CASE("blank text is empty, whitespace or invisible characters only", "[unicode]") {
  for (const char* blank : {"", " ", "\t\r\n", "\u00A0", "\u3000", "\u2003\u2009", "\u200B", "\uFEFF", " \u00A0\u3000 "}) {
    INFO("'" << blank << "'");
    CHECK(is_blank(blank));
  }
  for (const char* shown : {"a", " a ", "\u00A0.", "\u3000\u4E2D", "_", "\u0301"}) {
    INFO("'" << shown << "'");
    CHECK_FALSE(is_blank(shown));
  }
  CHECK_FALSE(is_blank("\xA0"));  // Windows-1258's no-break space: not UTF-8, not blank
}

TEST_CASE("whitespace anywhere in a text is found, of any kind", "[unicode]") {
  for (const char* spaced : {"#a b", "#a\tb", "#a\u00A0b", "#a\u202Fb", "#a\u3000b", "\u2009#ab"}) {
    INFO("'" << spaced << "'");
    CHECK(has_whitespace(spaced));
  }
  for (const char* tight : {"", "#01trieusangkien", "#TựHào", "#a\u200Bb", "#a\xA0" "b"}) {
    INFO("'" << tight << "'");
    CHECK_FALSE(has_whitespace(tight));  // U+200B is invisible but not a space; 0xA0 alone is not UTF-8
  }
}

TEST_CASE("case folding compares names across case and NFC/NFD", "[unicode]") {
  CHECK(fold_case("Họ và tên") == "họ và tên");
  CHECK(fold_case("HỌ VÀ TÊN") == "họ và tên");
  CHECK(fold_case(to_nfd("Họ Và Tên")) == "họ và tên");
  CHECK(fold_case("ĐƠN VỊ") == fold_case("đơn vị"));
  CHECK(fold_case("Straße") == "strasse");  // full folding, not lower case
  CHECK(fold_case("Đơn vị") != fold_case("Don vi"));  // marks matter
}
