#pragma once
// The text engine: lays out one text layer in a box (shaping, fallback fonts,
// line breaking, auto-fit, overflow) and draws it onto an RGBA canvas.
//
// Order of use: fill a TextStyle, call layout_text() with the box, then
// draw_text() the layout onto an Image. For one line on its own transparent
// image, layout_line() and render_text().
//
//   TextStyle style;
//   style.font = {"Noto Sans", 700};
//   style.size = 72; style.min_size = 24;           // auto-fit between 24 and 72 px
//   TextLayout layout = layout_text("Tự hào trí tuệ lao động Việt Nam", style, {40, 40, 800, 200});
//   draw_text(canvas, layout, style);

#include "khung/color.hpp"
#include "khung/font.hpp"
#include "khung/image.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace khung {

enum class Align { Left, Center, Right };
enum class VerticalAlign { Top, Middle, Bottom };
// What happens when the text does not fit at its smallest allowed size.
enum class Overflow {
  Shrink,    // go below `size` (down to min_size, or 6 px without one); error if still too big
  Ellipsis,  // cut the last line that fits and end it with "…"
  Error,     // throw Error(Layout) naming the text
};
enum class TextTransform { None, Upper, Lower };
enum class Wrap {
  Greedy,   // fill each line as far as it goes
  Balance,  // same number of lines, of near-equal width (no lone last word)
};

// An outline drawn under the fill; `width` px of it shows outside the glyph.
struct Stroke {
  float width = 0;
  Color color{0, 0, 0, 255};
};

// A copy of the text's shape, offset and blurred, drawn under everything.
// `blur` is the radius in px over which the edge fades out.
struct Shadow {
  float dx = 0, dy = 0, blur = 0;
  Color color{0, 0, 0, 0};  // transparent: no shadow
};

struct TextStyle {
  FontQuery font;
  // Families or font files tried before the bundled fallback fonts. A
  // family is taken at the weight and style of the font `font` resolves to
  // (as the bundled fallbacks are), whatever the query's own.
  std::vector<FontQuery> fallback;
  // The template folder's own fonts (FontLibrary::folder), looked in first
  // for `font` and `fallback` families (resolve_font); null: none.
  std::shared_ptr<const FontLibrary> own_fonts;
  float size = 48;                  // px (the em size); the largest when auto-fitting
  float min_size = 0;               // > 0: auto-fit between min_size and size
  Color color{0, 0, 0, 255};
  Align align = Align::Left;
  VerticalAlign vertical_align = VerticalAlign::Top;
  float line_height = 1.2f;    // baseline distance as a multiple of the size (a minimum: see below)
  float letter_spacing = 0;    // px added between characters
  int max_lines = 0;           // 0: no limit
  Overflow overflow = Overflow::Shrink;
  TextTransform transform = TextTransform::None;
  Wrap wrap = Wrap::Greedy;
  Stroke stroke;
  Shadow shadow;
};

// Checks ranges, the same for every face (API, CLI, Python, templates):
// size in [1, 2048] px; min_size 0 or in [1, size]; font weight in
// [100, 900]; line_height in [0.1, 10]; letter_spacing in [-1000, 1000] px;
// max_lines in [0, 1000]; stroke width and shadow blur in [0, 256] px;
// shadow dx and dy in [-4096, 4096] px. Throws Error(InvalidArgument)
// naming the value: "text line_height 0.05: must be between 0.1 and 10".
void validate(const TextStyle& style);

// One glyph as HarfBuzz shaped it: units of 1/64 pixel, y upwards.
// x_advance includes letter spacing.
struct ShapedGlyph {
  std::uint32_t glyph = 0;    // glyph id in TextLayout::fonts[font]
  int font = 0;
  std::uint32_t cluster = 0;  // byte offset in TextLine::text of the character it draws
  std::int32_t x_advance = 0, y_advance = 0, x_offset = 0, y_offset = 0;
};

struct TextLine {
  std::string text;   // the characters on the line (NFC, case-transformed, no trailing space)
  int x = 0;          // canvas position of the pen at the start of the line
  int baseline = 0;   // canvas y of the baseline
  Rect ink;           // canvas pixels the fill and stroke cover
  std::vector<ShapedGlyph> glyphs;
};

// A character the chosen font (TextLayout::fonts[0]) lacks, drawn from a
// fallback font instead.
struct FallbackCharacter {
  char32_t code_point = 0;
  int font = 0;  // index in TextLayout::fonts
  friend bool operator==(const FallbackCharacter&, const FallbackCharacter&) = default;
};

struct TextLayout {
  float size = 0;                // the size chosen (auto-fit or shrink)
  std::vector<TextLine> lines;
  std::vector<Font> fonts;       // fonts the glyphs index: the chosen one first, then its fallbacks
  Rect ink;                      // every canvas pixel drawing touches, shadow included
  std::vector<char32_t> missing; // code points no font has, in order of first use
  std::vector<FallbackCharacter> fallback;  // code points taken from a fallback font, in order of first use
  bool truncated = false;        // an ellipsis replaced the end of the text
};

// Lays out `text` (UTF-8, NFC or NFD alike) inside `box` (canvas pixels).
// Glyph ink, stroke and shadow stay inside the box; lines break only at
// Unicode line-break opportunities and at newlines; consecutive lines are
// pushed apart when real ink (stacked marks over descenders) would touch.
// Throws Error(InvalidArgument) for a bad style, font or UTF-8, and
// Error(Layout) when the text cannot fit and overflow does not allow it.
TextLayout layout_text(std::string_view text, const TextStyle& style, const Rect& box,
                       const FontLibrary& fonts = FontLibrary::bundled());

// Lays out one line at style.size with no box: the baseline is y = 0 and the
// pen starts at x = 0. Throws Error(InvalidArgument) for empty text or text
// with a line break.
TextLayout layout_line(std::string_view text, const TextStyle& style,
                       const FontLibrary& fonts = FontLibrary::bundled());

// What Khung says of characters no font has (TextLayout::missing), the
// same in every face: "no font has U+4E2D; it is left blank", or for
// several "no font has U+1F389, U+1F600; they are left blank". Empty for
// none.
std::string missing_characters_message(const std::vector<char32_t>& missing);

// Draws the layout (shadow, then stroke, then fill) onto the canvas with
// source-over compositing; pixels outside the canvas are dropped.
void draw_text(Image& canvas, const TextLayout& layout, const TextStyle& style);

// A transparent image tight to the layout's ink plus `margin` px each side.
Image render_text(const TextLayout& layout, const TextStyle& style, int margin);

}  // namespace khung

namespace khung {
// The margin `khung text` leaves around the ink: an eighth of the size, at least 2 px.
int default_margin(float size);
}  // namespace khung
