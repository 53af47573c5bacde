#include "khung/render.hpp"

#include "codec/codecs.hpp"
#include "codec/row_feed.hpp"
#include "khung/arc_text.hpp"
#include "khung/error.hpp"
#include "khung/unicode.hpp"
#include "photo/composite.hpp"
#include "photo/photo_source.hpp"
#include "photo/resample.hpp"
#include "template/check_parts.hpp"
#include "template/template_data.hpp"
#include "text/utf8.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <future>
#include <optional>

namespace khung {
namespace {

using namespace detail;

std::string field_list(const Template& tpl) {
  std::string list;
  for (const auto& f : tpl.fields()) list += (list.empty() ? "" : ", ") + f.name;
  return list.empty() ? "none" : list;
}

Error missing_field(const Template& tpl, const std::string& name) {
  return Error(ErrorCode::InvalidArgument,
               "field '" + name + "': missing (template '" + tpl.id() + "' needs: " + field_list(tpl) + ")");
}

// Text with each {{name}} replaced in one pass (values are never re-read for
// placeholders). Throws Error(InvalidArgument) for a missing field.
std::string substitute(const Template& tpl, const FieldText& text, const Fields& fields) {
  return text.fill([&](const std::string& name) -> const std::string& {
    const std::string* value = field_value(tpl, fields, name);
    if (!value) throw missing_field(tpl, name);
    return *value;
  });
}

bool uses_field(const Template& tpl, std::string_view name) {
  return std::any_of(tpl.fields().begin(), tpl.fields().end(), [name](const TemplateField& f) { return f.name == name; });
}

// Why a field's value is too long to render, or empty when it is not.
std::string overlong(const std::string& value) {
  if (value.size() <= max_field_bytes) return {};
  return std::to_string(value.size()) + " bytes, over the " + std::to_string(max_field_bytes) + "-byte limit";
}

// Every field given is one the template uses, and not overlong.
void check_fields(const Template& tpl, const Fields& fields) {
  for (const auto& [name, value] : fields) {
    if (!uses_field(tpl, name))
      throw Error(ErrorCode::InvalidArgument, "field '" + name + "': not used by template '" + tpl.id() +
                                                  "' (its fields: " + field_list(tpl) + ")");
    if (std::string why = overlong(value); !why.empty())
      throw Error(ErrorCode::InvalidArgument, "field '" + name + "': " + why);
  }
}

// A gradient's colour at t in [0, 1], interpolated on premultiplied values.
Color gradient_at(const Gradient& g, float t) {
  const auto& s = g.stops;
  if (t <= s.front().offset) return s.front().color;
  if (t >= s.back().offset) return s.back().color;
  std::size_t i = 1;
  while (s[i].offset < t) ++i;
  const GradientStop &a = s[i - 1], &b = s[i];
  float k = b.offset > a.offset ? (t - a.offset) / (b.offset - a.offset) : 1;
  float aa = a.color.a / 255.0f, ba = b.color.a / 255.0f;
  float alpha = aa + (ba - aa) * k;
  auto mix = [&](std::uint8_t ca, std::uint8_t cb) {
    float v = alpha > 0 ? (ca * aa + (cb * ba - ca * aa) * k) / alpha : 0;
    return static_cast<std::uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f));
  };
  return {mix(a.color.r, b.color.r), mix(a.color.g, b.color.g), mix(a.color.b, b.color.b),
          static_cast<std::uint8_t>(alpha * 255 + 0.5f)};
}

// A gradient sampled at kSteps + 1 points of t: finer than 8-bit colour can
// show on any canvas Khung draws, and a table look-up per pixel.
class GradientTable {
 public:
  static constexpr int kSteps = 4096;
  explicit GradientTable(const Gradient& g) : g_(g), colors_(kSteps + 1) {
    for (int i = 0; i <= kSteps; ++i) colors_[i] = gradient_at(g, static_cast<float>(i) / kSteps);
  }
  Color at(float x, float y) const {
    float t;
    if (g_.kind == Gradient::Kind::Radial) {
      t = std::hypot(x - g_.cx, y - g_.cy) / g_.radius;
    } else {
      float dx = g_.x1 - g_.x0, dy = g_.y1 - g_.y0;
      t = ((x - g_.x0) * dx + (y - g_.y0) * dy) / (dx * dx + dy * dy);
    }
    return colors_[static_cast<std::size_t>(std::clamp(t, 0.0f, 1.0f) * kSteps + 0.5f)];
  }

 private:
  const Gradient& g_;
  std::vector<Color> colors_;
};

