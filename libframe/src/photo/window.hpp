#pragma once
// find_window (photo.hpp) for the library's own callers, which name the
// overlay their own way: a template's layer and file, `khung new frame`'s
// "the overlay".

#include "khung/photo.hpp"

#include <optional>
#include <string>

namespace khung::detail {

// The window 'auto' finds in `overlay`, or why there is none, said of the
// overlay without naming it ("has no transparent hole for an auto photo
// window", "leaves 'auto' unsure whether ..."). find_window throws
// "overlay: " + why.
struct WindowSearch {
  std::optional<WindowMask> window;
  std::string why;
};
WindowSearch search_window(const Image& overlay);

}  // namespace khung::detail
