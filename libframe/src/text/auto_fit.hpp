#pragma once
// The auto-fit search text and arc text share: the largest whole-pixel size
// at which a layout fits, from the style's size down to its smallest.

#include "khung/text.hpp"

#include <functional>
#include <optional>

namespace khung::detail {

// px: where Overflow::Shrink without a min_size stops shrinking.
constexpr float kShrinkFloor = 6.0f;

// The smallest size auto-fit and overflow go to: min_size when set, else
// kShrinkFloor for Overflow::Shrink (style.size when that is smaller), else
// style.size itself.
float smallest_size(const TextStyle& style);

// The layout at a size when it fits, nullopt when it does not.
using FitAt = std::function<std::optional<TextLayout>(float size)>;

// The layout at style.size when it fits, else at the largest whole-pixel
// size from smallest_size(style) up to below style.size that fits; nullopt
// when none does (the caller applies the overflow).
std::optional<TextLayout> fit_largest(const TextStyle& style, const FitAt& fits_at);

}  // namespace khung::detail
