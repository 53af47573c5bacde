#pragma once
// What `khung serve` (server.hpp) and `khung studio` (studio.hpp) share of
// their life: the listening socket their bind() makes, and the stop their
// run() waits for, asked from any thread (a signal-watching one too).
//
//   const ListeningSocket socket = listen_on("127.0.0.1", 0, 64);  // Error(Io) when taken
//   ... serve on socket.fd (its owner's now), tell of socket.port ...
//   stopping.wait();     // in run(); stopping.request() in stop()

#include <condition_variable>
#include <mutex>
#include <string>

namespace khung::http {

struct ListeningSocket {
  int fd = -1;   // listening, close-on-exec; the caller's to close
  int port = 0;  // the port bound (the one asked for, or the free one for 0)
};

// Binds the first of `host`'s addresses (a name or a numeric IPv4 or IPv6
// address) that takes `port` (0: any free port), with SO_REUSEADDR, and
// listens with `backlog`. Throws Error(Io) "listen on HOST:PORT: why".
ListeningSocket listen_on(const std::string& host, int port, int backlog);

// A stop asked for once, from any thread, and waited for.
class StopRequest {
 public:
  void request();
  // Returns once request() has been called (at once if it was).
  void wait();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool requested_ = false;
};

}  // namespace khung::http
