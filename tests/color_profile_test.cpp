// Colour management (codec.hpp, color_profile.hpp): photos and template
// assets whose pixels are stored in another colour space, with the profile
// embedded, are drawn as their untagged sRGB original; the same pixels with
// the profile stripped are not (which is what Khung drew before). Inputs are
// made here: converted with lcms2, written with libjpeg, libspng, libwebp
// and libheif with the profile embedded. Real profiles from Debian's
// colord-data; Display P3 and the CMYK and greyscale ones made with lcms2.

#include "codec/color_profile.hpp"
#include "image_files.hpp"
#include "khung/codec.hpp"
#include "khung/render.hpp"
#include "khung/template.hpp"
#include "scratch.hpp"

#include <catch2/catch.hpp>
#include <lcms2.h>
#include <spng.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include <cstdio>  // jpeglib.h needs FILE
#include <jpeglib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>

using namespace khung;

namespace {

const std::filesystem::path kColord = "/usr/share/color/icc/colord";

// ---------------------------------------------------------------- profiles

struct ProfileCloser {
  void operator()(void* p) const { cmsCloseProfile(p); }
};
using Profile = std::unique_ptr<void, ProfileCloser>;

Bytes bytes_of(cmsHPROFILE profile) {
  cmsUInt32Number size = 0;
  REQUIRE(cmsSaveProfileToMem(profile, nullptr, &size));
  Bytes out(size);
  REQUIRE(cmsSaveProfileToMem(profile, out.data(), &size));
  return out;
}

Profile open_profile(const Bytes& icc) {
  Profile p(cmsOpenProfileFromMem(icc.data(), static_cast<cmsUInt32Number>(icc.size())));
  REQUIRE(p);
  return p;
}

Bytes srgb_curve_rgb_profile(const cmsCIExyY& white, const cmsCIExyYTRIPLE& primaries) {
  const cmsFloat64Number srgb[5] = {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045};
  cmsToneCurve* curve = cmsBuildParametricToneCurve(nullptr, 4, srgb);
  cmsToneCurve* curves[3] = {curve, curve, curve};
  Profile p(cmsCreateRGBProfile(&white, &primaries, curves));
  cmsFreeToneCurve(curve);
  return bytes_of(p.get());
}

// Display P3: P3 primaries, D65, the sRGB curve (how iPhones tag photos).
Bytes display_p3() {
  return srgb_curve_rgb_profile({0.3127, 0.3290, 1}, {{0.680, 0.320, 1}, {0.265, 0.690, 1}, {0.150, 0.060, 1}});
}

Bytes colord(const std::string& name) { return read_file(kColord / (name + ".icc")); }

// A linear-light greyscale profile: far from sRGB's curve.
Bytes linear_grey() {
  cmsToneCurve* linear = cmsBuildGamma(nullptr, 1.0);
  Profile p(cmsCreateGrayProfile(cmsD50_xyY(), linear));
  cmsFreeToneCurve(linear);
  return bytes_of(p.get());
}

// A CMYK profile (CMYK to Lab through a 17-point grid, about 500 kB: a JPEG
// carries it in 8 APP2 parts) whose inks are the naive model's with cyan and
// magenta swapped: red = (1 - M)(1 - K), green = (1 - C)(1 - K).
Bytes swapped_cmyk() {
  Profile srgb(cmsCreate_sRGBProfile());
  Profile lab_space(cmsCreateLab4Profile(nullptr));
  cmsHTRANSFORM to_lab =
      cmsCreateTransform(srgb.get(), TYPE_RGB_DBL, lab_space.get(), TYPE_Lab_DBL, INTENT_RELATIVE_COLORIMETRIC, 0);
  Profile p(cmsCreateProfilePlaceholder(nullptr));
  cmsSetProfileVersion(p.get(), 2.1);  // lut16Type: a bare grid, Lab in v2 encoding
  cmsSetDeviceClass(p.get(), cmsSigOutputClass);
  cmsSetColorSpace(p.get(), cmsSigCmykData);
  cmsSetPCS(p.get(), cmsSigLabData);
  cmsWriteTag(p.get(), cmsSigMediaWhitePointTag, cmsD50_XYZ());
  cmsPipeline* lut = cmsPipelineAlloc(nullptr, 4, 3);
  cmsStage* grid = cmsStageAllocCLut16bit(nullptr, 17, 4, 3, nullptr);
  cmsStageSampleCLut16bit(
      grid,
      [](const cmsUInt16Number in[], cmsUInt16Number out[], void* cargo) -> cmsInt32Number {
        const double c = in[0] / 65535.0, m = in[1] / 65535.0, y = in[2] / 65535.0, k = in[3] / 65535.0;
        const double rgb[3] = {(1 - m) * (1 - k), (1 - c) * (1 - k), (1 - y) * (1 - k)};
        cmsCIELab lab{};
        cmsDoTransform(static_cast<cmsHTRANSFORM>(cargo), rgb, &lab, 1);
        cmsFloat2LabEncodedV2(out, &lab);
        return TRUE;
      },
      to_lab, 0);
  cmsPipelineInsertStage(lut, cmsAT_BEGIN, grid);
  cmsWriteTag(p.get(), cmsSigAToB0Tag, lut);
  cmsPipelineFree(lut);
  cmsDeleteTransform(to_lab);
  return bytes_of(p.get());
}

// `image` (sRGB) converted into the space of `icc`, as a camera or an
// editor would store it.
Image into(const Image& image, const Bytes& icc) {
  Profile srgb(cmsCreate_sRGBProfile());
  Profile dst = open_profile(icc);
  cmsHTRANSFORM t = cmsCreateTransform(srgb.get(), TYPE_RGBA_8, dst.get(), TYPE_RGBA_8, INTENT_RELATIVE_COLORIMETRIC,
                                       cmsFLAGS_COPY_ALPHA);
  REQUIRE(t);
  Image out = image;
  cmsDoTransform(t, image.row(0), out.row(0), static_cast<cmsUInt32Number>(image.width() * image.height()));
  cmsDeleteTransform(t);
  return out;
}

// ---------------------------------------------------------------- images

// Saturated hues across, lighter downwards: colours far apart in every
// space, smooth enough that lossy encoding changes them little.
Image picture(int width = 320, int height = 240) {
  Image out(width, height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const double h = 6.0 * x / width, v = 0.55 + 0.45 * y / height, s = 0.9;
      const double f = h - std::floor(h);
      const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
      double r = v, g = t, b = p;
      switch (static_cast<int>(h) % 6) {
        case 1: r = q, g = v, b = p; break;
        case 2: r = p, g = v, b = t; break;
        case 3: r = p, g = q, b = v; break;
        case 4: r = t, g = p, b = v; break;
        case 5: r = v, g = p, b = q; break;
        default: break;
      }
      std::uint8_t* px = out.row(y) + 4 * x;
      px[0] = static_cast<std::uint8_t>(std::lround(r * 255));
      px[1] = static_cast<std::uint8_t>(std::lround(g * 255));
      px[2] = static_cast<std::uint8_t>(std::lround(b * 255));
      px[3] = 255;
    }
  return out;
}

Image grey_picture() {
  Image out(320, 240);
  for (int y = 0; y < out.height(); ++y)
    for (int x = 0; x < out.width(); ++x) {
      auto v = static_cast<std::uint8_t>(20 + 200 * x / out.width() + 30 * y / out.height());
      std::uint8_t* px = out.row(y) + 4 * x;
      px[0] = px[1] = px[2] = v;
      px[3] = 255;
    }
  return out;
}

// libjpeg: quality 95, the profile in APP2 segments (split when over 64 kB).
// `components`: 3 (RGB), 1 (grey: the red channel) or 4 (CMYK, given as
// the image's four bytes, Adobe's inverted convention).
Bytes write_jpeg(const Image& image, const Bytes& icc, int components = 3) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(image.width());
  cinfo.image_height = static_cast<JDIMENSION>(image.height());
  cinfo.input_components = components;
  cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 4 ? JCS_CMYK : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 95, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  if (!icc.empty()) jpeg_write_icc_profile(&cinfo, icc.data(), static_cast<unsigned>(icc.size()));
  std::vector<std::uint8_t> row(static_cast<std::size_t>(image.width()) * static_cast<std::size_t>(components));
  while (cinfo.next_scanline < cinfo.image_height) {
    const std::uint8_t* src = image.row(static_cast<int>(cinfo.next_scanline));
    for (int x = 0; x < image.width(); ++x)
      for (int c = 0; c < components; ++c) row[static_cast<std::size_t>(x * components + c)] = src[4 * x + c];
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  Bytes out(buffer, buffer + size);
  std::free(buffer);
  return out;
}

Bytes write_png(const Image& image, const Bytes& icc) {
  std::unique_ptr<spng_ctx, decltype(&spng_ctx_free)> ctx(spng_ctx_new(SPNG_CTX_ENCODER), spng_ctx_free);
  spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1);
  spng_ihdr ihdr{};
  ihdr.width = static_cast<std::uint32_t>(image.width());
  ihdr.height = static_cast<std::uint32_t>(image.height());
  ihdr.bit_depth = 8;
  ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR_ALPHA;
  spng_set_ihdr(ctx.get(), &ihdr);
  if (!icc.empty()) {
    spng_iccp iccp{};
    std::snprintf(iccp.profile_name, sizeof iccp.profile_name, "test");
    iccp.profile_len = icc.size();
    iccp.profile = const_cast<char*>(reinterpret_cast<const char*>(icc.data()));
    REQUIRE(spng_set_iccp(ctx.get(), &iccp) == 0);
  }
  REQUIRE(spng_encode_image(ctx.get(), image.row(0), image.bytes().size(), SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE) == 0);
  std::size_t size = 0;
  int err = 0;
  std::unique_ptr<void, decltype(&std::free)> buffer(spng_get_png_buffer(ctx.get(), &size, &err), std::free);
  REQUIRE(buffer);
  auto* p = static_cast<const std::uint8_t*>(buffer.get());
  return {p, p + size};
}

