#pragma once
// Reading and writing image files with the codec libraries themselves:
// libjpeg-turbo (TurboJPEG), libspng, libwebp, libheif, stb_image (GIF, BMP,
// TGA, PSD). Every decoded image is 8-bit RGBA in sRGB, upright, and never
// larger than the limits allow. Colour: an embedded ICC profile (JPEG APP2,
// PNG iCCP, WebP ICCP, HEIC colr 'prof') or HEIC's nclx colour description
// is converted to sRGB with lcms2 (relative colorimetric), after any
// shrink-on-load; untagged pixels are taken as sRGB. A profile that cannot
// be used is ignored with a warning (DecodeOptions::warnings). Uprighting: JPEG by its EXIF orientation (APP1,
// IFD0 tag 0x0112); HEIC by its own irot/imir boxes, which libheif applies
// (its EXIF copy of the same turn is not applied again). Orientation in PNG
// eXIf or WebP EXIF is not applied: cameras write it into JPEG and HEIC, and
// viewers disagree about the others. Thread-safe: calls share no state.

#include "khung/image.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace khung {

enum class ImageFormat { Png, Jpeg, Webp, Gif, Bmp, Tga, Psd, Heic };

// A format encode_image writes, by the name every face takes: "png",
// "jpeg" (or "jpg"), "webp", matched exactly, in lower case, as every enum's
// name is. Throws Error(InvalidArgument) "<what>: 'gif' is not one of: png,
// jpeg, webp" (`what` names the place: "format", HTTP's "parameter 'format'").
ImageFormat parse_image_format(std::string_view name, std::string_view what = "format");

// Untrusted input is bounded by these; the HTTP face passes stricter ones.
// Both are checked before anything large is allocated; over either, the
// error is Error(Image) stating the limit, e.g.
// "PNG image 60000x60000: over the 50000000-pixel limit". max_pixels is
// capped at Image::max_pixels().
struct DecodeLimits {
  std::int64_t max_pixels = 50'000'000;      // width x height, checked from the header before decoding
  std::size_t max_bytes = 20u * 1024 * 1024; // size of the encoded file
};

struct DecodeOptions {
  DecodeLimits limits = {};  // "= {}": designated initializers may leave it out without -Wextra noise
  // Shrink-on-load: when > 0, the decoder may reduce the image but the
  // upright result still covers min_width x min_height (in a dimension where
  // the full image is smaller, that dimension stays full); never enlarged.
  // JPEG takes the smallest DCT scale (1/8, 1/4, 1/2, 5/8, ...) that covers
  // (3/8 is passed over for 1/2, which libjpeg-turbo decodes faster), WebP
  // the smallest eighth; other formats decode full size. A side left 0
  // is not constrained; both 0: full size.
  int min_width = 0, min_height = 0;
  // Where problems that do not stop the decode go, in words that follow the
  // file's name ("its ICC profile is truncated (...); the colours are drawn
  // as sRGB"): a bad, huge (over 4 MB) or mismatched embedded profile, which
  // is then ignored. Null: they are dropped. The caller owns the vector.
  std::vector<std::string>* warnings = nullptr;
};

// What the header says, without decoding pixels.
struct ImageInfo {
  ImageFormat format = ImageFormat::Png;
  int width = 0, height = 0;  // as stored, before orientation (HEIC: as libheif shows it, already upright)
  int orientation = 1;        // EXIF orientation 1..8 (1 = upright; orientations 5..8 swap width and height)
};

// The format is found from the bytes (the file name plays no part). Throws
// Error(Unsupported) "not an image Khung reads (JPEG, PNG, WebP, HEIC, GIF,
// BMP, TGA, PSD)..." when the bytes are none of these, and Error(Image) when
// the header is truncated, corrupt or over the limits; messages name the
// format ("JPEG data is truncated (the file is incomplete)") and, for
// limits, the limit.
ImageInfo probe_image(std::span<const std::uint8_t> data, const DecodeLimits& limits = {});

// Decodes the first frame to upright 8-bit RGBA. Grayscale, palette, CMYK and
// 16-bit inputs are converted. Throws as probe_image, and Error(Image) for a
// truncated or corrupt body.
//   Image photo = decode_image(bytes, {.min_width = 1080, .min_height = 1080});
Image decode_image(std::span<const std::uint8_t> data, const DecodeOptions& options = {});

// decode_image on a file's contents; errors are prefixed with the path
// ("photo 'x.jpg': ..."), a missing or unreadable file is Error(Io). Reads
// no more than limits.max_bytes + 1 bytes.
Image read_image(const std::filesystem::path& path, const DecodeOptions& options = {});

struct EncodeOptions {
  int quality = 90;  // JPEG and WebP, 1..100 (JPEG uses 4:2:0 chroma)
};

// The format a file name's extension asks for: .png, .jpg/.jpeg, .webp (any
// case). Throws Error(InvalidArgument) for another extension, naming it.
ImageFormat format_from_path(const std::filesystem::path& path);

// Encodes to an in-memory file: PNG, JPEG or WebP (alpha is kept in PNG and
// WebP, flattened onto white for JPEG). Throws Error(InvalidArgument) for a
// quality out of range ("quality 0: must be between 1 and 100", whatever the
// format) or a format that cannot be written, Error(Image) when the encoder
// fails (an empty image; WebP over 16383 pixels a side).
std::vector<std::uint8_t> encode_image(const Image& image, ImageFormat format, const EncodeOptions& options = {});

// Writes atomically: encodes, writes ".<name>.tmp-<random>" in the same
// folder, then renames over path, so a reader never sees a partial file and
// a failure leaves nothing behind (only a killed process can leave the
// hidden temporary file; is_temporary_file() recognises it). The format comes from the extension.
// Throws Error(Io) naming the path when the folder is missing or not writable.
//   save_image(img, "out/banner.jpg", {.quality = 85});
void save_image(const Image& image, const std::filesystem::path& path, const EncodeOptions& options = {});

// True for the name of a temporary file save_image() writes.
bool is_temporary_file(const std::filesystem::path& path);

}  // namespace khung
