#include "khung/data.hpp"

#include "khung/error.hpp"
#include "text/utf8.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <string_view>
#include <utility>

namespace khung {
namespace {

// One cell (CSV) or one value (JSON) may hold at most this much: far above
// any banner text, and what keeps a quote left open from swallowing the
// whole file into memory.
constexpr std::size_t kMaxCellBytes = 1u << 20;
// The stored cells of one row together, and the text of one JSON element.
constexpr std::size_t kMaxRowBytes = 16u << 20;
// Columns of a table (CSV header cells, distinct JSON keys): each costs a
// string in every row, so they are bounded too.
constexpr std::size_t kMaxColumns = 10000;
constexpr std::size_t kChunkBytes = 64u << 10;

std::string megabytes(std::size_t bytes) { return std::to_string(bytes >> 20) + " MB"; }

// "data 'x.csv': " before every message.
std::string prefix(const std::filesystem::path& path) { return "data '" + path.string() + "': "; }

// A column name and its value, in the order of the file.
using Values = std::vector<std::pair<std::string, std::string>>;

// One row as a format reads it. `problem` holds what is wrong with this row
// alone (too many cells, invalid UTF-8, a nested JSON value): the row is
// fully read, so the reader can go on with the next one. Errors that break
// the file itself are thrown instead.
struct RawRow {
  std::size_t line = 0;
  Values values;
  std::string problem;
};

// Reads a file front to back through a fixed-size buffer. peek() can look
// further ahead, which grows the buffer only by what it looks at.
class ByteReader {
 public:
  explicit ByteReader(const std::filesystem::path& path) : path_(path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error(ErrorCode::Io, prefix(path) + "is a folder, not a file");
    file_.reset(std::fopen(path.c_str(), "rb"));
    if (!file_) throw Error(ErrorCode::Io, prefix(path) + std::strerror(errno));
  }

  // The next byte (0..255), or -1 at the end of the file.
  int get() {
    if (pos_ < buf_.size() || fill(1)) return static_cast<unsigned char>(buf_[pos_++]);
    return -1;
  }

  // The byte `ahead` places after the next one, without consuming it; -1
  // past the end.
  int peek(std::size_t ahead = 0) {
    if (pos_ + ahead < buf_.size() || fill(ahead + 1)) return static_cast<unsigned char>(buf_[pos_ + ahead]);
    return -1;
  }

  void skip(std::size_t n) {
    fill(n);
    pos_ = std::min(pos_ + n, buf_.size());
  }

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };

  // Makes `need` unread bytes available if the file has them.
  bool fill(std::size_t need) {
    if (pos_ > 0) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    while (buf_.size() < need && !eof_) {
      std::size_t old = buf_.size();
      buf_.resize(old + kChunkBytes);
      std::size_t n = std::fread(buf_.data() + old, 1, kChunkBytes, file_.get());
      buf_.resize(old + n);
      if (n < kChunkBytes) {
        if (std::ferror(file_.get())) throw Error(ErrorCode::Io, prefix(path_) + std::strerror(errno));
        eof_ = true;
      }
    }
    return buf_.size() >= need;
  }

