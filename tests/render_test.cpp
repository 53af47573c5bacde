#include "khung/arc_text.hpp"
#include "khung/demo.hpp"
#include "khung/error.hpp"
#include "khung/render.hpp"
#include "khung/unicode.hpp"

#include <catch2/catch.hpp>

#include "latin_font.hpp"
#include "made_fonts.hpp"
#include "overlays.hpp"
#include "photo/composite.hpp"
#include "scratch.hpp"
#include "template/template_data.hpp"
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

using namespace khung;

namespace {

struct Scratch : ScratchDir {
  Scratch() : ScratchDir("render-test") {}
  Template load(const std::string& text) const { return Template::load(write("t.json", text).string()); }
};

bool is_green(Color c) { return c.g > 200 && c.r < 60 && c.b < 60; }

long ink_in(const Image& img, const Rect& r, Color background) {
  long n = 0;
  for (int y = r.y; y < r.bottom(); ++y)
    for (int x = r.x; x < r.right(); ++x)
      if (img.pixel(x, y) != background) ++n;
  return n;
}

const char* kGreeting = R"({"width": 400, "height": 120, "layers": [
    {"type": "fill", "color": "#FFFFFF"},
    {"type": "text", "text": "Chào {{name}}!", "box": [10, 10, 380, 100],
     "font": {"family": "Noto Sans", "size": [10, 60]}, "max_lines": 1, "color": "#000000",
     "align": "center", "valign": "middle"}]})";

}  // namespace

TEST_CASE("auto finds the real hole of the bundled ring frame", "[render][photo]") {
  Template ring = Template::load("frame-ring");
  Image green(900, 700, {0, 230, 0, 255});
  RenderOptions options;
  options.photo.image = &green;
  Image out = render_template(ring, options);
  REQUIRE(out.width() == 1080);
  // The artwork's hole is the circle of radius 400 about (540, 540): walk out
  // from the centre along 72 directions to where the photo stops.
  for (int k = 0; k < 72; ++k) {
    double a = k * 2 * std::numbers::pi / 72;
    double r = 0;
    while (r < 540 && is_green(out.pixel(static_cast<int>(540 + r * std::cos(a)), static_cast<int>(540 + r * std::sin(a)))))
      r += 0.25;
    INFO("direction " << k * 5 << " degrees");
    CHECK(std::abs(r - 400) <= 2);
  }
  // Outside the ring nothing of the photo shows, and the overlay is opaque.
  CHECK(out.pixel(5, 5).a == 255);
  CHECK_FALSE(is_green(out.pixel(5, 5)));
}

TEST_CASE("auto frames a round badge's hole and a ribbon's open area, and refuses an unclear overlay", "[render][photo]") {
  Scratch s;
  auto frame = [&](const Image& overlay) {
    save_image(overlay, s.dir / "overlay.png");
    return s.write("frame.json", R"({"width": 1080, "height": 1080, "layers": [
        {"type": "photo", "window": {"shape": "auto"}}, {"type": "image", "src": "overlay.png"}]})");
  };
  Image green(900, 700, {0, 230, 0, 255});
  RenderOptions options;
  options.photo.image = &green;
  auto window_of = [](const Template& t) {
    auto doc = nlohmann::json::parse(templates_json({t}))[0]["window"];
    return Rect{doc["x"], doc["y"], doc["width"], doc["height"]};
  };

  // A badge whose transparent surround is three times its hole.
  Template badge = Template::load(frame(overlays::badge(1080, 500, 200)).string());
  CHECK(window_of(badge) == Rect{340, 340, 400, 400});
  Image out = render_template(badge, options);
  CHECK(is_green(out.pixel(540, 540)));
  CHECK(is_green(out.pixel(345, 540)));
  CHECK(out.pixel(540, 100) == overlays::kArt);  // the badge itself
  CHECK(out.pixel(5, 5).a == 0);                 // its surround stays clear
  CHECK(out.pixel(1075, 540).a == 0);

  // A ribbon along the bottom: the photo everywhere above it.
  Template ribbon = Template::load(frame(overlays::ribbon(1080, 1080, 270)).string());
  CHECK(window_of(ribbon) == Rect{0, 0, 1080, 810});
  out = render_template(ribbon, options);
  for (auto [x, y] : {std::pair{0, 0}, {1079, 0}, {540, 400}, {0, 809}, {1079, 809}}) CHECK(is_green(out.pixel(x, y)));
  CHECK(out.pixel(540, 900) == overlays::kArt);

  // A badge without a hole: rendering fails, naming the template, the photo
  // layer and the overlay, and asking for an explicit window.
  const auto unclear = frame(overlays::badge(1080, 500, 0));
  CHECK_THROWS_WITH(load_and_render(unclear.string(), options),
                    "template '" + unclear.string() +
                        "': layers[0].window.shape: the overlay layers[1] ('overlay.png') has no enclosed transparent "
                        "hole, and its transparent area [0, 0, 1080, 1080] surrounds the art (as the outside of a round "
                        "badge does) rather than being framed by it, so 'auto' finds no window; give the photo layer "
                        "its window explicitly: {\"shape\": \"circle\", \"box\": [x, y, width, height]} or "
                        "{\"shape\": \"rect\", \"box\": [x, y, width, height], \"radius\": r}");
}

TEST_CASE("a frame renders without its photo as the thumbnail a picker shows", "[render][photo][parts]") {
  RenderOptions overlay;
  overlay.part = RenderPart::WithoutPhoto;
  Image out = render_template(Template::load("frame-ring"), overlay);
  CHECK(out.pixel(540, 540).a == 0);  // the hole
  CHECK(out.pixel(540, 60).a == 255);  // the ring
  Image photo(10, 10);
  overlay.photo.image = &photo;
  CHECK_THROWS_WITH(render_template(Template::load("frame-ring"), overlay),
                    "template 'frame-ring': a photo was given to a render without the photo");
  // A banner has no photo to leave out: its thumbnail is the whole banner.
  RenderOptions banner;
  banner.fields = {{"unit", "Công đoàn Cảng Hải Phòng"}};
  Template cover = Template::load("cover");
  Image whole = render_template(cover, banner);
  banner.part = RenderPart::WithoutPhoto;
  CHECK(render_template(cover, banner) == whole);
}

