#pragma once
// The service's bounded room for work: `threads` workers take jobs first
// come, first served, and at most `waiting` more jobs wait. Past that a job
// is refused at once (the service answers 503) instead of piling up
// requests and their bodies. The renders have one pool, the counts database
// another (a slow database never holds a render).
//
//   RenderPool pool(4, 32);
//   if (!pool.reserve()) return busy();      // full: refuse now
//   pool.push([&] { render_and_answer(); });  // takes the place reserved
//
// The destructor lets the jobs already pushed run, then joins the workers.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace khung::http {

class RenderPool {
 public:
  RenderPool(int threads, int waiting);
  ~RenderPool();
  RenderPool(const RenderPool&) = delete;
  RenderPool& operator=(const RenderPool&) = delete;

  // A place for one job, or false at once when full...
  bool reserve();
  // ...which this job then takes. Called once for each true reserve().
  void push(std::function<void()> job);

 private:
  void work();

  std::size_t limit_, reserved_ = 0;  // jobs waiting or running, and places promised to them
  bool stopping_ = false;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
};

}  // namespace khung::http
