#include "khung/batch.hpp"
#include "khung/error.hpp"
#include "khung/unicode.hpp"

#include <catch2/catch.hpp>

#include "latin_font.hpp"
#include "scratch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

using namespace khung;
namespace fs = std::filesystem;

namespace {

const char* kFamily[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"};
const char* kMiddle[] = {"Văn", "Thị", "Hữu", "Đức", "Ngọc"};
const char* kGiven[] = {"An", "Bình", "Cường", "Dũng", "Giang", "Hương", "Khánh", "Lộc", "Mỹ", "Phượng", "Quý", "Tuấn"};

std::string name_of(int i) {
  return std::string(kFamily[i % 10]) + " " + kMiddle[(i / 10) % 5] + " " + kGiven[(i * 7) % 12];
}

// A scratch folder with a small banner template (fast to render) and data.
struct Scratch : ScratchDir {
  Scratch() : ScratchDir("batch-test") {
    write("card.json", R"({"width": 320, "height": 100, "layers": [
        {"type": "fill", "color": "#C8102E"},
        {"type": "text", "text": "{{name}}", "box": [10, 10, 300, 80],
         "font": {"family": "Noto Sans", "weight": 700, "size": [8, 40]}, "max_lines": 1,
         "overflow": "error", "color": "#FFD23F", "align": "center", "valign": "middle"}]})");
  }
  Template card() const { return Template::load((dir / "card.json").string()); }
  // n rows "row,name"; rows in `bad` get a name too long to fit even at 8 px.
  fs::path names_csv(int n, std::set<int> bad = {}) const {
    std::string csv = "id,name\n";
    for (int i = 1; i <= n; ++i)
      csv += std::to_string(i) + "," + (bad.count(i) ? std::string(400, 'W') : name_of(i)) + "\n";
    return write("names.csv", csv);
  }
  std::set<std::string> images(const fs::path& folder) const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(folder))
      if (e.path().extension() == ".png") out.insert(e.path().filename().string());
    return out;
  }
};

// Starts the khung CLI with `args` (after the program name), its stderr into
// `err` (default: discarded); the caller waits for it.
pid_t spawn_cli(const std::vector<std::string>& args, const fs::path& err = "/dev/null") {
  std::string cli = KHUNG_CLI_PATH;
  std::vector<std::string> all = {cli};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int spawned = posix_spawn(&pid, cli.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(spawned == 0);
  return pid;
}

// The exit code of a spawned CLI, or -1 when a signal ended it.
int exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

BatchOptions options_for(const Scratch& s, const fs::path& data, const std::string& out) {
  BatchOptions o;
  o.data = data;
  o.output_dir = s.dir / out;
  o.jobs = 2;
  return o;
}

}  // namespace

TEST_CASE("slugs are ASCII without marks", "[batch]") {
  CHECK(slugify("Nguyễn Văn Đức") == "nguyen-van-duc");
  CHECK(slugify("  Công đoàn -- Điện lực (Hà Nội) ") == "cong-doan-dien-luc-ha-noi");
  CHECK(slugify("ĐẶNG THỊ ỶN") == "dang-thi-yn");
  CHECK(slugify("中文") == "");
}

TEST_CASE("two bad rows of fifty are named and the rest render", "[batch]") {
  Scratch s;
  BatchOptions o = options_for(s, s.names_csv(50, {17, 33}), "out");
  std::vector<std::size_t> reported;
  BatchSummary sum = run_batch(s.card(), o, [&](const RowResult& r) {
    if (r.status == RowStatus::Failed) reported.push_back(r.row);
  });
  CHECK(sum.total == 50);
  CHECK(sum.rendered == 48);
  CHECK(sum.failed == 2);
  std::sort(reported.begin(), reported.end());
  CHECK(reported == std::vector<std::size_t>{17, 33});
  REQUIRE(sum.failures.size() == 2);
  CHECK(sum.failures[0].row == 17);
  CHECK(sum.failures[0].line == 18);
  CHECK(sum.failures[0].message.find("does not fit the 300x80 px box") != std::string::npos);
  CHECK(s.images(o.output_dir).size() == 48);
  CHECK_FALSE(fs::exists(o.output_dir / "17.png"));
  // The report lists every row, after a UTF-8 byte-order mark, without which
  // Excel reads UTF-8 (the Vietnamese in messages and names) as Windows-1258.
  std::ifstream report(sum.report);
  std::string header, line;
  std::getline(report, header);
  CHECK(header == "\xEF\xBB\xBFrow,line,output,status,message");
  int rows = 0, failed = 0;
  while (std::getline(report, line)) {
    ++rows;
    if (line.find(",failed,") != std::string::npos) ++failed;
  }
  CHECK(rows == 50);
  CHECK(failed == 2);
}

