// The JSON reader: an array of objects, one per row, read one element at a
// time (data.hpp describes what it takes and refuses).

#include "batch/row_source.hpp"
#include "text/utf8.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <set>

namespace khung::detail {
namespace {

// As for CSV (csv_source.cpp): a file saved in the computer's legacy code page.
constexpr const char* kJsonNotUtf8 = "invalid UTF-8: the file is in another encoding (Windows-1258?); save it as UTF-8";

bool json_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Receives nlohmann's SAX events for one array element and keeps its
// top-level keys and values. Row problems are noted, not thrown, so the
// element is still checked to its end: a syntax error anywhere in it is
// reported the same way whether or not the row also has a problem.
class ElementReader {
 public:
  using json = nlohmann::json;

  Values values;
  std::string problem;       // without the "row N (line L): " part
  std::string kind;          // what the element is when it is not an object
  std::size_t error_at = 0;  // byte offset of a syntax error
  std::string error;         // its description

  bool null() { return value("", "null"); }
  bool boolean(bool b) { return value(b ? "true" : "false", "a boolean"); }
  bool number_integer(json::number_integer_t n) { return value(std::to_string(n), "a number"); }
  bool number_unsigned(json::number_unsigned_t n) { return value(std::to_string(n), "a number"); }
  // The number as written (3.50 stays 3.50, 1e3 stays 1e3), not as a double
  // would print it.
  bool number_float(json::number_float_t, const std::string& text) { return value(text, "a number"); }
  bool string(std::string& s) { return value(std::move(s), "a string"); }
  bool binary(json::binary_t&) { return true; }  // not produced by JSON text

  bool start_object(std::size_t) { return open("an object", true); }
  bool start_array(std::size_t) { return open("an array", false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string& k) {
    if (depth_ != 1) return true;
    if (k.empty()) note("a key is empty");
    if (k.size() > kMaxCellBytes) note("a key is longer than " + megabytes(kMaxCellBytes));
    if (!keys_.insert(k).second) note("key '" + k + "' appears twice");
    key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    error_at = position;
    // nlohmann's message is "[json.exception.parse_error.101] parse error at
    // line 1, column 5: <why>"; the position is given in the file's terms
    // by the caller, so only <why> is kept.
    std::string_view what = e.what();
    std::size_t colon = what.find(": ");
    error = colon == std::string_view::npos ? std::string(what) : std::string(what.substr(colon + 2));
    // "; last read: '...'" quotes raw bytes, which may end inside a UTF-8
    // sequence (the parser reads bytes); messages must stay valid UTF-8
    // for the faces that put them into JSON.
    std::size_t quote = error.find("; last read: ");
    if (quote != std::string::npos && find_invalid_utf8(error) != std::string::npos) error.erase(quote);
    return false;
  }

 private:
  bool value(std::string v, const char* what) {
    if (depth_ == 0) {
      kind = what;
    } else if (depth_ == 1) {
      if (v.size() > kMaxCellBytes) note("key '" + key_ + "': the value is longer than " + megabytes(kMaxCellBytes));
      values.emplace_back(key_, std::move(v));
    }
    return true;
  }

  bool open(const char* what, bool object) {
    if (depth_ == 0 && !object) kind = what;
    if (depth_ == 1)
      note("key '" + key_ + "': " + what + " is not a value (values are strings, numbers, booleans or null)");
    ++depth_;
    return true;
  }

  bool close() {
    --depth_;
    return true;
  }

  void note(std::string why) {
    if (problem.empty()) problem = std::move(why);
  }

  int depth_ = 0;
  std::string key_;
  std::set<std::string, std::less<>> keys_;
};

// A JSON array of objects, read one element at a time: the array's
// brackets and commas are found here (outside strings, at nesting depth 0),
// and each element's text is handed to nlohmann's SAX parser, so memory is
// bounded by the longest element, not the file.
class JsonSource final : public RowSource {
 public:
  explicit JsonSource(const std::filesystem::path& path) : path_(path), in_(path) {
    skip_byte_order_mark(in_, path);
    skip_space();
    int c = in_.get();
    if (c < 0)
      throw Error(ErrorCode::InvalidArgument,
                  data_prefix(path_) + "the file is empty; expected a JSON array of objects, one per row");
    if (c != '[') fail(line_, "expected a JSON array of objects, one per row ([{\"column\": \"value\"}, ...])");
    skip_space();
    if (in_.peek() == ']') {
      in_.get();
      finish();
    }
  }

  bool read(RawRow& row) override {
    if (done_) return false;
    skip_space();
    std::size_t first_line = line_;
    std::string text;
    bool last = take_element(text);
    if (text.empty()) fail(first_line, "invalid JSON: a value is missing (two commas, or a comma before ']')");
    ++number_;
    if (last) finish();

    row.line = 0;
    row.values.clear();
    row.problem.clear();
    auto where = [&](std::size_t line) {
      return "row " + std::to_string(number_) + " (line " + std::to_string(line) + "): ";
    };
    std::size_t bad = find_invalid_utf8(text);
    if (bad != std::string_view::npos) {
      row.problem = where(line_at(text, bad, first_line)) + kJsonNotUtf8;
      return true;
    }
    ElementReader element;
    if (!nlohmann::json::sax_parse(text, &element))
      fail(line_at(text, element.error_at == 0 ? 0 : element.error_at - 1, first_line),
           "invalid JSON: " + element.error);
    if (!element.kind.empty())
      row.problem = where(first_line) + "must be an object ({\"column\": \"value\", ...}), not " + element.kind;
    else if (!element.problem.empty())
      row.problem = where(first_line) + element.problem;
    else
      row.values = std::move(element.values);
    return true;
  }

 private:
  [[noreturn]] void fail(std::size_t line, const std::string& why) const { fail_at_line(path_, line, why); }

  void skip_space() {
    while (json_space(in_.peek()))
      if (in_.get() == '\n') ++line_;
  }

  // Copies one element's text up to the ',' or ']' that ends it (consumed,
  // not copied). Returns true when the array ended with it.
  bool take_element(std::string& text) {
    std::size_t depth = 0;
    bool quoted = false, escaped = false;
    for (;;) {
      int c = in_.get();
      if (c < 0) fail(line_, "invalid JSON: the file ends before the array's closing ']'");
      if (c == '\n') ++line_;
      if (quoted) {
        if (escaped)
          escaped = false;
        else if (c == '\\')
          escaped = true;
        else if (c == '"')
          quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (depth > 0 && (c == '}' || c == ']')) {
        --depth;
      } else if (depth == 0 && (c == ',' || c == ']')) {
        while (!text.empty() && json_space(static_cast<unsigned char>(text.back()))) text.pop_back();
        return c == ']';
      }
      // A stray '}' at depth 0 is copied: the parser then reports it.
      text.push_back(static_cast<char>(c));
      if (text.size() > kMaxRowBytes)
        fail(line_, "row " + std::to_string(number_ + 1) + " is longer than " + megabytes(kMaxRowBytes));
    }
  }

  // After the closing ']' only white space may follow.
  void finish() {
    done_ = true;
    skip_space();
    if (in_.peek() >= 0) fail(line_, "invalid JSON: text after the array's closing ']'");
  }

  std::filesystem::path path_;
  ByteReader in_;
  std::size_t line_ = 1;
  std::size_t number_ = 0;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<RowSource> open_json(const std::filesystem::path& path) { return std::make_unique<JsonSource>(path); }

}  // namespace khung::detail
