#pragma once
// The HTTP service behind `khung serve`: the member page, template listing
// and rendering over the same library path as the CLI.
//
//   khung::http::ServerOptions options;
//   options.port = 8080;
//   khung::http::Server server(options);
//   server.bind();  // throws Error(Io) when the port is taken
//   server.run();   // until stop() or SIGTERM

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace khung::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                      // 0: any free port
  std::filesystem::path templates_dir;  // empty: the bundled templates
  int threads = 0;                      // renders at once; 0: one per core
  int queue = 0;                        // renders waiting beyond those (more get 503); 0: 32
  std::size_t max_body_bytes = 20u * 1024 * 1024;
  std::int64_t max_pixels = 50'000'000;  // of a decoded photo
  std::size_t max_header_bytes = 8192;   // at most 8192 (cpp-httplib's own limit)
  int read_timeout_seconds = 10;         // a read that stalls this long ends the connection
  int write_timeout_seconds = 10;
  int request_timeout_seconds = 60;      // a whole request, headers and body, must arrive within this
  std::vector<std::string> cors_origins; // origins allowed to call the API from a browser
  std::string signing_key;               // non-empty: GET renders need a valid sig
  int cache_max_age_seconds = 86400;     // Cache-Control of GET renders
  std::function<void(const std::string&)> log;  // access log lines; null: none
};

// Checks ranges. Throws Error(InvalidArgument) naming the option.
void validate(const ServerOptions& options);

class Server {
 public:
  // Loads every template of the folder (failing early on a bad one).
  explicit Server(const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port. Throws Error(Io).
  int bind();
  // Serves until stop(): stops accepting, finishes requests in flight.
  void run();
  // Safe from any thread, and from a signal-watching thread.
  void stop();

  // Answers one raw HTTP request (the bytes a client sends) on this thread,
  // with no socket, as the service would on a connection that then closes:
  // the bytes of the response. For tests and fuzzing; bind() is not needed.
  std::string respond(std::string_view request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace khung::http
