#include "photo/resample.hpp"

#include "khung/error.hpp"
#include "photo/parallel.hpp"
#include "photo/trig.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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
  return sin_pi(x) / (3.14159265358979323846 * x);
}

double lanczos(double x) { return std::abs(x) < kLobes ? sinc(x) * sinc(x / kLobes) : 0.0; }

// The filter taps of every output pixel along one axis: output i reads
// source pixels first[i] .. first[i] + count[i] - 1 with weights
// weights[i * width ...], in units of 2^-14, summing to exactly 2^14.
struct Taps {
  std::vector<int> first, count;
  std::vector<std::int16_t> weights;
  int width = 0;  // weights stored per output pixel, a multiple of 4
  int lo = 0, hi = 0;  // source range any output reads: [lo, hi)
};

Taps make_taps(int src_size, int dst_size, AxisMap map) {
  // The filter widens when shrinking (a negative scale runs the axis backwards).
  const double stretch = std::max(1.0, 1.0 / std::abs(map.scale));
  const double support = kLobes * stretch;
  Taps taps;
  // Rounded up to whole groups of four taps (the extra weights are 0), so
  // that the vector code below reads weights two and four at a time.
  taps.width = (std::min(src_size, static_cast<int>(std::ceil(2 * support)) + 2) + 3) / 4 * 4;
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

// One output row of the vertical pass: n bytes, each the weighted sum of the
// bytes below it in `count` source rows.
void vertical_row_plain(const std::uint8_t* src, std::size_t stride, const std::int16_t* w, int count,
                        std::uint8_t* out, int x, int n) {
  for (; x < n; ++x) {
    std::int32_t acc = 0;
    for (int k = 0; k < count; ++k) acc += w[k] * src[stride * static_cast<std::size_t>(k) + x];
    out[x] = to_byte(acc);
  }
}

// One output pixel of the horizontal pass, from a row of RGBA pixels.
void horizontal_pixel_plain(const std::uint8_t* s, const std::int16_t* w, int count, std::uint8_t* out) {
  std::int32_t r = 0, g = 0, b = 0, a = 0;
  for (int k = 0; k < count; ++k, s += 4) {
    r += w[k] * s[0];
    g += w[k] * s[1];
    b += w[k] * s[2];
    a += w[k] * s[3];
  }
  out[0] = to_byte(r);
  out[1] = to_byte(g);
  out[2] = to_byte(b);
  out[3] = to_byte(a);
}

#if defined(__x86_64__)

// The vector versions give the plain versions' results bit for bit: the
// same integer products and sums, two taps per multiply-add (madd_epi16
// pairs tap k of one lane with tap k + 1), weights packed as two int16 in
// an int32 exactly as they lie in memory.

std::int32_t weight_pair(const std::int16_t* w) {
  std::int32_t pair;
  std::memcpy(&pair, w, 4);
  return pair;
}

// 32 (AVX2) or 16 (SSE2) bytes at a time: the bytes of rows k and k + 1
// interleaved, widened to 16 bits and multiplied-added by the weight pair;
// the in-lane unpacks and packs put the bytes back in order. Returns where
// the plain loop takes over.
__attribute__((target("avx2"))) int vertical_avx2(const std::uint8_t* src, std::size_t stride,
                                                  const std::int16_t* w, int count, std::uint8_t* out, int n) {
  const __m256i half = _mm256_set1_epi32(1 << (kWeightBits - 1)), zero = _mm256_setzero_si256();
  int x = 0;
  for (; x + 32 <= n; x += 32) {
    __m256i a0 = half, a1 = half, a2 = half, a3 = half;
    for (int k = 0; k < count; k += 2) {
      const std::uint8_t* r0 = src + stride * static_cast<std::size_t>(k) + x;
      const std::uint8_t* r1 = k + 1 < count ? r0 + stride : r0;  // an odd last tap pairs with itself, weight 0
      const __m256i p = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0));
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r1));
      const __m256i wk = _mm256_set1_epi32(weight_pair(w + k));
      const __m256i lo = _mm256_unpacklo_epi8(p, q), hi = _mm256_unpackhi_epi8(p, q);
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi8(lo, zero), wk));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi8(lo, zero), wk));
      a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_unpacklo_epi8(hi, zero), wk));
      a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_unpackhi_epi8(hi, zero), wk));
    }
    const __m256i b01 = _mm256_packs_epi32(_mm256_srai_epi32(a0, kWeightBits), _mm256_srai_epi32(a1, kWeightBits));
    const __m256i b23 = _mm256_packs_epi32(_mm256_srai_epi32(a2, kWeightBits), _mm256_srai_epi32(a3, kWeightBits));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + x), _mm256_packus_epi16(b01, b23));
  }
  return x;
}

