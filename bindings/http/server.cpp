#include "server.hpp"

#include "admission.hpp"
#include "answer.hpp"
#include "catalog.hpp"
#include "khung/campaign.hpp"
#include "khung/codec.hpp"
#include "khung/counts.hpp"
#include "khung/error.hpp"
#include "khung/new_template.hpp"
#include "khung/render.hpp"
#include "khung/signing.hpp"
#include "metrics.hpp"
#include "organiser.hpp"
#include "read_number.hpp"
#include "render_pool.hpp"
#include "service_life.hpp"
#include "static_files.hpp"

#include <microhttpd.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

namespace khung::http {
namespace {

// What a log line may hold of a client's bytes: printable ASCII, the rest
// as \xHH, so that no value can start a line of its own or move a terminal.
std::string loggable(std::string_view text, std::size_t limit = 300) {
  std::string out;
  for (unsigned char c : text.substr(0, limit)) {
    if (c < 0x20 || c >= 0x7F || c == '\\') {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A media type without its parameters, lower case ("Application/JSON;
// charset=utf-8" is "application/json").
std::string media_type(std::string_view header) {
  std::string_view type = header.substr(0, header.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  return lower(type);
}

// ------------------------------------------------------------ the requests

struct RenderParams {
  Fields fields;
  Placement placement;
  ImageFormat format = ImageFormat::Png;
  int quality = 90;
  std::optional<int> width;  // nullopt: the template's (RenderOptions::output_width)
};

float parse_number(const std::string& name, const std::string& value) {
  if (const auto v = read_number<float>(value)) return *v;
  throw Failure{400, "parameter '" + name + "': " + quote_value(value) + " is not a number"};
}

int parse_int(const std::string& name, const std::string& value) {
  if (const auto v = read_number<int>(value)) return *v;
  throw Failure{400, "parameter '" + name + "': " + quote_value(value) + " is not a whole number"};
}

const char* mime_of(ImageFormat f) {
  switch (f) {
    case ImageFormat::Jpeg: return "image/jpeg";
    case ImageFormat::Webp: return "image/webp";
    default: return "image/png";
  }
}

// Applies a placement or output option by name; false for any other name
// (a template field).
bool apply_option(RenderParams& p, const std::string& name, const std::string& value) {
  if (name == "zoom") p.placement.zoom = parse_number(name, value);
  else if (name == "offset_x") p.placement.offset_x = parse_number(name, value);
  else if (name == "offset_y") p.placement.offset_y = parse_number(name, value);
  else if (name == "rotate") p.placement.rotate = parse_number(name, value);
  else if (name == "focus") p.placement.focus = parse_focus(value, "parameter 'focus'");
  else if (name == "format") p.format = parse_image_format(value, "parameter 'format'");
  else if (name == "quality") p.quality = parse_int(name, value);
  else if (name == "width") p.width = parse_int(name, value);
  else return false;
  return true;
}

// Applies one request parameter: an option, or else a template field.
void apply_param(RenderParams& p, const std::string& name, const std::string& value) {
  if (!apply_option(p, name, value)) p.fields[name] = value;
}

// The raw query of a request target (without '?'); empty when it has none.
std::string_view query_of(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A query component as a browser's form would mean it: %XX is a byte, '+'
// a space; a '%' not followed by two hex digits stays as it is.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    std::string_view item = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), item.size() + 1));
    if (item.empty()) continue;
    auto eq = item.find('=');
    out.emplace_back(percent_decode(item.substr(0, eq)),
                     eq == std::string_view::npos ? std::string() : percent_decode(item.substr(eq + 1)));
  }
  return out;
}

// RFC 9110's If-None-Match: "*", or a list of entity tags compared weakly
// (W/"x" matches "x").
bool none_match(std::string_view header, std::string_view etag) {
  auto opaque = [](std::string_view tag) {
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    return tag;
  };
  if (opaque(header) == "*") return true;
  while (!header.empty()) {
    std::string_view item = header.substr(0, header.find(','));
    header.remove_prefix(std::min(header.size(), item.size() + 1));
    if (opaque(item) == opaque(etag)) return true;
  }
  return false;
}

// An origin as a browser sends it: scheme://host[:port], nothing after.
bool valid_origin(std::string_view o) {
  if (o == "*") return true;
  auto scheme = o.find("://");
  if (scheme == std::string_view::npos || scheme == 0) return false;
  for (char c : o.substr(0, scheme))
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  std::string_view host = o.substr(scheme + 3);
  if (host.empty()) return false;
  for (char c : host)
    if (c == '/' || c == '?' || c == '#' || c == '@' || c == ' ' || std::isupper(static_cast<unsigned char>(c)))
      return false;
  return true;
}

// ------------------------------------------------------- request state

// Where a request stands in the access handler's calls.
enum class Stage { Headers, Body, Draining, Rendering, Done };

enum class Route {
  Page, Static, Health, Metrics, Templates, Preview, Under, Over, Render, Campaign, CampaignIcon, Manifest, Options,
  Events, Count, Report, Admin, AdminTemplates, None
};

// The routes for organisers, behind the token.
bool for_organisers(Route r) { return r == Route::Report || r == Route::Admin || r == Route::AdminTemplates; }

// The largest event body: an event is a few short strings.
constexpr std::size_t kMaxEventBytes = 2048;

// One request, from its request line (libmicrohttpd's URI callback) to its
// completion callback.
struct Request {
  std::shared_ptr<const Catalog> cat;  // what the service served when the request began
  Clock::time_point start = Clock::now();
  std::string target;  // path and query, bytes as sent
  std::string method;
  Stage stage = Stage::Headers;
  std::optional<Answer> answer;  // once decided
  std::vector<std::pair<std::string, std::string>> cors;  // headers every answer of this request carries
  int status = 0;                // as answered; 0: libmicrohttpd answered on its own
  std::size_t sent = 0;
  BodyPace body;  // its bytes so far, and whether they keep coming

  // POST /v1/render/{id}, /v1/events, /v1/admin/templates
  Route route = Route::None;
  std::string id;
  bool multipart = false;
  MHD_PostProcessor* post = nullptr;
  std::string json_body;
  const char* file_part = "photo";  // the multipart part whose bytes go to `photo`: "photo" or "overlay"
  std::string file_name;            // as that part names it
  std::vector<std::uint8_t> photo;
  std::map<std::string, std::string> parts;  // the other parts, in name order
  std::vector<std::pair<std::string, std::string>> query;
  std::optional<Failure> failure;  // found while reading: answered after the body

  ~Request() {
    if (post) MHD_destroy_post_processor(post);
  }
};

}  // namespace

void validate(const ServerOptions& o) {
  auto bad = [](const std::string& what) { return Error(ErrorCode::InvalidArgument, what); };
  if (o.port < 0 || o.port > 65535) throw bad("port " + std::to_string(o.port) + ": must be between 0 and 65535");
  if (o.threads < 0 || o.threads > 256) throw bad("threads " + std::to_string(o.threads) + ": must be between 0 (one per core) and 256");
  if (o.queue < 0 || o.queue > 10000) throw bad("queue " + std::to_string(o.queue) + ": must be between 0 (32) and 10000");
  if (o.max_body_bytes < 1024) throw bad("largest body: must be at least 1024 bytes");
  if (o.max_pixels < 1) throw bad("largest photo: must be at least one pixel");
  if (o.max_header_bytes < 256 || o.max_header_bytes > 65536)
    throw bad("largest headers " + std::to_string(o.max_header_bytes) + ": must be between 256 and 65536 bytes");
  if (o.max_connections < 1 || o.max_connections > 100000)
    throw bad("connections " + std::to_string(o.max_connections) + ": must be between 1 and 100000");
  if (o.max_connections_per_address < 0) throw bad("connections per address: must be 0 (no limit) or more");
  for (int t : {o.idle_timeout_seconds, o.request_timeout_seconds})
    if (t < 1 || t > 3600) throw bad("timeouts must be between 1 and 3600 seconds");
  for (const std::string& origin : o.cors_origins)
    if (!valid_origin(origin))
      throw bad("CORS origin '" + origin +
                "': must be scheme://host[:port] in lower case, with no path or trailing '/' "
                "(as a browser sends it, e.g. https://congdoan.vn), or *");
}

struct Server::Impl {
  ServerOptions options;
  // What the folder holds now; a request keeps the one it began with.
  std::mutex catalog_mutex;
  std::shared_ptr<const Catalog> catalog;
  std::string catalog_state;  // folder_state() when it was loaded
  std::mutex reload_mutex;    // one reload, or one organiser's upload, at a time
  std::thread folder_watch;
  std::mutex icons_mutex;
  std::map<std::string, std::string> icons;  // icon fingerprint and file name -> PNG, drawn once
  // Participation counts: null when counting is off.
  std::unique_ptr<CountStore> counts;
  EventLimiter limiter;
  std::mutex members_mutex;
  std::optional<std::int64_t> members;  // the last count, and when it was made
  Clock::time_point members_at;
  int threads = 1;
  int waiting = 32;
  Metrics metrics;
  std::unique_ptr<RenderPool> pool;
  // Database work (events, the count, reports) on a thread of its own: a
  // slow database never holds a render, and its queue is short.
  std::unique_ptr<RenderPool> counts_pool;
  // Template images (preview.png, under.png, over.png), drawn once:
  // (fingerprint, part, width) -> PNG.
  std::mutex drawn_mutex;
  std::map<std::tuple<std::string, RenderPart, std::optional<int>>, std::string> drawn;

  int listen_fd = -1;
  MHD_Daemon* daemon = nullptr;
  std::mutex daemon_mutex;

  // Stopping: run() waits for this.
  StopRequest stopping;
  std::atomic<int> in_flight{0};    // requests between their line and completion
  std::atomic<int> rendering{0};    // requests suspended for a render

  DeadlineWatch deadlines;
  std::atomic<bool> watching{false};  // the folder watch's

  explicit Impl(const ServerOptions& o)
      : options(o),
        threads(o.threads > 0 ? o.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))),
        waiting(o.queue > 0 ? o.queue : 32),
        deadlines(o.request_timeout_seconds) {
    validate(o);
    catalog = load_catalog_snapshot(o.templates_dir);
    if (!o.templates_dir.empty()) catalog_state = folder_state(o.templates_dir);
    if (!o.database.empty()) counts = CountStore::open(o.database);
    pool = std::make_unique<RenderPool>(threads, waiting);
    if (counts) counts_pool = std::make_unique<RenderPool>(1, 64);
  }

  ~Impl() {
    stop_daemon();
    if (listen_fd >= 0) ::close(listen_fd);
  }

  std::shared_ptr<const Catalog> snapshot() {
    std::lock_guard lock(catalog_mutex);
    return catalog;
  }

  // Loads the folder again when its files changed (or `force`): what the
  // next requests see. Templates that stop loading keep their last good
  // version (load_catalog_snapshot).
  void reload(bool force) {
    std::lock_guard serial(reload_mutex);
    const std::string state = folder_state(options.templates_dir);
    if (!force && state == catalog_state) return;
    auto fresh = load_catalog_snapshot(options.templates_dir, snapshot().get());
    catalog_state = state;
    {
      std::lock_guard lock(catalog_mutex);
      catalog = fresh;
    }
    {
      std::lock_guard lock(drawn_mutex);
      drawn.clear();  // keyed by content, but what the old templates drew is no longer asked for
    }
    if (options.log) {
      options.log("templates reloaded from " + options.templates_dir.string() + ": " +
                  std::to_string(fresh->templates.size()) + " served");
      for (const std::string& p : fresh->problems) options.log("warning: " + p);
    }
  }

  // A folder of one's own is watched: changes are served within two seconds.
  void watch_folder() {
    while (watching) {
      for (int i = 0; i < 10 && watching; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (!watching) break;
      try {
        reload(false);
      } catch (const std::exception& e) {
        if (options.log) options.log(std::string("warning: templates not reloaded: ") + e.what());
      }
    }
  }

  static const Template& find_template(const Request& r, const std::string& id) {
    const Template* t = r.cat->find(id);
    if (!t) throw Failure{404, "template '" + id + "': no such template"};
    return *t;
  }

  // -------------------------------------------------------------- routing

  // The route of a raw path (before any decoding: ids and file names are
  // plain, so "%2e%2e" or "..%2F" match nothing).
  static Route route_of(std::string_view path, std::string& id) {
    auto name_ok = [](std::string_view s, bool file) {
      if (s.empty()) return false;
      if (!file && !(std::islower(static_cast<unsigned char>(s[0])) || std::isdigit(static_cast<unsigned char>(s[0]))))
        return false;
      for (char c : s) {
        bool ok = file ? (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')
                       : (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
                          c == '_' || c == '-');
        if (!ok) return false;
      }
      return !file || (s != "." && s != "..");
    };
    if (path == "/") return Route::Page;
    if (path == "/sw.js") {  // the page's service worker: at the root, so that its scope is the whole page
      id = "sw.js";
      return Route::Static;
    }
    if (path == "/manifest.webmanifest") return Route::Manifest;  // beside the page, like sw.js
    if (path == "/healthz") return Route::Health;
    if (path == "/v1/campaign") return Route::Campaign;
    if (path.rfind("/v1/campaign/", 0) == 0) {
      const std::string_view name = path.substr(13);
      const auto& all = campaign_icons();
      if (std::none_of(all.begin(), all.end(), [&](const CampaignIconSpec& i) { return name == i.name; }))
        return Route::None;
      id = name;
      return Route::CampaignIcon;
    }
    if (path == "/metrics") return Route::Metrics;
    if (path == "/v1/events") return Route::Events;
    if (path == "/v1/count") return Route::Count;
    if (path == "/v1/report") return Route::Report;
    if (path == "/admin") return Route::Admin;
    if (path == "/v1/admin/templates") return Route::AdminTemplates;
    if (path == "/v1/templates") return Route::Templates;
    if (path.rfind("/static/", 0) == 0 && name_ok(path.substr(8), true)) {
      id = path.substr(8);
      return Route::Static;
    }
    if (path.rfind("/v1/render/", 0) == 0 && name_ok(path.substr(11), false)) {
      id = path.substr(11);
      return Route::Render;
    }
    constexpr std::string_view prefix = "/v1/templates/";
    if (path.rfind(prefix, 0) == 0) {
      const std::string_view rest = path.substr(prefix.size());
      const auto slash = rest.find('/');
      if (slash == std::string_view::npos || !name_ok(rest.substr(0, slash), false)) return Route::None;
      const std::string_view file = rest.substr(slash + 1);
      const Route route = file == "preview.png" ? Route::Preview
                          : file == "under.png" ? Route::Under
                          : file == "over.png"  ? Route::Over
                                                : Route::None;
      if (route != Route::None) id = rest.substr(0, slash);
      return route;
    }
    return Route::None;
  }

  // The CORS headers of every answer to this request. With origins
  // configured, every answer varies by Origin (a cache must not hand an
  // answer made for no origin to an allowed one).
  void cors_headers(MHD_Connection* c, Request& r) const {
    if (options.cors_origins.empty()) return;
    r.cors.emplace_back("Vary", "Origin");
    std::string origin = header(c, "Origin");
    if (origin.empty()) return;
    for (const std::string& allowed : options.cors_origins)
      if (allowed == "*" || allowed == origin) {
        r.cors.emplace_back("Access-Control-Allow-Origin", allowed == "*" ? "*" : origin);
        return;
      }
  }

  // ----------------------------------------------------- the three stages

  // Headers are in: route, check what the headers alone decide, and get
  // ready for the body.
  void begin(MHD_Connection* c, Request& r, const char* method) {
    r.method = method;
    r.stage = Stage::Body;
    cors_headers(c, r);
    check_head(c, r.target, r.method, options);

    const std::string path = r.target.substr(0, r.target.find('?'));
    r.route = route_of(path, r.id);
    if (r.method == "OPTIONS") return preflight(r);
    if (r.route == Route::None) throw Failure{404, "no such resource"};
    const bool get = r.method == "GET" || r.method == "HEAD", post = r.method == "POST";
    const bool post_only = r.route == Route::Events || r.route == Route::AdminTemplates;
    if (r.route == Route::Render ? !(get || post) : post_only ? !post : !get)
      throw Failure{405, "method " + quote_value(r.method) + ": not allowed here"};
    const bool counting = r.route == Route::Events || r.route == Route::Count || r.route == Route::Report;
    if (counting && !counts)
      throw Failure{404, "counting is off: start khung serve with --data-dir or --database"};
    if (for_organisers(r.route) && !admit_organiser(c, r)) return;
    if (r.route == Route::Events) return begin_event(c, r);
    if (r.route == Route::AdminTemplates) return begin_upload(c, r);
    if (r.route == Route::Render && r.method == "POST") begin_post_render(c, r, path);
  }

  // OPTIONS: a CORS preflight, answered at once; the methods and headers
  // only to an allowed origin.
  static void preflight(Request& r) {
    r.route = Route::Options;
    Answer a{204, "", "", {}};
    const bool allowed = std::any_of(r.cors.begin(), r.cors.end(), [](const auto& h) { return h.first == "Access-Control-Allow-Origin"; });
    if (allowed) {
      a.headers = {{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                   {"Access-Control-Allow-Headers", "Content-Type, If-None-Match"},
                   {"Access-Control-Max-Age", "600"}};
    }
    r.answer = std::move(a);
  }

  // An organisers' route: 404 when the service has no token; false, with
  // the 401 answered, when the request does not carry it.
  bool admit_organiser(MHD_Connection* c, Request& r) const {
    if (options.admin_token.empty())
      throw Failure{404, "no organiser routes: start khung serve with --admin-token (or KHUNG_ADMIN_TOKEN)"};
    if (token_matches(header(c, "Authorization"), options.admin_token)) return true;
    Answer a = error_answer(401, "the organiser token is needed (Authorization: Bearer TOKEN, or the password of HTTP Basic)");
    a.headers.emplace_back("WWW-Authenticate", "Basic realm=\"Khung organisers\", charset=\"UTF-8\"");
    r.answer = std::move(a);
    return false;
  }

  // POST /v1/events: a small JSON body, at most 30 a minute from one address.
  void begin_event(MHD_Connection* c, Request& r) {
    if (media_type(header(c, "Content-Type")) != "application/json" &&
        media_type(header(c, "Content-Type")) != "text/plain")  // what navigator.sendBeacon sends a string as
      throw Failure{415, "Content-Type " + quote_value(header(c, "Content-Type")) + ": send the event as application/json"};
    if (const auto length = read_number<std::uint64_t>(header(c, "Content-Length")); length && *length > kMaxEventBytes)
      throw Failure{413, "event: " + std::to_string(*length) + " bytes, over the " + std::to_string(kMaxEventBytes) +
                             "-byte limit"};
    if (!limiter.allow(client_address(c))) {
      Answer a = error_answer(429, "too many events from this address; try again in a minute");
      a.headers.emplace_back("Retry-After", "60");
      r.answer = std::move(a);
    }
  }

  // POST /v1/admin/templates: an overlay, into a templates folder of the service's own.
  void begin_upload(MHD_Connection* c, Request& r) const {
    if (options.templates_dir.empty())
      throw Failure{409, "this service serves the bundled templates; start it with --templates DIR to publish frames"};
    if (media_type(header(c, "Content-Type")) != "multipart/form-data")
      throw Failure{415, "send the overlay as multipart/form-data (parts overlay, id, title)"};
    read_multipart(c, r, "overlay");
  }

  // A POST render: its template, its type, and a signed query if any.
  void begin_post_render(MHD_Connection* c, Request& r, std::string_view path) const {
    const Template& tpl = find_template(r, r.id);
    if (const auto q = r.target.find('?'); q != std::string::npos) {
      const std::string query = r.target.substr(q + 1);
      check_signed(path, query);
      for (auto& [name, value] : parse_query(query))
        if (name != "sig") r.query.emplace_back(std::move(name), std::move(value));
    }
    const std::string type = media_type(header(c, "Content-Type"));
    if (type == "multipart/form-data") {
      read_multipart(c, r, "photo");
    } else if (type == "application/json") {
      if (tpl.has_photo()) throw Failure{400, "template '" + tpl.id() + "': is a frame; send the photo as multipart/form-data"};
    } else {
      throw Failure{415, "Content-Type " + quote_value(header(c, "Content-Type")) +
                             ": send multipart/form-data (with a photo) or application/json"};
    }
  }

  // The body is multipart/form-data: its parts go to on_part, the one named
  // `file_part` whole to r.photo.
  static void read_multipart(MHD_Connection* c, Request& r, const char* file_part) {
    r.multipart = true;
    r.file_part = file_part;
    r.post = MHD_create_post_processor(c, 64 * 1024, &Impl::on_part, &r);
    if (!r.post) throw Failure{400, "multipart body: no boundary in its Content-Type"};
  }

  // With a signing key, a query that sets anything must carry a valid sig.
  void check_signed(std::string_view path, std::string_view query) const {
    if (options.signing_key.empty()) return;
    switch (check_signature(path, query, options.signing_key)) {
      case SignatureCheck::Valid: return;
      case SignatureCheck::Missing: throw Failure{403, "signature: missing (sig); sign the URL with `khung sign`"};
      case SignatureCheck::Duplicated: throw Failure{403, "signature: given more than once"};
      case SignatureCheck::Invalid: throw Failure{403, "signature: does not match"};
    }
  }

  // A piece of the body.
  void take(Request& r, const char* data, std::size_t size) {
    if (r.stage == Stage::Draining) return;
    if (r.body.received() > options.max_body_bytes) {
      fail_while_reading(r, {413, "request body: over the " + std::to_string(options.max_body_bytes) + "-byte limit"});
      return;
    }
    if (r.route == Route::Events) {
      if (r.json_body.size() + size > kMaxEventBytes) {
        fail_while_reading(r, {413, "event: over the " + std::to_string(kMaxEventBytes) + "-byte limit"});
        return;
      }
      r.json_body.append(data, size);
      return;
    }
    const bool reads = (r.route == Route::Render && r.method == "POST") || r.route == Route::AdminTemplates;
    if (!reads) return;  // a body nobody reads
    if (r.multipart) {
      if (MHD_post_process(r.post, data, size) != MHD_YES && !r.failure)
        fail_while_reading(r, {400, "multipart body: malformed"});
      if (r.failure) r.stage = Stage::Draining;
    } else {
      r.json_body.append(data, size);
    }
  }

  // A failure found while the body arrives is answered once it has: its
  // bytes are read and dropped, so the connection stays in step.
  static void fail_while_reading(Request& r, Failure f) {
    if (!r.failure) r.failure = std::move(f);
    r.stage = Stage::Draining;
    r.photo.clear();
    r.photo.shrink_to_fit();
    r.parts.clear();
    r.json_body.clear();
    r.json_body.shrink_to_fit();
  }

  static MHD_Result on_part(void* cls, MHD_ValueKind, const char* key, const char* filename, const char*, const char*,
                            const char* data, std::uint64_t off, std::size_t size) {
    auto& r = *static_cast<Request*>(cls);
    const std::string name = key ? key : "";
    const bool file = name == r.file_part;
    if (file && filename && off == 0) r.file_name = filename;
    // A part's first bytes (libmicrohttpd may announce a part with no
    // bytes first, then deliver it from offset 0).
    if (off == 0 && size > 0) {
      const bool again = file ? !r.photo.empty() : !r.parts[name].empty();
      if (again) {
        r.failure = Failure{400, "part '" + name + "': given more than once"};
        return MHD_NO;
      }
    }
    if (!file) r.parts[name];
    if (file) r.photo.insert(r.photo.end(), data, data + size);
    else r.parts[name].append(data, size);
    return MHD_YES;
  }

  // The body is in: the answer, at once or from the render pool.
  void finish(MHD_Connection* c, Request& r) {
    if (r.failure) throw *r.failure;
    switch (r.route) {
      case Route::Page: {
        const StaticFile* page = find_static_file("index.html");
        if (!page) throw Failure{404, "no member page in this build"};
        return tagged(c, r, page->type, {reinterpret_cast<const char*>(page->data), page->size}, page->etag, "no-cache");
      }
      case Route::Static: {
        const StaticFile* file = find_static_file(r.id);
        if (!file) throw Failure{404, "static file '" + r.id + "': not found"};
        return tagged(c, r, file->type, {reinterpret_cast<const char*>(file->data), file->size}, file->etag,
                      "public, max-age=300");
      }
      case Route::Health: {
        std::string body = "ok\n";
        for (const std::string& p : r.cat->problems) body += p + "\n";
        r.answer = Answer{200, "text/plain", std::move(body), {{"Cache-Control", "no-store"}}};
        return;
      }
      case Route::Metrics:
        r.answer = Answer{200, "text/plain; version=0.0.4", metrics.text(), {{"Cache-Control", "no-store"}}};
        return;
      case Route::Templates:
        return tagged(c, r, "application/json", r.cat->templates_json_text, r.cat->templates_etag, "public, max-age=60");
      case Route::Campaign:
        if (!r.cat->campaign) throw Failure{404, "no campaign.json in the templates folder"};
        return tagged(c, r, "application/json; charset=utf-8", r.cat->campaign_text, r.cat->campaign_etag,
                      "public, max-age=60");
      case Route::CampaignIcon: return campaign_icon_png(c, r);
      case Route::Manifest:
        return tagged(c, r, "application/manifest+json", r.cat->manifest_text, r.cat->manifest_etag, "public, max-age=300");
      case Route::Preview: return preview(c, r);
      case Route::Under: return layer_image(c, r, RenderPart::UnderPhoto);
      case Route::Over: return layer_image(c, r, RenderPart::OverPhoto);
      case Route::Render: return r.method == "POST" ? post_render(c, r) : get_render(c, r);
      case Route::Events: return record_event(c, r);
      case Route::Count: return count_members(c, r);
      case Route::Report: return report(c, r);
      case Route::Admin: {
        const StaticFile* page = find_static_file("admin.html");
        if (!page) throw Failure{404, "no organisers' page in this build"};
        r.answer = Answer{200, page->type, std::string(reinterpret_cast<const char*>(page->data), page->size),
                          {{"Cache-Control", "no-store"}}};
        return;
      }
      case Route::AdminTemplates: return publish_frame(c, r);
      case Route::Options:
      case Route::None: break;
    }
    throw Failure{404, "no such resource"};
  }

  void get_render(MHD_Connection* c, Request& r) {
    const Template& tpl = find_template(r, r.id);
    const std::string_view query = query_of(r.target);
    check_signed(r.target.substr(0, r.target.find('?')), query);
    if (tpl.has_photo()) throw Failure{400, "template '" + tpl.id() + "': is a frame; POST the photo to this URL"};
    RenderParams params;
    std::vector<std::pair<std::string, std::string>> canonical;
    for (const auto& [name, value] : parse_query(query)) {
      if (name == "sig") continue;
      apply_param(params, name, value);
      canonical.emplace_back(name, value);
    }
    std::sort(canonical.begin(), canonical.end());
    std::string key = tpl.fingerprint();
    for (const auto& [name, value] : canonical) key += "\n" + name + "=" + value;
    const std::string etag = "\"" + sha256_hex(key) + "\"";
    std::vector<std::pair<std::string, std::string>> cache = {
        {"ETag", etag}, {"Cache-Control", "public, max-age=" + std::to_string(options.cache_max_age_seconds)}};
    const std::string condition = header(c, "If-None-Match");
    if (!condition.empty()) {
      // A tag names a good answer only: bad inputs get their error.
      RenderOptions check;
      check.fields = params.fields;
      check.placement = params.placement;
      check.output_width = params.width;
      validate(tpl, check);
    }
    if (not_modified(c, r, etag, cache)) return;
    render_later(c, r, tpl, std::move(params), {}, std::move(cache));
  }

  void post_render(MHD_Connection* c, Request& r) {
    const Template& tpl = find_template(r, r.id);
    RenderParams params;
    params.format = tpl.has_photo() ? ImageFormat::Jpeg : ImageFormat::Png;
    std::set<std::string> given;
    for (const auto& [name, value] : r.query) {
      if (!given.insert(name).second) throw Failure{400, "parameter '" + name + "': given more than once"};
      apply_param(params, name, value);
    }
    // Text in the body is the member's own only where the template says so.
    auto body_param = [&](const std::string& name, const std::string& value) {
      if (!given.insert(name).second) throw Failure{400, "parameter '" + name + "': given more than once"};
      if (apply_option(params, name, value)) return;
      if (!options.signing_key.empty()) {
        auto f = std::find_if(tpl.fields().begin(), tpl.fields().end(), [&](const TemplateField& t) { return t.name == name; });
        if (f == tpl.fields().end() || !f->is_public)
          throw Failure{403, "field '" + name + "': this service prints only signed text on template '" + tpl.id() +
                                 "'; put the field in a URL signed with `khung sign`"};
      }
      params.fields[name] = value;
    };
    if (r.multipart) {
      // The processor's end: a body cut short or malformed at its end.
      MHD_Result whole = MHD_destroy_post_processor(r.post);
      r.post = nullptr;
      if (r.failure) throw *r.failure;
      if (whole != MHD_YES) throw Failure{400, "multipart body: incomplete or malformed"};
      for (const auto& [name, value] : r.parts) body_param(name, value);
      if (tpl.has_photo() && r.photo.empty()) throw Failure{400, "part 'photo': missing (template '" + tpl.id() + "' is a frame)"};
    } else {
      nlohmann::json body;
      try {
        body = nlohmann::json::parse(r.json_body);
      } catch (const nlohmann::json::exception&) {
        throw Failure{400, "body: not valid JSON"};
      }
      if (!body.is_object()) throw Failure{400, "body: must be a JSON object of fields"};
      for (const auto& [name, value] : body.items()) {
        if (value.is_string()) body_param(name, value.get<std::string>());
        else if (value.is_number()) body_param(name, value.dump());
        else throw Failure{400, "field '" + name + "': must be a string or a number"};
      }
    }
    render_later(c, r, tpl, std::move(params), std::move(r.photo), {{"Cache-Control", "no-store"}});
  }

  // GET /v1/templates/{id}/preview.png: the picker's thumbnail, a frame
  // without its photo or a banner, with sample fields.
  void preview(MHD_Connection* c, Request& r) {
    const Template& tpl = find_template(r, r.id);
    std::string width_text;
    for (const auto& [name, value] : parse_query(query_of(r.target)))
      if (name == "width") width_text = value;
    const std::optional<int> width =
        width_text.empty() ? std::nullopt : std::optional<int>(parse_int("width", width_text));
    draw_png(c, r, tpl, RenderPart::WithoutPhoto, width,
             {{"Cache-Control", versioned(r, tpl) ? kImmutable : "public, max-age=3600"}});
  }

  // Whether the request names the template's current content by its
  // version (?v=, templates_json's "version"): then the URL's answer never
  // changes and may be kept for good. Any other v gets the current content
  // with the usual, short cache headers.
  static bool versioned(const Request& r, const Template& tpl) {
    std::optional<std::string> v;
    for (const auto& [name, value] : parse_query(query_of(r.target)))
      if (name == "v") v = value;
    return v && *v == tpl.version();
  }
  static constexpr const char* kImmutable = "public, max-age=31536000, immutable";

  // GET /v1/campaign/<icon>.png: the app icons of the page's manifest,
  // drawn from the campaign's icon once and kept.
  void campaign_icon_png(MHD_Connection* c, Request& r) {
    if (!r.cat->campaign) throw Failure{404, "no campaign.json in the templates folder"};
    const Campaign& campaign = *r.cat->campaign;
    if (campaign.icon.empty()) throw Failure{404, "campaign '" + campaign.path.string() + "': has no icon"};
    const auto& all = campaign_icons();
    const CampaignIconSpec spec =
        *std::find_if(all.begin(), all.end(), [&](const CampaignIconSpec& i) { return r.id == i.name; });
    const std::string key = campaign.icon_fingerprint + "\n" + r.id;
    const std::string etag = "\"" + sha256_hex(key) + "\"";
    std::vector<std::pair<std::string, std::string>> cache = {{"ETag", etag},
                                                              {"Cache-Control", "public, max-age=86400"}};
    if (not_modified(c, r, etag, cache)) return;
    {
      std::lock_guard lock(icons_mutex);
      if (auto it = icons.find(key); it != icons.end()) {
        r.answer = Answer{200, "image/png", it->second, std::move(cache)};
        return;
      }
    }
    suspend_for(c, r, [this, &r, &campaign, key, spec, cache = std::move(cache)]() mutable {
      auto png = encode_image(campaign_icon(campaign, spec.size, spec.maskable), ImageFormat::Png);
      std::string bytes(reinterpret_cast<const char*>(png.data()), png.size());
      {
        std::lock_guard lock(icons_mutex);
        icons.emplace(key, bytes);
      }
      r.answer = Answer{200, "image/png", std::move(bytes), std::move(cache)};
    });
  }

  // A fixed body with its tag and caching rule: 304 when the client holds it.
  void tagged(MHD_Connection* c, Request& r, std::string type, std::string_view body, const std::string& etag,
              std::string cache_control) {
    std::vector<std::pair<std::string, std::string>> cache = {{"ETag", etag}, {"Cache-Control", std::move(cache_control)}};
    if (not_modified(c, r, etag, cache)) return;
    r.answer = Answer{200, std::move(type), std::string(body), std::move(cache)};
  }

  // A conditional GET whose If-None-Match matches `etag`: answers 304 with
  // the cache headers (RFC 9110 wants them on a 304 as on the 200) and says so.
  bool not_modified(MHD_Connection* c, Request& r, const std::string& etag,
                    const std::vector<std::pair<std::string, std::string>>& cache) {
    const std::string condition = header(c, "If-None-Match");
    if (condition.empty() || !none_match(condition, etag)) return false;
    r.answer = Answer{304, "", "", cache};
    return true;
  }

  // GET /v1/templates/{id}/under.png and over.png: a frame's layers under
  // and over its photo slot, with sample fields, at the template's size:
  // what the page composites a photo between on the phone. The tag names
  // the template's content and the part, so it changes only with them.
  void layer_image(MHD_Connection* c, Request& r, RenderPart part) {
    const Template& tpl = find_template(r, r.id);
    const std::string name = part == RenderPart::UnderPhoto ? "under.png" : "over.png";
    if (!tpl.has_photo())
      throw Failure{404, "template '" + tpl.id() + "': has no photo slot, so no " + name + " (it is a banner)"};
    const std::string etag = "\"" + sha256_hex(tpl.fingerprint() + "\n" + name) + "\"";
    std::vector<std::pair<std::string, std::string>> cache = {
        {"ETag", etag},
        {"Cache-Control", versioned(r, tpl) ? kImmutable : "public, max-age=" + std::to_string(options.cache_max_age_seconds)}};
    if (not_modified(c, r, etag, cache)) return;
    draw_png(c, r, tpl, part, std::nullopt, std::move(cache));
  }

  // Answers with a part of a template drawn with sample fields as PNG: from
  // the kept copy, or drawn on the render pool and kept.
  void draw_png(MHD_Connection* c, Request& r, const Template& tpl, RenderPart part, std::optional<int> width,
                std::vector<std::pair<std::string, std::string>> headers) {
    auto key = std::make_tuple(tpl.fingerprint(), part, width);
    {
      std::lock_guard lock(drawn_mutex);
      if (auto it = drawn.find(key); it != drawn.end()) {
        r.answer = Answer{200, "image/png", it->second, std::move(headers)};
        return;
      }
    }
    suspend_for(c, r, [this, &r, &tpl, key, part, width, headers = std::move(headers)]() mutable {
      RenderOptions render;
      render.fields = sample_fields(tpl);
      render.part = part;
      render.output_width = width;
      auto png = encode_image(render_template(tpl, render), ImageFormat::Png);
      std::string bytes(reinterpret_cast<const char*>(png.data()), png.size());
      // Kept for the parts and widths pages ask for; any other width is
      // drawn each time, so requests cannot grow the store without bound.
      {
        std::lock_guard lock(drawn_mutex);
        if (drawn.size() < 6 * r.cat->templates.size()) drawn.emplace(key, bytes);
      }
      r.answer = Answer{200, "image/png", std::move(bytes), std::move(headers)};
    });
  }

  // Renders on the pool and answers with the encoded image.
  void render_later(MHD_Connection* c, Request& r, const Template& tpl, RenderParams params,
                    std::vector<std::uint8_t> photo, std::vector<std::pair<std::string, std::string>> headers) {
    suspend_for(c, r, [this, &r, &tpl, params = std::move(params), photo = std::move(photo), headers = std::move(headers)]() mutable {
      const auto start = Clock::now();
      RenderOptions render;
      render.fields = std::move(params.fields);
      render.placement = params.placement;
      render.photo.bytes = photo;
      render.output_width = params.width;
      render.limits = {options.max_pixels, options.max_body_bytes};
      RenderResult result = render_with_warnings(tpl, render);
      // Logged without the photo or the fields: "warning: /v1/render/frame-ring:
      // photo: its ICC profile is truncated (...); the colours are drawn as sRGB".
      if (options.log)
        for (const RenderWarning& w : result.warnings)
          options.log("warning: /v1/render/" + tpl.id() + ": " + w.where + ": " + w.message);
      std::vector<std::uint8_t> bytes = encode_image(result.image, params.format, {params.quality});
      metrics.render_finished(std::chrono::duration<double>(Clock::now() - start).count());
      r.answer = Answer{200, mime_of(params.format), std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                        std::move(headers)};
    });
  }

  // ------------------------------------------ counting and the organisers

  // Who sent a request, for the limit on events: the peer's address; when
  // the peer is a proxy on this machine or a private network (nginx in
  // deploy/), the last address its X-Forwarded-For names, which that proxy
  // wrote. Never stored.
  static std::string client_address(MHD_Connection* c) {
    std::string peer = "?";
    bool proxied = false;
    if (auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS); info && info->client_addr) {
      char text[INET6_ADDRSTRLEN] = {};
      if (info->client_addr->sa_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(info->client_addr);
        inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        const std::uint32_t ip = ntohl(a->sin_addr.s_addr);
        proxied = (ip >> 24) == 127 || (ip >> 24) == 10 || (ip >> 20) == 0xAC1 || (ip >> 16) == 0xC0A8;
      } else if (info->client_addr->sa_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(info->client_addr);
        inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        proxied = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr) || (a->sin6_addr.s6_addr[0] & 0xFE) == 0xFC;
      }
      peer = text;
    }
    const std::string forwarded = header(c, "X-Forwarded-For");
    if (!proxied || forwarded.empty()) return peer;
    std::string last = forwarded.substr(forwarded.rfind(',') == std::string::npos ? 0 : forwarded.rfind(',') + 1);
    last.erase(0, last.find_first_not_of(' '));
    return last.empty() ? peer : last;
  }

  // POST /v1/events: stored on the pool (a database write may wait on
  // disk or network); 204 when it is stored, 503 when the database fails.
  void record_event(MHD_Connection* c, Request& r) {
    const Participation event = read_event(
        r.json_body, *r.cat, std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    suspend_on(*counts_pool, c, r, [this, &r, event] {
      try {
        counts->record({event});
      } catch (const Error& e) {
        if (options.log) options.log(std::string("warning: event dropped: ") + e.what());
        throw Failure{503, "the count is unavailable just now; the event was not stored"};
      }
      metrics.event_recorded();
      r.answer = Answer{204, "", "", {{"Cache-Control", "no-store"}}};
    });
  }

  // GET /v1/count: the members so far, asked of the database at most once
  // a minute whatever the traffic.
  void count_members(MHD_Connection* c, Request& r) {
    const auto answer = [](std::int64_t n) {
      return Answer{200, "application/json", nlohmann::json{{"members", n}}.dump(), {{"Cache-Control", "public, max-age=60"}}};
    };
    {
      std::lock_guard lock(members_mutex);
      if (members && Clock::now() - members_at < std::chrono::minutes(1)) {
        r.answer = answer(*members);
        return;
      }
    }
    suspend_on(*counts_pool, c, r, [this, &r, answer] {
      std::int64_t n = 0;
      try {
        n = counts->total_members();
      } catch (const Error& e) {
        if (options.log) options.log(std::string("warning: count unavailable: ") + e.what());
        throw Failure{503, "the count is unavailable just now"};
      }
      {
        std::lock_guard lock(members_mutex);
        members = n;
        members_at = Clock::now();
      }
      r.answer = answer(n);
    });
  }

  // GET /v1/report?from=&to=&by=: the organisers' CSV.
  void report(MHD_Connection* c, Request& r) {
    ReportQuery query;
    for (const auto& [name, value] : parse_query(query_of(r.target))) {
      if (name == "from") query.from = value;
      else if (name == "to") query.to = value;
      else if (name == "by") query.by = parse_report_by(value);
      else throw Failure{400, "parameter '" + name + "': unknown (from, to, by)"};
    }
    validate(query);
    suspend_on(*counts_pool, c, r, [this, &r, query] {
      std::int64_t total = 0;
      std::vector<ReportRow> rows;
      try {
        rows = counts->report(query, total);
      } catch (const Error& e) {
        if (options.log) options.log(std::string("warning: report unavailable: ") + e.what());
        throw Failure{503, "the counts database is unavailable just now"};
      }
      const std::string name = std::string("khung-report-by-") + report_by_name(query.by) + ".csv";
      r.answer = Answer{200, "text/csv; charset=utf-8", report_csv(rows, query.by, total),
                        {{"Cache-Control", "no-store"}, {"Content-Disposition", "attachment; filename=\"" + name + "\""}}};
    });
  }

  // POST /v1/admin/templates: a frame from an uploaded overlay, written as
  // `khung new frame` writes it and served at once.
  void publish_frame(MHD_Connection* c, Request& r) {
    MHD_Result whole = MHD_destroy_post_processor(r.post);
    r.post = nullptr;
    if (r.failure) throw *r.failure;
    if (whole != MHD_YES) throw Failure{400, "multipart body: incomplete or malformed"};
    if (r.photo.empty()) throw Failure{400, "part 'overlay': missing (a PNG with a transparent hole)"};
    for (const auto& [name, value] : r.parts)
      if (name != "id" && name != "title") throw Failure{400, "part '" + name + "': unknown (overlay, id, title)"};
    suspend_for(c, r, [this, &r] {
      // The overlay under its own name (khung new frame makes the id and
      // title from it), in a folder of its own outside the templates.
      std::string name = std::filesystem::path(r.file_name).filename().string();
      if (name.empty() || name.starts_with(".")) name = "overlay.png";
      std::string folder = (std::filesystem::temp_directory_path() / "khung-upload-XXXXXX").string();
      if (!mkdtemp(folder.data())) throw Failure{500, "cannot keep the upload: no temporary folder"};
      struct Cleanup {
        std::string dir;
        ~Cleanup() {
          std::error_code ec;
          std::filesystem::remove_all(dir, ec);
        }
      } cleanup{folder};
      const std::filesystem::path overlay = std::filesystem::path(folder) / name;
      {
        std::ofstream out(overlay, std::ios::binary);
        out.write(reinterpret_cast<const char*>(r.photo.data()), static_cast<std::streamsize>(r.photo.size()));
        if (!out) throw Failure{500, "cannot keep the upload in " + folder};
      }
      NewFrameOptions made_options{overlay, std::nullopt, std::nullopt, options.templates_dir, true};
      if (auto it = r.parts.find("id"); it != r.parts.end() && !it->second.empty()) made_options.id = it->second;
      if (auto it = r.parts.find("title"); it != r.parts.end() && !it->second.empty()) made_options.title = it->second;
      NewTemplate made;
      const std::shared_ptr<const Catalog> before = snapshot();
      {
        // No reload reads the folder between the artwork and the template.
        std::lock_guard serial(reload_mutex);
        try {
          made = write_frame_template(made_options);
        } catch (const Error& e) {
          // Named as the organiser sent it, not by the temporary folder.
          std::string message = e.what();
          for (auto at = message.find(folder + "/"); at != std::string::npos; at = message.find(folder + "/"))
            message.erase(at, folder.size() + 1);
          if (e.code() == ErrorCode::Io) throw Failure{500, message};
          throw Failure{400, message};
        }
      }
      reload(true);
      const std::string id = made.path.stem().string();
      const bool replaced = before->find(id) != nullptr;
      const Template* served = snapshot()->find(id);
      if (!served) throw Failure{500, "frame '" + id + "' was written but does not load"};
      nlohmann::json advice = nlohmann::json::array();
      for (const OverlayProblem& p : made.advice) advice.push_back(p.message);
      if (options.log) options.log("frame published: " + id);
      r.answer = Answer{200, "application/json",
                        nlohmann::json{{"id", id}, {"title", served->title()}, {"replaced", replaced}, {"advice", advice}}
                            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                        {{"Cache-Control", "no-store"}}};
    });
  }

  // Hands `job` to the render pool with the connection suspended; the job's
  // answer (or its failure) is sent when the connection resumes. 503 at
  // once when the pool is full.
  template <class Job>
  void suspend_for(MHD_Connection* c, Request& r, Job job) {
    suspend_on(*pool, c, r, std::move(job));
  }
  template <class Job>
  void suspend_on(RenderPool& jobs, MHD_Connection* c, Request& r, Job job) {
    if (!jobs.reserve()) {
      metrics.overloaded();
      Answer a = error_answer(503, "the service is busy; try again in a moment");
      a.headers.emplace_back("Retry-After", "1");
      r.answer = std::move(a);
      return;
    }
    r.stage = Stage::Rendering;
    ++rendering;
    MHD_suspend_connection(c);
    jobs.push([c, &r, job = std::move(job)]() mutable {
      answer_from(r, job);
      MHD_resume_connection(c);
    });
  }

  // Runs `fn`, turning every failure into the JSON error answer.
  template <class Fn>
  static void answer_from(Request& r, Fn& fn) {
    try {
      fn();
    } catch (const Failure& f) {
      r.answer = error_answer(f.status, f.message);
    } catch (const Error& e) {
      r.answer = error_answer(status_of(e.code()), e.what());
    } catch (const std::bad_alloc&) {
      r.answer = error_answer(503, "out of memory; try again in a moment");
    } catch (const std::exception& e) {
      r.answer = error_answer(500, std::string("internal: ") + e.what());
    }
  }

  // ------------------------------------------------ libmicrohttpd's calls

  static void* on_uri(void* cls, const char* uri, MHD_Connection*) {
    auto& self = *static_cast<Impl*>(cls);
    auto* r = new Request;
    r->cat = self.snapshot();
    r->target = uri ? uri : "";
    ++self.in_flight;
    self.metrics.request_started();
    return r;
  }

  static MHD_Result on_request(void* cls, MHD_Connection* c, const char*, const char* method, const char*,
                               const char* upload_data, std::size_t* upload_size, void** con_cls) {
    auto& self = *static_cast<Impl*>(cls);
    auto* r = static_cast<Request*>(*con_cls);
    if (!r) return MHD_NO;  // every request has its line logged first
    if (r->stage == Stage::Headers) {
      self.deadlines.headers_arrived(c);
      auto begin = [&] { self.begin(c, *r, method); };
      answer_from(*r, begin);
      if (!r->answer) return MHD_YES;
      if (!worth_draining(c, self.options.max_body_bytes)) return self.send(c, *r);
      r->stage = Stage::Draining;
      return MHD_YES;
    }
    if (*upload_size > 0) {
      if (!r->body.arrived(*upload_size, self.options)) return MHD_NO;
      self.take(*r, upload_data, *upload_size);
      *upload_size = 0;
      return MHD_YES;
    }
    if (r->stage == Stage::Rendering) {
      // Resumed: the render is done.
      --self.rendering;
      r->stage = Stage::Done;
      return self.send(c, *r);
    }
    if (!r->answer) {
      auto finish = [&] { self.finish(c, *r); };
      answer_from(*r, finish);
      // Suspended: the answer is the render pool's to set now.
      if (r->stage == Stage::Rendering) return MHD_YES;
    }
    return self.send(c, *r);
  }

  MHD_Result send(MHD_Connection* c, Request& r) {
    r.stage = Stage::Done;
    Answer& a = *r.answer;
    auto* body = new std::string(std::move(a.body));
    MHD_Response* response = MHD_create_response_from_buffer_with_free_callback_cls(
        body->size(), body->data(), [](void* cls) { delete static_cast<std::string*>(cls); }, body);
    if (!response) {
      delete body;
      return MHD_NO;
    }
    if (!a.type.empty()) MHD_add_response_header(response, "Content-Type", a.type.c_str());
    for (const auto& [k, v] : r.cors) MHD_add_response_header(response, k.c_str(), v.c_str());
    for (const auto& [k, v] : a.headers) MHD_add_response_header(response, k.c_str(), v.c_str());
    r.status = a.status;
    r.sent = body->size();
    MHD_Result queued = MHD_queue_response(c, static_cast<unsigned>(a.status), response);
    MHD_destroy_response(response);
    return queued;
  }

  static void on_completed(void* cls, MHD_Connection* c, void** con_cls, MHD_RequestTerminationCode) {
    auto& self = *static_cast<Impl*>(cls);
    auto* r = static_cast<Request*>(*con_cls);
    if (!r) return;
    *con_cls = nullptr;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - r->start).count();
    if (r->status) self.metrics.request_finished(r->status, ms / 1000);
    else self.metrics.request_dropped();
    if (self.options.log) {
      char line[1024];
      std::snprintf(line, sizeof line, "%s %s %s %zu %.1f", r->method.empty() ? "-" : loggable(r->method, 16).c_str(),
                    loggable(r->target.substr(0, r->target.find('?'))).c_str(),
                    r->status ? std::to_string(r->status).c_str() : "-", r->sent, ms);
      self.options.log(line);
    }
    self.deadlines.request_done(c);
    delete r;
    --self.in_flight;
  }

  // ------------------------------------------------------------ the daemon

  void start_daemon(int fd) {
    std::lock_guard lock(daemon_mutex);
    if (daemon) return;
    // poll(), not epoll: with epoll's edge-triggered events libmicrohttpd
    // 0.9.75 misses the end of input of a client that half-closed before its
    // kept-alive connection's answer, and holds the connection until the
    // idle timeout (5 s a request in the half-close test; 0.01 s with poll).
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
    if (fd < 0) flags |= MHD_USE_NO_LISTEN_SOCKET;
    std::vector<MHD_OptionItem> items = admission_options(options);
    items.push_back({MHD_OPTION_URI_LOG_CALLBACK, reinterpret_cast<intptr_t>(&Impl::on_uri), this});
    items.push_back({MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&Impl::on_completed), this});
    items.push_back(deadlines.option());
    if (fd >= 0) items.push_back({MHD_OPTION_LISTEN_SOCKET, fd, nullptr});
    items.push_back({MHD_OPTION_END, 0, nullptr});
    daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &Impl::on_request, this, MHD_OPTION_ARRAY, items.data(),
                              MHD_OPTION_END);
    if (!daemon) throw Error(ErrorCode::Io, "HTTP service: libmicrohttpd could not start");
    deadlines.start();
    watching = true;
    if (!options.templates_dir.empty()) folder_watch = std::thread([this] { watch_folder(); });
  }

  void stop_daemon() {
    std::lock_guard lock(daemon_mutex);
    if (!daemon) return;
    MHD_stop_daemon(daemon);
    daemon = nullptr;
    deadlines.stop();
    watching = false;
    if (folder_watch.joinable()) folder_watch.join();
  }
};

Server::Server(const ServerOptions& options) : impl_(std::make_unique<Impl>(options)) {}
Server::~Server() = default;

std::vector<std::string> Server::problems() const { return impl_->snapshot()->problems; }

int Server::bind() {
  // The system's largest backlog: a burst of new connections waits in the
  // kernel instead of having its SYNs dropped.
  const ListeningSocket socket = listen_on(impl_->options.host, impl_->options.port, SOMAXCONN);
  impl_->listen_fd = socket.fd;
  return socket.port;
}

void Server::run() {
  Impl& s = *impl_;
  if (s.listen_fd < 0) bind();
  s.start_daemon(s.listen_fd);
  s.listen_fd = -1;  // libmicrohttpd's now
  s.stopping.wait();
  // Stop taking connections; let the requests in flight finish (a render
  // always; an upload in progress for a while).
  const MHD_socket listening = MHD_quiesce_daemon(s.daemon);
  const auto give_up = Clock::now() + std::chrono::seconds(25);
  while ((s.in_flight > 0 && Clock::now() < give_up) || s.rendering > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  s.stop_daemon();
  if (listening != MHD_INVALID_SOCKET) ::close(listening);
}

void Server::stop() { impl_->stopping.request(); }

std::string Server::respond(std::string_view request) {
  Impl& s = *impl_;
  s.start_daemon(-1);
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return {};
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (MHD_add_connection(s.daemon, pair[0], reinterpret_cast<sockaddr*>(&peer), sizeof peer) != MHD_YES) {
    ::close(pair[1]);
    return {};
  }
  // The client's side: write the request while reading the answer (the
  // service may answer before it has read everything), then half-close.
  const int fd = pair[1];
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  std::string answer;
  std::size_t written = 0;
  bool writing = true;
  if (request.empty()) {
    ::shutdown(fd, SHUT_WR);
    writing = false;
  }
  const auto give_up = Clock::now() + std::chrono::seconds(s.options.idle_timeout_seconds + 5);
  while (Clock::now() < give_up) {
    pollfd p{fd, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, 100) < 0 && errno != EINTR) break;
    if (writing && (p.revents & POLLOUT)) {
      ssize_t n = ::send(fd, request.data() + written, request.size() - written, MSG_NOSIGNAL);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN) writing = false;
      if (written == request.size()) writing = false;
      if (!writing) ::shutdown(fd, SHUT_WR);
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buffer[16384];
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n > 0) answer.append(buffer, static_cast<std::size_t>(n));
      else if (n == 0 || errno != EAGAIN) break;
    }
  }
  ::close(fd);
  return answer;
}

}  // namespace khung::http
