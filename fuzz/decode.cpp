// Photo decoding through the library's own loader: every format it sniffs
// (JPEG, PNG, WebP, GIF, BMP, TGA, PSD, HEIC), the header probe, the
// shrink-on-load decode, and a frame render, which decodes a JPEG row by row
// on a second thread and resamples the rows as they come. Embedded colour
// profiles (seeds icc-*: converted, truncated, malformed) go through lcms2;
// a bad one must leave a warning, never a crash.

#include "common.hpp"
#include "khung/codec.hpp"
#include "khung/render.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace {

// A small frame (a photo in a circle over a fill), so that each input costs
// the decode, not the template's own drawing.
const std::string& small_frame() {
  static const std::string path = [] {
    const std::string json = R"({"title": "fuzz", "width": 160, "height": 120, "layers": [
        {"type": "fill", "color": "#FFFFFF"},
        {"type": "photo", "window": {"shape": "circle", "box": [20, 0, 120, 120]}}]})";
    return khung::fuzz::scratch_file("frame.json", reinterpret_cast<const std::uint8_t*>(json.data()), json.size())
        .string();
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace khung;
  const std::span<const std::uint8_t> bytes(data, size);
  // Small limits keep each input fast; the checks are the same at any limit.
  const DecodeLimits limits{.max_pixels = 1 << 20, .max_bytes = 1u << 20};
  fuzz::expecting_errors([&] { probe_image(bytes, limits); });
  std::vector<std::string> warnings;
  fuzz::expecting_errors([&] { decode_image(bytes, {.limits = limits, .warnings = &warnings}); });
  fuzz::expecting_errors([&] { decode_image(bytes, {.limits = limits, .min_width = 64, .min_height = 48}); });
  fuzz::expecting_errors([&] {
    RenderOptions options;
    options.photo.bytes = bytes;
    options.limits = limits;
    load_and_render(small_frame(), options);
  });
  return 0;
}
