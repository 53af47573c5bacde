#pragma once
// Rasterised glyphs, cached per font: rendering the same glyph at the same
// size, stroke and sub-pixel offset again reuses the coverage mask.

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace khung::detail {

// Coverage mask of one glyph (0..255, rows top to bottom). left/top place the
// mask's top-left pixel relative to the glyph origin on the baseline, with y
// growing downwards (top is negative for ink above the baseline).
struct GlyphBitmap {
  int left = 0, top = 0, width = 0, height = 0;
  std::vector<std::uint8_t> coverage;
};

// Sizes and stroke widths in 1/64 pixel. The sub-pixel phase is the origin's
// fractional offset in quarters of a pixel, 0..3 on each axis.
struct GlyphKey {
  std::uint32_t glyph = 0;
  std::int32_t size64 = 0;
  std::int32_t stroke64 = 0;  // 0: the glyph itself; > 0: dilated by this radius
  std::uint8_t phase_x = 0, phase_y = 0;
  friend bool operator==(const GlyphKey&, const GlyphKey&) = default;
};

struct GlyphKeyHash {
  std::size_t operator()(const GlyphKey& k) const noexcept {
    std::uint64_t h = k.glyph;
    h = h * 0x9E3779B97F4A7C15ull ^ static_cast<std::uint32_t>(k.size64);
    h = h * 0x9E3779B97F4A7C15ull ^ static_cast<std::uint32_t>(k.stroke64);
    h = h * 0x9E3779B97F4A7C15ull ^ (k.phase_x * 4u + k.phase_y);
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};

class GlyphCache {
 public:
  using Entry = std::shared_ptr<const GlyphBitmap>;

  // The cached mask for key, or null.
  Entry find(const GlyphKey& key) const;
  // Stores a mask; past the byte budget the cache starts over (entries held
  // by callers stay valid: they are shared).
  Entry insert(const GlyphKey& key, GlyphBitmap bitmap);
  std::size_t size() const;

 private:
  static constexpr std::size_t kByteBudget = 32u << 20;
  mutable std::mutex mutex_;
  std::unordered_map<GlyphKey, Entry, GlyphKeyHash> entries_;
  std::size_t bytes_ = 0;
};

}  // namespace khung::detail
