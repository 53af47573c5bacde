#include "commands.hpp"
#include "khung/batch.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted.store(true); }

// Ctrl-C or SIGTERM lets the rows in progress finish, so no image is cut.
void catch_interrupts() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::optional<khung::LegacyEncoding> parse_legacy(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return khung::parse_legacy_encoding(s, "--legacy");
}

void parse_shard(const std::string& s, khung::BatchOptions& o) {
  if (s.empty()) return;
  int i = 0, n = 0;
  char end = 0;
  if (std::sscanf(s.c_str(), "%d/%d%c", &i, &n, &end) != 2) throw usage("--shard '" + s + "': expected I/N, for example 0/3");
  o.shard_index = i;
  o.shard_count = n;
}

std::string clock_text(double seconds) {
  long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

// A bar redrawn in place on a terminal; otherwise a line every few seconds,
// which reads well in a log.
class ProgressView {
 public:
  ProgressView() : terminal_(isatty(STDERR_FILENO) != 0) {}

  void update(const khung::BatchProgress& p) {
    auto now = std::chrono::steady_clock::now();
    bool last = p.done == p.total;
    auto gap = terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
    if (!last && now - shown_ < gap) return;
    shown_ = now;
    double elapsed = seconds(p.elapsed), rate = elapsed > 0 ? static_cast<double>(p.done) / elapsed : 0;
    double left = rate > 0 ? static_cast<double>(p.total - p.done) / rate : 0;
    char line[160];
    if (terminal_) {
      constexpr int kWidth = 30;
      int filled = p.total ? static_cast<int>(kWidth * p.done / p.total) : kWidth;
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.append(static_cast<std::size_t>(kWidth - filled), '.');
      std::snprintf(line, sizeof line, "\r[%s] %zu/%zu  %.1f/s  %s left%s", bar.c_str(), p.done, p.total, rate,
                    clock_text(left).c_str(), p.failed ? ("  " + std::to_string(p.failed) + " failed").c_str() : "");
      std::cerr << line << "\033[K" << std::flush;
      dirty_ = true;
    } else {
      std::snprintf(line, sizeof line, "khung: batch: %zu/%zu rows, %.1f/s, %s left, %zu failed\n", p.done, p.total,
                    rate, clock_text(left).c_str(), p.failed);
      std::cerr << line;
    }
  }

  // Prints a message on its own line, below the bar.
  void message(const std::string& text) {
    if (dirty_) std::cerr << "\r\033[K";
    std::cerr << text << "\n";
    shown_ = {};  // redraw the bar at once
  }

  void finish() {
    if (dirty_) std::cerr << "\n";
    dirty_ = false;
  }

 private:
  bool terminal_;
  bool dirty_ = false;
  std::chrono::steady_clock::time_point shown_{};
};

std::string row_label(std::size_t row, std::size_t line) {
  return "row " + std::to_string(row) + (line ? " (line " + std::to_string(line) + ")" : "");
}

// The library says what is wrong; how to fix it with this command's flags
// is said here: " (render with --legacy tcvn3)" after legacy text.
std::string advice(const khung::CheckProblem& c) {
  if (c.kind == khung::CheckKind::LegacyText && c.legacy)
    return std::string(" (render with --legacy ") + khung::legacy_name(*c.legacy) + ")";
  return "";
}

// "layers[1]: ...", or "layers[1].font: note: ..." for a note.
std::string check_line(const khung::CheckProblem& c) {
  return c.where + ": " + (c.severity == khung::CheckSeverity::Note ? "note: " : "") + c.message + advice(c);
}

// Why a row failed: its problems with their advice, joined as the library
// joins them in the report ("field 'unit': missing; field 'name': ..."), or
// the library's message when it failed while rendering.
std::string failure_text(const khung::RowResult& r) {
  if (r.problems.empty()) return r.message;
  std::string out;
  for (const khung::CheckProblem& p : r.problems) out += (out.empty() ? "" : "; ") + check_line(p);
  return out;
}

std::size_t count_problems(const std::vector<khung::CheckProblem>& checks) {
  return static_cast<std::size_t>(std::count_if(checks.begin(), checks.end(), [](const khung::CheckProblem& c) {
    return c.severity == khung::CheckSeverity::Problem;
  }));
}

}  // namespace

CLI::App* add_batch_command(CLI::App& app, BatchArgs& args) {
  auto* cmd = app.add_subcommand("batch", "Render one image per row of a CSV or JSON file");
  cmd->add_option("template", args.tpl, "Bundled template id or path to a .json template")->required();
  cmd->add_option("--data", args.data, "Rows: .csv (comma or semicolon) or .json (array of objects)")->required();
  cmd->add_option("-o,--output", args.output, "Output folder")->required();
  cmd->add_option("--name", args.name, "File name pattern: {{field}}, {{row}}, {{field|slug}}; .png .jpg .webp")
      ->capture_default_str();
  cmd->add_option("--jobs", args.jobs, "Worker threads (default: one per core)");
  cmd->add_option("--shard", args.shard, "I/N: render every N-th row starting at row I+1 (0 <= I < N)");
  cmd->add_flag("--skip-existing", args.skip_existing, "Keep outputs that already exist (resume a run)");
  cmd->add_flag("--fail-fast", args.fail_fast, "Stop at the first row that fails");
  cmd->add_option("--legacy", args.legacy, "Convert fields typed in tcvn3 or vni to Unicode");
  cmd->add_option("--photo-column", args.photo_column, "Column with photo paths, relative to the data file (default: photo)");
  add_placement_options(cmd, args.placement);
  add_width_option(cmd, args.width);
  cmd->add_option("--quality", args.quality, "JPEG/WebP quality, 1 to 100")->capture_default_str();
  return cmd;
}

