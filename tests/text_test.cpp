#include "khung/error.hpp"
#include "khung/text.hpp"
#include "khung/unicode.hpp"

#include <catch2/catch.hpp>
#include <hb.h>

#include "latin_font.hpp"
#include "scratch.hpp"

#include <filesystem>
#include <set>
#include <sstream>

using namespace khung;

namespace {

const std::filesystem::path kFonts = std::filesystem::path(KHUNG_SOURCE_DIR) / "fonts";

// The 134 precomposed letters of Vietnamese: 67 lower case, 67 upper case.
const std::string kLower =
    "à á ả ã ạ ă ằ ắ ẳ ẵ ặ â ầ ấ ẩ ẫ ậ đ è é ẻ ẽ ẹ ê ề ế ể ễ ệ ì í ỉ ĩ ị ò ó ỏ õ ọ "
    "ô ồ ố ổ ỗ ộ ơ ờ ớ ở ỡ ợ ù ú ủ ũ ụ ư ừ ứ ử ữ ự ỳ ý ỷ ỹ ỵ";
const std::string kUpper =
    "À Á Ả Ã Ạ Ă Ằ Ắ Ẳ Ẵ Ặ Â Ầ Ấ Ẩ Ẫ Ậ Đ È É Ẻ Ẽ Ẹ Ê Ề Ế Ể Ễ Ệ Ì Í Ỉ Ĩ Ị Ò Ó Ỏ Õ Ọ "
    "Ô Ồ Ố Ổ Ỗ Ộ Ơ Ờ Ớ Ở Ỡ Ợ Ù Ú Ủ Ũ Ụ Ư Ừ Ứ Ử Ữ Ự Ỳ Ý Ỷ Ỹ Ỵ";

TextStyle style_of(const char* family, int weight, float size) {
  TextStyle s;
  s.font = {family, weight, false};
  s.size = size;
  return s;
}

// Number of pixels with any alpha outside `box`, and in total.
std::pair<long, long> ink_outside(const Image& img, const Rect& box) {
  long outside = 0, total = 0;
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x)
      if (img.pixel(x, y).a) {
        ++total;
        if (!box.contains({x, y, 1, 1})) ++outside;
      }
  return {outside, total};
}

// The bounding box of every pixel with alpha.
Rect box_of(const Image& img) {
  Rect r;
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x)
      if (img.pixel(x, y).a) r = unite(r, {x, y, 1, 1});
  return r;
}

Image draw(const TextLayout& layout, const TextStyle& style, int w, int h) {
  Image canvas(w, h);
  draw_text(canvas, layout, style);
  return canvas;
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> words;
  std::istringstream in(s);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

}  // namespace

TEST_CASE("the sample holds all 134 precomposed Vietnamese letters", "[text]") {
  std::set<char32_t> letters;
  for (char32_t c : to_utf32(kLower + " " + kUpper))
    if (c != U' ') letters.insert(c);
  CHECK(letters.size() == 134);
  for (char32_t c : letters) CHECK(c > 0x7F);
  CHECK(to_nfc(kLower) == kLower);
}

TEST_CASE("NFC and NFD input give identical pixels", "[text][normalisation]") {
  std::string nfc = kLower + " " + kUpper;
  std::string nfd = to_nfd(nfc);
  REQUIRE(nfd != nfc);
  for (const char* family : {"Noto Sans", "Noto Serif"}) {
    TextStyle style = style_of(family, 400, 36);
    style.stroke = {2, {0, 0, 0, 255}};
    style.color = {200, 16, 46, 255};
    Rect box{20, 20, 1160, 760};
    TextLayout a = layout_text(nfc, style, box);
    TextLayout b = layout_text(nfd, style, box);
    REQUIRE(a.lines.size() > 1);
    Image ia = draw(a, style, 1200, 800), ib = draw(b, style, 1200, 800);
    CHECK(ink_outside(ia, box).second > 20000);
    CHECK(ia == ib);
  }
}

