// The khung command line: parses arguments, runs one subcommand, and maps
// errors to exit codes (0 done, 1 a render or input failed, 2 bad usage).

#include "commands.hpp"
#include "khung/demo.hpp"
#include "khung/version.hpp"

#include <iostream>

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"khung: framed profile photos and Vietnamese-text banners"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("khung ") + khung::version(), "Print the version and exit");

  std::string demo_dir = "khung-demo";
  auto* demo = app.add_subcommand("demo", "Render every bundled template with sample data into a folder");
  demo->add_option("-o,--output", demo_dir, "Output folder")->capture_default_str();
  cli::RenderArgs render_args;
  auto* render = cli::add_render_command(app, render_args);
  cli::BatchArgs batch_args;
  auto* batch = cli::add_batch_command(app, batch_args);
  cli::CheckArgs check_args;
  auto* check = cli::add_check_command(app, check_args);
  cli::TemplatesArgs templates_args;
  auto* templates = cli::add_templates_command(app, templates_args);
  cli::ServeArgs serve_args;
  serve_args.argv = argv;
  auto* serve = cli::add_serve_command(app, serve_args);
  cli::ReportArgs report_args;
  report_args.argv = argv;
  auto* report = cli::add_report_command(app, report_args);
  cli::StudioArgs studio_args;
  studio_args.argv = argv;
  auto* studio = cli::add_studio_command(app, studio_args);
  cli::SignArgs sign_args;
  auto* sign = cli::add_sign_command(app, sign_args);
  cli::TextArgs text_args;
  auto* text = cli::add_text_command(app, text_args);
  cli::NewArgs new_args;
  auto* make_new = cli::add_new_command(app, new_args);

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
    if (render->parsed()) return cli::run_render(render_args);
    if (batch->parsed()) return cli::run_batch(batch_args);
    if (check->parsed()) return cli::run_check(check_args);
    if (templates->parsed()) return cli::run_templates(templates_args);
    if (serve->parsed()) return cli::run_serve(serve_args);
    if (studio->parsed()) return cli::run_studio(studio_args);
    if (report->parsed()) return cli::run_report(report_args);
    if (sign->parsed()) return cli::run_sign(sign_args);
    if (text->parsed()) return cli::run_text(text_args);
    if (make_new->parsed()) return cli::run_new(new_args);
    return kExitUsage;
  } catch (const khung::Error& e) {
    print_error(e.what());
    return exit_code(e.code());
  } catch (const std::exception& e) {
    print_error(std::string("internal: ") + e.what());
    return kExitFailed;
  }
}
