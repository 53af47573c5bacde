#pragma once
// The ranges of the text values, decided once. validate(TextStyle) and
// validate(Arc) throw the first value out of range; the template reader
// reads its keys by type only, asks the same question and puts the rule
// under the JSON key the value came from. So a value is refused by the
// same rule, in the same words, through the API, the CLI, Python and a
// template.

#include "khung/arc_text.hpp"
#include "khung/error.hpp"
#include "khung/text.hpp"

#include <optional>
#include <string>

namespace khung::detail {

// The TextStyle and Arc values that have a range, the Arc's last.
enum class TextValue {
  Size,           // TextStyle::size
  MinSize,        // TextStyle::min_size
  Weight,         // TextStyle::font.weight
  LineHeight,     // TextStyle::line_height
  LetterSpacing,  // TextStyle::letter_spacing
  MaxLines,       // TextStyle::max_lines
  StrokeWidth,    // TextStyle::stroke.width
  ShadowDx,       // TextStyle::shadow.dx
  ShadowDy,       // TextStyle::shadow.dy
  ShadowBlur,     // TextStyle::shadow.blur
  Radius,         // Arc::radius
  StartAngle,     // Arc::start_angle
  MaxAngle,       // Arc::max_angle
  CenterX,        // Arc::center_x
  CenterY,        // Arc::center_y
};

// A value out of its range: which one, as given ("0.05"), and the rule it
// breaks ("must be between 0.1 and 10").
struct BadValue {
  TextValue value;
  std::string given;
  std::string rule;
};

// The first value out of its range, in the order of TextValue; nullopt when
// every value is in range.
std::optional<BadValue> find_bad_value(const TextStyle& style);
std::optional<BadValue> find_bad_value(const Arc& arc);

// Error(InvalidArgument) naming the value as the API does:
// "text line_height 0.05: must be between 0.1 and 10", "arc radius 0: ...".
Error bad_value_error(const BadValue& bad);

}  // namespace khung::detail
