#pragma once
// A number as a request spells it: the whole text, as std::from_chars reads
// it (no spaces, no '+', no sign for an unsigned type); nullopt for anything
// else. Request parameters and Content-Length are read with it.
//
//   read_number<float>("1.5") == 1.5f;  read_number<int>("12px") == std::nullopt

#include <charconv>
#include <optional>
#include <string_view>
#include <system_error>

namespace khung::http {

template <class T>
std::optional<T> read_number(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace khung::http
