// Photo windows: the coverage of circle and rect windows, and the `auto`
// window found in an overlay's transparent hole (photo.hpp).

#include "khung/error.hpp"
#include "khung/photo.hpp"
#include "photo/window.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace khung {
namespace {

// Sub-scanlines per pixel row when a window's edge crosses a pixel: the
// coverage is exact along x and sampled 16 times along y.
constexpr int kSubrows = 16;
// How far (px) the `auto` window reaches beyond its hole under the
// overlay's partly transparent edge.
constexpr int kUnderEdge = 2;

// Coverage of a shape centred in `rect`, symmetric about both of its axes,
// each row of it one span: the points with |x - cx| <= half_width(|y - cy|).
// Throws Error(InvalidArgument) for a window larger than any canvas.
template <class HalfWidth>
WindowMask rasterize_symmetric(const Rect& rect, HalfWidth half_width) {
  WindowMask mask{rect, {}};
  if (rect.empty()) {
    mask.rect = {rect.x, rect.y, 0, 0};
    return mask;
  }
  if (static_cast<std::int64_t>(rect.width) * rect.height > Image::max_pixels())
    throw Error(ErrorCode::InvalidArgument, "photo window " + std::to_string(rect.width) + "x" +
                                                std::to_string(rect.height) + ": the area must be at most " +
                                                std::to_string(Image::max_pixels()) + " pixels");
  mask.coverage.assign(static_cast<std::size_t>(rect.width) * rect.height, 0);
  const double cx = rect.width / 2.0, cy = rect.height / 2.0;
  double hw[kSubrows];
  for (int y = 0; y < rect.height; ++y) {
    double narrowest = cx, widest = 0;
    for (int s = 0; s < kSubrows; ++s) {
      hw[s] = std::max(0.0, half_width(std::abs(y + (s + 0.5) / kSubrows - cy)));
      narrowest = std::min(narrowest, hw[s]);
      widest = std::max(widest, hw[s]);
    }
    std::uint8_t* row = mask.coverage.data() + static_cast<std::size_t>(y) * rect.width;
    for (int x = 0; x < rect.width; ++x) {
      const double left = x - cx, right = x + 1 - cx;  // pixel span relative to the centre
      if (left >= -narrowest && right <= narrowest) {
        row[x] = 255;
      } else if (right > -widest && left < widest) {
        double covered = 0;
        for (double h : hw) covered += std::max(0.0, std::min(right, h) - std::max(left, -h));
        row[x] = static_cast<std::uint8_t>(std::lround(covered / kSubrows * 255));
      }
    }
  }
  return mask;
}

// cos and sin of a clockwise angle in degrees, exact at multiples of 90 so
// that a quarter turn swaps sides without a pixel of rounding noise.

}  // namespace

WindowMask circle_window(const Rect& rect) {
  const double a = rect.width / 2.0, b = rect.height / 2.0;
  return rasterize_symmetric(rect, [a, b](double dy) {
    double t = dy / b;
    return t >= 1 ? 0.0 : a * std::sqrt(1 - t * t);
  });
}

WindowMask rect_window(const Rect& rect, float corner_radius) {
  const double hx = rect.width / 2.0, hy = rect.height / 2.0;
  // NaN and negative radii mean square corners.
  const double r = corner_radius > 0 ? std::min<double>(corner_radius, std::min(hx, hy)) : 0.0;
  return rasterize_symmetric(rect, [hx, hy, r](double dy) {
    double into_corner = dy - (hy - r);
    if (into_corner <= 0) return hx;
    return hx - r + std::sqrt(std::max(0.0, r * r - into_corner * into_corner));
  });
}

