#include "khung/codec.hpp"
#include "khung/error.hpp"
#include "khung/image.hpp"
#include "khung/photo.hpp"

#include <catch2/catch.hpp>

#include "overlays.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace khung;

namespace {

constexpr double kPi = 3.14159265358979323846;

Image astronaut() { return read_image(std::string(KHUNG_SOURCE_DIR) + "/assets/photos/astronaut.png"); }

void set_pixel(Image& img, int x, int y, Color c) {
  std::uint8_t* p = img.row(y) + 4 * x;
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
  p[3] = c.a;
}

std::uint8_t at(const WindowMask& m, int x, int y) {  // canvas coordinates
  if (x < m.rect.x || y < m.rect.y || x >= m.rect.right() || y >= m.rect.bottom()) return 0;
  return m.coverage[static_cast<std::size_t>(y - m.rect.y) * m.rect.width + (x - m.rect.x)];
}

double area(const WindowMask& m) {
  double sum = 0;
  for (std::uint8_t c : m.coverage) sum += c;
  return sum / 255;
}

// A photo whose every pixel is opaque and differs from its neighbours, so a
// transparent or misplaced pixel shows.
Image pattern_photo(int w, int h) {
  Image img(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      set_pixel(img, x, y, {static_cast<std::uint8_t>(x * 7), static_cast<std::uint8_t>(y * 5), 128, 255});
  return img;
}

// Fraction of a circle of radius r about (cx, cy) inside pixel (x, y),
// by 16 x 16 point sampling: the test's own ruler, independent of the library.
double circle_fraction(int x, int y, double cx, double cy, double r) {
  int inside = 0;
  for (int j = 0; j < 16; ++j)
    for (int i = 0; i < 16; ++i) {
      double dx = x + (i + 0.5) / 16 - cx, dy = y + (j + 0.5) / 16 - cy;
      inside += dx * dx + dy * dy <= r * r;
    }
  return inside / 256.0;
}

struct Centroid {
  double x = 0, y = 0, weight = 0;
};

// Centre of the pixels of one colour (within a tolerance) in a region.
Centroid centroid_of(const Image& img, const Rect& r, Color c, int tol = 40) {
  Centroid out;
  for (int y = r.y; y < r.bottom(); ++y)
    for (int x = r.x; x < r.right(); ++x) {
      Color p = img.pixel(x, y);
      if (std::abs(p.r - c.r) <= tol && std::abs(p.g - c.g) <= tol && std::abs(p.b - c.b) <= tol &&
          p.a > 200) {
        out.x += x + 0.5;
        out.y += y + 0.5;
        out.weight += 1;
      }
    }
  if (out.weight > 0) {
    out.x /= out.weight;
    out.y /= out.weight;
  }
  return out;
}

bool near(Color a, Color b, int tol) {
  return std::abs(a.r - b.r) <= tol && std::abs(a.g - b.g) <= tol && std::abs(a.b - b.b) <= tol &&
         std::abs(a.a - b.a) <= tol;
}

}  // namespace

TEST_CASE("a circle window has the area of its circle and a soft edge", "[window]") {
  WindowMask m = circle_window({10, 20, 200, 200});
  CHECK(m.rect == Rect{10, 20, 200, 200});
  REQUIRE(m.coverage.size() == 200u * 200u);
  CHECK(area(m) == Approx(kPi * 100 * 100).epsilon(0.001));
  CHECK(at(m, 110, 120) == 255);
  CHECK(at(m, 10, 20) == 0);
  CHECK(at(m, 209, 219) == 0);
  // Every pixel's coverage matches the true fraction of the circle in it.
  int partial = 0;
  double worst = 0;
  for (int y = 20; y < 220; ++y)
    for (int x = 10; x < 210; ++x) {
      double want = circle_fraction(x, y, 110, 120, 100);
      worst = std::max(worst, std::abs(at(m, x, y) / 255.0 - want));
      partial += at(m, x, y) > 0 && at(m, x, y) < 255;
    }
  CHECK(worst < 0.07);
  CHECK(partial > 2 * kPi * 100 * 0.8);  // about one partial pixel per pixel of circumference
  // Symmetric about both axes.
  for (int i = 0; i < 200; i += 7) {
    CHECK(at(m, 10 + i, 100) == at(m, 209 - i, 100));
    CHECK(at(m, 100, 20 + i) == at(m, 100, 219 - i));
  }
}

TEST_CASE("a circle window in a wide rectangle is an ellipse", "[window]") {
  WindowMask m = circle_window({0, 0, 300, 100});
  CHECK(area(m) == Approx(kPi * 150 * 50).epsilon(0.001));
  CHECK(at(m, 150, 50) == 255);
  CHECK(at(m, 2, 50) > 0);   // reaches the left and right sides
  CHECK(at(m, 150, 1) > 0);  // and the top
  CHECK(at(m, 10, 10) == 0);
  CHECK(circle_window({5, 5, 0, 10}).coverage.empty());
  CHECK_THROWS_AS(circle_window({0, 0, 100000, 100000}), Error);
}

TEST_CASE("a rect window rounds its corners", "[window]") {
  WindowMask square = rect_window({-4, 3, 100, 80});
  CHECK(area(square) == Approx(100 * 80));
  for (std::uint8_t c : square.coverage) REQUIRE(c == 255);

  WindowMask m = rect_window({0, 0, 100, 80}, 20);
  CHECK(area(m) == Approx(100 * 80 - (4 - kPi) * 20 * 20).epsilon(0.001));
  for (auto [x, y] : {std::pair{0, 0}, {99, 0}, {0, 79}, {99, 79}, {3, 3}}) CHECK(at(m, x, y) == 0);
  CHECK(at(m, 50, 0) == 255);  // straight edges stay whole
  CHECK(at(m, 0, 40) == 255);
  CHECK(at(m, 20, 20) == 255);
  // On the corner's diagonal the edge is soft: r (1 - 1/sqrt 2) = 5.86 px in.
  CHECK(at(m, 5, 5) > 0);
  CHECK(at(m, 5, 5) < 255);
  CHECK(at(m, 7, 7) == 255);

  // The radius is clamped to half the shorter side: a stadium.
  WindowMask stadium = rect_window({0, 0, 100, 80}, 500);
  CHECK(area(stadium) == Approx(100 * 80 - (4 - kPi) * 40 * 40).epsilon(0.001));
}

TEST_CASE("an auto window is the overlay's largest hole", "[window]") {
  // An opaque frame with an anti-aliased round hole and a smaller square hole.
  const double cx = 170.3, cy = 140.6, r = 90;
  Image overlay(400, 300, {200, 30, 30, 255});
  for (int y = 0; y < 300; ++y)
    for (int x = 0; x < 400; ++x) {
      double f = circle_fraction(x, y, cx, cy, r);
      overlay.row(y)[4 * x + 3] = static_cast<std::uint8_t>(std::lround(255 * (1 - f)));
    }
  for (int y = 20; y < 50; ++y)
    for (int x = 320; x < 380; ++x) overlay.row(y)[4 * x + 3] = 0;

  WindowMask m = find_window(overlay);
  CHECK(std::abs(m.rect.x + m.rect.width / 2.0 - cx) <= 2);
  CHECK(std::abs(m.rect.y + m.rect.height / 2.0 - cy) <= 2);
  CHECK(std::abs(m.rect.width / 2.0 - r) <= 2);
  CHECK(std::abs(m.rect.height / 2.0 - r) <= 2);
  CHECK(area(m) == Approx(kPi * r * r).epsilon(0.03));
  CHECK(at(m, 170, 140) == 255);
  CHECK(at(m, 350, 35) == 0);  // the smaller hole is not the window
  CHECK(at(m, 170, 140 - 95) == 0);

  // No gap: wherever the overlay lets anything through near the hole, the
  // photo is fully under it, so photo then overlay leave no background.
  for (int y = 0; y < 300; ++y)
    for (int x = 0; x < 400; ++x) {
      if (std::hypot(x + 0.5 - cx, y + 0.5 - cy) > r + 1) continue;
      int a = overlay.pixel(x, y).a;
      INFO("pixel " << x << "," << y);
      REQUIRE(a + at(m, x, y) * (255 - a) / 255 >= 254);
    }
}

TEST_CASE("auto window holes join along edges, not at corners; two alike are an error", "[window]") {
  auto with_holes = [](std::initializer_list<Rect> holes) {
    Image overlay(20, 20, {0, 0, 0, 255});
    for (const Rect& r : holes) overlays::rect(overlay, r, false);
    return overlay;
  };
  // A 3x3 hole touching a 5x5 one at a corner: two holes, the larger is the
  // window, and of the smaller only its corner pixel lies within reach
  // (2 px, centre to centre) of it.
  WindowMask m = find_window(with_holes({{1, 1, 3, 3}, {4, 4, 5, 5}}));
  CHECK(m.rect == Rect{3, 3, 6, 6});
  CHECK(at(m, 3, 3) == 255);
  CHECK(at(m, 3, 5) == 0);  // opaque, though within reach
  // Sharing an edge, they are one hole.
  CHECK(find_window(with_holes({{2, 2, 3, 3}, {5, 4, 4, 4}})).rect == Rect{2, 2, 7, 6});
  // Two holes of which neither is clearly the larger: 'auto' does not guess.
  const Image two = with_holes({{2, 12, 3, 3}, {12, 2, 3, 2}});
  CHECK_THROWS_AS(find_window(two), Error);
  CHECK_THROWS_WITH(find_window(two),
        "overlay: has two enclosed transparent holes of similar size, at [2, 12, 3, 3] and [12, 2, 3, 2], and "
        "'auto' cannot tell which is the window; give the photo layer its window explicitly: "
        "{\"shape\": \"circle\", \"box\": [x, y, width, height]} or "
        "{\"shape\": \"rect\", \"box\": [x, y, width, height], \"radius\": r}");
}

TEST_CASE("a round badge's window is its hole, not the larger transparent surround", "[window]") {
  // A disc of radius 500 with a hole of 200 on a 1080 canvas: 381 000 px of
  // transparent surround against 126 000 of hole.
  WindowMask m = find_window(overlays::badge(1080, 500, 200));
  CHECK(m.rect == Rect{340, 340, 400, 400});
  CHECK(area(m) == Approx(kPi * 200 * 200).epsilon(0.01));
  CHECK(at(m, 540, 540) == 255);
  CHECK(at(m, 5, 5) == 0);        // a corner of the surround
  CHECK(at(m, 540, 1075) == 0);   // below the disc
  // A disc touching the canvas edges leaves four corners, each larger than
  // the hole: still the hole.
  m = find_window(overlays::badge(1080, 540, 120));
  CHECK(m.rect == Rect{420, 420, 240, 240});
  CHECK(at(m, 2, 2) == 0);
  // A disc cut by the canvas edges: the art runs along the edge where it
  // is cut, and the hole is larger than a corner.
  m = find_window(overlays::badge(1080, 600, 300));
  CHECK(m.rect == Rect{240, 240, 600, 600});
}

TEST_CASE("a ribbon or an emblem along the edge: the photo shows everywhere else", "[window]") {
  // A ribbon along the bottom with the counters of its lettering cut out.
  Image ribbon = overlays::ribbon(1080, 1080, 270);
  overlays::rect(ribbon, {100, 900, 20, 30}, false);
  overlays::rect(ribbon, {300, 900, 24, 40}, false);
  WindowMask m = find_window(ribbon);
  // The open area, and 2 px under the ribbon's edge: its edge is hard, so
  // the coverage stops at the ribbon.
  CHECK(m.rect == Rect{0, 0, 1080, 810});
  CHECK(at(m, 540, 400) == 255);
  CHECK(at(m, 0, 0) == 255);
  CHECK(at(m, 110, 910) == 0);  // a letter's counter is not the window
  // An emblem in a corner.
  Image emblem = overlays::clear(1080, 1080);
  overlays::rect(emblem, {880, 880, 200, 200}, true);
  m = find_window(emblem);
  CHECK(m.rect == Rect{0, 0, 1080, 1080});
  CHECK(area(m) == Approx(1080.0 * 1080 - 200 * 200));
  // A fully transparent overlay frames nothing: all of it is window.
  CHECK(find_window(overlays::clear(40, 30)).rect == Rect{0, 0, 40, 30});
}

TEST_CASE("an overlay that leaves the window unclear is an error asking for an explicit one", "[window]") {
  const std::string give =
      "; give the photo layer its window explicitly: {\"shape\": \"circle\", \"box\": [x, y, width, height]} or "
      "{\"shape\": \"rect\", \"box\": [x, y, width, height], \"radius\": r}";
  // A badge without a hole: only its surround is transparent.
  const Image holeless = overlays::badge(1080, 500, 0);
  CHECK_THROWS_AS(find_window(holeless), Error);
  CHECK_THROWS_WITH(find_window(holeless),
        "overlay: has no enclosed transparent hole, and its transparent area [0, 0, 1080, 1080] surrounds the art "
        "(as the outside of a round badge does) rather than being framed by it, so 'auto' finds no window" + give);
  // A badge whose hole is a mere letter's counter: the same.
  Image tiny = overlays::badge(1080, 500, 0);
  overlays::rect(tiny, {530, 530, 20, 30}, false);
  CHECK_THROWS_WITH(find_window(tiny), Catch::Matchers::StartsWith("overlay: has no enclosed transparent hole"));
  // Two round holes of similar size in an opaque card.
  Image card(1080, 540, overlays::kArt);
  overlays::disc(card, 270, 270, 200, false);
  overlays::disc(card, 810, 270, 190, false);
  CHECK_THROWS_WITH(find_window(card),
        "overlay: has two enclosed transparent holes of similar size, at [70, 70, 400, 400] and [620, 80, 380, 380], "
        "and 'auto' cannot tell which is the window" + give);
  // A ribbon holding a hole of some size: that hole, or the open area?
  Image ribbon = overlays::ribbon(1080, 1080, 270);
  overlays::rect(ribbon, {465, 880, 150, 100}, false);
  CHECK_THROWS_WITH(find_window(ribbon),
        "overlay: leaves 'auto' unsure whether the window is the enclosed hole at [465, 880, 150, 100] or the open "
        "area at [0, 0, 1080, 810] along the canvas edge" + give);
}

TEST_CASE("an overlay without a hole is a template error", "[window]") {
  Image opaque(50, 40, {0, 0, 0, 255});
  try {
    find_window(opaque);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Template);
    CHECK(std::string(e.what()) == "overlay: has no transparent hole for an auto photo window");
  }
  CHECK_THROWS_AS(find_window(Image()), Error);
  // Alpha 128 and above is frame, not hole.
  CHECK_THROWS_AS(find_window(Image(20, 20, {0, 0, 0, 128})), Error);
  CHECK(find_window(Image(20, 20, {0, 0, 0, 127})).rect == Rect{0, 0, 20, 20});
}

