#include "khung/font.hpp"

#include "khung/error.hpp"
#include "khung/unicode.hpp"
#include "text/font_face.hpp"
#include "text/utf8.hpp"
#include "text/vietnamese.hpp"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_GLYPH_H
#include FT_OUTLINE_H
#include FT_STROKER_H
#include FT_TRUETYPE_TABLES_H

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <utility>

namespace khung {
namespace detail {
namespace {

// Maps the file read-only: fonts are large and a render touches few of
// their pages, so nothing is copied up front.
MappedFile map_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(ErrorCode::InvalidArgument, "font '" + path.string() + "': no such file");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCode::Font, "font '" + path.string() + "': " + std::strerror(errno));
  struct stat st {};
  void* p = MAP_FAILED;
  if (::fstat(fd, &st) == 0 && st.st_size > 0)
    p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) throw Error(ErrorCode::Font, "font '" + path.string() + "': cannot be read");
  return MappedFile(static_cast<const std::uint8_t*>(p), static_cast<std::size_t>(st.st_size));
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

// The bottom and top of a code point's outline in font units (y up);
// nullopt when the font has no glyph or the glyph no ink.
std::optional<std::pair<long, long>> ink_rows(FT_Face face, char32_t cp) {
  FT_UInt gid = FT_Get_Char_Index(face, cp);
  if (gid == 0 || FT_Load_Glyph(face, gid, FT_LOAD_NO_SCALE | FT_LOAD_NO_BITMAP) ||
      face->glyph->format != FT_GLYPH_FORMAT_OUTLINE || face->glyph->outline.n_points == 0)
    return std::nullopt;
  FT_BBox box{};
  FT_Outline_Get_CBox(&face->glyph->outline, &box);
  return std::pair<long, long>{box.yMin, box.yMax};
}

// The Latin-1 code point a legacy encoding stores `letter`'s code (or, for
// VNI, its mark byte) at.
char32_t legacy_byte(std::string_view letter, LegacyEncoding encoding) {
  std::u32string coded = to_utf32(unicode_to_legacy(letter, encoding));
  return coded.empty() ? 0 : coded.back();
}

// See Font::legacy_encoding(). A legacy font has none of the Vietnamese
// letters of U+1EA0..U+1EF9 where Unicode puts them (a converted font that
// kept its old name has them and is Unicode).
std::optional<LegacyEncoding> detect_legacy_font(FT_Face face, const std::string& family) {
  for (char32_t cp = 0x1EA0; cp <= 0x1EF9; ++cp)
    if (FT_Get_Char_Index(face, cp) != 0) return std::nullopt;
  if (starts_with_nocase(family, ".Vn")) return LegacyEncoding::Tcvn3;
  if (starts_with_nocase(family, "VNI-") || starts_with_nocase(family, "VNI ")) return LegacyEncoding::Vni;
  // Whatever the name: compare what is drawn at Latin-1 code points with
  // the letter's height, measured on "x".
  auto x = ink_rows(face, U'x');
  if (!x || x->second <= 0) return std::nullopt;
  const long xh = x->second;
  // A letter's body stands on the baseline and reaches the x-height.
  auto body = [&](char32_t cp) {
    auto rows = ink_rows(face, cp);
    return rows && rows->first <= xh * 15 / 100 && rows->second >= xh * 3 / 4;
  };
  // A tone mark alone floats above the letters it goes on.
  auto mark_above = [&](char32_t cp) {
    auto rows = ink_rows(face, cp);
    return rows && rows->first >= xh / 2;
  };
  // Latin-1 has lone accents (the diaeresis, cedilla, middle dot) where
  // TCVN3 has ă, á, ã.
  static constexpr const char* kTcvn3Letters[] = {"ă", "á", "ã"};
  if (std::all_of(std::begin(kTcvn3Letters), std::end(kTcvn3Letters),
                  [&](const char* l) { return body(legacy_byte(l, LegacyEncoding::Tcvn3)); }))
    return LegacyEncoding::Tcvn3;
  // Latin-1 has letters (ù ø û õ) where VNI has the acute, grave, hook and
  // tilde to put after a vowel.
  static constexpr const char* kToned[] = {"á", "à", "ả", "ã"};
  if (std::all_of(std::begin(kToned), std::end(kToned),
                  [&](const char* l) { return mark_above(legacy_byte(l, LegacyEncoding::Vni)); }))
    return LegacyEncoding::Vni;
  return std::nullopt;
}

}  // namespace

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