void paint_fill(Image& canvas, const FillLayer& f) {
  Rect area = f.whole_canvas ? Rect{0, 0, canvas.width(), canvas.height()} : f.area.rect;
  int x0 = std::max(area.x, 0), y0 = std::max(area.y, 0);
  int x1 = std::min(area.right(), canvas.width()), y1 = std::min(area.bottom(), canvas.height());
  if (x0 >= x1 || y0 >= y1) return;
  std::optional<GradientTable> table;
  if (f.gradient) table.emplace(*f.gradient);
  const unsigned opacity = static_cast<unsigned>(std::lround(f.opacity * 255));
  std::vector<std::uint8_t> row(static_cast<std::size_t>(x1 - x0) * 4);
  for (int y = y0; y < y1; ++y) {
    std::uint8_t* p = row.data();
    const std::uint8_t* cov =
        f.whole_canvas ? nullptr : f.area.coverage.data() + static_cast<std::size_t>(y - area.y) * area.width + (x0 - area.x);
    const float cy = static_cast<float>(y) + 0.5f;
    for (int x = x0; x < x1; ++x, p += 4) {
      Color c = table ? table->at(static_cast<float>(x) + 0.5f, cy) : f.color;
      p[0] = c.r;
      p[1] = c.g;
      p[2] = c.b;
      p[3] = cov ? static_cast<std::uint8_t>((c.a * *cov++ + 127u) / 255) : c.a;
    }
    composite_row(canvas.row(y) + 4 * x0, row.data(), x1 - x0, opacity);
  }
}

bool is_static(const Layer& layer) {
  if (const auto* t = std::get_if<TextLayer>(&layer)) return t->text.fixed();
  if (const auto* a = std::get_if<ArcTextLayer>(&layer)) return a->text.fixed();
  if (const auto* q = std::get_if<QrLayer>(&layer)) return !q->fixed.empty();
  return !std::holds_alternative<PhotoLayer>(layer);
}

// How an error message names a part without the photo.
const char* part_words(RenderPart part) {
  switch (part) {
    case RenderPart::UnderPhoto: return "of the layers under the photo";
    case RenderPart::OverPhoto: return "of the layers over the photo";
    default: return "without the photo";
  }
}

// The layers a part draws: [first, last) of the template's (the photo
// among them is drawn only by a Whole render: draw_layer).
struct LayerSpan {
  std::size_t first = 0, last = 0;
};

LayerSpan layers_of(const TemplateData& data, RenderPart part) {
  const std::size_t count = data.layers.size();
  if (part == RenderPart::Whole || part == RenderPart::WithoutPhoto) return {0, count};
  std::size_t slot = 0;
  while (slot < count && !std::holds_alternative<PhotoLayer>(data.layers[slot])) ++slot;
  return part == RenderPart::UnderPhoto ? LayerSpan{0, slot} : LayerSpan{std::min(slot + 1, count), count};
}

// How every face's photo is decoded: at the smallest size that covers its
// window at this placement (shrink-on-load), so that the same file gives the
// same pixels whichever face it came through.
DecodeOptions photo_decode_options(const PhotoLayer& layer, const RenderOptions& options) {
  const Size need = photo_cover_size(layer.window.rect, options.placement);
  return {options.limits, need.width, need.height};
}

// Whether the photo's first bytes are a JPEG's (a file that cannot be read
// is not: its decode reports why).
bool starts_as_jpeg(const PhotoInput& photo) {
  unsigned char head[3] = {};
  if (!photo.bytes.empty()) {
    std::copy_n(photo.bytes.begin(), std::min<std::size_t>(3, photo.bytes.size()), head);
  } else {
    std::ifstream(photo.path, std::ios::binary).read(reinterpret_cast<char*>(head), 3);
  }
  return head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF;
}

// The photo file or bytes decoded (see decode_stored for `feed`).
std::optional<StoredImage> decode_photo(const PhotoInput& photo, const DecodeOptions& options, RowFeed* feed = nullptr) {
  if (!photo.bytes.empty()) return decode_stored(photo.bytes, options, feed);
  return read_stored(photo.path, options, feed);
}

// The decoder's warnings (an embedded colour profile ignored) as render
// warnings at the photo: "photo 'me.jpg'", or "photo" for bytes, so that a
// service's log names no client file.
void add_photo_warnings(const PhotoInput& photo, const std::vector<std::string>& decoded,
                        std::vector<RenderWarning>& warnings) {
  const std::string where = photo.bytes.empty() ? "photo '" + photo.path.string() + "'" : "photo";
  for (const std::string& w : decoded) {
    RenderWarning warning{where, w};
    if (std::find(warnings.begin(), warnings.end(), warning) == warnings.end()) warnings.push_back(std::move(warning));
  }
}

// Characters no font has in the text of layers[index] (TextLayout::missing),
// as warnings placed at the field whose value holds them, or at the layer
// for the template's own text; one per place, in order of first use.
std::vector<RenderWarning> missing_character_warnings(const Template& tpl, std::size_t index, const FieldText& text,
                                                      const TextStyle& style, const Fields& fields,
                                                      const std::vector<char32_t>& missing) {
  if (missing.empty()) return {};
  std::vector<std::pair<std::string, std::vector<char32_t>>> by_place;
  auto note = [&](const std::string& where, char32_t cp) {
    auto it = std::find_if(by_place.begin(), by_place.end(), [&](const auto& p) { return p.first == where; });
    if (it == by_place.end()) it = by_place.insert(by_place.end(), {where, {}});
    it->second.push_back(cp);
  };
  // Layout looks at the text as normalised and case-mapped: so does this.
  auto as_laid_out = [&](const std::string& value) {
    std::string t = to_nfc(value);
    if (style.transform == TextTransform::Upper) t = to_nfc(to_upper(t));
    if (style.transform == TextTransform::Lower) t = to_nfc(to_lower(t));
    return to_utf32(t);
  };
  std::vector<std::pair<std::string, std::u32string>> values;
  for (const Placeholder& p : text.placeholders())
    if (const std::string* value = field_value(tpl, fields, p.name)) values.emplace_back(p.name, as_laid_out(*value));
  for (char32_t cp : missing) {
    bool in_field = false;
    for (const auto& [name, value] : values)
      if (value.find(cp) != std::u32string::npos) {
        note("field '" + name + "'", cp);
        in_field = true;
      }
    if (!in_field) note("layers[" + std::to_string(index) + "]", cp);
  }
  std::vector<RenderWarning> out;
  for (const auto& [where, cps] : by_place) out.push_back({where, missing_characters_message(cps)});
  return out;
}

