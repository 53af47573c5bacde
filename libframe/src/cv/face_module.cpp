// The face module, libkhung-face.so: OpenCV's frontal face Haar cascade
// behind one C function (modules.hpp), opened by the library on the first
// face search: objdetect and what it needs (dnn, protobuf, calib3d) cost a
// process about 3.5 ms of start-up, and only --focus face uses them.

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

// Face detection runs on a copy this long on its longest side: plenty for
// the faces of a profile photo, and fast.
constexpr int kFaceSearchSide = 480;

constexpr const char* kCascadeName = "haarcascade_frontalface_default.xml";

// KHUNG_CASCADE, else the first cascade found where OpenCV's data is usually
// installed (the folder found at build time first). When none exists, the
// first candidate, so the error names where it was expected.
std::string cascade_path() {
  if (const char* env = std::getenv("KHUNG_CASCADE"); env && *env) return env;
  static const std::string found = [] {
    std::vector<std::string> candidates;
#ifdef KHUNG_FACE_CASCADE
    candidates.emplace_back(KHUNG_FACE_CASCADE);
#endif
    for (const char* dir : {"/usr/share/opencv4/haarcascades", "/usr/local/share/opencv4/haarcascades",
                            "/usr/share/opencv/haarcascades", "/usr/local/share/opencv/haarcascades"})
      candidates.push_back(std::string(dir) + "/" + kCascadeName);
    for (const std::string& c : candidates) {
      std::error_code ec;
      if (std::filesystem::is_regular_file(c, ec)) return c;
    }
    return candidates.front();
  }();
  return found;
}

std::unique_ptr<cv::CascadeClassifier> load_cascade(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw std::runtime_error("face cascade '" + path + "': not found (install opencv-data or set KHUNG_CASCADE)");
  auto cascade = std::make_unique<cv::CascadeClassifier>();
  bool loaded = false;
  try {
    loaded = cascade->load(path);
  } catch (const cv::Exception&) {
    // A malformed XML file throws from OpenCV's parser; reported below.
  }
  if (!loaded || cascade->empty())
    throw std::runtime_error("face cascade '" + path + "': not a cascade OpenCV can read");
  return cascade;
}

// Idle classifiers for one cascade file. A caller takes one (or loads a new
// one outside the lock) and gives it back when done; when the configured
// path changes, classifiers of the old file are dropped.
class CascadePool {
 public:
  using Classifier = std::unique_ptr<cv::CascadeClassifier>;

  Classifier take(const std::string& path) {
    {
      std::lock_guard lock(mutex_);
      if (path != path_) {
        idle_.clear();
        path_ = path;
      }
      if (!idle_.empty()) {
        Classifier c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    return load_cascade(path);
  }

  void give_back(const std::string& path, Classifier c) {
    std::lock_guard lock(mutex_);
    if (path == path_) idle_.push_back(std::move(c));
  }

 private:
  std::mutex mutex_;
  std::string path_;
  std::vector<Classifier> idle_;
};

CascadePool& pool() {
  static CascadePool instance;
  return instance;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int khung_face_find(const std::uint8_t* rgba, int width,
                                                                      int height, std::size_t stride, int face[4],
                                                                      char* error, std::size_t error_size) {
  try {
    cv::Mat gray;
    cv::cvtColor(cv::Mat(height, width, CV_8UC4, const_cast<std::uint8_t*>(rgba), stride), gray,
                 cv::COLOR_RGBA2GRAY);
    const int longest = std::max(width, height);
    const double f = longest > kFaceSearchSide ? static_cast<double>(kFaceSearchSide) / longest : 1.0;
    if (f < 1) cv::resize(gray, gray, cv::Size(), f, f, cv::INTER_AREA);
    cv::equalizeHist(gray, gray);
    // Faces under a sixteenth of the shorter side are not what a profile
    // photo is about; ignoring them also skips most false detections.
    const int min_size = std::max(24, std::min(gray.cols, gray.rows) / 16);
    const std::string path = cascade_path();
    CascadePool::Classifier cascade = pool().take(path);
    std::vector<cv::Rect> faces;
    // minNeighbors 5: fewer false positives on clothing and backgrounds than
    // the default 3, at no cost for the large faces of profile photos.
    cascade->detectMultiScale(gray, faces, 1.1, 5, 0, cv::Size(min_size, min_size));
    pool().give_back(path, std::move(cascade));
    if (faces.empty()) return 0;
    const cv::Rect& best = *std::max_element(
        faces.begin(), faces.end(), [](const cv::Rect& a, const cv::Rect& b) { return a.area() < b.area(); });
    // Back to photo pixels, rounded outwards and kept inside the photo.
    const int x0 = std::max(0, static_cast<int>(std::floor(best.x / f)));
    const int y0 = std::max(0, static_cast<int>(std::floor(best.y / f)));
    const int x1 = std::min(width, static_cast<int>(std::ceil((best.x + best.width) / f)));
    const int y1 = std::min(height, static_cast<int>(std::ceil((best.y + best.height) / f)));
    face[0] = x0;
    face[1] = y0;
    face[2] = x1 - x0;
    face[3] = y1 - y0;
    return 1;
  } catch (const std::exception& e) {
    if (error_size > 0) {
      std::strncpy(error, e.what(), error_size - 1);
      error[error_size - 1] = '\0';
    }
    return -1;
  }
}
