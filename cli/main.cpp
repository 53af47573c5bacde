// The khung command line: parses arguments, calls the library, formats the
// result, and maps errors to exit codes (0 done, 1 a render or input
// failed, 2 bad usage).

#include "khung/codec.hpp"
#include "khung/demo.hpp"
#include "khung/error.hpp"
#include "khung/render.hpp"
#include "khung/text.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <string>

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

void print_error(const std::string& message) { std::cerr << "khung: error: " << message << "\n"; }

// The one place library errors become exit codes.
int exit_code(khung::ErrorCode code) {
  switch (code) {
    case khung::ErrorCode::InvalidArgument:
    case khung::ErrorCode::NotFound:
      return kExitUsage;
    default:
      return kExitFailed;
  }
}

khung::Error usage(const std::string& message) { return {khung::ErrorCode::InvalidArgument, message}; }

std::string code_point(char32_t cp) {
  char code[16];
  std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
  return code;
}

struct TextArgs {
  std::string text, font, color = "#000000", output;
  float size = 0;
  int weight = 400;
  bool italic = false;
  int margin = -1;
};

void add_text_command(CLI::App& app, TextArgs& args) {
  auto* cmd = app.add_subcommand("text", "One line of shaped text on a transparent canvas, tight to its ink");
  cmd->add_option("string", args.text, "The text (UTF-8)")->required();
  cmd->add_option("--font", args.font, "Font file (.ttf/.otf) or bundled family name")->required();
  cmd->add_option("--size", args.size, "Size in pixels")->required();
  cmd->add_option("--color", args.color, "Colour: #RGB, #RRGGBB or #RRGGBBAA")->capture_default_str();
  cmd->add_option("--weight", args.weight, "Weight when --font is a family (100..900)")->capture_default_str();
  cmd->add_flag("--italic", args.italic, "Italic style when --font is a family");
  cmd->add_option("--margin", args.margin, "Pixels around the ink (default: size/8, at least 2)");
  cmd->add_option("-o,--output", args.output, "Output PNG file")->required();
}

int run_text(const TextArgs& args) {
  if (args.text.empty()) throw usage("text: is empty");
  khung::TextStyle style;
  style.font = {args.font, args.weight, args.italic};
  style.size = args.size;
  style.color = khung::parse_color(args.color);
  khung::format_from_path(args.output);  // reject a bad extension before rendering
  khung::TextLayout layout = khung::layout_line(args.text, style);
  for (char32_t cp : layout.missing)
    std::cerr << "khung: warning: text: no font has " << code_point(cp) << "; it is left blank\n";
  int margin = args.margin >= 0 ? args.margin : khung::default_margin(style.size);
  khung::save_image(khung::render_text(layout, style, margin), args.output);
  return 0;
}

struct RenderArgs {
  std::string tpl, photo, offset, focus = "center", output;
  std::vector<std::string> sets;
  float zoom = 1, rotate = 0;
  int width = 0, quality = 90;
};

void add_render_command(CLI::App& app, RenderArgs& args) {
  auto* cmd = app.add_subcommand("render", "Render one image from a template");
  cmd->add_option("template", args.tpl, "Bundled template id or path to a .json template")->required();
  cmd->add_option("-p,--photo", args.photo, "The member's photo (JPEG, PNG, WebP, HEIC, GIF, BMP, TGA, PSD)");
  cmd->add_option("--set", args.sets, "A field value, KEY=VALUE (repeatable)");
  cmd->add_option("--zoom", args.zoom, "Zoom of the photo in its window, 1 to 10")->capture_default_str();
  cmd->add_option("--offset", args.offset, "Photo offset DX,DY in fractions of the window, -1 to 1");
  cmd->add_option("--rotate", args.rotate, "Photo rotation in degrees, clockwise")->capture_default_str();
  cmd->add_option("--focus", args.focus, "center or face")->capture_default_str();
  cmd->add_option("--width", args.width, "Output width in pixels (default: the template's)");
  cmd->add_option("--quality", args.quality, "JPEG/WebP quality, 1 to 100")->capture_default_str();
  cmd->add_option("-o,--output", args.output, "Output file, .png .jpg or .webp (default: <id>.png)");
}

khung::Fields parse_sets(const std::vector<std::string>& sets) {
  khung::Fields fields;
  for (const std::string& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) throw usage("--set '" + s + "': expected KEY=VALUE");
    fields[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return fields;
}

khung::Placement parse_placement(const RenderArgs& args) {
  khung::Placement p;
  p.zoom = args.zoom;
  p.rotate = args.rotate;
  if (args.focus == "face")
    p.focus = khung::Focus::Face;
  else if (args.focus != "center")
    throw usage("--focus '" + args.focus + "': expected center or face");
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

int run_render(const RenderArgs& args) {
  khung::Template tpl = khung::Template::load(args.tpl);
  khung::RenderOptions options;
  options.fields = parse_sets(args.sets);
  options.placement = parse_placement(args);
  options.photo.path = args.photo;
  options.width = args.width;
  std::string output = args.output.empty() ? tpl.id() + ".png" : args.output;
  khung::EncodeOptions encode{args.quality};
  khung::format_from_path(output);  // reject a bad extension before rendering
  khung::save_image(khung::render_template(tpl, options), output, encode);
  return 0;
}

int run_templates(bool json) {
  std::vector<khung::Template> all = khung::list_templates();
  if (json) {
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

int run_check(const std::string& id) {
  khung::Template tpl = khung::Template::load(id);
  auto problems = khung::check_template(tpl, khung::sample_fields(tpl));
  for (const auto& p : problems) std::cout << tpl.id() << ": " << p.where << ": " << p.message << "\n";
  std::cout << tpl.id() << ": " << (problems.empty() ? "ok" : std::to_string(problems.size()) + " problem(s)")
            << " (" << khung::kind_name(tpl.kind()) << " " << tpl.size().width << "x" << tpl.size().height
            << ", checked with sample fields)\n";
  return problems.empty() ? 0 : kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"khung: framed profile photos and Vietnamese-text banners"};
  app.require_subcommand(1);

  std::string demo_dir = "khung-demo";
  auto* demo = app.add_subcommand("demo", "Render every bundled template with sample data into a folder");
  demo->add_option("-o,--output", demo_dir, "Output folder")->capture_default_str();

  TextArgs text_args;
  add_text_command(app, text_args);
  RenderArgs render_args;
  add_render_command(app, render_args);

  bool templates_as_json = false;
  auto* templates = app.add_subcommand("templates", "List the bundled templates");
  templates->add_flag("--json", templates_as_json, "Print JSON (as GET /v1/templates does)");

  std::string check_id;
  auto* check = app.add_subcommand("check", "Validate a template: fields, text that cannot fit, missing characters");
  check->add_option("template", check_id, "Bundled template id or path to a .json template")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(e.what());
    return kExitUsage;
  }

  try {
    if (demo->parsed()) {
      for (const auto& file : khung::render_demo(demo_dir)) std::cout << file.string() << "\n";
      return 0;
    }
    if (templates->parsed()) return run_templates(templates_as_json);
    if (check->parsed()) return run_check(check_id);
    if (app.got_subcommand("render")) return run_render(render_args);
    return run_text(text_args);
  } catch (const khung::Error& e) {
    print_error(e.what());
    return exit_code(e.code());
  } catch (const std::exception& e) {
    print_error(std::string("internal: ") + e.what());
    return kExitFailed;
  }
}