// "[x, y, width, height]", as templates write a box.
std::string box_text(const Rect& r) {
  return "[" + std::to_string(r.x) + ", " + std::to_string(r.y) + ", " + std::to_string(r.width) + ", " +
         std::to_string(r.height) + "]";
}

// How far `r` leaves the canvas: "by 160 px at the right", "by 12 px at the
// top and 85 px at the right"; empty when it stays inside.
std::string beyond_canvas(const Rect& r, Size canvas) {
  const std::pair<int, const char*> sides[] = {{-r.x, "left"},
                                               {-r.y, "top"},
                                               {r.right() - canvas.width, "right"},
                                               {r.bottom() - canvas.height, "bottom"}};
  std::vector<std::string> parts;
  for (const auto& [px, side] : sides)
    if (px > 0) parts.push_back(std::to_string(px) + " px at the " + side);
  std::string out;
  for (std::size_t k = 0; k < parts.size(); ++k)
    out += (k == 0 ? "by " : k + 1 == parts.size() ? " and " : ", ") + parts[k];
  return out;
}

std::string canvas_text(Size canvas) { return std::to_string(canvas.width) + "x" + std::to_string(canvas.height) + " canvas"; }

// What drawing layers[index] (text or arc_text), laid out as `layout` from
// `fields`, warns of: characters no font has (at their field), and ink cut
// off by the canvas edge (at the layer's box, or the arc layer).
std::vector<RenderWarning> missing_character_warnings(const Template& tpl, std::size_t index, const TextLayout& layout,
                                                      const Fields& fields) {
  const Layer& layer = detail::template_data(tpl).layers[index];
  const auto* t = std::get_if<TextLayer>(&layer);
  const auto* a = std::get_if<ArcTextLayer>(&layer);
  return missing_character_warnings(tpl, index, t ? t->text : a->text, t ? t->style : a->style, fields, layout.missing);
}

// Ink of layers[index] (text or arc_text), laid out as `layout`, cut off
// by the canvas edge (at the layer's box, or the arc layer).
std::vector<RenderWarning> cut_off_warnings(const Template& tpl, std::size_t index, const TextLayout& layout) {
  const auto* t = std::get_if<TextLayer>(&detail::template_data(tpl).layers[index]);
  std::vector<RenderWarning> out;
  Rect ink;  // fill and stroke; a shadow may fade out past the edge
  for (const TextLine& line : layout.lines) ink = unite(ink, line.ink);
  if (std::string beyond = beyond_canvas(ink, tpl.size()); !ink.empty() && !beyond.empty()) {
    const std::string where = "layers[" + std::to_string(index) + "]" + (t ? ".box" : "");
    std::string message = "the text is cut off by the canvas edge: its ink leaves the " + canvas_text(tpl.size()) + " " + beyond;
    if (t) message += " (the box " + box_text(t->box) + " leaves it " + beyond_canvas(t->box, tpl.size()) + ")";
    out.push_back({where, message});
  }
  return out;
}

std::vector<RenderWarning> text_warnings(const Template& tpl, std::size_t index, const TextLayout& layout,
                                         const Fields& fields) {
  std::vector<RenderWarning> out = missing_character_warnings(tpl, index, layout, fields);
  for (RenderWarning& w : cut_off_warnings(tpl, index, layout)) out.push_back(std::move(w));
  return out;
}

// The code layers[index] draws with `fields`: its fixed code, or its data
// filled in and encoded. Throws Error(Layout) "layers[3]: the QR data is
// ..." for data too long, and substitute's errors.
QrCode qr_code_of(const Template& tpl, std::size_t index, const QrLayer& q, const Fields& fields) {
  if (!q.fixed.empty()) return q.fixed;
  const std::string data = substitute(tpl, q.data, fields);
  try {
    return encode_qr(data, q.level);
  } catch (const Error& e) {
    throw Error(e.code(), "layers[" + std::to_string(index) + "]: " + e.what());
  }
}

// Why layers[index]'s code cannot be drawn in its box ("layers[3].box: the
// QR code needs a box of at least ..."), or empty.
std::string qr_fit_error(std::size_t index, const QrLayer& q, const QrCode& code) {
  const std::string why = qr_fit_problem(code, q.box, q.style.quiet_zone);
  return why.empty() ? why : "layers[" + std::to_string(index) + "].box: " + why;
}

// Adds `item` unless the same is there already: two layers showing one
// field would say the same twice.
template <class T>
void add_once(std::vector<T>& list, T item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(std::move(item));
}

