#pragma once
// Colours: straight (not premultiplied) 8-bit sRGB with alpha.

#include <cstdint>
#include <string_view>

namespace khung {

struct Color {
  std::uint8_t r = 0, g = 0, b = 0, a = 255;
  friend bool operator==(const Color&, const Color&) = default;
};

// Parses "#RGB", "#RGBA", "#RRGGBB", "#RRGGBBAA" (case-insensitive) or one of
// the names "black", "white", "transparent".
// Throws Error(InvalidArgument) naming the text, e.g. "colour 'red1': ...".
//   Color gold = parse_color("#FFD200");
Color parse_color(std::string_view text);

}  // namespace khung