namespace {

// A run of hole pixels (alpha <= 127) in one row: [x0, x1).
struct Run {
  int y, x0, x1;
  int parent;  // union-find over runs; a root is its component's first run
};

int root_of(std::vector<Run>& runs, int i) {
  while (runs[i].parent != i) i = runs[i].parent = runs[runs[i].parent].parent;
  return i;
}

// A transparent region of an overlay (runs joined under one root): its
// area, the box it spans, and whether it reaches the canvas edge.
struct Region {
  int root = 0;
  std::int64_t area = 0;
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool open = false;
};

std::string box_text(const Region& r) {
  return "[" + std::to_string(r.x0) + ", " + std::to_string(r.y0) + ", " + std::to_string(r.x1 - r.x0) + ", " +
         std::to_string(r.y1 - r.y0) + "]";
}

// Why the overlay has no window 'auto' can choose, as search_window says it.
struct NoWindow {
  std::string why;
};

constexpr const char* kGiveWindow =
    "; give the photo layer its window explicitly: {\"shape\": \"circle\", \"box\": [x, y, width, height]} or "
    "{\"shape\": \"rect\", \"box\": [x, y, width, height], \"radius\": r}";

// The longest stretch of art (alpha >= 128) along the canvas edge, going
// once round it (a stretch may turn a corner).
int longest_edge_art(const Image& overlay) {
  const int w = overlay.width(), h = overlay.height();
  auto art_at = [&](int x, int y) { return overlay.row(y)[4 * static_cast<std::size_t>(x) + 3] > 127; };
  std::vector<bool> art;  // the edge pixels clockwise from the top left corner, each once
  for (int x = 0; x < w; ++x) art.push_back(art_at(x, 0));
  for (int y = 1; y < h; ++y) art.push_back(art_at(w - 1, y));
  if (h > 1)
    for (int x = w - 2; x >= 0; --x) art.push_back(art_at(x, h - 1));
  if (w > 1)
    for (int y = h - 2; y >= 1; --y) art.push_back(art_at(0, y));
  const auto gap = std::find(art.begin(), art.end(), false);
  if (gap == art.end()) return static_cast<int>(art.size());
  // Counted from a gap, a stretch never wraps past the end of the count.
  const std::size_t n = art.size(), start = static_cast<std::size_t>(gap - art.begin());
  int longest = 0, current = 0;
  for (std::size_t k = 1; k < n; ++k) {
    current = art[(start + k) % n] ? current + 1 : 0;
    longest = std::max(longest, current);
  }
  return longest;
}

// The largest of `regions` (sorted largest first), unless the next is at
// least half its size: then 'auto' cannot tell which is meant.
const Region& clear_largest(const std::vector<Region>& regions, const char* what) {
  if (regions.size() > 1 && regions[1].area * 2 >= regions[0].area)
    throw NoWindow{std::string("has two ") + what + " of similar size, at " +
                                         box_text(regions[0]) + " and " + box_text(regions[1]) +
                                         ", and 'auto' cannot tell which is the window" + kGiveWindow};
  return regions[0];
}

// Which transparent region is the window (its root run): see find_window
// in photo.hpp for the rule. Throws Error(Template) when the overlay leaves
// it open.
int choose_region(std::vector<Run>& runs, const Image& overlay) {
  const int width = overlay.width(), height = overlay.height();
  std::vector<Region> by_root(runs.size());
  std::int64_t transparent = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& r = runs[i];
    Region& g = by_root[static_cast<std::size_t>(root_of(runs, static_cast<int>(i)))];
    if (g.area == 0) g = {root_of(runs, static_cast<int>(i)), 0, r.x0, r.y, r.x1, r.y + 1, false};
    g.area += r.x1 - r.x0;
    g.x0 = std::min(g.x0, r.x0), g.x1 = std::max(g.x1, r.x1), g.y1 = std::max(g.y1, r.y + 1);
    g.open = g.open || r.x0 == 0 || r.x1 == width || r.y == 0 || r.y == height - 1;
    transparent += r.x1 - r.x0;
  }
  // Largest first; a root is its region's first run, so ties keep reading order.
  std::vector<Region> enclosed, open;
  for (const Region& g : by_root)
    if (g.area > 0) (g.open ? open : enclosed).push_back(g);
  auto larger = [](const Region& a, const Region& b) { return a.area != b.area ? a.area > b.area : a.root < b.root; };
  std::sort(enclosed.begin(), enclosed.end(), larger);
  std::sort(open.begin(), open.end(), larger);

  // Every hole enclosed by the art (a ring, a bordered frame).
  if (open.empty()) return clear_largest(enclosed, "enclosed transparent holes").root;
  // No art at all: the photo shows everywhere.
  const std::int64_t canvas = static_cast<std::int64_t>(width) * height;
  if (transparent == canvas) return open[0].root;
  // Smaller enclosed holes are details of the art (the inside of an "O").
  std::vector<Region> holes;
  for (const Region& g : enclosed)
    if (g.area >= canvas / 100) holes.push_back(g);
  if (longest_edge_art(overlay) < std::max(1, std::min(width, height) / 8)) {
    // The art stands free in the transparent area (a round badge touches
    // the edge at most where its circle does): that area is its surround.
    if (holes.empty())
      throw NoWindow{
                  "has no enclosed transparent hole, and its transparent area " + box_text(open[0]) +
                      " surrounds the art (as the outside of a round badge does) rather than being framed by it, "
                      "so 'auto' finds no window" +
                      kGiveWindow};
    return clear_largest(holes, "enclosed transparent holes").root;
  }
  // The art runs along the edge (a ribbon, a corner emblem): the photo
  // shows in the open area, unless an enclosed hole of comparable size is
  // the window.
  if (!holes.empty() && holes[0].area * 8 >= open[0].area) return clear_largest(holes, "enclosed transparent holes").root;
  if (!holes.empty())
    throw NoWindow{"leaves 'auto' unsure whether the window is the enclosed hole at " +
                                         box_text(holes[0]) + " or the open area at " + box_text(open[0]) +
                                         " along the canvas edge" + kGiveWindow};
  return clear_largest(open, "transparent areas along the canvas edge").root;
}

