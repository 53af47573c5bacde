#include "khung/text.hpp"

#include "khung/error.hpp"
#include "khung/unicode.hpp"
#include "text/auto_fit.hpp"
#include "text/font_face.hpp"
#include "text/text_paint.hpp"
#include "text/utf8.hpp"

#include <hb.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <utility>

namespace khung {
namespace {

using detail::FontFace;
using detail::GlyphKey;
using detail::HbFont;
using detail::shadow_rect;

constexpr const char* kEllipsis = "\u2026";

std::int32_t to64(float px) { return static_cast<std::int32_t>(std::lround(px * 64.0f)); }
int ceil64(std::int64_t v) { return static_cast<int>((v + 63) >> 6); }
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
// a / b rounded to nearest, halves upwards, for any sign of a (b > 0).
std::int64_t round_div(std::int64_t a, std::int64_t b) { return floor_div(2 * a + b, 2 * b); }

std::string quote(std::string_view text) {
  constexpr std::size_t kMax = 48;
  if (text.size() <= kMax) return "\"" + std::string(text) + "\"";
  std::vector<std::size_t> g = grapheme_boundaries(text);
  std::size_t cut = 0;
  for (std::size_t b : g)
    if (b <= kMax) cut = b;
  return "\"" + std::string(text.substr(0, cut)) + "…\"";
}

std::string format_px(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

// Where a glyph lands: the integer pixel of its origin and the quarter-pixel
// phase the glyph cache rasterises it at. x64/y64 are 1/64 px, y downwards.
struct Placement {
  int x, y;
  std::uint8_t phase_x, phase_y;
};

Placement place(std::int64_t x64, std::int64_t y64) {
  std::int64_t qx = round_div(x64, 16), qy = round_div(y64, 16);
  std::int64_t ix = floor_div(qx, 4), iy = floor_div(qy, 4);
  return {static_cast<int>(ix), static_cast<int>(iy), static_cast<std::uint8_t>(qx - 4 * ix),
          static_cast<std::uint8_t>(qy - 4 * iy)};
}

// Calls fn(glyph, placement relative to the line's pen origin) for each glyph.
template <class Fn>
void for_each_placed(const TextLine& line, Fn fn) {
  std::int64_t pen_x = 0, pen_y = 0;
  for (const ShapedGlyph& g : line.glyphs) {
    fn(g, place(pen_x + g.x_offset, -(pen_y + g.y_offset)));
    pen_x += g.x_advance;
    pen_y += g.y_advance;
  }
}

// The mask of one glyph as drawn: fill (stroke64 == 0) or grown by the stroke.
detail::GlyphCache::Entry glyph_mask(const Font& font, const ShapedGlyph& g, std::int32_t size64,
                                     std::int32_t stroke64, const Placement& p) {
  return detail::font_face(font).glyph(GlyphKey{g.glyph, size64, stroke64, p.phase_x, p.phase_y});
}

bool is_trailing_space(std::string_view s, std::size_t end, std::size_t* len) {
  unsigned char c = static_cast<unsigned char>(s[end - 1]);
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
    *len = 1;
    return true;
  }
  // U+0085, U+2028, U+2029: line and paragraph separators.
  if (end >= 2 && s.substr(end - 2, 2) == "\xC2\x85") {
    *len = 2;
    return true;
  }
  if (end >= 3 && (s.substr(end - 3, 3) == "\xE2\x80\xA8" || s.substr(end - 3, 3) == "\xE2\x80\xA9")) {
    *len = 3;
    return true;
  }
  return false;
}

std::size_t trim_end(std::string_view s, std::size_t start, std::size_t end) {
  std::size_t len = 0;
  while (end > start && is_trailing_space(s, end, &len)) end -= len;
  return end;
}

// Text ready for shaping: normalised, case-mapped, a font chosen per grapheme.
struct Prepared {
  std::string text;
  std::vector<std::size_t> graphemes;  // boundaries, first 0, last text.size()
  struct Run {
    std::size_t start, end;
    int font;
  };
  std::vector<Run> runs;
  std::vector<char32_t> missing;
  std::vector<FallbackCharacter> fallback;
};

enum class Role { Visible, Space, Invisible };

Role role_of(char32_t cp) {
  switch (hb_unicode_general_category(hb_unicode_funcs_get_default(), cp)) {
    case HB_UNICODE_GENERAL_CATEGORY_SPACE_SEPARATOR:
    case HB_UNICODE_GENERAL_CATEGORY_LINE_SEPARATOR:
    case HB_UNICODE_GENERAL_CATEGORY_PARAGRAPH_SEPARATOR:
      return Role::Space;
    case HB_UNICODE_GENERAL_CATEGORY_CONTROL:
    case HB_UNICODE_GENERAL_CATEGORY_FORMAT:
      return Role::Invisible;
    default:
      // Variation selectors are marks but never need a glyph of their own.
      if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF)) return Role::Invisible;
      return Role::Visible;
  }
}

