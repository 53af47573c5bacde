#pragma once
// Image: an owned 8-bit RGBA raster (straight alpha, rows top to bottom,
// channels in memory order R, G, B, A). Reading and writing files: codec.hpp.

#include "khung/color.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace khung {

struct Size {
  int width = 0, height = 0;
  friend bool operator==(const Size&, const Size&) = default;
};

// A pixel rectangle; x, y may be negative, width and height are not.
struct Rect {
  int x = 0, y = 0, width = 0, height = 0;
  int right() const { return x + width; }
  int bottom() const { return y + height; }
  bool empty() const { return width <= 0 || height <= 0; }
  bool contains(const Rect& r) const {
    return r.empty() || (r.x >= x && r.y >= y && r.right() <= right() && r.bottom() <= bottom());
  }
  friend bool operator==(const Rect&, const Rect&) = default;
};

// Smallest rectangle holding both; an empty operand is ignored.
Rect unite(const Rect& a, const Rect& b);

class Image {
 public:
  Image() = default;  // empty: 0 x 0
  // Throws Error(InvalidArgument) when a side is negative or the area is
  // over max_pixels() (a guard against absurd canvases).
  Image(int width, int height, Color fill = {0, 0, 0, 0});
  // An image whose pixels are left unset, for code that writes every one
  // (decoders); the same size checks.
  static Image for_overwrite(int width, int height);
  // Copies own their pixels; a moved-from image is empty.
  Image(const Image& other);
  Image(Image&& other) noexcept;
  Image& operator=(const Image& other);
  Image& operator=(Image&& other) noexcept;
  ~Image();

  int width() const { return width_; }
  int height() const { return height_; }
  bool empty() const { return width_ == 0 || height_ == 0; }
  std::size_t stride() const { return static_cast<std::size_t>(width_) * 4; }
  std::uint8_t* row(int y) { return pixels_ + stride() * static_cast<std::size_t>(y); }
  const std::uint8_t* row(int y) const { return pixels_ + stride() * static_cast<std::size_t>(y); }
  std::span<const std::uint8_t> bytes() const { return {pixels_, stride() * static_cast<std::size_t>(height_)}; }
  Color pixel(int x, int y) const {
    const std::uint8_t* p = row(y) + 4 * x;
    return {p[0], p[1], p[2], p[3]};
  }
  // True when every pixel has alpha 255 (an empty image is opaque).
  bool opaque() const;
  // Same size and the same bytes.
  friend bool operator==(const Image& a, const Image& b);

  static constexpr std::int64_t max_pixels() { return 100'000'000; }

 private:
  struct Unset {};
  Image(int width, int height, Unset);
  int width_ = 0, height_ = 0;
  std::uint8_t* pixels_ = nullptr;  // stride() * height_ bytes of image.cpp's pixel memory, or null
};

}  // namespace khung
