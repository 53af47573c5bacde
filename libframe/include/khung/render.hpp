#pragma once
// Rendering a template: the one code path behind the CLI, HTTP and Python.
//
//   RenderOptions options;
//   options.fields = {{"unit", "Công đoàn Công ty Điện lực Hà Nội"}};
//   Image banner = render_template(Template::load("cover"), options);

#include "khung/codec.hpp"
#include "khung/font.hpp"
#include "khung/legacy.hpp"
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

// Which of a template's layers a render draws. The parts of a frame are
// what a page composites a photo between on the phone: UnderPhoto, the
// photo through its window, then OverPhoto give the Whole render's pixels.
enum class RenderPart {
  Whole,         // every layer, the photo through its window
  WithoutPhoto,  // every layer but the photo: a frame's thumbnail (a banner: Whole)
  UnderPhoto,    // the layers below the photo slot (none: a transparent canvas)
  OverPhoto,     // the layers above the photo slot, on a transparent canvas
};

struct RenderOptions {
  Fields fields;
  PhotoInput photo;
  Placement placement;
  // The output width in px, 16 to 4 times the template's (output_size);
  // the height keeps the aspect. nullopt: the template's own width. 0 is a
  // width like any other, and refused.
  std::optional<int> output_width;
  DecodeLimits limits;  // for the photo
  // Every part but Whole takes no photo; UnderPhoto and OverPhoto need a
  // template with a photo slot. Fields are required as for Whole.
  //   RenderOptions over;
  //   over.fields = sample_fields(ring);
  //   over.part = RenderPart::OverPhoto;  // then encode_image(render_template(ring, over), ImageFormat::Png)
  RenderPart part = RenderPart::Whole;
};

// The size of a render: the template's, or `width` px wide with the
// template's aspect (the height rounded, at least 1). Throws
// Error(InvalidArgument) for a width outside 16 to 4 times the template's
// ("width 0: must be between 16 and 6560 px") or one whose image would be
// over Image::max_pixels().
Size output_size(const Template& tpl, std::optional<int> width);

// Something a render's user should know that did not stop it: a place
// and what happened there. Every face shows these (the CLI as
// "khung: warning: <where>: <message>", batch in report.csv, Python as a
// UserWarning).
struct RenderWarning {
  std::string where;    // "field 'unit'"; "layers[2]" for the template's own text; "layers[2].box"
  std::string message;  // "no font has U+1F389; it is left blank"
  friend bool operator==(const RenderWarning&, const RenderWarning&) = default;
};

// A render's image and its warnings.
struct RenderResult {
  Image image;
  // In layer order: characters no font has (drawn blank), one warning per
  // field holding them (or per layer, for the template's own text); text
  // cut off by the canvas edge, at its layer's box ("the text is cut off by
  // the canvas edge: its ink leaves the 1640x624 canvas by 85 px at the
  // right (the box [1500, 40, 300, 80] leaves it by 160 px at the right)").
  std::vector<RenderWarning> warnings;
};

// Renders every layer, bottom to top, onto a transparent canvas. The photo
// is decoded at the smallest size that covers its window (shrink-on-load).
// Throws Error(InvalidArgument) for a missing (field_value) or unknown
// field, a field over max_field_bytes ("field 'unit': 1048576 bytes, over
// the 65536-byte limit"), a photo given to a template without a slot (or
// none to one with, for a Whole render; or one to a part without the
// photo), an UnderPhoto or OverPhoto part of a template without a photo
// slot, a bad placement or width (output_size); Error(Layout)
// when text cannot fit; photo errors from read_image.
// Without `fonts`, the bundled ones (FontLibrary::bundled(), opened only
// when a text layer needs them).
//   RenderResult r = render_with_warnings(Template::load("cover"), options);
//   for (const RenderWarning& w : r.warnings) std::cerr << w.where << ": " << w.message << "\n";
RenderResult render_with_warnings(const Template& tpl, const RenderOptions& options);
RenderResult render_with_warnings(const Template& tpl, const RenderOptions& options, const FontLibrary& fonts);