bool covers(const Font& font, std::u32string_view cps) {
  for (char32_t cp : cps)
    if (role_of(cp) == Role::Visible && !font.has_codepoint(cp)) return false;
  return true;
}

// The engine for one layout call: the font chain and the style.
class Engine {
 public:
  Engine(const TextStyle& style, const FontLibrary& library) : style_(style) {
    validate(style);
    const FontLibrary* own = style.own_fonts.get();
    fonts_.push_back(resolve_font(style.font, own, library));
    // Fallbacks as bold and as slanted as the font itself: a bold font's
    // missing "Đ" is not drawn regular.
    const int weight = fonts_[0].weight();
    const bool italic = fonts_[0].italic();
    for (FontQuery q : style.fallback) {
      q.weight = weight;
      q.italic = italic;
      add_font(resolve_font(q, own, library));
    }
    for (const Font& f : library.fallbacks(weight, italic)) add_font(f);
  }

  const std::vector<Font>& fonts() const { return fonts_; }
  const TextStyle& style() const { return style_; }

  // NFC, case transform, then fonts per grapheme.
  Prepared prepare(std::string_view raw) const {
    Prepared p;
    p.text = to_nfc(raw);
    if (style_.transform == TextTransform::Upper) p.text = to_nfc(to_upper(p.text));
    if (style_.transform == TextTransform::Lower) p.text = to_nfc(to_lower(p.text));
    p.graphemes = grapheme_boundaries(p.text);
    int previous = 0;
    for (std::size_t i = 0; i + 1 < p.graphemes.size(); ++i) {
      std::size_t a = p.graphemes[i], b = p.graphemes[i + 1];
      std::string_view g = std::string_view(p.text).substr(a, b - a);
      int font = choose_font(g, previous, p);
      previous = font;
      if (!p.runs.empty() && p.runs.back().font == font)
        p.runs.back().end = b;
      else
        p.runs.push_back({a, b, font});
    }
    return p;
  }

