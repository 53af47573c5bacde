#include "render_pool.hpp"

namespace khung::http {

RenderPool::RenderPool(int threads, int waiting) : limit_(static_cast<std::size_t>(threads + waiting)) {
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

RenderPool::~RenderPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : workers_) t.join();
}

bool RenderPool::reserve() {
  std::lock_guard lock(mutex_);
  if (reserved_ >= limit_) return false;
  ++reserved_;
  return true;
}

void RenderPool::push(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  ready_.notify_one();
}

void RenderPool::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
    std::lock_guard lock(mutex_);
    --reserved_;
  }
}

}  // namespace khung::http
