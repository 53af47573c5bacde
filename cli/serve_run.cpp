// `khung serve` in khung-serve: the command line with the HTTP service
// linked in (see serve_exec.cpp for why it is a program of its own).

#include "commands.hpp"
#include "server.hpp"

#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <thread>

namespace cli {

int run_serve(const ServeArgs& args) {
  khung::http::ServerOptions options = args.options;
  options.signing_key = signing_key(args.key);
  if (!args.quiet) options.log = [](const std::string& line) { std::cerr << line << "\n"; };
  // SIGINT and SIGTERM go to one thread that stops the server; requests in
  // flight finish first.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  khung::http::Server server(options);
  int port = server.bind();
  const std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::cout << "khung: serving on http://" << host << ":" << port
            << (options.signing_key.empty() ? " (signing off; anyone may render any text)" : " (signing on)") << std::endl;
  for (const std::string& problem : server.problems()) std::cerr << "khung: warning: " << problem << "\n";
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig != 0) server.stop();
  });
  server.run();
  // The server stopped by itself (not by a signal): let the waiting thread go.
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  std::cerr << "khung: stopped\n";
  return 0;
}

}  // namespace cli
