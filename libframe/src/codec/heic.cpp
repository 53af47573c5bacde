// HEIC through libheif (1.15). libheif applies the irot/imir transforms
// itself, and HEIF readers take those as the image's orientation; Apple
// writes the same turn into the EXIF block as well, so applying EXIF on top
// would turn an iPhone photo twice. The EXIF block is therefore not read.
//
// libheif is opened with dlopen on the first HEIC, not linked: loading it
// (and libde265, whose tables it builds at load time) costs every process
// about 4 ms of start-up, and most never see a HEIC.

#include "codec/codecs.hpp"

#include <libheif/heif.h>

#include <dlfcn.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace khung::detail {

namespace {

// The libheif functions used here, found in the shared library at run time.
struct Libheif {
#define KHUNG_HEIF_FUNCTIONS(X)                                                                              \
  X(heif_init) X(heif_context_alloc) X(heif_context_free) X(heif_context_read_from_memory_without_copy)     \
  X(heif_context_get_primary_image_handle) X(heif_image_handle_get_width) X(heif_image_handle_get_height)   \
  X(heif_image_handle_release) X(heif_decoding_options_alloc) X(heif_decoding_options_free)                 \
  X(heif_decode_image) X(heif_image_get_plane_readonly) X(heif_image_get_width) X(heif_image_get_height)        \
  X(heif_image_release) X(heif_image_handle_get_color_profile_type)                                          \
  X(heif_image_handle_get_raw_color_profile_size) X(heif_image_handle_get_raw_color_profile)                 \
  X(heif_image_handle_get_nclx_color_profile) X(heif_nclx_color_profile_free)
#define KHUNG_HEIF_POINTER(name) decltype(&::name) name = nullptr;
  KHUNG_HEIF_FUNCTIONS(KHUNG_HEIF_POINTER)
#undef KHUNG_HEIF_POINTER
  std::string error;  // why it could not be loaded; empty when it was
};

const Libheif& libheif() {
  static const Libheif lib = [] {
    Libheif l;
    void* so = dlopen("libheif.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!so) {
      const char* why = dlerror();
      l.error = std::string("libheif.so.1 could not be loaded (") + (why ? why : "unknown reason") + ")";
      return l;
    }
#define KHUNG_HEIF_LOOKUP(name)                                                  \
  l.name = reinterpret_cast<decltype(&::name)>(dlsym(so, #name));               \
  if (!l.name && l.error.empty()) l.error = "libheif.so.1 has no " #name;
    KHUNG_HEIF_FUNCTIONS(KHUNG_HEIF_LOOKUP)
#undef KHUNG_HEIF_LOOKUP
#undef KHUNG_HEIF_FUNCTIONS
    // Reference counted by libheif; held (like the library) for the life of
    // the process.
    if (l.error.empty()) l.heif_init(nullptr);
    return l;
  }();
  if (!lib.error.empty()) throw Error(ErrorCode::Unsupported, "HEIC: " + lib.error);
  return lib;
}

struct ContextDeleter {
  void operator()(heif_context* ctx) const { libheif().heif_context_free(ctx); }
};
struct HandleDeleter {
  void operator()(heif_image_handle* handle) const { libheif().heif_image_handle_release(handle); }
};
struct ImageDeleter {
  void operator()(heif_image* image) const { libheif().heif_image_release(image); }
};
struct OptionsDeleter {
  void operator()(heif_decoding_options* options) const { libheif().heif_decoding_options_free(options); }
};

void check(heif_error error) {
  if (error.code == heif_error_Ok) return;
  if (error.code == heif_error_Invalid_input && error.subcode == heif_suberror_End_of_data)
    throw truncated_data(ImageFormat::Heic);
  std::string why = error.message ? error.message : "decoding failed";
  while (!why.empty() && std::isspace(static_cast<unsigned char>(why.back()))) why.pop_back();
  throw corrupt_data(ImageFormat::Heic, why);
}

// ISO-BMFF boxes, read only as far as messages need them: libheif reports a
// file cut inside its 'ftyp' or 'meta' box as a missing box, and refuses a
// side over its own limit without saying how large the image is.

std::uint32_t u32_be(std::span<const std::uint8_t> data, std::size_t at) {
  return std::uint32_t{data[at]} << 24 | std::uint32_t{data[at + 1]} << 16 | std::uint32_t{data[at + 2]} << 8 |
         data[at + 3];
}

// Calls fn(type, body) for each box of `data` in turn. False when the data
// ends inside a box; a malformed size ends the walk, for libheif to judge.
template <class Fn>
bool for_each_box(std::span<const std::uint8_t> data, Fn fn) {
  std::size_t at = 0;
  while (at < data.size()) {
    if (data.size() - at < 8) return false;
    std::uint64_t size = u32_be(data, at);
    std::size_t header = 8;
    if (size == 1) {  // a 64-bit size follows the type
      if (data.size() - at < 16) return false;
      size = std::uint64_t{u32_be(data, at + 8)} << 32 | u32_be(data, at + 12);
      header = 16;
    } else if (size == 0) {  // the box runs to the end of the file
      size = data.size() - at;
    }
    if (size < header) return true;
    if (size > data.size() - at) return false;
    fn(std::string_view(reinterpret_cast<const char*>(data.data() + at + 4), 4),
       data.subspan(at + header, static_cast<std::size_t>(size) - header));
    at += static_cast<std::size_t>(size);
  }
  return true;
}

// The body of the first box of that type in `data`; empty when there is none.
std::span<const std::uint8_t> find_box(std::span<const std::uint8_t> data, std::string_view type) {
  std::optional<std::span<const std::uint8_t>> found;
  for_each_box(data, [&](std::string_view t, std::span<const std::uint8_t> body) {
    if (t == type && !found) found = body;
  });
  return found.value_or(std::span<const std::uint8_t>{});
}

// The largest image size an 'ispe' property declares (meta/iprp/ipco): the
// primary image's, as thumbnails and grid tiles are smaller.
std::optional<std::pair<std::int64_t, std::int64_t>> declared_size(std::span<const std::uint8_t> data) {
  std::span<const std::uint8_t> meta = find_box(data, "meta");
  if (meta.size() < 4) return std::nullopt;
  // The boxes in 'meta' follow its version and flags.
  std::span<const std::uint8_t> properties = find_box(find_box(meta.subspan(4), "iprp"), "ipco");
  std::optional<std::pair<std::int64_t, std::int64_t>> largest;
  for_each_box(properties, [&](std::string_view type, std::span<const std::uint8_t> ispe) {
    if (type != "ispe" || ispe.size() < 12) return;
    std::int64_t width = u32_be(ispe, 4), height = u32_be(ispe, 8);
    if (!largest || width * height > largest->first * largest->second) largest = {width, height};
  });
  return largest;
}

// check() for the calls that read the file's structure.
void check_structure(heif_error error, std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  if (error.code == heif_error_Ok) return;
  if (error.subcode == heif_suberror_Security_limit_exceeded) {
    if (auto size = declared_size(data)) {
      check_pixel_limit(ImageFormat::Heic, size->first, size->second, limits);
      throw Error(ErrorCode::Image, "HEIC image " + std::to_string(size->first) + "x" + std::to_string(size->second) +
                                        ": over the HEIC decoder's size limit");
    }
  }
  const bool whole = for_each_box(data, [](std::string_view, std::span<const std::uint8_t>) {});
  if (!whole) throw truncated_data(ImageFormat::Heic);
  check(error);
}

// The context reads from `data` without copying: it must outlive the
// context, which it does within one probe or decode.
struct Opened {
  std::unique_ptr<heif_context, ContextDeleter> context;
  std::unique_ptr<heif_image_handle, HandleDeleter> primary;
  int width = 0, height = 0;  // upright, after libheif's transforms
};

Opened open_heic(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  const Libheif& heif = libheif();
  Opened opened;
  opened.context.reset(heif.heif_context_alloc());
  if (!opened.context) throw Error(ErrorCode::Image, "HEIC decoder: out of memory");
  check_structure(
      heif.heif_context_read_from_memory_without_copy(opened.context.get(), data.data(), data.size(), nullptr), data,
      limits);
  heif_image_handle* handle = nullptr;
  check_structure(heif.heif_context_get_primary_image_handle(opened.context.get(), &handle), data, limits);
  opened.primary.reset(handle);
  opened.width = heif.heif_image_handle_get_width(handle);
  opened.height = heif.heif_image_handle_get_height(handle);
  check_pixel_limit(ImageFormat::Heic, opened.width, opened.height, limits);
  return opened;
}

// The colr box: an ICC profile ('prof', 'rICC') or, failing one, the nclx
// colour description (primaries and transfer), converted to sRGB.
void convert_colors(heif_image_handle* handle, Image& image, const DecodeOptions& options) {
  const Libheif& heif = libheif();
  const heif_color_profile_type type = heif.heif_image_handle_get_color_profile_type(handle);
  if (type == heif_color_profile_type_prof || type == heif_color_profile_type_rICC) {
    const std::size_t size = heif.heif_image_handle_get_raw_color_profile_size(handle);
    if (size > max_profile_bytes) {
      warn(options, "its ICC profile of " + std::to_string(size) + " bytes is over the " +
                        std::to_string(max_profile_bytes >> 20) + " MB limit; the colours are drawn as sRGB");
      return;
    }
    std::vector<std::uint8_t> profile(size);
    if (size > 0 && heif.heif_image_handle_get_raw_color_profile(handle, profile.data()).code == heif_error_Ok)
      convert_to_srgb(image, profile, PixelLayout::Rgb, options);
    return;
  }
  heif_color_profile_nclx* nclx = nullptr;
  if (heif.heif_image_handle_get_nclx_color_profile(handle, &nclx).code != heif_error_Ok || !nclx) return;
  const ProfileConversion found = nclx_conversion(nclx->color_primaries, nclx->transfer_characteristics);
  heif.heif_nclx_color_profile_free(nclx);
  if (!found.warning.empty()) warn(options, found.warning);
  if (found.conversion) convert_rows(image, *found.conversion, 0, image.height());
}

}  // namespace

ImageInfo probe_heic(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  Opened opened = open_heic(data, limits);
  return {ImageFormat::Heic, opened.width, opened.height, 1};
}

Image decode_heic(std::span<const std::uint8_t> data, const DecodeOptions& options) {
  Opened opened = open_heic(data, options.limits);
  const Libheif& heif = libheif();
  std::unique_ptr<heif_decoding_options, OptionsDeleter> decoding(heif.heif_decoding_options_alloc());
  if (!decoding) throw Error(ErrorCode::Image, "HEIC decoder: out of memory");
  decoding->convert_hdr_to_8bit = 1;
  heif_image* raw = nullptr;
  check(heif.heif_decode_image(opened.primary.get(), &raw, heif_colorspace_RGB, heif_chroma_interleaved_RGBA,
                          decoding.get()));
  std::unique_ptr<heif_image, ImageDeleter> decoded(raw);
  int stride = 0;
  const std::uint8_t* plane = heif.heif_image_get_plane_readonly(raw, heif_channel_interleaved, &stride);
  int width = heif.heif_image_get_width(raw, heif_channel_interleaved);
  int height = heif.heif_image_get_height(raw, heif_channel_interleaved);
  if (!plane || width <= 0 || height <= 0 || stride < width * 4)
    throw corrupt_data(ImageFormat::Heic, "no 8-bit RGBA image");
  // The decoded size may differ from the header's (a crop): check again.
  check_pixel_limit(ImageFormat::Heic, width, height, options.limits);
  Image image = Image::for_overwrite(width, height);
  for (int y = 0; y < height; ++y)
    std::memcpy(image.row(y), plane + static_cast<std::ptrdiff_t>(y) * stride, image.stride());
  convert_colors(opened.primary.get(), image, options);
  return image;
}

}  // namespace khung::detail