int run_batch(const BatchArgs& args) {
  khung::Template tpl = khung::Template::load(args.tpl);
  khung::BatchOptions options;
  options.data = args.data;
  options.output_dir = args.output;
  options.name = args.name;
  options.jobs = args.jobs;
  parse_shard(args.shard, options);
  options.skip_existing = args.skip_existing;
  options.fail_fast = args.fail_fast;
  options.legacy = parse_legacy(args.legacy);
  options.photo_column = args.photo_column;
  options.placement = parse_placement(args.placement);
  options.output_width = args.width;
  options.encode.quality = args.quality;
  options.cancel = &g_interrupted;
  catch_interrupts();

  ProgressView view;
  khung::BatchSummary summary = khung::run_batch(
      tpl, options,
      [&](const khung::RowResult& r) {
        if (r.status == khung::RowStatus::Failed)
          view.message("khung: error: " + row_label(r.row, r.line) + ": " + failure_text(r));
        for (const khung::RenderWarning& w : r.warnings)
          view.message("khung: warning: " + row_label(r.row, r.line) + ": " + w.where + ": " + w.message);
      },
      [&](const khung::BatchProgress& p) { view.update(p); });
  view.finish();

  double elapsed = seconds(summary.elapsed);
  char line[256];
  const std::string warned = summary.warned ? " (" + std::to_string(summary.warned) + " with warnings)" : "";
  std::snprintf(line, sizeof line, "khung: batch: %zu rendered%s, %zu failed, %zu skipped of %zu rows in %.1f s (%.1f images/s)%s",
                summary.rendered, warned.c_str(), summary.failed, summary.skipped, summary.total, elapsed,
                elapsed > 0 ? static_cast<double>(summary.rendered) / elapsed : 0.0,
                summary.cancelled ? ", interrupted" : "");
  std::cerr << line << "; report: " << summary.report.string() << "\n";
  if (!summary.failures.empty()) {
    std::string rows;
    for (const auto& f : summary.failures) rows += (rows.empty() ? "" : ", ") + std::to_string(f.row);
    std::cerr << "khung: batch: failed rows: " << rows << "\n";
  }
  return summary.failed > 0 || summary.cancelled ? 1 : 0;
}

CLI::App* add_check_command(CLI::App& app, CheckArgs& args) {
  auto* cmd = app.add_subcommand("check", "Validate a template, and each row of a data file, without rendering");
  cmd->add_option("template", args.tpl, "Bundled template id or path to a .json template")->required();
  cmd->add_option("--data", args.data, "Rows to check: .csv or .json");
  cmd->add_option("--legacy", args.legacy, "Check fields as converted from tcvn3 or vni");
  cmd->add_option("--photo-column", args.photo_column, "Column with photo paths (default: photo)");
  return cmd;
}

int run_check(const CheckArgs& args) {
  khung::Template tpl = khung::Template::load(args.tpl);
  const std::string kind = std::string(khung::kind_name(tpl.kind())) + " " + std::to_string(tpl.size().width) + "x" +
                           std::to_string(tpl.size().height);
  if (args.data.empty()) {
    auto checks = khung::check_template(tpl, khung::sample_fields(tpl));
    for (const auto& c : checks) std::cout << tpl.id() << ": " << check_line(c) << "\n";
    const std::size_t problems = count_problems(checks);
    std::cout << tpl.id() << ": " << (problems == 0 ? "ok" : std::to_string(problems) + " problem(s)") << " (" << kind
              << ", checked with sample fields)\n";
    return problems == 0 ? 0 : 1;
  }
  khung::BatchOptions options;
  options.data = args.data;
  options.legacy = parse_legacy(args.legacy);
  options.photo_column = args.photo_column;
  khung::DataCheck result = khung::check_data(tpl, options);
  for (const auto& c : result.unused_columns)
    std::cout << args.data << ": column '" << c << "' is not used by template '" << tpl.id() << "'\n";
  for (const auto& row : result.rows)
    for (const auto& p : row.problems) std::cout << args.data << ": " << row_label(row.row, row.line) << ": " << check_line(p) << "\n";
  for (const auto& c : result.template_checks) std::cout << tpl.id() << ": " << check_line(c) << "\n";
  const std::size_t template_problems = count_problems(result.template_checks);
  std::cout << tpl.id() << ": " << result.total - result.rows.size() << " of " << result.total << " rows ok";
  if (!result.rows.empty()) std::cout << ", " << result.rows.size() << " would fail";
  if (template_problems) std::cout << ", " << template_problems << " problem(s) with the template";
  std::cout << " (" << kind << ")\n";
  return result.rows.empty() && template_problems == 0 ? 0 : 1;
}

}  // namespace cli
