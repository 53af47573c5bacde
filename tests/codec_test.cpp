// Tests for codec.hpp. Every input is made here or in image_files.cpp, with
// the codec libraries themselves or byte by byte, so the suite needs no
// binary fixtures; the inputs that once broke the decoder are kept in
// tests/crashers/.

#include "khung/codec.hpp"
#include "khung/error.hpp"
#include "khung/image.hpp"

#include <catch2/catch.hpp>
#include <cstdio>  // before jpeglib.h, which uses FILE
#include <jpeglib.h>
#include <spng.h>
#include <turbojpeg.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include "heap_use.hpp"
#include "image_files.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace khung;

namespace {

// ---------------------------------------------------------------- helpers

void set_pixel(Image& image, int x, int y, Color c) {
  std::uint8_t* p = image.row(y) + 4 * x;
  p[0] = c.r, p[1] = c.g, p[2] = c.b, p[3] = c.a;
}

constexpr Color kRed{220, 40, 40, 255}, kGreen{40, 200, 60, 255}, kBlue{40, 60, 210, 255},
    kYellow{230, 210, 40, 255}, kWhite{255, 255, 255, 255};

// Four flat quadrants of different colours and a white mark near the top-left
// corner: every one of the eight orientations moves them somewhere else, and
// flat areas survive JPEG well enough to compare.
Image make_photo(int width, int height) {
  Image image(width, height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      bool left = x < width / 2, top = y < height / 2;
      set_pixel(image, x, y, top ? (left ? kRed : kGreen) : (left ? kBlue : kYellow));
    }
  for (int y = height / 8; y < height / 4; ++y)
    for (int x = width / 8; x < width / 4; ++x) set_pixel(image, x, y, kWhite);
  return image;
}

// The image a camera stores for an upright scene when it writes EXIF
// orientation o: built straight from the EXIF definition of each value
// (where the stored 0th row and 0th column end up when shown upright),
// independently of the decoder's own implementation.
Image stored_for_orientation(const Image& upright, int o) {
  bool swap = o >= 5;
  int w = swap ? upright.height() : upright.width();  // stored size
  int h = swap ? upright.width() : upright.height();
  Image stored(w, h);
  for (int y = 0; y < upright.height(); ++y)
    for (int x = 0; x < upright.width(); ++x) {
      int sx = x, sy = y;
      switch (o) {
        case 2: sx = w - 1 - x; break;
        case 3: sx = w - 1 - x, sy = h - 1 - y; break;
        case 4: sy = h - 1 - y; break;
        case 5: sx = y, sy = x; break;
        case 6: sx = y, sy = h - 1 - x; break;
        case 7: sx = w - 1 - y, sy = h - 1 - x; break;
        case 8: sx = w - 1 - y, sy = x; break;
        default: break;
      }
      set_pixel(stored, sx, sy, upright.pixel(x, y));
    }
  return stored;
}

// Mean absolute difference over all channels; sizes must match.
double mean_difference(const Image& a, const Image& b) {
  REQUIRE(a.width() == b.width());
  REQUIRE(a.height() == b.height());
  double sum = 0;
  auto pa = a.bytes(), pb = b.bytes();
  for (std::size_t i = 0; i < pa.size(); ++i) sum += std::abs(int(pa[i]) - int(pb[i]));
  return pa.empty() ? 0 : sum / static_cast<double>(pa.size());
}

bool near(Color a, Color b, int tolerance) {
  return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance &&
         std::abs(a.a - b.a) <= tolerance;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---------------------------------------------------------------- JPEG and EXIF

Bytes encode_jpeg(const Image& image, int quality = 95) {
  return encode_image(image, ImageFormat::Jpeg, {.quality = quality});
}

// Compresses raw samples with TurboJPEG directly (gray, CMYK inputs).
Bytes turbojpeg_compress(const Bytes& pixels, int width, int height, int pixel_format, int subsampling,
                         int flags = 0) {
  tjhandle handle = tjInitCompress();
  REQUIRE(handle);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  int rc = tjCompress2(handle, pixels.data(), width, 0, height, pixel_format, &out, &size, subsampling, 95, flags);
  INFO(tjGetErrorStr2(handle));
  REQUIRE(rc == 0);
  Bytes jpeg(out, out + size);
  tjFree(out);
  tjDestroy(handle);
  return jpeg;
}

// A JPEG with per-component sampling factors of our choosing, through the
// libjpeg API (TurboJPEG only writes the named subsamplings).
Bytes libjpeg_compress(const Image& image, std::array<std::pair<int, int>, 3> sampling) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr jerr{};
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &out, &size);
  cinfo.image_width = static_cast<JDIMENSION>(image.width());
  cinfo.image_height = static_cast<JDIMENSION>(image.height());
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_EXT_RGBA;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 95, TRUE);
  for (int c = 0; c < 3; ++c) {
    cinfo.comp_info[c].h_samp_factor = sampling[static_cast<std::size_t>(c)].first;
    cinfo.comp_info[c].v_samp_factor = sampling[static_cast<std::size_t>(c)].second;
  }
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    auto* row = const_cast<JSAMPLE*>(image.row(static_cast<int>(cinfo.next_scanline)));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  Bytes jpeg(out, out + size);
  std::free(out);
  return jpeg;
}

// ---------------------------------------------------------------- PNG

