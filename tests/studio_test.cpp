// The studio's service (bindings/studio): its API in-process through
// Studio::handle, and over a socket for the Host and Origin checks.

#include "khung/codec.hpp"
#include "khung/demo.hpp"
#include "khung/render.hpp"
#include "khung/template.hpp"
#include "studio.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "made_fonts.hpp"
#include "scratch.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace khung;
using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace {

struct Answer {
  int status;
  std::string body, type;
  json data() const { return json::parse(body); }
};

Answer call(studio::Studio& s, std::string_view method, std::string_view path, std::string_view body = "",
            const studio::Query& query = {}) {
  Answer a;
  a.status = s.handle(method, path, query, body, a.body, a.type);
  return a;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::uint8_t> unbase64(const std::string& text) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<std::uint8_t> out;
  unsigned bits = 0, value = 0;
  for (char c : text) {
    const auto at = kAlphabet.find(c);
    if (at == std::string::npos) break;  // '=' padding
    value = (value << 6) | static_cast<unsigned>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((value >> bits) & 0xFF));
    }
  }
  return out;
}

// A banner as the studio's page would send it: a white canvas and one text
// layer with the field {{unit}} that must fit on one line.
ordered_json banner_document() {
  return {{"title", "Băng rôn"},
          {"width", 600},
          {"height", 200},
          {"fields", {{"unit", {{"label", "Đơn vị"}, {"sample", "Công đoàn Huế"}}}}},
          {"layers",
           {{{"type", "fill"}, {"color", "#FFFFFF"}},
            {{"type", "text"},
             {"text", "Chào mừng {{unit}}"},
             {"box", {20, 60, 360, 60}},
             {"font", {{"family", "Noto Serif"}, {"weight", 700}, {"size", {18, 40}}}},
             {"color", "#C8102E"},
             {"max_lines", 1},
             {"overflow", "error"}}}}};
}

json render_body(const ordered_json& doc, const json& fields = json::object()) {
  return {{"id", "bang-ron"}, {"template", json::parse(doc.dump())}, {"fields", fields}};
}

}  // namespace

TEST_CASE("the studio makes a blank banner, renders edits and saves what khung render draws", "[studio]") {
  ScratchDir scratch("studio");
  studio::Studio s({.dir = scratch.dir});

  Answer made = call(s, "POST", "/api/new", R"({"kind": "banner", "width": 600, "height": 200, "id": "bang-ron"})");
  REQUIRE(made.status == 200);
  CHECK(made.data()["id"] == "bang-ron");
  const json blank = json::parse(read_text(scratch.dir / "bang-ron.json"));
  CHECK(blank["layers"].size() == 1);  // the background alone: no text layer to delete first
  CHECK(call(s, "POST", "/api/new", R"({"kind": "banner", "width": 600, "height": 200, "id": "bang-ron"})").status == 409);
  CHECK(call(s, "POST", "/api/new", R"({"kind": "banner", "width": 600, "height": 200, "id": "Bang Ron"})").status == 400);
  CHECK(call(s, "POST", "/api/new", R"({"kind": "banner", "width": 0, "height": 200, "id": "x"})").status == 400);
  CHECK(!fs::exists(scratch.dir / "x.json"));

  Answer listed = call(s, "GET", "/api/templates");
  REQUIRE(listed.status == 200);
  REQUIRE(listed.data()["templates"].size() == 1);
  CHECK(listed.data()["templates"][0]["width"] == 600);
  CHECK(call(s, "GET", "/api/templates/bang-ron").body == read_text(scratch.dir / "bang-ron.json"));
  CHECK(call(s, "GET", "/api/templates/nothing").status == 404);

  const ordered_json doc = banner_document();
  Answer rendered = call(s, "POST", "/api/render", render_body(doc, {{"unit", "Công đoàn Huế"}}).dump());
  REQUIRE(rendered.status == 200);
  const json r = rendered.data();
  REQUIRE(r["error"].is_null());
  CHECK(r["problems"].empty());
  CHECK(r["fields"][0]["name"] == "unit");
  CHECK(r["fields"][0]["sample"] == "Công đoàn Huế");
  const Image shown = decode_image(unbase64(r["png"].get<std::string>()));
  CHECK(shown.width() == 600);

  // Saved, it is the file `khung render` reads, drawing the same pixels.
  Answer saved = call(s, "POST", "/api/templates/bang-ron", doc.dump());
  REQUIRE(saved.status == 200);
  const Template on_disk = Template::load((scratch.dir / "bang-ron.json").string());
  CHECK(saved.data()["version"] == on_disk.version());
  RenderOptions o;
  o.fields = {{"unit", "Công đoàn Huế"}};
  const Image drawn = render_template(on_disk, o);
  REQUIRE(drawn.width() == shown.width());
  REQUIRE(drawn.height() == shown.height());
  bool same = true;
  for (int y = 0; y < drawn.height(); ++y) same = same && std::equal(drawn.row(y), drawn.row(y) + drawn.stride(), shown.row(y));
  CHECK(same);
  // One layer a line, keys in the order sent.
  const std::string text = read_text(scratch.dir / "bang-ron.json");
  CHECK(text.starts_with("{\n  \"title\": \"Băng rôn\",\n  \"width\": 600,"));
  CHECK(text.find("    {\"type\":\"fill\",\"color\":\"#FFFFFF\"},\n") != std::string::npos);
}

