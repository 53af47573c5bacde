#pragma once
// Resizing RGBA images: area averaging to shrink, bicubic to enlarge, on
// premultiplied alpha so transparent pixels do not bleed colour.

#include "khung/image.hpp"

namespace khung::detail {

// Throws Error(InvalidArgument) for an empty target size.
Image resize_image(const Image& image, Size size);

}  // namespace khung::detail
