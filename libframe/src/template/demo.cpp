#include "khung/demo.hpp"

#include "khung/error.hpp"
#include "khung/render.hpp"

namespace khung {

std::filesystem::path sample_photo() { return data_dir() / "assets" / "photos" / "astronaut.png"; }

std::vector<std::filesystem::path> render_demo(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(ErrorCode::Io, "output folder '" + dir.string() + "': " + ec.message());
  std::vector<std::filesystem::path> written;
  const Image photo = read_image(sample_photo());
  for (const Template& tpl : list_templates()) {
    RenderOptions options;
    options.fields = sample_fields(tpl);
    if (tpl.has_photo()) {
      options.photo.image = &photo;
      options.placement.focus = Focus::Face;
    }
    std::filesystem::path out = dir / (tpl.id() + ".png");
    save_image(render_template(tpl, options), out);
    written.push_back(out);
  }
  return written;
}

}  // namespace khung
