#include "khung/error.hpp"
#include "khung/font.hpp"
#include "latin_font.hpp"
#include "made_fonts.hpp"
#include "scratch.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <functional>
#include <filesystem>
#include <fstream>
#include <string>

using namespace khung;

namespace {
const std::filesystem::path kFonts = std::filesystem::path(KHUNG_SOURCE_DIR) / "fonts";
}

TEST_CASE("bundled fonts are found by family, weight and style", "[font]") {
  const FontLibrary& lib = FontLibrary::bundled();
  struct Case {
    FontQuery query;
    const char* file;
  } cases[] = {
      {{"Noto Sans", 400, false}, "NotoSans-Regular.ttf"},
      {{"Noto Sans", 700, false}, "NotoSans-Bold.ttf"},
      {{"noto sans", 400, true}, "NotoSans-Italic.ttf"},
      {{"Noto Sans", 700, true}, "NotoSans-BoldItalic.ttf"},
      {{"Noto Serif", 400, false}, "NotoSerif-Regular.ttf"},
      {{"Noto Serif", 700, false}, "NotoSerif-Bold.ttf"},
      // Nearest weight: 600 rounds up to bold, 300 down to regular.
      {{"Noto Sans", 600, false}, "NotoSans-Bold.ttf"},
      {{"Noto Sans", 300, false}, "NotoSans-Regular.ttf"},
      // No italic serif is bundled: the upright face is the best there is.
      {{"Noto Serif", 700, true}, "NotoSerif-Bold.ttf"},
  };
  for (const auto& c : cases) {
    INFO(c.query.family << " " << c.query.weight << (c.query.italic ? " italic" : ""));
    Font f = lib.find(c.query);
    CHECK(f.path().filename() == c.file);
  }
  CHECK(lib.find({"Noto Sans", 700, true}).italic());
  CHECK(lib.find({"Noto Sans", 700, true}).weight() == 700);
}

TEST_CASE("bundled fonts cover every Vietnamese letter", "[font]") {
  const std::u32string letters =
      U"àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
      U"ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
      U"\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031B";
  for (const char* file : {"NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSans-Italic.ttf",
                           "NotoSans-BoldItalic.ttf", "NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf"}) {
    Font f = load_font(kFonts / file);
    for (char32_t c : letters) {
      INFO(file << " U+" << std::hex << static_cast<unsigned>(c));
      CHECK(f.has_codepoint(c));
    }
  }
}

TEST_CASE("a font path works where a family does", "[font]") {
  const FontLibrary& lib = FontLibrary::bundled();
  Font f = lib.resolve({(kFonts / "NotoSerif-Bold.ttf").string()});
  CHECK(f.family() == "Noto Serif");
  CHECK(f.weight() == 700);
  CHECK_FALSE(f.italic());
  // Loaded once: a second call shares the face and its glyph cache.
  CHECK(lib.resolve({(kFonts / "NotoSerif-Bold.ttf").string()}) == f);
  CHECK_FALSE(load_font(kFonts / "NotoSerif-Bold.ttf") == f);
}

TEST_CASE("a family is a font file when it holds a '/' or ends in .ttf, .otf or .ttc", "[font]") {
  for (const char* path : {"fonts/Roboto-Bold.ttf", "Roboto.ttf", "Roboto.TTF", "x.otf", "x.Ttc", "art/Roboto", "/abs"})
    CHECK(is_font_path(path));
  for (const char* family : {"Roboto", "Noto Sans", "Roboto.ttf.bak", "ttf", ".VnTime", ""}) CHECK_FALSE(is_font_path(family));
}

TEST_CASE("unknown families and bad files are named in the error", "[font]") {
  const FontLibrary& lib = FontLibrary::bundled();
  try {
    lib.find({"Comic Sans"});
    FAIL("found");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(std::string(e.what()).rfind("font 'Comic Sans': no such family (available: Noto Sans, ", 0) == 0);
  }
  try {
    lib.resolve({"/nonexistent/font.ttf"});
    FAIL("loaded");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(std::string(e.what()) == "font '/nonexistent/font.ttf': no such file");
  }
  auto junk = std::filesystem::temp_directory_path() / "khung-font-test-junk.ttf";
  std::ofstream(junk) << "this is not a font";
  try {
    load_font(junk);
    FAIL("loaded");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Font);
    CHECK(std::string(e.what()) == "font '" + junk.string() + "': not a scalable TrueType or OpenType font");
  }
  std::filesystem::remove(junk);
}

