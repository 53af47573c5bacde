#include "image_files.hpp"

#include <libheif/heif.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

using khung::Color;
using khung::Image;

// ---------------------------------------------------------------- bytes and files

// Byte by byte: GCC 12 at -O3 misreads a ranged vector::insert of a string
// here as an overflow (-Wstringop-overflow false positive).
void put(Bytes& out, std::string_view s) {
  for (char c : s) out.push_back(static_cast<std::uint8_t>(c));
}
void put_le16(Bytes& out, unsigned v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put_le32(Bytes& out, std::uint32_t v) {
  put_le16(out, v & 0xFFFF);
  put_le16(out, v >> 16);
}
void put_be16(Bytes& out, unsigned v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put_be32(Bytes& out, std::uint32_t v) {
  put_be16(out, v >> 16);
  put_be16(out, v & 0xFFFF);
}

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::filesystem::path& path, const Bytes& data) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()),
                                              static_cast<std::streamsize>(data.size()));
}

// ---------------------------------------------------------------- EXIF

Bytes tiff_orientation_block(int orientation, bool big_endian) {
  Bytes t;
  auto u16 = [&](unsigned v) { big_endian ? put_be16(t, v) : put_le16(t, v); };
  auto u32 = [&](std::uint32_t v) { big_endian ? put_be32(t, v) : put_le32(t, v); };
  put(t, big_endian ? "MM" : "II");
  u16(42);
  u32(8);       // IFD0
  u16(2);       // entries
  u16(0x010F);  // Make, ASCII, 4 bytes inline: something to skip first
  u16(2);
  u32(4);
  put(t, std::string_view("Cam\0", 4));
  u16(0x0112);  // Orientation, SHORT, 1
  u16(3);
  u32(1);
  u16(static_cast<unsigned>(orientation));
  u16(0);
  u32(0);  // no next IFD
  return t;
}

Bytes with_app1(const Bytes& jpeg, const Bytes& payload) {
  Bytes out(jpeg.begin(), jpeg.begin() + 2);
  out.push_back(0xFF);
  out.push_back(0xE1);
  put_be16(out, static_cast<unsigned>(payload.size() + 2));
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

Bytes exif_payload(const Bytes& tiff) {
  Bytes p;
  put(p, std::string_view("Exif\0\0", 6));
  p.insert(p.end(), tiff.begin(), tiff.end());
  return p;
}

// ---------------------------------------------------------------- PNG

void put_png_chunk(Bytes& out, std::string_view type, const Bytes& body) {
  put_be32(out, static_cast<std::uint32_t>(body.size()));
  std::size_t start = out.size();
  put(out, type);
  out.insert(out.end(), body.begin(), body.end());
  put_be32(out, static_cast<std::uint32_t>(crc32(0, out.data() + start, static_cast<uInt>(out.size() - start))));
}

Bytes png_header_only(std::uint32_t width, std::uint32_t height) {
  Bytes png;
  put(png, "\x89PNG\r\n\x1A\n");
  Bytes ihdr;
  put_be32(ihdr, width);
  put_be32(ihdr, height);
  ihdr.insert(ihdr.end(), {8, 6, 0, 0, 0});  // 8-bit RGBA, no interlace
  put_png_chunk(png, "IHDR", ihdr);
  put_png_chunk(png, "IEND", {});
  return png;
}

// ---------------------------------------------------------------- GIF

namespace {

// The size field of a palette of 2^(field + 1) entries.
std::uint8_t palette_size_field(std::size_t entries) {
  int bits = 1;
  while ((std::size_t{1} << bits) < entries) ++bits;
  return static_cast<std::uint8_t>(bits - 1);
}

void put_palette(Bytes& gif, const std::vector<Color>& palette) {
  for (Color c : palette) gif.insert(gif.end(), {c.r, c.g, c.b});
}

void put_gif_frame(Bytes& gif, const GifFrame& f) {
  if (f.transparent >= 0) gif.insert(gif.end(), {0x21, 0xF9, 4, 0x01, 0, 0, static_cast<std::uint8_t>(f.transparent), 0});
  gif.push_back(0x2C);
  put_le16(gif, static_cast<unsigned>(f.x));
  put_le16(gif, static_cast<unsigned>(f.y));
  put_le16(gif, static_cast<unsigned>(f.width));
  put_le16(gif, static_cast<unsigned>(f.height));
  if (f.local_palette.empty()) {
    gif.push_back(0);  // no local palette, not interlaced
  } else {
    gif.push_back(static_cast<std::uint8_t>(0x80 | palette_size_field(f.local_palette.size())));
    put_palette(gif, f.local_palette);
  }
  gif.push_back(static_cast<std::uint8_t>(f.code_size));  // LZW minimum code size
  const unsigned clear = 1u << f.code_size, width = static_cast<unsigned>(f.code_size) + 1;
  Bytes lzw;
  std::uint64_t bits = 0;
  unsigned count = 0;
  auto code = [&](unsigned c) {
    bits |= std::uint64_t{c} << count;
    count += width;
    while (count >= 8) {
      lzw.push_back(static_cast<std::uint8_t>(bits));
      bits >>= 8;
      count -= 8;
    }
  };
  for (std::size_t i = 0; i < f.indices.size(); ++i) {
    if (i % 2 == 0) code(clear);
    code(f.indices[i]);
  }
  code(clear + 1);  // end of information
  if (count > 0) lzw.push_back(static_cast<std::uint8_t>(bits));
  for (std::size_t at = 0; at < lzw.size(); at += 255) {
    std::size_t n = std::min<std::size_t>(255, lzw.size() - at);
    gif.push_back(static_cast<std::uint8_t>(n));
    gif.insert(gif.end(), lzw.begin() + static_cast<std::ptrdiff_t>(at), lzw.begin() + static_cast<std::ptrdiff_t>(at + n));
  }
  gif.push_back(0);  // block terminator
}

}  // namespace

GifFrame flat_frame(int width, int height, std::uint8_t index) {
  return {0, 0, width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height, index)};
}

