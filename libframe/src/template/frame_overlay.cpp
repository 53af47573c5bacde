// Checking a frame overlay (frame_overlay.hpp): the window find_window
// chooses, measured against what a profile-picture frame needs.

#include "khung/frame_overlay.hpp"

#include "khung/error.hpp"
#include "photo/window.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <string>
#include <vector>

namespace khung {
namespace {

// Profile pictures are shown up to about 1080 px wide on phones' high
// density screens; a smaller frame is enlarged and looks soft.
constexpr int kMinSide = 1080;

// find_window runs the photo under the overlay's partly transparent edge
// only 2 px beyond the hole (photo.hpp); a fade from clear to solid of
// width W has about W/2 px on the solid side of alpha 128, so a fade over
// 4 px leaves a ring where the photo does not reach and what lies behind
// the frame shows through the half-transparent art.
constexpr int kMaxFade = 4;

// Alpha at or under kClear counts as clear, at or over kSolid as solid (1%
// either way): a level or two of noise from an editor's export is no fade.
constexpr std::uint8_t kClear = 2, kSolid = 253;

// How far beyond the window the fade is measured (px): wider fades are
// reported as at least this wide.
constexpr int kFadeReach = 64;

// Chamfer distance steps (5-7-11: a straight step, a diagonal one, a
// knight's move), within 2% of the Euclidean distance times kStep.
constexpr int kStep = 5, kDiagonal = 7, kKnight = 11;
constexpr int kFar = INT_MAX / 2;

// Distance (in kStep units per px) from every pixel of a w x h area to the
// nearest pixel where `source` is true: two chamfer passes.
std::vector<int> chamfer_distance(int w, int h, const std::vector<bool>& source) {
  std::vector<int> d(static_cast<std::size_t>(w) * h);
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = source[i] ? 0 : kFar;
  struct Step {
    int dx, dy, cost;
  };
  // The half of the neighbourhood already visited in a top-left to
  // bottom-right pass; the other pass uses the same steps reversed.
  constexpr Step steps[] = {{-1, 0, kStep},    {-1, -1, kDiagonal}, {0, -1, kStep},   {1, -1, kDiagonal},
                            {-2, -1, kKnight}, {2, -1, kKnight},    {-1, -2, kKnight}, {1, -2, kKnight}};
  auto relax = [&](int x, int y, int sign) {
    int& here = d[static_cast<std::size_t>(y) * w + x];
    for (const Step& s : steps) {
      const int nx = x + sign * s.dx, ny = y + sign * s.dy;
      if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
      here = std::min(here, d[static_cast<std::size_t>(ny) * w + nx] + s.cost);
    }
  };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) relax(x, y, 1);
  for (int y = h - 1; y >= 0; --y)
    for (int x = w - 1; x >= 0; --x) relax(x, y, -1);
  return d;
}

// The width (px) of the hole's fade from clear to solid: for each partly
// transparent pixel joined to the hole through partly transparent pixels,
// (distance to the nearest clear pixel + distance to the nearest solid one)
// - 1, which is W for every pixel of a straight fade over W px; the median
// of these. 0 when the edge is hard or the hole has no clear pixel.
int measure_fade(const Image& overlay, const WindowMask& window) {
  const Rect area{std::max(0, window.rect.x - kFadeReach), std::max(0, window.rect.y - kFadeReach), 0, 0};
  const int right = std::min(overlay.width(), window.rect.right() + kFadeReach);
  const int bottom = std::min(overlay.height(), window.rect.bottom() + kFadeReach);
  const int w = right - area.x, h = bottom - area.y;
  const std::size_t n = static_cast<std::size_t>(w) * h;
  auto alpha = [&](int x, int y) { return overlay.row(area.y + y)[4 * static_cast<std::size_t>(area.x + x) + 3]; };
  std::vector<bool> clear(n), solid(n), fade(n), in_hole(n);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::uint8_t a = alpha(x, y);
      const std::size_t i = static_cast<std::size_t>(y) * w + x;
      clear[i] = a <= kClear, solid[i] = a >= kSolid, fade[i] = !clear[i] && !solid[i];
    }
  for (int y = 0; y < window.rect.height; ++y)
    for (int x = 0; x < window.rect.width; ++x) {
      const int cx = window.rect.x + x - area.x, cy = window.rect.y + y - area.y;
      if (window.coverage[static_cast<std::size_t>(y) * window.rect.width + x] && alpha(cx, cy) < 128)
        in_hole[static_cast<std::size_t>(cy) * w + cx] = true;
    }
  // The hole's edge: fade pixels in the hole or beside it, and the fade
  // pixels joined to them (8 neighbours), found by a flood.
  std::vector<bool> edge(n);
  std::vector<std::size_t> todo;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * w + x;
      if (!fade[i]) continue;
      bool near = in_hole[i];
      for (int dy = -1; dy <= 1 && !near; ++dy)
        for (int dx = -1; dx <= 1 && !near; ++dx) {
          const int nx = x + dx, ny = y + dy;
          near = nx >= 0 && ny >= 0 && nx < w && ny < h && in_hole[static_cast<std::size_t>(ny) * w + nx];
        }
      if (near) edge[i] = true, todo.push_back(i);
    }
  while (!todo.empty()) {
    const std::size_t i = todo.back();
    todo.pop_back();
    const int x = static_cast<int>(i % w), y = static_cast<int>(i / w);
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int nx = x + dx, ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
        const std::size_t j = static_cast<std::size_t>(ny) * w + nx;
        if (fade[j] && !edge[j]) edge[j] = true, todo.push_back(j);
      }
  }
  const std::vector<int> to_clear = chamfer_distance(w, h, clear), to_solid = chamfer_distance(w, h, solid);
  std::vector<int> widths;
  for (std::size_t i = 0; i < n; ++i)
    if (edge[i] && to_clear[i] < kFar && to_solid[i] < kFar)
      widths.push_back(std::max(0, (to_clear[i] + to_solid[i] + kStep / 2) / kStep - 1));
  if (widths.empty()) return 0;
  std::nth_element(widths.begin(), widths.begin() + static_cast<std::ptrdiff_t>(widths.size() / 2), widths.end());
  return widths[widths.size() / 2];
}

