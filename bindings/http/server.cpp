#include "server.hpp"

#include "connection_watch.hpp"
#include "khung/codec.hpp"
#include "khung/error.hpp"
#include "khung/render.hpp"
#include "khung/signing.hpp"
#include "metrics.hpp"
#include "static_files.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace khung::http {
namespace {

using Clock = std::chrono::steady_clock;

// ------------------------------------------------------------------ errors

// An answer other than success, with the status and the code of PRODUCT.md.
struct Failure {
  int status;
  std::string message;
};

const char* status_code_name(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 422: return "unprocessable_image";
    case 431: return "headers_too_large";
    case 503: return "overloaded";
    default: return status >= 500 ? "internal" : "bad_request";
  }
}

// The one place library errors become HTTP statuses.
int status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument:
    case ErrorCode::Layout: return 400;
    case ErrorCode::NotFound: return 404;
    case ErrorCode::Unsupported: return 415;
    case ErrorCode::Image: return 422;
    case ErrorCode::Io:
    case ErrorCode::Font:
    case ErrorCode::Template: return 500;
  }
  return 500;
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  nlohmann::json body = {{"error", {{"code", status_code_name(status)}, {"message", message}}}};
  // A message may quote what the client sent: bytes that are not UTF-8
  // become U+FFFD rather than make the answer fail.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

// -------------------------------------------------------------- thread use

// Connection threads for cpp-httplib with a bounded backlog: when every
// thread is busy and the backlog is full, accepting waits, so connections
// queue in the kernel rather than in memory.
class BoundedQueue : public httplib::TaskQueue {
 public:
  BoundedQueue(std::size_t threads, std::size_t backlog) : backlog_(backlog) {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
  }
  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return jobs_.size() < backlog_ || stopping_; });
    jobs_.push_back(std::move(fn));
    lock.unlock();
    ready_.notify_one();
  }
  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
    for (auto& t : threads_) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      room_.notify_one();
      fn();
    }
  }
  std::size_t backlog_;
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// At most `slots` renders run at once and `waiting` more wait; past that a
// render is refused (503) instead of piling up requests and their bodies.
class RenderGate {
 public:
  RenderGate(int slots, int waiting) : slots_(slots), limit_(slots + waiting) {}

  class Ticket {
   public:
    explicit Ticket(RenderGate* gate) : gate_(gate) {}
    Ticket(Ticket&& o) noexcept : gate_(std::exchange(o.gate_, nullptr)) {}
    ~Ticket() {
      if (gate_) gate_->leave();
    }

   private:
    RenderGate* gate_;
  };

  // Waits for a slot, first come first served (a waiter woken out of turn
  // would leave an early request waiting behind later ones: the latency
  // tail); nullopt at once when the queue is full.
  std::optional<Ticket> enter() {
    std::unique_lock lock(mutex_);
    if (inside_ >= limit_) return std::nullopt;
    ++inside_;
    const std::uint64_t mine = next_++;
    free_.wait(lock, [&] { return mine == head_ && running_ < slots_; });
    ++head_;
    ++running_;
    lock.unlock();
    free_.notify_all();  // the next in line may fit in another free slot
    return Ticket(this);
  }

 private:
  void leave() {
    {
      std::lock_guard lock(mutex_);
      --running_;
      --inside_;
    }
    free_.notify_all();
  }
  int slots_, limit_, inside_ = 0, running_ = 0;
  std::uint64_t next_ = 0, head_ = 0;  // the next ticket to hand out, the next to admit
  std::mutex mutex_;
  std::condition_variable free_;
};

// ------------------------------------------------------------ the requests

struct RenderParams {
  Fields fields;
  Placement placement;
  ImageFormat format = ImageFormat::Png;
  int quality = 90;
  int width = 0;
};

// A request value as an error message quotes it: at most 64 bytes of it.
std::string quoted(const std::string& value) {
  return "'" + (value.size() <= 64 ? value : value.substr(0, 64) + "...") + "'";
}

float parse_number(const std::string& name, const std::string& value) {
  float v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty())
    throw Failure{400, "parameter '" + name + "': " + quoted(value) + " is not a number"};
  return v;
}

