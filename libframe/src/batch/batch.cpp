#include "khung/batch.hpp"

#include "codec/codecs.hpp"
#include "khung/error.hpp"
#include "khung/unicode.hpp"
#include "support/atomic_file.hpp"
#include "template/check_parts.hpp"
#include "template/template_data.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <stop_token>
#include <thread>
#include <unordered_set>

namespace khung {
namespace {

constexpr const char* kDefaultPhotoColumn = "photo";
constexpr std::size_t kMaxNameBytes = 180;

// A parsed name pattern (BatchOptions::name): literal text and placeholders,
// then the extension.
struct NamePattern {
  struct Part {
    std::string literal;
    std::string column;  // empty: a literal part
    bool slug = false;
    bool row = false;
  };
  std::vector<Part> parts;
  std::string extension;  // ".png", ".jpg", ".webp"
};

NamePattern parse_name(const std::string& pattern) {
  auto bad = [&](const std::string& why) { return Error(ErrorCode::InvalidArgument, "name pattern '" + pattern + "': " + why); };
  NamePattern out;
  std::string body = pattern;
  auto dot = body.rfind('.');
  if (dot != std::string::npos && body.find("}}", dot) == std::string::npos && body.find('/', dot) == std::string::npos) {
    std::string ext = body.substr(dot);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".jpeg") ext = ".jpg";
    if (!detail::format_of_extension(ext)) throw bad("unsupported extension '" + ext + "' (use .png, .jpg or .webp)");
    out.extension = ext;
    body = body.substr(0, dot);
  } else {
    out.extension = ".png";
  }
  if (body.find('/') != std::string::npos || body.find('\\') != std::string::npos)
    throw bad("names are file names, without folders");
  std::vector<detail::Placeholder> found;
  try {
    found = detail::find_placeholders(body, true);
  } catch (const Error& e) {
    throw bad(e.what());
  }
  std::size_t pos = 0;
  for (const auto& p : found) {
    if (p.begin > pos) out.parts.push_back({body.substr(pos, p.begin - pos), "", false, false});
    NamePattern::Part part;
    std::string name = p.name;
    if (auto bar = name.find('|'); bar != std::string::npos) {
      std::string filter = name.substr(bar + 1);
      name = name.substr(0, bar);
      if (filter != "slug") throw bad("unknown filter '" + filter + "' (only 'slug')");
      part.slug = true;
    }
    if (name == "row")
      part.row = true;
    else
      part.column = name;
    out.parts.push_back(part);
    pos = p.end;
  }
  if (pos < body.size()) out.parts.push_back({body.substr(pos), "", false, false});
  if (out.parts.empty()) throw bad("is empty");
  return out;
}

// Characters that cannot or should not appear in a file name become '-'.
std::string safe_file_name(std::string name) {
  for (char& c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || std::strchr("/\\:*?\"<>|", c)) c = '-';
  }
  while (!name.empty() && (name.back() == ' ' || name.back() == '.')) name.pop_back();
  while (!name.empty() && (name.front() == ' ' || name.front() == '.')) name.erase(name.begin());
  if (name.size() > kMaxNameBytes) {
    std::size_t cut = kMaxNameBytes;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    name.resize(cut);
  }
  return name;
}

std::string expand_name(const NamePattern& pattern, const DataRow& row, std::optional<LegacyEncoding> legacy) {
  std::string out;
  for (const auto& part : pattern.parts) {
    std::string value;
    if (part.row) {
      value = std::to_string(row.number);
    } else if (!part.column.empty()) {
      auto it = row.fields.find(part.column);
      value = it == row.fields.end() ? "" : it->second;
      // Names follow the text the images show.
      if (legacy && detect_legacy(value) == legacy) value = legacy_to_unicode(value, *legacy);
    } else {
      out += part.literal;
      continue;
    }
    out += part.slug ? slugify(value) : value;
  }
  out = safe_file_name(to_nfc(out));
  if (out.empty()) out = "row-" + std::to_string(row.number);
  return out;
}

