#pragma once
// Admission: what a client is held to before any route sees its request,
// and while its body arrives. A client that sends too much, too slowly or
// framed two ways is refused or cut here, so that it holds neither a
// connection nor memory for nothing. The limits are ServerOptions'.
//
//   libmicrohttpd's share   admission_options(): connections at once and
//                           per address, the idle timeout, each connection's
//                           memory (more than fits gets libmicrohttpd's 431
//                           or 414), strict parsing
//   the head's deadline     DeadlineWatch: a request line and headers must
//                           arrive within request_timeout_seconds, or the
//                           connection is shut down
//   the head                check_head(): once the headers are in, throws
//                           Failure 414, 431, 413 or 400 (a body framed
//                           twice, or with no length)
//   the body's pace         BodyPace: min_upload_bytes_per_second over every
//                           stretch of request_timeout_seconds, or cut
//   a refused body          worth_draining(): read and dropped, so that the
//                           connection stays in step, when its length is sound
//
// The renders' own limit is the render pool's (render_pool.hpp).
//
//   DeadlineWatch deadlines(options.request_timeout_seconds);
//   items = admission_options(options); items.push_back(deadlines.option());
//   ... MHD_start_daemon(..., MHD_OPTION_ARRAY, items.data(), ...); deadlines.start();
//   // in the access handler, once the headers are in:
//   deadlines.headers_arrived(c); check_head(c, target, method, options);

#include "server.hpp"

#include <microhttpd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace khung::http {

using Clock = std::chrono::steady_clock;

// A request header's value; "" when the request has none.
std::string header(MHD_Connection* c, const char* name);

// libmicrohttpd's options that admit connections (no MHD_OPTION_END).
std::vector<MHD_OptionItem> admission_options(const ServerOptions& options);

// Checks what a request's line and headers alone decide: the target (414)
// and the whole head (431) within max_header_bytes; a body framed by both
// Content-Length and chunks, or a POST, PUT or PATCH by neither (400); a
// Content-Length that is a number (400) within max_body_bytes (413).
// Throws Failure.
void check_head(MHD_Connection* c, std::string_view target, std::string_view method, const ServerOptions& options);

// For a request answered from its headers: whether to read and drop its
// body before answering, so that the client reads the answer and the
// connection stays in step for its next request. Not when there is no body,
// or no sound length, or the client waits for "100 Continue" before sending
// it, or the body is over four times max_body_bytes: then the answer goes
// at once and the connection is closed after it.
bool worth_draining(MHD_Connection* c, std::size_t max_body_bytes);

// A request body as it arrives. It must keep coming: in every stretch of
// request_timeout_seconds (the first from its first bytes) at least
// min_upload_bytes_per_second on average. A phone on a slow but steady link
// is never cut, however long its upload takes; a client that drips bytes,
// from the start or after a fast start, would hold a connection and its
// body's memory for nothing. A body that stops altogether meets
// libmicrohttpd's idle timeout instead.
class BodyPace {
 public:
  // Counts `more` bytes, come now; false when they end a stretch that was
  // too slow: the connection is to be cut.
  bool arrived(std::size_t more, const ServerOptions& options);
  // Every byte of the body so far.
  std::size_t received() const { return received_; }

 private:
  std::size_t received_ = 0;
  Clock::time_point stretch_start_;  // the stretch being measured began then...
  std::size_t stretch_bytes_ = 0;    // ...and this many bytes have come in it
};

// libmicrohttpd closes idle connections, but one that trickles a byte a
// second is never idle. The watch shuts down (not closes: the descriptor is
// libmicrohttpd's) a connection whose request line and headers have not
// arrived within the limit, and libmicrohttpd then reads its end and closes
// it. The clock of a connection's next request starts when the last one is
// done. Thread-safe; stop() before the watch goes.
class DeadlineWatch {
 public:
  explicit DeadlineWatch(int request_timeout_seconds) : limit_(request_timeout_seconds) {}
  ~DeadlineWatch() { stop(); }
  DeadlineWatch(const DeadlineWatch&) = delete;
  DeadlineWatch& operator=(const DeadlineWatch&) = delete;

  // The daemon option by which libmicrohttpd tells the watch of each
  // connection it opens and closes.
  MHD_OptionItem option();
  // Starts and stops the watching thread (every 200 ms).
  void start();
  void stop();

  void headers_arrived(MHD_Connection* c);
  void request_done(MHD_Connection* c);

 private:
  struct Connection;
  static void on_connection(void* cls, MHD_Connection* c, void** socket_context, MHD_ConnectionNotificationCode code);
  static Connection* connection_of(MHD_Connection* c);
  void watch();

  std::chrono::seconds limit_;
  std::mutex mutex_;
  std::set<Connection*> connections_;
  std::thread thread_;
  std::atomic<bool> watching_{false};
};

}  // namespace khung::http