int parse_int(const std::string& name, const std::string& value) {
  int v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty())
    throw Failure{400, "parameter '" + name + "': " + quoted(value) + " is not a whole number"};
  return v;
}

ImageFormat parse_format(const std::string& value) {
  if (value == "png") return ImageFormat::Png;
  if (value == "jpeg" || value == "jpg") return ImageFormat::Jpeg;
  if (value == "webp") return ImageFormat::Webp;
  throw Failure{400, "parameter 'format': " + quoted(value) + " is not one of: png, jpeg, webp"};
}

const char* mime_of(ImageFormat f) {
  switch (f) {
    case ImageFormat::Jpeg: return "image/jpeg";
    case ImageFormat::Webp: return "image/webp";
    default: return "image/png";
  }
}

// Applies one request parameter: placement and output options by name,
// anything else is a template field.
void apply_param(RenderParams& p, const std::string& name, const std::string& value) {
  if (name == "zoom") p.placement.zoom = parse_number(name, value);
  else if (name == "offset_x") p.placement.offset_x = parse_number(name, value);
  else if (name == "offset_y") p.placement.offset_y = parse_number(name, value);
  else if (name == "rotate") p.placement.rotate = parse_number(name, value);
  else if (name == "focus") {
    if (value != "center" && value != "face") throw Failure{400, "parameter 'focus': " + quoted(value) + " is not one of: center, face"};
    p.placement.focus = value == "face" ? Focus::Face : Focus::Center;
  } else if (name == "format") p.format = parse_format(value);
  else if (name == "quality") p.quality = parse_int(name, value);
  else if (name == "width") p.width = parse_int(name, value);
  else p.fields[name] = value;
}

std::string peer_of(const httplib::Request& req) { return req.remote_addr + ":" + std::to_string(req.remote_port); }

thread_local Clock::time_point t_request_start;

}  // namespace

void validate(const ServerOptions& o) {
  auto bad = [](const std::string& what) { return Error(ErrorCode::InvalidArgument, what); };
  if (o.port < 0 || o.port > 65535) throw bad("--port " + std::to_string(o.port) + ": must be between 0 and 65535");
  if (o.threads < 0 || o.threads > 256) throw bad("--threads " + std::to_string(o.threads) + ": must be between 1 and 256");
  if (o.queue < 0 || o.queue > 10000) throw bad("--queue " + std::to_string(o.queue) + ": must be between 0 and 10000");
  if (o.max_body_bytes < 1024) throw bad("--max-body: must be at least 1024 bytes");
  if (o.max_pixels < 1) throw bad("--max-pixels: must be positive");
  if (o.max_header_bytes < 256 || o.max_header_bytes > 8192)
    throw bad("--max-header-bytes " + std::to_string(o.max_header_bytes) + ": must be between 256 and 8192");
  for (int t : {o.read_timeout_seconds, o.write_timeout_seconds, o.request_timeout_seconds})
    if (t < 1 || t > 3600) throw bad("timeouts must be between 1 and 3600 seconds");
}

// cpp-httplib's server, with its handling of one request from a stream
// made reachable for Server::respond.
struct HttpServer : httplib::Server {
  using httplib::Server::process_request;
};

// A connection held in memory: reads the request's bytes, keeps the answer.
class MemoryStream final : public httplib::Stream {
 public:
  MemoryStream(std::string_view in, std::string& out) : in_(in), out_(out) {}
  bool is_readable() const override { return !in_.empty(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    size = std::min(size, in_.size());
    std::memcpy(ptr, in_.data(), size);
    in_.remove_prefix(size);
    return static_cast<ssize_t>(size);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 0;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 0;
  }
  socket_t socket() const override { return INVALID_SOCKET; }

 private:
  std::string_view in_;
  std::string& out_;
};

struct Server::Impl {
  ServerOptions options;
  std::map<std::string, Template, std::less<>> templates;
  std::string templates_json_text;
  int threads = 1;
  int waiting = 32;
  RenderGate gate;
  Metrics metrics;
  HttpServer http;
  std::mutex previews_mutex;
  std::map<std::pair<std::string, int>, std::string> previews;  // (id, width) -> PNG

