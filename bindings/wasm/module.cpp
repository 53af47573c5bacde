// The photo module's C exports: the member page frames a photo on the phone
// with the same photo unit as every other face (libframe's
// KHUNG_PHOTO_SOURCES compiled to WebAssembly). Parsing only: the layer PNGs
// are decoded here, the window and placement are handed over as numbers,
// and every rule is the library's. khung-photo.js wraps these calls.
//
// Handles are pointers into the module's memory, owned by the caller until
// given back with the matching *_free. A call that fails returns 0 (null)
// and stores a message in *error, a string the caller frees with
// khung_free; the glue turns it into an Error at once.

#include "khung/error.hpp"
#include "khung/image.hpp"
#include "khung/photo.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>

// The layers' PNGs are decoded inside the module because the browser's
// canvas keeps pixels premultiplied: getImageData would round the colour of
// semi-transparent edge pixels, and the phone's frame would differ from the
// server's. stb_image (Debian's libstb-dev) with its PNG loader alone.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_MAX_DIMENSIONS (1 << 16)
#include <stb/stb_image.h>

#define KHUNG_EXPORT(name) extern "C" __attribute__((export_name(#name), used))

namespace {

using khung::Error;
using khung::ErrorCode;
using khung::Image;

// A template as the page knows it: its size, the layers below and above the
// photo, and the window the photo is drawn through.
struct FrameTemplate {
  Image under, over;
  khung::WindowMask window;
};

enum class Shape : int { Auto = 0, Circle = 1, Rect = 2 };

char* copy_message(const char* text) {
  const std::size_t n = std::strlen(text);
  char* out = static_cast<char*>(std::malloc(n + 1));
  if (out) std::memcpy(out, text, n + 1);
  return out;
}

// Runs `body`; an exception becomes a message in *error and a T{} result
// (null, 0).
template <class T, class Body>
T guarded(char** error, Body body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    *error = copy_message("out of memory: the photo or the frame is too large for this device");
  } catch (const std::exception& e) {
    *error = copy_message(e.what());
  }
  return T{};
}

// A layer's PNG, which must be `width` x `height`: stb's failure reason is
// read at once (it is a static string).
Image decode_layer(const char* name, const std::uint8_t* png, std::size_t size, int width, int height) {
  if (size > static_cast<std::size_t>(INT32_MAX))
    throw Error(ErrorCode::Image, std::string(name) + ": over 2 GB");
  const int length = static_cast<int>(size);
  int w = 0, h = 0, channels = 0;
  if (!stbi_info_from_memory(png, length, &w, &h, &channels))
    throw Error(ErrorCode::Unsupported, std::string(name) + ": not a PNG image");
  if (w != width || h != height)
    throw Error(ErrorCode::InvalidArgument, std::string(name) + ": " + std::to_string(w) + "x" + std::to_string(h) +
                                                ", the template is " + std::to_string(width) + "x" +
                                                std::to_string(height));
  stbi_uc* pixels = stbi_load_from_memory(png, length, &w, &h, &channels, 4);
  if (!pixels) {
    const char* reason = stbi_failure_reason();
    throw Error(ErrorCode::Image, std::string(name) + ": a corrupt or truncated PNG (" +
                                      (reason && *reason ? reason : "no image data") + ")");
  }
  Image image = Image::for_overwrite(w, h);
  for (int y = 0; y < h; ++y) std::memcpy(image.row(y), pixels + image.stride() * y, image.stride());
  stbi_image_free(pixels);
  return image;
}

khung::Placement placement_of(float zoom, float offset_x, float offset_y, float rotate) {
  khung::Placement p;
  p.zoom = zoom;
  p.offset_x = offset_x;
  p.offset_y = offset_y;
  p.rotate = rotate;
  return p;
}

}  // namespace

// Memory for the caller to fill (PNG bytes) or an error message to free.
KHUNG_EXPORT(khung_alloc) void* khung_alloc(std::size_t size) { return std::malloc(size ? size : 1); }
KHUNG_EXPORT(khung_free) void khung_free(void* p) { std::free(p); }