TEST_CASE("skip-existing renders nothing the second time", "[batch]") {
  Scratch s;
  BatchOptions o = options_for(s, s.names_csv(12), "out");
  o.name = "{{name|slug}}.png";
  BatchSummary first = run_batch(s.card(), o);
  CHECK(first.rendered == 12);
  auto stamp = fs::last_write_time(o.output_dir / (slugify(name_of(1)) + ".png"));
  o.skip_existing = true;
  BatchSummary second = run_batch(s.card(), o);
  CHECK(second.rendered == 0);
  CHECK(second.skipped == 12);
  CHECK(fs::last_write_time(o.output_dir / (slugify(name_of(1)) + ".png")) == stamp);
}

TEST_CASE("three shards render every row exactly once, as one run would", "[batch][shard]") {
  Scratch s;
  fs::path data = s.names_csv(20);
  BatchOptions whole = options_for(s, data, "whole");
  whole.name = "{{name|slug}}.png";
  run_batch(s.card(), whole);
  std::set<std::string> together;
  std::size_t rendered = 0;
  for (int i = 0; i < 3; ++i) {
    BatchOptions shard = options_for(s, data, "shards");
    shard.name = whole.name;
    shard.shard_index = i;
    shard.shard_count = 3;
    BatchSummary sum = run_batch(s.card(), shard);
    CHECK(sum.total == (i < 2 ? 7u : 6u));
    rendered += sum.rendered;
    CHECK(sum.report.filename() == "report-shard-" + std::to_string(i) + "-of-3.csv");
  }
  CHECK(rendered == 20);
  CHECK(s.images(s.dir / "shards") == s.images(s.dir / "whole"));
  for (const std::string& f : s.images(s.dir / "whole")) {
    std::ifstream a(s.dir / "whole" / f, std::ios::binary), b(s.dir / "shards" / f, std::ios::binary);
    CHECK(std::string(std::istreambuf_iterator<char>(a), {}) == std::string(std::istreambuf_iterator<char>(b), {}));
  }
}

TEST_CASE("names that collide get a suffix, never overwrite", "[batch]") {
  Scratch s;
  fs::path data = s.write("dup.csv", "name\nNguyễn Văn Đức\nNGUYỄN VĂN ĐỨC\nNguyen Van Duc\nLê Lợi\n");
  BatchOptions o = options_for(s, data, "out");
  o.name = "{{name|slug}}.png";
  BatchSummary sum = run_batch(s.card(), o);
  CHECK(sum.rendered == 4);
  CHECK(s.images(o.output_dir) ==
        std::set<std::string>{"nguyen-van-duc.png", "nguyen-van-duc-2.png", "nguyen-van-duc-3.png", "le-loi.png"});
  // Row order decides who gets the plain name, whatever the thread timing.
  std::ifstream report(sum.report);
  std::string all(std::istreambuf_iterator<char>(report), {});
  CHECK(all.find("1,2,nguyen-van-duc.png,rendered") != std::string::npos);
  CHECK(all.find("3,4,nguyen-van-duc-3.png,rendered") != std::string::npos);
}

