// HEIC through libheif (1.15). libheif applies the irot/imir transforms
// itself, and HEIF readers take those as the image's orientation; Apple
// writes the same turn into the EXIF block as well, so applying EXIF on top
// would turn an iPhone photo twice. The EXIF block is therefore not read.

#include "codecs.hpp"

#include <libheif/heif.h>

#include <cstring>
#include <memory>
#include <string>

namespace khung::detail {

namespace {

struct ContextDeleter {
  void operator()(heif_context* ctx) const { heif_context_free(ctx); }
};
struct HandleDeleter {
  void operator()(heif_image_handle* handle) const { heif_image_handle_release(handle); }
};
struct ImageDeleter {
  void operator()(heif_image* image) const { heif_image_release(image); }
};
struct OptionsDeleter {
  void operator()(heif_decoding_options* options) const { heif_decoding_options_free(options); }
};

void check(heif_error error) {
  if (error.code == heif_error_Ok) return;
  if (error.code == heif_error_Invalid_input && error.subcode == heif_suberror_End_of_data)
    throw truncated_data(ImageFormat::Heic);
  throw corrupt_data(ImageFormat::Heic, error.message ? error.message : "decoding failed");
}

void init_libheif() {
  // Reference counted by libheif; held for the life of the process.
  static const bool initialised = [] {
    heif_init(nullptr);
    return true;
  }();
  (void)initialised;
}

// The context reads from `data` without copying: it must outlive the
// context, which it does within one probe or decode.
struct Opened {
  std::unique_ptr<heif_context, ContextDeleter> context;
  std::unique_ptr<heif_image_handle, HandleDeleter> primary;
  int width = 0, height = 0;  // upright, after libheif's transforms
};

Opened open_heic(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  init_libheif();
  Opened opened;
  opened.context.reset(heif_context_alloc());
  if (!opened.context) throw Error(ErrorCode::Image, "HEIC decoder: out of memory");
  check(heif_context_read_from_memory_without_copy(opened.context.get(), data.data(), data.size(), nullptr));
  heif_image_handle* handle = nullptr;
  check(heif_context_get_primary_image_handle(opened.context.get(), &handle));
  opened.primary.reset(handle);
  opened.width = heif_image_handle_get_width(handle);
  opened.height = heif_image_handle_get_height(handle);
  check_pixel_limit(ImageFormat::Heic, opened.width, opened.height, limits);
  return opened;
}

}  // namespace

ImageInfo probe_heic(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  Opened opened = open_heic(data, limits);
  return {ImageFormat::Heic, opened.width, opened.height, 1};
}

Image decode_heic(std::span<const std::uint8_t> data, const DecodeOptions& options) {
  Opened opened = open_heic(data, options.limits);
  std::unique_ptr<heif_decoding_options, OptionsDeleter> decoding(heif_decoding_options_alloc());
  if (!decoding) throw Error(ErrorCode::Image, "HEIC decoder: out of memory");
  decoding->convert_hdr_to_8bit = 1;
  heif_image* raw = nullptr;
  check(heif_decode_image(opened.primary.get(), &raw, heif_colorspace_RGB, heif_chroma_interleaved_RGBA,
                          decoding.get()));
  std::unique_ptr<heif_image, ImageDeleter> decoded(raw);
  int stride = 0;
  const std::uint8_t* plane = heif_image_get_plane_readonly(raw, heif_channel_interleaved, &stride);
  int width = heif_image_get_width(raw, heif_channel_interleaved);
  int height = heif_image_get_height(raw, heif_channel_interleaved);
  if (!plane || width <= 0 || height <= 0 || stride < width * 4)
    throw corrupt_data(ImageFormat::Heic, "no 8-bit RGBA image");
  // The decoded size may differ from the header's (a crop): check again.
  check_pixel_limit(ImageFormat::Heic, width, height, options.limits);
  Image image(width, height);
  for (int y = 0; y < height; ++y)
    std::memcpy(image.row(y), plane + static_cast<std::ptrdiff_t>(y) * stride, image.stride());
  return image;
}

}  // namespace khung::detail
