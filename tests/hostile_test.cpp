// Hostile input, by design (issue 8): tiny files that claim huge images,
// cut and corrupt files in every format the decoder reads, odd GIFs,
// metadata bombs, strips, megabyte text, a 100 000-row data file, and
// templates and names that try to leave their folder. Each gives its
// documented error quickly, or renders correctly; none crashes, hangs or
// leaves a partial file. The HTTP face's statuses for the same inputs are
// in server_test.cpp, the CLI's exit codes in cli_test.sh. Every input is
// made here or in image_files.cpp, byte by byte or with the codec libraries.

#include "khung/batch.hpp"
#include "khung/codec.hpp"
#include "khung/data.hpp"
#include "khung/error.hpp"
#include "khung/image.hpp"
#include "khung/render.hpp"
#include "khung/template.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include "heap_use.hpp"
#include "image_files.hpp"
#include "scratch.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

using namespace khung;
namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------- helpers

// Hostile input must never hang the library. The checks below bound the
// time it takes by kHangGuard: not a speed measurement (bench/ measures
// speed), a guard against a hang or a blow-up of orders of magnitude,
// generous enough that a loaded machine or a sanitizer build never trips
// it. (They were 0.5 to 2 s and failed under ASan on a busy machine.)
constexpr double kHangGuard = 20;