TEST_CASE("options and columns are checked before any rendering", "[batch][errors]") {
  Scratch s;
  fs::path data = s.write("units.csv", "unit\nA\n");
  BatchOptions o = options_for(s, data, "out");
  CHECK_THROWS_WITH(run_batch(s.card(), o), "data '" + data.string() + "': no column 'name' for the template's field (columns: unit)");
  o.data = s.names_csv(3);
  o.shard_index = 3;
  o.shard_count = 3;
  CHECK_THROWS_WITH(run_batch(s.card(), o), "shard 3/3: expected I/N with 0 <= I < N <= 10000");
  o.shard_index = 0;
  o.shard_count = 1;
  o.jobs = 257;
  CHECK_THROWS_WITH(run_batch(s.card(), o), "jobs 257: must be between 0 (one per core) and 256");
  o.jobs = 0;
  o.name = "{{name|upper}}.png";
  CHECK_THROWS_WITH(run_batch(s.card(), o), "name pattern '{{name|upper}}.png': unknown filter 'upper' (only 'slug')");
  o.name = "{{nmae}}";
  CHECK_THROWS_WITH(run_batch(s.card(), o), "data '" + o.data.string() + "': no column 'nmae' used in the name pattern (columns: id, name)");
  o.name = "../{{name}}";
  CHECK_THROWS_WITH(run_batch(s.card(), o), "name pattern '../{{name}}': names are file names, without folders");
  CHECK_FALSE(fs::exists(o.output_dir));
}

TEST_CASE("fail-fast stops at the first failure", "[batch]") {
  Scratch s;
  BatchOptions o = options_for(s, s.names_csv(40, {3}), "out");
  o.jobs = 1;
  o.fail_fast = true;
  BatchSummary sum = run_batch(s.card(), o);
  CHECK(sum.failed == 1);
  CHECK(sum.rendered < 39);
}

TEST_CASE("rows with characters no font has are rendered with warnings, reported and counted", "[batch]") {
  Scratch s;
  fs::path data = s.write("party.csv", "name\nNguyễn Văn An\nChúc mừng 🎉\nTrần Thị 😀 🎉\n");
  BatchOptions o = options_for(s, data, "out");
  std::map<std::size_t, std::vector<RenderWarning>> seen;
  BatchSummary sum = run_batch(s.card(), o, [&](const RowResult& r) { seen[r.row] = r.warnings; });
  CHECK(sum.total == 3);
  CHECK(sum.rendered == 3);  // every image is written
  CHECK(sum.warned == 2);
  CHECK(sum.failed == 0);
  CHECK(s.images(o.output_dir) == std::set<std::string>{"1.png", "2.png", "3.png"});
  CHECK(seen[1].empty());
  CHECK(seen[2] == std::vector<RenderWarning>{{"field 'name'", "no font has U+1F389; it is left blank"}});
  CHECK(seen[3] == std::vector<RenderWarning>{{"field 'name'", "no font has U+1F600, U+1F389; they are left blank"}});
  CHECK(read_file(sum.report) ==
        "\xEF\xBB\xBFrow,line,output,status,message\n"
        "1,2,1.png,rendered,\n"
        "2,3,2.png,rendered with warnings,field 'name': no font has U+1F389; it is left blank\n"
        "3,4,3.png,rendered with warnings,\"field 'name': no font has U+1F600, U+1F389; they are left blank\"\n");
}

TEST_CASE("check --data names every row that would fail", "[batch][check]") {
  Scratch s;
  fs::path data = s.write("rows.csv",
                          "name,email\nNguyễn Văn An\n,x@y\nViÖt Nam\n" + std::string(300, 'M') + ",\nTổ 中\n");
  BatchOptions o;
  o.data = data;
  DataCheck c = check_data(s.card(), o);
  CHECK(c.total == 5);
  CHECK(c.unused_columns == std::vector<std::string>{"email"});
  REQUIRE(c.rows.size() == 4);
  CHECK(c.rows[0].row == 2);
  CHECK(c.rows[0].problems[0] == CheckProblem{CheckKind::MissingField, "field 'name'", "missing"});
  CHECK(c.rows[1].row == 3);
  // The problem names the encoding; how to convert is each face's to say.
  CHECK(c.rows[1].problems[0] == CheckProblem{CheckKind::LegacyText, "field 'name'", "looks like tcvn3 text",
                                              CheckSeverity::Problem, LegacyEncoding::Tcvn3});
  CHECK(c.rows[2].problems[0].where == "layers[1]");
  CHECK(c.rows[3].problems[0] == CheckProblem{CheckKind::NoGlyph, "field 'name'", "no font has U+4E2D; it is left blank"});
  // With the conversion, the TCVN3 row is fine.
  o.legacy = LegacyEncoding::Tcvn3;
  CHECK(check_data(s.card(), o).rows.size() == 3);
  CHECK(c.template_checks.empty());  // Noto Sans Bold has every letter
}

