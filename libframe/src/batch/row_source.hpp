#pragma once
// What the data readers share: the limits, the byte reader both read files
// through, the interface each table format implements, and the helpers
// their messages use. data.cpp (DataReader, count_rows) picks a format by
// the file's extension and reads rows through RowSource; csv_source.cpp and
// json_source.cpp are the two formats.

#include "khung/error.hpp"

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace khung::detail {

// One cell (CSV) or one value (JSON) may hold at most this much: far above
// any banner text, and what keeps a quote left open from swallowing the
// whole file into memory.
constexpr std::size_t kMaxCellBytes = 1u << 20;
// The stored cells of one row together, and the text of one JSON element.
constexpr std::size_t kMaxRowBytes = 16u << 20;
// Columns of a table (CSV header cells, distinct JSON keys): each costs a
// string in every row, so they are bounded too.
constexpr std::size_t kMaxColumns = 10000;

// "16 MB": a limit in messages.
std::string megabytes(std::size_t bytes);

// "data 'x.csv': ", before every message about a data file.
std::string data_prefix(const std::filesystem::path& path);

// Throws Error(InvalidArgument) "data 'x.csv': line 7: <why>".
[[noreturn]] void fail_at_line(const std::filesystem::path& path, std::size_t line, const std::string& why);

// The line a byte of `text` is on, when `text` starts on line `first`.
std::size_t line_at(std::string_view text, std::size_t offset, std::size_t first);

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
// further ahead, which grows the buffer only by what it looks at. get() and
// peek() are inline: the CSV tokenizer calls them for every byte.
class ByteReader {
 public:
  // Throws Error(Io) for a folder or a file that cannot be opened.
  explicit ByteReader(const std::filesystem::path& path);

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

  void skip(std::size_t n);

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };

  // Makes `need` unread bytes available if the file has them. Throws
  // Error(Io) on a read error.
  bool fill(std::size_t need);

  std::filesystem::path path_;
  std::unique_ptr<std::FILE, Closer> file_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
};

// Spreadsheets (Excel, Google Sheets, LibreOffice) save UTF-8 with or
// without a byte-order mark, which is skipped. Two mistakes designers make
// are told apart rather than reported as invalid UTF-8: UTF-16 text (Excel's
// "Unicode text") and the workbook itself (.xlsx and .ods are ZIP files,
// .xls an OLE2 compound file); both throw Error(InvalidArgument).
void skip_byte_order_mark(ByteReader& in, const std::filesystem::path& path);

// A table format: CSV or JSON.
class RowSource {
 public:
  virtual ~RowSource() = default;
  // Reads the next row into `row`; false at the end. Throws Error when the
  // file itself is broken (after which the source is unusable).
  virtual bool read(RawRow& row) = 0;
};

// CSV (csv_source.cpp): opens the file and reads its header, whose names
// are put in `columns` (none for an empty file). Throws Error for a file
// that cannot be read and for a bad header.
std::unique_ptr<RowSource> open_csv(const std::filesystem::path& path, std::vector<std::string>& columns);

// JSON (json_source.cpp): an array of objects, one per row; opens the file
// and reads up to the first element. The columns are the keys of the rows,
// which only a pass over the whole file finds. Throws Error for a file that
// cannot be read or does not start an array.
std::unique_ptr<RowSource> open_json(const std::filesystem::path& path);

}  // namespace khung::detail
