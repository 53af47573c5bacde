#include "organiser.hpp"

#include "khung/error.hpp"

#include <nettle/base64.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace khung::http {
namespace {

std::string base64_decoded(std::string_view text) {
  base64_decode_ctx ctx;
  base64_decode_init(&ctx);
  std::string out(BASE64_DECODE_LENGTH(text.size()), '\0');
  std::size_t length = out.size();
  if (!base64_decode_update(&ctx, &length, reinterpret_cast<std::uint8_t*>(out.data()), text.size(), text.data()) ||
      !base64_decode_final(&ctx))
    return "";
  out.resize(length);
  return out;
}

void digest(std::string_view text, std::uint8_t out[SHA256_DIGEST_SIZE]) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, text.size(), reinterpret_cast<const std::uint8_t*>(text.data()));
  sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
}

Error bad(const std::string& why) { return Error(ErrorCode::InvalidArgument, why); }

}  // namespace

bool token_matches(std::string_view authorization, const std::string& token) {
  std::string given;
  const auto scheme_end = authorization.find(' ');
  const std::string_view scheme = authorization.substr(0, scheme_end);
  std::string_view rest = scheme_end == std::string_view::npos ? "" : authorization.substr(scheme_end + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  const auto is = [&](std::string_view name) {
    return scheme.size() == name.size() &&
           std::equal(scheme.begin(), scheme.end(), name.begin(), [](char a, char b) { return std::tolower(a) == b; });
  };
  if (is("bearer")) {
    given = rest;
  } else if (is("basic")) {
    const std::string pair = base64_decoded(rest);
    const auto colon = pair.find(':');
    if (colon == std::string::npos) return false;
    given = pair.substr(colon + 1);
  } else {
    return false;
  }
  std::uint8_t a[SHA256_DIGEST_SIZE], b[SHA256_DIGEST_SIZE];
  digest(given, a);
  digest(token, b);
  return !token.empty() && memeql_sec(a, b, SHA256_DIGEST_SIZE);
}

bool EventLimiter::allow(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (seen_.size() >= max_addresses_ && !seen_.count(address)) {
    // Forget the addresses with no event in the last minute; if all are
    // busy, start over rather than grow without bound.
    std::erase_if(seen_, [&](const auto& entry) { return entry.second.back() < now - std::chrono::minutes(1); });
    if (seen_.size() >= max_addresses_) seen_.clear();
  }
  auto& times = seen_[address];
  while (!times.empty() && times.front() <= now - std::chrono::minutes(1)) times.pop_front();
  if (static_cast<int>(times.size()) >= per_minute_) return false;
  times.push_back(now);
  return true;
}

Participation read_event(std::string_view body, const Catalog& catalog, std::int64_t now_unix) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception&) {
    throw bad("event: not valid JSON");
  }
  if (!j.is_object()) throw bad("event: must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "template" && key != "unit" && key != "device" && key != "kind")
      throw bad("event: unknown key '" + key + "' (expected template, unit, device, kind)");
    if (!value.is_string()) throw bad(key + ": must be a string");
  }
  const auto text = [&](const char* key) { return j.contains(key) ? j[key].get<std::string>() : std::string(); };
  Participation e{text("template"), text("unit"), text("device"), text("kind"), now_unix};
  if (e.template_id.empty()) throw bad("template: missing");
  validate(e);
  if (!catalog.find(e.template_id)) throw bad("template: '" + e.template_id + "' is not a template of this service");
  if (!e.unit.empty()) {
    const auto& units = catalog.campaign ? catalog.campaign->units : std::vector<std::string>{};
    if (std::find(units.begin(), units.end(), e.unit) == units.end())
      throw bad("unit: '" + e.unit + "' is not one of the campaign's units");
  }
  return e;
}

}  // namespace khung::http