TEST_CASE("glyph ids and positions equal HarfBuzz's own shaping", "[text][shaping]") {
  const std::vector<std::string> strings = {
      "Tự hào trí tuệ lao động Việt Nam",
      "01 TRIỆU SÁNG KIẾN – TRIỆU VIỆC TỐT",
      "01 triệu sáng kiến – triệu việc tốt",
      "ẤẦẨẪẬ ẾỀỂỄỆ ỐỒỔỖỘ",
      "ắằẳẵặ ấầẩẫậ ếềểễệ",
      "ỨỪỬỮỰ ỚỜỞỠỢ ỲÝỶỸỴ",
      "Công đoàn Việt Nam",
      "Người lao động sáng tạo",
      "Nguyễn Thị Phượng",
      "Trần Quốc Toản, Lê Thị Hồng Gấm",
      "Đảng Cộng sản Việt Nam quang vinh muôn năm",
      "Thành phố Hồ Chí Minh",
      "Tổng Liên đoàn Lao động Việt Nam",
      "Khuyến khích, tôn vinh sáng kiến",
      "Hưởng ứng phong trào thi đua",
      "Quyết tâm hoàn thành nhiệm vụ năm 2026",
      "ỷ lại, ủy ban, thủy thủ, khuỷu tay",
      "Gương sáng: “Người tốt, việc tốt”!",
      "Chữ Việt có dấu: ơ ư ă â ê ô đ",
      "Ngày hội công nhân – Tháng Công nhân 5/2026",
      "Vì lợi ích mười năm phải trồng cây",
      "AVATAR WAVE Tỷ Từ Tự",
  };
  struct Face {
    const char* file;
    const char* family;
    int weight;
    float size;
  };
  for (const Face& face : {Face{"NotoSans-Regular.ttf", "Noto Sans", 400, 48},
                           Face{"NotoSans-Bold.ttf", "Noto Sans", 700, 61.5f},
                           Face{"NotoSerif-Regular.ttf", "Noto Serif", 400, 33}}) {
    hb_blob_t* blob = hb_blob_create_from_file((kFonts / face.file).c_str());
    hb_face_t* hbface = hb_face_create(blob, 0);
    hb_font_t* font = hb_font_create(hbface);
    int scale = static_cast<int>(face.size * 64);
    hb_font_set_scale(font, scale, scale);
    for (const std::string& s : strings) {
      INFO(face.file << ": " << s);
      TextLayout layout = layout_line(s, style_of(face.family, face.weight, face.size));
      REQUIRE(layout.lines.size() == 1);
      const auto& mine = layout.lines[0].glyphs;

      hb_buffer_t* buf = hb_buffer_create();
      hb_buffer_add_utf8(buf, s.data(), static_cast<int>(s.size()), 0, -1);
      hb_buffer_set_language(buf, hb_language_from_string("vi", -1));
      hb_buffer_guess_segment_properties(buf);
      hb_shape(font, buf, nullptr, 0);
      unsigned n = 0;
      hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buf, &n);
      hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buf, &n);
      REQUIRE(mine.size() == n);
      for (unsigned i = 0; i < n; ++i) {
        CHECK(mine[i].glyph == info[i].codepoint);
        CHECK(mine[i].cluster == info[i].cluster);
        CHECK(mine[i].x_advance == pos[i].x_advance);
        CHECK(mine[i].y_advance == pos[i].y_advance);
        CHECK(mine[i].x_offset == pos[i].x_offset);
        CHECK(mine[i].y_offset == pos[i].y_offset);
        CHECK(layout.fonts[mine[i].font].family() == face.family);
      }
      hb_buffer_destroy(buf);
    }
    hb_font_destroy(font);
    hb_face_destroy(hbface);
    hb_blob_destroy(blob);
  }
}

