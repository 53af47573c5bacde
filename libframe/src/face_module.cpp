// The face module, libkhung-face.so: OpenCV's frontal face Haar cascade
// behind one C function, loaded by face_cascade.cpp on the first face
// search. It is a module of its own because libopencv_objdetect and what it
// needs (dnn, protobuf, calib3d, ...) cost every process about 7 ms of
// start-up, and only --focus face uses them.

#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <cstring>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

namespace {

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

extern "C" __attribute__((visibility("default"))) int khung_face_find(const unsigned char* gray, int width,
                                                                      int height, std::size_t stride, int min_size,
                                                                      int* rects, int max_rects, char* error,
                                                                      std::size_t error_size) {
  try {
    const std::string path = cascade_path();
    CascadePool::Classifier cascade = pool().take(path);
    const cv::Mat image(height, width, CV_8UC1, const_cast<unsigned char*>(gray), stride);
    std::vector<cv::Rect> faces;
    // minNeighbors 5: fewer false positives on clothing and backgrounds than
    // the default 3, at no cost for the large faces of profile photos.
    cascade->detectMultiScale(image, faces, 1.1, 5, 0, cv::Size(min_size, min_size));
    pool().give_back(path, std::move(cascade));
    const int n = std::min(static_cast<int>(faces.size()), max_rects);
    for (int i = 0; i < n; ++i) {
      rects[4 * i] = faces[i].x;
      rects[4 * i + 1] = faces[i].y;
      rects[4 * i + 2] = faces[i].width;
      rects[4 * i + 3] = faces[i].height;
    }
    return n;
  } catch (const std::exception& e) {
    if (error_size > 0) {
      std::strncpy(error, e.what(), error_size - 1);
      error[error_size - 1] = '\0';
    }
    return -1;
  }
}
