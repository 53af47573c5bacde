// The OpenCV module, libkhung-cv.so: every use of OpenCV core and imgproc
// behind the C functions modules.hpp describes, opened by the library on
// first need (a process that never needs them does not load OpenCV).

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

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
// threads it chooses (a frame's window is found while the photo decodes on
// the other core, and a pool's workers would take that core from it).
const bool kSequential = [] {
  cv::setNumThreads(0);
  return true;
}();

cv::Mat rgba(const std::uint8_t* data, int width, int height, std::size_t stride) {
  return {height, width, CV_8UC4, const_cast<std::uint8_t*>(data), stride};
}

// The bounding box of the 255s of a mask of 0s and 255s (memchr and memrchr
// are vectorised; OpenCV's boundingRect of a mask is not).
cv::Rect mask_box(const cv::Mat& mask) {
  int x0 = mask.cols, x1 = -1, y0 = -1, y1 = -1;
  for (int y = 0; y < mask.rows; ++y) {
    const auto* row = mask.ptr<std::uint8_t>(y);
    const void* first = std::memchr(row, 255, static_cast<std::size_t>(mask.cols));
    if (!first) continue;
    const void* last = memrchr(row, 255, static_cast<std::size_t>(mask.cols));
    x0 = std::min(x0, static_cast<int>(static_cast<const std::uint8_t*>(first) - row));
    x1 = std::max(x1, static_cast<int>(static_cast<const std::uint8_t*>(last) - row));
    if (y0 < 0) y0 = y;
    y1 = y;
  }
  return y0 < 0 ? cv::Rect() : cv::Rect(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
}

}  // namespace

#define KHUNG_EXPORT extern "C" __attribute__((visibility("default")))

KHUNG_EXPORT int khung_cv_find_window(const std::uint8_t* pixels, int width, int height, std::size_t stride,
                                      int reach, int box_out[4], std::uint8_t** coverage_out, char* error,
                                      std::size_t error_size) {
  return guarded(error, error_size, [&] {
    cv::Mat alpha;
    cv::extractChannel(rgba(pixels, width, height, stride), alpha, 3);
    cv::Mat holes, labels, stats, centroids;
    cv::threshold(alpha, holes, 127, 255, cv::THRESH_BINARY_INV);
    // Components are labelled only inside the box of all holes (most of an
    // overlay is opaque). 4-connectivity: two holes touching only at a
    // corner stay two windows.
    const cv::Rect holes_box = mask_box(holes);
    if (holes_box.empty()) return 0;
    const int count = cv::connectedComponentsWithStats(holes(holes_box), labels, stats, centroids, 4, CV_32S);
    int best = 0;
    for (int i = 1; i < count; ++i)
      if (best == 0 || stats.at<int>(i, cv::CC_STAT_AREA) > stats.at<int>(best, cv::CC_STAT_AREA)) best = i;
    if (best == 0) return 0;
    // The edge under the overlay: every pixel within `reach` of the hole
    // (centre to centre) that is not opaque, a dilation by a disc, done
    // only around the hole's box.
    const cv::Rect hole_box(holes_box.x + stats.at<int>(best, cv::CC_STAT_LEFT),
                            holes_box.y + stats.at<int>(best, cv::CC_STAT_TOP), stats.at<int>(best, cv::CC_STAT_WIDTH),
                            stats.at<int>(best, cv::CC_STAT_HEIGHT));
    const cv::Rect around = (hole_box + cv::Point(-reach, -reach) + cv::Size(2 * reach, 2 * reach)) &
                            cv::Rect(0, 0, alpha.cols, alpha.rows);
    cv::Mat hole = cv::Mat::zeros(around.size(), CV_8U);
    const cv::Rect shared = around & holes_box;
    hole(shared - around.tl()).setTo(255, labels(shared - holes_box.tl()) == best);
    cv::Mat disc(2 * reach + 1, 2 * reach + 1, CV_8U);
    for (int dy = -reach; dy <= reach; ++dy)
      for (int dx = -reach; dx <= reach; ++dx)
        disc.at<std::uint8_t>(dy + reach, dx + reach) = dx * dx + dy * dy <= reach * reach ? 1 : 0;
    cv::Mat near;
    cv::dilate(hole, near, disc, cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::Mat coverage = hole | (near & (alpha(around) < 255));
    const cv::Rect box = mask_box(coverage);
    auto* out = static_cast<std::uint8_t*>(std::malloc(static_cast<std::size_t>(box.width) * box.height));
    if (!out) throw std::bad_alloc();
    cv::Mat view(box.height, box.width, CV_8UC1, out);
    coverage(box).copyTo(view);
    box_out[0] = box.x + around.x;
    box_out[1] = box.y + around.y;
    box_out[2] = box.width;
    box_out[3] = box.height;
    *coverage_out = out;
    return 1;
  });
}

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

KHUNG_EXPORT int khung_cv_orient(std::uint8_t* src, int width, int height, std::uint8_t* dst, int orientation,
                                 char* error, std::size_t error_size) {
  return guarded(error, error_size, [&] {
    cv::Mat s = rgba(src, width, height, 4 * static_cast<std::size_t>(width));
    cv::Mat d = orientation >= 5 ? rgba(dst, height, width, 4 * static_cast<std::size_t>(height)) : cv::Mat();
    switch (orientation) {
      case 2: cv::flip(s, s, 1); break;
      case 3: cv::flip(s, s, -1); break;
      case 4: cv::flip(s, s, 0); break;
      case 5: cv::transpose(s, d); break;
      case 6: cv::rotate(s, d, cv::ROTATE_90_CLOCKWISE); break;
      case 7:
        cv::transpose(s, d);
        cv::flip(d, d, -1);
        break;
      case 8: cv::rotate(s, d, cv::ROTATE_90_COUNTERCLOCKWISE); break;
      default: break;
    }
    return 0;
  });
}

KHUNG_EXPORT int khung_cv_transpose(const std::uint8_t* src, int width, int height, std::size_t src_stride,
                                    std::uint8_t* dst, std::size_t dst_stride, char* error, std::size_t error_size) {
  return guarded(error, error_size, [&] {
    cv::Mat out = rgba(dst, height, width, dst_stride);
    cv::transpose(rgba(src, width, height, src_stride), out);
    return 0;
  });
}
