#include "khung/data.hpp"
#include "khung/error.hpp"
#include "khung/unicode.hpp"

#include <catch2/catch.hpp>

#include "scratch.hpp"


#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace khung;

namespace {

struct Scratch : ScratchDir {
  Scratch() : ScratchDir("data-test") {}
};

std::vector<DataRow> read_all(const std::filesystem::path& file) {
  DataReader reader(file);
  std::vector<DataRow> rows;
  while (auto row = reader.next()) rows.push_back(std::move(*row));
  return rows;
}

// The message of the first error met while opening the file and reading
// all its rows.
std::string error_of(const std::filesystem::path& file) {
  try {
    read_all(file);
  } catch (const Error& e) {
    return e.what();
  }
  return "(read)";
}

ErrorCode code_of(const std::filesystem::path& file) {
  try {
    read_all(file);
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("no error");
  return ErrorCode::InvalidArgument;
}

// "data '<scratch>/name': " as messages start.
std::string in(const Scratch& s, const std::string& name) { return "data '" + (s.dir / name).string() + "': "; }

}  // namespace

TEST_CASE("CSV: quoted fields keep separators, doubled quotes and newlines", "[data][csv]") {
  Scratch s;
  auto file = s.write("m.csv",
                      "unit,slogan\n"
                      "\"Công đoàn, Hà Nội\",\"Nói \"\"có\"\" với\nsáng kiến\"\n"
                      "plain,\"\"\n");
  DataReader reader(file);
  CHECK(reader.columns() == std::vector<std::string>{"unit", "slogan"});
  CHECK(reader.path() == file);
  auto row = reader.next();
  REQUIRE(row);
  CHECK(row->number == 1);
  CHECK(row->fields.at("unit") == "Công đoàn, Hà Nội");
  CHECK(row->fields.at("slogan") == "Nói \"có\" với\nsáng kiến");
  row = reader.next();
  REQUIRE(row);
  CHECK(row->number == 2);
  CHECK(row->fields.at("unit") == "plain");
  CHECK(row->fields.at("slogan").empty());
  CHECK_FALSE(reader.next());
  CHECK_FALSE(reader.next());
}

TEST_CASE("CSV: a byte-order mark is skipped", "[data][csv]") {
  Scratch s;
  auto rows = read_all(s.write("bom.csv", "\xEF\xBB\xBFname,unit\nAn,Tổ 1\n"));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].fields.at("name") == "An");  // not "\xEF\xBB\xBFname"
  CHECK(rows[0].fields.at("unit") == "Tổ 1");
}

TEST_CASE("CSV: the separator is whichever of , and ; the header has more of", "[data][csv]") {
  Scratch s;
  // Excel in a Vietnamese locale writes ';' (the decimal separator is ',').
  auto rows = read_all(s.write("semi.csv", "name;amount;unit\nAn;1,5;\"Tổ; 1\"\n"));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].fields.at("amount") == "1,5");
  CHECK(rows[0].fields.at("unit") == "Tổ; 1");

  // Separators inside quotes are not counted; a tie is ','.
  DataReader quoted(s.write("q.csv", "\"a;b;c\",d\n1,2\n"));
  CHECK(quoted.columns() == std::vector<std::string>{"a;b;c", "d"});
  DataReader tie(s.write("tie.csv", "a;b,c\n1;2,3\n"));
  CHECK(tie.columns() == std::vector<std::string>{"a;b", "c"});
  DataReader single(s.write("one.csv", "name\nAn; Bình\n\"Chi, Dũng\"\nGiang, Hà\n"));
  CHECK(single.columns() == std::vector<std::string>{"name"});
  CHECK(single.next()->fields.at("name") == "An; Bình");
  CHECK(single.next()->fields.at("name") == "Chi, Dũng");
  CHECK_THROWS_WITH(single.next(), in(s, "one.csv") + "line 4: 2 cells, but the header has 1 column");
}

