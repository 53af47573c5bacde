#include "text/text_paint.hpp"

#include "cv/modules.hpp"

#include <cmath>

namespace khung::detail {

Rect shadow_rect(const Rect& ink, const Shadow& s) {
  if (ink.empty() || s.color.a == 0) return {};
  int pad = static_cast<int>(std::ceil(s.blur));
  return {ink.x + static_cast<int>(std::lround(s.dx)) - pad, ink.y + static_cast<int>(std::lround(s.dy)) - pad,
          ink.width + 2 * pad, ink.height + 2 * pad};
}

void paint_text(Image& canvas, const Mask& fill, const Mask& grown, const TextStyle& style) {
  const bool stroked = style.stroke.width > 0 && !grown.rect.empty();
  const Shadow& sh = style.shadow;
  if (sh.color.a > 0 && !fill.rect.empty()) {
    Rect area = stroked ? unite(fill.rect, grown.rect) : fill.rect;
    int pad = static_cast<int>(std::ceil(sh.blur));
    Mask shadow({area.x - pad, area.y - pad, area.width + 2 * pad, area.height + 2 * pad});
    unite_coverage(shadow, fill.coverage.data(), fill.rect.width, fill.rect.height, fill.rect.x, fill.rect.y);
    if (stroked)
      unite_coverage(shadow, grown.coverage.data(), grown.rect.width, grown.rect.height, grown.rect.x, grown.rect.y);
    if (pad > 0) {
      // A Gaussian cut at 3 sigma: the fade ends at the blur radius.
      ModuleCall call;
      call.check(cv_module().blur(shadow.coverage.data(), shadow.rect.width, shadow.rect.height, 2 * pad + 1,
                                  sh.blur / 3.0, call.error, sizeof call.error));
    }
    paint_mask(canvas, shadow, sh.color, static_cast<int>(std::lround(sh.dx)), static_cast<int>(std::lround(sh.dy)));
  }
  if (stroked) paint_mask(canvas, grown, style.stroke.color);
  paint_mask(canvas, fill, style.color);
}

}  // namespace khung::detail
