#include "khung/error.hpp"
#include "khung/legacy.hpp"
#include "khung/unicode.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace khung;

namespace {

constexpr auto kTcvn3 = LegacyEncoding::Tcvn3;
constexpr auto kVni = LegacyEncoding::Vni;

// The 134 precomposed Vietnamese letters, lower case then upper case in the
// same order: a ă â e ê i o ô ơ u ư y with grave, hook, tilde, acute, dot
// below, then ă â ê ô ơ ư đ alone.
const std::string kLower =
    "àảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵăâêôơưđ";
const std::string kUpper =
    "ÀẢÃÁẠẰẲẴẮẶẦẨẪẤẬÈẺẼÉẸỀỂỄẾỆÌỈĨÍỊÒỎÕÓỌỒỔỖỐỘỜỞỠỚỢÙỦŨÚỤỪỬỮỨỰỲỶỸÝỴĂÂÊÔƠƯĐ";

// Capitals TCVN3 has codes for: VN3's seven and VN1's sixteen.
const std::string kTcvn3Capitals = "ĂÂÊÔƠƯĐẰẲẴẮẦẨẪẤỀỂỄẾỒỔỖỐ";
// The other 44 capitals, and the lower-case letters they come back as.
const std::string kTcvn3LoweredCapitals = "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨÚỤỪỬỮỨỰỲỶỸÝỴ";
const std::string kTcvn3LoweredAs = "àảãáạặậèẻẽéẹệìỉĩíịòỏõóọộờởỡớợùủũúụừửữứựỳỷỹýỵ";

// Splits UTF-8 text into its code points, each as UTF-8.
std::vector<std::string> letters_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t n = 1;
    auto lead = static_cast<unsigned char>(text[i]);
    if (lead >= 0xF0) n = 4;
    else if (lead >= 0xE0) n = 3;
    else if (lead >= 0xC0) n = 2;
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

// Every TCVN3 code (as its Latin-1 character) and its letter.
const std::vector<std::pair<std::string, std::string>> kTcvn3Table = {
    {"\u00A1", "Ă"}, {"\u00A2", "Â"}, {"\u00A3", "Ê"}, {"\u00A4", "Ô"}, {"\u00A5", "Ơ"},
    {"\u00A6", "Ư"}, {"\u00A7", "Đ"}, {"\u00A8", "ă"}, {"\u00A9", "â"}, {"\u00AA", "ê"},
    {"\u00AB", "ô"}, {"\u00AC", "ơ"}, {"\u00AD", "ư"}, {"\u00AE", "đ"},
    {"\u00B5", "à"}, {"\u00B6", "ả"}, {"\u00B7", "ã"}, {"\u00B8", "á"}, {"\u00B9", "ạ"},
    {"\u00BB", "ằ"}, {"\u00BC", "ẳ"}, {"\u00BD", "ẵ"}, {"\u00BE", "ắ"}, {"\u00C6", "ặ"},
    {"\u00C7", "ầ"}, {"\u00C8", "ẩ"}, {"\u00C9", "ẫ"}, {"\u00CA", "ấ"}, {"\u00CB", "ậ"},
    {"\u00CC", "è"}, {"\u00CE", "ẻ"}, {"\u00CF", "ẽ"}, {"\u00D0", "é"}, {"\u00D1", "ẹ"},
    {"\u00D2", "ề"}, {"\u00D3", "ể"}, {"\u00D4", "ễ"}, {"\u00D5", "ế"}, {"\u00D6", "ệ"},
    {"\u00D7", "ì"}, {"\u00D8", "ỉ"}, {"\u00DC", "ĩ"}, {"\u00DD", "í"}, {"\u00DE", "ị"},
    {"\u00DF", "ò"}, {"\u00E1", "ỏ"}, {"\u00E2", "õ"}, {"\u00E3", "ó"}, {"\u00E4", "ọ"},
    {"\u00E5", "ồ"}, {"\u00E6", "ổ"}, {"\u00E7", "ỗ"}, {"\u00E8", "ố"}, {"\u00E9", "ộ"},
    {"\u00EA", "ờ"}, {"\u00EB", "ở"}, {"\u00EC", "ỡ"}, {"\u00ED", "ớ"}, {"\u00EE", "ợ"},
    {"\u00EF", "ù"}, {"\u00F1", "ủ"}, {"\u00F2", "ũ"}, {"\u00F3", "ú"}, {"\u00F4", "ụ"},
    {"\u00F5", "ừ"}, {"\u00F6", "ử"}, {"\u00F7", "ữ"}, {"\u00F8", "ứ"}, {"\u00F9", "ự"},
    {"\u00FA", "ỳ"}, {"\u00FB", "ỷ"}, {"\u00FC", "ỹ"}, {"\u00FD", "ý"}, {"\u00FE", "ỵ"},
    // VN1 capitals
    {"\u00AF", "Ằ"}, {"\u00BA", "Ẳ"}, {"\u00BF", "Ẵ"}, {"\u00C0", "Ắ"}, {"\u00C1", "Ầ"},
    {"\u00C2", "Ẩ"}, {"\u00C3", "Ẫ"}, {"\u00C4", "Ấ"}, {"\u00C5", "Ề"}, {"\u00CD", "Ể"},
    {"\u00D9", "Ễ"}, {"\u00DA", "Ế"}, {"\u00DB", "Ồ"}, {"\u00E0", "Ổ"}, {"\u00F0", "Ỗ"},
    {"\u00FF", "Ố"},
};

// Every letter and its canonical VNI spelling.
const std::vector<std::pair<std::string, std::string>> kVniTable = {
    {"à", "aø"}, {"ả", "aû"}, {"ã", "aõ"}, {"á", "aù"}, {"ạ", "aï"},
    {"ằ", "aè"}, {"ẳ", "aú"}, {"ẵ", "aü"}, {"ắ", "aé"}, {"ặ", "aë"},
    {"ầ", "aà"}, {"ẩ", "aå"}, {"ẫ", "aã"}, {"ấ", "aá"}, {"ậ", "aä"},
    {"è", "eø"}, {"ẻ", "eû"}, {"ẽ", "eõ"}, {"é", "eù"}, {"ẹ", "eï"},
    {"ề", "eà"}, {"ể", "eå"}, {"ễ", "eã"}, {"ế", "eá"}, {"ệ", "eä"},
    {"ì", "ì"}, {"ỉ", "æ"}, {"ĩ", "ó"}, {"í", "í"}, {"ị", "ò"},
    {"ò", "oø"}, {"ỏ", "oû"}, {"õ", "oõ"}, {"ó", "où"}, {"ọ", "oï"},
    {"ồ", "oà"}, {"ổ", "oå"}, {"ỗ", "oã"}, {"ố", "oá"}, {"ộ", "oä"},
    {"ờ", "ôø"}, {"ở", "ôû"}, {"ỡ", "ôõ"}, {"ớ", "ôù"}, {"ợ", "ôï"},
    {"ù", "uø"}, {"ủ", "uû"}, {"ũ", "uõ"}, {"ú", "uù"}, {"ụ", "uï"},
    {"ừ", "öø"}, {"ử", "öû"}, {"ữ", "öõ"}, {"ứ", "öù"}, {"ự", "öï"},
    {"ỳ", "yø"}, {"ỷ", "yû"}, {"ỹ", "yõ"}, {"ý", "yù"}, {"ỵ", "î"},
    {"ă", "aê"}, {"â", "aâ"}, {"ê", "eâ"}, {"ô", "oâ"}, {"ơ", "ô"}, {"ư", "ö"}, {"đ", "ñ"},
    {"À", "AØ"}, {"Ả", "AÛ"}, {"Ã", "AÕ"}, {"Á", "AÙ"}, {"Ạ", "AÏ"},
    {"Ằ", "AÈ"}, {"Ẳ", "AÚ"}, {"Ẵ", "AÜ"}, {"Ắ", "AÉ"}, {"Ặ", "AË"},
    {"Ầ", "AÀ"}, {"Ẩ", "AÅ"}, {"Ẫ", "AÃ"}, {"Ấ", "AÁ"}, {"Ậ", "AÄ"},
    {"È", "EØ"}, {"Ẻ", "EÛ"}, {"Ẽ", "EÕ"}, {"É", "EÙ"}, {"Ẹ", "EÏ"},
    {"Ề", "EÀ"}, {"Ể", "EÅ"}, {"Ễ", "EÃ"}, {"Ế", "EÁ"}, {"Ệ", "EÄ"},
    {"Ì", "Ì"}, {"Ỉ", "Æ"}, {"Ĩ", "Ó"}, {"Í", "Í"}, {"Ị", "Ò"},
    {"Ò", "OØ"}, {"Ỏ", "OÛ"}, {"Õ", "OÕ"}, {"Ó", "OÙ"}, {"Ọ", "OÏ"},
    {"Ồ", "OÀ"}, {"Ổ", "OÅ"}, {"Ỗ", "OÃ"}, {"Ố", "OÁ"}, {"Ộ", "OÄ"},
    {"Ờ", "ÔØ"}, {"Ở", "ÔÛ"}, {"Ỡ", "ÔÕ"}, {"Ớ", "ÔÙ"}, {"Ợ", "ÔÏ"},
    {"Ù", "UØ"}, {"Ủ", "UÛ"}, {"Ũ", "UÕ"}, {"Ú", "UÙ"}, {"Ụ", "UÏ"},
    {"Ừ", "ÖØ"}, {"Ử", "ÖÛ"}, {"Ữ", "ÖÕ"}, {"Ứ", "ÖÙ"}, {"Ự", "ÖÏ"},
    {"Ỳ", "YØ"}, {"Ỷ", "YÛ"}, {"Ỹ", "YÕ"}, {"Ý", "YÙ"}, {"Ỵ", "Î"},
    {"Ă", "AÊ"}, {"Â", "AÂ"}, {"Ê", "EÂ"}, {"Ô", "OÂ"}, {"Ơ", "Ô"}, {"Ư", "Ö"}, {"Đ", "Ñ"},
};

}  // namespace

