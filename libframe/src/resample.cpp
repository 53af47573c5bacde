#include "resample.hpp"

#include "khung/error.hpp"

#include <opencv2/core.hpp>

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace khung::detail {

namespace {

constexpr int kLobes = 3;           // Lanczos-3
constexpr int kWeightBits = 14;     // weights of one output pixel sum to 1 << 14
constexpr int kRowsPerBlock = 16;   // output rows a parallel task makes at once

double sinc(double x) {
  if (x == 0) return 1;
  const double px = 3.14159265358979323846 * x;
  return std::sin(px) / px;
}

double lanczos(double x) { return std::abs(x) < kLobes ? sinc(x) * sinc(x / kLobes) : 0.0; }

// The filter taps of every output pixel along one axis: output i reads
// source pixels first[i] .. first[i] + count[i] - 1 with weights
// weights[i * width ...], in units of 2^-14, summing to exactly 2^14.
struct Taps {
  std::vector<int> first, count;
  std::vector<std::int16_t> weights;
  int width = 0;  // weights stored per output pixel
  int lo = 0, hi = 0;  // source range any output reads: [lo, hi)
};

Taps make_taps(int src_size, int dst_size, AxisMap map) {
  const double stretch = std::max(1.0, 1.0 / map.scale);  // the filter widens when shrinking
  const double support = kLobes * stretch;
  Taps taps;
  taps.width = std::min(src_size, static_cast<int>(std::ceil(2 * support)) + 2);
  taps.first.resize(dst_size);
  taps.count.resize(dst_size);
  taps.weights.assign(static_cast<std::size_t>(dst_size) * taps.width, 0);
  taps.lo = src_size;
  std::vector<double> w(taps.width);
  for (int i = 0; i < dst_size; ++i) {
    const double centre = map.offset + (i + 0.5) / map.scale;
    const int j0 = static_cast<int>(std::floor(centre - support)), j1 = static_cast<int>(std::ceil(centre + support));
    // Taps outside the source fold onto its edge pixels.
    const int first = std::clamp(j0, 0, src_size - 1);
    const int last = std::clamp(j1, 0, src_size - 1);
    const int count = std::min(last - first + 1, taps.width);
    std::fill(w.begin(), w.end(), 0.0);
    double sum = 0;
    for (int j = j0; j <= j1; ++j) {
      const double v = lanczos((j + 0.5 - centre) / stretch);
      if (v == 0) continue;
      const int k = std::clamp(j, first, first + count - 1) - first;
      w[k] += v;
      sum += v;
    }
    if (sum == 0) {  // cannot happen for a centre inside the source, but keep it defined
      w[std::clamp(static_cast<int>(centre), first, first + count - 1) - first] = 1;
      sum = 1;
    }
    std::int16_t* out = &taps.weights[static_cast<std::size_t>(i) * taps.width];
    int total = 0, biggest = 0;
    for (int k = 0; k < count; ++k) {
      out[k] = static_cast<std::int16_t>(std::lround(w[k] / sum * (1 << kWeightBits)));
      total += out[k];
      if (out[k] > out[biggest]) biggest = k;
    }
    out[biggest] = static_cast<std::int16_t>(out[biggest] + (1 << kWeightBits) - total);  // exact unit gain
    taps.first[i] = first;
    taps.count[i] = count;
    taps.lo = std::min(taps.lo, first);
    taps.hi = std::max(taps.hi, first + count);
  }
  return taps;
}

inline std::uint8_t to_byte(std::int32_t acc) {
  return static_cast<std::uint8_t>(std::clamp((acc + (1 << (kWeightBits - 1))) >> kWeightBits, 0, 255));
}

// One output row of the vertical pass: n bytes of the weighted sum of
// `count` source rows.
__attribute__((target_clones("avx2", "default"))) void vertical_row(const std::uint8_t* src, std::size_t stride,
                                                                     const std::int16_t* w, int count,
                                                                     std::int32_t* acc, std::uint8_t* out, int n) {
  for (int x = 0; x < n; ++x) acc[x] = 0;
  for (int k = 0; k < count; ++k) {
    const std::int32_t wk = w[k];
    const std::uint8_t* s = src + stride * static_cast<std::size_t>(k);
    for (int x = 0; x < n; ++x) acc[x] += wk * s[x];
  }
  for (int x = 0; x < n; ++x) out[x] = to_byte(acc[x]);
}

// One output row of the horizontal pass, from a row of RGBA pixels.
void horizontal_row_plain(const std::uint8_t* src, const Taps& taps, std::uint8_t* out, int n) {
  const std::int16_t* weights = taps.weights.data();
  for (int i = 0; i < n; ++i, out += 4) {
    const std::uint8_t* s = src + 4 * static_cast<std::size_t>(taps.first[i] - taps.lo);
    const std::int16_t* w = weights + static_cast<std::size_t>(i) * taps.width;
    std::int32_t r = 0, g = 0, b = 0, a = 0;
    for (int k = 0, count = taps.count[i]; k < count; ++k, s += 4) {
      const std::int32_t wk = w[k];
      r += wk * s[0];
      g += wk * s[1];
      b += wk * s[2];
      a += wk * s[3];
    }
    out[0] = to_byte(r);
    out[1] = to_byte(g);
    out[2] = to_byte(b);
    out[3] = to_byte(a);
  }
}

// The same, two taps at a time: the channels of two neighbouring pixels
// paired as 16-bit lanes (r0 r1 g0 g1 b0 b1 a0 a1), one multiply-add with the
// pair of weights. Bit for bit the plain version's result.
__attribute__((target("sse4.1"))) void horizontal_row_sse41(const std::uint8_t* src, const Taps& taps,
                                                             std::uint8_t* out, int n) {
  const __m128i pairs = _mm_setr_epi8(0, 4, 1, 5, 2, 6, 3, 7, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m128i half = _mm_set1_epi32(1 << (kWeightBits - 1));
  const std::int16_t* weights = taps.weights.data();
  for (int i = 0; i < n; ++i, out += 4) {
    const std::uint8_t* s = src + 4 * static_cast<std::size_t>(taps.first[i] - taps.lo);
    const std::int16_t* w = weights + static_cast<std::size_t>(i) * taps.width;
    const int count = taps.count[i];
    __m128i acc = half;
    int k = 0;
    for (; k + 1 < count; k += 2, s += 8) {
      const __m128i px = _mm_cvtepu8_epi16(_mm_shuffle_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(s)), pairs));
      const __m128i wk = _mm_set1_epi32(static_cast<int>(static_cast<std::uint16_t>(w[k]) |
                                                         static_cast<std::uint32_t>(static_cast<std::uint16_t>(w[k + 1])) << 16));
      acc = _mm_add_epi32(acc, _mm_madd_epi16(px, wk));
    }
    if (k < count) {  // the odd last tap, paired with a zero weight
      std::int32_t last;
      std::memcpy(&last, s, 4);
      const __m128i px = _mm_cvtepu8_epi16(_mm_shuffle_epi8(_mm_cvtsi32_si128(last), pairs));
      acc = _mm_add_epi32(acc, _mm_madd_epi16(px, _mm_set1_epi32(static_cast<std::uint16_t>(w[k]))));
    }
    const __m128i v = _mm_srai_epi32(acc, kWeightBits);
    const __m128i bytes = _mm_packus_epi16(_mm_packs_epi32(v, v), _mm_setzero_si128());
    const int packed = _mm_cvtsi128_si32(bytes);
    std::memcpy(out, &packed, 4);
  }
}

void horizontal_row(const std::uint8_t* src, const Taps& taps, std::uint8_t* out, int n) {
  static const bool sse41 = __builtin_cpu_supports("sse4.1");
  if (sse41)
    horizontal_row_sse41(src, taps, out, n);
  else
    horizontal_row_plain(src, taps, out, n);
}

}  // namespace