TEST_CASE("placement values are checked with the field and range named", "[placement]") {
  auto message = [](const Placement& p) {
    try {
      validate(p);
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
      return std::string(e.what());
    }
    return std::string("valid");
  };
  CHECK(message({}) == "valid");
  CHECK(message({.zoom = 10, .offset_x = -1, .offset_y = 1, .rotate = -360}) == "valid");
  CHECK(message({.zoom = 0.5f}) == "zoom 0.5: must be between 1 and 10");
  CHECK(message({.zoom = 10.5f}) == "zoom 10.5: must be between 1 and 10");
  CHECK(message({.offset_x = 1.5f}) == "offset_x 1.5: must be between -1 and 1");
  CHECK(message({.offset_y = -2}) == "offset_y -2: must be between -1 and 1");
  CHECK(message({.rotate = 361}) == "rotate 361: must be between -360 and 360");
  CHECK(message({.zoom = NAN}) == "zoom nan: must be between 1 and 10");
  CHECK(message({.offset_x = INFINITY}) == "offset_x inf: must be between -1 and 1");
  Image canvas(10, 10);
  CHECK_THROWS_AS(draw_photo(canvas, pattern_photo(10, 10), rect_window({0, 0, 10, 10}), {.zoom = 0}), Error);
  CHECK_THROWS_AS(draw_photo(canvas, Image(), rect_window({0, 0, 10, 10}), {}), Error);
  WindowMask torn = rect_window({0, 0, 10, 10});
  torn.coverage.pop_back();
  CHECK_THROWS_AS(draw_photo(canvas, pattern_photo(10, 10), torn, {}), Error);
}

