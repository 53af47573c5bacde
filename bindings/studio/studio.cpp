// The designers' studio service (studio.hpp): the API over the library,
// and libmicrohttpd for the connections. Parsing and formatting only: the
// library parses, renders, checks and saves templates.

#include "studio.hpp"

#include "khung/batch.hpp"
#include "khung/codec.hpp"
#include "khung/data.hpp"
#include "khung/demo.hpp"
#include "khung/error.hpp"
#include "khung/font.hpp"
#include "khung/new_template.hpp"
#include "khung/render.hpp"
#include "khung/template.hpp"
#include "service_life.hpp"
#include "static_files.hpp"

#include <microhttpd.h>
#include <nettle/base64.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <regex>

namespace khung::http {
// The studio's page, compiled in by embed_static.cmake.
const StaticFile* find_studio_file(std::string_view name);
}  // namespace khung::http

namespace khung::studio {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr std::size_t kMaxBody = 32u * 1024 * 1024;
constexpr std::size_t kMaxListedRows = 5000;

// What a handler answers.
struct Reply {
  int status = 200;
  std::string body;
  std::string type = "application/json";
  std::string etag;  // static files
};

std::string value_of(const Query& query, const std::string& key) {
  auto it = query.find(key);
  return it == query.end() ? "" : it->second;
}

Reply json_reply(int status, const json& body) { return {status, body.dump(), "application/json", ""}; }

Reply error_reply(int status, const std::string& message, const std::string& path = "") {
  json body = {{"error", message}};
  if (!path.empty()) body["path"] = path;
  return json_reply(status, body);
}

// The status of a library error.
int status_of(const Error& e) {
  switch (e.code()) {
    case ErrorCode::NotFound: return 404;
    case ErrorCode::InvalidArgument: return 400;
    case ErrorCode::Io: return 500;
    default: return 422;
  }
}

std::string base64(const std::vector<std::uint8_t>& bytes) {
  std::string out(BASE64_ENCODE_RAW_LENGTH(bytes.size()), '\0');
  base64_encode_raw(out.data(), bytes.size(), bytes.data());
  return out;
}

// The layer a check's "where" names ("layers[3]", "layers[3].box"), or the
// first layer whose text holds the field it names ("field 'unit'").
json layer_of(const std::string& where, const json& layers) {
  static const std::regex kLayer(R"(^layers\[(\d+)\])");
  static const std::regex kField(R"(^field '([^']+)')");
  std::smatch m;
  if (std::regex_search(where, m, kLayer)) return std::stoi(m[1]);
  if (std::regex_search(where, m, kField) && layers.is_array()) {
    const std::string placeholder = "{{" + m[1].str() + "}}";
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const json& text = layers[i].is_object() ? layers[i].value("text", json()) : json();
      if (text.is_string() && text.get<std::string>().find(placeholder) != std::string::npos) return i;
    }
  }
  return nullptr;
}

json problems_json(const std::vector<CheckProblem>& problems, const json& layers) {
  json out = json::array();
  for (const CheckProblem& p : problems)
    out.push_back({{"where", p.where},
                   {"message", p.message},
                   {"severity", p.severity == CheckSeverity::Problem ? "problem" : "note"},
                   {"layer", layer_of(p.where, layers)}});
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The request's body as JSON; a 400 naming the problem when it is not.
json parse_body(std::string_view body) {
  try {
    return json::parse(body);
  } catch (const json::exception& e) {
    throw Error(ErrorCode::InvalidArgument, std::string("request body: not JSON: ") + e.what());
  }
}

const json& member(const json& body, const char* key, json::value_t type) {
  if (!body.is_object() || !body.contains(key) || body[key].type() != type)
    throw Error(ErrorCode::InvalidArgument, std::string("request body: '") + key + "' missing or of the wrong type");
  return body[key];
}

}  // namespace

struct Studio::Impl {
  StudioOptions options;
  fs::path dir;
  fs::path scratch;     // a private folder for the data file sent
  fs::path data_file;   // empty until one is sent
  std::string data_name;
  MHD_Daemon* daemon = nullptr;
  int port = 0;
  http::StopRequest stopping;

