#pragma once
// Frame overlays made in the test, for the `auto` window (photo_test,
// render_test): shapes of art in one opaque colour on a transparent canvas,
// with hard edges so that the test knows every pixel.

#include "khung/image.hpp"

#include <cstdint>

namespace overlays {

inline constexpr khung::Color kArt{200, 16, 46, 255};

inline void set_alpha(khung::Image& img, int x, int y, std::uint8_t a) { img.row(y)[4 * x + 3] = a; }

// A transparent canvas: the art is painted on it.
inline khung::Image clear(int width, int height) {
  khung::Image img(width, height, kArt);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) set_alpha(img, x, y, 0);
  return img;
}

// Paints (opaque) or clears (transparent) the points within `r` of (cx, cy),
// pixel centres measured.
inline void disc(khung::Image& img, double cx, double cy, double r, bool opaque) {
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) {
      double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      if (dx * dx + dy * dy <= r * r) set_alpha(img, x, y, opaque ? 255 : 0);
    }
}

inline void rect(khung::Image& img, const khung::Rect& r, bool opaque) {
  for (int y = r.y; y < r.bottom(); ++y)
    for (int x = r.x; x < r.right(); ++x) set_alpha(img, x, y, opaque ? 255 : 0);
}

// A round badge on a square canvas: an opaque disc of radius `outer` about
// the centre with a hole of radius `inner` (none when 0); outside the disc
// the canvas stays transparent.
inline khung::Image badge(int side, double outer, double inner) {
  khung::Image img = clear(side, side);
  disc(img, side / 2.0, side / 2.0, outer, true);
  if (inner > 0) disc(img, side / 2.0, side / 2.0, inner, false);
  return img;
}

// A ribbon along the bottom edge, `height` px tall, the rest transparent.
inline khung::Image ribbon(int width, int canvas_height, int height) {
  khung::Image img = clear(width, canvas_height);
  rect(img, {0, canvas_height - height, width, height}, true);
  return img;
}

}  // namespace overlays