TEST_CASE("the test alphabet is complete", "[legacy]") {
  // Guards the typed data below: 67 distinct letters per case, pairing up.
  std::vector<std::string> lower = letters_of(kLower), upper = letters_of(kUpper);
  CHECK(lower.size() == 67);
  CHECK(upper.size() == 67);
  CHECK(std::set<std::string>(lower.begin(), lower.end()).size() == 67);
  CHECK(to_upper(kLower) == kUpper);
  CHECK(kTcvn3Table.size() == 90);
  CHECK(kVniTable.size() == 134);
  // The TCVN3 capitals split into encoded and lowered, with nothing left out.
  std::vector<std::string> coded = letters_of(kTcvn3Capitals), lowered = letters_of(kTcvn3LoweredCapitals);
  CHECK(coded.size() == 23);
  CHECK(lowered.size() == 44);
  std::set<std::string> all(coded.begin(), coded.end());
  all.insert(lowered.begin(), lowered.end());
  CHECK(all == std::set<std::string>(upper.begin(), upper.end()));
  CHECK(to_lower(kTcvn3LoweredCapitals) == kTcvn3LoweredAs);
}

TEST_CASE("legacy encodings have stable names", "[legacy]") {
  CHECK(std::string(legacy_name(kTcvn3)) == "tcvn3");
  CHECK(std::string(legacy_name(kVni)) == "vni");
}