TEST_CASE("stacked marks on capitals stay inside the box", "[text][extents]") {
  const std::string text = "ẤẦẨẪẬ ẾỀỂỄỆ ỐỒỔỖỘ";
  for (const char* family : {"Noto Sans", "Noto Serif"}) {
    for (bool effects : {false, true}) {
      INFO(family << (effects ? " with stroke and shadow" : ""));
      TextStyle style = style_of(family, 700, 200);
      style.min_size = 8;
      style.align = Align::Center;
      style.vertical_align = VerticalAlign::Middle;
      style.line_height = 0.9f;
      if (effects) {
        style.stroke = {5, {0, 0, 0, 255}};
        style.shadow = {6, 6, 8, {0, 0, 0, 128}};
      }
      Rect box{150, 120, 520, 260};
      TextLayout layout = layout_text(text, style, box);
      CHECK(box.contains(layout.ink));
      Image img = draw(layout, style, 820, 500);
      auto [outside, total] = ink_outside(img, box);
      CHECK(total > 5000);
      CHECK(outside == 0);
      // Nothing clipped either: the same layout drawn on a canvas with room
      // all round leaves the same amount of ink.
      Image roomy(2000, 1500);
      TextLayout moved = layout;
      for (auto& line : moved.lines) {
        line.x += 500;
        line.baseline += 500;
        line.ink = {line.ink.x + 500, line.ink.y + 500, line.ink.width, line.ink.height};
      }
      draw_text(roomy, moved, style);
      CHECK(ink_outside(roomy, {0, 0, 1, 1}).second == total);
    }
  }
}

TEST_CASE("stacked marks never touch the descenders of the line above", "[text][extents]") {
  TextStyle style = style_of("Noto Sans", 400, 64);
  style.line_height = 0.8f;  // tighter than the marks allow: lines must be pushed apart
  TextLayout layout = layout_text("gjpqy ỵỹgq\nẤẦẪỄỖ ỘẬ", style, {0, 0, 900, 600});
  REQUIRE(layout.lines.size() == 2);
  const Rect& above = layout.lines[0].ink;
  const Rect& below = layout.lines[1].ink;
  CHECK(above.bottom() < below.y);
  // And the pixels agree: no row holds ink of both lines.
  TextStyle only_first = style;
  Image img = draw(layout, style, 900, 600);
  int first_row_of_below = -1;
  for (int y = 0; y < img.height() && first_row_of_below < 0; ++y)
    for (int x = 0; x < img.width(); ++x)
      if (img.pixel(x, y).a && y >= below.y) {
        first_row_of_below = y;
        break;
      }
  CHECK(first_row_of_below > above.bottom() - 1);
  // With ordinary text the line height is kept as asked.
  TextLayout plain = layout_text("ace\nmon", style, {0, 0, 900, 600});
  CHECK(plain.lines[1].baseline - plain.lines[0].baseline == 51);
}

TEST_CASE("wrapping never splits a word", "[text][wrap]") {
  const std::string text =
      "Phong trào thi đua “01 triệu sáng kiến” khuyến khích người lao động Việt Nam "
      "nghiên cứu, sáng tạo, cải tiến kỹ thuật trong từng công đoạn sản xuất";
  const std::vector<std::string> words = split_words(text);
  for (int width : {180, 260, 333, 480, 700}) {
    INFO("width " << width);
    TextStyle style = style_of("Noto Sans", 400, 28);
    TextLayout layout = layout_text(text, style, {0, 0, width, 2000});
    REQUIRE(layout.lines.size() > 1);
    std::vector<std::string> joined;
    for (const TextLine& line : layout.lines) {
      CHECK(line.ink.right() <= width);
      for (const std::string& w : split_words(line.text)) joined.push_back(w);
    }
    CHECK(joined == words);
  }
}

TEST_CASE("auto-fit picks a size that fits while one pixel more does not", "[text][fit]") {
  const std::string text = "Tự hào trí tuệ lao động Việt Nam";
  for (Rect box : {Rect{0, 0, 600, 200}, Rect{0, 0, 1500, 120}, Rect{10, 10, 333, 333}}) {
    TextStyle style = style_of("Noto Sans", 700, 300);
    style.min_size = 6;
    style.max_lines = 2;
    TextLayout fitted = layout_text(text, style, box);
    INFO("box " << box.width << "x" << box.height << " -> " << fitted.size << " px");
    REQUIRE(fitted.size < 300);
    CHECK(fitted.size == static_cast<int>(fitted.size));
    CHECK(box.contains(fitted.ink));
    TextStyle fixed = style;
    fixed.min_size = 0;
    fixed.overflow = Overflow::Error;
    fixed.size = fitted.size;
    CHECK_NOTHROW(layout_text(text, fixed, box));
    fixed.size = fitted.size + 1;
    CHECK_THROWS_AS(layout_text(text, fixed, box), Error);
  }
}

