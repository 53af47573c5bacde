#pragma once
// Templates loaded once and reused while their file is unchanged, for a face
// that names a template on every call (Python's khung.render("cover", ...)),
// where loading (reading the JSON, decoding and scaling the artwork) costs
// ten times the render.
//
//   TemplateCache cache;
//   Image a = render_template(cache.load("cover"), options);  // loads
//   Image b = render_template(cache.load("cover"), options);  // reuses

#include "khung/template.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <list>
#include <map>
#include <mutex>
#include <string_view>

namespace khung {

class TemplateCache {
 public:
  // Holds at most `capacity` templates (at least 1), the least recently
  // used dropped first.
  explicit TemplateCache(std::size_t capacity = 32);

  // Template::load(id_or_path), or the template it gave before for the same
  // file: the file Template::file_for names, its path resolved (so an id
  // and a path to the same file share an entry), unchanged since, by its
  // modification time and size, checked on every call. An asset edited
  // without touching the JSON is not noticed (Template::load reads it
  // again). Throws what Template::load throws; errors are not cached.
  // Thread-safe: templates load outside the lock, so threads loading
  // different files do not wait for each other.
  Template load(std::string_view id_or_path);

  // The templates held.
  std::size_t size() const;

 private:
  struct Entry {
    std::filesystem::path file;  // resolved
    std::filesystem::file_time_type modified;
    std::uintmax_t bytes = 0;
    Template tpl;
  };

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::map<std::filesystem::path, std::list<Entry>::iterator> by_file_;
};

}  // namespace khung
