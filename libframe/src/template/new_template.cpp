// Starting templates (new_template.hpp): a frame around an overlay, or a
// banner with one field, written into a folder with their artwork.

#include "khung/new_template.hpp"

#include "khung/batch.hpp"
#include "khung/codec.hpp"
#include "khung/error.hpp"
#include "khung/template.hpp"
#include "support/atomic_file.hpp"
#include "template/json_node.hpp"
#include "template/template_id.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace khung {
namespace {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

// The canvas limits Template::load applies (template.cpp).
constexpr std::int64_t kMaxCanvasPixels = 40'000'000;

std::vector<std::uint8_t> read_bytes(const fs::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::Io, what + " '" + path.string() + "': cannot be read");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// read_image, its errors naming the file as `what` ("overlay 'x.png': ...")
// rather than as a photo.
Image read_artwork(const fs::path& path, const std::string& what) {
  try {
    return read_image(path);
  } catch (const Error& e) {
    const std::string prefix = "photo '" + path.string() + "'";
    std::string message = e.what();
    if (message.starts_with(prefix)) message = what + " '" + path.string() + "'" + message.substr(prefix.size());
    throw Error(e.code(), message);
  }
}

// The id asked for, or one made from the artwork's file name.
std::string choose_id(const std::optional<std::string>& given, const fs::path& file, const std::string& fallback) {
  std::string id;
  if (given) {
    id = *given;
  } else if (!file.empty()) {
    id = slugify(file.stem().string());
    if (id.size() > 64) id.resize(64);
    while (!id.empty() && id.back() == '-') id.pop_back();
    if (!detail::valid_template_id(id))
      throw Error(ErrorCode::InvalidArgument, "'" + file.string() +
                                                  "': no template id can be made from the file name; give one "
                                                  "(lower-case letters, digits, '-' and '_')");
  } else {
    id = fallback;
  }
  if (!detail::valid_template_id(id))
    throw Error(ErrorCode::InvalidArgument,
                "template id '" + id + "': ids are 1 to 64 lower-case letters, digits, '-' and '_', not starting with '-' or '_'");
  if (id == "campaign")
    throw Error(ErrorCode::InvalidArgument,
                "template id 'campaign': reserved for the folder's campaign file (campaign.json); give another");
  return id;
}

// "khung_vong-01" -> "khung vong 01".
std::string title_from(const fs::path& file) {
  std::string title = file.stem().string();
  std::replace(title.begin(), title.end(), '-', ' ');
  std::replace(title.begin(), title.end(), '_', ' ');
  const auto first = title.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return title.substr(first, title.find_last_not_of(' ') - first + 1);
}

// How a template in `dir` refers to `file`: its path relative to the folder
// when it lies inside (symbolic links resolved), else nullopt.
std::optional<std::string> path_inside(const fs::path& dir, const fs::path& file) {
  const fs::path base = fs::weakly_canonical(fs::absolute(dir));
  const fs::path target = fs::weakly_canonical(fs::absolute(file));
  const fs::path rel = target.lexically_relative(base);
  if (rel.empty() || *rel.begin() == ".." || rel.is_absolute()) return std::nullopt;
  return rel.generic_string();
}

// The files one template is made of, checked before any is written and
// written together.
struct Plan {
  fs::path dir, json_path;
  std::string json;
  fs::path copy_from, copy_to;  // artwork to copy in; copy_to empty: none
  bool force = false;
};

void refuse_existing(const Plan& plan) {
  std::error_code ec;
  if (!plan.force && fs::exists(plan.json_path, ec))
    throw Error(ErrorCode::Io,
                "template '" + plan.json_path.string() + "': already exists (force replaces it)");
  if (!plan.force && !plan.copy_to.empty() && fs::exists(plan.copy_to, ec) &&
      read_bytes(plan.copy_to, "artwork") != read_bytes(plan.copy_from, "artwork"))
    throw Error(ErrorCode::Io, "artwork '" + plan.copy_to.string() +
                                   "': already exists with other content (force replaces it)");
}

// Writes the artwork and the template, then loads the template; on any
// failure removes what it wrote.
NewTemplate carry_out(const Plan& plan) {
  refuse_existing(plan);
  NewTemplate made{plan.json_path, {}, {}};
  std::error_code ec;
  const bool had_copy = !plan.copy_to.empty() && fs::exists(plan.copy_to, ec);
  std::vector<fs::path> written;
  try {
    fs::create_directories(plan.dir);
    if (!plan.copy_to.empty()) {
      fs::create_directories(plan.copy_to.parent_path());
      const auto bytes = read_bytes(plan.copy_from, "artwork");
      detail::write_atomically(plan.copy_to, bytes);
      if (!had_copy) written.push_back(plan.copy_to);
      made.copied.push_back(plan.copy_to);
    }
    detail::write_atomically(plan.json_path,
                             {reinterpret_cast<const std::uint8_t*>(plan.json.data()), plan.json.size()});
    written.push_back(plan.json_path);
    Template::load(plan.json_path.string());
  } catch (const fs::filesystem_error& e) {
    for (const fs::path& p : written) fs::remove(p, ec);
    throw Error(ErrorCode::Io, "folder '" + plan.dir.string() + "': " + e.code().message());
  } catch (...) {
    for (const fs::path& p : written) fs::remove(p, ec);
    throw;
  }
  return made;
}

// A template's JSON with one layer a line, as the bundled ones are laid out.
std::string template_text(const ordered_json& head, const std::vector<ordered_json>& layers) {
  std::string out = "{\n";
  for (const auto& [key, value] : head.items()) out += "  " + ordered_json(key).dump() + ": " + value.dump() + ",\n";
  out += "  \"layers\": [\n";
  for (std::size_t i = 0; i < layers.size(); ++i)
    out += "    " + layers[i].dump() + (i + 1 < layers.size() ? ",\n" : "\n");
  out += "  ]\n}\n";
  return out;
}

// The template's path to `file`: where it is, when inside the folder;
// else <folder>/<id><extension> (lower-case), where the plan copies it.
std::string place_artwork(Plan& plan, const char* folder, const std::string& id, const fs::path& file) {
  if (auto inside = path_inside(plan.dir, file)) return *inside;
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  plan.copy_from = file;
  plan.copy_to = plan.dir / folder / (id + ext);
  return std::string(folder) + "/" + plan.copy_to.filename().string();
}

}  // namespace

