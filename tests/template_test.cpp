#include "khung/arc_text.hpp"
#include "khung/error.hpp"
#include "khung/render.hpp"
#include "khung/template.hpp"

#include <catch2/catch.hpp>

#include "scratch.hpp"
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iterator>

using namespace khung;

namespace {

// A scratch folder for template files, with an "art" folder for assets.
struct Scratch : ScratchDir {
  Scratch() : ScratchDir("template-test") { std::filesystem::create_directories(dir / "art"); }
};

std::string error_of(const std::filesystem::path& file) {
  try {
    Template::load(file.string());
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded)";
}

const char* kTextLayer = R"({"type": "text", "text": "Xin chào {{name}}", "box": [10, 10, 300, 80],
                             "font": {"family": "Noto Sans", "size": 40}})";

}  // namespace

TEST_CASE("the bundled templates load with their kinds, sizes and fields", "[template]") {
  std::vector<Template> all = list_templates();
  std::vector<std::string> ids;
  for (const auto& t : all) ids.push_back(t.id());
  CHECK(ids == std::vector<std::string>{"cover", "frame-ribbon", "frame-ring", "post", "poster-qr", "web-banner"});
  Template ring = Template::load("frame-ring");
  CHECK(ring.kind() == TemplateKind::Frame);
  CHECK(ring.has_photo());
  CHECK(ring.size() == Size{1080, 1080});
  CHECK(ring.fields().empty());
  Template cover = Template::load("cover");
  CHECK(cover.kind() == TemplateKind::Banner);
  CHECK(cover.size() == Size{1640, 624});
  REQUIRE(cover.fields().size() == 1);
  CHECK(cover.fields()[0].name == "unit");
  CHECK(cover.fields()[0].label == "Tên đơn vị");
  Template post = Template::load("post");
  REQUIRE(post.fields().size() == 2);
  CHECK(post.fields()[0].name == "name");  // order of first use
  CHECK(post.fields()[1].name == "unit");
  CHECK(Template::load("web-banner").fields()[0].default_value == "Công đoàn Việt Nam");
  // The printed poster: A4 at 150 dpi, its link used first by the QR code.
  Template poster = Template::load("poster-qr");
  CHECK(poster.kind() == TemplateKind::Banner);
  CHECK(poster.size() == Size{1240, 1754});
  REQUIRE(poster.fields().size() == 2);
  CHECK(poster.fields()[0].name == "link");
  CHECK(poster.fields()[1].name == "unit");
}

TEST_CASE("templates list as the JSON the HTTP service also serves", "[template]") {
  auto doc = nlohmann::json::parse(templates_json(list_templates()));
  REQUIRE(doc.is_array());
  REQUIRE(doc.size() == 6);
  const auto& cover = doc[0];
  CHECK(cover["id"] == "cover");
  CHECK(cover["kind"] == "banner");
  CHECK(cover["width"] == 1640);
  CHECK(cover["height"] == 624);
  CHECK(cover["fields"] == nlohmann::json::array({"unit"}));
  CHECK(cover["photo"] == false);
  CHECK(doc[2]["id"] == "frame-ring");
  CHECK(doc[2]["kind"] == "frame");
  CHECK(doc[2]["photo"] == true);
  // Frames say where their window is, for a page that previews the photo.
  const auto& window = doc[2]["window"];
  CHECK(window["shape"] == "auto");
  CHECK(std::abs(window["x"].get<int>() - 140) <= 3);
  CHECK(std::abs(window["width"].get<int>() - 800) <= 6);
  CHECK_FALSE(cover.contains("window"));
  // The bundled frames can be framed on the phone; banners cannot.
  for (const auto& entry : doc) CHECK(entry["phone"] == (entry["kind"] == "frame"));
  // A version names the content: the fingerprint's first 16 hex digits.
  for (const auto& entry : doc)
    CHECK(entry["version"] == Template::load(entry["id"].get<std::string>()).fingerprint().substr(0, 16));
}