struct PngSpec {
  std::uint32_t width = 0, height = 0;
  std::uint8_t bit_depth = 8, color_type = SPNG_COLOR_TYPE_TRUECOLOR_ALPHA;
  Bytes pixels = {};                        // in the PNG's own layout, rows packed
  std::vector<Color> palette = {};          // PLTE, with alpha going to tRNS
  std::optional<std::uint16_t> trns_gray = {};
};

Bytes spng_encode(const PngSpec& spec) {
  std::unique_ptr<spng_ctx, decltype(&spng_ctx_free)> ctx(spng_ctx_new(SPNG_CTX_ENCODER), spng_ctx_free);
  spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1);
  spng_ihdr ihdr{};
  ihdr.width = spec.width;
  ihdr.height = spec.height;
  ihdr.bit_depth = spec.bit_depth;
  ihdr.color_type = spec.color_type;
  REQUIRE(spng_set_ihdr(ctx.get(), &ihdr) == 0);
  if (!spec.palette.empty()) {
    spng_plte plte{};
    spng_trns trns{};
    plte.n_entries = static_cast<std::uint32_t>(spec.palette.size());
    trns.n_type3_entries = plte.n_entries;
    for (std::size_t i = 0; i < spec.palette.size(); ++i) {
      plte.entries[i] = {spec.palette[i].r, spec.palette[i].g, spec.palette[i].b, 0};
      trns.type3_alpha[i] = spec.palette[i].a;
    }
    REQUIRE(spng_set_plte(ctx.get(), &plte) == 0);
    REQUIRE(spng_set_trns(ctx.get(), &trns) == 0);
  }
  if (spec.trns_gray) {
    spng_trns trns{};
    trns.gray = *spec.trns_gray;
    REQUIRE(spng_set_trns(ctx.get(), &trns) == 0);
  }
  int rc = spng_encode_image(ctx.get(), spec.pixels.data(), spec.pixels.size(), SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
  INFO(spng_strerror(rc));
  REQUIRE(rc == 0);
  std::size_t size = 0;
  int err = 0;
  std::unique_ptr<void, decltype(&std::free)> buffer(spng_get_png_buffer(ctx.get(), &size, &err), std::free);
  REQUIRE(buffer);
  auto* p = static_cast<const std::uint8_t*>(buffer.get());
  return {p, p + size};
}

// ---------------------------------------------------------------- GIF, and the image it shows

const std::vector<Color> kGifPalette{kRed, kGreen, kBlue, kYellow};

// Four quadrants of indices 0..3 into kGifPalette (3..0 when swapped).
GifFrame quadrant_frame(int width, int height, bool swapped = false) {
  std::vector<std::uint8_t> indices;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      int q = (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1);
      indices.push_back(static_cast<std::uint8_t>(swapped ? 3 - q : q));
    }
  return {0, 0, width, height, std::move(indices), 2};
}

Image quadrant_image(int width, int height) {
  Image image(width, height);
  auto indices = quadrant_frame(width, height).indices;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) set_pixel(image, x, y, kGifPalette[indices[static_cast<std::size_t>(y * width + x)]]);
  return image;
}

// ---------------------------------------------------------------- WebP

Bytes webp_lossless(const Image& image) {
  std::uint8_t* out = nullptr;
  std::size_t size = WebPEncodeLosslessRGBA(image.row(0), image.width(), image.height(),
                                            static_cast<int>(image.stride()), &out);
  REQUIRE(size > 0);
  Bytes webp(out, out + size);
  WebPFree(out);
  return webp;
}

Bytes webp_animation(const std::vector<Image>& frames) {
  WebPAnimEncoderOptions options;
  REQUIRE(WebPAnimEncoderOptionsInit(&options));
  WebPAnimEncoder* encoder = WebPAnimEncoderNew(frames[0].width(), frames[0].height(), &options);
  REQUIRE(encoder);
  WebPConfig config;
  REQUIRE(WebPConfigInit(&config));
  config.lossless = 1;
  int timestamp = 0;
  for (const Image& frame : frames) {
    WebPPicture picture;
    REQUIRE(WebPPictureInit(&picture));
    picture.use_argb = 1;
    picture.width = frame.width();
    picture.height = frame.height();
    REQUIRE(WebPPictureImportRGBA(&picture, frame.row(0), static_cast<int>(frame.stride())));
    REQUIRE(WebPAnimEncoderAdd(encoder, &picture, timestamp, &config));
    WebPPictureFree(&picture);
    timestamp += 100;
  }
  REQUIRE(WebPAnimEncoderAdd(encoder, nullptr, timestamp, nullptr));
  WebPData data;
  WebPDataInit(&data);
  REQUIRE(WebPAnimEncoderAssemble(encoder, &data));
  Bytes webp(data.bytes, data.bytes + data.size);
  WebPDataClear(&data);
  WebPAnimEncoderDelete(encoder);
  return webp;
}

