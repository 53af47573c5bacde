#pragma once
// The service's parts for organisers and counting (server.hpp lists the
// routes): the organiser token's check, the per-address limit on events,
// and an event read from its JSON body.

#include "catalog.hpp"
#include "khung/counts.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace khung::http {

// Whether an Authorization header carries the token: "Bearer TOKEN", or
// HTTP Basic with TOKEN as the password (any user name). Compared in
// constant time (over SHA-256 digests, so not even the length shows).
bool token_matches(std::string_view authorization, const std::string& token);

// At most `per_minute` events a minute from one client address (a sliding
// window); remembers at most `max_addresses` addresses, forgetting the
// quietest when full.
class EventLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit EventLimiter(int per_minute = 30, std::size_t max_addresses = 100000)
      : per_minute_(per_minute), max_addresses_(max_addresses) {}
  bool allow(const std::string& address, Clock::time_point now = Clock::now());

 private:
  int per_minute_;
  std::size_t max_addresses_;
  std::mutex mutex_;
  std::map<std::string, std::deque<Clock::time_point>> seen_;
};

// The event of a POST /v1/events body: {"template", "unit"?, "device",
// "kind"}. The template must be one the catalogue serves and the unit one
// of its campaign's units. Throws Error(InvalidArgument) naming the part.
Participation read_event(std::string_view body, const Catalog& catalog, std::int64_t now_unix);

}  // namespace khung::http
