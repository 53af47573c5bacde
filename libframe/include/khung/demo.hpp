#pragma once
// The bundled demo: what `khung demo` renders from bundled defaults only.

#include <filesystem>
#include <vector>

namespace khung {

// Renders every bundled template into `dir` (created if missing) as
// <id>.png: frames around the bundled sample photo (face focus), banners
// with their sample fields. Returns the files written, in order. Throws
// Error(Io) when dir cannot be written.
//   for (auto& f : render_demo("khung-demo")) std::cout << f << "\n";
std::vector<std::filesystem::path> render_demo(const std::filesystem::path& dir);

// The bundled sample photo: <data_dir>/assets/photos/astronaut.png.
std::filesystem::path sample_photo();

}  // namespace khung