Bytes write_webp(const Image& image, const Bytes& icc) {
  std::uint8_t* encoded = nullptr;
  std::size_t size = WebPEncodeRGBA(image.row(0), image.width(), image.height(), static_cast<int>(image.stride()), 95,
                                    &encoded);
  REQUIRE(size > 0);
  Bytes plain(encoded, encoded + size);
  WebPFree(encoded);
  if (icc.empty()) return plain;
  WebPMux* mux = WebPMuxCreate(std::make_unique<WebPData>(WebPData{plain.data(), plain.size()}).get(), 1);
  REQUIRE(mux);
  WebPData chunk{icc.data(), icc.size()};
  REQUIRE(WebPMuxSetChunk(mux, "ICCP", &chunk, 1) == WEBP_MUX_OK);
  WebPData assembled{};
  REQUIRE(WebPMuxAssemble(mux, &assembled) == WEBP_MUX_OK);
  Bytes out(assembled.bytes, assembled.bytes + assembled.size);
  WebPDataClear(&assembled);
  WebPMuxDelete(mux);
  return out;
}

// ---------------------------------------------------------------- rendering

RenderResult framed(const Bytes& photo) {
  RenderOptions options;
  options.photo.bytes = photo;
  return load_and_render("frame-ring", options);
}

// Mean difference per channel (RGB) in a square inside frame-ring's window.
double window_difference(const Image& a, const Image& b) {
  double sum = 0;
  int n = 0;
  for (int y = 280; y < 800; y += 2)
    for (int x = 280; x < 800; x += 2)
      for (int c = 0; c < 3; ++c, ++n) sum += std::abs(int{a.row(y)[4 * x + c]} - int{b.row(y)[4 * x + c]});
  return sum / n;
}

