#pragma once
// Text along a circle, as on the ring of an avatar frame.
//
//   Arc top{540, 540, 455};                        // reads clockwise over the top
//   TextLayout layout = layout_arc_text("01 TRIỆU SÁNG KIẾN", style, top);
//   draw_arc_text(canvas, layout, style, top);

#include "khung/text.hpp"

namespace khung {

enum class ArcDirection {
  Clockwise,         // reads clockwise, letters stand outwards: the top of a ring
  Counterclockwise,  // reads counter-clockwise, letters stand inwards: the bottom of a ring
};
enum class ArcAlign { Start, Center, End };

struct Arc {
  float center_x = 0, center_y = 0;
  float radius = 100;      // px, the circle the baseline runs along
  float start_angle = 0;   // degrees clockwise from 12 o'clock, where `align` puts the text
  ArcDirection direction = ArcDirection::Clockwise;
  ArcAlign align = ArcAlign::Center;
  float max_angle = 340;   // degrees the text may sweep; auto-fit and overflow keep within it
};

// Checks radius in [1, 100000] px, start_angle in [-3600, 3600] degrees,
// max_angle in [1, 360] degrees, center_x and center_y in [-8192, 8192] px.
// Throws Error(InvalidArgument) naming the value: "arc radius 0: must be
// between 1 and 100000 px".
void validate(const Arc& arc);

// Shapes one line (as layout_line) and chooses the size: style.size, or with
// min_size the largest whole-pixel size whose sweep fits max_angle; overflow
// as for boxed text (shrink, ellipsis, error). The layout's one line holds
// the glyphs; ink is where drawing reaches on the canvas. Blank text gives an
// empty layout.
TextLayout layout_arc_text(std::string_view text, const TextStyle& style, const Arc& arc,
                           const FontLibrary& fonts = FontLibrary::bundled());

// Draws each character turned to stand on the arc (marks stay with their
// letter), with the style's shadow, stroke and fill.
void draw_arc_text(Image& canvas, const TextLayout& layout, const TextStyle& style, const Arc& arc);

}  // namespace khung