double seconds_of(const std::function<void()>& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// Overwrites four bytes at `at` with v, big-endian.
void set_be32(Bytes& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

std::string text_of(const Bytes& bytes) { return {bytes.begin(), bytes.end()}; }

// A picture with something in every row and column: a gradient.
Image gradient(int width, int height) {
  Image image(width, height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      std::uint8_t* p = image.row(y) + 4 * x;
      p[0] = static_cast<std::uint8_t>(x * 255 / std::max(1, width - 1));
      p[1] = static_cast<std::uint8_t>(y * 255 / std::max(1, height - 1));
      p[2] = 90;
      p[3] = 255;
    }
  return image;
}

// ---------------------------------------------------------------- the formats

// PNG: chunks inserted after IHDR.
constexpr std::size_t kAfterIhdr = 8 + 25;

Bytes with_png_chunks(const Bytes& png, std::string_view type, const std::vector<Bytes>& bodies) {
  Bytes out(png.begin(), png.begin() + kAfterIhdr);
  for (const Bytes& body : bodies) put_png_chunk(out, type, body);
  out.insert(out.end(), png.begin() + kAfterIhdr, png.end());
  return out;
}

// zlib-compressed zeros: a small body that inflates to `size` bytes.
Bytes deflated_zeros(std::size_t size) {
  Bytes zeros(size, 0);
  uLongf length = compressBound(static_cast<uLong>(size));
  Bytes out(length);
  REQUIRE(compress2(out.data(), &length, zeros.data(), static_cast<uLong>(size), 9) == Z_OK);
  out.resize(length);
  return out;
}

// JPEG: segments inserted after SOI; the frame header patched to claim a size.
Bytes jpeg_of(const Image& image) { return encode_image(image, ImageFormat::Jpeg, {.quality = 90}); }

std::size_t find_marker(const Bytes& jpeg, std::uint8_t marker) {
  for (std::size_t i = 2; i + 1 < jpeg.size(); ++i)
    if (jpeg[i] == 0xFF && jpeg[i + 1] == marker) return i;
  FAIL("no marker " << int(marker));
  return 0;
}

Bytes jpeg_claiming(unsigned width, unsigned height) {
  Bytes jpeg = jpeg_of(gradient(16, 16));
  std::size_t sof = find_marker(jpeg, 0xC0);
  jpeg[sof + 5] = static_cast<std::uint8_t>(height >> 8), jpeg[sof + 6] = static_cast<std::uint8_t>(height);
  jpeg[sof + 7] = static_cast<std::uint8_t>(width >> 8), jpeg[sof + 8] = static_cast<std::uint8_t>(width);
  return jpeg;
}

// WebP: the extended header alone states the canvas (24 bits a side).
Bytes webp_vp8x_claiming(std::uint32_t width, std::uint32_t height) {
  Bytes webp;
  put(webp, "RIFF");
  put_le32(webp, 4 + 8 + 10);
  put(webp, "WEBPVP8X");
  put_le32(webp, 10);
  webp.insert(webp.end(), {0x02, 0, 0, 0});  // animation
  for (std::uint32_t side : {width - 1, height - 1})
    for (int i = 0; i < 3; ++i) webp.push_back(static_cast<std::uint8_t>(side >> (8 * i)));
  return webp;
}

// The HEIC with its 'ispe' property (the size the file declares) rewritten.
Bytes heic_claiming(std::uint32_t width, std::uint32_t height) {
  Bytes heic = make_heic(gradient(64, 64));
  for (std::size_t i = 4; i + 16 <= heic.size(); ++i)
    if (std::memcmp(heic.data() + i, "ispe", 4) == 0) {
      set_be32(heic, i + 8, width);
      set_be32(heic, i + 12, height);
      return heic;
    }
  FAIL("no ispe box");
  return {};
}

// One small, valid file of every format, with the name its messages use.
struct Sample {
  std::string format;
  Bytes bytes;
};

std::vector<Sample> samples_of_every_format() {
  Image picture = gradient(40, 24);
  std::vector<Sample> samples = {
      {"JPEG", jpeg_of(picture)},
      {"PNG", encode_image(picture, ImageFormat::Png)},
      {"WebP", encode_image(picture, ImageFormat::Webp, {.quality = 80})},
      {"GIF", make_gif(8, 6, {flat_frame(8, 6, 7), flat_frame(8, 6, 9)})},
      {"BMP", make_bmp(picture)},
      {"TGA", make_tga(picture)},
      {"PSD", make_psd(picture)},
  };
  if (have_heic_encoder()) samples.push_back({"HEIC", make_heic(gradient(64, 64))});
  return samples;
}

// The files in a folder, by name (hidden temporary ones included).
std::set<std::string> files_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

}  // namespace

// ======================================================================== 1. decompression bombs

TEST_CASE("a tiny file claiming 60000x60000 pixels is refused in every format before they are allocated",
          "[hostile][bomb]") {
  Image pixel = gradient(1, 1);
  std::vector<Sample> bombs = {
      {"JPEG", jpeg_claiming(60000, 60000)},
      {"PNG", png_header_only(60000, 60000)},
      {"WebP", webp_vp8x_claiming(60000, 60000)},
      {"GIF", make_gif(60000, 60000, {flat_frame(1, 1, 3)}, grey_palette(1))},
      {"BMP", make_bmp(pixel, 60000, 60000)},
      {"TGA", make_tga(pixel, 60000, 60000)},
      {"PSD", make_psd(pixel, 60000, 60000)},
  };
  if (have_heic_encoder())
    bombs.push_back({"HEIC", heic_claiming(60000, 60000)});
  else
    WARN("libheif has no HEVC encoder here: the HEIC bomb is not tested");

  ScratchDir scratch("hostile-bomb");
  for (const auto& [format, bytes] : bombs) {
    INFO(format);
    CHECK(bytes.size() < 4096);
    const std::string expected = format + " image 60000x60000: over the 50000000-pixel limit";
    Error decoded(ErrorCode::InvalidArgument, "");
    HeapUse heap;
    double seconds = seconds_of([&] { heap = heap_use([&] { decoded = error_of([&] { decode_image(bytes); }); }); });
    CHECK(decoded.code() == ErrorCode::Image);
    CHECK(decoded.what() == expected);
    CHECK(heap.largest < (1u << 20));
    CHECK(seconds < kHangGuard);
    CHECK(error_of([&] { probe_image(bytes); }).what() == expected);
    // From a file, the message names it.
    fs::path file = scratch.dir / "bomb.img";
    write_file(file, bytes);
    CHECK(error_of([&] { read_image(file); }).what() == "photo '" + file.string() + "': " + expected);
  }
}

TEST_CASE("HEIC past the HEIC decoder's own side limit is named with its size", "[hostile][bomb]") {
  if (!have_heic_encoder()) {
    WARN("libheif has no HEVC encoder here: HEIC is not tested");
    return;
  }
  // libheif refuses a side of 32768 or more before Khung sees the size;
  // its refusal is reported as Khung's limits are.
  CHECK(std::string(error_of([] { decode_image(heic_claiming(40000, 40000)); }).what()) ==
        "HEIC image 40000x40000: over the 50000000-pixel limit");
  Error strip = error_of([] { decode_image(heic_claiming(100000, 1)); });
  CHECK(strip.code() == ErrorCode::Image);
  CHECK(std::string(strip.what()) == "HEIC image 100000x1: over the HEIC decoder's size limit");
  // Under that side limit the pixel limit speaks.
  CHECK(std::string(error_of([] { decode_image(heic_claiming(10000, 10000)); }).what()) ==
        "HEIC image 10000x10000: over the 50000000-pixel limit");
}

// ======================================================================== 2. truncated, corrupt and empty files

TEST_CASE("a file of any format cut anywhere is an error naming its format, never part of an image",
          "[hostile][truncated]") {
  for (const auto& [format, bytes] : samples_of_every_format()) {
    INFO(format);
    const Image whole = decode_image(bytes);
    const std::string truncated = format + " data is truncated (the file is incomplete)";
    std::size_t step = std::max<std::size_t>(1, bytes.size() / 300);
    for (std::size_t cut = 0; cut < bytes.size(); cut += (cut < 64 ? 1 : step)) {
      INFO("first " << cut << " of " << bytes.size() << " bytes");
      try {
        // Only the bytes after the image may be missing (a PNG's IEND).
        Image image = decode_image(std::span(bytes).first(cut));
        CHECK(image == whole);
      } catch (const Error& e) {
        const std::string message = e.what();
        if (e.code() == ErrorCode::Unsupported) {
          // Too little is left to tell the format.
          CHECK(starts_with(message, "not an image Khung reads"));
        } else {
          CHECK(e.code() == ErrorCode::Image);
          CHECK((message == truncated || starts_with(message, "corrupt " + format + " data: ")));
        }
      }
    }
    // Cut in the middle, the file is said to be cut.
    CHECK(error_of([&] { decode_image(std::span(bytes).first(bytes.size() * 3 / 4)); }).what() == truncated);
  }
}

TEST_CASE("a JPEG cut right after its scan header is truncated, not decoded", "[hostile][truncated]") {
  // TurboJPEG once "decoded" this (no scan data at all) into an image whose
  // pixels were whatever the heap held: another photo's, in a service.
  Bytes jpeg = jpeg_of(gradient(64, 48));
  std::size_t sos = find_marker(jpeg, 0xDA);
  std::size_t header_end = sos + 2 + (std::size_t{jpeg[sos + 2]} << 8 | jpeg[sos + 3]);
  for (std::size_t cut = sos; cut <= header_end; ++cut) {
    INFO("cut at " << cut);
    CHECK(std::string(error_of([&] { decode_image(std::span(jpeg).first(cut)); }).what()) ==
          "JPEG data is truncated (the file is incomplete)");
  }
}

TEST_CASE("a JPEG error after a warning is an error, not an image with unwritten rows", "[hostile][corrupt]") {
  // Stray bytes before the scan are a warning; Huffman tables the scan names
  // but the file lacks are an error. TurboJPEG 2.1 still calls the pair a
  // warning.
  Bytes jpeg = jpeg_of(gradient(64, 48));
  std::size_t sos = find_marker(jpeg, 0xDA);
  for (int c = 0; c < jpeg[sos + 4]; ++c) jpeg[sos + 6 + 2 * static_cast<std::size_t>(c)] = 0x33;
  jpeg.insert(jpeg.begin() + static_cast<std::ptrdiff_t>(sos), {0x00, 0x00});
  Error e = error_of([&] { decode_image(jpeg); });
  CHECK(e.code() == ErrorCode::Image);
  CHECK(std::string(e.what()) == "corrupt JPEG data: Huffman table 0x03 was not defined");

  // A warning alone still leaves a whole image, as browsers show it.
  Bytes stray = jpeg_of(gradient(64, 48));
  stray.insert(stray.begin() + static_cast<std::ptrdiff_t>(find_marker(stray, 0xDA)), {0x00, 0x00});
  CHECK(decode_image(stray).width() == 64);
}

TEST_CASE("zero-byte and one-byte files are named, not decoded", "[hostile][truncated]") {
  ScratchDir scratch("hostile-empty");
  fs::path empty = scratch.write("empty.jpg", "");
  Error e = error_of([&] { read_image(empty); });
  CHECK(e.code() == ErrorCode::Unsupported);
  CHECK(std::string(e.what()) == "photo '" + empty.string() +
                                     "': not an image Khung reads (JPEG, PNG, WebP, HEIC, GIF, BMP, TGA, PSD): the "
                                     "data is empty");
  for (const auto& [format, bytes] : samples_of_every_format()) {
    INFO(format);
    CHECK(error_of([&] { decode_image(std::span(bytes).first(1)); }).code() == ErrorCode::Unsupported);
  }
  // Through the renderer, as every face calls it.
  RenderOptions options;
  options.photo.path = empty;
  CHECK(error_of([&] { load_and_render("frame-ring", options); }).what() == std::string(e.what()));
}

// ======================================================================== 3. GIF: animation, palettes, odd files

TEST_CASE("an animated GIF gives its first frame, however many follow", "[hostile][gif]") {
  std::vector<GifFrame> frames = {flat_frame(16, 8, 200)};
  for (int i = 0; i < 3000; ++i) frames.push_back(flat_frame(16, 8, static_cast<std::uint8_t>(i % 256)));
  Bytes gif = make_gif(16, 8, frames);
  Image image;
  CHECK(seconds_of([&] { image = decode_image(gif); }) < kHangGuard);
  REQUIRE(image.width() == 16);
  CHECK(image.pixel(5, 5) == Color{200, 200, 200, 255});
}

TEST_CASE("GIF palettes: full 256-colour, local, transparent and indices past the end", "[hostile][gif]") {
  // The global palette of 256 greys.
  GifFrame all = {0, 0, 256, 1, {}};
  for (int i = 0; i < 256; ++i) all.indices.push_back(static_cast<std::uint8_t>(i));
  Image greys = decode_image(make_gif(256, 1, {all}));
  for (int x : {0, 1, 128, 255}) CHECK(greys.pixel(x, 0) == Color{std::uint8_t(x), std::uint8_t(x), std::uint8_t(x), 255});

  // A local palette wins over the global one for its frame.
  GifFrame local = flat_frame(4, 4, 1);
  local.local_palette = {{0, 0, 0, 255}, {10, 200, 30, 255}};
  local.code_size = 2;
  CHECK(decode_image(make_gif(4, 4, {local})).pixel(2, 2) == Color{10, 200, 30, 255});

  // The transparent index is transparent.
  GifFrame clear = flat_frame(4, 4, 5);
  clear.transparent = 5;
  CHECK(decode_image(make_gif(4, 4, {clear})).pixel(1, 1).a == 0);

  // Indices past a 2-colour palette read as some colour, without harm.
  GifFrame past = flat_frame(4, 4, 3);
  past.code_size = 2;
  CHECK(decode_image(make_gif(4, 4, {past}, grey_palette(1))).width() == 4);

  // A frame smaller than the screen: the rest is transparent.
  GifFrame corner = {2, 2, 2, 2, std::vector<std::uint8_t>(4, 77)};
  Image partly = decode_image(make_gif(6, 6, {corner}));
  CHECK(partly.pixel(3, 3) == Color{77, 77, 77, 255});
  CHECK(partly.pixel(0, 0).a == 0);
}

TEST_CASE("odd GIFs are corrupt GIF data, each with a reason", "[hostile][gif]") {
  auto message = [](const Bytes& gif) { return std::string(error_of([&] { decode_image(gif); }).what()); };
  // No frame at all: only the header, palette and trailer.
  CHECK(message(make_gif(8, 6, {})) == "corrupt GIF data: no frame that can be decoded");
  // An LZW code size GIF does not have (at most 12).
  GifFrame wide_codes = flat_frame(8, 6, 1);
  Bytes gif = make_gif(8, 6, {wide_codes});
  gif[13 + 3 * 256 + 10] = 13;  // the frame's code size byte, after its descriptor
  CHECK(message(gif) == "corrupt GIF data: no frame that can be decoded");
  // A frame that does not fit on the screen.
  GifFrame outside = {4, 4, 8, 6, std::vector<std::uint8_t>(48, 1)};
  CHECK(starts_with(message(make_gif(8, 6, {outside})), "corrupt GIF data: "));
  // A screen of no pixels.
  CHECK(message(make_gif(0, 0, {flat_frame(1, 1, 1)})) == "GIF image 0x0: has no pixels");
  // The reason never comes from an earlier file (stb keeps it per thread).
  CHECK(error_of([] { decode_image(png_header_only(1, 1)); }).code() == ErrorCode::Image);
  CHECK(message(make_gif(8, 6, {})) == "corrupt GIF data: no frame that can be decoded");
}

// ======================================================================== 4. metadata bombs

TEST_CASE("megabytes of EXIF and ICC segments in a JPEG are skipped", "[hostile][metadata]") {
  Bytes plain = jpeg_of(gradient(32, 16));
  Bytes jpeg(plain.begin(), plain.begin() + 2);
  for (int i = 0; i < 100; ++i) {
    Bytes payload(65533, 0x41);
    if (i % 2 == 0)
      std::memcpy(payload.data(), "Exif\0\0MM\0\x2A\0\0\0\x08\0\0", 16);  // an empty IFD0
    else
      std::memcpy(payload.data(), "ICC_PROFILE\0\x01\x01", 14);
    jpeg.insert(jpeg.end(), {0xFF, static_cast<std::uint8_t>(i % 2 == 0 ? 0xE1 : 0xE2), 0xFF, 0xFF});
    jpeg.insert(jpeg.end(), payload.begin(), payload.end());
  }
  jpeg.insert(jpeg.end(), plain.begin() + 2, plain.end());
  REQUIRE(jpeg.size() > 6'000'000);
  Image image;
  CHECK(seconds_of([&] { image = decode_image(jpeg); }) < kHangGuard);
  CHECK(image == decode_image(plain));
  CHECK(probe_image(jpeg).orientation == 1);
}

TEST_CASE("large PNG metadata is read or refused at its limit, never inflated without bound",
          "[hostile][metadata]") {
  Bytes png = encode_image(gradient(32, 16), ImageFormat::Png);
  const Image plain = decode_image(png);

  // Megabytes that stay megabytes: decoded as usual.
  Bytes icc;
  put(icc, std::string_view("display\0\0", 9));  // name, compression method
  Bytes raw(5u << 20, 7);
  icc.insert(icc.end(), raw.begin(), raw.end());
  CHECK(decode_image(with_png_chunks(png, "iCCP", {icc})) == plain);
  Bytes exif;
  put(exif, std::string_view("MM\0\x2A\0\0\0\x08", 8));
  exif.resize(5u << 20, 0);
  CHECK(decode_image(with_png_chunks(png, "eXIf", {exif})) == plain);

  // A profile and a text that inflate to 17 MB from a few kilobytes, and
  // thousands of small texts: over the metadata limit, refused quickly.
  const std::string refused = "PNG metadata (text, ICC profile and other chunks): over the 16 MB or 1000-chunk limit";
  Bytes bomb = deflated_zeros(17u << 20);
  REQUIRE(bomb.size() < 64 * 1024);
  Bytes iccp;
  put(iccp, std::string_view("bomb\0\0", 6));
  iccp.insert(iccp.end(), bomb.begin(), bomb.end());
  Bytes ztxt;
  put(ztxt, std::string_view("Comment\0\0", 9));
  ztxt.insert(ztxt.end(), bomb.begin(), bomb.end());
  Bytes text;
  put(text, std::string_view("k\0v", 3));
  for (const Bytes& file : {with_png_chunks(png, "iCCP", {iccp}), with_png_chunks(png, "zTXt", {ztxt}),
                            with_png_chunks(png, "tEXt", std::vector<Bytes>(5000, text))}) {
    Error e(ErrorCode::InvalidArgument, "");
    HeapUse heap;
    CHECK(seconds_of([&] { heap = heap_use([&] { e = error_of([&] { decode_image(file); }); }); }) < kHangGuard);
    CHECK(e.code() == ErrorCode::Image);
    CHECK(std::string(e.what()) == refused);
    CHECK(heap.largest < (1u << 20));
  }
}

// ======================================================================== 5. strips

TEST_CASE("1x100000 and 100000x1 photos fill a frame's window", "[hostile][strip]") {
  ScratchDir scratch("hostile-strip");
  const Template frame = Template::load("frame-ring");
  const PhotoWindow window = *frame.photo_window();
  const int cx = window.box.x + window.box.width / 2, cy = window.box.y + window.box.height / 2;
  for (Size size : {Size{1, 100000}, Size{100000, 1}}) {
    INFO(size.width << "x" << size.height);
    Image strip(size.width, size.height, {30, 160, 220, 255});
    for (const char* name : {"strip.png", "strip.bmp"}) {
      INFO(name);
      fs::path file = scratch.dir / name;
      write_file(file, std::string(name) == "strip.png" ? encode_image(strip, ImageFormat::Png) : make_bmp(strip));
      RenderOptions options;
      options.photo.path = file;
      Image framed = load_and_render("frame-ring", options).image;
      CHECK(framed.width() == frame.size().width);
      Color c = framed.pixel(cx, cy);
      CHECK((std::abs(c.r - 30) <= 2 && std::abs(c.g - 160) <= 2 && std::abs(c.b - 220) <= 2 && c.a == 255));
      CHECK(render_template(frame, options) == framed);
    }
  }
}

TEST_CASE("1x100000 and 100000x1 assets render in every fit", "[hostile][strip]") {
  ScratchDir scratch("hostile-strip-asset");
  // The strip's middle is red, its ends blue: cover shows the middle.
  for (Size size : {Size{1, 100000}, Size{100000, 1}}) {
    INFO(size.width << "x" << size.height);
    Image strip(size.width, size.height, {0, 0, 255, 255});
    for (int i = std::max(size.width, size.height) / 2 - 100; i < std::max(size.width, size.height) / 2 + 100; ++i) {
      std::uint8_t* p = size.width == 1 ? strip.row(i) : strip.row(0) + 4 * i;
      p[0] = 255, p[2] = 0;
    }
    write_file(scratch.dir / "strip.png", encode_image(strip, ImageFormat::Png));
    for (const char* fit : {"contain", "cover", "stretch"}) {
      INFO(fit);
      fs::path file = scratch.write("t.json", std::string(R"({"width": 400, "height": 300, "layers": [
          {"type": "image", "src": "strip.png", "box": [50, 50, 300, 200], "fit": ")") + fit + R"("}]})");
      Image image;
      HeapUse heap = heap_use([&] { image = render_template(Template::load(file.string()), {}); });
      CHECK(image.width() == 400);
      CHECK(heap.largest < (8u << 20));  // never the strip scaled whole: that would be gigabytes
      if (std::string(fit) == "cover") {
        CHECK(image.pixel(200, 150) == Color{255, 0, 0, 255});
        CHECK(image.pixel(52, 52).a == 255);
        CHECK(image.pixel(20, 20).a == 0);
      }
    }
  }
}

