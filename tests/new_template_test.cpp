#include "khung/codec.hpp"
#include "khung/error.hpp"
#include "khung/new_template.hpp"
#include "khung/template.hpp"

#include <catch2/catch.hpp>

#include "overlays.hpp"
#include "scratch.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace khung;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("a frame template is written around an overlay copied into the folder", "[new_template]") {
  ScratchDir scratch("new-frame");
  Image ring = overlays::clear(1080, 1080);
  overlays::rect(ring, {0, 0, 1080, 1080}, true);
  overlays::disc(ring, 540, 540, 400, false);
  save_image(ring, scratch.dir / "Khung Vòng.png");

  const NewTemplate made = write_frame_template({.overlay = scratch.dir / "Khung Vòng.png", .dir = scratch.dir / "out"});
  CHECK(made.path == scratch.dir / "out" / "khung-vong.json");
  REQUIRE(made.copied.size() == 1);
  CHECK(made.copied[0] == scratch.dir / "out" / "frames" / "khung-vong.png");
  CHECK(made.advice.empty());
  const Template t = Template::load(made.path.string());
  CHECK(t.title() == "Khung Vòng");
  CHECK(t.kind() == TemplateKind::Frame);
  CHECK(t.size() == Size{1080, 1080});
  CHECK(t.photo_window()->box == Rect{140, 140, 800, 800});

  // Kept unless forced.
  const std::string before = read_text(made.path);
  CHECK_THROWS_WITH(write_frame_template({.overlay = scratch.dir / "Khung Vòng.png", .title = "Mới", .dir = scratch.dir / "out"}),
                    "template '" + made.path.string() + "': already exists (force replaces it)");
  CHECK(read_text(made.path) == before);
  write_frame_template({.overlay = scratch.dir / "Khung Vòng.png", .title = "Mới", .dir = scratch.dir / "out", .force = true});
  CHECK(Template::load(made.path.string()).title() == "Mới");
}

TEST_CASE("an overlay without a hole writes nothing; advice does not stop a frame", "[new_template]") {
  ScratchDir scratch("new-frame-bad");
  Image opaque = overlays::clear(1080, 1080);
  overlays::rect(opaque, {0, 0, 1080, 1080}, true);
  save_image(opaque, scratch.dir / "solid.png");
  try {
    write_frame_template({.overlay = scratch.dir / "solid.png", .dir = scratch.dir / "out"});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Template);
    CHECK(std::string(e.what()) == "overlay '" + (scratch.dir / "solid.png").string() +
                                       "': the overlay has no transparent hole for an auto photo window");
  }
  CHECK_FALSE(fs::exists(scratch.dir / "out"));

  Image small = overlays::clear(800, 800);
  overlays::rect(small, {0, 0, 800, 800}, true);
  overlays::disc(small, 400, 400, 300, false);
  save_image(small, scratch.dir / "out-small.png");
  const NewTemplate made = write_frame_template({.overlay = scratch.dir / "out-small.png", .id = "small", .dir = scratch.dir});
  CHECK(made.copied.empty());  // inside the folder: used where it is
  REQUIRE(made.advice.size() == 1);
  CHECK(made.advice[0].kind == OverlayProblemKind::TooSmall);
  CHECK_THROWS_WITH(write_frame_template({.overlay = scratch.dir / "out-small.png", .id = "campaign", .dir = scratch.dir}),
                    "template id 'campaign': reserved for the folder's campaign file (campaign.json); give another");
}

TEST_CASE("a banner template has a centred name field and checks its size", "[new_template]") {
  ScratchDir scratch("new-banner");
  const NewTemplate made = write_banner_template({.size = {1200, 400}, .dir = scratch.dir});
  const Template t = Template::load(made.path.string());
  CHECK(t.id() == "banner");
  CHECK(t.kind() == TemplateKind::Banner);
  CHECK(t.size() == Size{1200, 400});
  REQUIRE(t.fields().size() == 1);
  CHECK(t.fields()[0].name == "name");
  CHECK(t.fields()[0].label == "Họ và tên");
  CHECK(t.fields()[0].sample == "Nguyễn Thị Phượng");
  for (Size bad : {Size{0, 400}, Size{8193, 400}, Size{8000, 8000}}) {
    const std::string size = std::to_string(bad.width) + "x" + std::to_string(bad.height);
    CHECK_THROWS_WITH(write_banner_template({.size = bad, .id = "bad", .dir = scratch.dir}),
                      "banner size " + size + ": the width and height must be 1 to 8192 px, 40 megapixels at most");
  }
  CHECK_FALSE(fs::exists(scratch.dir / "bad.json"));
}
