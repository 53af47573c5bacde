#include "composite.hpp"

#include <algorithm>

namespace khung::detail {

void unite_coverage(Mask& mask, const std::uint8_t* src, int width, int height, int x, int y) {
  int x0 = std::max(x, mask.rect.x), y0 = std::max(y, mask.rect.y);
  int x1 = std::min(x + width, mask.rect.right()), y1 = std::min(y + height, mask.rect.bottom());
  for (int cy = y0; cy < y1; ++cy) {
    const std::uint8_t* s = src + static_cast<std::ptrdiff_t>(cy - y) * width + (x0 - x);
    std::uint8_t* d = mask.row(cy - mask.rect.y) + (x0 - mask.rect.x);
    for (int cx = x0; cx < x1; ++cx, ++s, ++d) {
      unsigned a = *d, b = *s;
      *d = static_cast<std::uint8_t>(a + b - (a * b + 127) / 255);
    }
  }
}

void paint_mask(Image& canvas, const Mask& mask, Color color, int dx, int dy) {
  if (color.a == 0 || mask.rect.empty()) return;
  int ox = mask.rect.x + dx, oy = mask.rect.y + dy;
  int x0 = std::max(ox, 0), y0 = std::max(oy, 0);
  int x1 = std::min(ox + mask.rect.width, canvas.width());
  int y1 = std::min(oy + mask.rect.height, canvas.height());
  const unsigned cr = color.r, cg = color.g, cb = color.b, ca = color.a;
  for (int y = y0; y < y1; ++y) {
    const std::uint8_t* m = mask.row(y - oy) + (x0 - ox);
    std::uint8_t* p = canvas.row(y) + 4 * x0;
    for (int x = x0; x < x1; ++x, ++m, p += 4) {
      unsigned sa = (*m * ca + 127) / 255;  // source alpha, 0..255
      if (sa == 0) continue;
      unsigned da = p[3];
      if (sa == 255 || da == 0) {
        p[0] = static_cast<std::uint8_t>(cr);
        p[1] = static_cast<std::uint8_t>(cg);
        p[2] = static_cast<std::uint8_t>(cb);
        p[3] = static_cast<std::uint8_t>(sa == 255 ? 255 : sa);
        continue;
      }
      // Straight alpha: out = (src*sa + dst*da*(1-sa)) / out_alpha, all in
      // units of 1/255 (scaled by 255 twice for the product term).
      unsigned keep = da * (255 - sa);                // dst weight * 255
      unsigned oa = sa * 255 + keep;                  // out alpha * 255
      auto mix = [&](unsigned s, unsigned d) {
        return static_cast<std::uint8_t>((s * sa * 255 + d * keep + oa / 2) / oa);
      };
      p[0] = mix(cr, p[0]);
      p[1] = mix(cg, p[1]);
      p[2] = mix(cb, p[2]);
      p[3] = static_cast<std::uint8_t>((oa + 127) / 255);
    }
  }
}

}  // namespace khung::detail