std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("khung-codec-test-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

// ======================================================================== EXIF orientation

TEST_CASE("the eight EXIF orientations of one photo decode to the same upright image", "[codec][exif]") {
  Image upright = make_photo(64, 48);
  for (bool big_endian : {false, true})
    for (int o = 1; o <= 8; ++o) {
      INFO("orientation " << o << (big_endian ? ", big-endian" : ", little-endian"));
      Image stored = stored_for_orientation(upright, o);
      Bytes jpeg = with_app1(encode_jpeg(stored), exif_payload(tiff_orientation_block(o, big_endian)));

      ImageInfo info = probe_image(jpeg);
      CHECK(info.format == ImageFormat::Jpeg);
      CHECK(info.width == stored.width());
      CHECK(info.height == stored.height());
      CHECK(info.orientation == o);

      Image decoded = decode_image(jpeg);
      CHECK(mean_difference(decoded, upright) < 3.0);
      // The white mark is where the upright scene has it, not mirrored.
      CHECK(near(decoded.pixel(12, 9), kWhite, 24));
      CHECK(near(decoded.pixel(60, 44), kYellow, 24));
    }
}

TEST_CASE("hostile EXIF blocks are ignored without harm", "[codec][exif]") {
  Bytes jpeg = encode_jpeg(make_photo(32, 16));
  Image plain = decode_image(jpeg);

  auto ii = [](std::initializer_list<std::uint8_t> bytes) { return Bytes(bytes); };
  Bytes valid = tiff_orientation_block(6, false);
  std::vector<std::pair<std::string, Bytes>> cases = {
      {"empty", {}},
      {"byte order only", ii({'I', 'I'})},
      {"unknown byte order", ii({'X', 'X', 42, 0, 8, 0, 0, 0, 0, 0})},
      {"wrong magic", ii({'I', 'I', 43, 0, 8, 0, 0, 0, 0, 0})},
      {"IFD offset past the end", ii({'I', 'I', 42, 0, 0xFF, 0xFF, 0xFF, 0xFF})},
      {"IFD offset just before the end", ii({'M', 'M', 0, 42, 0, 0, 0, 9, 0, 1})},
      {"huge entry count, one real entry", [] {
         Bytes t = tiff_orientation_block(6, false);
         t[8] = 0xFF, t[9] = 0xFF;
         t.resize(8 + 2 + 12);  // only the Make entry remains
         return t;
       }()},
      {"orientation entry cut short", [&] {
         Bytes t = valid;
         t.resize(8 + 2 + 12 + 9);
         return t;
       }()},
      {"orientation with a huge count", [&] {
         Bytes t = valid;
         t[8 + 2 + 12 + 4] = 0xFF, t[8 + 2 + 12 + 5] = 0xFF, t[8 + 2 + 12 + 6] = 0xFF, t[8 + 2 + 12 + 7] = 0xFF;
         return t;
       }()},
      {"orientation 0", tiff_orientation_block(0, false)},
      {"orientation 9", tiff_orientation_block(9, true)},
      {"orientation 65535", tiff_orientation_block(65535, true)},
      {"IFD that links to itself", [] {
         Bytes t = tiff_orientation_block(3, false);
         t[8 + 2 + 12] = 0x13;  // tag 0x0112 becomes 0x0113: no orientation in IFD0
         t.resize(t.size() - 4);
         put_le32(t, 8);  // next IFD: IFD0 again
         return t;
       }()},
      {"IFD inside the header", ii({'I', 'I', 42, 0, 2, 0, 0, 0})},
  };
  for (const auto& [name, tiff] : cases) {
    INFO(name);
    Bytes hostile = with_app1(jpeg, exif_payload(tiff));
    CHECK(probe_image(hostile).orientation == 1);
    CHECK(mean_difference(decode_image(hostile), plain) == 0.0);
  }

  // A TIFF block that only a lax writer makes, but that is unambiguous.
  Bytes as_long = valid;
  as_long[8 + 2 + 12 + 2] = 4;  // LONG
  as_long[8 + 2 + 12 + 10] = 0, as_long[8 + 2 + 12 + 11] = 0;
  CHECK(probe_image(with_app1(jpeg, exif_payload(as_long))).orientation == 6);

  // Random blocks behind a valid header: any answer in 1..8, no crash.
  std::mt19937 rng(12345);
  for (int i = 0; i < 2000; ++i) {
    Bytes t = i % 2 ? tiff_orientation_block(6, true) : tiff_orientation_block(8, false);
    t.resize(std::uniform_int_distribution<std::size_t>(0, 64)(rng), 0);
    for (auto& b : t)
      if (rng() % 4 == 0) b = static_cast<std::uint8_t>(rng());
    int o = probe_image(with_app1(jpeg, exif_payload(t))).orientation;
    REQUIRE((o >= 1 && o <= 8));
  }

  // Hostile segment lengths at the JPEG level are the decoder's to judge:
  // past the end of the file is a truncation; below its own size, libjpeg
  // resynchronises on the next marker and decodes the image.
  Bytes overlong = with_app1(jpeg, exif_payload(valid));
  overlong[4] = 0xFF, overlong[5] = 0xFF;
  CHECK(std::string(error_of([&] { decode_image(overlong); }).what()) ==
        "JPEG data is truncated (the file is incomplete)");
  Bytes bogus = with_app1(jpeg, exif_payload(valid));
  bogus[4] = 0, bogus[5] = 1;
  CHECK(probe_image(bogus).orientation == 1);
  CHECK(mean_difference(decode_image(bogus), plain) == 0.0);
}

// ======================================================================== colour types

TEST_CASE("grayscale and CMYK JPEGs decode to RGBA", "[codec][jpeg]") {
  SECTION("grayscale") {
    Bytes gray(32 * 16);
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 32; ++x) gray[static_cast<std::size_t>(y * 32 + x)] = x < 16 ? 60 : 200;
    Image image = decode_image(turbojpeg_compress(gray, 32, 16, TJPF_GRAY, TJSAMP_GRAY));
    REQUIRE(image.width() == 32);
    CHECK(near(image.pixel(4, 8), {60, 60, 60, 255}, 3));
    CHECK(near(image.pixel(28, 8), {200, 200, 200, 255}, 3));
  }
  SECTION("YCCK with the Adobe marker: inverted CMYK") {
    // As Photoshop stores it: 255 means no ink. Left: full yellow and half
    // magenta ink (orange); right: no colour ink, half black (grey).
    Bytes cmyk;
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 32; ++x) {
        if (x < 16)
          cmyk.insert(cmyk.end(), {255, 128, 0, 255});
        else
          cmyk.insert(cmyk.end(), {255, 255, 255, 128});
      }
    Bytes jpeg = turbojpeg_compress(cmyk, 32, 16, TJPF_CMYK, TJSAMP_444);
    tjhandle handle = tjInitDecompress();
    int w = 0, h = 0, subsampling = 0, colorspace = 0;
    REQUIRE(tjDecompressHeader3(handle, jpeg.data(), jpeg.size(), &w, &h, &subsampling, &colorspace) == 0);
    tjDestroy(handle);
    CHECK(colorspace == TJCS_YCCK);
    Image image = decode_image(jpeg);
    CHECK(near(image.pixel(4, 8), {255, 128, 0, 255}, 4));
    CHECK(near(image.pixel(28, 8), {128, 128, 128, 255}, 4));
  }
  SECTION("chroma subsampling TurboJPEG has no name for") {
    // TurboJPEG 2.1's header call gives up on 2x2,1x2,2x1 but decodes it.
    Image photo = make_photo(64, 48);
    Bytes jpeg = libjpeg_compress(photo, {{{2, 2}, {1, 2}, {2, 1}}});
    CHECK(probe_image(jpeg).width == 64);
    CHECK(mean_difference(decode_image(jpeg), photo) < 3.0);
    CHECK(decode_image(jpeg, {.min_width = 16, .min_height = 12}).width() == 16);
  }
  SECTION("a progressive JPEG") {
    Image photo = make_photo(64, 48);
    Bytes rgb;
    for (int y = 0; y < 48; ++y)
      for (int x = 0; x < 64; ++x) rgb.insert(rgb.end(), photo.row(y) + 4 * x, photo.row(y) + 4 * x + 3);
    Bytes jpeg = turbojpeg_compress(rgb, 64, 48, TJPF_RGB, TJSAMP_420, TJFLAG_PROGRESSIVE);
    CHECK(mean_difference(decode_image(jpeg), photo) < 3.0);
  }
}

