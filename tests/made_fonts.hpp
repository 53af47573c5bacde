#pragma once
// Test fonts made from a bundled one with HarfBuzz (libharfbuzz-dev's face
// builder and subsetter), so that no binary font is committed: a font
// renamed to a family of its own, one cut down to a few letters, and fake
// legacy Vietnamese fonts whose cmap puts letters on Latin-1 code points as
// TCVN3 and VNI fonts do. Throws std::runtime_error when HarfBuzz fails.

#include "khung/legacy.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <utility>

struct FontRecipe {
  FontRecipe(std::string family_name, std::string style_name = "Regular", std::optional<std::u32string> only_these = {},
             std::optional<khung::LegacyEncoding> encoding = {})
      : family(std::move(family_name)), style(std::move(style_name)), only(std::move(only_these)), legacy(encoding) {}
  std::string family;  // the name table's family (ID 1); the full name is family + " " + style
  std::string style = "Regular";
  // Keep only these characters (and their glyphs), plus Basic Latin.
  std::optional<std::u32string> only;
  // Replace the cmap by the legacy encoding's: Basic Latin as it is, and at
  // each Latin-1 code point the encoding uses, the glyph of what it stands
  // for there (TCVN3: a letter; VNI: a letter, or the combining tone or
  // shape mark its mark byte adds). No code point of U+0100 and above.
  std::optional<khung::LegacyEncoding> legacy;
};

// Writes `source` (a file of fonts/) made as `recipe` says to `out`;
// returns `out`.
std::filesystem::path write_made_font(const std::filesystem::path& source, const std::filesystem::path& out,
                                      const FontRecipe& recipe);