TEST_CASE("fallback order starts with Noto Sans, Noto Serif, Symbols2, each at the weight and style asked", "[font]") {
  const auto fb = FontLibrary::bundled().fallbacks();
  REQUIRE(fb.size() >= 3);
  CHECK(fb[0].family() == "Noto Sans");
  CHECK(fb[1].family() == "Noto Serif");
  CHECK(fb[2].family() == "Noto Sans Symbols2");
  for (const Font& f : fb) CHECK((f.weight() == 400 && !f.italic()));
  // Bold: the bold faces where a family has one; Symbols2 has only its regular.
  const auto bold = FontLibrary::bundled().fallbacks(700, false);
  CHECK(bold[0].style_name() == "Bold");
  CHECK(bold[1].style_name() == "Bold");
  CHECK(bold[2].style_name() == "Regular");
  // Bold italic: Noto Serif has no italic, so its bold upright face.
  const auto bold_italic = FontLibrary::bundled().fallbacks(700, true);
  CHECK(bold_italic[0].style_name() == "Bold Italic");
  CHECK(bold_italic[1].style_name() == "Bold");
  // 600 leans to the heavier side, 300 to the lighter (CSS matching).
  CHECK(FontLibrary::bundled().fallbacks(600, false)[0].weight() == 700);
  CHECK(FontLibrary::bundled().fallbacks(300, false)[0].weight() == 400);
}

TEST_CASE("a packaged copy of the data replaces the source tree, and KHUNG_DATA_DIR still wins", "[font][data]") {
  const char* saved = std::getenv("KHUNG_DATA_DIR");
  std::string saved_value = saved ? saved : "";
  ::unsetenv("KHUNG_DATA_DIR");
  const std::filesystem::path before = data_dir();
  CHECK(std::filesystem::exists(before / "fonts"));
  set_default_data_dir("/opt/khung-data");
  CHECK(data_dir() == "/opt/khung-data");
  ::setenv("KHUNG_DATA_DIR", "/elsewhere", 1);
  CHECK(data_dir() == "/elsewhere");
  set_default_data_dir(before);
  if (saved)
    ::setenv("KHUNG_DATA_DIR", saved_value.c_str(), 1);
  else
    ::unsetenv("KHUNG_DATA_DIR");
  CHECK(data_dir() == (saved ? std::filesystem::path(saved_value) : before));
}

namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

}  // namespace

TEST_CASE("a folder's fonts are found by their family name, before bundled ones of the name", "[font][folder]") {
  ScratchDir s("font-folder");
  std::filesystem::create_directories(s.dir / "fonts");
  write_made_font(kFonts / "NotoSerif-Regular.ttf", s.dir / "house-regular.ttf", {"House Serif"});
  write_made_font(kFonts / "NotoSerif-Bold.ttf", s.dir / "fonts" / "house-bold.ttf", {"House Serif", "Bold"});
  // A folder's own "Noto Sans" (a serif, renamed) wins over the bundled one.
  write_made_font(kFonts / "NotoSerif-Regular.ttf", s.dir / "my-noto.ttf", {"Noto Sans"});
  auto own = FontLibrary::folder(s.dir);
  CHECK(own->families() == std::vector<std::string>{"House Serif", "Noto Sans"});
  const FontLibrary& bundled = FontLibrary::bundled();
  Font regular = resolve_font({"house serif", 400}, own.get(), bundled);
  CHECK(regular.path() == s.dir / "house-regular.ttf");
  Font bold = resolve_font({"House Serif", 700}, own.get(), bundled);
  CHECK(bold.path() == s.dir / "fonts" / "house-bold.ttf");
  CHECK(bold.weight() == 700);
  CHECK(resolve_font({"House Serif", 600}, own.get(), bundled) == bold);
  CHECK(resolve_font({"Noto Sans"}, own.get(), bundled).path() == s.dir / "my-noto.ttf");
  // Families the folder lacks, and font files, come from the library.
  CHECK(resolve_font({"Noto Serif", 700}, own.get(), bundled).path().filename() == "NotoSerif-Bold.ttf");
  CHECK(resolve_font({(kFonts / "NotoSans-Bold.ttf").string()}, own.get(), bundled).family() == "Noto Sans");
  // Loaded once per folder: the same library, the same faces.
  CHECK(FontLibrary::folder(s.dir) == own);
  CHECK(resolve_font({"House Serif"}, FontLibrary::folder(s.dir).get(), bundled) == regular);
  // A font added to the folder is seen.
  write_made_font(kFonts / "NotoSans-Regular.ttf", s.dir / "extra.ttf", {"Extra Sans"});
  auto again = FontLibrary::folder(s.dir);
  CHECK(again != own);
  CHECK(again->has_family("Extra Sans"));
}

TEST_CASE("a family found nowhere is named with the folder's and the bundled families", "[font][folder]") {
  ScratchDir s("font-unknown");
  write_made_font(kFonts / "NotoSans-Regular.ttf", s.dir / "house.ttf", {"House Sans"});
  auto own = FontLibrary::folder(s.dir);
  CHECK(message_of([&] { resolve_font({"Robotto"}, own.get(), FontLibrary::bundled()); }) ==
        "font 'Robotto': no such family (available: House Sans, Noto Sans, Noto Sans Symbols2, Noto Serif)");
  CHECK(FontLibrary::folder(s.dir / "nowhere")->families().empty());
}