TEST_CASE("check --data says once that a box leaves the canvas and fails the rows it cuts", "[batch][check]") {
  Scratch s;
  s.write("edge.json", R"({"width": 600, "height": 100, "layers": [
      {"type": "text", "text": "{{name}}", "box": [300, 10, 400, 80], "font": {"family": "Noto Sans", "size": 40},
       "max_lines": 1}]})");
  BatchOptions o;
  o.data = s.write("names.csv", "name\nAn\nNguyễn Thị Thanh Phượng\nLan\n");
  DataCheck c = check_data(Template::load((s.dir / "edge.json").string()), o);
  CHECK(c.template_checks == std::vector<CheckProblem>{{CheckKind::BoxLeavesCanvas, "layers[0].box",
                                                        "the text box [300, 10, 400, 80] leaves the 600x100 canvas by "
                                                        "100 px at the right; text whose ink reaches there is cut off",
                                                        CheckSeverity::Note}});
  REQUIRE(c.rows.size() == 1);
  CHECK(c.rows[0].row == 2);
  REQUIRE(c.rows[0].problems.size() == 1);
  CHECK(c.rows[0].problems[0].where == "layers[0].box");
  CHECK(c.rows[0].problems[0].message.starts_with("the text is cut off by the canvas edge: its ink leaves the 600x100 canvas by "));
}

TEST_CASE("check --data notes once the letters a font lacks over every row", "[batch][check]") {
  Scratch s;
  write_latin_only_font(fs::path(KHUNG_SOURCE_DIR) / "fonts" / "NotoSans-Bold.ttf", s.dir / "latin-bold.ttf");
  s.write("latin.json", R"({"width": 320, "height": 100, "layers": [
      {"type": "text", "text": "{{name}}", "box": [10, 10, 300, 80],
       "font": {"family": "latin-bold.ttf", "size": [8, 40]}, "max_lines": 1}]})");
  BatchOptions o;
  o.data = s.write("names.csv", "name\nLê Văn An\nĐặng Thị Hà\nJosé\nTrần Ưng\n");
  DataCheck c = check_data(Template::load((s.dir / "latin.json").string()), o);
  CHECK(c.total == 4);
  CHECK(c.rows.empty());  // a note fails no row
  // The font's Vietnamese letters (check_fonts), then what the rows took.
  REQUIRE(c.template_checks.size() == 2);
  CHECK(c.template_checks[0].where == "layers[0].font");
  CHECK(c.template_checks[0].severity == CheckSeverity::Note);
  CHECK(c.template_checks[0].message.starts_with(
      "font 'Noto Sans Bold' (latin-bold.ttf) lacks 102 of the 134 Vietnamese letters: ả ạ ă ằ ắ ẳ ẵ ặ ầ "));
  c.template_checks.erase(c.template_checks.begin());
  CHECK(c.template_checks ==
        std::vector<CheckProblem>{{CheckKind::FallbackFont, "layers[0].font",
                                   "font 'Noto Sans Bold' (latin-bold.ttf) lacks some characters, drawn from fallback "
                                   "fonts: ă Đ ặ ị ầ Ư (U+0103, U+0110, U+1EB7, U+1ECB, U+1EA7, U+01AF) from Noto Sans Bold",
                                   CheckSeverity::Note}});
}

