#include "khung/template_cache.hpp"

#include <algorithm>
#include <system_error>

namespace khung {

TemplateCache::TemplateCache(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {}

Template TemplateCache::load(std::string_view id_or_path) {
  std::error_code ec;
  const std::filesystem::path file = std::filesystem::weakly_canonical(Template::file_for(id_or_path), ec);
  const auto modified = std::filesystem::last_write_time(file, ec);
  const std::uintmax_t bytes = ec ? 0 : std::filesystem::file_size(file, ec);
  // No such file, a malformed id...: Template::load says what is wrong.
  if (ec) return Template::load(id_or_path);
  {
    std::lock_guard lock(mutex_);
    if (auto it = by_file_.find(file); it != by_file_.end()) {
      if (it->second->modified == modified && it->second->bytes == bytes) {
        entries_.splice(entries_.begin(), entries_, it->second);
        return it->second->tpl;
      }
      entries_.erase(it->second);  // changed on disk
      by_file_.erase(it);
    }
  }
  Template tpl = Template::load(id_or_path);
  std::lock_guard lock(mutex_);
  // Another thread may have loaded the same file meanwhile: keep one entry.
  if (auto it = by_file_.find(file); it != by_file_.end()) {
    entries_.erase(it->second);
    by_file_.erase(it);
  }
  entries_.push_front({file, modified, bytes, tpl});
  by_file_[file] = entries_.begin();
  while (entries_.size() > capacity_) {
    by_file_.erase(entries_.back().file);
    entries_.pop_back();
  }
  return tpl;
}

std::size_t TemplateCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace khung