// What every format test shows: the tagged file frames within lossy
// encoding of the untagged original; the same pixels untagged do not.
void check_drawn_as_original(const Bytes& original, const Bytes& tagged, const Bytes& stripped) {
  const RenderResult reference = framed(original);
  const RenderResult converted = framed(tagged);
  const RenderResult ignored = framed(stripped);
  CHECK(converted.warnings.empty());
  const double kept = window_difference(converted.image, reference.image);
  const double lost = window_difference(ignored.image, reference.image);
  INFO("tagged: " << kept << ", stripped: " << lost);
  // Lossy encoding in a wider space than sRGB loses more once converted
  // (ProPhoto about 3 levels); the profiles' own effects are 8 to 80.
  CHECK(kept < 3.5);
  CHECK(lost > 2 * kept + 4);
}

}  // namespace

TEST_CASE("a JPEG tagged with a profile is drawn as its sRGB original", "[color]") {
  const Image original = picture();
  for (const auto& [name, icc] : {std::pair<std::string, Bytes>{"Display P3", display_p3()},
                                  {"AdobeRGB1998", colord("AdobeRGB1998")},
                                  {"ProPhotoRGB", colord("ProPhotoRGB")},
                                  {"SwappedRedAndGreen", colord("SwappedRedAndGreen")}}) {
    SECTION(name) {
      const Image stored = into(original, icc);
      check_drawn_as_original(write_jpeg(original, {}), write_jpeg(stored, icc), write_jpeg(stored, {}));
    }
  }
}

