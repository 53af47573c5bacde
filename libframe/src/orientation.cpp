#include "orientation.hpp"

#include <opencv2/core.hpp>

#include <utility>

namespace khung::detail {

namespace {

cv::Mat view(Image& image) { return {image.height(), image.width(), CV_8UC4, image.row(0)}; }

}  // namespace

Image apply_orientation(Image stored, int orientation) {
  if (orientation < 2 || orientation > 8 || stored.empty()) return stored;
  cv::Mat src = view(stored);
  switch (orientation) {
    case 2: cv::flip(src, src, 1); return stored;
    case 3: cv::flip(src, src, -1); return stored;
    case 4: cv::flip(src, src, 0); return stored;
    default: break;
  }
  Image upright = Image::for_overwrite(stored.height(), stored.width());
  cv::Mat dst = view(upright);
  switch (orientation) {
    case 5: cv::transpose(src, dst); break;
    case 6: cv::rotate(src, dst, cv::ROTATE_90_CLOCKWISE); break;
    case 7:
      cv::transpose(src, dst);
      cv::flip(dst, dst, -1);
      break;
    case 8: cv::rotate(src, dst, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: break;
  }
  return upright;
}

}  // namespace khung::detail
