// JPEG through TurboJPEG (libjpeg-turbo 2.1 API: tjInitDecompress and
// friends; the tj3 API is newer than Debian 12).

#include "codec/codecs.hpp"
#include "codec/exif.hpp"
#include "codec/row_feed.hpp"
#include "khung/photo.hpp"
#include "photo/orientation.hpp"

#include <turbojpeg.h>
// libjpeg's own API, for decoding row by row (stream_rows).
#include <cstdio>  // jpeglib.h needs FILE
#include <jpeglib.h>
#include <jerror.h>

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace khung::detail {

namespace {

struct HandleDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using Handle = std::unique_ptr<void, HandleDeleter>;

// The markers TurboJPEG does not interpret for us.
struct JpegMarkers {
  std::span<const std::uint8_t> exif;  // TIFF block of the first APP1 "Exif"
  bool adobe = false;                  // APP14 "Adobe": CMYK is stored inverted
  bool cut_short = false;              // the data ends before the first scan's data
  // APP2 "ICC_PROFILE" segments, in file order: the profile split in parts
  // numbered 1..count (a profile over 64 kB takes several).
  struct IccPart {
    int number = 0, count = 0;
    std::span<const std::uint8_t> bytes;
  };
  std::vector<IccPart> icc;
};

constexpr std::string_view kIccMarker{"ICC_PROFILE\0", 12};

// Walks the marker segments before the first scan. Stops quietly at anything
// unexpected: the decoder itself judges whether the stream is valid.
JpegMarkers scan_markers(std::span<const std::uint8_t> data) {
  JpegMarkers found;
  std::size_t pos = 2;  // after SOI
  while (true) {
    if (pos + 4 > data.size()) {
      found.cut_short = true;
      break;
    }
    if (data[pos] != 0xFF) break;
    std::uint8_t marker = data[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // no length field
      pos += 2;
      continue;
    }
    if (marker == 0xD9) break;  // end of image
    std::size_t length = static_cast<std::size_t>(data[pos + 2]) << 8 | data[pos + 3];
    if (length < 2) break;
    if (marker == 0xDA) {  // start of scan: its header, then at least some data
      found.cut_short = length >= data.size() - pos - 2;
      break;
    }
    if (length > data.size() - pos - 2) {
      found.cut_short = true;
      break;
    }
    auto payload = data.subspan(pos + 4, length - 2);
    if (marker == 0xE1 && found.exif.empty() && payload.size() >= 6 && std::memcmp(payload.data(), "Exif\0\0", 6) == 0)
      found.exif = payload.subspan(6);
    if (marker == 0xE2 && payload.size() >= kIccMarker.size() + 2 &&
        std::memcmp(payload.data(), kIccMarker.data(), kIccMarker.size()) == 0)
      found.icc.push_back({payload[kIccMarker.size()], payload[kIccMarker.size() + 1], payload.subspan(kIccMarker.size() + 2)});
    if (marker == 0xEE && payload.size() >= 5 && std::memcmp(payload.data(), "Adobe", 5) == 0) found.adobe = true;
    pos += 2 + length;
  }
  return found;
}

struct Header {
  int width = 0, height = 0, colorspace = -1;
};

// libjpeg reports running out of data inside a scan as the warning "Premature
// end of JPEG file"; in the headers, the end it fakes shows up as some later
// structural error instead, which cut_short recognises.
bool is_truncation(const char* message) { return std::strstr(message, "Premature end") != nullptr; }

// Whether TurboJPEG's message is a warning's. TurboJPEG 2.1 keeps answering
// TJERR_WARNING once a warning has been emitted, even when a fatal error
// follows it and leaves the rest of the image unwritten. libjpeg outputs
// only the first warning and always the error that ends a decode, so the
// last message tells which happened. Compared up to the first conversion.
bool is_warning(std::string_view message) {
  static const std::vector<std::string> prefixes = [] {
    jpeg_error_mgr err;
    jpeg_std_error(&err);
    std::vector<std::string> out;
    for (int code : {JWRN_ADOBE_XFORM, JWRN_BOGUS_PROGRESSION, JWRN_EXTRANEOUS_DATA, JWRN_HIT_MARKER,
                     JWRN_HUFF_BAD_CODE, JWRN_JFIF_MAJOR, JWRN_JPEG_EOF, JWRN_MUST_RESYNC, JWRN_NOT_SEQUENTIAL,
                     JWRN_TOO_MUCH_DATA, JWRN_BOGUS_ICC}) {
      std::string_view format = err.jpeg_message_table[code];
      out.emplace_back(format.substr(0, format.find('%')));
    }
    return out;
  }();
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) { return message.starts_with(p); });
}

