#pragma once
// What the service serves from its templates folder, as one immutable
// snapshot: the templates, the campaign and the answers made from them
// once. A request holds the snapshot it began with, so a reload (the
// folder changed, an organiser published a frame) never changes what a
// request in flight sees.

#include "khung/campaign.hpp"
#include "khung/template.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace khung::http {

struct Catalog {
  std::map<std::string, Template, std::less<>> templates;
  // "template left out: ...", "template kept at its last good version: ...",
  // "campaign left out: ...", "campaign frame left out: ...".
  std::vector<std::string> problems;
  std::string templates_json_text, templates_etag;
  // The campaign file, its frames narrowed to this catalogue's frames.
  std::optional<Campaign> campaign;
  std::string campaign_text, campaign_etag;
  std::string manifest_text, manifest_etag;

  const Template* find(std::string_view id) const {
    auto it = templates.find(id);
    return it == templates.end() ? nullptr : &it->second;
  }
};

// Loads the folder (empty: the bundled templates). A template that does
// not load is left out, unless `previous` served it: then its previous
// version stays (a frame in use is not taken away by a bad edit).
std::shared_ptr<const Catalog> load_catalog_snapshot(const std::filesystem::path& dir, const Catalog* previous = nullptr);

// A digest of the names, sizes and modification times of the folder's
// files (three levels down; hidden and temporary files left out): changes
// when a file that could change a template or the campaign does.
std::string folder_state(const std::filesystem::path& dir);

}  // namespace khung::http
