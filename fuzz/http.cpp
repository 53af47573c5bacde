// The HTTP service's handling of what one client sends, in process over a
// socket pair (khung::http::Server::respond): request lines, headers, query
// strings, multipart bodies with photos. Any 500 is a bug, as is an answer
// that is not HTTP.

#include "common.hpp"
#include "server.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace {

khung::http::Server& server() {
  static khung::http::Server* s = [] {
    khung::http::ServerOptions options;
    options.threads = 1;
    options.max_body_bytes = 1u << 20;
    options.max_pixels = 4'000'000;
    options.idle_timeout_seconds = 1;
    return new khung::http::Server(options);  // lives as long as the process
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string answer = server().respond({reinterpret_cast<const char*>(data), size});
  if (answer.empty()) return 0;  // the connection was closed without an answer (unreadable request line)
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) __builtin_trap();
  // 503 is the service busy, 505 libmicrohttpd's answer to an HTTP version
  // other than 1.x (RFC 9110's): neither is a failure of the service.
  const std::string_view status = std::string_view(answer).substr(9, 3);
  if (answer[9] == '5' && status != "503" && status != "505") {
    std::fprintf(stderr, "answered %s\n", std::string(answer.substr(0, 200)).c_str());
    __builtin_trap();
  }
  return 0;
}
