#pragma once
// The bundled demo: what `khung demo` renders from bundled defaults only.

#include <filesystem>
#include <vector>

namespace khung {

// Renders the campaign's slogans into `dir` (created if missing) and returns
// the files written, in order. Throws Error(Io) when dir cannot be written.
//   for (auto& f : render_demo("khung-demo")) std::cout << f << "\n";
std::vector<std::filesystem::path> render_demo(const std::filesystem::path& dir);

}  // namespace khung
