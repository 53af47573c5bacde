#pragma once
// Tables of field values for batch rendering: CSV as Excel and Google Sheets
// write it, or JSON. Rows are read one at a time, so a file of any length
// is read in bounded memory (about the longest row).
//
//   DataReader rows("members.csv");
//   while (auto row = rows.next()) render(row->fields);

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace khung {

struct DataRow {
  std::size_t number = 0;  // 1 for the first data row (the header and skipped empty rows are not counted)
  std::size_t line = 0;    // line of the file where the row starts (1-based; JSON: 0)
  std::map<std::string, std::string, std::less<>> fields;  // column name -> value; every column is present
};

// Reads rows from a .csv or .json file (by extension, any case; anything else
// is read as CSV).
//
// CSV, RFC 4180 as Excel, Google Sheets and LibreOffice save it:
// - UTF-8 with or without a byte-order mark. UTF-16 text and spreadsheet
//   workbooks (.xlsx, .xls, .ods) are refused with a message saying so.
// - The separator is ',' or ';', whichever the header line has more of
//   outside quotes (a tie, such as a single column, is ',').
// - Lines end with CRLF, LF or CR. A quoted cell may hold separators,
//   doubled quotes ("" for ") and line ends, all kept as written; a quote
//   inside an unquoted cell (5" screen) is a character, text after a closing
//   quote is an error.
// - The first row is the header: names trimmed of spaces and tabs, none
//   empty, no two alike.
// - Rows whose cells are all empty (blank lines, or the ",,," lines
//   spreadsheets write for empty rows) are skipped, wherever they are. A row
//   with fewer cells than the header has empty values for the rest; a row
//   with more is an error.
// - Values are kept byte for byte (no trimming, no normalisation) and must
//   be valid UTF-8: a Windows-1258 file is an error naming the line and the
//   fix ("line 4: invalid UTF-8: ...; in Excel, save it as \"CSV UTF-8
//   (Comma delimited)\""), not mangled text.
// - Limits: 1 MB per cell, 16 MB per row, 10 000 columns.
//
// JSON: an array of objects, one per row. Values are strings (as they are),
// numbers and booleans (their JSON text as written: 12, 3.50, 1e3, true) or
// null (empty); a nested array or object is an error. The columns are the
// keys in order of first appearance over all rows; a row without a key has
// an empty value for it. The columns are found by a first pass over the
// file, so it must be a regular file (not a pipe). Limit: 16 MB per element,
// 1 MB per value.
//
// Errors are Error(InvalidArgument) naming the file and the line (for JSON:
// the row and its line): "data 'm.csv': line 7: unclosed quote",
// "data 'm.json': row 3 (line 9): key 'tags': an array is not a value ...";
// a file that cannot be read is Error(Io): "data 'm.csv': No such file or
// directory".
// - A problem of one row (more cells than the header, invalid UTF-8, text
//   after a closing quote, a JSON element that is not an object or holds a
//   nested value) is thrown by next() for that row, which keeps its number;
//   the following call goes on with the next row.
// - A problem of the file (a bad header, an unclosed quote, a cell or row
//   over the limit, broken JSON, a read error) is thrown by the constructor
//   (for JSON, always) or by next(), and again by every later next().
class DataReader {
 public:
  // Opens the file and reads the header (CSV) or finds the columns (JSON).
  explicit DataReader(const std::filesystem::path& path);
  ~DataReader();
  DataReader(DataReader&&) noexcept;
  DataReader& operator=(DataReader&&) noexcept;

  // The column names in file order; empty for an empty file (and after a move).
  const std::vector<std::string>& columns() const;
  const std::filesystem::path& path() const;
  // The next row, or nullopt at the end. Throws as described above.
  std::optional<DataRow> next();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The number of rows of a data file, read without keeping them (for
// progress and sharding): the rows next() would return or throw for, so a
// row with a problem of its own counts. Throws the errors of the file, as
// DataReader would.
std::size_t count_rows(const std::filesystem::path& path);

}  // namespace khung