TEST_CASE("CSV: CRLF line ends; CRLF inside quotes is kept as written", "[data][csv]") {
  Scratch s;
  auto rows = read_all(s.write("crlf.csv", "name,note\r\nAn,\"one\r\ntwo\"\r\nBình,x\r\n"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].fields.at("name") == "An");
  CHECK(rows[0].fields.at("note") == "one\r\ntwo");
  CHECK(rows[1].fields.at("note") == "x");  // no stray '\r'
  CHECK(rows[1].line == 4);

  // Excel for Mac's "CSV (Macintosh)" ends lines with a lone CR.
  auto mac = read_all(s.write("mac.csv", "name,note\rAn,1\rBình,2\r"));
  REQUIRE(mac.size() == 2);
  CHECK(mac[1].fields.at("note") == "2");
  CHECK(mac[1].line == 3);
}

TEST_CASE("CSV: blank lines and empty rows are skipped, wherever they are", "[data][csv]") {
  Scratch s;
  auto file = s.write("blank.csv", "\n\nname,unit\n\nAn,1\n,\n\r\nBình,2\n\n\n\r\n");
  auto rows = read_all(file);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].fields.at("name") == "An");
  CHECK(rows[0].number == 1);
  CHECK(rows[0].line == 5);
  CHECK(rows[1].fields.at("name") == "Bình");
  CHECK(rows[1].number == 2);
  CHECK(rows[1].line == 8);
  CHECK(count_rows(file) == 2);

  // A file with nothing in it has no columns and no rows.
  DataReader empty(s.write("empty.csv", ""));
  CHECK(empty.columns().empty());
  CHECK_FALSE(empty.next());
  CHECK(count_rows(s.dir / "empty.csv") == 0);
  // A header alone has columns and no rows.
  DataReader header(s.write("header.csv", "name,unit"));
  CHECK(header.columns().size() == 2);
  CHECK_FALSE(header.next());
}

TEST_CASE("CSV: header names are trimmed; values are kept as they are", "[data][csv]") {
  Scratch s;
  auto rows = read_all(s.write("trim.csv", " name ,\t\"unit\" \n  An  ,\" Tổ 1 \"\n"));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].fields.at("name") == "  An  ");
  CHECK(rows[0].fields.at("\"unit\"") == " Tổ 1 ");
  DataReader reader(s.dir / "trim.csv");
  CHECK(reader.columns() == std::vector<std::string>{"name", "\"unit\""});
}

TEST_CASE("CSV: a row with fewer cells has empty values", "[data][csv]") {
  Scratch s;
  auto rows = read_all(s.write("few.csv", "a,b,c\n1\n1,2\n"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].fields == std::map<std::string, std::string, std::less<>>{{"a", "1"}, {"b", ""}, {"c", ""}});
  CHECK(rows[1].fields.at("b") == "2");
  CHECK(rows[1].fields.at("c").empty());
}

TEST_CASE("CSV: a row with more cells than the header names its line; the next row still reads", "[data][csv]") {
  Scratch s;
  auto file = s.write("many.csv", "a,b\n1,2\n\"x\ny\",2,3\n4,5\n");
  DataReader reader(file);
  CHECK(reader.next()->fields.at("a") == "1");
  CHECK_THROWS_WITH(reader.next(), in(s, "many.csv") + "line 3: 3 cells, but the header has 2 columns");
  auto after = reader.next();
  REQUIRE(after);
  CHECK(after->number == 3);  // the bad row kept its number
  CHECK(after->line == 5);
  CHECK(after->fields.at("a") == "4");
  CHECK_FALSE(reader.next());
  CHECK(count_rows(file) == 3);
  CHECK(code_of(file) == ErrorCode::InvalidArgument);
}