TEST_CASE("PNG colour types and bit depths decode to RGBA", "[codec][png]") {
  SECTION("8-bit RGBA keeps every pixel") {
    Image image(5, 3);
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 5; ++x)
        set_pixel(image, x, y, {std::uint8_t(x * 50), std::uint8_t(y * 90), 7, std::uint8_t(255 - x * 60)});
    CHECK(decode_image(encode_image(image, ImageFormat::Png)) == image);
  }
  SECTION("palette with transparency") {
    PngSpec spec{.width = 4, .height = 1, .bit_depth = 8, .color_type = SPNG_COLOR_TYPE_INDEXED, .pixels = {0, 1, 2, 1},
                 .palette = {{10, 20, 30, 255}, {200, 100, 0, 128}, {0, 0, 255, 0}}};
    Image image = decode_image(spng_encode(spec));
    CHECK(image.pixel(0, 0) == Color{10, 20, 30, 255});
    CHECK(image.pixel(1, 0) == Color{200, 100, 0, 128});
    CHECK(image.pixel(2, 0).a == 0);
  }
  SECTION("16-bit RGB") {
    // Each sample has equal high and low bytes, so byte order cannot matter.
    PngSpec spec{.width = 2, .height = 1, .bit_depth = 16, .color_type = SPNG_COLOR_TYPE_TRUECOLOR,
                 .pixels = {0xAB, 0xAB, 0x12, 0x12, 0xF0, 0xF0, 0x00, 0x00, 0xFF, 0xFF, 0x80, 0x80}};
    Image image = decode_image(spng_encode(spec));
    CHECK(image.pixel(0, 0) == Color{0xAB, 0x12, 0xF0, 255});
    CHECK(image.pixel(1, 0) == Color{0x00, 0xFF, 0x80, 255});
  }
  SECTION("grayscale with a transparent grey") {
    PngSpec spec{.width = 3, .height = 1, .bit_depth = 8, .color_type = SPNG_COLOR_TYPE_GRAYSCALE,
                 .pixels = {0, 77, 255}, .trns_gray = 77};
    Image image = decode_image(spng_encode(spec));
    CHECK(image.pixel(0, 0) == Color{0, 0, 0, 255});
    CHECK(image.pixel(1, 0).a == 0);
    CHECK(image.pixel(2, 0) == Color{255, 255, 255, 255});
  }
  SECTION("16-bit grayscale with alpha") {
    PngSpec spec{.width = 1, .height = 1, .bit_depth = 16, .color_type = SPNG_COLOR_TYPE_GRAYSCALE_ALPHA,
                 .pixels = {0x40, 0x40, 0x80, 0x80}};
    CHECK(decode_image(spng_encode(spec)).pixel(0, 0) == Color{0x40, 0x40, 0x40, 0x80});
  }
}

