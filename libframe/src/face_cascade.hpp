#pragma once
// OpenCV's frontal face Haar cascade, shared by every thread that asks.

#include <opencv2/core.hpp>

#include <vector>

namespace khung::detail {

// Runs the frontal face cascade on an 8-bit grayscale image and returns
// every detection (image pixels), faces smaller than min_size px ignored.
// The cascade file is KHUNG_CASCADE when set, else the one from Debian's
// opencv-data; it is loaded on first use. Thread-safe: a classifier is not
// (it keeps per-image buffers), so each concurrent caller borrows its own
// from a pool that grows to the number of simultaneous callers.
// Throws Error(Io) naming the path when the cascade is missing or unreadable.
std::vector<cv::Rect> find_faces(const cv::Mat& gray, int min_size);

}  // namespace khung::detail