namespace {

// A frame with something of every kind around its photo: a gradient and
// text without placeholders under a circle window, and over it one image
// layer, half transparent and partly off the canvas.
const char* kLayeredFrame = R"({"width": 600, "height": 400, "layers": [
    {"type": "fill", "gradient": {"type": "linear", "from": [0, 0], "to": [600, 400],
      "stops": [{"offset": 0, "color": "#D7192F"}, {"offset": 1, "color": "#FFD23F80"}]}},
    {"type": "text", "text": "Chào mừng Đại hội", "box": [20, 20, 560, 60],
     "font": {"family": "Noto Sans", "size": 40}, "color": "#FFFFFF"},
    {"type": "photo", "window": {"shape": "circle", "box": [180, 100, 240, 240]}},
    {"type": "image", "src": "emblem.png", "box": [-60, 200, 300, 300], "opacity": 0.6}]})";

const WindowMask& window_of(const Template& t) {
  for (const detail::Layer& l : detail::template_data(t).layers)
    if (const auto* p = std::get_if<detail::PhotoLayer>(&l)) return p->window;
  FAIL("no photo layer");
  throw;
}

}  // namespace

TEST_CASE("a frame's layers under and over its photo give the whole render around the photo", "[render][photo][parts]") {
  Scratch s;
  std::filesystem::copy_file(Template::bundled_dir() / "images" / "emblem.png", s.dir / "emblem.png");
  const Image photo = read_image(sample_photo());
  Placement turned;
  turned.zoom = 1.3f;
  turned.offset_x = 0.1f;
  turned.offset_y = -0.05f;
  turned.rotate = 17;
  for (const Template& t : {Template::load("frame-ring"), Template::load("frame-ribbon"), s.load(kLayeredFrame)}) {
    INFO("template " << t.id());
    REQUIRE(t.frames_on_phone());
    RenderOptions part;
    part.part = RenderPart::UnderPhoto;
    const Image under = render_template(t, part);
    part.part = RenderPart::OverPhoto;
    const Image over = render_template(t, part);
    REQUIRE((Size{under.width(), under.height()} == t.size() && Size{over.width(), over.height()} == t.size()));
    // An `auto` window is the hole of the overlay, and over.png is the
    // overlay: a page finding the window in over.png finds the template's.
    const WindowMask& window = window_of(t);
    if (t.photo_window()->shape == WindowShape::Auto) {
      const WindowMask found = find_window(over);
      CHECK(found.rect == window.rect);
      CHECK(found.coverage == window.coverage);
    }
    for (const Placement& placement : {Placement{}, turned}) {
      INFO("rotate " << placement.rotate);
      RenderOptions whole;
      whole.photo.image = &photo;
      whole.placement = placement;
      Image framed = under;
      draw_photo(framed, photo, window, placement);
      detail::composite_image(framed, over, 0, 0);
      CHECK(framed == render_template(t, whole));
    }
  }
}

TEST_CASE("the parts of a frame: what each holds, and what they refuse", "[render][parts]") {
  Template ring = Template::load("frame-ring");
  RenderOptions options;
  options.part = RenderPart::UnderPhoto;
  const Image under = render_template(ring, options);
  // Nothing lies under the ring's photo.
  CHECK(under == Image(1080, 1080));
  options.part = RenderPart::OverPhoto;
  const Image over = render_template(ring, options);
  CHECK(over.pixel(540, 540).a == 0);  // the hole
  CHECK(over.pixel(540, 60).a == 255);  // the ring
  RenderOptions without;
  without.part = RenderPart::WithoutPhoto;
  CHECK(render_template(ring, without) == over);

  Image photo(10, 10);
  options.photo.image = &photo;
  CHECK_THROWS_WITH(render_template(ring, options), "template 'frame-ring': a photo was given to a render of the layers over the photo");
  options.part = RenderPart::UnderPhoto;
  CHECK_THROWS_WITH(render_template(ring, options), "template 'frame-ring': a photo was given to a render of the layers under the photo");
  RenderOptions banner;
  banner.fields = sample_fields(Template::load("cover"));
  banner.part = RenderPart::OverPhoto;
  CHECK_THROWS_WITH(render_template(Template::load("cover"), banner),
                    "template 'cover': has no photo slot to render the layers over");
  banner.part = RenderPart::UnderPhoto;
  CHECK_THROWS_WITH(render_template(Template::load("cover"), banner),
                    "template 'cover': has no photo slot to render the layers under");

  // Fields are needed as for the whole render; each part draws only its
  // own layers, the text above the photo only over it.
  Scratch s;
  Template named = s.load(R"({"width": 300, "height": 200, "layers": [
      {"type": "fill", "color": "#0000FF"},
      {"type": "photo", "window": {"shape": "rect", "box": [50, 50, 200, 100]}},
      {"type": "text", "text": "{{name}}", "box": [0, 150, 300, 50], "font": {"family": "Noto Sans", "size": 30},
       "color": "#FFFFFF"}]})");
  CHECK_FALSE(named.frames_on_phone());
  RenderOptions parts;
  parts.part = RenderPart::OverPhoto;
  CHECK_THROWS_WITH(render_template(named, parts), Catch::Contains("field 'name': missing"));
  parts.fields = {{"name", "Lê Văn Tám"}};
  const Image text = render_template(named, parts);
  CHECK(text.pixel(10, 10).a == 0);
  CHECK(ink_in(text, {0, 150, 300, 50}, {0, 0, 0, 0}) > 100);
  parts.part = RenderPart::UnderPhoto;
  const Image blue = render_template(named, parts);
  CHECK(blue == Image(300, 200, {0, 0, 255, 255}));
  // With an output width, the part is resized as a render is.
  parts.output_width = 150;
  const Image half = render_template(named, parts);
  CHECK((half.width() == 150 && half.height() == 100));
}

