#include "answer.hpp"

#include <nlohmann/json.hpp>

namespace khung::http {
namespace {

const char* status_code_name(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 409: return "conflict";
    case 415: return "unsupported_media_type";
    case 422: return "unprocessable_image";
    case 429: return "too_many_requests";
    case 431: return "headers_too_large";
    case 503: return "overloaded";
    default: return status >= 500 ? "internal" : "bad_request";
  }
}

}  // namespace

Answer error_answer(int status, const std::string& message) {
  nlohmann::json body = {{"error", {{"code", status_code_name(status)}, {"message", message}}}};
  Answer a{status, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
  a.headers.emplace_back("Cache-Control", "no-store");  // errors are never cached
  return a;
}

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

std::string quote_value(const std::string& value) {
  return "'" + (value.size() <= 64 ? value : value.substr(0, 64) + "...") + "'";
}

}  // namespace khung::http
