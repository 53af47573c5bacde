// The _khung extension: templates, rendering and text, over the same library
// calls as the CLI (Template::load, render_template, layout_line and
// render_text). Every call into the library that draws, decodes or encodes
// releases the GIL, so threads render at once.

#include "bindings.hpp"
#include "khung/error.hpp"
#include "khung/render.hpp"
#include "khung/template.hpp"
#include "khung/template_cache.hpp"
#include "khung/text.hpp"
#include "khung/version.hpp"


#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace khung::python {
namespace {

std::string type_name(py::handle obj) { return py::str(py::type::handle_of(obj).attr("__name__")); }

// A str, bytes or os.PathLike as text (os.fsdecode); TypeError for others.
std::string fs_text(py::handle obj) { return py::module_::import("os").attr("fsdecode")(obj).cast<std::string>(); }

// The templates khung.render loads by id or path, kept while their file is
// unchanged (a fresh load costs ten times a banner's render).
constexpr std::size_t kCachedTemplates = 32;
TemplateCache& render_cache() {
  static TemplateCache cache(kCachedTemplates);
  return cache;
}

// A template argument: a khung.Template, a str (a bundled id or a path, as
// the CLI reads it) or an os.PathLike (always a path). Loaded through
// `cache` when given, else afresh.
Template to_template(py::handle obj, TemplateCache* cache = nullptr) {
  if (py::isinstance<Template>(obj)) return obj.cast<Template>();
  auto load = [cache](const std::string& text) {
    py::gil_scoped_release release;
    return cache ? cache->load(text) : Template::load(text);
  };
  if (py::isinstance<py::str>(obj)) return load(obj.cast<std::string>());
  if (py::hasattr(obj, "__fspath__")) {
    std::string path = fs_text(obj);
    // Template::load takes text without a '/' and not ending in .json for an id.
    if (path.find('/') == std::string::npos) path = "./" + path;
    return load(path);
  }
  throw py::type_error("template: expected a khung.Template, a template id or a path, got " + type_name(obj));
}

Fields to_fields(py::handle obj) {
  Fields fields;
  if (obj.is_none()) return fields;
  if (!py::hasattr(obj, "items")) throw py::type_error("fields: expected a dict of str to str, got " + type_name(obj));
  for (py::handle item : obj.attr("items")()) {
    auto pair = item.cast<py::tuple>();
    if (!py::isinstance<py::str>(pair[0]))
      throw py::type_error("fields: keys must be str, got " + type_name(pair[0]));
    std::string name = pair[0].cast<std::string>();
    if (!py::isinstance<py::str>(pair[1]))
      throw py::type_error("fields['" + name + "']: expected str, got " + type_name(pair[1]));
    fields[name] = pair[1].cast<std::string>();
  }
  return fields;
}

bool numpy_array(py::handle obj) {
  // Only an array if numpy is loaded: checking would otherwise import it.
  return py::module_::import("sys").attr("modules").contains("numpy") && py::isinstance<py::array>(obj);
}

// A photo argument held in the form PhotoInput points into, alive for the
// render: the bytes object (immutable, viewed in place), a copy of a
// mutable buffer, the pixels of an array, or a khung.Image.
struct Photo {
  py::object keep;
  std::vector<std::uint8_t> copy;
  Image pixels;
  PhotoInput input;
};

void convert_photo(py::handle obj, Photo& photo) {
  if (obj.is_none()) return;
  if (py::isinstance<py::bytes>(obj)) {
    photo.keep = py::reinterpret_borrow<py::object>(obj);
    char* data = nullptr;
    Py_ssize_t size = 0;
    if (PyBytes_AsStringAndSize(obj.ptr(), &data, &size) != 0) throw py::error_already_set();
    photo.input.bytes = {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)};
  } else if (py::isinstance<py::bytearray>(obj) || py::isinstance<py::memoryview>(obj)) {
    py::buffer_info info = obj.cast<py::buffer>().request();
    if (info.ndim != 1 || info.itemsize != 1 || info.strides[0] != 1)
      throw py::type_error("photo: a memoryview must be contiguous bytes (the encoded file)");
    const auto* data = static_cast<const std::uint8_t*>(info.ptr);
    photo.copy.assign(data, data + info.size);
    photo.input.bytes = photo.copy;
  } else if (py::isinstance<Image>(obj)) {
    photo.keep = py::reinterpret_borrow<py::object>(obj);
    photo.input.image = obj.cast<const Image*>();
  } else if (numpy_array(obj)) {
    photo.pixels = image_from_array(obj.cast<py::array>(), "photo array");
    photo.input.image = &photo.pixels;
  } else if (py::isinstance<py::str>(obj) || py::hasattr(obj, "__fspath__")) {
    photo.input.path = obj.cast<std::filesystem::path>();
  } else {
    throw py::type_error("photo: expected a path, bytes, a numpy array or a khung.Image, got " + type_name(obj));
  }
}

