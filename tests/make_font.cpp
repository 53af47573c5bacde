// Makes a test font for the CLI and Python tests (made_fonts.hpp):
//   make_font SOURCE OUT FAMILY [--legacy tcvn3|vni] [--only CHARS]
#include "made_fonts.hpp"

#include "khung/unicode.hpp"

#include <cstring>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: make_font SOURCE OUT FAMILY [--legacy tcvn3|vni] [--only CHARS]\n";
    return 2;
  }
  FontRecipe recipe{argv[3]};
  for (int i = 4; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--legacy") == 0)
      recipe.legacy = std::strcmp(argv[i + 1], "vni") == 0 ? khung::LegacyEncoding::Vni : khung::LegacyEncoding::Tcvn3;
    else if (std::strcmp(argv[i], "--only") == 0)
      recipe.only = khung::to_utf32(argv[i + 1]);
  }
  try {
    write_made_font(argv[1], argv[2], recipe);
  } catch (const std::exception& e) {
    std::cerr << "make_font: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