TEST_CASE("fills paint solid colours and gradients", "[render][fill]") {
  Scratch s;
  Template t = s.load(R"({"width": 200, "height": 100, "layers": [
      {"type": "fill", "gradient": {"type": "linear", "from": [0, 0], "to": [200, 0],
        "stops": [{"offset": 0, "color": "#000000"}, {"offset": 1, "color": "#FFFFFF"}]}},
      {"type": "fill", "shape": {"type": "circle", "center": [150, 50], "radius": 30},
       "gradient": {"type": "radial", "center": [150, 50], "radius": 30,
        "stops": [{"offset": 0, "color": "#FF0000"}, {"offset": 1, "color": "#0000FF"}]}},
      {"type": "fill", "shape": {"type": "rect", "box": [10, 10, 40, 20], "radius": 6}, "color": "#00FF0080"}]})");
  Image img = render_template(t, {});
  CHECK(img.pixel(0, 90).r <= 2);
  CHECK(std::abs(img.pixel(100, 90).r - 128) <= 2);
  CHECK(img.pixel(199, 90).r >= 253);
  Color centre = img.pixel(150, 50);  // the radial gradient's centre
  CHECK(centre.r > 245);
  CHECK(centre.b < 10);
  CHECK(img.pixel(150, 22).b > 200);                    // near its edge
  // 50% green over the ramp, which is (39, 39, 39) at x = 30.
  Color half = img.pixel(30, 20);
  CHECK(std::abs(half.r - 20) <= 2);
  CHECK(std::abs(half.g - 147) <= 2);
  CHECK(half.a == 255);
  // The rounded corner leaves the ramp showing.
  CHECK(img.pixel(10, 10).g == img.pixel(10, 10).r);
}

TEST_CASE("text layers substitute fields and stay in their box", "[render][text]") {
  Scratch s;
  Template t = s.load(kGreeting);
  RenderOptions a, b;
  a.fields = {{"name", "Phượng"}};
  b.fields = {{"name", to_nfd("Phượng")}};
  Image ia = render_template(t, a);
  CHECK(ia == render_template(t, b));  // NFC and NFD alike
  const Color white{255, 255, 255, 255};
  CHECK(ink_in(ia, {10, 10, 380, 100}, white) > 500);
  CHECK(ink_in(ia, {0, 0, 400, 120}, white) == ink_in(ia, {10, 10, 380, 100}, white));
  RenderOptions c;
  c.fields = {{"name", "Nguyễn Văn Đức"}};
  CHECK(render_template(t, c) != ia);
}

// Empty, spaces, a no-break space (U+00A0), an ideographic space (U+3000),
// a zero width space: nothing a banner can show.
const char* kBlanks[] = {"", "   ", "\t\n", "\u00A0", "\u3000", "\u200B", " \u00A0\u3000 "};

TEST_CASE("a blank value leaves a field missing, or takes its default", "[render][fields]") {
  Scratch s;
  Template required = s.load(kGreeting);
  Template with_default = Template::load(s.write("d.json", R"({"width": 400, "height": 120,
      "fields": {"name": {"default": "bạn"}}, "layers": [
      {"type": "fill", "color": "#FFFFFF"},
      {"type": "text", "text": "Chào {{name}}!", "box": [10, 10, 380, 100],
       "font": {"family": "Noto Sans", "size": [10, 60]}, "color": "#000000"}]})").string());
  RenderOptions defaulted;
  defaulted.fields = {{"name", "bạn"}};
  const Image expected = render_template(with_default, defaulted);
  for (const char* blank : kBlanks) {
    INFO("'" << blank << "'");
    const Fields fields = {{"name", blank}};
    CHECK(field_value(required, fields, "name") == nullptr);
    RenderOptions options;
    options.fields = fields;
    CHECK_THROWS_WITH(render_template(required, options), "field 'name': missing (template 't' needs: name)");
    CHECK(check_template(required, fields) == std::vector<CheckProblem>{{CheckKind::MissingField, "field 'name'", "missing"}});
    REQUIRE(field_value(with_default, fields, "name") != nullptr);
    CHECK(*field_value(with_default, fields, "name") == "bạn");
    CHECK(render_template(with_default, options) == expected);
    CHECK(check_template(with_default, fields).empty());
  }
  // Text with spaces around it is a value, kept as it is.
  const Fields padded = {{"name", " Lan "}};
  CHECK(*field_value(required, padded, "name") == " Lan ");
  CHECK(check_template(required, padded).empty());
}

TEST_CASE("bad inputs are named", "[render][errors]") {
  Scratch s;
  Template t = s.load(kGreeting);
  CHECK_THROWS_WITH(render_template(t, {}), "field 'name': missing (template 't' needs: name)");
  RenderOptions extra;
  extra.fields = {{"name", "Lan"}, {"unti", "x"}};
  CHECK_THROWS_WITH(render_template(t, extra), "field 'unti': not used by template 't' (its fields: name)");
  Image photo(10, 10);
  RenderOptions with_photo;
  with_photo.fields = {{"name", "Lan"}};
  with_photo.photo.image = &photo;
  CHECK_THROWS_WITH(render_template(t, with_photo), "template 't': has no photo slot");
  CHECK_THROWS_WITH(render_template(Template::load("frame-ring"), {}), "template 'frame-ring': needs a photo");
  RenderOptions wide;
  wide.fields = {{"name", "Lan"}};
  wide.output_width = 5000;
  CHECK_THROWS_WITH(render_template(t, wide), "width 5000: must be between 16 and 1600 px");
  RenderOptions zoom;
  zoom.photo.image = &photo;
  zoom.placement.zoom = 0.5f;
  try {
    render_template(Template::load("frame-ring"), zoom);
    FAIL("rendered");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(std::string(e.what()).rfind("zoom 0.5", 0) == 0);
  }
}

