// PNG through libspng.

#include "codec/codecs.hpp"

#include <spng.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

namespace khung::detail {

namespace {

struct ContextDeleter {
  void operator()(spng_ctx* ctx) const { spng_ctx_free(ctx); }
};
using Context = std::unique_ptr<spng_ctx, ContextDeleter>;

// Ancillary chunks (text, ICC profiles) are kept in memory by libspng while
// decoding; these bound what a file can make it hold.
constexpr std::size_t kChunkCacheLimit = 16u << 20;
constexpr int kChunkCountLimit = 1000;

Error png_error(int rc) {
  if (rc == SPNG_IO_EOF || rc == SPNG_EOF) return truncated_data(ImageFormat::Png);
  if (rc == SPNG_ECHUNK_LIMITS)
    return Error(ErrorCode::Image, "PNG metadata (text, ICC profile and other chunks): over the " +
                                       std::to_string(kChunkCacheLimit >> 20) + " MB or " +
                                       std::to_string(kChunkCountLimit) + "-chunk limit");
  return corrupt_data(ImageFormat::Png, spng_strerror(rc));
}

std::uint32_t big_endian_u32(std::span<const std::uint8_t> data, std::size_t offset) {
  return std::uint32_t{data[offset]} << 24 | std::uint32_t{data[offset + 1]} << 16 |
         std::uint32_t{data[offset + 2]} << 8 | data[offset + 3];
}

// Opens the stream and reads IHDR, with libspng's own limits set so that it
// refuses absurd sizes before it allocates anything for them.
Context open_png(std::span<const std::uint8_t> data, const DecodeLimits& limits, spng_ihdr& ihdr) {
  // The zlib stream's own Adler-32 is not checked: the chunk CRCs below
  // already guard the bytes, and the check costs a fifth of a decode.
  Context ctx(spng_ctx_new(SPNG_CTX_IGNORE_ADLER32));
  if (!ctx) throw Error(ErrorCode::Image, "PNG decoder: out of memory");
  auto side_limit = static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(limits.max_pixels, 1, std::numeric_limits<std::int32_t>::max()));
  spng_set_image_limits(ctx.get(), side_limit, side_limit);
  // A chunk's limit also bounds what a compressed one inflates to: an
  // iCCP profile may be larger than the small file holding it (a 4 kB icon
  // with a 20 kB profile). The cache limit bounds it instead; a profile
  // over max_profile_bytes is then ignored with a warning (color_profile.hpp).
  spng_set_chunk_limits(ctx.get(), std::max(data.size(), kChunkCacheLimit), kChunkCacheLimit);
  spng_set_option(ctx.get(), SPNG_CHUNK_COUNT_LIMIT, kChunkCountLimit);
  // A bad checksum in a critical chunk is corruption; in an ancillary chunk
  // the chunk is dropped, as browsers do.
  spng_set_crc_action(ctx.get(), SPNG_CRC_ERROR, SPNG_CRC_DISCARD);
  if (int rc = spng_set_png_buffer(ctx.get(), data.data(), data.size())) throw png_error(rc);
  if (int rc = spng_get_ihdr(ctx.get(), &ihdr)) {
    // Over our per-side limit: report it as the pixel limit it stands for.
    if ((rc == SPNG_EUSER_WIDTH || rc == SPNG_EUSER_HEIGHT) && data.size() >= 24)
      check_pixel_limit(ImageFormat::Png, big_endian_u32(data, 16), big_endian_u32(data, 20), limits);
    throw png_error(rc);
  }
  check_pixel_limit(ImageFormat::Png, ihdr.width, ihdr.height, limits);
  return ctx;
}

}  // namespace

ImageInfo probe_png(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  spng_ihdr ihdr{};
  open_png(data, limits, ihdr);
  return {ImageFormat::Png, static_cast<int>(ihdr.width), static_cast<int>(ihdr.height), 1};
}