TEST_CASE("overflow: error names the text, shrink shrinks, ellipsis ends with …", "[text][overflow]") {
  const std::string text = "Tổng Liên đoàn Lao động Việt Nam phát động phong trào thi đua";
  Rect box{0, 0, 400, 80};
  TextStyle style = style_of("Noto Sans", 400, 48);
  style.overflow = Overflow::Error;
  try {
    layout_text(text, style, box);
    FAIL("laid out");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Layout);
    CHECK(std::string(e.what()) ==
          "text \"Tổng Liên đoàn Lao động Việt Nam phát…\": does not fit the 400x80 px box even at 48 px");
  }

  style.overflow = Overflow::Shrink;
  TextLayout shrunk = layout_text(text, style, box);
  CHECK(shrunk.size < 48);
  CHECK(box.contains(shrunk.ink));

  style.overflow = Overflow::Ellipsis;
  style.max_lines = 1;
  TextLayout cut = layout_text(text, style, box);
  CHECK(cut.size == 48);
  CHECK(cut.truncated);
  REQUIRE(cut.lines.size() == 1);
  const std::string& line = cut.lines[0].text;
  CHECK(line.size() > 3);
  CHECK(line.substr(line.size() - 3) == "…");
  CHECK(text.rfind(line.substr(0, line.size() - 3), 0) == 0);  // a prefix of the text
  CHECK(line.substr(line.size() - 4, 1) != " ");
  CHECK(box.contains(cut.ink));

  // A word wider than the box is cut inside the word.
  style.size = 60;
  TextLayout word = layout_text("Khuyếnkhíchsángtạokhôngngừng", style, {0, 0, 200, 100});
  CHECK(word.truncated);
  CHECK(word.lines[0].text.size() < std::string("Khuyếnkhíchsángtạokhôngngừng").size());
  CHECK(word.lines[0].ink.right() <= 200);
}

TEST_CASE("max lines and balance wrapping", "[text][wrap]") {
  const std::string text = "Tự hào trí tuệ lao động Việt Nam";
  TextStyle style = style_of("Noto Sans", 400, 40);
  // A box just wide enough for all but the last word: greedy leaves it alone.
  TextLayout one = layout_line("Tự hào trí tuệ lao động Việt", style);
  int width = one.lines[0].ink.right() + 4;
  TextLayout greedy = layout_text(text, style, {0, 0, width, 400});
  REQUIRE(greedy.lines.size() == 2);
  CHECK(greedy.lines[1].text == "Nam");
  style.wrap = Wrap::Balance;
  TextLayout balanced = layout_text(text, style, {0, 0, width, 400});
  REQUIRE(balanced.lines.size() == 2);
  CHECK(split_words(balanced.lines[1].text).size() >= 3);
  int w0 = balanced.lines[0].ink.width, w1 = balanced.lines[1].ink.width;
  CHECK(std::abs(w0 - w1) < std::max(w0, w1) / 3);

  style.wrap = Wrap::Greedy;
  style.max_lines = 1;
  style.overflow = Overflow::Error;
  CHECK_THROWS_AS(layout_text(text, style, {0, 0, width, 400}), Error);
}

TEST_CASE("alignment places ink at the box edges and centre", "[text][align]") {
  TextStyle style = style_of("Noto Sans", 400, 40);
  Rect box{100, 50, 600, 300};
  style.align = Align::Left;
  style.vertical_align = VerticalAlign::Top;
  TextLayout left = layout_text("Việt Nam", style, box);
  CHECK(left.lines[0].ink.x >= box.x);
  CHECK(left.lines[0].ink.x <= box.x + 4);
  CHECK(left.lines[0].ink.y >= box.y);
  CHECK(left.lines[0].ink.y <= box.y + 20);
  style.align = Align::Right;
  style.vertical_align = VerticalAlign::Bottom;
  TextLayout right = layout_text("Việt Nam", style, box);
  CHECK(right.lines[0].ink.right() <= box.right());
  CHECK(right.lines[0].ink.right() >= box.right() - 4);
  CHECK(right.lines[0].ink.bottom() <= box.bottom());
  CHECK(right.lines[0].ink.bottom() >= box.bottom() - 20);
  style.align = Align::Center;
  style.vertical_align = VerticalAlign::Middle;
  TextLayout mid = layout_text("Việt Nam", style, box);
  int cx = mid.lines[0].ink.x + mid.lines[0].ink.width / 2;
  CHECK(std::abs(cx - (box.x + box.width / 2)) <= 3);
  // Letter spacing widens the line by one gap per character but the last.
  style.letter_spacing = 10;
  TextLayout spaced = layout_line("Việt Nam", style);
  style.letter_spacing = 0;
  TextLayout tight = layout_line("Việt Nam", style);
  CHECK(spaced.lines[0].ink.width - tight.lines[0].ink.width == 70);
}

