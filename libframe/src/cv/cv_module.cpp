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

}  // namespace

#define KHUNG_EXPORT extern "C" __attribute__((visibility("default")))

KHUNG_EXPORT int khung_cv_blur(std::uint8_t* mask, int width, int height, int ksize, double sigma, char* error,
                               std::size_t error_size) {
  return guarded(error, error_size, [&] {
    cv::Mat m(height, width, CV_8UC1, mask);
    cv::GaussianBlur(m, m, cv::Size(ksize, ksize), sigma, sigma, cv::BORDER_CONSTANT);
    return 0;
  });
}