TEST_CASE("a frame is framed on the phone when its parts compose it exactly", "[template][parts]") {
  Scratch s;
  std::filesystem::copy_file(Template::bundled_dir() / "images" / "emblem.png", s.dir / "art" / "logo.png");
  auto phone = [&](const std::string& layers) {
    return Template::load(s.write("t.json", R"({"width": 400, "height": 300, "layers": [)" + layers + "]}").string())
        .frames_on_phone();
  };
  const std::string photo = R"({"type": "photo", "window": {"shape": "circle", "box": [100, 50, 200, 200]}})";
  const std::string image = R"({"type": "image", "src": "art/logo.png", "opacity": 0.5})";
  const std::string fill = R"({"type": "fill", "color": "#C8102E"})";
  const std::string text = R"({"type": "text", "text": "Đại hội", "box": [10, 10, 300, 80], "font": {"family": "Noto Sans", "size": 40}})";
  CHECK(Template::load("frame-ring").frames_on_phone());
  CHECK(Template::load("frame-ribbon").frames_on_phone());
  CHECK_FALSE(Template::load("cover").frames_on_phone());
  // Anything without placeholders under the photo, one image over it.
  CHECK(phone(photo + "," + image));
  CHECK(phone(fill + "," + text + "," + image + "," + photo + "," + image));
  // Not one image layer over the photo: none, two, or another kind.
  CHECK_FALSE(phone(image + "," + photo));
  CHECK_FALSE(phone(photo + "," + image + "," + image));
  CHECK_FALSE(phone(photo + "," + fill));
  CHECK_FALSE(phone(photo + "," + text));
  // A {{field}} anywhere, under the photo too: the parts are drawn once.
  CHECK_FALSE(phone(std::string(kTextLayer) + "," + photo + "," + image));
  CHECK_FALSE(phone(fill + "," + text + "," + image));  // a banner
}

TEST_CASE("the fingerprint follows the JSON and its assets", "[template]") {
  Scratch s;
  std::filesystem::copy_file(Template::bundled_dir() / "images" / "emblem.png", s.dir / "art" / "logo.png");
  auto f = s.write("t.json", R"({"width": 100, "height": 100, "layers": [{"type": "image", "src": "art/logo.png"}]})");
  std::string first = Template::load(f.string()).fingerprint();
  CHECK(first.size() == 64);
  CHECK(Template::load(f.string()).fingerprint() == first);
  std::filesystem::copy_file(Template::bundled_dir() / "frames" / "ring.png", s.dir / "art" / "logo.png",
                             std::filesystem::copy_options::overwrite_existing);
  CHECK(Template::load(f.string()).fingerprint() != first);
  CHECK(Template::load("cover").fingerprint() != Template::load("post").fingerprint());
}