int vertical_sse2(const std::uint8_t* src, std::size_t stride, const std::int16_t* w, int count, std::uint8_t* out,
                  int n) {
  const __m128i half = _mm_set1_epi32(1 << (kWeightBits - 1)), zero = _mm_setzero_si128();
  int x = 0;
  for (; x + 16 <= n; x += 16) {
    __m128i a0 = half, a1 = half, a2 = half, a3 = half;
    for (int k = 0; k < count; k += 2) {
      const std::uint8_t* r0 = src + stride * static_cast<std::size_t>(k) + x;
      const std::uint8_t* r1 = k + 1 < count ? r0 + stride : r0;
      const __m128i p = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r0));
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r1));
      const __m128i wk = _mm_set1_epi32(weight_pair(w + k));
      const __m128i lo = _mm_unpacklo_epi8(p, q), hi = _mm_unpackhi_epi8(p, q);
      a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_unpacklo_epi8(lo, zero), wk));
      a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_unpackhi_epi8(lo, zero), wk));
      a2 = _mm_add_epi32(a2, _mm_madd_epi16(_mm_unpacklo_epi8(hi, zero), wk));
      a3 = _mm_add_epi32(a3, _mm_madd_epi16(_mm_unpackhi_epi8(hi, zero), wk));
    }
    const __m128i b01 = _mm_packs_epi32(_mm_srai_epi32(a0, kWeightBits), _mm_srai_epi32(a1, kWeightBits));
    const __m128i b23 = _mm_packs_epi32(_mm_srai_epi32(a2, kWeightBits), _mm_srai_epi32(a3, kWeightBits));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + x), _mm_packus_epi16(b01, b23));
  }
  return x;
}

// Four taps at a time: pixels 0..3 reordered to r0 r1 g0 g1 b0 b1 a0 a1 |
// r2 r3 ..., widened to 16 bits, multiply-added by the pairs (w0, w1) in the
// low lane and (w2, w3) in the high one, the lanes summed at the end. Reads
// up to three pixels past the last tap (weight 0): rows carry 16 spare bytes.
__attribute__((target("avx2"))) void horizontal_row_avx2(const std::uint8_t* src, const Taps& taps,
                                                         std::uint8_t* out, int n) {
  const __m128i pairs = _mm_setr_epi8(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
  const __m256i spread = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
  const __m128i half = _mm_set1_epi32(1 << (kWeightBits - 1));
  for (int i = 0; i < n; ++i, out += 4) {
    const std::uint8_t* s = src + 4 * static_cast<std::size_t>(taps.first[i] - taps.lo);
    const std::int16_t* w = taps.weights.data() + static_cast<std::size_t>(i) * taps.width;
    __m256i acc = _mm256_setzero_si256();
    for (int k = 0, count = taps.count[i]; k < count; k += 4, s += 16, w += 4) {
      const __m256i px = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s)), pairs));
      const __m256i wk = _mm256_permutevar8x32_epi32(
          _mm256_castsi128_si256(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w))), spread);
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(px, wk));
    }
    const __m128i sum = _mm_add_epi32(_mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1)), half);
    const __m128i v = _mm_srai_epi32(sum, kWeightBits);
    const int packed = _mm_cvtsi128_si32(_mm_packus_epi16(_mm_packs_epi32(v, v), _mm_setzero_si128()));
    std::memcpy(out, &packed, 4);
  }
}

#endif

Simd& simd_in_use() {
  static Simd level = [] {
#if defined(__x86_64__)
    return __builtin_cpu_supports("avx2") ? Simd::Avx2 : Simd::Sse2;
#else
    return Simd::Plain;
#endif
  }();
  return level;
}

void vertical_row(const std::uint8_t* src, std::size_t stride, const std::int16_t* w, int count, std::uint8_t* out,
                  int n) {
  int x = 0;
#if defined(__x86_64__)
  if (simd_in_use() == Simd::Avx2) x = vertical_avx2(src, stride, w, count, out, n);
  if (simd_in_use() == Simd::Sse2) x = vertical_sse2(src, stride, w, count, out, n);
#endif
  vertical_row_plain(src, stride, w, count, out, x, n);
}