void resample(const PixelsView& src, std::uint8_t* dst, std::size_t dst_stride, int dst_width, int dst_height,
              AxisMap x, AxisMap y) {
  if (dst_width <= 0 || dst_height <= 0 || src.width <= 0 || src.height <= 0) return;
  const Taps tx = make_taps(src.width, dst_width, x);
  const Taps ty = make_taps(src.height, dst_height, y);
  // Only the source columns some output pixel reads take part.
  const int columns = tx.hi - tx.lo;
  const std::uint8_t* origin = src.data + 4 * static_cast<std::size_t>(tx.lo);
  const int blocks = (dst_height + kRowsPerBlock - 1) / kRowsPerBlock;
  cv::parallel_for_(cv::Range(0, blocks), [&](const cv::Range& range) {
    std::vector<std::int32_t> acc(4 * static_cast<std::size_t>(columns));
    std::vector<std::uint8_t> row(4 * static_cast<std::size_t>(columns));
    for (int block = range.start; block < range.end; ++block) {
      const int y1 = std::min(dst_height, (block + 1) * kRowsPerBlock);
      for (int oy = block * kRowsPerBlock; oy < y1; ++oy) {
        vertical_row(origin + src.stride * static_cast<std::size_t>(ty.first[oy]), src.stride,
                     &ty.weights[static_cast<std::size_t>(oy) * ty.width], ty.count[oy], acc.data(), row.data(),
                     4 * columns);
        horizontal_row(row.data(), tx, dst + dst_stride * static_cast<std::size_t>(oy), dst_width);
      }
    }
  });
}

