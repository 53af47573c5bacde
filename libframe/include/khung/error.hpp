#pragma once
// The one error type of Khung. Every face maps ErrorCode once: the CLI to an
// exit code, HTTP to a status, Python to an exception class.

#include <stdexcept>
#include <string>
#include <utility>

namespace khung {

enum class ErrorCode {
  InvalidArgument,  // a parameter out of range or malformed (size 0, bad colour, unknown font)
  NotFound,         // no template with that id
  Io,               // a file could not be read or written
  Font,             // a font file exists but cannot be used
  Layout,           // text cannot be laid out as asked (does not fit, overflow: error)
  Unsupported,      // input in a format Khung does not read (not an image, or an unknown kind)
  Image,            // an image is corrupt, truncated, over a limit, or cannot be encoded
  Template,         // a template is invalid: names the file and JSON path
};

// what() reads "<what>: <why>", naming the file, field or value at fault,
// e.g. "font 'x.ttf': no such file".
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  // An invalid template or campaign file's error also names, on its own,
  // the JSON path at fault ("layers[1].font.family"), which what() has too:
  // for an editor that puts the message beside that control.
  Error(ErrorCode code, const std::string& message, std::string json_path)
      : std::runtime_error(message), code_(code), json_path_(std::move(json_path)) {}
  ErrorCode code() const noexcept { return code_; }
  // Empty when the error names no JSON path.
  const std::string& json_path() const noexcept { return json_path_; }

 private:
  ErrorCode code_;
  std::string json_path_;
};

// A short stable name for a code ("invalid_argument", "layout", ...), as used
// in HTTP error bodies and logs.
const char* error_code_name(ErrorCode code) noexcept;

}  // namespace khung