TEST_CASE("GIF decodes its first frame", "[codec][gif]") {
  Bytes gif = make_gif(8, 6, {quadrant_frame(8, 6), quadrant_frame(8, 6, true)}, kGifPalette);
  ImageInfo info = probe_image(gif);
  CHECK(info.format == ImageFormat::Gif);
  CHECK(info.width == 8);
  CHECK(info.height == 6);
  CHECK(decode_image(gif) == quadrant_image(8, 6));
}

TEST_CASE("BMP, TGA and PSD decode", "[codec][stb]") {
  Image image = quadrant_image(7, 5);  // odd width: BMP rows are padded
  CHECK(probe_image(make_bmp(image)).format == ImageFormat::Bmp);
  CHECK(decode_image(make_bmp(image)) == image);
  CHECK(probe_image(make_tga(image)).format == ImageFormat::Tga);
  CHECK(decode_image(make_tga(image)) == image);
  CHECK(probe_image(make_psd(image)).format == ImageFormat::Psd);
  CHECK(decode_image(make_psd(image)) == image);
}

TEST_CASE("WebP decodes, still and animated", "[codec][webp]") {
  Image photo = make_photo(40, 30);
  set_pixel(photo, 0, 0, {1, 2, 3, 0});
  set_pixel(photo, 1, 0, {9, 8, 7, 100});
  Bytes webp = webp_lossless(photo);
  ImageInfo info = probe_image(webp);
  CHECK(info.format == ImageFormat::Webp);
  CHECK(info.width == 40);
  Image decoded = decode_image(webp);
  CHECK(decoded.pixel(1, 0) == Color{9, 8, 7, 100});
  CHECK(decoded.pixel(0, 0).a == 0);
  CHECK(mean_difference(decoded, photo) < 0.1);  // only the invisible pixel may differ

  Bytes animated = webp_animation({make_photo(24, 16), quadrant_image(24, 16)});
  CHECK(probe_image(animated).format == ImageFormat::Webp);
  CHECK(decode_image(animated) == make_photo(24, 16));
}

TEST_CASE("HEIC decodes upright, turned once by its own irot and not again by EXIF", "[codec][heic]") {
  if (!have_heic_encoder()) {
    WARN("libheif has no HEVC encoder here: HEIC decoding is not tested");
    return;
  }
  Image upright = make_photo(128, 96);
  for (int o : {1, 6, 3}) {
    INFO("orientation " << o);
    Image stored = stored_for_orientation(upright, o);
    Bytes heic = make_heic(stored, o, 90);
    ImageInfo info = probe_image(heic);
    CHECK(info.format == ImageFormat::Heic);
    CHECK(info.width == 128);  // HEIC reports the size libheif shows: upright
    CHECK(info.height == 96);
    CHECK(info.orientation == 1);
    Image decoded = decode_image(heic);
    CHECK(mean_difference(decoded, upright) < 4.0);
    CHECK(near(decoded.pixel(24, 18), kWhite, 30));
  }
}

// ======================================================================== limits and errors

TEST_CASE("a header over the pixel limit is refused before the pixels are allocated", "[codec][limits]") {
  Bytes png = png_header_only(60000, 60000);
  Error e(ErrorCode::InvalidArgument, "");
  HeapUse heap = heap_use([&] { e = error_of([&] { decode_image(png); }); });
  CHECK(e.code() == ErrorCode::Image);
  CHECK(std::string(e.what()) == "PNG image 60000x60000: over the 50000000-pixel limit");
  CHECK(heap.largest < 1024 * 1024);
  CHECK(error_of([&] { probe_image(png); }).what() == std::string(e.what()));

  // Sides that libspng itself refuses are still reported as the pixel limit,
  // without overflowing the product.
  CHECK(std::string(error_of([&] { decode_image(png_header_only(0x7FFFFFFF, 0x7FFFFFFF)); }).what()) ==
        "PNG image 2147483647x2147483647: over the 50000000-pixel limit");

  // Under the limit the same header gets as far as the missing pixels.
  CHECK(contains(error_of([&] { decode_image(png_header_only(7000, 7000)); }).what(), "PNG"));

  // Other formats, with their headers patched to claim the size.
  Bytes jpeg = encode_jpeg(make_photo(16, 16));
  for (std::size_t i = 2; i + 9 < jpeg.size(); ++i)
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) {
      jpeg[i + 5] = 0xEA, jpeg[i + 6] = 0x60, jpeg[i + 7] = 0xEA, jpeg[i + 8] = 0x60;  // 60000 x 60000
      break;
    }
  CHECK(std::string(error_of([&] { decode_image(jpeg); }).what()) ==
        "JPEG image 60000x60000: over the 50000000-pixel limit");

  Bytes gif = make_gif(8, 6, {quadrant_frame(8, 6)}, kGifPalette);
  gif[6] = 0x60, gif[7] = 0xEA, gif[8] = 0x60, gif[9] = 0xEA;
  CHECK(std::string(error_of([&] { decode_image(gif); }).what()) ==
        "GIF image 60000x60000: over the 50000000-pixel limit");

  CHECK(std::string(error_of([&] { decode_image(make_bmp(quadrant_image(4, 4), 60000, 60000)); }).what()) ==
        "BMP image 60000x60000: over the 50000000-pixel limit");

  Bytes webp = webp_lossless(make_photo(4, 4));
  REQUIRE(webp[20] == 0x2F);  // VP8L: 14 bits width - 1, 14 bits height - 1
  std::uint32_t bits = (16000 - 1) | (16000 - 1) << 14 | std::uint32_t{webp[24] & 0xF0u} << 24;
  for (int i = 0; i < 4; ++i) webp[static_cast<std::size_t>(21 + i)] = static_cast<std::uint8_t>(bits >> (8 * i));
  CHECK(std::string(error_of([&] { decode_image(webp); }).what()) ==
        "WebP image 16000x16000: over the 50000000-pixel limit");

  // Limits are parameters.
  Bytes small = encode_image(make_photo(40, 30), ImageFormat::Png);
  CHECK(std::string(error_of([&] { decode_image(small, {.limits = {.max_pixels = 1000}}); }).what()) ==
        "PNG image 40x30: over the 1000-pixel limit");
  Error bytes = error_of([&] { decode_image(small, {.limits = {.max_bytes = 100}}); });
  CHECK(bytes.code() == ErrorCode::Image);
  CHECK(contains(bytes.what(), "bytes: over the 100-byte limit"));
}