TEST_CASE("a template parsed from unsaved JSON text is the one its file would load", "[template]") {
  // What an editor renders before saving: the same template, fingerprint and
  // pixels as the file, assets found beside the file it names.
  const std::filesystem::path ring = Template::bundled_dir() / "frame-ring.json";
  std::ifstream in(ring, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Template parsed = Template::parse(text, ring), loaded = Template::load(ring.string());
  CHECK(parsed.id() == "frame-ring");
  CHECK(parsed.fingerprint() == loaded.fingerprint());
  RenderOptions frame_only;
  frame_only.part = RenderPart::WithoutPhoto;
  const Image a = render_template(parsed, frame_only), b = render_template(loaded, frame_only);
  REQUIRE((a.width() == b.width() && a.height() == b.height()));
  bool same = true;
  for (int y = 0; y < a.height(); ++y) same = same && std::memcmp(a.row(y), b.row(y), 4 * static_cast<std::size_t>(a.width())) == 0;
  CHECK(same);
  // An edit not yet saved: a new title and size, the file untouched.
  nlohmann::json edited = nlohmann::json::parse(text);
  edited["title"] = "Khung vòng (đang sửa)";
  const Template changed = Template::parse(edited.dump(), ring);
  CHECK(changed.title() == "Khung vòng (đang sửa)");
  CHECK(changed.fingerprint() != loaded.fingerprint());
  CHECK(Template::load(ring.string()).title() == loaded.title());
  // Errors name the file, as load()'s do; assets are looked for beside it.
  Scratch s;
  const std::filesystem::path unsaved = s.dir / "new.json";
  CHECK_THROWS_WITH(Template::parse(R"({"width": 10, "height": 10, "layers": [{"type": "image", "src": "logo.png"}]})", unsaved),
                    Catch::StartsWith("template '" + unsaved.string() + "': layers[0].src"));
  CHECK_THROWS_WITH(Template::parse("{", unsaved), Catch::Contains("template '" + unsaved.string() + "': invalid JSON"));
  CHECK_THROWS_WITH(Template::parse(std::string((1 << 20) + 1, ' '), unsaved), Catch::EndsWith("over 1048576 bytes"));
  std::filesystem::copy_file(Template::bundled_dir() / "images" / "emblem.png", s.dir / "logo.png");
  CHECK(Template::parse(R"({"width": 10, "height": 10, "layers": [{"type": "image", "src": "logo.png"}]})", unsaved).id() == "new");
}

TEST_CASE("ids are checked and unknown ids are not found", "[template]") {
  // The HTTP face loads by id only: no way out of the folder.
  for (const char* bad : {"../cover", "/etc/passwd", "..", "Cover!", "cover.json", ""}) {
    INFO(bad);
    try {
      Template::load_id(bad);
      FAIL("loaded");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
      CHECK(std::string(e.what()) == "template id '" + std::string(bad) + "': ids are lower-case letters, digits, '-' and '_'");
    }
  }
  CHECK_THROWS_WITH(Template::load("../nope.json"), "template '../nope.json': no such file");
  try {
    Template::load("nope");
    FAIL("loaded");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::NotFound);
    CHECK(std::string(e.what()) == "template 'nope': no such template");
  }
}

TEST_CASE("a typo is reported with its JSON path", "[template][validation]") {
  Scratch s;
  auto f = s.write("t.json", R"({"width": 400, "height": 200, "layers": [
      {"type": "fill", "color": "#fff"},
      {"type": "fill", "colour": "#fff"}]})");
  CHECK(error_of(f) == "template '" + f.string() +
                           "': layers[1].colour: unknown key (expected one of: type, color, gradient, shape, opacity)");

  f = s.write("t.json", R"({"width": 400, "height": 200, "layers": [
      {"type": "fill", "color": "#fff"}, {"type": "fill", "color": "#000"},
      {"type": "text", "text": "x", "box": [0, 0, 10, 10], "font": {"family": "Noto Sans", "size": "big"}}]})");
  CHECK(error_of(f) == "template '" + f.string() + "': layers[2].font.size: must be a number or [min, max]");

  f = s.write("t.json", R"({"width": 400, "height": 200, "layers": [
      {"type": "text", "text": "x", "box": [0, 0, 10, 10], "font": {"family": "Noto Sans", "size": 12}, "align": "middle"}]})");
  CHECK(error_of(f) == "template '" + f.string() + "': layers[0].align: 'middle' is not one of: left, center, right");

  f = s.write("t.json", R"({"width": 400, "heigth": 200, "layers": []})");
  CHECK(error_of(f) == "template '" + f.string() + "': heigth: unknown key (expected one of: title, width, height, fields, layers)");

  f = s.write("t.json", R"({"width": 400, "height": 200, "layers": [
      {"type": "text", "text": "x", "box": [0, 0, 10, 10], "font": {"family": "Comic Sans", "size": 12}}]})");
  CHECK(error_of(f).rfind("template '" + f.string() + "': layers[0].font.family: font 'Comic Sans': no such family", 0) == 0);

  f = s.write("t.json", R"({"width": 400, "height": 200, "layers": [{"type": "fill", "color": "#ff00zz"}]})");
  CHECK(error_of(f).rfind("template '" + f.string() + "': layers[0].color: colour '#ff00zz': expected", 0) == 0);

  f = s.write("t.json", "{\"width\": 400,\n \"height\": 200,\n \"layers\": [}");
  CHECK(error_of(f) == "template '" + f.string() + "': invalid JSON at line 3, column 13");
  // Found by fuzz/run (template): a number past a double's range was
  // nlohmann's out_of_range, not a template error.
  f = s.write("t.json", R"({"width": 91e30800, "height": 200, "layers": []})");
  CHECK(error_of(f) == "template '" + f.string() + "': invalid JSON: number overflow parsing '91e30800'");

  f = s.write("t.json", R"({"width": 0, "height": 200, "layers": []})");
  CHECK(error_of(f) == "template '" + f.string() + "': width: must be between 1 and 8192");
}

