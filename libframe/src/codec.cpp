#include "khung/codec.hpp"

#include "khung/error.hpp"

#include <spng.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>

namespace khung {

ImageFormat format_from_path(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".png") return ImageFormat::Png;
  throw Error(ErrorCode::InvalidArgument,
              "output '" + path.string() + "': unsupported extension '" + ext + "' (supported: .png, .jpg, .webp)");
}

namespace {

std::vector<std::uint8_t> encode_png(const Image& image) {
  std::unique_ptr<spng_ctx, decltype(&spng_ctx_free)> ctx(spng_ctx_new(SPNG_CTX_ENCODER),
                                                          spng_ctx_free);
  if (!ctx) throw Error(ErrorCode::Image, "png encoder: out of memory");
  spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1);
  spng_ihdr ihdr{};
  ihdr.width = static_cast<std::uint32_t>(image.width());
  ihdr.height = static_cast<std::uint32_t>(image.height());
  ihdr.bit_depth = 8;
  ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR_ALPHA;
  spng_set_ihdr(ctx.get(), &ihdr);
  int rc = spng_encode_image(ctx.get(), image.bytes().data(), image.bytes().size(), SPNG_FMT_PNG,
                             SPNG_ENCODE_FINALIZE);
  if (rc) throw Error(ErrorCode::Image, std::string("png encoder: ") + spng_strerror(rc));
  std::size_t size = 0;
  int err = 0;
  std::unique_ptr<void, decltype(&std::free)> buf(spng_get_png_buffer(ctx.get(), &size, &err),
                                                  std::free);
  if (!buf) throw Error(ErrorCode::Image, std::string("png encoder: ") + spng_strerror(err));
  auto* p = static_cast<const std::uint8_t*>(buf.get());
  return {p, p + size};
}

}  // namespace

const char* format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::Png: return "png";
    case ImageFormat::Jpeg: return "jpeg";
    case ImageFormat::Webp: return "webp";
    case ImageFormat::Gif: return "gif";
    case ImageFormat::Bmp: return "bmp";
    case ImageFormat::Tga: return "tga";
    case ImageFormat::Psd: return "psd";
    case ImageFormat::Heic: return "heic";
  }
  return "unknown";
}

std::vector<std::uint8_t> encode_image(const Image& image, ImageFormat format, const EncodeOptions&) {
  if (image.empty()) throw Error(ErrorCode::Image, "cannot encode an empty image");
  if (format == ImageFormat::Png) return encode_png(image);
  throw Error(ErrorCode::InvalidArgument, std::string("cannot write ") + format_name(format) + " images");
}

void save_image(const Image& image, const std::filesystem::path& path, const EncodeOptions& options) {
  std::vector<std::uint8_t> data = encode_image(image, format_from_path(path), options);
  std::random_device rd;
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + std::to_string(rd());
  auto fail = [&](const std::string& why) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    return Error(ErrorCode::Io, "output '" + path.string() + "': " + why);
  };
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw fail(std::strerror(errno));
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  int saved_errno = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) throw fail(std::strerror(saved_errno ? saved_errno : errno));
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw fail(ec.message());
}

}  // namespace khung
