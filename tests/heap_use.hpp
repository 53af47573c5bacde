#pragma once
// How much heap a call takes through operator new. heap_use.cpp replaces
// the global operator new and delete to count it: it is built as an object
// library, so that each test executable linking it holds the one
// definition. The C codec libraries allocate with malloc and are not
// counted: they are held by their own limits, set from ours.

#include <cstddef>
#include <functional>

struct HeapUse {
  std::size_t largest = 0, peak = 0;
};

// The heap while `fn` runs: its largest single allocation, and the most it
// held at once above what was held before.
HeapUse heap_use(const std::function<void()>& fn);
