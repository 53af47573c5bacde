// The campaign file (campaign.hpp): the bundled one, every schema rule with
// its JSON path, its place beside the templates, its JSON, the web app
// manifest, and the icons drawn from it.

#include "khung/campaign.hpp"
#include "khung/codec.hpp"
#include "khung/error.hpp"
#include "khung/template.hpp"

#include <catch2/catch.hpp>

#include "scratch.hpp"
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace khung;
using nlohmann::json;

namespace {

// A templates folder with a campaign.json made from `doc`.
struct CampaignDir : ScratchDir {
  CampaignDir() : ScratchDir("campaign-test") { std::filesystem::create_directories(dir / "art"); }
  std::filesystem::path file() const { return dir / "campaign.json"; }
  std::string error_of(const json& doc) const {
    write("campaign.json", doc.dump());
    try {
      load_campaign(dir);
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::Template);
      return e.what();
    }
    return "(loaded)";
  }
};

json valid() {
  return {{"title", "Sáng kiến"},
          {"caption", "Tôi là {{name}} ({{unit}}), {{name}}"},
          {"fields", {{"unit", {{"label", "Đơn vị"}}}, {"name", {{"label", "Họ và tên"}}}}},
          {"units", {"Tổ 1", "Tổ 2"}},
          {"hashtags", {"#SangKien"}},
          {"link", "https://example.org/"}};
}

}  // namespace

TEST_CASE("the bundled campaign loads with its fields in the caption's order", "[campaign]") {
  const auto c = load_campaign(Template::bundled_dir());
  REQUIRE(c);
  CHECK(c->title == "01 triệu sáng kiến");
  CHECK(c->tagline == "Tự hào trí tuệ lao động Việt Nam");
  CHECK(c->link == "https://www.congdoan.vn/");
  REQUIRE(c->fields.size() == 2);
  CHECK(c->fields[0].name == "name");
  CHECK(c->fields[0].label == "Họ và tên");
  CHECK(c->fields[1].name == "unit");
  CHECK(c->fields[1].label == "Đơn vị (công đoàn cơ sở)");
  CHECK(c->frames == std::vector<std::string>{"frame-ribbon", "frame-ring"});
  CHECK(c->units.size() >= 3);
  CHECK(c->hashtags.size() >= 3);
  CHECK(c->color == Color{0xC8, 0x10, 0x2E, 255});
  CHECK(c->icon == std::filesystem::weakly_canonical(Template::bundled_dir() / "images" / "emblem.png"));
  CHECK(c->icon_fingerprint.size() == 64);
}

TEST_CASE("the campaign's JSON holds the file's content", "[campaign]") {
  const auto c = load_campaign(Template::bundled_dir());
  REQUIRE(c);
  const json file = json::parse(std::ifstream(Template::bundled_dir() / "campaign.json"));
  const json served = json::parse(campaign_json(*c));
  for (const char* key : {"title", "tagline", "description", "link", "hashtags", "caption", "units", "frames", "color"})
    CHECK(served[key] == file[key]);
  CHECK(served["fields"] == json::array({{{"name", "name"}, {"label", "Họ và tên"}},
                                         {{"name", "unit"}, {"label", "Đơn vị (công đoàn cơ sở)"}}}));
  CHECK(served["icons"] ==
        json::array({"/v1/campaign/icon-192.png", "/v1/campaign/icon-512.png", "/v1/campaign/maskable-512.png"}));

  // Absent texts are "", absent lists [], no icon no icons.
  CampaignDir d;
  d.write("campaign.json", R"({"title": "Chỉ tên"})");
  const json bare = json::parse(campaign_json(*load_campaign(d.dir)));
  CHECK(bare == json{{"title", "Chỉ tên"}, {"tagline", ""}, {"description", ""}, {"link", ""}, {"hashtags", json::array()},
                     {"caption", ""}, {"fields", json::array()}, {"units", json::array()}, {"frames", json::array()},
                     {"color", "#C8102E"}, {"icons", json::array()}});
}

