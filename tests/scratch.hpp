#pragma once
// A temporary folder for one test case, removed when the case ends.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

struct ScratchDir {
  std::filesystem::path dir;

  explicit ScratchDir(const std::string& tag)
      : dir(std::filesystem::temp_directory_path() / ("khung-" + tag + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~ScratchDir() { std::filesystem::remove_all(dir); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Writes the bytes exactly as given (binary: no newline translation).
  std::filesystem::path write(const std::string& name, const std::string& bytes) const {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return dir / name;
  }
};
