// Participation counts (counts.hpp) in SQLite and in a real PostgreSQL
// server started for the test (tests/postgres/server).

#include "khung/counts.hpp"
#include "khung/error.hpp"

#include <catch2/catch.hpp>

#include "scratch.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace khung;
namespace fs = std::filesystem;

namespace Catch {
template <>
struct StringMaker<ReportRow> {
  static std::string convert(const ReportRow& r) {
    return "{\"" + r.key + "\", " + std::to_string(r.members) + ", " + std::to_string(r.saves) + ", " +
           std::to_string(r.shares) + "}";
  }
};
}  // namespace Catch

namespace {

// 2026-12-07 10:00 in Vietnam.
constexpr std::int64_t kMorning = 1'796'612'400;
constexpr std::int64_t kDay = 86'400;

Participation event(std::string tpl, std::string unit, std::string device, std::string kind, std::int64_t time) {
  return {std::move(tpl), std::move(unit), std::move(device), std::move(kind), time};
}

// The events of a small campaign: three members over two days, one of them
// saving twice and sharing, one in no unit.
std::vector<Participation> campaign_events() {
  return {event("frame-ring", "Công đoàn Huế", "device-aaaa", "save", kMorning),
          event("frame-ring", "Công đoàn Huế", "device-aaaa", "save", kMorning + 60),
          event("frame-ring", "Công đoàn Huế", "device-aaaa", "share", kMorning + 120),
          event("frame-ribbon", "Công đoàn Đà Nẵng, \"Khu 2\"", "device-bbbb", "save", kMorning + 300),
          event("frame-ribbon", "", "device-cccc", "save", kMorning + kDay),
          event("frame-ring", "Công đoàn Huế", "device-aaaa", "save", kMorning + kDay)};
}

// A PostgreSQL server in a temporary folder, for one test case.
struct Postgres {
  fs::path dir = fs::temp_directory_path() / ("khung-pg-" + std::to_string(::getpid()) + "-" +
                                              std::to_string(reinterpret_cast<std::uintptr_t>(this) & 0xFFFF));
  std::string uri;
  const std::string script = std::string(KHUNG_SOURCE_DIR) + "/tests/postgres/server";

  Postgres() {
    fs::remove_all(dir);
    std::unique_ptr<FILE, decltype(&pclose)> out(popen((script + " start " + dir.string()).c_str(), "r"), &pclose);
    char line[512] = {};
    if (out && fgets(line, sizeof line, out.get())) uri = line;
    while (!uri.empty() && uri.back() == '\n') uri.pop_back();
    if (uri.empty()) FAIL("the PostgreSQL test server did not start (" + script + ")");
  }
  ~Postgres() { std::system((script + " stop " + dir.string()).c_str()); }
};

void check_campaign_report(CountStore& store) {
  store.record(campaign_events());
  CHECK(store.total_members() == 3);

  std::int64_t total = 0;
  const auto by_unit = store.report({.by = ReportBy::Unit}, total);
  CHECK(total == 3);
  REQUIRE(by_unit.size() == 3);
  CHECK(by_unit[0] == ReportRow{"", 1, 1, 0});
  CHECK(by_unit[1] == ReportRow{"Công đoàn Huế", 1, 3, 1});
  CHECK(by_unit[2] == ReportRow{"Công đoàn Đà Nẵng, \"Khu 2\"", 1, 1, 0});
  CHECK(report_csv(by_unit, ReportBy::Unit, total) ==
        "unit,members,saves,shares\r\n"
        ",1,1,0\r\n"
        "Công đoàn Huế,1,3,1\r\n"
        "\"Công đoàn Đà Nẵng, \"\"Khu 2\"\"\",1,1,0\r\n"
        "total,3,5,1\r\n");

  const auto by_day = store.report({.by = ReportBy::Day}, total);
  REQUIRE(by_day.size() == 2);
  CHECK(by_day[0] == ReportRow{"2026-12-07", 2, 3, 1});  // device-aaaa counted once that day
  CHECK(by_day[1] == ReportRow{"2026-12-08", 2, 2, 0});

  const auto second_day = store.report({.from = "2026-12-08", .to = "2026-12-08", .by = ReportBy::Template}, total);
  CHECK(total == 2);
  REQUIRE(second_day.size() == 2);
  CHECK(second_day[0] == ReportRow{"frame-ribbon", 1, 1, 0});
  CHECK(second_day[1] == ReportRow{"frame-ring", 1, 1, 0});
  CHECK(store.report({.from = "2027-01-01", .by = ReportBy::Day}, total).empty());
  CHECK(total == 0);
}

}  // namespace