// One row's inputs, ready to render, or the problems that stop it.
struct PreparedRow {
  Fields fields;
  std::filesystem::path photo;
  std::vector<CheckProblem> problems;
};

PreparedRow prepare_row(const Template& tpl, const DataRow& row, const BatchOptions& options,
                        const std::string& photo_column) {
  PreparedRow out;
  for (const TemplateField& f : tpl.fields()) {
    const std::string* resolved = field_value(tpl, row.fields, f.name);
    if (!resolved) {
      out.problems.push_back({CheckKind::MissingField, "field '" + f.name + "'", "missing"});
      continue;
    }
    std::string value = *resolved;
    if (auto looks = detect_legacy(value)) {
      if (options.legacy == looks) {
        value = legacy_to_unicode(value, *looks);
      } else {
        out.problems.push_back({CheckKind::LegacyText, "field '" + f.name + "'",
                                std::string("looks like ") + legacy_name(*looks) + " text", CheckSeverity::Problem, looks});
        continue;
      }
    }
    out.fields[f.name] = value;
  }
  if (tpl.has_photo()) {
    auto it = row.fields.find(photo_column);
    if (it == row.fields.end() || is_blank(it->second)) {
      out.problems.push_back({CheckKind::NoPhoto, "column '" + photo_column + "'", "no photo"});
    } else {
      std::filesystem::path p(it->second);
      out.photo = p.is_absolute() ? p : options.data.parent_path() / p;
    }
  }
  return out;
}

// "field 'unit': missing; layers[2]: ...": problems (or warnings) on one line.
template <class Placed>
std::string join_problems(const std::vector<Placed>& items) {
  std::string out;
  for (const auto& p : items) out += (out.empty() ? "" : "; ") + p.where + ": " + p.message;
  return out;
}

// The data file's columns as the rows are keyed: a column headed with a
// field's name or its declared label, in any case and NFC or NFD ("Họ và
// tên", "HỌ VÀ TÊN" for the field `name` labelled "Họ và tên"), is that
// field's; other columns (the photo's, those the name pattern uses) keep
// their names.
class ColumnKeys {
 public:
  ColumnKeys(const Template& tpl, const DataReader& reader) : columns_(reader.columns()), keys_(columns_) {
    const std::vector<TemplateField>& fields = tpl.fields();
    const std::size_t none = columns_.size();
    std::vector<std::size_t> at(fields.size(), none);  // each field's column
    std::vector<bool> taken(columns_.size(), false);
    // Columns named exactly like a field first: such a column is never
    // another field's by its label.
    for (std::size_t k = 0; k < fields.size(); ++k) {
      at[k] = static_cast<std::size_t>(std::find(columns_.begin(), columns_.end(), fields[k].name) - columns_.begin());
      if (at[k] != none) taken[at[k]] = true;
    }
    std::vector<std::string> folded;
    for (const std::string& c : columns_) folded.push_back(fold_case(c));
    for (std::size_t k = 0; k < fields.size(); ++k) {
      const std::string name = fold_case(fields[k].name), label = fold_case(fields[k].label);
      for (std::size_t i = 0; i < columns_.size(); ++i) {
        if (taken[i] || (folded[i] != name && folded[i] != label)) continue;
        if (at[k] != none)
          throw Error(ErrorCode::InvalidArgument, "data '" + reader.path().string() + "': columns '" + columns_[at[k]] +
                                                      "' and '" + columns_[i] + "' are both the field '" +
                                                      fields[k].name + "'");
        at[k] = i;
        taken[i] = true;
      }
      if (at[k] != none) keys_[at[k]] = fields[k].name;
    }
  }

