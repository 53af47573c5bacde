// Batch data files: CSV (the input's first byte even) or JSON (odd), read
// row by row to the end as a batch does, and counted as --shard counts them.

#include "common.hpp"
#include "khung/data.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace khung;
  if (size == 0) return 0;
  const auto path = fuzz::scratch_file(data[0] % 2 ? "rows.json" : "rows.csv", data + 1, size - 1);
  fuzz::expecting_errors([&] {
    DataReader rows(path);
    // A problem of one row is thrown once and reading goes on; a problem of
    // the file is thrown again by every call: stop at the first repeat.
    std::string last;
    for (;;) {
      try {
        auto row = rows.next();
        if (!row) break;
        if (row->fields.size() != rows.columns().size()) __builtin_trap();  // every column is present
        last.clear();
      } catch (const Error& e) {
        if (e.what() == last) break;
        last = e.what();
      }
    }
  });
  fuzz::expecting_errors([&] { count_rows(path); });
  return 0;
}
