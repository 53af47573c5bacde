#include "codec/row_feed.hpp"

namespace khung::detail {

void RowFeed::start(int orientation) {
  {
    std::lock_guard lock(mutex_);
    started_ = true;
    orientation_ = orientation;
  }
  changed_.notify_all();
}

void RowFeed::rows(int n) {
  {
    std::lock_guard lock(mutex_);
    rows_ = n;
  }
  changed_.notify_all();
}

void RowFeed::fail() {
  {
    std::lock_guard lock(mutex_);
    failed_ = true;
  }
  changed_.notify_all();
}

bool RowFeed::wait_start(int& orientation) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return started_ || failed_; });
  orientation = orientation_;
  return !failed_;
}

bool RowFeed::wait_rows(int n) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return rows_ >= n || failed_; });
  return !failed_;
}

}  // namespace khung::detail
