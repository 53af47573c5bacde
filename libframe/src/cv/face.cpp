// Face focus: the one part of placing a photo that needs OpenCV (its face
// module), kept out of the photo unit that the WebAssembly build compiles.

#include "cv/modules.hpp"
#include "khung/error.hpp"
#include "khung/photo.hpp"
#include "photo/orientation.hpp"
#include "photo/photo_source.hpp"

namespace khung {

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
  detail::draw_focused(canvas, {&photo, 1, {}}, window, placement);
}

namespace detail {

void draw_focused(Image& canvas, const StoredPhoto& photo, const WindowMask& window, const Placement& placement) {
  if (placement.focus != Focus::Face || !photo.pixels || photo.pixels->empty()) {
    draw_placed(canvas, photo, window, placement, std::nullopt);
    return;
  }
  validate(placement);  // before the search, which takes time
  if (photo.rows_ready) photo.rows_ready(photo.pixels->height());
  const bool turned = photo.orientation > 1 && photo.orientation <= 8;
  const Image upright = turned ? apply_orientation(*photo.pixels, photo.orientation) : Image();
  const Image& shown = turned ? upright : *photo.pixels;
  std::optional<Point> focus;
  if (std::optional<Rect> face = detect_face(shown)) focus = Point{face->x + face->width / 2.0, face->y + face->height / 2.0};
  draw_placed(canvas, {&shown, 1, {}, photo.conversion}, window, placement, focus);
}

}  // namespace detail

}  // namespace khung
