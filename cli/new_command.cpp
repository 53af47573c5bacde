#include "commands.hpp"
#include "khung/new_template.hpp"

#include <charconv>
#include <iostream>

namespace cli {

namespace {

// "1640x624" -> {1640, 624}; the range is the library's to check.
khung::Size parse_size(const std::string& text) {
  const auto bad = [&] { return usage("--size '" + text + "': expected WIDTHxHEIGHT in px, e.g. 1640x624"); };
  const auto x = text.find('x');
  if (x == std::string::npos || x == 0 || x + 1 == text.size()) throw bad();
  khung::Size size;
  const char* end = text.data() + text.size();
  auto [w_end, w_err] = std::from_chars(text.data(), text.data() + x, size.width);
  auto [h_end, h_err] = std::from_chars(text.data() + x + 1, end, size.height);
  if (w_err != std::errc() || h_err != std::errc() || w_end != text.data() + x || h_end != end) throw bad();
  return size;
}

void add_common(CLI::App* cmd, NewArgs& args) {
  cmd->add_option("--id", args.id, "Template id: lower-case letters, digits, '-', '_' (default: from the file name)");
  cmd->add_option("--title", args.title, "Human-readable title");
  cmd->add_option("--dir", args.dir, "Folder to write the template into")->capture_default_str();
  cmd->add_flag("--force", args.force, "Replace an existing template of that id");
}

void print_written(const khung::NewTemplate& made) {
  for (const auto& file : made.copied) std::cout << file.string() << "\n";
  std::cout << made.path.string() << "\n";
}

}  // namespace

CLI::App* add_new_command(CLI::App& app, NewArgs& args) {
  auto* cmd = app.add_subcommand("new", "Write a starting template into a folder");
  cmd->require_subcommand(1);
  args.frame = cmd->add_subcommand("frame", "A frame template around an overlay's transparent hole, checking the overlay");
  args.frame->add_option("overlay", args.overlay, "The frame's artwork: a PNG with a transparent hole")->required();
  add_common(args.frame, args);
  args.banner = cmd->add_subcommand("banner", "A banner template with a background and one centred {{name}} field");
  args.banner->add_option("--size", args.size, "Canvas size WIDTHxHEIGHT in px, e.g. 1640x624")->required();
  args.banner->add_option("--background", args.background, "An image fitted to cover the canvas (default: a red fill)");
  add_common(args.banner, args);
  return cmd;
}

int run_new(const NewArgs& args) {
  if (args.frame->parsed()) {
    khung::NewFrameOptions options{args.overlay, args.id, args.title, args.dir, args.force};
    const khung::NewTemplate made = khung::write_frame_template(options);
    for (const auto& problem : made.advice)
      std::cerr << "khung: warning: overlay '" << args.overlay << "': " << problem.message << "\n";
    print_written(made);
    return 0;
  }
  khung::NewBannerOptions options{parse_size(args.size), args.background, args.id, args.title, args.dir, args.force};
  print_written(khung::write_banner_template(options));
  return 0;
}

}  // namespace cli
