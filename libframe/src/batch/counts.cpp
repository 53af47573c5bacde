// Participation counts (counts.hpp): validation, the report's CSV, and the
// two stores, SQLite and PostgreSQL, over one table:
//   events(time, day, template, unit, device, kind)
// Every event is kept; reports count events of each kind and distinct
// devices per line, so a member who saves twice counts once.

#include "khung/counts.hpp"

#include "khung/error.hpp"
#include "support/name_table.hpp"
#include "template/template_id.hpp"
#include "text/utf8.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <regex>

namespace khung {
namespace {

constexpr std::size_t kMaxUnitBytes = 300;

Error invalid(const std::string& what, const std::string& why) {
  return Error(ErrorCode::InvalidArgument, what + ": " + why);
}

bool valid_day(const std::string& day) {
  static const std::regex kDay(R"(^\d{4}-\d{2}-\d{2}$)");
  if (!std::regex_match(day, kDay)) return false;
  std::tm tm{};
  tm.tm_year = std::stoi(day.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(day.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(day.substr(8, 2));
  tm.tm_hour = 12;
  const int month = tm.tm_mon, mday = tm.tm_mday;
  timegm(&tm);  // normalises tm: 2026-02-30 becomes 2026-03-02
  return tm.tm_mday == mday && tm.tm_mon == month;
}

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// What both stores ask, in SQL both read the same way ($1, $2 for
// PostgreSQL; SQLite takes ?NNN, written as $N below and rewritten).
constexpr const char* kCreate =
    "CREATE TABLE IF NOT EXISTS events ("
    " time BIGINT NOT NULL, day TEXT NOT NULL, template TEXT NOT NULL,"
    " unit TEXT NOT NULL, device TEXT NOT NULL, kind TEXT NOT NULL)";
constexpr const char* kIndex = "CREATE INDEX IF NOT EXISTS events_by_day ON events (day)";
constexpr const char* kInsert =
    "INSERT INTO events (time, day, template, unit, device, kind) VALUES ($1, $2, $3, $4, $5, $6)";
constexpr const char* kTotal = "SELECT COUNT(DISTINCT device) FROM events";

std::string report_sql(ReportBy by) {
  const std::string key = report_by_name(by);  // each grouping is the column of its name
  return "SELECT " + key +
         ", COUNT(DISTINCT device), SUM(CASE WHEN kind = 'save' THEN 1 ELSE 0 END),"
         " SUM(CASE WHEN kind = 'share' THEN 1 ELSE 0 END) FROM events WHERE day >= $1 AND day <= $2"
         " GROUP BY " + key;
}
constexpr const char* kRangeTotal = "SELECT COUNT(DISTINCT device) FROM events WHERE day >= $1 AND day <= $2";

// Lines in the order of their keys' bytes, whichever store and collation
// (PostgreSQL would sort Vietnamese by its database's locale).
std::vector<ReportRow> by_key(std::vector<ReportRow> rows) {
  std::sort(rows.begin(), rows.end(), [](const ReportRow& a, const ReportRow& b) { return a.key < b.key; });
  return rows;
}

// The range a query names, open ends filled in ("0000-00-00" sorts first).
std::pair<std::string, std::string> range_of(const ReportQuery& q) {
  return {q.from.empty() ? "0000-00-00" : q.from, q.to.empty() ? "9999-12-31" : q.to};
}

// A URI as it may be printed: the password, if any, replaced.
std::string without_password(const std::string& uri) {
  static const std::regex kPassword(R"(^([a-z]+://[^:@/]*):[^@/]*@)");
  std::string out = std::regex_replace(uri, kPassword, "$1:***@");
  static const std::regex kParam(R"(([?&]password=)[^&]*)");
  return std::regex_replace(out, kParam, "$1***");
}

// --- SQLite ---

class SqliteStore final : public CountStore {
 public:
  explicit SqliteStore(const std::string& file) : name_("counts database '" + file + "'") {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw Error(ErrorCode::Io, name_ + ": " + why);
    }
    // Another process (a second instance, `khung report`) may be writing:
    // wait for it rather than fail.
    sqlite3_busy_timeout(db_, 5000);
    // WAL: readers do not block the writer, and a crash mid-write leaves
    // the last committed state. NORMAL syncs at checkpoints: a power cut
    // may lose the last events, never the file. A file that is not a
    // database fails here (opening reads nothing), and is closed again.
    try {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=NORMAL");
      exec(kCreate);
      exec(kIndex);
    } catch (...) {
      sqlite3_close(db_);
      throw;
    }
  }
  ~SqliteStore() override { sqlite3_close(db_); }

  void record(const std::vector<Participation>& events) override {
    for (const Participation& e : events) validate(e);
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
      Statement insert(*this, kInsert);
      for (const Participation& e : events) {
        insert.bind({std::to_string(e.time), vietnam_day(e.time), e.template_id, e.unit, e.device, e.kind});
        insert.step();
        insert.reset();
      }
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  std::int64_t total_members() override {
    std::lock_guard lock(mutex_);
    Statement total(*this, kTotal);
    return total.step() ? sqlite3_column_int64(total.get(), 0) : 0;
  }

  std::vector<ReportRow> lines(const std::string& from, const std::string& to, ReportBy by,
                               std::int64_t& total) override {
    std::lock_guard lock(mutex_);
    std::vector<ReportRow> rows;
    Statement lines(*this, report_sql(by));
    lines.bind({from, to});
    while (lines.step()) {
      const auto* key = reinterpret_cast<const char*>(sqlite3_column_text(lines.get(), 0));
      rows.push_back({key ? key : "", sqlite3_column_int64(lines.get(), 1), sqlite3_column_int64(lines.get(), 2),
                      sqlite3_column_int64(lines.get(), 3)});
    }
    Statement whole(*this, kRangeTotal);
    whole.bind({from, to});
    total = whole.step() ? sqlite3_column_int64(whole.get(), 0) : 0;
    return rows;
  }

  const std::string& name() const override { return name_; }

 private:
  // A prepared statement; $N parameters become SQLite's ?N.
  class Statement {
   public:
    Statement(SqliteStore& store, const std::string& sql) : store_(store) {
      const std::string text = std::regex_replace(sql, std::regex(R"(\$(\d))"), "?$1");
      if (sqlite3_prepare_v2(store.db_, text.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) store.fail();
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    void bind(const std::vector<std::string>& values) {
      for (std::size_t i = 0; i < values.size(); ++i)
        if (sqlite3_bind_text(stmt_, static_cast<int>(i + 1), values[i].data(), static_cast<int>(values[i].size()),
                              SQLITE_TRANSIENT) != SQLITE_OK)
          store_.fail();
    }
    bool step() {
      const int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_ROW) return true;
      if (rc != SQLITE_DONE) store_.fail();
      return false;
    }
    void reset() {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
    sqlite3_stmt* get() const { return stmt_; }

   private:
    SqliteStore& store_;
    sqlite3_stmt* stmt_ = nullptr;
  };

  [[noreturn]] void fail() const { throw Error(ErrorCode::Io, name_ + ": " + sqlite3_errmsg(db_)); }
  void exec(const std::string& sql) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail();
  }

  std::string name_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

// --- PostgreSQL ---

class PostgresStore final : public CountStore {
 public:
  explicit PostgresStore(const std::string& uri) : uri_(uri), name_("counts database '" + without_password(uri) + "'") {
    std::lock_guard lock(mutex_);
    connect();
  }
  ~PostgresStore() override {
    if (conn_) PQfinish(conn_);
  }

  void record(const std::vector<Participation>& events) override {
    for (const Participation& e : events) validate(e);
    std::lock_guard lock(mutex_);
    with_connection([&] {
      run("BEGIN", {});
      try {
        for (const Participation& e : events)
          run(kInsert, {std::to_string(e.time), vietnam_day(e.time), e.template_id, e.unit, e.device, e.kind});
        run("COMMIT", {});
      } catch (...) {
        if (conn_ && PQstatus(conn_) == CONNECTION_OK) PQclear(PQexec(conn_, "ROLLBACK"));
        throw;
      }
    });
  }

  std::int64_t total_members() override {
    std::lock_guard lock(mutex_);
    std::int64_t total = 0;
    with_connection([&] { total = std::stoll(value(run(kTotal, {}), 0, 0)); });
    return total;
  }

  std::vector<ReportRow> lines(const std::string& from, const std::string& to, ReportBy by,
                               std::int64_t& total) override {
    std::lock_guard lock(mutex_);
    std::vector<ReportRow> rows;
    with_connection([&] {
      rows.clear();
      Result lines = run(report_sql(by), {from, to});
      for (int i = 0; i < PQntuples(lines.get()); ++i)
        rows.push_back({value(lines, i, 0), std::stoll(value(lines, i, 1)), std::stoll(value(lines, i, 2)),
                        std::stoll(value(lines, i, 3))});
      total = std::stoll(value(run(kRangeTotal, {from, to}), 0, 0));
    });
    return rows;
  }

  const std::string& name() const override { return name_; }

 private:
  using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

  static std::string value(const Result& r, int row, int column) {
    return PQgetisnull(r.get(), row, column) ? "0" : PQgetvalue(r.get(), row, column);
  }

  [[noreturn]] void fail(const char* why) const {
    std::string text = why;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    throw Error(ErrorCode::Io, name_ + ": " + text);
  }

  void connect() {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    // A database that does not answer must not hold a request for minutes.
    const char* keys[] = {"dbname", "connect_timeout", nullptr};
    const char* values[] = {uri_.c_str(), "5", nullptr};
    const auto start = std::chrono::steady_clock::now();
    conn_ = PQconnectdbParams(keys, values, 1);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      const std::string why = conn_ ? PQerrorMessage(conn_) : "out of memory";
      // Refused at once (a server restarting) is asked again next time;
      // a connection that timed out is left alone for a while.
      if (std::chrono::steady_clock::now() - start > std::chrono::seconds(4))
        quiet_until_ = std::chrono::steady_clock::now() + kQuietAfterTimeout;
      if (conn_) PQfinish(conn_);
      conn_ = nullptr;
      fail(why.c_str());
    }
    // The server's notices ("relation already exists, skipping") are not
    // ours to print.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    // Two instances starting at once must not both create the table.
    run("SELECT pg_advisory_lock(7261001)", {});
    try {
      run(kCreate, {});
      run(kIndex, {});
    } catch (...) {
      if (conn_) PQclear(PQexec(conn_, "SELECT pg_advisory_unlock(7261001)"));
      throw;
    }
    run("SELECT pg_advisory_unlock(7261001)", {});
  }

  // Runs fn; when the connection was lost (the server restarted), connects
  // again and runs it once more. A server that stopped answering is not
  // asked again in the same call (its connection was dropped).
  template <class Fn>
  void with_connection(Fn fn) {
    // A server that did not answer in time is left alone for a while:
    // each request would otherwise wait out its own timeout.
    if (std::chrono::steady_clock::now() < quiet_until_)
      fail("did not answer within 5 s; asked again 10 s after that");
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) connect();
    try {
      fn();
    } catch (const Error&) {
      if (!conn_ || PQstatus(conn_) == CONNECTION_OK) throw;
      connect();
      fn();
    }
  }

  // One statement, waiting at most kAnswerWithin for its answer: a server
  // that stops answering (frozen, or a network path that drops packets)
  // must not hold the service's requests. Then the connection is dropped,
  // and the next call connects again.
  Result run(const std::string& sql, const std::vector<std::string>& params) {
    constexpr auto kAnswerWithin = std::chrono::seconds(5);
    std::vector<const char*> p;
    for (const std::string& s : params) p.push_back(s.c_str());
    if (!PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(p.size()), nullptr, p.data(), nullptr, nullptr, 0))
      fail(PQerrorMessage(conn_));
    const auto deadline = std::chrono::steady_clock::now() + kAnswerWithin;
    Result last(nullptr, &PQclear);
    for (;;) {
      while (PQisBusy(conn_)) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
          PQfinish(conn_);
          conn_ = nullptr;
          quiet_until_ = std::chrono::steady_clock::now() + kQuietAfterTimeout;
          fail("no answer within 5 s");
        }
        pollfd wait{PQsocket(conn_), POLLIN, 0};
        if (::poll(&wait, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) fail(std::strerror(errno));
        if (!PQconsumeInput(conn_)) fail(PQerrorMessage(conn_));
      }
      PGresult* next = PQgetResult(conn_);
      if (!next) break;
      last.reset(next);
    }
    const ExecStatusType status = last ? PQresultStatus(last.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(PQerrorMessage(conn_));
    return last;
  }

  static constexpr auto kQuietAfterTimeout = std::chrono::seconds(10);
  std::string uri_, name_;
  PGconn* conn_ = nullptr;
  std::chrono::steady_clock::time_point quiet_until_{};
  std::mutex mutex_;
};

}  // namespace

void validate(const Participation& e) {
  if (!detail::valid_template_id(e.template_id)) throw invalid("template", "'" + e.template_id + "' is not a template id");
  if (e.unit.size() > kMaxUnitBytes)
    throw invalid("unit", std::to_string(e.unit.size()) + " bytes, over " + std::to_string(kMaxUnitBytes));
  if (detail::find_invalid_utf8(e.unit) != std::string_view::npos) throw invalid("unit", "not valid UTF-8");
  if (std::any_of(e.unit.begin(), e.unit.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; }))
    throw invalid("unit", "holds a control character");
  static const std::regex kDevice("^[A-Za-z0-9_-]{8,64}$");
  if (!std::regex_match(e.device, kDevice)) throw invalid("device", "must be 8 to 64 letters, digits, '-' or '_'");
  if (e.kind != "save" && e.kind != "share") throw invalid("kind", "'" + e.kind + "' is not \"save\" or \"share\"");
  if (e.time < 0) throw invalid("time", "before 1970");
}

std::string vietnam_day(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds + 7 * 3600);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

namespace {
constexpr detail::EnumName<ReportBy> kReportByNames[] = {
    {"unit", ReportBy::Unit}, {"day", ReportBy::Day}, {"template", ReportBy::Template}};
}  // namespace

const char* report_by_name(ReportBy by) { return detail::enum_name<ReportBy>(kReportByNames, by); }

ReportBy parse_report_by(std::string_view name) { return detail::parse_enum<ReportBy>(kReportByNames, name, "by"); }

void validate(const ReportQuery& q) {
  if (!q.from.empty() && !valid_day(q.from)) throw invalid("from", "'" + q.from + "' is not a date YYYY-MM-DD");
  if (!q.to.empty() && !valid_day(q.to)) throw invalid("to", "'" + q.to + "' is not a date YYYY-MM-DD");
  if (!q.from.empty() && !q.to.empty() && q.from > q.to)
    throw invalid("from", q.from + " is after to (" + q.to + ")");
}

std::string report_csv(const std::vector<ReportRow>& rows, ReportBy by, std::int64_t total_members) {
  std::string out = std::string(report_by_name(by)) + ",members,saves,shares\r\n";
  std::int64_t saves = 0, shares = 0;
  for (const ReportRow& r : rows) {
    out += csv_cell(r.key) + "," + std::to_string(r.members) + "," + std::to_string(r.saves) + "," +
           std::to_string(r.shares) + "\r\n";
    saves += r.saves;
    shares += r.shares;
  }
  out += "total," + std::to_string(total_members) + "," + std::to_string(saves) + "," + std::to_string(shares) + "\r\n";
  return out;
}

std::string printable_database(const std::string& database) { return without_password(database); }

std::vector<ReportRow> CountStore::report(const ReportQuery& query, std::int64_t& total) {
  validate(query);
  const auto [from, to] = range_of(query);
  return by_key(lines(from, to, query.by, total));
}

std::unique_ptr<CountStore> CountStore::open(const std::string& database) {
  if (database.starts_with("postgresql://") || database.starts_with("postgres://"))
    return std::make_unique<PostgresStore>(database);
  return std::make_unique<SqliteStore>(database);
}

}  // namespace khung