TEST_CASE("photo_cover_size is the rotated window's box times zoom", "[placement]") {
  CHECK(photo_cover_size({0, 0, 100, 50}, {}) == Size{100, 50});
  CHECK(photo_cover_size({7, 9, 100, 50}, {.zoom = 1.5f}) == Size{150, 75});
  CHECK(photo_cover_size({0, 0, 100, 50}, {.rotate = 90}) == Size{50, 100});
  CHECK(photo_cover_size({0, 0, 100, 50}, {.rotate = -90}) == Size{50, 100});
  CHECK(photo_cover_size({0, 0, 100, 50}, {.rotate = 180}) == Size{100, 50});
  CHECK(photo_cover_size({0, 0, 100, 50}, {.rotate = 360}) == Size{100, 50});
  // 150 / sqrt(2) = 106.07, rounded up.
  CHECK(photo_cover_size({0, 0, 100, 50}, {.rotate = 45}) == Size{107, 107});
  CHECK(photo_cover_size({0, 0, 100, 100}, {.zoom = 2, .rotate = 30}) == Size{274, 274});
  CHECK(photo_cover_size({0, 0, 1000, 1000}, {.zoom = 1.1f}) == Size{1100, 1100});
  CHECK_THROWS_AS(photo_cover_size({0, 0, 10, 10}, {.zoom = 11}), Error);
}

