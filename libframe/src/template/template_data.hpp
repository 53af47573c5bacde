#pragma once
// The parsed form of a template: what template.cpp builds from JSON and
// render.cpp draws. Geometry in canvas pixels.

#include "khung/arc_text.hpp"
#include "khung/photo.hpp"
#include "khung/qr.hpp"
#include "khung/render.hpp"
#include "khung/template.hpp"
#include "khung/text.hpp"
#include "support/name_table.hpp"

#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <variant>

namespace khung::detail {

struct GradientStop {
  float offset = 0;  // 0..1
  Color color;
};

struct Gradient {
  enum class Kind { Linear, Radial } kind = Kind::Linear;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // linear: from, to
  float cx = 0, cy = 0, radius = 0;      // radial
  std::vector<GradientStop> stops;       // sorted by offset
};

// The area a fill covers, as an anti-aliased mask (empty rect: the canvas).
struct FillLayer {
  Color color;
  std::optional<Gradient> gradient;
  WindowMask area;
  bool whole_canvas = true;
  float opacity = 1;
};

// An asset already scaled to its box at load time.
struct ImageLayer {
  Image pixels;
  int x = 0, y = 0;
  float opacity = 1;
  // What decoding the asset warned of ("image 'logo.png': its ICC profile
  // ..."): repeated by every render that draws the layer.
  std::vector<std::string> warnings;
};

struct PhotoLayer {
  WindowMask window;
  PhotoWindow shape;  // as declared: what a page previewing the frame needs
};

// A {{name}} in a text: the byte range it spans and the name inside.
struct Placeholder {
  std::size_t begin = 0, end = 0;
  std::string name;
};

// Finds the placeholders of a text. With `filters`, a name may end in
// "|filter" (file name patterns: {{name|slug}}). Throws Error(Template) with
// the bare reason ("unclosed '{{'", a bad name) for the caller to place.
std::vector<Placeholder> find_placeholders(std::string_view text, bool filters = false);

// A template's text with its {{name}} placeholders, found once when the
// template loads and kept with it: renders and checks only fill them in.
class FieldText {
 public:
  FieldText() = default;
  // Throws find_placeholders' errors.
  explicit FieldText(std::string text);

  const std::string& text() const { return text_; }
  const std::vector<Placeholder>& placeholders() const { return placeholders_; }
  // No placeholder: the text is the same in every render.
  bool fixed() const { return placeholders_.empty(); }
  // The text with each placeholder replaced by value(name), in one pass
  // (values are never searched for placeholders).
  std::string fill(const std::function<const std::string&(const std::string& name)>& value) const;

 private:
  std::string text_;
  std::vector<Placeholder> placeholders_;
};

// Text with {{field}} placeholders, substituted at render time.
struct TextLayer {
  FieldText text;
  Rect box;
  TextStyle style;
};

struct ArcTextLayer {
  FieldText text;
  Arc arc;
  TextStyle style;
};

// A QR code of text with {{field}} placeholders, substituted at render
// time. Data without placeholders is encoded once, at load time (`fixed`).
// The QR levels' names: read from templates (`level`), printed in messages.
extern const EnumName<QrLevel> kQrLevels[4];

struct QrLayer {
  FieldText data;
  Rect box;
  QrLevel level = QrLevel::M;
  QrStyle style;
  QrCode fixed;  // empty when the data has placeholders
};

using Layer = std::variant<FillLayer, ImageLayer, PhotoLayer, TextLayer, ArcTextLayer, QrLayer>;

struct TemplateData {
  std::filesystem::path path;
  std::string id, title;
  std::string fingerprint;  // SHA-256 over the JSON and its assets
  Size size;
  std::vector<TemplateField> fields;
  std::vector<Layer> layers;
  bool has_photo = false;

  // The canvas after the bottom layers that never change (no photo, no
  // placeholder), drawn once on the first render; renders start from a copy.
  mutable std::once_flag base_once;
  mutable Image base;
  mutable std::size_t base_layers = 0;
  mutable std::vector<RenderWarning> base_warnings;  // of those layers
};

// The template `text` holds, read from (or for) the file at `path`
// (schema.cpp). Throws Error(Template) naming the JSON path.
std::shared_ptr<const TemplateData> parse_template(const std::filesystem::path& path, const std::string& text);

// A template's file and its JSON text, as Template::load finds them: a
// bundled id or a path. Throws Error(NotFound) for no such template,
// Error(InvalidArgument) for a malformed id, read_json_text's errors.
struct TemplateSource {
  std::filesystem::path file;
  std::string text;
};
TemplateSource read_template(std::string_view id_or_path);

// The canvas size a template's JSON text declares, read without loading
// it; nullopt for anything parse_template would refuse (which reports it
// properly).
std::optional<Size> peek_template_size(const std::string& text);

// The parsed form behind a Template, for the library's own files: the
// public class shows none of it.
struct TemplateAccess {
  static const TemplateData& data(const Template& t) { return *t.data_; }
  static Template wrap(std::shared_ptr<const TemplateData> data) {
    Template t;
    t.data_ = std::move(data);
    return t;
  }
};
inline const TemplateData& template_data(const Template& t) { return TemplateAccess::data(t); }

}  // namespace khung::detail
