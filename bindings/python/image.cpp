// khung.Image: an RGBA result that saves, encodes, and goes to and from
// numpy arrays; its pixels are also exported by the buffer protocol.

#include "bindings.hpp"
#include "khung/codec.hpp"
#include "khung/error.hpp"


#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <string>

namespace py = pybind11;

namespace khung::python {
namespace {

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

EncodeOptions encode_options(std::optional<int> quality) {
  EncodeOptions options;
  if (quality) options.quality = *quality;
  return options;
}

py::array_t<std::uint8_t> to_numpy(const Image& image) {
  py::array_t<std::uint8_t> out({py::ssize_t{image.height()}, py::ssize_t{image.width()}, py::ssize_t{4}});
  std::uint8_t* dst = out.mutable_data();
  std::span<const std::uint8_t> src = image.bytes();
  {
    py::gil_scoped_release release;
    if (!src.empty()) std::memcpy(dst, src.data(), src.size());
  }
  return out;
}

}  // namespace

Image image_from_array(const py::array& array, std::string_view what) {
  const std::string name(what);
  const py::dtype dtype = array.dtype();
  if (dtype.kind() != 'u' || dtype.itemsize() != 1)
    throw Error(ErrorCode::Image, name + ": dtype " + dtype.attr("name").cast<std::string>() +
                                      ": expected uint8 (0..255)");
  const py::ssize_t ndim = array.ndim();
  const py::ssize_t channels = ndim == 3 ? array.shape(2) : 1;
  if (!(ndim == 2 || (ndim == 3 && (channels == 3 || channels == 4))))
    throw Error(ErrorCode::Image, name + ": shape " + shape_text(array) +
                                      ": expected HxW (gray), HxWx3 (RGB) or HxWx4 (RGBA)");
  const py::ssize_t height = array.shape(0), width = array.shape(1);
  if (height == 0 || width == 0) throw Error(ErrorCode::Image, name + ": shape " + shape_text(array) + ": is empty");
  if (height > Image::max_pixels() / width)
    throw Error(ErrorCode::Image, name + " " + std::to_string(width) + "x" + std::to_string(height) + ": over the " +
                                      std::to_string(Image::max_pixels()) + "-pixel limit");

  // Strides are in bytes and may be anything numpy allows (negative for a
  // reversed view, 0 for a broadcast one), so every pixel is addressed.
  const auto* base = static_cast<const std::uint8_t*>(array.data());
  const py::ssize_t sy = array.strides(0), sx = array.strides(1), sc = ndim == 3 ? array.strides(2) : 0;
  Image image(static_cast<int>(width), static_cast<int>(height));
  py::gil_scoped_release release;  // `array` keeps the buffer alive
  for (py::ssize_t y = 0; y < height; ++y) {
    std::uint8_t* out = image.row(static_cast<int>(y));
    const std::uint8_t* in_row = base + y * sy;
    for (py::ssize_t x = 0; x < width; ++x, out += 4) {
      const std::uint8_t* p = in_row + x * sx;
      if (channels == 1) {
        out[0] = out[1] = out[2] = p[0];
        out[3] = 255;
      } else {
        out[0] = p[0];
        out[1] = p[sc];
        out[2] = p[2 * sc];
        out[3] = channels == 4 ? p[3 * sc] : 255;
      }
    }
  }
  return image;
}

void bind_image(py::module_& m) {
  py::class_<Image> cls(m, "Image", py::buffer_protocol(), R"doc(An RGBA image: 8 bits a channel, straight (not premultiplied) alpha, rows top
to bottom, channels in memory order R, G, B, A, in sRGB: files read with an
embedded colour profile are converted to sRGB, and arrays given to
from_numpy() are taken as sRGB.

khung.render(), Template.render() and khung.text() return one;
Image.from_numpy() makes one from an array. numpy.asarray(image) is a
read-only HxWx4 uint8 view of its pixels (no copy); to_numpy() is a writable
copy, and PIL.Image.fromarray(image.to_numpy()) gives a Pillow RGBA image.
)doc");
  cls.attr("__module__") = "khung";
  cls.def_property_readonly("width", &Image::width, "Width in pixels.")
      .def_property_readonly("height", &Image::height, "Height in pixels.")
      .def(
          "save",
          [](const Image& image, const std::filesystem::path& path, std::optional<int> quality) {
            py::gil_scoped_release release;
            save_image(image, path, encode_options(quality));
          },
          py::arg("path"), py::arg("quality") = py::none(), R"doc(Writes the image to a file; the extension picks the format: .png, .jpg or
.jpeg (alpha flattened onto white, 4:2:0), .webp (alpha kept). quality is
for JPEG and WebP, 1 to 100 (default 90). The file is written under a
temporary name and renamed, so a failure leaves no partial file.

Raises khung.Error for another extension or a quality out of range, and
khung.FileError (an OSError) when the folder is missing or not writable.

    image.save("cover.jpg", quality=85)
)doc")
      .def(
          "encode",
          [](const Image& image, const std::string& format, std::optional<int> quality) {
            ImageFormat f = parse_image_format(format);
            std::vector<std::uint8_t> bytes;
            {
              py::gil_scoped_release release;
              bytes = encode_image(image, f, encode_options(quality));
            }
            return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
          },
          py::arg("format"), py::arg("quality") = py::none(), R"doc(The image as the bytes of a file: format is 'png', 'jpeg' (or 'jpg') or
'webp'; quality as for save(). Raises khung.Error for another format or a
quality out of range, khung.ImageError when the encoder fails (WebP over
16383 pixels a side).

    png = image.encode("png")
)doc")
      .def("to_numpy", &to_numpy, R"doc(A copy of the pixels as a writable numpy array of shape (height, width, 4),
dtype uint8, channels R, G, B, A (straight alpha), in sRGB.
)doc")
      .def_static(
          "from_numpy", [](const py::array& array) { return image_from_array(array, "array"); }, py::arg("array"),
          R"doc(An image copied from a uint8 numpy array of shape HxW (gray), HxWx3 (RGB) or
HxWx4 (RGBA, straight alpha), with any strides (slices, transposes and
reversed views work). The values are taken as sRGB (convert other colour
spaces first). Gray and RGB become opaque. Raises khung.ImageError for
another dtype or shape, naming what was given.

    image = khung.Image.from_numpy(numpy.asarray(pil_image.convert("RGB")))
)doc")
      .def("__eq__", [](const Image& a, const Image& b) { return a == b; }, py::is_operator(),
           "Same size and the same bytes in every pixel.")
      .def("__repr__",
           [](const Image& image) {
             return "<khung.Image " + std::to_string(image.width()) + "x" + std::to_string(image.height()) + " RGBA>";
           })
      .def_buffer([](Image& image) {
        return py::buffer_info(image.row(0), 1, py::format_descriptor<std::uint8_t>::format(), 3,
                               {py::ssize_t{image.height()}, py::ssize_t{image.width()}, py::ssize_t{4}},
                               {static_cast<py::ssize_t>(image.stride()), py::ssize_t{4}, py::ssize_t{1}},
                               /*readonly=*/true);
      });
}

}  // namespace khung::python
