#include "khung/campaign.hpp"

#include "codec/codecs.hpp"
#include "khung/codec.hpp"
#include "khung/error.hpp"
#include "khung/signing.hpp"
#include "khung/unicode.hpp"
#include "photo/composite.hpp"
#include "photo/resample.hpp"
#include "template/json_node.hpp"
#include "template/template_data.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace khung {
namespace {

using namespace detail;

constexpr std::size_t kMaxTitle = 120, kMaxTagline = 200, kMaxDescription = 1000, kMaxCaption = 2000;
constexpr std::size_t kMaxLink = 2000, kMaxHashtag = 100, kMaxHashtags = 30, kMaxLabel = 200;
constexpr std::size_t kMaxUnit = 200, kMaxUnits = 500, kMaxFrames = 100;

// Code points of well-formed UTF-8 (nlohmann refuses any other).
std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string text(const Node& n, std::size_t max_code_points, bool required = false) {
  std::string s = n.string();
  if (required && s.empty()) n.fail("must not be empty");
  if (code_points(s) > max_code_points) n.fail("at most " + std::to_string(max_code_points) + " characters");
  return s;
}

std::vector<std::string> distinct_texts(const Node& n, std::size_t max_items, std::size_t max_code_points) {
  auto items = n.items();
  if (items.size() > max_items) n.fail("at most " + std::to_string(max_items) + " entries");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string s = text(items[i], max_code_points, true);
    auto same = std::find(out.begin(), out.end(), s);
    if (same != out.end())
      items[i].fail("'" + s + "' is already " + n.path() + "[" + std::to_string(same - out.begin()) + "]");
    out.push_back(std::move(s));
  }
  return out;
}

std::string color_hex(Color c) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "#%02X%02X%02X", c.r, c.g, c.b);
  return hex;
}

// Checks the icon as a template's image layer is checked (read, decoded),
// and that it is a format every browser shows; returns its fingerprint.
std::string check_icon(const Node& n, const std::filesystem::path& file, Color color) {
  try {
    std::vector<std::uint8_t> bytes = read_file(file, DecodeLimits{}.max_bytes);
    const ImageFormat format = probe_image(bytes).format;
    if (format != ImageFormat::Png && format != ImageFormat::Jpeg && format != ImageFormat::Webp)
      throw Error(ErrorCode::Unsupported, std::string("is ") + display_name(format) + "; an icon must be PNG, JPEG or WebP");
    decode_image(bytes);
    return sha256_hex(sha256_hex({reinterpret_cast<const char*>(bytes.data()), bytes.size()}) + color_hex(color));
  } catch (const Error& e) {
    n.fail("image '" + file.string() + "': " + e.what());
  }
}

Campaign parse_campaign(const std::filesystem::path& file) {
  const Source source = source_of(file, "campaign");
  const std::string json_text = read_json_text(file, source.kind);
  const nlohmann::json doc = parse_json(json_text, source);
  Node root(doc, "", source);
  root.object({"title", "tagline", "description", "link", "hashtags", "caption", "fields", "units", "frames", "icon",
               "color"});

  Campaign c;
  c.path = file;
  c.title = text(root["title"], kMaxTitle, true);
  if (auto n = root.find("tagline")) c.tagline = text(*n, kMaxTagline);
  if (auto n = root.find("description")) c.description = text(*n, kMaxDescription);
  if (auto n = root.find("link")) {
    c.link = text(*n, kMaxLink);
    if (!c.link.starts_with("https://") && !c.link.starts_with("http://")) n->fail("must start with https:// or http://");
    if (c.link.find("://") + 3 >= c.link.size() || has_whitespace(c.link))
      n->fail("must be a web address with no spaces");
  }
  if (auto n = root.find("hashtags")) {
    auto items = n->items();
    if (items.size() > kMaxHashtags) n->fail("at most " + std::to_string(kMaxHashtags) + " entries");
    for (const Node& item : items) {
      std::string tag = text(item, kMaxHashtag);
      if (tag.size() < 2 || tag[0] != '#') item.fail("'" + tag + "' must start with '#' and a word");
      if (has_whitespace(tag)) item.fail("'" + tag + "' must not hold whitespace");
      c.hashtags.push_back(std::move(tag));
    }
  }

  // The caption's placeholders and their labels, one for one.
  std::vector<std::string> used;
  if (auto n = root.find("caption")) {
    c.caption = text(*n, kMaxCaption);
    try {
      for (const auto& p : find_placeholders(c.caption))
        if (std::find(used.begin(), used.end(), p.name) == used.end()) used.push_back(p.name);
    } catch (const Error& e) {
      n->fail(e.what());
    }
  }
  std::map<std::string, std::string> labels;
  if (auto n = root.find("fields"))
    for (const auto& [name, field] : n->members()) {
      field.object({"label"});
      if (std::find(used.begin(), used.end(), name) == used.end()) field.fail("is not used by the caption");
      labels[name] = text(field["label"], kMaxLabel, true);
    }
  for (const std::string& name : used) {
    if (!labels.count(name))
      root["caption"].fail("placeholder '{{" + name + "}}' has no entry in 'fields' (its label)");
    c.fields.push_back({name, labels[name]});
  }

  if (auto n = root.find("units")) c.units = distinct_texts(*n, kMaxUnits, kMaxUnit);
  if (auto n = root.find("frames")) c.frames = distinct_texts(*n, kMaxFrames, 64);
  if (auto n = root.find("color")) {
    c.color = n->color();
    if (c.color.a != 255) n->fail("must be opaque (a theme colour has no transparency)");
  }
  if (auto n = root.find("icon")) {
    c.icon = asset_path(*n);
    c.icon_fingerprint = check_icon(*n, c.icon, c.color);
  }
  return c;
}

}  // namespace