TEST_CASE("CSV: an unclosed quote names the line where it opens, and stops the reader", "[data][csv]") {
  Scratch s;
  auto file = s.write("open.csv", "a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n11,\"12\n13,14\n");
  DataReader reader(file);
  for (int i = 0; i < 5; ++i) CHECK(reader.next());
  std::string message = in(s, "open.csv") + "line 7: unclosed quote";
  CHECK_THROWS_WITH(reader.next(), message);
  CHECK_THROWS_WITH(reader.next(), message);  // the file is broken: no row after it
  CHECK_THROWS_WITH(count_rows(file), message);
}

TEST_CASE("CSV: text after a closing quote is an error naming the line", "[data][csv]") {
  Scratch s;
  auto file = s.write("after.csv", "a,b\n\"x\"y,2\n3,4\n");
  DataReader reader(file);
  CHECK_THROWS_WITH(reader.next(), Catch::StartsWith(in(s, "after.csv") + "line 2: text after the closing quote"));
  CHECK(reader.next()->fields.at("a") == "3");
  // A quote inside an unquoted cell is a character.
  CHECK(read_all(s.write("inch.csv", "size\n5\" screen\n"))[0].fields.at("size") == "5\" screen");
}

TEST_CASE("CSV: duplicate or empty header names are errors naming the column", "[data][csv]") {
  Scratch s;
  CHECK_THROWS_WITH(DataReader(s.write("dup.csv", "name,unit, name\n1,2,3\n")),
                    in(s, "dup.csv") + "line 1: column 3 of the header repeats the name 'name' of column 1");
  CHECK_THROWS_WITH(DataReader(s.write("noname.csv", "\nname,,unit\n")),
                    in(s, "noname.csv") + "line 2: column 2 of the header has no name");
  CHECK_THROWS_WITH(count_rows(s.dir / "dup.csv"), Catch::Contains("repeats the name"));
}

TEST_CASE("CSV: invalid UTF-8 is an error naming the line and the fix, not mangled text", "[data][csv]") {
  Scratch s;
  const std::string not_utf8 = "invalid UTF-8: the file is in another encoding (Windows-1258?); in Excel, save it as "
                               "\"CSV UTF-8 (Comma delimited)\"";
  // "Việt" in Windows-1258 (V i e + 0xF2 as tone mark combination, t).
  auto file = s.write("cp1258.csv", "name,unit\nAn,ok\nBình,\"line\nVi\xEA\xF2t\"\nChi,ok\n");
  DataReader reader(file);
  CHECK(reader.next());
  try {
    reader.next();
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(std::string(e.what()) == in(s, "cp1258.csv") + "line 4: " + not_utf8);
  }
  CHECK(reader.next()->fields.at("name") == "Chi");
  CHECK(count_rows(file) == 3);

  // Overlong forms and surrogates are invalid too; so is a bad header.
  CHECK(error_of(s.write("overlong.csv", "a\n\xC0\xAF\n")) == in(s, "overlong.csv") + "line 2: " + not_utf8);
  CHECK(error_of(s.write("surrogate.csv", "a\n\xED\xA0\x80\n")) == in(s, "surrogate.csv") + "line 2: " + not_utf8);
  CHECK(error_of(s.write("head.csv", "t\xEAn\nAn\n")) == in(s, "head.csv") + "line 1: " + not_utf8);
  // UTF-16 (Excel's "Unicode text") is named as such.
  CHECK(error_of(s.write("utf16.csv", std::string("\xFF\xFEn\0a\0", 6))) ==
        in(s, "utf16.csv") + "the file is UTF-16 text; save it as CSV UTF-8 or JSON");
  // So is a workbook given for its CSV export.
  CHECK(error_of(s.write("book.csv", std::string("PK\x03\x04\x14\0\x06\0", 8))) ==
        in(s, "book.csv") + "the file is a spreadsheet workbook, not text; save it as CSV UTF-8");
  CHECK(error_of(s.write("book.json", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) ==
        in(s, "book.json") + "the file is a spreadsheet workbook, not text; save it as CSV UTF-8");
}

TEST_CASE("CSV: a row's line is where it starts, counting newlines inside quotes", "[data][csv]") {
  Scratch s;
  auto rows = read_all(s.write("lines.csv",
                               "name,address\n"           // 1
                               "An,\"1 Lê Lợi\nHuế\"\n"   // 2-3
                               "Bình,\"a\r\n\r\nb\"\r\n"  // 4-6
                               "\n"                       // 7
                               "Chi,c\n"));               // 8
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].line == 2);
  CHECK(rows[1].line == 4);
  CHECK(rows[1].fields.at("address") == "a\r\n\r\nb");
  CHECK(rows[2].line == 8);
  CHECK(rows[2].number == 3);
}

