#include "commands.hpp"
#include "khung/demo.hpp"
#include "khung/render.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace cli {

void add_placement_options(CLI::App* cmd, PlacementArgs& args) {
  cmd->add_option("--zoom", args.zoom, "Zoom of the photo in its window, 1 to 10")->capture_default_str();
  cmd->add_option("--offset", args.offset, "Photo offset DX,DY in fractions of the window, -1 to 1");
  cmd->add_option("--rotate", args.rotate, "Photo rotation in degrees, clockwise")->capture_default_str();
  cmd->add_option("--focus", args.focus, "center or face")->capture_default_str();
}

void add_width_option(CLI::App* cmd, std::optional<int>& width) {
  cmd->add_option_function<int>(
      "--width", [&width](const int& w) { width = w; },
      "Output width in pixels, 16 to 4 times the template's (default: the template's)");
}

khung::Placement parse_placement(const PlacementArgs& args) {
  khung::Placement p;
  p.zoom = args.zoom;
  p.rotate = args.rotate;
  p.focus = khung::parse_focus(args.focus, "--focus");
  if (!args.offset.empty()) {
    float dx = 0, dy = 0;
    char end = 0;
    if (std::sscanf(args.offset.c_str(), "%f,%f%c", &dx, &dy, &end) != 2)
      throw usage("--offset '" + args.offset + "': expected DX,DY, for example 0.1,-0.05");
    p.offset_x = dx;
    p.offset_y = dy;
  }
  return p;
}

CLI::App* add_render_command(CLI::App& app, RenderArgs& args) {
  auto* cmd = app.add_subcommand("render", "Render one image from a template");
  cmd->add_option("template", args.tpl, "Bundled template id or path to a .json template")->required();
  cmd->add_option("-p,--photo", args.photo, "The member's photo (JPEG, PNG, WebP, HEIC, GIF, BMP, TGA, PSD)");
  cmd->add_option("--set", args.sets, "A field value, KEY=VALUE (repeatable)");
  cmd->add_flag("--sample", args.sample,
                "Fields not given by --set take the template's sample values; a frame without -p frames the sample photo");
  add_placement_options(cmd, args.placement);
  add_width_option(cmd, args.width);
  cmd->add_option("--quality", args.quality, "JPEG/WebP quality, 1 to 100")->capture_default_str();
  cmd->add_option("-o,--output", args.outputs,
                  "Output file, .png .jpg or .webp (default: <id>.png); repeat it to write one render in several formats");
  return cmd;
}

namespace {

khung::Fields parse_sets(const std::vector<std::string>& sets) {
  khung::Fields fields;
  for (const std::string& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) throw usage("--set '" + s + "': expected KEY=VALUE");
    fields[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return fields;
}

}  // namespace

int run_render(const RenderArgs& args) {
  khung::RenderOptions options;
  options.fields = parse_sets(args.sets);
  options.placement = parse_placement(args.placement);
  options.photo.path = args.photo;
  options.output_width = args.width;
  std::vector<std::string> outputs = args.outputs;
  if (outputs.empty()) outputs.push_back(std::filesystem::path(args.tpl).stem().string() + ".png");  // <id>.png
  for (const std::string& output : outputs) khung::format_from_path(output);  // bad extensions fail before rendering
  khung::EncodeOptions encode{args.quality};
  khung::RenderResult result;
  if (args.sample) {
    const khung::Template tpl = khung::Template::load(args.tpl);
    khung::Fields fields = khung::sample_fields(tpl);
    for (auto& [name, value] : options.fields) fields[name] = std::move(value);  // --set wins
    options.fields = std::move(fields);
    if (tpl.has_photo() && args.photo.empty()) options.photo.path = khung::sample_photo();
    result = khung::render_with_warnings(tpl, options);
  } else {
    result = khung::load_and_render(args.tpl, options);
  }
  for (const khung::RenderWarning& w : result.warnings)
    std::cerr << "khung: warning: " << w.where << ": " << w.message << "\n";
  for (const std::string& output : outputs) khung::save_image(result.image, output, encode);
  return 0;
}

CLI::App* add_templates_command(CLI::App& app, TemplatesArgs& args) {
  auto* cmd = app.add_subcommand("templates", "List the bundled templates, or those in a folder");
  cmd->add_option("dir", args.dir, "A folder of templates (default: the bundled ones)");
  cmd->add_flag("--json", args.json, "Print JSON (as GET /v1/templates does)");
  return cmd;
}

int run_templates(const TemplatesArgs& args) {
  std::error_code ec;
  if (!args.dir.empty() && !std::filesystem::is_directory(args.dir, ec))
    throw usage("templates folder '" + args.dir + "': no such folder");
  std::vector<khung::Template> all =
      args.dir.empty() ? khung::list_templates() : khung::list_templates(std::filesystem::path(args.dir));
  if (args.json) {
    std::cout << khung::templates_json(all) << "\n";
    return 0;
  }
  for (const khung::Template& t : all) {
    std::string fields;
    for (const auto& f : t.fields()) fields += (fields.empty() ? "" : ", ") + f.name;
    std::printf("%-16s %-7s %5dx%-5d %-9s %s\n", t.id().c_str(), khung::kind_name(t.kind()), t.size().width,
                t.size().height, t.has_photo() ? "photo" : "-", fields.empty() ? "-" : fields.c_str());
  }
  return 0;
}

}  // namespace cli
