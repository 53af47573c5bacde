#include "khung/codec.hpp"
#include "khung/frame_overlay.hpp"
#include "khung/image.hpp"

#include <catch2/catch.hpp>

#include "overlays.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace khung;

namespace {

// A ring frame: opaque art with a round hole of `radius` at the centre.
Image ring(int width, int height, double radius) {
  Image img = overlays::clear(width, height);
  overlays::rect(img, {0, 0, width, height}, true);
  overlays::disc(img, width / 2.0, height / 2.0, radius, false);
  return img;
}

// The messages of the problems, in order.
std::vector<std::string> messages(const OverlayCheck& check) {
  std::vector<std::string> out;
  for (const OverlayProblem& p : check.problems) out.push_back(p.message);
  return out;
}

}  // namespace

TEST_CASE("a square 1080 px ring with a large hard-edged hole has no problem", "[frame_overlay]") {
  const OverlayCheck c = check_frame_overlay(ring(1080, 1080, 400));
  CHECK(c.problems.empty());
  CHECK(c.usable());
  REQUIRE(c.window);
  CHECK(c.hole == Rect{140, 140, 800, 800});
  // pi 400^2, to the pixel's rounding at the circle's edge.
  CHECK(std::abs(static_cast<double>(c.hole_area) - 3.14159265 * 400 * 400) < 2 * 3.1416 * 400);
  CHECK(c.edge_fade == 0);
}

TEST_CASE("an overlay without a hole is refused with find_window's reason", "[frame_overlay]") {
  Image opaque = overlays::clear(1080, 1080);
  overlays::rect(opaque, {0, 0, 1080, 1080}, true);
  const OverlayCheck c = check_frame_overlay(opaque);
  CHECK_FALSE(c.usable());
  CHECK_FALSE(c.window);
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].kind == OverlayProblemKind::NoHole);
  CHECK(c.problems[0].blocking);
  CHECK(c.problems[0].message == "the overlay has no transparent hole for an auto photo window");

  // A badge standing free has transparent pixels but no window either.
  const OverlayCheck badge = check_frame_overlay(overlays::badge(1080, 500, 0));
  CHECK_FALSE(badge.usable());
  REQUIRE(badge.problems.size() == 1);
  CHECK_THAT(badge.problems[0].message, Catch::Matchers::StartsWith("the overlay has no enclosed transparent hole"));

  // So has an empty image, and its size is not advised on.
  CHECK(messages(check_frame_overlay(Image())) ==
        std::vector<std::string>{"the overlay has no transparent hole for an auto photo window"});
}

TEST_CASE("a hole reaching the image's edge is advice, naming the sides", "[frame_overlay]") {
  // A ribbon along the bottom: the photo shows everywhere above it.
  const OverlayCheck c = check_frame_overlay(overlays::ribbon(1080, 1080, 200));
  CHECK(c.usable());
  REQUIRE(c.window);
  CHECK(c.hole == Rect{0, 0, 1080, 880});
  CHECK(messages(c) == std::vector<std::string>{
                           "the hole [0, 0, 1080, 880] reaches the top, left and right edges of the image; leave "
                           "frame art between the hole and every edge so that the frame surrounds the photo"});
  CHECK(c.problems[0].kind == OverlayProblemKind::HoleTouchesEdge);
  CHECK_FALSE(c.problems[0].blocking);

  // One pixel of art between the hole and the edge is enough.
  Image framed = overlays::clear(1080, 1080);
  overlays::rect(framed, {0, 0, 1080, 1080}, true);
  overlays::rect(framed, {1, 1, 1078, 1078}, false);
  CHECK(check_frame_overlay(framed).problems.empty());
  // A single row of the hole on the edge is not.
  overlays::rect(framed, {500, 1079, 10, 1}, false);
  CHECK(messages(check_frame_overlay(framed)) ==
        std::vector<std::string>{"the hole [1, 1, 1078, 1079] reaches the bottom edge of the image; leave frame art "
                                 "between the hole and every edge so that the frame surrounds the photo"});
}