// A UserWarning with the CLI's words (after "khung: warning: ").
void warn(const std::string& message) {
  if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 1) != 0) throw py::error_already_set();
}

Image render_image(const Template& tpl, py::handle photo_arg, py::handle fields, float zoom, std::pair<float, float> offset,
             float rotate, const std::string& focus, std::optional<int> width) {
  RenderOptions options;
  options.fields = to_fields(fields);
  options.placement = {zoom, offset.first, offset.second, rotate, parse_focus(focus)};
  options.output_width = width;
  Photo photo;
  convert_photo(photo_arg, photo);
  options.photo = photo.input;
  RenderResult result;
  {
    py::gil_scoped_release release;
    result = render_with_warnings(tpl, options);
  }
  for (const RenderWarning& w : result.warnings) warn(w.where + ": " + w.message);
  return std::move(result.image);
}

Image text_image(const std::string& string, const py::object& font, float size, const std::string& color, int weight, bool italic,
           std::optional<int> margin) {
  TextStyle style;
  style.font = {fs_text(font), weight, italic};
  style.size = size;
  style.color = parse_color(color);
  TextLayout layout;
  Image image;
  {
    py::gil_scoped_release release;
    layout = layout_line(string, style);
    image = render_text(layout, style, margin.value_or(default_margin(style.size)));
  }
  if (!layout.missing.empty()) warn("text: " + missing_characters_message(layout.missing));
  return image;
}

constexpr const char* kRenderArgs = R"doc(photo: the member's photo for a frame: a path (str or os.PathLike), the bytes
    of a file (JPEG with EXIF orientation, PNG, WebP, HEIC, GIF, BMP, TGA,
    PSD; up to 20 MB and 50 megapixels), a uint8 numpy array (HxW gray, HxWx3
    RGB, HxWx4 RGBA; any strides) or a khung.Image. None for a banner. A
    file's embedded colour profile (ICC, or HEIC's nclx) is converted to
    sRGB; an array or Image is taken as sRGB. The result is sRGB, untagged.
fields: the values of the template's {{field}} placeholders, str to str.
zoom: 1 (the photo just covers its window) to 10.
offset: (dx, dy), fractions of the window from -1 to 1; + moves the photo
    right and down.
rotate: degrees clockwise, -360 to 360.
focus: 'center', or 'face' to centre on the largest face.
width: the output width in px, 16 to 4 times the template's (the height
    keeps the aspect); None: the template's own size. 0 is refused.

A character no font has is left blank, with a UserWarning naming the field
and the character ("field 'unit': no font has U+1F389; it is left blank").
Raises khung.Error for an unknown or missing field, a photo given to a banner
or none to a frame, or a placement out of range; khung.ImageError or
khung.FileError for a photo that cannot be read; khung.LayoutError when text
cannot fit. Releases the GIL while it renders.)doc";

}  // namespace
}  // namespace khung::python