  std::filesystem::path path_;
  std::unique_ptr<std::FILE, Closer> file_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
};

// A table format: CSV or JSON.
class RowSource {
 public:
  virtual ~RowSource() = default;
  // Reads the next row into `row`; false at the end. Throws Error when the
  // file itself is broken (after which the source is unusable).
  virtual bool read(RawRow& row) = 0;
};

// What is wrong with a byte that is not UTF-8, and how to fix it: such a
// file is most often Excel's "CSV (Comma delimited)", saved in the
// computer's legacy code page (Windows-1258 for Vietnamese).
constexpr const char* kCsvNotUtf8 =
    "invalid UTF-8: the file is in another encoding (Windows-1258?); in Excel, save it as "
    "\"CSV UTF-8 (Comma delimited)\"";
constexpr const char* kJsonNotUtf8 = "invalid UTF-8: the file is in another encoding (Windows-1258?); save it as UTF-8";

// Spreadsheets (Excel, Google Sheets, LibreOffice) save UTF-8 with or
// without a byte-order mark, which is skipped. Two mistakes designers make
// are told apart rather than reported as invalid UTF-8: UTF-16 text (Excel's
// "Unicode text") and the workbook itself (.xlsx and .ods are ZIP files,
// .xls an OLE2 compound file).
void skip_byte_order_mark(ByteReader& in, const std::filesystem::path& path) {
  int b0 = in.peek(0), b1 = in.peek(1), b2 = in.peek(2), b3 = in.peek(3);
  if ((b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF))
    throw Error(ErrorCode::InvalidArgument, prefix(path) + "the file is UTF-16 text; save it as CSV UTF-8 or JSON");
  if ((b0 == 'P' && b1 == 'K' && b2 == 3 && b3 == 4) || (b0 == 0xD0 && b1 == 0xCF && b2 == 0x11 && b3 == 0xE0))
    throw Error(ErrorCode::InvalidArgument,
                prefix(path) + "the file is a spreadsheet workbook, not text; save it as CSV UTF-8");
  if (b0 == 0xEF && b1 == 0xBB && b2 == 0xBF) in.skip(3);
}

// The line a byte of `text` is on, when `text` starts on line `first`.
std::size_t line_at(std::string_view text, std::size_t offset, std::size_t first) {
  offset = std::min(offset, text.size());
  return first +
         static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// ---- CSV ----------------------------------------------------------------

// One CSV record as the tokenizer leaves it.
struct Record {
  std::size_t line = 0;                 // line where the record starts
  std::vector<std::string> cells;       // the first `limit` cells
  std::vector<std::size_t> cell_lines;  // line where each stored cell starts
  std::size_t count = 0;                // all cells, stored or not
  bool blank = true;                    // no cell holds anything
  std::string problem;                  // text after a closing quote
};

class CsvSource final : public RowSource {
 public:
  explicit CsvSource(const std::filesystem::path& path) : path_(path), in_(path) {
    skip_byte_order_mark(in_, path);
    separator_ = detect_separator();
    read_header();
  }

  const std::vector<std::string>& columns() const { return columns_; }

  bool read(RawRow& row) override {
    do {
      if (!read_record(record_, columns_.size())) return false;
    } while (record_.blank);

    row.line = record_.line;
    row.values.clear();
    row.problem.clear();
    if (!record_.problem.empty()) {
      row.problem = record_.problem;
    } else if (record_.count > columns_.size()) {
      row.problem = "line " + std::to_string(record_.line) + ": " + std::to_string(record_.count) +
                    " cells, but the header has " + std::to_string(columns_.size()) +
                    (columns_.size() == 1 ? " column" : " columns");
    } else if (auto bad = invalid_cell(record_)) {
      row.problem = "line " + std::to_string(*bad) + ": " + kCsvNotUtf8;
    }
    if (!row.problem.empty()) return true;

    row.values.reserve(columns_.size());
    for (std::size_t i = 0; i < columns_.size(); ++i)
      row.values.emplace_back(columns_[i], i < record_.cells.size() ? std::move(record_.cells[i]) : std::string());
    return true;
  }

 private:
  [[noreturn]] void fail(std::size_t line, const std::string& why) const {
    throw Error(ErrorCode::InvalidArgument, prefix(path_) + "line " + std::to_string(line) + ": " + why);
  }

  // ',' or ';', whichever the header line has more of outside quotes (a tie,
  // such as a single column, is ','). Excel writes ';' where the decimal
  // separator is a comma. Looks ahead without consuming.
  char detect_separator() {
    std::size_t i = 0;
    for (int c = in_.peek(i); c == '\r' || c == '\n'; c = in_.peek(++i)) {
    }
    std::size_t commas = 0, semicolons = 0;
    bool quoted = false;
    for (std::size_t n = 0; n < kMaxRowBytes; ++n, ++i) {
      int c = in_.peek(i);
      if (c < 0 || (!quoted && (c == '\r' || c == '\n'))) break;
      if (c == '"') quoted = !quoted;  // a doubled quote flips twice
      if (!quoted && c == ',') ++commas;
      if (!quoted && c == ';') ++semicolons;
    }
    return semicolons > commas ? ';' : ',';
  }

  void read_header() {
    Record header;
    do {
      if (!read_record(header, kMaxColumns + 1)) return;  // an empty file: no columns, no rows
    } while (header.blank);
    if (!header.problem.empty()) throw Error(ErrorCode::InvalidArgument, prefix(path_) + header.problem);
    if (header.count > kMaxColumns) fail(header.line, "more than " + std::to_string(kMaxColumns) + " columns");
    if (auto bad = invalid_cell(header)) fail(*bad, kCsvNotUtf8);

    for (std::size_t i = 0; i < header.cells.size(); ++i) {
      std::string_view name = header.cells[i];
      std::size_t first = name.find_first_not_of(" \t");
      name = first == std::string_view::npos ? std::string_view()
                                             : name.substr(first, name.find_last_not_of(" \t") - first + 1);
      std::string column = "column " + std::to_string(i + 1);
      if (name.empty()) fail(header.line, column + " of the header has no name");
      auto same = std::find(columns_.begin(), columns_.end(), name);
      if (same != columns_.end())
        fail(header.line, column + " of the header repeats the name '" + std::string(name) + "' of column " +
                              std::to_string(same - columns_.begin() + 1));
      columns_.emplace_back(name);
    }
  }

  // The line of the first invalid UTF-8 byte in the record's cells, if any.
  static std::optional<std::size_t> invalid_cell(const Record& r) {
    for (std::size_t i = 0; i < r.cells.size(); ++i) {
      std::size_t at = detail::find_invalid_utf8(r.cells[i]);
      if (at != std::string_view::npos) return line_at(r.cells[i], at, r.cell_lines[i]);
    }
    return std::nullopt;
  }

  // Reads one record (RFC 4180) and stores its first `limit` cells; the rest
  // are only counted, so a row far wider than the header costs no memory.
  // Returns false at the end of the file. Line ends are CRLF, LF or a lone
  // CR (Excel for Mac's "CSV (Macintosh)"); inside quotes they are kept
  // as they are.
  bool read_record(Record& r, std::size_t limit) {
    r.line = line_;
    r.cells.clear();
    r.cell_lines.clear();
    r.count = 0;
    r.blank = true;
    r.problem.clear();

    enum class State { Start, Unquoted, Quoted, AfterQuote } state = State::Start;
    std::string cell;
    std::size_t cell_bytes = 0, row_bytes = 0, cell_line = line_;
    bool any = false;  // anything read for this record, even a separator

    auto add = [&](int c) {
      if (++cell_bytes > kMaxCellBytes)
        fail(cell_line, "a cell is longer than " + megabytes(kMaxCellBytes) + " (is a quote left open?)");
      if (r.count < limit) {
        if (++row_bytes > kMaxRowBytes) fail(r.line, "the row is longer than " + megabytes(kMaxRowBytes));
        cell.push_back(static_cast<char>(c));
      }
      r.blank = false;
    };
    auto end_cell = [&] {
      if (r.count < limit) {
        r.cells.push_back(std::move(cell));
        r.cell_lines.push_back(cell_line);
      }
      ++r.count;
      cell.clear();
      cell_bytes = 0;
      cell_line = line_;
      state = State::Start;
    };
    // A line end outside quotes: CRLF, LF or CR.
    auto line_end = [&](int c) {
      if (c == '\r' && in_.peek() == '\n') in_.get();
      ++line_;
    };

    for (;;) {
      int c = in_.get();
      if (c < 0) {
        if (state == State::Quoted) fail(cell_line, "unclosed quote");
        if (!any) return false;
        end_cell();
        return true;
      }
      any = true;
      switch (state) {
        case State::Start:
          if (c == '"') {
            state = State::Quoted;
            break;
          }
          state = State::Unquoted;
          [[fallthrough]];
        case State::Unquoted:
        case State::AfterQuote:
          if (c == separator_) {
            end_cell();
          } else if (c == '\n' || c == '\r') {
            line_end(c);
            end_cell();
            return true;
          } else {
            if (state == State::AfterQuote && r.problem.empty())
              r.problem = "line " + std::to_string(cell_line) +
                          ": text after the closing quote of a cell (a quote inside a quoted cell is written \"\")";
            // A quote inside an unquoted cell (5" screen) is kept as a character.
            state = State::Unquoted;
            add(c);
          }
          break;
        case State::Quoted:
          if (c == '"') {
            if (in_.peek() == '"') {
              in_.get();
              add('"');
            } else {
              state = State::AfterQuote;
            }
          } else {
            if (c == '\n' || (c == '\r' && in_.peek() != '\n')) ++line_;
            add(c);
          }
          break;
      }
    }
  }

  std::filesystem::path path_;
  ByteReader in_;
  char separator_ = ',';
  std::size_t line_ = 1;
  std::vector<std::string> columns_;
  Record record_;  // reused, so its buffers are allocated once
};

// ---- JSON ---------------------------------------------------------------

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
    if (quote != std::string::npos && detail::find_invalid_utf8(error) != std::string::npos) error.erase(quote);
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
                  prefix(path_) + "the file is empty; expected a JSON array of objects, one per row");
    if (c != '[')
      throw Error(ErrorCode::InvalidArgument,
                  prefix(path_) + "line " + std::to_string(line_) +
                      ": expected a JSON array of objects, one per row ([{\"column\": \"value\"}, ...])");
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
    std::size_t bad = detail::find_invalid_utf8(text);
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
  [[noreturn]] void fail(std::size_t line, const std::string& why) const {
    throw Error(ErrorCode::InvalidArgument, prefix(path_) + "line " + std::to_string(line) + ": " + why);
  }

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

bool is_json(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".json";
}

}  // namespace