TEST_CASE("a blank cell is a missing field in batch and check, or takes the default", "[batch][check][fields]") {
  Scratch s;
  // Rows 2-5: empty, spaces, a no-break space, an ideographic space.
  fs::path data = s.write("blank.csv", "id,name\n1,An\n2,\n3,   \n4,\u00A0\n5,\u3000\n6,Bình\n");
  BatchOptions o = options_for(s, data, "out");
  BatchSummary sum = run_batch(s.card(), o);
  CHECK(sum.rendered == 2);
  REQUIRE(sum.failed == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(sum.failures[i].row == i + 2);
    CHECK(sum.failures[i].message == "field 'name': missing");
  }
  o.data = data;
  DataCheck c = check_data(s.card(), o);
  REQUIRE(c.rows.size() == 4);
  for (const RowCheck& row : c.rows) CHECK(row.problems == std::vector<CheckProblem>{{CheckKind::MissingField, "field 'name'", "missing"}});

  // With a default, the same rows render it.
  s.write("greet.json", R"({"width": 320, "height": 100, "fields": {"name": {"default": "Công đoàn"}}, "layers": [
      {"type": "text", "text": "{{name}}", "box": [10, 10, 300, 80], "font": {"family": "Noto Sans", "size": 30}}]})");
  Template greet = Template::load((s.dir / "greet.json").string());
  o.output_dir = s.dir / "greet";
  o.name = "{{row}}.png";
  CHECK(run_batch(greet, o).rendered == 6);
  CHECK(check_data(greet, o).rows.empty());
  RenderOptions defaulted;
  defaulted.fields = {{"name", "Công đoàn"}};
  const Image expected = render_template(greet, defaulted);
  for (int row = 2; row <= 5; ++row) CHECK(read_image(s.dir / "greet" / (std::to_string(row) + ".png")) == expected);
}

TEST_CASE("an output width out of range, 0 included, stops the batch before any row", "[batch][width]") {
  Scratch s;
  BatchOptions o = options_for(s, s.names_csv(3), "out");
  for (int width : {0, 8, 1281}) {
    o.output_width = width;
    const std::string message = "width " + std::to_string(width) + ": must be between 16 and 1280 px";
    CHECK_THROWS_WITH(validate(o, s.card()), message);
    CHECK_THROWS_WITH(run_batch(s.card(), o), message);
    CHECK_FALSE(fs::exists(o.output_dir));
  }
  o.output_width = 160;
  CHECK(run_batch(s.card(), o).rendered == 3);
  CHECK(read_image(o.output_dir / "1.png").width() == 160);
}

TEST_CASE("a column headed with a field's label, in any case and NFC or NFD, fills the field", "[batch][columns]") {
  Scratch s;
  s.write("greeting.json", R"({"width": 320, "height": 100,
      "fields": {"name": {"label": "Họ và tên"}, "unit": {"label": "Đơn vị", "default": "Công đoàn"}}, "layers": [
      {"type": "text", "text": "{{name}} – {{unit}}", "box": [10, 10, 300, 80],
       "font": {"family": "Noto Sans", "size": [8, 30]}, "max_lines": 2}]})");
  const Template greeting = Template::load((s.dir / "greeting.json").string());
  const std::string rows = "Nguyễn Thị Phượng,Tổ 1\nLê Văn Lợi,Tổ 2\n";
  BatchOptions by_key = options_for(s, s.write("keys.csv", "name,unit\n" + rows), "keys");
  by_key.name = "{{name|slug}}.png";
  REQUIRE(run_batch(greeting, by_key).rendered == 2);
  // The labels as typed, in capitals, in NFD (as macOS may save them), and
  // the key itself in another case.
  for (const std::string& header : {std::string("Họ và tên,Đơn vị"), std::string("HỌ VÀ TÊN,ĐƠN VỊ"),
                                    to_nfd("họ và tên,đơn vị"), std::string("Name,UNIT")}) {
    INFO(header);
    BatchOptions o = options_for(s, s.write("labels.csv", "STT," + header + "\n1," + rows.substr(0, rows.find('\n')) +
                                                              "\n2," + rows.substr(rows.find('\n') + 1)),
                                 "labels");
    o.name = "{{name|slug}}.png";
    fs::remove_all(o.output_dir);
    BatchSummary sum = run_batch(greeting, o);
    CHECK(sum.rendered == 2);
    for (const char* file : {"nguyen-thi-phuong.png", "le-van-loi.png"})
      CHECK(read_image(o.output_dir / file) == read_image(by_key.output_dir / file));
    DataCheck c = check_data(greeting, o);
    CHECK(c.rows.empty());
    CHECK(c.unused_columns == std::vector<std::string>{"STT"});
  }
  // Two columns for one field are refused, naming both.
  BatchOptions twice = options_for(s, s.write("twice.csv", "name,Họ và tên\nAn,Bình\n"), "twice");
  CHECK_THROWS_WITH(run_batch(greeting, twice),
                    "data '" + twice.data.string() + "': columns 'name' and 'Họ và tên' are both the field 'name'");
  // A missing column is named with its label.
  BatchOptions none = options_for(s, s.write("none.csv", "Tên,unit\nAn,Tổ 1\n"), "none");
  CHECK_THROWS_WITH(run_batch(greeting, none), "data '" + none.data.string() +
                                                   "': no column 'name' or 'Họ và tên' for the template's field "
                                                   "(columns: Tên, unit)");
}