Error decode_error(tjhandle handle, const JpegMarkers& markers) {
  const char* message = tjGetErrorStr2(handle);
  if (markers.cut_short || is_truncation(message)) return truncated_data(ImageFormat::Jpeg);
  return corrupt_data(ImageFormat::Jpeg, message);
}

Header read_header(tjhandle handle, std::span<const std::uint8_t> data, const JpegMarkers& markers) {
  Header header;
  int subsampling = -1;
  // TurboJPEG 2.1 also fails for a warning and for chroma subsampling it has
  // no name for (e.g. 2x2,1x2,2x1); it decodes both, and the size and colour
  // space are filled in before it gives up: go on whenever they are.
  tjDecompressHeader3(handle, data.data(), static_cast<unsigned long>(data.size()), &header.width, &header.height,
                      &subsampling, &header.colorspace);
  if (header.width <= 0 || header.height <= 0 || header.colorspace < 0) throw decode_error(handle, markers);
  return header;
}

std::span<const ScaleFactor> scaling_factors() {
  static const std::vector<ScaleFactor> factors = [] {
    std::vector<ScaleFactor> out;
    int count = 0;
    const tjscalingfactor* tj = tjGetScalingFactors(&count);
    for (int i = 0; tj && i < count; ++i) out.push_back({tj[i].num, tj[i].denom});
    return out;
  }();
  return factors;
}

// The embedded ICC profile, its parts put together in order (empty when
// there is none); parts missing, repeated or disagreeing on their count
// leave a warning instead, as does a profile over max_profile_bytes.
std::vector<std::uint8_t> assemble_icc(const JpegMarkers& markers, const DecodeOptions& options) {
  std::vector<std::uint8_t> profile;
  if (markers.icc.empty()) return profile;
  const int count = markers.icc.front().count;
  std::vector<const JpegMarkers::IccPart*> parts(static_cast<std::size_t>(count), nullptr);
  std::size_t size = 0;
  bool whole = count > 0 && markers.icc.size() == static_cast<std::size_t>(count);
  for (const JpegMarkers::IccPart& part : markers.icc) {
    if (!whole) break;
    if (part.count != count || part.number < 1 || part.number > count || parts[static_cast<std::size_t>(part.number - 1)]) {
      whole = false;
      break;
    }
    parts[static_cast<std::size_t>(part.number - 1)] = &part;
    size += part.bytes.size();
  }
  if (!whole) {
    warn(options, "its ICC profile's parts (APP2 segments) are missing or out of order; the colours are drawn as sRGB");
    return profile;
  }
  if (size > max_profile_bytes) {
    warn(options, "its ICC profile of " + std::to_string(size) + " bytes is over the " +
                      std::to_string(max_profile_bytes >> 20) + " MB limit; the colours are drawn as sRGB");
    return profile;
  }
  profile.reserve(size);
  for (const JpegMarkers::IccPart* part : parts) profile.insert(profile.end(), part->bytes.begin(), part->bytes.end());
  return profile;
}

std::uint8_t mul255(unsigned a, unsigned b) { return static_cast<std::uint8_t>((a * b + 127) / 255); }

// Naive CMYK to RGB (no colour management): R = (1 - C)(1 - K). Adobe's
// writers store every channel inverted, so their R is simply C * K.
void cmyk_to_rgba(Image& image, bool inverted) {
  for (int y = 0; y < image.height(); ++y) {
    std::uint8_t* p = image.row(y);
    for (int x = 0; x < image.width(); ++x, p += 4) {
      unsigned c = p[0], m = p[1], ye = p[2], k = p[3];
      if (!inverted) c = 255 - c, m = 255 - m, ye = 255 - ye, k = 255 - k;
      p[0] = mul255(c, k);
      p[1] = mul255(m, k);
      p[2] = mul255(ye, k);
      p[3] = 255;
    }
  }
}

}  // namespace

