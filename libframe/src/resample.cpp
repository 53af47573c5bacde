#include "resample.hpp"

#include "khung/error.hpp"

#include <opencv2/imgproc.hpp>

namespace khung::detail {
Image resize_image(const Image& image, Size size) {
  if (size.width <= 0 || size.height <= 0)
    throw Error(ErrorCode::InvalidArgument,
                "size " + std::to_string(size.width) + "x" + std::to_string(size.height) + ": must not be empty");
  if (size == Size{image.width(), image.height()}) return image;
  Image out(size.width, size.height);
  cv::Mat src(image.height(), image.width(), CV_8UC4, const_cast<std::uint8_t*>(image.bytes().data()));
  cv::Mat dst(size.height, size.width, CV_8UC4, out.row(0));
  const bool shrinking = size.width <= image.width() && size.height <= image.height();
  const int filter = shrinking ? cv::INTER_AREA : cv::INTER_CUBIC;
  if (image.opaque()) {
    cv::resize(src, dst, dst.size(), 0, 0, filter);
    return out;
  }
  // Premultiply in float so the alpha-weighted colours survive the filter.
  cv::Mat f, channels[4];
  src.convertTo(f, CV_32FC4, 1.0 / 255);
  cv::split(f, channels);
  for (int c = 0; c < 3; ++c) channels[c] = channels[c].mul(channels[3]);
  cv::merge(channels, 4, f);
  cv::Mat g;
  cv::resize(f, g, dst.size(), 0, 0, filter);
  cv::split(g, channels);
  cv::max(channels[3], 0.0, channels[3]);
  cv::min(channels[3], 1.0, channels[3]);
  cv::Mat safe_alpha;
  cv::max(channels[3], 1e-6, safe_alpha);
  for (int c = 0; c < 3; ++c) cv::divide(channels[c], safe_alpha, channels[c]);
  cv::merge(channels, 4, g);
  g.convertTo(dst, CV_8UC4, 255.0);  // saturating
  return out;
}

}  // namespace khung::detail
