#pragma once
// Rendering a template: the one code path behind the CLI, HTTP and Python.
//
//   RenderOptions options;
//   options.fields = {{"unit", "Công đoàn Công ty Điện lực Hà Nội"}};
//   Image banner = render_template(Template::load("cover"), options);

#include "khung/codec.hpp"
#include "khung/font.hpp"
#include "khung/photo.hpp"
#include "khung/template.hpp"

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace khung {

using Fields = std::map<std::string, std::string, std::less<>>;

// The longest field value a render takes, in bytes of UTF-8: far more than
// any banner shows, and laying out more would keep a renderer busy for
// seconds (a megabyte: about two) on text that ends up cut off anyway.
constexpr std::size_t max_field_bytes = 64 * 1024;

// The value a template's field takes: the one given, unless it is blank
// (empty, or only whitespace and invisible characters, as is_blank() in
// unicode.hpp says: "", "  ", "\u00A0", "\u3000"), else the field's default;
// null when there is neither, which makes the field missing. The one rule
// for every face: --set, HTTP parameters, Python's fields, batch rows and
// `khung check`. Points into `fields` or `tpl`.
//   field_value(Template::load("web-banner"), {{"unit", " "}}, "unit")  // -> its default
const std::string* field_value(const Template& tpl, const Fields& fields, std::string_view name);

// A member's photo: a file, encoded bytes, or pixels already decoded. Set one.
struct PhotoInput {
  std::filesystem::path path;
  std::span<const std::uint8_t> bytes;
  const Image* image = nullptr;
  bool empty() const { return path.empty() && bytes.empty() && !image; }
};

struct RenderOptions {
  Fields fields;
  PhotoInput photo;
  Placement placement;
  // The output width in px, 16 to 4 times the template's (output_size);
  // the height keeps the aspect. nullopt: the template's own width. 0 is a
  // width like any other, and refused.
  std::optional<int> output_width;
  // Deprecated: the output width as bindings/http sets it today, 0 meaning
  // the template's own; ignored when output_width is set. It goes once the
  // service sets output_width (nullopt for a request without a width).
  int width = 0;
  DecodeLimits limits;  // for the photo
  // Frames: draw every layer but the photo (the overlay a page previews a
  // photo under). No photo may be given then.
  bool without_photo = false;
};

// The size of a render: the template's, or `width` px wide with the
// template's aspect (the height rounded, at least 1). Throws
// Error(InvalidArgument) for a width outside 16 to 4 times the template's
// ("width 0: must be between 16 and 6560 px") or one whose image would be
// over Image::max_pixels().
Size output_size(const Template& tpl, std::optional<int> width);

// Renders every layer, bottom to top, onto a transparent canvas. The photo
// is decoded at the smallest size that covers its window (shrink-on-load).
// Throws Error(InvalidArgument) for a missing (field_value) or unknown
// field, a field over max_field_bytes ("field 'unit': 1048576 bytes, over
// the 65536-byte limit"), a photo given to a template without a slot (or
// none to one with), a bad placement or width (output_size); Error(Layout)
// when text cannot fit; photo errors from read_image.
// Without `fonts`, the bundled ones (FontLibrary::bundled(), opened only
// when a text layer needs them).
Image render_template(const Template& tpl, const RenderOptions& options);
// What render_template refuses before it draws anything (unknown, missing
// and overlong fields, photo, placement, width), without drawing: for a
// service that answers a conditional request from its inputs alone.
void validate(const Template& tpl, const RenderOptions& options);
Image render_template(const Template& tpl, const RenderOptions& options, const FontLibrary& fonts);

// Template::load(template_ref) and render_template in one call, for a
// single render (the CLI's): the photo (a path or bytes) is decoded on a
// second thread while the template loads, at a size that covers the whole
// canvas (the most a window inside it can need; most often the same DCT
// scale as the window's own). Same results and errors as the two calls;
// a service that keeps its templates loaded calls render_template.
Image load_and_render(std::string_view template_ref, const RenderOptions& options);

// What `khung check` reports: a place ("field 'unit'", "layers[3]") and what
// is wrong there.
struct CheckProblem {
  std::string where;
  std::string message;
  friend bool operator==(const CheckProblem&, const CheckProblem&) = default;
};

// Validates fields against the template without drawing: missing, unused
// and overlong fields, text that cannot fit at its smallest size,
// characters no font covers. Empty when all is well.
std::vector<CheckProblem> check_template(const Template& tpl, const Fields& fields,
                                         const FontLibrary& fonts = FontLibrary::bundled());

// The sample value of every field (for the demo and `check` without data).
Fields sample_fields(const Template& tpl);

}  // namespace khung