TEST_CASE("a day is Vietnam's calendar day", "[counts]") {
  CHECK(vietnam_day(kMorning) == "2026-12-07");
  CHECK(vietnam_day(1'796'576'399) == "2026-12-06");  // 23:59:59 in Vietnam, 16:59:59 UTC
  CHECK(vietnam_day(1'796'576'400) == "2026-12-07");  // midnight in Vietnam
}

TEST_CASE("events and report queries are checked, naming the part at fault", "[counts]") {
  const auto refused = [](Participation e, const std::string& what) {
    try {
      validate(e);
      FAIL("accepted: " + what);
    } catch (const Error& err) {
      CHECK(std::string(err.what()).starts_with(what));
    }
  };
  const Participation good = event("frame-ring", "Công đoàn Huế", "abcdEFGH-123_", "save", kMorning);
  CHECK_NOTHROW(validate(good));
  Participation e = good;
  e.template_id = "../etc";
  refused(e, "template: '../etc' is not a template id");
  e = good;
  e.unit = std::string(301, 'a');
  refused(e, "unit: 301 bytes, over 300");
  e.unit = "C\xf4ng";
  refused(e, "unit: not valid UTF-8");
  e.unit = "a\nb";
  refused(e, "unit: holds a control character");
  e = good;
  e.device = "short";
  refused(e, "device: must be 8 to 64");
  e.device = "name@example.com";
  refused(e, "device: must be 8 to 64");
  e = good;
  e.kind = "print";
  refused(e, "kind: 'print' is not");

  CHECK_THROWS_WITH(validate(ReportQuery{.from = "2026-02-30"}), "from: '2026-02-30' is not a date YYYY-MM-DD");
  CHECK_THROWS_WITH(validate(ReportQuery{.to = "7/12/2026"}), "to: '7/12/2026' is not a date YYYY-MM-DD");
  CHECK_THROWS_WITH(validate(ReportQuery{.from = "2026-12-08", .to = "2026-12-07"}),
                    "from: 2026-12-08 is after to (2026-12-07)");
  CHECK_THROWS_WITH(parse_report_by("week"), "by: 'week' is not one of: unit, day, template");
  CHECK(parse_report_by("template") == ReportBy::Template);
}

TEST_CASE("SQLite counts members, saves and shares by unit, day and template", "[counts]") {
  ScratchDir scratch("counts-sqlite");
  auto store = CountStore::open((scratch.dir / "counts.sqlite").string());
  check_campaign_report(*store);
  // A second store on the same file (a second instance, `khung report`) sees them.
  auto again = CountStore::open((scratch.dir / "counts.sqlite").string());
  CHECK(again->total_members() == 3);
  // A batch with one bad event stores none of it.
  std::vector<Participation> batch = {event("frame-ring", "", "device-dddd", "save", kMorning),
                                      event("frame-ring", "", "x", "save", kMorning)};
  CHECK_THROWS_AS(again->record(batch), Error);
  CHECK(store->total_members() == 3);
}

TEST_CASE("a SQLite file that cannot be opened is named", "[counts]") {
  ScratchDir scratch("counts-bad");
  scratch.write("not-a-db.sqlite", std::string(4096, 'x'));
  try {
    CountStore::open((scratch.dir / "not-a-db.sqlite").string());
    FAIL("opened a file that is not a database");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Io);
    CHECK(std::string(e.what()).starts_with("counts database '" + (scratch.dir / "not-a-db.sqlite").string() + "': "));
  }
}

TEST_CASE("PostgreSQL counts the same, and two stores count together", "[counts][postgres]") {
  Postgres pg;
  auto store = CountStore::open(pg.uri);
  auto second = CountStore::open(pg.uri);  // a second instance behind the same nginx
  check_campaign_report(*store);
  second->record({event("frame-ring", "Công đoàn Huế", "device-eeee", "share", kMorning + 2 * kDay)});
  CHECK(store->total_members() == 4);

  // Many writers at once: every event is counted, exactly.
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      auto own = CountStore::open(pg.uri);
      for (int i = 0; i < 25; ++i)
        own->record({event("frame-ring", "", "writer-" + std::to_string(w) + "-" + std::to_string(i), "save", kMorning)});
    });
  for (auto& t : writers) t.join();
  std::int64_t total = 0;
  const auto by_template = store->report({.by = ReportBy::Template}, total);
  CHECK(total == 104);
  REQUIRE(by_template.size() == 2);
  CHECK(by_template[1] == ReportRow{"frame-ring", 102, 103, 2});  // device-aaaa, -eeee and the 100 writers
}

TEST_CASE("an unreachable PostgreSQL server is named without its password", "[counts][postgres]") {
  try {
    CountStore::open("postgresql://khung:s3cret@/khung?host=/nonexistent-khung-socket");
    FAIL("connected to nothing");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Io);
    const std::string message = e.what();
    CHECK(message.starts_with("counts database 'postgresql://khung:***@/khung?host=/nonexistent-khung-socket': "));
    CHECK(message.find("s3cret") == std::string::npos);
  }
}