  // Shapes text[a, b) of a prepared text; clusters are made relative to a.
  std::vector<ShapedGlyph> shape(const Prepared& p, std::size_t a, std::size_t b,
                                 std::vector<HbFont>& scaled, std::int32_t size64) const {
    std::vector<ShapedGlyph> out;
    hb_buffer_t* buf = hb_buffer_create();
    for (const auto& run : p.runs) {
      std::size_t s = std::max(run.start, a), e = std::min(run.end, b);
      if (s >= e) continue;
      if (!scaled[run.font].get()) scaled[run.font] = detail::font_face(fonts_[run.font]).scaled(size64);
      hb_buffer_clear_contents(buf);
      hb_buffer_add_utf8(buf, p.text.data(), static_cast<int>(p.text.size()), static_cast<unsigned>(s),
                         static_cast<int>(e - s));
      hb_buffer_set_language(buf, hb_language_from_string("vi", -1));
      hb_buffer_guess_segment_properties(buf);
      hb_shape(scaled[run.font].get(), buf, nullptr, 0);
      unsigned n = 0;
      hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buf, &n);
      hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buf, &n);
      for (unsigned i = 0; i < n; ++i)
        out.push_back({info[i].codepoint, run.font, static_cast<std::uint32_t>(info[i].cluster - a),
                       pos[i].x_advance, pos[i].y_advance, pos[i].x_offset, pos[i].y_offset});
    }
    hb_buffer_destroy(buf);
    // Letter spacing goes after each character but the last.
    std::int32_t spacing = to64(style_.letter_spacing);
    if (spacing != 0)
      for (std::size_t i = 0; i + 1 < out.size(); ++i)
        if (out[i + 1].cluster != out[i].cluster) out[i].x_advance += spacing;
    return out;
  }

 private:
  void add_font(const Font& f) {
    if (std::find(fonts_.begin(), fonts_.end(), f) == fonts_.end()) fonts_.push_back(f);
  }

  // The font for one grapheme; notes in `p` what the chosen font lacks.
  int choose_font(std::string_view grapheme, int previous, Prepared& p) const {
    std::u32string cps = to_utf32(grapheme);
    bool visible = std::any_of(cps.begin(), cps.end(), [](char32_t c) { return role_of(c) == Role::Visible; });
    // Spaces take the chosen font's width wherever it has them.
    if (!visible) return covers(fonts_[0], cps) ? 0 : previous;
    auto taken_from = [&](std::size_t i) {
      for (char32_t cp : cps) {
        if (i == 0 || role_of(cp) != Role::Visible || fonts_[0].has_codepoint(cp)) continue;
        FallbackCharacter c{cp, static_cast<int>(i)};
        if (std::find(p.fallback.begin(), p.fallback.end(), c) == p.fallback.end()) p.fallback.push_back(c);
      }
      return static_cast<int>(i);
    };
    for (std::size_t i = 0; i < fonts_.size(); ++i)
      if (covers(fonts_[i], cps)) return taken_from(i);
    // HarfBuzz decomposes a precomposed letter the font lacks into base and
    // marks when the font has those.
    std::u32string decomposed = to_utf32(to_nfd(grapheme));
    for (std::size_t i = 0; i < fonts_.size(); ++i)
      if (covers(fonts_[i], decomposed)) return taken_from(i);
    std::vector<char32_t>& missing = p.missing;
    int best = 0;
    for (char32_t cp : cps) {
      if (role_of(cp) != Role::Visible) continue;
      bool anywhere = std::any_of(fonts_.begin(), fonts_.end(), [&](const Font& f) { return f.has_codepoint(cp); });
      if (!anywhere && std::find(missing.begin(), missing.end(), cp) == missing.end()) missing.push_back(cp);
    }
    for (std::size_t i = 0; i < fonts_.size(); ++i)
      if (fonts_[i].has_codepoint(cps[0])) {
        best = static_cast<int>(i);
        break;
      }
    return best;
  }

  const TextStyle& style_;
  std::vector<Font> fonts_;
};

// A line shaped and measured, positioned at pen origin (0, 0).
struct MeasuredLine {
  TextLine line;      // line.ink relative to the origin
  int align_left = 0, align_right = 0;  // the span alignment uses: advance and ink
};

// All work at one font size: scaled fonts, measurement of the whole text.
class Sized {
 public:
  Sized(const Engine& engine, const Prepared& p, float size)
      : engine_(engine), p_(p), size_(size), size64_(to64(size)), stroke64_(to64(engine.style().stroke.width)),
        scaled_(engine.fonts().size()) {
    std::vector<ShapedGlyph> all = engine_.shape(p_, 0, p_.text.size(), scaled_, size64_);
    advance_before_.assign(p_.text.size() + 1, 0);
    std::vector<std::int64_t> at(p_.text.size() + 1, 0);
    for (const ShapedGlyph& g : all) at[g.cluster] += g.x_advance;
    for (std::size_t i = 0; i < p_.text.size(); ++i) advance_before_[i + 1] = advance_before_[i] + at[i];
    if (!scaled_[0].get()) scaled_[0] = detail::font_face(engine_.fonts()[0]).scaled(size64_);
    hb_font_extents_t ext{};
    hb_font_get_h_extents(scaled_[0].get(), &ext);
    ascent_ = ceil64(ext.ascender);
    descent_ = ceil64(-static_cast<std::int64_t>(ext.descender));
  }

