// The template schema: a template's JSON read into its parsed form
// (template_data.hpp), with every error named by its JSON path.
#include "khung/template.hpp"

#include "codec/codecs.hpp"
#include "khung/codec.hpp"
#include "khung/error.hpp"
#include "khung/signing.hpp"
#include "photo/composite.hpp"
#include "photo/resample.hpp"
#include "photo/window.hpp"
#include "template/json_node.hpp"
#include "template/template_data.hpp"
#include "template/template_id.hpp"
#include "text/validate.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace khung {

// The window shapes' names, both ways: read from templates, printed by
// templates_json.
constexpr detail::EnumName<WindowShape> kWindowShapes[] = {
    {"circle", WindowShape::Circle}, {"rect", WindowShape::Rect}, {"auto", WindowShape::Auto}};

namespace {

using nlohmann::json;
using namespace detail;

constexpr std::size_t kMaxLayers = 64;

// The text keys are read by type only: their ranges are validate()'s to
// decide (text/validate.hpp), for a template as for every other face.
float any_real(const Node& n) {
  constexpr double kFloat = std::numeric_limits<float>::max();
  const double d = n.number(-std::numeric_limits<double>::max(), std::numeric_limits<double>::max());
  return static_cast<float>(std::clamp(d, -kFloat, kFloat));  // past a float's range is out of every range
}

int any_integer(const Node& n) { return n.integer(std::numeric_limits<int>::min(), std::numeric_limits<int>::max()); }

std::pair<float, float> any_point(const Node& n) {
  const auto [x, y] = n.xy();
  return {any_real(x), any_real(y)};
}

// The key a text or arc value came from.
Node key_of(const Node& layer, TextValue value) {
  switch (value) {
    case TextValue::Size: {
      const Node size = layer["font"]["size"];
      return size.raw().is_array() ? size.items()[1] : size;
    }
    case TextValue::MinSize: return layer["font"]["size"].items()[0];
    case TextValue::Weight: return layer["font"]["weight"];
    case TextValue::LineHeight: return layer["line_height"];
    case TextValue::LetterSpacing: return layer["letter_spacing"];
    case TextValue::MaxLines: return layer["max_lines"];
    case TextValue::StrokeWidth: return layer["stroke"]["width"];
    case TextValue::ShadowDx: return layer["shadow"]["dx"];
    case TextValue::ShadowDy: return layer["shadow"]["dy"];
    case TextValue::ShadowBlur: return layer["shadow"]["blur"];
    case TextValue::Radius: return layer["radius"];
    case TextValue::StartAngle: return layer["start_angle"];
    case TextValue::MaxAngle: return layer["max_angle"];
    case TextValue::CenterX: return layer["center"].items()[0];
    case TextValue::CenterY: return layer["center"].items()[1];
  }
  return layer;
}

// Fails on the key of the first value validate() refuses, with its rule.
template <class Values>
void check_values(const Node& layer, const Values& values) {
  if (auto bad = find_bad_value(values)) key_of(layer, bad->value).fail(bad->rule);
}

// A family, or a font file: that travels with the template, like any asset.
std::string read_family(const Node& n) {
  std::string family = n.string();
  return is_font_path(family) ? asset_path(n).string() : family;
}

FontQuery read_font(const Node& n, TextStyle& style, const FontLibrary* own) {
  n.object({"family", "weight", "style", "size"});
  FontQuery q;
  if (auto f = n.find("family")) q.family = read_family(*f);
  if (auto w = n.find("weight")) q.weight = any_integer(*w);
  if (auto s = n.find("style")) q.italic = s->choice<bool>({{"normal", false}, {"italic", true}});
  auto size = n["size"];
  if (size.raw().is_array()) {
    auto range = size.items();
    if (range.size() != 2) size.fail("must be a number or [min, max]");
    style.min_size = any_real(range[0]);
    style.size = any_real(range[1]);
  } else if (size.raw().is_number()) {
    style.size = any_real(size);
  } else {
    size.fail("must be a number or [min, max]");
  }
  try {
    resolve_font(q, own, FontLibrary::bundled());
  } catch (const Error& e) {
    (n.has("family") ? n["family"] : n).fail(e.what());
  }
  return q;
}

// The keys text and arc_text share, read into a TextStyle. `own_fonts`:
// the template folder's fonts, found by family name before the bundled
// ones (null: the folder has none).
void read_text_style(const Node& n, TextStyle& st, const std::shared_ptr<const FontLibrary>& own_fonts) {
  st.own_fonts = own_fonts;
  st.font = read_font(n["font"], st, st.own_fonts.get());
  if (auto v = n.find("fallback"))
    for (const Node& f : v->items()) {
      FontQuery q{read_family(f), 400, false};
      try {
        resolve_font(q, st.own_fonts.get(), FontLibrary::bundled());
      } catch (const Error& e) {
        f.fail(e.what());
      }
      st.fallback.push_back(q);
    }
  if (auto v = n.find("color")) st.color = v->color();
  if (auto v = n.find("letter_spacing")) st.letter_spacing = any_real(*v);
  if (auto v = n.find("overflow"))
    st.overflow = v->choice<Overflow>({{"shrink", Overflow::Shrink}, {"ellipsis", Overflow::Ellipsis}, {"error", Overflow::Error}});
  if (auto v = n.find("transform"))
    st.transform = v->choice<TextTransform>(
        {{"none", TextTransform::None}, {"upper", TextTransform::Upper}, {"lower", TextTransform::Lower}});
  if (auto v = n.find("stroke")) {
    v->object({"width", "color"});
    st.stroke.width = any_real((*v)["width"]);
    if (auto c = v->find("color")) st.stroke.color = c->color();
  }
  if (auto v = n.find("shadow")) {
    v->object({"dx", "dy", "blur", "color"});
    if (auto d = v->find("dx")) st.shadow.dx = any_real(*d);
    if (auto d = v->find("dy")) st.shadow.dy = any_real(*d);
    if (auto d = v->find("blur")) st.shadow.blur = any_real(*d);
    st.shadow.color = v->find("color") ? (*v)["color"].color() : Color{0, 0, 0, 128};
  }
}

// A string value with {{field}} placeholders, refused at `n` when one is
// malformed.
FieldText field_text(const Node& n) {
  try {
    return FieldText(n.string());
  } catch (const Error& e) {
    n.fail(e.what());
  }
}

TextLayer read_text(const Node& n, const std::shared_ptr<const FontLibrary>& own_fonts) {
  n.object({"type", "text", "box", "font", "fallback", "color", "align", "valign", "line_height", "letter_spacing",
            "max_lines", "overflow", "transform", "wrap", "stroke", "shadow"});
  TextLayer t;
  t.text = field_text(n["text"]);
  t.box = n["box"].box();
  read_text_style(n, t.style, own_fonts);
  auto& st = t.style;
  if (auto v = n.find("align"))
    st.align = v->choice<Align>({{"left", Align::Left}, {"center", Align::Center}, {"right", Align::Right}});
  if (auto v = n.find("valign"))
    st.vertical_align = v->choice<VerticalAlign>(
        {{"top", VerticalAlign::Top}, {"middle", VerticalAlign::Middle}, {"bottom", VerticalAlign::Bottom}});
  if (auto v = n.find("line_height")) st.line_height = any_real(*v);
  if (auto v = n.find("max_lines")) st.max_lines = any_integer(*v);
  if (auto v = n.find("wrap")) st.wrap = v->choice<Wrap>({{"greedy", Wrap::Greedy}, {"balance", Wrap::Balance}});
  check_values(n, st);
  return t;
}

ArcTextLayer read_arc_text(const Node& n, const std::shared_ptr<const FontLibrary>& own_fonts) {
  n.object({"type", "text", "center", "radius", "start_angle", "direction", "align", "max_angle", "font", "fallback",
            "color", "letter_spacing", "overflow", "transform", "stroke", "shadow"});
  ArcTextLayer t;
  t.text = field_text(n["text"]);
  std::tie(t.arc.center_x, t.arc.center_y) = any_point(n["center"]);
  t.arc.radius = any_real(n["radius"]);
  if (auto v = n.find("start_angle")) t.arc.start_angle = any_real(*v);
  if (auto v = n.find("direction"))
    t.arc.direction = v->choice<ArcDirection>(
        {{"clockwise", ArcDirection::Clockwise}, {"counterclockwise", ArcDirection::Counterclockwise}});
  if (auto v = n.find("align"))
    t.arc.align = v->choice<ArcAlign>({{"start", ArcAlign::Start}, {"center", ArcAlign::Center}, {"end", ArcAlign::End}});
  if (auto v = n.find("max_angle")) t.arc.max_angle = any_real(*v);
  read_text_style(n, t.style, own_fonts);
  check_values(n, t.style);
  check_values(n, t.arc);
  return t;
}

Gradient read_gradient(const Node& n) {
  Gradient g;
  g.kind = n["type"].choice<Gradient::Kind>({{"linear", Gradient::Kind::Linear}, {"radial", Gradient::Kind::Radial}});
  if (g.kind == Gradient::Kind::Linear) {
    n.object({"type", "from", "to", "stops"});
    std::tie(g.x0, g.y0) = n["from"].point();
    std::tie(g.x1, g.y1) = n["to"].point();
    if (g.x0 == g.x1 && g.y0 == g.y1) n["to"].fail("must differ from 'from'");
  } else {
    n.object({"type", "center", "radius", "stops"});
    std::tie(g.cx, g.cy) = n["center"].point();
    g.radius = n["radius"].real(1, 100000);
  }
  auto stops = n["stops"];
  for (const Node& s : stops.items()) {
    s.object({"offset", "color"});
    g.stops.push_back({s["offset"].real(0, 1), s["color"].color()});
  }
  if (g.stops.size() < 2) stops.fail("needs at least two stops");
  for (std::size_t i = 1; i < g.stops.size(); ++i)
    if (g.stops[i].offset < g.stops[i - 1].offset) stops.fail("offsets must not decrease");
  return g;
}

FillLayer read_fill(const Node& n) {
  n.object({"type", "color", "gradient", "shape", "opacity"});
  FillLayer f;
  if (n.has("color") == n.has("gradient")) n.fail("needs exactly one of 'color' and 'gradient'");
  if (auto c = n.find("color")) f.color = c->color();
  if (auto g = n.find("gradient")) f.gradient = read_gradient(*g);
  if (auto o = n.find("opacity")) f.opacity = o->real(0, 1);
  if (auto s = n.find("shape")) {
    f.whole_canvas = false;
    std::string type = (*s)["type"].string();
    if (type == "rect") {
      s->object({"type", "box", "radius"});
      f.area = rect_window((*s)["box"].box(), s->find("radius") ? (*s)["radius"].real(0, kMaxSide) : 0);
    } else if (type == "circle") {
      s->object({"type", "center", "radius"});
      auto [cx, cy] = (*s)["center"].point();
      float r = (*s)["radius"].real(1, kMaxSide);
      int x0 = static_cast<int>(std::floor(cx - r)), y0 = static_cast<int>(std::floor(cy - r));
      f.area = circle_window({x0, y0, static_cast<int>(std::ceil(cx + r)) - x0, static_cast<int>(std::ceil(cy + r)) - y0});
    } else if (type == "ring") {
      s->object({"type", "center", "inner", "outer"});
      const auto centre = (*s)["center"].point();
      float inner = (*s)["inner"].real(0, kMaxSide), outer = (*s)["outer"].real(1, kMaxSide);
      if (inner >= outer) (*s)["inner"].fail("must be less than 'outer'");
      auto disc = [&centre](float r) {
        int x0 = static_cast<int>(std::lround(centre.first - r)), y0 = static_cast<int>(std::lround(centre.second - r));
        int side = static_cast<int>(std::lround(2 * r));
        return circle_window({x0, y0, side, side});
      };
      f.area = disc(outer);
      if (inner >= 1) {
        WindowMask hole = disc(inner);
        for (int y = 0; y < hole.rect.height; ++y)
          for (int x = 0; x < hole.rect.width; ++x) {
            int ox = hole.rect.x - f.area.rect.x + x, oy = hole.rect.y - f.area.rect.y + y;
            if (ox < 0 || oy < 0 || ox >= f.area.rect.width || oy >= f.area.rect.height) continue;
            auto& a = f.area.coverage[static_cast<std::size_t>(oy) * f.area.rect.width + ox];
            unsigned h = hole.coverage[static_cast<std::size_t>(y) * hole.rect.width + x];
            a = static_cast<std::uint8_t>((a * (255u - h) + 127) / 255);
          }
      }
    } else {
      (*s)["type"].fail("'" + type + "' is not one of: rect, circle, ring");
    }
  }
  return f;
}

ImageLayer read_image_layer(const Node& n, Size canvas, std::string& fingerprint) {
  n.object({"type", "src", "box", "fit", "opacity"});
  ImageLayer layer;
  auto src = n["src"];
  std::filesystem::path file = asset_path(src);
  Image pixels;
  std::vector<std::string> warnings;
  try {
    // Read once: the same bytes are hashed and decoded.
    std::vector<std::uint8_t> bytes = detail::read_file(file, DecodeLimits{}.max_bytes);
    fingerprint += sha256_hex({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
    pixels = decode_image(bytes, {.warnings = &warnings});
  } catch (const Error& e) {
    src.fail("image '" + file.string() + "': " + e.what());
  }
  for (const std::string& w : warnings) layer.warnings.push_back("image '" + file.string() + "': " + w);
  Rect box = n.has("box") ? n["box"].box() : Rect{0, 0, canvas.width, canvas.height};
  enum class Fit { Contain, Cover, Stretch };
  Fit fit = n.has("fit") ? n["fit"].choice<Fit>({{"contain", Fit::Contain}, {"cover", Fit::Cover}, {"stretch", Fit::Stretch}})
                         : Fit::Contain;
  if (auto o = n.find("opacity")) layer.opacity = o->real(0, 1);
  double sx = static_cast<double>(box.width) / pixels.width(), sy = static_cast<double>(box.height) / pixels.height();
  if (fit == Fit::Stretch) {
    layer.pixels = resize_image(std::move(pixels), {box.width, box.height});
    layer.x = box.x;
    layer.y = box.y;
    return layer;
  }
  if (fit == Fit::Contain) {
    double s = std::min(sx, sy);
    Size scaled{std::max(1, static_cast<int>(std::lround(pixels.width() * s))),
                std::max(1, static_cast<int>(std::lround(pixels.height() * s)))};
    layer.pixels = resize_image(std::move(pixels), scaled);
    layer.x = box.x + (box.width - scaled.width) / 2;
    layer.y = box.y + (box.height - scaled.height) / 2;
    return layer;
  }
  // Cover: the centre of the image, scaled into the box. Only that part is
  // sampled: a thin strip scaled whole to cover a box could be thousands of
  // times the box's size.
  double s = std::max(sx, sy);
  layer.pixels = resample_image(pixels, {box.width, box.height}, {(pixels.width() - box.width / s) / 2, s},
                                {(pixels.height() - box.height / s) / 2, s});
  layer.x = box.x;
  layer.y = box.y;
  return layer;
}

QrLayer read_qr(const Node& n) {
  n.object({"type", "data", "box", "level", "color", "background", "quiet_zone", "opacity"});
  QrLayer q;
  const Node data = n["data"];
  q.data = field_text(data);
  if (q.data.text().empty()) data.fail("must not be empty");
  q.box = n["box"].box();
  if (auto v = n.find("level"))
    q.level = v->choice<QrLevel>(kQrLevels);
  if (auto v = n.find("color")) q.style.color = v->color();
  if (auto v = n.find("background")) q.style.background = v->color();
  if (auto v = n.find("quiet_zone")) q.style.quiet_zone = v->integer(0, 10);
  if (auto v = n.find("opacity")) q.style.opacity = v->real(0, 1);
  // Fixed data is encoded once, and what cannot be drawn is the template's
  // error; data with placeholders is checked per render (and by check).
  if (q.data.fixed()) {
    try {
      q.fixed = encode_qr(q.data.text(), q.level);
    } catch (const Error& e) {
      data.fail(e.what());
    }
    if (std::string why = qr_fit_problem(q.fixed, q.box, q.style.quiet_zone); !why.empty()) n["box"].fail(why);
  }
  return q;
}

// Photo windows: `auto` is resolved once all layers are read.
PhotoLayer read_photo(const Node& n, bool& automatic) {
  n.object({"type", "window"});
  auto w = n["window"];
  w.object({"shape", "box", "radius"});
  const WindowShape shape = w["shape"].choice<WindowShape>(kWindowShapes);
  automatic = shape == WindowShape::Auto;
  switch (shape) {
    case WindowShape::Auto:
      if (w.has("box") || w.has("radius")) w.fail("'auto' takes its window from the overlay: no 'box' or 'radius'");
      return {{}, {{}, shape, 0}};
    case WindowShape::Circle: {
      if (w.has("radius")) w["radius"].fail("a circle takes no 'radius' (its box sets it)");
      Rect box = w["box"].box();
      return {circle_window(box), {box, shape, 0}};
    }
    case WindowShape::Rect: break;
  }
  Rect box = w["box"].box();
  float radius = w.has("radius") ? w["radius"].real(0, kMaxSide) : 0;
  return {rect_window(box, radius), {box, shape, radius}};
}

// The template's layers, read into `data` (with has_photo); `fingerprint`
// takes in the assets read. Returns the index of a photo layer whose
// window is `auto`, resolved by find_auto_window once all are read.
std::optional<std::size_t> read_layers(const std::vector<Node>& layers, const Source& source, TemplateData& data,
                                       std::string& fingerprint) {
  std::optional<std::size_t> auto_photo;
  // The folder's own fonts: looked up once, by the first text layer.
  std::optional<std::shared_ptr<const FontLibrary>> folder_fonts;
  auto own_fonts = [&]() -> const std::shared_ptr<const FontLibrary>& {
    if (!folder_fonts) {
      auto found = FontLibrary::folder(source.dir);
      folder_fonts = found->families().empty() ? nullptr : std::move(found);
    }
    return *folder_fonts;
  };
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Node& n = layers[i];
    const std::string type = n["type"].string();
    if (type == "fill") {
      data.layers.emplace_back(read_fill(n));
    } else if (type == "image") {
      data.layers.emplace_back(read_image_layer(n, data.size, fingerprint));
    } else if (type == "photo") {
      if (data.has_photo) n.fail("a template has at most one photo layer");
      bool automatic = false;
      data.layers.emplace_back(read_photo(n, automatic));
      data.has_photo = true;
      if (automatic) auto_photo = i;
    } else if (type == "text") {
      data.layers.emplace_back(read_text(n, own_fonts()));
    } else if (type == "arc_text") {
      data.layers.emplace_back(read_arc_text(n, own_fonts()));
    } else if (type == "qr") {
      data.layers.emplace_back(read_qr(n));
    } else {
      n["type"].fail("'" + type + "' is not one of: fill, image, photo, text, arc_text, qr");
    }
  }
  return auto_photo;
}

// The window of the photo layer layers[photo] whose shape is `auto`: the
// hole of the first image layer above it.
void find_auto_window(const std::vector<Node>& layers, std::size_t photo, TemplateData& data) {
  auto above = std::find_if(data.layers.begin() + static_cast<std::ptrdiff_t>(photo) + 1, data.layers.end(),
                            [](const Layer& l) { return std::holds_alternative<ImageLayer>(l); });
  const Node shape = layers[photo]["window"]["shape"];
  if (above == data.layers.end()) shape.fail("'auto' needs an image layer above the photo");
  const auto& overlay = std::get<ImageLayer>(*above);
  Image flat(data.size.width, data.size.height);
  composite_image(flat, overlay.pixels, overlay.x, overlay.y);
  WindowSearch found = search_window(flat);
  if (!found.window) {
    const Node& image = layers[static_cast<std::size_t>(above - data.layers.begin())];
    shape.fail("the overlay " + image.path() + " ('" + image["src"].string() + "') " + found.why);
  }
  auto& slot = std::get<PhotoLayer>(data.layers[photo]);
  slot.window = std::move(*found.window);
  slot.shape.box = slot.window.rect;
}

// The names the layers' texts and QR data use, in order of first use.
std::vector<std::string> used_fields(const std::vector<Layer>& layers) {
  std::vector<std::string> used;
  for (const Layer& layer : layers) {
    const FieldText* text = nullptr;
    if (const auto* t = std::get_if<TextLayer>(&layer)) text = &t->text;
    if (const auto* a = std::get_if<ArcTextLayer>(&layer)) text = &a->text;
    if (const auto* q = std::get_if<QrLayer>(&layer)) text = &q->data;
    if (!text) continue;
    for (const Placeholder& p : text->placeholders())
      if (std::find(used.begin(), used.end(), p.name) == used.end()) used.push_back(p.name);
  }
  return used;
}

// The template's fields: every name `used`, with what the `fields` object
// declares of it (a declaration no text uses is refused).
std::vector<TemplateField> read_fields(const Node& root, const Source& source, const std::vector<std::string>& used) {
  std::map<std::string, TemplateField> declared;
  if (root.has("fields")) {
    const Node fields = root["fields"];
    if (!fields.raw().is_object()) fields.fail("must be an object");
    for (const auto& [name, value] : fields.raw().items()) {
      Node fn(value, fields.path() + "." + name, source);
      fn.object({"label", "sample", "default", "public"});
      if (std::find(used.begin(), used.end(), name) == used.end()) fn.fail("is not used by any text or QR code");
      TemplateField field{name, fn.has("label") ? fn["label"].string() : name,
                          fn.has("sample") ? fn["sample"].string() : name, std::nullopt, false};
      if (auto d = fn.find("default")) field.default_value = d->string();
      if (auto p = fn.find("public")) field.is_public = p->boolean();
      declared[name] = field;
    }
  }
  std::vector<TemplateField> out;
  for (const std::string& name : used)
    out.push_back(declared.count(name) ? declared[name] : TemplateField{name, name, name, std::nullopt, false});
  return out;
}

}  // namespace

const char* window_shape_name(WindowShape shape) { return enum_name<WindowShape>(kWindowShapes, shape); }

namespace detail {

std::shared_ptr<const TemplateData> parse_template(const std::filesystem::path& path, const std::string& text) {
  const Source source = source_of(path, "template");
  json doc = parse_json(text, source);
  Node root(doc, "", source);
  root.object({"title", "width", "height", "fields", "layers"});

  auto data = std::make_shared<TemplateData>();
  data->path = path;
  // What the output depends on besides the inputs: the JSON and its assets.
  std::string fingerprint = sha256_hex(text);
  data->id = path.stem().string();
  data->title = root.has("title") ? root["title"].string() : data->id;
  data->size = {root["width"].integer(1, kMaxSide), root["height"].integer(1, kMaxSide)};
  if (static_cast<std::int64_t>(data->size.width) * data->size.height > 40'000'000)
    root["width"].fail("the canvas must be at most 40 megapixels");

  const std::vector<Node> layers = root["layers"].items();
  if (layers.empty()) root["layers"].fail("needs at least one layer");
  if (layers.size() > kMaxLayers) root["layers"].fail("at most " + std::to_string(kMaxLayers) + " layers");
  if (auto photo = read_layers(layers, source, *data, fingerprint)) find_auto_window(layers, *photo, *data);
  data->fields = read_fields(root, source, used_fields(data->layers));
  data->fingerprint = sha256_hex(fingerprint);
  return data;
}

}  // namespace detail
}  // namespace khung