NewTemplate write_frame_template(const NewFrameOptions& options) {
  const std::string id = choose_id(options.id, options.overlay, "frame");
  const Image overlay = read_artwork(options.overlay, "overlay");
  const std::string name = "overlay '" + options.overlay.string() + "'";
  if (overlay.width() > detail::kMaxSide || overlay.height() > detail::kMaxSide ||
      static_cast<std::int64_t>(overlay.width()) * overlay.height() > kMaxCanvasPixels)
    throw Error(ErrorCode::Template, name + ": " + std::to_string(overlay.width()) + "x" +
                                         std::to_string(overlay.height()) +
                                         " is larger than a template's canvas may be (at most " +
                                         std::to_string(detail::kMaxSide) + " px a side and 40 megapixels)");
  OverlayCheck check = check_frame_overlay(overlay);
  for (const OverlayProblem& p : check.problems)
    if (p.blocking) throw Error(ErrorCode::Template, name + ": " + p.message);

  Plan plan;
  plan.dir = options.dir;
  plan.json_path = options.dir / (id + ".json");
  plan.force = options.force;
  const std::string src = place_artwork(plan, "frames", id, options.overlay);
  std::string title = options.title ? *options.title : title_from(options.overlay);
  if (title.empty()) title = id;

  ordered_json head;
  head["title"] = title;
  head["width"] = overlay.width();
  head["height"] = overlay.height();
  const ordered_json photo = {{"type", "photo"}, {"window", {{"shape", "auto"}}}};
  const ordered_json image = {{"type", "image"}, {"src", src}};
  plan.json = template_text(head, {photo, image});
  NewTemplate made = carry_out(plan);
  made.advice = std::move(check.problems);
  return made;
}

