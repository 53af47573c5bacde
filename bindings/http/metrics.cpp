#include "metrics.hpp"

#include <cstdio>

namespace khung::http {

void Metrics::request_finished(int status, double) {
  --in_flight_;
  std::lock_guard lock(mutex_);
  ++by_status_[status];
}

void Metrics::render_finished(double seconds) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++render_buckets_[i];
  ++render_count_;
  render_sum_ += seconds;
}

std::string Metrics::text() const {
  std::string out;
  char line[160];
  std::lock_guard lock(mutex_);
  out += "# HELP khung_http_requests_total HTTP requests answered, by status code.\n";
  out += "# TYPE khung_http_requests_total counter\n";
  for (const auto& [status, n] : by_status_) {
    std::snprintf(line, sizeof line, "khung_http_requests_total{code=\"%d\"} %llu\n", status, n);
    out += line;
  }
  out += "# HELP khung_http_errors_total HTTP requests answered with an error status (4xx, 5xx), by code.\n";
  out += "# TYPE khung_http_errors_total counter\n";
  for (const auto& [status, n] : by_status_)
    if (status >= 400) {
      std::snprintf(line, sizeof line, "khung_http_errors_total{code=\"%d\"} %llu\n", status, n);
      out += line;
    }
  out += "# HELP khung_render_seconds Time to render and encode one image.\n";
  out += "# TYPE khung_render_seconds histogram\n";
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    std::snprintf(line, sizeof line, "khung_render_seconds_bucket{le=\"%g\"} %llu\n", kBuckets[i], render_buckets_[i]);
    out += line;
  }
  std::snprintf(line, sizeof line, "khung_render_seconds_bucket{le=\"+Inf\"} %llu\nkhung_render_seconds_sum %.6f\n"
                "khung_render_seconds_count %llu\n", render_count_, render_sum_, render_count_);
  out += line;
  out += "# HELP khung_http_in_flight Requests being handled now.\n# TYPE khung_http_in_flight gauge\n";
  out += "khung_http_in_flight " + std::to_string(in_flight_.load()) + "\n";
  out += "# HELP khung_render_overloaded_total Renders refused with 503 because the queue was full.\n";
  out += "# TYPE khung_render_overloaded_total counter\n";
  out += "khung_render_overloaded_total " + std::to_string(overloaded_.load()) + "\n";
  out += "# HELP khung_events_total Participation events (saves and shares) stored.\n";
  out += "# TYPE khung_events_total counter\n";
  out += "khung_events_total " + std::to_string(events_.load()) + "\n";
  return out;
}

}  // namespace khung::http