TEST_CASE("the cached unchanging layers give the same pixels as drawing them all", "[render]") {
  // A private font library skips the cache: every layer is drawn anew.
  FontLibrary fresh({data_dir() / "fonts"});
  for (const char* id : {"cover", "post", "web-banner"}) {
    INFO(id);
    Template t = Template::load(id);
    RenderOptions options;
    options.fields = sample_fields(t);
    CHECK(render_template(t, options) == render_template(t, options, fresh));
    options.fields.begin()->second = "Công đoàn Khác";
    CHECK(render_template(t, options) == render_template(t, options, fresh));
  }
}

TEST_CASE("width scales the output", "[render][width]") {
  const Template cover = Template::load("cover");
  RenderOptions options;
  options.fields = sample_fields(cover);
  options.output_width = 820;
  Image half = render_template(cover, options);
  CHECK(half.width() == 820);
  CHECK(half.height() == 312);
  CHECK(output_size(cover, 820) == Size{820, 312});
  CHECK(output_size(cover, std::nullopt) == Size{1640, 624});
  options.output_width = std::nullopt;
  CHECK(render_template(cover, options).width() == 1640);
}

TEST_CASE("a width of 0 is refused like any width out of range", "[render][width]") {
  const Template cover = Template::load("cover");  // 1640 px wide: 16 to 6560
  RenderOptions options;
  options.fields = sample_fields(cover);
  for (int width : {0, -1, 15, 6561}) {
    const std::string message = "width " + std::to_string(width) + ": must be between 16 and 6560 px";
    CHECK_THROWS_WITH(output_size(cover, width), message);
    options.output_width = width;
    CHECK_THROWS_WITH(render_template(cover, options), message);
    CHECK_THROWS_WITH(load_and_render("cover", options), message);
  }
  // The bounds themselves render.
  options.output_width = 16;
  CHECK(render_template(cover, options).width() == 16);
  CHECK(output_size(cover, 6560) == Size{6560, 2496});
  // A template narrower than 4 px still takes 16.
  ScratchDir s("render-width");
  std::ofstream(s.dir / "dot.json") << R"({"width": 2, "height": 1, "layers": [{"type": "fill", "color": "#C8102E"}]})";
  CHECK(output_size(Template::load((s.dir / "dot.json").string()), 16) == Size{16, 8});
  // No width: the template's own.
  RenderOptions own;
  own.fields = sample_fields(cover);
  CHECK(render_template(cover, own).width() == 1640);
}

TEST_CASE("every bundled template renders with its sample fields and checks clean", "[render][bundled]") {
  Image photo(1200, 900, {90, 120, 160, 255});
  for (const Template& t : list_templates()) {
    INFO(t.id());
    CHECK(check_template(t, sample_fields(t)).empty());
    RenderOptions options;
    options.fields = sample_fields(t);
    if (t.has_photo()) options.photo.image = &photo;
    Image img = render_template(t, options);
    CHECK(img.width() == t.size().width);
    CHECK(img.height() == t.size().height);
    CHECK(img.pixel(img.width() / 2, img.height() - 1).a == 255);
  }
}

TEST_CASE("check names missing fields, text that cannot fit and characters no font has", "[render][check]") {
  Scratch s;
  Template t = s.load(R"({"width": 300, "height": 80, "layers": [
      {"type": "text", "text": "{{name}}", "box": [0, 0, 300, 80],
       "font": {"family": "Noto Sans", "size": [20, 40]}, "max_lines": 1, "overflow": "error"},
      {"type": "text", "text": "{{unit}}", "box": [0, 0, 300, 80], "font": {"family": "Noto Sans", "size": 20}}]})");
  auto problems = check_template(t, {{"name", "Lan"}});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == CheckProblem{CheckKind::MissingField, "field 'unit'", "missing"});

  problems = check_template(t, {{"name", "Nguyễn Thị Thanh Phượng Hoàng Lan Anh"}, {"unit", "Tổ 中"}, {"x", "1"}});
  REQUIRE(problems.size() == 3);
  CHECK(problems[0] == CheckProblem{CheckKind::UnusedField, "field 'x'", "not used by template 't'"});
  CHECK(problems[1].where == "layers[0]");
  CHECK(problems[1].message.rfind("text \"Nguyễn Thị Thanh Phượng Hoàng Lan Anh\": does not fit the 300x80 px box in 1 line(s) even at 20 px", 0) == 0);
  CHECK(problems[2] == CheckProblem{CheckKind::NoGlyph, "field 'unit'", "no font has U+4E2D; it is left blank"});
}

TEST_CASE("a render warns of characters no font has, naming the field or the layer", "[render][text]") {
  Scratch s;
  // The second layer's own text has a character no font has; it never
  // changes, so the cached base holds it and must keep its warning.
  Template t = s.load(R"({"width": 400, "height": 200, "layers": [
      {"type": "fill", "color": "#FFFFFF"},
      {"type": "text", "text": "Chúc mừng ⿰", "box": [0, 0, 400, 60], "font": {"family": "Noto Sans", "size": 30}},
      {"type": "text", "text": "{{name}} – {{unit}}", "box": [0, 60, 400, 60],
       "font": {"family": "Noto Sans", "size": 30}, "transform": "upper"},
      {"type": "arc_text", "text": "{{unit}}", "center": [200, 400], "radius": 260,
       "font": {"family": "Noto Sans", "size": 20}}]})");
  RenderOptions options;
  options.fields = {{"name", "Lan 😀🎉"}, {"unit", "Tổ 🎉"}};
  const std::vector<RenderWarning> expected{
      {"layers[1]", "no font has U+2FF0; it is left blank"},
      {"field 'name'", "no font has U+1F600, U+1F389; they are left blank"},
      {"field 'unit'", "no font has U+1F389; it is left blank"}};  // once, though the arc shows it too
  for (int round = 0; round < 2; ++round) {  // drawing the base, then from the cache
    RenderResult r = render_with_warnings(t, options);
    CHECK(r.warnings == expected);
    CHECK(r.image == render_template(t, options));
  }
  // What check reports is the same words.
  auto problems = check_template(t, options.fields);
  REQUIRE(problems.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(problems[i] == CheckProblem{CheckKind::NoGlyph, expected[i].where, expected[i].message});
  // Characters every font has: no warning.
  options.fields = {{"name", "Lan"}, {"unit", "Tổ 1"}};
  CHECK(render_with_warnings(t, options).warnings == std::vector<RenderWarning>{expected[0]});
  CHECK(load_and_render(t.path().string(), options).warnings == std::vector<RenderWarning>{expected[0]});
}

