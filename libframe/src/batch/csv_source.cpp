// The CSV reader: RFC 4180 as Excel, Google Sheets and LibreOffice save it
// (data.hpp describes what it takes and refuses).

#include "batch/row_source.hpp"
#include "text/utf8.hpp"

#include <algorithm>
#include <optional>

namespace khung::detail {
namespace {

// What is wrong with a byte that is not UTF-8, and how to fix it: such a
// file is most often Excel's "CSV (Comma delimited)", saved in the
// computer's legacy code page (Windows-1258 for Vietnamese).
constexpr const char* kCsvNotUtf8 =
    "invalid UTF-8: the file is in another encoding (Windows-1258?); in Excel, save it as "
    "\"CSV UTF-8 (Comma delimited)\"";

// One CSV record as RecordReader leaves it.
struct Record {
  std::size_t line = 0;                 // line where the record starts
  std::vector<std::string> cells;       // the first `limit` cells
  std::vector<std::size_t> cell_lines;  // line where each stored cell starts
  std::size_t count = 0;                // all cells, stored or not
  bool blank = true;                    // no cell holds anything
  std::string problem;                  // text after a closing quote
};

// Splits a CSV file into records (RFC 4180), byte by byte. Line ends are
// CRLF, LF or a lone CR (Excel for Mac's "CSV (Macintosh)"); inside quotes
// they are kept as they are.
class RecordReader {
 public:
  explicit RecordReader(const std::filesystem::path& path) : path_(path), in_(path) {
    skip_byte_order_mark(in_, path);
    separator_ = detect_separator();
  }

  // Reads one record and stores its first `limit` cells; the rest are only
  // counted, so a row far wider than the header costs no memory. Returns
  // false at the end of the file.
  bool read(Record& r, std::size_t limit) {
    start_record(r, limit);
    bool any = false;  // anything read for this record, even a separator
    for (int c = in_.get(); c >= 0; c = in_.get()) {
      any = true;
      if (state_ != State::Quoted) {
        if (outside_quotes(r, c)) return true;
      } else {
        inside_quotes(r, c);
      }
    }
    if (state_ == State::Quoted) fail(cell_line_, "unclosed quote");
    if (!any) return false;
    end_cell(r);
    return true;
  }

 private:
  enum class State { Start, Unquoted, Quoted, AfterQuote };

  [[noreturn]] void fail(std::size_t line, const std::string& why) const { fail_at_line(path_, line, why); }

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

  void start_record(Record& r, std::size_t limit) {
    r.line = line_;
    r.cells.clear();
    r.cell_lines.clear();
    r.count = 0;
    r.blank = true;
    r.problem.clear();
    limit_ = limit;
    state_ = State::Start;
    cell_.clear();
    cell_bytes_ = row_bytes_ = 0;
    cell_line_ = line_;
  }

  // A byte outside quotes (at a cell's start, in an unquoted cell, or after
  // a closing quote). True when it ends the record.
  bool outside_quotes(Record& r, int c) {
    if (state_ == State::Start && c == '"') {
      state_ = State::Quoted;
    } else if (c == separator_) {
      end_cell(r);
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && in_.peek() == '\n') in_.get();  // CRLF
      ++line_;
      end_cell(r);
      return true;
    } else {
      if (state_ == State::AfterQuote && r.problem.empty())
        r.problem = "line " + std::to_string(cell_line_) +
                    ": text after the closing quote of a cell (a quote inside a quoted cell is written \"\")";
      // A quote inside an unquoted cell (5" screen) is kept as a character.
      state_ = State::Unquoted;
      add(r, c);
    }
    return false;
  }

  // A byte inside quotes: "" is a quote, a single one closes the quotes.
  void inside_quotes(Record& r, int c) {
    if (c == '"') {
      if (in_.peek() == '"') {
        in_.get();
        add(r, '"');
      } else {
        state_ = State::AfterQuote;
      }
    } else {
      if (c == '\n' || (c == '\r' && in_.peek() != '\n')) ++line_;
      add(r, c);
    }
  }

  void add(Record& r, int c) {
    if (++cell_bytes_ > kMaxCellBytes)
      fail(cell_line_, "a cell is longer than " + megabytes(kMaxCellBytes) + " (is a quote left open?)");
    if (r.count < limit_) {
      if (++row_bytes_ > kMaxRowBytes) fail(r.line, "the row is longer than " + megabytes(kMaxRowBytes));
      cell_.push_back(static_cast<char>(c));
    }
    r.blank = false;
  }

  void end_cell(Record& r) {
    if (r.count < limit_) {
      r.cells.push_back(std::move(cell_));
      r.cell_lines.push_back(cell_line_);
    }
    ++r.count;
    cell_.clear();
    cell_bytes_ = 0;
    cell_line_ = line_;
    state_ = State::Start;
  }

  std::filesystem::path path_;
  ByteReader in_;
  char separator_ = ',';
  std::size_t line_ = 1;
  // The record being read.
  State state_ = State::Start;
  std::string cell_;
  std::size_t limit_ = 0, cell_bytes_ = 0, row_bytes_ = 0;
  std::size_t cell_line_ = 1;  // where the cell being read starts
};

// The rows of a CSV file: its header's names, then each record checked
// against them.
class CsvSource final : public RowSource {
 public:
  explicit CsvSource(const std::filesystem::path& path) : path_(path), records_(path) { read_header(); }

  const std::vector<std::string>& columns() const { return columns_; }

  bool read(RawRow& row) override {
    do {
      if (!records_.read(record_, columns_.size())) return false;
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
  [[noreturn]] void fail(std::size_t line, const std::string& why) const { fail_at_line(path_, line, why); }

  void read_header() {
    Record header;
    do {
      if (!records_.read(header, kMaxColumns + 1)) return;  // an empty file: no columns, no rows
    } while (header.blank);
    if (!header.problem.empty()) throw Error(ErrorCode::InvalidArgument, data_prefix(path_) + header.problem);
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
      std::size_t at = find_invalid_utf8(r.cells[i]);
      if (at != std::string_view::npos) return line_at(r.cells[i], at, r.cell_lines[i]);
    }
    return std::nullopt;
  }

  std::filesystem::path path_;
  RecordReader records_;
  std::vector<std::string> columns_;
  Record record_;  // reused, so its buffers are allocated once
};

}  // namespace

std::unique_ptr<RowSource> open_csv(const std::filesystem::path& path, std::vector<std::string>& columns) {
  auto csv = std::make_unique<CsvSource>(path);
  columns = csv->columns();
  return csv;
}

}  // namespace khung::detail