TEST_CASE("legacy text is converted before rendering", "[batch]") {
  Scratch s;
  fs::path data = s.write("legacy.csv", "name\nViÖt Nam\n");
  BatchOptions o = options_for(s, data, "out");
  o.name = "{{name|slug}}";
  std::vector<CheckProblem> problems;
  CHECK(run_batch(s.card(), o, [&](const RowResult& r) { problems = r.problems; }).failed == 1);
  // The failed row carries its problem for a face to advise on; the report
  // says what it is.
  CHECK(problems == std::vector<CheckProblem>{{CheckKind::LegacyText, "field 'name'", "looks like tcvn3 text",
                                                CheckSeverity::Problem, LegacyEncoding::Tcvn3}});
  CHECK(read_file(o.output_dir / "report.csv") ==
        "\xEF\xBB\xBFrow,line,output,status,message\n"
        "1,2,viot-nam.png,failed,field 'name': looks like tcvn3 text\n");
  o.legacy = LegacyEncoding::Tcvn3;
  CHECK(run_batch(s.card(), o).rendered == 1);
  // Both the image and its name show the converted text.
  RenderOptions direct;
  direct.fields = {{"name", "Việt Nam"}};
  CHECK(read_image(o.output_dir / "viet-nam.png") == render_template(s.card(), direct));
}

TEST_CASE("a killed batch leaves no partial image, and a rerun completes it", "[batch][interrupt]") {
  Scratch s;
  fs::path data = s.names_csv(400);
  fs::path out = s.dir / "out";
  std::string tpl = (s.dir / "card.json").string();
  auto start = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"batch", tpl, "--data", data.string(), "-o", out.string(), "--jobs", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return spawn_cli(args);
  };
  auto wait_for_some = [&] {
    for (int i = 0; i < 400 && (!fs::exists(out) || s.images(out).size() < 20); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  auto all_whole = [&] {
    for (const std::string& f : s.images(out)) {
      INFO(f);
      CHECK_NOTHROW(read_image(out / f));
    }
  };

  for (int sig : {SIGTERM, SIGKILL}) {
    INFO("signal " << sig);
    fs::remove_all(out);
    pid_t pid = start({});
    wait_for_some();
    kill(pid, sig);
    int status = 0;
    waitpid(pid, &status, 0);
    std::size_t done = s.images(out).size();
    CHECK(done >= 20);
    CHECK(done < 400);
    all_whole();
    if (sig == SIGTERM) {
      // Rows in progress finish: no temporary file is left either.
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 1);
      for (const auto& e : fs::directory_iterator(out)) CHECK_FALSE(is_temporary_file(e.path()));
    }
    pid = start({"--skip-existing"});
    waitpid(pid, &status, 0);
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(s.images(out).size() == 400);
    all_whole();
    for (const auto& e : fs::directory_iterator(out)) CHECK_FALSE(is_temporary_file(e.path()));
  }
}