std::vector<Color> grey_palette(int bits) {
  std::vector<Color> palette;
  for (int i = 0; i < (1 << bits); ++i) {
    auto grey = static_cast<std::uint8_t>(i);
    palette.push_back({grey, grey, grey, 255});
  }
  return palette;
}

Bytes make_gif(int width, int height, const std::vector<GifFrame>& frames, const std::vector<Color>& palette) {
  Bytes gif;
  put(gif, "GIF89a");
  put_le16(gif, static_cast<unsigned>(width));
  put_le16(gif, static_cast<unsigned>(height));
  gif.push_back(static_cast<std::uint8_t>(0xF0 | palette_size_field(palette.size())));  // global palette, 8-bit colour
  gif.push_back(0);
  gif.push_back(0);
  put_palette(gif, palette);
  for (const GifFrame& f : frames) put_gif_frame(gif, f);
  gif.push_back(0x3B);
  return gif;
}

// ---------------------------------------------------------------- BMP, TGA, PSD

Bytes make_bmp(const Image& image, std::uint32_t claim_width, std::uint32_t claim_height) {
  const auto w = static_cast<std::uint32_t>(image.width()), h = static_cast<std::uint32_t>(image.height());
  const std::uint32_t row = (w * 3 + 3) / 4 * 4;
  Bytes bmp;
  put(bmp, "BM");
  for (std::uint32_t v : {54 + row * h, 0u, 54u, 40u, claim_width ? claim_width : w, claim_height ? claim_height : h})
    put_le32(bmp, v);
  put_le16(bmp, 1);
  put_le16(bmp, 24);
  for (std::uint32_t v : {0u, row * h, 2835u, 2835u, 0u, 0u}) put_le32(bmp, v);
  for (int y = image.height() - 1; y >= 0; --y) {
    std::size_t start = bmp.size();
    for (int x = 0; x < image.width(); ++x) {
      Color c = image.pixel(x, y);
      bmp.insert(bmp.end(), {c.b, c.g, c.r});
    }
    bmp.resize(start + row, 0);
  }
  return bmp;
}

Bytes make_tga(const Image& image, unsigned claim_width, unsigned claim_height) {
  Bytes tga = {0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  put_le16(tga, claim_width ? claim_width : static_cast<unsigned>(image.width()));
  put_le16(tga, claim_height ? claim_height : static_cast<unsigned>(image.height()));
  tga.push_back(32);
  tga.push_back(0x28);  // 8 alpha bits, top-left origin
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) {
      Color c = image.pixel(x, y);
      tga.insert(tga.end(), {c.b, c.g, c.r, c.a});
    }
  return tga;
}

