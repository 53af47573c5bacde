// Templates found by id or path and loaded; what a loaded one shows.
#include "khung/template.hpp"

#include "khung/error.hpp"
#include "template/json_node.hpp"
#include "template/template_data.hpp"
#include "template/template_id.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace khung {

using namespace detail;

bool detail::valid_template_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return id[0] != '-' && id[0] != '_';
}

namespace {

constexpr EnumName<TemplateKind> kKinds[] = {{"frame", TemplateKind::Frame}, {"banner", TemplateKind::Banner}};

}  // namespace

const char* kind_name(TemplateKind kind) { return enum_name<TemplateKind>(kKinds, kind); }

std::filesystem::path Template::bundled_dir() { return data_dir() / "assets" / "templates"; }

namespace {

void check_id(std::string_view id) {
  if (!detail::valid_template_id(id))
    throw Error(ErrorCode::InvalidArgument,
                "template id '" + std::string(id) + "': ids are lower-case letters, digits, '-' and '_'");
}

}  // namespace

std::filesystem::path template_file(const std::filesystem::path& dir, std::string_view id) {
  check_id(id);
  if (id == kReservedId)
    throw Error(ErrorCode::InvalidArgument, "template id 'campaign': reserved for the campaign file (campaign.json)");
  return dir / (std::string(id) + ".json");
}

namespace {

// Template::load's rule: text with a '/' or ending in .json is a path.
bool is_id(std::string_view id_or_path) {
  return !id_or_path.ends_with(".json") && id_or_path.find('/') == std::string_view::npos;
}

// The file of template `id` in `dir`. Throws Error(NotFound) when there is
// none, Error(InvalidArgument) for a malformed id.
std::filesystem::path id_file(std::string_view id, const std::filesystem::path& dir) {
  check_id(id);
  std::filesystem::path file = dir / (std::string(id) + ".json");
  std::error_code ec;
  if (id == kReservedId || !std::filesystem::is_regular_file(file, ec))
    throw Error(ErrorCode::NotFound, "template '" + std::string(id) + "': no such template");
  return file;
}

Template from_source(const TemplateSource& source) { return TemplateAccess::wrap(parse_template(source.file, source.text)); }

}  // namespace

Template Template::load_id(std::string_view id, const std::filesystem::path& dir) {
  const std::filesystem::path file = id_file(id, dir);
  return from_source({file, read_json_text(file, "template")});
}

std::filesystem::path Template::file_for(std::string_view id_or_path) {
  if (is_id(id_or_path)) return bundled_dir() / (std::string(id_or_path) + ".json");
  return std::filesystem::path(id_or_path);
}

Template Template::load(std::string_view id_or_path) { return from_source(read_template(id_or_path)); }

Template Template::parse(std::string_view json, const std::filesystem::path& file) {
  detail::check_json_size(json.size(), file, "template");
  return from_source({file, std::string(json)});
}

namespace detail {

TemplateSource read_template(std::string_view id_or_path) {
  if (is_id(id_or_path)) {
    const std::filesystem::path file = id_file(id_or_path, Template::bundled_dir());
    return {file, read_json_text(file, "template")};
  }
  std::filesystem::path file(id_or_path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw Error(ErrorCode::NotFound, "template '" + file.string() + "': no such file");
  return {file, read_json_text(file, "template")};
}

std::optional<Size> peek_template_size(const std::string& text) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    const Size size{j.at("width").get<int>(), j.at("height").get<int>()};
    if (size.width > 0 && size.height > 0) return size;
  } catch (const std::exception&) {
    // parse_template reports it.
  }
  return std::nullopt;
}

}  // namespace detail

const std::string& Template::id() const { return data_->id; }
const std::string& Template::title() const { return data_->title; }
TemplateKind Template::kind() const { return data_->has_photo ? TemplateKind::Frame : TemplateKind::Banner; }
Size Template::size() const { return data_->size; }
bool Template::has_photo() const { return data_->has_photo; }
const std::vector<TemplateField>& Template::fields() const { return data_->fields; }
const std::filesystem::path& Template::path() const { return data_->path; }
const std::string& Template::fingerprint() const { return data_->fingerprint; }
std::string Template::version() const { return data_->fingerprint.substr(0, 16); }

bool Template::frames_on_phone() const {
  const auto& layers = data_->layers;
  auto slot = std::find_if(layers.begin(), layers.end(), [](const Layer& l) { return std::holds_alternative<PhotoLayer>(l); });
  if (slot == layers.end() || layers.end() - slot != 2 || !std::holds_alternative<ImageLayer>(*(slot + 1))) return false;
  // Fields come only from placeholders (parse_template): none, none anywhere.
  return data_->fields.empty();
}

std::optional<PhotoWindow> Template::photo_window() const {
  for (const Layer& l : data_->layers)
    if (const auto* p = std::get_if<PhotoLayer>(&l)) return p->shape;
  return std::nullopt;
}

}  // namespace khung
