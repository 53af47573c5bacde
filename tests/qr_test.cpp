// QR codes (qr.hpp) and the `qr` template layer: codes read back by a real
// reader (zbarimg, from Debian's zbar-tools) give the data byte for byte,
// modules are crisp squares, and what cannot be drawn is refused naming
// the layer.

#include "khung/codec.hpp"
#include "khung/error.hpp"
#include "khung/qr.hpp"
#include "khung/render.hpp"
#include "khung/template.hpp"
#include "khung/unicode.hpp"

#include <catch2/catch.hpp>

#include "scratch.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <tuple>

using namespace khung;

namespace {

// What zbarimg reads in the PNG at `file`: the data of every code, each
// followed by a newline; empty when it finds none.
std::string read_codes(const std::filesystem::path& file) {
  const std::string zbarimg = KHUNG_ZBARIMG;
  INFO("zbarimg (Debian's zbar-tools) reads the codes back: bash .ci/setup installs it");
  REQUIRE_FALSE(zbarimg.empty());
  const std::string command = "'" + zbarimg + "' --nodbus --raw -q '" + file.string() + "' 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe);
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

// The one code in `image`, as zbarimg reads it (without its newline).
std::string decode(const Image& image, const ScratchDir& scratch, const std::string& name = "code.png") {
  const auto file = scratch.dir / name;
  save_image(image, file);
  std::string data = read_codes(file);
  if (!data.empty() && data.back() == '\n') data.pop_back();
  return data;
}

RenderOptions options(const Fields& fields, std::optional<int> width = std::nullopt) {
  RenderOptions out;
  out.fields = fields;
  out.output_width = width;
  return out;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// A template of one red fill and one qr layer with the given keys.
Template qr_template(const ScratchDir& s, const std::string& qr_keys, const std::string& fields = "",
                     int side = 400) {
  const std::string json = R"({"width": )" + std::to_string(side) + R"(, "height": )" + std::to_string(side) +
                           (fields.empty() ? "" : R"(, "fields": )" + fields) +
                           R"(, "layers": [{"type": "fill", "color": "#C8102E"}, {"type": "qr", )" + qr_keys + "}]}";
  return Template::parse(json, s.dir / "code.json");
}

const std::string kVietnamese = "Tự hào trí tuệ lao động Việt Nam – Đắk Lắk, Quảng Ngãi: ỷ ỹ Ữ ẫ";

// The distinct colours of `image` inside `r`.
std::set<std::tuple<int, int, int, int>> colours_in(const Image& image, const Rect& r) {
  std::set<std::tuple<int, int, int, int>> out;
  for (int y = r.y; y < r.bottom(); ++y)
    for (int x = r.x; x < r.right(); ++x) {
      Color c = image.pixel(x, y);
      out.insert({c.r, c.g, c.b, c.a});
    }
  return out;
}

}  // namespace

TEST_CASE("a Vietnamese UTF-8 payload reads back byte for byte", "[qr]") {
  ScratchDir s("qr-test");
  for (QrLevel level : {QrLevel::L, QrLevel::M, QrLevel::Q, QrLevel::H}) {
    Image canvas(400, 400, {255, 255, 255, 255});
    draw_qr(canvas, encode_qr(kVietnamese, level), {0, 0, 400, 400}, {});
    CHECK(decode(canvas, s) == kVietnamese);
  }
  // Bytes as given: NFD text is not normalised on the way in.
  const std::string nfd = to_nfd("Công đoàn Điện lực Hà Nội");
  REQUIRE(nfd != "Công đoàn Điện lực Hà Nội");
  Image canvas(400, 400, {255, 255, 255, 255});
  draw_qr(canvas, encode_qr(nfd, QrLevel::M), {0, 0, 400, 400}, {});
  CHECK(decode(canvas, s) == nfd);
}

TEST_CASE("a qr layer encodes its data with {{field}} filled, and its fields are the template's", "[qr][template]") {
  ScratchDir s("qr-test");
  const Template t = qr_template(s,
                                 R"("data": "https://khung.congdoan.vn/?don-vi={{unit}}&ten={{name}}",
                                     "box": [20, 20, 360, 360])",
                                 R"({"unit": {"label": "Đơn vị", "sample": "dien-luc"}})");
  REQUIRE(t.fields().size() == 2);
  CHECK(t.fields()[0].name == "unit");
  CHECK(t.fields()[0].sample == "dien-luc");
  CHECK(t.fields()[1].name == "name");
  CHECK(t.kind() == TemplateKind::Banner);
  const Fields filled{{"unit", "Công đoàn Điện lực"}, {"name", "Nguyễn Thị Phượng"}};
  CHECK(decode(render_template(t, options(filled)), s) ==
        "https://khung.congdoan.vn/?don-vi=Công đoàn Điện lực&ten=Nguyễn Thị Phượng");
  // Missing and unknown fields, as for text.
  CHECK(check_template(t, {{"unit", "x"}}) == std::vector<CheckProblem>{{CheckKind::MissingField, "field 'name'", "missing"}});
  CHECK(error_of([&] { render_template(t, options({{"unit", "x"}, {"name", "y"}, {"nme", "z"}})); })
            .starts_with("field 'nme': not used by template 'code'"));
  CHECK(check_template(t, sample_fields(t)).empty());
  // A field only a qr layer uses may be declared; one nothing uses may not.
  CHECK(error_of([&] {
          qr_template(s, R"("data": "{{link}}", "box": [0, 0, 400, 400])", R"({"link": {}, "other": {}})");
        }) == "template '" + (s.dir / "code.json").string() + "': fields.other: is not used by any text or QR code");
}

TEST_CASE("fixed data is drawn from the template's cache, the same as a render", "[qr][template]") {
  ScratchDir s("qr-test");
  const Template t = qr_template(s, R"("data": "Quét mã để thay khung ảnh đại diện", "box": [20, 20, 360, 360])");
  CHECK(t.fields().empty());
  const Image first = render_template(t, {});
  CHECK(render_template(t, {}) == first);
  CHECK(decode(first, s) == "Quét mã để thay khung ảnh đại diện");
}

TEST_CASE("more error correction makes more modules", "[qr]") {
  const std::string data(100, 'a');
  const QrCode low = encode_qr(data, QrLevel::L), high = encode_qr(data, QrLevel::H);
  CHECK(low.size == 37);   // version 5
  CHECK(high.size == 57);  // version 10
  CHECK(encode_qr(data, QrLevel::M).size > low.size);
  CHECK(encode_qr(data, QrLevel::Q).size > encode_qr(data, QrLevel::M).size);
  CHECK(encode_qr("a", QrLevel::L).size == 21);  // version 1, the smallest
  // In a template: the same box, fewer and larger modules at L.
  ScratchDir s("qr-test");
  const Template l = qr_template(s, R"("data": "https://khung.congdoan.vn/", "box": [0, 0, 400, 400], "level": "L")");
  const Template h = qr_template(s, R"("data": "https://khung.congdoan.vn/", "box": [0, 0, 400, 400], "level": "H")");
  CHECK(render_template(l, {}) != render_template(h, {}));
  CHECK(decode(render_template(h, {}), s) == "https://khung.congdoan.vn/");
}

TEST_CASE("a QR code holds up to its level's capacity, and more is refused naming the size", "[qr]") {
  for (QrLevel level : {QrLevel::L, QrLevel::M, QrLevel::Q, QrLevel::H}) {
    const std::size_t most = qr_capacity(level);
    CHECK(encode_qr(std::string(most, 'x'), level).size == 177);  // version 40
    CHECK(error_of([&] { encode_qr(std::string(most + 1, 'x'), level); }) ==
          "the QR data is " + std::to_string(most + 1) + " bytes, more than a QR code holds at level " +
              qr_level_name(level) + " (" + std::to_string(most) + " bytes)");
  }
  CHECK(qr_capacity(QrLevel::H) == 1273);
  try {
    encode_qr(std::string(3100, 'x'), QrLevel::H);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Layout);
  }
  CHECK(error_of([] { encode_qr("", QrLevel::M); }) == "the QR data is empty");
}

TEST_CASE("modules are exact pixel squares in the two colours, centred in the box", "[qr]") {
  const QrCode code = encode_qr("https://khung.congdoan.vn/", QrLevel::M);
  REQUIRE(code.size == 25);  // with a quiet zone of 4: 33 modules a side
  Image canvas(500, 400, {200, 16, 46, 255});
  QrStyle style;
  style.color = {26, 10, 60, 255};
  style.background = {255, 240, 200, 255};
  const QrPlacement at = draw_qr(canvas, code, {10, 20, 400, 360}, style);
  // 360 / 33 = 10 px a module: 330 px, centred.
  CHECK(at.module_px == 10);
  CHECK(at.square == Rect{10 + 35, 20 + 15, 330, 330});
  CHECK(colours_in(canvas, at.square) == std::set<std::tuple<int, int, int, int>>{{26, 10, 60, 255}, {255, 240, 200, 255}});
  // Every module is one colour, the code's own; the quiet zone is light.
  for (int my = -4; my < code.size + 4; ++my)
    for (int mx = -4; mx < code.size + 4; ++mx) {
      const bool dark = mx >= 0 && my >= 0 && mx < code.size && my < code.size && code.dark(mx, my);
      const Rect m{at.square.x + (mx + 4) * 10, at.square.y + (my + 4) * 10, 10, 10};
      const auto colours = colours_in(canvas, m);
      REQUIRE(colours.size() == 1);
      CHECK(std::get<0>(*colours.begin()) == (dark ? 26 : 255));
    }
  // Around the square, the canvas is untouched.
  CHECK(colours_in(canvas, {0, 0, 500, at.square.y}) == std::set<std::tuple<int, int, int, int>>{{200, 16, 46, 255}});
  CHECK(colours_in(canvas, {at.square.right(), 0, 500 - at.square.right(), 400}) ==
        std::set<std::tuple<int, int, int, int>>{{200, 16, 46, 255}});
}

TEST_CASE("a transparent background shows what is under the light modules", "[qr][template]") {
  ScratchDir s("qr-test");
  const Template t = qr_template(
      s, R"("data": "xin chào", "box": [0, 0, 400, 400], "background": "transparent", "color": "#0A0A0A", "quiet_zone": 0)");
  const Image image = render_template(t, {});
  CHECK(colours_in(image, {0, 0, 400, 400}) ==
        std::set<std::tuple<int, int, int, int>>{{10, 10, 10, 255}, {0xC8, 0x10, 0x2E, 255}});
  // Quiet zone 0: the code fills the box (21 modules of 19 px, centred).
  CHECK(image.pixel(4, 4) == Color{10, 10, 10, 255});  // the finder pattern's corner
}

TEST_CASE("at another output width the code stays crisp and readable", "[qr][render]") {
  ScratchDir s("qr-test");
  const Template t = qr_template(s, R"("data": "{{link}}", "box": [100, 100, 600, 600], "level": "H")",
                                 R"({"link": {"sample": "https://khung.congdoan.vn/?đơn-vị=Huế"}})", 800);
  const QrCode code = encode_qr("https://khung.congdoan.vn/?đơn-vị=Huế", QrLevel::H);
  const QrPlacement at = place_qr(code, {100, 100, 600, 600}, 4);
  for (int width : {533, 800, 1000, 1900}) {
    INFO("width " << width);
    RenderResult r = render_with_warnings(t, options(sample_fields(t), width));
    CHECK(r.warnings.empty());
    const double k = width / 800.0;
    // The square inside its scaled edges: black and white only.
    const Rect inside{static_cast<int>(at.square.x * k) + 1, static_cast<int>(at.square.y * k) + 1,
                      static_cast<int>(at.square.width * k) - 2, static_cast<int>(at.square.height * k) - 2};
    CHECK(colours_in(r.image, inside) == std::set<std::tuple<int, int, int, int>>{{0, 0, 0, 255}, {255, 255, 255, 255}});
    CHECK(decode(r.image, s) == "https://khung.congdoan.vn/?đơn-vị=Huế");
  }
  // So small that modules are under a pixel: a warning at the layer.
  RenderResult tiny = render_with_warnings(t, options(sample_fields(t), 40));
  REQUIRE(tiny.warnings.size() == 1);
  CHECK(tiny.warnings[0].where == "layers[1]");
  CHECK(tiny.warnings[0].message ==
        "at 40 px wide the QR code's modules are under 1 px, so phones cannot read it; render it wider or give it a "
        "larger box");
}

TEST_CASE("a qr layer's mistakes are errors at their JSON path", "[qr][template]") {
  ScratchDir s("qr-test");
  const std::string file = "template '" + (s.dir / "code.json").string() + "': ";
  auto load_error = [&](const std::string& keys) { return error_of([&] { qr_template(s, keys); }); };
  CHECK(load_error(R"("box": [0, 0, 100, 100])") == file + "layers[1]: missing 'data'");
  CHECK(load_error(R"("data": "x")") == file + "layers[1]: missing 'box'");
  CHECK(load_error(R"("data": "", "box": [0, 0, 100, 100])") == file + "layers[1].data: must not be empty");
  CHECK(load_error(R"("data": "x", "box": [0, 0, 100, 100], "level": "X")") ==
        file + "layers[1].level: 'X' is not one of: L, M, Q, H");
  CHECK(load_error(R"("data": "x", "box": [0, 0, 100, 100], "quiet_zone": 11)")
            .starts_with(file + "layers[1].quiet_zone: "));
  CHECK(load_error(R"("data": "x", "box": [0, 0, 100, 100], "colour": "red")")
            .starts_with(file + "layers[1].colour: unknown key (expected one of: "));
  CHECK(load_error(R"("data": "{{link", "box": [0, 0, 100, 100])").starts_with(file + "layers[1].data: unclosed '{{'"));
  // Fixed data is checked as the template loads.
  CHECK(load_error(R"("data": ")" + std::string(3100, 'x') + R"(", "box": [0, 0, 400, 400], "level": "H")") ==
        file + "layers[1].data: the QR data is 3100 bytes, more than a QR code holds at level H (1273 bytes)");
  CHECK(load_error(R"("data": "https://khung.congdoan.vn/", "box": [10, 10, 30, 60])") ==
        file + "layers[1].box: the QR code needs a box of at least 33x33 px (25 modules and a quiet zone of 4 on "
               "each side, 1 px each); the box is 30x60 px");
}

TEST_CASE("data that a field makes too long, or too big for the box, fails the render and the check", "[qr][render]") {
  ScratchDir s("qr-test");
  const Template t = qr_template(s, R"("data": "{{link}}", "box": [20, 20, 60, 60], "level": "H")");
  // Too long for any QR code at H.
  const Fields long_link{{"link", std::string(3100, 'x')}};
  try {
    render_template(t, options(long_link));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Layout);
    CHECK(std::string(e.what()) == "layers[1]: the QR data is 3100 bytes, more than a QR code holds at level H (1273 bytes)");
  }
  CHECK(check_template(t, long_link) ==
        std::vector<CheckProblem>{
            {CheckKind::QrFails, "layers[1]", "the QR data is 3100 bytes, more than a QR code holds at level H (1273 bytes)"}});
  // A QR code, but too big for the 60 px box at 1 px a module.
  const Fields longer{
      {"link", "https://khung.congdoan.vn/?unit=cong-doan-tong-cong-ty-dien-luc-mien-bac&name=nguyen-thi-phuong"}};
  const std::string too_big =
      "the QR code needs a box of at least 61x61 px (53 modules and a quiet zone of 4 on each side, 1 px each); the "
      "box is 60x60 px";
  CHECK(error_of([&] { render_template(t, options(longer)); }) == "layers[1].box: " + too_big);
  CHECK(check_template(t, longer) == std::vector<CheckProblem>{{CheckKind::QrFails, "layers[1].box", too_big}});
  // A short one fits.
  CHECK(check_template(t, {{"link", "https://a.vn/"}}).empty());
}

TEST_CASE("a qr layer whose code leaves the canvas is a check problem", "[qr][template]") {
  ScratchDir s("qr-test");
  const Template fixed = qr_template(s, R"("data": "xin chào", "box": [300, 0, 200, 200])");
  const auto problems = check_template(fixed, {});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].where == "layers[1].box");
  CHECK(problems[0].severity == CheckSeverity::Problem);
  // "xin chào": 21 modules and the quiet zone, 6 px each, centred in the box.
  CHECK(problems[0].message ==
        "the QR code [313, 13, 174, 174] leaves the 400x400 canvas by 87 px at the right, where it is cut off and "
        "cannot be read");
  const Template filled = qr_template(s, R"("data": "{{x}}", "box": [300, 0, 200, 200])");
  const auto notes = check_template(filled, {{"x", "y"}});
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].severity == CheckSeverity::Note);
}

TEST_CASE("the bundled poster's code reads back as its link", "[qr][template]") {
  ScratchDir s("qr-test");
  const Template poster = Template::load("poster-qr");
  CHECK(poster.size() == Size{1240, 1754});
  CHECK(check_template(poster, sample_fields(poster)).empty());
  CHECK(decode(render_template(poster, options(sample_fields(poster))), s) == "https://khung.congdoan.vn/");
  // Another office's page, and its unit; half the size for a screen.
  const Fields office{{"link", "https://congdoan-hue.vn/khung-anh/?đơn-vị=dệt-may"}, {"unit", "Công đoàn Dệt may Huế"}};
  CHECK(decode(render_template(poster, options(office)), s) == "https://congdoan-hue.vn/khung-anh/?đơn-vị=dệt-may");
  CHECK(decode(render_template(poster, options(office, 620)), s) ==
        "https://congdoan-hue.vn/khung-anh/?đơn-vị=dệt-may");
}
