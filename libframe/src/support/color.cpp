#include "khung/color.hpp"

#include "khung/error.hpp"

#include <string>

namespace khung {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Color parse_color(std::string_view text) {
  if (text == "black") return {0, 0, 0, 255};
  if (text == "white") return {255, 255, 255, 255};
  if (text == "transparent") return {0, 0, 0, 0};
  auto fail = [&] {
    return Error(ErrorCode::InvalidArgument,
                 "colour '" + std::string(text) +
                     "': expected #RGB, #RGBA, #RRGGBB, #RRGGBBAA, black, white or transparent");
  };
  if (text.empty() || text[0] != '#') throw fail();
  std::string_view hex = text.substr(1);
  int digits[8];
  for (std::size_t i = 0; i < hex.size() && i < 8; ++i)
    if ((digits[i] = hex_digit(hex[i])) < 0) throw fail();
  auto byte = [&](int hi, int lo) { return static_cast<std::uint8_t>(hi * 16 + lo); };
  switch (hex.size()) {
    case 3:
    case 4: {
      Color c{byte(digits[0], digits[0]), byte(digits[1], digits[1]), byte(digits[2], digits[2]), 255};
      if (hex.size() == 4) c.a = byte(digits[3], digits[3]);
      return c;
    }
    case 6:
    case 8: {
      Color c{byte(digits[0], digits[1]), byte(digits[2], digits[3]), byte(digits[4], digits[5]), 255};
      if (hex.size() == 8) c.a = byte(digits[6], digits[7]);
      return c;
    }
    default:
      throw fail();
  }
}

}  // namespace khung
