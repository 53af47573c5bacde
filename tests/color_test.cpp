#include "khung/color.hpp"
#include "khung/error.hpp"

#include <catch2/catch.hpp>

using khung::Color;
using khung::parse_color;

TEST_CASE("colours parse from hex and names", "[color]") {
  CHECK(parse_color("#C8102E") == Color{0xC8, 0x10, 0x2E, 255});
  CHECK(parse_color("#c8102e80") == Color{0xC8, 0x10, 0x2E, 0x80});
  CHECK(parse_color("#f0a") == Color{0xFF, 0x00, 0xAA, 255});
  CHECK(parse_color("#f0a8") == Color{0xFF, 0x00, 0xAA, 0x88});
  CHECK(parse_color("white") == Color{255, 255, 255, 255});
  CHECK(parse_color("transparent").a == 0);
}

TEST_CASE("a bad colour names the text", "[color]") {
  for (const char* bad : {"", "red1", "#12", "#12345", "#GG0000", "C8102E", "#C8102E0"}) {
    INFO(bad);
    try {
      parse_color(bad);
      FAIL("accepted");
    } catch (const khung::Error& e) {
      CHECK(e.code() == khung::ErrorCode::InvalidArgument);
      CHECK(std::string(e.what()).find(std::string("colour '") + bad + "'") == 0);
    }
  }
}