// The overlay's transparent pixels (alpha <= 127) as runs, row by row,
// joined into regions: runs of successive rows that share a column join
// (4-connectivity: holes touching only at a corner stay two).
std::vector<Run> transparent_runs(const Image& overlay) {
  const int width = overlay.width(), height = overlay.height();
  std::vector<Run> runs;
  std::size_t above = 0, above_end = 0;  // the previous row's runs
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* a = overlay.row(y) + 3;
    const std::size_t row_start = runs.size();
    for (int x = 0; x < width;) {
      if (a[4 * x] > 127) {
        ++x;
        continue;
      }
      const int x0 = x;
      while (x < width && a[4 * x] <= 127) ++x;
      const int self = static_cast<int>(runs.size());
      runs.push_back({y, x0, x, self});
      // Runs of both rows come left to right: skip those above that end
      // before this one starts, join those that overlap it.
      while (above < above_end && runs[above].x1 <= x0) ++above;
      for (std::size_t p = above; p < above_end && runs[p].x0 < x; ++p) {
        const int r = root_of(runs, static_cast<int>(p)), s = root_of(runs, self);
        // The earlier run stays root: components keep reading order.
        if (r != s) runs[std::max(r, s)].parent = std::min(r, s);
      }
    }
    above = row_start;
    above_end = runs.size();
  }
  return runs;
}

// The coverage of the window whose runs are `hole`: full in the hole and
// under the overlay's soft edge around it, i.e. every pixel within
// kUnderEdge of the hole (centre to centre, a disc) that is not opaque. The
// overlay's own alpha then blends its edge onto the photo. (Coverage 255 -
// alpha would let the background show through where both are partial: up
// to a quarter of it at alpha 128.)
WindowMask hole_mask(const Image& overlay, const std::vector<Run>& hole) {
  const int width = overlay.width(), height = overlay.height();
  int bx0 = width, bx1 = 0, by0 = height, by1 = 0;
  for (const Run& r : hole) {
    bx0 = std::min(bx0, r.x0), bx1 = std::max(bx1, r.x1);
    by0 = std::min(by0, r.y), by1 = std::max(by1, r.y + 1);
  }
  // The hole's box widened by the reach under the overlay's edge.
  const int ax0 = std::max(0, bx0 - kUnderEdge), ay0 = std::max(0, by0 - kUnderEdge);
  const int ax1 = std::min(width, bx1 + kUnderEdge), ay1 = std::min(height, by1 + kUnderEdge);
  const int aw = ax1 - ax0;
  constexpr std::uint8_t kNear = 1;
  std::vector<std::uint8_t> cover(static_cast<std::size_t>(aw) * (ay1 - ay0), 0);
  auto at = [&](int x, int y) { return cover.data() + static_cast<std::size_t>(y - ay0) * aw + (x - ax0); };
  for (const Run& r : hole)
    for (int dy = -kUnderEdge; dy <= kUnderEdge; ++dy) {
      const int y = r.y + dy;
      if (y < ay0 || y >= ay1) continue;
      const int reach = static_cast<int>(std::sqrt(kUnderEdge * kUnderEdge - dy * dy));
      const int x0 = std::max(ax0, r.x0 - reach), x1 = std::min(ax1, r.x1 + reach);
      if (x1 > x0) std::fill_n(at(x0, y), x1 - x0, kNear);  // the hole itself is set to 255 next
    }
  for (const Run& r : hole) std::memset(at(r.x0, r.y), 255, static_cast<std::size_t>(r.x1 - r.x0));
  int cx0 = aw, cx1 = -1, cy0 = -1, cy1 = -1;
  for (int y = ay0; y < ay1; ++y) {
    std::uint8_t* p = at(ax0, y);
    const std::uint8_t* alpha = overlay.row(y) + 4 * static_cast<std::size_t>(ax0) + 3;
    for (int x = 0; x < aw; ++x) {
      if (p[x] == kNear) p[x] = alpha[4 * x] < 255 ? 255 : 0;
      if (p[x]) {
        cx0 = std::min(cx0, x), cx1 = std::max(cx1, x);
        if (cy0 < 0) cy0 = y - ay0;
        cy1 = y - ay0;
      }
    }
  }
  WindowMask mask{{ax0 + cx0, ay0 + cy0, cx1 - cx0 + 1, cy1 - cy0 + 1}, {}};
  mask.coverage.resize(static_cast<std::size_t>(mask.rect.width) * mask.rect.height);
  for (int y = 0; y < mask.rect.height; ++y)
    std::memcpy(mask.coverage.data() + static_cast<std::size_t>(y) * mask.rect.width, at(mask.rect.x, mask.rect.y + y),
                mask.rect.width);
  return mask;
}

}  // namespace

detail::WindowSearch detail::search_window(const Image& overlay) {
  const char* none = "has no transparent hole for an auto photo window";
  if (overlay.empty()) return {std::nullopt, none};
  std::vector<Run> runs = transparent_runs(overlay);
  if (runs.empty()) return {std::nullopt, none};
  int best = 0;
  try {
    best = choose_region(runs, overlay);
  } catch (const NoWindow& e) {
    return {std::nullopt, e.why};
  }
  std::vector<Run> hole;
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (root_of(runs, static_cast<int>(i)) == best) hole.push_back(runs[i]);
  return {hole_mask(overlay, hole), {}};
}

WindowMask find_window(const Image& overlay) {
  detail::WindowSearch found = detail::search_window(overlay);
  if (!found.window) throw Error(ErrorCode::Template, "overlay: " + found.why);
  return std::move(*found.window);
}

}  // namespace khung
