#include "commands.hpp"
#include "khung/codec.hpp"
#include "khung/text.hpp"

#include <iostream>

namespace cli {

CLI::App* add_text_command(CLI::App& app, TextArgs& args) {
  auto* cmd = app.add_subcommand("text", "One line of shaped text on a transparent canvas, tight to its ink");
  cmd->add_option("string", args.text, "The text (UTF-8)")->required();
  cmd->add_option("--font", args.font, "Font file (.ttf/.otf) or bundled family name")->required();
  cmd->add_option("--size", args.size, "Size in pixels")->required();
  cmd->add_option("--color", args.color, "Colour: #RGB, #RRGGBB or #RRGGBBAA")->capture_default_str();
  cmd->add_option("--weight", args.weight, "Weight when --font is a family (100..900)")->capture_default_str();
  cmd->add_flag("--italic", args.italic, "Italic style when --font is a family");
  cmd->add_option("--margin", args.margin, "Pixels around the ink (default: size/8, at least 2)");
  cmd->add_option("-o,--output", args.output, "Output PNG file")->required();
  return cmd;
}

int run_text(const TextArgs& args) {
  if (args.text.empty()) throw usage("text: is empty");
  khung::TextStyle style;
  style.font = {args.font, args.weight, args.italic};
  style.size = args.size;
  style.color = khung::parse_color(args.color);
  khung::format_from_path(args.output);  // reject a bad extension before rendering
  khung::TextLayout layout = khung::layout_line(args.text, style);
  if (!layout.missing.empty())
    std::cerr << "khung: warning: text: " << khung::missing_characters_message(layout.missing) << "\n";
  int margin = args.margin >= 0 ? args.margin : khung::default_margin(style.size);
  khung::save_image(khung::render_text(layout, style, margin), args.output);
  return 0;
}

}  // namespace cli