// Draws layers[index]. `decoded`: the photo already decoded
// (load_and_render), else null. Warnings go to `warnings`.
void draw_layer(Image& canvas, std::size_t index, const Template& tpl, const RenderOptions& options,
                const FontLibrary* fonts, std::vector<RenderWarning>& warnings, StoredImage* decoded = nullptr) {
  const Layer& layer = detail::template_data(tpl).layers[index];
  if (const auto* f = std::get_if<FillLayer>(&layer)) {
    paint_fill(canvas, *f);
  } else if (const auto* im = std::get_if<ImageLayer>(&layer)) {
    composite_image(canvas, im->pixels, im->x, im->y, im->opacity);
    for (const std::string& w : im->warnings)
      add_once(warnings, RenderWarning{"layers[" + std::to_string(index) + "].src", w});
  } else if (const auto* ph = std::get_if<PhotoLayer>(&layer)) {
    if (options.part != RenderPart::Whole) return;  // the parts leave the slot empty
    if (options.photo.image) {
      draw_photo(canvas, *options.photo.image, ph->window, options.placement);
      return;
    }
    std::vector<std::string> decode_warnings;
    DecodeOptions decode = photo_decode_options(*ph, options);
    decode.warnings = &decode_warnings;
    const StoredImage photo = decoded ? std::move(*decoded) : *decode_photo(options.photo, decode);
    add_photo_warnings(options.photo, decode_warnings, warnings);
    draw_focused(canvas, {&photo.pixels, photo.orientation, {}, photo.conversion.get()}, ph->window, options.placement);
  } else if (const auto* t = std::get_if<TextLayer>(&layer)) {
    std::string text = substitute(tpl, t->text, options.fields);
    TextLayout layout = layout_text(text, t->style, t->box, fonts ? *fonts : FontLibrary::bundled());
    draw_text(canvas, layout, t->style);
    for (RenderWarning& w : text_warnings(tpl, index, layout, options.fields)) add_once(warnings, std::move(w));
  } else if (const auto* a = std::get_if<ArcTextLayer>(&layer)) {
    std::string text = substitute(tpl, a->text, options.fields);
    TextLayout layout = layout_arc_text(text, a->style, a->arc, fonts ? *fonts : FontLibrary::bundled());
    draw_arc_text(canvas, layout, a->style, a->arc);
    for (RenderWarning& w : text_warnings(tpl, index, layout, options.fields)) add_once(warnings, std::move(w));
  } else if (const auto* q = std::get_if<QrLayer>(&layer)) {
    const QrCode code = qr_code_of(tpl, index, *q, options.fields);
    if (std::string why = qr_fit_error(index, *q, code); !why.empty()) throw Error(ErrorCode::Layout, why);
    draw_qr(canvas, code, q->box, q->style);
  }
}

// Scaled as the rest of the canvas is, a QR code's modules would blur into
// grey edges. Instead the squares of the part's QR codes (quiet zone
// included) are taken from the unscaled canvas by nearest neighbour: crisp
// modules of whole pixels (their sides differing by at most 1 px), with
// whatever layers above drew there. Returns a warning for each code whose
// modules come out under a pixel, which no phone reads.
std::vector<RenderWarning> scale_qr_codes(const Image& drawn, Image& scaled, const Template& tpl,
                                          const RenderOptions& options, LayerSpan span) {
  std::vector<RenderWarning> warnings;
  const auto& layers = detail::template_data(tpl).layers;
  const double sx = static_cast<double>(scaled.width()) / drawn.width();
  const double sy = static_cast<double>(scaled.height()) / drawn.height();
  for (std::size_t i = span.first; i < span.last; ++i) {
    const auto* q = std::get_if<QrLayer>(&layers[i]);
    if (!q) continue;
    const QrPlacement at = place_qr(qr_code_of(tpl, i, *q, options.fields), q->box, q->style.quiet_zone);
    const Rect r = at.square;
    if (at.module_px * std::min(sx, sy) < 1)
      warnings.push_back({"layers[" + std::to_string(i) + "]",
                          "at " + std::to_string(scaled.width()) + " px wide the QR code's modules are under 1 px, "
                          "so phones cannot read it; render it wider or give it a larger box"});
    const int x0 = std::max(0, static_cast<int>(std::floor(r.x * sx)));
    const int y0 = std::max(0, static_cast<int>(std::floor(r.y * sy)));
    const int x1 = std::min(scaled.width(), static_cast<int>(std::ceil(r.right() * sx)));
    const int y1 = std::min(scaled.height(), static_cast<int>(std::ceil(r.bottom() * sy)));
    const int cx0 = std::max(r.x, 0), cy0 = std::max(r.y, 0);
    const int cx1 = std::min(r.right(), drawn.width()) - 1, cy1 = std::min(r.bottom(), drawn.height()) - 1;
    if (x0 >= x1 || y0 >= y1 || cx0 > cx1 || cy0 > cy1) continue;
    for (int y = y0; y < y1; ++y) {
      const int from_y = std::clamp(static_cast<int>((y + 0.5) / sy), cy0, cy1);
      const std::uint8_t* src = drawn.row(from_y);
      std::uint8_t* dst = scaled.row(y);
      for (int x = x0; x < x1; ++x) {
        const int from_x = std::clamp(static_cast<int>((x + 0.5) / sx), cx0, cx1);
        std::copy_n(src + 4 * from_x, 4, dst + 4 * x);
      }
    }
  }
  return warnings;
}