TEST_CASE("a tagged JPEG is converted on every way a photo is drawn and decoded", "[color]") {
  // The conversion of a JPEG photo is applied to the pixels drawn, after
  // resampling: the row-fed render, the whole-image render, a turned
  // placement, a face-focused one and the public decode must all do it.
  const Image original = picture();
  const Bytes icc = colord("SwappedRedAndGreen");
  const Image stored = into(original, icc);
  const Bytes plain = write_jpeg(original, {}), tagged = write_jpeg(stored, icc), stripped = write_jpeg(stored, {});
  const Template ring = Template::load("frame-ring");
  for (const auto& [name, placement] : {std::pair<std::string, Placement>{"upright", {}},
                                        {"turned 17 degrees, zoomed", {1.4f, 0.1f, -0.1f, 17, Focus::Center}},
                                        {"a quarter turn", {1, 0, 0, 90, Focus::Center}},
                                        {"face focus", {1, 0, 0, 0, Focus::Face}}}) {
    SECTION(name) {
      auto whole = [&](const Bytes& photo) {
        RenderOptions options;
        options.photo.bytes = photo;
        options.placement = placement;
        return render_template(ring, options);
      };
      auto fed = [&](const Bytes& photo) {
        RenderOptions options;
        options.photo.bytes = photo;
        options.placement = placement;
        return load_and_render("frame-ring", options).image;
      };
      for (const auto& draw : {std::function<Image(const Bytes&)>(whole), std::function<Image(const Bytes&)>(fed)}) {
        const double kept = window_difference(draw(tagged), draw(plain));
        const double lost = window_difference(draw(stripped), draw(plain));
        INFO("tagged: " << kept << ", stripped: " << lost);
        CHECK(kept < 3.5);
        CHECK(lost > 2 * kept + 4);
      }
    }
  }
  SECTION("decode_image") {
    auto mean_difference = [](const Image& a, const Image& b) {
      REQUIRE((a.width() == b.width() && a.height() == b.height()));
      double sum = 0;
      for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < 4 * a.width(); ++x)
          if (x % 4 != 3) sum += std::abs(int{a.row(y)[x]} - int{b.row(y)[x]});
      return sum / (3.0 * a.width() * a.height());
    };
    const Image decoded = decode_image(tagged), reference = decode_image(plain), ignored = decode_image(stripped);
    const double kept = mean_difference(decoded, reference), lost = mean_difference(ignored, reference);
    INFO("tagged: " << kept << ", stripped: " << lost);
    CHECK(kept < 3.5);
    CHECK(lost > 2 * kept + 4);
  }
}

TEST_CASE("PNG iCCP, WebP ICCP and HEIC colr profiles are converted", "[color]") {
  const Image original = picture();
  SECTION("PNG, Adobe RGB") {
    const Bytes icc = colord("AdobeRGB1998");
    const Image stored = into(original, icc);
    check_drawn_as_original(write_png(original, {}), write_png(stored, icc), write_png(stored, {}));
  }
  SECTION("WebP, swapped red and green") {
    const Bytes icc = colord("SwappedRedAndGreen");
    const Image stored = into(original, icc);
    check_drawn_as_original(write_webp(original, {}), write_webp(stored, icc), write_webp(stored, {}));
  }
  if (!have_heic_encoder()) return;
  const Image stored = into(original, display_p3());
  SECTION("HEIC, Display P3 as an ICC profile") {
    check_drawn_as_original(make_heic(original, 0, 90), make_heic(stored, HeicColors{display_p3()}, 90),
                            make_heic(stored, 0, 90));
  }
}