TEST_CASE("the studio names the JSON path of an invalid template and keeps the saved file", "[studio]") {
  ScratchDir scratch("studio-bad");
  studio::Studio s({.dir = scratch.dir});
  REQUIRE(call(s, "POST", "/api/templates/bang-ron", banner_document().dump()).status == 200);
  const std::string before = read_text(scratch.dir / "bang-ron.json");

  ordered_json doc = banner_document();
  doc["layers"][1]["color"] = "đỏ";
  Answer refused = call(s, "POST", "/api/templates/bang-ron", doc.dump());
  CHECK(refused.status == 422);
  CHECK(refused.data()["path"] == "layers[1].color");
  CHECK(refused.data()["error"].get<std::string>().find("colour 'đỏ'") != std::string::npos);
  CHECK(read_text(scratch.dir / "bang-ron.json") == before);
  CHECK(call(s, "POST", "/api/render", render_body(doc).dump()).data()["path"] == "layers[1].color");

  doc = banner_document();
  doc["layers"][1]["font"]["family"] = "Robotto";
  Answer font = call(s, "POST", "/api/render", render_body(doc).dump());
  CHECK(font.status == 422);
  CHECK(font.data()["path"] == "layers[1].font.family");

  CHECK(call(s, "POST", "/api/templates/bang-ron", "{not json").status == 400);
  CHECK(call(s, "POST", "/api/templates/campaign", banner_document().dump()).status == 400);
  CHECK(call(s, "POST", "/api/templates/..%2Fx", banner_document().dump()).status == 400);
  CHECK(call(s, "POST", "/api/render", R"({"template": {}})").status == 400);

  // A broken file is listed with its problem, for the designer to open and mend.
  std::ofstream(scratch.dir / "hong.json") << R"({"title": "x", "width": 10, "height": 10, "layers": [{"type": "fill", "colour": "#000"}]})";
  const json list = call(s, "GET", "/api/templates").data()["templates"];
  REQUIRE(list.size() == 2);
  CHECK(list[1]["id"] == "hong");
  CHECK(list[1]["path"] == "layers[0].colour");
}

TEST_CASE("the studio checks every row of a data file and says which layer a row overflows", "[studio]") {
  ScratchDir scratch("studio-data");
  studio::Studio s({.dir = scratch.dir});
  const std::string csv = "unit\nCông đoàn Huế\nCông đoàn Đà Nẵng\n"
                          "Công đoàn cơ sở Công ty Cổ phần Dệt may Huế và các đơn vị thành viên\n";
  CHECK(call(s, "POST", "/api/check", render_body(banner_document()).dump()).status == 409);
  Answer data = call(s, "POST", "/api/data", csv, {{"name", "đơn vị.csv"}});
  REQUIRE(data.status == 200);
  CHECK(data.data()["total"] == 3);
  CHECK(data.data()["rows"][2]["fields"]["unit"].get<std::string>().starts_with("Công đoàn cơ sở"));

  Answer checked = call(s, "POST", "/api/check", render_body(banner_document()).dump());
  REQUIRE(checked.status == 200);
  const json rows = checked.data()["rows"];
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["row"] == 3);
  CHECK(rows[0]["problems"][0]["layer"] == 1);
  CHECK(rows[0]["problems"][0]["message"].get<std::string>().find("does not fit the 360x60 px box") != std::string::npos);

  // The same row rendered: no image, the error, and the layer to outline.
  const json row3 = {{"unit", data.data()["rows"][2]["fields"]["unit"]}};
  const json r = call(s, "POST", "/api/render", render_body(banner_document(), row3).dump()).data();
  CHECK(r["png"].is_null());
  CHECK(r["error"].get<std::string>().find("does not fit") != std::string::npos);
  CHECK(r["problems"][0]["layer"] == 1);

  // TCVN3 text in a row is found, and named at the layer showing the field.
  // Latin-1 bytes are not UTF-8: the row is listed with its line and the fix.
  Answer latin1 = call(s, "POST", "/api/data", "unit\nC\xb5ng \xae\xad\n", {{"name", "cu.csv"}});
  REQUIRE(latin1.status == 200);
  const std::string why = latin1.data()["rows"][0]["error"];
  CHECK(why.find("data 'cu.csv': line 2: invalid UTF-8") != std::string::npos);
  CHECK(why.find("CSV UTF-8") != std::string::npos);
  REQUIRE(call(s, "POST", "/api/data", "unit\nC\xc2\xb5ng \xc2\xae\xc2\xad\n", {{"name", "cu.csv"}}).status == 200);
  const json old = call(s, "POST", "/api/check", render_body(banner_document()).dump()).data()["rows"];
  REQUIRE(old.size() == 1);
  CHECK(old[0]["problems"][0]["message"].get<std::string>().find("looks like tcvn3") != std::string::npos);
  CHECK(old[0]["problems"][0]["layer"] == 1);
}