NewTemplate write_banner_template(const NewBannerOptions& options) {
  const int w = options.size.width, h = options.size.height;
  if (w < 1 || h < 1 || w > detail::kMaxSide || h > detail::kMaxSide ||
      static_cast<std::int64_t>(w) * h > kMaxCanvasPixels)
    throw Error(ErrorCode::InvalidArgument, "banner size " + std::to_string(w) + "x" + std::to_string(h) +
                                                ": the width and height must be 1 to " +
                                                std::to_string(detail::kMaxSide) + " px, 40 megapixels at most");
  const std::string id = choose_id(options.id, {}, "banner");

  Plan plan;
  plan.dir = options.dir;
  plan.json_path = options.dir / (id + ".json");
  plan.force = options.force;
  // The text box: the middle third of the canvas's height, a tenth in from either side.
  const int box_x = w / 10, box_h = std::max(1, h / 3);
  const int box_w = std::max(1, w - 2 * box_x), box_y = (h - box_h) / 2;
  std::vector<ordered_json> layers;
  if (!options.background.empty()) {
    read_artwork(options.background, "background");  // an unreadable image is refused before anything is written
    const std::string src = place_artwork(plan, "images", id, options.background);
    layers.push_back({{"type", "image"}, {"src", src}, {"fit", "cover"}});
    // A dark band keeps white text legible on any picture.
    layers.push_back({{"type", "fill"},
                      {"shape", {{"type", "rect"}, {"box", {0, box_y, w, box_h}}}},
                      {"color", "#000000"},
                      {"opacity", 0.35}});
  } else {
    layers.push_back({{"type", "fill"}, {"color", "#C8102E"}});
  }
  ordered_json head;
  head["title"] = options.title ? *options.title : "Banner " + std::to_string(w) + "x" + std::to_string(h);
  head["width"] = w;
  head["height"] = h;
  if (!options.text) {
    plan.json = template_text(head, layers);
    return carry_out(plan);
  }
  // Auto-fit from a size two lines fill down to a small one; the text
  // shrinks for a long name.
  const int largest = std::clamp(box_h * 2 / 5, 1, 2048), smallest = std::clamp(box_h / 8, 1, largest);
  layers.push_back({{"type", "text"},
                    {"text", "{{name}}"},
                    {"box", {box_x, box_y, box_w, box_h}},
                    {"font", {{"family", "Noto Sans"}, {"weight", 700}, {"size", {smallest, largest}}}},
                    {"color", "#FFFFFF"},
                    {"align", "center"},
                    {"valign", "middle"},
                    {"max_lines", 2},
                    {"wrap", "balance"}});

  head["fields"] = {{"name", {{"label", "Họ và tên"}, {"sample", "Nguyễn Thị Phượng"}}}};
  plan.json = template_text(head, layers);
  return carry_out(plan);
}

Template save_template(std::string_view json, const fs::path& file) {
  // Laid out first, then parsed as laid out: the template returned (and
  // its fingerprint) is the saved file's. What is not a JSON object with
  // a list of layers gets parse()'s own error for it.
  ordered_json doc = ordered_json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("layers") || !doc["layers"].is_array())
    Template::parse(json, file);  // throws
  std::vector<ordered_json> layers(doc["layers"].begin(), doc["layers"].end());
  doc.erase("layers");
  const std::string text = template_text(doc, layers);
  Template saved = Template::parse(text, file);  // throws for what a render would refuse, writing nothing
  detail::write_atomically(file, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  return saved;
}

std::vector<std::string> template_images(const fs::path& dir) {
  static const std::vector<std::string> kExtensions = {".png", ".jpg", ".jpeg", ".webp", ".heic", ".heif", ".gif"};
  const auto is_image = [](const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
  };
  const auto list = [&](const fs::path& root, const std::string& prefix) {
    std::vector<std::string> found;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const bool hidden = it->path().filename().string().starts_with(".");
      if (it->is_directory(ec) && (hidden || it.depth() >= 2)) it.disable_recursion_pending();
      if (!hidden && it->is_regular_file(ec) && is_image(it->path()))
        found.push_back(prefix + it->path().lexically_relative(root).generic_string());
    }
    std::sort(found.begin(), found.end());
    return found;
  };
  std::vector<std::string> out = list(dir, "");
  for (std::string& b : list(Template::bundled_dir(), "bundled:")) out.push_back(std::move(b));
  return out;
}

}  // namespace khung