TEST_CASE("a hole under a fifth of the image is advice with its share", "[frame_overlay]") {
  const OverlayCheck c = check_frame_overlay(ring(1080, 1080, 200));
  CHECK(c.usable());
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].kind == OverlayProblemKind::HoleTooSmall);
  CHECK(c.problems[0].message == "the hole covers 10.8% of the image (" + std::to_string(c.hole_area) +
                                     " of 1166400 px); make it at least a fifth (20%) so that the face in the photo "
                                     "is large enough to recognise");
  // A fifth exactly passes: a 540 x 432 px rectangle.
  Image fifth = overlays::clear(1080, 1080);
  overlays::rect(fifth, {0, 0, 1080, 1080}, true);
  overlays::rect(fifth, {270, 324, 540, 432}, false);
  CHECK(check_frame_overlay(fifth).problems.empty());
  overlays::rect(fifth, {270, 324, 1, 1}, true);  // one pixel less
  CHECK(check_frame_overlay(fifth).problems.size() == 1);
}

TEST_CASE("an overlay that is not square, or under 1080 px, is advice", "[frame_overlay]") {
  const OverlayCheck wide = check_frame_overlay(ring(1200, 800, 300));
  CHECK(wide.usable());
  CHECK(messages(wide) == std::vector<std::string>{
                              "the image is 1200x800, not square; profile pictures are square (Facebook and Zalo show "
                              "them cropped to a circle or a square), so make it square, e.g. 1200x1200",
                              "the image is 1200x800, under 1080 px on a side; make it at least 1080x1080 so that the "
                              "framed photo stays sharp on phones"});
  CHECK(wide.problems[0].kind == OverlayProblemKind::NotSquare);
  CHECK(wide.problems[1].kind == OverlayProblemKind::TooSmall);

  const OverlayCheck small = check_frame_overlay(ring(800, 800, 300));
  CHECK(small.usable());
  REQUIRE(small.problems.size() == 1);
  CHECK(small.problems[0].kind == OverlayProblemKind::TooSmall);
  CHECK(small.problems[0].message == "the image is 800x800, under 1080 px on a side; make it at least 1080x1080 so "
                                     "that the framed photo stays sharp on phones");
  CHECK(check_frame_overlay(ring(1400, 1080, 400)).problems.size() == 1);  // not square only
}

TEST_CASE("a hole's soft edge is measured, and one over 4 px is advice", "[frame_overlay]") {
  // A round hole whose alpha rises from 0 to 255 over `fade` px about radius 400.
  auto soft_ring = [](double fade) {
    Image img = overlays::clear(1080, 1080);
    for (int y = 0; y < 1080; ++y)
      for (int x = 0; x < 1080; ++x) {
        const double r = std::hypot(x + 0.5 - 540, y + 0.5 - 540);
        const double t = std::clamp((r - (400 - fade / 2)) / fade, 0.0, 1.0);
        overlays::set_alpha(img, x, y, static_cast<std::uint8_t>(std::lround(t * 255)));
      }
    return img;
  };
  const OverlayCheck soft = check_frame_overlay(soft_ring(20));
  CHECK(soft.usable());
  CHECK(soft.edge_fade >= 19);
  CHECK(soft.edge_fade <= 21);
  REQUIRE(soft.problems.size() == 1);
  CHECK(soft.problems[0].kind == OverlayProblemKind::SoftEdge);
  CHECK(soft.problems[0].message ==
        "the hole's edge fades over " + std::to_string(soft.edge_fade) +
            " px; keep it within 4 px so that the photo meets the frame cleanly (the photo reaches only 2 px under "
            "the frame's soft edge, and a wider fade lets what lies behind the frame show through)");

  // An anti-aliased edge, and one of 3 px, are clean.
  const OverlayCheck crisp = check_frame_overlay(soft_ring(1));
  CHECK(crisp.edge_fade <= 1);
  CHECK(crisp.problems.empty());
  const OverlayCheck three = check_frame_overlay(soft_ring(3));
  CHECK(three.edge_fade >= 2);
  CHECK(three.edge_fade <= 4);
  CHECK(three.problems.empty());
  // 8 px is measured as 8 (give or take the rounding of the pixels) and reported.
  const OverlayCheck eight = check_frame_overlay(soft_ring(8));
  CHECK(std::abs(eight.edge_fade - 8) <= 1);
  CHECK(eight.problems.size() == 1);
}

TEST_CASE("the bundled frame overlays have no problem", "[frame_overlay]") {
  for (const char* name : {"ring.png", "ribbon.png"}) {
    INFO(name);
    const OverlayCheck c =
        check_frame_overlay(read_image(std::string(KHUNG_SOURCE_DIR) + "/assets/templates/frames/" + name));
    CHECK(messages(c) == std::vector<std::string>{});
    CHECK(c.edge_fade <= 4);
  }
}