TEST_CASE("each schema error names the file, its JSON path and the problem", "[campaign][validation]") {
  CampaignDir d;
  CHECK(d.error_of(valid()) == "(loaded)");
  const std::string at = "campaign '" + d.file().string() + "': ";
  auto with = [](const char* key, json value) {
    json doc = valid();
    doc[key] = std::move(value);
    return doc;
  };
  CHECK(d.error_of(with("colour", "#fff")) ==
        at + "colour: unknown key (expected one of: title, tagline, description, link, hashtags, caption, fields, "
             "units, frames, icon, color)");
  json no_title = valid();
  no_title.erase("title");
  CHECK(d.error_of(no_title) == at + "missing 'title'");
  CHECK(d.error_of(with("title", "")) == at + "title: must not be empty");
  CHECK(d.error_of(with("title", std::string(121, 'a'))) == at + "title: at most 120 characters");
  CHECK(d.error_of(with("title", std::string(120, 'a'))) == "(loaded)");
  CHECK(d.error_of(with("hashtags", {"#ok", "#a b"})) == at + "hashtags[1]: '#a b' must not hold whitespace");
  CHECK(d.error_of(with("hashtags", {"#a\u00A0b"})) == at + "hashtags[0]: '#a\u00A0b' must not hold whitespace");
  CHECK(d.error_of(with("hashtags", {"SangKien"})) == at + "hashtags[0]: 'SangKien' must start with '#' and a word");
  CHECK(d.error_of(with("hashtags", "#SangKien")) == at + "hashtags: must be an array");
  CHECK(d.error_of(with("caption", "{{name}} {{unit}} {{team}}")) ==
        at + "caption: placeholder '{{team}}' has no entry in 'fields' (its label)");
  CHECK(d.error_of(with("caption", "{{name}} {{unit")) == at + "caption: unclosed '{{' at byte 9");
  CHECK(d.error_of(with("caption", "Chỉ {{name}}")) == at + "fields.unit: is not used by the caption");
  json no_label = valid();
  no_label["fields"]["unit"] = json::object();
  CHECK(d.error_of(no_label) == at + "fields.unit: missing 'label'");
  no_label["fields"]["unit"] = {{"label", "Đơn vị"}, {"sample", "x"}};
  CHECK(d.error_of(no_label) == at + "fields.unit.sample: unknown key (expected one of: label)");
  CHECK(d.error_of(with("units", {"Tổ 1", "Tổ 2", "Tổ 1"})) == at + "units[2]: 'Tổ 1' is already units[0]");
  CHECK(d.error_of(with("units", {"Tổ 1", ""})) == at + "units[1]: must not be empty");
  CHECK(d.error_of(with("units", json::array({1}))) == at + "units[0]: must be a string");
  CHECK(d.error_of(with("link", "www.congdoan.vn")) == at + "link: must start with https:// or http://");
  CHECK(d.error_of(with("link", "https://")) == at + "link: must be a web address with no spaces");
  CHECK(d.error_of(with("link", "http://x.vn/a b")) == at + "link: must be a web address with no spaces");
  CHECK(d.error_of(with("color", "#ff00zz")).rfind(at + "color: colour '#ff00zz': ", 0) == 0);
  CHECK(d.error_of(with("color", "#C8102E80")) == at + "color: must be opaque (a theme colour has no transparency)");
  CHECK(d.error_of(with("frames", {"frame-ring", "frame-ring"})) == at + "frames[1]: 'frame-ring' is already frames[0]");
  // Unknown frame ids are the server's to drop: not a load error.
  CHECK(d.error_of(with("frames", {"no-such-frame"})) == "(loaded)");

  // The icon: inside the folder (or bundled:), and an image browsers show.
  CHECK(d.error_of(with("icon", "../emblem.png")) ==
        at + "icon: '../emblem.png' must stay inside the campaign's folder ('..' is refused)");
  CHECK(d.error_of(with("icon", "/etc/hostname")) == at + "icon: '/etc/hostname' must be a path relative to the campaign's folder");
  std::filesystem::create_directory_symlink("/etc", d.dir / "art" / "etc");
  CHECK(d.error_of(with("icon", "art/etc/hostname")) == at + "icon: 'art/etc/hostname' must stay inside the campaign's folder");
  d.write("art/notes.png", "these are not pixels\n");
  CHECK(d.error_of(with("icon", "art/notes.png"))
            .rfind(at + "icon: image '" + (d.dir / "art" / "notes.png").string() + "': not an image Khung reads", 0) == 0);
  CHECK(d.error_of(with("icon", "art/none.png")).rfind(at + "icon: image '" + (d.dir / "art" / "none.png").string() + "': ", 0) == 0);
  // GIF decodes, but is no app icon.
  d.write("art/dot.gif", std::string("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
                                     "\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;", 43));
  CHECK(d.error_of(with("icon", "art/dot.gif")) ==
        at + "icon: image '" + (d.dir / "art" / "dot.gif").string() + "': is GIF; an icon must be PNG, JPEG or WebP");
  std::filesystem::copy_file(Template::bundled_dir() / "images" / "emblem.png", d.dir / "art" / "emblem.png");
  CHECK(d.error_of(with("icon", "art/emblem.png")) == "(loaded)");
  CHECK(d.error_of(with("icon", "bundled:images/emblem.png")) == "(loaded)");

  d.write("campaign.json", "{\"title\": \"x\",\n \"units\": [}");
  try {
    load_campaign(d.dir);
    FAIL("loaded");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == at + "invalid JSON at line 2, column 12");
  }
}