TEST_CASE("upper case transform follows Vietnamese rules", "[text][case]") {
  TextStyle style = style_of("Noto Sans", 400, 30);
  style.transform = TextTransform::Upper;
  TextLayout layout = layout_text("trường đại học ưu tú, đường ỷ lại", style, {0, 0, 2000, 200});
  REQUIRE(layout.lines.size() == 1);
  CHECK(layout.lines[0].text == "TRƯỜNG ĐẠI HỌC ƯU TÚ, ĐƯỜNG Ỷ LẠI");
  style.transform = TextTransform::Lower;
  CHECK(layout_line("ĐƯỜNG Ỷ LẠI", style).lines[0].text == "đường ỷ lại");
}

TEST_CASE("a missing character comes from the fallback font", "[text][fallback]") {
  TextStyle style = style_of("Noto Sans", 400, 64);
  style.color = {0, 0, 0, 255};
  TextLayout layout = layout_line("Sao ★ vàng", style);
  CHECK(layout.missing.empty());
  const auto& glyphs = layout.lines[0].glyphs;
  auto star = std::find_if(glyphs.begin(), glyphs.end(), [&](const ShapedGlyph& g) {
    return layout.fonts[g.font].family() == "Noto Sans Symbols2";
  });
  REQUIRE(star != glyphs.end());
  CHECK(star->glyph != 0);
  CHECK(layout.lines[0].text.substr(star->cluster, 3) == "★");
  for (const ShapedGlyph& g : glyphs)
    if (&g != &*star) CHECK(layout.fonts[g.font].family() == "Noto Sans");

  // Its pixels are the fallback font's star, not a .notdef box.
  Image via_fallback = render_text(layout_line("★", style), style, 4);
  TextStyle direct = style_of("Noto Sans Symbols2", 400, 64);
  Image from_symbols = render_text(layout_line("★", direct), direct, 4);
  CHECK(via_fallback == from_symbols);
  // A .notdef box is hollow: its centre is empty. The star's is solid.
  CHECK(via_fallback.pixel(via_fallback.width() / 2, via_fallback.height() / 2).a == 255);

  // A template's own fallback list comes before the bundled ones.
  style.fallback = {{"Noto Serif", 400, false}};
  TextLayout greek = layout_line("Việt Ω", style);
  CHECK(layout.missing.empty());
  for (const ShapedGlyph& g : greek.lines[0].glyphs) CHECK(greek.fonts[g.font].family() == "Noto Sans");
}

