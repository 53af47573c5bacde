#pragma once
// A deadline for each request's arrival. cpp-httplib 0.11 has per-read
// timeouts only, so a client sending one byte a second would hold a worker
// for as long as it liked. This watch learns each accepted connection (the
// executable interposes accept() and close(), which the library calls), and
// a watchdog thread shuts down a connection whose request has not arrived
// in full within the deadline. A request counts as arrived when its handler
// starts; it ends when the response has been written.

#include <chrono>
#include <string>

namespace khung::http::watch {

// Starts watching with this deadline (idempotent; the last call wins).
void enable(std::chrono::milliseconds deadline);
void disable();

// From a handler: the request from this peer ("ip:port") has arrived...
void request_arrived(const std::string& peer);
// ...and its response is written: the next request's clock starts now.
void request_done(const std::string& peer);

}  // namespace khung::http::watch