FontFace::FontFace(const std::filesystem::path& path) : path_(path), data_(map_file(path)) {
  auto fail = [&](const std::string& why) {
    return Error(ErrorCode::Font, "font '" + path.string() + "': " + why);
  };
  if (FT_Init_FreeType(&ft_library_)) throw fail("FreeType could not start");
  if (FT_New_Memory_Face(ft_library_, data_.data(), static_cast<FT_Long>(data_.size()), 0, &ft_face_) ||
      !FT_IS_SCALABLE(ft_face_)) {
    FT_Done_FreeType(ft_library_);
    throw fail("not a scalable TrueType or OpenType font");
  }
  family_ = ft_face_->family_name ? ft_face_->family_name : path.stem().string();
  style_name_ = ft_face_->style_name ? ft_face_->style_name : "Regular";
  italic_ = (ft_face_->style_flags & FT_STYLE_FLAG_ITALIC) != 0;
  weight_ = (ft_face_->style_flags & FT_STYLE_FLAG_BOLD) ? 700 : 400;
  if (auto* os2 = static_cast<TT_OS2*>(FT_Get_Sfnt_Table(ft_face_, FT_SFNT_OS2));
      os2 && os2->usWeightClass >= 1 && os2->usWeightClass <= 1000)
    weight_ = os2->usWeightClass;
  legacy_ = detect_legacy_font(ft_face_, family_);

  hb_blob_t* blob = hb_blob_create(reinterpret_cast<const char*>(data_.data()),
                                   static_cast<unsigned>(data_.size()), HB_MEMORY_MODE_READONLY,
                                   nullptr, nullptr);
  hb_face_ = hb_face_create(blob, 0);
  hb_blob_destroy(blob);
  hb_face_make_immutable(hb_face_);
  hb_font_ = hb_font_create(hb_face_);
  hb_font_make_immutable(hb_font_);
}

FontFace::~FontFace() {
  hb_font_destroy(hb_font_);
  hb_face_destroy(hb_face_);
  FT_Done_Face(ft_face_);
  FT_Done_FreeType(ft_library_);
}

std::uint32_t FontFace::nominal_glyph(char32_t cp) const {
  hb_codepoint_t gid = 0;
  return hb_font_get_nominal_glyph(hb_font_, cp, &gid) ? gid : 0;
}

HbFont FontFace::scaled(std::int32_t size64) const {
  hb_font_t* font = hb_font_create(hb_face_);
  hb_font_set_scale(font, size64, size64);
  return HbFont(font);
}

GlyphCache::Entry FontFace::glyph(const GlyphKey& key) const {
  if (auto hit = cache_.find(key)) return hit;
  return cache_.insert(key, rasterise(key.glyph, key.size64, key.stroke64, 0, key.phase_x * 16, key.phase_y * 16));
}

