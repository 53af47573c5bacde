#pragma once
// One enum's names, declared once beside its enum's functions: its parse_x
// and x_name read the same table, so the faces (CLI, HTTP, Python) can
// neither disagree on a name nor forget one.
//
// The rule for every face: a name is matched exactly (lower case, as
// printed); an alias (an `alias` entry, "jpg") is accepted and never
// printed or listed.

#include "khung/error.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace khung::detail {

template <class E>
struct EnumName {
  const char* name;
  E value;
  bool alias = false;
};

template <class E>
std::optional<E> find_enum(std::span<const EnumName<E>> table, std::string_view text) {
  for (const EnumName<E>& e : table)
    if (text == e.name) return e.value;
  return std::nullopt;
}

// "'jpg2' is not one of: png, jpeg, webp" (at most 64 bytes of the text,
// as the HTTP face quotes a value).
template <class E>
std::string not_one_of(std::span<const EnumName<E>> table, std::string_view text) {
  std::string list;
  for (const EnumName<E>& e : table)
    if (!e.alias) list += (list.empty() ? "" : ", ") + std::string(e.name);
  const std::string shown = text.size() <= 64 ? std::string(text) : std::string(text.substr(0, 64)) + "...";
  return "'" + shown + "' is not one of: " + list;
}

// Throws Error(InvalidArgument) "<what>: " + not_one_of().
template <class E>
E parse_enum(std::span<const EnumName<E>> table, std::string_view text, std::string_view what) {
  if (auto found = find_enum(table, text)) return *found;
  throw Error(ErrorCode::InvalidArgument, std::string(what) + ": " + not_one_of(table, text));
}

template <class E>
const char* enum_name(std::span<const EnumName<E>> table, E value) {
  for (const EnumName<E>& e : table)
    if (!e.alias && e.value == value) return e.name;
  return "unknown";
}

}  // namespace khung::detail