  explicit Impl(const StudioOptions& o) : options(o) {
    std::error_code ec;
    fs::create_directories(o.dir, ec);
    if (!fs::is_directory(o.dir, ec))
      throw Error(ErrorCode::InvalidArgument, "folder '" + o.dir.string() + "': not a folder");
    dir = fs::canonical(o.dir);
    std::string pattern = (fs::temp_directory_path() / "khung-studio-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw Error(ErrorCode::Io, "cannot make a temporary folder in " + fs::temp_directory_path().string());
    scratch = pattern;
  }

  ~Impl() {
    if (daemon) MHD_stop_daemon(daemon);
    std::error_code ec;
    fs::remove_all(scratch, ec);
  }

  // The document's template, parsed as <dir>/<id>.json would be.
  Template parse_document(const json& body) const {
    const std::string& id = member(body, "id", json::value_t::string).get_ref<const std::string&>();
    const json& doc = member(body, "template", json::value_t::object);
    return Template::parse(doc.dump(), template_file(dir, id));
  }

  Reply list_templates() const {
    const TemplateCatalog catalog = load_catalog(dir);
    json list = json::array();
    for (const Template& t : catalog.templates)
      list.push_back({{"id", t.id()}, {"file", t.id() + ".json"}, {"title", t.title()}, {"kind", kind_name(t.kind())},
                      {"width", t.size().width}, {"height", t.size().height}});
    for (const TemplateProblem& p : catalog.problems)
      list.push_back({{"id", p.id}, {"file", p.id + ".json"}, {"error", p.message}, {"path", p.json_path}});
    std::sort(list.begin(), list.end(), [](const json& a, const json& b) { return a["id"] < b["id"]; });
    return json_reply(200, {{"dir", dir.string()}, {"templates", list}});
  }

  Reply template_text(const std::string& id) const {
    const fs::path file = template_file(dir, id);
    std::ifstream in(file, std::ios::binary);
    if (!in) return error_reply(404, "template '" + id + "': no such template in " + dir.string());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return {200, std::move(text), "application/json", ""};
  }

  Reply save(const std::string& id, std::string_view body) const {
    parse_body(body);  // a 400 for what is not JSON at all
    const Template saved = save_template(body, template_file(dir, id));
    return json_reply(200, {{"file", saved.path().string()}, {"version", saved.version()}});
  }

  Reply make_new(std::string_view text) const {
    const json body = parse_body(text);
    if (member(body, "kind", json::value_t::string) != "banner")
      throw Error(ErrorCode::InvalidArgument, "kind: only \"banner\" can be made here; a frame starts from its overlay (khung new frame)");
    NewBannerOptions o;
    const auto size_of = [&](const char* key) {
      if (!body.contains(key) || !body[key].is_number_integer())
        throw Error(ErrorCode::InvalidArgument, std::string(key) + ": a whole number of px is needed");
      return body[key].get<int>();
    };
    o.size = {size_of("width"), size_of("height")};
    if (body.contains("id")) o.id = member(body, "id", json::value_t::string).get<std::string>();
    if (body.contains("title")) o.title = member(body, "title", json::value_t::string).get<std::string>();
    if (o.id) template_file(dir, *o.id);  // a malformed id is a 400, before anything is written
    o.dir = dir;
    o.text = false;
    std::error_code ec;
    if (o.id && fs::exists(template_file(dir, *o.id), ec))
      return error_reply(409, "template '" + *o.id + "': already exists in " + dir.string());
    const NewTemplate made = write_banner_template(o);
    return json_reply(200, {{"id", made.path.stem().string()}, {"file", made.path.string()}});
  }

  Reply render(std::string_view text) const {
    const json body = parse_body(text);
    const Template tpl = parse_document(body);
    RenderOptions ro;
    if (body.contains("fields")) {
      const json& fields = member(body, "fields", json::value_t::object);
      for (const auto& item : fields.items()) {
        const std::string& name = item.key();
        if (!item.value().is_string()) throw Error(ErrorCode::InvalidArgument, "fields." + name + ": must be a string");
        // Fields the template does not have (a declaration being typed) are left out.
        const auto& known = tpl.fields();
        if (std::any_of(known.begin(), known.end(), [&](const TemplateField& f) { return f.name == name; }))
          ro.fields[name] = item.value().get<std::string>();
      }
    }
    for (const TemplateField& f : tpl.fields())
      if (!ro.fields.count(f.name)) ro.fields[f.name] = f.sample;
    const json& layers = body["template"].value("layers", json::array());
    json out = {{"width", tpl.size().width}, {"height", tpl.size().height}, {"png", nullptr}, {"error", nullptr}};
    const auto start = std::chrono::steady_clock::now();
    if (tpl.has_photo()) ro.photo.path = sample_photo();  // as `khung render --sample` frames it
    try {
      const Image image = render_template(tpl, ro);
      out["png"] = base64(encode_image(image, ImageFormat::Png));
    } catch (const Error& e) {
      out["error"] = e.what();
    }
    out["ms"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    out["problems"] = problems_json(check_template(tpl, ro.fields), layers);
    json fields = json::array();
    for (const TemplateField& f : tpl.fields()) fields.push_back({{"name", f.name}, {"label", f.label}, {"sample", f.sample}});
    out["fields"] = fields;
    return json_reply(200, out);
  }

  Reply receive_data(const Query& query, std::string_view body) {
    const std::string name = value_of(query, "name");
    if (name.empty()) throw Error(ErrorCode::InvalidArgument, "name: the data file's name is needed (?name=rows.csv)");
    const fs::path file = scratch / (lower(fs::path(name).extension().string()) == ".json" ? "data.json" : "data.csv");
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out.write(body.data(), static_cast<std::streamsize>(body.size()));
      if (!out) throw Error(ErrorCode::Io, "cannot keep the data file in " + scratch.string());
    }
    data_file.clear();
    // The data file's own errors name it as the designer knows it.
    const auto as_sent = [&](const Error& e) {
      std::string message = e.what();
      const std::string inner = "'" + file.string() + "'";
      if (auto at = message.find(inner); at != std::string::npos) message.replace(at, inner.size(), "'" + name + "'");
      return message;
    };
    try {
      const std::size_t total = count_rows(file);
      DataReader reader(file);
      json rows = json::array();
      for (std::size_t i = 0; i < total && i < kMaxListedRows; ++i) {
        try {
          std::optional<DataRow> row = reader.next();
          if (!row) break;
          rows.push_back({{"number", row->number}, {"line", row->line}, {"fields", row->fields}});
        } catch (const Error& e) {
          rows.push_back({{"number", i + 1}, {"error", as_sent(e)}, {"fields", json::object()}});
        }
      }
      data_file = file;
      data_name = name;
      return json_reply(200, {{"name", name}, {"columns", reader.columns()}, {"rows", rows}, {"total", total}});
    } catch (const Error& e) {
      return error_reply(422, as_sent(e));
    }
  }

  Reply check(std::string_view text) const {
    if (data_file.empty()) return error_reply(409, "no data file: send one to /api/data first");
    const json body = parse_body(text);
    const Template tpl = parse_document(body);
    const json& layers = body["template"].value("layers", json::array());
    BatchOptions o;
    o.data = data_file;
    DataCheck c;
    try {
      c = check_data(tpl, o);
    } catch (const Error& e) {  // a column a field needs is missing, ...: the data's fault, not the request's
      return error_reply(422, e.what());
    }
    json rows = json::array();
    for (const RowCheck& r : c.rows)
      rows.push_back({{"row", r.row}, {"line", r.line}, {"problems", problems_json(r.problems, layers)}});
    return json_reply(200, {{"name", data_name},
                            {"total", c.total},
                            {"unused_columns", c.unused_columns},
                            {"rows", rows},
                            {"template_checks", problems_json(c.template_checks, layers)}});
  }

  Reply fonts(const Query& query) const {
    const std::string id = value_of(query, "id");
    const fs::path folder = id.empty() ? dir : template_file(dir, id).parent_path();
    return json_reply(200, {{"bundled", FontLibrary::bundled().families()},
                            {"folder", FontLibrary::folder(folder)->families()}});
  }

  Reply static_file(std::string_view name) const {
    const http::StaticFile* f = http::find_studio_file(name);
    if (!f) return error_reply(404, "no such file: " + std::string(name));
    return {200, std::string(reinterpret_cast<const char*>(f->data), f->size), f->type, f->etag};
  }

  Reply route(std::string_view method, std::string_view path, const Query& query, std::string_view body) {
    const bool get = method == "GET" || method == "HEAD", post = method == "POST";
    constexpr std::string_view kTemplates = "/api/templates/";
    try {
      if (get && path == "/") return static_file("index.html");
      if (get && path.starts_with("/static/")) return static_file(path.substr(8));
      if (get && path == "/api/templates") return list_templates();
      if (path.starts_with(kTemplates) && path.size() > kTemplates.size()) {
        const std::string id(path.substr(kTemplates.size()));
        if (get) return template_text(id);
        if (post) return save(id, body);
      }
      if (post && path == "/api/new") return make_new(body);
      if (post && path == "/api/render") return render(body);
      if (post && path == "/api/data") return receive_data(query, body);
      if (post && path == "/api/check") return check(body);
      if (get && path == "/api/fonts") return fonts(query);
      if (get && path == "/api/images") return json_reply(200, {{"images", template_images(dir)}});
      return error_reply(404, "no such path: " + std::string(method) + " " + std::string(path));
    } catch (const Error& e) {
      // A template's errors name the file the designer knows; the JSON
      // path also goes on its own, for the control it belongs to.
      return error_reply(status_of(e), e.what(), e.json_path());
    }
  }

  // --- libmicrohttpd ---

  struct Request {
    std::string body;
    bool too_large = false;
  };

  // Whether a browser request comes from the studio's own page: the Host
  // it was sent to is this service (not a name some site points here), and
  // a POST's Origin, when sent, is the same.
  bool from_own_page(MHD_Connection* c, std::string_view method) const {
    const char* host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!host) return false;
    const std::string port_part = ":" + std::to_string(port);
    const std::string h = lower(host);
    const bool own_host = h == "127.0.0.1" + port_part || h == "localhost" + port_part || h == "[::1]" + port_part ||
                          h == lower(options.host) + port_part;
    if (!own_host) return false;
    const char* origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    return method != "POST" || !origin || lower(origin) == "http://" + h;
  }