  explicit Impl(const ServerOptions& o)
      : options(o),
        threads(o.threads > 0 ? o.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))),
        waiting(o.queue > 0 ? o.queue : 32),
        gate(threads, waiting) {
    validate(o);
    std::vector<Template> all = o.templates_dir.empty() ? list_templates() : list_templates(o.templates_dir);
    for (const Template& t : all) templates[t.id()] = t;
    templates_json_text = templates_json(all);
    configure();
  }

  const Template& find_template(const std::string& id) const {
    auto it = templates.find(id);
    if (it == templates.end()) throw Failure{404, "template '" + id + "': no such template"};
    return it->second;
  }

  // Renders under the gate and answers with the encoded image.
  void render(const Template& tpl, RenderParams params, PhotoInput photo, httplib::Response& res) {
    auto ticket = gate.enter();
    if (!ticket) {
      metrics.overloaded();
      res.set_header("Retry-After", "1");
      throw Failure{503, "the service is busy; try again in a moment"};
    }
    auto start = Clock::now();
    RenderOptions render;
    render.fields = std::move(params.fields);
    render.placement = params.placement;
    render.photo = photo;
    render.width = params.width;
    render.limits = {options.max_pixels, options.max_body_bytes};
    Image image = render_template(tpl, render);
    std::vector<std::uint8_t> bytes = encode_image(image, params.format, {params.quality});
    metrics.render_finished(std::chrono::duration<double>(Clock::now() - start).count());
    res.set_content(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), mime_of(params.format));
  }

  // Runs a handler, turning every failure into the JSON error answer.
  template <class Fn>
  static httplib::Server::Handler guarded(Fn fn) {
    return [fn](const httplib::Request& req, httplib::Response& res) {
      watch::request_arrived(peer_of(req));
      try {
        fn(req, res);
      } catch (const Failure& f) {
        send_error(res, f.status, f.message);
      } catch (const Error& e) {
        send_error(res, status_of(e.code()), e.what());
      } catch (const std::bad_alloc&) {
        send_error(res, 503, "out of memory; try again in a moment");
      } catch (const std::exception& e) {
        send_error(res, 500, std::string("internal: ") + e.what());
      }
    };
  }

  void post_render(const httplib::Request& req, httplib::Response& res) {
    const Template& tpl = find_template(req.matches[1]);
    RenderParams params;
    params.format = tpl.has_photo() ? ImageFormat::Jpeg : ImageFormat::Png;
    PhotoInput photo;
    std::string type = req.get_header_value("Content-Type");
    if (req.is_multipart_form_data()) {
      for (const auto& [name, part] : req.files) {
        if (name == "photo") {
          if (photo.bytes.empty())
            photo.bytes = {reinterpret_cast<const std::uint8_t*>(part.content.data()), part.content.size()};
          continue;
        }
        apply_param(params, name, part.content);
      }
      if (tpl.has_photo() && photo.bytes.empty()) throw Failure{400, "part 'photo': missing (template '" + tpl.id() + "' is a frame)"};
    } else if (type.rfind("application/json", 0) == 0) {
      nlohmann::json body;
      try {
        body = nlohmann::json::parse(req.body);
      } catch (const nlohmann::json::exception&) {
        throw Failure{400, "body: not valid JSON"};
      }
      if (!body.is_object()) throw Failure{400, "body: must be a JSON object of fields"};
      for (const auto& [name, value] : body.items()) {
        if (value.is_string()) apply_param(params, name, value.get<std::string>());
        else if (value.is_number()) apply_param(params, name, value.dump());
        else throw Failure{400, "field '" + name + "': must be a string or a number"};
      }
      if (tpl.has_photo()) throw Failure{400, "template '" + tpl.id() + "': is a frame; send the photo as multipart/form-data"};
    } else {
      throw Failure{415, "Content-Type '" + type + "': send multipart/form-data (with a photo) or application/json"};
    }
    render(tpl, std::move(params), photo, res);
  }

  void get_render(const httplib::Request& req, httplib::Response& res) {
    const Template& tpl = find_template(req.matches[1]);
    if (!options.signing_key.empty()) {
      std::string target = req.target;
      auto q = target.find('?');
      std::string path = target.substr(0, q), query = q == std::string::npos ? "" : target.substr(q + 1);
      switch (check_signature(path, query, options.signing_key)) {
        case SignatureCheck::Valid: break;
        case SignatureCheck::Missing: throw Failure{403, "signature: missing (sig)"};
        case SignatureCheck::Duplicated: throw Failure{403, "signature: given more than once"};
        case SignatureCheck::Invalid: throw Failure{403, "signature: does not match"};
      }
    }
    if (tpl.has_photo()) throw Failure{400, "template '" + tpl.id() + "': is a frame; POST the photo to this URL"};
    RenderParams params;
    std::vector<std::pair<std::string, std::string>> canonical;
    for (const auto& [name, value] : req.params) {
      if (name == "sig") continue;
      apply_param(params, name, value);
      canonical.emplace_back(name, value);
    }
    std::sort(canonical.begin(), canonical.end());
    std::string key = tpl.fingerprint();
    for (const auto& [name, value] : canonical) key += "\n" + name + "=" + value;
    std::string etag = "\"" + sha256_hex(key) + "\"";
    res.set_header("ETag", etag);
    res.set_header("Cache-Control", "public, max-age=" + std::to_string(options.cache_max_age_seconds));
    if (req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      return;
    }
    render(tpl, std::move(params), {}, res);
  }

  void get_preview(const httplib::Request& req, httplib::Response& res) {
    const Template& tpl = find_template(req.matches[1]);
    int width = req.has_param("width") ? parse_int("width", req.get_param_value("width")) : 0;
    auto key = std::make_pair(tpl.id(), width);
    res.set_header("Cache-Control", "public, max-age=3600");
    {
      std::lock_guard lock(previews_mutex);
      if (auto it = previews.find(key); it != previews.end()) return res.set_content(it->second, "image/png");
    }
    RenderOptions render;
    render.width = width;
    if (tpl.has_photo())
      render.without_photo = true;
    else
      render.fields = sample_fields(tpl);
    auto png = encode_image(render_template(tpl, render), ImageFormat::Png);
    std::string bytes(reinterpret_cast<const char*>(png.data()), png.size());
    // Kept for the widths pages ask for; any other width is drawn each time,
    // so requests cannot grow the cache without bound.
    std::lock_guard lock(previews_mutex);
    if (previews.size() < 4 * templates.size()) previews.emplace(key, bytes);
    res.set_content(std::move(bytes), "image/png");
  }

  void configure() {
    http.new_task_queue = [this] {
      // A connection thread for every render that may run or wait, and a few
      // more so that a full gate still answers 503 and /healthz at once. So
      // at most (threads + queue + 8) request bodies are in memory.
      std::size_t n = static_cast<std::size_t>(threads + waiting + 8);
      return new BoundedQueue(n, 64);
    };
    http.set_payload_max_length(options.max_body_bytes);
    http.set_read_timeout(options.read_timeout_seconds, 0);
    http.set_write_timeout(options.write_timeout_seconds, 0);
    // One request per connection. cpp-httplib 0.11 answers some bad
    // requests (a multipart type without a boundary, an unknown method)
    // without reading their bodies, then reads those bodies as further
    // requests on a kept-alive connection: a way to smuggle requests past
    // a proxy. A proxy in front (deploy/) keeps the clients' connections.
    http.set_keep_alive_max_count(1);

    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      t_request_start = Clock::now();
      metrics.request_started();
      std::size_t header_bytes = 0;
      for (const auto& [k, v] : req.headers) header_bytes += k.size() + v.size() + 4;
      if (header_bytes > options.max_header_bytes) {
        send_error(res, 431, "request headers: over " + std::to_string(options.max_header_bytes) + " bytes");
        return httplib::Server::HandlerResponse::Handled;
      }
      // A body with neither a length nor chunks runs to the end of the
      // connection: cpp-httplib would wait for it until the read timeout.
      if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH") && !req.has_header("Content-Length") &&
          req.get_header_value("Transfer-Encoding").find("chunked") == std::string::npos) {
        send_error(res, 400, "request body: needs a Content-Length");
        return httplib::Server::HandlerResponse::Handled;
      }
      std::string origin = req.get_header_value("Origin");
      if (!origin.empty() && std::find(options.cors_origins.begin(), options.cors_origins.end(), origin) != options.cors_origins.end()) {
        res.set_header("Access-Control-Allow-Origin", origin);
        res.set_header("Vary", "Origin");
        if (req.method == "OPTIONS") {
          res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
          res.set_header("Access-Control-Allow-Headers", "Content-Type, If-None-Match");
          res.set_header("Access-Control-Max-Age", "600");
          res.status = 204;
          return httplib::Server::HandlerResponse::Handled;
        }
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });

    // Statuses cpp-httplib sets itself (no route, body too large, bad
    // request line) get the same JSON body as ours.
    http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      const char* message = res.status == 404   ? "no such resource"
                            : res.status == 413 ? "request body: over the size limit"
                                                : "the request could not be read";
      send_error(res, res.status, message);
      return httplib::Server::HandlerResponse::Handled;
    }));
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      send_error(res, 500, "internal error");
    });
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - t_request_start).count();
      metrics.request_finished(res.status, ms / 1000);
      watch::request_done(peer_of(req));
      if (options.log) {
        char line[512];
        std::snprintf(line, sizeof line, "%s %s %d %zu %.1f", req.method.c_str(), req.path.substr(0, 300).c_str(),
                      res.status, res.body.size(), ms);
        options.log(line);
      }
    });

    http.Get("/", guarded([](const httplib::Request&, httplib::Response& res) {
      const StaticFile* page = find_static_file("index.html");
      if (!page) throw Failure{404, "no member page in this build"};
      res.set_header("Cache-Control", "no-cache");
      res.set_content(std::string(reinterpret_cast<const char*>(page->data), page->size), page->type);
    }));
    http.Get(R"(/static/([A-Za-z0-9._-]+))", guarded([](const httplib::Request& req, httplib::Response& res) {
      const StaticFile* file = find_static_file(req.matches[1].str());
      if (!file) throw Failure{404, "static file '" + req.matches[1].str() + "': not found"};
      res.set_header("Cache-Control", "public, max-age=300");
      res.set_content(std::string(reinterpret_cast<const char*>(file->data), file->size), file->type);
    }));
    http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics.text(), "text/plain; version=0.0.4");
    });
    http.Get("/v1/templates", guarded([this](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "public, max-age=60");
      res.set_content(templates_json_text, "application/json");
    }));
    http.Get(R"(/v1/templates/([a-z0-9][a-z0-9_-]*)/preview\.png)",
             guarded([this](const httplib::Request& req, httplib::Response& res) { get_preview(req, res); }));
    http.Post(R"(/v1/render/([a-z0-9][a-z0-9_-]*))",
              guarded([this](const httplib::Request& req, httplib::Response& res) { post_render(req, res); }));
    http.Get(R"(/v1/render/([a-z0-9][a-z0-9_-]*))",
             guarded([this](const httplib::Request& req, httplib::Response& res) { get_render(req, res); }));
    http.Options(R"(/.*)", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  }
};

Server::Server(const ServerOptions& options) : impl_(std::make_unique<Impl>(options)) {}
Server::~Server() = default;

int Server::bind() {
  int port = impl_->options.port == 0 ? impl_->http.bind_to_any_port(impl_->options.host)
                                      : (impl_->http.bind_to_port(impl_->options.host, impl_->options.port)
                                             ? impl_->options.port
                                             : -1);
  if (port < 0)
    throw Error(ErrorCode::Io, "listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port) +
                                   ": cannot bind (in use, or not an address of this machine)");
  return port;
}

void Server::run() {
  watch::enable(std::chrono::seconds(impl_->options.request_timeout_seconds));
  impl_->http.listen_after_bind();
}

void Server::stop() { impl_->http.stop(); }

std::string Server::respond(std::string_view request) {
  std::string response;
  MemoryStream stream(request, response);
  bool closed = false;
  impl_->http.process_request(stream, true, closed, [](httplib::Request&) {});
  return response;
}

}  // namespace khung::http
