#pragma once
// The one photo drawing every face comes to: a decoded photo, maybe not yet
// upright, maybe still arriving row by row.

#include "codec/color_profile.hpp"
#include "khung/photo.hpp"

#include <functional>
#include <optional>

namespace khung::detail {

// A photo as decoded: its pixels as stored, the EXIF orientation still to
// apply (1..8; only JPEG carries one, so the pixels are opaque when it is
// above 1), and for a photo still arriving, what waits for its rows (called
// with the number of rows from the top that must be ready; it may throw to
// abandon the drawing), and the conversion to sRGB its colour profile asks
// for (null: the pixels are sRGB; with one, they are opaque): applied to
// the resampled pixels drawn, so a photo costs a window's worth of it.
struct StoredPhoto {
  const Image* pixels = nullptr;
  int orientation = 1;
  std::function<void(int)> rows_ready;
  const ColorConversion* conversion = nullptr;
};

// A point of the upright photo, in its pixels.
struct Point {
  double x = 0, y = 0;
};

// Draws the photo as draw_photo() does, centred on `focus` (nullopt: the
// photo's centre; placement.focus is not looked at). Upright placements
// resample the stored pixels straight onto the window, the EXIF turn folded
// into the resampling and rows taken as they arrive; turned ones wait for
// the whole photo, turn it upright, and warp it. Throws as draw_photo().
void draw_placed(Image& canvas, const StoredPhoto& photo, const WindowMask& window, const Placement& placement,
                 std::optional<Point> focus);

// draw_placed with placement.focus applied: for Focus::Face, the photo is
// waited for, turned upright and searched for a face (detect_face).
void draw_focused(Image& canvas, const StoredPhoto& photo, const WindowMask& window, const Placement& placement);

}  // namespace khung::detail
