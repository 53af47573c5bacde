#pragma once
// Painting text coverage: the shadow, stroke and fill layers of a text style,
// shared by straight and arc text.

#include "khung/text.hpp"
#include "photo/composite.hpp"

namespace khung::detail {

// Pixels the shadow of ink covering `ink` reaches (empty without a shadow).
Rect shadow_rect(const Rect& ink, const Shadow& shadow);

// Paints, in order, the blurred shadow of fill ∪ grown, the stroke (grown:
// the glyphs dilated by the stroke width; ignored when the style has no
// stroke) and the fill, each in its style colour.
void paint_text(Image& canvas, const Mask& fill, const Mask& grown, const TextStyle& style);

}  // namespace khung::detail
