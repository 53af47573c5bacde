#include "face_cascade.hpp"

#include "khung/error.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace khung::detail {
namespace {

constexpr const char* kModuleName = "libkhung-face.so";
constexpr int kMaxFaces = 64;

using FindFn = int (*)(const unsigned char*, int, int, std::size_t, int, int*, int, char*, std::size_t);

// Where the module may be: KHUNG_FACE_MODULE; beside whatever holds this
// code (the khung executable, the Python extension); where it was built.
std::vector<std::string> module_candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("KHUNG_FACE_MODULE"); env && *env) {
    out.emplace_back(env);
    return out;
  }
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&module_candidates), &info) && info.dli_fname)
    out.push_back((std::filesystem::path(info.dli_fname).parent_path() / kModuleName).string());
#ifdef KHUNG_FACE_MODULE_PATH
  out.emplace_back(KHUNG_FACE_MODULE_PATH);
#endif
  return out;
}

struct Module {
  FindFn find = nullptr;
  std::string error;
};

const Module& module() {
  static const Module loaded = [] {
    Module m;
    std::string tried;
    for (const std::string& path : module_candidates()) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) {
        tried += (tried.empty() ? "" : ", ") + path;
        continue;
      }
      void* so = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!so) {
        const char* why = dlerror();
        m.error = "face module '" + path + "': cannot be loaded (" + (why ? why : "unknown reason") + ")";
        return m;
      }
      m.find = reinterpret_cast<FindFn>(dlsym(so, "khung_face_find"));
      if (!m.find) m.error = "face module '" + path + "': has no khung_face_find";
      return m;
    }
    m.error = std::string("face module ") + kModuleName + ": not found (looked for " + tried + ")";
    return m;
  }();
  return loaded;
}

}  // namespace

std::vector<cv::Rect> find_faces(const cv::Mat& gray, int min_size) {
  const Module& m = module();
  if (!m.find) throw Error(ErrorCode::Io, m.error);
  int rects[4 * kMaxFaces];
  char error[512] = {};
  const int n = m.find(gray.data, gray.cols, gray.rows, gray.step, min_size, rects, kMaxFaces, error, sizeof error);
  if (n < 0) throw Error(ErrorCode::Io, error);
  std::vector<cv::Rect> faces;
  for (int i = 0; i < n; ++i) faces.emplace_back(rects[4 * i], rects[4 * i + 1], rects[4 * i + 2], rects[4 * i + 3]);
  return faces;
}

}  // namespace khung::detail
