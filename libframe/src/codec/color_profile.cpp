#include "codec/color_profile.hpp"

#include <lcms2.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace khung::detail {

namespace {

// lcms2 state of our own, so that a host program using lcms2 too (Pillow,
// in the Python module's process) keeps its error handler, and lcms2's
// messages about a bad profile go nowhere: the warning says it instead.
cmsContext lcms_context() {
  static const cmsContext context = [] {
    cmsContext c = cmsCreateContext(nullptr, nullptr);
    cmsSetLogErrorHandlerTHR(c, [](cmsContext, cmsUInt32Number, const char*) {});
    return c;
  }();
  return context;
}

struct ProfileCloser {
  void operator()(void* profile) const { cmsCloseProfile(profile); }
};
using Profile = std::unique_ptr<void, ProfileCloser>;

cmsHPROFILE srgb_profile() {
  static const Profile srgb(cmsCreate_sRGBProfileTHR(lcms_context()));
  return srgb.get();
}

// Any profile through lcms2: LUT-based RGB profiles, CMYK. Made with
// cmsFLAGS_NOCACHE, which makes one transform safe to share between threads.
class LcmsConversion final : public ColorConversion {
 public:
  LcmsConversion(cmsHTRANSFORM transform, bool opaque) : transform_(transform), opaque_(opaque) {}
  ~LcmsConversion() override { cmsDeleteTransform(transform_); }
  void convert(std::uint8_t* pixels, std::size_t count) const override {
    // In place: input and output pixels are 4 bytes each, read before written.
    cmsDoTransform(transform_, pixels, pixels, static_cast<cmsUInt32Number>(count));
    if (opaque_)
      for (std::size_t i = 0; i < count; ++i) pixels[4 * i + 3] = 255;
  }

 private:
  cmsHTRANSFORM transform_;
  bool opaque_;  // CMYK: the 4th byte held K, and the result has no alpha
};

// Tone curves, a 3x3 matrix, sRGB's curve: an RGB matrix-shaper profile
// (Display P3, Adobe RGB, ProPhoto...) to sRGB, relative colorimetric, as
// lcms2 computes it but in integers with tables, about five times faster
// than lcms2's 8-bit path: what keeps a tagged phone photo cheap.
class MatrixShaperConversion final : public ColorConversion {
 public:
  static constexpr int kLinearBits = 14;  // linear light in 0..1 << 14
  static constexpr int kMatrixBits = 12;
  static constexpr int kOne = 1 << kLinearBits;

  // The matrix folded into the tone curves: column k of the matrix times
  // channel k's linear value, for each 8-bit value (the 4th lane pads), so
  // that a pixel costs three look-ups and adds, no multiplication.
  std::array<std::array<std::array<std::int32_t, 4>, 256>, 3> columns{};
  std::array<std::uint8_t, kOne + 1> encode{};

