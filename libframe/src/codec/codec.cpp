#include "khung/codec.hpp"

#include "codec/codecs.hpp"
#include "codec/row_feed.hpp"
#include "khung/error.hpp"
#include "photo/orientation.hpp"
#include "support/atomic_file.hpp"
#include "support/name_table.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace khung {

namespace detail {

const char* display_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::Png: return "PNG";
    case ImageFormat::Jpeg: return "JPEG";
    case ImageFormat::Webp: return "WebP";
    case ImageFormat::Gif: return "GIF";
    case ImageFormat::Bmp: return "BMP";
    case ImageFormat::Tga: return "TGA";
    case ImageFormat::Psd: return "PSD";
    case ImageFormat::Heic: return "HEIC";
  }
  return "image";
}

void check_pixel_limit(ImageFormat format, std::int64_t width, std::int64_t height, const DecodeLimits& limits) {
  std::string what =
      std::string(display_name(format)) + " image " + std::to_string(width) + "x" + std::to_string(height);
  if (width <= 0 || height <= 0) throw Error(ErrorCode::Image, what + ": has no pixels");
  std::int64_t limit = std::max<std::int64_t>(0, std::min(limits.max_pixels, Image::max_pixels()));
  // Divide rather than multiply: two unsigned 32-bit sides overflow int64.
  if (width > limit / height || width * height > limit)
    throw Error(ErrorCode::Image, what + ": over the " + std::to_string(limit) + "-pixel limit");
}

Error corrupt_data(ImageFormat format, const std::string& why) {
  return Error(ErrorCode::Image, std::string("corrupt ") + display_name(format) + " data: " + why);
}

Error truncated_data(ImageFormat format) {
  return Error(ErrorCode::Image, std::string(display_name(format)) + " data is truncated (the file is incomplete)");
}

void warn(const DecodeOptions& options, const std::string& warning) {
  if (!options.warnings) return;
  auto& list = *options.warnings;
  if (std::find(list.begin(), list.end(), warning) == list.end()) list.push_back(warning);
}

bool convert_to_srgb(Image& image, std::span<const std::uint8_t> profile, PixelLayout layout,
                     const DecodeOptions& options) {
  if (profile.empty()) return false;
  const ProfileConversion found = icc_conversion(profile, layout);
  if (!found.warning.empty()) warn(options, found.warning);
  if (!found.conversion) return false;
  convert_rows(image, *found.conversion, 0, image.height());
  return true;
}

ScaleFactor choose_scale(int width, int height, int orientation, const DecodeOptions& options,
                         std::span<const ScaleFactor> factors) {
  ScaleFactor best;
  if (options.min_width <= 0 && options.min_height <= 0) return best;
  bool swap = swaps_axes(orientation);
  int upright_width = swap ? height : width, upright_height = swap ? width : height;
  int need_width = std::min(std::max(options.min_width, 0), upright_width);
  int need_height = std::min(std::max(options.min_height, 0), upright_height);
  for (ScaleFactor f : factors) {
    if (f.num <= 0 || f.denom <= 0 || f.num >= f.denom) continue;  // reductions only
    bool smaller = std::int64_t{f.num} * best.denom < std::int64_t{best.num} * f.denom;
    if (smaller && f.scale(upright_width) >= need_width && f.scale(upright_height) >= need_height) best = f;
  }
  return best;
}

}  // namespace detail

namespace {

using detail::display_name;

bool starts_with(std::span<const std::uint8_t> data, std::string_view magic, std::size_t offset = 0) {
  return data.size() >= offset + magic.size() && std::memcmp(data.data() + offset, magic.data(), magic.size()) == 0;
}

std::uint32_t u32_le(std::span<const std::uint8_t> data, std::size_t offset) {
  return std::uint32_t{data[offset]} | std::uint32_t{data[offset + 1]} << 8 | std::uint32_t{data[offset + 2]} << 16 |
         std::uint32_t{data[offset + 3]} << 24;
}

std::uint32_t u32_be(std::span<const std::uint8_t> data, std::size_t offset) {
  return std::uint32_t{data[offset]} << 24 | std::uint32_t{data[offset + 1]} << 16 |
         std::uint32_t{data[offset + 2]} << 8 | data[offset + 3];
}

enum class Brand { None, Heic, Avif };

// The brands of an ISO-BMFF "ftyp" box at the start of the data.
Brand read_ftyp_brand(std::span<const std::uint8_t> data) {
  if (data.size() < 16 || !starts_with(data, "ftyp", 4)) return Brand::None;
  std::size_t box_end = std::min<std::size_t>(u32_be(data, 0), data.size());
  bool heic = false, avif = false, generic = false;
  auto visit = [&](std::size_t at) {
    for (std::string_view b : {"heic", "heix", "heim", "heis", "hevc", "hevx"}) heic |= starts_with(data, b, at);
    for (std::string_view b : {"avif", "avis"}) avif |= starts_with(data, b, at);
    for (std::string_view b : {"mif1", "msf1"}) generic |= starts_with(data, b, at);
  };
  visit(8);  // major brand; 12..16 is the minor version
  for (std::size_t at = 16; at + 4 <= box_end; at += 4) visit(at);
  if (heic) return Brand::Heic;
  if (avif) return Brand::Avif;
  return generic ? Brand::Heic : Brand::None;
}

bool looks_like_text(std::span<const std::uint8_t> data) {
  std::size_t n = std::min<std::size_t>(data.size(), 512);
  return std::all_of(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n), [](std::uint8_t c) {
    return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c != 0x7F);
  });
}