TEST_CASE("CSV: a cell over 1 MB is an error naming the line", "[data][csv]") {
  Scratch s;
  std::string big(std::size_t(1) << 20, 'x');
  CHECK(read_all(s.write("max.csv", "a\n" + big + "\n"))[0].fields.at("a").size() == big.size());
  auto file = s.write("big.csv", "a,b\n1,2\n3,\"" + big + "y\"\n");
  CHECK(error_of(file) == in(s, "big.csv") + "line 3: a cell is longer than 1 MB (is a quote left open?)");
}

TEST_CASE("missing files and folders are I/O errors", "[data]") {
  Scratch s;
  auto missing = s.dir / "missing.csv";
  CHECK_THROWS_WITH(DataReader(missing), in(s, "missing.csv") + "No such file or directory");
  CHECK_THROWS_WITH(count_rows(s.dir / "missing.json"), in(s, "missing.json") + "No such file or directory");
  CHECK(code_of(missing) == ErrorCode::Io);
  std::filesystem::create_directories(s.dir / "folder.csv");
  CHECK(code_of(s.dir / "folder.csv") == ErrorCode::Io);
}

TEST_CASE("JSON: an array of objects; scalars become their JSON text", "[data][json]") {
  Scratch s;
  auto file = s.write("m.JSON",
                      "\xEF\xBB\xBF[\n"
                      "  {\"name\": \"An\", \"age\": 12, \"score\": 3.5, \"member\": true, \"note\": null},\n"
                      "  {\"unit\": \"Tổ 1\", \"name\": \"Bình\", \"big\": 1e3, \"neg\": -7, \"off\": false,\n"
                      "   \"esc\": \"a\\\"b\\n\\u00e1\"}\n"
                      "]\n");
  DataReader reader(file);
  CHECK(reader.columns() ==
        std::vector<std::string>{"name", "age", "score", "member", "note", "unit", "big", "neg", "off", "esc"});
  auto a = reader.next();
  REQUIRE(a);
  CHECK(a->number == 1);
  CHECK(a->line == 0);
  CHECK(a->fields.at("name") == "An");
  CHECK(a->fields.at("age") == "12");
  CHECK(a->fields.at("score") == "3.5");
  CHECK(a->fields.at("member") == "true");
  CHECK(a->fields.at("note").empty());
  CHECK(a->fields.at("unit").empty());  // a key of a later row
  auto b = reader.next();
  REQUIRE(b);
  CHECK(b->number == 2);
  CHECK(b->fields.at("unit") == "Tổ 1");
  CHECK(b->fields.at("big") == "1e3");  // as written
  CHECK(b->fields.at("neg") == "-7");
  CHECK(b->fields.at("off") == "false");
  CHECK(b->fields.at("esc") == "a\"b\ná");
  CHECK(b->fields.at("age").empty());
  CHECK(b->fields.size() == 10);
  CHECK_FALSE(reader.next());
  CHECK(count_rows(file) == 2);

  auto none = s.write("none.json", " [ ] ");
  CHECK(read_all(none).empty());
  CHECK(count_rows(none) == 0);
}