TEST_CASE("TCVN3: every code reads as its letter and back", "[legacy][tcvn3]") {
  for (const auto& [code, letter] : kTcvn3Table) {
    INFO("code " << code << " letter " << letter);
    CHECK(legacy_to_unicode(code, kTcvn3) == letter);
    CHECK(unicode_to_legacy(letter, kTcvn3) == code);
  }
}

TEST_CASE("TCVN3: sentences convert both ways", "[legacy][tcvn3]") {
  const std::vector<std::pair<std::string, std::string>> sentences = {
      {"ViÖt Nam", "Việt Nam"},
      {"Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam"},
      {"Tæng Liªn ®oµn Lao ®éng", "Tổng Liên đoàn Lao động"},
      {"ng\u00ADêi", "người"},  // U+00AD is the soft hyphen: ư
  };
  for (const auto& [legacy, unicode] : sentences) {
    INFO(unicode);
    CHECK(legacy_to_unicode(legacy, kTcvn3) == unicode);
    CHECK(unicode_to_legacy(unicode, kTcvn3) == legacy);
  }
}

TEST_CASE("TCVN3: ASCII, the no-break space and B0-B4 pass unchanged", "[legacy][tcvn3]") {
  CHECK(legacy_to_unicode("Nguyen Van A, 12/3 - 100%", kTcvn3) == "Nguyen Van A, 12/3 - 100%");
  CHECK(legacy_to_unicode("H\u00A0N\u00B0\u00B1\u00B2\u00B3\u00B4", kTcvn3) == "H\u00A0N\u00B0\u00B1\u00B2\u00B3\u00B4");
  CHECK(unicode_to_legacy("H\u00A0N 25\u20AC", kTcvn3) == "H\u00A0N 25\u20AC");
}

TEST_CASE("TCVN3: lower-case letters and coded capitals round-trip", "[legacy][tcvn3]") {
  for (const std::string& letter : letters_of(kLower + kTcvn3Capitals)) {
    INFO(letter);
    std::string legacy = unicode_to_legacy(letter, kTcvn3);
    CHECK(letters_of(legacy).size() == 1);
    CHECK(legacy_to_unicode(legacy, kTcvn3) == letter);
  }
  CHECK(legacy_to_unicode(unicode_to_legacy(kLower, kTcvn3), kTcvn3) == kLower);
}