TEST_CASE("check notes the characters a layer's font lacks, naming the font and the fallback, without failing", "[render][check]") {
  Scratch s;
  // In a subfolder: its family (Noto Sans) is not the folder's own.
  std::filesystem::create_directories(s.dir / "cut");
  write_latin_only_font(std::filesystem::path(KHUNG_SOURCE_DIR) / "fonts" / "NotoSans-Bold.ttf", s.dir / "cut" / "latin-bold.ttf");
  Template t = s.load(R"({"width": 900, "height": 200, "layers": [
      {"type": "fill", "color": "#FFFFFF"},
      {"type": "text", "text": "ĐOÀN {{name}} ★", "box": [0, 0, 900, 100], "font": {"family": "cut/latin-bold.ttf", "size": 40}},
      {"type": "text", "text": "{{name}}", "box": [0, 100, 900, 100], "font": {"family": "Noto Sans", "size": 40}}]})");
  auto checks = check_template(t, {{"name", "Ứng Văn Ơn"}});
  // Noto Sans has every letter: no note for layers[2]. The first note is
  // check_fonts' (the font's Vietnamese letters, whatever the text).
  REQUIRE(checks.size() == 2);
  CHECK(checks[0].where == "layers[1].font");
  CHECK(checks[0].message.starts_with("font 'Noto Sans Bold' (latin-bold.ttf) lacks 102 of the 134 Vietnamese letters: "));
  checks.erase(checks.begin());
  CHECK(checks[0] == CheckProblem{CheckKind::FallbackFont, "layers[1].font",
                                  "font 'Noto Sans Bold' (latin-bold.ttf) lacks some characters, drawn from fallback "
                                  "fonts: Đ Ứ ă Ơ (U+0110, U+1EE8, U+0103, U+01A0) from Noto Sans Bold; ★ (U+2605) "
                                  "from Noto Sans Symbols2 Regular",
                                  CheckSeverity::Note});
  // The letters the font has: nothing to say but what check_fonts says.
  Template plain = s.load(R"({"width": 900, "height": 100, "layers": [
      {"type": "text", "text": "{{name}}", "box": [0, 0, 900, 100], "font": {"family": "cut/latin-bold.ttf", "size": 40}}]})");
  auto plain_checks = check_template(plain, {{"name", "José Hà"}});
  REQUIRE(plain_checks.size() == 1);
  CHECK(plain_checks[0].message.starts_with("font 'Noto Sans Bold' (latin-bold.ttf) lacks 102 of the 134 "));
}

TEST_CASE("text and photo windows leaving the canvas: check says where and by how much", "[render][check]") {
  Scratch s;
  // layers[1]: a box past the right edge with text that reaches past it;
  // layers[2]: a box past the left edge, its right-aligned text inside;
  // layers[3]: an arc over the top edge.
  Template t = s.load(R"({"width": 800, "height": 300, "layers": [
      {"type": "fill", "color": "#FFFFFF"},
      {"type": "text", "text": "Công đoàn {{unit}}", "box": [520, 20, 400, 80],
       "font": {"family": "Noto Sans", "size": 40}, "color": "#000000"},
      {"type": "text", "text": "Tổ 1", "box": [-50, 120, 300, 80], "align": "right",
       "font": {"family": "Noto Sans", "size": 40}, "color": "#000000"},
      {"type": "arc_text", "text": "01 TRIỆU SÁNG KIẾN", "center": [400, 160], "radius": 170,
       "font": {"family": "Noto Sans", "size": 30}, "color": "#000000"}]})");
  const Fields fields{{"unit", "Điện lực"}};
  // Where the ink goes, from the text engine itself.
  TextStyle style;
  style.font = {"Noto Sans", 400, false};
  style.size = 40;
  const Rect ink = layout_text("Công đoàn Điện lực", style, {520, 20, 400, 80}).lines[0].ink;
  REQUIRE(ink.right() > 800);
  TextStyle arc_style = style;
  arc_style.size = 30;
  const Rect arc_ink = layout_arc_text("01 TRIỆU SÁNG KIẾN", arc_style, {400, 160, 170}).lines[0].ink;
  REQUIRE(arc_ink.y < 0);
  const std::string cut = "the text is cut off by the canvas edge: its ink leaves the 800x300 canvas by ";

  auto checks = check_template(t, fields);
  REQUIRE(checks.size() == 4);
  CHECK(checks[0] == CheckProblem{CheckKind::CutOff, "layers[1].box", cut + std::to_string(ink.right() - 800) +
                                                       " px at the right (the box [520, 20, 400, 80] leaves it by "
                                                       "120 px at the right)"});
  CHECK(checks[1] == CheckProblem{CheckKind::CutOff, "layers[3]", cut + std::to_string(-arc_ink.y) + " px at the top"});
  CHECK(checks[2] == CheckProblem{CheckKind::BoxLeavesCanvas, "layers[1].box",
                                  "the text box [520, 20, 400, 80] leaves the 800x300 canvas by 120 px at the right; "
                                  "text whose ink reaches there is cut off",
                                  CheckSeverity::Note});
  CHECK(checks[3] == CheckProblem{CheckKind::BoxLeavesCanvas, "layers[2].box",
                                  "the text box [-50, 120, 300, 80] leaves the 800x300 canvas by 50 px at the left; "
                                  "text whose ink reaches there is cut off",
                                  CheckSeverity::Note});

  // A render warns of the same, and the text does run into the edge.
  RenderOptions options;
  options.fields = fields;
  RenderResult r = render_with_warnings(t, options);
  REQUIRE(r.warnings.size() == 2);
  CHECK(r.warnings[0] == RenderWarning{checks[0].where, checks[0].message});
  CHECK(r.warnings[1] == RenderWarning{checks[1].where, checks[1].message});
  CHECK(ink_in(r.image, {790, 20, 10, 80}, {255, 255, 255, 255}) > 0);
  CHECK(ink_in(r.image, {0, 0, 800, 1}, {255, 255, 255, 255}) > 0);
  // A short value stays inside the canvas: only the arc is cut.
  options.fields = {{"unit", "A"}};
  CHECK(render_with_warnings(t, options).warnings == std::vector<RenderWarning>{r.warnings[1]});

  // Photo windows: one past the left and bottom edges fails, one inside is fine.
  save_image(Image(1080, 1080, {200, 16, 46, 255}), s.dir / "frame.png");
  auto frame = [&](const std::string& window) {
    return s.load(R"({"width": 1080, "height": 1080, "layers": [{"type": "photo", "window": )" + window +
                  R"(}, {"type": "image", "src": "frame.png", "opacity": 0.5}]})");
  };
  CHECK(check_template(frame(R"({"shape": "circle", "box": [-40, 300, 800, 800]})"), {}) ==
        std::vector<CheckProblem>{{CheckKind::WindowLeavesCanvas, "layers[0].window.box",
                                   "the photo window [-40, 300, 800, 800] leaves the 1080x1080 canvas by 40 px at the "
                                   "left and 20 px at the bottom, where the photo is cut off"}});
  CHECK(check_template(frame(R"({"shape": "rect", "box": [0, 0, 1080, 1080], "radius": 40})"), {}).empty());
}