// ======================================================================== 6. megabyte text

namespace {

// About `bytes` of Vietnamese words, cut at a character boundary.
std::string vietnamese_text(std::size_t bytes) {
  const std::string words = "Công đoàn cơ sở Điện lực Hà Nội ";
  std::string text;
  while (text.size() + words.size() <= bytes) text += words;
  return text;
}

}  // namespace

TEST_CASE("a 1 MB field is refused at once, naming the field and the limit", "[hostile][text]") {
  const std::string megabyte = vietnamese_text(1u << 20);
  const std::string refused = "field 'unit': " + std::to_string(megabyte.size()) + " bytes, over the 65536-byte limit";
  RenderOptions options;
  options.fields = {{"unit", megabyte}};
  Error e(ErrorCode::Io, "");
  CHECK(seconds_of([&] { e = error_of([&] { render_template(Template::load("web-banner"), options); }); }) < kHangGuard);
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK(std::string(e.what()) == refused);
  CHECK(error_of([&] { load_and_render("web-banner", options); }).what() == refused);
  CHECK(check_template(Template::load("web-banner"), options.fields) ==
        std::vector<CheckProblem>{{CheckKind::FieldTooLong, "field 'unit'", std::to_string(megabyte.size()) + " bytes, over the 65536-byte limit"}});
}