// libheif 1.15 here writes no colr nclx box (its encoder ignores the one
// given), so HEIC's nclx path is checked at the conversion it makes.
TEST_CASE("HEIC nclx primaries and transfer convert as the matching profile", "[color]") {
  const auto nclx = detail::nclx_conversion(12, 13);  // Display P3
  const auto icc = detail::icc_conversion(display_p3(), detail::PixelLayout::Rgb);
  REQUIRE(nclx.conversion);
  REQUIRE(icc.conversion);
  std::mt19937 random(5);
  std::vector<std::uint8_t> a(4 * 5000);
  for (auto& v : a) v = static_cast<std::uint8_t>(random());
  std::vector<std::uint8_t> b = a;
  nclx.conversion->convert(a.data(), 5000);
  icc.conversion->convert(b.data(), 5000);
  int worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(int{a[i]} - int{b[i]}));
  CHECK(worst <= 1);
  CHECK(!detail::nclx_conversion(1, 13).conversion);  // sRGB
  CHECK(!detail::nclx_conversion(2, 2).conversion);   // unspecified
  const auto pq = detail::nclx_conversion(9, 16);
  CHECK(!pq.conversion);
  CHECK_THAT(pq.warning, Catch::Contains("nclx primaries 9, transfer 16") && Catch::EndsWith("drawn as sRGB"));
}

TEST_CASE("a greyscale JPEG with a greyscale profile is converted", "[color]") {
  const Image original = grey_picture();
  const Bytes icc = linear_grey();
  // The greys in linear light, as the profile says they are stored.
  Profile srgb(cmsCreate_sRGBProfile()), grey = open_profile(icc);
  cmsHTRANSFORM t = cmsCreateTransform(srgb.get(), TYPE_RGBA_8, grey.get(), TYPE_GRAY_8, INTENT_RELATIVE_COLORIMETRIC, 0);
  std::vector<std::uint8_t> linear(static_cast<std::size_t>(original.width() * original.height()));
  cmsDoTransform(t, original.row(0), linear.data(), static_cast<cmsUInt32Number>(linear.size()));
  cmsDeleteTransform(t);
  Image stored = original;
  for (int y = 0; y < stored.height(); ++y)
    for (int x = 0; x < stored.width(); ++x)
      for (int c = 0; c < 3; ++c)
        stored.row(y)[4 * x + c] = linear[static_cast<std::size_t>(y) * static_cast<std::size_t>(stored.width()) + static_cast<std::size_t>(x)];
  check_drawn_as_original(write_jpeg(original, {}, 1), write_jpeg(stored, icc, 1), write_jpeg(stored, {}, 1));
}

TEST_CASE("a CMYK JPEG is converted through its profile, split over APP2 segments", "[color]") {
  const Image original = picture();
  const Bytes icc = swapped_cmyk();
  REQUIRE(icc.size() > 3 * 65519);
  // The profile's inks for each colour, stored inverted (Adobe's way, which
  // libjpeg's Adobe marker announces): C = green, M = red, Y = blue, K none.
  Image inks = original;
  for (int y = 0; y < inks.height(); ++y)
    for (int x = 0; x < inks.width(); ++x) {
      std::uint8_t* px = inks.row(y) + 4 * x;
      std::swap(px[0], px[1]);
      px[3] = 255;
    }
  check_drawn_as_original(write_jpeg(original, {}), write_jpeg(inks, icc, 4), write_jpeg(inks, {}, 4));
}

TEST_CASE("an sRGB profile changes nothing", "[color]") {
  const Image stored = picture();
  const Image untagged = decode_image(write_png(stored, {}));
  std::vector<std::string> warnings;
  CHECK(decode_image(write_png(stored, colord("sRGB")), {.warnings = &warnings}) == untagged);
  CHECK(warnings.empty());
  CHECK(!detail::icc_conversion(colord("sRGB"), detail::PixelLayout::Rgb).conversion);
}

TEST_CASE("the matrix-shaper conversion agrees with lcms2's", "[color]") {
  Profile srgb(cmsCreate_sRGBProfile());
  std::mt19937 random(17);
  for (const Bytes& icc : {display_p3(), colord("AdobeRGB1998"), colord("ProPhotoRGB"), colord("WideGamutRGB")}) {
    auto found = detail::icc_conversion(icc, detail::PixelLayout::Rgb);
    REQUIRE(found.conversion);
    Profile source = open_profile(icc);
    cmsHTRANSFORM t = cmsCreateTransform(source.get(), TYPE_RGBA_8, srgb.get(), TYPE_RGBA_8,
                                         INTENT_RELATIVE_COLORIMETRIC, cmsFLAGS_COPY_ALPHA);
    std::vector<std::uint8_t> pixels(4 * 20000), expected(pixels.size());
    for (auto& v : pixels) v = static_cast<std::uint8_t>(random());
    cmsDoTransform(t, pixels.data(), expected.data(), 20000);
    cmsDeleteTransform(t);
    found.conversion->convert(pixels.data(), 20000);
    int worst = 0;
    for (std::size_t i = 0; i < pixels.size(); ++i) worst = std::max(worst, std::abs(int{pixels[i]} - int{expected[i]}));
    CHECK(worst <= 1);
  }
}

