#pragma once
// Splitting pixel work over the machine's cores (two halves: the work here
// is sized for phones' photos on small servers). The WebAssembly build has
// no threads: there the work runs in one go, with the same results.

#include <exception>
#include <thread>

namespace khung::detail {

// Runs body(first, last) over [0, blocks) in two halves, one on a second
// thread when there is enough work and more than one core. An exception in
// either half is thrown again here, after both are done.
template <class Body>
void parallel_blocks(int blocks, Body body) {
#if defined(__EMSCRIPTEN__)
  constexpr bool cores = false;
#else
  static const bool cores = std::thread::hardware_concurrency() > 1;
#endif
  if (!cores || blocks < 4) {
    body(0, blocks);
    return;
  }
  const int half = blocks / 2;
  std::exception_ptr failed;
  std::thread other([&] {
    try {
      body(half, blocks);
    } catch (...) {
      failed = std::current_exception();
    }
  });
  try {
    body(0, half);
  } catch (...) {
    other.join();
    throw;
  }
  other.join();
  if (failed) std::rethrow_exception(failed);
}

}  // namespace khung::detail
