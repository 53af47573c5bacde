#include "khung/arc_text.hpp"
#include "khung/error.hpp"
#include "khung/unicode.hpp"

#include <catch2/catch.hpp>

using namespace khung;

namespace {

TextStyle bold(float size) {
  TextStyle s;
  s.font = {"Noto Sans", 700, false};
  s.size = size;
  return s;
}

Rect ink_of(const Image& img) {
  Rect r;
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x)
      if (img.pixel(x, y).a) r = unite(r, {x, y, 1, 1});
  return r;
}

}  // namespace

TEST_CASE("arc text is centred on its angle, above or below the centre", "[arc]") {
  TextStyle style = bold(48);
  Arc top{400, 400, 300};
  Image img(800, 800);
  TextLayout layout = layout_arc_text("01 TRIỆU SÁNG KIẾN", style, top);
  draw_arc_text(img, layout, style, top);
  Rect ink = ink_of(img);
  CHECK(ink == layout.lines[0].ink);
  CHECK(std::abs(ink.x + ink.width / 2 - 400) <= 3);
  CHECK(ink.bottom() < 400 - 150);  // over the top
  CHECK(ink.y >= 400 - 300 - 60);   // letters stand outwards from the 300 px baseline

  Arc bottom{400, 400, 300, 180, ArcDirection::Counterclockwise};
  Image low(800, 800);
  TextLayout under = layout_arc_text("TỰ HÀO TRÍ TUỆ", style, bottom);
  draw_arc_text(low, under, style, bottom);
  Rect ink2 = ink_of(low);
  CHECK(std::abs(ink2.x + ink2.width / 2 - 400) <= 3);
  CHECK(ink2.y > 400 + 150);
  CHECK(ink2.bottom() <= 400 + 300 + 20);  // only the dot below reaches past the baseline
}

TEST_CASE("arc text from NFC and NFD input is identical", "[arc]") {
  TextStyle style = bold(40);
  style.stroke = {2, {255, 255, 255, 255}};
  Arc arc{300, 300, 220};
  Image a(600, 600), b(600, 600);
  std::string text = "ẤẦẨẪẬ ẾỀỂỄỆ ỐỒỔỖỘ";
  draw_arc_text(a, layout_arc_text(text, style, arc), style, arc);
  draw_arc_text(b, layout_arc_text(to_nfd(text), style, arc), style, arc);
  CHECK(a == b);
  CHECK(ink_of(a).width > 200);
}

TEST_CASE("arc text auto-fits its sweep and reports what cannot fit", "[arc]") {
  TextStyle style = bold(120);
  style.min_size = 10;
  Arc arc{300, 300, 150};
  arc.max_angle = 180;
  TextLayout fitted = layout_arc_text("Tự hào trí tuệ lao động Việt Nam", style, arc);
  CHECK(fitted.size < 120);
  auto sweep = [&](float size) {
    TextStyle s = style;
    s.size = size;
    s.min_size = 0;
    double advance = 0;
    TextLayout line = layout_line("Tự hào trí tuệ lao động Việt Nam", s);
    for (const auto& g : line.lines[0].glyphs) advance += g.x_advance / 64.0;
    return advance / arc.radius * 180 / 3.14159265358979;
  };
  CHECK(sweep(fitted.size) <= 180);
  CHECK(sweep(fitted.size + 1) > 180);

  style.min_size = 0;
  style.overflow = Overflow::Error;
  CHECK_THROWS_WITH(layout_arc_text("Tự hào trí tuệ lao động Việt Nam", style, arc),
                    "arc text \"Tự hào trí tuệ lao động Việt Nam\": does not fit 180 degrees of a 150 px radius even at 120 px");
  style.overflow = Overflow::Ellipsis;
  TextLayout cut = layout_arc_text("Tự hào trí tuệ lao động Việt Nam", style, arc);
  CHECK(cut.truncated);
  CHECK(cut.lines[0].text.ends_with("…"));
  CHECK_THROWS_WITH(validate(Arc{0, 0, 0}), "arc radius 0: must be between 1 and 100000 px");
  CHECK_THROWS_WITH(validate(Arc{540, 9000, 400}), "arc center y 9000: must be between -8192 and 8192 px");
  CHECK_THROWS_WITH(validate(Arc{540, 540, 400, 0, ArcDirection::Clockwise, ArcAlign::Center, 0.5f}),
                    "arc max_angle 0.5: must be between 1 and 360 degrees");
  CHECK(layout_arc_text("  ", style, arc).lines.empty());
}
