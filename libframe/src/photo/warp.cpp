#include "photo/warp.hpp"

#include "photo/parallel.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

namespace khung::detail {

namespace {

constexpr int kSteps = 64;         // sub-pixel positions a tap set is made for
constexpr int kWeightBits = 14;    // the four weights of a position sum to 1 << 14
constexpr int kMidShift = 8;       // the horizontal sums are kept to 1 << (14 - 8) per unit
constexpr int kRowsPerBlock = 16;  // output rows a parallel task makes at once

// Keys' cubic convolution kernel with a = -0.5 (Catmull-Rom): interpolating,
// and exact on quadratics.
double keys(double x) {
  x = std::abs(x);
  if (x < 1) return (1.5 * x - 2.5) * x * x + 1;
  if (x < 2) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
  return 0;
}

// The weights of the taps at -1, 0, +1, +2 from the pixel left of (or
// above) the sample point, for each of its kSteps positions between them.
using Weights = std::array<std::array<std::int32_t, 4>, kSteps>;

const Weights& weights() {
  static const Weights table = [] {
    Weights w{};
    for (int q = 0; q < kSteps; ++q) {
      const double t = static_cast<double>(q) / kSteps;
      const double k[4] = {keys(t + 1), keys(t), keys(1 - t), keys(2 - t)};
      int total = 0, biggest = 0;
      for (int n = 0; n < 4; ++n) {
        w[q][n] = static_cast<std::int32_t>(std::lround(k[n] * (1 << kWeightBits)));
        total += w[q][n];
        if (w[q][n] > w[q][biggest]) biggest = n;
      }
      w[q][biggest] += (1 << kWeightBits) - total;  // exact unit gain
    }
    return w;
  }();
  return table;
}

// A sample position along one axis: the pixel left of it and the position
// between that pixel's centre and the next, in 1/kSteps.
struct Tap {
  int pixel, step;
};

Tap tap(double coordinate) {
  const double c = coordinate - 0.5;  // pixel centres at k + 0.5
  double whole = std::floor(c);
  long step = std::lround((c - whole) * kSteps);
  if (step == kSteps) {
    whole += 1;
    step = 0;
  }
  // Far outside the source every tap reads an edge pixel anyway.
  whole = std::clamp(whole, -4.0, 1e9);
  return {static_cast<int>(whole), static_cast<int>(step)};
}

}  // namespace

void warp_affine(const PixelsView& src, std::uint8_t* dst, std::size_t dst_stride, int dst_width, int dst_height,
                 const AffineMap& map) {
  const Weights& w = weights();
  const int last_x = src.width - 1, last_y = src.height - 1;
  const int blocks = (dst_height + kRowsPerBlock - 1) / kRowsPerBlock;
  parallel_blocks(blocks, [&](int first_block, int last_block) {
    for (int j = first_block * kRowsPerBlock; j < std::min(dst_height, last_block * kRowsPerBlock); ++j) {
      const double cy = j + 0.5;
      const double u_row = map.xy * cy + map.x0, v_row = map.yy * cy + map.y0;
      std::uint8_t* out = dst + dst_stride * static_cast<std::size_t>(j);
      for (int i = 0; i < dst_width; ++i, out += 4) {
        const double cx = i + 0.5;
        const Tap tx = tap(map.xx * cx + u_row), ty = tap(map.yx * cx + v_row);
        const std::int32_t* wx = w[static_cast<std::size_t>(tx.step)].data();
        const std::int32_t* wy = w[static_cast<std::size_t>(ty.step)].data();
        int xs[4];
        for (int n = 0; n < 4; ++n) xs[n] = 4 * std::clamp(tx.pixel - 1 + n, 0, last_x);
        std::int32_t acc[4] = {0, 0, 0, 0};
        for (int m = 0; m < 4; ++m) {
          const std::uint8_t* row =
              src.data + src.stride * static_cast<std::size_t>(std::clamp(ty.pixel - 1 + m, 0, last_y));
          for (int c = 0; c < 4; ++c) {
            const std::int32_t h =
                wx[0] * row[xs[0] + c] + wx[1] * row[xs[1] + c] + wx[2] * row[xs[2] + c] + wx[3] * row[xs[3] + c];
            // Rounded to 1/64 of a unit: the vertical sum then fits 32 bits.
            acc[c] += wy[m] * ((h + (1 << (kMidShift - 1))) >> kMidShift);
          }
        }
        constexpr int kShift = 2 * kWeightBits - kMidShift;
        for (int c = 0; c < 4; ++c)
          out[c] = static_cast<std::uint8_t>(std::clamp((acc[c] + (1 << (kShift - 1))) >> kShift, 0, 255));
      }
    }
  });
}

}  // namespace khung::detail
