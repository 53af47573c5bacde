// `khung serve`, `khung studio` and `khung report` in khung: run khung-serve, built beside
// it from the same command-line code with the HTTP services linked in.
// libmicrohttpd brings GnuTLS and its dozen libraries, which every other
// command would load at start-up; only the services need them (and the
// counts library's libpq, TLS and Kerberos, only they and the report).

#include "commands.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace cli {

namespace {

[[noreturn]] void run_khung_serve(char** argv) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path server = (ec ? std::filesystem::path(".") : self.parent_path()) / "khung-serve";
  execv(server.c_str(), argv);  // the same arguments; returns only on failure
  throw khung::Error(khung::ErrorCode::Io, "cannot run '" + server.string() + "': " + std::strerror(errno));
}

}  // namespace

int run_serve(const ServeArgs& args) { run_khung_serve(args.argv); }
int run_studio(const StudioArgs& args) { run_khung_serve(args.argv); }
int run_report(const ReportArgs& args) { run_khung_serve(args.argv); }

}  // namespace cli
