#include "support/atomic_file.hpp"

#include "khung/error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

namespace khung::detail {

void write_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> data) {
  std::random_device rd;
  // Hidden, and beside the target: a rename does not cross file systems.
  std::filesystem::path tmp =
      path.parent_path() / (std::string(".") + path.filename().string() + ".tmp-" + std::to_string(rd()));
  auto fail = [&](const std::string& why) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    return Error(ErrorCode::Io, "output '" + path.string() + "': " + why);
  };
  // "x": never write through a file someone else created under that name.
  std::FILE* f = std::fopen(tmp.c_str(), "wbx");
  if (!f) {
    int saved_errno = errno;
    throw Error(ErrorCode::Io, "output '" + path.string() + "': " + std::strerror(saved_errno));
  }
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  int saved_errno = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) throw fail(std::strerror(saved_errno ? saved_errno : errno));
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw fail(ec.message());
}

bool is_temporary_file(const std::filesystem::path& path, std::string* target) {
  std::string name = path.filename().string();
  auto mark = name.rfind(".tmp-");
  if (name.size() < 2 || name[0] != '.' || mark == std::string::npos || mark < 2 || mark + 5 >= name.size())
    return false;
  if (!std::all_of(name.begin() + static_cast<std::ptrdiff_t>(mark) + 5, name.end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  if (target) *target = name.substr(1, mark - 1);
  return true;
}

}  // namespace khung::detail
