#pragma once
// What a request gets back: an Answer (status, type, body, headers), or a
// Failure thrown while the request is read or handled, which becomes the
// JSON error answer of PRODUCT.md: {"error": {"code": "...", "message":
// "..."}}, never cached. status_of is the one place library errors become
// HTTP statuses.
//
//   throw Failure{400, "parameter 'zoom': " + quote_value(text) + " is not a number"};
//   r.answer = error_answer(f.status, f.message);

#include "khung/error.hpp"

#include <string>
#include <utility>
#include <vector>

namespace khung::http {

// An answer other than success, with the status and the code of PRODUCT.md.
struct Failure {
  int status;
  std::string message;
};

struct Answer {
  int status = 200;
  std::string type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// The JSON error answer of `status` ("bad_request", "not_found", ...) with
// Cache-Control: no-store. Bytes of the message that are not UTF-8 (it may
// quote a client's value) become U+FFFD.
Answer error_answer(int status, const std::string& message);

// The HTTP status of a library error: 400, 404, 415, 422 or 500.
int status_of(ErrorCode code);

// A request value as an error message quotes it: in single quotes, at most
// 64 bytes of it.
std::string quote_value(const std::string& value);

}  // namespace khung::http
