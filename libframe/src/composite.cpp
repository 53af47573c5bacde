#include "composite.hpp"

#include <algorithm>
#include <cmath>

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

namespace {

// Source-over of colour (r, g, b) at alpha sa (0..255) onto a straight-alpha
// pixel: out = (src*sa + dst*da*(1-sa)) / out_alpha, in units of 1/255.
inline void blend(std::uint8_t* p, unsigned r, unsigned g, unsigned b, unsigned sa) {
  if (sa == 0) return;
  unsigned da = p[3];
  if (sa == 255 || da == 0) {
    p[0] = static_cast<std::uint8_t>(r);
    p[1] = static_cast<std::uint8_t>(g);
    p[2] = static_cast<std::uint8_t>(b);
    p[3] = static_cast<std::uint8_t>(sa);
    return;
  }
  unsigned keep = da * (255 - sa);  // dst weight * 255
  unsigned oa = sa * 255 + keep;    // out alpha * 255
  auto mix = [&](unsigned s, unsigned d) { return static_cast<std::uint8_t>((s * sa * 255 + d * keep + oa / 2) / oa); };
  p[0] = mix(r, p[0]);
  p[1] = mix(g, p[1]);
  p[2] = mix(b, p[2]);
  p[3] = static_cast<std::uint8_t>((oa + 127) / 255);
}

}  // namespace

void paint_mask(Image& canvas, const Mask& mask, Color color, int dx, int dy) {
  if (color.a == 0 || mask.rect.empty()) return;
  int ox = mask.rect.x + dx, oy = mask.rect.y + dy;
  int x0 = std::max(ox, 0), y0 = std::max(oy, 0);
  int x1 = std::min(ox + mask.rect.width, canvas.width());
  int y1 = std::min(oy + mask.rect.height, canvas.height());
  for (int y = y0; y < y1; ++y) {
    const std::uint8_t* m = mask.row(y - oy) + (x0 - ox);
    std::uint8_t* p = canvas.row(y) + 4 * x0;
    for (int x = x0; x < x1; ++x, ++m, p += 4) blend(p, color.r, color.g, color.b, (*m * color.a + 127u) / 255);
  }
}

void composite_image(Image& canvas, const Image& src, int x, int y, float opacity) {
  const unsigned scale = static_cast<unsigned>(std::lround(std::clamp(opacity, 0.0f, 1.0f) * 255));
  if (scale == 0) return;
  int x0 = std::max(x, 0), y0 = std::max(y, 0);
  int x1 = std::min(x + src.width(), canvas.width()), y1 = std::min(y + src.height(), canvas.height());
  for (int cy = y0; cy < y1; ++cy) {
    const std::uint8_t* s = src.row(cy - y) + 4 * (x0 - x);
    std::uint8_t* p = canvas.row(cy) + 4 * x0;
    for (int cx = x0; cx < x1; ++cx, s += 4, p += 4) blend(p, s[0], s[1], s[2], (s[3] * scale + 127u) / 255);
  }
}

}  // namespace khung::detail
