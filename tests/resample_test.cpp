// The resampler is private (libframe/src/photo/resample.hpp): its vector code is
// checked here against its plain code and against Lanczos-3 in doubles, and
// the EXIF turn folded into it against turning the photo first.

#include "photo/orientation.hpp"
#include "photo/photo_source.hpp"
#include "photo/resample.hpp"
#include "photo/trig.hpp"
#include "photo/warp.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using khung::Image;
using khung::detail::AxisMap;
using khung::detail::Simd;

namespace {

Image noise(int width, int height, unsigned seed) {
  Image image(width, height);
  std::mt19937 rng(seed);
  for (int y = 0; y < height; ++y)
    for (int i = 0; i < 4 * width; ++i) image.row(y)[i] = static_cast<std::uint8_t>(rng());
  return image;
}

std::vector<std::uint8_t> run(const Image& src, int width, int height, AxisMap x, AxisMap y) {
  std::vector<std::uint8_t> out(4 * static_cast<std::size_t>(width) * height);
  khung::detail::resample({src.row(0), src.stride(), src.width(), src.height()}, out.data(), 4 * std::size_t(width),
                          width, height, x, y);
  return out;
}

double lanczos3(double t) {
  if (t == 0) return 1;
  if (std::abs(t) >= 3) return 0;
  const double pi = 3.14159265358979323846;
  return 3 * std::sin(pi * t) * std::sin(pi * t / 3) / (pi * pi * t * t);
}

// Weights of output pixel i along one axis, by source index (edges folded).
std::vector<double> weights(int size, AxisMap map, int i) {
  const double stretch = std::max(1.0, 1 / map.scale), centre = map.offset + (i + 0.5) / map.scale;
  std::vector<double> w(size, 0.0);
  double sum = 0;
  for (int j = static_cast<int>(std::floor(centre - 3 * stretch)); j <= std::ceil(centre + 3 * stretch); ++j) {
    const double v = lanczos3((j + 0.5 - centre) / stretch);
    w[std::clamp(j, 0, size - 1)] += v;
    sum += v;
  }
  for (double& v : w) v /= sum;
  return w;
}

struct Case {
  int src_w, src_h, dst_w, dst_h;
  AxisMap x, y;
};

const Case kCases[] = {
    {64, 48, 40, 30, {0, 40.0 / 64}, {0, 30.0 / 48}},   // shrink
    {37, 29, 61, 53, {0, 61.0 / 37}, {0, 53.0 / 29}},   // enlarge, odd sizes
    {100, 80, 33, 17, {10.5, 0.37}, {3.25, 0.41}},       // a shifted window, strong shrink
    {50, 50, 50, 50, {-2.0, 1.0}, {1.75, 1.0}},          // same scale, shifted past the edge
    {9, 7, 70, 3, {0, 70.0 / 9}, {0, 3.0 / 7}},          // tiny source
};

}  // namespace

TEST_CASE("every instruction set gives the same bytes", "[resample]") {
  for (const Case& c : kCases) {
    const Image src = noise(c.src_w, c.src_h, 7u + static_cast<unsigned>(c.src_w));
    const Simd before = khung::detail::use_simd(Simd::Plain);
    const auto plain = run(src, c.dst_w, c.dst_h, c.x, c.y);
    khung::detail::use_simd(Simd::Sse2);
    const auto sse2 = run(src, c.dst_w, c.dst_h, c.x, c.y);
    khung::detail::use_simd(Simd::Avx2);
    const auto avx2 = run(src, c.dst_w, c.dst_h, c.x, c.y);
    khung::detail::use_simd(before);
    CHECK(sse2 == plain);
    CHECK(avx2 == plain);
  }
}