  static MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method, const char*,
                               const char* upload, size_t* upload_size, void** state) {
    Impl& s = *static_cast<Impl*>(cls);
    if (!*state) {
      *state = new Request;
      return MHD_YES;
    }
    Request& r = *static_cast<Request*>(*state);
    if (*upload_size) {
      if (r.body.size() + *upload_size > kMaxBody) r.too_large = true;
      else r.body.append(upload, *upload_size);
      *upload_size = 0;
      return MHD_YES;
    }
    Query query;
    MHD_get_connection_values(
        c, MHD_GET_ARGUMENT_KIND,
        [](void* into, MHD_ValueKind, const char* key, const char* value) {
          static_cast<Query*>(into)->emplace(key, value ? value : "");
          return MHD_YES;
        },
        &query);
    const auto start = std::chrono::steady_clock::now();
    Reply reply;
    if (!s.from_own_page(c, method)) reply = error_reply(403, "the studio answers only its own page, at http://127.0.0.1:" + std::to_string(s.port));
    else if (r.too_large) reply = error_reply(413, "request body over " + std::to_string(kMaxBody >> 20) + " MB");
    else reply = s.route(method, url, query, r.body);
    if (s.options.log)
      s.options.log(std::string(method) + " " + url + " " + std::to_string(reply.status) + " " +
                    std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()) + " ms");
    const char* inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    const bool not_modified = !reply.etag.empty() && inm && reply.etag == inm;
    MHD_Response* response = MHD_create_response_from_buffer(not_modified ? 0 : reply.body.size(),
                                                             reply.body.data(), MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply.type.c_str());
    if (!reply.etag.empty()) {
      MHD_add_response_header(response, MHD_HTTP_HEADER_ETAG, reply.etag.c_str());
      MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    } else {
      MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    }
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    const MHD_Result done = MHD_queue_response(c, not_modified ? MHD_HTTP_NOT_MODIFIED : static_cast<unsigned>(reply.status), response);
    MHD_destroy_response(response);
    return done;
  }

  static void on_completed(void*, MHD_Connection*, void** state, MHD_RequestTerminationCode) {
    delete static_cast<Request*>(*state);
    *state = nullptr;
  }
};

Studio::Studio(const StudioOptions& options) : impl_(std::make_unique<Impl>(options)) {}
Studio::~Studio() = default;

int Studio::bind() {
  Impl& s = *impl_;
  const http::ListeningSocket socket = http::listen_on(s.options.host, s.options.port, 64);
  s.port = socket.port;
  // One thread answers every request in turn: one designer's page.
  s.daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, nullptr, nullptr, &Impl::on_request,
                              &s, MHD_OPTION_LISTEN_SOCKET, socket.fd, MHD_OPTION_NOTIFY_COMPLETED, &Impl::on_completed,
                              &s, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
  if (!s.daemon) {
    ::close(socket.fd);
    throw Error(ErrorCode::Io, "listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                                   ": libmicrohttpd could not start");
  }
  return s.port;
}

void Studio::run() {
  if (!impl_->daemon) bind();
  impl_->stopping.wait();
}

void Studio::stop() { impl_->stopping.request(); }

int Studio::handle(std::string_view method, std::string_view path, const Query& query, std::string_view body,
                   std::string& response, std::string& content_type) {
  Reply reply = impl_->route(method, path, query, body);
  response = std::move(reply.body);
  content_type = std::move(reply.type);
  return reply.status;
}

}  // namespace khung::studio
