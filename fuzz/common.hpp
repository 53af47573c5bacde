#pragma once
// Shared by the fuzz targets: what counts as an expected failure, and a
// scratch file for the targets whose library entry point reads a path.

#include "khung/error.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace khung::fuzz {

// Runs `body`; a khung::Error is the documented answer to bad input. Any
// other exception escapes, and libFuzzer reports it as a crash.
template <class Body>
void expecting_errors(Body body) {
  try {
    body();
  } catch (const Error&) {
  }
}

// A file of this process under /dev/shm (or the temporary folder), written
// afresh for every input. `name` keeps the extension the loader looks at.
inline std::filesystem::path scratch_file(const std::string& name, const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path dir = [] {
    std::filesystem::path d = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    d /= "khung-fuzz-" + std::to_string(::getpid());
    std::filesystem::create_directories(d);
    return d;
  }();
  std::filesystem::path path = dir / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                static_cast<std::streamsize>(size));
  return path;
}

}  // namespace khung::fuzz
