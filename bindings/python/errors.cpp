// The exception classes of `khung` and the one mapping from khung::Error.
//
//   ErrorCode                      Python class
//   Template, NotFound             TemplateError   (an invalid template, an unknown id or file)
//   Image, Unsupported             ImageError      (an unreadable or unsupported photo, a bad array)
//   Layout                         LayoutError     (text that cannot fit)
//   Io                             FileError       (also an OSError: a file cannot be read or written)
//   InvalidArgument, Font          Error itself    (a bad parameter, field, colour, font)
//
// Every class derives from khung.Error, itself a ValueError. The message is
// e.what(), the text the CLI prints after "khung: error: ", and the
// exception's `code` attribute is error_code_name() ("layout", "io", ...).

#include "bindings.hpp"
#include "khung/error.hpp"

#include <string>

namespace py = pybind11;

namespace khung::python {
namespace {

// Created once at import and kept for the life of the process (the module
// holds them too), so the translator needs no reference counting.
struct ErrorClasses {
  PyObject* error = nullptr;
  PyObject* template_error = nullptr;
  PyObject* image_error = nullptr;
  PyObject* layout_error = nullptr;
  PyObject* file_error = nullptr;
};
ErrorClasses classes;

PyObject* class_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::Template:
    case ErrorCode::NotFound:
      return classes.template_error;
    case ErrorCode::Image:
    case ErrorCode::Unsupported:
      return classes.image_error;
    case ErrorCode::Layout:
      return classes.layout_error;
    case ErrorCode::Io:
      return classes.file_error;
    case ErrorCode::InvalidArgument:
    case ErrorCode::Font:
      break;
  }
  return classes.error;
}

// Sets the Python error for e: an instance of its class with the message and
// the code. Messages may quote user text or file names that are not valid
// UTF-8; those bytes become U+FFFD rather than a UnicodeDecodeError.
void raise(const Error& e) {
  PyObject* cls = class_for(e.code());
  const std::string message = e.what();
  py::object text = py::reinterpret_steal<py::object>(
      PyUnicode_DecodeUTF8(message.data(), static_cast<Py_ssize_t>(message.size()), "replace"));
  if (!text) return;
  py::object exc = py::reinterpret_steal<py::object>(PyObject_CallOneArg(cls, text.ptr()));
  if (!exc) return;
  if (PyObject_SetAttrString(exc.ptr(), "code", py::str(error_code_name(e.code())).ptr()) != 0) return;
  PyErr_SetObject(cls, exc.ptr());
}

PyObject* add_class(py::module_& m, const char* name, PyObject* bases, const char* code, const char* doc) {
  py::dict attributes;
  attributes["code"] = code;
  const std::string qualified = std::string("khung.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, attributes.ptr());
  if (!cls) throw py::error_already_set();
  m.add_object(name, cls);
  return cls;
}

}  // namespace

void bind_errors(py::module_& m) {
  classes.error = add_class(m, "Error", PyExc_ValueError, "invalid_argument",
                            "Every error Khung raises; a ValueError.\n\n"
                            "Raised as itself for a bad parameter (an unknown or missing field, a colour,\n"
                            "a zoom out of range, an unknown font family, an unusable font file). str(e) is\n"
                            "the message the CLI prints, naming the file, field or value at fault; e.code is\n"
                            "a short stable name ('invalid_argument', 'font', 'layout', ...).");
  classes.template_error = add_class(m, "TemplateError", classes.error, "template",
                                     "A template is invalid (the message names the file and JSON path), or there is\n"
                                     "no template with that id or file (code 'not_found').");
  classes.image_error = add_class(m, "ImageError", classes.error, "image",
                                  "A photo or image is corrupt, truncated, over a limit, not in a format Khung\n"
                                  "reads (code 'unsupported'), or cannot be encoded; also a numpy array of the\n"
                                  "wrong dtype or shape.");
  classes.layout_error = add_class(m, "LayoutError", classes.error, "layout",
                                   "Text cannot be laid out as the template asks (it does not fit its box).");
  py::tuple file_bases = py::make_tuple(py::handle(classes.error), py::handle(PyExc_OSError));
  classes.file_error = add_class(m, "FileError", file_bases.ptr(), "io",
                                 "A file cannot be read or written (a missing photo, an unwritable output).\n"
                                 "Also an OSError, so `except OSError` catches it.");

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      raise(e);
    }
  });
}

}  // namespace khung::python
