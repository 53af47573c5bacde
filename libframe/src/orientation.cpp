#include "orientation.hpp"

#include "modules.hpp"

#include <utility>

namespace khung::detail {

Image apply_orientation(Image stored, int orientation) {
  if (orientation < 2 || orientation > 8 || stored.empty()) return stored;
  ModuleCall call;
  if (orientation <= 4) {  // mirrored in place
    call.check(cv_module().orient(stored.row(0), stored.width(), stored.height(), nullptr, orientation, call.error,
                                  sizeof call.error));
    return stored;
  }
  Image upright = Image::for_overwrite(stored.height(), stored.width());
  call.check(cv_module().orient(stored.row(0), stored.width(), stored.height(), upright.row(0), orientation,
                                call.error, sizeof call.error));
  return upright;
}

}  // namespace khung::detail