std::string box_text(const Rect& r) {
  return "[" + std::to_string(r.x) + ", " + std::to_string(r.y) + ", " + std::to_string(r.width) + ", " +
         std::to_string(r.height) + "]";
}

// "a", "a and b", "a, b and c".
std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " and " : ", ";
    out += words[i];
  }
  return out;
}

}  // namespace

bool OverlayCheck::usable() const {
  return std::none_of(problems.begin(), problems.end(), [](const OverlayProblem& p) { return p.blocking; });
}

OverlayCheck check_frame_overlay(const Image& overlay) {
  OverlayCheck check;
  const int w = overlay.width(), h = overlay.height();
  detail::WindowSearch found = detail::search_window(overlay);
  check.window = std::move(found.window);
  if (!check.window) check.problems.push_back({OverlayProblemKind::NoHole, true, "the overlay " + found.why});

  if (check.window) {
    const WindowMask& m = *check.window;
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; y < m.rect.height; ++y)
      for (int x = 0; x < m.rect.width; ++x) {
        const int cx = m.rect.x + x, cy = m.rect.y + y;
        if (!m.coverage[static_cast<std::size_t>(y) * m.rect.width + x] || overlay.row(cy)[4 * cx + 3] >= 128)
          continue;
        ++check.hole_area;
        x0 = std::min(x0, cx), x1 = std::max(x1, cx), y0 = std::min(y0, cy), y1 = std::max(y1, cy);
      }
    if (check.hole_area > 0) check.hole = {x0, y0, x1 - x0 + 1, y1 - y0 + 1};
    check.edge_fade = measure_fade(overlay, m);

    std::vector<std::string> sides;
    if (y0 == 0) sides.push_back("top");
    if (x0 == 0) sides.push_back("left");
    if (x1 == w - 1) sides.push_back("right");
    if (y1 == h - 1) sides.push_back("bottom");
    if (check.hole_area > 0 && !sides.empty())
      check.problems.push_back(
          {OverlayProblemKind::HoleTouchesEdge, false,
           "the hole " + box_text(check.hole) + " reaches the " + join_words(sides) + " edge" +
               (sides.size() > 1 ? "s" : "") +
               " of the image; leave frame art between the hole and every edge so that the frame surrounds the "
               "photo"});

    const std::int64_t canvas = static_cast<std::int64_t>(w) * h;
    if (check.hole_area * 5 < canvas) {
      char percent[32];
      std::snprintf(percent, sizeof percent, "%.1f%%", 100.0 * static_cast<double>(check.hole_area) / static_cast<double>(canvas));
      check.problems.push_back({OverlayProblemKind::HoleTooSmall, false,
                                "the hole covers " + std::string(percent) + " of the image (" +
                                    std::to_string(check.hole_area) + " of " + std::to_string(canvas) +
                                    " px); make it at least a fifth (20%) so that the face in the photo is "
                                    "large enough to recognise"});
    }
  }

  const std::string size = std::to_string(w) + "x" + std::to_string(h);
  if (w != h && w > 0 && h > 0) {
    const std::string side = std::to_string(std::max(w, h));
    check.problems.push_back({OverlayProblemKind::NotSquare, false,
                              "the image is " + size +
                                  ", not square; profile pictures are square (Facebook and Zalo show them "
                                  "cropped to a circle or a square), so make it square, e.g. " +
                                  side + "x" + side});
  }
  if (std::min(w, h) < kMinSide && w > 0 && h > 0)
    check.problems.push_back({OverlayProblemKind::TooSmall, false,
                              "the image is " + size + ", under " + std::to_string(kMinSide) +
                                  " px on a side; make it at least " + std::to_string(kMinSide) + "x" +
                                  std::to_string(kMinSide) + " so that the framed photo stays sharp on phones"});
  if (check.edge_fade > kMaxFade)
    check.problems.push_back({OverlayProblemKind::SoftEdge, false,
                              "the hole's edge fades over " + std::to_string(check.edge_fade) +
                                  " px; keep it within " + std::to_string(kMaxFade) +
                                  " px so that the photo meets the frame cleanly (the photo reaches only 2 px "
                                  "under the frame's soft edge, and a wider fade lets what lies behind the frame "
                                  "show through)"});
  return check;
}

}  // namespace khung