TEST_CASE("load_and_render gives render_template's bytes and errors", "[render][photo]") {
  const auto photo = std::filesystem::path(KHUNG_SOURCE_DIR) / "assets" / "photos" / "astronaut.png";
  RenderOptions options;
  options.photo.path = photo;
  options.placement.zoom = 1.3f;
  options.placement.offset_x = 0.2f;
  CHECK(load_and_render("frame-ring", options).image == render_template(Template::load("frame-ring"), options));

  // The template's errors come before the photo's, as with the two calls.
  RenderOptions missing;
  missing.photo.path = "/no/such/photo.jpg";
  CHECK_THROWS_WITH(load_and_render("no-such-template", missing), "template 'no-such-template': no such template");
  CHECK_THROWS_WITH(load_and_render("frame-ring", missing),
                    Catch::Matchers::StartsWith("photo '/no/such/photo.jpg': "));
  Scratch s;
  const std::string banner = s.write("t.json", kGreeting).string();
  RenderOptions photo_for_banner;
  photo_for_banner.fields = {{"name", "Lan"}};
  photo_for_banner.photo.path = photo;
  CHECK_THROWS_WITH(load_and_render(banner, photo_for_banner), "template 't': has no photo slot");
  RenderOptions unknown_field = photo_for_banner;
  unknown_field.fields["unti"] = "x";
  CHECK_THROWS_WITH(load_and_render(banner, unknown_field), "field 'unti': not used by template 't' (its fields: name)");
}

namespace {

// A JPEG of `image` with EXIF orientation `o` in an APP1 segment after SOI
// (a little-endian TIFF block with one IFD entry).
std::vector<std::uint8_t> jpeg_with_orientation(const Image& image, int o) {
  std::vector<std::uint8_t> jpeg = encode_image(image, ImageFormat::Jpeg, {.quality = 92});
  const std::uint8_t app1[] = {0xFF, 0xE1, 0x00, 34, 'E', 'x', 'i', 'f', 0, 0,  // marker, length 34, "Exif\0\0"
                               'I', 'I', 42, 0, 8, 0, 0, 0,                      // TIFF header, IFD0 at 8
                               1, 0,                                             // one entry
                               0x12, 0x01, 3, 0, 1, 0, 0, 0,                     // Orientation, SHORT, 1
                               static_cast<std::uint8_t>(o), 0, 0, 0,            // its value
                               0, 0, 0, 0};                                      // no next IFD
  jpeg.insert(jpeg.begin() + 2, std::begin(app1), std::end(app1));
  return jpeg;
}

}  // namespace

TEST_CASE("load_and_render takes a JPEG row by row and gives the same bytes as decoding it whole", "[render][photo]") {
  // A detailed photo, so that any difference in the resampling shows.
  Image photo(640, 480);
  for (int y = 0; y < 480; ++y)
    for (int x = 0; x < 640; ++x) {
      std::uint8_t* p = photo.row(y) + 4 * x;
      p[0] = static_cast<std::uint8_t>((x * 7 + y * 3) % 256);
      p[1] = static_cast<std::uint8_t>((x * x / 7 + y) % 256);
      p[2] = static_cast<std::uint8_t>((x ^ y) & 0xFF);
      p[3] = 255;
    }
  Scratch s;
  for (int o : {1, 3, 6, 8}) {
    const std::vector<std::uint8_t> jpeg = jpeg_with_orientation(photo, o);
    const auto path = s.write("photo-" + std::to_string(o) + ".jpg", std::string(jpeg.begin(), jpeg.end()));
    RenderOptions options;
    options.photo.path = path;
    options.placement.zoom = 1.4f;
    options.placement.offset_y = 0.1f;
    INFO("orientation " << o);
    CHECK(load_and_render("frame-ring", options).image == render_template(Template::load("frame-ring"), options));
  }
  // A file cut short: the whole-image decoder's error, as the two calls give.
  std::vector<std::uint8_t> cut = jpeg_with_orientation(photo, 6);
  cut.resize(cut.size() / 2);
  RenderOptions options;
  options.photo.path = s.write("cut.jpg", std::string(cut.begin(), cut.end()));
  std::string whole, fed;
  try {
    render_template(Template::load("frame-ring"), options);
  } catch (const Error& e) {
    whole = e.what();
  }
  try {
    load_and_render("frame-ring", options);
  } catch (const Error& e) {
    fed = e.what();
  }
  CHECK_FALSE(whole.empty());
  CHECK(fed == whole);
}

