#pragma once
// Test inputs made byte by byte or with the codec libraries, shared by the
// test executables (codec_test, hostile_test), so that the suite needs no
// binary fixtures. Sizes to claim, when not 0, replace the image's own in
// the header, to make a small file that claims a huge image.

#include "khung/error.hpp"
#include "khung/image.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

using Bytes = std::vector<std::uint8_t>;

// ---------------------------------------------------------------- bytes and files

void put(Bytes& out, std::string_view s);
void put_le16(Bytes& out, unsigned v);
void put_le32(Bytes& out, std::uint32_t v);
void put_be16(Bytes& out, unsigned v);
void put_be32(Bytes& out, std::uint32_t v);

Bytes read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const Bytes& data);

// The Error a call throws; fails the test when it throws none.
template <class Fn>
khung::Error error_of(Fn&& fn) {
  try {
    fn();
  } catch (const khung::Error& e) {
    return e;
  }
  FAIL("no khung::Error was thrown");
  return khung::Error(khung::ErrorCode::InvalidArgument, "");
}

// ---------------------------------------------------------------- formats

// A TIFF block (as in EXIF) whose IFD0 holds a Make entry, then Orientation.
Bytes tiff_orientation_block(int orientation, bool big_endian);
// A JPEG with an APP1 segment right after SOI carrying `payload`
// (normally "Exif\0\0" and a TIFF block).
Bytes with_app1(const Bytes& jpeg, const Bytes& payload);
// "Exif\0\0" followed by a TIFF block: an APP1 payload.
Bytes exif_payload(const Bytes& tiff);

// A PNG chunk with its CRC.
void put_png_chunk(Bytes& out, std::string_view type, const Bytes& body);
// A PNG whose IHDR (with a valid CRC) claims width x height, and no pixels.
Bytes png_header_only(std::uint32_t width, std::uint32_t height);

// A GIF frame. Its LZW stream sends a clear code before every pair of
// indices, so the code table never outgrows codes of code_size + 1 bits:
// valid GIF, trivially written.
struct GifFrame {
  int x = 0, y = 0, width = 0, height = 0;
  std::vector<std::uint8_t> indices;
  int code_size = 8;
  std::vector<khung::Color> local_palette = {};  // 2, 4, ... 256 entries, or none
  int transparent = -1;                          // a graphic control extension naming it
};
// A frame of one index over width x height at the top-left corner.
GifFrame flat_frame(int width, int height, std::uint8_t index);
// 2^bits greys: index i is grey i.
std::vector<khung::Color> grey_palette(int bits);
// A GIF with a global palette of 2, 4, ... 256 entries.
Bytes make_gif(int width, int height, const std::vector<GifFrame>& frames,
               const std::vector<khung::Color>& palette = grey_palette(8));

// 24-bit BMP, bottom-up rows padded to 4 bytes.
Bytes make_bmp(const khung::Image& image, std::uint32_t claim_width = 0, std::uint32_t claim_height = 0);
// Uncompressed 32-bit TGA, top-left origin.
Bytes make_tga(const khung::Image& image, unsigned claim_width = 0, unsigned claim_height = 0);
// 8-bit RGB PSD with raw planar image data and no layers.
Bytes make_psd(const khung::Image& image, std::uint32_t claim_width = 0, std::uint32_t claim_height = 0);

// HEIC through libheif's HEVC encoder, when it has one.
bool have_heic_encoder();
// `stored` as HEVC in a HEIC file. An orientation of 1 to 8 is said by the
// irot/imir boxes and by an EXIF block, as iPhones write; 0 writes neither.
// A quality of 0 keeps the encoder's default.
Bytes make_heic(const khung::Image& stored, int orientation = 0, int quality = 0);
// The same with its colours described: an ICC profile in a colr 'prof' box,
// or (profile empty) an nclx box with these primaries and transfer.
struct HeicColors {
  Bytes icc;
  int primaries = 1, transfer = 13;
};
Bytes make_heic(const khung::Image& stored, const HeicColors& colors, int quality = 0);