TEST_CASE("the studio lists the folder's fonts and images", "[studio]") {
  ScratchDir scratch("studio-files");
  fs::create_directories(scratch.dir / "fonts");
  write_made_font(fs::path(KHUNG_SOURCE_DIR) / "fonts" / "NotoSans-Regular.ttf", scratch.dir / "fonts" / "rieng.ttf", FontRecipe("Phong Rieng"));
  fs::create_directories(scratch.dir / "images" / ".hidden");
  std::ofstream(scratch.dir / "images" / "nen.png") << "x";
  std::ofstream(scratch.dir / "images" / ".hidden" / "no.png") << "x";
  std::ofstream(scratch.dir / "notes.txt") << "x";
  studio::Studio s({.dir = scratch.dir});
  const json fonts = call(s, "GET", "/api/fonts").data();
  CHECK(fonts["folder"] == json::array({"Phong Rieng"}));
  CHECK(std::find(fonts["bundled"].begin(), fonts["bundled"].end(), "Noto Serif") != fonts["bundled"].end());
  const json images = call(s, "GET", "/api/images").data()["images"];
  CHECK(images[0] == "images/nen.png");
  CHECK(std::find(images.begin(), images.end(), "bundled:images/emblem.png") != images.end());
  CHECK(std::find(images.begin(), images.end(), "images/.hidden/no.png") == images.end());
}

TEST_CASE("the studio answers only its own page", "[studio]") {
  ScratchDir scratch("studio-host");
  studio::Studio s({.dir = scratch.dir, .port = 0});
  const int port = s.bind();
  std::thread runner([&] { s.run(); });
  httplib::Client client("127.0.0.1", port);
  auto page = client.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type").starts_with("text/html"));
  // A site that points its own name at 127.0.0.1 (DNS rebinding).
  auto rebound = client.Get("/api/templates", {{"Host", "evil.example:" + std::to_string(port)}});
  REQUIRE(rebound);
  CHECK(rebound->status == 403);
  // Another site's page posting to the studio.
  auto foreign = client.Post("/api/new", {{"Origin", "https://evil.example"}},
                             R"({"kind": "banner", "width": 60, "height": 20, "id": "x"})", "application/json");
  REQUIRE(foreign);
  CHECK(foreign->status == 403);
  CHECK(!fs::exists(scratch.dir / "x.json"));
  auto own = client.Post("/api/new", {{"Origin", "http://127.0.0.1:" + std::to_string(port)}},
                         R"({"kind": "banner", "width": 60, "height": 20, "id": "x"})", "application/json");
  REQUIRE(own);
  CHECK(own->status == 200);
  s.stop();
  runner.join();
}

TEST_CASE("the studio frames the sample photo as khung render --sample does", "[studio]") {
  ScratchDir scratch("studio-frame");
  studio::Studio s({.dir = scratch.dir});
  std::string text = read_text(Template::bundled_dir() / "frame-ring.json");
  for (auto at = text.find("\"frames/"); at != std::string::npos; at = text.find("\"frames/", at))
    text.replace(at, 1, "\"bundled:");
  const json r = call(s, "POST", "/api/render", json{{"id", "ring"}, {"template", json::parse(text)}}.dump()).data();
  REQUIRE(r["error"].is_null());
  const Image shown = decode_image(unbase64(r["png"].get<std::string>()));

  const Template ring = Template::parse(text, scratch.dir / "ring.json");
  RenderOptions o;
  o.fields = sample_fields(ring);
  o.photo.path = sample_photo();
  const Image drawn = render_template(ring, o);
  REQUIRE(drawn.width() == shown.width());
  bool same = true;
  for (int y = 0; y < drawn.height(); ++y) same = same && std::equal(drawn.row(y), drawn.row(y) + drawn.stride(), shown.row(y));
  CHECK(same);
  // The photo is there: the window's centre is not the transparent canvas.
  CHECK(shown.row(540)[540 * 4 + 3] == 255);
}