TEST_CASE("a placed photo covers the whole window", "[placement]") {
  const Rect window{5, 7, 120, 90};
  for (Size photo_size : {Size{300, 200}, Size{200, 300}, Size{64, 64}, Size{1000, 50}, Size{37, 400}}) {
    Image photo = pattern_photo(photo_size.width, photo_size.height);
    for (float zoom : {1.0f, 1.7f, 10.0f})
      for (float rotate : {0.0f, 17.0f, 45.0f, 90.0f, -133.0f, 360.0f})
        for (auto [ox, oy] :
             {std::pair{0.0f, 0.0f}, {1.0f, 1.0f}, {-1.0f, -1.0f}, {1.0f, -1.0f}, {-0.3f, 0.6f}}) {
          Image canvas(140, 110);
          draw_photo(canvas, photo, rect_window(window), {zoom, ox, oy, rotate});
          int holes = 0, spill = 0;
          for (int y = 0; y < canvas.height(); ++y)
            for (int x = 0; x < canvas.width(); ++x) {
              bool inside = x >= window.x && x < window.right() && y >= window.y && y < window.bottom();
              if (inside)
                holes += canvas.pixel(x, y).a != 255;
              else
                spill += canvas.pixel(x, y).a != 0;
            }
          INFO("photo " << photo_size.width << "x" << photo_size.height << " zoom " << zoom << " rotate "
                        << rotate << " offset " << ox << "," << oy);
          CHECK(holes == 0);
          CHECK(spill == 0);
        }
  }
}