TEST_CASE("TCVN3: capitals without a code come back lower case", "[legacy][tcvn3]") {
  std::vector<std::string> capitals = letters_of(kTcvn3LoweredCapitals), lowers = letters_of(kTcvn3LoweredAs);
  REQUIRE(capitals.size() == lowers.size());
  for (std::size_t i = 0; i < capitals.size(); ++i) {
    INFO(capitals[i]);
    CHECK(unicode_to_legacy(capitals[i], kTcvn3) == unicode_to_legacy(lowers[i], kTcvn3));
    CHECK(legacy_to_unicode(unicode_to_legacy(capitals[i], kTcvn3), kTcvn3) == lowers[i]);
  }
  CHECK(legacy_to_unicode(unicode_to_legacy(kTcvn3LoweredCapitals, kTcvn3), kTcvn3) == kTcvn3LoweredAs);
  CHECK(unicode_to_legacy("VIỆT NAM", kTcvn3) == "VIÖT NAM");
  CHECK(unicode_to_legacy("ĐẠI HỌC", kTcvn3) == "\u00A7\u00B9I H\u00E4C");
  CHECK(legacy_to_unicode("\u00A7\u00B9I H\u00E4C", kTcvn3) == "ĐạI HọC");
  // VN1 capitals keep their case.
  CHECK(unicode_to_legacy("ẤN ĐỘ", kTcvn3) == "\u00C4N \u00A7\u00E9");
}

TEST_CASE("VNI: every letter has its canonical spelling and reads back", "[legacy][vni]") {
  for (const auto& [letter, vni] : kVniTable) {
    INFO(letter << " as " << vni);
    CHECK(unicode_to_legacy(letter, kVni) == vni);
    CHECK(legacy_to_unicode(vni, kVni) == letter);
  }
  CHECK(legacy_to_unicode(unicode_to_legacy(kLower, kVni), kVni) == kLower);
  CHECK(legacy_to_unicode(unicode_to_legacy(kUpper, kVni), kVni) == kUpper);
}

TEST_CASE("VNI: sentences convert both ways", "[legacy][vni]") {
  const std::vector<std::pair<std::string, std::string>> sentences = {
      {"Vieät Nam", "Việt Nam"},
      {"Nguyeãn Thò Phöôïng", "Nguyễn Thị Phượng"},
      {"Ñöùc", "Đức"},
      {"Thaønh phoá Hoà Chí Minh", "Thành phố Hồ Chí Minh"},
      {"VIEÄT NAM", "VIỆT NAM"},
      {"aê", "ă"},
      {"oâ", "ô"},
      {"Tröôøng Ñaïi hoïc Baùch khoa", "Trường Đại học Bách khoa"},
  };
  for (const auto& [legacy, unicode] : sentences) {
    INFO(unicode);
    CHECK(legacy_to_unicode(legacy, kVni) == unicode);
    CHECK(unicode_to_legacy(unicode, kVni) == legacy);
  }
}

TEST_CASE("VNI: the base letter decides the case", "[legacy][vni]") {
  CHECK(legacy_to_unicode("Eä", kVni) == "Ệ");
  CHECK(legacy_to_unicode("eÄ", kVni) == "ệ");
  CHECK(legacy_to_unicode("aÙ", kVni) == "á");
  CHECK(legacy_to_unicode("ÔÏ", kVni) == "Ợ");
  // y + dot below reads as ỵ, though î is the spelling written.
  CHECK(legacy_to_unicode("yï", kVni) == "ỵ");
}

TEST_CASE("VNI: mark bytes after a base they cannot go on pass unchanged", "[legacy][vni]") {
  CHECK(legacy_to_unicode("bù", kVni) == "bù");    // not a vowel
  CHECK(legacy_to_unicode("iù", kVni) == "iù");    // i's toned forms are single bytes
  CHECK(legacy_to_unicode("uê", kVni) == "uê");    // breve on a only
  CHECK(legacy_to_unicode("eê", kVni) == "eê");
  CHECK(legacy_to_unicode("uâ", kVni) == "uâ");    // circumflex on a, e, o only
  CHECK(legacy_to_unicode("ôâ", kVni) == "ơâ");
  CHECK(legacy_to_unicode("ù", kVni) == "ù");      // nothing before it
  CHECK(legacy_to_unicode(" ø", kVni) == " ø");
  CHECK(legacy_to_unicode("aøø", kVni) == "àø");   // one mark per base
  CHECK(legacy_to_unicode("oâù", kVni) == "ôù");
  CHECK(legacy_to_unicode("ñù", kVni) == "đù");
}