Error not_an_image(std::span<const std::uint8_t> data, Brand brand) {
  std::string message = "not an image Khung reads (JPEG, PNG, WebP, HEIC, GIF, BMP, TGA, PSD)";
  if (data.empty())
    message += ": the data is empty";
  else if (brand == Brand::Avif)
    message += ": it is AVIF";
  else if (looks_like_text(data))
    message += ": it looks like text";
  return Error(ErrorCode::Unsupported, message);
}

ImageFormat sniff_format(std::span<const std::uint8_t> data) {
  if (starts_with(data, "\xFF\xD8\xFF")) return ImageFormat::Jpeg;
  if (starts_with(data, "\x89PNG\r\n\x1A\n")) return ImageFormat::Png;
  if (starts_with(data, "RIFF") && starts_with(data, "WEBP", 8)) return ImageFormat::Webp;
  if (starts_with(data, "GIF87a") || starts_with(data, "GIF89a")) return ImageFormat::Gif;
  if (starts_with(data, std::string_view("8BPS\0\1", 6))) return ImageFormat::Psd;
  // "BM" alone starts too many other files: also ask for a known DIB header size.
  if (starts_with(data, "BM") && data.size() >= 18) {
    static constexpr std::array<std::uint32_t, 7> kDibSizes{12, 40, 52, 56, 64, 108, 124};
    if (std::find(kDibSizes.begin(), kDibSizes.end(), u32_le(data, 14)) != kDibSizes.end()) return ImageFormat::Bmp;
  }
  Brand brand = read_ftyp_brand(data);
  if (brand == Brand::Heic) return ImageFormat::Heic;
  if (brand == Brand::None && !looks_like_text(data) && detail::looks_like_tga(data)) return ImageFormat::Tga;
  throw not_an_image(data, brand);
}

void check_byte_limit(std::size_t size, const DecodeLimits& limits) {
  if (size > limits.max_bytes)
    throw Error(ErrorCode::Image, "image file of " + std::to_string(size) + " bytes: over the " +
                                      std::to_string(limits.max_bytes) + "-byte limit");
}

// Reads at most max_bytes (+1 to notice more), so a huge or endless file is
// refused without being read whole.
}  // namespace

namespace detail {

std::vector<std::uint8_t> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(ErrorCode::Io, "is a folder, not a file");
  std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) throw Error(ErrorCode::Io, std::strerror(errno));
  std::vector<std::uint8_t> data;
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size <= max_bytes) data.reserve(static_cast<std::size_t>(size));
  std::array<std::uint8_t, 64 * 1024> chunk;
  while (true) {
    std::size_t n = std::fread(chunk.data(), 1, chunk.size(), file.get());
    data.insert(data.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    check_byte_limit(data.size(), {.max_bytes = max_bytes});
    if (n < chunk.size()) break;
  }
  if (std::ferror(file.get())) throw Error(ErrorCode::Io, std::strerror(errno));
  return data;
}

}  // namespace detail

namespace {
// The formats encode_image writes, by name.
constexpr detail::EnumName<ImageFormat> kWritableFormats[] = {
    {"png", ImageFormat::Png}, {"jpeg", ImageFormat::Jpeg}, {"jpg", ImageFormat::Jpeg, true}, {"webp", ImageFormat::Webp}};
}  // namespace

ImageFormat parse_image_format(std::string_view name, std::string_view what) {
  return detail::parse_enum<ImageFormat>(kWritableFormats, name, what);
}

