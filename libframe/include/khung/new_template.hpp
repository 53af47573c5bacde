#pragma once
// Starting templates: what `khung new frame` and `khung new banner` write,
// a template JSON file and the artwork it uses, in a folder of one's own,
// ready to render and to edit (schema: assets/templates/README.md).
//
//   NewTemplate made = write_frame_template({.overlay = "art/ring.png", .dir = "campaign"});
//   // campaign/ring.json, campaign/frames/ring.png; made.advice: what the overlay could do better

#include "khung/frame_overlay.hpp"
#include "khung/image.hpp"
#include "khung/template.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace khung {

// "= {}": designated initializers may leave members out without -Wextra noise.
struct NewFrameOptions {
  std::filesystem::path overlay = {};     // the frame's artwork: an image with a transparent hole (PNG, WebP)
  std::optional<std::string> id = {};   // default: made from the overlay's file name ("Khung Vòng.png" -> "khung-vong")
  std::optional<std::string> title = {};  // default: the overlay's file name without extension, '-' and '_' as spaces
  std::filesystem::path dir = ".";   // where <id>.json goes; made when missing
  bool force = false;                // replace an existing template (and its copied artwork)
};

struct NewBannerOptions {
  Size size = {};                         // the canvas, px: 1 to 8192 a side, at most 40 megapixels
  std::filesystem::path background = {};    // an image fitted to cover the canvas; empty: a red fill
  std::optional<std::string> id = {};     // default "banner"
  std::optional<std::string> title = {};    // default "Banner WxH"
  std::filesystem::path dir = ".";
  bool force = false;
  bool text = true;  // false: the background alone, an empty banner to build on (the studio's "new")
};

struct NewTemplate {
  std::filesystem::path path;                 // the template written: <dir>/<id>.json
  std::vector<std::filesystem::path> copied;  // artwork copied into the folder (under frames/ or images/)
  std::vector<OverlayProblem> advice;         // a frame's overlay problems that did not stop it
};

// Writes a frame template: canvas the overlay's size, a photo layer with
// {"shape": "auto"} under an image layer of the overlay. The overlay is
// referred to where it is when it lies inside `dir`, else copied to
// <dir>/frames/<id><extension> (paths in templates may not leave their
// folder). Files are written whole or not at all (temporary name, rename);
// the written template is loaded once to make sure it works.
// Throws, writing nothing:
// - Error(InvalidArgument) for an id that is malformed or "campaign", or
//   none can be made from the file name;
// - the codec's errors for an overlay that cannot be read, naming it
//   "overlay '<path>'" (a missing file: Error(Io));
// - Error(Template) "overlay '<path>': <why>" when check_frame_overlay
//   finds a blocking problem (no usable hole), or the overlay is larger
//   than a template's canvas may be;
// - Error(Io) "template '<path>': already exists (force replaces it)"
//   unless `force`, and for a file that cannot be written.
NewTemplate write_frame_template(const NewFrameOptions& options);

// Writes a banner template: the background (or a fill), and (unless
// options.text is false) one centred
// text layer with the field {{name}} (label "Họ và tên", sample "Nguyễn Thị
// Phượng") in bold Noto Sans, auto-fitted on up to two lines. A background
// outside `dir` is copied to <dir>/images/<id><extension>. Throws as
// write_frame_template, and Error(InvalidArgument) naming the size when it
// is out of range.
NewTemplate write_banner_template(const NewBannerOptions& options);

// Saves a template edited as JSON text (the studio's save): parses it as
// Template::parse(json, file) does, then writes it to `file`, whole or not
// at all, laid out as the bundled templates are (one key of the head a
// line, one layer a line, keys in the order given). Returns the template
// as saved. Throws Template::parse's errors (Error(Template) with its
// json_path()) writing nothing, Error(Io) when the file cannot be written.
Template save_template(std::string_view json, const std::filesystem::path& file);

// The image files a template in `dir` may name as an image layer's `src`:
// those in the folder and its subfolders (two levels down, hidden ones
// left out), as relative paths with '/', sorted; then the bundled artwork
// as "bundled:..." paths.
std::vector<std::string> template_images(const std::filesystem::path& dir);

}  // namespace khung