Image decode_png(std::span<const std::uint8_t> data, const DecodeOptions& options) {
  spng_ihdr ihdr{};
  Context ctx = open_png(data, options.limits, ihdr);
  Image image = Image::for_overwrite(static_cast<int>(ihdr.width), static_cast<int>(ihdr.height));
  std::size_t size = 0;
  if (int rc = spng_decoded_image_size(ctx.get(), SPNG_FMT_RGBA8, &size)) throw png_error(rc);
  if (size != image.bytes().size()) throw corrupt_data(ImageFormat::Png, "unexpected decoded size");
  // RGBA8 covers every colour type and bit depth (16-bit is reduced, palette
  // expanded); DECODE_TRNS turns a tRNS chunk into alpha.
  if (int rc = spng_decode_image(ctx.get(), image.row(0), size, SPNG_FMT_RGBA8, SPNG_DECODE_TRNS)) throw png_error(rc);
  // iCCP, read after the pixels (libspng has then seen every chunk); an
  // sRGB chunk needs nothing done.
  spng_iccp iccp{};
  if (spng_get_iccp(ctx.get(), &iccp) == 0 && iccp.profile && iccp.profile_len > 0) {
    const bool grey = ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE || ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA;
    convert_to_srgb(image, {reinterpret_cast<const std::uint8_t*>(iccp.profile), iccp.profile_len},
                    grey ? PixelLayout::Grey : PixelLayout::Rgb, options);
  }
  return image;
}

std::vector<std::uint8_t> encode_png(const Image& image) {
  Context ctx(spng_ctx_new(SPNG_CTX_ENCODER));
  if (!ctx) throw Error(ErrorCode::Image, "PNG encoder: out of memory");
  spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1);
  // zlib level 3 with the Up filter only: a tenth of the time of level 6
  // with adaptive filters, for files 2 to 20 percent larger.
  spng_set_option(ctx.get(), SPNG_IMG_COMPRESSION_LEVEL, 3);
  spng_set_option(ctx.get(), SPNG_FILTER_CHOICE, SPNG_FILTER_CHOICE_UP);
  const bool opaque = image.opaque();  // then RGB: a quarter less to compress
  spng_ihdr ihdr{};
  ihdr.width = static_cast<std::uint32_t>(image.width());
  ihdr.height = static_cast<std::uint32_t>(image.height());
  ihdr.bit_depth = 8;
  ihdr.color_type = opaque ? SPNG_COLOR_TYPE_TRUECOLOR : SPNG_COLOR_TYPE_TRUECOLOR_ALPHA;
  spng_set_ihdr(ctx.get(), &ihdr);
  auto fail = [](int rc) { return Error(ErrorCode::Image, std::string("PNG encoder: ") + spng_strerror(rc)); };
  if (!opaque) {
    if (int rc = spng_encode_image(ctx.get(), image.bytes().data(), image.bytes().size(), SPNG_FMT_PNG,
                                   SPNG_ENCODE_FINALIZE))
      throw fail(rc);
  } else {
    if (int rc = spng_encode_image(ctx.get(), nullptr, 0, SPNG_FMT_PNG, SPNG_ENCODE_PROGRESSIVE | SPNG_ENCODE_FINALIZE))
      throw fail(rc);
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(image.width()) * 3);
    for (int y = 0; y < image.height(); ++y) {
      const std::uint8_t* src = image.row(y);
      for (int x = 0; x < image.width(); ++x) std::memcpy(&rgb[3 * static_cast<std::size_t>(x)], src + 4 * x, 3);
      int rc = spng_encode_row(ctx.get(), rgb.data(), rgb.size());
      if (rc != 0 && !(rc == SPNG_EOI && y == image.height() - 1)) throw fail(rc);
    }
  }
  std::size_t size = 0;
  int err = 0;
  std::unique_ptr<void, decltype(&std::free)> buffer(spng_get_png_buffer(ctx.get(), &size, &err), std::free);
  if (!buffer) throw fail(err);
  auto* p = static_cast<const std::uint8_t*>(buffer.get());
  return {p, p + size};
}

}  // namespace khung::detail
