#include "khung/font.hpp"

#include "font_face.hpp"
#include "khung/error.hpp"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_GLYPH_H
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

Font load_font(const std::filesystem::path& path) {
  return Font(std::make_shared<const detail::FontFace>(path));
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
  for (const std::vector<Font>& family : by_family_) out.push_back(nearest(family, weight, italic));
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

Font FontLibrary::find(const FontQuery& query) const {
  const std::string want = lower(query.family);
  for (const std::vector<Font>& family : by_family_)
    if (lower(family.front().family()) == want) return nearest(family, query.weight, query.italic);
  std::string known;
  for (const auto& name : families()) known += (known.empty() ? "" : ", ") + name;
  throw Error(ErrorCode::InvalidArgument,
              "font '" + query.family + "': no such family (available: " +
                  (known.empty() ? "none" : known) + ")");
}

Font FontLibrary::resolve(const FontQuery& query) const {
  std::filesystem::path p(query.family);
  if (query.family.find('/') == std::string::npos && !is_font_file(p)) return find(query);
  std::lock_guard lock(loaded_->mutex);
  auto it = loaded_->by_path.find(query.family);
  if (it == loaded_->by_path.end()) it = loaded_->by_path.emplace(query.family, load_font(p)).first;
  return it->second;
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
