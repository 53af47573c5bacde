#pragma once
// Signed render URLs. An open GET /v1/render would let anyone print any
// words on the union's banner; with a key, only URLs the website signed
// render. The signature is HMAC-SHA256 over the path and the query without
// its `sig` parameter, bytes as sent, parameters in the order sent. A URL is
// signed in the form a browser sends it, so what a page links to is what
// the server checks.
//
//   std::string url = sign_url("/v1/render/cover?unit=Công đoàn", key);
//   // "/v1/render/cover?unit=C%C3%B4ng%20%C4%91o%C3%A0n&sig=3f9a..."

#include <string>
#include <string_view>

namespace khung {

// A path and query in the form every browser sends it: what a browser
// percent-encodes is encoded (a space as %20, each UTF-8 byte of a
// non-ASCII character as %XX, " # ' < > and control characters), and so is
// ` { } | ^ [ ] \ , which some browsers leave as it is, so that no browser
// changes the result. Escapes already there (%C3, %c3) are kept as they
// are; a '%' that starts none becomes %25. Letters, digits and
// - . _ ~ ! $ & ( ) * + , ; = : @ / stay, and '?' after the first. A URL
// already in this form comes back unchanged.
//   browser_form("/v1/render/cover?unit=Công đoàn")
//   // "/v1/render/cover?unit=C%C3%B4ng%20%C4%91o%C3%A0n"
// Throws Error(InvalidArgument) for invalid UTF-8 and for a '.' or '..' path
// segment (a browser removes it, so the server would see another path).
std::string browser_form(std::string_view path_and_query);

// Appends "sig=<64 lower-case hex digits>" to browser_form(path_and_query),
// signed in that form: a path with or without a query, encoded or not.
// Throws Error(InvalidArgument) for an empty key, a URL that does not start
// with '/', one that already has a sig parameter, and what browser_form
// refuses.
std::string sign_url(std::string_view path_and_query, std::string_view key);

enum class SignatureCheck {
  Valid,
  Missing,     // no sig parameter
  Duplicated,  // more than one sig parameter
  Invalid,     // wrong signature, or not 64 hex digits
};

// Checks a request's path and raw query (as received, without '?'; not
// decoded: the bytes a browser sent for a sign_url URL are that URL's). The
// sig parameter is found by position among the '&'-separated parameters,
// never by searching the text, and compared in constant time.
SignatureCheck check_signature(std::string_view path, std::string_view query, std::string_view key);

// Lower-case hex SHA-256 of the bytes, for ETags and fingerprints.
std::string sha256_hex(std::string_view data);

}  // namespace khung
