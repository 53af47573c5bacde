#pragma once
// Batch rendering: one image per row of a data file, on several threads,
// and the same checks without rendering.
//
//   BatchOptions options;
//   options.data = "units.csv";
//   options.output_dir = "out";
//   options.name = "{{unit|slug}}.jpg";
//   BatchSummary summary = run_batch(Template::load("cover"), options);

#include "khung/codec.hpp"
#include "khung/data.hpp"
#include "khung/legacy.hpp"
#include "khung/photo.hpp"
#include "khung/render.hpp"
#include "khung/template.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace khung {

struct BatchOptions {
  std::filesystem::path data;        // .csv or .json
  std::filesystem::path output_dir;  // created when missing
  // Output file names: {{field}}, {{row}} and the slug filter, {{name|slug}}
  // ("Nguyễn Văn Đức" -> "nguyen-van-duc"). The extension (.png, .jpg,
  // .webp) picks the format; without one, .png is added.
  std::string name = "{{row}}";
  int jobs = 0;                      // worker threads; 0: one per core
  int shard_index = 0, shard_count = 1;  // render rows i with (i - 1) % count == index
  bool skip_existing = false;        // keep an output that is already there
  bool fail_fast = false;            // stop at the first failed row
  std::optional<LegacyEncoding> legacy;  // convert fields that look like this encoding
  std::string photo_column;          // column of photo paths (relative to the data file); default "photo"
  Placement placement;               // for every photo
  std::optional<int> output_width;   // as RenderOptions::output_width; nullopt: the template's
  EncodeOptions encode;
  DecodeLimits limits;
  const std::atomic<bool>* cancel = nullptr;  // set to stop: rows in progress finish, no new ones start
};

// Checks ranges and consistency: jobs in [0, 256], 0 <= shard_index <
// shard_count <= 10000, a name pattern whose placeholders are fields, "row"
// or "<field>|slug", with a known extension or none, an output width the
// template takes (output_size). Throws Error(InvalidArgument) naming the
// option.
void validate(const BatchOptions& options, const Template& tpl);

enum class RowStatus {
  Rendered,
  RenderedWithWarnings,  // written, with warnings: characters no font has (left blank), text cut off by the canvas edge
  Skipped,
  Failed,
};

struct RowResult {
  std::size_t row = 0, line = 0;
  std::filesystem::path output;
  RowStatus status = RowStatus::Failed;
  std::string message;                  // why it failed, or its warnings joined ("field 'unit': ...; ...")
  std::vector<RenderWarning> warnings = {};  // RenderedWithWarnings: the render's warnings
  // Failed before rendering: the row's problems (a missing field, legacy
  // text, no photo), which `message` joins; a face may add its own advice.
  std::vector<CheckProblem> problems = {};
};

struct BatchProgress {
  std::size_t done = 0, total = 0, failed = 0;
  std::chrono::steady_clock::duration elapsed{};
};

struct BatchSummary {
  // `rendered` counts every row written, `warned` those of them with warnings.
  std::size_t total = 0, rendered = 0, warned = 0, skipped = 0, failed = 0;
  bool cancelled = false;
  std::chrono::steady_clock::duration elapsed{};
  std::filesystem::path report;     // report.csv (report-shard-I-of-N.csv when sharded)
  std::vector<RowResult> failures;  // in row order
};

// Renders every row of the shard. Each row's outcome is passed to on_row as
// it completes (from the calling thread, in completion order), progress to
// on_progress after each row. A failed row never stops the others unless
// fail_fast. Output names are given over the whole file, before sharding, so
// shards agree; names that repeat get "-2", "-3", ... in row order. Stale
// temporary files of a killed run are removed first. Writes the report CSV
// (row, line, output, status, message; UTF-8 with a byte-order mark, so
// Excel opens it right) at the end; status is "rendered", "rendered with
// warnings" (the message holds them), "skipped" or "failed" (the message
// says why).
// Throws Error(InvalidArgument) for bad options, a data file without a
// column for a required field, or a malformed data file; Error(Io) when the
// output folder cannot be written.
BatchSummary run_batch(const Template& tpl, const BatchOptions& options,
                       const std::function<void(const RowResult&)>& on_row = {},
                       const std::function<void(const BatchProgress&)>& on_progress = {});

// What check_data reports for one row: its problems, empty when the row
// would render.
struct RowCheck {
  std::size_t row = 0, line = 0;
  std::vector<CheckProblem> problems;
};

struct DataCheck {
  std::vector<std::string> unused_columns;  // columns no field or photo uses
  std::vector<RowCheck> rows;               // only rows with problems
  // What is said once for the whole file rather than per row: problems of
  // the template itself (a photo window leaving the canvas), notes of a
  // text box leaving it and of a layer's font lacking characters the rows
  // use (their characters gathered over every row).
  std::vector<CheckProblem> template_checks;
  std::size_t total = 0;
};

// Checks every row without rendering: missing fields, text that cannot fit,
// characters no font has, text that looks TCVN3/VNI (unless options.legacy
// converts it), a photo that is missing; and, once, template_checks. Uses
// options.data, legacy and photo_column. Throws like run_batch for an
// unreadable data file.
DataCheck check_data(const Template& tpl, const BatchOptions& options);

// "Nguyễn Văn Đức" -> "nguyen-van-duc": ASCII lower case, marks removed,
// đ -> d, every run of other characters one '-'.
std::string slugify(std::string_view text);

}  // namespace khung
