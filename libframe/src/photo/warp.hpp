#pragma once
// Turning a photo by any angle: a bicubic affine resampler in integer
// arithmetic, so that every build (x86 servers, WebAssembly on phones) makes
// the same bytes.

#include "photo/resample.hpp"

#include <cstddef>
#include <cstdint>

namespace khung::detail {

// Where output pixel (i, j) samples the source: its centre (i + 0.5,
// j + 0.5) maps to source point
//   u = xx * (i + 0.5) + xy * (j + 0.5) + x0,  v = yx * (i + 0.5) + yy * (j + 0.5) + y0
// where source pixel k spans [k, k + 1].
struct AffineMap {
  double xx, xy, x0;
  double yx, yy, y0;
};

// Samples `src` (premultiplied or opaque RGBA) along `map` into dst_width x
// dst_height pixels at `dst`, rows dst_stride bytes apart: Keys' cubic
// (a = -0.5) on 4 x 4 neighbours, positions rounded to 1/64 px, weights in
// 14-bit fixed point; taps beyond the source read its edge pixels. Meant for
// scales near 1: a large reduction aliases (shrink with resample() first).
// Colour channels may overshoot alpha a little on premultiplied input, as
// with resample(); callers clamp. Rows are shared between the cores.
void warp_affine(const PixelsView& src, std::uint8_t* dst, std::size_t dst_stride, int dst_width, int dst_height,
                 const AffineMap& map);

}  // namespace khung::detail
