// DataReader and count_rows: the front of the data readers, which picks the
// format by the file's extension (csv_source.cpp, json_source.cpp) and turns
// its raw rows into DataRows.

#include "khung/data.hpp"

#include "batch/row_source.hpp"
#include "khung/error.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

namespace khung {
namespace {

using detail::data_prefix;
using detail::RawRow;
using detail::RowSource;

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
    if (!is_json(path)) {
      source = detail::open_csv(path, columns);
      return;
    }
    // Columns are the keys in order of first appearance over all rows, so
    // a first pass collects them (one element at a time, like the rows).
    // Reading twice needs a regular file: a pipe would be empty the second
    // time. (A missing file or a folder is reported when it is opened.)
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status) &&
        !std::filesystem::is_directory(status))
      throw Error(ErrorCode::Io,
                  data_prefix(path) + "JSON data must be a regular file, not a pipe or device (it is read twice)");
    std::unique_ptr<RowSource> scan = detail::open_json(path);
    std::set<std::string, std::less<>> seen;
    while (scan->read(raw)) {
      for (auto& [key, value] : raw.values)
        if (seen.insert(key).second) columns.push_back(key);
      if (columns.size() > detail::kMaxColumns)
        throw Error(ErrorCode::InvalidArgument,
                    data_prefix(path) + "more than " + std::to_string(detail::kMaxColumns) + " different keys");
    }
    source = detail::open_json(path);
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
  if (!d.raw.problem.empty()) throw Error(ErrorCode::InvalidArgument, data_prefix(d.path) + d.raw.problem);

  DataRow row;
  row.number = d.number;
  row.line = d.raw.line;
  for (auto& [key, value] : d.raw.values) row.fields.emplace(key, std::move(value));
  // JSON rows may leave out keys that other rows have: every row has every column.
  for (const auto& column : d.columns) row.fields.try_emplace(column);
  return row;
}

std::size_t count_rows(const std::filesystem::path& path) {
  std::vector<std::string> columns;
  std::unique_ptr<RowSource> source = is_json(path) ? detail::open_json(path) : detail::open_csv(path, columns);
  RawRow raw;
  std::size_t n = 0;
  while (source->read(raw)) ++n;  // a row with a problem of its own is still a row
  return n;
}

}  // namespace khung