TEST_CASE("a field at the limit renders ellipsized, or fails to fit with a short message", "[hostile][text]") {
  const std::string longest = vietnamese_text(max_field_bytes);
  REQUIRE(longest.size() > max_field_bytes - 64);
  // web-banner ends its unit with an ellipsis.
  const Template banner = Template::load("web-banner");
  RenderOptions options;
  options.fields = {{"unit", longest}};
  Image image;
  CHECK(seconds_of([&] { image = render_template(banner, options); }) < kHangGuard);
  CHECK(image.width() == banner.size().width);

  // post's name must fit: a Layout error that quotes only the text's start.
  const Template post = Template::load("post");
  options.fields = {{"name", longest}, {"unit", "Tổ 1"}};
  Error e(ErrorCode::Io, "");
  CHECK(seconds_of([&] { e = error_of([&] { render_template(post, options); }); }) < kHangGuard);
  CHECK(e.code() == ErrorCode::Layout);
  CHECK(starts_with(e.what(), "text \""));
  CHECK(std::string(e.what()).find("…\": does not fit the 920x210 px box") != std::string::npos);
  CHECK(std::string(e.what()).size() < 200);
}

TEST_CASE("a 1 MB CSV cell fails its row at once; the other rows render", "[hostile][text]") {
  ScratchDir scratch("hostile-cell");
  scratch.write("card.json", R"({"width": 320, "height": 100, "layers": [
      {"type": "text", "text": "{{name}}", "box": [10, 10, 300, 80],
       "font": {"family": "Noto Sans", "size": [8, 40]}, "max_lines": 1, "overflow": "error"}]})");
  const std::string megabyte = vietnamese_text(1u << 20);
  fs::path data = scratch.write("rows.csv", "name\nAn\n\"" + megabyte + "\"\nBình\n");
  BatchOptions options;
  options.data = data;
  options.output_dir = scratch.dir / "out";
  options.jobs = 2;
  BatchSummary summary;
  CHECK(seconds_of([&] { summary = run_batch(Template::load((scratch.dir / "card.json").string()), options); }) < kHangGuard);
  CHECK(summary.rendered == 2);
  REQUIRE(summary.failures.size() == 1);
  CHECK(summary.failures[0].row == 2);
  CHECK(summary.failures[0].message ==
        "field 'name': " + std::to_string(megabyte.size()) + " bytes, over the 65536-byte limit");
  CHECK(files_in(options.output_dir) == std::set<std::string>{"1.png", "3.png", "report.csv"});
}