bool has_transparency(const PixelsView& src) {
  for (int row = 0; row < src.height; ++row) {
    const std::uint8_t* p = src.data + src.stride * static_cast<std::size_t>(row);
    for (int x = 0; x < src.width; ++x)
      if (p[4 * x + 3] != 255) return true;
  }
  return false;
}

PixelsView premultiply(const PixelsView& src, std::vector<std::uint8_t>& storage) {
  const std::size_t stride = 4 * static_cast<std::size_t>(src.width);
  storage.resize(stride * static_cast<std::size_t>(src.height));
  for (int row = 0; row < src.height; ++row) {
    const std::uint8_t* s = src.data + src.stride * static_cast<std::size_t>(row);
    std::uint8_t* d = storage.data() + stride * static_cast<std::size_t>(row);
    for (std::size_t i = 0; i < stride; i += 4) {
      const unsigned a = s[i + 3];
      for (int c = 0; c < 3; ++c) d[i + c] = static_cast<std::uint8_t>((s[i + c] * a + 127) / 255);
      d[i + 3] = static_cast<std::uint8_t>(a);
    }
  }
  return {storage.data(), stride, src.width, src.height};
}

Image resize_image(Image image, Size size) {
  if (size.width <= 0 || size.height <= 0)
    throw Error(ErrorCode::InvalidArgument,
                "size " + std::to_string(size.width) + "x" + std::to_string(size.height) + ": must not be empty");
  if (size == Size{image.width(), image.height()}) return image;
  if (image.empty()) return Image(size.width, size.height);
  const AxisMap x{0, static_cast<double>(size.width) / image.width()};
  const AxisMap y{0, static_cast<double>(size.height) / image.height()};
  Image out(size.width, size.height);
  PixelsView src{image.row(0), image.stride(), image.width(), image.height()};
  std::vector<std::uint8_t> premultiplied;
  const bool straight = has_transparency(src);
  if (straight) src = premultiply(src, premultiplied);  // straight again below
  resample(src, out.row(0), out.stride(), size.width, size.height, x, y);
  if (!straight) return out;
  for (int row = 0; row < out.height(); ++row) {
    std::uint8_t* p = out.row(row);
    for (int i = 0; i < 4 * out.width(); i += 4) {
      const unsigned a = p[i + 3];
      for (int c = 0; c < 3; ++c)
        p[i + c] = a == 0 ? 0 : static_cast<std::uint8_t>(std::min(255u, (p[i + c] * 255 + a / 2) / a));
    }
  }
  return out;
}

}  // namespace khung::detail
