#pragma once
// Placing a member's photo in a template's window: window shapes, the hole
// of an overlay, cover-fit with zoom, offset and rotation, face focus.
//
// The photo unit: everything here but detect_face (and draw_photo's face
// focus) depends on nothing outside the library's pixel code: no OpenCV, no
// codec, no font, no thread required. The same sources build the
// WebAssembly module the member page frames photos with on the phone, and
// give the same bytes there as natively.

#include "khung/image.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace khung {

// A window's coverage on the canvas: 255 inside, an anti-aliased edge.
struct WindowMask {
  Rect rect;                           // canvas pixels the mask spans
  std::vector<std::uint8_t> coverage;  // rect.width * rect.height, rows top to bottom
};

// A circle inscribed in `rect` (an ellipse when it is not square).
WindowMask circle_window(const Rect& rect);
// A rectangle with rounded corners (radius in px, clamped to half the
// shorter side).
WindowMask rect_window(const Rect& rect, float corner_radius = 0);

// The `auto` window: a transparent region (alpha < 128, pixels joined by
// their sides) of an overlay the size of the canvas, chosen so:
// - Holes the art encloses (touching no canvas edge) come first: the
//   largest is the window. One under 1% of the canvas is a detail of the
//   art (the inside of an "O") when transparent areas reach the edge.
// - Transparent areas reaching the edge are the art's surround when the
//   art stands free in them, touching the edge along no stretch of an
//   eighth of the canvas's shorter side or more (a round badge: its corners
//   are not the window). When the art does run along the edge (a ribbon,
//   a corner emblem), the largest such area is the window, unless an
//   enclosed hole of at least an eighth of its size is.
// - A fully transparent overlay is all window.
// The coverage is 255 in that region and also under the overlay's partly
// transparent edge up to 2 px beyond it, so the photo runs under the soft
// edge and the overlay, drawn next, blends its edge onto the photo with no
// gap; 0 elsewhere. rect is the bounding box of the coverage.
// Throws Error(Template) ("overlay: ...", saying why and asking for an
// explicit circle or rect window) when the overlay has no transparent
// pixel, when two candidates are of similar size (the second at least half
// the first), when the art stands free with no enclosed hole of 1% of the
// canvas, and when an enclosed hole of 1% is too small to outweigh the
// open area beside a ribbon.
//   WindowMask hole = find_window(frame);  // then draw_photo, then the frame on top
WindowMask find_window(const Image& overlay);

enum class Focus { Center, Face };

// "center", "face": the name every face takes and prints. parse_focus throws
// Error(InvalidArgument) "<what>: 'eyes' is not one of: center, face" (`what`
// names the place: "focus", the CLI's "--focus", HTTP's "parameter 'focus'").
// Names are matched exactly, in lower case, as every enum's name is.
Focus parse_focus(std::string_view name, std::string_view what = "focus");
const char* focus_name(Focus focus);

struct Placement {
  float zoom = 1;                    // 1: the photo just covers the window; up to 10
  float offset_x = 0, offset_y = 0;  // fractions of the window's width/height, + moves the photo right/down
  float rotate = 0;                  // degrees, clockwise
  Focus focus = Focus::Center;       // Face: centre on the largest face, else on the photo's centre
};

// Checks zoom in [1, 10], offsets in [-1, 1], rotate in [-360, 360] (all
// finite). Throws Error(InvalidArgument) naming the field and the range.
void validate(const Placement& placement);

// The smallest upright photo size that covers `window` at this placement
// without enlarging it: the window's bounding box turned by `rotate`
// (W|cos| + H|sin| by W|sin| + H|cos|) times zoom, rounded up. A photo at
// least this wide and this high is drawn without enlarging, so it is what
// shrink-on-load may reduce a photo to. Throws as validate().
//   Size need = photo_cover_size({140, 140, 800, 800}, {.zoom = 1.5f});  // 1200 x 1200
Size photo_cover_size(const Rect& window, const Placement& placement);

// The placement that draws `photo_size` (the upright photo's size) exactly
// as `placement` does, with its offsets brought back to where the window
// stays covered: drawing clamps the photo so that the window is never left
// empty, and an offset beyond that point moves nothing. A page that adds up
// drag gestures settles after each one, so dragging back moves the photo at
// once. Centre focus; throws as validate().
//   settle({1200, 900}, {0, 0, 800, 800}, {.offset_x = 1})  // offset_x 1/6: the photo's left edge at the window's
Placement settle(Size photo_size, const Rect& window, const Placement& placement);

// The largest frontal face in the photo (photo pixels), found with OpenCV's
// Haar cascade on a grey copy at most 480 px long; nullopt when there is
// none (or the photo is empty). The cascade is KHUNG_CASCADE when set, else
// Debian's opencv-data file, loaded on first use. Thread-safe. Throws
// Error(Io) naming the path when the cascade file is missing or unreadable.
std::optional<Rect> detect_face(const Image& photo);

// Draws `photo` into the window: scaled so that, turned, it covers
// window.rect, then zoomed, rotated about the window's centre, centred on
// the focus point, moved by the offsets, and clamped so the window stays
// covered. Resampled by area averaging when shrinking and bicubic when
// enlarging; composited through the window coverage with source-over,
// the photo's own alpha included. The part outside the canvas is dropped.
// Throws as validate(), and Error(InvalidArgument) for an empty photo or a
// mask whose coverage does not match its rect; face focus throws as
// detect_face().
//   draw_photo(canvas, read_image("me.jpg"), circle_window({140, 140, 800, 800}), {.zoom = 1.2f});
void draw_photo(Image& canvas, const Image& photo, const WindowMask& window, const Placement& placement);

// The size of an output `width` px wide with the canvas's aspect (the height
// rounded, at least 1); nullopt: the canvas's own. Throws
// Error(InvalidArgument) for a width outside 16 to 4 times the canvas's
// ("width 0: must be between 16 and 6560 px") or one whose image would be
// over Image::max_pixels().
Size output_size(Size canvas, std::optional<int> width);

// The phone's render of a frame: `under` (the layers below the photo; empty:
// a transparent canvas), the upright photo drawn through `window` at
// `placement` (centre focus), then `over` (the layers above it), resized to
// `output_width` as render_template does. Given the under.png and over.png of
// a template whose only layer above its photo is one image, the same bytes as
// render_template with that photo as pixels. Throws Error(InvalidArgument)
// for face focus, an empty `over`, an `under` of another size, and as
// draw_photo() and output_size().
//   Image framed = frame_between({}, photo, find_window(over), over, {.zoom = 1.2f});
Image frame_between(const Image& under, const Image& photo, const WindowMask& window, const Image& over,
                    const Placement& placement, std::optional<int> output_width = std::nullopt);

// Composites the image onto opaque white, as JPEG output does (JPEG has no
// alpha): colour c at alpha a becomes (c a + 255 (255 - a)) / 255, rounded.
void flatten_onto_white(Image& image);

}  // namespace khung
