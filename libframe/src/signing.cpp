#include "khung/signing.hpp"

#include "khung/error.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
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
  std::array<unsigned char, 32> out{};
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), out.data(), &len);
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

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return hex(digest, len);
}

std::string sign_url(std::string_view path_and_query, std::string_view key) {
  if (key.empty()) throw Error(ErrorCode::InvalidArgument, "signing key: is empty");
  if (path_and_query.empty() || path_and_query[0] != '/')
    throw Error(ErrorCode::InvalidArgument, "url '" + std::string(path_and_query) + "': must start with '/'");
  auto q = path_and_query.find('?');
  std::string_view path = path_and_query.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : path_and_query.substr(q + 1);
  for (auto p : split_query(query))
    if (is_sig(p)) throw Error(ErrorCode::InvalidArgument, "url '" + std::string(path_and_query) + "': already signed");
  auto m = mac(path, query, key);
  std::string out(path_and_query);
  out += query.empty() ? (q == std::string_view::npos ? "?" : "") : "&";
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
  return CRYPTO_memcmp(given.data(), want.data(), want.size()) == 0 ? SignatureCheck::Valid : SignatureCheck::Invalid;
}

}  // namespace khung