  // Keys the row's values by field name where a column is a field's.
  DataRow key(DataRow row) const {
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (keys_[i] == columns_[i]) continue;
      auto node = row.fields.extract(columns_[i]);
      if (node.empty()) continue;
      node.key() = keys_[i];
      row.fields.insert(std::move(node));
    }
    return row;
  }

  bool has(const std::string& key) const { return std::find(keys_.begin(), keys_.end(), key) != keys_.end(); }
  // The column holding a key's values ("Họ và tên" for "name"), or the key.
  const std::string& column_of(const std::string& key) const {
    auto it = std::find(keys_.begin(), keys_.end(), key);
    return it == keys_.end() ? key : columns_[static_cast<std::size_t>(it - keys_.begin())];
  }
  const std::vector<std::string>& columns() const { return columns_; }

 private:
  std::vector<std::string> columns_;  // as the file heads them
  std::vector<std::string> keys_;     // per column: the field's name, or the column's own
};

// The column names every row needs: fields without a default, and the photo.
void check_columns(const Template& tpl, const ColumnKeys& keys, const DataReader& reader, const std::string& photo_column,
                   const NamePattern& name) {
  std::string list;
  for (const auto& c : keys.columns()) list += (list.empty() ? "" : ", ") + c;
  auto missing = [&](const std::string& what) {
    return Error(ErrorCode::InvalidArgument,
                 "data '" + reader.path().string() + "': no column " + what + " (columns: " + list + ")");
  };
  for (const TemplateField& f : tpl.fields())
    if (!f.default_value && !keys.has(f.name))
      throw missing("'" + f.name + "'" + (f.label != f.name ? " or '" + f.label + "'" : "") + " for the template's field");
  if (tpl.has_photo() && !keys.has(photo_column)) throw missing("'" + photo_column + "' with photo paths");
  for (const auto& part : name.parts)
    if (!part.column.empty() && !keys.has(part.column)) throw missing("'" + part.column + "' used in the name pattern");
}

bool in_shard(const BatchOptions& o, std::size_t row) {
  return (row - 1) % static_cast<std::size_t>(o.shard_count) == static_cast<std::size_t>(o.shard_index);
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

const char* status_name(RowStatus s) {
  switch (s) {
    case RowStatus::Rendered: return "rendered";
    case RowStatus::RenderedWithWarnings: return "rendered with warnings";
    case RowStatus::Skipped: return "skipped";
    case RowStatus::Failed: return "failed";
  }
  return "failed";
}

// Worker threads fed through a bounded queue, so rows are read as they are
// needed, never all at once.
class RowPool {
 public:
  using Work = std::function<RowResult()>;

  // Destroying the pool asks each thread to stop and joins it (std::jthread);
  // a thread runs the work still queued before it stops.
  RowPool(int threads, std::size_t capacity) : capacity_(capacity) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this](std::stop_token stop) { run(stop); });
  }

  // Waits until there is room (handing finished results to `done` while it
  // waits), then queues the work.
  template <class Done>
  void submit(Work work, Done done) {
    std::unique_lock lock(mutex_);
    for (;;) {
      flush(lock, done);
      if (queue_.size() < capacity_) break;
      has_result_.wait(lock, [&] { return !results_.empty(); });
    }
    queue_.push_back(std::move(work));
    ++pending_;
    lock.unlock();
    has_work_.notify_one();
  }

  // Hands over every result, waiting for the work still queued or running.
  template <class Done>
  void drain(Done done) {
    std::unique_lock lock(mutex_);
    while (pending_ > 0 || !results_.empty()) {
      has_result_.wait(lock, [&] { return !results_.empty(); });
      flush(lock, done);
    }
  }

 private:
  template <class Done>
  void flush(std::unique_lock<std::mutex>& lock, Done& done) {
    while (!results_.empty()) {
      RowResult r = std::move(results_.front());
      results_.pop_front();
      lock.unlock();
      done(r);
      lock.lock();
    }
  }

  void run(std::stop_token stop) {
    for (;;) {
      Work work;
      {
        std::unique_lock lock(mutex_);
        has_work_.wait(lock, stop, [&] { return !queue_.empty(); });
        if (queue_.empty()) return;  // asked to stop, with nothing left to do
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      RowResult r = work();
      {
        std::lock_guard lock(mutex_);
        results_.push_back(std::move(r));
        --pending_;
      }
      has_result_.notify_one();
    }
  }

  std::mutex mutex_;
  std::condition_variable_any has_work_;  // waits until there is work or the thread is asked to stop
  std::condition_variable has_result_;
  std::deque<Work> queue_;
  std::deque<RowResult> results_;
  std::size_t capacity_, pending_ = 0;
  std::vector<std::jthread> threads_;  // last: stopped and joined first
};

