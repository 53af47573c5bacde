#pragma once
// The khung subcommands: each adds its options to the CLI11 app and runs
// with the parsed values. Parsing and formatting only; the library works.

#include "khung/error.hpp"
#include "khung/photo.hpp"
#include "server.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace cli {

// An error in what the user typed (exit code 2).
inline khung::Error usage(const std::string& message) { return {khung::ErrorCode::InvalidArgument, message}; }

struct TextArgs {
  std::string text, font, color = "#000000", output;
  float size = 0;
  int weight = 400;
  bool italic = false;
  int margin = -1;
};
CLI::App* add_text_command(CLI::App& app, TextArgs& args);
int run_text(const TextArgs& args);

// Photo placement options shared by render and batch.
struct PlacementArgs {
  std::string offset, focus = "center";
  float zoom = 1, rotate = 0;
};

void add_placement_options(CLI::App* cmd, PlacementArgs& args);
// Throws usage() errors naming the option.
khung::Placement parse_placement(const PlacementArgs& args);

struct RenderArgs {
  std::string tpl, photo;
  std::vector<std::string> sets, outputs;
  PlacementArgs placement;
  int width = 0, quality = 90;
};
CLI::App* add_render_command(CLI::App& app, RenderArgs& args);
int run_render(const RenderArgs& args);

CLI::App* add_templates_command(CLI::App& app, bool& json);
int run_templates(bool json);

struct BatchArgs {
  std::string tpl, data, output, name = "{{row}}", shard, legacy, photo_column;
  PlacementArgs placement;
  int jobs = 0, width = 0, quality = 90;
  bool skip_existing = false, fail_fast = false;
};
CLI::App* add_batch_command(CLI::App& app, BatchArgs& args);
int run_batch(const BatchArgs& args);

struct CheckArgs {
  std::string tpl, data, legacy, photo_column;
};
CLI::App* add_check_command(CLI::App& app, CheckArgs& args);
int run_check(const CheckArgs& args);

// --key or $KHUNG_SIGNING_KEY (empty when neither is set).
std::string signing_key(const std::string& given);

struct ServeArgs {
  khung::http::ServerOptions options;
  std::string key;
  bool quiet = false;
  char** argv = nullptr;  // the whole command line, for khung to hand to khung-serve
};
CLI::App* add_serve_command(CLI::App& app, ServeArgs& args);
int run_serve(const ServeArgs& args);

struct SignArgs {
  std::string url, key;
};
CLI::App* add_sign_command(CLI::App& app, SignArgs& args);
int run_sign(const SignArgs& args);

}  // namespace cli