// ======================================================================== 7. a 100 000-row data file

TEST_CASE("a 100 000-row CSV is read in little memory: rows are streamed", "[hostile][data]") {
  ScratchDir scratch("hostile-rows");
  fs::path file = scratch.dir / "rows.csv";
  {
    std::ofstream out(file, std::ios::binary);
    out << "name,unit\n";
    for (int i = 1; i <= 100000; ++i) out << "Nguyễn Văn " << i << ",Công đoàn cơ sở số " << i << " tỉnh Hà Nam\n";
  }
  REQUIRE(fs::file_size(file) > 5'000'000);
  std::size_t rows = 0;
  HeapUse heap = heap_use([&] {
    DataReader reader(file);
    while (auto row = reader.next()) ++rows;
  });
  CHECK(rows == 100000);
  CHECK(heap.peak < (1u << 20));  // the file is over 5 MB
  HeapUse counting = heap_use([&] { CHECK(count_rows(file) == 100000); });
  CHECK(counting.peak < (1u << 20));
}

// ======================================================================== 8. templates

namespace {

// A folder for template files, with an "art" folder for assets.
struct TemplateScratch : ScratchDir {
  TemplateScratch() : ScratchDir("hostile-template") { fs::create_directories(dir / "art"); }
  std::string error_of_template(const std::string& json) const {
    fs::path file = write("t.json", json);
    try {
      Template::load(file.string());
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::Template);
      const std::string prefix = "template '" + file.string() + "': ";
      CHECK(starts_with(e.what(), prefix));
      return std::string(e.what()).substr(prefix.size());
    }
    return "(loaded)";
  }
};

