#pragma once
// EXIF orientation (1..8) applied to decoded pixels.

#include "khung/image.hpp"

namespace khung::detail {

// Orientations 5..8 turn the image a quarter: the upright width is the
// stored height.
constexpr bool swaps_axes(int orientation) { return orientation >= 5 && orientation <= 8; }

// Returns the upright image for one stored with `orientation`, as EXIF
// defines it (6: the stored top row is the upright right column, i.e. turn
// 90 degrees clockwise to display). Values outside 2..8 return `stored` as is.
Image apply_orientation(Image stored, int orientation);

}  // namespace khung::detail
