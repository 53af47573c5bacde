#pragma once
// Khung's version: the one in the root CMakeLists.txt's project(), compiled
// into the library, so `khung --version`, Python's khung.__version__ and a
// program linking the library all say the same.

namespace khung {

// "MAJOR.MINOR.PATCH", for example "0.1.0". A static string.
//   std::printf("khung %s\n", khung::version());
const char* version() noexcept;

}  // namespace khung