  float size() const { return size_; }

  // Advance width of text[a, e) in 1/64 px, as measured in the whole text.
  std::int64_t width64(std::size_t a, std::size_t e) const {
    std::int64_t w = advance_before_[e] - advance_before_[a];
    if (e > a) w -= to64(engine_.style().letter_spacing);
    return w;
  }

  // Line ranges [start, end) (end before trailing space) for a width.
  std::vector<std::pair<std::size_t, std::size_t>> wrap(const std::vector<LineBreak>& breaks,
                                                        std::int64_t max64) const {
    std::vector<std::pair<std::size_t, std::size_t>> lines;
    std::size_t start = 0;
    std::size_t fit_end = 0;  // where the current line may end; 0: nowhere yet
    for (const LineBreak& bk : breaks) {
      std::size_t end = bk.offset;
      if (fit_end == 0 || width64(start, trim_end(p_.text, start, end)) <= max64) {
        fit_end = end;
      } else {
        lines.emplace_back(start, fit_end);
        start = fit_end;
        fit_end = end;
      }
      if (bk.hard || end == p_.text.size()) {
        lines.emplace_back(start, end);
        start = end;
        fit_end = 0;
      }
    }
    for (auto& [a, e] : lines) e = trim_end(p_.text, a, e);
    return lines;
  }

  // Shapes and measures text[a, e) as one line.
  MeasuredLine measure(std::size_t a, std::size_t e) {
    MeasuredLine m;
    m.line.text = p_.text.substr(a, e - a);
    m.line.glyphs = engine_.shape(p_, a, e, scaled_, size64_);
    std::int64_t advance = 0;
    for (const ShapedGlyph& g : m.line.glyphs) advance += g.x_advance;
    for_each_placed(m.line, [&](const ShapedGlyph& g, const Placement& pl) {
      if (g.glyph == 0) return;  // .notdef is never drawn; the character is reported missing
      const Font& font = engine_.fonts()[g.font];
      auto fill = glyph_mask(font, g, size64_, 0, pl);
      m.line.ink = unite(m.line.ink, {pl.x + fill->left, pl.y + fill->top, fill->width, fill->height});
      if (stroke64_ > 0) {
        auto grown = glyph_mask(font, g, size64_, stroke64_, pl);
        m.line.ink = unite(m.line.ink, {pl.x + grown->left, pl.y + grown->top, grown->width, grown->height});
      }
    });
    int adv = ceil64(std::max<std::int64_t>(advance, 0));
    m.align_left = m.line.ink.empty() ? 0 : std::min(0, m.line.ink.x);
    m.align_right = m.line.ink.empty() ? adv : std::max(adv, m.line.ink.right());
    return m;
  }

  int ascent() const { return ascent_; }
  int descent() const { return descent_; }

 private:
  const Engine& engine_;
  const Prepared& p_;
  float size_;
  std::int32_t size64_, stroke64_;
  std::vector<HbFont> scaled_;
  std::vector<std::int64_t> advance_before_;
  int ascent_ = 0, descent_ = 0;
};

Rect offset(Rect r, int dx, int dy) {
  r.x += dx;
  r.y += dy;
  return r;
}

