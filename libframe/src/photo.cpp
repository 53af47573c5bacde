#include "khung/photo.hpp"

#include "composite.hpp"
#include "khung/error.hpp"
#include "modules.hpp"
#include "orientation.hpp"
#include "parallel.hpp"
#include "photo_stored.hpp"
#include "resample.hpp"
#include "row_feed.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <functional>
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
struct Turn {
  double cos, sin;
};

Turn turn(double degrees) {
  double r = std::fmod(degrees, 360.0);
  if (r < 0) r += 360;
  if (r == 0) return {1, 0};
  if (r == 90) return {0, 1};
  if (r == 180) return {-1, 0};
  if (r == 270) return {0, -1};
  double rad = r * (3.14159265358979323846 / 180);
  return {std::cos(rad), std::sin(rad)};
}

// Width and height of the window's bounding box in the photo's own (rotated)
// frame: what the upright photo must cover.
struct Extent {
  double width, height;
};

Extent rotated_extent(const Rect& window, const Turn& t) {
  double c = std::abs(t.cos), s = std::abs(t.sin);
  return {window.width * c + window.height * s, window.width * s + window.height * c};
}

// Where a placed photo lands: canvas = centre + scale * R * (photo - anchor),
// in continuous pixel coordinates (pixel i spans [i, i + 1]). R turns
// clockwise on screen (y points down).
struct PhotoMap {
  Turn turn;
  double scale;
  double centre_x, centre_y;  // window centre, canvas
  double anchor_x, anchor_y;  // the photo point shown at the window centre

  void to_photo(double x, double y, double& u, double& v) const {
    double dx = (x - centre_x) / scale, dy = (y - centre_y) / scale;
    u = anchor_x + turn.cos * dx + turn.sin * dy;
    v = anchor_y - turn.sin * dx + turn.cos * dy;
  }
};

// `shown`: the photo's size as seen (upright); `photo`: its pixels, looked
// at only for a face.
PhotoMap place_photo(Size shown, const Image& photo, const Rect& window, const Placement& p) {
  PhotoMap map{};
  map.turn = turn(p.rotate);
  const Extent need = rotated_extent(window, map.turn);
  const double pw = shown.width, ph = shown.height;
  map.scale = std::max(need.width / pw, need.height / ph) * p.zoom;
  map.centre_x = window.x + window.width / 2.0;
  map.centre_y = window.y + window.height / 2.0;

  double fx = pw / 2, fy = ph / 2;
  if (p.focus == Focus::Face) {
    if (std::optional<Rect> face = detect_face(photo)) {
      fx = face->x + face->width / 2.0;
      fy = face->y + face->height / 2.0;
    }
  }
  // The offset moves the photo on the canvas; in the photo's frame the point
  // under the window centre moves the opposite way, turned back and unscaled.
  const double tx = p.offset_x * static_cast<double>(window.width);
  const double ty = p.offset_y * static_cast<double>(window.height);
  double ax = fx - (map.turn.cos * tx + map.turn.sin * ty) / map.scale;
  double ay = fy - (-map.turn.sin * tx + map.turn.cos * ty) / map.scale;
  // The turned window is a rectangle whose bounding box, in the photo's
  // frame, is need / scale; it stays inside the photo exactly when that box
  // does, so clamping the anchor keeps the whole window covered.
  const double ex = need.width / (2 * map.scale), ey = need.height / (2 * map.scale);
  map.anchor_x = std::clamp(ax, std::min(ex, pw / 2), std::max(pw - ex, pw / 2));
  map.anchor_y = std::clamp(ay, std::min(ey, ph / 2), std::max(ph - ey, ph / 2));
  return map;
}

std::string range_error(const char* field, float value, const char* range) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %g: ", field, static_cast<double>(value));
  return std::string(buf) + "must be between " + range;
}

void check_range(const char* field, float value, float lo, float hi, const char* range) {
  if (!(std::isfinite(value) && value >= lo && value <= hi))
    throw Error(ErrorCode::InvalidArgument, range_error(field, value, range));
}

