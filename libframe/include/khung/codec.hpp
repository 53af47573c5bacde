#pragma once
// Reading and writing image files with the codec libraries themselves:
// libjpeg-turbo (TurboJPEG), libspng, libwebp, libheif, stb_image (GIF, BMP,
// TGA, PSD). Every decoded image is 8-bit RGBA, upright (EXIF orientation
// applied), and never larger than the limits allow.

#include "khung/image.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace khung {

enum class ImageFormat { Png, Jpeg, Webp, Gif, Bmp, Tga, Psd, Heic };

// "png", "jpeg", ... as used in messages, HTTP and file extensions.
const char* format_name(ImageFormat format);

// Untrusted input is bounded by these; the HTTP face passes stricter ones.
struct DecodeLimits {
  std::int64_t max_pixels = 50'000'000;      // width x height, checked from the header before decoding
  std::size_t max_bytes = 20u * 1024 * 1024; // size of the encoded file
};

struct DecodeOptions {
  DecodeLimits limits = {};  // "= {}": designated initializers may leave it out without -Wextra noise
  // Shrink-on-load: when > 0, the decoder may reduce the image (JPEG DCT
  // scaling, HEIC/WebP scaled decode where offered) but the upright result
  // still covers min_width x min_height, or is the full size when that is
  // smaller. 0: full size.
  int min_width = 0, min_height = 0;
};

// What the header says, without decoding pixels.
struct ImageInfo {
  ImageFormat format = ImageFormat::Png;
  int width = 0, height = 0;  // as stored, before orientation
  int orientation = 1;        // EXIF orientation 1..8 (1 = upright)
};

// Throws Error(Unsupported) when the bytes are not an image Khung reads, and
// Error(Image) when the header is corrupt or over the limits; messages name
// the format and, for limits, the limit.
ImageInfo probe_image(std::span<const std::uint8_t> data, const DecodeLimits& limits = {});

// Decodes the first frame to upright 8-bit RGBA. Grayscale, palette, CMYK and
// 16-bit inputs are converted. Throws as probe_image, and Error(Image) for a
// truncated or corrupt body.
//   Image photo = decode_image(bytes, {.min_width = 1080, .min_height = 1080});
Image decode_image(std::span<const std::uint8_t> data, const DecodeOptions& options = {});

// decode_image on a file's contents; errors are prefixed with the path
// ("photo 'x.jpg': ..."), a missing file is Error(Io).
Image read_image(const std::filesystem::path& path, const DecodeOptions& options = {});

struct EncodeOptions {
  int quality = 90;  // JPEG and WebP, 1..100 (JPEG uses 4:2:0 chroma)
};

// The format a file name's extension asks for: .png, .jpg/.jpeg, .webp (any
// case). Throws Error(InvalidArgument) for another extension, naming it.
ImageFormat format_from_path(const std::filesystem::path& path);

// Encodes to an in-memory file: PNG, JPEG or WebP (alpha is kept in PNG and
// WebP, flattened onto white for JPEG). Throws Error(InvalidArgument) for a
// quality out of range or a format that cannot be written, Error(Image) when
// the encoder fails.
std::vector<std::uint8_t> encode_image(const Image& image, ImageFormat format, const EncodeOptions& options = {});

// Writes atomically: encodes, writes "<path>.tmp-<random>" in the same folder,
// then renames over path, so a reader never sees a partial file.
// Throws Error(Io) naming the path when the folder is missing or not writable.
//   save_image(img, "out/banner.jpg", {.quality = 85});
void save_image(const Image& image, const std::filesystem::path& path, const EncodeOptions& options = {});

}  // namespace khung
