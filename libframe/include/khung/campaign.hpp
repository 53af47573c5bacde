#pragma once
// The campaign file: campaign.json beside the templates says what the
// member page shows around the frames (title, description, link, hashtags,
// a caption to post with the photo, the members' units, the order of the
// frames) and draws the app icon from. The schema is documented in
// assets/templates/README.md ("Campaign file").
//
//   if (auto c = load_campaign(Template::bundled_dir()))
//     save_image(campaign_icon(*c, 192, false), "icon-192.png");

#include "khung/color.hpp"
#include "khung/image.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace khung {

// A {{name}} placeholder of the caption and the label a form shows for it.
struct CampaignField {
  std::string name;
  std::string label;
};

// A loaded campaign file. Absent optional texts are empty strings.
struct Campaign {
  std::filesystem::path path;  // the campaign.json it was read from
  std::string title;           // non-empty, at most 120 code points
  std::string tagline;
  std::string description;  // at most 1000 code points
  std::string link;         // empty, or http:// or https://...
  std::vector<std::string> hashtags;  // each "#..." without whitespace
  std::string caption;                // with {{field}} placeholders; at most 2000 code points
  std::vector<CampaignField> fields;  // the caption's placeholders, in order of first use
  std::vector<std::string> units;     // the members' unit choices: distinct, non-empty
  std::vector<std::string> frames;    // template ids in the page's order (not checked against a catalogue)
  std::filesystem::path icon;         // the icon artwork (PNG, JPEG or WebP); empty: none
  Color color{0xC8, 0x10, 0x2E, 255};  // the theme colour, opaque
  // Hex SHA-256 over the icon file's bytes and the colour: changes whenever
  // an icon drawn by campaign_icon could (for ETags). Empty without an icon.
  std::string icon_fingerprint;
};

// The file name of the campaign file in a templates folder.
inline constexpr const char* kCampaignFile = "campaign.json";

// The campaign file of a templates folder (<templates_dir>/campaign.json),
// or nullopt when the folder has none. Unknown keys, wrong types and values
// out of their rules are errors: throws Error(Template) "campaign '<file>':
// <JSON path>: <problem>" (e.g. "campaign 'x/campaign.json': hashtags[1]:
// '#a b' must not hold whitespace"), Error(Io) when it cannot be read.
// The icon is decoded once to check it.
std::optional<Campaign> load_campaign(const std::filesystem::path& templates_dir);

// The app icons a campaign with an icon has: the file name the HTTP service
// serves each as under /v1/campaign/, its side in pixels, and whether it is
// the maskable form (see campaign_icon).
struct CampaignIconSpec {
  const char* name;  // "icon-192.png", "icon-512.png", "maskable-512.png"
  int size;
  bool maskable;
};
const std::vector<CampaignIconSpec>& campaign_icons();

// The JSON object GET /v1/campaign serves: {"title", "tagline",
// "description", "link", "hashtags", "caption", "fields" [{"name",
// "label"}], "units", "frames", "color" ("#RRGGBB"), "icons" (the URLs
// "/v1/campaign/<name>" of campaign_icons(), [] without an icon)}; absent
// texts are "" and absent lists [].
std::string campaign_json(const Campaign& campaign);

// The web app manifest (/manifest.webmanifest) of the member page: the
// campaign's title, description, colour and icons, or Khung's own name and
// colour without a campaign.
std::string web_manifest_json(const std::optional<Campaign>& campaign);

// The campaign's icon artwork fitted into size x size pixels (whole, aspect
// kept, centred). The plain icon is transparent around it. The maskable
// icon is an opaque square of the campaign's colour with the artwork inside
// the safe zone of maskable icons (a centred circle of radius 0.4 * size,
// which a launcher's mask never cuts): the artwork's visible pixels are
// within that circle and within the central 80% square.
// Throws Error(InvalidArgument) when the campaign has no icon or size is
// not between 16 and 2048, and as read_image for an unreadable icon file.
Image campaign_icon(const Campaign& campaign, int size, bool maskable);

}  // namespace khung