// The image alone, for callers that have nobody to warn.
Image render_template(const Template& tpl, const RenderOptions& options);
// What render_template refuses before it draws anything (unknown, missing
// and overlong fields, photo, placement, width), without drawing: for a
// service that answers a conditional request from its inputs alone.
void validate(const Template& tpl, const RenderOptions& options);
Image render_template(const Template& tpl, const RenderOptions& options, const FontLibrary& fonts);

// Template::load(template_ref) and render_with_warnings in one call, for a
// single render (the CLI's): the photo (a path or bytes) is decoded on a
// second thread while the template loads, at a size that covers the whole
// canvas (the most a window inside it can need; most often the same DCT
// scale as the window's own). Same results and errors as the two calls;
// a service that keeps its templates loaded calls render_with_warnings.
RenderResult load_and_render(std::string_view template_ref, const RenderOptions& options);

enum class CheckSeverity {
  Problem,  // a render would fail or come out wrong: the check fails
  Note,     // worth knowing, and no failure
};

// What a check found, for code that tells problems apart (two reports of
// one problem are found by kind and place, never by their words).
enum class CheckKind {
  MissingField,        // "field 'unit'": "missing"
  UnusedField,         // "field 'x'": "not used by template 'post'"
  FieldTooLong,        // "field 'x'": "70000 bytes, over the ...-byte limit"
  LegacyText,          // "field 'x'": "looks like tcvn3 text" (check_data; `legacy` names the encoding)
  NoPhoto,             // "column 'photo'": "no photo" (check_data)
  PhotoNotFound,       // "column 'photo'": "photo '...' not found" (check_data)
  TextFails,           // "layers[2]": the layout's error (text that cannot fit at its smallest size)
  QrFails,             // "layers[3]" or "layers[3].box": data too long for a code, or a code too big for its box
  NoGlyph,             // characters no font has
  CutOff,              // text ink cut off by the canvas edge
  WindowLeavesCanvas,  // the photo window leaves the canvas
  QrLeavesCanvas,      // a QR code (or its box: a note) leaves the canvas
  BoxLeavesCanvas,     // a text box leaves the canvas (a note)
  ProfileIgnored,      // an image asset's colour profile could not be used
  FontLacksLetters,    // a layer's font lacks Vietnamese letters
  FallbackFont,        // characters drawn from fallback fonts (a note)
};

// What `khung check` reports: a place ("field 'unit'", "layers[3].font")
// and what is wrong, or worth knowing, there. The message speaks of values;
// the advice of how to fix it in a face's own terms (a flag, a keyword, a
// control) is the face's, from the kind and the values given here.
struct CheckProblem {
  CheckKind kind;
  std::string where;
  std::string message;
  CheckSeverity severity = CheckSeverity::Problem;
  // LegacyText: the encoding the text looks like, which BatchOptions::legacy
  // would convert from.
  std::optional<LegacyEncoding> legacy = std::nullopt;
  friend bool operator==(const CheckProblem&, const CheckProblem&) = default;
};

// Validates fields against the template without drawing. Problems: missing,
// unused and overlong fields, text that cannot fit at its smallest size,
// characters no font covers, text cut off by the canvas edge (the render
// warnings' words), a photo window leaving the canvas ("layers[0].window.box":
// "the photo window [-40, 140, 800, 800] leaves the 1080x1080 canvas by
// 40 px at the left, where the photo is cut off"), an image asset whose
// colour profile could not be used ("layers[1].src": "image 'logo.png': its
// ICC profile is truncated (...); the colours are drawn as sRGB"). Notes,
// after them: a text
// box leaving the canvas (its text may still stay inside), a layer's font
// lacking characters that fallback fonts draw instead ("font 'Roboto Bold'
// (Roboto-Bold.ttf) lacks some characters, drawn from fallback fonts: Ă Đ
// (U+0102, U+0110) from Noto Sans Bold"). Empty when all is well.
std::vector<CheckProblem> check_template(const Template& tpl, const Fields& fields,
                                         const FontLibrary& fonts = FontLibrary::bundled());

// The sample value of every field (for the demo and `check` without data).
Fields sample_fields(const Template& tpl);

}  // namespace khung
