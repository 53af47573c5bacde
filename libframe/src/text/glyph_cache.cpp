#include "text/glyph_cache.hpp"

namespace khung::detail {

GlyphCache::Entry GlyphCache::find(const GlyphKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second;
}

GlyphCache::Entry GlyphCache::insert(const GlyphKey& key, GlyphBitmap bitmap) {
  auto entry = std::make_shared<const GlyphBitmap>(std::move(bitmap));
  std::size_t cost = entry->coverage.size() + sizeof(GlyphBitmap) + 32;
  std::lock_guard lock(mutex_);
  if (bytes_ + cost > kByteBudget) {
    entries_.clear();
    bytes_ = 0;
  }
  auto [it, inserted] = entries_.emplace(key, entry);
  if (inserted) bytes_ += cost;
  return it->second;
}

std::size_t GlyphCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace khung::detail
