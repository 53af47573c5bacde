#pragma once
// Tables of field values for batch rendering: CSV as Excel and Google Sheets
// write it, or JSON. Rows are read one at a time, so a file of any length
// is read in bounded memory.
//
//   DataReader rows("members.csv");
//   while (auto row = rows.next()) render(row->fields);

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace khung {

struct DataRow {
  std::size_t number = 0;  // 1 for the first data row (the header is not counted)
  std::size_t line = 0;    // line of the file where the row starts (1-based; JSON: 0)
  std::map<std::string, std::string, std::less<>> fields;  // column name -> value
};

// Reads rows from a .csv or .json file (by extension, any case; anything else
// is read as CSV).
// CSV: RFC 4180 quoting (separators, quotes and newlines inside "..."), UTF-8
// with or without a byte-order mark, ',' or ';' as separator (whichever the
// header line has more of outside quotes), CRLF or LF line ends; the first
// row is the header; blank lines are skipped; a row with more cells than the
// header is an error, fewer cells are empty values.
// JSON: an array of objects whose values are strings, numbers or booleans
// (numbers and booleans become their JSON text; null becomes empty); keys
// are the columns, in order of first appearance.
// Errors are Error(InvalidArgument) naming the file and line or row, for
// example "data 'm.csv': line 7: unclosed quote"; a missing file is Error(Io).
class DataReader {
 public:
  explicit DataReader(const std::filesystem::path& path);
  ~DataReader();
  DataReader(DataReader&&) noexcept;
  DataReader& operator=(DataReader&&) noexcept;

  const std::vector<std::string>& columns() const;
  const std::filesystem::path& path() const;
  // The next row, or nullopt at the end. Throws on malformed input.
  std::optional<DataRow> next();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Counts the rows of a data file without keeping them (for progress and
// sharding).
std::size_t count_rows(const std::filesystem::path& path);

}  // namespace khung
