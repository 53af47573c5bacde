// The OpenCV module, libkhung-cv.so: every use of OpenCV core and imgproc
// behind the C functions modules.hpp describes, opened by the library on
// first need (a process that never needs them does not load OpenCV).

#include <opencv2/imgproc.hpp>

#include <cstdint>
#include <cstring>
#include <exception>

namespace {

// Runs `body`, turning any exception into -1 and its message.
template <class Body>
int guarded(char* error, std::size_t error_size, Body body) {
  try {
    return body();
  } catch (const std::exception& e) {
    if (error_size > 0) {
      std::strncpy(error, e.what(), error_size - 1);
      error[error_size - 1] = '\0';
    }
    return -1;
  }
}

// OpenCV's own thread pool stays off: the library runs its work on the
// threads it chooses (a service renders one request per core, and a pool's
// workers would take the other cores from them).
const bool kSequential = [] {
  cv::setNumThreads(0);
  return true;
}();

cv::Mat rgba(const std::uint8_t* data, int width, int height, std::size_t stride) {
  return {height, width, CV_8UC4, const_cast<std::uint8_t*>(data), stride};
}

}  // namespace

#define KHUNG_EXPORT extern "C" __attribute__((visibility("default")))

KHUNG_EXPORT int khung_cv_warp_cubic(const std::uint8_t* src, int src_width, int src_height, std::size_t src_stride,
                                     std::uint8_t* dst, int dst_width, int dst_height, std::size_t dst_stride,
                                     const double m[6], char* error, std::size_t error_size) {
  return guarded(error, error_size, [&] {
    cv::Mat out = rgba(dst, dst_width, dst_height, dst_stride);
    cv::warpAffine(rgba(src, src_width, src_height, src_stride), out, cv::Matx23d(m), out.size(), cv::INTER_CUBIC,
                   cv::BORDER_REPLICATE);
    return 0;
  });
}

KHUNG_EXPORT int khung_cv_blur(std::uint8_t* mask, int width, int height, int ksize, double sigma, char* error,
                               std::size_t error_size) {
  return guarded(error, error_size, [&] {
    cv::Mat m(height, width, CV_8UC1, mask);
    cv::GaussianBlur(m, m, cv::Size(ksize, ksize), sigma, sigma, cv::BORDER_CONSTANT);
    return 0;
  });
}
