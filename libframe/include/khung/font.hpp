#pragma once
// Fonts: loading a font file, and finding fonts by family, weight and style.

#include "khung/legacy.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace khung {

namespace detail {
class FontFace;
struct FontAccess;  // the library's own way in (font_face.hpp)
}

// What a text layer asks for: a family with a weight (100..900, 400 normal,
// 700 bold) and a style, or a font file path in `family`.
struct FontQuery {
  std::string family = "Noto Sans";
  int weight = 400;
  bool italic = false;
  friend bool operator==(const FontQuery&, const FontQuery&) = default;
};

// Whether a FontQuery's family names a font file rather than a family: it
// holds a '/' or ends in .ttf, .otf or .ttc (in any case). The one test
// for it: FontLibrary::resolve loads such a file, a template reads it as an
// asset path inside its folder.
//   is_font_path("fonts/Roboto-Bold.ttf") && is_font_path("Roboto.TTF") && !is_font_path("Roboto")
bool is_font_path(std::string_view family);

// A loaded font: a cheap-to-copy shared handle to an immutable face and its
// glyph cache. Safe to use from several threads at once.
class Font {
 public:
  Font() = default;  // empty
  bool empty() const { return !face_; }
  const std::string& family() const;
  // The face's own name for its style: "Regular", "Bold", "Bold Italic".
  const std::string& style_name() const;
  int weight() const;
  bool italic() const;
  const std::filesystem::path& path() const;
  // True when the font maps the code point to a real glyph (not .notdef).
  bool has_codepoint(char32_t cp) const;
  // The legacy Vietnamese encoding the font is made for, nullopt for a
  // Unicode font. A TCVN3 or VNI font draws Vietnamese letters at Latin-1
  // code points, so Unicode text in it comes out wrong. Recognised by the
  // family name (".Vn..." for TCVN3, "VNI-..." for VNI) of a font without
  // the letters U+1EA0..U+1EF9, or, whatever its name, by what such a font
  // draws at Latin-1 code points: a whole letter where Latin-1 has a lone
  // accent (TCVN3's "á" at U+00B8, the cedilla), or a lone tone mark where
  // Latin-1 has a letter (VNI's acute at U+00F9, "ù").
  std::optional<LegacyEncoding> legacy_encoding() const;
  // How many rasterised glyphs the font's cache holds (for tests and metrics).
  std::size_t cached_glyph_count() const;
  friend bool operator==(const Font& a, const Font& b) { return a.face_ == b.face_; }

 private:
  friend struct detail::FontAccess;
  explicit Font(std::shared_ptr<const detail::FontFace> face) : face_(std::move(face)) {}
  std::shared_ptr<const detail::FontFace> face_;
};

// Loads a .ttf/.otf file. Throws Error(InvalidArgument) when the file is
// missing, Error(Font) when it is not a usable font; both name the path.
Font load_font(const std::filesystem::path& path);

// Throws Error(Font) when the font is TCVN3- or VNI-encoded
// (legacy_encoding()): "font '.VnTime' (vntime.ttf) is TCVN3-encoded: its
// Vietnamese letters sit on Latin-1 code points, so Unicode text would be
// drawn wrong; use a Unicode font such as Noto Sans". Returns the font.
const Font& require_unicode(const Font& font);

// The Vietnamese letters (of the 134 with diacritics: à ... ỵ, đ and their
// capitals) the font cannot draw, in that order: a letter counts as drawn
// when the font has it whole or has its base letter and combining marks
// (which HarfBuzz composes). Empty for the bundled fonts.
//   missing_vietnamese_letters(latin_only) == U"ăằắ...ỵĂẰ...Ỵ"
std::u32string missing_vietnamese_letters(const Font& font);

// A set of fonts found by family, weight and style.
class FontLibrary {
 public:
  FontLibrary();  // empty
  // Loads every .ttf/.otf/.ttc file directly inside the given folders.
  explicit FontLibrary(const std::vector<std::filesystem::path>& dirs);

  // A template folder's own fonts: the .ttf/.otf/.ttc files in `dir` and in
  // its `fonts/` subfolder. Loaded once per folder and kept: later calls
  // return the same library while the folder's font files are the same
  // (names, sizes and times), a new one when a file was added, changed or
  // removed. Thread-safe. Never throws: a missing folder gives an empty
  // library.
  //   auto own = FontLibrary::folder("designs");  // designs/Roboto-Bold.ttf ...
  //   Font f = resolve_font({"Roboto", 700}, own.get(), FontLibrary::bundled());
  static std::shared_ptr<const FontLibrary> folder(const std::filesystem::path& dir);

  // The process-wide library of the bundled fonts (the `fonts/` folder of the
  // data directory, see data_dir()) plus the folders in $KHUNG_FONT_PATH
  // (separated by ':'). Loaded on first use; thread-safe.
  static const FontLibrary& bundled();

  // The best font of the family: the nearest weight (CSS rules: for 400 and
  // under, lighter first; above, heavier first), preferring the asked style.
  // Throws Error(InvalidArgument) naming the family and the available ones,
  // Error(Font) when the face found is TCVN3- or VNI-encoded (require_unicode).
  Font find(const FontQuery& query) const;

  // Whether find() knows the family (case-insensitive).
  bool has_family(std::string_view family) const;

  // A query whose family is a font file (is_font_path) loads that file,
  // once: later calls share it and its glyph cache. Otherwise find(query).
  // Refuses a legacy-encoded font, as find().
  Font resolve(const FontQuery& query) const;

  // Fonts tried, in order, for characters the chosen fonts lack: one face
  // of each family, Noto Sans, Noto Serif and Noto Sans Symbols 2 first
  // when present, then the others in the order of their files. Of each
  // family, the face find() would pick for `weight` and `italic`, so that a
  // letter taken from a fallback is as bold and as slanted as the letters
  // around it (pass the chosen font's own weight and style). Legacy-encoded
  // fonts are never fallbacks.
  //   for (const Font& f : fonts.fallbacks(700, false)) ...  // Noto Sans Bold, Noto Serif Bold, ...
  std::vector<Font> fallbacks(int weight = 400, bool italic = false) const;

  // Family names, sorted, without duplicates.
  std::vector<std::string> families() const;

 private:
  struct LoadedFiles;
  std::vector<Font> fonts_;
  std::vector<std::vector<Font>> by_family_;  // the faces of each family, in fallback order
  std::shared_ptr<LoadedFiles> loaded_;
};

// A text layer's font: `query` from `own` (a template folder's fonts, may be
// null) when it has the family, else library.resolve(query); so a folder's
// "Roboto" wins over a bundled one. Throws as resolve(); an unknown family's
// error lists the families of both ("font 'Robotto': no such family
// (available: Noto Sans, ..., Roboto)").
Font resolve_font(const FontQuery& query, const FontLibrary* own, const FontLibrary& library);

// The folder holding `fonts/` and `assets/`: $KHUNG_DATA_DIR when set, else
// the folder given to set_default_data_dir(), else the source tree the
// library was built from.
std::filesystem::path data_dir();

// Replaces the source tree as data_dir()'s fallback, for a packaged copy
// that carries its own `fonts/` and `assets/` (the Python package does this
// when imported). $KHUNG_DATA_DIR still wins. Call it before the first
// render: the bundled fonts are loaded once. Thread-safe.
//   set_default_data_dir(package_dir / "data");
void set_default_data_dir(const std::filesystem::path& dir);

}  // namespace khung
