#pragma once
// Fonts: loading a font file, and finding fonts by family, weight and style.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace khung {

namespace detail {
class FontFace;
}

// What a text layer asks for: a family with a weight (100..900, 400 normal,
// 700 bold) and a style, or a font file path in `family`.
struct FontQuery {
  std::string family = "Noto Sans";
  int weight = 400;
  bool italic = false;
  friend bool operator==(const FontQuery&, const FontQuery&) = default;
};

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
  // How many rasterised glyphs the font's cache holds (for tests and metrics).
  std::size_t cached_glyph_count() const;
  friend bool operator==(const Font& a, const Font& b) { return a.face_ == b.face_; }

  // For the library's own use.
  explicit Font(std::shared_ptr<const detail::FontFace> face) : face_(std::move(face)) {}
  const detail::FontFace& face() const { return *face_; }

 private:
  std::shared_ptr<const detail::FontFace> face_;
};

// Loads a .ttf/.otf file. Throws Error(InvalidArgument) when the file is
// missing, Error(Font) when it is not a usable font; both name the path.
Font load_font(const std::filesystem::path& path);

// A set of fonts found by family, weight and style.
class FontLibrary {
 public:
  FontLibrary();  // empty
  // Loads every .ttf/.otf/.ttc file directly inside the given folders.
  explicit FontLibrary(const std::vector<std::filesystem::path>& dirs);

  // The process-wide library of the bundled fonts (the `fonts/` folder of the
  // data directory, see data_dir()) plus the folders in $KHUNG_FONT_PATH
  // (separated by ':'). Loaded on first use; thread-safe.
  static const FontLibrary& bundled();

  // The best font of the family: the nearest weight (CSS rules: for 400 and
  // under, lighter first; above, heavier first), preferring the asked style.
  // Throws Error(InvalidArgument) naming the family and the available ones.
  Font find(const FontQuery& query) const;

  // A query whose family looks like a path ("/", or a .ttf/.otf/.ttc
  // extension) loads that file, once: later calls share it and its glyph
  // cache. Otherwise find(query).
  Font resolve(const FontQuery& query) const;

  // Fonts tried, in order, for characters the chosen fonts lack: one face
  // of each family, Noto Sans, Noto Serif and Noto Sans Symbols 2 first
  // when present, then the others in the order of their files. Of each
  // family, the face find() would pick for `weight` and `italic`, so that a
  // letter taken from a fallback is as bold and as slanted as the letters
  // around it (pass the chosen font's own weight and style).
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