TEST_CASE("a known part of the photo lands where expected", "[placement]") {
  const Color red{255, 0, 0, 255}, green{0, 255, 0, 255}, blue{0, 0, 255, 255}, white{255, 255, 255, 255};
  Image photo(200, 200);
  for (int y = 0; y < 200; ++y)
    for (int x = 0; x < 200; ++x)
      set_pixel(photo, x, y, y < 100 ? (x < 100 ? red : green) : (x < 100 ? blue : white));
  const Rect window{50, 50, 100, 100};
  auto quadrants = [&](float rotate) {
    Image canvas(200, 200);
    draw_photo(canvas, photo, rect_window(window), {.rotate = rotate});
    return std::vector<Color>{canvas.pixel(75, 75), canvas.pixel(125, 75), canvas.pixel(75, 125),
                              canvas.pixel(125, 125)};
  };
  CHECK(quadrants(0) == std::vector<Color>{red, green, blue, white});
  // A quarter turn clockwise: the top left goes to the top right.
  CHECK(quadrants(90) == std::vector<Color>{blue, red, white, green});
  CHECK(quadrants(-90) == std::vector<Color>{green, white, red, blue});
  CHECK(quadrants(180) == std::vector<Color>{white, blue, green, red});

  // Halved exactly: the quadrant edge sits between the window's two middle
  // columns, so the filter mixes them as mirror images (a half-pixel shift
  // would make one of them purer than the other), and a few pixels away the
  // quadrants are pure.
  Image canvas(200, 200);
  draw_photo(canvas, photo, rect_window(window), {});
  const Color left = canvas.pixel(99, 60), right = canvas.pixel(100, 60);
  CHECK(left.r > 200);
  CHECK(right.g > 200);
  CHECK(left.r == right.g);
  CHECK(left.g == right.r);
  CHECK(canvas.pixel(96, 60) == red);
  CHECK(canvas.pixel(103, 60) == green);
  CHECK(canvas.pixel(50, 50) == red);
  CHECK(canvas.pixel(149, 149) == white);
}