  void convert(std::uint8_t* p, std::size_t count) const override {
    constexpr std::int32_t half = 1 << (kMatrixBits - 1);
    for (std::size_t i = 0; i < count; ++i, p += 4) {
      const auto& r = columns[0][p[0]];
      const auto& g = columns[1][p[1]];
      const auto& b = columns[2][p[2]];
      for (int c = 0; c < 3; ++c) {
        const std::int32_t v = std::clamp((r[c] + g[c] + b[c] + half) >> kMatrixBits, 0, kOne);
        p[c] = encode[static_cast<std::size_t>(v)];
      }
    }
  }
};

// A greyscale profile for a greyscale image: a table from the grey value.
class GreyConversion final : public ColorConversion {
 public:
  std::array<std::array<std::uint8_t, 3>, 256> table{};
  void convert(std::uint8_t* p, std::size_t count) const override {
    for (std::size_t i = 0; i < count; ++i, p += 4) {
      const auto& rgb = table[p[0]];
      p[0] = rgb[0], p[1] = rgb[1], p[2] = rgb[2];
    }
  }
};

double srgb_encode(double linear) {
  return linear <= 0.0031308 ? 12.92 * linear : 1.055 * std::pow(linear, 1 / 2.4) - 0.055;
}

using Matrix = std::array<double, 9>;  // row-major

// The matrix whose columns are the profile's red, green and blue colorants
// (XYZ, D50-adapted): linear RGB to the PCS.
bool colorant_matrix(cmsHPROFILE profile, Matrix& out) {
  const cmsTagSignature tags[3] = {cmsSigRedColorantTag, cmsSigGreenColorantTag, cmsSigBlueColorantTag};
  for (int c = 0; c < 3; ++c) {
    const auto* xyz = static_cast<const cmsCIEXYZ*>(cmsReadTag(profile, tags[c]));
    if (!xyz) return false;
    out[0 + c] = xyz->X, out[3 + c] = xyz->Y, out[6 + c] = xyz->Z;
  }
  return true;
}

bool invert(const Matrix& a, Matrix& out) {
  const double det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
                     a[2] * (a[3] * a[7] - a[4] * a[6]);
  if (!std::isfinite(det) || std::abs(det) < 1e-9) return false;
  out = {(a[4] * a[8] - a[5] * a[7]) / det, (a[2] * a[7] - a[1] * a[8]) / det, (a[1] * a[5] - a[2] * a[4]) / det,
         (a[5] * a[6] - a[3] * a[8]) / det, (a[0] * a[8] - a[2] * a[6]) / det, (a[2] * a[3] - a[0] * a[5]) / det,
         (a[3] * a[7] - a[4] * a[6]) / det, (a[1] * a[6] - a[0] * a[7]) / det, (a[0] * a[4] - a[1] * a[3]) / det};
  return true;
}

std::shared_ptr<const ColorConversion> matrix_shaper(cmsHPROFILE profile) {
  Matrix source, srgb, srgb_inverse;
  if (!colorant_matrix(profile, source) || !colorant_matrix(srgb_profile(), srgb) || !invert(srgb, srgb_inverse))
    return nullptr;
  const cmsTagSignature curves[3] = {cmsSigRedTRCTag, cmsSigGreenTRCTag, cmsSigBlueTRCTag};
  auto out = std::make_shared<MatrixShaperConversion>();
  std::array<std::array<std::int32_t, 256>, 3> linear{};
  for (int c = 0; c < 3; ++c) {
    const auto* curve = static_cast<const cmsToneCurve*>(cmsReadTag(profile, curves[c]));
    if (!curve) return nullptr;
    for (int v = 0; v < 256; ++v) {
      const double l = std::clamp<double>(cmsEvalToneCurveFloat(curve, static_cast<cmsFloat32Number>(v / 255.0)), 0, 1);
      linear[static_cast<std::size_t>(c)][static_cast<std::size_t>(v)] =
          static_cast<std::int32_t>(std::lround(l * MatrixShaperConversion::kOne));
    }
  }
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) {
      double m = 0;
      for (int k = 0; k < 3; ++k) m += srgb_inverse[3 * r + k] * source[3 * k + c];
      // Bounded so that no sum overflows: a real profile's entries stay
      // within +-3 (ProPhoto's reach about 2).
      const auto fixed = static_cast<std::int32_t>(std::lround(std::clamp(m, -7.0, 7.0) * (1 << MatrixShaperConversion::kMatrixBits)));
      for (std::size_t v = 0; v < 256; ++v)
        out->columns[static_cast<std::size_t>(c)][v][static_cast<std::size_t>(r)] = fixed * linear[static_cast<std::size_t>(c)][v];
    }
  for (int i = 0; i <= MatrixShaperConversion::kOne; ++i)
    out->encode[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(
        std::lround(255 * srgb_encode(static_cast<double>(i) / MatrixShaperConversion::kOne)));
  return out;
}

std::shared_ptr<const ColorConversion> grey_table(cmsHPROFILE profile) {
  cmsHTRANSFORM t = cmsCreateTransformTHR(lcms_context(), profile, TYPE_GRAY_8, srgb_profile(), TYPE_RGB_8,
                                          INTENT_RELATIVE_COLORIMETRIC, cmsFLAGS_NOCACHE);
  if (!t) return nullptr;
  std::array<std::uint8_t, 256> grey;
  for (int v = 0; v < 256; ++v) grey[static_cast<std::size_t>(v)] = static_cast<std::uint8_t>(v);
  auto out = std::make_shared<GreyConversion>();
  cmsDoTransform(t, grey.data(), out->table.data(), 256);
  cmsDeleteTransform(t);
  return out;
}

// Whether `conversion` leaves every colour within 3 levels of itself (an
// sRGB profile, whichever maker wrote it: their colorants differ in the
// fourth decimal, a level or two on pure green): then it is not worth doing.
bool changes_nothing(const ColorConversion& conversion, PixelLayout layout) {
  if (layout == PixelLayout::Cmyk || layout == PixelLayout::CmykInverted) return false;
  std::vector<std::uint8_t> pixels;
  for (int r = 0; r < 256; r += 15)
    for (int g = 0; g < 256; g += 15)
      for (int b = 0; b < 256; b += 15) pixels.insert(pixels.end(), {static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g), static_cast<std::uint8_t>(b), 255});
  for (int v = 0; v < 256; ++v) pixels.insert(pixels.end(), {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v), 255});
  std::vector<std::uint8_t> converted = pixels;
  conversion.convert(converted.data(), converted.size() / 4);
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    if (layout == PixelLayout::Grey && i % 4 == 0 && (pixels[i] != pixels[i + 1] || pixels[i] != pixels[i + 2])) {
      i += 3;  // a greyscale image has no such colour
      continue;
    }
    if (std::abs(int{pixels[i]} - int{converted[i]}) > 3) return false;
  }
  return true;
}