TEST_CASE("a text value out of range is refused by the same rule in a template and through the API",
          "[template][validation][text]") {
  // validate() decides every range; the template reader names the key.
  struct Case {
    std::string layer;                         // the layer's JSON
    std::string path;                          // the key at fault
    std::function<void(TextStyle&, Arc&)> set;  // the same value through the API
    std::string api;                           // validate()'s message
    std::string rule;                          // the words both say
  };
  const std::string text = R"("type": "text", "text": "x", "box": [0, 0, 300, 80])";
  const std::string arc = R"("type": "arc_text", "text": "x", "center": [540, 540], "radius": 400)";
  const Case cases[] = {
      {"{" + text + R"(, "font": {"size": 40}, "line_height": 0.05})", "line_height",
       [](TextStyle& s, Arc&) { s.line_height = 0.05f; }, "text line_height 0.05", "must be between 0.1 and 10"},
      {"{" + text + R"(, "font": {"size": [50, 40]}})", "font.size[0]",
       [](TextStyle& s, Arc&) { s.min_size = 50, s.size = 40; }, "text min_size 50",
       "must not exceed the largest size (40 px)"},
      {"{" + text + R"(, "font": {"size": 4000}})", "font.size", [](TextStyle& s, Arc&) { s.size = 4000; },
       "text size 4000", "must be between 1 and 2048 px"},
      {"{" + text + R"(, "font": {"size": 40, "weight": 950}})", "font.weight",
       [](TextStyle& s, Arc&) { s.font.weight = 950; }, "text font weight 950", "must be between 100 and 900"},
      {"{" + text + R"(, "font": {"size": 40}, "max_lines": 5000})", "max_lines",
       [](TextStyle& s, Arc&) { s.max_lines = 5000; }, "text max_lines 5000", "must be between 0 and 1000"},
      {"{" + text + R"(, "font": {"size": 40}, "shadow": {"dy": 5000}})", "shadow.dy",
       [](TextStyle& s, Arc&) { s.shadow.dy = 5000; }, "text shadow dy 5000", "must be between -4096 and 4096 px"},
      {"{" + arc + R"(, "font": {"size": 40}, "max_angle": 0.5})", "max_angle",
       [](TextStyle&, Arc& a) { a.max_angle = 0.5f; }, "arc max_angle 0.5", "must be between 1 and 360 degrees"},
      {"{" + arc + R"(, "font": {"size": 40}, "start_angle": 4000})", "start_angle",
       [](TextStyle&, Arc& a) { a.start_angle = 4000; }, "arc start_angle 4000",
       "must be between -3600 and 3600 degrees"},
  };
  Scratch s;
  for (const Case& c : cases) {
    INFO(c.layer);
    auto f = s.write("t.json", R"({"width": 1080, "height": 1080, "layers": [)" + c.layer + "]}");
    CHECK(error_of(f) == "template '" + f.string() + "': layers[0]." + c.path + ": " + c.rule);
    TextStyle style;
    style.size = 40;
    Arc ring{540, 540, 400};
    c.set(style, ring);
    CHECK_THROWS_WITH((validate(style), validate(ring)), c.api + ": " + c.rule);
  }
  // A value of the wrong type is the reader's own error.
  auto f = s.write("t.json", R"({"width": 400, "height": 200, "layers": [
      {"type": "text", "text": "x", "box": [0, 0, 10, 10], "font": {"size": 12}, "line_height": "tight"}]})");
  CHECK(error_of(f) == "template '" + f.string() + "': layers[0].line_height: must be a number");
}

