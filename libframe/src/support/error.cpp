#include "khung/error.hpp"

namespace khung {

const char* error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::InvalidArgument: return "invalid_argument";
    case ErrorCode::NotFound: return "not_found";
    case ErrorCode::Io: return "io";
    case ErrorCode::Font: return "font";
    case ErrorCode::Layout: return "layout";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Image: return "image";
    case ErrorCode::Template: return "template";
  }
  return "unknown";
}

}  // namespace khung