Bytes make_psd(const Image& image, std::uint32_t claim_width, std::uint32_t claim_height) {
  Bytes psd;
  put(psd, "8BPS");
  put_be16(psd, 1);
  psd.insert(psd.end(), 6, 0);
  put_be16(psd, 3);
  put_be32(psd, claim_height ? claim_height : static_cast<std::uint32_t>(image.height()));
  put_be32(psd, claim_width ? claim_width : static_cast<std::uint32_t>(image.width()));
  put_be16(psd, 8);
  put_be16(psd, 3);                              // RGB
  for (int i = 0; i < 3; ++i) put_be32(psd, 0);  // colour mode data, resources, layers
  put_be16(psd, 0);                              // raw
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < image.height(); ++y)
      for (int x = 0; x < image.width(); ++x) psd.push_back(image.row(y)[4 * x + c]);
  return psd;
}

// ---------------------------------------------------------------- HEIC

Bytes make_heic(const Image& stored, int orientation, int quality, const HeicColors* colors);

bool have_heic_encoder() { return heif_have_encoder_for_format(heif_compression_HEVC) != 0; }

namespace {

heif_error append_to(heif_context*, const void* data, std::size_t size, void* out) {
  auto* p = static_cast<const std::uint8_t*>(data);
  static_cast<Bytes*>(out)->insert(static_cast<Bytes*>(out)->end(), p, p + size);
  return {heif_error_Ok, heif_suberror_Unspecified, "ok"};
}

}  // namespace

Bytes make_heic(const Image& stored, int orientation, int quality) { return make_heic(stored, orientation, quality, nullptr); }

Bytes make_heic(const Image& stored, const HeicColors& colors, int quality) {
  return make_heic(stored, 0, quality, &colors);
}

Bytes make_heic(const Image& stored, int orientation, int quality, const HeicColors* colors) {
  heif_context* ctx = heif_context_alloc();
  heif_encoder* encoder = nullptr;
  REQUIRE(heif_context_get_encoder_for_format(ctx, heif_compression_HEVC, &encoder).code == heif_error_Ok);
  if (quality) heif_encoder_set_lossy_quality(encoder, quality);
  heif_image* raw = nullptr;
  REQUIRE(heif_image_create(stored.width(), stored.height(), heif_colorspace_RGB, heif_chroma_interleaved_RGB, &raw)
              .code == heif_error_Ok);
  REQUIRE(heif_image_add_plane(raw, heif_channel_interleaved, stored.width(), stored.height(), 8).code ==
          heif_error_Ok);
  int stride = 0;
  std::uint8_t* plane = heif_image_get_plane(raw, heif_channel_interleaved, &stride);
  for (int y = 0; y < stored.height(); ++y)
    for (int x = 0; x < stored.width(); ++x)
      std::memcpy(plane + static_cast<std::ptrdiff_t>(y) * stride + 3 * x, stored.row(y) + 4 * x, 3);
  heif_color_profile_nclx* nclx = nullptr;
  if (colors && !colors->icc.empty()) {
    REQUIRE(heif_image_set_raw_color_profile(raw, "prof", colors->icc.data(), colors->icc.size()).code == heif_error_Ok);
  } else if (colors) {
    nclx = heif_nclx_color_profile_alloc();
    nclx->color_primaries = static_cast<heif_color_primaries>(colors->primaries);
    nclx->transfer_characteristics = static_cast<heif_transfer_characteristics>(colors->transfer);
    REQUIRE(heif_image_set_nclx_color_profile(raw, nclx).code == heif_error_Ok);
  }
  heif_encoding_options* options = nullptr;
  if (nclx) {  // the box libheif writes is the options' (its default: sRGB's)
    options = heif_encoding_options_alloc();
    options->output_nclx_profile = nclx;
  }
  if (orientation) {
    if (!options) options = heif_encoding_options_alloc();
    options->image_orientation = static_cast<heif_orientation>(orientation);
  }
  heif_image_handle* handle = nullptr;
  REQUIRE(heif_context_encode_image(ctx, raw, encoder, options, &handle).code == heif_error_Ok);
  if (orientation) {
    Bytes tiff = tiff_orientation_block(orientation, true);
    REQUIRE(heif_context_add_exif_metadata(ctx, handle, tiff.data(), static_cast<int>(tiff.size())).code ==
            heif_error_Ok);
  }
  Bytes out;
  heif_writer writer{1, append_to};
  REQUIRE(heif_context_write(ctx, &writer, &out).code == heif_error_Ok);
  heif_image_handle_release(handle);
  if (nclx) heif_nclx_color_profile_free(nclx);
  if (options) heif_encoding_options_free(options);
  heif_image_release(raw);
  heif_encoder_release(encoder);
  heif_context_free(ctx);
  return out;
}
