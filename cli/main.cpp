// The khung command line: parses arguments, calls the library, maps errors
// to exit codes (0 done, 1 a render or input failed, 2 bad usage).

#include "khung/codec.hpp"
#include "khung/demo.hpp"
#include "khung/error.hpp"
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
  return code == khung::ErrorCode::InvalidArgument ? kExitUsage : kExitFailed;
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
  if (args.text.empty()) throw khung::Error(khung::ErrorCode::InvalidArgument, "text: is empty");
  khung::TextStyle style;
  style.font = {args.font, args.weight, args.italic};
  style.size = args.size;
  style.color = khung::parse_color(args.color);
  khung::format_from_path(args.output);  // reject a bad extension before rendering
  khung::TextLayout layout = khung::layout_line(args.text, style);
  for (char32_t cp : layout.missing) {
    char code[16];
    std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
    std::cerr << "khung: warning: text: no font has " << code << "; it is left blank\n";
  }
  int margin = args.margin >= 0 ? args.margin : khung::default_margin(style.size);
  khung::save_image(khung::render_text(layout, style, margin), args.output);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"khung: framed profile photos and Vietnamese-text banners"};
  app.require_subcommand(1);

  std::string demo_dir = "khung-demo";
  auto* demo = app.add_subcommand("demo", "Render the bundled campaign demo into a folder");
  demo->add_option("-o,--output", demo_dir, "Output folder")->capture_default_str();

  TextArgs text_args;
  add_text_command(app, text_args);

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
    return run_text(text_args);
  } catch (const khung::Error& e) {
    print_error(e.what());
    return exit_code(e.code());
  } catch (const std::exception& e) {
    print_error(std::string("internal: ") + e.what());
    return kExitFailed;
  }
}
