#pragma once
// The library's two modules, opened with dlopen on first need so that a
// process which never needs them never loads what they link:
//
//   libkhung-cv.so    OpenCV core and imgproc (cv_module.cpp): text-shadow
//                     blur (~5 ms to load, with TBB, LAPACK, GLX and X11
//                     behind them; photos never need it: the photo path is
//                     Khung's own)
//   libkhung-face.so  OpenCV objdetect (face_module.cpp): --focus face
//                     (~3.5 ms more: dnn, protobuf, calib3d)
//
// A module is found as $KHUNG_CV_MODULE / $KHUNG_FACE_MODULE when set, else
// beside the executable or shared object holding this library (the khung
// program's file, however it was started: from PATH or through a symbolic
// link; the Python extension), else where it was built. Each function
// returns 0 on success, or -1 with a message in `error`.

#include "khung/error.hpp"

#include <cstddef>
#include <cstdint>

namespace khung::detail {

struct CvModule {
  // Gaussian blur of an 8-bit mask in place, ksize x ksize, zero outside.
  int (*blur)(std::uint8_t* mask, int width, int height, int ksize, double sigma, char* error,
              std::size_t error_size);
};

struct FaceModule {
  // The largest frontal face in an RGBA photo (x, y, w, h in its pixels);
  // 1 when found, 0 when none.
  int (*find_face)(const std::uint8_t* rgba, int width, int height, std::size_t stride, int face[4], char* error,
                   std::size_t error_size);
};

// Throw Error(Io) naming the module when it cannot be opened.
const CvModule& cv_module();
const FaceModule& face_module();

// The message buffer of one module call: check() throws Error(code) with
// it when the call returned -1, else passes the result on.
struct ModuleCall {
  char error[512] = {};
  int check(int result, ErrorCode code = ErrorCode::Image) const;
};

}  // namespace khung::detail
