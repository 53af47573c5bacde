#include "text/auto_fit.hpp"

#include <algorithm>
#include <cmath>

namespace khung::detail {

float smallest_size(const TextStyle& style) {
  if (style.min_size > 0) return style.min_size;
  return style.overflow == Overflow::Shrink ? std::min(style.size, kShrinkFloor) : style.size;
}

std::optional<TextLayout> fit_largest(const TextStyle& style, const FitAt& fits_at) {
  if (auto whole = fits_at(style.size)) return whole;
  // Fitting is monotonic in practice (a binary search); the walk upwards
  // afterwards makes the answer exact where it is not.
  const int lo_px = static_cast<int>(std::ceil(smallest_size(style)));
  const int hi_px = static_cast<int>(std::ceil(style.size)) - 1;
  std::optional<TextLayout> best;
  int best_px = 0;
  for (int a = lo_px, b = hi_px; a <= b;) {
    const int mid = a + (b - a) / 2;
    if (auto t = fits_at(static_cast<float>(mid))) {
      best = std::move(t);
      best_px = mid;
      a = mid + 1;
    } else {
      b = mid - 1;
    }
  }
  if (!best) return std::nullopt;
  while (best_px < hi_px) {
    auto t = fits_at(static_cast<float>(best_px + 1));
    if (!t) break;
    best = std::move(t);
    ++best_px;
  }
  return best;
}

}  // namespace khung::detail
