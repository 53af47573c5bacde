#pragma once
// The member page's files, compiled into the binary (generated from
// bindings/http/static/ by embed_static.cmake) so the page works with no
// internet and no files beside the binary.

#include <cstddef>
#include <string_view>

namespace khung::http {

struct StaticFile {
  const char* name;  // file name in static/, e.g. "app.js"
  const char* type;  // Content-Type
  const char* etag;  // strong entity tag, quoted: "\"<32 hex digits of SHA-256>\""
  const unsigned char* data;
  std::size_t size;
};

// Null when there is no such file.
const StaticFile* find_static_file(std::string_view name);

}  // namespace khung::http
