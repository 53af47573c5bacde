// Placeholders: the {{name}} parts of template texts.
#include "khung/error.hpp"
#include "template/template_data.hpp"

#include <algorithm>

namespace khung::detail {

std::vector<Placeholder> find_placeholders(std::string_view text, bool filters) {
  std::vector<Placeholder> out;
  std::size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    std::size_t close = text.find("}}", pos + 2);
    if (close == std::string_view::npos) throw Error(ErrorCode::Template, "unclosed '{{' at byte " + std::to_string(pos));
    std::string_view inner = text.substr(pos + 2, close - pos - 2);
    while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
    while (!inner.empty() && inner.back() == ' ') inner.remove_suffix(1);
    std::string_view name = inner, filter;
    if (auto bar = inner.find('|'); filters && bar != std::string_view::npos) {
      name = inner.substr(0, bar);
      filter = inner.substr(bar + 1);
    }
    auto word = [](std::string_view w) {
      return !w.empty() && w.size() <= 64 && std::all_of(w.begin(), w.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      });
    };
    if (!word(name) || (filter.data() && !word(filter)))
      throw Error(ErrorCode::Template, "placeholder '{{" + std::string(text.substr(pos + 2, close - pos - 2)) +
                                           "}}': names are letters, digits, '_' and '-'");
    out.push_back({pos, close + 2, std::string(inner)});
    pos = close + 2;
  }
  return out;
}

FieldText::FieldText(std::string text) : text_(std::move(text)), placeholders_(find_placeholders(text_)) {}

std::string FieldText::fill(const std::function<const std::string&(const std::string& name)>& value) const {
  std::string out;
  std::size_t pos = 0;
  for (const Placeholder& p : placeholders_) {
    const std::string& v = value(p.name);
    out.append(text_, pos, p.begin - pos);
    out += v;
    pos = p.end;
  }
  out.append(text_, pos, std::string::npos);
  return out;
}

}  // namespace khung::detail
