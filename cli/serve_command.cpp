#include "commands.hpp"
#include "khung/signing.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace cli {

std::string signing_key(const std::optional<std::string>& given) {
  const char* env = std::getenv("KHUNG_SIGNING_KEY");
  if (!given && !env) return "";
  // Given but empty would turn signing off without a word.
  const std::string key = given ? *given : env;
  if (key.empty())
    throw usage(std::string(given ? "--signing-key" : "KHUNG_SIGNING_KEY") +
                ": empty; give a key, or leave it out to serve without signatures");
  return key;
}

CLI::App* add_sign_command(CLI::App& app, SignArgs& args) {
  auto* cmd = app.add_subcommand("sign", "Print the signed form of a render URL");
  cmd->add_option("url", args.url, "Path and query, for example '/v1/render/cover?unit=...'")->required();
  cmd->add_option("--key", args.key, "Signing key (default: $KHUNG_SIGNING_KEY)");
  return cmd;
}

int run_sign(const SignArgs& args) {
  std::string key = signing_key(args.key);
  if (key.empty()) throw usage("signing key: give --key or set KHUNG_SIGNING_KEY");
  std::cout << khung::sign_url(args.url, key) << "\n";
  return 0;
}

CLI::App* add_serve_command(CLI::App& app, ServeArgs& args) {
  auto* cmd = app.add_subcommand("serve", "The HTTP service and the member page");
  auto& o = args.options;
  cmd->add_option("--host", o.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o.port, "Port (0: any free port)")->capture_default_str();
  cmd->add_option("--templates", o.templates_dir, "Folder of templates (default: the bundled ones)");
  cmd->add_option("--threads", o.threads, "Renders at once (default: one per core)");
  cmd->add_option("--queue", o.queue, "Renders that may wait beyond those (default: 32); more get 503");
  cmd->add_option("--max-body", o.max_body_bytes, "Largest request body in bytes")->capture_default_str();
  cmd->add_option("--max-pixels", o.max_pixels, "Largest decoded photo in pixels")->capture_default_str();
  cmd->add_option("--max-header-bytes", o.max_header_bytes, "Largest request line and headers in bytes")
      ->capture_default_str();
  cmd->add_option("--max-connections", o.max_connections, "Connections open at once")->capture_default_str();
  cmd->add_option("--max-connections-per-address", o.max_connections_per_address,
                  "Connections open at once from one client address (0: no limit, as behind a proxy)")
      ->capture_default_str();
  cmd->add_option("--idle-timeout", o.idle_timeout_seconds, "Seconds a connection may send and take nothing")
      ->capture_default_str();
  cmd->add_option("--request-timeout", o.request_timeout_seconds,
                  "Seconds for a request's line and headers to arrive (and the stretch over which a body's --min-upload-rate is measured)")
      ->capture_default_str();
  cmd->add_option("--min-upload-rate", o.min_upload_bytes_per_second, "Slowest body upload, bytes per second on average over each --request-timeout")
      ->capture_default_str();
  cmd->add_option("--cors-origin", o.cors_origins, "Origin allowed to call the API from a browser (repeatable)");
  cmd->add_option("--signing-key", args.key, "Require signed GET renders (default: $KHUNG_SIGNING_KEY)");
  cmd->add_option("--cache-max-age", o.cache_max_age_seconds, "Cache-Control max-age of GET renders, seconds")
      ->capture_default_str();
  cmd->add_option("--data-dir", args.data_dir, "Count participation in DIR/counts.sqlite (made when missing)");
  cmd->add_option("--database", o.database, "Count participation in this PostgreSQL database (postgresql://...) or SQLite file (default: $KHUNG_DATABASE)");
  cmd->add_option("--admin-token", args.admin_token, "The organisers' token for /admin and /v1/report (default: $KHUNG_ADMIN_TOKEN)");
  cmd->add_flag("--quiet", args.quiet, "No access log");
  return cmd;
}

CLI::App* add_report_command(CLI::App& app, ReportArgs& args) {
  auto* cmd = app.add_subcommand("report", "Participation counts as CSV, from the service's counts database");
  cmd->add_option("--data-dir", args.data_dir, "The folder khung serve --data-dir counts in");
  cmd->add_option("--database", args.database, "Or the database: postgresql://... or a SQLite file (default: $KHUNG_DATABASE)");
  cmd->add_option("--from", args.from, "First day, YYYY-MM-DD (Vietnam's calendar; default: the first event)");
  cmd->add_option("--to", args.to, "Last day, YYYY-MM-DD (default: the last event)");
  cmd->add_option("--by", args.by, "One line per unit, day or template")->capture_default_str();
  return cmd;
}

std::string counts_database(const std::string& data_dir, const std::string& database) {
  if (!data_dir.empty() && !database.empty()) throw usage("--data-dir and --database: give one, not both");
  if (data_dir.empty()) {
    // A password in a URI is better kept out of the command line (ps shows
    // it): $KHUNG_DATABASE, as from a Kubernetes Secret.
    const char* env = std::getenv("KHUNG_DATABASE");
    return database.empty() && env ? env : database;
  }
  return (std::filesystem::path(data_dir) / "counts.sqlite").string();
}

CLI::App* add_studio_command(CLI::App& app, StudioArgs& args) {
  auto* cmd = app.add_subcommand("studio", "The designers' editor for the templates of a folder, on 127.0.0.1");
  cmd->add_option("dir", args.dir, "Folder of templates (made when missing)")->capture_default_str();
  cmd->add_option("--port", args.port, "Port (0: any free port)")->capture_default_str();
  cmd->add_flag("--quiet", args.quiet, "No request log");
  return cmd;
}

}  // namespace cli