ImageInfo probe_jpeg(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  Handle handle(tjInitDecompress());
  if (!handle) throw Error(ErrorCode::Image, "JPEG decoder: out of memory");
  JpegMarkers markers = scan_markers(data);
  Header header = read_header(handle.get(), data, markers);
  check_pixel_limit(ImageFormat::Jpeg, header.width, header.height, limits);
  return {ImageFormat::Jpeg, header.width, header.height, read_exif_orientation(markers.exif)};
}

Image decode_jpeg(std::span<const std::uint8_t> data, const DecodeOptions& options) {
  return upright_srgb(*decode_jpeg_stored(data, options));
}

ScaleFactor jpeg_scale(int width, int height, int orientation, const DecodeOptions& options) {
  ScaleFactor scale = choose_scale(width, height, orientation, options, scaling_factors());
  // libjpeg-turbo has SIMD inverse DCTs for 1/2 but not for 3/8: decoding at
  // 1/2 is faster although it makes 1.8 times the pixels.
  if (scale.num * 8 == scale.denom * 3) scale = {1, 2};
  return scale;
}

namespace {

// What a decode will make: checked against the limits, the scale chosen.
struct Plan {
  Header header;
  JpegMarkers markers;
  int orientation = 1;
  ScaleFactor scale;
  bool cmyk = false;
  // The embedded profile's conversion to sRGB; null when there is none to make.
  std::shared_ptr<const ColorConversion> conversion;
};

Plan plan_decode(tjhandle handle, std::span<const std::uint8_t> data, const DecodeOptions& options) {
  Plan plan;
  plan.markers = scan_markers(data);
  plan.header = read_header(handle, data, plan.markers);
  check_pixel_limit(ImageFormat::Jpeg, plan.header.width, plan.header.height, options.limits);
  plan.orientation = read_exif_orientation(plan.markers.exif);
  plan.scale = jpeg_scale(plan.header.width, plan.header.height, plan.orientation, options);
  plan.cmyk = plan.header.colorspace == TJCS_CMYK || plan.header.colorspace == TJCS_YCCK;
  if (std::vector<std::uint8_t> icc = assemble_icc(plan.markers, options); !icc.empty()) {
    const PixelLayout layout = plan.cmyk ? (plan.markers.adobe ? PixelLayout::CmykInverted : PixelLayout::Cmyk)
                               : plan.header.colorspace == TJCS_GRAY ? PixelLayout::Grey
                                                                    : PixelLayout::Rgb;
    ProfileConversion found = icc_conversion(icc, layout);
    if (!found.warning.empty()) warn(options, found.warning);
    plan.conversion = std::move(found.conversion);
  }
  return plan;
}

// libjpeg's error handling for stream_rows: any error or warning ends the
// attempt (the whole-image decoder then judges the file, with its messages).
struct StreamError {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
};

[[noreturn]] void stream_give_up(j_common_ptr cinfo) { std::longjmp(reinterpret_cast<StreamError*>(cinfo->err)->jump, 1); }

void stream_message(j_common_ptr cinfo, int level) {
  if (level < 0) stream_give_up(cinfo);
}

// Progressive files with very many scans are left to the whole-image
// decoder, which limits them.
void stream_scans(j_common_ptr cinfo) {
  if (cinfo->is_decompressor && reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number > 100)
    stream_give_up(cinfo);
}

// Decodes into `image` (already the scaled size) row by row, telling `feed`
// as rows are done. C-style: nothing with a destructor lives across the
// longjmp. False when libjpeg reported anything.
bool stream_rows(std::span<const std::uint8_t> data, ScaleFactor scale, Image& image, RowFeed& feed) {
  jpeg_decompress_struct cinfo;
  StreamError error;
  jpeg_progress_mgr progress;
  cinfo.err = jpeg_std_error(&error.pub);
  error.pub.error_exit = stream_give_up;
  error.pub.emit_message = stream_message;
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data.data(), static_cast<unsigned long>(data.size()));
  jpeg_read_header(&cinfo, TRUE);
  progress.progress_monitor = stream_scans;
  cinfo.progress = &progress;
  cinfo.scale_num = static_cast<unsigned>(scale.num);
  cinfo.scale_denom = static_cast<unsigned>(scale.denom);
  cinfo.out_color_space = JCS_EXT_RGBA;
  jpeg_start_decompress(&cinfo);
  if (cinfo.output_width != static_cast<JDIMENSION>(image.width()) ||
      cinfo.output_height != static_cast<JDIMENSION>(image.height())) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW rows[4];
    const int n = static_cast<int>(std::min<JDIMENSION>(4, cinfo.output_height - cinfo.output_scanline));
    for (int i = 0; i < n; ++i) rows[i] = image.row(static_cast<int>(cinfo.output_scanline) + i);
    jpeg_read_scanlines(&cinfo, rows, static_cast<JDIMENSION>(n));
    if (cinfo.output_scanline % 16 == 0 || cinfo.output_scanline == cinfo.output_height)
      feed.rows(static_cast<int>(cinfo.output_scanline));
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

StoredImage decode_planned(tjhandle handle, std::span<const std::uint8_t> data, const Plan& plan) {
  Image image = Image::for_overwrite(plan.scale.scale(plan.header.width), plan.scale.scale(plan.header.height));
  // Given exactly the scaled size, TurboJPEG picks that same factor. CMYK
  // has as many bytes per pixel as RGBA, so it is converted in place.
  if (tjDecompress2(handle, data.data(), static_cast<unsigned long>(data.size()), image.row(0), image.width(),
                    static_cast<int>(image.stride()), image.height(), plan.cmyk ? TJPF_CMYK : TJPF_RGBA,
                    TJFLAG_LIMITSCANS) != 0) {
    // Warnings leave a complete image (extraneous bytes, a bad Huffman code
    // in one block: browsers show these), except a premature end, which
    // leaves the rest grey. After an error, rows are left unwritten.
    const char* message = tjGetErrorStr2(handle);
    if (tjGetErrorCode(handle) != TJERR_WARNING || !is_warning(message) || is_truncation(message))
      throw decode_error(handle, plan.markers);
  }
  // CMYK becomes RGB here, through its profile or else the naive way; an
  // RGB or grey photo's conversion is left to the caller (StoredImage).
  if (plan.cmyk && plan.conversion) convert_rows(image, *plan.conversion, 0, image.height());
  else if (plan.cmyk) cmyk_to_rgba(image, plan.markers.adobe);
  return {std::move(image), plan.orientation, plan.cmyk ? nullptr : plan.conversion};
}

}  // namespace