// The checks every photo drawing makes, and the part of the window on the
// canvas (only that part is drawn); nullopt when none is.
std::optional<Rect> drawn_part(const Image& canvas, const Image& photo, const WindowMask& window,
                               const Placement& placement) {
  validate(placement);
  const Rect& rect = window.rect;
  if (window.coverage.size() != (rect.empty() ? 0 : static_cast<std::size_t>(rect.width) * rect.height))
    throw Error(ErrorCode::InvalidArgument,
                "photo window: " + std::to_string(window.coverage.size()) + " coverage values for a " +
                    std::to_string(rect.width) + "x" + std::to_string(rect.height) + " rectangle");
  if (photo.empty()) throw Error(ErrorCode::InvalidArgument, "photo: the image is empty");
  const int x0 = std::max(rect.x, 0), y0 = std::max(rect.y, 0);
  const int x1 = std::min(rect.right(), canvas.width()), y1 = std::min(rect.bottom(), canvas.height());
  if (rect.empty() || x0 >= x1 || y0 >= y1) return std::nullopt;
  return Rect{x0, y0, x1 - x0, y1 - y0};
}

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
    throw Error(ErrorCode::Template, std::string("overlay: has two ") + what + " of similar size, at " +
                                         box_text(regions[0]) + " and " + box_text(regions[1]) +
                                         ", and 'auto' cannot tell which is the window" + kGiveWindow);
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
      throw Error(ErrorCode::Template,
                  "overlay: has no enclosed transparent hole, and its transparent area " + box_text(open[0]) +
                      " surrounds the art (as the outside of a round badge does) rather than being framed by it, "
                      "so 'auto' finds no window" +
                      kGiveWindow);
    return clear_largest(holes, "enclosed transparent holes").root;
  }
  // The art runs along the edge (a ribbon, a corner emblem): the photo
  // shows in the open area, unless an enclosed hole of comparable size is
  // the window.
  if (!holes.empty() && holes[0].area * 8 >= open[0].area) return clear_largest(holes, "enclosed transparent holes").root;
  if (!holes.empty())
    throw Error(ErrorCode::Template, "overlay: leaves 'auto' unsure whether the window is the enclosed hole at " +
                                         box_text(holes[0]) + " or the open area at " + box_text(open[0]) +
                                         " along the canvas edge" + kGiveWindow);
  return clear_largest(open, "transparent areas along the canvas edge").root;
}

}  // namespace