namespace detail {

std::optional<ImageFormat> format_of_extension(std::string_view extension) {
  if (extension.empty() || extension[0] != '.') return std::nullopt;
  std::string name(extension.substr(1));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return find_enum<ImageFormat>(kWritableFormats, name);
}

}  // namespace detail

ImageInfo probe_image(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  check_byte_limit(data.size(), limits);
  ImageFormat format = sniff_format(data);
  switch (format) {
    case ImageFormat::Jpeg: return detail::probe_jpeg(data, limits);
    case ImageFormat::Png: return detail::probe_png(data, limits);
    case ImageFormat::Webp: return detail::probe_webp(data, limits);
    case ImageFormat::Heic: return detail::probe_heic(data, limits);
    case ImageFormat::Gif:
    case ImageFormat::Bmp:
    case ImageFormat::Tga:
    case ImageFormat::Psd: return detail::probe_stb(format, data, limits);
  }
  throw not_an_image(data, Brand::None);
}

Image decode_image(std::span<const std::uint8_t> data, const DecodeOptions& options) {
  check_byte_limit(data.size(), options.limits);
  ImageFormat format = sniff_format(data);
  switch (format) {
    case ImageFormat::Jpeg: return detail::decode_jpeg(data, options);
    case ImageFormat::Png: return detail::decode_png(data, options);
    case ImageFormat::Webp: return detail::decode_webp(data, options);
    case ImageFormat::Heic: return detail::decode_heic(data, options);
    case ImageFormat::Gif:
    case ImageFormat::Bmp:
    case ImageFormat::Tga:
    case ImageFormat::Psd: return detail::decode_stb(format, data, options);
  }
  throw not_an_image(data, Brand::None);
}

Image read_image(const std::filesystem::path& path, const DecodeOptions& options) {
  return detail::upright_srgb(*detail::read_stored(path, options));
}

namespace detail {

namespace {

// Runs fn, naming the photo's file in any error it throws.
template <class Fn>
auto naming_photo(const std::filesystem::path& path, Fn fn) {
  try {
    return fn();
  } catch (const Error& e) {
    throw Error(e.code(), "photo '" + path.string() + "': " + e.what());
  }
}

}  // namespace

Image upright_srgb(StoredImage stored) {
  if (stored.conversion) convert_rows(stored.pixels, *stored.conversion, 0, stored.pixels.height());
  return apply_orientation(std::move(stored.pixels), stored.orientation);
}

std::optional<StoredImage> decode_stored(std::span<const std::uint8_t> data, const DecodeOptions& options,
                                         RowFeed* feed) {
  check_byte_limit(data.size(), options.limits);
  if (sniff_format(data) == ImageFormat::Jpeg) return decode_jpeg_stored(data, options, feed);
  if (feed) feed->fail();
  return StoredImage{decode_image(data, options), 1, nullptr};
}

std::optional<StoredImage> read_stored(const std::filesystem::path& path, const DecodeOptions& options, RowFeed* feed) {
  return naming_photo(path, [&] { return decode_stored(read_file(path, options.limits.max_bytes), options, feed); });
}

}  // namespace detail

ImageFormat format_from_path(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (auto format = detail::format_of_extension(ext)) return *format;
  std::string shown = ext;
  std::transform(shown.begin(), shown.end(), shown.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  throw Error(ErrorCode::InvalidArgument, "output '" + path.string() + "': unsupported extension '" + shown +
                                              "' (supported: .png, .jpg, .jpeg, .webp)");
}

std::vector<std::uint8_t> encode_image(const Image& image, ImageFormat format, const EncodeOptions& options) {
  if (options.quality < 1 || options.quality > 100)
    throw Error(ErrorCode::InvalidArgument,
                "quality " + std::to_string(options.quality) + ": must be between 1 and 100");
  if (image.empty()) throw Error(ErrorCode::Image, "cannot encode an empty image");
  switch (format) {
    case ImageFormat::Png: return detail::encode_png(image);
    case ImageFormat::Jpeg: return detail::encode_jpeg(image, options.quality);
    case ImageFormat::Webp: return detail::encode_webp(image, options.quality);
    default: break;
  }
  throw Error(ErrorCode::InvalidArgument, std::string("cannot write ") + display_name(format) + " images");
}

void save_image(const Image& image, const std::filesystem::path& path, const EncodeOptions& options) {
  detail::write_atomically(path, encode_image(image, format_from_path(path), options));
}

bool is_temporary_file(const std::filesystem::path& path) { return detail::is_temporary_file(path); }

}  // namespace khung
