#pragma once
// Checking a frame overlay before a template is made of it: the artwork a
// campaign's organiser or designer brings (a PNG with a transparent hole for
// the member's photo), and what is wrong with it, in plain words.
//
//   OverlayCheck c = check_frame_overlay(read_image("ring.png"));
//   for (const OverlayProblem& p : c.problems) std::cerr << p.message << "\n";

#include "khung/image.hpp"
#include "khung/photo.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace khung {

enum class OverlayProblemKind {
  NoHole,           // find_window finds no window: no transparent hole, or none it can choose
  HoleTouchesEdge,  // the hole reaches the image's edge: the frame does not surround the photo
  HoleTooSmall,     // the hole is under a fifth of the image's area
  NotSquare,        // profile pictures are square
  TooSmall,         // a side under 1080 px
  SoftEdge,         // the hole's edge fades over more than 4 px
};

struct OverlayProblem {
  OverlayProblemKind kind;
  // Blocking: no template can use the overlay as it is (only NoHole); the
  // others are advice: a template made of it renders, but looks worse.
  bool blocking = false;
  std::string message;  // one sentence with the numbers, e.g. "the image is 800x800, ..."
};

struct OverlayCheck {
  // find_window(overlay): the `auto` window a template gets; nullopt when
  // there is none (then problems holds a NoHole problem).
  std::optional<WindowMask> window;
  // The hole itself: the window's pixels with alpha under 128 (without the
  // soft edge the window reaches under), their bounding box and count.
  Rect hole;
  std::int64_t hole_area = 0;
  // How many px the hole's edge takes to go from clear to solid (the median
  // over the edge); 0 for a hard edge or when it cannot be measured.
  int edge_fade = 0;
  std::vector<OverlayProblem> problems;  // in the order of OverlayProblemKind

  // No blocking problem: a frame template with an `auto` window can use it.
  bool usable() const;
};

// Checks an overlay (RGBA, straight alpha) meant to lie over a member's
// photo, with the photo in its transparent hole, and says what is wrong:
// - NoHole (blocking): find_window throws; the message is its reason.
// - HoleTouchesEdge: a pixel of the hole lies in the image's first or last
//   row or column (the art does not close the hole off on that side).
// - HoleTooSmall: the hole is under a fifth of the image's area.
// - NotSquare, TooSmall: the image is not square, or a side is under 1080 px.
// - SoftEdge: the hole's edge fades from clear to solid over more than 4 px.
// Never throws for a bad overlay: problems say what is wrong. An empty
// image has a NoHole problem.
//   if (!check_frame_overlay(overlay).usable()) refuse();
OverlayCheck check_frame_overlay(const Image& overlay);

}  // namespace khung
