#pragma once
// The per-format halves of codec.hpp, and what they share. codec.cpp finds
// the format and checks the byte limit; each decoder then trusts nothing
// else: it checks the pixel limit from its header before allocating, and
// throws Error(Image) naming its format for a truncated or corrupt body.

#include "codec/color_profile.hpp"
#include "khung/codec.hpp"
#include "khung/error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace khung::detail {

class RowFeed;

// The bytes of a file, refused past max_bytes (Error(Image), as
// decode_image's byte limit) and for folders and unreadable files (Error(Io)
// with the system's reason).
std::vector<std::uint8_t> read_file(const std::filesystem::path& path, std::size_t max_bytes);

// The format a file name's extension (".JPG", ".webp") asks for, in any
// case: a format encode_image writes, by its name; nullopt for another.
std::optional<ImageFormat> format_of_extension(std::string_view extension);

// "JPEG", "WebP", ...: the format as people write it, for messages.
const char* display_name(ImageFormat format);

// Throws Error(Image) "<FORMAT> image <w>x<h>: over the <n>-pixel limit" (or
// for a zero side, "has no pixels"). The limit is the smaller of
// limits.max_pixels and Image::max_pixels().
void check_pixel_limit(ImageFormat format, std::int64_t width, std::int64_t height, const DecodeLimits& limits);

// Error(Image) "<why> <FORMAT> data" style messages: corrupt_data(Png, "bad
// CRC") reads "corrupt PNG data: bad CRC".
Error corrupt_data(ImageFormat format, const std::string& why);
Error truncated_data(ImageFormat format);

// Converts a decoded image, laid out as `layout`, from the colours of its
// embedded ICC profile to sRGB in place (CMYK becomes opaque RGBA). False
// when nothing was done: no profile (empty), an sRGB one, or one that
// cannot be used, which goes to options.warnings; CMYK is then still CMYK.
bool convert_to_srgb(Image& image, std::span<const std::uint8_t> profile, PixelLayout layout,
                     const DecodeOptions& options);
// Adds a warning to options.warnings, when there is one, once.
void warn(const DecodeOptions& options, const std::string& warning);

// A reduced-size decode offered by a format: numerator / denominator <= 1.
struct ScaleFactor {
  int num = 1, denom = 1;
  int scale(int side) const { return static_cast<int>((static_cast<std::int64_t>(side) * num + denom - 1) / denom); }
  friend bool operator==(const ScaleFactor&, const ScaleFactor&) = default;
};

// The smallest factor among `factors` (1/1 when none fits) whose scaled
// image, once turned upright by `orientation`, still covers
// options.min_width x options.min_height, or in a dimension where the full
// image is smaller than asked, keeps that dimension full. Never above 1.
ScaleFactor choose_scale(int width, int height, int orientation, const DecodeOptions& options,
                         std::span<const ScaleFactor> factors);

// The reduced size a JPEG of width x height (as stored, with this EXIF
// orientation) is decoded at for `options`.
ScaleFactor jpeg_scale(int width, int height, int orientation, const DecodeOptions& options);

// Decoders return upright 8-bit RGBA; probes report what the header says.
ImageInfo probe_jpeg(std::span<const std::uint8_t> data, const DecodeLimits& limits);
Image decode_jpeg(std::span<const std::uint8_t> data, const DecodeOptions& options);

// Decoded pixels as stored, with the EXIF orientation still to apply (1..8;
// only JPEG carries one here, so a stored image with orientation > 1 is
// opaque). Turning the photo costs a pass over it and a second copy; the
// renderer folds the turn into its resampling instead.
struct StoredImage {
  Image pixels;
  int orientation = 1;
  // The conversion to sRGB its embedded profile still asks for (null: the
  // pixels are sRGB). Only an RGB or greyscale JPEG leaves it to the caller,
  // its pixels opaque: the photo path converts only the pixels it draws,
  // after resampling (a window's worth, not the decoded photo);
  // upright_srgb() converts the whole image.
  std::shared_ptr<const ColorConversion> conversion;
};
// The stored image as decode_image() gives it: in sRGB, upright.
Image upright_srgb(StoredImage stored);
// The photo's pixels as stored (the checks and messages of decode_image
// and, for read_stored, read_image), EXIF turn not applied. With `feed`, a
// JPEG hands its rows to the feed as they are decoded and nullopt is
// returned when every row went into feed.image; anything else (another
// format, a CMYK JPEG, anything libjpeg reported) calls feed.fail() and
// returns the whole-image decode, with its errors. On an error the caller
// tells the feed (load_and_render does). Without a feed, never nullopt.
std::optional<StoredImage> decode_jpeg_stored(std::span<const std::uint8_t> data, const DecodeOptions& options,
                                              RowFeed* feed = nullptr);
std::optional<StoredImage> decode_stored(std::span<const std::uint8_t> data, const DecodeOptions& options,
                                         RowFeed* feed = nullptr);
std::optional<StoredImage> read_stored(const std::filesystem::path& path, const DecodeOptions& options,
                                       RowFeed* feed = nullptr);
std::vector<std::uint8_t> encode_jpeg(const Image& image, int quality);

ImageInfo probe_png(std::span<const std::uint8_t> data, const DecodeLimits& limits);
Image decode_png(std::span<const std::uint8_t> data, const DecodeOptions& options);
std::vector<std::uint8_t> encode_png(const Image& image);

ImageInfo probe_webp(std::span<const std::uint8_t> data, const DecodeLimits& limits);
Image decode_webp(std::span<const std::uint8_t> data, const DecodeOptions& options);
std::vector<std::uint8_t> encode_webp(const Image& image, int quality);

// HEIC: libheif applies the file's own rotation and mirroring (irot, imir),
// which take precedence over the informative EXIF orientation; the size
// reported is therefore already upright and the orientation 1.
ImageInfo probe_heic(std::span<const std::uint8_t> data, const DecodeLimits& limits);
Image decode_heic(std::span<const std::uint8_t> data, const DecodeOptions& options);

// GIF (first frame), BMP, TGA and PSD through stb_image.
bool looks_like_tga(std::span<const std::uint8_t> data);
ImageInfo probe_stb(ImageFormat format, std::span<const std::uint8_t> data, const DecodeLimits& limits);
Image decode_stb(ImageFormat format, std::span<const std::uint8_t> data, const DecodeOptions& options);

}  // namespace khung::detail
