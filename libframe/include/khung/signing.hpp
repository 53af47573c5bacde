#pragma once
// Signed render URLs. An open GET /v1/render would let anyone print any
// words on the union's banner; with a key, only URLs the website signed
// render. The signature is HMAC-SHA256 over the path and the query without
// its `sig` parameter, bytes as sent, parameters in the order sent.
//
//   std::string url = sign_url("/v1/render/cover?unit=C%C3%B4ng%20%C4%91o%C3%A0n", key);
//   // "/v1/render/cover?unit=C%C3%B4ng%20%C4%91o%C3%A0n&sig=3f9a..."

#include <string>
#include <string_view>

namespace khung {

// Appends "sig=<64 lower-case hex digits>" to a path with or without a
// query. Throws Error(InvalidArgument) for an empty key, a URL that does not
// start with '/', or one that already has a sig parameter.
std::string sign_url(std::string_view path_and_query, std::string_view key);

enum class SignatureCheck {
  Valid,
  Missing,     // no sig parameter
  Duplicated,  // more than one sig parameter
  Invalid,     // wrong signature, or not 64 hex digits
};

// Checks a request's path and raw query (as received, without '?'). The sig
// parameter is found by position among the '&'-separated parameters, never
// by searching the text, and compared in constant time.
SignatureCheck check_signature(std::string_view path, std::string_view query, std::string_view key);

// Lower-case hex SHA-256 of the bytes, for ETags and fingerprints.
std::string sha256_hex(std::string_view data);

}  // namespace khung
