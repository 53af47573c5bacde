#pragma once
// Resampling RGBA images with a separable Lanczos-3 filter, widened when
// shrinking so that every source pixel counts (no aliasing), in 8-bit fixed
// point on two passes that share each block of rows (parallel over blocks).

#include "khung/image.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace khung::detail {

// Where an output axis samples the source: the centre of output pixel i lies
// at source coordinate offset + (i + 0.5) / scale, where source pixel j spans
// [j, j + 1]. scale > 0; below 1 shrinks.
struct AxisMap {
  double offset = 0, scale = 1;
};

// A view of 8-bit RGBA rows.
struct PixelsView {
  const std::uint8_t* data;
  std::size_t stride;  // bytes between rows
  int width, height;
};

// Resamples `src` (premultiplied or opaque RGBA; straight alpha would bleed
// the colour of transparent pixels) into dst_width x dst_height pixels at
// `dst`, rows dst_stride bytes apart. Taps beyond the source's edges read its
// edge pixels. Colour channels may overshoot alpha a little on premultiplied
// input (the filter's negative lobes); callers clamp.
// `rows_ready`, when set, is called before source rows are read with the
// number of rows from the top that must be ready (it may wait, or throw to
// abandon); rows are then taken in the order they are ready in.
void resample(const PixelsView& src, std::uint8_t* dst, std::size_t dst_stride, int dst_width, int dst_height,
              AxisMap x, AxisMap y, const std::function<void(int)>& rows_ready = {});

// The instruction set the resampler uses: the best the processor has, found
// once. Every level gives the same bytes; tests pin each in turn. Returns
// the level in use before (a level the processor lacks falls back to the
// next one down).
enum class Simd { Plain, Sse2, Avx2 };
Simd use_simd(Simd level);

// Writes the transpose of `src` (width x height pixels) at `dst`: pixel
// (x, y) goes to row x, column y; rows dst_stride bytes apart.
void transpose(const PixelsView& src, std::uint8_t* dst, std::size_t dst_stride);

// True when some pixel of `src` has alpha below 255.
bool has_transparency(const PixelsView& src);

// Premultiplies `src` into `storage` (resized to fit) and returns the view of it.
PixelsView premultiply(const PixelsView& src, std::vector<std::uint8_t>& storage);

// The whole image resized to `size` (straight alpha in and out: premultiplied
// inside when the image has transparency). Throws Error(InvalidArgument) for
// an empty target size.
Image resize_image(Image image, Size size);

// As resize_image, sampling the source along the maps `x` and `y`: a part of
// the image, scaled, without making the whole image at that scale first.
Image resample_image(const Image& image, Size size, AxisMap x, AxisMap y);

}  // namespace khung::detail
