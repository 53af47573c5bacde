#include "khung/signing.hpp"

#include "khung/error.hpp"
#include "text/utf8.hpp"

#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

#include <array>
#include <cstdint>
#include <vector>

namespace khung {
namespace {

std::string hex(const unsigned char* bytes, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  return out;
}

// HMAC-SHA256 of "<path>?<query>" (or just the path when the query is empty).
std::array<unsigned char, 32> mac(std::string_view path, std::string_view query, std::string_view key) {
  std::string message(path);
  if (!query.empty()) message.append("?").append(query);
  hmac_sha256_ctx ctx;
  hmac_sha256_set_key(&ctx, key.size(), reinterpret_cast<const std::uint8_t*>(key.data()));
  hmac_sha256_update(&ctx, message.size(), reinterpret_cast<const std::uint8_t*>(message.data()));
  std::array<unsigned char, SHA256_DIGEST_SIZE> out{};
  hmac_sha256_digest(&ctx, out.size(), out.data());
  return out;
}

// The '&'-separated parameters of a raw query, as views into it.
std::vector<std::string_view> split_query(std::string_view query) {
  std::vector<std::string_view> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    out.push_back(query.substr(0, amp));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

bool is_sig(std::string_view param) { return param.substr(0, 4) == "sig="; }

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Characters no browser encodes in a path: RFC 3986's unreserved characters
// and sub-delimiters (but the apostrophe, which browsers encode in a query),
// ':', '@' and '/'; a query also keeps '?'.
bool kept(char c, bool query) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&()*+,;=:@/").find(c) != std::string_view::npos || (query && c == '?');
}

// "." or ".." however it is spelt ("%2e", ".%2E"): a segment a browser removes.
bool is_dot_segment(std::string_view segment) {
  std::string s(segment);
  for (char& c : s) c = c == 'E' ? 'e' : c;
  return s == "." || s == ".." || s == "%2e" || s == ".%2e" || s == "%2e." || s == "%2e%2e";
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, data.size(), reinterpret_cast<const std::uint8_t*>(data.data()));
  unsigned char digest[SHA256_DIGEST_SIZE];
  sha256_digest(&ctx, sizeof digest, digest);
  return hex(digest, sizeof digest);
}

std::string browser_form(std::string_view path_and_query) {
  if (std::size_t bad = detail::find_invalid_utf8(path_and_query); bad != std::string_view::npos)
    throw Error(ErrorCode::InvalidArgument, "url: invalid UTF-8 at byte " + std::to_string(bad));
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  out.reserve(path_and_query.size() * 3);
  bool query = false;
  std::size_t segment = 0;  // where the current path segment starts in `out`
  auto end_segment = [&] {
    if (is_dot_segment(std::string_view(out).substr(segment)))
      throw Error(ErrorCode::InvalidArgument, "url '" + std::string(path_and_query) +
                                                  "': a '.' or '..' segment, which a browser would remove from the path");
  };
  for (std::size_t i = 0; i < path_and_query.size(); ++i) {
    const char c = path_and_query[i];
    if (!query && (c == '/' || c == '?')) {
      end_segment();
      if (c == '?') query = true;
      out += c;
      segment = out.size();
    } else if (c == '%' && i + 2 < path_and_query.size() && is_hex(path_and_query[i + 1]) &&
               is_hex(path_and_query[i + 2])) {
      out.append(path_and_query.substr(i, 3));  // an escape: kept as written
      i += 2;
    } else if (kept(c, query)) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += digits[b >> 4];
      out += digits[b & 15];
    }
  }
  if (!query) end_segment();
  return out;
}

std::string sign_url(std::string_view path_and_query, std::string_view key) {
  if (key.empty()) throw Error(ErrorCode::InvalidArgument, "signing key: is empty");
  if (path_and_query.empty() || path_and_query[0] != '/')
    throw Error(ErrorCode::InvalidArgument, "url '" + std::string(path_and_query) + "': must start with '/'");
  const std::string url = browser_form(path_and_query);
  auto q = url.find('?');
  std::string_view path = std::string_view(url).substr(0, q);
  std::string_view query = q == std::string::npos ? std::string_view() : std::string_view(url).substr(q + 1);
  for (auto p : split_query(query))
    if (is_sig(p)) throw Error(ErrorCode::InvalidArgument, "url '" + std::string(path_and_query) + "': already signed");
  auto m = mac(path, query, key);
  std::string out = url;
  out += query.empty() ? (q == std::string::npos ? "?" : "") : "&";
  return out + "sig=" + hex(m.data(), m.size());
}

SignatureCheck check_signature(std::string_view path, std::string_view query, std::string_view key) {
  std::vector<std::string_view> params = split_query(query);
  std::size_t at = params.size(), count = 0;
  for (std::size_t i = 0; i < params.size(); ++i)
    if (is_sig(params[i])) {
      at = i;
      ++count;
    }
  if (count == 0) return SignatureCheck::Missing;
  if (count > 1) return SignatureCheck::Duplicated;
  // The signed text is every other parameter, joined again in order.
  std::string rest;
  for (std::size_t i = 0; i < params.size(); ++i)
    if (i != at) rest.append(rest.empty() ? "" : "&").append(params[i]);
  std::string_view given = params[at].substr(4);
  auto expected = mac(path, rest, key);
  std::string want = hex(expected.data(), expected.size());
  if (given.size() != want.size()) return SignatureCheck::Invalid;
  return memeql_sec(given.data(), want.data(), want.size()) ? SignatureCheck::Valid : SignatureCheck::Invalid;
}

}  // namespace khung
