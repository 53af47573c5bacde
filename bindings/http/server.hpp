#pragma once
// The HTTP service behind `khung serve`: the member page, template listing
// and rendering over the same library path as the CLI. Connections are
// libmicrohttpd's (one polling thread, keep-alive, per-connection memory
// and count limits); renders run on a pool of `threads` workers while their
// connection is suspended.
//
//   khung::http::ServerOptions options;
//   options.port = 8080;
//   khung::http::Server server(options);
//   server.bind();  // throws Error(Io) when the port is taken
//   server.run();   // until stop() or SIGTERM
//
// Participation and the organisers (issue 19), besides the routes PRODUCT.md
// lists. Counting is on with a database (options.database: a SQLite file or
// a postgresql:// URI); without one, /v1/events, /v1/count and /v1/report
// answer 404 and the page shows no counter.
//   POST /v1/events   {"template": id, "unit"?: one of the campaign's units, "device": the page's
//                     random id (8-64 of A-Z a-z 0-9 - _), "kind": "save" | "share"}: 204 once
//                     stored; 400 naming the bad part (an unknown template, a unit not in the
//                     campaign's list), 413 over 2 KB, 429 (Retry-After) over 30 events a minute
//                     from one client address, 503 when the database fails (logged; the event
//                     is dropped). No IP address is stored.
//   GET  /v1/count    {"members": N}: distinct devices over all time, counted at most once a
//                     minute (Cache-Control: max-age=60); 503 when the database fails
//   GET  /v1/report?from=YYYY-MM-DD&to=YYYY-MM-DD&by=unit|day|template
//                     CSV (report_csv in counts.hpp): "unit,members,saves,shares" lines and a
//                     "total" line. Needs the organiser token.
//   GET  /admin       the organisers' page (report charts, frame upload). Needs the token.
//   POST /v1/admin/templates
//                     multipart: part "overlay" (a PNG with a transparent hole), optional "id"
//                     and "title": writes an `auto`-window frame template into the templates
//                     folder as `khung new frame` does (replacing one of that id) and serves it
//                     at once: {"id", "title", "replaced": bool, "advice": [what the overlay
//                     could do better]}; 400 saying what is wrong with the overlay, 409 when the
//                     service serves the bundled templates (no folder of its own to write).
//                     Needs the token.
// Errors are JSON as on every route: {"error": {"code": "bad_request", "message": "..."}}.
// The organiser token (options.admin_token; none: these routes answer 404)
// is sent as "Authorization: Bearer TOKEN" or as HTTP Basic's password
// (any user name), which browsers ask for on /admin and then send with the
// page's requests; 401 with WWW-Authenticate without it.
//
// The templates folder is watched: a template or asset added, changed or
// removed there is served within two seconds, without a restart. A
// template that stops loading keeps being served as it was (and is named
// in /healthz), so a frame in use is never half-replaced.

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
  std::size_t max_header_bytes = 8192;   // request line and header fields together
  int max_connections = 1024;            // open at once; more wait in the kernel's backlog
  int max_connections_per_address = 0;   // 0: no limit (a proxy in front connects from one address)
  int idle_timeout_seconds = 10;         // a connection that sends and takes nothing this long is closed
  int request_timeout_seconds = 60;      // a request's line and headers must arrive within this...
  std::size_t min_upload_bytes_per_second = 4096;  // ...and its body this fast on average over every stretch as long
  std::vector<std::string> cors_origins; // origins allowed to call the API from a browser ("*": any)
  std::string signing_key;               // non-empty: text on a template needs a signed URL
  int cache_max_age_seconds = 86400;     // Cache-Control of GET renders
  std::string database;                  // participation counts: a SQLite file or postgresql:// URI; empty: off
  std::string admin_token;               // the organisers' token; empty: no organiser routes
  std::function<void(const std::string&)> log;  // access log lines and template problems; null: none
};

// Checks ranges and CORS origins. Throws Error(InvalidArgument) naming the
// option.
void validate(const ServerOptions& options);

class Server {
 public:
  // Loads every template of the folder and its campaign.json; a template
  // or campaign file that does not load is left out and reported by
  // /healthz (the others are served), as is each campaign frame that is
  // not a frame template here (dropped from the campaign's list).
  // Throws Error(InvalidArgument) for bad options.
  explicit Server(const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port. Throws Error(Io).
  int bind();
  // Serves until stop(): then stops accepting, lets requests in flight
  // finish (renders always; uploads for up to 25 s), and returns.
  void run();
  // Safe from any thread, and from a signal-watching thread.
  void stop();

  // What was left out at start, one line each: "template left out: file:
  // why", "campaign left out: campaign 'file': path: why", "campaign frame
  // left out: ...".
  std::vector<std::string> problems() const;

  // Answers raw HTTP bytes sent on one in-process connection (a socket
  // pair) which the client then half-closes: every byte the service sends
  // back before closing it. For tests and fuzzing; bind() is not needed.
  std::string respond(std::string_view request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace khung::http