TEST_CASE("missing_vietnamese_letters lists what a font draws neither whole nor composed", "[font][vietnamese]") {
  CHECK(missing_vietnamese_letters(load_font(kFonts / "NotoSans-Regular.ttf")).empty());
  ScratchDir s("font-letters");
  // Whole letters only: ắ is drawn, ạ is not (no dot below to compose it).
  Font few = load_font(write_made_font(kFonts / "NotoSans-Regular.ttf", s.dir / "few.ttf",
                                       {"Few Sans", "Regular", U"ắđĐ"}));
  std::u32string missing = missing_vietnamese_letters(few);
  CHECK(missing.size() == 134 - 3);
  CHECK(missing.find(U'ắ') == std::u32string::npos);
  CHECK(missing.find(U'đ') == std::u32string::npos);
  CHECK(missing.substr(0, 4) == U"àáảã");
  // Base letters and combining marks: everything HarfBuzz can compose.
  Font marks = load_font(write_made_font(kFonts / "NotoSans-Regular.ttf", s.dir / "marks.ttf",
                                         {"Marks Sans", "Regular", U"\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031B"}));
  CHECK(missing_vietnamese_letters(marks) == U"đĐ");
  Font latin = load_font(write_latin_only_font(kFonts / "NotoSans-Regular.ttf", s.dir / "latin.ttf"));
  CHECK(missing_vietnamese_letters(latin).size() == 134 - 32);
}

TEST_CASE("TCVN3 and VNI fonts are recognised by name and by what they draw, and refused", "[font][legacy]") {
  ScratchDir s("font-legacy");
  const std::filesystem::path noto = kFonts / "NotoSans-Regular.ttf";
  Font vntime = load_font(write_made_font(noto, s.dir / "vntime.ttf", {".VnTime", "Regular", {}, LegacyEncoding::Tcvn3}));
  CHECK(vntime.legacy_encoding() == LegacyEncoding::Tcvn3);
  Font vni = load_font(write_made_font(noto, s.dir / "vni-times.ttf", {"VNI-Times", "Regular", {}, LegacyEncoding::Vni}));
  CHECK(vni.legacy_encoding() == LegacyEncoding::Vni);
  // Without the telling names: by the glyphs at Latin-1 code points.
  CHECK(load_font(write_made_font(noto, s.dir / "office.ttf", {"Office Times", "Regular", {}, LegacyEncoding::Tcvn3}))
            .legacy_encoding() == LegacyEncoding::Tcvn3);
  CHECK(load_font(write_made_font(noto, s.dir / "office-vni.ttf", {"Office Helve", "Regular", {}, LegacyEncoding::Vni}))
            .legacy_encoding() == LegacyEncoding::Vni);
  // Unicode fonts are not: the bundled ones, a Latin-1 one without any
  // Vietnamese letter, and a ".Vn" font converted to Unicode.
  for (const auto& entry : std::filesystem::directory_iterator(kFonts))
    if (entry.path().extension() == ".ttf") CHECK_FALSE(load_font(entry.path()).legacy_encoding());
  CHECK_FALSE(load_font(write_latin_only_font(noto, s.dir / "latin.ttf")).legacy_encoding());
  CHECK_FALSE(load_font(write_made_font(noto, s.dir / "vnunicode.ttf", {".VnTime Unicode"})).legacy_encoding());

  const std::string tcvn3_message =
      "font '.VnTime' (vntime.ttf) is TCVN3-encoded: its Vietnamese letters sit on Latin-1 code points, so Unicode "
      "text would be drawn wrong; use a Unicode font such as Noto Sans";
  CHECK(message_of([&] { require_unicode(vntime); }) == tcvn3_message);
  CHECK(message_of([&] { FontLibrary::bundled().resolve({(s.dir / "vntime.ttf").string()}); }) == tcvn3_message);
  auto own = FontLibrary::folder(s.dir);
  CHECK(message_of([&] { resolve_font({".VnTime"}, own.get(), FontLibrary::bundled()); }) == tcvn3_message);
  CHECK(message_of([&] { resolve_font({"VNI-Times"}, own.get(), FontLibrary::bundled()); }) ==
        "font 'VNI-Times' (vni-times.ttf) is VNI-encoded: its Vietnamese letters sit on Latin-1 code points, so "
        "Unicode text would be drawn wrong; use a Unicode font such as Noto Sans");
  // Never a fallback font either.
  for (const Font& f : own->fallbacks()) CHECK_FALSE(f.legacy_encoding());
  CHECK(own->fallbacks().size() == 2);  // the Latin-1 font and the converted one
}
