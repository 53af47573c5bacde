#include "khung/version.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <regex>
#include <string>

TEST_CASE("the version is the root CMakeLists.txt's project version", "[version]") {
  std::ifstream in(KHUNG_SOURCE_DIR "/CMakeLists.txt");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex(R"(project\(khung VERSION ([0-9]+\.[0-9]+\.[0-9]+))")));
  CHECK(std::string(khung::version()) == m[1].str());
}
