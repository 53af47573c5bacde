// `khung serve` in khung: runs khung-serve, built beside it from the same
// command-line code with the HTTP service linked in. libmicrohttpd brings
// GnuTLS and its dozen libraries, which every other command would load at
// start-up; only the service needs them.

#include "commands.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace cli {

int run_serve(const ServeArgs& args) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path server = (ec ? std::filesystem::path(".") : self.parent_path()) / "khung-serve";
  execv(server.c_str(), args.argv);  // the same arguments; returns only on failure
  throw khung::Error(khung::ErrorCode::Io, "cannot run '" + server.string() + "': " + std::strerror(errno));
}

}  // namespace cli