const std::vector<CampaignIconSpec>& campaign_icons() {
  static const std::vector<CampaignIconSpec> icons = {
      {"icon-192.png", 192, false}, {"icon-512.png", 512, false}, {"maskable-512.png", 512, true}};
  return icons;
}

std::optional<Campaign> load_campaign(const std::filesystem::path& templates_dir) {
  const std::filesystem::path file = templates_dir / kCampaignFile;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  return parse_campaign(file);
}

std::string campaign_json(const Campaign& c) {
  using ordered = nlohmann::ordered_json;
  ordered fields = ordered::array();
  for (const auto& f : c.fields) fields.push_back({{"name", f.name}, {"label", f.label}});
  ordered icons = ordered::array();
  if (!c.icon.empty())
    for (const auto& icon : campaign_icons()) icons.push_back(std::string("/v1/campaign/") + icon.name);
  ordered out = {{"title", c.title},     {"tagline", c.tagline}, {"description", c.description},
                 {"link", c.link},       {"hashtags", c.hashtags}, {"caption", c.caption},
                 {"fields", fields},     {"units", c.units},     {"frames", c.frames},
                 {"color", color_hex(c.color)}, {"icons", icons}};
  return out.dump(2);
}

std::string web_manifest_json(const std::optional<Campaign>& campaign) {
  using ordered = nlohmann::ordered_json;
  const std::string own_name = "Khung ảnh";
  const std::string name = campaign ? campaign->title : own_name;
  const std::string description =
      !campaign ? "Gắn khung cho ảnh đại diện" : !campaign->description.empty() ? campaign->description : campaign->tagline;
  ordered icons = ordered::array();
  if (campaign && !campaign->icon.empty())
    for (const auto& icon : campaign_icons()) {
      const std::string side = std::to_string(icon.size);
      icons.push_back({{"src", std::string("/v1/campaign/") + icon.name},
                       {"sizes", side + "x" + side},
                       {"type", "image/png"},
                       {"purpose", icon.maskable ? "maskable" : "any"}});
    }
  ordered out = {{"name", name},
                 {"short_name", code_points(name) <= 12 ? name : own_name},
                 {"description", description},
                 {"lang", "vi"},
                 {"start_url", "/"},
                 {"scope", "/"},
                 {"display", "standalone"},
                 {"background_color", "#faf6ef"},
                 {"theme_color", color_hex(campaign ? campaign->color : Campaign{}.color)},
                 {"icons", icons}};
  return out.dump(2);
}

Image campaign_icon(const Campaign& campaign, int size, bool maskable) {
  if (campaign.icon.empty()) throw Error(ErrorCode::InvalidArgument, "campaign '" + campaign.path.string() + "': has no icon");
  if (size < 16 || size > 2048)
    throw Error(ErrorCode::InvalidArgument, "icon size " + std::to_string(size) + ": must be between 16 and 2048");
  Image art = read_image(campaign.icon);
  const double w = art.width(), h = art.height();
  double scale = std::min(size / w, size / h);
  Image icon(size, size, maskable ? campaign.color : Color{0, 0, 0, 0});
  if (maskable) {
    // Inside the central 80%, and every visible pixel inside the safe
    // circle: a round emblem fills the 80% square, a square picture
    // shrinks until its corners are in the circle.
    double reach = 0;  // the farthest visible point from the centre, in source pixels
    for (int y = 0; y < art.height(); ++y)
      for (int x = 0; x < art.width(); ++x)
        if (art.row(y)[4 * x + 3] != 0) {
          const double dx = std::max(std::abs(x - w / 2), std::abs(x + 1 - w / 2));
          const double dy = std::max(std::abs(y - h / 2), std::abs(y + 1 - h / 2));
          reach = std::max(reach, std::hypot(dx, dy));
        }
    scale *= 0.8;
    if (reach > 0) scale = std::min(scale, 0.4 * size / reach);
  }
  const Size fitted{std::clamp(static_cast<int>(std::lround(w * scale)), 1, size),
                    std::clamp(static_cast<int>(std::lround(h * scale)), 1, size)};
  const Image scaled = resize_image(std::move(art), fitted);
  composite_image(icon, scaled, (size - fitted.width) / 2, (size - fitted.height) / 2);
  return icon;
}

}  // namespace khung
