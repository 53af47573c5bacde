#include "khung/image.hpp"

#include "khung/error.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace khung {

Rect unite(const Rect& a, const Rect& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  int x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
  int x1 = std::max(a.right(), b.right()), y1 = std::max(a.bottom(), b.bottom());
  return {x0, y0, x1 - x0, y1 - y0};
}

Image::Image(int width, int height, Color fill) {
  if (width < 0 || height < 0 ||
      static_cast<std::int64_t>(width) * height > max_pixels())
    throw Error(ErrorCode::InvalidArgument,
                "image size " + std::to_string(width) + "x" + std::to_string(height) +
                    ": sides must be non-negative and the area at most " +
                    std::to_string(max_pixels()) + " pixels");
  width_ = width;
  height_ = height;
  pixels_.resize(static_cast<std::size_t>(width) * height * 4);
  const std::uint8_t px[4] = {fill.r, fill.g, fill.b, fill.a};
  for (std::size_t i = 0; i < pixels_.size(); i += 4) std::memcpy(&pixels_[i], px, 4);
}

bool Image::opaque() const {
  for (std::size_t i = 3; i < pixels_.size(); i += 4)
    if (pixels_[i] != 255) return false;
  return true;
}

}  // namespace khung