TEST_CASE("a small window on a big canvas: load_and_render decodes for the window, as every face does", "[render][photo]") {
  // A 240 px circle on a 1640x624 banner and a phone-sized photo stored
  // turned (EXIF 6): decoded for the canvas, the JPEG would come at a larger
  // DCT scale than for the window, and the CLI's pixels would not be
  // HTTP's (up to 26/255 apart before the two shared photo_decode_options).
  Image photo(4032, 3024);
  for (int y = 0; y < 3024; ++y)
    for (int x = 0; x < 4032; ++x) {
      std::uint8_t* p = photo.row(y) + 4 * x;
      p[0] = static_cast<std::uint8_t>((x / 3 + y / 5) % 256);
      p[1] = static_cast<std::uint8_t>(((x / 16) ^ (y / 16)) * 9 % 256);
      p[2] = static_cast<std::uint8_t>((x * y / 4096) % 256);
      p[3] = 255;
    }
  Scratch s;
  const std::vector<std::uint8_t> jpeg = jpeg_with_orientation(photo, 6);
  RenderOptions options;
  options.photo.path = s.write("big.jpg", std::string(jpeg.begin(), jpeg.end()));
  options.placement = {.zoom = 1.3f, .offset_x = 0.1f, .offset_y = -0.05f};
  const std::string tpl = s.write("small-window.json", R"({"width": 1640, "height": 624, "layers": [
      {"type": "fill", "color": "#204080"},
      {"type": "photo", "window": {"shape": "circle", "box": [1300, 192, 240, 240]}}]})")
                              .string();
  const Image fed = load_and_render(tpl, options).image;
  CHECK(fed == render_template(Template::load(tpl), options));
  RenderOptions as_bytes = options;
  as_bytes.photo.path.clear();
  as_bytes.photo.bytes = jpeg;
  CHECK(fed == render_template(Template::load(tpl), as_bytes));
}

TEST_CASE("frame_between, the phone's render, gives render_template's bytes for the bundled frames", "[render][photo]") {
  // The module on the page composites the photo between the template's
  // layers below it (none here) and above it (the overlay alone), and finds
  // an auto window in the overlay as the template does.
  Image photo(900, 700);
  for (int y = 0; y < 700; ++y)
    for (int x = 0; x < 900; ++x) {
      std::uint8_t* p = photo.row(y) + 4 * x;
      p[0] = static_cast<std::uint8_t>((x * 5 + y) % 256);
      p[1] = static_cast<std::uint8_t>((x ^ (y * 3)) & 0xFF);
      p[2] = static_cast<std::uint8_t>(y * 255 / 699);
      p[3] = 255;
    }
  for (const char* id : {"frame-ring", "frame-ribbon"}) {
    const Template tpl = Template::load(id);
    const std::string overlay = std::string(id) == "frame-ring" ? "ring.png" : "ribbon.png";
    const Image over = read_image(std::filesystem::path(KHUNG_SOURCE_DIR) / "assets" / "templates" / "frames" / overlay);
    for (const Placement& placement : {Placement{}, Placement{.zoom = 1.6f, .offset_x = -0.2f, .offset_y = 0.15f},
                                       Placement{.zoom = 1.2f, .rotate = 17}, Placement{.rotate = 90}}) {
      RenderOptions options;
      options.photo.image = &photo;
      options.placement = placement;
      INFO(id << ", zoom " << placement.zoom << ", rotate " << placement.rotate);
      CHECK(frame_between({}, photo, find_window(over), over, placement) == render_template(tpl, options));
      options.output_width = 540;
      CHECK(frame_between({}, photo, find_window(over), over, placement, 540) == render_template(tpl, options));
    }
  }
  const Image over(100, 100);
  CHECK_THROWS_WITH(frame_between(Image(50, 50), photo, circle_window({0, 0, 100, 100}), over, {}),
                    "under: 50x50, not the size of over (100x100)");
  CHECK_THROWS_WITH(frame_between({}, photo, circle_window({0, 0, 100, 100}), over, {.focus = Focus::Face}),
                    "focus face: framing between layers takes a centred photo");
}

namespace {

const std::filesystem::path kNoto = std::filesystem::path(KHUNG_SOURCE_DIR) / "fonts";

std::string load_error(const std::filesystem::path& file) {
  try {
    Template::load(file.string());
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded)";
}

// A banner of one text layer in the font given as a JSON value.
std::string banner_in(const std::string& font) {
  return R"({"width": 600, "height": 120, "layers": [{"type": "fill", "color": "#FFFFFF"},
      {"type": "text", "text": "Tự hào trí tuệ {{name}}", "box": [10, 10, 580, 100], "color": "#000000",
       "font": )" + font + "}]}";
}

}  // namespace

