#include "khung/demo.hpp"

#include "khung/codec.hpp"
#include "khung/error.hpp"
#include "khung/text.hpp"

namespace khung {
namespace {

constexpr const char* kSlogan = "01 TRIỆU SÁNG KIẾN – TRIỆU VIỆC TỐT";
constexpr const char* kPride = "Tự hào trí tuệ lao động Việt Nam";

const Color kUnionRed{0xC8, 0x10, 0x2E, 255};
const Color kGold{0xFF, 0xD2, 0x3F, 255};
const Color kWhite{255, 255, 255, 255};

std::filesystem::path save_line(const std::filesystem::path& dir, const char* name, const char* text,
                                const TextStyle& style) {
  TextLayout layout = layout_line(text, style);
  std::filesystem::path out = dir / name;
  save_image(render_text(layout, style, default_margin(style.size)), out);
  return out;
}

}  // namespace

std::vector<std::filesystem::path> render_demo(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(ErrorCode::Io, "output folder '" + dir.string() + "': " + ec.message());
  std::vector<std::filesystem::path> written;

  TextStyle sans;
  sans.font = {"Noto Sans", 700};
  sans.size = 96;
  sans.color = kUnionRed;
  written.push_back(save_line(dir, "slogan-noto-sans-bold.png", kSlogan, sans));
  written.push_back(save_line(dir, "pride-noto-sans-bold.png", kPride, sans));

  TextStyle serif;
  serif.font = {"Noto Serif", 400};
  serif.size = 96;
  serif.color = kUnionRed;
  written.push_back(save_line(dir, "slogan-noto-serif.png", kSlogan, serif));
  written.push_back(save_line(dir, "pride-noto-serif.png", kPride, serif));

  // A banner laid out by the box engine: auto-fit, balance, stroke, shadow.
  Image banner(1640, 624, kUnionRed);
  TextStyle head;
  head.font = {"Noto Sans", 700};
  head.size = 140;
  head.min_size = 40;
  head.color = kGold;
  head.align = Align::Center;
  head.vertical_align = VerticalAlign::Middle;
  head.wrap = Wrap::Balance;
  head.max_lines = 2;
  head.line_height = 1.1f;
  head.stroke = {4, {0x7A, 0x05, 0x16, 255}};
  head.shadow = {6, 8, 10, {0, 0, 0, 110}};
  draw_text(banner, layout_text(kSlogan, head, {80, 40, 1480, 360}), head);
  TextStyle sub;
  sub.font = {"Noto Serif", 400};
  sub.size = 72;
  sub.min_size = 24;
  sub.color = kWhite;
  sub.align = Align::Center;
  sub.vertical_align = VerticalAlign::Middle;
  sub.max_lines = 1;
  draw_text(banner, layout_text(kPride, sub, {80, 420, 1480, 150}), sub);
  std::filesystem::path out = dir / "banner.png";
  save_image(banner, out);
  written.push_back(out);
  return written;
}

}  // namespace khung
