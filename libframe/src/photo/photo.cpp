// The photo path: a decoded photo placed in its window (zoom, offsets, any
// turn), resampled and composited. Every face's photo is drawn by
// draw_placed(); the WebAssembly module's too, through frame_between().

#include "khung/photo.hpp"

#include "khung/error.hpp"
#include "photo/composite.hpp"
#include "photo/orientation.hpp"
#include "photo/parallel.hpp"
#include "photo/photo_source.hpp"
#include "photo/resample.hpp"
#include "photo/trig.hpp"
#include "photo/warp.hpp"
#include "support/name_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace khung {
namespace {

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
  return {detail::cos_pi(r / 180), detail::sin_pi(r / 180)};
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

// `shown`: the photo's size as seen (upright); `focus`: the upright photo's
// point to centre on, else its centre.
PhotoMap place_photo(Size shown, const Rect& window, const Placement& p, std::optional<detail::Point> focus) {
  PhotoMap map{};
  map.turn = turn(p.rotate);
  const Extent need = rotated_extent(window, map.turn);
  const double pw = shown.width, ph = shown.height;
  map.scale = std::max(need.width / pw, need.height / ph) * p.zoom;
  map.centre_x = window.x + window.width / 2.0;
  map.centre_y = window.y + window.height / 2.0;

  const double fx = focus ? focus->x : pw / 2, fy = focus ? focus->y : ph / 2;
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

// Composites the placed pixels (premultiplied, `drawn` on the canvas) through
// the window's coverage, in bands of rows on both cores; each band converted
// to sRGB first when the photo's profile asks (opaque pixels).
void paint_placed(Image& canvas, const Rect& drawn, Image& placed, const WindowMask& window,
                  const detail::ColorConversion* conversion) {
  const Rect& rect = window.rect;
  constexpr int kBand = 64;
  detail::parallel_blocks((drawn.height + kBand - 1) / kBand, [&](int first, int last) {
    for (int band = first; band < last; ++band) {
      const int y0 = band * kBand, rows = std::min(kBand, drawn.height - y0);
      if (conversion)
        for (int y = y0; y < y0 + rows; ++y) conversion->convert(placed.row(y), static_cast<std::size_t>(drawn.width));
      const std::uint8_t* coverage =
          window.coverage.data() + static_cast<std::size_t>(drawn.y + y0 - rect.y) * rect.width + (drawn.x - rect.x);
      detail::paint_layer(canvas, {drawn.x, drawn.y + y0, drawn.width, rows}, placed.row(y0), placed.stride(), coverage,
                          static_cast<std::size_t>(rect.width));
    }
  });
}

// Upright placements: the stored photo resampled straight onto the window in
// one separable pass, its EXIF turn folded into the axes (a mirrored axis of
// length L maps u to L - u; orientations 5..8 swap the axes, so the stored
// rows run across the window and the result is made transposed, then turned
// back).
void draw_upright(Image& canvas, const detail::StoredPhoto& photo, const Rect& drawn, const PhotoMap& map, Size shown,
                  const WindowMask& window) {
  using detail::AxisMap;
  const Image& stored = *photo.pixels;
  const int orientation = photo.orientation;
  const bool swap = detail::swaps_axes(orientation);
  const double k = map.scale;
  const AxisMap across{map.anchor_x + (drawn.x - map.centre_x) / k, k};
  const AxisMap down{map.anchor_y + (drawn.y - map.centre_y) / k, k};
  auto mirror = [](AxisMap m, int length) { return AxisMap{length - m.offset, -m.scale}; };
  detail::PixelsView source{stored.row(0), stored.stride(), stored.width(), stored.height()};
  // Resampling mixes neighbours, which is only right on premultiplied
  // colour: straight alpha would bleed the colour of transparent pixels. (A
  // photo still arriving is a JPEG: opaque.)
  std::vector<std::uint8_t> premultiplied;
  if (!photo.rows_ready && detail::has_transparency(source)) source = detail::premultiply(source, premultiplied);
  Image placed = Image::for_overwrite(drawn.width, drawn.height);
  if (!swap) {
    const AxisMap x = orientation == 2 || orientation == 3 ? mirror(across, shown.width) : across;
    const AxisMap y = orientation == 3 || orientation == 4 ? mirror(down, shown.height) : down;
    detail::resample(source, placed.row(0), placed.stride(), drawn.width, drawn.height, x, y, photo.rows_ready);
  } else {
    // 5: stored (column, row) = shown (y, x); 6: (y, W - x); 7: (H - y, W - x); 8: (H - y, x).
    const AxisMap x = orientation == 5 || orientation == 6 ? down : mirror(down, shown.height);
    const AxisMap y = orientation == 5 || orientation == 8 ? across : mirror(across, shown.width);
    Image turned = Image::for_overwrite(drawn.height, drawn.width);
    detail::resample(source, turned.row(0), turned.stride(), drawn.height, drawn.width, x, y, photo.rows_ready);
    detail::transpose({turned.row(0), turned.stride(), drawn.height, drawn.width}, placed.row(0), placed.stride());
  }
  paint_placed(canvas, drawn, placed, window, photo.conversion);
}

// Turned placements, on the upright photo: the part the window can reach is
// shrunk to about the final size first (so that large reductions do not
// alias), then turned and scaled the rest of the way by one bicubic warp.
void draw_turned(Image& canvas, const Image& photo, const Rect& drawn, const PhotoMap& map, const WindowMask& window,
                 const detail::ColorConversion* conversion) {
  const Rect& rect = window.rect;
  // The photo pixels the window can reach, plus room for the filters
  // (Lanczos-3 reads 3 pixels either side, widened when shrinking). The
  // whole window, not only its part on the canvas, so that the result does
  // not depend on clipping.
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
  std::vector<std::uint8_t> premultiplied;
  if (detail::has_transparency(source)) source = detail::premultiply(source, premultiplied);

  const double k = map.scale;
  double kx = 1, ky = 1;
  std::vector<std::uint8_t> reduced;
  if (k < 1) {
    const int w = std::max(1, static_cast<int>(std::lround(source.width * k)));
    const int h = std::max(1, static_cast<int>(std::lround(source.height * k)));
    kx = static_cast<double>(w) / source.width;
    ky = static_cast<double>(h) / source.height;
    reduced.resize(4 * static_cast<std::size_t>(w) * h);
    detail::resample(source, reduced.data(), 4 * static_cast<std::size_t>(w), w, h, {0, kx}, {0, ky});
    source = {reduced.data(), 4 * static_cast<std::size_t>(w), w, h};
  }
  // Canvas point (x, y) shows photo point (u, v) = to_photo(x, y), which is
  // reduced-source point ((u - rx0) kx, (v - ry0) ky); canvas x = drawn.x + i.
  //   u = anchor_x + (c (x - cx) + s (y - cy)) / k,  v = anchor_y + (-s (x - cx) + c (y - cy)) / k
  const double c = map.turn.cos, s = map.turn.sin;
  const double dx0 = drawn.x - map.centre_x, dy0 = drawn.y - map.centre_y;
  const detail::AffineMap affine{
      kx * c / k,  kx * s / k, kx * (map.anchor_x - rx0 + (c * dx0 + s * dy0) / k),
      -ky * s / k, ky * c / k, ky * (map.anchor_y - ry0 + (-s * dx0 + c * dy0) / k)};
  Image placed = Image::for_overwrite(drawn.width, drawn.height);
  detail::warp_affine(source, placed.row(0), placed.stride(), drawn.width, drawn.height, affine);
  paint_placed(canvas, drawn, placed, window, conversion);
}

}  // namespace

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

Placement settle(Size photo_size, const Rect& window, const Placement& placement) {
  validate(placement);
  if (photo_size.width <= 0 || photo_size.height <= 0 || window.empty()) return placement;
  const PhotoMap map = place_photo(photo_size, window, placement, std::nullopt);
  // place_photo: anchor = centre - R^T t / scale, t the offset in canvas
  // pixels; so t = R (centre - anchor) scale for the anchor it settled on.
  const double a = (photo_size.width / 2.0 - map.anchor_x) * map.scale;
  const double b = (photo_size.height / 2.0 - map.anchor_y) * map.scale;
  const double c = map.turn.cos, s = map.turn.sin;
  Placement out = placement;
  out.offset_x = static_cast<float>(std::clamp((c * a - s * b) / window.width, -1.0, 1.0));
  out.offset_y = static_cast<float>(std::clamp((s * a + c * b) / window.height, -1.0, 1.0));
  return out;
}

Size output_size(Size canvas, std::optional<int> width) {
  if (!width) return canvas;
  const int most = std::max(16, 4 * canvas.width);
  if (*width < 16 || *width > most)
    throw Error(ErrorCode::InvalidArgument,
                "width " + std::to_string(*width) + ": must be between 16 and " + std::to_string(most) + " px");
  const Size out{*width, std::max(1, static_cast<int>(std::lround(static_cast<double>(canvas.height) * *width /
                                                                   canvas.width)))};
  if (std::int64_t{out.width} * out.height > Image::max_pixels())
    throw Error(ErrorCode::InvalidArgument, "width " + std::to_string(*width) + ": the image would be " +
                                                std::to_string(out.width) + "x" + std::to_string(out.height) +
                                                ", over the " + std::to_string(Image::max_pixels()) + "-pixel limit");
  return out;
}

Image frame_between(const Image& under, const Image& photo, const WindowMask& window, const Image& over,
                    const Placement& placement, std::optional<int> output_width) {
  if (placement.focus == Focus::Face)
    throw Error(ErrorCode::InvalidArgument, "focus face: framing between layers takes a centred photo");
  if (over.empty()) throw Error(ErrorCode::InvalidArgument, "over: the image is empty");
  const Size canvas_size{over.width(), over.height()};
  if (!under.empty() && (under.width() != over.width() || under.height() != over.height()))
    throw Error(ErrorCode::InvalidArgument, "under: " + std::to_string(under.width()) + "x" +
                                                std::to_string(under.height()) + ", not the size of over (" +
                                                std::to_string(over.width()) + "x" + std::to_string(over.height()) + ")");
  const Size size = output_size(canvas_size, output_width);
  Image canvas = under.empty() ? Image(canvas_size.width, canvas_size.height) : under;
  detail::draw_placed(canvas, {&photo, 1, {}}, window, placement, std::nullopt);
  detail::composite_image(canvas, over, 0, 0);
  if (size != canvas_size) canvas = detail::resize_image(canvas, size);
  return canvas;
}

void flatten_onto_white(Image& image) {
  for (int y = 0; y < image.height(); ++y) {
    std::uint8_t* p = image.row(y);
    for (int x = 0; x < image.width(); ++x, p += 4) {
      const unsigned a = p[3];
      if (a == 255) continue;
      for (int c = 0; c < 3; ++c) p[c] = static_cast<std::uint8_t>((p[c] * a + 255 * (255 - a) + 127) / 255);
      p[3] = 255;
    }
  }
}

namespace detail {

void draw_placed(Image& canvas, const StoredPhoto& photo, const WindowMask& window, const Placement& placement,
                 std::optional<Point> focus) {
  validate(placement);
  const Rect& rect = window.rect;
  if (window.coverage.size() != (rect.empty() ? 0 : static_cast<std::size_t>(rect.width) * rect.height))
    throw Error(ErrorCode::InvalidArgument,
                "photo window: " + std::to_string(window.coverage.size()) + " coverage values for a " +
                    std::to_string(rect.width) + "x" + std::to_string(rect.height) + " rectangle");
  const Image& stored = *photo.pixels;
  if (stored.empty()) throw Error(ErrorCode::InvalidArgument, "photo: the image is empty");
  const int orientation = photo.orientation >= 1 && photo.orientation <= 8 ? photo.orientation : 1;
  // The part of the window on the canvas: only that part is drawn.
  const int x0 = std::max(rect.x, 0), y0 = std::max(rect.y, 0);
  const int x1 = std::min(rect.right(), canvas.width()), y1 = std::min(rect.bottom(), canvas.height());
  if (rect.empty() || x0 >= x1 || y0 >= y1) return;
  const Rect drawn{x0, y0, x1 - x0, y1 - y0};

  const Size shown = swaps_axes(orientation) ? Size{stored.height(), stored.width()}
                                             : Size{stored.width(), stored.height()};
  const PhotoMap map = place_photo(shown, rect, placement, focus);
  if (map.turn.cos == 1) {
    draw_upright(canvas, {&stored, orientation, photo.rows_ready, photo.conversion}, drawn, map, shown, window);
    return;
  }
  if (photo.rows_ready) photo.rows_ready(stored.height());
  if (orientation == 1) {
    draw_turned(canvas, stored, drawn, map, window, photo.conversion);
    return;
  }
  draw_turned(canvas, apply_orientation(stored, orientation), drawn, map, window, photo.conversion);
}

}  // namespace detail

namespace {
constexpr detail::EnumName<Focus> kFocusNames[] = {{"center", Focus::Center}, {"face", Focus::Face}};
}  // namespace

Focus parse_focus(std::string_view name, std::string_view what) {
  return detail::parse_enum<Focus>(kFocusNames, name, what);
}

const char* focus_name(Focus focus) { return detail::enum_name<Focus>(kFocusNames, focus); }

}  // namespace khung