TEST_CASE("three khung batch processes, one per shard, write the files of one unsharded run", "[batch][shard]") {
  // What a Kubernetes Indexed Job does (deploy/k8s/batch-job.yaml): one
  // process per shard, at the same time, into one shared folder.
  Scratch s;
  std::string csv = "id,name\n";
  for (int i = 1; i <= 90; ++i) {
    std::string name = name_of(i);
    if (i == 10) name = "Nguyễn Văn Đức";  // rows 10-12 share a slug, one row in each shard
    if (i == 11) name = "NGUYỄN VĂN ĐỨC";
    if (i == 12) name = "Nguyen Van Duc";
    if (i == 40 || i == 80) name = name_of(5);  // the same name as row 5, in other shards
    if (i == 50) name = std::string(100, 'W');   // cannot fit: fails, in shard 1
    csv += std::to_string(i) + "," + name + "\n";
  }
  fs::path data = s.write("names.csv", csv);
  std::string tpl = (s.dir / "card.json").string();
  auto batch = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> args = {"batch", tpl, "--data", data.string(), "-o", (s.dir / out).string(),
                                     "--name", "{{name|slug}}.jpg"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  // Every file but the reports, name to bytes.
  auto outputs = [&](const std::string& out) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::directory_iterator(s.dir / out)) {
      std::string name = e.path().filename().string();
      if (name.rfind("report", 0) != 0) files[name] = read_file(e.path());
    }
    return files;
  };
  // A report's rows (header left out), by row number.
  auto report_rows = [&](const fs::path& report, std::map<int, std::string>& rows) {
    std::ifstream in(report);
    std::string line;
    std::getline(in, line);
    CHECK(line == "\xEF\xBB\xBFrow,line,output,status,message");
    while (std::getline(in, line)) CHECK(rows.emplace(std::stoi(line), line).second);
  };

  CHECK(exit_code(spawn_cli(batch("whole", {"--jobs", "2"}))) == 1);
  std::vector<pid_t> shards;
  for (int i = 0; i < 3; ++i)
    shards.push_back(spawn_cli(batch("shards", {"--jobs", "1", "--shard", std::to_string(i) + "/3"}),
                               s.dir / ("shard-" + std::to_string(i) + ".err")));
  for (int i = 0; i < 3; ++i) {
    INFO("shard " << i << ": " << read_file(s.dir / ("shard-" + std::to_string(i) + ".err")));
    CHECK(exit_code(shards[i]) == (i == 1 ? 1 : 0));  // only shard 1 has the failing row
  }

  auto whole = outputs("whole");
  CHECK(whole.size() == 89);
  CHECK(whole.count("nguyen-van-duc.jpg") == 1);
  CHECK(whole.count("nguyen-van-duc-2.jpg") == 1);
  CHECK(whole.count("nguyen-van-duc-3.jpg") == 1);
  CHECK(whole.count(slugify(name_of(5)) + "-3.jpg") == 1);
  CHECK(outputs("shards") == whole);  // same names, same bytes; no temporary file left

  // The failing row is reported by its shard alone, and the three reports
  // together are the unsharded report, row for row.
  CHECK(read_file(s.dir / "shard-1.err").find("khung: error: row 50 (line 51): ") != std::string::npos);
  CHECK_FALSE(fs::exists(s.dir / "shards" / "report.csv"));
  std::map<int, std::string> one, three;
  report_rows(s.dir / "whole" / "report.csv", one);
  for (int i = 0; i < 3; ++i) report_rows(s.dir / "shards" / ("report-shard-" + std::to_string(i) + "-of-3.csv"), three);
  CHECK(one.size() == 90);
  CHECK(three == one);
  CHECK(one[50].find(",failed,") != std::string::npos);

  // A retried shard (a pod killed and started again) renders only what is
  // missing, and the folder is again the unsharded run's.
  int removed = 0;
  for (const auto& [name, bytes] : whole)
    if (removed < 5 && name.rfind("nguyen", 0) == 0 && fs::remove(s.dir / "shards" / name)) ++removed;
  REQUIRE(removed == 5);
  std::vector<std::string> retry = batch("shards", {"--jobs", "1", "--skip-existing"});
  for (int i = 0; i < 3; ++i) {
    std::vector<std::string> args = retry;
    args.insert(args.end(), {"--shard", std::to_string(i) + "/3"});
    fs::path err = s.dir / ("retry-" + std::to_string(i) + ".err");
    CHECK(exit_code(spawn_cli(args, err)) == (i == 1 ? 1 : 0));
  }
  CHECK(outputs("shards") == whole);
  std::map<int, std::string> retried;
  for (int i = 0; i < 3; ++i)
    report_rows(s.dir / "shards" / ("report-shard-" + std::to_string(i) + "-of-3.csv"), retried);
  int rendered = 0, skipped = 0;
  for (const auto& [row, line] : retried) {
    rendered += line.find(",rendered,") != std::string::npos;
    skipped += line.find(",skipped,") != std::string::npos;
  }
  CHECK(rendered == 5);
  CHECK(skipped == 84);
}