TEST_CASE("JSON: errors name the row, or the line for broken JSON", "[data][json]") {
  Scratch s;
  CHECK(error_of(s.write("obj.json", "{\"name\": \"An\"}")) ==
        in(s, "obj.json") + "line 1: expected a JSON array of objects, one per row ([{\"column\": \"value\"}, ...])");
  CHECK(error_of(s.write("empty.json", "\n")) ==
        in(s, "empty.json") + "the file is empty; expected a JSON array of objects, one per row");

  // A row's own problem: the reader goes on with the next row.
  auto file = s.write("rows.json",
                      "[{\"name\": \"An\"},\n"
                      " \"Bình\",\n"
                      " {\"name\": \"Chi\", \"tags\": [\"a\"]},\n"
                      " {\"name\": {\"first\": \"D\"}},\n"
                      " {\"name\": \"E\", \"name\": \"F\"},\n"
                      " {\"\": 1},\n"
                      " {\"name\": \"V\xEA\xF2t\"},\n"
                      " {\"name\": \"G\"}]");
  DataReader reader(file);
  CHECK(reader.columns() == std::vector<std::string>{"name"});
  CHECK(reader.next()->fields.at("name") == "An");
  std::string at = in(s, "rows.json");
  CHECK_THROWS_WITH(reader.next(),
                    at + "row 2 (line 2): must be an object ({\"column\": \"value\", ...}), not a string");
  CHECK_THROWS_WITH(
      reader.next(),
      at + "row 3 (line 3): key 'tags': an array is not a value (values are strings, numbers, booleans or null)");
  CHECK_THROWS_WITH(
      reader.next(),
      at + "row 4 (line 4): key 'name': an object is not a value (values are strings, numbers, booleans or null)");
  CHECK_THROWS_WITH(reader.next(), at + "row 5 (line 5): key 'name' appears twice");
  CHECK_THROWS_WITH(reader.next(), at + "row 6 (line 6): a key is empty");
  CHECK_THROWS_WITH(reader.next(),
                    at + "row 7 (line 7): invalid UTF-8: the file is in another encoding (Windows-1258?); save it as UTF-8");
  auto last = reader.next();
  REQUIRE(last);
  CHECK(last->number == 8);
  CHECK(last->fields.at("name") == "G");
  CHECK_FALSE(reader.next());
  CHECK(count_rows(file) == 8);

  // Broken JSON names the line and stops the whole file (already when opening).
  auto broken = s.write("broken.json", "[\n{\"name\": \"An\"},\n{\"name\": \"Bình\",\n \"unit\" 1}\n]");
  CHECK_THROWS_WITH(DataReader(broken), Catch::StartsWith(in(s, "broken.json") + "line 4: invalid JSON: syntax error"));
  CHECK_THROWS_WITH(count_rows(broken), Catch::StartsWith(in(s, "broken.json") + "line 4: invalid JSON"));
  CHECK(error_of(s.write("comma.json", "[{\"a\": 1},\n]")) ==
        in(s, "comma.json") + "line 2: invalid JSON: a value is missing (two commas, or a comma before ']')");
  CHECK(error_of(s.write("open.json", "[{\"a\": 1},\n{\"a\": 2}\n")) ==
        in(s, "open.json") + "line 3: invalid JSON: the file ends before the array's closing ']'");
  CHECK(error_of(s.write("tail.json", "[{\"a\": 1}]\n[]")) ==
        in(s, "tail.json") + "line 2: invalid JSON: text after the array's closing ']'");
  CHECK_THROWS_WITH(DataReader(s.write("glued.json", "[{\"a\": 1} {\"a\": 2}]")),
                    Catch::StartsWith(in(s, "glued.json") + "line 1: invalid JSON"));
  CHECK_THROWS_WITH(DataReader(s.write("string.json", "[{\"a\": \"x\ny\"}]")),
                    Catch::StartsWith(in(s, "string.json") + "line 1: invalid JSON"));
  // The parser quotes what it read byte by byte; a message never ends inside a character.
  try {
    DataReader(s.write("cut.json", "[{\"a\": 3.5\xEF\xBB\xBF}]"));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::StartsWith(in(s, "cut.json") + "line 1: invalid JSON: syntax error"));
    CHECK_NOTHROW(to_nfc(e.what()));
  }
}