const char* space_name(cmsColorSpaceSignature space) {
  switch (space) {
    case cmsSigRgbData: return "RGB";
    case cmsSigGrayData: return "greyscale";
    case cmsSigCmykData: return "CMYK";
    default: return "other";
  }
}

const char* layout_name(PixelLayout layout) {
  switch (layout) {
    case PixelLayout::Rgb: return "RGB";
    case PixelLayout::Grey: return "greyscale";
    default: return "CMYK";
  }
}

std::uint32_t u32_be(std::span<const std::uint8_t> d, std::size_t at) {
  return std::uint32_t{d[at]} << 24 | std::uint32_t{d[at + 1]} << 16 | std::uint32_t{d[at + 2]} << 8 | d[at + 3];
}

const std::string kDrawnAsSrgb = "; the colours are drawn as sRGB";

// The conversion of an opened profile (under the cache's lock: lcms2
// profiles read their tags lazily and are not shared between threads).
ProfileConversion make_conversion(cmsHPROFILE profile, PixelLayout layout) {
  const cmsColorSpaceSignature space = cmsGetColorSpace(profile);
  const bool cmyk = layout == PixelLayout::Cmyk || layout == PixelLayout::CmykInverted;
  const bool fits = space == cmsSigRgbData ? !cmyk
                    : space == cmsSigGrayData ? layout == PixelLayout::Grey
                    : space == cmsSigCmykData && cmyk;
  if (!fits)
    return {nullptr, std::string("its ICC profile is for ") + space_name(space) + " colours, not this " +
                         layout_name(layout) + " image's" + kDrawnAsSrgb};
  std::shared_ptr<const ColorConversion> conversion;
  if (space == cmsSigGrayData) {
    conversion = grey_table(profile);
  } else if (space == cmsSigRgbData && cmsIsMatrixShaper(profile)) {
    conversion = matrix_shaper(profile);
  }
  if (!conversion) {
    const cmsUInt32Number input = layout == PixelLayout::Cmyk           ? TYPE_CMYK_8
                                  : layout == PixelLayout::CmykInverted ? TYPE_CMYK_8_REV
                                                                        : TYPE_RGBA_8;
    cmsHTRANSFORM t = cmsCreateTransformTHR(lcms_context(), profile, input, srgb_profile(), TYPE_RGBA_8,
                                            INTENT_RELATIVE_COLORIMETRIC,
                                            cmsFLAGS_NOCACHE | (cmyk ? 0 : cmsFLAGS_COPY_ALPHA));
    if (!t) return {nullptr, "its ICC profile cannot be used (malformed)" + kDrawnAsSrgb};
    conversion = std::make_shared<LcmsConversion>(t, cmyk);
  }
  if (changes_nothing(*conversion, layout)) return {};
  return {conversion, {}};
}

// Cached conversions by profile bytes (and layout); the warnings of bad
// profiles too. A bounded cache: a service that meets many different
// profiles starts over rather than grow.
struct Cache {
  std::mutex mutex;
  std::unordered_map<std::string, ProfileConversion> entries;
};

Cache& cache() {
  static Cache c;
  return c;
}
constexpr std::size_t kCacheEntries = 64;

template <class Make>
ProfileConversion cached(std::string key, Make make) {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  if (auto it = c.entries.find(key); it != c.entries.end()) return it->second;
  ProfileConversion made = make();
  if (c.entries.size() >= kCacheEntries) c.entries.clear();
  c.entries.emplace(std::move(key), made);
  return made;
}