TEST_CASE("a letter a bold font lacks comes from the fallback's bold face", "[text][fallback]") {
  ScratchDir scratch("text-test");
  const auto bold = write_latin_only_font(kFonts / "NotoSans-Bold.ttf", scratch.dir / "latin-bold.ttf");
  const std::string letters = "ỄĂĐỨƯƠ";  // all six missing from the Latin-only font
  TextStyle style = style_of(bold.c_str(), 400, 96);  // a file: its weight is its own, 700
  TextLayout layout = layout_line("ĐOÀN " + letters, style);
  REQUIRE(layout.fonts[0].weight() == 700);
  CHECK(layout.missing.empty());
  // Each missing letter is named, with the font it came from: Noto Sans Bold.
  std::vector<char32_t> taken;
  for (const FallbackCharacter& c : layout.fallback) {
    taken.push_back(c.code_point);
    const Font& from = layout.fonts[static_cast<std::size_t>(c.font)];
    CHECK(from.family() == "Noto Sans");
    CHECK(from.weight() == 700);
    CHECK_FALSE(from.italic());
  }
  CHECK(taken == std::vector<char32_t>{U'Đ', U'Ễ', U'Ă', U'Ứ', U'Ư', U'Ơ'});  // À is Latin-1: the font has it

  // Their pixels are the bold face's: the same strokes, the same ink, and
  // far more ink than the regular face would have drawn.
  auto ink = [](const Image& img) {
    long sum = 0;
    for (int y = 0; y < img.height(); ++y)
      for (int x = 0; x < img.width(); ++x) sum += img.pixel(x, y).a;
    return sum;
  };
  Image fallen = render_text(layout_line(letters, style), style, 4);
  TextStyle noto_bold = style_of("Noto Sans", 700, 96), noto_regular = style_of("Noto Sans", 400, 96);
  Image from_bold = render_text(layout_line(letters, noto_bold), noto_bold, 4);
  Image from_regular = render_text(layout_line(letters, noto_regular), noto_regular, 4);
  CHECK(fallen == from_bold);
  CHECK(ink(fallen) > ink(from_regular) * 13 / 10);
  // The letters the font has are its own, as bold as the fallback ones.
  Image own = render_text(layout_line("DOAN", style), style, 4);
  CHECK(own == render_text(layout_line("DOAN", noto_bold), noto_bold, 4));

  // An italic font's missing letters come from the italic face, and a
  // template's own fallback family is taken at the font's weight too.
  const auto italic = write_latin_only_font(kFonts / "NotoSans-Italic.ttf", scratch.dir / "latin-italic.ttf");
  TextStyle slanted = style_of(italic.c_str(), 400, 96);
  TextLayout l = layout_line(letters, slanted);
  REQUIRE_FALSE(l.fallback.empty());
  CHECK(l.fonts[static_cast<std::size_t>(l.fallback[0].font)].italic());
  CHECK(l.fonts[static_cast<std::size_t>(l.fallback[0].font)].style_name() == "Italic");
  style.fallback = {{"Noto Serif", 400, false}};
  l = layout_line(letters, style);
  const Font& serif = l.fonts[static_cast<std::size_t>(l.fallback[0].font)];
  CHECK(serif.family() == "Noto Serif");
  CHECK(serif.style_name() == "Bold");
}

TEST_CASE("a character no font has is reported by code point, not drawn", "[text][fallback]") {
  TextStyle style = style_of("Noto Sans", 400, 48);
  TextLayout with = layout_line("Xin chào 中 😀 bạn", style);
  CHECK(with.missing == std::vector<char32_t>{0x4E2D, 0x1F600});
  TextLayout without = layout_line("Xin chào", style);
  Image img = render_text(with, style, 0);
  // No glyph 0 is drawn: the ink of "Xin chào" and "bạn" only.
  for (const ShapedGlyph& g : with.lines[0].glyphs)
    if (g.glyph == 0) CHECK((with.lines[0].text.substr(g.cluster, 3) == "中" ||
                             with.lines[0].text.substr(g.cluster, 4) == "😀"));
  CHECK(img.height() == render_text(layout_line("Xin chào bạn", style), style, 0).height());
}

TEST_CASE("colours composite with correct alpha", "[text][draw]") {
  TextStyle style = style_of("Noto Sans", 700, 120);
  style.color = {200, 16, 46, 128};
  TextLayout layout = layout_text("I", style, {0, 0, 200, 200});
  // On a transparent canvas the colour is kept and the alpha is the colour's.
  Image clear = draw(layout, style, 200, 200);
  const Rect& ink = layout.lines[0].ink;
  Color centre = clear.pixel(ink.x + ink.width / 2, ink.y + ink.height / 2);
  CHECK(centre == Color{200, 16, 46, 128});
  // On opaque white it blends half way.
  Image white(200, 200, {255, 255, 255, 255});
  draw_text(white, layout, style);
  Color blended = white.pixel(ink.x + ink.width / 2, ink.y + ink.height / 2);
  CHECK(blended.a == 255);
  CHECK(std::abs(blended.r - 227) <= 1);
  CHECK(std::abs(blended.g - 135) <= 1);
  CHECK(std::abs(blended.b - 150) <= 1);
}

