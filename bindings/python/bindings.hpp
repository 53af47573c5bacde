#pragma once
// The parts of the _khung extension, each bound in its own file. Parsing
// and formatting only: every operation is one call into libframe. Every
// file includes the same pybind11 casters (stl, filesystem) through here, so
// a type converts the same way everywhere.

#include "khung/image.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <string_view>

namespace khung::python {

// errors.cpp: khung.Error and its subclasses, and the one place a
// khung::Error becomes a Python exception.
void bind_errors(pybind11::module_& m);

// image.cpp: khung.Image (save, encode, numpy in and out, buffer protocol).
void bind_image(pybind11::module_& m);

// A copy of a uint8 array of shape HxW (gray), HxWx3 (RGB) or HxWx4 (RGBA),
// with any strides, as an RGBA image (gray and RGB get alpha 255). `what`
// starts the messages ("photo array"). Throws Error(Image) for another dtype
// or shape, an empty array, or one over Image::max_pixels(). Call with the
// GIL held; it releases the GIL for the copy.
Image image_from_array(const pybind11::array& array, std::string_view what);

}  // namespace khung::python
