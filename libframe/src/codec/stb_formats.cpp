// GIF (first frame), BMP, TGA and PSD through stb_image, compiled here with
// only those four loaders so no other stb parser faces untrusted input.

#include "codec/codecs.hpp"

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC  // private to this file: no clash with another copy of stb_image in the process
#define STBI_ONLY_GIF
#define STBI_ONLY_BMP
#define STBI_ONLY_TGA
#define STBI_ONLY_PSD
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
// stb's own guard, per side: far above the sides a strip within the pixel
// limit can have (1 x 100000 is a fine image). check_pixel_limit bounds the
// area before stb allocates anything.
#define STBI_MAX_DIMENSIONS (1 << 24)
#include <stb/stb_image.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <string>

namespace khung::detail {

namespace {

// stb's reason is a thread-local static string: read it at once, and clear
// it before each call, or a reason left by an earlier call would show.
// stb gives none (or an empty one) only for a GIF without a frame it can
// decode (none at all, or an LZW code size over 12).
void clear_failure_reason() { stbi__g_failure_reason = nullptr; }

std::string failure_reason() {
  const char* reason = stbi_failure_reason();
  return reason && *reason ? reason : "no frame that can be decoded";
}

int checked_length(ImageFormat format, std::span<const std::uint8_t> data) {
  if (data.size() > static_cast<std::size_t>(INT_MAX)) throw corrupt_data(format, "file too large");
  return static_cast<int>(data.size());
}

struct StbFree {
  void operator()(stbi_uc* pixels) const { stbi_image_free(pixels); }
};

// The file, handed to stb through its callbacks so that a file cut short is
// seen: read from memory, stb takes the bytes past the end for zeros and
// decodes a cut file as if it were whole. stb reads into its own small
// buffer (the first read always fills it), where a short read is just the
// end of the file, and reads runs of pixels straight into the image.
class Source {
 public:
  Source(ImageFormat format, std::span<const std::uint8_t> data) : data_(data) { checked_length(format, data); }

  const stbi_io_callbacks* callbacks() const {
    static const stbi_io_callbacks kCallbacks{read, skip, eof};
    return &kCallbacks;
  }
  // Whether stb asked for bytes the file does not have.
  bool cut_short() const { return cut_short_; }

 private:
  static int read(void* user, char* out, int size) {
    auto& s = *static_cast<Source*>(user);
    if (!s.buffer_) s.buffer_ = out;
    const std::size_t want = static_cast<std::size_t>(std::max(size, 0));
    const std::size_t n = std::min(want, s.data_.size() - s.at_);
    if (want > 0 && (n == 0 || (out != s.buffer_ && n < want))) s.cut_short_ = true;
    std::memcpy(out, s.data_.data() + s.at_, n);
    s.at_ += n;
    return static_cast<int>(n);
  }
  // stb skips forwards only; past the end is noticed by the next read.
  static void skip(void* user, int n) {
    auto& s = *static_cast<Source*>(user);
    s.at_ += std::min(static_cast<std::size_t>(std::max(n, 0)), s.data_.size() - s.at_);
  }
  static int eof(void* user) {
    const auto& s = *static_cast<const Source*>(user);
    return s.at_ >= s.data_.size();
  }

  std::span<const std::uint8_t> data_;
  std::size_t at_ = 0;
  const char* buffer_ = nullptr;
  bool cut_short_ = false;
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
  Source source(format, data);
  clear_failure_reason();
  const bool read = stbi_info_from_callbacks(source.callbacks(), &source, &width, &height, &channels);
  if (source.cut_short()) throw truncated_data(format);
  if (!read) throw corrupt_data(format, failure_reason());
  check_pixel_limit(format, width, height, limits);
  return {format, width, height, 1};
}

Image decode_stb(ImageFormat format, std::span<const std::uint8_t> data, const DecodeOptions& options) {
  probe_stb(format, data, options.limits);
  int width = 0, height = 0, channels = 0;
  Source source(format, data);
  clear_failure_reason();
  std::unique_ptr<stbi_uc, StbFree> pixels(
      stbi_load_from_callbacks(source.callbacks(), &source, &width, &height, &channels, 4));
  if (source.cut_short()) throw truncated_data(format);
  if (!pixels) throw corrupt_data(format, failure_reason());
  check_pixel_limit(format, width, height, options.limits);
  Image image = Image::for_overwrite(width, height);
  std::memcpy(image.row(0), pixels.get(), image.bytes().size());
  return image;
}

}  // namespace khung::detail