// Draws the run of unchanging bottom layers once, into the template's base.
void draw_base(const Template& tpl) {
  const TemplateData& data = detail::template_data(tpl);
  std::size_t n = 0;
  while (n < data.layers.size() && is_static(data.layers[n])) ++n;
  if (n == 0) return;  // nothing to keep: every render starts from a clear canvas
  Image base(data.size.width, data.size.height);
  std::vector<RenderWarning> warnings;
  for (std::size_t i = 0; i < n; ++i) draw_layer(base, i, tpl, {}, nullptr, warnings);
  data.base = std::move(base);
  data.base_warnings = std::move(warnings);
  data.base_layers = n;
}

}  // namespace

void validate(const Template& tpl, const RenderOptions& options) {
  const TemplateData& data = detail::template_data(tpl);
  check_fields(tpl, options.fields);
  for (const TemplateField& f : tpl.fields())
    if (!field_value(tpl, options.fields, f.name)) throw missing_field(tpl, f.name);
  const bool whole = options.part == RenderPart::Whole;
  if (!whole && !options.photo.empty())
    throw Error(ErrorCode::InvalidArgument,
                "template '" + tpl.id() + "': a photo was given to a render " + part_words(options.part));
  if (!data.has_photo && (options.part == RenderPart::UnderPhoto || options.part == RenderPart::OverPhoto))
    throw Error(ErrorCode::InvalidArgument, "template '" + tpl.id() + "': has no photo slot to render the layers " +
                                                (options.part == RenderPart::UnderPhoto ? "under" : "over"));
  if (data.has_photo && options.photo.empty() && whole)
    throw Error(ErrorCode::InvalidArgument, "template '" + tpl.id() + "': needs a photo");
  if (!data.has_photo && !options.photo.empty())
    throw Error(ErrorCode::InvalidArgument, "template '" + tpl.id() + "': has no photo slot");
  validate(options.placement);
  // Before drawing, not once the canvas is drawn and the resized copy
  // cannot be made.
  output_size(tpl, options.output_width);
}

namespace {

// A render begun: the canvas, the first layer still to draw on it, and
// the warnings of the layers drawn.
struct Started {
  Image canvas;
  std::size_t next = 0;
  std::vector<RenderWarning> warnings;
};

// The canvas a render of `part` starts from: the template's cached
// unchanging bottom layers when the part starts at the bottom and its fonts
// are the bundled ones (`fonts` null), else blank.
Started start_render(const Template& tpl, const FontLibrary* fonts, RenderPart part) {
  const TemplateData& data = detail::template_data(tpl);
  const LayerSpan span = layers_of(data, part);
  // Bundled fonts are the ones the cached base was drawn with.
  const bool cached = span.first == 0 && (!fonts || fonts == &FontLibrary::bundled());
  if (cached) std::call_once(data.base_once, [&] { draw_base(tpl); });
  // The base ends below the photo, so never past a part's last layer.
  if (cached && data.base_layers > 0) return {data.base, data.base_layers, data.base_warnings};
  return {Image(data.size.width, data.size.height), span.first, {}};
}

// Draws the rest of the part's layers (once validate has passed), with the
// photo already decoded when `decoded` is set. `fonts`: null for the bundled
// ones, opened only if a text layer needs them (a frame without text never
// does).
RenderResult finish_render(const Template& tpl, const RenderOptions& options, const FontLibrary* fonts,
                           StoredImage* decoded, Started started) {
  const TemplateData& data = detail::template_data(tpl);
  RenderResult out{std::move(started.canvas), std::move(started.warnings)};
  const std::size_t last = layers_of(data, options.part).last;
  for (std::size_t i = started.next; i < last; ++i)
    draw_layer(out.image, i, tpl, options, fonts, out.warnings, decoded);
  const Size size = output_size(tpl, options.output_width);
  if (size != data.size) {
    Image scaled = resize_image(out.image, size);
    for (RenderWarning& w : scale_qr_codes(out.image, scaled, tpl, options, layers_of(data, options.part)))
      add_once(out.warnings, std::move(w));
    out.image = std::move(scaled);
  }
  return out;
}

}  // namespace

Size output_size(const Template& tpl, std::optional<int> width) { return output_size(tpl.size(), width); }

const std::string* field_value(const Template& tpl, const Fields& fields, std::string_view name) {
  if (auto it = fields.find(name); it != fields.end() && !is_blank(it->second)) return &it->second;
  for (const auto& f : tpl.fields())
    if (f.name == name && f.default_value) return &*f.default_value;
  return nullptr;
}

RenderResult render_with_warnings(const Template& tpl, const RenderOptions& options) {
  validate(tpl, options);
  return finish_render(tpl, options, nullptr, nullptr, start_render(tpl, nullptr, options.part));
}

RenderResult render_with_warnings(const Template& tpl, const RenderOptions& options, const FontLibrary& fonts) {
  validate(tpl, options);
  return finish_render(tpl, options, &fonts, nullptr, start_render(tpl, &fonts, options.part));
}

Image render_template(const Template& tpl, const RenderOptions& options) {
  return render_with_warnings(tpl, options).image;
}