std::string text_layer(const std::string& font) {
  return R"({"width": 200, "height": 100, "layers": [{"type": "text", "text": "x", "box": [0, 0, 200, 100],
            "font": )" + font + "}]}";
}

}  // namespace

TEST_CASE("absurd template sizes are refused at load", "[hostile][template]") {
  TemplateScratch s;
  CHECK(s.error_of_template(R"({"width": 100000, "height": 100, "layers": [{"type": "fill", "color": "#fff"}]})") ==
        "width: must be between 1 and 8192");
  CHECK(s.error_of_template(R"({"width": 8192, "height": 8192, "layers": [{"type": "fill", "color": "#fff"}]})") ==
        "width: the canvas must be at most 40 megapixels");
  CHECK(s.error_of_template(R"({"width": 100, "height": 100, "layers": [{"type": "fill", "color": "#fff",
        "shape": {"type": "rect", "box": [0, 0, 100000, 10]}}]})") ==
        "layers[0].shape.box[2]: must be between 1 and 8192");
  CHECK(s.error_of_template(R"({"width": 100, "height": 100, "layers": [{"type": "fill", "color": "#fff",
        "shape": {"type": "circle", "center": [50, 50], "radius": 1e300}}]})") ==
        "layers[0].shape.radius: must be between 1 and 8192");
  std::string many = R"({"width": 10, "height": 10, "layers": [)";
  for (int i = 0; i < 65; ++i) many += std::string(i ? ", " : "") + R"({"type": "fill", "color": "#fff"})";
  CHECK(s.error_of_template(many + "]}") == "layers: at most 64 layers");
  CHECK(s.error_of_template(std::string(2u << 20, ' ')) == "over 1048576 bytes");
  // JSON nested 400 000 deep: an error, not a stack overflow.
  CHECK(s.error_of_template(R"({"width": 10, "height": 10, "layers": )" + std::string(400000, '[') +
                            std::string(400000, ']') + "}") == "layers[0]: missing 'type'");
}

