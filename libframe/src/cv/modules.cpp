#include "cv/modules.hpp"

#include "khung/error.hpp"

#include <dlfcn.h>
#include <link.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace khung::detail {

namespace {

// Where a module may be (see modules.hpp).
std::vector<std::string> candidates(const char* file, const char* env, const char* built) {
  std::vector<std::string> out;
  if (const char* given = std::getenv(env); given && *given) {
    out.emplace_back(given);
    return out;
  }
  Dl_info info{};
  link_map* object = nullptr;
  if (dladdr1(reinterpret_cast<void*>(&candidates), &info, reinterpret_cast<void**>(&object), RTLD_DL_LINKMAP) &&
      info.dli_fname) {
    std::filesystem::path holder = info.dli_fname;
    // In the executable itself glibc names it by argv[0]: "khung" when found
    // on PATH, or a symbolic link's path. /proc/self/exe is the file.
    if (object && object->l_name && !*object->l_name) {
      std::error_code ec;
      std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
      if (!ec) holder = self;
    }
    out.push_back((holder.parent_path() / file).string());
  }
  if (built && *built) out.emplace_back(built);
  return out;
}

// Opens the module and finds each symbol; throws Error(Io) naming what failed.
class Opened {
 public:
  Opened(const char* file, const char* env, const char* built) {
    std::string tried;
    for (const std::string& path : candidates(file, env, built)) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) {
        tried += (tried.empty() ? "" : ", ") + path;
        continue;
      }
      so_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!so_) {
        const char* why = dlerror();
        throw Error(ErrorCode::Io, "module '" + path + "': cannot be loaded (" + (why ? why : "unknown reason") + ")");
      }
      path_ = path;
      return;
    }
    throw Error(ErrorCode::Io, std::string("module ") + file + ": not found (looked for " + tried + ")");
  }
  template <class Fn>
  void find(Fn& fn, const char* symbol) const {
    fn = reinterpret_cast<Fn>(dlsym(so_, symbol));
    if (!fn) throw Error(ErrorCode::Io, "module '" + path_ + "': has no " + symbol);
  }

 private:
  std::string path_;
  void* so_ = nullptr;
};

#ifndef KHUNG_CV_MODULE_PATH
#define KHUNG_CV_MODULE_PATH ""
#endif
#ifndef KHUNG_FACE_MODULE_PATH
#define KHUNG_FACE_MODULE_PATH ""
#endif

}  // namespace

namespace {

// Opens a module once per process and fills its table with `fill`; a
// failure is kept and thrown again on every later call.
template <class Module, class Fill>
const Module& open_once(const char* file, const char* env, const char* built, Fill fill) {
  static const Module* module = nullptr;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [&] {
    try {
      Opened so(file, env, built);
      auto* m = new Module;  // kept for the life of the process, like the module
      fill(so, *m);
      module = m;
    } catch (const Error& e) {
      failure = e.what();
    }
  });
  if (!module) throw Error(ErrorCode::Io, failure);
  return *module;
}

}  // namespace

const CvModule& cv_module() {
  return open_once<CvModule>("libkhung-cv.so", "KHUNG_CV_MODULE", KHUNG_CV_MODULE_PATH,
                             [](const Opened& so, CvModule& m) {
                               so.find(m.blur, "khung_cv_blur");
                             });
}

const FaceModule& face_module() {
  return open_once<FaceModule>("libkhung-face.so", "KHUNG_FACE_MODULE", KHUNG_FACE_MODULE_PATH,
                               [](const Opened& so, FaceModule& m) { so.find(m.find_face, "khung_face_find"); });
}

int ModuleCall::check(int result, ErrorCode code) const {
  if (result < 0) throw Error(code, error[0] ? error : "module call failed");
  return result;
}

}  // namespace khung::detail
