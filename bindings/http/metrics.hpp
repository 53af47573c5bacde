#pragma once
// The service's Prometheus metrics: requests by status, errors by code,
// render time histogram, requests in flight, renders refused as overloaded,
// participation events stored.

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace khung::http {

class Metrics {
 public:
  void request_started() { ++in_flight_; }
  void request_finished(int status, double seconds);
  // A request libmicrohttpd answered, or dropped, on its own.
  void request_dropped() { --in_flight_; }
  void render_finished(double seconds);
  void overloaded() { ++overloaded_; }
  void event_recorded() { ++events_; }
  // The text exposition format (version 0.0.4).
  std::string text() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  mutable std::mutex mutex_;
  std::map<int, unsigned long long> by_status_;
  std::array<unsigned long long, kBuckets.size()> render_buckets_{};
  unsigned long long render_count_ = 0;
  double render_sum_ = 0;
  std::atomic<long long> in_flight_{0};
  std::atomic<unsigned long long> overloaded_{0};
  std::atomic<unsigned long long> events_{0};
};

}  // namespace khung::http