TEST_CASE("resampling is Lanczos-3, widened when shrinking, within one level", "[resample]") {
  for (const Case& c : kCases) {
    const Image src = noise(c.src_w, c.src_h, 11u + static_cast<unsigned>(c.dst_w));
    const auto out = run(src, c.dst_w, c.dst_h, c.x, c.y);
    int worst = 0;
    for (int oy = 0; oy < c.dst_h; ++oy) {
      // The vertical pass first, kept in 8 bits as the library keeps it
      // (Lanczos overshoot beyond 0..255 is clipped there), then across.
      const auto wy = weights(c.src_h, c.y, oy);
      std::vector<double> column(4 * static_cast<std::size_t>(c.src_w));
      for (int sx = 0; sx < c.src_w; ++sx)
        for (int ch = 0; ch < 4; ++ch) {
          double v = 0;
          for (int sy = 0; sy < c.src_h; ++sy) v += wy[sy] * src.row(sy)[4 * sx + ch];
          column[4 * sx + ch] = std::round(std::clamp(v, 0.0, 255.0));
        }
      for (int ox = 0; ox < c.dst_w; ++ox) {
        const auto wx = weights(c.src_w, c.x, ox);
        for (int ch = 0; ch < 4; ++ch) {
          double v = 0;
          for (int sx = 0; sx < c.src_w; ++sx) v += wx[sx] * column[4 * sx + ch];
          const int expected = static_cast<int>(std::lround(std::clamp(v, 0.0, 255.0)));
          const int got = out[(static_cast<std::size_t>(oy) * c.dst_w + ox) * 4 + ch];
          worst = std::max(worst, std::abs(got - expected));
        }
      }
    }
    INFO("case " << c.src_w << "x" << c.src_h << " -> " << c.dst_w << "x" << c.dst_h);
    CHECK(worst <= 1);
  }
}

TEST_CASE("a flat image stays flat at any scale", "[resample]") {
  Image flat(23, 19, {200, 10, 99, 255});
  for (double scale : {0.13, 0.5, 0.77, 1.0, 1.9, 4.2}) {
    const int w = std::max(1, static_cast<int>(23 * scale)), h = std::max(1, static_cast<int>(19 * scale));
    const auto out = run(flat, w, h, {0, scale}, {0, scale});
    for (std::size_t i = 0; i < out.size(); i += 4) {
      REQUIRE(out[i] == 200);
      REQUIRE(out[i + 1] == 10);
      REQUIRE(out[i + 2] == 99);
      REQUIRE(out[i + 3] == 255);
    }
  }
}

TEST_CASE("a stored photo drawn with its orientation folded in matches turning it first", "[resample][orientation]") {
  // A detailed photo (noise, which shows any aliasing; kept within 64..191
  // so that the filter's overshoot is not clipped, which would depend on
  // the order of the passes) with a corner marked, so that every turn is
  // distinct.
  Image upright(300, 200);
  std::mt19937 rng(5);
  for (int y = 0; y < 200; ++y)
    for (int x = 0; x < 300; ++x) {
      std::uint8_t* p = upright.row(y) + 4 * x;
      for (int c = 0; c < 3; ++c) p[c] = static_cast<std::uint8_t>(64 + rng() % 128);
      if (x < 60 && y < 40) p[2] = 191;
      p[3] = 255;
    }
  const khung::WindowMask window = khung::circle_window({20, 30, 150, 150});
  for (int orientation = 1; orientation <= 8; ++orientation) {
    // The stored pixels that `orientation` turns into `upright` (6 and 8
    // undo each other; the others undo themselves).
    const int inverse = orientation == 6 ? 8 : orientation == 8 ? 6 : orientation;
    for (const khung::Placement& placement :
         {khung::Placement{}, khung::Placement{.zoom = 1.7f, .offset_x = 0.3f, .offset_y = -0.2f}}) {
      Image folded(200, 220), turned_first(200, 220);
      const Image stored = khung::detail::apply_orientation(upright, inverse);
      khung::detail::draw_placed(folded, {&stored, orientation, {}}, window, placement, std::nullopt);
      khung::draw_photo(turned_first, upright, window, placement);
      int worst = 0;
      long total = 0;
      for (int y = 0; y < 220; ++y)
        for (int i = 0; i < 4 * 200; ++i) {
          const int d = std::abs(folded.row(y)[i] - turned_first.row(y)[i]);
          worst = std::max(worst, d);
          total += d;
        }
      INFO("orientation " << orientation << ", zoom " << placement.zoom);
      // Only the rounding between the passes differs, and for turns that
      // swap the axes the passes run in the other order: at most 2 then.
      CHECK(worst <= (orientation >= 5 ? 2 : 1));
      CHECK(static_cast<double>(total) / (220 * 4 * 200) < 0.1);
    }
  }
}