// Every row's output name, over the whole file, so that shards and reruns
// agree and repeated names get the same suffixes ("-2", "-3", in row order).
// Checks first that the file has the columns the template and the pattern
// need.
std::vector<std::string> name_outputs(const Template& tpl, const BatchOptions& options, const NamePattern& pattern,
                                      const std::string& photo_column) {
  DataReader reader(options.data);
  const ColumnKeys keys(tpl, reader);
  check_columns(tpl, keys, reader, photo_column, pattern);
  std::vector<std::string> names;
  std::unordered_set<std::string> taken;
  while (auto row = reader.next()) {
    std::string base = expand_name(pattern, keys.key(std::move(*row)), options.legacy), name = base + pattern.extension;
    for (int n = 2; !taken.insert(name).second; ++n) name = base + "-" + std::to_string(n) + pattern.extension;
    names.push_back(std::move(name));
  }
  return names;
}

// Creates the output folder, and removes the temporary files of this
// shard's outputs that a killed run left. Other shards' may be in use by
// their own processes: those stay.
void prepare_output_folder(const BatchOptions& options, const std::vector<std::string>& names) {
  std::error_code ec;
  std::filesystem::create_directories(options.output_dir, ec);
  if (ec) throw Error(ErrorCode::Io, "output folder '" + options.output_dir.string() + "': " + ec.message());
  std::unordered_set<std::string> mine;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (in_shard(options, i + 1)) mine.insert(names[i]);
  for (auto it = std::filesystem::directory_iterator(options.output_dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string target;
    if (detail::is_temporary_file(it->path(), &target) && mine.count(target)) std::filesystem::remove(it->path(), ec);
  }
}

// Renders one row into `output`; never throws: a row that cannot be
// rendered comes back Failed, with the reason as its message.
RowResult render_row(const Template& tpl, const BatchOptions& options, const std::string& photo_column,
                     const DataRow& row, const std::filesystem::path& output) {
  RowResult r{row.number, row.line, output, RowStatus::Failed, ""};
  try {
    PreparedRow prepared = prepare_row(tpl, row, options, photo_column);
    if (!prepared.problems.empty()) {
      r.message = join_problems(prepared.problems);
      r.problems = std::move(prepared.problems);
      return r;
    }
    RenderOptions render;
    render.fields = std::move(prepared.fields);
    render.photo.path = prepared.photo;
    render.placement = options.placement;
    render.output_width = options.output_width;
    render.limits = options.limits;
    RenderResult rendered = render_with_warnings(tpl, render);
    save_image(rendered.image, output, options.encode);
    r.status = rendered.warnings.empty() ? RowStatus::Rendered : RowStatus::RenderedWithWarnings;
    r.message = join_problems(rendered.warnings);
    r.warnings = std::move(rendered.warnings);
  } catch (const Error& e) {
    r.message = e.what();
  } catch (const std::exception& e) {
    r.message = std::string("internal: ") + e.what();
  }
  return r;
}

// Renders the shard's rows on options.jobs threads (0: one per core),
// reading the file a second time as the workers take rows, and hands each
// outcome to `record` on this thread. Stops taking rows when cancelled, or
// with fail_fast once `progress` counts a failure; true when cancelled.
template <class Record>
bool render_shard(const Template& tpl, const BatchOptions& options, const std::string& photo_column,
                  const std::vector<std::string>& names, const BatchProgress& progress, Record& record) {
  const int threads = options.jobs > 0 ? options.jobs : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  RowPool pool(threads, static_cast<std::size_t>(threads) * 4);
  DataReader reader(options.data);
  const ColumnKeys keys(tpl, reader);
  bool cancelled = false;
  while (auto row = reader.next()) {
    if (!in_shard(options, row->number)) continue;
    if ((options.cancel && options.cancel->load()) || (options.fail_fast && progress.failed > 0)) {
      cancelled = options.cancel && options.cancel->load();
      break;
    }
    std::filesystem::path output = options.output_dir / names[row->number - 1];
    std::error_code ec;
    if (options.skip_existing && std::filesystem::exists(output, ec)) {
      record({row->number, row->line, output, RowStatus::Skipped, ""});
      continue;
    }
    pool.submit(
        [&tpl, &options, &photo_column, output, data_row = keys.key(std::move(*row))] {
          return render_row(tpl, options, photo_column, data_row, output);
        },
        record);
  }
  pool.drain(record);
  return cancelled;
}

// The report's text: a line a row in the order given (row, line, output,
// status, message), after a byte-order mark: without it Excel reads the
// file's UTF-8 (the Vietnamese of names and messages) as the computer's
// code page.
std::string report_csv(const std::vector<RowResult>& results) {
  std::string report = "\xEF\xBB\xBF" "row,line,output,status,message\n";
  for (const RowResult& r : results)
    report += std::to_string(r.row) + "," + std::to_string(r.line) + "," + csv_cell(r.output.filename().string()) + "," +
              status_name(r.status) + "," + csv_cell(r.message) + "\n";
  return report;
}

// report.csv, or report-shard-I-of-N.csv when sharded, in the output folder.
std::filesystem::path report_path(const BatchOptions& o) {
  return o.output_dir / (o.shard_count > 1 ? "report-shard-" + std::to_string(o.shard_index) + "-of-" +
                                                 std::to_string(o.shard_count) + ".csv"
                                           : std::string("report.csv"));
}

}  // namespace