Image render_template(const Template& tpl, const RenderOptions& options, const FontLibrary& fonts) {
  return render_with_warnings(tpl, options, fonts).image;
}

namespace {

// The decode load_and_render starts before the template is parsed: at the
// size that covers the whole `canvas` (the most its window can need), or
// nullopt (the canvas is unknown, or the placement bad: reported later, in
// the usual order).
std::optional<DecodeOptions> speculative_decode(std::optional<Size> canvas, const RenderOptions& options,
                                                std::vector<std::string>& warnings) {
  if (!canvas) return std::nullopt;
  try {
    const Size bound = photo_cover_size({0, 0, canvas->width, canvas->height}, options.placement);
    return DecodeOptions{options.limits, bound.width, bound.height, &warnings};
  } catch (const Error&) {
    return std::nullopt;
  }
}

// Draws the photo layer `slot` from the rows the feed hands over as they
// are decoded. False when the row decoder gave up before drawing touched
// the canvas: the whole-image decode follows.
bool draw_fed(Started& started, RowFeed& feed, int orientation, const PhotoLayer& slot, const RenderOptions& options) {
  struct FeedEnded {};
  try {
    draw_focused(started.canvas,
                 {&feed.image, orientation, [&feed](int rows) {
                    if (!feed.wait_rows(rows)) throw FeedEnded{};
                  }, feed.conversion.get()},
                 slot.window, options.placement);
  } catch (const FeedEnded&) {
    return false;
  }
  ++started.next;
  return true;
}

}  // namespace

RenderResult load_and_render(std::string_view template_ref, const RenderOptions& options) {
  if (options.photo.empty() || options.photo.image || options.part != RenderPart::Whole)
    return render_with_warnings(Template::load(template_ref), options);
  // A JPEG is decoded on a second thread while the template loads, at the
  // size that covers the whole canvas (the most its window can need), row
  // by row through the feed; its rows are resampled on this thread as they
  // arrive. That decode is kept only when it is the one the window asks for
  // (photo_decode_options, as every face decodes), which it nearly always
  // is: a reduced JPEG comes in steps of an eighth. Other formats wait for
  // the window to be known.
  // The template's JSON is read once: for its size now, parsed below.
  const TemplateSource source = read_template(template_ref);
  const bool jpeg = starts_as_jpeg(options.photo);
  RowFeed feed;
  // The decoding thread's warnings, read once photo.get() has returned.
  std::vector<std::string> decode_warnings;
  std::promise<std::optional<DecodeOptions>> sized;  // nullopt: the render stopped before the photo
  std::future<std::optional<DecodeOptions>> size_known = sized.get_future();
  const std::optional<DecodeOptions> speculative =
      jpeg ? speculative_decode(peek_template_size(source.text), options, decode_warnings) : std::nullopt;
  std::future<std::optional<StoredImage>> photo =
      std::async(std::launch::async, [&options, &size_known, &feed, speculative] {
        try {
          const std::optional<DecodeOptions> decode = speculative ? speculative : size_known.get();
          if (!decode) {
            feed.fail();
            return std::optional<StoredImage>();
          }
          return decode_photo(options.photo, *decode, &feed);
        } catch (...) {
          feed.fail();  // the reader stops waiting; photo.get() throws the error
          throw;
        }
      });
  // The template's errors come first, then the photo's, as with the two calls.
  const PhotoLayer* slot = nullptr;
  Template tpl;
  DecodeOptions wanted;
  try {
    tpl = TemplateAccess::wrap(parse_template(source.file, source.text));
    validate(tpl, options);
    for (const Layer& layer : detail::template_data(tpl).layers)
      if (const auto* p = std::get_if<PhotoLayer>(&layer)) slot = p;
    wanted = photo_decode_options(*slot, options);  // validate: a photo was given, so there is a slot
    wanted.warnings = &decode_warnings;
    sized.set_value(wanted);
  } catch (...) {
    sized.set_value(std::nullopt);
    photo.wait();
    throw;
  }
  // The canvas and the layers under the photo, while it decodes.
  Started started = start_render(tpl, nullptr, options.part);
  const auto& layers = detail::template_data(tpl).layers;
  while (started.next < layers.size() && !std::holds_alternative<PhotoLayer>(layers[started.next]))
    draw_layer(started.canvas, started.next++, tpl, options, nullptr, started.warnings);
  int orientation = 1;
  const bool fed = feed.wait_start(orientation);
  const RowFeed::Plan& plan = feed.plan;
  const bool as_wanted = !speculative || (plan.scale.denom > 0 && jpeg_scale(plan.stored.width, plan.stored.height,
                                                                            plan.orientation, wanted) == plan.scale);
  if (fed && as_wanted && draw_fed(started, feed, orientation, *slot, options)) {
    photo.get();  // done (nullopt): its pixels were the feed's
    add_photo_warnings(options.photo, decode_warnings, started.warnings);
    return finish_render(tpl, options, nullptr, nullptr, std::move(started));
  }
  // Not fed (not a JPEG, or the row decoder gave up), or fed at another
  // size than the window's: the photo as decoded whole, for the window.
  std::optional<StoredImage> decoded = photo.get();
  if (!as_wanted) decoded = decode_photo(options.photo, wanted);
  add_photo_warnings(options.photo, decode_warnings, started.warnings);
  return finish_render(tpl, options, nullptr, decoded ? &*decoded : nullptr, std::move(started));
}