TEST_CASE("decomposed input encodes like precomposed", "[legacy]") {
  std::string nfd = to_nfd("Nguyễn Thị Phượng, Việt Nam");
  REQUIRE(nfd != "Nguyễn Thị Phượng, Việt Nam");
  CHECK(unicode_to_legacy(nfd, kVni) == "Nguyeãn Thò Phöôïng, Vieät Nam");
  CHECK(unicode_to_legacy(nfd, kTcvn3) == "NguyÔn ThÞ Ph\u00ADîng, ViÖt Nam");
  CHECK(unicode_to_legacy(to_nfd(kUpper), kVni) == unicode_to_legacy(kUpper, kVni));
}

TEST_CASE("characters with no legacy meaning pass through", "[legacy]") {
  for (auto encoding : {kTcvn3, kVni}) {
    // Only U+00A0..U+00FF carry legacy codes; ố, ộ and the rest are not among them.
    CHECK(legacy_to_unicode("Số 12 — “Nội” €", encoding) == "Số 12 — “Nội” €");
    CHECK(unicode_to_legacy("Nguyen Van Duc — 12 “A” €", encoding) == "Nguyen Van Duc — 12 “A” €");
  }
}

TEST_CASE("malformed UTF-8 is refused", "[legacy]") {
  CHECK_THROWS_AS(legacy_to_unicode("Vie\xE4t", kVni), Error);
  CHECK_THROWS_AS(unicode_to_legacy("Vi\xC3", kTcvn3), Error);
  CHECK_THROWS_AS(detect_legacy("\xFF"), Error);
}

TEST_CASE("detection: TCVN3 text", "[legacy][detect]") {
  CHECK(detect_legacy("ViÖt Nam") == kTcvn3);
  CHECK(detect_legacy("Céng hoµ x· héi chñ nghÜa ViÖt Nam") == kTcvn3);
  CHECK(detect_legacy("Tæng Liªn ®oµn Lao ®éng") == kTcvn3);
  CHECK(detect_legacy("ng\u00ADêi") == kTcvn3);
  // "uè", "uÊ", "iÕ" look like VNI pairs but are not ones VNI allows (breve
  // on u, i as a base), while Ö is a VNI letter (Ư): only the pair rules keep
  // these from reading as VNI.
  CHECK(detect_legacy("quèc ViÖt") == kTcvn3);
  CHECK(detect_legacy("xuÊt khÈu ViÖt") == kTcvn3);
  CHECK(detect_legacy("kiÕn tróc ViÖt") == kTcvn3);
  CHECK(detect_legacy("ng\u00ADêi ViÖt") == kTcvn3);
  // A VNI-valid pair (u + û) does not win when VNI leaves © unexplained.
  CHECK(detect_legacy("Uû ban nh©n d©n") == kTcvn3);
  // Without a foreign character TCVN3 cannot be told from Unicode.
  CHECK(detect_legacy("quèc") == std::nullopt);
}

TEST_CASE("detection: VNI text", "[legacy][detect]") {
  CHECK(detect_legacy("Hoaøng") == kVni);
  CHECK(detect_legacy("Vieät") == kVni);
  CHECK(detect_legacy("Vieät Nam") == kVni);
  CHECK(detect_legacy("Nguyeãn Thò Phöôïng") == kVni);
  CHECK(detect_legacy("Ñöùc") == kVni);
  CHECK(detect_legacy("VIEÄT NAM") == kVni);
  CHECK(detect_legacy("Thaønh phoá Hoà Chí Minh") == kVni);
}

TEST_CASE("detection: Unicode and ASCII are not legacy", "[legacy][detect]") {
  CHECK(detect_legacy("Hoà Bình") == std::nullopt);
  CHECK(detect_legacy("Nguyễn Văn Đức") == std::nullopt);
  CHECK(detect_legacy("hoá đơn") == std::nullopt);
  CHECK(detect_legacy("Nguyen Van Duc") == std::nullopt);
  CHECK(detect_legacy("") == std::nullopt);
  // The no-break space is not foreign (else "oà" would make this VNI).
  CHECK(detect_legacy("Hoà\u00A0Bình") == std::nullopt);
  // Foreign characters no encoding explains.
  CHECK(detect_legacy("25°C") == std::nullopt);
  // A letter beyond Latin-1 (ệ) marks Unicode, whatever symbol is beside it.
  CHECK(detect_legacy("Công ty Việt Nam ©") == std::nullopt);
  CHECK(detect_legacy(to_nfd("Hoà Bình ®")) == std::nullopt);
}