struct DataReader::Impl {
  std::filesystem::path path;
  std::vector<std::string> columns;
  std::unique_ptr<RowSource> source;
  RawRow raw;
  std::size_t number = 0;
  std::optional<Error> broken;  // the error that broke the file, thrown again by every later next()

  explicit Impl(const std::filesystem::path& p) : path(p) {
    if (is_json(path)) {
      // Columns are the keys in order of first appearance over all rows, so
      // a first pass collects them (one element at a time, like the rows).
      // Reading twice needs a regular file: a pipe would be empty the second
      // time. (A missing file or a folder is reported when it is opened.)
      std::error_code ec;
      auto status = std::filesystem::status(path, ec);
      if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status) &&
          !std::filesystem::is_directory(status))
        throw Error(ErrorCode::Io,
                    prefix(path) + "JSON data must be a regular file, not a pipe or device (it is read twice)");
      JsonSource scan(path);
      std::set<std::string, std::less<>> seen;
      while (scan.read(raw)) {
        for (auto& [key, value] : raw.values)
          if (seen.insert(key).second) columns.push_back(key);
        if (columns.size() > kMaxColumns)
          throw Error(ErrorCode::InvalidArgument,
                      prefix(path) + "more than " + std::to_string(kMaxColumns) + " different keys");
      }
      source = std::make_unique<JsonSource>(path);
    } else {
      auto csv = std::make_unique<CsvSource>(path);
      columns = csv->columns();
      source = std::move(csv);
    }
  }
};