GlyphBitmap FontFace::rasterise(std::uint32_t glyph_id, std::int32_t size64, std::int32_t stroke64, double angle,
                                std::int32_t dx64, std::int32_t dy64) const {
  GlyphBitmap out;
  std::lock_guard lock(ft_mutex_);
  if (FT_Set_Char_Size(ft_face_, 0, size64, 72, 72) ||
      FT_Load_Glyph(ft_face_, glyph_id, FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP) ||
      ft_face_->glyph->format != FT_GLYPH_FORMAT_OUTLINE)
    return out;  // nothing drawable: an empty mask
  FT_Glyph glyph = nullptr;
  if (FT_Get_Glyph(ft_face_->glyph, &glyph)) return out;
  if (stroke64 > 0) {
    FT_Stroker stroker = nullptr;
    if (FT_Stroker_New(ft_library_, &stroker) == 0) {
      FT_Stroker_Set(stroker, stroke64, FT_STROKER_LINECAP_ROUND, FT_STROKER_LINEJOIN_ROUND, 0);
      // The outside border alone, filled: the glyph grown by the radius.
      FT_Glyph_StrokeBorder(&glyph, stroker, 0, 1);
      FT_Stroker_Done(stroker);
    }
  }
  if (angle != 0) {
    // Clockwise on screen is clockwise in FreeType's y-up space too.
    auto fixed = [](double v) { return static_cast<FT_Fixed>(std::lround(v * 65536.0)); };
    FT_Matrix turn{fixed(std::cos(angle)), fixed(std::sin(angle)), fixed(-std::sin(angle)), fixed(std::cos(angle))};
    FT_Glyph_Transform(glyph, &turn, nullptr);
  }
  // y grows downwards in our images, upwards in FreeType.
  FT_Vector origin{dx64, -dy64};
  if (FT_Glyph_To_Bitmap(&glyph, FT_RENDER_MODE_NORMAL, &origin, 1) == 0) {
    auto* bg = reinterpret_cast<FT_BitmapGlyph>(glyph);
    const FT_Bitmap& bm = bg->bitmap;
    out.left = bg->left;
    out.top = -bg->top;
    out.width = static_cast<int>(bm.width);
    out.height = static_cast<int>(bm.rows);
    out.coverage.resize(static_cast<std::size_t>(out.width) * out.height);
    for (int y = 0; y < out.height; ++y) {
      const unsigned char* src = bm.buffer + static_cast<std::ptrdiff_t>(y) * bm.pitch;
      std::copy(src, src + out.width, out.coverage.begin() + static_cast<std::ptrdiff_t>(y) * out.width);
    }
  }
  FT_Done_Glyph(glyph);
  return out;
}

}  // namespace detail

const std::string& Font::family() const { return face_->family(); }
const std::string& Font::style_name() const { return face_->style_name(); }
int Font::weight() const { return face_->weight(); }
bool Font::italic() const { return face_->italic(); }
const std::filesystem::path& Font::path() const { return face_->path(); }
bool Font::has_codepoint(char32_t cp) const { return face_->nominal_glyph(cp) != 0; }
std::size_t Font::cached_glyph_count() const { return face_->cached_glyph_count(); }
std::optional<LegacyEncoding> Font::legacy_encoding() const { return face_->legacy_encoding(); }

const Font& require_unicode(const Font& font) {
  if (auto enc = font.legacy_encoding())
    throw Error(ErrorCode::Font, "font '" + font.family() + "' (" + font.path().filename().string() + ") is " +
                                     (*enc == LegacyEncoding::Tcvn3 ? "TCVN3" : "VNI") +
                                     "-encoded: its Vietnamese letters sit on Latin-1 code points, so Unicode text "
                                     "would be drawn wrong; use a Unicode font such as Noto Sans");
  return font;
}

std::u32string missing_vietnamese_letters(const Font& font) {
  std::u32string out;
  for (char32_t letter : detail::kVietnameseLetters) {
    if (font.has_codepoint(letter)) continue;
    // As the text engine does: HarfBuzz composes base and marks the font has.
    std::string utf8;
    detail::append_utf8(utf8, letter);
    const std::u32string parts = to_utf32(to_nfd(utf8));
    if (!std::all_of(parts.begin(), parts.end(), [&](char32_t cp) { return font.has_codepoint(cp); }))
      out += letter;
  }
  return out;
}

