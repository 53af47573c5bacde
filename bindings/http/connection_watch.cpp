#include "connection_watch.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace khung::http::watch {
namespace {

using Clock = std::chrono::steady_clock;

struct Connection {
  Clock::time_point since;
  bool busy = false;
  std::string peer;
};

struct State {
  std::mutex mutex;
  std::unordered_map<int, Connection> by_fd;
  std::unordered_map<std::string, int> by_peer;
  std::atomic<bool> on{false};
  std::atomic<long long> deadline_ms{60000};
  std::once_flag started;
};

State& state() {
  static State* s = new State;  // never destroyed: close() may run during exit
  return *s;
}

std::string peer_of(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return {};
  char host[INET6_ADDRSTRLEN] = {};
  int port = 0;
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
  } else {
    return {};
  }
  return std::string(host) + ":" + std::to_string(port);
}

void accepted(int fd) {
  State& s = state();
  if (fd < 0 || !s.on.load(std::memory_order_relaxed)) return;
  std::string peer = peer_of(fd);
  std::lock_guard lock(s.mutex);
  s.by_fd[fd] = {Clock::now(), false, peer};
  if (!peer.empty()) s.by_peer[peer] = fd;
}

void closing(int fd) {
  State& s = state();
  if (!s.on.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(s.mutex);
  auto it = s.by_fd.find(fd);
  if (it == s.by_fd.end()) return;
  s.by_peer.erase(it->second.peer);
  s.by_fd.erase(it);
}

// Ends connections whose request is overdue. shutdown() (not close: the fd
// belongs to the library's thread) makes its blocked read return at once.
void watchdog() {
  State& s = state();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (!s.on.load()) continue;
    auto limit = std::chrono::milliseconds(s.deadline_ms.load());
    auto now = Clock::now();
    std::lock_guard lock(s.mutex);
    for (auto& [fd, c] : s.by_fd)
      if (!c.busy && now - c.since > limit) {
        ::shutdown(fd, SHUT_RDWR);
        c.since = Clock::time_point::max() - std::chrono::hours(1);  // once
      }
  }
}

}  // namespace

void enable(std::chrono::milliseconds deadline) {
  State& s = state();
  s.deadline_ms = deadline.count();
  s.on = true;
  std::call_once(s.started, [] { std::thread(watchdog).detach(); });
}

void disable() { state().on = false; }

void request_arrived(const std::string& peer) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (auto it = s.by_peer.find(peer); it != s.by_peer.end()) s.by_fd[it->second].busy = true;
}

void request_done(const std::string& peer) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (auto it = s.by_peer.find(peer); it != s.by_peer.end()) {
    Connection& c = s.by_fd[it->second];
    c.busy = false;
    c.since = Clock::now();
  }
}

}  // namespace khung::http::watch

// Interposed C library calls: cpp-httplib (a shared library) resolves them
// to these definitions in the executable, which do the real work with the
// system call and tell the watch.
extern "C" int accept(int fd, sockaddr* addr, socklen_t* len) {
  int s = static_cast<int>(syscall(SYS_accept4, fd, addr, len, 0));
  khung::http::watch::accepted(s);
  return s;
}

extern "C" int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  int s = static_cast<int>(syscall(SYS_accept4, fd, addr, len, flags));
  khung::http::watch::accepted(s);
  return s;
}

// cpp-httplib listens with a compiled-in backlog of 5: a burst of new
// connections overflows it and the kernel drops SYNs (the clients retry a
// second later). The listening socket gets the system's maximum instead.
extern "C" int listen(int fd, int) { return static_cast<int>(syscall(SYS_listen, fd, SOMAXCONN)); }

extern "C" int close(int fd) {
  khung::http::watch::closing(fd);
  return static_cast<int>(syscall(SYS_close, fd));
}

// Before it writes an answer, cpp-httplib checks that the peer is still
// there by peeking one byte, and takes the end of input for a closed
// connection. A client that sent its request and then shut down its sending
// side (a half-close, as `nc -N` does) is still reading, yet got no answer.
// The one-byte peek reports a byte at the end of input instead; a peer that
// is really gone makes the write itself fail, as it would in any case.
extern "C" ssize_t recv(int fd, void* buffer, size_t length, int flags) {
  const auto n = static_cast<ssize_t>(syscall(SYS_recvfrom, fd, buffer, length, flags, nullptr, nullptr));
  return n == 0 && flags == MSG_PEEK && length == 1 ? 1 : n;
}