TEST_CASE("a folder without campaign.json has no campaign", "[campaign]") {
  CampaignDir d;
  CHECK_FALSE(load_campaign(d.dir));
  CHECK_FALSE(load_campaign(d.dir / "no-such-folder"));
}

TEST_CASE("campaign.json beside the templates is not a template", "[campaign][template]") {
  CampaignDir d;
  d.write("campaign.json", valid().dump());
  d.write("banner.json", R"({"width": 100, "height": 50, "layers": [{"type": "fill", "color": "#C8102E"}]})");
  const TemplateCatalog catalog = load_catalog(d.dir);
  REQUIRE(catalog.templates.size() == 1);
  CHECK(catalog.templates[0].id() == "banner");
  CHECK(catalog.problems.empty());
  CHECK(list_templates(d.dir).size() == 1);
  for (const auto& t : list_templates()) CHECK(t.id() != "campaign");
  try {
    Template::load_id("campaign", d.dir);
    FAIL("loaded");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::NotFound);
    CHECK(std::string(e.what()) == "template 'campaign': no such template");
  }
}

TEST_CASE("the web app manifest: the campaign's name, colour and icons, or Khung's own", "[campaign]") {
  const json m = json::parse(web_manifest_json(load_campaign(Template::bundled_dir())));
  CHECK(m["name"] == "01 triệu sáng kiến");
  CHECK(m["short_name"] == "Khung ảnh");  // the title is over 12 characters
  CHECK(m["lang"] == "vi");
  CHECK(m["start_url"] == "/");
  CHECK(m["scope"] == "/");
  CHECK(m["display"] == "standalone");
  CHECK(m["background_color"] == "#faf6ef");
  CHECK(m["theme_color"] == "#C8102E");
  CHECK(!m["description"].get<std::string>().empty());
  REQUIRE(m["icons"].size() == 3);
  CHECK(m["icons"][0] == json{{"src", "/v1/campaign/icon-192.png"}, {"sizes", "192x192"}, {"type", "image/png"}, {"purpose", "any"}});
  CHECK(m["icons"][1]["sizes"] == "512x512");
  CHECK(m["icons"][2]["purpose"] == "maskable");

  CampaignDir d;
  d.write("campaign.json", R"({"title": "Đại hội 2026", "color": "#0A7"})");
  const json short_one = json::parse(web_manifest_json(load_campaign(d.dir)));
  CHECK(short_one["short_name"] == "Đại hội 2026");  // 12 characters
  CHECK(short_one["theme_color"] == "#00AA77");
  CHECK(short_one["icons"] == json::array());
  const json none = json::parse(web_manifest_json(std::nullopt));
  CHECK(none["name"] == "Khung ảnh");
  CHECK(none["theme_color"] == "#C8102E");
  CHECK(none["icons"] == json::array());
}

TEST_CASE("icons: the emblem fitted, transparent around it or on the campaign's colour in the safe zone", "[campaign][icon]") {
  const auto c = load_campaign(Template::bundled_dir());
  REQUIRE(c);
  const Color red = c->color;
  auto near = [](Color a, Color b, int tolerance) {
    return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance &&
           std::abs(a.a - b.a) <= tolerance;
  };
  const Image plain = campaign_icon(*c, 192, false);
  REQUIRE(plain.width() == 192);
  REQUIRE(plain.height() == 192);
  for (auto [x, y] : {std::pair{0, 0}, {191, 0}, {0, 191}, {191, 191}}) CHECK(plain.pixel(x, y).a == 0);
  // The emblem's red disc in the middle.
  const Color centre = plain.pixel(96, 96);
  CHECK(centre.a == 255);
  CHECK(centre.r > 170);
  CHECK(centre.g < 80);
  CHECK(centre.b < 90);

  for (int size : {192, 512}) {
    INFO(size);
    const Image mask = campaign_icon(*c, size, true);
    REQUIRE(mask.width() == size);
    CHECK(mask.opaque());
    // The border ring of 10% is the campaign's colour alone...
    const int ring = size / 10;
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x)
        if (x < ring || y < ring || x >= size - ring || y >= size - ring) REQUIRE(mask.pixel(x, y) == red);
    // ...and so is everything outside the safe circle (radius 40%; the
    // resampler's filter may reach a pixel past the artwork's edge).
    const double limit = 0.4 * size + 1.5;
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x)
        if (std::hypot(x + 0.5 - size / 2.0, y + 0.5 - size / 2.0) > limit) REQUIRE(near(mask.pixel(x, y), red, 2));
    // The artwork is there, not shrunk to nothing: the emblem's yellow star
    // or its white ring differ from the background near the centre.
    int differing = 0;
    for (int y = size / 4; y < 3 * size / 4; ++y)
      for (int x = size / 4; x < 3 * size / 4; ++x) differing += !near(mask.pixel(x, y), red, 40);
    CHECK(differing > size * size / 40);
  }
  CHECK(campaign_icon(*c, 512, false).pixel(256, 256).a == 255);

  // A square, opaque picture shrinks until its corners are in the circle.
  CampaignDir d;
  save_image(Image(100, 100, Color{0, 0, 255, 255}), d.dir / "art" / "blue.png");
  d.write("campaign.json", R"({"title": "x", "icon": "art/blue.png", "color": "#FFFFFF"})");
  const Image square = campaign_icon(*load_campaign(d.dir), 200, true);
  for (int y = 0; y < 200; ++y)
    for (int x = 0; x < 200; ++x)
      if (std::hypot(x + 0.5 - 100, y + 0.5 - 100) > 81.5) REQUIRE(square.pixel(x, y) == Color{255, 255, 255, 255});
  CHECK(square.pixel(100, 100) == Color{0, 0, 255, 255});
  CHECK(square.pixel(100 - 50, 100) == Color{0, 0, 255, 255});  // about 0.57 of the side

  Campaign without = *load_campaign(d.dir);
  without.icon.clear();
  CHECK_THROWS_AS(campaign_icon(without, 192, false), Error);
  CHECK_THROWS_AS(campaign_icon(*c, 8, false), Error);
}