std::string slugify(std::string_view text) {
  std::string out;
  bool dash = false;
  for (char32_t c : to_utf32(to_nfd(text))) {
    if (c >= 0x300 && c <= 0x36F) continue;  // combining marks
    if (c == U'đ' || c == U'Đ') c = U'd';
    if (c >= U'A' && c <= U'Z') c = c - U'A' + U'a';
    if ((c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9')) {
      if (dash && !out.empty()) out += '-';
      dash = false;
      out += static_cast<char>(c);
    } else {
      dash = true;
    }
  }
  return out;
}

void validate(const BatchOptions& o, const Template& tpl) {
  auto bad = [](const std::string& what) { return Error(ErrorCode::InvalidArgument, what); };
  if (o.jobs < 0 || o.jobs > 256) throw bad("jobs " + std::to_string(o.jobs) + ": must be between 0 (one per core) and 256");
  if (o.shard_count < 1 || o.shard_count > 10000 || o.shard_index < 0 || o.shard_index >= o.shard_count)
    throw bad("shard " + std::to_string(o.shard_index) + "/" + std::to_string(o.shard_count) +
              ": expected I/N with 0 <= I < N <= 10000");
  parse_name(o.name);
  validate(o.placement);
  output_size(tpl, o.output_width);
  if (!tpl.has_photo() && !o.photo_column.empty())
    throw bad("photo column '" + o.photo_column + "': template '" + tpl.id() + "' has no photo slot");
}

BatchSummary run_batch(const Template& tpl, const BatchOptions& options, const std::function<void(const RowResult&)>& on_row,
                       const std::function<void(const BatchProgress&)>& on_progress) {
  validate(options, tpl);
  const auto started = std::chrono::steady_clock::now();
  const std::string photo_column = options.photo_column.empty() ? kDefaultPhotoColumn : options.photo_column;
  const std::vector<std::string> names = name_outputs(tpl, options, parse_name(options.name), photo_column);
  prepare_output_folder(options, names);

  BatchSummary summary;
  for (std::size_t i = 0; i < names.size(); ++i) summary.total += in_shard(options, i + 1) ? 1 : 0;
  std::vector<RowResult> results;
  results.reserve(summary.total);
  BatchProgress progress;
  progress.total = summary.total;
  const auto record = [&](const RowResult& r) {
    results.push_back(r);
    ++progress.done;
    if (r.status == RowStatus::Failed) ++progress.failed;
    progress.elapsed = std::chrono::steady_clock::now() - started;
    if (on_row) on_row(r);
    if (on_progress) on_progress(progress);
  };
  summary.cancelled = render_shard(tpl, options, photo_column, names, progress, record);

  std::sort(results.begin(), results.end(), [](const RowResult& a, const RowResult& b) { return a.row < b.row; });
  for (const RowResult& r : results) {
    if (r.status == RowStatus::Rendered || r.status == RowStatus::RenderedWithWarnings) ++summary.rendered;
    if (r.status == RowStatus::RenderedWithWarnings) ++summary.warned;
    if (r.status == RowStatus::Skipped) ++summary.skipped;
    if (r.status == RowStatus::Failed) {
      ++summary.failed;
      summary.failures.push_back(r);
    }
  }
  summary.report = report_path(options);
  const std::string report = report_csv(results);
  detail::write_atomically(summary.report, {reinterpret_cast<const std::uint8_t*>(report.data()), report.size()});
  summary.elapsed = std::chrono::steady_clock::now() - started;
  return summary;
}

DataCheck check_data(const Template& tpl, const BatchOptions& options) {
  const std::string photo_column = options.photo_column.empty() ? kDefaultPhotoColumn : options.photo_column;
  DataCheck out;
  detail::FallbackNotes notes;  // said once, for every row
  DataReader reader(options.data);
  const ColumnKeys keys(tpl, reader);
  std::set<std::string> used;  // the columns that are fields
  for (const TemplateField& f : tpl.fields()) used.insert(keys.column_of(f.name));
  for (const std::string& c : reader.columns())
    if (!used.count(c) && !(c == photo_column && tpl.has_photo())) out.unused_columns.push_back(c);
  while (auto row = reader.next()) {
    ++out.total;
    PreparedRow prepared = prepare_row(tpl, keys.key(std::move(*row)), options, photo_column);
    std::vector<CheckProblem> problems = prepared.problems;
    for (const CheckProblem& p : detail::check_fields(tpl, prepared.fields, FontLibrary::bundled(), notes)) {
      // A field left out above (missing, or legacy text) is missing here too: said once.
      const bool reported = p.kind == CheckKind::MissingField &&
                            std::any_of(problems.begin(), problems.end(), [&](const CheckProblem& q) { return q.where == p.where; });
      if (!reported) problems.push_back(p);
    }
    std::error_code ec;
    if (!prepared.photo.empty() && !std::filesystem::is_regular_file(prepared.photo, ec))
      problems.push_back({CheckKind::PhotoNotFound, "column '" + photo_column + "'", "photo '" + prepared.photo.string() + "' not found"});
    if (!problems.empty()) out.rows.push_back({row->number, row->line, std::move(problems)});
  }
  out.template_checks = detail::check_canvas(tpl);
  for (CheckProblem& c : detail::check_fonts(tpl, FontLibrary::bundled())) out.template_checks.push_back(std::move(c));
  for (CheckProblem& n : notes.notes()) out.template_checks.push_back(std::move(n));
  return out;
}

}  // namespace khung
