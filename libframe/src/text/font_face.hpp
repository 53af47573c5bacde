#pragma once
// The private side of Font: the HarfBuzz face used for shaping and the
// FreeType face used for rasterising, over one in-memory copy of the file.

#include "khung/font.hpp"
#include "text/glyph_cache.hpp"

#include <hb.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

typedef struct FT_LibraryRec_* FT_Library;
typedef struct FT_FaceRec_* FT_Face;

namespace khung::detail {

// Owning holder of an hb_font_t (HarfBuzz's reference counting underneath).
class HbFont {
 public:
  HbFont() = default;
  explicit HbFont(hb_font_t* font) : font_(font) {}
  HbFont(HbFont&& o) noexcept : font_(std::exchange(o.font_, nullptr)) {}
  HbFont& operator=(HbFont&& o) noexcept {
    std::swap(font_, o.font_);
    return *this;
  }
  HbFont(const HbFont&) = delete;
  HbFont& operator=(const HbFont&) = delete;
  ~HbFont() { hb_font_destroy(font_); }
  hb_font_t* get() const { return font_; }

 private:
  hb_font_t* font_ = nullptr;
};

// A read-only memory mapping of a whole file, unmapped on destruction.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  MappedFile(MappedFile&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  MappedFile& operator=(MappedFile&&) = delete;
  ~MappedFile();
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

class FontFace {
 public:
  // Throws Error(InvalidArgument) for a missing file, Error(Font) otherwise.
  explicit FontFace(const std::filesystem::path& path);
  ~FontFace();
  FontFace(const FontFace&) = delete;
  FontFace& operator=(const FontFace&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::string& family() const { return family_; }
  const std::string& style_name() const { return style_name_; }
  int weight() const { return weight_; }
  bool italic() const { return italic_; }
  const std::optional<LegacyEncoding>& legacy_encoding() const { return legacy_; }
  // The nominal glyph of a code point, 0 when the font lacks it.
  std::uint32_t nominal_glyph(char32_t cp) const;
  // A HarfBuzz font scaled so that one unit is 1/64 pixel at size64/64 px.
  HbFont scaled(std::int32_t size64) const;
  // The glyph's coverage mask, rasterised once and then cached.
  GlyphCache::Entry glyph(const GlyphKey& key) const;
  // Rasterises without the cache: turned `angle` radians clockwise about its
  // origin, which sits (dx64, dy64) / 64 px right of and below the pixel
  // corner the mask's left/top are measured from (y grows downwards).
  GlyphBitmap rasterise(std::uint32_t glyph, std::int32_t size64, std::int32_t stroke64, double angle,
                        std::int32_t dx64, std::int32_t dy64) const;
  std::size_t cached_glyph_count() const { return cache_.size(); }

 private:
  std::filesystem::path path_;
  MappedFile data_;
  std::string family_, style_name_;
  int weight_ = 400;
  bool italic_ = false;
  std::optional<LegacyEncoding> legacy_;
  hb_face_t* hb_face_ = nullptr;
  hb_font_t* hb_font_ = nullptr;  // unscaled, immutable: for code point look-ups
  FT_Library ft_library_ = nullptr;
  FT_Face ft_face_ = nullptr;
  mutable std::mutex ft_mutex_;  // FreeType faces are not thread-safe
  mutable GlyphCache cache_;
};

// The faces behind a Font, for the library's own files: the public class
// shows none of them.
struct FontAccess {
  static Font make(std::shared_ptr<const FontFace> face) { return Font(std::move(face)); }
  static const FontFace& face(const Font& font) { return *font.face_; }
};
inline const FontFace& font_face(const Font& font) { return FontAccess::face(font); }

}  // namespace khung::detail