TEST_CASE("an output width that would make an absurd image is refused before drawing", "[hostile][template]") {
  TemplateScratch s;
  Template big = Template::load(
      s.write("big.json", R"({"width": 6000, "height": 6000, "layers": [{"type": "fill", "color": "#fff"}]})").string());
  RenderOptions options;
  options.output_width = 20000;
  Error e(ErrorCode::Io, "");
  CHECK(seconds_of([&] { e = error_of([&] { render_template(big, options); }); }) < kHangGuard);
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK(std::string(e.what()) == "width 20000: the image would be 20000x20000, over the 100000000-pixel limit");
}

TEST_CASE("missing assets and fonts are named", "[hostile][template]") {
  TemplateScratch s;
  std::string missing = s.error_of_template(
      R"({"width": 100, "height": 100, "layers": [{"type": "image", "src": "art/gone.png"}]})");
  CHECK(starts_with(missing, "layers[0].src: image '" + (s.dir / "art" / "gone.png").string() + "': "));
  CHECK(starts_with(s.error_of_template(text_layer(R"({"family": "art/gone.ttf", "size": 20})")),
                    "layers[0].font.family: font '" + (s.dir / "art" / "gone.ttf").string() + "': "));
  // An asset that is not an image.
  s.write("art/notes.png", "a note, not a picture");
  CHECK(s.error_of_template(R"({"width": 100, "height": 100, "layers": [{"type": "image", "src": "art/notes.png"}]})") ==
        "layers[0].src: image '" + (s.dir / "art" / "notes.png").string() +
            "': not an image Khung reads (JPEG, PNG, WebP, HEIC, GIF, BMP, TGA, PSD): it looks like text");
}

TEST_CASE("font and asset paths cannot leave the template's folder", "[hostile][template][paths]") {
  TemplateScratch s;
  CHECK(s.error_of_template(text_layer(R"({"family": "../../etc/passwd.ttf", "size": 20})")) ==
        "layers[0].font.family: '../../etc/passwd.ttf' must stay inside the template's folder ('..' is refused)");
  CHECK(s.error_of_template(text_layer(R"({"family": "/usr/share/fonts/truetype/x.ttf", "size": 20})")) ==
        "layers[0].font.family: '/usr/share/fonts/truetype/x.ttf' must be a path relative to the template's folder");
  CHECK(s.error_of_template(R"({"width": 200, "height": 100, "layers": [{"type": "text", "text": "x",
        "box": [0, 0, 200, 100], "font": {"family": "Noto Sans", "size": 20}, "fallback": ["art/../../x.ttf"]}]})") ==
        "layers[0].fallback[0]: 'art/../../x.ttf' must stay inside the template's folder ('..' is refused)");
  CHECK(s.error_of_template(R"({"width": 100, "height": 100, "layers": [{"type": "image", "src": "art\\..\\..\\x.png"}]})") ==
        "layers[0].src: 'art\\..\\..\\x.png' must be a path relative to the template's folder");
  // A link inside the folder to a folder outside it.
  fs::create_directory_symlink(fs::temp_directory_path(), s.dir / "art" / "out");
  CHECK(s.error_of_template(text_layer(R"({"family": "art/out/x.ttf", "size": 20})")) ==
        "layers[0].font.family: 'art/out/x.ttf' must stay inside the template's folder");
}