TEST_CASE("offsets move the photo right and down", "[placement]") {
  // A 260 x 100 photo in a 100 x 100 window: scale 1, room to move 80 px
  // either way. Red up to x = 130, blue after; the first column green, the
  // last yellow.
  Image wide(260, 100);
  for (int y = 0; y < 100; ++y)
    for (int x = 0; x < 260; ++x)
      set_pixel(wide, x, y,
                x == 0     ? Color{0, 255, 0, 255}
                : x == 259 ? Color{255, 255, 0, 255}
                : x < 130  ? Color{255, 0, 0, 255}
                           : Color{0, 0, 255, 255});
  auto render = [&](float offset_x) {
    Image canvas(100, 100);
    draw_photo(canvas, wide, rect_window({0, 0, 100, 100}), {.offset_x = offset_x});
    return canvas;
  };
  auto edge_x = [&](float offset_x) {  // first window column that is blue
    Image canvas = render(offset_x);
    for (int x = 0; x < 100; ++x)
      if (canvas.pixel(x, 50).b > 128) return x;
    return 100;
  };
  CHECK(edge_x(0) == 50);
  CHECK(edge_x(0.3f) == 80);
  CHECK(edge_x(-0.25f) == 25);
  // Clamped: offset 1 asks for 100 px, the photo has room for 80, so its
  // first column lands on the window's first and nothing shows beyond it.
  Image right = render(1);
  CHECK(right.pixel(0, 50) == Color{0, 255, 0, 255});
  CHECK(right.pixel(1, 50) == Color{255, 0, 0, 255});
  Image left = render(-1);
  CHECK(left.pixel(99, 50) == Color{255, 255, 0, 255});
  CHECK(left.pixel(98, 50) == Color{0, 0, 255, 255});

  Image tall(100, 400);
  for (int y = 0; y < 400; ++y)
    for (int x = 0; x < 100; ++x)
      set_pixel(tall, x, y, y < 200 ? Color{255, 0, 0, 255} : Color{0, 0, 255, 255});
  Image canvas(100, 100);
  draw_photo(canvas, tall, rect_window({0, 0, 100, 100}), {.offset_y = 0.2f});
  CHECK(canvas.pixel(50, 69).r > 200);
  CHECK(canvas.pixel(50, 70).b > 200);

  // Offsets are along the canvas axes even when the photo is turned.
  Image turned(100, 100);
  draw_photo(turned, tall, rect_window({0, 0, 100, 100}), {.offset_x = 0.2f, .rotate = 90});
  CHECK(turned.pixel(69, 50).b > 200);  // a quarter turn puts the photo's top on the right
  CHECK(turned.pixel(70, 50).r > 200);
}

TEST_CASE("zoom enlarges about the focus and shrinking does not alias", "[placement]") {
  // Stripes one pixel wide shrunk 7.3 times: area averaging gives an even
  // grey (3 or 4 white pixels of every 7.3), point sampling would give
  // anything from black to white.
  Image stripes(730, 730);
  for (int y = 0; y < 730; ++y)
    for (int x = 0; x < 730; ++x)
      set_pixel(stripes, x, y, x % 2 ? Color{255, 255, 255, 255} : Color{0, 0, 0, 255});
  Image canvas(100, 100);
  draw_photo(canvas, stripes, rect_window({0, 0, 100, 100}), {});
  for (int x = 2; x < 98; ++x) {
    INFO("x " << x);
    REQUIRE(std::abs(canvas.pixel(x, 50).g - 128) <= 20);
  }

  // A centred dot of 20 px in a 200 px photo, zoom 3 into a 100 px window:
  // scale 1.5, so 30 px across the window's centre.
  Image dot(200, 200, {255, 255, 255, 255});
  for (int y = 90; y < 110; ++y)
    for (int x = 90; x < 110; ++x) set_pixel(dot, x, y, {0, 0, 0, 255});
  Image zoomed(100, 100);
  draw_photo(zoomed, dot, rect_window({0, 0, 100, 100}), {.zoom = 3});
  Centroid c = centroid_of(zoomed, {0, 0, 100, 100}, {0, 0, 0, 255}, 100);
  CHECK(c.x == Approx(50).margin(0.5));
  CHECK(c.y == Approx(50).margin(0.5));
  CHECK(c.weight == Approx(30 * 30).epsilon(0.1));
}

