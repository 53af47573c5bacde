#include "photo/composite.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

void composite_row(std::uint8_t* dst, const std::uint8_t* src, int n, unsigned opacity) {
  if (opacity == 255) {
    // Overlays are mostly fully transparent or fully opaque: four pixels at
    // a time are skipped or copied when their alphas are all 0 or all 255
    // (which is what blending them gives).
    int i = 0;
    for (; i + 4 <= n; i += 4, src += 16, dst += 16) {
#if defined(__SSE2__)
      constexpr int kAlphas = 0x8888;  // movemask bits of the four alpha bytes
      const __m128i px = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
      const bool clear = (_mm_movemask_epi8(_mm_cmpeq_epi8(px, _mm_setzero_si128())) & kAlphas) == kAlphas;
      const bool solid = (_mm_movemask_epi8(_mm_cmpeq_epi8(px, _mm_set1_epi8(static_cast<char>(0xFF)))) & kAlphas) == kAlphas;
#else
      const bool clear = (src[3] | src[7] | src[11] | src[15]) == 0;
      const bool solid = (src[3] & src[7] & src[11] & src[15]) == 0xFF;
#endif
      if (clear) continue;
      if (solid) {
        std::memcpy(dst, src, 16);
        continue;
      }
      for (int k = 0; k < 16; k += 4) blend(dst + k, src[k], src[k + 1], src[k + 2], src[k + 3]);
    }
    for (; i < n; ++i, src += 4, dst += 4) blend(dst, src[0], src[1], src[2], src[3]);
    return;
  }
  for (int i = 0; i < n; ++i, src += 4, dst += 4) blend(dst, src[0], src[1], src[2], (src[3] * opacity + 127u) / 255);
}

void composite_image(Image& canvas, const Image& src, int x, int y, float opacity) {
  const unsigned scale = static_cast<unsigned>(std::lround(std::clamp(opacity, 0.0f, 1.0f) * 255));
  if (scale == 0) return;
  int x0 = std::max(x, 0), y0 = std::max(y, 0);
  int x1 = std::min(x + src.width(), canvas.width()), y1 = std::min(y + src.height(), canvas.height());
  for (int cy = y0; cy < y1 && x0 < x1; ++cy)
    composite_row(canvas.row(cy) + 4 * x0, src.row(cy - y) + 4 * (x0 - x), x1 - x0, scale);
}

void paint_layer(Image& canvas, const Rect& rect, const std::uint8_t* layer, std::size_t layer_stride,
                 const std::uint8_t* coverage, std::size_t coverage_stride) {
  int x0 = std::max(rect.x, 0), y0 = std::max(rect.y, 0);
  int x1 = std::min(rect.right(), canvas.width()), y1 = std::min(rect.bottom(), canvas.height());
  // Fixed point: alphas and premultiplied colours in units of 1/65025
  // (coverage times layer value, both 0..255), so nothing is rounded before
  // the final division.
  constexpr std::uint64_t kOne = 255 * 255;
  for (int y = y0; y < y1; ++y) {
    const std::size_t row = static_cast<std::size_t>(y - rect.y), col = static_cast<std::size_t>(x0 - rect.x);
    const std::uint8_t* s = layer + row * layer_stride + 4 * col;
    const std::uint8_t* m = coverage + row * coverage_stride + col;
    std::uint8_t* p = canvas.row(y) + 4 * x0;
    for (int x = x0; x < x1; ++x, s += 4, ++m, p += 4) {
      const std::uint64_t cov = *m, sa8 = s[3];
      if (cov == 0 || sa8 == 0) continue;
      if (cov == 255 && sa8 == 255) {
        p[0] = s[0];
        p[1] = s[1];
        p[2] = s[2];
        p[3] = 255;
        continue;
      }
      const std::uint64_t sa = sa8 * cov;  // source alpha * 65025
      const std::uint64_t src[3] = {std::min<std::uint64_t>(s[0], sa8) * cov,
                                    std::min<std::uint64_t>(s[1], sa8) * cov,
                                    std::min<std::uint64_t>(s[2], sa8) * cov};
      const std::uint64_t da = p[3];
      // The destination's share of the result, alpha * 65025 * 255.
      const std::uint64_t keep = da * (kOne - sa);
      const std::uint64_t oa = sa * 255 + keep;  // out alpha * 65025 * 255
      if (oa == 0) continue;
      for (int c = 0; c < 3; ++c)
        p[c] = static_cast<std::uint8_t>(
            std::min<std::uint64_t>(255, (src[c] * 255 * 255 + p[c] * keep + oa / 2) / oa));
      p[3] = static_cast<std::uint8_t>((oa + kOne / 2) / kOne);
    }
  }
}

}  // namespace khung::detail
