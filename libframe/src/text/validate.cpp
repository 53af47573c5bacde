// The ranges of TextStyle's and Arc's values (validate.hpp): the one place
// each is decided.
#include "text/validate.hpp"

#include "support/limits.hpp"

#include <cstdio>

namespace khung {
namespace detail {
namespace {

struct Range {
  TextValue value;
  const char* name;  // as messages name it: "line_height", "stroke width"
  double lo, hi;
  const char* unit;  // " px", " degrees" or ""
  bool whole = false;  // an int (printed without a fraction)
};

constexpr Range kRanges[] = {
    {TextValue::Size, "size", 1, 2048, " px"},
    // Its rule is check_min_size's: 0, or between 1 and size.
    {TextValue::MinSize, "min_size", 0, 2048, " px"},
    {TextValue::Weight, "font weight", 100, 900, "", true},
    {TextValue::LineHeight, "line_height", 0.1, 10, ""},
    {TextValue::LetterSpacing, "letter_spacing", -1000, 1000, " px"},
    {TextValue::MaxLines, "max_lines", 0, 1000, "", true},
    {TextValue::StrokeWidth, "stroke width", 0, 256, " px"},
    {TextValue::ShadowDx, "shadow dx", -4096, 4096, " px"},
    {TextValue::ShadowDy, "shadow dy", -4096, 4096, " px"},
    {TextValue::ShadowBlur, "shadow blur", 0, 256, " px"},
    {TextValue::Radius, "radius", 1, 100000, " px"},
    {TextValue::StartAngle, "start_angle", -3600, 3600, " degrees"},
    {TextValue::MaxAngle, "max_angle", 1, 360, " degrees"},
    // As far as a template's coordinates reach, either way.
    {TextValue::CenterX, "center x", -kMaxSide, kMaxSide, " px"},
    {TextValue::CenterY, "center y", -kMaxSide, kMaxSide, " px"},
};

const Range& range_of(TextValue value) {
  for (const Range& r : kRanges)
    if (r.value == value) return r;
  return kRanges[0];  // not reached: every value has its row
}

std::string format_number(double v, bool whole) {
  if (whole) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::optional<BadValue> check(TextValue value, double v) {
  const Range& r = range_of(value);
  if (v >= r.lo && v <= r.hi) return std::nullopt;  // NaN fails
  return BadValue{value, format_number(v, r.whole),
                  "must be between " + format_number(r.lo, false) + " and " + format_number(r.hi, false) + r.unit};
}

// 0 turns auto-fit off; otherwise a size that could be drawn, no larger
// than the largest.
std::optional<BadValue> check_min_size(float min_size, float size) {
  if (min_size == 0 || (min_size >= 1 && min_size <= size)) return std::nullopt;
  std::string rule = min_size > size ? "must not exceed the largest size (" + format_number(size, false) + " px)"
                                     : "must be 0 (no auto-fit) or at least 1 px";
  return BadValue{TextValue::MinSize, format_number(min_size, false), std::move(rule)};
}

}  // namespace

std::optional<BadValue> find_bad_value(const TextStyle& s) {
  if (auto bad = check(TextValue::Size, s.size)) return bad;
  if (auto bad = check_min_size(s.min_size, s.size)) return bad;
  const std::pair<TextValue, double> values[] = {
      {TextValue::Weight, s.font.weight},         {TextValue::LineHeight, s.line_height},
      {TextValue::LetterSpacing, s.letter_spacing}, {TextValue::MaxLines, s.max_lines},
      {TextValue::StrokeWidth, s.stroke.width},   {TextValue::ShadowDx, s.shadow.dx},
      {TextValue::ShadowDy, s.shadow.dy},         {TextValue::ShadowBlur, s.shadow.blur},
  };
  for (const auto& [value, v] : values)
    if (auto bad = check(value, v)) return bad;
  return std::nullopt;
}

std::optional<BadValue> find_bad_value(const Arc& arc) {
  const std::pair<TextValue, double> values[] = {
      {TextValue::Radius, arc.radius},     {TextValue::StartAngle, arc.start_angle},
      {TextValue::MaxAngle, arc.max_angle}, {TextValue::CenterX, arc.center_x},
      {TextValue::CenterY, arc.center_y},
  };
  for (const auto& [value, v] : values)
    if (auto bad = check(value, v)) return bad;
  return std::nullopt;
}

Error bad_value_error(const BadValue& bad) {
  const bool arc = bad.value >= TextValue::Radius;
  return Error(ErrorCode::InvalidArgument,
               std::string(arc ? "arc " : "text ") + range_of(bad.value).name + " " + bad.given + ": " + bad.rule);
}

}  // namespace detail

void validate(const TextStyle& style) {
  if (auto bad = detail::find_bad_value(style)) throw detail::bad_value_error(*bad);
}

void validate(const Arc& arc) {
  if (auto bad = detail::find_bad_value(arc)) throw detail::bad_value_error(*bad);
}

}  // namespace khung