TEST_CASE("the photo composites through the window with its own alpha", "[composite]") {
  const Color blue{0, 0, 255, 255};
  // Left half transparent (with a green that must never show), right half
  // opaque red.
  Image photo(100, 100, {0, 255, 0, 0});
  for (int y = 0; y < 100; ++y)
    for (int x = 50; x < 100; ++x) set_pixel(photo, x, y, {255, 0, 0, 255});
  Image canvas(100, 100, blue);
  draw_photo(canvas, photo, rect_window({0, 0, 100, 100}), {});
  CHECK(canvas.pixel(20, 50) == blue);
  CHECK(canvas.pixel(49, 50) == blue);
  CHECK(canvas.pixel(50, 50) == Color{255, 0, 0, 255});
  // Shrunk, the edge pixels mix red and transparent: premultiplied
  // resampling keeps them pure red over blue, with no green fringe.
  Image shrunk(73, 73, blue);
  draw_photo(shrunk, photo, rect_window({0, 0, 73, 73}), {});
  int mixed = 0;
  for (int x = 0; x < 73; ++x) {
    Color p = shrunk.pixel(x, 36);
    INFO("x " << x);
    CHECK(p.g == 0);
    CHECK(p.r + p.b >= 253);
    mixed += p.r > 10 && p.b > 10;
  }
  CHECK(mixed >= 1);

  // Half-transparent red over blue, and over nothing.
  Image half(40, 40, {255, 0, 0, 128});
  Image over_blue(40, 40, blue);
  draw_photo(over_blue, half, rect_window({0, 0, 40, 40}), {});
  CHECK(near(over_blue.pixel(20, 20), {128, 0, 127, 255}, 1));
  Image over_nothing(40, 40);
  draw_photo(over_nothing, half, rect_window({0, 0, 40, 40}), {});
  CHECK(near(over_nothing.pixel(20, 20), {255, 0, 0, 128}, 1));

  // The window's soft edge: coverage scales the photo's alpha.
  Image soft(200, 200);
  WindowMask circle = circle_window({0, 0, 200, 200});
  draw_photo(soft, pattern_photo(50, 50), circle, {});
  for (int y = 0; y < 200; y += 3)
    for (int x = 0; x < 200; x += 3) REQUIRE(std::abs(soft.pixel(x, y).a - at(circle, x, y)) <= 1);
}

TEST_CASE("a window partly off the canvas draws only what is on it", "[composite]") {
  Image photo(120, 90);
  for (int y = 0; y < 90; ++y)
    for (int x = 0; x < 120; ++x)
      set_pixel(photo, x, y, {static_cast<std::uint8_t>(2 * x), static_cast<std::uint8_t>(2 * y), 90, 255});
  for (float zoom : {1.0f, 3.0f}) {  // shrunk, enlarged
    const int side = zoom > 1 ? 150 : 50;
    Image reference(300, 300);
    draw_photo(reference, photo, circle_window({120, 120, side, side}), {.zoom = zoom, .rotate = 20});
    // The same window 140 px up and left: its visible part matches.
    Image clipped(300, 300);
    draw_photo(clipped, photo, circle_window({-20, -20, side, side}), {.zoom = zoom, .rotate = 20});
    int worst = 0;
    for (int y = 0; y < 160; ++y)
      for (int x = 0; x < 160; ++x)
        for (int c = 0; c < 4; ++c)
          worst = std::max(worst,
                           std::abs(clipped.row(y)[4 * x + c] - reference.row(y + 140)[4 * (x + 140) + c]));
    INFO("zoom " << zoom);
    CHECK(worst <= 2);
  }
  Image untouched(50, 50);
  draw_photo(untouched, photo, circle_window({60, 60, 40, 40}), {});
  draw_photo(untouched, photo, circle_window({-100, 0, 40, 40}), {});
  CHECK(untouched == Image(50, 50));
}

TEST_CASE("the astronaut's face is found", "[face]") {
  Image photo = astronaut();
  std::optional<Rect> face = detect_face(photo);
  REQUIRE(face);
  // Eileen Collins' face is in the upper middle of the 512 x 512 portrait.
  INFO("face " << face->x << "," << face->y << " " << face->width << "x" << face->height);
  CHECK(face->width >= 60);
  CHECK(face->width <= 200);
  CHECK(face->x + face->width / 2 > 150);
  CHECK(face->x + face->width / 2 < 300);
  CHECK(face->y + face->height / 2 < 200);
  CHECK(Rect{0, 0, 512, 512}.contains(*face));

  CHECK_FALSE(detect_face(Image(300, 200, {128, 128, 128, 255})));
  CHECK_FALSE(detect_face(Image(10, 7, {128, 128, 128, 255})));
  CHECK_FALSE(detect_face(Image()));
}

