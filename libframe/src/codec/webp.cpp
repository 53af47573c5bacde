// WebP through libwebp; animated files through libwebpdemux (first frame).

#include "codec/codecs.hpp"

#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>

namespace khung::detail {

namespace {

const char* status_text(VP8StatusCode status) {
  switch (status) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    default: return "decoding failed";
  }
}

Error webp_error(VP8StatusCode status) {
  if (status == VP8_STATUS_NOT_ENOUGH_DATA) return truncated_data(ImageFormat::Webp);
  return corrupt_data(ImageFormat::Webp, status_text(status));
}

WebPBitstreamFeatures read_features(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  WebPBitstreamFeatures features{};
  if (VP8StatusCode status = WebPGetFeatures(data.data(), data.size(), &features); status != VP8_STATUS_OK)
    throw webp_error(status);
  check_pixel_limit(ImageFormat::Webp, features.width, features.height, limits);
  return features;
}

// libwebp's scaler takes any size; offering eighths keeps some headroom above
// the requested size, like JPEG's DCT scaling.
constexpr std::array<ScaleFactor, 7> kEighths{{{1, 8}, {2, 8}, {3, 8}, {4, 8}, {5, 8}, {6, 8}, {7, 8}}};

struct AnimDecoderDeleter {
  void operator()(WebPAnimDecoder* decoder) const { WebPAnimDecoderDelete(decoder); }
};

// The first frame composited on the canvas, as a viewer shows it first.
Image decode_first_frame(std::span<const std::uint8_t> data) {
  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) throw corrupt_data(ImageFormat::Webp, "decoder version mismatch");
  options.color_mode = MODE_RGBA;
  options.use_threads = 0;
  WebPData bytes{data.data(), data.size()};
  std::unique_ptr<WebPAnimDecoder, AnimDecoderDeleter> decoder(WebPAnimDecoderNew(&bytes, &options));
  if (!decoder) throw corrupt_data(ImageFormat::Webp, "bad animation");
  WebPAnimInfo info{};
  if (!WebPAnimDecoderGetInfo(decoder.get(), &info)) throw corrupt_data(ImageFormat::Webp, "bad animation");
  std::uint8_t* canvas = nullptr;
  int timestamp = 0;
  if (!WebPAnimDecoderGetNext(decoder.get(), &canvas, &timestamp) || !canvas)
    throw corrupt_data(ImageFormat::Webp, "bad first frame");
  Image image = Image::for_overwrite(static_cast<int>(info.canvas_width), static_cast<int>(info.canvas_height));
  std::memcpy(image.row(0), canvas, image.bytes().size());
  return image;
}

// The still image, or an animation's first frame, at the size options ask for.
Image decode_still_or_first(std::span<const std::uint8_t> data, const WebPBitstreamFeatures& features,
                            const DecodeOptions& options);

// The ICCP chunk's profile, when the extended header (VP8X) says there is
// one; empty otherwise. Views `data`.
std::span<const std::uint8_t> icc_profile(std::span<const std::uint8_t> data) {
  constexpr std::uint8_t kIccFlag = 0x20;
  if (data.size() < 21 || std::memcmp(data.data() + 12, "VP8X", 4) != 0 || !(data[20] & kIccFlag)) return {};
  WebPData bytes{data.data(), data.size()};
  std::unique_ptr<WebPDemuxer, decltype(&WebPDemuxDelete)> demux(WebPDemux(&bytes), WebPDemuxDelete);
  if (!demux) return {};
  WebPChunkIterator chunk;
  std::span<const std::uint8_t> profile;
  if (WebPDemuxGetChunk(demux.get(), "ICCP", 1, &chunk)) profile = {chunk.chunk.bytes, chunk.chunk.size};
  WebPDemuxReleaseChunkIterator(&chunk);
  return profile;
}

}  // namespace

ImageInfo probe_webp(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  WebPBitstreamFeatures features = read_features(data, limits);
  return {ImageFormat::Webp, features.width, features.height, 1};
}

Image decode_webp(std::span<const std::uint8_t> data, const DecodeOptions& options) {
  WebPBitstreamFeatures features = read_features(data, options.limits);
  Image image = decode_still_or_first(data, features, options);
  convert_to_srgb(image, icc_profile(data), PixelLayout::Rgb, options);
  return image;
}

namespace {

Image decode_still_or_first(std::span<const std::uint8_t> data, const WebPBitstreamFeatures& features,
                            const DecodeOptions& options) {
  if (features.has_animation) return decode_first_frame(data);

  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) throw corrupt_data(ImageFormat::Webp, "decoder version mismatch");
  ScaleFactor scale = choose_scale(features.width, features.height, 1, options, kEighths);
  Image image = Image::for_overwrite(scale.scale(features.width), scale.scale(features.height));
  if (image.width() != features.width || image.height() != features.height) {
    config.options.use_scaling = 1;
    config.options.scaled_width = image.width();
    config.options.scaled_height = image.height();
  }
  config.output.colorspace = MODE_RGBA;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = image.row(0);
  config.output.u.RGBA.stride = static_cast<int>(image.stride());
  config.output.u.RGBA.size = image.bytes().size();
  VP8StatusCode status = WebPDecode(data.data(), data.size(), &config);
  WebPFreeDecBuffer(&config.output);
  if (status != VP8_STATUS_OK) throw webp_error(status);
  return image;
}

}  // namespace

std::vector<std::uint8_t> encode_webp(const Image& image, int quality) {
  if (image.width() > WEBP_MAX_DIMENSION || image.height() > WEBP_MAX_DIMENSION)
    throw Error(ErrorCode::Image, "WebP encoder: image " + std::to_string(image.width()) + "x" +
                                      std::to_string(image.height()) + " is over WebP's " +
                                      std::to_string(WEBP_MAX_DIMENSION) + " pixels a side");
  std::uint8_t* output = nullptr;
  std::size_t size = WebPEncodeRGBA(image.row(0), image.width(), image.height(), static_cast<int>(image.stride()),
                                    static_cast<float>(quality), &output);
  std::unique_ptr<std::uint8_t, decltype(&WebPFree)> owned(output, WebPFree);
  if (size == 0 || !output) throw Error(ErrorCode::Image, "WebP encoder: encoding failed");
  return {output, output + size};
}

}  // namespace khung::detail
