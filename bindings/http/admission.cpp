#include "admission.hpp"

#include "answer.hpp"
#include "read_number.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>

namespace khung::http {
namespace {

// Whether a Transfer-Encoding names chunked, in any case.
bool names_chunked(std::string_view transfer_encoding) {
  constexpr std::string_view chunked = "chunked";
  return std::search(transfer_encoding.begin(), transfer_encoding.end(), chunked.begin(), chunked.end(),
                     [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }) !=
         transfer_encoding.end();
}

// The bytes of a request's head as the limit counts them: the method, the
// target, and every header field with 4 bytes for ": " and CRLF.
std::size_t head_bytes(MHD_Connection* c, std::string_view target, std::string_view method) {
  std::size_t bytes = target.size() + method.size();
  MHD_get_connection_values(
      c, MHD_HEADER_KIND,
      [](void* cls, MHD_ValueKind, const char* k, const char* v) {
        *static_cast<std::size_t*>(cls) += std::strlen(k) + (v ? std::strlen(v) : 0) + 4;
        return MHD_YES;
      },
      &bytes);
  return bytes;
}

}  // namespace

std::string header(MHD_Connection* c, const char* name) {
  const char* v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
  return v ? v : "";
}

std::vector<MHD_OptionItem> admission_options(const ServerOptions& options) {
  // Memory per connection: the request line and headers, libmicrohttpd's
  // own bookkeeping and the body buffer. Anything larger gets its 431
  // (or 414) from libmicrohttpd.
  const std::size_t memory = std::max<std::size_t>(64 * 1024, 4 * options.max_header_bytes + 16 * 1024);
  return {
      {MHD_OPTION_CONNECTION_TIMEOUT, options.idle_timeout_seconds, nullptr},
      {MHD_OPTION_CONNECTION_LIMIT, options.max_connections, nullptr},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, options.max_connections_per_address, nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(memory), nullptr},
      {MHD_OPTION_STRICT_FOR_CLIENT, 1, nullptr},
  };
}

void check_head(MHD_Connection* c, std::string_view target, std::string_view method, const ServerOptions& options) {
  const std::string limit = std::to_string(options.max_header_bytes);
  if (target.size() > options.max_header_bytes) throw Failure{414, "request target: over " + limit + " bytes"};
  if (head_bytes(c, target, method) > options.max_header_bytes)
    throw Failure{431, "request headers: over " + limit + " bytes"};

  const std::string content_length = header(c, "Content-Length");
  const bool chunked = names_chunked(header(c, "Transfer-Encoding"));
  // A body framed twice is read differently by different servers: a way
  // to smuggle a request past a proxy.
  if (chunked && !content_length.empty()) throw Failure{400, "request body: both Content-Length and chunked"};
  const bool posting = method == "POST" || method == "PUT" || method == "PATCH";
  // A body with neither a length nor chunks would run to the end of the
  // connection.
  if (posting && content_length.empty() && !chunked) throw Failure{400, "request body: needs a Content-Length"};
  if (content_length.empty()) return;
  const auto length = read_number<std::uint64_t>(content_length);
  if (!length) throw Failure{400, "Content-Length " + quote_value(content_length) + ": not a length"};
  if (*length > options.max_body_bytes)
    throw Failure{413, "request body: " + std::to_string(*length) + " bytes, over the " +
                           std::to_string(options.max_body_bytes) + "-byte limit"};
}

bool worth_draining(MHD_Connection* c, std::size_t max_body_bytes) {
  if (!header(c, "Expect").empty()) return false;
  const std::string length = header(c, "Content-Length");
  const bool chunked = !header(c, "Transfer-Encoding").empty();
  if (chunked == !length.empty()) return false;  // neither, or both
  if (chunked) return true;
  const auto n = read_number<std::uint64_t>(length);
  return n && *n > 0 && *n <= 4 * max_body_bytes;
}

// ------------------------------------------------------------ the body

bool BodyPace::arrived(std::size_t more, const ServerOptions& options) {
  const auto now = Clock::now();
  if (received_ == 0) stretch_start_ = now;
  received_ += more;
  stretch_bytes_ += more;
  const double seconds = std::chrono::duration<double>(now - stretch_start_).count();
  if (seconds < options.request_timeout_seconds) return true;
  if (static_cast<double>(stretch_bytes_) < seconds * static_cast<double>(options.min_upload_bytes_per_second))
    return false;
  stretch_start_ = now;
  stretch_bytes_ = 0;
  return true;
}

// ------------------------------------------------------ the head's deadline

// One client connection: when its current request began to arrive and
// whether its headers are in.
struct DeadlineWatch::Connection {
  int fd = -1;
  Clock::time_point since = Clock::now();
  bool headers_in = false;
};

MHD_OptionItem DeadlineWatch::option() {
  return {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&DeadlineWatch::on_connection), this};
}

void DeadlineWatch::start() {
  watching_ = true;
  thread_ = std::thread([this] { watch(); });
}

void DeadlineWatch::stop() {
  watching_ = false;
  if (thread_.joinable()) thread_.join();
}

void DeadlineWatch::on_connection(void* cls, MHD_Connection* c, void** socket_context,
                                  MHD_ConnectionNotificationCode code) {
  auto& self = *static_cast<DeadlineWatch*>(cls);
  std::lock_guard lock(self.mutex_);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    auto* conn = new Connection;
    if (auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD)) conn->fd = info->connect_fd;
    self.connections_.insert(conn);
    *socket_context = conn;
  } else if (auto* conn = static_cast<Connection*>(*socket_context)) {
    // Called before libmicrohttpd closes the descriptor, and under the
    // same lock as the watch: it is never shut down once reused.
    self.connections_.erase(conn);
    delete conn;
    *socket_context = nullptr;
  }
}

DeadlineWatch::Connection* DeadlineWatch::connection_of(MHD_Connection* c) {
  const auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info ? static_cast<Connection*>(info->socket_context) : nullptr;
}

void DeadlineWatch::headers_arrived(MHD_Connection* c) {
  if (Connection* conn = connection_of(c)) {
    std::lock_guard lock(mutex_);
    conn->headers_in = true;
  }
}

void DeadlineWatch::request_done(MHD_Connection* c) {
  if (Connection* conn = connection_of(c)) {
    std::lock_guard lock(mutex_);
    conn->since = Clock::now();  // the next request's clock
    conn->headers_in = false;
  }
}

void DeadlineWatch::watch() {
  while (watching_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    for (Connection* conn : connections_)
      if (!conn->headers_in && conn->fd >= 0 && now - conn->since > limit_) {
        ::shutdown(conn->fd, SHUT_RDWR);
        conn->since = Clock::time_point::max() - std::chrono::hours(1);  // once
      }
  }
}

}  // namespace khung::http
