#pragma once
// Colour management: the ICC profile (or HEIC nclx colour description) a
// file embeds, turned into a conversion of its decoded pixels to sRGB with
// lcms2 (relative colorimetric). A codec-layer helper: the photo unit
// (photo_sources.cmake, the WebAssembly module) never sees it, as browsers
// hand that module pixels already in sRGB.
//
// Conversions are cached by profile, process-wide and thread-safe; an sRGB
// profile (or one that changes no colour) gives no conversion at all, so a
// file tagged sRGB costs one cache look-up. A profile that cannot be used
// (truncated, malformed, over max_profile_bytes, for another colour space
// than the image's) gives no conversion and a warning: the pixels are drawn
// as sRGB.

#include "khung/image.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace khung::detail {

// What a decoder's buffer holds before conversion: 4 bytes a pixel.
enum class PixelLayout {
  Rgb,           // RGBA, alpha kept
  Grey,          // RGBA with R = G = B (a greyscale file decoded to RGBA)
  Cmyk,          // C, M, Y, K (0 = no ink): converted to opaque RGBA
  CmykInverted,  // C, M, Y, K stored inverted (Adobe's JPEGs: 255 = no ink)
};

// Larger embedded profiles are ignored (with a warning): real ones are a
// few kB, the largest CMYK ones about 2 MB.
constexpr std::size_t max_profile_bytes = 4u << 20;

// A conversion to sRGB; shared, immutable, usable from several threads.
class ColorConversion {
 public:
  virtual ~ColorConversion() = default;
  // Converts `count` pixels in place, 4 bytes each, laid out as the
  // conversion was made for; the result is RGBA in sRGB.
  virtual void convert(std::uint8_t* pixels, std::size_t count) const = 0;
};

// A conversion or, when there is nothing to do, none; when the profile was
// ignored, why ("its ICC profile is truncated (...)"; for a message that
// begins with the file's name).
struct ProfileConversion {
  std::shared_ptr<const ColorConversion> conversion;
  std::string warning;
};

// The conversion of pixels in `layout` tagged with this ICC profile.
ProfileConversion icc_conversion(std::span<const std::uint8_t> profile, PixelLayout layout);

// The conversion of RGB pixels described by an nclx box (ITU-T H.273
// colour primaries and transfer characteristics; HEIC). BT.709 primaries
// with the sRGB transfer, or unspecified values, need none.
ProfileConversion nclx_conversion(int primaries, int transfer);

// Converts rows [first, last) of `image` in place.
void convert_rows(Image& image, const ColorConversion& conversion, int first, int last);

}  // namespace khung::detail