TEST_CASE("template ids never reach outside the templates folder", "[hostile][template][paths]") {
  TemplateScratch s;
  s.write("ok.json", R"({"width": 10, "height": 10, "layers": [{"type": "fill", "color": "#fff"}]})");
  CHECK(Template::load_id("ok", s.dir).id() == "ok");
  for (const char* id : {"../ok", "..%2Fok", "/etc/passwd", "ok/../ok", "ok\\..", "OK", "ok.json", "ok\n"}) {
    INFO(id);
    Error e = error_of([&] { Template::load_id(id, s.dir); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(starts_with(e.what(), "template id '"));
  }
  // A link in the folder is the folder's owner's choice; a name is not.
  CHECK(error_of([&] { Template::load_id("passwd", s.dir); }).code() == ErrorCode::NotFound);
}

TEST_CASE("fields are substituted once: a value holding a placeholder is drawn as written", "[hostile][template]") {
  // Templates cannot include templates, and a value is never read again for
  // placeholders: no cycle, no expansion, no "missing field" from a value.
  const Template cover = Template::load("cover");
  for (const char* value : {"{{unit}}", "{{unit}}{{unit}}{{unit}}", "{{nope}}", "{{"}) {
    INFO(value);
    RenderOptions options;
    options.fields = {{"unit", value}};
    CHECK_NOTHROW(render_template(cover, options));
    CHECK(check_template(cover, options.fields).empty());
  }
}

TEST_CASE("batch output names from hostile values stay inside the output folder", "[hostile][paths]") {
  ScratchDir scratch("hostile-names");
  scratch.write("card.json", R"({"width": 64, "height": 32, "layers": [{"type": "fill", "color": "#C8102E"},
      {"type": "text", "text": "{{name}}", "box": [0, 0, 64, 32], "font": {"family": "Noto Sans", "size": [4, 20]},
       "overflow": "ellipsis"}]})");
  fs::path data = scratch.write("rows.csv",
                                "name\n../../evil\n/etc/passwd\n..\n.hidden\na\\b:c*d?e\n\"line\nbreak\"\n" +
                                    std::string(400, 'x') + "\n");
  BatchOptions options;
  options.data = data;
  options.output_dir = scratch.dir / "out";
  options.name = "{{name}}.png";
  options.jobs = 1;
  BatchSummary summary = run_batch(Template::load((scratch.dir / "card.json").string()), options);
  CHECK(summary.rendered == 7);
  CHECK(files_in(scratch.dir) == std::set<std::string>{"card.json", "out", "rows.csv"});
  std::set<std::string> names = files_in(options.output_dir);
  CHECK(names.size() == 8);  // and report.csv
  for (const std::string& name : names) {
    INFO(name);
    CHECK(name.find('/') == std::string::npos);
    CHECK(name.find('\\') == std::string::npos);
    CHECK(name[0] != '.');
    CHECK(name.size() <= 184);
  }
  CHECK(names.count("..-..-evil.png") == 0);
  CHECK(names.count("-..-evil.png") == 1);
  CHECK(names.count("row-3.png") == 1);  // ".." alone leaves nothing
}

// ======================================================================== 9. no partial output

TEST_CASE("a failing encode or render leaves no file at the output path", "[hostile][partial]") {
  ScratchDir scratch("hostile-partial");
  // WebP cannot hold 16384 pixels a side: the encoder fails after the name
  // is chosen.
  fs::path webp = scratch.dir / "wide.webp";
  Error e = error_of([&] { save_image(Image(16384, 1, {1, 2, 3, 255}), webp); });
  CHECK(e.code() == ErrorCode::Image);
  CHECK(files_in(scratch.dir).empty());

  // A file already there is left as it was, never half replaced.
  fs::path kept = scratch.write("kept.webp", "the previous render");
  error_of([&] { save_image(Image(16384, 1), kept); });
  CHECK(text_of(read_file(kept)) == "the previous render");
  CHECK(files_in(scratch.dir) == std::set<std::string>{"kept.webp"});

  // A render that fails half-way through its layers writes nothing.
  fs::path bomb = scratch.dir / "bomb.png";
  write_file(bomb, png_header_only(60000, 60000));
  RenderOptions options;
  options.photo.path = bomb;
  CHECK(error_of([&] { save_image(load_and_render("frame-ring", options).image, scratch.dir / "framed.png"); }).code() ==
        ErrorCode::Image);
  CHECK(files_in(scratch.dir) == std::set<std::string>{"bomb.png", "kept.webp"});
}

TEST_CASE("a batch's failed rows leave no file, whole or partial", "[hostile][partial]") {
  ScratchDir scratch("hostile-batch");
  scratch.write("frame.json", R"({"width": 64, "height": 64, "layers": [
      {"type": "photo", "window": {"shape": "circle", "box": [8, 8, 48, 48]}},
      {"type": "fill", "color": "#C8102E", "shape": {"type": "ring", "center": [32, 32], "inner": 24, "outer": 32}}]})");
  write_file(scratch.dir / "ok.png", encode_image(gradient(20, 20), ImageFormat::Png));
  write_file(scratch.dir / "bomb.png", png_header_only(60000, 60000));
  Bytes cut = jpeg_of(gradient(64, 64));
  cut.resize(cut.size() / 2);
  write_file(scratch.dir / "cut.jpg", cut);
  scratch.write("empty.gif", "");
  fs::path data = scratch.write("rows.csv", "photo\nok.png\nbomb.png\ncut.jpg\nempty.gif\nmissing.png\nok.png\n");
  BatchOptions options;
  options.data = data;
  options.output_dir = scratch.dir / "out";
  options.jobs = 2;
  BatchSummary summary = run_batch(Template::load((scratch.dir / "frame.json").string()), options);
  CHECK(summary.rendered == 2);
  REQUIRE(summary.failed == 4);
  CHECK(summary.failures[0].message ==
        "photo '" + (scratch.dir / "bomb.png").string() + "': PNG image 60000x60000: over the 50000000-pixel limit");
  CHECK(summary.failures[1].message ==
        "photo '" + (scratch.dir / "cut.jpg").string() + "': JPEG data is truncated (the file is incomplete)");
  CHECK(files_in(options.output_dir) == std::set<std::string>{"1.png", "6.png", "report.csv"});
  CHECK(read_image(options.output_dir / "1.png").width() == 64);
}