Font load_font(const std::filesystem::path& path) {
  return detail::FontAccess::make(std::make_shared<const detail::FontFace>(path));
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_font_file(const std::filesystem::path& p) {
  std::string ext = lower(p.extension().string());
  return ext == ".ttf" || ext == ".otf" || ext == ".ttc";
}

// CSS font matching distance: how far a face's weight is from the wanted one,
// with the search direction CSS prescribes breaking ties.
int weight_distance(int want, int have) {
  if (have == want) return 0;
  bool lighter_first = want <= 400 || (want <= 500 && have >= 400 && have <= 500);
  if (want > 500) lighter_first = false;
  if (lighter_first) return have < want ? want - have : 1000 + have - want;
  return have > want ? have - want : 1000 + want - have;
}

// How far a face is from the weight and style wanted: the style first.
int match_distance(const Font& f, int weight, bool italic) {
  return weight_distance(weight, f.weight()) + (f.italic() != italic ? 10000 : 0);
}

// The face of `faces` (one family) nearest the weight and style: the first
// of equals.
const Font& nearest(const std::vector<Font>& faces, int weight, bool italic) {
  return *std::min_element(faces.begin(), faces.end(), [&](const Font& a, const Font& b) {
    return match_distance(a, weight, italic) < match_distance(b, weight, italic);
  });
}

}  // namespace

bool is_font_path(std::string_view family) {
  return family.find('/') != std::string_view::npos || is_font_file(std::filesystem::path(family));
}

struct FontLibrary::LoadedFiles {
  std::mutex mutex;
  std::map<std::string, Font, std::less<>> by_path;
};

FontLibrary::FontLibrary() : loaded_(std::make_shared<LoadedFiles>()) {}

FontLibrary::FontLibrary(const std::vector<std::filesystem::path>& dirs) : FontLibrary() {
  for (const auto& dir : dirs) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (auto it = std::filesystem::directory_iterator(dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
      if (it->is_regular_file() && is_font_file(it->path())) files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      try {
        fonts_.push_back(load_font(f));
      } catch (const Error&) {
        // An unusable file in a font folder is skipped; asking for it by path
        // still reports why.
      }
    }
  }
  // Families in the order of their first file, then the preferred ones first.
  std::vector<std::string> names;
  for (const Font& f : fonts_) {
    std::string name = lower(f.family());
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      names.push_back(name);
      by_family_.push_back({f});
    } else {
      by_family_[static_cast<std::size_t>(it - names.begin())].push_back(f);
    }
  }
  auto rank = [](const std::vector<Font>& family) {
    static const char* preferred[] = {"noto sans", "noto serif", "noto sans symbols2"};
    for (int i = 0; i < 3; ++i)
      if (lower(family.front().family()) == preferred[i]) return i;
    return 3;
  };
  std::stable_sort(by_family_.begin(), by_family_.end(),
                   [&](const std::vector<Font>& a, const std::vector<Font>& b) { return rank(a) < rank(b); });
}

std::vector<Font> FontLibrary::fallbacks(int weight, bool italic) const {
  std::vector<Font> out;
  for (const std::vector<Font>& family : by_family_) {
    const Font& f = nearest(family, weight, italic);
    if (!f.legacy_encoding()) out.push_back(f);
  }
  return out;
}

const FontLibrary& FontLibrary::bundled() {
  static const FontLibrary library = [] {
    std::vector<std::filesystem::path> dirs{data_dir() / "fonts"};
    if (const char* extra = std::getenv("KHUNG_FONT_PATH")) {
      std::string_view rest = extra;
      while (!rest.empty()) {
        auto colon = rest.find(':');
        if (colon != 0) dirs.emplace_back(rest.substr(0, colon));
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
      }
    }
    return FontLibrary(dirs);
  }();
  return library;
}

namespace {

Error no_such_family(const std::string& family, const std::vector<std::string>& names) {
  std::string known;
  for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
  return Error(ErrorCode::InvalidArgument,
               "font '" + family + "': no such family (available: " + (known.empty() ? "none" : known) + ")");
}

}  // namespace

