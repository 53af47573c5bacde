#include "photo/orientation.hpp"

#include "photo/resample.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace khung::detail {
namespace {

// Each row's pixels in reverse order.
void mirror_rows(Image& image) {
  for (int y = 0; y < image.height(); ++y) {
    auto* row = reinterpret_cast<std::uint8_t(*)[4]>(image.row(y));
    std::reverse(row, row + image.width());
  }
}

// The rows in reverse order.
void flip_rows(Image& image) {
  const std::size_t bytes = 4 * static_cast<std::size_t>(image.width());
  for (int top = 0, bottom = image.height() - 1; top < bottom; ++top, --bottom)
    std::swap_ranges(image.row(top), image.row(top) + bytes, image.row(bottom));
}

}  // namespace

Image apply_orientation(Image stored, int orientation) {
  if (orientation < 2 || orientation > 8 || stored.empty()) return stored;
  Image out;
  if (orientation <= 4) {  // mirrored in place
    out = std::move(stored);
  } else {  // 5..8: transposed, then mirrored as 2..4 are
    out = Image::for_overwrite(stored.height(), stored.width());
    transpose({stored.row(0), stored.stride(), stored.width(), stored.height()}, out.row(0), out.stride());
  }
  // 2 and 6 mirror across, 4 and 8 upside down, 3 and 7 both.
  if (orientation == 2 || orientation == 3 || orientation == 6 || orientation == 7) mirror_rows(out);
  if (orientation == 3 || orientation == 4 || orientation == 7 || orientation == 8) flip_rows(out);
  return out;
}

}  // namespace khung::detail