DataReader::DataReader(const std::filesystem::path& path) : impl_(std::make_unique<Impl>(path)) {}
DataReader::~DataReader() = default;
DataReader::DataReader(DataReader&&) noexcept = default;
DataReader& DataReader::operator=(DataReader&&) noexcept = default;

const std::vector<std::string>& DataReader::columns() const {
  static const std::vector<std::string> none;
  return impl_ ? impl_->columns : none;
}

const std::filesystem::path& DataReader::path() const {
  static const std::filesystem::path none;
  return impl_ ? impl_->path : none;
}

std::optional<DataRow> DataReader::next() {
  if (!impl_) return std::nullopt;
  Impl& d = *impl_;
  if (d.broken) throw *d.broken;
  try {
    if (!d.source->read(d.raw)) return std::nullopt;
  } catch (const Error& e) {
    d.broken = e;
    throw;
  }
  ++d.number;
  if (!d.raw.problem.empty()) throw Error(ErrorCode::InvalidArgument, prefix(d.path) + d.raw.problem);

  DataRow row;
  row.number = d.number;
  row.line = d.raw.line;
  for (auto& [key, value] : d.raw.values) row.fields.emplace(key, std::move(value));
  // JSON rows may leave out keys that other rows have: every row has every column.
  for (const auto& column : d.columns) row.fields.try_emplace(column);
  return row;
}

std::size_t count_rows(const std::filesystem::path& path) {
  std::unique_ptr<RowSource> source;
  if (is_json(path))
    source = std::make_unique<JsonSource>(path);
  else
    source = std::make_unique<CsvSource>(path);
  RawRow raw;
  std::size_t n = 0;
  while (source->read(raw)) ++n;  // a row with a problem of its own is still a row
  return n;
}

}  // namespace khung
