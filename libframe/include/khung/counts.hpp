#pragma once
// Participation counts of a campaign, with no personal data: each time a
// member saves or shares a framed photo, the page sends the template, the
// unit the member chose from the campaign's list (if any) and a random id
// the page keeps on the phone; no photo, name or address, and the service
// stores no IP address. Kept in SQLite (one file; WAL, so a crash mid-write
// loses at most that write) or PostgreSQL (several instances counting
// together).
//
// A separate library (khung_counts) from libkhung: libpq brings TLS and
// Kerberos libraries that no other command should load at start-up.
//
//   auto store = CountStore::open("/var/lib/khung/counts.sqlite");  // or "postgresql://khung@db/khung"
//   store->record({.template_id = "frame-ring", .unit = "", .device = "k3J9...", .kind = "save", .time = now});
//   std::cout << report_csv(store->report({.from = "2026-12-01", .to = "2026-12-31", .by = ReportBy::Unit}), ReportBy::Unit);

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace khung {

struct Participation {
  std::string template_id;
  std::string unit = {};    // empty: none chosen
  std::string device = {};  // the page's random id: 8 to 64 of A-Z a-z 0-9 '-' '_'
  std::string kind = {};    // "save" or "share"
  std::int64_t time = 0;    // Unix seconds
};

// Checks the shape of each part (not whether the template or unit exists,
// which the service knows): an id as template ids are, a unit of at most
// 300 bytes of valid UTF-8 without control characters, the device id, the
// kind. Throws Error(InvalidArgument) naming the part ("device: ...").
void validate(const Participation& event);

// The calendar day of a time in Vietnam (UTC+7, no daylight saving), as
// "YYYY-MM-DD": what reports group by and --from/--to name.
std::string vietnam_day(std::int64_t unix_seconds);

enum class ReportBy { Unit, Day, Template };
// "unit", "day", "template"; parse_report_by throws Error(InvalidArgument).
const char* report_by_name(ReportBy by);
ReportBy parse_report_by(std::string_view name);

struct ReportQuery {
  std::string from = {};  // first day included, "YYYY-MM-DD"; empty: from the start
  std::string to = {};    // last day included; empty: to today
  ReportBy by = ReportBy::Unit;
};

// Checks the days' form and order. Throws Error(InvalidArgument) naming them.
void validate(const ReportQuery& query);

// One line of a report: the unit, day or template, and its counts.
struct ReportRow {
  std::string key;            // "" for events without a unit
  std::int64_t members = 0;   // distinct devices: a member counts once per line (per day, by day)
  std::int64_t saves = 0;     // events of each kind
  std::int64_t shares = 0;
  friend bool operator==(const ReportRow&, const ReportRow&) = default;
};

// The report as CSV (RFC 4180, UTF-8, CRLF): a header "unit,members,saves,shares"
// (or day, template), then the rows, and a last line "total" over all rows
// with the distinct members of the whole range.
std::string report_csv(const std::vector<ReportRow>& rows, ReportBy by, std::int64_t total_members);

// The database as it may be printed or logged: a URI's password (in its
// user part or a password= parameter) replaced by ***.
std::string printable_database(const std::string& database);

class CountStore {
 public:
  // "postgresql://..." or "postgres://..." (a libpq connection URI), else
  // a SQLite database file (made with its table when missing). Throws
  // Error(Io) naming the database (without its password) when it cannot
  // be opened or reached.
  static std::unique_ptr<CountStore> open(const std::string& database);
  virtual ~CountStore() = default;

  // Stores events in one transaction: all or none. Throws Error(Io) when
  // the database fails (then none is stored), or does not answer within
  // 5 s (PostgreSQL: the connection is then dropped, and the next call
  // connects again); validates each first.
  virtual void record(const std::vector<Participation>& events) = 0;
  // Distinct devices over all time: the page's "N members took part".
  virtual std::int64_t total_members() = 0;
  // Rows sorted by their keys' bytes (the same order from either store,
  // whatever PostgreSQL's collation); the distinct members of the whole
  // range in `total`. Throws validate(query)'s errors, Error(Io) as record.
  std::vector<ReportRow> report(const ReportQuery& query, std::int64_t& total);
  // The database as named in messages: the file, or the URI without its password.
  virtual const std::string& name() const = 0;

 private:
  // The lines of days from..to (inclusive, "YYYY-MM-DD"), in any order.
  virtual std::vector<ReportRow> lines(const std::string& from, const std::string& to, ReportBy by,
                                       std::int64_t& total) = 0;
};

}  // namespace khung
