#pragma once
// The khung subcommands: each adds its options to the CLI11 app and runs
// with the parsed values. Parsing and formatting only; the library works.

#include "khung/error.hpp"
#include "khung/photo.hpp"
#include "server.hpp"

#include <CLI/CLI.hpp>

#include <optional>
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
// --width, kept in `width` only when given.
void add_width_option(CLI::App* cmd, std::optional<int>& width);
// Throws usage() errors naming the option.
khung::Placement parse_placement(const PlacementArgs& args);

struct RenderArgs {
  std::string tpl, photo;
  std::vector<std::string> sets, outputs;
  PlacementArgs placement;
  std::optional<int> width;  // unset unless --width is given (0 is refused, not "the template's")
  int quality = 90;
  bool sample = false;  // fields not set take their sample values; a frame without -p, the sample photo
};
CLI::App* add_render_command(CLI::App& app, RenderArgs& args);
int run_render(const RenderArgs& args);

struct TemplatesArgs {
  std::string dir;  // empty: the bundled templates
  bool json = false;
};
CLI::App* add_templates_command(CLI::App& app, TemplatesArgs& args);
int run_templates(const TemplatesArgs& args);

struct BatchArgs {
  std::string tpl, data, output, name = "{{row}}", shard, legacy, photo_column;
  PlacementArgs placement;
  std::optional<int> width;
  int jobs = 0, quality = 90;
  bool skip_existing = false, fail_fast = false;
};
CLI::App* add_batch_command(CLI::App& app, BatchArgs& args);
int run_batch(const BatchArgs& args);

struct CheckArgs {
  std::string tpl, data, legacy, photo_column;
};
CLI::App* add_check_command(CLI::App& app, CheckArgs& args);
int run_check(const CheckArgs& args);

// --key or $KHUNG_SIGNING_KEY: empty when neither is given; throws a usage
// error when one is given but empty (it would turn signing off silently).
std::string signing_key(const std::optional<std::string>& given);

struct ServeArgs {
  khung::http::ServerOptions options;
  std::optional<std::string> key;  // given, even if empty
  std::optional<std::string> admin_token;
  std::string data_dir;
  bool quiet = false;
  char** argv = nullptr;  // the whole command line, for khung to hand to khung-serve
};
CLI::App* add_serve_command(CLI::App& app, ServeArgs& args);
int run_serve(const ServeArgs& args);

// khung report: run by khung-serve too (serve_exec.cpp), which has the
// counts library.
struct ReportArgs {
  std::string data_dir, database, from, to, by = "unit";
  char** argv = nullptr;
};
CLI::App* add_report_command(CLI::App& app, ReportArgs& args);
int run_report(const ReportArgs& args);
// --data-dir DIR (DIR/counts.sqlite) or --database URL (not both), else
// $KHUNG_DATABASE: the counts database, or "" when none is given.
std::string counts_database(const std::string& data_dir, const std::string& database);

// khung studio: run by khung-serve too (serve_exec.cpp).
struct StudioArgs {
  std::string dir = ".";
  int port = 8090;
  bool quiet = false;
  char** argv = nullptr;
};
CLI::App* add_studio_command(CLI::App& app, StudioArgs& args);
int run_studio(const StudioArgs& args);

struct SignArgs {
  std::string url;
  std::optional<std::string> key;
};
CLI::App* add_sign_command(CLI::App& app, SignArgs& args);
int run_sign(const SignArgs& args);

// khung new frame | banner: the options of both; `frame` and `banner` tell
// which was given.
struct NewArgs {
  std::string overlay, size, background, dir = ".";
  std::optional<std::string> id, title;
  bool force = false;
  CLI::App* frame = nullptr;
  CLI::App* banner = nullptr;
};
CLI::App* add_new_command(CLI::App& app, NewArgs& args);
int run_new(const NewArgs& args);

}  // namespace cli
