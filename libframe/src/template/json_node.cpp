#include "template/json_node.hpp"

#include "khung/template.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>

namespace khung::detail {

using nlohmann::json;

namespace {

std::string format_number(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

}  // namespace

Source source_of(const std::filesystem::path& file, std::string kind) {
  return {file, file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path(), std::move(kind)};
}

void Node::fail(const std::string& why) const {
  throw Error(ErrorCode::Template, src_.name() + ": " + (path_.empty() ? "" : path_ + ": ") + why, path_);
}

const Node& Node::object(std::initializer_list<std::string_view> allowed) const {
  if (!v_.is_object()) fail("must be an object");
  for (const auto& [key, value] : v_.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string list;
    for (auto k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
    Node(value, child_path(key), src_).fail("unknown key (expected one of: " + list + ")");
  }
  return *this;
}

Node Node::operator[](std::string_view key) const {
  if (!has(key)) fail("missing '" + std::string(key) + "'");
  return Node(v_.at(std::string(key)), child_path(key), src_);
}

std::optional<Node> Node::find(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return Node(v_.at(std::string(key)), child_path(key), src_);
}

std::vector<std::pair<std::string, Node>> Node::members() const {
  if (!v_.is_object()) fail("must be an object");
  std::vector<std::pair<std::string, Node>> out;
  for (const auto& [key, value] : v_.items()) out.emplace_back(key, Node(value, child_path(key), src_));
  return out;
}

std::vector<Node> Node::items() const {
  if (!v_.is_array()) fail("must be an array");
  std::vector<Node> out;
  for (std::size_t i = 0; i < v_.size(); ++i) out.emplace_back(v_[i], path_ + "[" + std::to_string(i) + "]", src_);
  return out;
}

double Node::number(double lo, double hi) const {
  if (!v_.is_number()) fail("must be a number");
  double d = v_.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) fail("must be between " + format_number(lo) + " and " + format_number(hi));
  return d;
}

int Node::integer(int lo, int hi) const {
  if (!v_.is_number_integer()) fail("must be a whole number");
  auto i = v_.get<std::int64_t>();
  if (i < lo || i > hi) fail("must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return static_cast<int>(i);
}

bool Node::boolean() const {
  if (!v_.is_boolean()) fail("must be true or false");
  return v_.get<bool>();
}

std::string Node::string() const {
  if (!v_.is_string()) fail("must be a string");
  return v_.get<std::string>();
}

Color Node::color() const {
  try {
    return parse_color(string());
  } catch (const Error& e) {
    fail(e.what());
  }
}

Rect Node::box() const {
  if (!v_.is_array() || v_.size() != 4) fail("must be [x, y, width, height]");
  auto p = items();
  return Rect{p[0].integer(-kMaxSide, kMaxSide), p[1].integer(-kMaxSide, kMaxSide), p[2].integer(1, kMaxSide),
              p[3].integer(1, kMaxSide)};
}

std::pair<Node, Node> Node::xy() const {
  if (!v_.is_array() || v_.size() != 2) fail("must be [x, y]");
  auto p = items();
  return {p[0], p[1]};
}

std::pair<float, float> Node::point() const {
  const auto [x, y] = xy();
  return {x.real(-kMaxSide, kMaxSide), y.real(-kMaxSide, kMaxSide)};
}

std::string Node::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::filesystem::path asset_path(const Node& n) {
  const std::string text = n.string();
  const bool bundled = text.starts_with(kBundledPrefix);
  const std::string rel = bundled ? text.substr(kBundledPrefix.size()) : text;
  const std::filesystem::path root = bundled ? Template::bundled_dir() : n.source().dir;
  const std::string folder = bundled ? "the bundled assets folder" : "the " + n.source().kind + "'s folder";
  std::filesystem::path p(rel);
  if (rel.empty() || p.is_absolute() || rel.find('\\') != std::string::npos)
    n.fail("'" + text + "' must be a path relative to " + folder);
  for (const auto& part : p)
    if (part == "..") n.fail("'" + text + "' must stay inside " + folder + " ('..' is refused)");
  std::error_code ec;
  auto base = std::filesystem::weakly_canonical(root, ec);
  auto full = std::filesystem::weakly_canonical(root / p, ec);
  auto [b, f] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
  if (ec || b != base.end()) n.fail("'" + text + "' must stay inside " + folder);
  return full;
}

void check_json_size(std::uintmax_t size, const std::filesystem::path& path, const std::string& kind,
                     std::size_t limit) {
  if (size > limit)
    throw Error(ErrorCode::Template, kind + " '" + path.string() + "': over " + std::to_string(limit) + " bytes");
}

std::string read_json_text(const std::filesystem::path& path, const std::string& kind, std::size_t limit) {
  const std::string name = kind + " '" + path.string() + "'";
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(ErrorCode::Io, name + ": " + ec.message());
  check_json_size(size, path, kind, limit);
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw Error(ErrorCode::Io, name + ": cannot be read");
  return text;
}

json parse_json(const std::string& text, const Source& source) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw Error(ErrorCode::Template,
                source.name() + ": invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(col));
  } catch (const json::exception& e) {
    // Well-formed but unreadable, such as a number past a double's range:
    // nlohmann's message without its "[json.exception....] " tag.
    std::string what = e.what();
    if (auto tag = what.find("] "); tag != std::string::npos) what.erase(0, tag + 2);
    throw Error(ErrorCode::Template, source.name() + ": invalid JSON: " + what);
  }
}

}  // namespace khung::detail
