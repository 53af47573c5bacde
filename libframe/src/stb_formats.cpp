// GIF (first frame), BMP, TGA and PSD through stb_image, compiled here with
// only those four loaders so no other stb parser faces untrusted input.

#include "codecs.hpp"

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC  // private to this file: no clash with another copy of stb_image in the process
#define STBI_ONLY_GIF
#define STBI_ONLY_BMP
#define STBI_ONLY_TGA
#define STBI_ONLY_PSD
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
// A second guard behind check_pixel_limit, per side.
#define STBI_MAX_DIMENSIONS (1 << 16)
#include <stb/stb_image.h>

#include <climits>
#include <cstring>
#include <memory>
#include <string>

namespace khung::detail {

namespace {

// stb's reason is a thread-local static string: read it at once.
std::string failure_reason() {
  const char* reason = stbi_failure_reason();
  return reason ? reason : "decoding failed";
}

int checked_length(ImageFormat format, std::span<const std::uint8_t> data) {
  if (data.size() > static_cast<std::size_t>(INT_MAX)) throw corrupt_data(format, "file too large");
  return static_cast<int>(data.size());
}

struct StbFree {
  void operator()(stbi_uc* pixels) const { stbi_image_free(pixels); }
};

}  // namespace

bool looks_like_tga(std::span<const std::uint8_t> data) {
  // TGA has no signature; stb's loaders tried in turn only accept a header
  // that parses, and the callers have ruled out the other three formats.
  int width = 0, height = 0, channels = 0;
  return data.size() >= 18 && data.size() <= static_cast<std::size_t>(INT_MAX) &&
         stbi_info_from_memory(data.data(), static_cast<int>(data.size()), &width, &height, &channels) == 1 &&
         width > 0 && height > 0;
}

ImageInfo probe_stb(ImageFormat format, std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_memory(data.data(), checked_length(format, data), &width, &height, &channels))
    throw corrupt_data(format, failure_reason());
  check_pixel_limit(format, width, height, limits);
  return {format, width, height, 1};
}

Image decode_stb(ImageFormat format, std::span<const std::uint8_t> data, const DecodeOptions& options) {
  probe_stb(format, data, options.limits);
  int width = 0, height = 0, channels = 0;
  std::unique_ptr<stbi_uc, StbFree> pixels(
      stbi_load_from_memory(data.data(), checked_length(format, data), &width, &height, &channels, 4));
  if (!pixels) throw corrupt_data(format, failure_reason());
  check_pixel_limit(format, width, height, options.limits);
  Image image = Image::for_overwrite(width, height);
  std::memcpy(image.row(0), pixels.get(), image.bytes().size());
  return image;
}

}  // namespace khung::detail
