#pragma once
// Templates: a canvas with ordered layers (fill, image, photo, text,
// arc_text, qr), read from JSON. The schema is documented in
// assets/templates/README.md.
//
//   Template cover = Template::load("cover");             // bundled id
//   Template mine = Template::load("designs/poster.json"); // or a file

#include "khung/image.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace khung {

namespace detail {
struct TemplateData;
struct TemplateAccess;  // the library's own way in (template_data.hpp)
}

enum class TemplateKind {
  Frame,   // has a photo slot
  Banner,  // text and artwork only
};

const char* kind_name(TemplateKind kind);  // "frame", "banner"

// A `{{name}}` placeholder of the template's text.
struct TemplateField {
  std::string name;
  std::string label;                         // for forms; the name when not given
  std::string sample;                        // sample value for the demo and `check`
  std::optional<std::string> default_value;  // a field with a default may be left out
  // Members fill it in themselves (their name on a frame): any request may
  // set it, also where the service requires signed URLs for the others.
  bool is_public = false;
};

// The shape a template's photo window is declared with: a circle, a
// rectangle with a corner radius, or `auto`, the hole of the overlay above
// (which hides the rest).
enum class WindowShape { Circle, Rect, Auto };

const char* window_shape_name(WindowShape shape);  // "circle", "rect", "auto"

// Where a frame's photo goes, for a page that previews it: the window's
// bounding box on the canvas, its shape and (for Rect) its corner radius.
struct PhotoWindow {
  Rect box;
  WindowShape shape = WindowShape::Rect;
  float radius = 0;
};

// An immutable, cheap-to-copy handle; safe to share between threads. Loading
// decodes the template's images once.
class Template {
 public:
  Template() = default;  // empty

  // A template by id from a folder: lower-case letters, digits, '-', '_'
  // (so an id never reaches outside the folder); the file <dir>/<id>.json.
  // "campaign" is reserved: campaign.json is the folder's campaign file
  // (campaign.hpp), never a template.
  // Throws Error(InvalidArgument) for a malformed id, Error(NotFound) for an
  // unknown one or "campaign", Error(Template) naming the file, JSON path and problem for
  // an invalid template, and Error(Io) when the file cannot be read.
  static Template load_id(std::string_view id, const std::filesystem::path& dir = bundled_dir());

  // What the CLI and Python accept: a path to a .json file when the text
  // has a '/' or ends in ".json", else a bundled id as load_id().
  static Template load(std::string_view id_or_path);

  // A template from JSON text, as if read from `file` (which need not
  // exist): its id is the file's name without .json, and its assets and
  // fonts are found beside it. For an editor that renders changes before
  // they are saved. Throws as load() does, naming `file`; the same text
  // gives the same template (and fingerprint) as the saved file.
  static Template parse(std::string_view json, const std::filesystem::path& file);

  // The file load(id_or_path) reads: <bundled_dir>/<id>.json for an id,
  // else the path itself. Checks nothing (load does).
  static std::filesystem::path file_for(std::string_view id_or_path);

  // The folder of the bundled templates: <data_dir>/assets/templates.
  static std::filesystem::path bundled_dir();

  bool empty() const { return !data_; }
  const std::string& id() const;     // the file name without .json
  const std::string& title() const;  // human-readable name
  TemplateKind kind() const;
  Size size() const;
  bool has_photo() const;
  // The photo window of a frame; nullopt for a banner.
  std::optional<PhotoWindow> photo_window() const;
  // Whether a page can frame a photo on the phone exactly as render_template
  // does, from the template's RenderPart::UnderPhoto and OverPhoto images:
  // it has a photo slot, the layers above the photo are exactly one image
  // layer (so the OverPhoto image composited over the photo is that layer
  // composited over it), and no layer has a {{field}} placeholder (the
  // parts are drawn once, with no member's text). For an `auto` window,
  // find_window() of the OverPhoto image is the template's window.
  bool frames_on_phone() const;
  // Fields in order of first use in the layers.
  const std::vector<TemplateField>& fields() const;
  const std::filesystem::path& path() const;
  // Hex SHA-256 over the template's JSON and asset files: changes whenever
  // what it draws could change (for ETags and caches).
  const std::string& fingerprint() const;
  // The first 16 hex digits of the fingerprint: what a URL names the
  // template's current content by (templates_json's "version").
  std::string version() const;

 private:
  friend struct detail::TemplateAccess;
  std::shared_ptr<const detail::TemplateData> data_;
};

// The file of template `id` in `dir`, for an editor that writes one:
// <dir>/<id>.json. Throws Error(InvalidArgument) for an id load_id() would
// refuse as malformed, and for "campaign" (the campaign file's name).
std::filesystem::path template_file(const std::filesystem::path& dir, std::string_view id);

// Every template in a folder (its *.json files but campaign.json), sorted
// by id. Throws like Template::load for the first invalid one.
std::vector<Template> list_templates(const std::filesystem::path& dir = Template::bundled_dir());

// Every template in a folder that loads, sorted by id, and one problem per
// template that does not, for a service that serves the good ones and an
// editor that lists the others.
struct TemplateProblem {
  std::string id;
  std::string message;    // its file, JSON path and problem: Error::what()
  std::string json_path;  // Error::json_path(): empty when none is at fault
};
struct TemplateCatalog {
  std::vector<Template> templates;
  std::vector<TemplateProblem> problems;
};
TemplateCatalog load_catalog(const std::filesystem::path& dir = Template::bundled_dir());

// The JSON array `khung templates --json` and `GET /v1/templates` print: one
// object per template, {"id", "kind", "width", "height", "fields", "photo",
// "title", "phone" (frames_on_phone), "version" (Template::version)}, and
// frames' "window" {"x", "y", "width", "height", "shape", "radius"}.
std::string templates_json(const std::vector<Template>& templates);

}  // namespace khung
