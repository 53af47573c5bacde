#pragma once
// Face search with OpenCV's frontal face Haar cascade, in the face module
// (libkhung-face.so, face_module.cpp), opened on first use.

#include <opencv2/core.hpp>

#include <vector>

namespace khung::detail {

// Runs the frontal face cascade on an 8-bit grayscale image and returns
// every detection (image pixels), faces smaller than min_size px ignored.
// The cascade file is KHUNG_CASCADE when set, else the one from Debian's
// opencv-data; it is loaded on first use. Thread-safe: each concurrent
// caller borrows its own classifier from a pool.
// The module is KHUNG_FACE_MODULE when set, else libkhung-face.so beside the
// executable or shared object that holds this library, else the one built
// with it. Throws Error(Io) naming the path when the module or the cascade
// is missing or unreadable.
std::vector<cv::Rect> find_faces(const cv::Mat& gray, int min_size);

}  // namespace khung::detail
