#include "khung/error.hpp"
#include "khung/template_cache.hpp"

#include <catch2/catch.hpp>

#include "scratch.hpp"
#include "template/template_data.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using namespace khung;
namespace fs = std::filesystem;

namespace {

std::string banner(int width, const std::string& colour) {
  return R"({"width": )" + std::to_string(width) + R"(, "height": 50, "layers": [{"type": "fill", "color": ")" + colour +
         R"("}]})";
}

// The same template: one load shared, not two loads alike.
bool same(const Template& a, const Template& b) { return &detail::template_data(a) == &detail::template_data(b); }

}  // namespace

TEST_CASE("a template is loaded once and reused while its file is unchanged", "[template_cache]") {
  ScratchDir s("template-cache");
  TemplateCache cache;
  const fs::path file = s.write("mine.json", banner(100, "#C8102E"));
  const Template first = cache.load(file.string());
  CHECK(same(cache.load(file.string()), first));
  // An id and a path to the same file, or the path spelt another way, share it.
  CHECK(same(cache.load("cover"), cache.load((Template::bundled_dir() / "cover.json").string())));
  CHECK(same(cache.load((s.dir / "." / "mine.json").string()), first));
  CHECK(cache.size() == 2);

  // A changed file is loaded again: a new modification time...
  s.write("mine.json", banner(100, "#FFD23F"));
  fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(1));
  const Template second = cache.load(file.string());
  CHECK_FALSE(same(second, first));
  CHECK(second.fingerprint() != first.fingerprint());
  CHECK(same(cache.load(file.string()), second));
  // ... or a new size, even at the same time.
  const auto time = fs::last_write_time(file);
  s.write("mine.json", banner(1000, "#FFD23F"));
  fs::last_write_time(file, time);
  CHECK(cache.load(file.string()).size() == Size{1000, 50});
  CHECK(cache.size() == 2);
}

TEST_CASE("the cache holds its capacity, dropping the least recently used", "[template_cache]") {
  ScratchDir s("template-cache");
  TemplateCache cache(2);
  std::vector<std::string> files;
  for (int i = 0; i < 3; ++i) files.push_back(s.write("t" + std::to_string(i) + ".json", banner(100 + i, "#000")).string());
  const Template t0 = cache.load(files[0]);
  const Template t1 = cache.load(files[1]);
  CHECK(same(cache.load(files[0]), t0));  // t0 used last: t1 goes next
  cache.load(files[2]);
  CHECK(cache.size() == 2);
  CHECK(same(cache.load(files[0]), t0));
  CHECK_FALSE(same(cache.load(files[1]), t1));  // loaded again
  CHECK(cache.size() == 2);
}

TEST_CASE("the cache throws what Template::load throws and keeps no error", "[template_cache]") {
  ScratchDir s("template-cache");
  TemplateCache cache;
  CHECK_THROWS_WITH(cache.load("no-such-template"), "template 'no-such-template': no such template");
  CHECK_THROWS_WITH(cache.load("Bad Id!"), "template id 'Bad Id!': ids are lower-case letters, digits, '-' and '_'");
  const fs::path file = s.write("t.json", "{");
  CHECK_THROWS_WITH(cache.load(file.string()), "template '" + file.string() + "': invalid JSON at line 1, column 2");
  s.write("t.json", banner(100, "#000"));
  fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(1));
  CHECK(cache.load(file.string()).size() == Size{100, 50});
  CHECK(cache.size() == 1);
}

TEST_CASE("threads load through one cache at once", "[template_cache]") {
  // Four templates through three places: threads hit, miss and evict at once.
  ScratchDir s("template-cache");
  std::vector<std::string> files;
  for (int i = 0; i < 4; ++i) files.push_back(s.write("t" + std::to_string(i) + ".json", banner(100 + i, "#000")).string());
  TemplateCache cache(3);
  std::vector<std::thread> threads;
  std::vector<std::vector<Template>> loaded(8);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) loaded[t].push_back(cache.load(files[(t + i) % 4]));
    });
  for (auto& t : threads) t.join();
  for (int t = 0; t < 8; ++t)
    for (int i = 0; i < 200; ++i) CHECK(loaded[t][i].size().width == 100 + (t + i) % 4);
  CHECK(cache.size() == 3);
}