TEST_CASE("asset paths cannot leave the template's folder", "[template][validation]") {
  Scratch s;
  auto layer = [](const std::string& src) {
    return R"({"width": 100, "height": 100, "layers": [{"type": "image", "src": ")" + src + R"("}]})";
  };
  auto f = s.write("t.json", layer("../outside.png"));
  CHECK(error_of(f) == "template '" + f.string() + "': layers[0].src: '../outside.png' must stay inside the template's folder ('..' is refused)");
  f = s.write("t.json", layer("art/../../outside.png"));
  CHECK(error_of(f).find("must stay inside the template's folder") != std::string::npos);
  f = s.write("t.json", layer("/etc/passwd"));
  CHECK(error_of(f) == "template '" + f.string() + "': layers[0].src: '/etc/passwd' must be a path relative to the template's folder");
  // A symbolic link inside the folder that points out of it is refused too.
  std::filesystem::create_directory_symlink("/etc", s.dir / "art" / "etc");
  f = s.write("t.json", layer("art/etc/hostname"));
  CHECK(error_of(f) == "template '" + f.string() + "': layers[0].src: 'art/etc/hostname' must stay inside the template's folder");
  // A missing asset names the file.
  f = s.write("t.json", layer("art/none.png"));
  CHECK(error_of(f).rfind("template '" + f.string() + "': layers[0].src: image '" + (s.dir / "art/none.png").string() + "': ", 0) == 0);
}

TEST_CASE("a font file is an asset of the template's folder, whatever the case of its extension",
          "[template][validation][font]") {
  Scratch s;
  std::filesystem::copy_file(std::filesystem::path(KHUNG_SOURCE_DIR) / "fonts" / "NotoSerif-Bold.ttf", s.dir / "House.TTF");
  // Found beside the template, not in the working directory.
  auto f = s.write("t.json", R"({"width": 400, "height": 200, "layers": [
      {"type": "text", "text": "x", "box": [0, 0, 100, 50], "font": {"family": "House.TTF", "size": 12},
       "fallback": ["House.TTF"]}]})");
  CHECK(error_of(f) == "(loaded)");
  f = s.write("t.json", R"({"width": 400, "height": 200, "layers": [
      {"type": "text", "text": "x", "box": [0, 0, 100, 50], "font": {"family": "../Outside.ttc", "size": 12}}]})");
  CHECK(error_of(f) == "template '" + f.string() +
                           "': layers[0].font.family: '../Outside.ttc' must stay inside the template's folder ('..' is refused)");
}

