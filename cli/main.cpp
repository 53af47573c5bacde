// The khung command line: parses arguments, runs one subcommand, and maps
// errors to exit codes (0 done, 1 a render or input failed, 2 bad usage).

#include "commands.hpp"
#include "khung/demo.hpp"
#include "khung/version.hpp"

#include <functional>
#include <iostream>
#include <memory>
#include <vector>

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

// One subcommand: its CLI11 app, and its run with the values parsed into
// its arguments (kept alive with it: CLI11 writes them during the parse).
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

template <class Args>
Command add_command(CLI::App& app, CLI::App* (*add)(CLI::App&, Args&), int (*run)(const Args&), char** argv) {
  auto args = std::make_shared<Args>();
  // The commands khung hands to khung-serve take the whole command line.
  if constexpr (requires { args->argv; }) args->argv = argv;
  CLI::App* sub = add(app, *args);
  return {sub, [args, run] { return run(*args); }};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"khung: framed profile photos and Vietnamese-text banners"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("khung ") + khung::version(), "Print the version and exit");

  std::string demo_dir = "khung-demo";
  auto* demo = app.add_subcommand("demo", "Render every bundled template with sample data into a folder");
  demo->add_option("-o,--output", demo_dir, "Output folder")->capture_default_str();
  const std::vector<Command> commands = {
      add_command(app, cli::add_render_command, cli::run_render, argv),
      add_command(app, cli::add_batch_command, cli::run_batch, argv),
      add_command(app, cli::add_check_command, cli::run_check, argv),
      add_command(app, cli::add_templates_command, cli::run_templates, argv),
      add_command(app, cli::add_serve_command, cli::run_serve, argv),
      add_command(app, cli::add_report_command, cli::run_report, argv),
      add_command(app, cli::add_studio_command, cli::run_studio, argv),
      add_command(app, cli::add_sign_command, cli::run_sign, argv),
      add_command(app, cli::add_text_command, cli::run_text, argv),
      add_command(app, cli::add_new_command, cli::run_new, argv),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
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
    for (const Command& command : commands)
      if (command.app->parsed()) return command.run();
    return kExitUsage;
  } catch (const khung::Error& e) {
    print_error(e.what());
    return exit_code(e.code());
  } catch (const std::exception& e) {
    print_error(std::string("internal: ") + e.what());
    return kExitFailed;
  }
}