std::optional<StoredImage> decode_jpeg_stored(std::span<const std::uint8_t> data, const DecodeOptions& options,
                                              RowFeed* feed) {
  Handle handle(tjInitDecompress());
  if (!handle) throw Error(ErrorCode::Image, "JPEG decoder: out of memory");
  const Plan plan = plan_decode(handle.get(), data, options);
  if (feed) feed->plan = {{plan.header.width, plan.header.height}, plan.orientation, plan.scale};
  if (feed && !plan.cmyk) {
    feed->image = Image::for_overwrite(plan.scale.scale(plan.header.width), plan.scale.scale(plan.header.height));
    feed->conversion = plan.conversion;  // for the reader to apply to what it draws
    feed->start(plan.orientation);
    if (stream_rows(data, plan.scale, feed->image, *feed)) return std::nullopt;
  }
  if (feed) feed->fail();
  return decode_planned(handle.get(), data, plan);
}

std::vector<std::uint8_t> encode_jpeg(const Image& image, int quality) {
  // An opaque image goes to the encoder as it is (RGBA with its alpha
  // ignored); otherwise a copy flattened onto white (flatten_onto_white, the
  // rule the member page's module shares), as JPEG has no alpha channel.
  Image flat;
  const Image* pixels = &image;
  if (!image.opaque()) {
    flat = image;
    flatten_onto_white(flat);
    pixels = &flat;
  }
  Handle handle(tjInitCompress());
  if (!handle) throw Error(ErrorCode::Image, "JPEG encoder: out of memory");
  // TurboJPEG grows its own buffer as it goes: a buffer of the worst-case
  // size (tjBufSize) would have to be allocated and touched in full.
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const int rc = tjCompress2(handle.get(), pixels->row(0), image.width(), static_cast<int>(pixels->stride()),
                             image.height(), TJPF_RGBA, &buffer, &size, TJSAMP_420, quality, 0);
  std::unique_ptr<unsigned char, decltype(&tjFree)> owned(buffer, tjFree);
  if (rc != 0) throw Error(ErrorCode::Image, std::string("JPEG encoder: ") + tjGetErrorStr2(handle.get()));
  std::vector<std::uint8_t> jpeg(buffer, buffer + size);
  return jpeg;
}

}  // namespace khung::detail