// A template of width x height: `under` (PNG, may be absent: size 0) and
// `over` (PNG), both of the template's size; the window by shape: 0 auto
// (the transparent hole of `over`, as find_window says), 1 a circle in the
// box, 2 a rectangle in the box with corner radius `radius`.
KHUNG_EXPORT(khung_template_new)
FrameTemplate* khung_template_new(const std::uint8_t* under, std::size_t under_size, const std::uint8_t* over,
                                  std::size_t over_size, int width, int height, int shape, int x, int y,
                                  int window_width, int window_height, float radius, char** error) {
  return guarded<FrameTemplate*>(error, [&] {
    if (width <= 0 || height <= 0 || static_cast<std::int64_t>(width) * height > Image::max_pixels())
      throw Error(ErrorCode::InvalidArgument, "template size " + std::to_string(width) + "x" +
                                                  std::to_string(height) + ": must be positive and at most " +
                                                  std::to_string(Image::max_pixels()) + " pixels");
    auto t = std::make_unique<FrameTemplate>();
    if (under_size > 0) t->under = decode_layer("under.png", under, under_size, width, height);
    if (over_size == 0) throw Error(ErrorCode::InvalidArgument, "over.png: missing");
    t->over = decode_layer("over.png", over, over_size, width, height);
    const khung::Rect box{x, y, window_width, window_height};
    switch (static_cast<Shape>(shape)) {
      case Shape::Auto: t->window = khung::find_window(t->over); break;
      case Shape::Circle: t->window = khung::circle_window(box); break;
      case Shape::Rect: t->window = khung::rect_window(box, radius); break;
      default: throw Error(ErrorCode::InvalidArgument, "window shape " + std::to_string(shape) + ": unknown");
    }
    return t.release();
  });
}

KHUNG_EXPORT(khung_template_free) void khung_template_free(FrameTemplate* t) { delete t; }

// The window's bounding box: four ints at `out` (x, y, width, height).
KHUNG_EXPORT(khung_template_window) void khung_template_window(const FrameTemplate* t, int* out) {
  const khung::Rect& r = t->window.rect;
  out[0] = r.x;
  out[1] = r.y;
  out[2] = r.width;
  out[3] = r.height;
}

// An image of width x height whose pixels (khung_image_pixels) the caller
// fills with straight-alpha RGBA.
KHUNG_EXPORT(khung_image_new) Image* khung_image_new(int width, int height, char** error) {
  return guarded<Image*>(error, [&] {
    if (width <= 0 || height <= 0)
      throw Error(ErrorCode::InvalidArgument,
                  "photo size " + std::to_string(width) + "x" + std::to_string(height) + ": must be positive");
    return new Image(Image::for_overwrite(width, height));
  });
}

KHUNG_EXPORT(khung_image_free) void khung_image_free(Image* image) { delete image; }
KHUNG_EXPORT(khung_image_pixels) std::uint8_t* khung_image_pixels(Image* image) { return image->row(0); }
KHUNG_EXPORT(khung_image_width) int khung_image_width(const Image* image) { return image->width(); }
KHUNG_EXPORT(khung_image_height) int khung_image_height(const Image* image) { return image->height(); }

// photo_cover_size of the template's window: two ints at `out`; 0 on
// failure (a placement out of range).
KHUNG_EXPORT(khung_cover_size)
int khung_cover_size(const FrameTemplate* t, float zoom, float offset_x, float offset_y, float rotate, int* out,
                     char** error) {
  return guarded<int>(error, [&] {
    const khung::Size s = khung::photo_cover_size(t->window.rect, placement_of(zoom, offset_x, offset_y, rotate));
    out[0] = s.width;
    out[1] = s.height;
    return 1;
  });
}

// settle() for this photo in the template's window: the offsets that draw
// the same, back where the photo stops moving: two floats at `out`; 0 on
// failure (a placement out of range).
KHUNG_EXPORT(khung_settle)
int khung_settle(const FrameTemplate* t, const Image* photo, float zoom, float offset_x, float offset_y, float rotate,
                 float* out, char** error) {
  return guarded<int>(error, [&] {
    const khung::Placement p = khung::settle({photo->width(), photo->height()}, t->window.rect,
                                             placement_of(zoom, offset_x, offset_y, rotate));
    out[0] = p.offset_x;
    out[1] = p.offset_y;
    return 1;
  });
}

// The framed photo (frame_between), `output_width` px wide when `has_width`
// is set, composited onto white when `flatten` is set (what a JPEG keeps).
KHUNG_EXPORT(khung_frame)
Image* khung_frame(const FrameTemplate* t, const Image* photo, float zoom, float offset_x, float offset_y,
                   float rotate, int has_width, int output_width, int flatten, char** error) {
  return guarded<Image*>(error, [&] {
    std::optional<int> width;
    if (has_width) width = output_width;
    Image out = khung::frame_between(t->under, *photo, t->window, t->over,
                                     placement_of(zoom, offset_x, offset_y, rotate), width);
    if (flatten) khung::flatten_onto_white(out);
    return new Image(std::move(out));
  });
}
