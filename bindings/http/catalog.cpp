#include "catalog.hpp"

#include "khung/error.hpp"
#include "khung/signing.hpp"

#include <algorithm>
#include <chrono>

namespace khung::http {

std::shared_ptr<const Catalog> load_catalog_snapshot(const std::filesystem::path& dir, const Catalog* previous) {
  auto c = std::make_shared<Catalog>();
  TemplateCatalog loaded = dir.empty() ? load_catalog() : load_catalog(dir);
  for (const Template& t : loaded.templates) c->templates[t.id()] = t;
  for (const TemplateProblem& p : loaded.problems) {
    const Template* kept = previous ? previous->find(p.id) : nullptr;
    if (kept) {
      c->templates[p.id] = *kept;
      c->problems.push_back("template kept at its last good version: " + p.message);
    } else {
      c->problems.push_back("template left out: " + p.message);
    }
  }
  std::vector<Template> listed;
  for (const auto& [id, t] : c->templates) listed.push_back(t);
  c->templates_json_text = templates_json(listed);
  c->templates_etag = "\"" + sha256_hex(c->templates_json_text) + "\"";

  // The folder's campaign.json: a bad one is left out (and reported) like
  // a bad template; frames it lists that this service does not serve as
  // frames are dropped from its list, each reported.
  try {
    c->campaign = load_campaign(dir.empty() ? Template::bundled_dir() : dir);
  } catch (const Error& e) {
    c->problems.push_back(std::string("campaign left out: ") + e.what());
  }
  if (c->campaign) {
    std::vector<std::string> frames;
    for (std::size_t i = 0; i < c->campaign->frames.size(); ++i) {
      const std::string& id = c->campaign->frames[i];
      const Template* t = c->find(id);
      if (t && t->kind() == TemplateKind::Frame) {
        frames.push_back(id);
        continue;
      }
      c->problems.push_back("campaign frame left out: campaign '" + c->campaign->path.string() + "': frames[" +
                            std::to_string(i) + "]: '" + id + "' is not a frame template of this service");
    }
    c->campaign->frames = std::move(frames);
    c->campaign_text = campaign_json(*c->campaign);
    c->campaign_etag = "\"" + sha256_hex(c->campaign_text) + "\"";
  }
  c->manifest_text = web_manifest_json(c->campaign);
  c->manifest_etag = "\"" + sha256_hex(c->manifest_text) + "\"";
  return c;
}

std::string folder_state(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> entries;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool hidden = name.starts_with(".");  // write_atomically's temporaries too
    if (it->is_directory(ec)) {
      if (hidden || it.depth() >= 2) it.disable_recursion_pending();
      continue;
    }
    if (hidden) continue;
    std::error_code fe;
    const auto size = it->file_size(fe);
    const auto time = it->last_write_time(fe).time_since_epoch().count();
    entries.push_back(it->path().lexically_relative(dir).string() + "\t" + std::to_string(size) + "\t" +
                      std::to_string(time));
  }
  std::sort(entries.begin(), entries.end());
  std::string all;
  for (const std::string& e : entries) all += e + "\n";
  return sha256_hex(all);
}

}  // namespace khung::http
