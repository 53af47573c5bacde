// The templates of a folder, listed, loaded and described.
#include "khung/template.hpp"

#include "khung/error.hpp"
#include "template/template_data.hpp"
#include "template/template_id.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace khung {

using nlohmann::json;
using detail::kReservedId;

namespace {

// The ids of the folder's *.json files, sorted.
std::vector<std::string> template_ids(const std::filesystem::path& dir) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec))
    if (it->is_regular_file() && it->path().extension() == ".json" && detail::valid_template_id(it->path().stem().string()) &&
        it->path().stem() != kReservedId)
      ids.push_back(it->path().stem().string());
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

std::vector<Template> list_templates(const std::filesystem::path& dir) {
  std::vector<Template> out;
  for (const auto& id : template_ids(dir)) out.push_back(Template::load_id(id, dir));
  return out;
}

TemplateCatalog load_catalog(const std::filesystem::path& dir) {
  TemplateCatalog out;
  for (const auto& id : template_ids(dir)) {
    try {
      out.templates.push_back(Template::load_id(id, dir));
    } catch (const Error& e) {
      out.problems.push_back({id, e.what(), e.json_path()});
    }
  }
  return out;
}

std::string templates_json(const std::vector<Template>& templates) {
  json out = json::array();
  for (const Template& t : templates) {
    json fields = json::array();
    for (const auto& f : t.fields()) fields.push_back(f.name);
    json entry = {{"id", t.id()},       {"kind", kind_name(t.kind())}, {"width", t.size().width},
                  {"height", t.size().height}, {"fields", fields}, {"photo", t.has_photo()},
                  {"title", t.title()}, {"phone", t.frames_on_phone()}, {"version", t.version()}};
    if (auto w = t.photo_window())
      entry["window"] = {{"x", w->box.x},          {"y", w->box.y},         {"width", w->box.width},
                         {"height", w->box.height}, {"shape", window_shape_name(w->shape)}, {"radius", w->radius}};
    out.push_back(std::move(entry));
  }
  return out.dump(2);
}

}  // namespace khung