WindowMask find_window(const Image& overlay) {
  const char* none = "overlay: has no transparent hole for an auto photo window";
  if (overlay.empty()) throw Error(ErrorCode::Template, none);
  const int width = overlay.width(), height = overlay.height();
  auto alpha = [&](int x, int y) { return overlay.row(y)[4 * static_cast<std::size_t>(x) + 3]; };
  // The holes as runs, row by row; runs of successive rows that share a
  // column join (4-connectivity: holes touching only at a corner stay two).
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
  if (runs.empty()) throw Error(ErrorCode::Template, none);
  // The window's runs, and the box they span.
  const int best = choose_region(runs, overlay);
  std::vector<Run> hole;
  int bx0 = width, bx1 = 0, by0 = height, by1 = 0;
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (root_of(runs, static_cast<int>(i)) == best) {
      hole.push_back(runs[i]);
      bx0 = std::min(bx0, runs[i].x0), bx1 = std::max(bx1, runs[i].x1);
      by0 = std::min(by0, runs[i].y), by1 = std::max(by1, runs[i].y + 1);
    }
  // The box widened by the reach under the overlay's edge.
  const int ax0 = std::max(0, bx0 - kUnderEdge), ay0 = std::max(0, by0 - kUnderEdge);
  const int ax1 = std::min(width, bx1 + kUnderEdge), ay1 = std::min(height, by1 + kUnderEdge);
  const int aw = ax1 - ax0, ah = ay1 - ay0;
  // Full coverage in the hole and under the overlay's soft edge around it:
  // every pixel within kUnderEdge of the hole (centre to centre, a disc)
  // that is not opaque. The overlay's own alpha then blends its edge onto
  // the photo. (Coverage 255 - alpha would let the background show through
  // where both are partial: up to a quarter of it at alpha 128.)
  constexpr std::uint8_t kNear = 1;
  std::vector<std::uint8_t> cover(static_cast<std::size_t>(aw) * ah, 0);
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
    for (int x = 0; x < aw; ++x) {
      if (p[x] == kNear) p[x] = alpha(ax0 + x, y) < 255 ? 255 : 0;
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

void validate(const Placement& placement) {
  check_range("zoom", placement.zoom, 1, 10, "1 and 10");
  check_range("offset_x", placement.offset_x, -1, 1, "-1 and 1");
  check_range("offset_y", placement.offset_y, -1, 1, "-1 and 1");
  check_range("rotate", placement.rotate, -360, 360, "-360 and 360");
}

Size photo_cover_size(const Rect& window, const Placement& placement) {
  validate(placement);
  const Extent need = rotated_extent(window, turn(placement.rotate));
  // Round up, but not for floating-point noise: zoom 1.1f is 1.10000002, and
  // a photo a thousandth of a pixel short is not enlarged in any visible way.
  auto up = [&](double v) { return static_cast<int>(std::ceil(v * placement.zoom - 1e-3)); };
  return {std::max(0, up(need.width)), std::max(0, up(need.height))};
}

std::optional<Rect> detect_face(const Image& photo) {
  if (photo.empty()) return std::nullopt;
  detail::ModuleCall call;
  int face[4] = {};
  const int found = call.check(detail::face_module().find_face(photo.row(0), photo.width(), photo.height(),
                                                               photo.stride(), face, call.error, sizeof call.error),
                               ErrorCode::Io);
  if (!found) return std::nullopt;
  return Rect{face[0], face[1], face[2], face[3]};
}

void draw_photo(Image& canvas, const Image& photo, const WindowMask& window, const Placement& placement) {
  const std::optional<Rect> drawn = drawn_part(canvas, photo, window, placement);
  if (!drawn) return;
  const Rect& rect = window.rect;
  const int x0 = drawn->x, y0 = drawn->y, x1 = drawn->right(), y1 = drawn->bottom();

  const PhotoMap map = place_photo({photo.width(), photo.height()}, photo, rect, placement);

  // The photo pixels the window can reach, plus room for the resampling
  // filter (Lanczos-3 reads 3 pixels either side, widened when shrinking).
  // The whole window, not only its part on the canvas, so that the result
  // does not depend on clipping.
  double u_min = photo.width(), v_min = photo.height(), u_max = 0, v_max = 0;
  for (int corner = 0; corner < 4; ++corner) {
    double u, v;
    map.to_photo(corner & 1 ? rect.right() : rect.x, corner & 2 ? rect.bottom() : rect.y, u, v);
    u_min = std::min(u_min, u);
    u_max = std::max(u_max, u);
    v_min = std::min(v_min, v);
    v_max = std::max(v_max, v);
  }
  const double margin = 3 / std::min(1.0, map.scale) + 1;
  const int rx0 = std::clamp(static_cast<int>(std::floor(u_min - margin)), 0, photo.width() - 1);
  const int ry0 = std::clamp(static_cast<int>(std::floor(v_min - margin)), 0, photo.height() - 1);
  const int rx1 = std::clamp(static_cast<int>(std::ceil(u_max + margin)), rx0 + 1, photo.width());
  const int ry1 = std::clamp(static_cast<int>(std::ceil(v_max + margin)), ry0 + 1, photo.height());
  detail::PixelsView source{photo.row(ry0) + 4 * static_cast<std::size_t>(rx0), photo.stride(), rx1 - rx0, ry1 - ry0};

  // Resampling mixes neighbours, which is only right on premultiplied
  // colour: straight alpha would bleed the colour of transparent pixels.
  std::vector<std::uint8_t> premultiplied;
  if (detail::has_transparency(source)) source = detail::premultiply(source, premultiplied);

  const std::size_t placed_stride = 4 * static_cast<std::size_t>(x1 - x0);
  std::vector<std::uint8_t> placed(placed_stride * static_cast<std::size_t>(y1 - y0));
  const double c = map.turn.cos, s = map.turn.sin, k = map.scale;
  if (c == 1 && s == 0) {
    // Upright: one separable pass from the photo straight to the window.
    // Canvas pixel x0 + i samples photo u = anchor + (x0 + i + 0.5 - centre) / scale.
    const detail::AxisMap mx{map.anchor_x + (x0 - map.centre_x) / k - rx0, k};
    const detail::AxisMap my{map.anchor_y + (y0 - map.centre_y) / k - ry0, k};
    detail::resample(source, placed.data(), placed_stride, x1 - x0, y1 - y0, mx, my);
  } else {
    // Turned: shrink to about the final size first (so large reductions do
    // not alias), then one bicubic affine warp at a scale near 1.
    double kx = 1, ky = 1;
    std::vector<std::uint8_t> reduced;
    detail::PixelsView from = source;
    if (k < 1) {
      const int w = std::max(1, static_cast<int>(std::lround(source.width * k)));
      const int h = std::max(1, static_cast<int>(std::lround(source.height * k)));
      kx = static_cast<double>(w) / source.width;
      ky = static_cast<double>(h) / source.height;
      reduced.resize(4 * static_cast<std::size_t>(w) * h);
      detail::resample(source, reduced.data(), 4 * static_cast<std::size_t>(w), w, h, {0, kx}, {0, ky});
      from = {reduced.data(), 4 * static_cast<std::size_t>(w), w, h};
    }
    // One affine map from source to destination. OpenCV puts pixel centres
    // at integer coordinates, ours at i + 0.5: the 0.5 terms convert.
    //   photo u = rx0 + (su + 0.5) / kx,  canvas x = x0 + dx + 0.5
    //   canvas = centre + scale * R * (photo - anchor)
    const double a00 = k * c / kx, a01 = -k * s / ky, a10 = k * s / kx, a11 = k * c / ky;
    const double pu = rx0 + 0.5 / kx - map.anchor_x, pv = ry0 + 0.5 / ky - map.anchor_y;
    const double b0 = map.centre_x - x0 - 0.5 + k * (c * pu - s * pv);
    const double b1 = map.centre_y - y0 - 0.5 + k * (s * pu + c * pv);
    const double forward[6] = {a00, a01, b0, a10, a11, b1};
    // Replicated borders: the clamp keeps the window inside the photo, and
    // replication keeps the kernel from fading the photo's outermost pixels.
    detail::ModuleCall call;
    call.check(detail::cv_module().warp_cubic(from.data, from.width, from.height, from.stride, placed.data(), x1 - x0,
                                              y1 - y0, placed_stride, forward, call.error, sizeof call.error));
  }

  const std::uint8_t* coverage =
      window.coverage.data() + static_cast<std::size_t>(y0 - rect.y) * rect.width + (x0 - rect.x);
  detail::paint_layer(canvas, {x0, y0, x1 - x0, y1 - y0}, placed.data(), placed_stride, coverage,
                      static_cast<std::size_t>(rect.width));
}

namespace detail {

namespace {

// Turned by the placement or searched for a face: the photo is turned
// upright first (draw_photo).
bool needs_upright(int orientation, const Placement& placement) {
  return orientation < 1 || orientation > 8 || turn(placement.rotate).cos != 1 || placement.focus == Focus::Face;
}

// The stored photo resampled straight onto the window, its EXIF turn folded
// into the axes (orientation 1..8). `rows_ready` as for resample.
void draw_folded(Image& canvas, const Image& stored, int orientation, const WindowMask& window,
                 const Placement& placement, const std::function<void(int)>& rows_ready) {
  const std::optional<Rect> drawn = drawn_part(canvas, stored, window, placement);
  if (!drawn) return;
  const bool swap = orientation >= 5;
  const Size shown = swap ? Size{stored.height(), stored.width()} : Size{stored.width(), stored.height()};
  const PhotoMap map = place_photo(shown, stored, window.rect, placement);
  // The upright photo's axes as draw_photo samples them, then in the stored
  // pixels: a mirrored axis of length L maps u to L - u; orientations 5..8
  // swap the axes, so the stored rows run across the window and the result
  // is made transposed, then turned back.
  const double k = map.scale;
  const AxisMap across{map.anchor_x + (drawn->x - map.centre_x) / k, k};
  const AxisMap down{map.anchor_y + (drawn->y - map.centre_y) / k, k};
  auto mirror = [](AxisMap m, int length) { return AxisMap{length - m.offset, -m.scale}; };
  const PixelsView source{stored.row(0), stored.stride(), stored.width(), stored.height()};
  Image placed = Image::for_overwrite(drawn->width, drawn->height);
  Image turned;
  if (!swap) {
    const AxisMap x = orientation == 2 || orientation == 3 ? mirror(across, shown.width) : across;
    const AxisMap y = orientation == 3 || orientation == 4 ? mirror(down, shown.height) : down;
    resample(source, placed.row(0), placed.stride(), drawn->width, drawn->height, x, y, rows_ready);
  } else {
    // 5: stored (column, row) = shown (y, x); 6: (y, W - x); 7: (H - y, W - x); 8: (H - y, x).
    const AxisMap x = orientation == 5 || orientation == 6 ? down : mirror(down, shown.height);
    const AxisMap y = orientation == 5 || orientation == 8 ? across : mirror(across, shown.width);
    turned = Image::for_overwrite(drawn->height, drawn->width);
    resample(source, turned.row(0), turned.stride(), drawn->height, drawn->width, x, y, rows_ready);
  }
  // Turned back and painted in bands of rows, on both cores: the photo's
  // decoder is done with the other one by now.
  const Rect& rect = window.rect;
  constexpr int kBand = 64;
  parallel_blocks((drawn->height + kBand - 1) / kBand, [&](int first, int last) {
    for (int band = first; band < last; ++band) {
      const int y0 = band * kBand, rows = std::min(kBand, drawn->height - y0);
      if (swap)
        transpose({turned.row(0) + 4 * static_cast<std::size_t>(y0), turned.stride(), rows, drawn->width},
                  placed.row(y0), placed.stride());
      const std::uint8_t* coverage = window.coverage.data() +
                                     static_cast<std::size_t>(drawn->y + y0 - rect.y) * rect.width + (drawn->x - rect.x);
      paint_layer(canvas, {drawn->x, drawn->y + y0, drawn->width, rows}, placed.row(y0), placed.stride(), coverage,
                  static_cast<std::size_t>(rect.width));
    }
  });
}

// Thrown by a feed's rows_ready when its decoder gave up.
struct FeedEnded {};

}  // namespace

void draw_stored_photo(Image& canvas, Image stored, int orientation, const WindowMask& window,
                       const Placement& placement) {
  if (orientation == 1 || needs_upright(orientation, placement)) {
    draw_photo(canvas, apply_orientation(std::move(stored), orientation), window, placement);
    return;
  }
  draw_folded(canvas, stored, orientation, window, placement, {});
}

bool draw_fed_photo(Image& canvas, RowFeed& feed, int orientation, const WindowMask& window,
                    const Placement& placement) {
  if (needs_upright(orientation, placement)) {
    if (!feed.wait_rows(feed.image.height())) return false;
    draw_photo(canvas, apply_orientation(feed.image, orientation), window, placement);
    return true;
  }
  try {
    draw_folded(canvas, feed.image, orientation, window, placement, [&feed](int rows) {
      if (!feed.wait_rows(rows)) throw FeedEnded{};
    });
  } catch (const FeedEnded&) {
    return false;
  }
  return true;
}

}  // namespace detail

}  // namespace khung