// Stacks measured lines into a block and places it in the box: baselines at
// least line_height apart and further when real ink would come within `gap`
// px; then alignment, keeping shadows inside the box when they fit.
TextLayout assemble(const Engine& engine, const Sized& sized, std::vector<MeasuredLine> lines,
                    const Rect& box) {
  const TextStyle& st = engine.style();
  TextLayout out;
  out.size = sized.size();
  out.fonts = engine.fonts();
  if (lines.empty()) return out;
  int pitch = static_cast<int>(std::lround(st.line_height * sized.size()));
  int gap = std::max(1, static_cast<int>(std::lround(sized.size() * 0.05f)));
  std::vector<int> baseline(lines.size());
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const Rect& ink = lines[k].line.ink;
    if (k == 0) {
      baseline[0] = std::max(sized.ascent(), ink.empty() ? 0 : -ink.y);
      continue;
    }
    const Rect& above = lines[k - 1].line.ink;
    int need = (above.empty() || ink.empty()) ? 0 : above.bottom() - ink.y + gap;
    baseline[k] = baseline[k - 1] + std::max(pitch, need);
  }
  const Rect& last = lines.back().line.ink;
  int height = baseline.back() + std::max(sized.descent(), last.empty() ? 0 : last.bottom());

  int top = box.y;
  if (st.vertical_align == VerticalAlign::Middle) top = box.y + (box.height - height) / 2;
  if (st.vertical_align == VerticalAlign::Bottom) top = box.bottom() - height;
  // The block's full extent, shadow included, relative to `top`.
  Rect full;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const Rect& ink = lines[k].line.ink;
    full = unite(full, offset(unite(ink, shadow_rect(ink, st.shadow)), 0, baseline[k]));
  }
  if (!full.empty() && full.height <= box.height)
    top = std::clamp(top, box.y - full.y, box.bottom() - full.bottom());

  for (std::size_t k = 0; k < lines.size(); ++k) {
    MeasuredLine& m = lines[k];
    int span = m.align_right - m.align_left;
    int x = box.x - m.align_left;
    if (st.align == Align::Center) x = box.x + (box.width - span) / 2 - m.align_left;
    if (st.align == Align::Right) x = box.right() - m.align_right;
    Rect line_full = unite(m.line.ink, shadow_rect(m.line.ink, st.shadow));
    if (!line_full.empty() && line_full.width <= box.width)
      x = std::clamp(x, box.x - line_full.x, box.right() - line_full.right());
    m.line.x = x;
    m.line.baseline = top + baseline[k];
    m.line.ink = offset(m.line.ink, x, m.line.baseline);
    out.ink = unite(out.ink, unite(m.line.ink, shadow_rect(m.line.ink, st.shadow)));
    out.lines.push_back(std::move(m.line));
  }
  return out;
}

struct Attempt {
  TextLayout layout;
  bool fits = false;
};

Attempt attempt(const Engine& engine, const Prepared& p, const std::vector<LineBreak>& breaks, float size,
                const Rect& box) {
  const TextStyle& st = engine.style();
  Sized sized(engine, p, size);
  std::int64_t max64 = static_cast<std::int64_t>(box.width) * 64;
  auto ranges = sized.wrap(breaks, max64);
  if (st.wrap == Wrap::Balance && ranges.size() > 1) {
    // The narrowest width that keeps the same number of lines.
    std::int64_t lo = 0, hi = max64;
    while (lo < hi) {
      std::int64_t mid = (lo + hi) / 2;
      if (sized.wrap(breaks, mid).size() <= ranges.size())
        hi = mid;
      else
        lo = mid + 1;
    }
    ranges = sized.wrap(breaks, lo);
  }
  Attempt out;
  // Baselines are at least a line pitch apart: too many lines cannot fit,
  // and long text at small trial sizes need not be rasterised to know it.
  std::int64_t pitch = std::lround(st.line_height * size);
  if ((st.max_lines > 0 && static_cast<int>(ranges.size()) > st.max_lines) ||
      static_cast<std::int64_t>(ranges.size() - 1) * pitch > box.height)
    return out;
  std::vector<MeasuredLine> lines;
  for (auto [a, e] : ranges) lines.push_back(sized.measure(a, e));
  out.layout = assemble(engine, sized, std::move(lines), box);
  out.layout.missing = p.missing;
  out.layout.fallback = p.fallback;
  out.fits = (st.max_lines == 0 || static_cast<int>(ranges.size()) <= st.max_lines) &&
             box.contains(out.layout.ink);
  return out;
}