void horizontal_row(const std::uint8_t* src, const Taps& taps, std::uint8_t* out, int n) {
#if defined(__x86_64__)
  if (simd_in_use() == Simd::Avx2) {
    horizontal_row_avx2(src, taps, out, n);
    return;
  }
#endif
  for (int i = 0; i < n; ++i, out += 4)
    horizontal_pixel_plain(src + 4 * static_cast<std::size_t>(taps.first[i] - taps.lo),
                           taps.weights.data() + static_cast<std::size_t>(i) * taps.width, taps.count[i], out);
}

}  // namespace

Simd use_simd(Simd level) {
  const Simd before = simd_in_use();
#if defined(__x86_64__)
  if (level == Simd::Avx2 && !__builtin_cpu_supports("avx2")) level = Simd::Sse2;
#else
  level = Simd::Plain;
#endif
  simd_in_use() = level;
  return before;
}

void resample(const PixelsView& src, std::uint8_t* dst, std::size_t dst_stride, int dst_width, int dst_height,
              AxisMap x, AxisMap y, const std::function<void(int)>& rows_ready) {
  if (dst_width <= 0 || dst_height <= 0 || src.width <= 0 || src.height <= 0) return;
  const Taps tx = make_taps(src.width, dst_width, x);
  const Taps ty = make_taps(src.height, dst_height, y);
  // Only the source columns some output pixel reads take part.
  const int columns = tx.hi - tx.lo;
  const std::uint8_t* origin = src.data + 4 * static_cast<std::size_t>(tx.lo);
  const int blocks = (dst_height + kRowsPerBlock - 1) / kRowsPerBlock;
  // A mirrored vertical axis reads the source from the bottom up: its
  // blocks go last to first, so that they come in the order rows are ready.
  const bool upward = ty.first.front() > ty.first.back();
  parallel_blocks(blocks, [&](int first_block, int last_block) {
    // One row of the vertical pass's result, with 16 spare bytes that the
    // horizontal pass may read (under zero weights).
    std::vector<std::uint8_t> row(4 * static_cast<std::size_t>(columns) + 16, 0);
    for (int k = first_block; k < last_block; ++k) {
      const int block = upward ? first_block + last_block - 1 - k : k;
      const int y0 = block * kRowsPerBlock, y1 = std::min(dst_height, y0 + kRowsPerBlock);
      if (rows_ready) {
        int needed = 0;
        for (int oy = y0; oy < y1; ++oy) needed = std::max(needed, ty.first[oy] + ty.count[oy]);
        rows_ready(needed);
      }
      for (int oy = y0; oy < y1; ++oy) {
        vertical_row(origin + src.stride * static_cast<std::size_t>(ty.first[oy]), src.stride,
                     &ty.weights[static_cast<std::size_t>(oy) * ty.width], ty.count[oy], row.data(), 4 * columns);
        horizontal_row(row.data(), tx, dst + dst_stride * static_cast<std::size_t>(oy), dst_width);
      }
    }
  });
}

void transpose(const PixelsView& src, std::uint8_t* dst, std::size_t dst_stride) {
  // In tiles, so that both sides stay in the cache.
  constexpr int kTile = 16;
  for (int y0 = 0; y0 < src.height; y0 += kTile)
    for (int x0 = 0; x0 < src.width; x0 += kTile) {
      const int y1 = std::min(src.height, y0 + kTile), x1 = std::min(src.width, x0 + kTile);
      for (int y = y0; y < y1; ++y) {
        const std::uint8_t* s = src.data + src.stride * static_cast<std::size_t>(y);
        for (int x = x0; x < x1; ++x)
          std::memcpy(dst + dst_stride * static_cast<std::size_t>(x) + 4 * static_cast<std::size_t>(y), s + 4 * x, 4);
      }
    }
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

namespace {

void check_target(Size size) {
  if (size.width <= 0 || size.height <= 0)
    throw Error(ErrorCode::InvalidArgument,
                "size " + std::to_string(size.width) + "x" + std::to_string(size.height) + ": must not be empty");
}

}  // namespace

Image resize_image(Image image, Size size) {
  check_target(size);
  if (size == Size{image.width(), image.height()}) return image;
  return resample_image(image, size, {0, static_cast<double>(size.width) / image.width()},
                        {0, static_cast<double>(size.height) / image.height()});
}

Image resample_image(const Image& image, Size size, AxisMap x, AxisMap y) {
  check_target(size);
  if (image.empty()) return Image(size.width, size.height);
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