TEST_CASE("transpose moves pixel (x, y) to (y, x), for any size and stride", "[resample]") {
  std::mt19937 rng(11);
  for (auto [w, h] : {std::pair{1, 1}, {37, 19}, {16, 16}, {5, 70}}) {
    std::vector<std::uint8_t> src(static_cast<std::size_t>(4 * w + 12) * h);
    for (auto& b : src) b = static_cast<std::uint8_t>(rng());
    const std::size_t dst_stride = 4 * static_cast<std::size_t>(h) + 8;
    std::vector<std::uint8_t> dst(dst_stride * w, 0);
    khung::detail::transpose({src.data(), 4 * static_cast<std::size_t>(w) + 12, w, h}, dst.data(), dst_stride);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 4; ++c) {
          INFO(w << "x" << h << " pixel " << x << "," << y);
          REQUIRE(dst[dst_stride * x + 4 * y + c] == src[(4 * w + 12) * static_cast<std::size_t>(y) + 4 * x + c]);
        }
  }
}

TEST_CASE("sin_pi is the sine to the last bits, and exact at halves", "[resample][trig]") {
  CHECK(khung::detail::sin_pi(0) == 0);
  CHECK(khung::detail::sin_pi(0.5) == 1);
  CHECK(khung::detail::sin_pi(1) == 0);
  CHECK(khung::detail::sin_pi(-1.5) == 1);
  CHECK(khung::detail::cos_pi(1) == -1);
  double worst = 0;
  for (int i = -3000; i <= 3000; ++i) {
    const double x = i / 997.0;
    worst = std::max(worst, std::abs(khung::detail::sin_pi(x) - std::sin(3.14159265358979323846 * x)));
  }
  // std::sin(pi x) carries the rounding of the product pi x itself (up to
  // 2e-15 near |x| = 3, where the filter reaches): the comparison allows it.
  CHECK(worst < 4e-15);
}

TEST_CASE("the affine warp reproduces pixels at whole-pixel shifts and blends between them", "[resample][warp]") {
  Image src(40, 30);
  std::mt19937 rng(11);
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 40; ++x)
      for (int c = 0; c < 4; ++c) src.row(y)[4 * x + c] = static_cast<std::uint8_t>(rng() % 256);
  const khung::detail::PixelsView view{src.row(0), src.stride(), 40, 30};
  // Output (i, j) reads source (i + 3, j + 2): every tap but the centre one
  // weighs 0, so the pixels come through exactly.
  Image out(30, 20);
  khung::detail::warp_affine(view, out.row(0), out.stride(), 30, 20, {1, 0, 3, 0, 1, 2});
  for (int y = 0; y < 20; ++y) CHECK(std::memcmp(out.row(y), src.row(y + 2) + 4 * 3, 4 * 30) == 0);
  // A flat image stays flat at any position and turn (weights sum to one).
  Image flat(40, 30);
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 40; ++x) std::memcpy(flat.row(y) + 4 * x, "\x50\xA0\x20\xFF", 4);
  const double c = std::cos(0.3), s = std::sin(0.3);
  khung::detail::warp_affine({flat.row(0), flat.stride(), 40, 30}, out.row(0), out.stride(), 30, 20,
                             {c, s, 2.3, -s, c, 9.7});
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 30; ++x) CHECK(std::memcmp(out.row(y) + 4 * x, "\x50\xA0\x20\xFF", 4) == 0);
}