TEST_CASE("truncated, corrupt and foreign input give clear errors", "[codec][errors]") {
  Bytes jpeg = encode_jpeg(make_photo(640, 480));
  REQUIRE(jpeg.size() > 4000);  // mostly scan data, after about 600 bytes of headers

  // Cut in the scan data, and cut in the headers.
  for (std::size_t size : {jpeg.size() * 6 / 10, std::size_t{30}, std::size_t{300}}) {
    INFO("first " << size << " bytes");
    Error truncated = error_of([&] { decode_image(std::span(jpeg).first(size)); });
    CHECK(truncated.code() == ErrorCode::Image);
    CHECK(std::string(truncated.what()) == "JPEG data is truncated (the file is incomplete)");
  }

  Bytes png = encode_image(make_photo(64, 48), ImageFormat::Png);
  Error png_truncated = error_of([&] { decode_image(std::span(png).first(png.size() - 20)); });
  CHECK(png_truncated.code() == ErrorCode::Image);
  CHECK(contains(png_truncated.what(), "PNG"));

  Error empty = error_of([&] { decode_image({}); });
  CHECK(empty.code() == ErrorCode::Unsupported);
  CHECK(std::string(empty.what()) ==
        "not an image Khung reads (JPEG, PNG, WebP, HEIC, GIF, BMP, TGA, PSD): the data is empty");

  Bytes binary = {0x00, 0x01, 0x02, 0x03, 0xFE, 0x10, 0x20, 0x30};
  CHECK(error_of([&] { decode_image(binary); }).code() == ErrorCode::Unsupported);

  auto dir = scratch_dir("errors");
  Bytes text;
  put(text, "Xin chào! This is not a photo.\n");
  write_file(dir / "notes.jpg", text);
  Error not_image = error_of([&] { read_image(dir / "notes.jpg"); });
  CHECK(not_image.code() == ErrorCode::Unsupported);
  CHECK(std::string(not_image.what()) == "photo '" + (dir / "notes.jpg").string() +
                                             "': not an image Khung reads (JPEG, PNG, WebP, HEIC, GIF, BMP, TGA, "
                                             "PSD): it looks like text");

  Error missing = error_of([&] { read_image(dir / "missing.jpg"); });
  CHECK(missing.code() == ErrorCode::Io);
  CHECK(std::string(missing.what()) == "photo '" + (dir / "missing.jpg").string() + "': No such file or directory");

  Error folder = error_of([&] { read_image(dir); });
  CHECK(folder.code() == ErrorCode::Io);

  write_file(dir / "cut.jpg", Bytes(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2)));
  CHECK(std::string(error_of([&] { read_image(dir / "cut.jpg"); }).what()) ==
        "photo '" + (dir / "cut.jpg").string() + "': JPEG data is truncated (the file is incomplete)");

  write_file(dir / "big.jpg", jpeg);
  CHECK(contains(error_of([&] { read_image(dir / "big.jpg", {.limits = {.max_bytes = 100}}); }).what(),
                 "big.jpg': image file of "));
  CHECK(read_image(dir / "big.jpg").width() == 640);
  std::filesystem::remove_all(dir);
}

// ======================================================================== shrink-on-load