TEST_CASE("a bad profile is ignored with a warning naming the photo", "[color]") {
  const Image stored = picture(160, 120);
  const Bytes good = display_p3();
  Bytes truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2));
  Bytes malformed = good;
  for (std::size_t i = 128; i < malformed.size(); ++i) malformed[i] = 0xA5;  // a header, then no valid tag table
  Bytes huge = good;  // declares its own size, 1000 bytes over the limit
  huge.resize(detail::max_profile_bytes + 1000, 0);
  const auto n = static_cast<std::uint32_t>(huge.size());
  for (int k = 0; k < 4; ++k) huge[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(n >> (24 - 8 * k));
  const Bytes cmyk_for_rgb = swapped_cmyk();
  const ScratchDir dir("color");
  const Bytes plain = write_jpeg(stored, {});
  const RenderResult untagged = framed(plain);
  for (const auto& [what, icc, words] :
       {std::tuple<std::string, Bytes, std::string>{"truncated", truncated, "is truncated"},
        {"malformed", malformed, "is malformed"},
        {"over 4 MB", huge, "over the 4 MB limit"},
        {"for CMYK", cmyk_for_rgb, "is for CMYK colours, not this RGB image's"}}) {
    SECTION(what) {
      const std::filesystem::path file = dir.dir / "bad.jpg";
      write_file(file, write_jpeg(stored, icc));
      RenderOptions options;
      options.photo.path = file;
      const RenderResult r = load_and_render("frame-ring", options);
      REQUIRE(r.warnings.size() == 1);
      CHECK(r.warnings[0].where == "photo '" + file.string() + "'");
      CHECK_THAT(r.warnings[0].message, Catch::Contains(words) && Catch::EndsWith("the colours are drawn as sRGB"));
      CHECK(r.image == untagged.image);
      // The same through PNG (in memory: the warning names no file).
      std::vector<std::string> warnings;
      const Image png = decode_image(write_png(stored, icc), {.warnings = &warnings});
      CHECK(png == stored);
      if (what != "over 4 MB") CHECK(warnings.size() == 1);  // libspng's own limit may refuse the chunk first
    }
  }
}

TEST_CASE("a template's image asset is converted, and a bad profile warned of at its layer", "[color]") {
  const ScratchDir dir("color");
  const Image original = picture(64, 48);
  const Bytes icc = colord("SwappedRedAndGreen");
  write_file(dir.dir / "good.png", write_png(into(original, icc), icc));
  Bytes truncated(icc.begin(), icc.begin() + 200);
  write_file(dir.dir / "bad.png", write_png(original, truncated));
  const std::string json = R"({"title": "t", "width": 128, "height": 48, "layers": [
      {"type": "image", "src": "good.png", "box": [0, 0, 64, 48]},
      {"type": "image", "src": "bad.png", "box": [64, 0, 64, 48]}]})";
  write_file(dir.dir / "t.json", Bytes(json.begin(), json.end()));
  const RenderResult r = render_with_warnings(Template::load((dir.dir / "t.json").string()), {});
  int worst = 0;
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x)
      for (int c = 0; c < 3; ++c) {
        worst = std::max(worst, std::abs(int{r.image.row(y)[4 * x + c]} - int{original.row(y)[4 * x + c]}));
        CHECK(r.image.row(y)[4 * (x + 64) + c] == original.row(y)[4 * x + c]);
      }
  CHECK(worst <= 2);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].where == "layers[1].src");
  CHECK_THAT(r.warnings[0].message, Catch::StartsWith("image '") && Catch::Contains("bad.png': its ICC profile is truncated"));
  // khung check tells the designer before any render.
  const std::vector<CheckProblem> checked = check_template(Template::load((dir.dir / "t.json").string()), {});
  REQUIRE(checked.size() == 1);
  CHECK(checked[0].where == "layers[1].src");
  CHECK(checked[0].message == r.warnings[0].message);
  CHECK(checked[0].severity == CheckSeverity::Problem);
}