namespace detail {

namespace {

std::string named(const Font& f) { return f.family() + " " + f.style_name(); }

// "'Roboto Bold' (Roboto-Bold.ttf)": a layer's font in check messages.
std::string named_with_file(const Font& f) { return "'" + named(f) + "' (" + f.path().filename().string() + ")"; }

std::string letters_text(std::u32string_view letters) {
  std::string out;
  for (char32_t c : letters) {
    if (!out.empty()) out += ' ';
    append_utf8(out, c);
  }
  return out;
}

}  // namespace

void FallbackNotes::add(std::size_t layer, const TextLayout& layout) {
  if (layout.fallback.empty()) return;
  Layer& entry = layers_[layer];
  if (entry.font.empty()) entry.font = named_with_file(layout.fonts[0]);
  for (const FallbackCharacter& c : layout.fallback) {
    const std::string from = named(layout.fonts[static_cast<std::size_t>(c.font)]);
    auto it = std::find_if(entry.taken.begin(), entry.taken.end(), [&](const auto& t) { return t.first == from; });
    if (it == entry.taken.end()) it = entry.taken.insert(entry.taken.end(), {from, {}});
    if (std::find(it->second.begin(), it->second.end(), c.code_point) == it->second.end())
      it->second.push_back(c.code_point);
  }
}

std::vector<CheckProblem> FallbackNotes::notes() const {
  std::vector<CheckProblem> out;
  for (const auto& [layer, entry] : layers_) {
    std::string message = "font " + entry.font + " lacks some characters, drawn from fallback fonts: ";
    for (std::size_t k = 0; k < entry.taken.size(); ++k) {
      const auto& [from, cps] = entry.taken[k];
      std::string shown, codes;
      for (char32_t cp : cps) {
        if (!shown.empty()) shown += ' ';
        append_utf8(shown, cp);
        codes += (codes.empty() ? "" : ", ") + code_point_name(cp);
      }
      message += (k ? "; " : "") + shown + " (" + codes + ") from " + from;
    }
    out.push_back({CheckKind::FallbackFont, "layers[" + std::to_string(layer) + "].font", message, CheckSeverity::Note});
  }
  return out;
}

std::vector<CheckProblem> check_fields(const Template& tpl, const Fields& fields, const FontLibrary& fonts,
                                       FallbackNotes& notes) {
  std::vector<CheckProblem> problems;
  for (const auto& f : tpl.fields())
    if (!field_value(tpl, fields, f.name)) problems.push_back({CheckKind::MissingField, "field '" + f.name + "'", "missing"});
  std::vector<std::string> overlong_fields;
  for (const auto& [name, value] : fields) {
    if (!uses_field(tpl, name))
      problems.push_back({CheckKind::UnusedField, "field '" + name + "'", "not used by template '" + tpl.id() + "'"});
    if (std::string why = overlong(value); !why.empty()) {
      problems.push_back({CheckKind::FieldTooLong, "field '" + name + "'", why});
      overlong_fields.push_back(name);
    }
  }

  const auto& layers = detail::template_data(tpl).layers;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string where = "layers[" + std::to_string(i) + "]";
    const auto* t = std::get_if<TextLayer>(&layers[i]);
    const auto* a = std::get_if<ArcTextLayer>(&layers[i]);
    const auto* q = std::get_if<QrLayer>(&layers[i]);
    if (!t && !a && !q) continue;
    // An overlong field is reported once, above, and not laid out.
    const auto& placeholders = (t ? t->text : a ? a->text : q->data).placeholders();
    // So is a missing one, and the layer is not laid out either.
    if (std::any_of(placeholders.begin(), placeholders.end(), [&](const Placeholder& p) {
          return std::find(overlong_fields.begin(), overlong_fields.end(), p.name) != overlong_fields.end() ||
                 !field_value(tpl, fields, p.name);
        }))
      continue;
    if (q) {
      // A fixed code was checked when the template loaded.
      if (!q->fixed.empty()) continue;
      QrCode code;
      try {
        code = encode_qr(substitute(tpl, q->data, fields), q->level);
      } catch (const Error& e) {
        problems.push_back({CheckKind::QrFails, where, e.what()});
        continue;
      }
      if (std::string why = qr_fit_problem(code, q->box, q->style.quiet_zone); !why.empty())
        problems.push_back({CheckKind::QrFails, where + ".box", why});
      continue;
    }
    try {
      std::string text = substitute(tpl, t ? t->text : a->text, fields);
      TextLayout layout = t ? layout_text(text, t->style, t->box, fonts) : layout_arc_text(text, a->style, a->arc, fonts);
      notes.add(i, layout);
      for (const RenderWarning& w : missing_character_warnings(tpl, i, layout, fields))
        add_once(problems, CheckProblem{CheckKind::NoGlyph, w.where, w.message});
      for (const RenderWarning& w : cut_off_warnings(tpl, i, layout))
        add_once(problems, CheckProblem{CheckKind::CutOff, w.where, w.message});
    } catch (const Error& e) {
      problems.push_back({CheckKind::TextFails, where, e.what()});
    }
  }
  return problems;
}