TEST_CASE("shrink-on-load picks the smallest DCT scale that still covers the minimum", "[codec][shrink]") {
  Bytes jpeg = encode_jpeg(make_photo(4032, 3024), 80);
  auto size_of = [](const Image& image) { return Size{image.width(), image.height()}; };

  // 1/8: 504x378, 1/4: 1008x756 are too small; 3/8: 1512x1134 would cover
  // 1080x1080, but JPEG passes over 3/8 for 1/2 (2016x1512: libjpeg-turbo
  // decodes 1/2 faster).
  Image shrunk = decode_image(jpeg, {.min_width = 1080, .min_height = 1080});
  CHECK(size_of(shrunk) == Size{2016, 1512});
  CHECK(near(shrunk.pixel(400, 267), kWhite, 24));
  CHECK(size_of(decode_image(jpeg, {.min_width = 1080})) == Size{2016, 1512});
  CHECK(size_of(decode_image(jpeg, {.min_width = 1000})) == Size{1008, 756});  // 1/4 covers: kept
  // 5/8 (2520x1890) is kept: it is not 3/8.
  CHECK(size_of(decode_image(jpeg, {.min_width = 2100})) == Size{2520, 1890});
  CHECK(size_of(decode_image(jpeg, {.min_width = 400, .min_height = 300})) == Size{504, 378});
  CHECK(size_of(decode_image(jpeg)) == Size{4032, 3024});
  // Never upscaled: larger minimums get the full size.
  CHECK(size_of(decode_image(jpeg, {.min_width = 5000, .min_height = 5000})) == Size{4032, 3024});

  // Orientation 6 turns it to 3024x4032 first: 1080x1920 needs 4032 * f >= 1920, f = 1/2.
  Bytes turned = with_app1(jpeg, exif_payload(tiff_orientation_block(6, false)));
  CHECK(size_of(decode_image(turned, {.min_width = 1080, .min_height = 1080})) == Size{1512, 2016});
  CHECK(size_of(decode_image(turned, {.min_width = 1080, .min_height = 1920})) == Size{1512, 2016});

  // Smaller than the minimum in one dimension: that one stays full.
  Bytes wide = encode_jpeg(make_photo(2400, 500), 80);
  CHECK(size_of(decode_image(wide, {.min_width = 1080, .min_height = 1080})) == Size{2400, 500});
  CHECK(size_of(decode_image(wide, {.min_width = 1080, .min_height = 200})) == Size{1200, 250});

  // WebP offers its scaler in eighths: 3/8 of 800x600 is 300x225.
  Bytes webp = encode_image(make_photo(800, 600), ImageFormat::Webp, {.quality = 80});
  Image small = decode_image(webp, {.min_width = 200, .min_height = 200});
  CHECK(size_of(small) == Size{300, 225});
  CHECK(near(small.pixel(55, 40), kWhite, 30));
}

// ======================================================================== encoding

TEST_CASE("JPEG, WebP and PNG encodings round-trip", "[codec][encode]") {
  Image photo = make_photo(64, 48);
  SECTION("JPEG flattens alpha onto white") {
    Image translucent = photo;
    set_pixel(translucent, 40, 10, {0, 0, 0, 0});
    for (int y = 32; y < 48; ++y)
      for (int x = 0; x < 16; ++x) set_pixel(translucent, x, y, {0, 0, 0, 0});
    Image decoded = decode_image(encode_image(translucent, ImageFormat::Jpeg, {.quality = 90}));
    CHECK(near(decoded.pixel(8, 40), kWhite, 6));
    CHECK(near(decoded.pixel(50, 10), kGreen, 12));
    CHECK(mean_difference(decode_image(encode_image(photo, ImageFormat::Jpeg, {.quality = 90})), photo) < 3.0);
    CHECK(encode_image(photo, ImageFormat::Jpeg, {.quality = 10}).size() <
          encode_image(photo, ImageFormat::Jpeg, {.quality = 100}).size());
  }
  SECTION("WebP keeps alpha") {
    Image translucent = photo;
    for (int y = 0; y < 48; ++y)
      for (int x = 32; x < 64; ++x) translucent.row(y)[4 * x + 3] = 128;
    Image decoded = decode_image(encode_image(translucent, ImageFormat::Webp, {.quality = 90}));
    CHECK(decoded.pixel(50, 10).a == 128);
    CHECK(decoded.pixel(10, 10).a == 255);
    CHECK(mean_difference(decoded, translucent) < 4.0);
  }
  SECTION("PNG is exact") { CHECK(decode_image(encode_image(photo, ImageFormat::Png)) == photo); }
  SECTION("saved files read back") {
    auto dir = scratch_dir("encode");
    for (const char* name : {"a.jpg", "b.JPEG", "c.webp", "d.png"}) {
      save_image(photo, dir / name, {.quality = 92});
      CHECK(mean_difference(read_image(dir / name), photo) < 3.0);
    }
    int files = 0;
    for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(dir)) ++files;
    CHECK(files == 4);
    std::filesystem::remove_all(dir);
  }
}

