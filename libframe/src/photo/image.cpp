#include "khung/image.hpp"

#include "khung/error.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include <sys/mman.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace khung {

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

// Whole small pages: the 2 MiB-aligned start lets the kernel back every whole
// 2 MiB of the block with a huge page, and the tail takes small ones, so no
// memory is wasted on rounding.
std::size_t mapped_size(std::size_t bytes) { return (bytes + 4095) / 4096 * 4096; }

// Freed blocks kept for the next image of the same size (a batch or a
// service makes the same sizes over and over): a new mapping would fault in
// every page again, and unmapping in a threaded process interrupts the other
// cores to flush their TLBs. Bounded, so that idle memory goes back.
class BlockCache {
 public:
  void* take(std::size_t size) {
    std::lock_guard lock(mutex_);
    for (auto it = blocks_.begin(); it != blocks_.end(); ++it)
      if (it->second == size) {
        void* p = it->first;
        bytes_ -= size;
        blocks_.erase(it);
        return p;
      }
    return nullptr;
  }
  bool keep(void* p, std::size_t size) {
    std::lock_guard lock(mutex_);
    if (blocks_.size() >= kMaxBlocks || bytes_ + size > kMaxBytes) return false;
    blocks_.emplace_back(p, size);
    bytes_ += size;
    return true;
  }

 private:
  static constexpr std::size_t kMaxBlocks = 8, kMaxBytes = std::size_t{48} << 20;
  std::mutex mutex_;
  std::vector<std::pair<void*, std::size_t>> blocks_;
  std::size_t bytes_ = 0;
};

BlockCache& block_cache() {
  static BlockCache* cache = new BlockCache;  // never destroyed: images may be freed during exit
  return *cache;
}

// Large blocks are mapped from the kernel, aligned to 2 MiB and marked for
// transparent huge pages (a page fault per 2 MiB rather than per 4 KiB), and
// unmapped when freed beyond a small cache, so that a long-running service
// hands their memory back (malloc would keep them in per-thread arenas).
void* allocate_pixels(std::size_t bytes) {
  if (bytes < kHugePage) {
    if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return p;
    throw std::bad_alloc();
  }
  const std::size_t size = mapped_size(bytes);
  if (void* cached = block_cache().take(size)) return cached;
  void* raw = mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  // Keep the 2 MiB-aligned part; give back the slack on either side.
  auto* base = static_cast<std::uint8_t*>(raw);
  auto* aligned = reinterpret_cast<std::uint8_t*>((reinterpret_cast<std::uintptr_t>(base) + kHugePage - 1) &
                                                  ~(std::uintptr_t{kHugePage} - 1));
  if (aligned > base) munmap(base, static_cast<std::size_t>(aligned - base));
  if (std::size_t after = static_cast<std::size_t>(base + size + kHugePage - (aligned + size)))
    munmap(aligned + size, after);
  madvise(aligned, size, MADV_HUGEPAGE);  // a hint: without huge pages it changes nothing
  return aligned;
}

void free_pixels(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  if (bytes < kHugePage) {
    std::free(p);
    return;
  }
  const std::size_t size = mapped_size(bytes);
  if (!block_cache().keep(p, size)) munmap(p, size);
}

}  // namespace

Rect unite(const Rect& a, const Rect& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  int x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
  int x1 = std::max(a.right(), b.right()), y1 = std::max(a.bottom(), b.bottom());
  return {x0, y0, x1 - x0, y1 - y0};
}

Image::Image(int width, int height, Unset) {
  if (width < 0 || height < 0 ||
      static_cast<std::int64_t>(width) * height > max_pixels())
    throw Error(ErrorCode::InvalidArgument,
                "image size " + std::to_string(width) + "x" + std::to_string(height) +
                    ": sides must be non-negative and the area at most " +
                    std::to_string(max_pixels()) + " pixels");
  // Left unset: decoders and the fill below write every byte.
  const std::size_t bytes = static_cast<std::size_t>(width) * height * 4;
  if (bytes > 0) pixels_ = static_cast<std::uint8_t*>(allocate_pixels(bytes));
  width_ = width;
  height_ = height;
}

Image Image::for_overwrite(int width, int height) { return Image(width, height, Unset{}); }

Image::Image(const Image& other) : Image(other.width_, other.height_, Unset{}) {
  if (!other.bytes().empty()) std::memcpy(pixels_, other.pixels_, other.bytes().size());
}

Image::Image(Image&& other) noexcept
    : width_(std::exchange(other.width_, 0)),
      height_(std::exchange(other.height_, 0)),
      pixels_(std::exchange(other.pixels_, nullptr)) {}

Image& Image::operator=(const Image& other) {
  if (this != &other) *this = Image(other);
  return *this;
}

Image& Image::operator=(Image&& other) noexcept {
  if (this != &other) {
    free_pixels(pixels_, bytes().size());
    width_ = std::exchange(other.width_, 0);
    height_ = std::exchange(other.height_, 0);
    pixels_ = std::exchange(other.pixels_, nullptr);
  }
  return *this;
}

Image::~Image() { free_pixels(pixels_, bytes().size()); }

bool operator==(const Image& a, const Image& b) {
  return a.width_ == b.width_ && a.height_ == b.height_ &&
         (a.bytes().empty() || std::memcmp(a.pixels_, b.pixels_, a.bytes().size()) == 0);
}

Image::Image(int width, int height, Color fill) : Image(width, height, Unset{}) {
  if (empty()) return;
  // The first row pixel by pixel, then copies of it.
  const std::uint8_t px[4] = {fill.r, fill.g, fill.b, fill.a};
  std::uint8_t* first = row(0);
  for (int x = 0; x < width; ++x) std::memcpy(first + 4 * x, px, 4);
  for (int y = 1; y < height; ++y) std::memcpy(row(y), first, stride());
}

bool Image::opaque() const {
  // 64 bytes (16 pixels) at a time: AND them together, then test the four
  // alpha bytes of the result.
  const std::uint8_t* p = pixels_;
  const std::size_t n = bytes().size();
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i all = _mm_set1_epi8(static_cast<char>(0xFF));
  for (; i + 64 <= n; i += 64) {
    const __m128i a = _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)),
                                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 16)));
    const __m128i b = _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 32)),
                                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 48)));
    if ((_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(a, b), all)) & 0x8888) != 0x8888) return false;
  }
#endif
  for (i += 3; i < n; i += 4)
    if (p[i] != 255) return false;
  return true;
}

}  // namespace khung
