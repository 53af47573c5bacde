#include "khung/codec.hpp"
#include "khung/error.hpp"
#include "khung/image.hpp"

#include <catch2/catch.hpp>
#include <spng.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

using namespace khung;

namespace {

Image decode_png(const std::vector<std::uint8_t>& data) {
  std::unique_ptr<spng_ctx, decltype(&spng_ctx_free)> ctx(spng_ctx_new(0), spng_ctx_free);
  REQUIRE(spng_set_png_buffer(ctx.get(), data.data(), data.size()) == 0);
  spng_ihdr ihdr{};
  REQUIRE(spng_get_ihdr(ctx.get(), &ihdr) == 0);
  Image out(static_cast<int>(ihdr.width), static_cast<int>(ihdr.height));
  std::vector<std::uint8_t> px(out.bytes().size());
  REQUIRE(spng_decode_image(ctx.get(), px.data(), px.size(), SPNG_FMT_RGBA8, 0) == 0);
  for (int y = 0; y < out.height(); ++y)
    std::copy_n(px.data() + y * out.stride(), out.stride(), out.row(y));
  return out;
}

}  // namespace

TEST_CASE("an image is filled with its colour and empty by default", "[image]") {
  Image empty;
  CHECK(empty.empty());
  Image img(3, 2, {10, 20, 30, 40});
  CHECK(img.width() == 3);
  CHECK(img.height() == 2);
  CHECK(img.pixel(2, 1) == Color{10, 20, 30, 40});
  CHECK_THROWS_AS(Image(-1, 5), Error);
  CHECK_THROWS_AS(Image(100000, 100000), Error);
}

TEST_CASE("PNG encoding keeps every pixel", "[image]") {
  Image img(17, 9);
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) {
      std::uint8_t* p = img.row(y) + 4 * x;
      p[0] = static_cast<std::uint8_t>(x * 15);
      p[1] = static_cast<std::uint8_t>(y * 28);
      p[2] = static_cast<std::uint8_t>(x ^ y);
      p[3] = static_cast<std::uint8_t>(255 - x * y);
    }
  CHECK(decode_png(encode_image(img, ImageFormat::Png)) == img);
  // Opaque images are written as RGB and read back the same.
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) img.row(y)[4 * x + 3] = 255;
  REQUIRE(img.opaque());
  std::vector<std::uint8_t> rgb = encode_image(img, ImageFormat::Png);
  CHECK(rgb[25] == 2);  // IHDR colour type: truecolour without alpha
  CHECK(decode_png(rgb) == img);
}

TEST_CASE("save_image writes atomically and names a bad path", "[image]") {
  auto dir = std::filesystem::temp_directory_path() / "khung-image-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Image img(4, 4, {255, 0, 0, 255});
  save_image(img, dir / "red.PNG");
  std::ifstream in(dir / "red.PNG", std::ios::binary);
  std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(decode_png(data) == img);

  try {
    save_image(img, dir / "missing-folder" / "x.png");
    FAIL("saved");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Io);
    CHECK(std::string(e.what()).find("missing-folder/x.png': No such file or directory") != std::string::npos);
  }
  try {
    save_image(img, dir / "x.gif");
    FAIL("saved");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(std::string(e.what()).find("unsupported extension '.gif'") != std::string::npos);
  }
  // Nothing but the one finished file is left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(dir)) ++files;
  CHECK(files == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("rectangles unite, ignoring empty ones", "[image]") {
  CHECK(unite({0, 0, 2, 2}, {5, -1, 1, 1}) == Rect{0, -1, 6, 3});
  CHECK(unite({}, {3, 4, 1, 1}) == Rect{3, 4, 1, 1});
  CHECK(Rect{0, 0, 10, 10}.contains({2, 2, 8, 8}));
  CHECK_FALSE(Rect{0, 0, 10, 10}.contains({2, 2, 9, 8}));
}

TEST_CASE("opaque finds one translucent pixel anywhere", "[image]") {
  // 37 x 3: whole 16-pixel groups and a tail; every position tried.
  Image img(37, 3, {10, 20, 30, 255});
  REQUIRE(img.opaque());
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) {
      img.row(y)[4 * x + 3] = 254;
      CHECK_FALSE(img.opaque());
      img.row(y)[4 * x + 3] = 255;
      img.row(y)[4 * x] = 0;  // a colour channel does not count
      CHECK(img.opaque());
    }
  CHECK(Image().opaque());
}