std::vector<CheckProblem> check_canvas(const Template& tpl) {
  std::vector<CheckProblem> out;
  const Size canvas = tpl.size();
  const auto& layers = detail::template_data(tpl).layers;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string at = "layers[" + std::to_string(i) + "]";
    if (const auto* p = std::get_if<PhotoLayer>(&layers[i])) {
      // 'auto' windows are found inside the canvas.
      if (std::string beyond = beyond_canvas(p->shape.box, canvas); !beyond.empty())
        out.push_back({CheckKind::WindowLeavesCanvas, at + ".window.box", "the photo window " + box_text(p->shape.box) + " leaves the " +
                                               canvas_text(canvas) + " " + beyond + ", where the photo is cut off"});
    } else if (const auto* im = std::get_if<ImageLayer>(&layers[i])) {
      // An asset's colour profile that could not be used: it is drawn in
      // other colours than the designer's.
      for (const std::string& w : im->warnings) out.push_back({CheckKind::ProfileIgnored, at + ".src", w});
    } else if (const auto* q = std::get_if<QrLayer>(&layers[i])) {
      // A code the edge cuts is not read at all. A fixed code's square is
      // known; another's depends on its data, inside the box.
      if (!q->fixed.empty()) {
        const Rect square = place_qr(q->fixed, q->box, q->style.quiet_zone).square;
        if (std::string beyond = beyond_canvas(square, canvas); !beyond.empty())
          out.push_back({CheckKind::QrLeavesCanvas, at + ".box", "the QR code " + box_text(square) + " leaves the " + canvas_text(canvas) + " " +
                                          beyond + ", where it is cut off and cannot be read"});
      } else if (std::string beyond = beyond_canvas(q->box, canvas); !beyond.empty()) {
        out.push_back({CheckKind::QrLeavesCanvas, at + ".box",
                       "the QR code's box " + box_text(q->box) + " leaves the " + canvas_text(canvas) + " " + beyond +
                           "; a code that reaches there is cut off and cannot be read",
                       CheckSeverity::Note});
      }
    } else if (const auto* t = std::get_if<TextLayer>(&layers[i])) {
      if (std::string beyond = beyond_canvas(t->box, canvas); !beyond.empty())
        out.push_back({CheckKind::BoxLeavesCanvas, at + ".box",
                       "the text box " + box_text(t->box) + " leaves the " + canvas_text(canvas) + " " + beyond +
                           "; text whose ink reaches there is cut off",
                       CheckSeverity::Note});
    }
  }
  return out;
}

std::vector<CheckProblem> check_fonts(const Template& tpl, const FontLibrary& fonts) {
  std::vector<CheckProblem> out;
  const auto& layers = detail::template_data(tpl).layers;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const TextStyle* style = nullptr;
    if (const auto* t = std::get_if<TextLayer>(&layers[i])) style = &t->style;
    if (const auto* a = std::get_if<ArcTextLayer>(&layers[i])) style = &a->style;
    if (!style) continue;
    // The layer's font and its fallbacks, without shaping anything.
    std::vector<Font> chain;
    try {
      chain = layout_text(" ", *style, Rect{0, 0, 1, 1}, fonts).fonts;
    } catch (const Error&) {
      continue;  // a font that cannot be used is refused when the template loads
    }
    if (chain.empty()) continue;
    const std::u32string missing = missing_vietnamese_letters(chain[0]);
    if (missing.empty()) continue;
    std::vector<std::u32string> lacking;  // what each fallback lacks
    for (std::size_t k = 1; k < chain.size(); ++k) lacking.push_back(missing_vietnamese_letters(chain[k]));
    std::u32string nowhere;
    for (char32_t c : missing)
      if (std::all_of(lacking.begin(), lacking.end(),
                      [&](const std::u32string& l) { return l.find(c) != std::u32string::npos; }))
        nowhere += c;
    std::string message = "font " + named_with_file(chain[0]) + " lacks " + std::to_string(missing.size()) +
                          " of the 134 Vietnamese letters: " + letters_text(missing);
    if (nowhere.empty()) {
      message += "; fallback fonts draw them, in another typeface";
      out.push_back({CheckKind::FontLacksLetters, "layers[" + std::to_string(i) + "].font", message, CheckSeverity::Note});
    } else {
      message += "; no font of the layer draws " + letters_text(nowhere);
      out.push_back({CheckKind::FontLacksLetters, "layers[" + std::to_string(i) + "].font", message});
    }
  }
  return out;
}

}  // namespace detail

std::vector<CheckProblem> check_template(const Template& tpl, const Fields& fields, const FontLibrary& fonts) {
  detail::FallbackNotes notes;
  std::vector<CheckProblem> out = detail::check_fields(tpl, fields, fonts, notes);
  for (CheckProblem& c : detail::check_canvas(tpl)) out.push_back(std::move(c));
  for (CheckProblem& c : detail::check_fonts(tpl, fonts)) out.push_back(std::move(c));
  for (CheckProblem& n : notes.notes()) out.push_back(std::move(n));
  return out;
}

Fields sample_fields(const Template& tpl) {
  Fields out;
  for (const auto& f : tpl.fields()) out[f.name] = f.sample;
  return out;
}

}  // namespace khung