cmsToneCurve* transfer_curve(int transfer) {
  cmsContext ctx = lcms_context();
  switch (transfer) {
    case 2:    // unspecified
    case 13:   // sRGB (IEC 61966-2-1)
    case 1:    // BT.709 and its relatives: taken as the sRGB curve
    case 6:
    case 14:
    case 15: {
      const cmsFloat64Number srgb[5] = {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045};
      return cmsBuildParametricToneCurve(ctx, 4, srgb);
    }
    case 4: return cmsBuildGamma(ctx, 2.2);
    case 5: return cmsBuildGamma(ctx, 2.8);
    case 8: return cmsBuildGamma(ctx, 1.0);
    default: return nullptr;
  }
}

}  // namespace

ProfileConversion icc_conversion(std::span<const std::uint8_t> profile, PixelLayout layout) {
  if (profile.size() > max_profile_bytes)
    return {nullptr, "its ICC profile of " + std::to_string(profile.size()) + " bytes is over the " +
                         std::to_string(max_profile_bytes >> 20) + " MB limit" + kDrawnAsSrgb};
  if (profile.size() < 132 || u32_be(profile, 0) > profile.size())
    return {nullptr, "its ICC profile is truncated (" + std::to_string(profile.size()) + " bytes" +
                         (profile.size() >= 4 ? " of " + std::to_string(u32_be(profile, 0)) : std::string()) + ")" +
                         kDrawnAsSrgb};
  std::string key(1, static_cast<char>('0' + static_cast<int>(layout)));
  key.append(reinterpret_cast<const char*>(profile.data()), profile.size());
  return cached(std::move(key), [&]() -> ProfileConversion {
    Profile opened(cmsOpenProfileFromMemTHR(lcms_context(), profile.data(), static_cast<cmsUInt32Number>(profile.size())));
    if (!opened) return {nullptr, "its ICC profile is malformed" + kDrawnAsSrgb};
    return make_conversion(opened.get(), layout);
  });
}

ProfileConversion nclx_conversion(int primaries, int transfer) {
  struct Primaries {
    int code;
    cmsCIExyYTRIPLE rgb;
    cmsCIExyY white;
  };
  static constexpr cmsCIExyY d65{0.3127, 0.3290, 1};
  static const Primaries known[] = {
      {1, {{0.640, 0.330, 1}, {0.300, 0.600, 1}, {0.150, 0.060, 1}}, d65},  // BT.709, sRGB
      {9, {{0.708, 0.292, 1}, {0.170, 0.797, 1}, {0.131, 0.046, 1}}, d65},  // BT.2020
      {11, {{0.680, 0.320, 1}, {0.265, 0.690, 1}, {0.150, 0.060, 1}}, {0.314, 0.351, 1}},  // DCI-P3
      {12, {{0.680, 0.320, 1}, {0.265, 0.690, 1}, {0.150, 0.060, 1}}, d65},  // Display P3
  };
  if (primaries == 2) primaries = 1;  // unspecified
  const Primaries* p = nullptr;
  for (const Primaries& k : known)
    if (k.code == primaries) p = &k;
  const bool srgb_curve = transfer == 2 || transfer == 13 || transfer == 1 || transfer == 6 || transfer == 14 || transfer == 15;
  if (p && p->code == 1 && srgb_curve) return {};
  std::unique_ptr<cmsToneCurve, decltype(&cmsFreeToneCurve)> curve(transfer_curve(transfer), cmsFreeToneCurve);
  if (!p || !curve)
    return {nullptr, "its colour description (nclx primaries " + std::to_string(primaries) + ", transfer " +
                         std::to_string(transfer) + ") is not one Khung converts" + kDrawnAsSrgb};
  return cached("nclx " + std::to_string(primaries) + " " + std::to_string(transfer), [&]() -> ProfileConversion {
    cmsToneCurve* curves[3] = {curve.get(), curve.get(), curve.get()};
    Profile made(cmsCreateRGBProfileTHR(lcms_context(), &p->white, &p->rgb, curves));
    if (!made) return {nullptr, "its colour description cannot be used" + kDrawnAsSrgb};
    return make_conversion(made.get(), PixelLayout::Rgb);
  });
}

void convert_rows(Image& image, const ColorConversion& conversion, int first, int last) {
  if (first >= last) return;
  // Rows are contiguous (stride = 4 x width): one call for the run.
  conversion.convert(image.row(first), static_cast<std::size_t>(last - first) * static_cast<std::size_t>(image.width()));
}

}  // namespace khung::detail