TEST_CASE("faces are found from several threads at once", "[face]") {
  const Image photo = astronaut();
  const std::optional<Rect> alone = detect_face(photo);
  REQUIRE(alone);
  std::vector<std::optional<Rect>> found(12);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 12; i += 4) found[i] = detect_face(photo);
    });
  for (std::thread& t : threads) t.join();
  for (const std::optional<Rect>& f : found) CHECK(f == alone);
}

TEST_CASE("focus: face puts the face nearer the window centre", "[face]") {
  Image photo = astronaut();
  const Rect window{20, 20, 240, 240};
  auto face_offset = [&](Focus focus) {
    Image canvas(280, 280, {255, 255, 255, 255});
    // Zoom 2.5 leaves room to centre the face (its centre is 113 px from
    // the photo's top, and the window then shows 102 px either side).
    draw_photo(canvas, photo, circle_window(window), {.zoom = 2.5f, .focus = focus});
    std::optional<Rect> face = detect_face(canvas);
    if (!face) return 1e9;  // the face left the window
    return std::hypot(face->x + face->width / 2.0 - 140, face->y + face->height / 2.0 - 140);
  };
  double centred = face_offset(Focus::Center), on_face = face_offset(Focus::Face);
  INFO("centre focus: face " << centred << " px from the window centre; face focus: " << on_face);
  CHECK(on_face < 12);
  CHECK(on_face < centred - 40);
}

TEST_CASE("a missing face cascade is an I/O error naming it", "[face]") {
  ::setenv("KHUNG_CASCADE", "/nonexistent/cascade.xml", 1);
  try {
    detect_face(Image(100, 100, {128, 128, 128, 255}));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Io);
    CHECK(std::string(e.what()) ==
          "face cascade '/nonexistent/cascade.xml': not found (install opencv-data or set KHUNG_CASCADE)");
  }
  ::unsetenv("KHUNG_CASCADE");
  CHECK_FALSE(detect_face(Image(100, 100, {128, 128, 128, 255})));
}

TEST_CASE("settle brings offsets back to where the photo stops moving, and draws the same", "[photo][settle]") {
  using namespace khung;
  // 1200x900 in an 800x800 window: scaled by 8/9 to 1067x800, so it can
  // move 133 px either way across and not at all down.
  const Rect window{0, 0, 800, 800};
  const Placement far = settle({1200, 900}, window, {.offset_x = 1, .offset_y = -0.5f});
  CHECK(far.offset_x == Approx(1.0 / 6).epsilon(1e-5));
  CHECK(far.offset_y == Approx(0).margin(1e-6));
  const Placement inside{.zoom = 1.5f, .offset_x = 0.05f, .offset_y = -0.1f, .rotate = 17};
  const Placement kept = settle({1200, 900}, window, inside);
  CHECK(kept.offset_x == Approx(inside.offset_x).margin(1e-6));
  CHECK(kept.offset_y == Approx(inside.offset_y).margin(1e-6));
  // Settled, a placement far past the edge draws what it drew.
  Image photo(1200, 900);
  for (int y = 0; y < 900; ++y)
    for (int x = 0; x < 1200; ++x) {
      std::uint8_t* p = photo.row(y) + 4 * x;
      p[0] = static_cast<std::uint8_t>(x * 255 / 1199);
      p[1] = static_cast<std::uint8_t>(y * 255 / 899);
      p[2] = static_cast<std::uint8_t>((x ^ y) & 0xFF);
      p[3] = 255;
    }
  const WindowMask mask = circle_window(window);
  for (const Placement& p : {Placement{.offset_x = 1, .offset_y = -0.5f},
                             Placement{.zoom = 1.2f, .offset_x = -0.9f, .offset_y = 0.8f, .rotate = 33}}) {
    Image a(800, 800), b(800, 800);
    draw_photo(a, photo, mask, p);
    draw_photo(b, photo, mask, settle({1200, 900}, window, p));
    int worst = 0;
    for (int y = 0; y < 800; ++y)
      for (int i = 0; i < 4 * 800; ++i) worst = std::max(worst, std::abs(a.row(y)[i] - b.row(y)[i]));
    INFO("rotate " << p.rotate);
    CHECK(worst <= 1);  // the anchor found again from the offsets, to rounding
  }
  CHECK_THROWS_WITH(settle({1200, 900}, window, {.zoom = 0}), "zoom 0: must be between 1 and 10");
}
