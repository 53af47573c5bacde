// `khung serve` and `khung studio` in khung-serve: the command line with
// the HTTP services linked in (see serve_exec.cpp for why it is a program
// of its own).

#include "commands.hpp"
#include "khung/counts.hpp"
#include "server.hpp"
#include "studio.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

namespace cli {

namespace {

// Blocks SIGINT and SIGTERM in every thread started after it; the returned
// thread waits for either and calls stop(). join_stopper() lets it go when
// the service stopped by itself.
sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return stop_signals;
}

template <class Service>
void serve_until_signal(Service& service, sigset_t stop_signals) {
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig != 0) service.stop();
  });
  service.run();
  // The service stopped by itself (not by a signal): let the waiting thread go.
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  std::cerr << "khung: stopped\n";
}

}  // namespace

int run_serve(const ServeArgs& args) {
  khung::http::ServerOptions options = args.options;
  options.signing_key = signing_key(args.key);
  options.database = counts_database(args.data_dir, options.database);
  if (!args.data_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(args.data_dir, ec);
    if (ec) throw khung::Error(khung::ErrorCode::Io, "data folder '" + args.data_dir + "': " + ec.message());
  }
  const char* env_token = std::getenv("KHUNG_ADMIN_TOKEN");
  if (args.admin_token || env_token) {
    options.admin_token = args.admin_token ? *args.admin_token : env_token;
    // Given but empty would leave the organisers' routes off without a word.
    if (options.admin_token.empty())
      throw usage(std::string(args.admin_token ? "--admin-token" : "KHUNG_ADMIN_TOKEN") +
                  ": empty; give a token, or leave it out to serve without the organisers' routes");
  }
  if (!args.quiet) options.log = [](const std::string& line) { std::cerr << line << "\n"; };
  // SIGINT and SIGTERM go to one thread that stops the server; requests in
  // flight finish first.
  const sigset_t stop_signals = block_stop_signals();
  khung::http::Server server(options);
  int port = server.bind();
  const std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::cout << "khung: serving on http://" << host << ":" << port
            << (options.signing_key.empty() ? " (signing off; anyone may render any text)" : " (signing on)") << std::endl;
  for (const std::string& problem : server.problems()) std::cerr << "khung: warning: " << problem << "\n";
  if (!options.database.empty())
    std::cout << "khung: counting participation in " << khung::printable_database(options.database) << std::endl;
  serve_until_signal(server, stop_signals);
  return 0;
}

int run_report(const ReportArgs& args) {
  const std::string database = counts_database(args.data_dir, args.database);
  if (database.empty()) throw usage("give --data-dir DIR (as khung serve was given) or --database URL");
  khung::ReportQuery query{args.from, args.to, khung::parse_report_by(args.by)};
  khung::validate(query);
  // A SQLite file that is not there would be made empty: say so instead.
  if (!database.starts_with("postgres") && !std::filesystem::exists(database))
    throw khung::Error(khung::ErrorCode::Io, "counts database '" + database + "': no such file");
  auto store = khung::CountStore::open(database);
  std::int64_t total = 0;
  const auto rows = store->report(query, total);
  std::cout << khung::report_csv(rows, query.by, total);
  return 0;
}

int run_studio(const StudioArgs& args) {
  khung::studio::StudioOptions options;
  options.dir = args.dir;
  options.port = args.port;
  if (!args.quiet) options.log = [](const std::string& line) { std::cerr << line << "\n"; };
  const sigset_t stop_signals = block_stop_signals();
  khung::studio::Studio studio(options);
  const int port = studio.bind();
  std::cout << "khung: studio on http://127.0.0.1:" << port << " for the templates in "
            << std::filesystem::absolute(args.dir).lexically_normal().string() << std::endl;
  serve_until_signal(studio, stop_signals);
  return 0;
}

}  // namespace cli