PYBIND11_MODULE(_khung, m) {
  using namespace khung;
  using namespace khung::python;
  m.doc() = "The compiled part of the khung package; import khung instead.";
  m.attr("__version__") = version();

  bind_errors(m);
  bind_image(m);

  py::class_<TemplateField> field(m, "Field", "A {{placeholder}} of a template's text.");
  field.attr("__module__") = "khung";
  field.def_readonly("name", &TemplateField::name, "The name inside {{ }}.")
      .def_readonly("label", &TemplateField::label, "A label for forms (the name when the template gives none).")
      .def_readonly("sample", &TemplateField::sample, "A sample value (the demo and khung check use it).")
      .def_readonly("default", &TemplateField::default_value,
                    "The value used when the field is left out, or None when it is required.")
      .def("__repr__", [](const TemplateField& f) {
        return py::str("Field(name={!r}, label={!r}, sample={!r}, default={!r})")
            .format(f.name, f.label, f.sample, f.default_value);
      });

  py::class_<Template> tpl(m, "Template", R"doc(A template: a canvas with layers, read from JSON (assets/templates/README.md
has the schema). Immutable; one may render from several threads at once.

    cover = khung.Template("cover")                   # a bundled id
    mine = khung.Template("designs/poster.json")      # or a file
)doc");
  tpl.attr("__module__") = "khung";
  tpl.def(py::init([](const py::object& id_or_path) { return to_template(id_or_path); }), py::arg("id_or_path"), R"doc(Loads a template: a str is a bundled id (khung.templates() lists them) or,
when it holds a '/' or ends in .json, a path, as on the command line; an
os.PathLike is always a path. Raises khung.TemplateError for an unknown id or
file (e.code == 'not_found') and for an invalid template (the message names
the file and the JSON path), khung.Error for a malformed id. Always reads the
file and its assets afresh (khung.render(id, ...) reuses a loaded template
while its file is unchanged).
)doc")
      .def_property_readonly("id", &Template::id, "The file name without .json.")
      .def_property_readonly("title", &Template::title, "A human-readable name.")
      .def_property_readonly(
          "kind", [](const Template& t) { return kind_name(t.kind()); }, "'frame' (has a photo slot) or 'banner'.")
      .def_property_readonly(
          "fields", [](const Template& t) { return t.fields(); }, "The fields (khung.Field), in order of first use.")
      .def_property_readonly(
          "size", [](const Template& t) { return py::make_tuple(t.size().width, t.size().height); },
          "(width, height) of the canvas in px.")
      .def_property_readonly("has_photo", &Template::has_photo, "True for a frame: it needs a photo.")
      .def_property_readonly("path", &Template::path, "The template's JSON file.")
      .def(
          "render",
          [](const Template& t, const py::object& photo, const py::object& fields, float zoom, std::pair<float, float> offset,
             float rotate, const std::string& focus, std::optional<int> width) {
            return render_image(t, photo, fields, zoom, offset, rotate, focus, width);
          },
          py::arg("photo") = py::none(), py::arg("fields") = py::none(), py::kw_only(), py::arg("zoom") = 1.0f,
          py::arg("offset") = std::pair<float, float>{0.0f, 0.0f}, py::arg("rotate") = 0.0f,
          py::arg("focus") = "center", py::arg("width") = py::none(),
          (std::string("Renders the template into a new khung.Image, as `khung render` does.\n\n") + kRenderArgs +
           "\n\n    banner = khung.Template(\"cover\").render(fields={\"unit\": \"Công đoàn Điện lực Hà Nội\"})\n")
              .c_str())
      .def("__repr__", [](const Template& t) {
        return py::str("<khung.Template {!r} {} {}x{}>")
            .format(t.id(), kind_name(t.kind()), t.size().width, t.size().height);
      });

  m.def(
      "templates",
      [] {
        py::gil_scoped_release release;
        return list_templates();
      },
      R"doc(The bundled templates, sorted by id (what `khung templates` lists). Raises
khung.TemplateError if one of them is invalid.
)doc");

  m.def(
      "render",
      [](const py::object& t, const py::object& photo, const py::object& fields, float zoom, std::pair<float, float> offset, float rotate,
         const std::string& focus, std::optional<int> width) {
        return render_image(to_template(t, &render_cache()), photo, fields, zoom, offset, rotate, focus, width);
      },
      py::arg("template"), py::arg("photo") = py::none(), py::arg("fields") = py::none(), py::kw_only(),
      py::arg("zoom") = 1.0f, py::arg("offset") = std::pair<float, float>{0.0f, 0.0f}, py::arg("rotate") = 0.0f,
      py::arg("focus") = "center", py::arg("width") = py::none(),
      (std::string("Renders a template (a khung.Template, a bundled id or a path) into a new khung.Image:\n"
                   "khung.Template(template).render(...) in one call.\n\n"
                   "A template named by id or path is loaded once and reused while its JSON file keeps\n"
                   "its modification time and size (a changed file is read again; an asset edited\n"
                   "alone is not noticed: khung.Template() always reads afresh). At most 32 are kept,\n"
                   "the least recently used dropped first; the cache is shared by all threads and\n"
                   "safe to use from several at once.\n\n") +
       kRenderArgs + "\n\n    avatar = khung.render(\"frame-ring\", \"me.jpg\", zoom=1.2, focus=\"face\")\n")
          .c_str());

  m.def("text", &text_image, py::arg("string"), py::arg("font"), py::arg("size"), py::arg("color") = "black",
        py::kw_only(), py::arg("weight") = 400, py::arg("italic") = false, py::arg("margin") = py::none(), R"doc(One line of shaped text on a transparent image tight to its ink plus a
margin, as `khung text` draws it.

string: the text (UTF-8 str; no line breaks).
font: a font file (str or os.PathLike, .ttf/.otf) or a bundled family
    ('Noto Sans', 'Noto Serif').
size: the em size in px, 1 to 2048.
color: '#RGB', '#RRGGBB', '#RRGGBBAA', 'black', 'white' or 'transparent'.
weight: 100 to 900 (400 regular, 700 bold) when font is a family.
italic: the italic style when font is a family.
margin: px around the ink; None: an eighth of the size, at least 2.

A character no font has is left blank, with a UserWarning naming it
("text: no font has U+4E2D; it is left blank"; several in one warning). Raises khung.Error for empty
text, a line break, a bad size or colour, or an unknown font.

    title = khung.text("Tự hào trí tuệ lao động Việt Nam", "Noto Serif", 64, "#C8102E")
)doc");

  m.def(
      "_set_default_data_dir", [](const std::filesystem::path& dir) { set_default_data_dir(dir); }, py::arg("dir"),
      "For khung/__init__.py: the packaged fonts/ and assets/ (KHUNG_DATA_DIR still wins).");
}