// The text with everything after `cut` replaced by an ellipsis, laid out with
// the given line starts (the last line runs to the end).
Attempt attempt_truncated(const Engine& engine, const Prepared& p, const std::vector<std::size_t>& starts,
                          std::size_t cut, float size, const Rect& box) {
  std::string text = p.text.substr(0, trim_end(p.text, starts.back(), cut)) + kEllipsis;
  Prepared q = engine.prepare(text);
  Sized sized(engine, q, size);
  std::vector<MeasuredLine> lines;
  for (std::size_t k = 0; k < starts.size(); ++k) {
    std::size_t a = starts[k];
    std::size_t e = k + 1 < starts.size() ? trim_end(q.text, a, starts[k + 1]) : q.text.size();
    lines.push_back(sized.measure(a, e));
  }
  Attempt out;
  out.layout = assemble(engine, sized, std::move(lines), box);
  out.layout.missing = q.missing;
  out.layout.fallback = q.fallback;
  out.layout.truncated = true;
  out.fits = box.contains(out.layout.ink);
  return out;
}

std::optional<TextLayout> truncate_to_fit(const Engine& engine, const Prepared& p,
                                          const std::vector<LineBreak>& breaks, float size, const Rect& box) {
  Sized sized(engine, p, size);
  auto ranges = sized.wrap(breaks, static_cast<std::int64_t>(box.width) * 64);
  const std::int64_t max64 = static_cast<std::int64_t>(box.width) * 64;
  std::int64_t pitch = std::max<std::int64_t>(1, std::lround(engine.style().line_height * size));
  std::size_t allowed = std::min<std::size_t>(ranges.size(), static_cast<std::size_t>(box.height / pitch + 1));
  if (engine.style().max_lines > 0) allowed = std::min<std::size_t>(allowed, engine.style().max_lines);
  for (; allowed >= 1; --allowed) {
    std::vector<std::size_t> starts;
    for (std::size_t k = 0; k < allowed; ++k) starts.push_back(ranges[k].first);
    std::size_t first = starts.back();
    // Cut at the last word boundary that lets "…" fit, else inside the word.
    // The line only grows with the cut, so each is a binary search, over
    // the cuts whose text alone is no wider than the box.
    auto may_fit = [&](std::size_t cut) {
      return cut > first && cut < p.text.size() && sized.width64(first, trim_end(p.text, first, cut)) <= max64;
    };
    std::vector<std::size_t> word_cuts, letter_cuts;
    for (const LineBreak& bk : breaks)
      if (may_fit(bk.offset)) word_cuts.push_back(bk.offset);
    for (std::size_t g : p.graphemes)
      if (may_fit(g)) letter_cuts.push_back(g);
    std::optional<TextLayout> best;
    for (const auto* cuts : {&word_cuts, &letter_cuts}) {
      std::size_t lo = 0, hi = cuts->size();
      while (lo < hi) {
        std::size_t mid = lo + (hi - lo) / 2;
        Attempt a = attempt_truncated(engine, p, starts, (*cuts)[mid], size, box);
        if (a.fits) {
          best = std::move(a.layout);
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      if (best) return best;
    }
  }
  return std::nullopt;
}

}  // namespace

TextLayout layout_text(std::string_view text, const TextStyle& style, const Rect& box, const FontLibrary& fonts) {
  Engine engine(style, fonts);
  if (box.empty())
    throw Error(ErrorCode::InvalidArgument, "text box " + std::to_string(box.width) + "x" +
                                                std::to_string(box.height) + ": must not be empty");
  Prepared p = engine.prepare(text);
  std::vector<LineBreak> breaks = line_breaks(p.text);

  if (trim_end(p.text, 0, p.text.size()) == 0) {
    TextLayout nothing;  // blank text: nothing to draw
    nothing.size = style.size;
    nothing.fonts = engine.fonts();
    return nothing;
  }
  auto fits_at = [&](float size) -> std::optional<TextLayout> {
    Attempt t = attempt(engine, p, breaks, size, box);
    if (!t.fits) return std::nullopt;
    return std::move(t.layout);
  };
  if (auto fitted = detail::fit_largest(style, fits_at)) return std::move(*fitted);

  const float lo = detail::smallest_size(style);
  if (style.overflow == Overflow::Ellipsis)
    if (auto cut = truncate_to_fit(engine, p, breaks, lo, box)) return std::move(*cut);
  throw Error(ErrorCode::Layout, "text " + quote(p.text) + ": does not fit the " + std::to_string(box.width) +
                                     "x" + std::to_string(box.height) + " px box" +
                                     (style.max_lines > 0 ? " in " + std::to_string(style.max_lines) + " line(s)" : "") +
                                     " even at " + format_px(lo) + " px");
}

TextLayout layout_line(std::string_view text, const TextStyle& style, const FontLibrary& fonts) {
  Engine engine(style, fonts);
  Prepared p = engine.prepare(text);
  if (trim_end(p.text, 0, p.text.size()) == 0)
    throw Error(ErrorCode::InvalidArgument, "text: is empty");
  for (const LineBreak& bk : line_breaks(p.text))
    if (bk.hard) throw Error(ErrorCode::InvalidArgument, "text " + quote(p.text) + ": holds a line break; one line only");
  Sized sized(engine, p, style.size);
  MeasuredLine m = sized.measure(0, trim_end(p.text, 0, p.text.size()));
  TextLayout out;
  out.size = style.size;
  out.fonts = engine.fonts();
  out.missing = p.missing;
  out.fallback = p.fallback;
  out.ink = unite(m.line.ink, shadow_rect(m.line.ink, style.shadow));
  out.lines.push_back(std::move(m.line));
  return out;
}

std::string missing_characters_message(const std::vector<char32_t>& missing) {
  if (missing.empty()) return {};
  std::string codes;
  for (char32_t cp : missing) codes += (codes.empty() ? "" : ", ") + detail::code_point_name(cp);
  return "no font has " + codes + (missing.size() == 1 ? "; it is left blank" : "; they are left blank");
}

void draw_text(Image& canvas, const TextLayout& layout, const TextStyle& style) {
  Rect area;
  for (const TextLine& line : layout.lines) area = unite(area, line.ink);
  if (area.empty()) return;
  const std::int32_t size64 = to64(layout.size), stroke64 = to64(style.stroke.width);
  detail::Mask fill(area), grown(stroke64 > 0 ? area : Rect{});
  for (const TextLine& line : layout.lines) {
    for_each_placed(line, [&](const ShapedGlyph& g, const Placement& pl) {
      if (g.glyph == 0) return;
      const Font& font = layout.fonts[g.font];
      int x = line.x + pl.x, y = line.baseline + pl.y;
      auto m = glyph_mask(font, g, size64, 0, pl);
      detail::unite_coverage(fill, m->coverage.data(), m->width, m->height, x + m->left, y + m->top);
      if (stroke64 > 0) {
        auto s = glyph_mask(font, g, size64, stroke64, pl);
        detail::unite_coverage(grown, s->coverage.data(), s->width, s->height, x + s->left, y + s->top);
      }
    });
  }
  detail::paint_text(canvas, fill, grown, style);
}

Image render_text(const TextLayout& layout, const TextStyle& style, int margin) {
  if (margin < 0 || margin > 4096)
    throw Error(ErrorCode::InvalidArgument, "margin " + std::to_string(margin) + ": must be between 0 and 4096 px");
  if (layout.ink.empty()) throw Error(ErrorCode::InvalidArgument, "text: draws no ink");
  Image image(layout.ink.width + 2 * margin, layout.ink.height + 2 * margin);
  TextLayout shifted = layout;
  for (TextLine& line : shifted.lines) {
    line.x += margin - layout.ink.x;
    line.baseline += margin - layout.ink.y;
    line.ink = offset(line.ink, margin - layout.ink.x, margin - layout.ink.y);
  }
  draw_text(image, shifted, style);
  return image;
}

}  // namespace khung

namespace khung {
int default_margin(float size) { return std::max(2, static_cast<int>(std::ceil(size / 8))); }
}  // namespace khung
