#include "khung/arc_text.hpp"

#include "khung/error.hpp"
#include "khung/unicode.hpp"
#include "text/auto_fit.hpp"
#include "text/font_face.hpp"
#include "text/text_paint.hpp"

#include <cmath>
#include <numbers>
#include <optional>

namespace khung {
namespace {

std::int64_t total_advance64(const TextLayout& layout) {
  std::int64_t sum = 0;
  for (const ShapedGlyph& g : layout.lines[0].glyphs) sum += g.x_advance;
  return sum;
}

double sweep_degrees(const TextLayout& layout, const Arc& arc) {
  return static_cast<double>(total_advance64(layout)) / 64.0 / arc.radius * 180.0 / std::numbers::pi;
}

// One glyph rasterised where it stands on the arc.
struct ArcGlyph {
  int x, y;  // canvas pixel the mask's left/top are measured from
  detail::GlyphBitmap fill, grown;
};

// Each cluster (a letter and its marks) turns as one piece about the point
// of the arc under its middle, so marks keep their place over the letter.
std::vector<ArcGlyph> place_on_arc(const TextLayout& layout, const TextStyle& style, const Arc& arc) {
  std::vector<ArcGlyph> out;
  if (layout.lines.empty()) return out;
  const auto& glyphs = layout.lines[0].glyphs;
  const double total = static_cast<double>(total_advance64(layout)) / 64.0;
  const double shift = arc.align == ArcAlign::Start ? 0 : arc.align == ArcAlign::Center ? total / 2 : total;
  const double dir = arc.direction == ArcDirection::Clockwise ? 1 : -1;
  const double theta0 = arc.start_angle * std::numbers::pi / 180.0;
  const std::int32_t size64 = static_cast<std::int32_t>(std::lround(layout.size * 64));
  const std::int32_t stroke64 = static_cast<std::int32_t>(std::lround(style.stroke.width * 64));

  std::int64_t pen = 0;
  for (std::size_t i = 0; i < glyphs.size();) {
    std::size_t end = i;
    std::int64_t cluster_advance = 0;
    while (end < glyphs.size() && glyphs[end].cluster == glyphs[i].cluster) cluster_advance += glyphs[end++].x_advance;
    const double mid = (static_cast<double>(pen) + static_cast<double>(cluster_advance) / 2.0) / 64.0 - shift;
    const double phi = theta0 + dir * mid / arc.radius;
    const double turn = arc.direction == ArcDirection::Clockwise ? phi : phi - std::numbers::pi;
    const double mx = arc.center_x + arc.radius * std::sin(phi), my = arc.center_y - arc.radius * std::cos(phi);
    const double c = std::cos(turn), s = std::sin(turn);
    std::int64_t local = -cluster_advance / 2;
    for (std::size_t k = i; k < end; ++k) {
      const ShapedGlyph& g = glyphs[k];
      // Glyph origin relative to the cluster's middle on the baseline, y down.
      double u = static_cast<double>(local + g.x_offset) / 64.0, v = -static_cast<double>(g.y_offset) / 64.0;
      local += g.x_advance;
      if (g.glyph == 0) continue;
      double ox = mx + u * c - v * s, oy = my + u * s + v * c;
      int ix = static_cast<int>(std::floor(ox)), iy = static_cast<int>(std::floor(oy));
      auto dx64 = static_cast<std::int32_t>(std::lround((ox - ix) * 64)), dy64 = static_cast<std::int32_t>(std::lround((oy - iy) * 64));
      const detail::FontFace& face = detail::font_face(layout.fonts[g.font]);
      ArcGlyph placed{ix, iy, face.rasterise(g.glyph, size64, 0, turn, dx64, dy64), {}};
      if (stroke64 > 0) placed.grown = face.rasterise(g.glyph, size64, stroke64, turn, dx64, dy64);
      out.push_back(std::move(placed));
    }
    pen += cluster_advance;
    i = end;
  }
  return out;
}

Rect bitmap_rect(int x, int y, const detail::GlyphBitmap& b) { return {x + b.left, y + b.top, b.width, b.height}; }

TextLayout measured(TextLayout layout, const TextStyle& style, const Arc& arc) {
  Rect ink;
  for (const ArcGlyph& g : place_on_arc(layout, style, arc)) {
    ink = unite(ink, bitmap_rect(g.x, g.y, g.fill));
    ink = unite(ink, bitmap_rect(g.x, g.y, g.grown));
  }
  layout.lines[0].ink = ink;
  layout.ink = unite(ink, detail::shadow_rect(ink, style.shadow));
  return layout;
}

}  // namespace

TextLayout layout_arc_text(std::string_view text, const TextStyle& style, const Arc& arc, const FontLibrary& fonts) {
  validate(style);
  validate(arc);
  std::string clean = to_nfc(text);
  if (clean.find_first_not_of(" \t") == std::string::npos) {
    TextLayout nothing;
    nothing.size = style.size;
    return nothing;
  }
  auto at = [&](const std::string& s, float size) {
    TextStyle sized = style;
    sized.size = size;
    sized.min_size = 0;
    return layout_line(s, sized, fonts);
  };
  const double limit = arc.max_angle;
  auto fits_at = [&](float size) -> std::optional<TextLayout> {
    TextLayout t = at(clean, size);
    if (sweep_degrees(t, arc) > limit) return std::nullopt;
    return t;
  };
  if (auto fitted = detail::fit_largest(style, fits_at)) return measured(std::move(*fitted), style, arc);

  const float lo = detail::smallest_size(style);
  if (style.overflow == Overflow::Ellipsis) {
    std::vector<std::size_t> cuts = grapheme_boundaries(clean);
    std::optional<TextLayout> cut;
    std::size_t x = 1, y = cuts.size() - 1;  // cut after at least one grapheme
    while (x < y) {
      std::size_t mid = x + (y - x) / 2;
      TextLayout t = at(clean.substr(0, cuts[mid]) + "\u2026", lo);
      if (sweep_degrees(t, arc) <= limit) {
        cut = std::move(t);
        x = mid + 1;
      } else {
        y = mid;
      }
    }
    if (cut) {
      cut->truncated = true;
      return measured(std::move(*cut), style, arc);
    }
  }
  char sweep[32];
  std::snprintf(sweep, sizeof sweep, "%g", limit);
  throw Error(ErrorCode::Layout, "arc text \"" + clean + "\": does not fit " + sweep + " degrees of a " +
                                     std::to_string(static_cast<int>(arc.radius)) + " px radius even at " +
                                     std::to_string(static_cast<int>(lo)) + " px");
}

void draw_arc_text(Image& canvas, const TextLayout& layout, const TextStyle& style, const Arc& arc) {
  if (layout.lines.empty()) return;
  std::vector<ArcGlyph> glyphs = place_on_arc(layout, style, arc);
  Rect fill_area, grown_area;
  for (const ArcGlyph& g : glyphs) {
    fill_area = unite(fill_area, bitmap_rect(g.x, g.y, g.fill));
    grown_area = unite(grown_area, bitmap_rect(g.x, g.y, g.grown));
  }
  detail::Mask fill(fill_area), grown(grown_area);
  for (const ArcGlyph& g : glyphs) {
    detail::unite_coverage(fill, g.fill.coverage.data(), g.fill.width, g.fill.height, g.x + g.fill.left, g.y + g.fill.top);
    detail::unite_coverage(grown, g.grown.coverage.data(), g.grown.width, g.grown.height, g.x + g.grown.left,
                           g.y + g.grown.top);
  }
  detail::paint_text(canvas, fill, grown, style);
}

}  // namespace khung