TEST_CASE("a template folder's font is used by its family name, as by its file", "[render][font][folder]") {
  Scratch s;
  // Noto Serif renamed: drawn by name, it must differ from the bundled Noto Sans.
  write_made_font(kNoto / "NotoSerif-Regular.ttf", s.dir / "house.ttf", {"House Serif"});
  write_made_font(kNoto / "NotoSerif-Bold.ttf", s.dir / "house-bold.ttf", {"House Serif", "Bold"});
  RenderOptions options;
  options.fields = {{"name", "Việt Nam"}};
  Image by_name = render_template(s.load(banner_in(R"({"family": "House Serif", "size": 40})")), options);
  Image by_file = render_template(s.load(banner_in(R"({"family": "house.ttf", "size": 40})")), options);
  Image bundled = render_template(s.load(banner_in(R"({"family": "Noto Sans", "size": 40})")), options);
  CHECK(by_name == by_file);
  CHECK_FALSE(by_name == bundled);
  // The weight picks the face, as for bundled families.
  Image bold = render_template(s.load(banner_in(R"({"family": "House Serif", "weight": 700, "size": 40})")), options);
  CHECK(bold == render_template(s.load(banner_in(R"({"family": "house-bold.ttf", "size": 40})")), options));
  CHECK_FALSE(bold == by_name);
  // The folder's own "Noto Sans" wins over the bundled family of the name.
  write_made_font(kNoto / "NotoSerif-Regular.ttf", s.dir / "mine.ttf", {"Noto Sans"});
  CHECK(render_template(s.load(banner_in(R"({"family": "Noto Sans", "size": 40})")), options) == by_file);
  // And a fallback family may be the folder's too.
  Template fb = s.load(R"({"width": 100, "height": 100, "layers": [{"type": "text", "text": "a", "box": [0, 0, 100, 100],
      "font": {"family": "Noto Serif", "size": 40}, "fallback": ["House Serif"]}]})");
  CHECK(fb.size().width == 100);
}

TEST_CASE("a family found nowhere is an error at its JSON path, listing the families", "[render][font][folder]") {
  Scratch s;
  write_made_font(kNoto / "NotoSans-Regular.ttf", s.dir / "house.ttf", {"House Sans"});
  CHECK(load_error(s.write("t.json", banner_in(R"({"family": "Robotto", "size": 40})"))) ==
        "template '" + (s.dir / "t.json").string() +
            "': layers[1].font.family: font 'Robotto': no such family (available: House Sans, Noto Sans, Noto Sans "
            "Symbols2, Noto Serif)");
}

TEST_CASE("TCVN3 and VNI fonts are refused where a template uses them, by name or by file", "[render][font][legacy]") {
  Scratch s;
  write_made_font(kNoto / "NotoSans-Regular.ttf", s.dir / "vntime.ttf", {".VnTime", "Regular", {}, LegacyEncoding::Tcvn3});
  write_made_font(kNoto / "NotoSans-Regular.ttf", s.dir / "vni.ttf", {"VNI-Times", "Regular", {}, LegacyEncoding::Vni});
  const std::string file = "template '" + (s.dir / "t.json").string() + "': ";
  const std::string tcvn3 =
      "font '.VnTime' (vntime.ttf) is TCVN3-encoded: its Vietnamese letters sit on Latin-1 code points, so Unicode "
      "text would be drawn wrong; use a Unicode font such as Noto Sans";
  CHECK(load_error(s.write("t.json", banner_in(R"({"family": ".VnTime", "size": 40})"))) ==
        file + "layers[1].font.family: " + tcvn3);
  CHECK(load_error(s.write("t.json", banner_in(R"({"family": "vntime.ttf", "size": 40})"))) ==
        file + "layers[1].font.family: " + tcvn3);
  CHECK(load_error(s.write("t.json", banner_in(R"({"family": "VNI-Times", "size": 40})"))) ==
        file + "layers[1].font.family: font 'VNI-Times' (vni.ttf) is VNI-encoded: its Vietnamese letters sit on "
               "Latin-1 code points, so Unicode text would be drawn wrong; use a Unicode font such as Noto Sans");
  CHECK(load_error(s.write("t.json", R"({"width": 100, "height": 100, "layers": [{"type": "text", "text": "a",
      "box": [0, 0, 100, 100], "font": {"size": 40}, "fallback": ["Noto Serif", ".VnTime"]}]})")) ==
        file + "layers[0].fallback[1]: " + tcvn3);
}

TEST_CASE("check names the Vietnamese letters a layer's font lacks, a problem when no font draws them", "[render][check][font]") {
  Scratch s;
  write_made_font(kNoto / "NotoSans-Regular.ttf", s.dir / "few.ttf", {"Few Sans", "Regular", U"ắđĐ"});
  Template t = s.load(banner_in(R"({"family": "Few Sans", "size": 40})"));
  // check_fonts' finding: the first at layers[1].font (the notes of the
  // characters the text took from fallbacks follow it).
  auto font_check = [](const std::vector<CheckProblem>& checks) {
    auto it = std::find_if(checks.begin(), checks.end(), [](const CheckProblem& c) {
      return c.where == "layers[1].font" && c.message.find(" of the 134 Vietnamese letters: ") != std::string::npos;
    });
    REQUIRE(it != checks.end());
    return *it;
  };
  CheckProblem found = font_check(check_template(t, {{"name", "An"}}));
  CHECK(found.severity == CheckSeverity::Note);
  CHECK(found.message.starts_with("font 'Few Sans Regular' (few.ttf) lacks 131 of the 134 Vietnamese letters: "
                                      "à á ả ã ạ ă ằ ẳ ẵ ặ â "));
  CHECK(found.message.ends_with(" Ỹ Ỵ; fallback fonts draw them, in another typeface"));
  CHECK(found.message.find(" đ ") == std::string::npos);
  // With fallback fonts that lack them too, the letters no font draws are a problem.
  std::filesystem::create_directories(s.dir / "only");
  write_made_font(kNoto / "NotoSans-Regular.ttf", s.dir / "only" / "few2.ttf", {"Few Two", "Regular", U"ạ"});
  FontLibrary poor({s.dir / "only"});
  found = font_check(check_template(t, {{"name", "An"}}, poor));
  CHECK(found.severity == CheckSeverity::Problem);
  CHECK(found.message.find("; no font of the layer draws à á ả ã ă ") != std::string::npos);
  // The bundled fonts lack none.
  CHECK(check_template(s.load(banner_in(R"({"family": "Noto Serif", "size": 40})")), {{"name", "An"}}).empty());
}
