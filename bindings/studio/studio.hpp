#pragma once
// `khung studio`: the designers' editor, a web app on 127.0.0.1 for the
// templates of one folder. The page (bindings/studio/static, compiled in)
// keeps the template being edited as its JSON document; the service parses
// that document with Template::parse as if it were the saved file, renders
// it with the library (the same pixels `khung render` gives the saved
// file), checks it, and saves it. One designer, one browser: requests are
// answered one at a time on libmicrohttpd's thread.
//
//   khung::studio::StudioOptions options;
//   options.dir = "designs";
//   khung::studio::Studio studio(options);
//   int port = studio.bind();  // Error(Io) when the port is taken
//   studio.run();              // until stop()
//
// The API (every body JSON in UTF-8 unless said otherwise; errors are
// {"error": "<what>: <why>"} with 400 for a malformed request, 404 for an
// unknown path or template, 409 for a conflict, 413 for a body over 32 MB,
// 422 for a template or data file that is wrong, with "path" (the JSON path
// at fault, "layers[1].font.family") when the template names one):
//
//   GET  /, /static/<file>      the page
//   GET  /api/templates          {"dir": "<absolute folder>", "templates": [{"id", "file", "title",
//                                 "kind", "width", "height"} or {"id", "file", "error", "path"}]}:
//                                every *.json of the folder but campaign.json, by id
//   GET  /api/templates/{id}     the file's text as saved
//   POST /api/templates/{id}     body: the template's JSON. Saved as <dir>/<id>.json (2-space
//                                indent, keys in the order sent) when it parses, whole or not at
//                                all: {"file", "version"}; else 422
//   POST /api/new                {"kind": "banner", "width", "height", "id"?, "title"?}: writes a
//                                blank banner (`khung new banner`'s red fill, no text) <dir>/<id>.json:
//                                {"id", "file"};
//                                409 when that id exists
//   POST /api/render             {"id", "template": {...}, "fields": {"name": "value", ...}}: renders
//                                the document as <dir>/<id>.json would be, fields not sent taking
//                                their samples and a frame the sample photo (as `khung render
//                                --sample`); {"png": base64 PNG of the
//                                whole canvas | null, "width", "height", "ms", "error": null | why
//                                the render failed, "problems": [problem], "fields": [{"name",
//                                "label", "sample"}]}; 422 when the template does not parse
//   POST /api/data?name=F.csv    body: a CSV or JSON data file's bytes (by F's extension); kept
//                                for /api/check: {"name", "columns", "rows": [{"number", "line",
//                                "fields": {...}}]} (the first 5000 rows; "total"); 422 naming the line
//   POST /api/check              {"id", "template"}: `khung check --data` of the kept data file:
//                                {"total", "unused_columns", "rows": [{"row", "line", "problems":
//                                [problem]}] (failing rows only), "template_checks": [problem]};
//                                409 when no data file was sent
//   GET  /api/fonts?id=ID        {"bundled": [family], "folder": [family]}: the families a text
//                                layer may name (the folder's own fonts, and its fonts/)
//   GET  /api/images             {"images": ["images/bg.png", ..., "bundled:images/emblem.png"]}:
//                                image files in the folder (two levels down) and the bundled artwork
//
// A problem is {"where", "message", "severity": "problem" | "note", "layer": N | null}: "layer" is
// the index of layers[N] when "where" names one.
//
// Only the page may call it: a request whose Host is not this address and
// port (a DNS-rebinding page), or a POST with an Origin of another site, is
// refused with 403.

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace khung::studio {

using Query = std::map<std::string, std::string, std::less<>>;

// "= {}": designated initializers may leave members out without -Wextra noise.
struct StudioOptions {
  std::filesystem::path dir = ".";  // the templates' folder; made when missing
  std::string host = "127.0.0.1";
  int port = 8090;  // 0: any free port
  std::function<void(const std::string&)> log = {};  // one line per request; null: none
};

class Studio {
 public:
  // Throws Error(InvalidArgument) when dir is not a folder.
  explicit Studio(const StudioOptions& options);
  ~Studio();
  Studio(const Studio&) = delete;
  Studio& operator=(const Studio&) = delete;

  // Binds the socket and starts answering; returns the port. Throws Error(Io).
  int bind();
  // Waits until stop(), then returns.
  void run();
  // Safe from any thread.
  void stop();

  // Answers one request in-process, without a socket (and without the
  // Host and Origin check): for tests. `path` has no query; `query` holds
  // its decoded arguments. Returns the status; sets the body and type.
  int handle(std::string_view method, std::string_view path, const Query& query, std::string_view body,
             std::string& response, std::string& content_type);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace khung::studio