TEST_CASE("stroke and shadow are drawn in their colours", "[text][draw]") {
  // "l" is a plain upright bar in Noto Sans: easy to probe.
  TextStyle style = style_of("Noto Sans", 700, 120);
  style.color = {255, 210, 63, 255};
  style.stroke = {6, {0, 0, 255, 255}};
  style.shadow = {20, 20, 0, {0, 255, 0, 255}};
  TextLayout layout = layout_text("l", style, {0, 0, 300, 300});
  Image img = draw(layout, style, 300, 300);
  const Rect& ink = layout.lines[0].ink;  // fill and stroke
  int cx = ink.x + ink.width / 2, cy = ink.y + ink.height / 2;
  CHECK(img.pixel(cx, cy) == style.color);
  CHECK(img.pixel(ink.x + 3, cy) == style.stroke.color);  // inside the 6 px outline
  CHECK(img.pixel(ink.right() - 3, cy) == style.stroke.color);
  CHECK(img.pixel(ink.right() + 10, cy + 20) == style.shadow.color);
  CHECK(img.pixel(ink.x - 1, cy).a == 0);
  // The shadow blur spreads alpha out gradually past the shape's edge.
  style.shadow.blur = 12;
  TextLayout blurred = layout_text("l", style, {0, 0, 300, 300});
  Image soft = draw(blurred, style, 300, 300);
  const Rect& bink = blurred.lines[0].ink;
  int sy = bink.y + bink.height / 2 + 20;
  int edge = bink.right() + 20;  // where the sharp shadow would end
  CHECK(soft.pixel(edge - 8, sy).a > 200);
  CHECK(soft.pixel(edge + 2, sy).a < 128);
  CHECK(soft.pixel(edge + 2, sy).a > 0);
  CHECK(soft.pixel(edge + 13, sy).a == 0);
  CHECK(box_of(soft).right() <= edge + 12);
}

TEST_CASE("rendering again reuses the glyph cache", "[text][cache]") {
  TextStyle style = style_of("Noto Serif", 700, 57);
  TextLayout layout = layout_text("Ngày hội sáng kiến", style, {0, 0, 1000, 200});
  Image first = draw(layout, style, 1000, 200);
  const Font& font = layout.fonts[0];
  std::size_t cached = font.cached_glyph_count();
  CHECK(cached > 0);
  Image second = draw(layout_text("Ngày hội sáng kiến", style, {0, 0, 1000, 200}), style, 1000, 200);
  CHECK(font.cached_glyph_count() == cached);
  CHECK(first == second);
}

TEST_CASE("bad styles and text are refused with the field named", "[text][errors]") {
  TextStyle style = style_of("Noto Sans", 400, 0);
  CHECK_THROWS_WITH(layout_line("x", style), "text size 0: must be between 1 and 2048 px");
  style.size = 40;
  style.min_size = 50;
  CHECK_THROWS_WITH(layout_line("x", style), "text min_size 50: must not exceed the largest size (40 px)");
  style.min_size = 0.5f;  // 0 turns auto-fit off; a size below 1 px is none
  CHECK_THROWS_WITH(layout_line("x", style), "text min_size 0.5: must be 0 (no auto-fit) or at least 1 px");
  style.min_size = 0;
  style.line_height = 0.05f;
  CHECK_THROWS_WITH(layout_line("x", style), "text line_height 0.05: must be between 0.1 and 10");
  style.line_height = 1.2f;
  style.font.weight = 950;
  CHECK_THROWS_WITH(layout_line("x", style), "text font weight 950: must be between 100 and 900");
  style.font.weight = 400;
  style.shadow.dy = -5000;
  CHECK_THROWS_WITH(layout_line("x", style), "text shadow dy -5000: must be between -4096 and 4096 px");
  style.shadow.dy = 0;
  style.max_lines = -1;
  CHECK_THROWS_WITH(layout_line("x", style), "text max_lines -1: must be between 0 and 1000");
  style.max_lines = 0;
  CHECK_THROWS_WITH(layout_line("", style), "text: is empty");
  CHECK_THROWS_WITH(layout_line("một\nhai", style), "text \"một\nhai\": holds a line break; one line only");
  CHECK_THROWS_WITH(layout_text("x", style, {0, 0, 0, 10}), "text box 0x10: must not be empty");
  // Empty text in a box is simply nothing to draw.
  CHECK(layout_text("", style, {0, 0, 10, 10}).lines.empty());
}
