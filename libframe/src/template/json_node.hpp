#pragma once
// Reading the library's JSON files (templates, the campaign file) so that
// every error names the file, the JSON path and the problem:
// "template 'x.json': layers[2].font.size: must be a number". The word that
// opens a message ("template", "campaign") is the Source's.

#include "khung/color.hpp"
#include "khung/error.hpp"
#include "khung/image.hpp"
#include "support/limits.hpp"
#include "support/name_table.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace khung::detail {

// What every node of one document shares: the file, for messages and for
// resolving relative asset paths, and the word messages name it by.
struct Source {
  std::filesystem::path file;
  std::filesystem::path dir;  // the folder relative asset paths start from
  std::string kind = "template";

  // "template 'x.json'": how messages name the file.
  std::string name() const { return kind + " '" + file.string() + "'"; }
};

// The Source of a file: its folder is the file's own ("." for a bare name).
Source source_of(const std::filesystem::path& file, std::string kind);

// A JSON value with its path in the document ("layers[2].font.size"). A Node
// refers to its value and Source: both must outlive it.
class Node {
 public:
  Node(const nlohmann::json& value, std::string path, const Source& source)
      : v_(value), path_(std::move(path)), src_(source) {}

  // Throws Error(Template) "<kind> '<file>': <path>: <why>", with the path
  // as its json_path().
  [[noreturn]] void fail(const std::string& why) const;

  const std::string& path() const { return path_; }
  const Source& source() const { return src_; }
  const nlohmann::json& raw() const { return v_; }

  // An object whose keys are all among `allowed` (a typo is an error).
  const Node& object(std::initializer_list<std::string_view> allowed) const;

  bool has(std::string_view key) const { return v_.is_object() && v_.contains(key); }
  // The member `key`; fails with "missing '<key>'" when absent.
  Node operator[](std::string_view key) const;
  std::optional<Node> find(std::string_view key) const;
  // The members of an object, each with its path, sorted by key (as
  // nlohmann keeps them).
  std::vector<std::pair<std::string, Node>> members() const;
  // The elements of an array.
  std::vector<Node> items() const;

  double number(double lo, double hi) const;
  float real(double lo, double hi) const { return static_cast<float>(number(lo, hi)); }
  int integer(int lo, int hi) const;
  bool boolean() const;
  std::string string() const;
  Color color() const;
  // [x, y, width, height] in canvas pixels.
  Rect box() const;
  // [x, y]'s two values, as read with any range.
  std::pair<Node, Node> xy() const;
  // [x, y] in canvas pixels.
  std::pair<float, float> point() const;

  // The value as one of an enum's names: its table (name_table.hpp), or
  // the names written at the call for an enum only templates name.
  template <class E>
  E choice(std::span<const EnumName<E>> names) const {
    const std::string s = string();
    if (auto found = find_enum(names, s)) return *found;
    fail(not_one_of(names, s));
  }
  template <class E>
  E choice(std::initializer_list<EnumName<E>> names) const {
    return choice(std::span<const EnumName<E>>(names.begin(), names.size()));
  }

 private:
  std::string child_path(std::string_view key) const;

  const nlohmann::json& v_;
  std::string path_;
  const Source& src_;
};

// Names an asset of the bundled templates' folder from any file.
constexpr std::string_view kBundledPrefix = "bundled:";

// The asset a string node names: a path inside the Source's folder, or with
// "bundled:" inside the bundled templates' folder; relative, no "..", and
// not escaping through a symbolic link either. Fails on the node otherwise.
std::filesystem::path asset_path(const Node& n);

// The most bytes a template or campaign file may hold.
constexpr std::size_t kMaxJsonBytes = std::size_t{1} << 20;

// Throws Error(Template) "<kind> '<file>': over N bytes" when `size` is
// past the limit.
void check_json_size(std::uintmax_t size, const std::filesystem::path& path, const std::string& kind,
                     std::size_t limit = kMaxJsonBytes);

// The text of a JSON file of at most `limit` bytes. Throws Error(Io) "<kind>
// '<file>': <reason>" when it cannot be read, Error(Template) past the limit.
std::string read_json_text(const std::filesystem::path& path, const std::string& kind,
                           std::size_t limit = kMaxJsonBytes);

// The document `text` holds. Throws Error(Template) "<kind> '<file>':
// invalid JSON at line L, column C" (or nlohmann's reason for a well-formed
// but unreadable value).
nlohmann::json parse_json(const std::string& text, const Source& source);

}  // namespace khung::detail