TEST_CASE("encoding options and extensions are checked", "[codec][encode]") {
  Image photo = make_photo(8, 8);
  for (int q : {0, 101, -5}) {
    Error e = error_of([&] { encode_image(photo, ImageFormat::Jpeg, {.quality = q}); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(std::string(e.what()) == "quality " + std::to_string(q) + ": must be between 1 and 100");
  }
  CHECK_NOTHROW(encode_image(photo, ImageFormat::Webp, {.quality = 1}));
  CHECK_NOTHROW(encode_image(photo, ImageFormat::Jpeg, {.quality = 100}));
  CHECK(error_of([&] { encode_image(photo, ImageFormat::Gif); }).code() == ErrorCode::InvalidArgument);

  CHECK(format_from_path("x/photo.JPG") == ImageFormat::Jpeg);
  CHECK(format_from_path("photo.jpeg") == ImageFormat::Jpeg);
  CHECK(format_from_path("photo.WebP") == ImageFormat::Webp);
  CHECK(format_from_path("photo.png") == ImageFormat::Png);
  Error e = error_of([] { format_from_path("photo.heic"); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK(contains(e.what(), "unsupported extension '.heic'"));
}

// ======================================================================== damaged input

namespace {

// Decoding must return an image or throw khung::Error: anything else (a
// crash, a sanitizer report, another exception) fails the suite.
void decode_damaged(const Bytes& data) {
  try {
    Image image = decode_image(data);
    CHECK_FALSE(image.empty());
  } catch (const Error& e) {
    CHECK((e.code() == ErrorCode::Image || e.code() == ErrorCode::Unsupported));
  }
}

}  // namespace

TEST_CASE("damaged files of every format never crash the decoder", "[codec][fuzz]") {
  Image photo = make_photo(40, 24);
  std::vector<std::pair<std::string, Bytes>> samples = {
      {"jpeg", with_app1(encode_jpeg(photo, 80), exif_payload(tiff_orientation_block(6, true)))},
      {"png", encode_image(photo, ImageFormat::Png)},
      {"png palette", spng_encode({.width = 4, .height = 1, .bit_depth = 8, .color_type = SPNG_COLOR_TYPE_INDEXED,
                                   .pixels = {0, 1, 2, 1}, .palette = {{10, 20, 30, 255}, {1, 2, 3, 4}, {0, 0, 0, 0}}})},
      {"webp lossy", encode_image(photo, ImageFormat::Webp, {.quality = 60})},
      {"webp lossless", webp_lossless(photo)},
      {"webp animated", webp_animation({make_photo(24, 16), quadrant_image(24, 16)})},
      {"gif", make_gif(8, 6, {quadrant_frame(8, 6), quadrant_frame(8, 6, true)}, kGifPalette)},
      {"bmp", make_bmp(quadrant_image(7, 5))},
      {"tga", make_tga(quadrant_image(7, 5))},
      {"psd", make_psd(quadrant_image(7, 5))},
  };
  Bytes cmyk;
  for (int i = 0; i < 16 * 8; ++i) cmyk.insert(cmyk.end(), {255, 128, 0, static_cast<std::uint8_t>(i)});
  samples.emplace_back("jpeg ycck", turbojpeg_compress(cmyk, 16, 8, TJPF_CMYK, TJSAMP_420));
  if (have_heic_encoder())
    samples.emplace_back("heic", make_heic(stored_for_orientation(make_photo(64, 64), 6), 6, 90));

  // KHUNG_FUZZ_ROUNDS raises the number of damaged copies per sample for a
  // longer hunt; the seed is fixed, so a failure repeats.
  int rounds = 150;
  if (const char* env = std::getenv("KHUNG_FUZZ_ROUNDS")) rounds = std::max(1, std::atoi(env));
  std::mt19937 rng(2024);
  for (const auto& [name, sample] : samples) {
    INFO(name);
    REQUIRE_NOTHROW(decode_image(sample));
    for (std::size_t cut = 0; cut < sample.size(); cut += std::max<std::size_t>(1, sample.size() / 40))
      decode_damaged(Bytes(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(cut)));
    for (int i = 0; i < rounds; ++i) {
      Bytes damaged = sample;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        std::size_t at = rng() % damaged.size();
        if (rng() % 3) {
          damaged[at] = static_cast<std::uint8_t>(rng());
        } else {
          // Extreme values over a run of bytes: what breaks length and size fields.
          static constexpr std::array<std::uint8_t, 4> kExtremes{0x00, 0xFF, 0x7F, 0x80};
          std::uint8_t value = kExtremes[rng() % kExtremes.size()];
          for (std::size_t k = at; k < std::min(damaged.size(), at + 1 + rng() % 4); ++k) damaged[k] = value;
        }
      }
      if (rng() % 8 == 0) damaged.resize(rng() % damaged.size() + 1);
      decode_damaged(damaged);
    }
  }
}

TEST_CASE("inputs that once broke the decoder stay handled", "[codec][fuzz]") {
  // Each file (tests/crashers/README.md says what it once did) and the
  // error it gives now; a file added without its error here fails.
  const std::map<std::string, std::string> expected = {
      {"jpeg-scan-header-without-data.jpg", "JPEG data is truncated (the file is incomplete)"},
      {"jpeg-undefined-huffman-table-after-warning.jpg", "corrupt JPEG data: Huffman table 0x03 was not defined"},
      {"png-sides-2147483647-overflow-pixel-count.png", "PNG image 2147483647x2147483647: over the 50000000-pixel limit"},
      {"gif-cut-short-was-zero-filled.gif", "GIF data is truncated (the file is incomplete)"},
      {"bmp-cut-short-was-zero-filled.bmp", "BMP data is truncated (the file is incomplete)"},
      {"tga-cut-short-was-zero-filled.tga", "TGA data is truncated (the file is incomplete)"},
      {"psd-cut-short-was-zero-filled.psd", "PSD data is truncated (the file is incomplete)"},
      {"gif-no-frame-stale-reason.gif", "corrupt GIF data: no frame that can be decoded"},
      {"heic-cut-in-meta-box-was-no-meta-box.heic", "HEIC data is truncated (the file is incomplete)"},
  };
  auto dir = std::filesystem::path(KHUNG_SOURCE_DIR) / "tests" / "crashers";
  REQUIRE(std::filesystem::is_directory(dir));
  std::set<std::string> seen;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".md") continue;
    const std::string name = entry.path().filename().string();
    INFO(name);
    const Bytes bytes = read_file(entry.path());
    decode_damaged(bytes);
    const auto it = expected.find(name);
    REQUIRE(it != expected.end());
    const Error e = error_of([&] { decode_image(bytes); });
    CHECK(e.code() == ErrorCode::Image);
    CHECK(std::string(e.what()) == it->second);
    seen.insert(name);
  }
  for (const auto& [name, message] : expected) {
    INFO(name);
    CHECK(seen.count(name) == 1);
  }
}
