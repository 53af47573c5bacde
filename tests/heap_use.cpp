#include "heap_use.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<bool> g_tracking{false};
std::atomic<std::size_t> g_largest{0}, g_held{0}, g_peak{0};

void raise_to(std::atomic<std::size_t>& value, std::size_t to) {
  std::size_t seen = value.load();
  while (to > seen && !value.compare_exchange_weak(seen, to)) {
  }
}
}  // namespace

HeapUse heap_use(const std::function<void()>& fn) {
  const std::size_t before = g_held;
  g_largest = 0;
  g_peak = before;
  g_tracking = true;
  try {
    fn();
  } catch (...) {
    g_tracking = false;
    throw;
  }
  g_tracking = false;
  return {g_largest, g_peak - before};
}

void* operator new(std::size_t size) {
  void* p = std::malloc(size ? size : 1);
  if (!p) throw std::bad_alloc();
  std::size_t held = g_held += malloc_usable_size(p);
  if (g_tracking.load(std::memory_order_relaxed)) {
    raise_to(g_largest, size);
    raise_to(g_peak, held);
  }
  return p;
}
// Every other form goes through the one above, so that each pairs malloc
// with free (the sanitizers check the pairing) and the count stays whole.
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return ::operator new(size, std::nothrow); }
// GCC sees free() meet a new-expression once inlined; they do pair here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
  if (!p) return;
  g_held -= malloc_usable_size(p);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
void operator delete[](void* p) noexcept { ::operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { ::operator delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { ::operator delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { ::operator delete(p); }
#pragma GCC diagnostic pop