TEST_CASE("a template anywhere names bundled artwork with bundled:", "[template][bundled]") {
  Scratch s;
  auto layer = [](const std::string& src) {
    return R"({"width": 300, "height": 200, "layers": [{"type": "fill", "color": "#C8102E"},
        {"type": "image", "src": ")" + src + R"(", "box": [50, 20, 160, 160]}]})";
  };
  // The bundled emblem renders exactly as a copy of it beside the template.
  std::filesystem::copy_file(Template::bundled_dir() / "images" / "emblem.png", s.dir / "art" / "emblem.png");
  const Image copy = render_template(Template::load(s.write("copy.json", layer("art/emblem.png")).string()), {});
  const Template bundled = Template::load(s.write("mine.json", layer("bundled:images/emblem.png")).string());
  const Image image = render_template(bundled, {});
  CHECK(image == copy);
  CHECK(image.pixel(130, 100) != image.pixel(5, 5));  // the emblem is there, over the fill
  CHECK(Template::load(s.write("ring.json", layer("bundled:frames/ring.png")).string()).fingerprint() !=
        bundled.fingerprint());

  // Still confined to the bundled folder, and the error names the JSON path.
  auto f = s.write("t.json", layer("bundled:../photos/astronaut.png"));
  CHECK(error_of(f) == "template '" + f.string() +
                           "': layers[1].src: 'bundled:../photos/astronaut.png' must stay inside the bundled assets "
                           "folder ('..' is refused)");
  f = s.write("t.json", layer("bundled:images/../../../fonts/OFL.txt"));
  CHECK(error_of(f) == "template '" + f.string() +
                           "': layers[1].src: 'bundled:images/../../../fonts/OFL.txt' must stay inside the bundled "
                           "assets folder ('..' is refused)");
  f = s.write("t.json", layer("bundled:/etc/passwd"));
  CHECK(error_of(f) == "template '" + f.string() +
                           "': layers[1].src: 'bundled:/etc/passwd' must be a path relative to the bundled assets folder");
  f = s.write("t.json", layer("bundled:"));
  CHECK(error_of(f) == "template '" + f.string() +
                           "': layers[1].src: 'bundled:' must be a path relative to the bundled assets folder");
  f = s.write("t.json", layer("bundled:images/none.png"));
  CHECK(error_of(f).rfind("template '" + f.string() + "': layers[1].src: image '" +
                              (std::filesystem::canonical(Template::bundled_dir()) / "images/none.png").string() + "': ",
                          0) == 0);
}

TEST_CASE("fields come from placeholders and declarations must be used", "[template][fields]") {
  Scratch s;
  auto f = s.write("t.json", std::string(R"({"width": 400, "height": 200, "layers": [)") + kTextLayer + "]}");
  Template t = Template::load(f.string());
  REQUIRE(t.fields().size() == 1);
  CHECK(t.fields()[0].name == "name");
  CHECK(t.fields()[0].sample == "name");

  f = s.write("t.json", std::string(R"({"width": 400, "height": 200,
      "fields": {"nmae": {"sample": "Lan"}}, "layers": [)") + kTextLayer + "]}");
  CHECK(error_of(f) == "template '" + f.string() + "': fields.nmae: is not used by any text or QR code");

  f = s.write("t.json", R"({"width": 400, "height": 200, "layers": [
      {"type": "text", "text": "Xin chào {{name", "box": [0, 0, 10, 10], "font": {"family": "Noto Sans", "size": 12}}]})");
  CHECK(error_of(f) == "template '" + f.string() + "': layers[0].text: unclosed '{{' at byte 10");
}

TEST_CASE("photo slots: one at most, auto needs an overlay above", "[template][photo]") {
  Scratch s;
  auto f = s.write("t.json", R"({"width": 100, "height": 100, "layers": [
      {"type": "photo", "window": {"shape": "circle", "box": [0, 0, 100, 100]}},
      {"type": "photo", "window": {"shape": "circle", "box": [0, 0, 100, 100]}}]})");
  CHECK(error_of(f) == "template '" + f.string() + "': layers[1]: a template has at most one photo layer");
  f = s.write("t.json", R"({"width": 100, "height": 100, "layers": [{"type": "photo", "window": {"shape": "auto"}}]})");
  CHECK(error_of(f) == "template '" + f.string() + "': layers[0].window.shape: 'auto' needs an image layer above the photo");
  f = s.write("t.json", R"({"width": 100, "height": 100, "layers": [{"type": "photo", "window": {"shape": "star"}}]})");
  CHECK(error_of(f) == "template '" + f.string() + "': layers[0].window.shape: 'star' is not one of: circle, rect, auto");
}
