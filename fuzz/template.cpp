// Template JSON: parsing and validation, then a render of what loads (its
// fields from the sample values, a photo when it has a slot). The template
// sits beside links to the bundled frames and images, so "src" can name
// real assets as well as missing or hostile ones.

#include "common.hpp"
#include "khung/render.hpp"
#include "khung/template.hpp"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace {

const std::filesystem::path& template_file() {
  static const std::filesystem::path path = [] {
    auto p = khung::fuzz::scratch_file("t.json", nullptr, 0);
    const auto bundled = khung::Template::bundled_dir();
    for (const char* folder : {"frames", "images"}) {
      std::error_code ignored;
      std::filesystem::create_directory_symlink(bundled / folder, p.parent_path() / folder, ignored);
    }
    return p;
  }();
  return path;
}

// A 4x3 opaque photo, for templates with a photo slot.
const khung::Image& photo() {
  static const khung::Image image(4, 3, {40, 90, 160, 255});
  return image;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace khung;
  khung::fuzz::scratch_file("t.json", data, size);
  fuzz::expecting_errors([&] {
    const Template tpl = Template::load(template_file().string());
    // Canvases past a megapixel are valid but slow to fill: parsing them is
    // what is fuzzed, not the fill's speed.
    if (static_cast<std::int64_t>(tpl.size().width) * tpl.size().height > 1'000'000) return;
    RenderOptions options;
    for (const auto& f : tpl.fields()) options.fields[f.name] = f.sample.empty() ? "Nguyễn Thị Ánh" : f.sample;
    if (tpl.has_photo()) options.photo.image = &photo();
    render_template(tpl, options);
  });
  return 0;
}
