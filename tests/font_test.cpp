#include "khung/error.hpp"
#include "khung/font.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
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