Font FontLibrary::find(const FontQuery& query) const {
  const std::string want = lower(query.family);
  for (const std::vector<Font>& family : by_family_)
    if (lower(family.front().family()) == want) return require_unicode(nearest(family, query.weight, query.italic));
  throw no_such_family(query.family, families());
}

bool FontLibrary::has_family(std::string_view family) const {
  const std::string want = lower(family);
  return std::any_of(by_family_.begin(), by_family_.end(),
                     [&](const std::vector<Font>& faces) { return lower(faces.front().family()) == want; });
}

std::shared_ptr<const FontLibrary> FontLibrary::folder(const std::filesystem::path& dir) {
  // What the folder's fonts are, cheaply: their paths, sizes and times.
  std::vector<std::filesystem::path> dirs{dir, dir / "fonts"};
  std::string signature;
  for (const auto& d : dirs) {
    std::error_code ec;
    std::vector<std::string> entries;
    for (auto it = std::filesystem::directory_iterator(d, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
      std::error_code e2;
      if (!it->is_regular_file(e2) || !is_font_file(it->path())) continue;
      auto size = it->file_size(e2);
      auto time = it->last_write_time(e2).time_since_epoch().count();
      entries.push_back(it->path().string() + '\0' + std::to_string(size) + '\0' + std::to_string(time));
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) signature += e + '\n';
  }
  struct Cache {
    std::mutex mutex;
    std::map<std::string, std::pair<std::string, std::shared_ptr<const FontLibrary>>> by_dir;
  };
  static Cache cache;
  std::error_code ec;
  const std::string key = std::filesystem::weakly_canonical(dir, ec).string();
  std::lock_guard lock(cache.mutex);
  auto& [known, library] = cache.by_dir[ec ? dir.string() : key];
  if (!library || known != signature) {
    library = signature.empty() ? std::make_shared<const FontLibrary>() : std::make_shared<const FontLibrary>(dirs);
    known = signature;
  }
  return library;
}

Font FontLibrary::resolve(const FontQuery& query) const {
  if (!is_font_path(query.family)) return find(query);
  const std::filesystem::path p(query.family);
  std::lock_guard lock(loaded_->mutex);
  auto it = loaded_->by_path.find(query.family);
  if (it == loaded_->by_path.end()) it = loaded_->by_path.emplace(query.family, load_font(p)).first;
  return require_unicode(it->second);
}

Font resolve_font(const FontQuery& query, const FontLibrary* own, const FontLibrary& library) {
  if (own && own->has_family(query.family)) return own->find(query);
  if (!own || is_font_path(query.family) || library.has_family(query.family)) return library.resolve(query);
  std::set<std::string> names;
  for (const auto& n : own->families()) names.insert(n);
  for (const auto& n : library.families()) names.insert(n);
  throw no_such_family(query.family, {names.begin(), names.end()});
}

std::vector<std::string> FontLibrary::families() const {
  std::set<std::string> names;
  for (const Font& f : fonts_) names.insert(f.family());
  return {names.begin(), names.end()};
}

namespace {

struct DefaultDataDir {
  std::mutex mutex;
  std::filesystem::path dir = KHUNG_SOURCE_DATA_DIR;
};

DefaultDataDir& default_data_dir() {
  static DefaultDataDir d;
  return d;
}

}  // namespace

std::filesystem::path data_dir() {
  if (const char* env = std::getenv("KHUNG_DATA_DIR"); env && *env) return env;
  DefaultDataDir& d = default_data_dir();
  std::lock_guard lock(d.mutex);
  return d.dir;
}

void set_default_data_dir(const std::filesystem::path& dir) {
  DefaultDataDir& d = default_data_dir();
  std::lock_guard lock(d.mutex);
  d.dir = dir;
}

}  // namespace khung
