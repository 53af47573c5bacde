#pragma once
// Coverage masks and source-over compositing onto straight-alpha RGBA.

#include "khung/color.hpp"
#include "khung/image.hpp"

#include <cstdint>
#include <vector>

namespace khung::detail {

// An 8-bit coverage mask placed on the canvas at `rect`.
struct Mask {
  Rect rect;
  std::vector<std::uint8_t> coverage;  // rect.width * rect.height

  explicit Mask(const Rect& r = {})
      : rect(r), coverage(static_cast<std::size_t>(r.empty() ? 0 : r.width * r.height), 0) {}
  std::uint8_t* row(int y) { return coverage.data() + static_cast<std::ptrdiff_t>(y) * rect.width; }
  const std::uint8_t* row(int y) const {
    return coverage.data() + static_cast<std::ptrdiff_t>(y) * rect.width;
  }
};

// Adds a shape of coverage `src` (width x height, top-left at canvas x, y) to
// the mask as a union: a + b - ab, which is what drawing both shapes with one
// opaque colour would leave.
void unite_coverage(Mask& mask, const std::uint8_t* src, int width, int height, int x, int y);

// Paints `color` through the mask (coverage times colour alpha) with
// source-over, shifted by (dx, dy); clipped to the canvas.
void paint_mask(Image& canvas, const Mask& mask, Color color, int dx = 0, int dy = 0);

// Source-over of n straight-alpha RGBA pixels onto a canvas row, the
// source alpha scaled by opacity (0..255).
void composite_row(std::uint8_t* dst, const std::uint8_t* src, int n, unsigned opacity = 255);

// Draws `src` with its top-left at canvas (x, y), source-over, its alpha
// scaled by opacity (0..1); clipped to the canvas.
void composite_image(Image& canvas, const Image& src, int x, int y, float opacity = 1);

// Composites `layer`, premultiplied RGBA that spans `rect` on the canvas
// (rect.width pixels a row, rows `layer_stride` bytes apart), through
// `coverage` (rect.width values a row, rows `coverage_stride` bytes apart)
// with source-over onto the straight-alpha canvas. Parts outside the canvas
// are dropped. Premultiplied input lets a resampled layer carry transparency
// without dark fringes; a colour channel above alpha (resampling overshoot)
// is clamped to alpha.
void paint_layer(Image& canvas, const Rect& rect, const std::uint8_t* layer, std::size_t layer_stride,
                 const std::uint8_t* coverage, std::size_t coverage_stride);

}  // namespace khung::detail