TEST_CASE("count_rows agrees with next()", "[data]") {
  Scratch s;
  std::vector<std::filesystem::path> files = {
      s.write("a.csv", "a,b\n1,2\n\n\"3\n\",4\n5,6,7\n\n,\n8\n"),
      s.write("b.csv", "x;y\r\n1;2\r\n\r\n3;4"),
      s.write("c.json", "[{\"a\": 1}, 2, {\"b\": [1]}, {}]"),
      s.write("d.csv", "only,header\n\n\n"),
  };
  for (const auto& file : files) {
    INFO(file.filename().string());
    DataReader reader(file);
    std::size_t rows = 0, last = 0;
    for (;;) {
      try {
        auto row = reader.next();
        if (!row) break;
        last = row->number;
        ++rows;
      } catch (const Error&) {
        ++rows;  // a bad row is still a row
      }
    }
    CHECK(count_rows(file) == rows);
    CHECK(last <= rows);
  }
}

TEST_CASE("Vietnamese text passes through byte for byte, NFC and NFD alike", "[data]") {
  Scratch s;
  std::string nfc = "Tự hào trí tuệ lao động Việt Nam – Ấ Ầ Ẩ Ẫ Ậ Ỗ ỷ đ";
  std::string nfd = to_nfd(nfc);
  REQUIRE(nfd != nfc);
  auto csv = read_all(s.write("vi.csv", "nfc,nfd\n" + nfc + ",\"" + nfd + "\"\n"));
  REQUIRE(csv.size() == 1);
  CHECK(csv[0].fields.at("nfc") == nfc);
  CHECK(csv[0].fields.at("nfd") == nfd);
  auto json = read_all(s.write("vi.json", "[{\"nfc\": \"" + nfc + "\", \"nfd\": \"" + nfd + "\"}]"));
  REQUIRE(json.size() == 1);
  CHECK(json[0].fields.at("nfc") == nfc);
  CHECK(json[0].fields.at("nfd") == nfd);
  // Vietnamese column names too.
  DataReader named(s.write("cot.csv", "đơn vị,tên\nTổ 1,An\n"));
  CHECK(named.columns() == std::vector<std::string>{"đơn vị", "tên"});
}

TEST_CASE("a 100 000-row CSV is read row by row", "[data][large]") {
  Scratch s;
  const std::size_t n = 100000;
  {
    std::ofstream out(s.dir / "big.csv", std::ios::binary);
    out << "\xEF\xBB\xBFnumber;unit;slogan\r\n";
    for (std::size_t i = 1; i <= n; ++i)
      out << i << ";Công đoàn cơ sở số " << i << ";\"Tự hào trí tuệ lao động Việt Nam;\r\n01 triệu sáng kiến\"\r\n";
  }
  auto file = s.dir / "big.csv";
  DataReader reader(file);
  std::size_t rows = 0;
  while (auto row = reader.next()) {
    ++rows;
    if (row->number != rows || row->line != 2 * rows || row->fields.at("number") != std::to_string(rows)) {
      FAIL("row " << rows << " read wrong");
    }
  }
  CHECK(rows == n);
  CHECK(count_rows(file) == n);
}

TEST_CASE("a moved-from reader is empty", "[data]") {
  Scratch s;
  DataReader a(s.write("m.csv", "a\n1\n"));
  DataReader b(std::move(a));
  CHECK(b.columns().size() == 1);
  CHECK(b.next());
  a = std::move(b);
  CHECK_FALSE(a.next());
}
